"""The text atlas has stored for a record: what `atlas criteria SLUG` reads.

`atlas add` keeps a paper's abstract (and, for open-access papers, its methods
section) in the cache under the record's DOI (services.cache, `text/`). This module
only reads it; a record without stored text is a NotFound with a hint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from atlas_cli.core.errors import NotFound
from atlas_cli.core.records import load_record
from atlas_cli.services.cache import Cache

SECTIONS = ("abstract", "methods")
JOIN = "\n\n"


@dataclass(frozen=True)
class StoredText:
    slug: str
    doi: str
    text: str  # the sections joined by a blank line, in SECTIONS order; quotes point into it
    sections: tuple[tuple[str, int, int], ...]  # (name, start, end) of each section in `text`
    source: str | None  # where the text came from ("pubmed", "pmc"), as stored
    year: int | None  # the record's publication year


def stored_text(settings: Any, slug: str) -> StoredText:
    """The stored text of SLUG's paper; NotFound for an unknown slug or when nothing is stored."""
    record = load_record(settings.records_dir, slug)
    doi = record.get("doi")
    hint = "run `atlas criteria --text FILE` on the paper's methods section or abstract, saved as a text file"
    if not isinstance(doi, str) or not doi.strip():
        raise NotFound(f"{slug} has no DOI, so atlas has no stored text for it", hint=hint)
    stored = Cache(settings.cache_dir).read_text(doi)
    if stored is None:
        raise NotFound(f"no stored text for {slug} yet (neither its abstract nor its methods)", hint=hint)
    parts: list[str] = []
    sections: list[tuple[str, int, int]] = []
    position = 0
    for name in SECTIONS:
        value = stored.get(name)
        if not isinstance(value, str) or not value.strip():
            continue
        if parts:
            position += len(JOIN)
        sections.append((name, position, position + len(value)))
        parts.append(value)
        position += len(value)
    year = record.get("year")
    return StoredText(
        slug=slug,
        doi=doi,
        text=JOIN.join(parts),
        sections=tuple(sections),
        source=stored.get("source") if isinstance(stored.get("source"), str) else None,
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
    )
