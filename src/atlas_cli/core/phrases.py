"""Phrases curators write in the registries: their syntax, read into a small program.

The criteria registry and the cue lists of `atlas criteria` describe wording in a
phrase syntax instead of regular expressions, so a curator can extend them without
learning regex and without writing one that hangs on a long text:

- words separated by spaces; case is ignored, except in words written in capitals
  (`CCC`, `ICC`, `ME/CFS`, `NICE`), which match only in capitals;
- whole words only: `met` does not match inside `metabolic`;
- a space matches any run of spaces, line breaks or dashes (`CDC 1994` matches
  `CDC-1994`); a hyphen inside a word may also be a space or nothing
  (`post-exertional` matches `postexertional` and `post exertional`);
- punctuation stands for itself (`( N meeting`, `ICC =`), with or without spaces around;
- `word*` matches every word that begins with `word` (`fulfil*`: fulfils, fulfilled);
- `...` stands for up to three other words, none of them a connector or a small word
  (`and`, `or`, `the`, `who`, `met`, `of`...) (`Canadian ... criteria` matches
  `Canadian clinical diagnostic criteria`, not `Canadian patients who met the criteria`);
- `N` a number (`26`, `1,388`, `twenty-six`), `N%` a percentage (`85%`);
- `{name}` a list named elsewhere in the same file (for example `{pem}`).

A phrase is read into a tuple of elements (Word, Number, Gap, ListRef) that
criteria.phraseset matches against the words of a text: no regular expression is
built, so nothing is compiled at startup and no phrase can backtrack without bound.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred"
).split()
UNIT_WORDS = frozenset(NUMBER_WORDS[:9])
# Words a `...` gap never crosses: connectors (`Canadian and Fukuda criteria` names two
# definitions) and the small words of a clause (`Canadian patients who met the criteria`).
STOP_WORDS = frozenset(
    "and or nor vs versus plus but with than the a an who whom which that were was is are be been "
    "had have has met meet meeting to in on at by from for as of".split()
)
GAP_WORDS = 3
SUBTOKEN = re.compile(r"\w+|[^\w\s]")
_PLACEHOLDER = re.compile(r"^\{([a-z_]+)\}$")
_MAX_HYPHENS = 3


class PhraseError(ValueError):
    """A phrase that does not follow the syntax (the message says why)."""


@dataclass(frozen=True)
class Word:
    """One space-separated word of a phrase, as the text's tokens it must equal.

    variants: each a sequence of (token, spaced): `spaced` is True when the token
    follows the one before after whitespace (a hyphen written as a space), False
    when it follows it directly. `exact`: compare with case (otherwise the tokens
    are kept in lower case); `prefix`: the last token need only begin so.
    """

    variants: tuple[tuple[tuple[str, bool], ...], ...]
    exact: bool
    prefix: bool
    wordy_start: bool
    wordy_end: bool


@dataclass(frozen=True)
class Number:
    percent: bool = False
    wordy_start: bool = True
    wordy_end: bool = True


@dataclass(frozen=True)
class Gap:
    wordy_start: bool = True
    wordy_end: bool = True


@dataclass(frozen=True)
class ListRef:
    name: str
    wordy_start: bool = True
    wordy_end: bool = True


Element = Word | Number | Gap | ListRef


def _capitals(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and not any(c.islower() for c in letters)


_PLAIN = re.compile(r"\w+\*?")


@lru_cache(maxsize=4096)
def _word(token: str, phrase: str) -> Word:
    if _PLAIN.fullmatch(token):  # most words: no hyphen, apostrophe or punctuation
        prefix = token.endswith("*")
        body = token.rstrip("*")
        exact = _capitals(body)
        return Word((((body if exact else body.lower(), False),),), exact, prefix, True, True)
    prefix = token.endswith("*") and len(token) > 1
    body = token[:-1] if prefix else token
    if "*" in body:
        raise PhraseError(f"`*` may only end a word (in {phrase!r})")
    if "{" in body or "}" in body:
        raise PhraseError(f"a list is written {{name}} in lower case, alone (in {phrase!r})")
    parts = SUBTOKEN.findall(body)
    exact = _capitals(body)
    hyphens = [
        i
        for i, p in enumerate(parts)
        if p == "-" and 0 < i < len(parts) - 1 and parts[i - 1][0].isalnum() and parts[i + 1][0].isalnum()
    ]
    variants: list[tuple[tuple[str, bool], ...]] = []
    choices = [("keep",), ("keep", "space", "join")][1 if len(hyphens) <= _MAX_HYPHENS else 0]
    combos: list[dict[int, str]] = [{}]
    for h in hyphens:
        combos = [{**c, h: choice} for c in combos for choice in choices]
    for combo in combos:
        seq: list[tuple[str, bool]] = []
        join_next = space_next = False
        for i, part in enumerate(parts):
            how = combo.get(i)
            if how in ("space", "join"):
                join_next, space_next = how == "join", how == "space"
                continue
            if join_next and seq:
                seq[-1] = (seq[-1][0] + part, seq[-1][1])
            else:
                seq.append((part, space_next))
            join_next = space_next = False
        variants.append(tuple(seq) if exact else tuple((t.lower(), spaced) for t, spaced in seq))
    last = parts[-1] if parts else ""
    return Word(
        variants=tuple(dict.fromkeys(variants)),
        exact=exact,
        prefix=prefix,
        wordy_start=bool(parts) and parts[0][0].isalnum(),
        wordy_end=prefix or (bool(last) and last[-1].isalnum()),
    )


def parse_phrase(phrase: str, lists: Iterable[str] = ()) -> tuple[Element, ...]:
    """PHRASE read into elements; PhraseError when it does not follow the syntax.

    LISTS: the names a `{name}` placeholder may use here.
    """
    if not isinstance(phrase, str):
        raise PhraseError(f"a phrase must be text, got {phrase!r}")
    return _parse(phrase, frozenset(lists))


@lru_cache(maxsize=8192)
def _parse(phrase: str, lists: frozenset[str]) -> tuple[Element, ...]:
    tokens = phrase.split()
    if not tokens:
        raise PhraseError("a phrase must not be empty")
    if tokens[0] == "..." or tokens[-1] == "...":
        raise PhraseError(f"`...` must stand between two words (in {phrase!r})")
    known = lists
    elements: list[Element] = []
    for token in tokens:
        placeholder = _PLACEHOLDER.match(token)
        if token == "...":
            if elements and isinstance(elements[-1], Gap):
                raise PhraseError(f"two `...` in a row (in {phrase!r})")
            elements.append(Gap())
        elif placeholder:
            if placeholder.group(1) not in known:
                names = ", ".join(f"{{{n}}}" for n in sorted(known)) or "none here"
                raise PhraseError(f"unknown list {token} (known: {names})")
            elements.append(ListRef(placeholder.group(1)))
        elif token == "N":
            elements.append(Number())
        elif token == "N%":
            elements.append(Number(percent=True, wordy_end=False))
        else:
            elements.append(_word(token, phrase))
    return tuple(elements)


def check_phrase(phrase: object, lists: Iterable[str] = ()) -> str | None:
    """Why PHRASE is not a valid phrase, or None when it is."""
    try:
        parse_phrase(phrase, lists)  # type: ignore[arg-type]
    except PhraseError as exc:
        return str(exc)
    return None
