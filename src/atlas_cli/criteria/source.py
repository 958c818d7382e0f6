"""The text atlas has stored for a record: what `atlas criteria SLUG` reads.

`atlas add` keeps a paper's abstract (and, for open-access papers, its methods
section) in the cache under the record's DOI, or its PMID for a paper without one
(services.cache, `text/`). This module only reads it; a record without stored text
is a NotFound with a hint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from atlas_cli.core import fields
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


def join_sections(parts: Mapping[str, str | None]) -> tuple[str, tuple[tuple[str, int, int], ...]]:
    """(text, sections): the non-empty PARTS in SECTIONS order joined by a blank line, and
    (name, start, end) of each in the text. `atlas add` proposes from the same text, so a
    quote's section is known from its offsets."""
    texts: list[str] = []
    sections: list[tuple[str, int, int]] = []
    position = 0
    for name in SECTIONS:
        value = parts.get(name)
        if not isinstance(value, str) or not value.strip():
            continue
        if texts:
            position += len(JOIN)
        sections.append((name, position, position + len(value)))
        texts.append(value)
        position += len(value)
    return JOIN.join(texts), tuple(sections)


def section_at(sections: tuple[tuple[str, int, int], ...], position: int) -> str | None:
    """The name of the section POSITION lies in."""
    return next((name for name, start, end in sections if start <= position < end), None)


def stored_text(settings: Any, slug: str) -> StoredText:
    """The stored text of SLUG's paper; NotFound for an unknown slug or when nothing is stored."""
    record = load_record(settings.records_dir, slug)
    doi, pmid = fields.text(record, "doi"), fields.pmid(record)
    hint = "run `atlas criteria --text FILE` on the paper's methods section or abstract, saved as a text file"
    if doi is None and not pmid:
        raise NotFound(f"{slug} has neither a DOI nor a PMID, so atlas has no stored text for it", hint=hint)
    stored = Cache(settings.cache_dir).read_text(doi, pmid)
    if stored is None:
        raise NotFound(
            f"no stored text for {slug} yet (neither its abstract nor its methods)",
            hint=f"`atlas criteria {slug} --fetch` asks PubMed and PMC for them (`atlas add` stores them "
            "when it adds a paper); otherwise " + hint,
        )
    text, sections = join_sections(stored)
    year = record.get("year")
    return StoredText(
        slug=slug,
        doi=doi or f"PMID {pmid}",
        text=text,
        sections=sections,
        source=stored.get("source") if isinstance(stored.get("source"), str) else None,
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
    )
