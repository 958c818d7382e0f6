"""A record as its evidence page reads: the page as data, and a plain-text formatter.

`build_page` turns a record (as read, possibly invalid) into a `Page`: badges, title,
header line, banner, curated text, PEM criteria, topics, citation blocks and any
problems `atlas lint` found. It never raises on a malformed record: a field of the
wrong type is left out and the lint problems say why. `format_text` renders the page
as plain text (for pipes); the terminal rendering lives in the command layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from atlas_cli.core import fields
from atlas_cli.core.errors import AtlasError
from atlas_cli.core.pem import LABELS, PEM_NOTE

if TYPE_CHECKING:
    from atlas_cli.core.registries import Registries

SECTIONS = (
    ("summary", "Summary"),
    ("why_it_matters", "Why it matters"),
    ("does_not_show", "What it does not show"),
    ("findings", "Findings"),
    ("limitations", "Limitations"),
)

# Banner kinds, most serious first: flag -> banner text.
BANNERS = (
    ("retracted", "RETRACTED: this paper has been retracted"),
    ("withdrawn", "WITHDRAWN: this paper has been withdrawn"),
    ("expression-of-concern", "EXPRESSION OF CONCERN: the publisher has raised concerns about this paper"),
    ("corrected", "CORRECTED: a correction to this paper has been published"),
)


@dataclass
class Badge:
    text: str
    kind: str  # evidence, confidence, pem-<badge>, design, review, status


@dataclass
class Banner:
    kind: str  # retracted, withdrawn, expression-of-concern, corrected
    text: str
    details: list[str] = field(default_factory=list)


@dataclass
class Page:
    slug: str
    title: str
    header: str
    badges: list[Badge]
    pem_badge: str | None
    banners: list[Banner]
    sections: list[tuple[str, str]]
    pem_lines: list[str]
    criteria: list[str]
    topics: list[str]
    flags: list[str]
    citations: list[tuple[str, str]]
    problems: list[str]
    pem_quotes: list[tuple[str, str]] = field(default_factory=list)  # (part of the paper, sentence) behind the badge
    pem_proposal: str | None = None  # who read the badge from the paper, and whether a curator confirmed it


# --- the page ---------------------------------------------------------------------------


def header_line(record: dict, max_authors: int = 3) -> str:
    """`<authors> · <journal> · <year> · <doi link>`, at most 3 authors then `et al.`."""
    parts = []
    names = fields.author_names(record)
    if names:
        shown = ", ".join(names[:max_authors])
        parts.append(shown + (" et al." if len(names) > max_authors else ""))
    for value in (fields.text(record, "journal"), fields.text(record, "year")):
        if value:
            parts.append(value)
    doi = fields.text(record, "doi")
    if doi:
        parts.append(fields.doi_url(doi))
    return " \u00b7 ".join(parts)


def pem_label(badge: str | None) -> str:
    """The PEM badge as the page names it; a missing or unknown value said plainly."""
    if badge is None:
        return "PEM badge missing"
    return LABELS.get(badge) or f"PEM badge '{badge}' (unknown)"


def badges(record: dict, registries: Registries | None) -> list[Badge]:
    result = []
    level = fields.text(record, "evidence_level")
    if level:
        result.append(Badge(fields.EVIDENCE_LABELS.get(level, level), "evidence"))
    confidence = fields.text(record, "confidence")
    if confidence:
        result.append(Badge(fields.CONFIDENCE_LABELS.get(confidence, confidence), "confidence"))
    badge = fields.badge(record)
    result.append(Badge(pem_label(badge), f"pem-{badge or 'missing'}"))
    design = fields.text(record, "design")
    if design:
        known = registries.designs.get(design) if registries else None
        result.append(Badge(known.label if known else design, "design"))
    reviewed = record.get("peer_reviewed")
    if reviewed is True:
        result.append(Badge("Peer-reviewed", "review"))
    elif reviewed is False:
        result.append(Badge("Not peer-reviewed", "review-no"))
    status = fields.text(record, "status")
    if status and status != "published":
        result.append(Badge(status.upper(), "status"))
    return result


def banners(record: dict) -> list[Banner]:
    """Red (retracted/withdrawn) and amber (concern/correction) banners, most serious first."""
    kinds: dict[str, list[str]] = {}
    for flag in fields.strings(record.get("flags")):
        if flag in dict(BANNERS):
            kinds.setdefault(flag, [])
    for update in fields.items(record.get("updates")):
        if not isinstance(update, dict):
            continue
        kind = fields.UPDATE_FLAGS.get(fields.text(update, "type") or "")
        if not kind:
            continue
        doi = fields.text(update, "doi")
        detail = " ".join(
            filter(
                None,
                [
                    fields.text(update, "type"),
                    fields.text(update, "date"),
                    fields.doi_url(doi) if doi else None,
                    f"({fields.text(update, 'source')})" if fields.text(update, "source") else None,
                ],
            )
        )
        note = fields.text(update, "note")
        kinds.setdefault(kind, []).append(detail + (f": {note}" if note else ""))
    if "retracted" in kinds and "withdrawn" in kinds:
        kinds["retracted"] += kinds.pop("withdrawn")
    return [Banner(kind, text, kinds[kind]) for kind, text in BANNERS if kind in kinds]


def criteria_names(record: dict, registries: Registries | None) -> list[str]:
    names = []
    for cid in fields.strings(fields.pem(record).get("criteria")):
        known = registries.criteria.get(cid) if registries else None
        if known:
            requires = {True: "requires PEM", False: "does not require PEM", None: "not a case definition"}[
                known.requires_pem
            ]
            names.append(f"{known.name} ({requires})")
        else:
            names.append(f"{cid} (not in the criteria registry)")
    return names


def pem_lines(record: dict) -> list[str]:
    pem = fields.pem(record)
    lines = []
    combine = fields.text(pem, "combine")
    if combine:
        lines.append(
            "Participants met "
            + ("every listed definition" if combine == "all" else "any one of the listed definitions")
        )
    screen = fields.text(pem, "pem_screen")
    if screen:
        lines.append(f"Mandatory PEM screen: {screen}")
    rationale = fields.text(pem, "rationale")
    if rationale:
        lines.append(f"Why: {rationale}")
    source = fields.text(pem, "source")
    if source:
        lines.append(f"Stated in: {source}")
    return lines


def proposal(record: dict, registries: Registries | None) -> tuple[str | None, list[tuple[str, str]]]:
    """(note, quotes) of the record's `pem.proposed`: its quotes when it agrees with the badge shown."""
    from atlas_cli.core.proposed import proposed_of

    proposed = proposed_of(record)
    if proposed is None:
        return None, []
    if proposed.agrees(fields.pem(record), registries):
        note = (
            f"Read from the paper by {proposed.by}, confirmed by a curator"
            if proposed.confirmed
            else f"Proposed by {proposed.by} from the paper's words, not yet confirmed by a curator"
        )
        return note, [(q.source, q.text) for q in proposed.quotes]
    criteria = f" ({', '.join(proposed.criteria)})" if proposed.criteria else ""
    return f"{proposed.by} proposed {pem_label(proposed.badge)}{criteria}, not the badge above", []


