"""What the pages show, computed from records (pure: no files, no templates).

A record on disk may be incomplete or wrongly typed (drafts, records `atlas lint`
has not seen yet). Everything here reads fields defensively: a bad field is left
out of the page rather than crashing the build or showing a Python repr.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from atlas_cli.core import fields, textfold
from atlas_cli.core.pem import BADGES, LABELS, UNCLEAR
from atlas_cli.core.proposed import proposed_of
from atlas_cli.core.records import SLUG_RE
from atlas_cli.core.registries import Registries

# The banner word for each notice after which the paper no longer stands (fields.RETRACTION_TYPES).
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
class EvidencePage:
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
    pem_quotes: list[tuple[str, str]] = field(default_factory=list)  # (part of the paper, sentence) behind the badge
    pem_unconfirmed: bool = False  # the badge is atlas's proposal, not yet confirmed by a curator
    lint_notes: list[str] = field(default_factory=list)  # the errors `atlas lint` finds (--allow-errors, drafts)

    @property
    def header_text(self) -> str:
        """The header line without its DOI link: `<authors> · <journal> · <year>`."""
        parts = [self.header_authors, self.journal, str(self.year) if self.year else None]
        return " · ".join(p for p in parts if p)

    @property
    def search_text(self) -> str:
        return textfold.fold(" ".join([self.title, *self.authors]))


def _retraction(record: dict[str, Any]) -> Retraction | None:
    updates = record.get("updates")
    for update in updates if isinstance(updates, list) else []:
        if isinstance(update, dict) and update.get("type") in RETRACTION_UPDATES:
            doi = fields.clean(update.get("doi"))
            return Retraction(
                label=RETRACTION_UPDATES[update["type"]],
                notice_doi=doi,
                notice_url=fields.doi_url(doi) if doi else None,
                date=fields.clean(update.get("date")),
                note=fields.clean(update.get("note")),
            )
    flags = record.get("flags")
    for flag in flags if isinstance(flags, list) else []:
        if flag in RETRACTION_FLAGS:
            return Retraction(label=RETRACTION_FLAGS[flag])
    return None


def _criteria(pem: dict[str, Any], registries: Registries) -> list[Link]:
    links = []
    for raw in fields.texts(pem.get("criteria")):
        cid = raw if raw in registries.criteria else registries.criterion_for(raw)
        if cid is not None:
            links.append(Link(cid, registries.criteria[cid].name))
        else:
            links.append(Link(None, raw))
    return links


def _topics(record: dict[str, Any], registries: Registries) -> list[Link]:
    links = []
    for raw in fields.texts(record.get("topics")):
        topic = registries.topics.get(raw)
        if topic is not None:
            links.append(Link(topic.id, topic.label))
        elif SLUG_RE.match(raw):
            links.append(Link(raw, raw))  # not in the vocabulary (atlas lint says so); still listed
        else:
            links.append(Link(None, raw))
    return links


def entry_from_record(record: dict[str, Any], registries: Registries) -> EvidencePage:
    """The page model of one record (citations are added by the build)."""
    names = fields.author_names(record)
    pem = fields.pem(record)
    written = pem.get("badge")
    badge = written if isinstance(written, str) and written in BADGES else UNCLEAR
    design_id = fields.clean(record.get("design"))
    design = None
    if design_id:
        known = registries.designs.get(design_id)
        design = (
            Link(design_id, known.label) if known else Link(design_id if SLUG_RE.match(design_id) else None, design_id)
        )
    badges = []
    if record.get("evidence_level") in fields.EVIDENCE_LABELS:
        badges.append(fields.EVIDENCE_LABELS[record["evidence_level"]])
    if record.get("confidence") in fields.CONFIDENCE_LABELS:
        badges.append(fields.CONFIDENCE_LABELS[record["confidence"]])
    after_pem = []
    if design is not None:
        after_pem.append(design.label)
    if record.get("peer_reviewed") is True:
        after_pem.append("Peer-reviewed")
    elif record.get("peer_reviewed") is False:
        after_pem.append("Not peer-reviewed")
    doi = fields.clean(record.get("doi"))
    year = record.get("year")
    combine = pem.get("combine") if pem.get("combine") in ("all", "any") else None
    proposed = proposed_of(record)
    supports = proposed is not None and proposed.agrees(pem, registries)
    return EvidencePage(
        slug=record["slug"],
        draft=record.get("status") != "published",
        title=fields.clean(record.get("title")) or record["slug"],
        authors=names,
        header_authors=fields.header_authors(names),
        journal=fields.clean(record.get("journal")),
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
        doi=doi,
        doi_url=fields.doi_url(doi) if doi else None,
        pem=badge,
        pem_label=LABELS[badge],
        design=design,
        badges_before=badges,
        badges_after=after_pem,
        summary=fields.paragraphs(record.get("summary")),
        why_it_matters=fields.paragraphs(record.get("why_it_matters")),
        does_not_show=fields.paragraphs(record.get("does_not_show")),
        findings=fields.paragraphs(record.get("findings")),
        limitations=fields.paragraphs(record.get("limitations")),
        criteria=_criteria(pem, registries),
        combine=combine if len(fields.texts(pem.get("criteria"))) > 1 else None,
        pem_screen=fields.clean(pem.get("pem_screen")),
        pem_rationale=fields.paragraphs(pem.get("rationale")),
        topics=_topics(record, registries),
        retraction=_retraction(record),
        pem_quotes=[(q.source, q.text) for q in proposed.quotes] if proposed is not None and supports else [],
        pem_unconfirmed=proposed is not None and supports and not proposed.confirmed,
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


def listing(entry: EvidencePage) -> Listing:
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
