"""`atlas criteria` output: a proposal as text for a curator, or as JSON for tools (pure)."""

from __future__ import annotations

import json
import re
from typing import Any

from atlas_cli.core.pem import LABELS
from atlas_cli.core.registries import Registries
from atlas_cli.criteria import model
from atlas_cli.criteria.model import Proposal

_SPACE = re.compile(r"\s+")

_FINDING_NAMES = {
    model.CRITERION: "used for inclusion",
    model.UNRESOLVED: "version unresolved",
    model.COMBINE: "combination",
    model.PEM_SCREEN: "PEM screen",
    model.DESIGN: "design",
    model.COHORT: "cohort",
    model.MENTIONED: "mentioned",
    model.FALSE_FRIEND: "not a case definition here",
}


def to_json(proposal: Proposal, extra: dict[str, Any] | None = None) -> str:
    data = {**(extra or {}), "label": LABELS[proposal.badge], **proposal.to_dict()}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _criterion(registries: Registries, cid: str) -> str:
    criterion = registries.criteria.get(cid)
    if criterion is None:
        family = registries.families.get(cid)
        return f"{cid} ({family.name}, version unresolved)" if family else cid
    requires = {True: "requires PEM", False: "does not require PEM", None: "not a case definition"}
    return f"{cid} ({criterion.name}; {requires[criterion.requires_pem]})"


def to_text(proposal: Proposal, registries: Registries, source: str | None = None) -> str:
    lines = []
    if source:
        lines.append(f"text: {source}")
    lines.append(f"{LABELS[proposal.badge]}: {proposal.reason}")
    rows = [
        ("criteria", "; ".join(_criterion(registries, c) for c in (*proposal.criteria, *proposal.unresolved)) or "-"),
        ("combine", proposal.combine or "-"),
        ("PEM screen", proposal.pem_screen or "-"),
        ("mentioned", "; ".join(_criterion(registries, c) for c in proposal.mentioned) or "-"),
    ]
    if proposal.design:
        design = registries.designs.get(proposal.design)
        rows.append(("design", f"{proposal.design} ({design.label})" if design else proposal.design))
    width = max(len(name) for name, _ in rows)
    lines += [f"  {name + ':':<{width + 1}} {value}" for name, value in rows]
    if proposal.quotes:
        lines.append("")
        lines.append("quotes (character offsets into the text):")
        for quote in proposal.quotes:
            what = _FINDING_NAMES.get(quote.finding, quote.finding)
            subject = f"{quote.id}, " if quote.id else ""
            role = f" ({quote.role})" if quote.role and quote.finding in (model.MENTIONED, model.UNRESOLVED) else ""
            if quote.finding == model.FALSE_FRIEND:
                role = f": {quote.role}"
            lines.append(f"  [{quote.start}:{quote.end}] {subject}{what}{role}")
            lines.append(f"    {_SPACE.sub(' ', quote.text)}")
    if proposal.truncated:
        lines.append("")
        lines.append("note: the text is long; only its beginning was read")
    return "\n".join(lines) + "\n"
