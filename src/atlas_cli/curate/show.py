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
from typing import Any

from atlas_cli.core.pem import LABELS

# What the public atlas prints under every PEM badge (verbatim).
PEM_NOTE = (
    "\u201cPEM required\u201d means post-exertional malaise was an explicit required diagnostic "
    "criterion for participant inclusion in this study \u2014 not that PEM was studied, observed, "
    "or discussed. Studies using criteria that do not require PEM (e.g. Fukuda, Oxford) are "
    "tagged \u201cPEM not required\u201d."
)

EVIDENCE_LABELS = {"E0": "E0 Not graded", "E1": "E1 Replicated", "E2": "E2 Moderate", "E3": "E3 Preliminary"}
CONFIDENCE_LABELS = {"high": "High confidence", "moderate": "Moderate confidence", "low": "Low confidence"}

SECTIONS = (
    ("summary", "Summary"),
    ("why_it_matters", "Why it matters"),
    ("does_not_show", "What it does not show"),
    ("findings", "Findings"),
    ("limitations", "Limitations"),
)

# Banner kinds, most serious first: flag or update type -> (kind, banner text).
RETRACTED_UPDATES = {"retraction", "partial-retraction", "withdrawal", "removal"}
BANNERS = (
    ("retracted", "RETRACTED: this paper has been retracted"),
    ("withdrawn", "WITHDRAWN: this paper has been withdrawn"),
    ("expression-of-concern", "EXPRESSION OF CONCERN: the publisher has raised concerns about this paper"),
    ("corrected", "CORRECTED: a correction to this paper has been published"),
)
_UPDATE_FLAG = {
    "retraction": "retracted",
    "partial-retraction": "retracted",
    "removal": "retracted",
    "withdrawal": "withdrawn",
    "expression-of-concern": "expression-of-concern",
    "correction": "corrected",
    "erratum": "corrected",
}

CITATION_FORMATS = (("primary", "Primary citation"), ("bibtex", "BibTeX"), ("snapshot", "Atlas snapshot reference"))


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


# --- small, type-tolerant accessors -------------------------------------------------------


