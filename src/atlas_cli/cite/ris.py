"""RIS records (EndNote, Zotero, Mendeley, reference managers in general).

One tag per line, `TAG  - value`, ending with `ER  - `. Authors as
`Family, Given` (an organisation as written), pages split into SP / EP (an
article number goes to SP), the PMID as the accession number, and UR the
evidence page, like the BibTeX url field.
"""

from __future__ import annotations

from typing import Any

from atlas_cli.cite import parts
from atlas_cli.core import fields

RIS_TYPES: dict[str, str] = {
    "journal-article": "JOUR",
    "posted-content": "GEN",
    "book": "BOOK",
    "edited-book": "EDBOOK",
    "monograph": "BOOK",
    "reference-book": "BOOK",
    "book-chapter": "CHAP",
    "book-part": "CHAP",
    "book-section": "CHAP",
    "reference-entry": "ENCYC",
    "proceedings-article": "CPAPER",
    "report": "RPRT",
    "report-component": "RPRT",
    "dissertation": "THES",
    "dataset": "DATA",
    "standard": "STAND",
}
DEFAULT_TYPE = "JOUR"
OTHER_TYPE = "GEN"


def ris(record: dict[str, Any], key: str, evidence_url: str) -> str:
    """One RIS record, ending with the `ER  - ` line (no trailing newline)."""
    ptype = fields.text(record, "publication_type")
    rows = [("TY", RIS_TYPES.get(ptype, OTHER_TYPE) if ptype else DEFAULT_TYPE), ("ID", key)]
    rows += [("AU", fields.author_name(a)) for a in fields.authors(record)]
    for tag, value in (
        ("TI", fields.text(record, "title")),
        ("T2", fields.text(record, "journal")),
        ("J2", fields.text(record, "journal_abbrev")),
        ("PB", fields.text(record, "publisher")),
        ("PY", parts.year(record)),
        ("VL", fields.text(record, "volume")),
        ("IS", fields.text(record, "issue")),
    ):
        if value:
            rows.append((tag, value))
    first, last = parts.pages(record)
    first = first or fields.text(record, "article_number")
    if first:
        rows.append(("SP", first))
    if last:
        rows.append(("EP", last))
    doi = fields.text(record, "doi")
    if doi:
        rows.append(("DO", doi))
    pmid = parts.pmid(record)
    if pmid:
        rows.append(("AN", pmid))
    rows.append(("UR", evidence_url))
    rows.append(("ER", ""))
    return "\n".join(f"{tag}  - {value}" for tag, value in rows)
