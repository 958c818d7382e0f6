"""Completeness rules: a published record has real text everywhere it is read.

Drafts may be incomplete: the same findings are warnings there.
"""

from __future__ import annotations

import re

from atlas_cli.core import fields
from atlas_cli.lint.context import RecordContext
from atlas_cli.lint.problem import ERROR, WARNING
from atlas_cli.lint.rules import rule

PLACEHOLDER_START = re.compile(r"\s*(todo|tbd|tbc|fixme|xxx|placeholder|fill (this )?in)\b", re.IGNORECASE)
EMPTY_LIKE = {"", "...", "…", "-", "n/a", "na"}
CURATED_FIELDS = ("summary", "why_it_matters", "does_not_show", "findings", "limitations")
PUBLISH_FIELDS = {
    "design": "the study design decides which PEM badges are possible",
    "snapshot_date": "the atlas snapshot reference cites this date",
    "journal": "citations name the journal",
}


def is_placeholder(value: object) -> bool:
    """TODO/TBD/FIXME... at the start, lorem ipsum anywhere, or nothing real."""
    if not isinstance(value, str):
        return False
    return (
        value.strip().lower() in EMPTY_LIKE
        or PLACEHOLDER_START.match(value) is not None
        or "lorem ipsum" in value.lower()
    )


@rule("text-placeholder")
def curated_text(ctx: RecordContext) -> None:
    """Curated text is written, not a placeholder (TODO, TBD, FIXME, lorem ipsum, empty).

    Fails (published):  summary: "TODO: plain-language summary"
    Warns (draft):      the same
    Passes:             summary: ME/CFS is a complex illness that ...
    """
    severity = ERROR if ctx.published else WARNING
    state = "a published record" if ctx.published else "draft"
    for name in CURATED_FIELDS:
        if name in ctx.data and is_placeholder(ctx.data[name]):
            ctx.report(
                "text-placeholder",
                (name,),
                f"`{name}` is still a placeholder ({state})",
                f"write `{name}` in plain language, for patients and clinicians",
                severity=severity,
            )
    pem = fields.pem(ctx.data)
    if pem.get("badge") in ("required", "not-required", "unclear"):
        rationale = pem.get("rationale")
        if rationale is None or is_placeholder(rationale):
            ctx.report(
                "text-placeholder",
                ("pem", "rationale") if rationale is not None else ("pem",),
                f"the PEM badge has no rationale ({state})",
                "say in pem.rationale which inclusion rule the paper applied, and pem.source where it says so",
                severity=severity,
                key=rationale is None,
            )


@rule("publish-ready")
def published_fields(ctx: RecordContext) -> None:
    """A published record has a design, a journal, a snapshot date and topics.

    Fails:   status: published with no `design:`
    Passes:  status: draft with no `design:` (drafts may be incomplete)
    """
    if not ctx.published:
        return
    for name, why in PUBLISH_FIELDS.items():
        if name == "journal" and ctx.data.get("publication_type", "journal-article") != "journal-article":
            continue  # books, reports and guidelines are cited without a journal
        if name not in ctx.data:
            ctx.report(
                "publish-ready",
                ("status",),
                f"a published record needs `{name}`: {why}",
                f"add `{name}:` or set `status: draft`",
            )
    if not fields.strings(ctx.data.get("topics")):
        ctx.report(
            "publish-ready",
            ("topics",) if "topics" in ctx.data else ("status",),
            "a published record has no topics, so no topic page lists it",
            "add topic ids from schemas/topics.yaml",
            severity=WARNING,
        )


@rule("year-missing")
def year_missing(ctx: RecordContext) -> None:
    """A draft has no year yet (Crossref gave no date): warned until it is filled in.

    Warns:   status: draft, no `year:`, flags: [no-date]
    Passes:  year: 2015
    (A published record without a year is a schema error.)
    """
    if ctx.published or "year" in ctx.data:
        return
    flags = fields.strings(ctx.data.get("flags"))
    why = "Crossref gave no publication date (flag no-date)" if "no-date" in flags else "no year recorded"
    ctx.report(
        "year-missing",
        ("flags",) if "flags" in ctx.data else ("title",),
        f"`year` is missing: {why}; citations print n.d.",
        "add `year:` from the paper itself (its first page, or the publisher's page), then drop the no-date flag",
        severity=WARNING,
        key=True,
    )
