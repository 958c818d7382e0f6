"""Markup and character references in text that came from other systems.

Crossref (and sometimes PubMed) send titles, names and journal names with JATS,
HTML and MathML tags and HTML character references in them, and some publishers
escape them more than once: `δ&amp;lt;sup&amp;gt;13&amp;lt;/sup&amp;gt;C` is
`δ<sup>13</sup>C` escaped twice. `plain()` removes all of it, the way PubMed
shows such a title: tags vanish and their text stays (`δ13C`, `CO2`, `KRAS`),
character references become the characters they stand for, and TeX or MathML
annotations that repeat a formula are dropped; so are control and bidirectional
characters, which a terminal obeys (core.safe_text). `leftovers()` says what a
text still holds (`atlas lint` reports it). Pure functions, no I/O.
"""

from __future__ import annotations

import html
import re
from html.entities import html5

from atlas_cli.core.safe_text import strip_unsafe

# A tag: <i>, </sup>, <jats:italic>, <mml:mi mathvariant="normal">, <br/>. Never `< 5` or `<3`.
TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9._-]*(?::[A-Za-z][A-Za-z0-9._-]*)?(?:\s[^<>]*)?/?>")
# Elements whose content repeats what is already there in another form (TeX beside MathML).
_DROPPED_RE = re.compile(
    r"<((?:[A-Za-z]+:)?(?:annotation|annotation-xml|tex-math))\b[^<>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE
)
# Tags that end a block of text: a space stands in for them, so words do not run together.
_BLOCK_RE = re.compile(r"</?(?:[A-Za-z]+:)?(?:p|br|title|sec|list-item|label|caption|break)\b[^<>]*/?>", re.IGNORECASE)
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_CDATA_RE = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
# A character reference with its semicolon: &amp; &lt; &#948; &#x3b4;
ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_SPACES_RE = re.compile(r"\s+")
_ROUNDS = 8  # more levels of escaping than any publisher has been seen to send


def _is_entity(reference: str) -> bool:
    return reference.startswith("&#") or reference[1:] in html5


def _once(text: str) -> str:
    text = _CDATA_RE.sub(r"\1", _COMMENT_RE.sub("", text))
    text = _DROPPED_RE.sub("", text)
    text = _BLOCK_RE.sub(" ", text)
    text = TAG_RE.sub("", text)
    return ENTITY_RE.sub(lambda m: html.unescape(m.group(0)) if _is_entity(m.group(0)) else m.group(0), text)


def plain(value: str, *, one_line: bool = True) -> str:
    """VALUE without tags and character references, however many times they were escaped.

    ONE_LINE: whitespace runs (newlines included) become single spaces and the ends are
    stripped, as for a title or a name; otherwise lines and paragraphs are kept.
    """
    text = value
    for _ in range(_ROUNDS):
        decoded = _once(text)
        if decoded == text:
            break
        text = decoded
    text = strip_unsafe(text)  # plain text has no escape sequences or bidirectional overrides (`&#27;`...)
    if one_line:
        return _SPACES_RE.sub(" ", text).strip()
    return text


def leftovers(value: str) -> list[str]:
    """The tags and character references VALUE still holds, in order (empty: clean text)."""
    if "<" not in value and "&" not in value:
        return []  # no tag or reference can start: most text, at the cost of two scans
    found = [m.group(0) for m in TAG_RE.finditer(value)]
    found += [m.group(0) for m in ENTITY_RE.finditer(value) if _is_entity(m.group(0))]
    return sorted(set(found), key=value.find)
