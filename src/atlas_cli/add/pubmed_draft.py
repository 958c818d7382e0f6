"""PubMed summary -> draft record, for a paper PubMed knows without a DOI (pure: no I/O, no clock).

`build_pubmed_draft()` is the sibling of `draft.build_draft()` (a Crossref work):
the same record shape, from PubMed's own metadata: title, authors, journal, year,
volume, issue, pages, PMID and PubMed's publication types. What PubMed writes
differently from a paper is put back:

- a title PubMed translated into English is written `[Title.]`: the brackets and
  the final period PubMed adds are removed, and the curator is told;
- authors are `Family Initials` (`Mensah FKF`): family name, initials as given
  names (`F. K. F.`), a trailing `Jr`/`Sr`/`2nd`... as the suffix; a collective
  name is an organisation (`literal`);
- MEDLINE page ranges leave out repeated digits (`131-8`): written out in full;
- the journal is PubMed's full title, its abbreviation NLM's (`source`).

Flags come from the publication types (`schemas/pubmed-types.yaml`: an editorial,
a published erratum, a retracted publication...) and from the title, as for a DOI.
"""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

from atlas_cli.add.draft import CURATED_PLACEHOLDERS, PEM_PLACEHOLDER, TITLE_NOTICES, Draft, fit
from atlas_cli.core.pubtypes import PubMedTypes
from atlas_cli.services.pubmed import PubMedSummary
from atlas_cli.services.work import clean_text, title_flags

_SUFFIXES = {"jr": "Jr", "sr": "Sr", "2nd": "2nd", "3rd": "3rd", "4th": "4th", "ii": "II", "iii": "III", "iv": "IV"}
_INITIALS = re.compile(r"[A-Z]{1,4}")
_RANGE = re.compile(r"([A-Za-z]*)([0-9]+)-([A-Za-z]*)([0-9]+)")


def person_of(name: str) -> dict[str, str]:
    """`Mensah FKF` -> {family: Mensah, given: F. K. F.}; `van der Berg J Jr` -> ..., suffix: Jr."""
    parts = name.split()
    suffix = None
    if len(parts) >= 3 and parts[-1].rstrip(".").lower() in _SUFFIXES:
        suffix = _SUFFIXES[parts.pop().rstrip(".").lower()]
    author: dict[str, str] = {}
    if len(parts) >= 2 and _INITIALS.fullmatch(parts[-1]):
        initials = parts.pop()
        author["family"] = " ".join(parts)
        author["given"] = " ".join(f"{letter}." for letter in initials)
    else:
        author["family"] = " ".join(parts)
    if suffix:
        author["suffix"] = suffix
    return author


def full_pages(pages: str) -> str:
    """MEDLINE's `131-8` -> `131-138`; anything else as it is."""
    match = _RANGE.fullmatch(pages.strip())
    if not match:
        return pages.strip()
    prefix, first, second_prefix, second = match.groups()
    if second_prefix not in ("", prefix) or len(second) >= len(first):
        return pages.strip()
    return f"{prefix}{first}-{prefix}{first[: len(first) - len(second)]}{second}"


def title_of(summary: PubMedSummary) -> tuple[str, bool]:
    """The title without PubMed's final period and translation brackets; True if it was a translation."""
    title = clean_text(summary.title)
    translated = False
    if title.startswith("[") and title.rstrip(".").endswith("]"):
        title = title.rstrip(".")[1:-1].strip()
        translated = True
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1].rstrip()
    return title, translated


def build_pubmed_draft(summary: PubMedSummary, *, today: date, types: PubMedTypes, doi: str | None = None) -> Draft:
    """The draft record for SUMMARY (the slug is added by the caller), or a Draft with `problem`."""
    notices: list[str] = []
    title, translated = title_of(summary)
    if not title:
        return Draft(None, problem=f"PubMed's record of PMID {summary.pmid} has no title; not creating a record")
    if summary.year is None:
        notices.append("no publication date in PubMed: the year is left out for you to fill in from the paper")
    if translated:
        original = clean_text(summary.vernacular_title)
        notices.append(
            "PubMed gives the title in English translation"
            + (f"; the paper's own title is: {original}" if original else "")
        )
    record: dict[str, Any] = {"status": "draft", "title": title}
    authors = [{"literal": a.name} if a.collective else person_of(a.name) for a in summary.authors]
    record["authors"] = authors
    if not authors:
        notices.append("no authors in PubMed (shown as 'Unknown authors'); check the paper")
    elif any("given" in a for a in authors):
        notices.append("PubMed gives authors' initials only; check their given names")
    if summary.journal:
        record["journal"] = summary.journal
    if summary.source and summary.source != summary.journal:
        record["journal_abbrev"] = summary.source
    if summary.year is not None:
        record["year"] = summary.year
    if summary.volume:
        record["volume"] = summary.volume
    if summary.issue:
        record["issue"] = summary.issue
    if summary.pages:
        record["pages"] = full_pages(summary.pages)
    if doi:
        record["doi"] = doi
    record["pmid"] = summary.pmid
    record["publication_type"] = types.publication_type(summary.publication_types) or {
        "book": "book",
        "chapter": "book-chapter",
    }.get(summary.doc_type or "", "journal-article")
    if summary.publication_types:
        record["pubmed_types"] = list(dict.fromkeys(summary.publication_types))
    record["pem"] = copy.deepcopy(PEM_PLACEHOLDER)
    record.update(CURATED_PLACEHOLDERS)
    record["topics"] = []
    flags = types.flags(summary.publication_types)
    not_a_study = types.not_a_study(summary.publication_types)
    if not_a_study:
        notices.append(f"PubMed lists it as {', '.join(summary.publication_types)}: {_a(not_a_study)}, not a study")
    for name in title_flags(title):
        if name not in flags:
            flags.append(name)
        if name in ("erratum", "notice", "patient-summary") and "not-a-paper" not in flags:
            flags.append("not-a-paper")
        notices.append(TITLE_NOTICES[name])
    if summary.year is None:
        flags.append("no-date")
    if "retracted" in flags:
        notices.append("PubMed lists it as a retracted publication; record the retraction notice under `updates`")
    if flags:
        record["flags"] = flags
    record["snapshot_date"] = today.isoformat()
    record["added"] = today.isoformat()
    return fit(Draft(record, notices=notices), "PubMed")


def _a(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase
