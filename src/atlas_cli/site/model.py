"""What the pages show, computed from records (pure: no files, no templates).

A record on disk may be incomplete or wrongly typed (drafts, records `atlas lint`
has not seen yet). Everything here reads fields defensively: a bad field is left
out of the page rather than crashing the build or showing a Python repr.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from atlas_cli.core import textfold
from atlas_cli.core.pem import BADGES, LABELS, UNCLEAR
from atlas_cli.core.records import SLUG_RE
from atlas_cli.core.registries import Registries

HEADER_AUTHORS = 3  # the header line shows at most three authors, then " et al."
DOI_RESOLVER = "https://doi.org/"

PEM_NOTE = (
    "\u201cPEM required\u201d means post-exertional malaise was an explicit required diagnostic "
    "criterion for participant inclusion in this study \u2014 not that PEM was studied, observed, "
    "or discussed. Studies using criteria that do not require PEM (e.g. Fukuda, Oxford) are "
    "tagged \u201cPEM not required\u201d."
)

EVIDENCE_LEVELS = {
    "E0": "E0 Not graded",
    "E1": "E1 Replicated",
    "E2": "E2 Moderate",
    "E3": "E3 Preliminary",
}
CONFIDENCE = {"high": "High confidence", "moderate": "Moderate confidence", "low": "Low confidence"}

# Notices that mean the paper no longer stands, and the banner word for each.
RETRACTION_UPDATES = {
    "retraction": "Retracted",
    "partial-retraction": "Partially retracted",
    "withdrawal": "Withdrawn",
    "removal": "Removed",
}
RETRACTION_FLAGS = {"retracted": "Retracted", "withdrawn": "Withdrawn"}
RETRACTION_SENTENCES = {
    "Retracted": "This paper has been retracted: its findings should not be relied on.",
    "Partially retracted": "Part of this paper has been retracted: check the notice before relying on it.",
    "Withdrawn": "This paper has been withdrawn: its findings should not be relied on.",
    "Removed": "This paper has been removed by its publisher.",
}


# --- reading fields ----------------------------------------------------------------------


def text(value: Any) -> str | None:
    """Clean one-line text from a scalar; None for anything else or empty."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return " ".join(value.split()) or None
    return None


def paragraphs(value: Any) -> list[str]:
    """Curated text split on blank lines into paragraphs (lines inside one are joined)."""
    if not isinstance(value, str):
        return []
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", value) if p.strip()]


def text_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [t for t in (text(v) for v in value) if t]


def author_name(author: Any) -> str | None:
    """`Family, Given` (and `, Suffix`); an organisation as written."""
    if isinstance(author, str):
        return text(author)
    if not isinstance(author, dict):
        return None
    family, given, suffix, literal = (text(author.get(k)) for k in ("family", "given", "suffix", "literal"))
    if literal and not family:
        return literal
    parts = [p for p in (family, given, suffix) if p]
    return ", ".join(parts) or None


def header_authors(names: list[str]) -> str | None:
    """At most three names joined by `, `, then ` et al.`; None without authors."""
    if not names:
        return None
    shown = ", ".join(names[:HEADER_AUTHORS])
    return shown + (" et al." if len(names) > HEADER_AUTHORS else "")


def doi_url(doi: str) -> str:
    """The resolver link of DOI, percent-encoding what a URL cannot carry as is (SICI <>, #, ?)."""
    return DOI_RESOLVER + quote(doi, safe="/:;()[]-._~!$'*+,=@")


def fold(value: str) -> str:
    """Lower case without accents, for searching (the page's script folds the query the same way)."""
    return textfold.fold(value)


# --- the page model ----------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A named thing a page links to (a topic, a case definition); id None when unknown."""

    id: str | None
    label: str


@dataclass(frozen=True)
class Retraction:
    label: str  # Retracted, Withdrawn, ...
    notice_doi: str | None = None
    notice_url: str | None = None
    date: str | None = None
    note: str | None = None

    @property
    def sentence(self) -> str:
        return RETRACTION_SENTENCES[self.label]


@dataclass
class Entry:
    """One record as its pages show it."""

    slug: str
    draft: bool
    title: str
    authors: list[str]
    header_authors: str | None
    journal: str | None
    year: int | None
    doi: str | None
    doi_url: str | None
    pem: str  # one of pem.BADGES
    pem_label: str
    design: Link | None
    badges_before: list[str]  # badge row before the PEM badge: evidence level, confidence
    badges_after: list[str]  # after it: study type, peer review
    summary: list[str]
    why_it_matters: list[str]
    does_not_show: list[str]
    findings: list[str]
    limitations: list[str]
    criteria: list[Link]
    combine: str | None
    pem_screen: str | None
    pem_rationale: list[str]
    topics: list[Link]
    retraction: Retraction | None
    citations: dict[str, str] = field(default_factory=dict)

    @property
    def header_text(self) -> str:
        """The header line without its DOI link: `<authors> · <journal> · <year>`."""
        parts = [self.header_authors, self.journal, str(self.year) if self.year else None]
        return " · ".join(p for p in parts if p)

    @property
    def search_text(self) -> str:
        return fold(" ".join([self.title, *self.authors]))


def _retraction(record: dict[str, Any]) -> Retraction | None:
    updates = record.get("updates")
    for update in updates if isinstance(updates, list) else []:
        if isinstance(update, dict) and update.get("type") in RETRACTION_UPDATES:
            doi = text(update.get("doi"))
            return Retraction(
                label=RETRACTION_UPDATES[update["type"]],
                notice_doi=doi,
                notice_url=doi_url(doi) if doi else None,
                date=text(update.get("date")),
                note=text(update.get("note")),
            )
    flags = record.get("flags")
    for flag in flags if isinstance(flags, list) else []:
        if flag in RETRACTION_FLAGS:
            return Retraction(label=RETRACTION_FLAGS[flag])
    return None


def _criteria(pem: dict[str, Any], registries: Registries) -> list[Link]:
    links = []
    for raw in text_list(pem.get("criteria")):
        cid = raw if raw in registries.criteria else registries.criterion_for(raw)
        if cid is not None:
            links.append(Link(cid, registries.criteria[cid].name))
        else:
            links.append(Link(None, raw))
    return links


def _topics(record: dict[str, Any], registries: Registries) -> list[Link]:
    links = []
    for raw in text_list(record.get("topics")):
        topic = registries.topics.get(raw)
        if topic is not None:
            links.append(Link(topic.id, topic.label))
        elif SLUG_RE.match(raw):
            links.append(Link(raw, raw))  # not in the vocabulary (atlas lint says so); still listed
        else:
            links.append(Link(None, raw))
    return links


def entry_from_record(record: dict[str, Any], registries: Registries) -> Entry:
    """The page model of one record (citations are added by the build)."""
    raw_authors = record.get("authors") if isinstance(record.get("authors"), list) else []
    names = [n for n in (author_name(a) for a in raw_authors) if n]
    pem = record.get("pem") if isinstance(record.get("pem"), dict) else {}
    badge = pem.get("badge") if pem.get("badge") in BADGES else UNCLEAR
    design_id = text(record.get("design"))
    design = None
    if design_id:
        known = registries.designs.get(design_id)
        design = (
            Link(design_id, known.label) if known else Link(design_id if SLUG_RE.match(design_id) else None, design_id)
        )
    badges = []
    if record.get("evidence_level") in EVIDENCE_LEVELS:
        badges.append(EVIDENCE_LEVELS[record["evidence_level"]])
    if record.get("confidence") in CONFIDENCE:
        badges.append(CONFIDENCE[record["confidence"]])
    after_pem = []
    if design is not None:
        after_pem.append(design.label)
    if record.get("peer_reviewed") is True:
        after_pem.append("Peer-reviewed")
    elif record.get("peer_reviewed") is False:
        after_pem.append("Not peer-reviewed")
    doi = text(record.get("doi"))
    year = record.get("year")
    combine = pem.get("combine") if pem.get("combine") in ("all", "any") else None
    return Entry(
        slug=record["slug"],
        draft=record.get("status") != "published",
        title=text(record.get("title")) or record["slug"],
        authors=names,
        header_authors=header_authors(names),
        journal=text(record.get("journal")),
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
        doi=doi,
        doi_url=doi_url(doi) if doi else None,
        pem=badge,
        pem_label=LABELS[badge],
        design=design,
        badges_before=badges,
        badges_after=after_pem,
        summary=paragraphs(record.get("summary")),
        why_it_matters=paragraphs(record.get("why_it_matters")),
        does_not_show=paragraphs(record.get("does_not_show")),
        findings=paragraphs(record.get("findings")),
        limitations=paragraphs(record.get("limitations")),
        criteria=_criteria(pem, registries),
        combine=combine if len(text_list(pem.get("criteria"))) > 1 else None,
        pem_screen=text(pem.get("pem_screen")),
        pem_rationale=paragraphs(pem.get("rationale")),
        topics=_topics(record, registries),
        retraction=_retraction(record),
    )


@dataclass(frozen=True)
class Listing:
    """What the list pages (index, topic, case definition) show of a record: small, and plain JSON data,
    so the build keeps it in its manifest and lists an unchanged record without reading it again."""

    slug: str
    draft: bool
    title: str
    year: int | None
    pem: str
    pem_label: str
    header_text: str
    design_id: str | None
    design_label: str | None
    retraction: str | None  # the banner word (Retracted, Withdrawn, ...), None if the paper stands
    topics: list[str]  # ids, in record order, each once
    criteria: list[str]  # ids, in record order, each once
    search_text: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def listing(entry: Entry) -> Listing:
    return Listing(
        slug=entry.slug,
        draft=entry.draft,
        title=entry.title,
        year=entry.year,
        pem=entry.pem,
        pem_label=entry.pem_label,
        header_text=entry.header_text,
        design_id=entry.design.id if entry.design else None,
        design_label=entry.design.label if entry.design else None,
        retraction=entry.retraction.label if entry.retraction else None,
        topics=list(dict.fromkeys(t.id for t in entry.topics if t.id)),
        criteria=list(dict.fromkeys(c.id for c in entry.criteria if c.id)),
        search_text=entry.search_text,
    )


def index_row(study: Listing) -> list[Any]:
    """One study in the precomputed JSON index the index page's filters read."""
    return [study.slug, study.pem, study.design_id or "", study.year or 0, study.topics, study.search_text]
