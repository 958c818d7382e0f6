"""Crossref work (+ PubMed hit) -> draft record (pure: no I/O, no clock).

`build_draft()` returns the record without its slug (the slug depends on the
records already on disk) plus what a curator must be told. A work that cannot
make a record (no title, no year) comes back with `problem` set instead.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from atlas_cli.doi import doi_key
from atlas_cli.records import record_schema

# Crossref update types (publisher-supplied, inconsistent case) -> schema enum.
UPDATE_TYPES = {
    "retraction": "retraction", "partial-retraction": "partial-retraction", "withdrawal": "withdrawal",
    "withdrawn": "withdrawal", "removal": "removal", "expression-of-concern": "expression-of-concern",
    "correction": "correction", "corrigendum": "correction", "erratum": "erratum", "addendum": "addendum",
    "new-version": "new-version",
}
UPDATE_FLAGS = {
    "retraction": "retracted", "partial-retraction": "retracted", "removal": "retracted",
    "withdrawal": "withdrawn", "expression-of-concern": "expression-of-concern",
    "correction": "corrected", "erratum": "corrected", "addendum": "corrected",
}
NOT_PAPER_TYPES = {"component", "journal", "journal-issue", "journal-volume", "peer-review", "dataset"}
_TITLE_FLAGS = [
    (re.compile(r"^\s*(retracted|retraction)\s*[:.]", re.I), "retracted"),
    (re.compile(r"^\s*withdrawn\s*[:.]", re.I), "withdrawn"),
    (re.compile(r"^\s*(erratum|errata|corrigendum|correction)\b", re.I), "erratum"),
    (re.compile(r"^\s*(notice of retraction|retraction notice|retraction note|expression of concern)\b", re.I),
     "notice"),
    (re.compile(r"^\s*editorial\b", re.I), "editorial"),
    (re.compile(r"^\s*summar(y|ies) for patients\b", re.I), "patient-summary"),
    (re.compile(r"^\s*book review\b", re.I), "book-review"),
]


def title_flags(title: str) -> list[str]:
    """Flags a title announces: `RETRACTED: ...` -> retracted, `Erratum` -> erratum, ..."""
    return [name for pattern, name in _TITLE_FLAGS if pattern.search(title)]


_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9:._-]*(?:\s[^<>]*)?/?>")
_ORCID_RE = re.compile(r"([0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9Xx])")
TITLE_NOTICES = {
    "retracted": "the title says the paper was retracted",
    "withdrawn": "the title says the paper was withdrawn",
    "erratum": "the title suggests an erratum or correction notice, not a paper",
    "notice": "the title suggests a retraction or concern notice, not a paper",
    "editorial": "the title suggests an editorial",
    "patient-summary": "the title suggests a summary for patients, not the study",
    "book-review": "the title suggests a book review",
}
CURATED_PLACEHOLDERS = {
    "summary": "TODO: plain-language summary of what the study did and found.",
    "why_it_matters": "TODO: why this matters for people with ME/CFS.",
    "does_not_show": "TODO: what this study does not show or prove.",
}


@dataclass
class Draft:
    record: dict[str, Any] | None
    problem: str | None = None  # why no record can be made
    notices: list[str] = field(default_factory=list)  # what to tell the curator on screen


def _a(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def clean_text(value: Any) -> str:
    """Markup (JATS/HTML/MathML tags, entities) and stray whitespace removed; nothing else.

    Tags vanish without leaving a space (`C<sub>2</sub>H` -> `C2H`); whitespace around
    them (newlines included) collapses to single spaces.
    """
    if not isinstance(value, str):
        return ""
    return re.sub(r"\s+", " ", html.unescape(_TAG_RE.sub("", value))).strip()


def first_text(values: Any) -> str:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return ""
    for value in values:
        text = clean_text(value)
        if text:
            return text
    return ""


def title_of(work: dict[str, Any]) -> str:
    title = first_text(work.get("title"))
    subtitle = first_text(work.get("subtitle"))
    if title and subtitle and subtitle.lower() not in title.lower():
        separator = " " if title[-1:] in ":?!." else ": "
        title = f"{title}{separator}{subtitle}"
    return title


def _name(value: Any) -> str:
    return clean_text(value)  # markup and entities removed, whitespace collapsed


def authors_of(work: dict[str, Any]) -> list[dict[str, str]]:
    authors = []
    raw = work.get("author")
    for person in raw if isinstance(raw, list) else []:
        if not isinstance(person, dict):
            continue
        entry: dict[str, str] = {}
        family, given, suffix, name = (_name(person.get(k)) for k in ("family", "given", "suffix", "name"))
        if family:
            entry["family"] = family
            if given:
                entry["given"] = given
            if suffix:
                entry["suffix"] = suffix
        elif name:
            entry["literal"] = name
        elif given:
            entry["given"] = given
        else:
            continue
        orcid = _ORCID_RE.search(person.get("ORCID") or "") if isinstance(person.get("ORCID"), str) else None
        if orcid:
            entry["orcid"] = orcid.group(1).upper()
        authors.append(entry)
    return authors


def _year(work: dict[str, Any], key: str) -> int | None:
    try:
        year = work[key]["date-parts"][0][0]
    except (KeyError, IndexError, TypeError):
        return None
    if isinstance(year, str) and year.isdigit():
        year = int(year)
    return year if isinstance(year, int) and 1800 <= year <= 2100 else None


def year_of(work: dict[str, Any]) -> int | None:
    # issued, then print, then online; then the other dates Crossref may carry
    # (`published`, `posted` for preprints, `approved` for dissertations).
    for key in ("issued", "published-print", "published-online", "published", "posted", "approved"):
        year = _year(work, key)
        if year:
            return year
    return None


def _date_of(update: dict[str, Any]) -> str | None:
    updated = update.get("updated")
    if not isinstance(updated, dict):
        return None
    stamp = updated.get("date-time")
    try:
        if isinstance(stamp, str) and re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}", stamp):
            when = date.fromisoformat(stamp[:10])
        else:
            y, m, d = updated["date-parts"][0][:3]
            when = date(int(y), int(m), int(d))  # refuses month 13, day 0, 30 February...
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return when.isoformat() if 1800 <= when.year <= 2100 else None


def update_type(raw: Any) -> str:
    key = re.sub(r"[\s_]+", "-", str(raw or "").strip().lower())
    return UPDATE_TYPES.get(key, "other")


def updates_of(work: dict[str, Any], key: str) -> list[dict[str, str]]:
    """`updated-by` or `update-to` entries, mapped to the schema's update shape."""
    own = doi_key(work.get("DOI") or "")
    updates = []
    raw = work.get(key)
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        entry = {"type": update_type(item.get("type"))}
        target = item.get("DOI")
        if isinstance(target, str) and re.match(r"^10\.[0-9]{4,9}/\S+$", target.strip()):
            entry["doi"] = target.strip()
        if entry["type"] == "new-version" and doi_key(entry.get("doi", "")) in ("", own):
            continue  # a record pointing at itself as its new version says nothing
        when = _date_of(item)
        if when:
            entry["date"] = when
        source = item.get("source")
        if isinstance(source, str) and source.strip():
            entry["source"] = source.strip()
        if entry not in updates:
            updates.append(entry)
    return updates