def topic_labels(record: dict, registries: Registries | None) -> list[str]:
    result = []
    for tid in fields.strings(record.get("topics")):
        known = registries.topics.get(tid) if registries else None
        result.append(known.label if known else f"{tid} (not in the topic registry)")
    return result


def build_page(
    record: dict,
    registries: Registries | None = None,
    *,
    citations: Callable[[dict, str], str] | None = None,
    problems: list[str] | None = None,
    slug: str | None = None,
) -> Page:
    """The evidence page of RECORD. `citations(record, fmt)` renders a citation block."""
    record = record if isinstance(record, dict) else {}
    proposal_note, quotes = proposal(record, registries)
    blocks = []
    if citations is not None:
        from atlas_cli.cite import PAGE_BLOCKS

        for heading, fmt in PAGE_BLOCKS:
            try:
                blocks.append((heading, citations(record, fmt).rstrip("\n")))
            except AtlasError as exc:  # an invalid record must still be shown
                blocks.append((heading, f"(cannot render: {exc.message})"))
    return Page(
        slug=slug or fields.text(record, "slug") or "",
        title=fields.text(record, "title") or "(no title)",
        header=header_line(record),
        badges=badges(record, registries),
        pem_badge=fields.badge(record),
        banners=banners(record),
        sections=[(heading, text) for key, heading in SECTIONS if (text := fields.block(record.get(key)))],
        pem_lines=pem_lines(record),
        criteria=criteria_names(record, registries),
        topics=topic_labels(record, registries),
        flags=fields.strings(record.get("flags")),
        citations=blocks,
        problems=list(problems or []),
        pem_quotes=quotes,
        pem_proposal=proposal_note,
    )


def format_text(page: Page) -> str:
    """The page as plain text, in the order the evidence page reads."""
    out: list[str] = []
    if page.problems:
        out.append(f"! {len(page.problems)} problem{'s' if len(page.problems) != 1 else ''} (atlas lint):")
        out.extend(f"  {p}" for p in page.problems)
        out.append("")
    for banner in page.banners:
        out.append(f"*** {banner.text} ***")
        out.extend(f"    {d}" for d in banner.details)
    if page.banners:
        out.append("")
    out.append(" | ".join(f"[{b.text}]" for b in page.badges))
    out.append("")
    out.append(page.title)
    if page.header:
        out.append(page.header)
    for heading, text in page.sections:
        out += ["", heading, text]
    out += ["", "PEM badge"]
    out.append(pem_label(page.pem_badge))
    if page.criteria:
        out.append("Criteria: " + "; ".join(page.criteria))
    out.extend(page.pem_lines)
    out.extend(f'In the paper\'s words ({source}): "{text}"' for source, text in page.pem_quotes)
    if page.pem_proposal:
        out.append(page.pem_proposal)
    out.append(f"About the PEM badge: {PEM_NOTE}")
    if page.topics:
        out += ["", "Topics: " + ", ".join(page.topics)]
    other_flags = [f for f in page.flags if f not in {b.kind for b in page.banners}]
    if other_flags:
        out.append("Flags: " + ", ".join(other_flags))
    for heading, text in page.citations:
        out += ["", heading, text]
    return "\n".join(out) + "\n"
