"""The primary citation, as on an evidence page.

`<authors> (<year>). <title>. <journal>. https://doi.org/<doi>`

Authors: one alone; two as `A & B`; three to six as `A, B, & C`; seven or more as
the first six, then `, et al.`; none as `Unknown authors`. Names as
`Family, Given`; an organisation as written. A title (or journal) that already
ends in `.`, `?` or `!` gets no second mark. Missing parts are left out.
"""

from __future__ import annotations

from atlas_cli.cite import parts
from atlas_cli.core import fields

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see core/values.py)
if TYPE_CHECKING:
    from typing import Any

MAX_LISTED = 6  # seven or more authors: the first six, then ", et al."
NO_AUTHORS = "Unknown authors"
DOI_RESOLVER = "https://doi.org/"


def author_list(names: list[str]) -> str:
    if not names:
        return NO_AUTHORS
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} & {names[1]}"
    if len(names) <= MAX_LISTED:
        return ", ".join(names[:-1]) + ", & " + names[-1]
    return ", ".join(names[:MAX_LISTED]) + ", et al."


def primary(record: dict[str, Any]) -> str:
    names = [fields.author_name(a) for a in fields.authors(record)]
    year = parts.year(record) or "n.d."
    pieces = [f"{author_list(names)} ({year})."]
    title = fields.text(record, "title")
    if title:
        pieces.append(parts.with_period(title))
    source = fields.text(record, "journal") or fields.text(record, "publisher")  # a book: its publisher
    if source:
        pieces.append(parts.with_period(source))
    doi = fields.text(record, "doi")
    if doi:
        pieces.append(DOI_RESOLVER + doi)
    return " ".join(pieces)
