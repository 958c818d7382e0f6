"""Reading citation fields from a record dict, defensively.

A record on disk may be incomplete or (before `atlas lint` has run) wrongly
typed. The citation formatters read it only through these helpers, which return
clean text or None and never raise, so a bad field is left out rather than
crashing the run or printing a Python repr.
"""

from __future__ import annotations

from typing import Any

# Titles and journal names that already end in one of these get no added ".".
END_PUNCTUATION = (".", "?", "!")


def text(record: dict[str, Any], key: str) -> str | None:
    """The field as stripped text (numbers become text); None if absent or empty."""
    value = record.get(key)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        value = " ".join(value.split())  # no stray newlines or double spaces in a citation
        return value or None
    return None


def year(record: dict[str, Any]) -> str | None:
    return text(record, "year")


def slug(record: dict[str, Any]) -> str:
    return text(record, "slug") or "unknown"


def authors(record: dict[str, Any]) -> list[dict[str, str]]:
    """The byline as clean dicts with any of family / given / suffix / literal."""
    raw = record.get("authors")
    if not isinstance(raw, list):
        return []
    result = []
    for entry in raw:
        if isinstance(entry, str) and entry.strip():
            result.append({"literal": " ".join(entry.split())})
            continue
        if not isinstance(entry, dict):
            continue
        clean = {k: text(entry, k) for k in ("family", "given", "suffix", "literal")}
        clean = {k: v for k, v in clean.items() if v}
        if clean.get("literal") or clean.get("family") or clean.get("given"):
            result.append(clean)
    return result


def is_literal(author: dict[str, str]) -> bool:
    """An organisation (or a name given as one string)."""
    return "literal" in author and "family" not in author


def display_name(author: dict[str, str]) -> str:
    """`Family, Given` (and `, Suffix`); an organisation as written."""
    if is_literal(author):
        return author["literal"]
    parts = [p for p in (author.get("family"), author.get("given"), author.get("suffix")) if p]
    return ", ".join(parts)


def pages(record: dict[str, Any]) -> tuple[str | None, str | None]:
    """(first page, last page) split from `pages` (hyphen or en dash)."""
    value = text(record, "pages")
    if value is None:
        return None, None
    for dash in ("--", "\u2013", "\u2014", "-"):
        if dash in value:
            first, _, last = value.partition(dash)
            return first.strip() or None, last.strip() or None
    return value, None


def with_period(value: str) -> str:
    """VALUE followed by `.`, unless it already ends in `.`, `?` or `!`."""
    return value if value.endswith(END_PUNCTUATION) else value + "."


def pmid(record: dict[str, Any]) -> str | None:
    value = text(record, "pmid")
    return value if value and value.isdigit() else None
