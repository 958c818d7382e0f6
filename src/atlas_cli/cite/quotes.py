"""Straight quotes and apostrophes in field text, read as citeproc-js reads them.

citeproc-js (the engine of Zotero and Mendeley) parses quotes in every text field
it prints: `"x"` and `'x'` become quotation marks (the locale's “ ” outside, ‘ ’
when nested, whichever straight mark the field opened with), an apostrophe
becomes ’ (`Alzheimer’s`, `O’Brien`, `’80s`), and a field that ends in a closing
quotation mark takes the period or comma that follows it inside
(`of “Human agency (v0.1).”`, American punctuation). citeproc-py prints
straight marks as they are. `curly()` is a port of citeproc-js's
`CSL.Util.FlipFlopper.processTags` (version 1.4.63) restricted to quotation
marks (atlas records hold no markup), quirks included, so both engines print the
same characters: `Rock 'n' roll` comes out as `Rock “n” roll` in both.
Pure functions; en-US quotation marks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OPEN_QUOTE, CLOSE_QUOTE = "\u201c", "\u201d"
OPEN_INNER, CLOSE_INNER = "\u2018", "\u2019"
APOSTROPHE = "\u2019"
# Marks the end of a field that ends in a closing quotation mark, so that the punctuation
# a style puts after the field can be moved inside it once the reference is rendered.
FIELD_END = "\ue000"

# citeproc-js's CSL.ROMANESQUE_REGEXP: letters (and digits, hyphen) of alphabetic scripts.
_ROMANESQUE = (
    "[-0-9a-zA-Z\u0e01-\u0e5b\u00c0-\u017f\u0370-\u03ff\u0400-\u052f\u0590-\u05d4\u05d6-\u05ff"
    "\u1f00-\u1fff\u0600-\u06ff\u200c\u200d\u200e\u0218\u0219\u021a\u021b\u202a-\u202e]"
)
_INNER_APOSTROPHE_RE = re.compile(f"({_ROMANESQUE})\u2019({_ROMANESQUE})")


@dataclass
class _Quote:
    closer: str
    outer: str  # "true": the locale's outer marks; "inner": the inner ones


# Openers in citeproc-js's order (a regex alternation takes the first that matches), then closers.
_DOUBLE = _Quote('"', "true")
_SINGLE = _Quote("'", "inner")
_OPENERS: dict[str, _Quote] = {
    ' "': _DOUBLE,
    " '": _SINGLE,
    '("': _DOUBLE,
    "('": _SINGLE,
    OPEN_QUOTE: _Quote(CLOSE_QUOTE, "true"),
    OPEN_INNER: _Quote(CLOSE_INNER, "inner"),
}
_CLOSERS = ('"', "'", CLOSE_QUOTE, CLOSE_INNER)
_TAG_RE = re.compile("|".join(re.escape(t) for t in (*_OPENERS, *_CLOSERS)))
_FLIP = {"true": "inner", "inner": "true", "false": "true"}


def _apostrophe_force(tag: str, following: str) -> str | None:
    if tag == "'":
        if following and re.match(r"[^,.?:; ]", following):
            return APOSTROPHE
    elif tag == " '" and following and following.startswith(" "):
        return " " + APOSTROPHE
    return None


def curly(text: str, *, mark_end: bool = False) -> str:
    """TEXT with its quotation marks and apostrophes as citeproc-js prints them.

    MARK_END: when the text ends in a closing quotation mark, FIELD_END follows it
    (see `punctuation_in_quote`).
    """
    leading_space = text.startswith(" ") and not re.match(r"\s+['\"]", text)
    work = " " + _INNER_APOSTROPHE_RE.sub(r"\1'\2", text)
    tags = [m.group(0) for m in _TAG_RE.finditer(work)]
    if not tags:
        return text
    strings = _TAG_RE.split(work)
    forced_spaces: list[bool] = []  # as in citeproc-js: one entry per opener, read by tag index
    for i in range(len(tags) - 1):
        if tags[i] in _OPENERS:
            if strings[i + 1] == "" and tags[i + 1] in ('"', "'"):
                tags[i + 1] = " " + tags[i + 1]
                forced_spaces.append(True)
            else:
                forced_spaces.append(False)

    def forced(index: int) -> bool:
        return 0 <= index < len(forced_spaces) and forced_spaces[index]

    stack: list[tuple[str, int]] = []  # (closer, position of the opening tag)

    def push(tag: str, pos: int) -> int | None:
        """citeproc-js's _pushNestingState: the position of a tag to neutralise, or None."""
        if tag in _OPENERS:
            stack.append((_OPENERS[tag].closer, pos))  # a quote never refuses a quote inside it
            return None
        if stack and tag == stack[-1][0]:
            stack.pop()
            return None
        return stack[-1][1] if stack else pos

    for i in range(len(tags)):
        tag = tags[i]
        apostrophe = _apostrophe_force(tag, strings[i + 1])
        if apostrophe:
            strings[i + 1] = apostrophe + strings[i + 1]
            tags[i] = ""
            continue
        while True:
            fixtag = push(tag, i)
            if fixtag is None:
                break
            if tag in _CLOSERS and tag == "'":
                strings[i + 1] = APOSTROPHE + strings[i + 1]
                tags[i] = ""
            else:
                failed = tags[fixtag]
                if forced(fixtag - 1):
                    failed = failed[1:]
                strings[fixtag + 1] = failed + strings[fixtag + 1]
                tags[fixtag] = ""
            if stack and tag != "'":
                stack.pop()
                continue
            break
        if fixtag is not None:
            strings[i + 1] = tags[i] + strings[i + 1]
            tags[i] = ""
    for _closer, pos in reversed(stack):  # quotes never closed are text again
        if tags[pos] in (" '", "'"):
            strings[pos + 1] = " " + APOSTROPHE + strings[pos + 1]
        else:
            strings[pos + 1] = tags[pos] + strings[pos + 1]
        tags[pos] = ""
    stack.clear()
    for i in range(len(tags) - 1, -1, -1):
        if not tags[i]:
            del tags[i]
            strings[i] += strings.pop(i + 1)
    outer = {' "': "true", " '": "inner"}
    seen = False
    for i, tag in enumerate(tags):
        if tag in (' "', " '", '("', "('"):
            if not seen:
                quote = tag[-1]
                outer[" " + quote] = "true"
                outer[" " + ("'" if quote == '"' else '"')] = "inner"
                seen = True
            if not forced(i - 1):
                strings[i] += tag[0]
    # Render: each opener takes the marks its nesting level calls for. The first piece
    # loses up to two leading spaces (the one added above, and one added back for text
    # that began with a space).
    first = (" " if leading_space else "") + strings[0]
    for _ in range(2):
        first = first[1:] if first.startswith(" ") else first
    out = [first]
    levels: list[str] = []
    for i, tag in enumerate(tags):
        if tag in _OPENERS:
            form = outer.get(" " + tag[-1], "true") if tag[0] in " (" else _OPENERS[tag].outer
            level = _FLIP[levels[-1]] if levels else form
            levels.append(level)
            empty = not strings[i + 1] and i + 1 < len(tags) and tags[i + 1] not in _OPENERS
            out.append("" if empty else OPEN_QUOTE if level == "true" else OPEN_INNER)  # “” prints nothing
        else:
            level = levels.pop() if levels else "true"
            empty = not strings[i] and tags[i - 1] in _OPENERS if i else False
            out.append("" if empty else CLOSE_QUOTE if level == "true" else CLOSE_INNER)
        out.append(strings[i + 1])
    result = "".join(out)
    if mark_end and tags and tags[-1] not in _OPENERS and strings[-1] == "":
        result += FIELD_END
    return result


def punctuation_in_quote(text: str) -> str:
    """Move a period or comma that follows a field's closing quotation mark inside it.

    `“x”.` -> `“x.”`; when the quotation already ends in `.`, `?` or `!`, the period
    is dropped (`“x?”`). FIELD_END marks are removed.
    """

    def move(match: re.Match) -> str:
        before, mark, punct = match.group(1), match.group(2), match.group(3)
        if punct == "." and before in ".?!":
            return before + mark
        return before + punct + mark

    text = re.sub(f"(.)([{CLOSE_QUOTE}{CLOSE_INNER}]){FIELD_END}([.,])", move, text)
    return text.replace(FIELD_END, "")
