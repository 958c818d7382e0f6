"""Title case as citeproc-js does it (`text-case="title"`: APA's journal and book titles, AMA's book titles).

citeproc-py capitalises every word not in the CSL specification's short stop-word
list, and treats a hyphenated compound as one word: `Distances Et Médiations`,
`Long-lived`, `Independence During`. citeproc-js (the engine of Zotero and
Mendeley) splits words at hyphens, slashes, brackets and punctuation, keeps its
longer list of stop words in lower case (`et`, `during`, `within`, `de`), never
lowers a word that already has a capital, and capitalises the first word, the
last word and the word after a colon, `?` or `!`: `Distances et Médiations`,
`Long-Lived`, `Independence during`. `title_case()` is a port of
`CSL.Output.Formatters.title` (citeproc-js 1.4.63), quirks included, for text
without rich-text markup (atlas records have none). Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# CSL.SKIP_WORDS of citeproc-js, as it has them (" thru" with its space included).
SKIP_WORDS = (
    (
        "about above across afore after against al along alongside amid amidst among amongst anenst apropos apud "
        "around as aside astride at athwart atop barring before behind below beneath beside besides between beyond "
        "but by circa despite down during et except for forenenst from given in inside into lest like modulo near "
        "next notwithstanding of off on onto out over per plus pro qua sans since than through"
    ).split()
    + [" thru"]
    + (
        "throughout thruout till to toward towards under underneath until unto up upon versus vs. v. vs v via "
        "vis-à-vis with within without"
    ).split()
    + [
        "according to",
        "ahead of",
        "apart from",
        "as for",
        "as of",
        "as per",
        "as regards",
        "aside from",
        "back to",
        "because of",
        "close to",
        "due to",
        "except for",
        "far from",
        "inside of",
        "instead of",
        "near to",
        "next to",
        "on to",
        "out from",
        "out of",
        "outside of",
        "prior to",
        "pursuant to",
        "rather than",
        "regardless of",
        "such as",
        "that of",
        "up to",
        "where as",
        *"or yet so for and nor a an the de d' von van c ca".split(),
    ]
)
# The regular expression citeproc-js builds from the list (unescaped, as it does: `.` matches any character).
_SKIP_RE = re.compile("(?:(?:[?!:]*\\s+|-|^)(?:" + "|".join(SKIP_WORDS) + ")(?=[!?:]*\\s+|-|$))")
# Where citeproc-js cuts a title into stretches of words (tagDoppel): quotes, dashes, slash, punctuation, brackets.
_TAG_RE = re.compile("\u2018|\u2019|\u201c|\u201d| \"| '|\"|'|[-\u2013\u2014/.,;?!:]|\\[|\\]|\\(|\\)")
# Where it cuts a stretch into words (wordDoppel).
_SPACE_RE = re.compile("[\u00a0\u0020\u2000-\u200b\u205f\u3000]+")
_QUOTE_RE = re.compile("(^(?:\u2018|\u2019|\u201c|\u201d|\"|')|(?: \"| ')$)")
_QUOTE_PARAMS = {
    ' "': (" '", '"'),
    " '": (' "', "'"),
    "\u2018": ("\u2018", "\u2019"),
    "\u201c": ("\u201c", "\u201d"),
}


def _split(pattern: re.Pattern, text: str) -> tuple[list[str], list[str]]:
    """(tags, strings) as citeproc-js's Doppeler.split: strings[i] comes before tags[i]."""
    tags = [m.group(0) for m in pattern.finditer(text)]
    return tags, pattern.split(text)


def _join(tags: list[str], strings: list[str]) -> str:
    return "".join(s + t for s, t in zip(strings, [*tags, ""]))


def _capitalise(word: str) -> str:
    match = re.match(r"(\s*)(.)(.*)", word, re.DOTALL)
    if match and not (re.fullmatch("[\u0370-\u03ff]", match.group(2)) and not match.group(3)):
        return match.group(1) + match.group(2).upper() + match.group(3)  # a lone Greek letter stays as it is
    return word


def _is_skip_word(word: str) -> bool:
    return _SKIP_RE.search(word.lower()) is not None


@dataclass
class _State:
    first: bool = True  # no word seen yet
    after_punct: bool = False  # the last cut was a colon, `?` or `!`
    last: tuple[int, int] | None = None  # (stretch, word) of the last word capitalised or not


def title_case(text: str) -> str:
    """TEXT in title case, exactly as citeproc-js prints it for English."""
    if not text:
        return ""
    tags, strings = _split(_TAG_RE, text)
    for i in range(len(tags) - 1, -1, -1):  # an apostrophe inside a word is not a cut
        if tags[i] == "'" and strings[i + 1]:
            strings[i + 1] = "'" + strings[i + 1]
            tags[i] = ""
    original = list(strings)
    state = _State()

    def capitalise_words(stretch: str, index: int, following: str | None) -> str:
        if not stretch.strip():
            return stretch
        spaces, words = _split(_SPACE_RE, stretch)
        for j, word in enumerate(words):
            if not word:
                continue
            lower = word.lower()
            capitalise = (
                (len(word) > 1 and not _is_skip_word(word))
                or (j == len(words) - 1 and following == "-")
                or state.first
                or state.after_punct
            )
            if capitalise and word == lower:
                words[j] = _capitalise(word)
            state.after_punct = False
            state.first = False
            state.last = (index, j)
        return _join(spaces, words)

    quote_state: list[tuple[str, str, int | None]] = []  # (opener, closer, position)

    def quote_fix(tag: str, pos: int) -> int | None:
        match = _QUOTE_RE.search(tag)
        if not match:
            return None
        quote = match.group(1) or match.group(0)
        if quote in ("\u201c", "\u2018", ' "', " '"):
            opener, closer = _QUOTE_PARAMS[quote]
            if not quote_state or quote == quote_state[-1][0]:
                quote_state.append((opener, closer, pos))
                return None
            previous = quote_state.pop()[2]
            quote_state.append((opener, closer, None))  # citeproc-js loses this position
            return previous
        if quote_state and quote == quote_state[-1][1]:
            quote_state.pop()
            return None
        return pos

    if strings and strings[0].strip():
        # The first stretch is told its following tag; later ones are not (a citeproc-js quirk kept).
        strings[0] = capitalise_words(strings[0], 0, tags[0] if tags else None)
    for i, tag in enumerate(tags):
        if re.search(r"[!?:]$", tag):
            state.after_punct = True
        strings[i + 1] = capitalise_words(strings[i + 1], i + 1, None)
        fixed = quote_fix(tag, i)
        if fixed is not None:
            strings[fixed + 1] = original[fixed + 1][:1] + strings[fixed + 1][1:]
            state.last = None
        if state.first and strings[i + 1].strip():
            state.first = False
        if state.after_punct and strings[i + 1].strip():
            state.after_punct = False
    for _opener, _closer, pos in quote_state:
        if pos is not None:
            strings[pos + 1] = original[pos + 1][:1] + strings[pos + 1][1:]
    if state.last is not None:
        index, j = state.last
        spaces, words = _split(_SPACE_RE, strings[index])
        if len(words[j]) > 1 and _is_skip_word(words[j]):
            words[j] = _capitalise(words[j])  # the last word is capitalised even if it is a stop word
        strings[index] = _join(spaces, words)
    return _join(tags, strings)
