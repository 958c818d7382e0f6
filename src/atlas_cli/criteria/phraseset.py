"""Finding many phrases in a text in time linear in its length, with nothing to compile.

The text is cut once into tokens (words, and single punctuation marks), indexed by
their first three letters. A phrase (core.phrases) is tried only where a token it
can begin with stands, by comparing tokens: no regular expression is built, so a
short passage costs almost nothing to read, and no phrase can backtrack without
bound (a `...` tries at most three words).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from atlas_cli.core.phrases import (
    GAP_WORDS,
    NUMBER_WORDS,
    STOP_WORDS,
    UNIT_WORDS,
    Element,
    Gap,
    ListRef,
    Number,
    Word,
    parse_phrase,
)

NUMBER_KEY = "#num"
DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014")
APOSTROPHES = frozenset("'\u2019")
_TOKEN = re.compile(r"\w+|[^\w\s]")
_NUMBER_WORDS = frozenset(NUMBER_WORDS)
_GAP_JOINERS = frozenset("/-'\u2019\u2010\u2011")


def _key(word: str) -> str:
    return word[:3].lower()


class TokenIndex:
    """The tokens of a text, with their offsets, indexed by their first three letters."""

    def __init__(self, text: str) -> None:
        self.text = text
        starts: list[int] = []
        ends: list[int] = []
        tokens: list[str] = []
        keys: dict[str, list[int]] = {}
        words = 0
        for i, match in enumerate(_TOKEN.finditer(text)):
            token = match.group()
            starts.append(match.start())
            ends.append(match.end())
            tokens.append(token)
            keys.setdefault(_key(token), []).append(i)
            if token[0].isalnum():
                words += 1
                if token.isdigit() or token.lower() in _NUMBER_WORDS:
                    keys.setdefault(NUMBER_KEY, []).append(i)
        self.starts = starts
        self.ends = ends
        self.tokens = tokens
        self.lower = [t.lower() for t in tokens]
        self.keys = keys
        self.words = words  # how many words the text has (0: nothing to read)

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """The tokens inside text[start:end]: indices [first, last)."""
        return bisect_left(self.starts, start), bisect_left(self.starts, end)

    def tokens_with(self, key: str, first: int, last: int) -> list[int]:
        found = self.keys.get(key)
        if not found:
            return []
        return found[bisect_left(found, first) : bisect_left(found, last)]


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    label: Hashable
    phrase: str


def _first_keys(elements: tuple[Element, ...], lists: Mapping[str, list[tuple[Element, ...]]]) -> set[str]:
    first = elements[0]
    if isinstance(first, Number):
        return {NUMBER_KEY}
    if isinstance(first, ListRef):
        return set().union(*(_first_keys(term, lists) for term in lists[first.name]))
    assert isinstance(first, Word)
    return {_key(variant[0][0]) for variant in first.variants}


class _Matcher:
    """Matches phrase elements against the tokens of one text."""

    def __init__(self, index: TokenIndex, last: int, end: int, lists: Mapping[str, list[tuple[Element, ...]]]):
        self.index = index
        self.last = last  # tokens from here on are outside the range
        self.end = end  # no match may end after this offset
        self.lists = lists

    def _between(self, t: int) -> str:
        index = self.index
        return index.text[index.ends[t - 1] : index.starts[t]]

    def _separated(self, t: int, spaced: bool) -> int:
        """Where the next element may begin after token t-1: -1 if the text between does not allow it."""
        index = self.index
        if spaced:  # spaces, line breaks or dashes, at least one
            j = t
            while j < self.last and index.tokens[j] in DASHES:
                j += 1
            if j >= self.last:
                return -1
            gap = index.text[index.ends[t - 1] : index.starts[j]]
            return j if gap and all(c.isspace() or c in DASHES for c in gap) else -1
        if t >= self.last:
            return -1
        return t if not self._between(t).strip() else -1

    def _same(self, t: int, want: str, exact: bool, prefix: bool) -> bool:
        index = self.index
        token = index.tokens[t]
        if want == "-":
            return token in DASHES
        if want in APOSTROPHES:
            return token in APOSTROPHES
        if not exact:
            token = index.lower[t]  # the phrase's own tokens are in lower case already
        return token.startswith(want) if prefix else token == want

    def _word(self, word: Word, t: int) -> int:
        index = self.index
        for variant in word.variants:
            j = t
            ok = True
            for k, (token, spaced) in enumerate(variant):
                if k:
                    if j >= self.last:
                        ok = False
                        break
                    between = self._between(j)
                    if (spaced and not (between and between.isspace())) or (not spaced and between):
                        ok = False
                        break
                if j >= self.last or not self._same(j, token, word.exact, word.prefix and k == len(variant) - 1):
                    ok = False
                    break
                j += 1
            if ok and index.ends[j - 1] <= self.end:
                return j
        return -1

    def _number(self, number: Number, t: int) -> int:
        index = self.index
        token = index.tokens[t]
        j = t + 1
        if token.isdigit():
            while j + 1 < self.last and index.tokens[j] in ",." and index.tokens[j + 1].isdigit():
                if self._between(j) or self._between(j + 1):
                    break
                j += 2
        elif index.lower[t] in _NUMBER_WORDS:
            if j + 1 < self.last and index.tokens[j] in DASHES and index.lower[j + 1] in UNIT_WORDS:
                if not self._between(j) and not self._between(j + 1):
                    j += 2
            elif j < self.last and index.lower[j] in UNIT_WORDS and self._between(j).isspace():
                j += 1
        else:
            return -1
        if number.percent:
            if j >= self.last or index.tokens[j] != "%" or self._between(j).strip():
                return -1
            j += 1
        return j if index.ends[j - 1] <= self.end else -1

    def _gap_word(self, t: int) -> int:
        """The end of one gap word starting at token t (-1: not a word a gap may cross)."""
        index = self.index
        if t >= self.last or not index.tokens[t][0].isalnum() or index.lower[t] in STOP_WORDS:
            return -1
        j = t + 1
        while (
            j < self.last and not self._between(j) and (index.tokens[j][0].isalnum() or index.tokens[j] in _GAP_JOINERS)
        ):
            j += 1
        return j

    def steps(self, element: Element, t: int, wordy: bool, separate: bool) -> list[tuple[int, bool, bool]]:
        """Where ELEMENT can end when it begins after token t-1: (next token, ended with a
        word, separator needed before the next element)."""
        if separate:
            t = self._separated(t, wordy and element.wordy_start)
            if t < 0:
                return []
        if t >= self.last:
            return []
        if isinstance(element, Word):
            j = self._word(element, t)
            return [(j, element.wordy_end, True)] if j >= 0 else []
        if isinstance(element, Number):
            j = self._number(element, t)
            return [(j, element.wordy_end, True)] if j >= 0 else []
        if isinstance(element, Gap):
            out = [(t, True, False)]  # no word: the next element stands where the gap begins
            j = t
            for count in range(1, GAP_WORDS + 1):
                if count > 1:
                    j = self._separated(j, True)
                j = self._gap_word(j) if j >= 0 else -1
                if j < 0:
                    break
                out.append((j, True, True))
            return out
        ends = []
        for term in self.lists[element.name]:
            j = self.sequence(term, t)
            if j >= 0:
                ends.append((j, element.wordy_end, True))
        return ends

    def sequence(self, elements: tuple[Element, ...], t: int) -> int:
        """The furthest token a match of ELEMENTS starting at token t reaches, or -1."""
        states = [(t, False, False)]
        for element in elements:
            states = [step for state in states for step in self.steps(element, *state)]
            if not states:
                return -1
        return max(state[0] for state in states)

    def walk(self, node: _Node, t: int, wordy: bool, separate: bool, found: list) -> None:
        """Every phrase of the trie under NODE that matches from token t: (end token, phrase, label)."""
        for phrase, label in node.ends:
            found.append((t, phrase, label))
        for element, child in node.children.items():
            for j, ended_wordy, needs_separator in self.steps(element, t, wordy, separate):
                self.walk(child, j, ended_wordy, needs_separator, found)


class _Node:
    """A trie of phrases by their elements, so phrases sharing a beginning are tried once."""

    __slots__ = ("children", "ends")

    def __init__(self) -> None:
        self.children: dict[Element, _Node] = {}
        self.ends: list[tuple[str, Hashable]] = []

    def add(self, elements: tuple[Element, ...], phrase: str, label: Hashable) -> None:
        node = self
        for element in elements:
            node = node.children.setdefault(element, _Node())
        node.ends.append((phrase, label))


class PhraseSet:
    """Labelled phrases, found in a text through its TokenIndex."""

    def __init__(self, entries: Iterable[tuple[str, Hashable]], lists: Mapping[str, list[str]] | None = None):
        self._lists = {
            name: sorted((parse_phrase(t) for t in terms), key=len, reverse=True)
            for name, terms in (lists or {}).items()
        }
        roots: dict[str, _Node] = {}
        for phrase, label in entries:
            elements = parse_phrase(phrase, self._lists)
            for variant in self._spelt_out(elements):
                for key in _first_keys(variant, self._lists):
                    roots.setdefault(key, _Node()).add(variant, phrase, label)
        self._roots = roots

    def _spelt_out(self, elements: tuple[Element, ...]) -> list[tuple[Element, ...]]:
        """ELEMENTS with a leading `{list}` replaced by each of its terms (so the trie shares them)."""
        first = elements[0]
        if not isinstance(first, ListRef):
            return [elements]
        return [term + elements[1:] for term in self._lists[first.name]]

    def find(self, index: TokenIndex, start: int = 0, end: int | None = None, limit: int | None = None) -> list[Hit]:
        """The phrases found in index.text[start:end], in text order (overlaps kept; the
        longest phrase at each place). With LIMIT, the first LIMIT only."""
        end = len(index.text) if end is None else end
        first, last = index.token_range(start, end)
        candidates: list[tuple[int, str]] = []
        for key in self._roots:
            candidates += [(t, key) for t in index.tokens_with(key, first, last)]
        if limit is not None:
            candidates.sort()
        matcher = _Matcher(index, last, end, self._lists)
        hits: list[Hit] = []
        for t, key in candidates:
            found: list[tuple[int, str, Hashable]] = []
            matcher.walk(self._roots[key], t, False, False, found)
            found = [f for f in found if f[0] > t]
            if found:
                stop, phrase, label = max(found, key=lambda f: f[0])
                hits.append(Hit(index.starts[t], index.ends[stop - 1], label, phrase))
                if limit is not None and len(hits) >= limit:
                    break
        hits.sort(key=lambda h: (h.start, -h.end))
        return hits

    def first(self, index: TokenIndex, start: int = 0, end: int | None = None) -> Hit | None:
        hits = self.find(index, start, end, limit=1)
        return hits[0] if hits else None


def longest_first(hits: list[Hit]) -> list[Hit]:
    """HITS without overlaps: at each place the longest phrase wins (leftmost first)."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        if kept and hit.start < kept[-1].end:
            continue
        kept.append(hit)
    return kept
