"""Record -> CSL-JSON item (the data model citation processors and Zotero read).

Every value is a plain string, number or list of name objects as the CSL data
schema requires (never a Python list where text is expected, which is what makes
citation processors print `['Title']`). The item id is the BibTeX key, so a
CSL-JSON export and a BibTeX export of the same records cite alike.
"""

from __future__ import annotations

import json
from typing import Any

from atlas_cli.cite import parts
from atlas_cli.core import fields

# Crossref work type -> CSL item type.
CSL_TYPES: dict[str, str] = {
    "journal-article": "article-journal",
    "posted-content": "article",  # CSL's type for preprints
    "book": "book",
    "edited-book": "book",
    "monograph": "book",
    "reference-book": "book",
    "book-chapter": "chapter",
    "book-part": "chapter",
    "book-section": "chapter",
    "reference-entry": "entry-encyclopedia",
    "proceedings-article": "paper-conference",
    "report": "report",
    "report-component": "report",
    "dissertation": "thesis",
    "dataset": "dataset",
    "standard": "standard",
    "peer-review": "review",
}
# Where the record's `journal` goes, by CSL type: a book's container is its series,
# a preprint's its server (the publisher), a report's or thesis's its institution.
CONTAINER_FIELDS: dict[str, str] = {
    "book": "collection-title",
    "article": "publisher",
    "report": "publisher",
    "thesis": "publisher",
    "standard": "publisher",
    "dataset": "publisher",
}
DEFAULT_TYPE = "article-journal"
OTHER_TYPE = "document"


def csl_name(author: dict[str, str]) -> dict[str, str]:
    if fields.is_literal(author):
        return {"literal": author["literal"]}
    if "family" not in author:
        # A single name kept under `given`: as `given` alone, styles would print an initial.
        return {"literal": " ".join(p for p in (author.get("given"), author.get("suffix")) if p)}
    return {k: author[k] for k in ("family", "given", "suffix") if k in author}


def csl_item(record: dict[str, Any], key: str, evidence_url: str | None = None) -> dict[str, Any]:
    """The CSL-JSON item of RECORD with id KEY (pure; keys in a stable order)."""
    ptype = fields.text(record, "publication_type")
    item: dict[str, Any] = {
        "id": key,
        "type": CSL_TYPES.get(ptype, OTHER_TYPE) if ptype else DEFAULT_TYPE,
    }
    title = fields.text(record, "title")
    if title:
        item["title"] = title
    names = [csl_name(a) for a in fields.authors(record)]
    if names:
        item["author"] = names
    journal = fields.text(record, "journal")
    if journal:
        where = CONTAINER_FIELDS.get(item["type"], "container-title")
        item[where] = journal
        abbrev = fields.text(record, "journal_abbrev")
        if abbrev and where == "container-title":
            item["container-title-short"] = abbrev  # what Vancouver and AMA print
    publisher = fields.text(record, "publisher")
    if publisher:
        item["publisher"] = publisher
    year = parts.year(record)
    if year and year.isascii() and year.isdigit():  # also `year: "2019"` written as text
        item["issued"] = {"date-parts": [[int(year)]]}
    elif year:
        item["issued"] = {"literal": year}
    for source, target in (("volume", "volume"), ("issue", "issue"), ("article_number", "number")):
        value = fields.text(record, source)
        if value:
            item[target] = value
    page_text = fields.text(record, "pages")
    if page_text:
        first, last = parts.pages(record)
        item["page"] = f"{first}-{last}" if first and last else first or page_text
    doi = fields.text(record, "doi")
    if doi:
        item["DOI"] = doi
    pmid = parts.pmid(record)
    if pmid:
        item["PMID"] = pmid
    if evidence_url:
        item["custom"] = {"atlas-url": evidence_url}
    return item


def dumps(items: list[dict[str, Any]]) -> str:
    """CSL-JSON text: always an array (the schema's top level), UTF-8 kept."""
    return json.dumps(items, ensure_ascii=False, indent=2)
