"""Retractions and notices: what is published must say what happened to the paper."""

from __future__ import annotations

import re

from atlas_cli.core import fields
from atlas_cli.lint.context import RecordContext
from atlas_cli.lint.problem import ERROR, WARNING
from atlas_cli.lint.rules import rule
from atlas_cli.lint.rules._util import design_of

TITLE_PREFIX = re.compile(r"^\s*(retracted|withdrawn|retraction)\b\s*[:.\-]?", re.IGNORECASE)
NOT_THE_STUDY = {
    "notice": "a retraction or correction notice",
    "erratum": "an erratum",
    "patient-summary": "a journal's summary for patients",
    "component": "a component of a paper (figure, table, supplement)",
    "not-a-paper": "not a research paper",
    "book-review": "a book review",
}


@rule("retraction-unrecorded", guarded=True)
def retraction_recorded(ctx: RecordContext) -> None:
    """A retracted or withdrawn paper records its notice under `updates` before it is published.

    Fails:   status: published, title: "RETRACTED: ...", no updates
    Fails:   status: published, flags: [retracted], no updates
    Passes:  updates: [{type: retraction, doi: 10.x/notice, date: 2020-01-31}]
    """
    data = ctx.data
    flags = set(fields.strings(data.get("flags")))
    if "notice" in flags:
        return  # the record is the notice itself ("Retraction: ..."), not a retracted paper
    raw_title = data.get("title")
    title = raw_title if isinstance(raw_title, str) else ""
    signals = []
    if TITLE_PREFIX.match(title):
        signals.append("its title says it was retracted or withdrawn")
    if flags & {"retracted", "withdrawn"}:
        signals.append(f"it is flagged {' and '.join(sorted(flags & {'retracted', 'withdrawn'}))}")
    if not signals or fields.update_types(data) & fields.RETRACTION_TYPES:
        return
    ctx.report(
        "retraction-unrecorded",
        ("title",) if TITLE_PREFIX.match(title) else ("flags",),
        f"the paper looks retracted ({'; '.join(signals)}) but no retraction notice is recorded",
        "add the notice under `updates:` (type: retraction or withdrawal, doi, date) so the page shows the banner",
        severity=ERROR if ctx.published else WARNING,
    )


@rule("not-the-study")
def notice_is_not_the_study(ctx: RecordContext) -> None:
    """A DOI that is an erratum, notice or patient summary is not badged as a study.

    Fails:   flags: [erratum], badge: required
    Passes:  flags: [erratum], badge: not-applicable, design: erratum
    """
    flags = fields.strings(ctx.data.get("flags"))
    kinds = [NOT_THE_STUDY[f] for f in flags if f in NOT_THE_STUDY]
    badge = fields.pem(ctx.data).get("badge")
    design = design_of(ctx)
    if design is not None and not design.participants:
        return  # pem-not-applicable already asks for `not-applicable`: one problem, reported once
    if kinds and badge in ("required", "not-required"):
        ctx.report(
            "not-the-study",
            ("pem", "badge"),
            f"this DOI is {kinds[0]}, not the study itself, so it has no participants to badge",
            "add the study's own DOI as a record instead; mark this one design: erratum / patient-summary and badge not-applicable",
        )
