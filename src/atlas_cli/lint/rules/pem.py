"""PEM badge rules: the badge must follow from the inclusion criteria.

"PEM required" means post-exertional malaise was a required diagnostic
criterion for participant inclusion: not that PEM was studied. The rule that
decides the badge lives in `atlas_cli.core.pem`; the requirement of each case
definition lives in schemas/criteria.yaml.
"""

from __future__ import annotations

import difflib

from atlas_cli.core import fields
from atlas_cli.core.pem import NOT_APPLICABLE, UNCLEAR, decide
from atlas_cli.core.registries import name_key
from atlas_cli.lint.context import RecordContext
from atlas_cli.lint.problem import WARNING
from atlas_cli.lint.rules import rule
from atlas_cli.lint.rules._util import design_of


@rule("pem-unknown-criterion", fixable=True, guarded=True)
def unknown_criterion(ctx: RecordContext) -> None:
    """Every `pem.criteria` entry is an id from schemas/criteria.yaml.

    Fails:   criteria: [CCC]            (an alias: --fix writes ccc-2003)
    Fails:   criteria: [fukuda-1995]    (did you mean fukuda-1994?)
    Passes:  criteria: [ccc-2003]
    """
    registries = ctx.registries
    criteria = fields.pem(ctx.data).get("criteria")
    if not isinstance(criteria, list):
        return
    for index, cid in enumerate(criteria):
        if not isinstance(cid, str) or cid in registries.criteria:
            continue
        canonical = registries.criterion_for(cid)
        if canonical:
            ctx.report(
                "pem-unknown-criterion",
                ("pem", "criteria", index),
                f"criteria `{cid}` is a name, not a registry id: it means `{canonical}`",
                f"write `{canonical}` (atlas lint --fix does it)",
            )
            continue
        close = difflib.get_close_matches(name_key(cid), list(registries.aliases), n=1, cutoff=0.6)
        suggestion = f"did you mean `{registries.aliases[close[0]]}`?" if close else None
        ctx.report(
            "pem-unknown-criterion",
            ("pem", "criteria", index),
            f"unknown criteria `{cid}`" + (f"; {suggestion}" if suggestion else ""),
            "use an id from schemas/criteria.yaml, or add the case definition there",
        )


@rule("pem-combine", guarded=True)
def combine_missing(ctx: RecordContext) -> None:
    """With two or more criteria, `pem.combine` says how they were applied.

    Fails:   criteria: [fukuda-1994, ccc-2003]          (all of them, or any one?)
    Passes:  criteria: [fukuda-1994, ccc-2003]
             combine: any
    """
    pem = fields.pem(ctx.data)
    if len(fields.strings(pem.get("criteria"))) >= 2 and "combine" not in pem:
        ctx.report(
            "pem-combine",
            ("pem", "criteria"),
            "several criteria are listed but not how they combine",
            "add `combine: all` if every participant met every definition, "
            "`combine: any` if meeting one of them was enough",
            key=True,
        )


def known_criteria(ctx: RecordContext) -> list[str] | None:
    """The criteria ids, or None when some are unknown (reported elsewhere)."""
    criteria = fields.strings(fields.pem(ctx.data).get("criteria"))
    if any(c not in ctx.registries.criteria for c in criteria):
        return None
    return criteria


def participants(ctx: RecordContext) -> bool | None:
    design = design_of(ctx)
    return design.participants if design else None


def expected_badge(ctx: RecordContext) -> tuple[str, str] | None:
    """(badge the record should have, why), or None when that cannot be said yet.

    Shared with --fix, so a fix applies exactly what the rule asks for.
    """
    pem = fields.pem(ctx.data)
    badge = pem.get("badge")
    if participants(ctx) is False:
        return (NOT_APPLICABLE, "the design has no participants") if badge != NOT_APPLICABLE else None
    if badge == NOT_APPLICABLE or not isinstance(badge, str):
        return None
    criteria = known_criteria(ctx)
    if criteria is None or (len(criteria) >= 2 and pem.get("combine") not in ("all", "any")):
        return None
    screen = pem.get("pem_screen") if isinstance(pem.get("pem_screen"), str) else None
    decision = decide(criteria, pem.get("combine"), screen, ctx.registries)
    return (decision.badge or UNCLEAR, decision.reason)


@rule("pem-badge", fixable=True, guarded=True)
def badge_follows_criteria(ctx: RecordContext) -> None:
    """The badge is the one the criteria and how they combine decide.

    Fails:   badge: required, criteria: [fukuda-1994]            (Fukuda does not require PEM)
    Fails:   badge: unclear, criteria: [ccc-2003]                 (the criteria decide: required)
    Fails:   badge: required, criteria: [fukuda-1994, ccc-2003], combine: any
    Passes:  badge: required, criteria: [fukuda-1994, ccc-2003], combine: all
    """
    pem = fields.pem(ctx.data)
    badge = pem.get("badge")
    if participants(ctx) is False:
        return  # pem-not-applicable speaks for designs without participants
    expected = expected_badge(ctx)
    if expected is None or badge == expected[0]:
        return
    want, why = expected
    if badge == UNCLEAR:
        message = f"badge is `unclear` but the criteria decide it: {why}, so the badge is `{want}`"
    elif want == UNCLEAR:
        message = f"badge `{badge}` is not supported: {why}, so the badge is `unclear`"
    else:
        message = f"badge `{badge}` contradicts the criteria: {why}, so the badge is `{want}`"
    ctx.report(
        "pem-badge",
        ("pem", "badge"),
        message,
        f"set `badge: {want}` (atlas lint --fix does it), or correct pem.criteria / pem.combine",
    )


