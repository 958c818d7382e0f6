"""The parts of a citation that every format writes the same way: year, pages, PMID, periods.

Fields are read through `core.fields` (defensively: a bad field is left out, never a
crash or a Python repr in a citation); this module adds what citations need on top.
"""

from __future__ import annotations

from atlas_cli.core.fields import text

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see core/values.py)
if TYPE_CHECKING:
    from typing import Any

# Titles and journal names that already end in one of these get no added ".".
END_PUNCTUATION = (".", "?", "!")


def year(record: dict[str, Any]) -> str | None:
    return text(record, "year")


def slug(record: dict[str, Any]) -> str:
    return text(record, "slug") or "unknown"


def pages(record: dict[str, Any]) -> tuple[str | None, str | None]:
    """(first page, last page) split from `pages` (hyphen or en dash).

    A range that starts and ends on the same page (`27-27`, as Crossref often has
    it) is that one page: (`27`, None).
    """
    value = text(record, "pages")
    if value is None:
        return None, None
    for dash in ("--", "\u2013", "\u2014", "-"):
        if dash in value:
            first, _, last = value.partition(dash)
            first, last = first.strip(), last.strip()
            return first or None, (last if last != first else None) or None
    return value, None


def with_period(value: str) -> str:
    """VALUE followed by `.`, unless it already ends in `.`, `?` or `!`."""
    return value if value.endswith(END_PUNCTUATION) else value + "."


def pmid(record: dict[str, Any]) -> str | None:
    value = text(record, "pmid")
    return value if value and value.isdigit() else None
