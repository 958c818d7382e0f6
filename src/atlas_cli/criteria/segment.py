"""A text cut into sentences and clauses, with their character offsets.

Texts come as abstracts (one paragraph, perhaps with `METHODS:` labels), methods
sections hard-wrapped at 80 columns, or curators' structured notes (`*Sample size:*:`
fields, bullet lists, headings). A sentence ends at `.`, `!` or `?` before a capital
or a digit (not after `et al.`, `e.g.` or an initial), at a blank line, and where a
line starts a bullet, a heading or a field label; a line that only continues the one
before (a hard wrap) does not end it. A field label (`Limitations:`) holds for the
sentences after it until the next label or heading.

Every offset is into the text as given, so `text[unit.start:unit.end]` is the sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

MAX_SENTENCE = 2000  # longer runs without a full stop are cut at a space (bounded work per sentence)

_LINE = re.compile(r"[^\n]*\n?")
_BULLET = re.compile(r"[ \t]*(?:[-*•·▪◦‣–+>]|\d{1,2}[.)]|/)[ \t]+\S")
_HEADING = re.compile(r"[ \t]*(?:={2,}|#{1,6})[ \t]*\S")
_LABEL = re.compile(
    r"[ \t]*(?:(?:[-*•/=#>]+|\d{1,2}[.)])[ \t]+)?[*_]{0,2}"
    r"(?P<label>[A-Za-z][A-Za-z0-9/&'\-]*(?:[ \t][A-Za-z0-9/&'\-]+){0,5})"
    r"[*_]{0,2}[ \t]*:[*_]{0,2}:?[*_]{0,2}(?=\s|$)"
)
# Starts only at the first mark of a run and never gives characters back, so a run of
# 50,000 dots is read once (a plain `[.!?]+...(?=\s)` retries it from every dot).
_SENTENCE_END = re.compile(r"(?<![.!?])[.!?]++[\"'\u201d\u2019)\]]*+(?=\s)")
_ABBREVIATIONS = frozenset(
    "al e.g eg i.e ie vs etc fig figs no nos approx ca cf dr mr mrs ms prof st jr sr inc ltd co "
    "resp incl viz vol pp p min max mean med sd n dept univ".split()
)
_CLAUSE_BREAK = re.compile(
    r";|,\s+(?=(?:which|whereas|while|whilst|but|although|though)\b)|\s[\u2014\u2013]\s|\s--\s", re.IGNORECASE
)
_TRIM_START = re.compile(r"[\s\-*•·▪◦‣/>=#]*")


@dataclass(frozen=True)
class Unit:
    """One sentence (or list item, heading, field line) of the text."""

    start: int
    end: int
    clauses: tuple[tuple[int, int], ...]
    label: str | None = None  # the field label in force ("sample size"), lower case
    heading: bool = False


def _blocks(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, heading) of each block of lines."""
    blocks: list[list | None] = []  # [start, end, heading]; None: a blank line
    position = 0
    previous_heading = False
    for match in _LINE.finditer(text):
        line = match.group()
        if not line:
            break
        start, end = position, position + len(line)
        position = end
        if not line.strip():
            previous_heading = False
            blocks.append(None)
            continue
        heading = bool(_HEADING.match(line))
        new = heading or previous_heading or bool(_LABEL.match(line)) or bool(_BULLET.match(line))
        last = blocks[-1] if blocks else None
        if new or last is None:
            blocks.append([start, end, heading])
        else:
            last[1] = end
        previous_heading = heading
    return [(b[0], b[1], b[2]) for b in blocks if b is not None]


def _split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    begin = start
    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.end()
        following = text[stop : stop + 3].lstrip()[:1]
        if not following or not (following.isupper() or following.isdigit() or following in "\"'(['\u201c•-*"):
            continue
        if text[match.start()] == ".":
            word = re.search(r"([\w.]+)$", text[max(start, match.start() - 12) : match.start()])
            if word and (word.group(1).lower() in _ABBREVIATIONS or len(word.group(1)) == 1):
                continue
        spans.append((begin, stop))
        begin = stop
    spans.append((begin, end))
    out = []
    for s, e in spans:
        while e - s > MAX_SENTENCE:
            cut = text.rfind(" ", s + MAX_SENTENCE // 2, s + MAX_SENTENCE)
            cut = cut if cut > s else s + MAX_SENTENCE
            out.append((s, cut))
            s = cut
        out.append((s, e))
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    start = _TRIM_START.match(text, start, end).end()  # type: ignore[union-attr]
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _clauses(text: str, start: int, end: int) -> tuple[tuple[int, int], ...]:
    out = []
    begin = start
    for match in _CLAUSE_BREAK.finditer(text, start, end):
        out.append((begin, match.start()))
        begin = match.end()
    out.append((begin, end))
    return tuple((s, e) for s, e in out if e > s)


def segment(text: str) -> list[Unit]:
    """The sentences of TEXT, in order, each with its clauses and the field label in force."""
    units: list[Unit] = []
    label: str | None = None
    for block_start, block_end, heading in _blocks(text):
        if heading:
            label = None
        for s, e in _split_sentences(text, block_start, block_end):
            s, e = _trim(text, s, e)
            if e <= s:
                continue
            found = _LABEL.match(text, s, e) if not heading else None
            if found:
                label = " ".join(found.group("label").lower().split())
            units.append(Unit(s, e, _clauses(text, s, e), label, heading))
    return units


class Units:
    """The units of a text, found by position."""

    def __init__(self, units: list[Unit]) -> None:
        self.units = units
        self._starts = [u.start for u in units]

    def at(self, position: int) -> Unit | None:
        i = bisect_right(self._starts, position) - 1
        if i >= 0 and self.units[i].start <= position < max(self.units[i].end, self.units[i].start + 1):
            return self.units[i]
        return None

    def clause_at(self, position: int) -> tuple[int, int] | None:
        unit = self.at(position)
        if unit is None:
            return None
        for start, end in unit.clauses:
            if start <= position < end:
                return start, end
        return unit.clauses[-1] if unit.clauses else (unit.start, unit.end)