@rule("pem-not-applicable", fixable=True, guarded=True)
def not_applicable_matches_design(ctx: RecordContext) -> None:
    """`not-applicable` is for designs without participants, and only for them.

    Fails:   design: rct, badge: not-applicable
    Fails:   design: narrative-review, badge: unclear            (--fix: not-applicable)
    Passes:  design: narrative-review, badge: not-applicable
    """
    badge = fields.pem(ctx.data).get("badge")
    design_id = ctx.data.get("design")
    design = ctx.registries.designs.get(design_id) if isinstance(design_id, str) else None
    if badge == NOT_APPLICABLE:
        if design is None and design_id is None:
            ctx.report(
                "pem-not-applicable",
                ("pem", "badge"),
                "badge `not-applicable` needs a design without participants, but no design is recorded",
                "set `design:` (e.g. narrative-review, systematic-review, guideline, erratum)",
            )
        elif design is not None and design.participants:
            ctx.report(
                "pem-not-applicable",
                ("pem", "badge"),
                f"design `{design.id}` ({design.label}) has participants, so its badge cannot be `not-applicable`",
                "set the badge the inclusion criteria decide (required, not-required or unclear)",
            )
    elif design is not None and not design.participants and isinstance(badge, str):
        ctx.report(
            "pem-not-applicable",
            ("pem", "badge"),
            f"design `{design.id}` ({design.label}) has no participants and so no inclusion rule: "
            f"the badge is `not-applicable`, not `{badge}`",
            "set `badge: not-applicable` (atlas lint --fix does it)",
        )


@rule("pem-criterion-note")
def criterion_needs_rationale(ctx: RecordContext) -> None:
    """A criterion whose PEM wording is ambiguous needs a rationale saying how it was applied.

    Fails:   criteria: [pediatric-2006] with no rationale   (warning)
    """
    pem = fields.pem(ctx.data)
    if pem.get("rationale"):
        return
    for index, cid in enumerate(fields.strings(pem.get("criteria"))):
        criterion = ctx.registries.criteria.get(cid)
        if criterion and criterion.note and "and/or" in criterion.note:
            ctx.report(
                "pem-criterion-note",
                ("pem", "criteria", index),
                f"{criterion.name}: {criterion.note}",
                "say in pem.rationale how the study applied it",
                severity=WARNING,
            )


@rule("pem-proposed")
def proposal_confirmed(ctx: RecordContext) -> None:
    """A published badge is not an unconfirmed proposal; a kept proposal still supports the badge.

    Warns:   status: published, pem.proposed without `confirmed: true`   (atlas's reading, unchecked)
    Warns:   pem.proposed confirmed for `required`, the badge now `not-required` (its quotes no longer fit)
    Passes:  pem.proposed with `confirmed: true` and the badge and criteria it proposed
    """
    from atlas_cli.core.proposed import proposed_of

    proposed = proposed_of(ctx.data)
    if proposed is None:
        return
    pem = fields.pem(ctx.data)
    badge = pem.get("badge")
    agrees = proposed.agrees(pem, ctx.registries)
    where = " and ".join(proposed.sources) or "text"
    if not proposed.confirmed:
        if not ctx.published:
            return  # a draft's proposal waits for its curator
        if agrees:
            message = (
                f"the badge `{badge}` is the proposal of {proposed.by} from the paper's {where}, "
                "not yet confirmed by a curator"
            )
        else:
            message = (
                f"pem.proposed ({proposed.by} proposed `{proposed.badge}`) is neither confirmed nor removed, "
                f"and the badge is now `{badge}`"
            )
        ctx.report(
            "pem-proposed",
            ("pem", "proposed"),
            message,
            "check pem.proposed.quotes against the paper: if the badge is right, set `confirmed: true` under "
            "pem.proposed (its quotes then show beside the badge); if not, correct the badge and criteria and "
            "delete pem.proposed",
            severity=WARNING,
            key=True,
        )
    elif not agrees:
        ctx.report(
            "pem-proposed",
            ("pem", "proposed"),
            f"pem.proposed is confirmed for `{proposed.badge}` ({', '.join(proposed.criteria) or 'no criteria'}) "
            f"but the record now says `{badge}` ({', '.join(fields.strings(pem.get('criteria'))) or 'no criteria'}): "
            "its quotes no longer support the badge",
            "delete pem.proposed if the badge and criteria are right (or bring them back to the proposal)",
            severity=WARNING,
            key=True,
        )
