"""A record's `pem.proposed`: the PEM badge atlas proposed from the paper's own words (pure).

`atlas add` writes it into a new draft (add/proposal.py): what `atlas criteria`
read (badge, criteria, combine, PEM screen, unresolved family names), the sentences
it rests on (`quotes`, each with the part of the paper it is in) and
`confirmed: false`. A curator checks it against the paper, then either sets
`confirmed: true` (the badge is theirs now, and its quotes are shown beside it) or
corrects the badge and deletes the block. `atlas lint` (pem-proposed) warns while a
published record's proposal is unconfirmed, and when a confirmed proposal no longer
supports the badge; `atlas show` and the preview site show the quotes beside the
badge when the proposal agrees with it. Nothing ever copies a proposal over a badge
a curator wrote.

`proposed_of(record)` reads the block tolerantly (a malformed one is for the schema
to report): None when there is none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from atlas_cli.core import fields

if TYPE_CHECKING:
    from atlas_cli.core.registries import Registries


@dataclass(frozen=True)
class ProposedQuote:
    text: str
    source: str  # abstract | methods
    supports: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProposedPem:
    by: str
    badge: str | None
    criteria: tuple[str, ...]
    combine: str | None
    pem_screen: str | None
    unresolved: tuple[str, ...]
    reason: str | None
    quotes: tuple[ProposedQuote, ...]
    confirmed: bool

    @property
    def sources(self) -> tuple[str, ...]:
        """The parts of the paper its quotes come from, in order, once each."""
        return tuple(dict.fromkeys(q.source for q in self.quotes))

    def agrees(self, pem: dict[str, Any], registries: Registries | None = None) -> bool:
        """True when the record's PEM reading (PEM, its `pem` block) is this proposal.

        The badge, the criteria (as a set), how two or more combine and the PEM screen
        must all be the same. A proposal that left a family name unresolved ("NICE
        criteria": which version?) agrees with a record that adds one of that family's
        versions (REGISTRIES says which) and whatever badge follows.
        """
        criteria = set(fields.strings(pem.get("criteria")))
        mine = set(self.criteria)
        screen = pem.get("pem_screen") if isinstance(pem.get("pem_screen"), str) else None
        if (screen or None) != (self.pem_screen or None):
            return False
        if self.unresolved and registries is not None:
            versions = {
                v.criterion
                for family in self.unresolved
                if family in registries.families
                for v in registries.families[family].versions
            }
            return mine <= criteria and bool(criteria - mine) and (criteria - mine) <= versions
        if pem.get("badge") != self.badge or criteria != mine:
            return False
        return len(criteria) < 2 or pem.get("combine") == self.combine


def proposed_of(record: Any) -> ProposedPem | None:
    """The record's `pem.proposed`, read tolerantly; None when there is none (or it is not a mapping)."""
    block = fields.pem(record).get("proposed") if isinstance(record, dict) else None
    if not isinstance(block, dict):
        return None
    quotes = []
    for quote in fields.items(block.get("quotes")):
        if isinstance(quote, dict) and isinstance(quote.get("text"), str) and quote["text"].strip():
            source = str(quote["source"]) if isinstance(quote.get("source"), str) else "text"
            quotes.append(ProposedQuote(quote["text"], source, tuple(fields.strings(quote.get("supports")))))

    def text(key: str) -> str | None:
        value = block.get(key)
        return value if isinstance(value, str) and value.strip() else None

    return ProposedPem(
        by=text("by") or "atlas",
        badge=text("badge"),
        criteria=tuple(fields.strings(block.get("criteria"))),
        combine=text("combine"),
        pem_screen=text("pem_screen"),
        unresolved=tuple(fields.strings(block.get("unresolved"))),
        reason=text("reason"),
        quotes=tuple(quotes),
        confirmed=block.get("confirmed") is True,
    )
