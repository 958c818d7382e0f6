"""The PEM badge `atlas criteria` proposes, written into a draft's `pem` block (pure: no I/O).

`propose_pem(text, registries, schemas_dir, year)` reads the paper's text (its
abstract and methods, joined as `atlas criteria SLUG` joins them, so every quote's
section is known) and returns what the draft gets:

- `pem.proposed`: what atlas proposed and why, marked as a proposal: `by`
  (`atlas-criteria v1`), `badge`, `criteria`, `combine`, `pem_screen`, `unresolved`
  and `mentioned` when there are any, `design` (a paper without participants),
  `reason`, the `quotes` the finding rests on (each an exact sentence of the text,
  with the section it is in and what it supports), and `confirmed: false`;
- the badge, criteria, combine and screen themselves, when the proposal can stand
  as the record's reading: when `atlas lint` derives the same badge from them.
  A proposal that cannot is kept beside the placeholder (`badge: unclear`,
  `criteria: []`): a family name whose version the text leaves open ("NICE
  criteria" in a recent paper: which guideline?), two or more definitions without
  a reading of how they combine, or another illness's cohort with no design that
  says so. The curator then completes it, and lint never contradicts the draft.

A text that names no inclusion rule, no screen and no design proposes nothing:
only a note is returned.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atlas_cli.core.pem import LABELS, NOT_APPLICABLE, UNCLEAR, decide

if TYPE_CHECKING:
    from atlas_cli.core.registries import Registries
    from atlas_cli.criteria.model import Proposal

PROPOSED_RATIONALE = (
    "TODO: check the proposal (pem.proposed) against the paper; if it is right set `confirmed: true` under it, "
    "otherwise correct the badge and criteria and delete pem.proposed."
)
UNAPPLIED_RATIONALE = (
    "TODO: atlas could not settle the badge from the paper's words (see pem.proposed); "
    "read the inclusion criteria, set the badge and criteria, then delete pem.proposed or confirm it."
)
# Findings a quote in the draft may support (mentions and false friends stay in `atlas criteria`).
DECISIVE = ("criterion", "unresolved", "combine", "pem_screen", "design", "cohort")


@dataclass
class DraftProposal:
    """What a draft gets from its text: a `pem` block (None: nothing proposed), a design, notes."""

    pem: dict[str, Any] | None = None
    design: str | None = None
    notices: list[str] = field(default_factory=list)


def propose_pem(
    parts: dict[str, str | None], registries: Registries, schemas_dir: Path, year: int | None, placeholder: dict
) -> DraftProposal:
    """The draft's reading of PARTS (`abstract`, `methods`); PLACEHOLDER is the draft's pem block without one."""
    from atlas_cli.criteria import PROPOSER, propose_text
    from atlas_cli.criteria.source import join_sections, section_at

    text, sections = join_sections(parts)
    where = " and ".join(name for name, _start, _end in sections) or "text"
    if not text.strip():
        return DraftProposal()
    proposal = propose_text(text, schemas_dir, year)
    if not (
        proposal.criteria
        or proposal.unresolved
        or proposal.pem_screen
        or proposal.design
        or proposal.badge == NOT_APPLICABLE  # another illness's cohort
    ):
        mentioned = f" ({', '.join(proposal.mentioned)} only mentioned)" if proposal.mentioned else ""
        return DraftProposal(
            notices=[f"the {where} names no inclusion criteria{mentioned}: no PEM badge proposed (atlas criteria SLUG)"]
        )

    block: dict[str, Any] = {"by": PROPOSER, "badge": proposal.badge, "criteria": list(proposal.criteria)}
    if proposal.combine and len(proposal.criteria) >= 2:
        block["combine"] = proposal.combine
    if proposal.pem_screen:
        block["pem_screen"] = proposal.pem_screen
    if proposal.unresolved:
        block["unresolved"] = list(proposal.unresolved)
    if proposal.mentioned:
        block["mentioned"] = list(proposal.mentioned)
    if proposal.design:
        block["design"] = proposal.design
    block["reason"] = proposal.reason
    block["quotes"] = _quotes(proposal, sections, section_at)
    block["confirmed"] = False

    design = _design(proposal, registries)
    applied = _applies(proposal, registries, design)
    pem = copy.deepcopy(placeholder)
    if applied:
        pem["badge"] = proposal.badge
        pem["criteria"] = list(proposal.criteria)
        if "combine" in block:
            pem["combine"] = block["combine"]
        if proposal.pem_screen:
            pem["pem_screen"] = proposal.pem_screen
        pem["rationale"] = PROPOSED_RATIONALE
    else:
        pem["rationale"] = UNAPPLIED_RATIONALE
    pem["proposed"] = block
    first = next((q for q in block["quotes"]), None)
    said = f': "{_short(first["text"])}" ({first["source"]})' if first else ""
    if applied:
        notice = f"proposed {LABELS[proposal.badge]} from the {where}: {proposal.reason}{said}; confirm or correct it"
    else:
        notice = f"atlas read the {where} but left the badge unclear ({_why_not(proposal)}){said}; see pem.proposed"
    return DraftProposal(pem, design if applied else None, [notice])


def _quotes(proposal: Proposal, sections: Any, section_at: Any) -> list[dict[str, Any]]:
    """The sentences the decisive findings rest on, once each, with what each supports."""
    by_span: dict[tuple[int, int], dict[str, Any]] = {}
    for quote in proposal.quotes:
        if quote.finding not in DECISIVE:
            continue
        supports = quote.id if quote.finding in ("criterion", "unresolved", "design") and quote.id else None
        supports = supports or ("combine" if quote.finding == "combine" else quote.finding.replace("_", "-"))
        entry = by_span.setdefault(
            (quote.start, quote.end),
            {"text": quote.text, "source": section_at(sections, quote.start) or "abstract", "supports": []},
        )
        if supports not in entry["supports"]:
            entry["supports"].append(supports)
    return [by_span[span] for span in sorted(by_span)]


def _design(proposal: Proposal, registries: Registries) -> str | None:
    """The design a proposal of `not-applicable` rests on, when the registry says it has no participants."""
    if proposal.badge != NOT_APPLICABLE or not proposal.design:
        return None
    design = registries.designs.get(proposal.design)
    return proposal.design if design is not None and not design.participants else None


def _applies(proposal: Proposal, registries: Registries, design: str | None) -> bool:
    """True when the record can carry the proposal as its own reading without `atlas lint` objecting."""
    if proposal.unresolved:
        return False
    if proposal.badge == NOT_APPLICABLE:
        return design is not None
    if any(c not in registries.criteria for c in proposal.criteria):
        return False
    if len(proposal.criteria) >= 2 and proposal.combine not in ("all", "any"):
        return False
    decided = decide(list(proposal.criteria), proposal.combine, proposal.pem_screen, registries).badge or UNCLEAR
    return decided == proposal.badge


def _why_not(proposal: Proposal) -> str:
    if proposal.unresolved:
        return f"which version of {', '.join(proposal.unresolved)} the paper used is not said"
    if proposal.badge == NOT_APPLICABLE:
        return "no ME/CFS cohort, but no design without participants either"
    if len(proposal.criteria) >= 2 and not proposal.combine:
        return "several definitions, and not how they combine"
    return proposal.reason


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."