def text_of(value: Any) -> str | None:
    """A text field as text (numbers allowed), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int, float)):
        text = str(value).strip()
        return text or None
    return None


def list_of(value: Any) -> list:
    return value if isinstance(value, list) else []


def strings_of(value: Any) -> list[str]:
    return [str(v) for v in list_of(value) if isinstance(v, (str, int)) and not isinstance(v, bool)]


def author_name(author: Any) -> str | None:
    """`Family, Given` (or the organisation name), as the atlas prints authors."""
    if isinstance(author, str):
        return author.strip() or None
    if not isinstance(author, dict):
        return None
    literal = text_of(author.get("literal"))
    if literal:
        return literal
    family, given, suffix = (text_of(author.get(k)) for k in ("family", "given", "suffix"))
    # `Family, Given, Suffix`, as the evidence page and the primary citation write it.
    return ", ".join(p for p in (family, given, suffix) if p) or None


def author_names(record: dict) -> list[str]:
    return [n for n in (author_name(a) for a in list_of(record.get("authors"))) if n]


def first_author_family(record: dict) -> str | None:
    authors = list_of(record.get("authors"))
    if not authors:
        return None
    first = authors[0]
    if isinstance(first, dict):
        return text_of(first.get("family")) or text_of(first.get("literal")) or text_of(first.get("given"))
    return author_name(first)


def year_of(record: dict) -> int | None:
    year = record.get("year")
    if isinstance(year, bool):
        return None
    if isinstance(year, int):
        return year
    if isinstance(year, str) and year.strip().isdigit():
        return int(year.strip())
    return None


def pem_of(record: dict) -> dict:
    pem = record.get("pem")
    return pem if isinstance(pem, dict) else {}


def badge_of(record: dict) -> str | None:
    return text_of(pem_of(record).get("badge"))


def doi_url(doi: str) -> str:
    return f"https://doi.org/{doi}"


# --- the page ---------------------------------------------------------------------------


def header_line(record: dict, max_authors: int = 3) -> str:
    """`<authors> · <journal> · <year> · <doi link>`, at most 3 authors then `et al.`."""
    parts = []
    names = author_names(record)
    if names:
        shown = ", ".join(names[:max_authors])
        parts.append(shown + (" et al." if len(names) > max_authors else ""))
    for value in (text_of(record.get("journal")), text_of(record.get("year"))):
        if value:
            parts.append(value)
    doi = text_of(record.get("doi"))
    if doi:
        parts.append(doi_url(doi))
    return " \u00b7 ".join(parts)


def pem_label(badge: str | None) -> str:
    """The PEM badge as the page names it; a missing or unknown value said plainly."""
    if badge is None:
        return "PEM badge missing"
    return LABELS.get(badge) or f"PEM badge '{badge}' (unknown)"


def badges(record: dict, registries) -> list[Badge]:
    result = []
    level = text_of(record.get("evidence_level"))
    if level:
        result.append(Badge(EVIDENCE_LABELS.get(level, level), "evidence"))
    confidence = text_of(record.get("confidence"))
    if confidence:
        result.append(Badge(CONFIDENCE_LABELS.get(confidence, confidence), "confidence"))
    badge = badge_of(record)
    result.append(Badge(pem_label(badge), f"pem-{badge or 'missing'}"))
    design = text_of(record.get("design"))
    if design:
        known = registries.designs.get(design) if registries else None
        result.append(Badge(known.label if known else design, "design"))
    reviewed = record.get("peer_reviewed")
    if reviewed is True:
        result.append(Badge("Peer-reviewed", "review"))
    elif reviewed is False:
        result.append(Badge("Not peer-reviewed", "review-no"))
    status = text_of(record.get("status"))
    if status and status != "published":
        result.append(Badge(status.upper(), "status"))
    return result


def banners(record: dict) -> list[Banner]:
    """Red (retracted/withdrawn) and amber (concern/correction) banners, most serious first."""
    kinds: dict[str, list[str]] = {}
    for flag in strings_of(record.get("flags")):
        if flag in dict(BANNERS):
            kinds.setdefault(flag, [])
    for update in list_of(record.get("updates")):
        if not isinstance(update, dict):
            continue
        kind = _UPDATE_FLAG.get(text_of(update.get("type")) or "")
        if not kind:
            continue
        detail = " ".join(
            filter(
                None,
                [
                    text_of(update.get("type")),
                    text_of(update.get("date")),
                    doi_url(text_of(update.get("doi"))) if text_of(update.get("doi")) else None,
                    f"({text_of(update.get('source'))})" if text_of(update.get("source")) else None,
                ],
            )
        )
        note = text_of(update.get("note"))
        kinds.setdefault(kind, []).append(detail + (f": {note}" if note else ""))
    if "retracted" in kinds and "withdrawn" in kinds:
        kinds["retracted"] += kinds.pop("withdrawn")
    return [Banner(kind, text, kinds[kind]) for kind, text in BANNERS if kind in kinds]


def criteria_names(record: dict, registries) -> list[str]:
    names = []
    for cid in strings_of(pem_of(record).get("criteria")):
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
    pem = pem_of(record)
    lines = []
    combine = text_of(pem.get("combine"))
    if combine:
        lines.append(
            "Participants met "
            + ("every listed definition" if combine == "all" else "any one of the listed definitions")
        )
    screen = text_of(pem.get("pem_screen"))
    if screen:
        lines.append(f"Mandatory PEM screen: {screen}")
    rationale = text_of(pem.get("rationale"))
    if rationale:
        lines.append(f"Why: {rationale}")
    source = text_of(pem.get("source"))
    if source:
        lines.append(f"Stated in: {source}")
    return lines


def topic_labels(record: dict, registries) -> list[str]:
    result = []
    for tid in strings_of(record.get("topics")):
        known = registries.topics.get(tid) if registries else None
        result.append(known.label if known else f"{tid} (not in the topic registry)")
    return result


def build_page(
    record: dict,
    registries=None,
    *,
    citations: Callable[[dict, str], str] | None = None,
    problems: list[str] | None = None,
    slug: str | None = None,
) -> Page:
    """The evidence page of RECORD. `citations(record, fmt)` renders a citation block."""
    record = record if isinstance(record, dict) else {}
    blocks = []
    if citations is not None:
        for fmt, heading in CITATION_FORMATS:
            try:
                blocks.append((heading, citations(record, fmt).rstrip("\n")))
            except Exception as exc:  # noqa: BLE001 - an invalid record must still be shown
                message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
                blocks.append((heading, f"(cannot render: {message})"))
    return Page(
        slug=slug or text_of(record.get("slug")) or "",
        title=text_of(record.get("title")) or "(no title)",
        header=header_line(record),
        badges=badges(record, registries),
        pem_badge=badge_of(record),
        banners=banners(record),
        sections=[(heading, text) for key, heading in SECTIONS if (text := text_of(record.get(key)))],
        pem_lines=pem_lines(record),
        criteria=criteria_names(record, registries),
        topics=topic_labels(record, registries),
        flags=strings_of(record.get("flags")),
        citations=blocks,
        problems=list(problems or []),
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
    out.append(f"About the PEM badge: {PEM_NOTE}")
    if page.topics:
        out += ["", "Topics: " + ", ".join(page.topics)]
    other_flags = [f for f in page.flags if f not in {b.kind for b in page.banners}]
    if other_flags:
        out.append("Flags: " + ", ".join(other_flags))
    for heading, text in page.citations:
        out += ["", heading, text]
    return "\n".join(out) + "\n"
