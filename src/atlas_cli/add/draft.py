"""Crossref work (+ PubMed hit) -> draft record (pure: no I/O, no clock).

`build_draft()` returns the record without its slug (the slug depends on the
records already on disk) plus what a curator must be told. A work that cannot
make a record (no title) comes back with `problem` set instead; a work with no
publication date becomes a draft without a year, flagged `no-date`.

`fit()` keeps a draft within what `atlas lint` reads (core.yamlio.MAX_BYTES, 1 MB
a record): a draft larger than half of it (the curator's summary and notes need
the rest) keeps its first KEPT_AUTHORS authors, says so in `notes` ("et al.") and
on screen; a draft still too large (a title of a megabyte) is not written, and
the DOI fails with the field to blame.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from atlas_cli.core.doi import doi_key
from atlas_cli.core.fields import UPDATE_FLAGS
from atlas_cli.core.records import record_schema, render_record
from atlas_cli.core.yamlio import MAX_BYTES
from atlas_cli.services.work import (
    DATE_FIELDS,
    NOT_PAPER_TYPES,
    authors_of,
    clean_text,
    in_place_updates,
    journal_of,
    publisher_of,
    registered_year,
    short_journal_of,
    text_field,
    title_flags,
    title_of,
    updates_of,
    year_of,
)

TITLE_NOTICES = {
    "retracted": "the title says the paper was retracted",
    "withdrawn": "the title says the paper was withdrawn",
    "erratum": "the title suggests an erratum or correction notice, not a paper",
    "notice": "the title suggests a retraction or concern notice, not a paper",
    "editorial": "the title suggests an editorial",
    "patient-summary": "the title suggests a summary for patients, not the study",
    "book-review": "the title suggests a book review",
}
# Crossref types cited with their publisher (books, chapters, proceedings): the draft records it.
PUBLISHED_BY = frozenset(
    {
        "book",
        "edited-book",
        "monograph",
        "reference-book",
        "book-set",
        "book-series",
        "book-chapter",
        "book-part",
        "book-section",
        "book-track",
        "reference-entry",
        "proceedings",
        "proceedings-article",
    }
)
# Types whose publisher is the institution or repository that the draft keeps as `journal`
# (a report's laboratory, a thesis's university, a dataset's archive): Crossref's publisher
# is recorded only when there is no such name.
PUBLISHER_IF_NO_CONTAINER = frozenset({"report", "report-component", "dissertation", "dataset", "standard"})
PEM_PLACEHOLDER = {
    "badge": "unclear",
    "criteria": [],
    "rationale": "TODO: read the inclusion criteria and set the PEM badge.",
}
CURATED_PLACEHOLDERS = {
    "summary": "TODO: plain-language summary of what the study did and found.",
    "why_it_matters": "TODO: why this matters for people with ME/CFS.",
    "does_not_show": "TODO: what this study does not show or prove.",
}


# What a draft may take of the MAX_BYTES a record file may have: the rest is the curator's.
DRAFT_MAX_BYTES = MAX_BYTES // 2
KEPT_AUTHORS = 100  # a draft too large keeps this many authors, then "et al." in its notes


@dataclass
class Draft:
    record: dict[str, Any] | None
    problem: str | None = None  # why no record can be made
    notices: list[str] = field(default_factory=list)  # what to tell the curator on screen


def _a(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def build_draft(
    work: dict[str, Any], *, asked_doi: str, via_redirect: bool = False, pubmed: Any = None, today: date
) -> Draft:
    """The draft record for WORK (a Crossref `message`), or a Draft with `problem`."""
    doi = str(work.get("DOI") or asked_doi).strip()
    notices: list[str] = []
    title = title_of(work)
    if not title:
        raw = work.get("title")
        had_markup = isinstance(raw, list) and any(isinstance(t, str) and t.strip() for t in raw)
        why = "a title of only markup, no words" if had_markup else "no title"
        return Draft(
            None,
            problem=f"Crossref's record has {why}; not creating a record "
            f"(a figure or other component? add it by hand if it is a paper)",
        )
    year = year_of(work)
    if year is None and pubmed is not None and getattr(pubmed, "year", None):
        year = pubmed.year
        notices.append(f"no publication date in Crossref; year {year} taken from PubMed")
    if year is None:
        registered = registered_year(work)
        hint = f"; the DOI was registered in {registered}, which may be later" if registered else ""
        notices.append(
            f"no publication date in Crossref (read {', '.join(DATE_FIELDS)}): "
            f"the year is left out for you to fill in from the paper{hint}"
        )

    record: dict[str, Any] = {"status": "draft", "title": title, "authors": authors_of(work)}
    if not record["authors"]:
        notices.append("no authors in Crossref (shown as 'Unknown authors'); check the paper")
    crossref_type = str(work.get("type") or "")
    journal = clean_text(getattr(pubmed, "journal", None)) or journal_of(work)
    if journal:
        record["journal"] = journal
        abbrev = clean_text(getattr(pubmed, "journal_abbrev", None)) or short_journal_of(work)
        if abbrev and abbrev != journal:
            record["journal_abbrev"] = abbrev
    publisher = publisher_of(work)
    if publisher and (crossref_type in PUBLISHED_BY or (crossref_type in PUBLISHER_IF_NO_CONTAINER and not journal)):
        record["publisher"] = publisher
    if year is not None:
        record["year"] = year
    for key, source in (("volume", "volume"), ("issue", "issue")):
        value = text_field(work.get(source))
        if value:
            record[key] = value
    article_number = text_field(work.get("article-number"))
    pages = text_field(work.get("page"))
    if article_number:
        record["article_number"] = article_number
    elif pages:
        record["pages"] = pages
    record["doi"] = doi
    if doi_key(doi) != doi_key(asked_doi):
        record["doi_aliases"] = [asked_doi]
    if pubmed is not None and getattr(pubmed, "pmid", None):
        record["pmid"] = str(pubmed.pmid)
    known_types = record_schema()["properties"]["publication_type"]["enum"]
    record["publication_type"] = crossref_type if crossref_type in known_types else "other"
    record["pem"] = copy.deepcopy(PEM_PLACEHOLDER)
    record.update(CURATED_PLACEHOLDERS)
    record["topics"] = []

    flags: list[str] = []

    def flag(name: str) -> None:
        if name not in flags:
            flags.append(name)

    updates = updates_of(work, "updated-by")
    update_to = [u for u in updates_of(work, "update-to") if u["type"] != "new-version"]
    in_place = in_place_updates(work)
    updates += [u for u in in_place if u not in updates]
    if updates:
        record["updates"] = updates
    for update in updates:
        if update["type"] in UPDATE_FLAGS:
            flag(UPDATE_FLAGS[update["type"]])
            what = update["type"].replace("-", " ")
            if update in in_place:
                notices.append(f"Crossref says the paper itself was updated in place ({what})")
                continue
            where = f" ({update['doi']})" if "doi" in update else ""
            source = f", source: {update['source']}" if "source" in update else ""
            notices.append(f"Crossref lists {_a(what)} notice{where}{source}")
    notice_of = [u for u in update_to if u not in in_place]
    if notice_of:
        flag("notice")
        flag("not-a-paper")
        targets = ", ".join(f"{u['type'].replace('-', ' ')} of {u.get('doi', 'another work')}" for u in notice_of)
        if any(u["type"] in ("correction", "erratum", "addendum") for u in notice_of):
            flag("erratum")
        record["notes"] = f"This DOI is a notice, not a paper: {targets}."
        notices.append(f"this DOI is itself a notice ({targets}), not a paper")
    for name in title_flags(title):
        flag(name)
        if name in ("erratum", "notice", "patient-summary"):
            flag("not-a-paper")
        notices.append(TITLE_NOTICES[name])
    if crossref_type == "posted-content":
        flag("preprint")
        notices.append("a preprint (posted content), not a peer-reviewed paper")
    if crossref_type == "component":
        flag("component")
    if crossref_type in NOT_PAPER_TYPES:
        flag("not-a-paper")
        notices.append(f"Crossref type '{crossref_type}' is not a paper")
    if "doi_aliases" in record or via_redirect:
        flag("doi-alias")
        notices.append(f"Crossref answered {asked_doi} with {doi} (an alias); the record uses {doi}")
    if year is None:
        flag("no-date")
    if flags:
        record["flags"] = flags
    record["snapshot_date"] = today.isoformat()
    record["added"] = today.isoformat()
    return fit(Draft(record, notices=notices), "Crossref")


def fit(draft: Draft, source: str) -> Draft:
    """DRAFT within DRAFT_MAX_BYTES written: its first KEPT_AUTHORS authors kept (a note and a
    notice say how many SOURCE lists), or a Draft with `problem` naming the field too large."""
    record = draft.record
    if record is None or _size(record, rendered=False) <= DRAFT_MAX_BYTES // 2:
        return draft  # cheap and safe: a record's YAML is never twice its JSON
    authors = record.get("authors") or []
    if len(authors) > KEPT_AUTHORS and _size(record) > DRAFT_MAX_BYTES:
        record["authors"] = authors[:KEPT_AUTHORS]
        kept = f"{source} lists {len(authors):,} authors; the first {KEPT_AUTHORS} are kept (et al.)"
        record["notes"] = f"{record['notes']} {kept}." if record.get("notes") else f"{kept}."
        record["flags"] = [*record.get("flags", []), "authors-truncated"]  # BibTeX adds "and others"
        draft.notices.append(f"{kept}: check the byline if it matters")
    size = _size(record)
    if size <= DRAFT_MAX_BYTES:
        return draft
    largest = max(record, key=lambda key: _size({key: record[key]}, rendered=False))
    what = f"`{largest}`" + (f" ({len(record[largest]):,} characters)" if isinstance(record[largest], str) else "")
    return Draft(
        None,
        problem=f"{source}'s answer is too large for a record: its {what} would make {size:,} bytes, and a "
        f"record file may have at most {MAX_BYTES // (1024 * 1024)} MB (atlas lint refuses larger ones) with room "
        "left for the curator's text; not creating a record",
    )


def _size(record: dict[str, Any], rendered: bool = True) -> int:
    """The bytes of RECORD as written (RENDERED), or as compact JSON (a fast estimate)."""
    if rendered:
        return len(render_record(record).encode("utf-8"))
    import json

    return len(json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8", "replace"))