def in_place_updates(work: dict[str, Any]) -> list[dict[str, str]]:
    """`update-to` entries naming the work itself: the paper was updated in place
    (no separate notice); such a work is a paper with an update, not a notice."""
    own = doi_key(work.get("DOI") or "")
    return [u for u in updates_of(work, "update-to") if u["type"] != "new-version" and doi_key(u.get("doi", "")) == own]


def _text_field(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = clean_text(value) if isinstance(value, str) else ""
    return text or None


def journal_of(work: dict[str, Any]) -> str | None:
    journal = first_text(work.get("container-title"))
    if not journal and isinstance(work.get("institution"), list):
        for institution in work["institution"]:
            if isinstance(institution, dict) and clean_text(institution.get("name")):
                return clean_text(institution["name"])
    return journal or None


def build_draft(work: dict[str, Any], *, asked_doi: str, via_redirect: bool = False,
                pubmed: Any = None, today: date) -> Draft:
    """The draft record for WORK (a Crossref `message`), or a Draft with `problem`."""
    doi = str(work.get("DOI") or asked_doi).strip()
    notices: list[str] = []
    title = title_of(work)
    if not title:
        raw = work.get("title")
        had_markup = isinstance(raw, list) and any(isinstance(t, str) and t.strip() for t in raw)
        why = "a title of only markup, no words" if had_markup else "no title"
        return Draft(None, problem=f"Crossref's record has {why}; not creating a record "
                                   f"(a figure or other component? add it by hand if it is a paper)")
    year = year_of(work)
    if year is None and pubmed is not None and getattr(pubmed, "year", None):
        year = pubmed.year
        notices.append(f"no publication date in Crossref; year {year} taken from PubMed")
    if year is None:
        return Draft(None, problem="Crossref's record has no publication date (issued, print or online); "
                                   "not creating a record (add it by hand with the year)")

    record: dict[str, Any] = {"status": "draft", "title": title, "authors": authors_of(work)}
    if not record["authors"]:
        notices.append("no authors in Crossref (shown as 'Unknown authors'); check the paper")
    journal = None
    if pubmed is not None and getattr(pubmed, "journal", None):
        journal = pubmed.journal
    journal = journal or journal_of(work)
    if journal:
        record["journal"] = journal
    record["year"] = year
    for key, source in (("volume", "volume"), ("issue", "issue")):
        value = _text_field(work.get(source))
        if value:
            record[key] = value
    article_number = _text_field(work.get("article-number"))
    pages = _text_field(work.get("page"))
    if article_number:
        record["article_number"] = article_number
    elif pages:
        record["pages"] = pages
    record["doi"] = doi
    if doi_key(doi) != doi_key(asked_doi):
        record["doi_aliases"] = [asked_doi]
    if pubmed is not None and getattr(pubmed, "pmid", None):
        record["pmid"] = str(pubmed.pmid)
    crossref_type = str(work.get("type") or "")
    known_types = record_schema()["properties"]["publication_type"]["enum"]
    record["publication_type"] = crossref_type if crossref_type in known_types else "other"
    record["pem"] = {"badge": "unclear", "criteria": [],
                     "rationale": "TODO: read the inclusion criteria and set the PEM badge."}
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
    if flags:
        record["flags"] = flags
    record["snapshot_date"] = today.isoformat()
    record["added"] = today.isoformat()
    return Draft(record, notices=notices)
