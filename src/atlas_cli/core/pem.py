"""The PEM badge rule: which badge the inclusion criteria of a study decide.

"PEM required" means post-exertional malaise was a required diagnostic criterion
for participant inclusion, not that PEM was studied. The badge follows the rule
actually applied to participants:

- a mandatory PEM screen applied to every participant -> required;
- combine `all` (every participant met every definition): required if any
  definition requires PEM; not-required if every one is a case definition that
  does not; otherwise (a non-definition such as "physician diagnosis" and no
  definition requiring PEM) undecided;
- combine `any` (one definition was enough): not-required if any definition
  does not require PEM; required if every one does; otherwise undecided;
- no criteria and no screen: undecided.

Undecided means the criteria decide nothing, so `unclear` is the honest badge.
"""

from __future__ import annotations

from dataclasses import dataclass

from atlas_cli.core.registries import Registries

REQUIRED = "required"
NOT_REQUIRED = "not-required"
UNCLEAR = "unclear"
NOT_APPLICABLE = "not-applicable"
BADGES = (REQUIRED, NOT_REQUIRED, UNCLEAR, NOT_APPLICABLE)

# What the public atlas prints under every PEM badge (verbatim).
PEM_NOTE = (
    "\u201cPEM required\u201d means post-exertional malaise was an explicit required diagnostic "
    "criterion for participant inclusion in this study \u2014 not that PEM was studied, observed, "
    "or discussed. Studies using criteria that do not require PEM (e.g. Fukuda, Oxford) are "
    "tagged \u201cPEM not required\u201d."
)

LABELS = {
    REQUIRED: "PEM required",
    NOT_REQUIRED: "PEM not required",
    UNCLEAR: "PEM unclear",
    NOT_APPLICABLE: "PEM not applicable",
}


@dataclass(frozen=True)
class Decision:
    badge: str | None  # None: the criteria decide nothing (unclear is right)
    reason: str


def decide(criteria: list[str], combine: str | None, pem_screen: str | None, registries: Registries) -> Decision:
    """The badge decided by known criteria ids (unknown ids must be filtered out first)."""
    if pem_screen:
        return Decision(REQUIRED, "a PEM screen was mandatory for every participant")
    if not criteria:
        return Decision(None, "no inclusion criteria are recorded")
    requires = {cid: registries.criteria[cid].requires_pem for cid in criteria}
    names = {cid: registries.criteria[cid].name for cid in criteria}
    requiring = [names[c] for c, r in requires.items() if r is True]
    not_requiring = [names[c] for c, r in requires.items() if r is False]
    if len(criteria) == 1 or combine == "all":
        if requiring:
            return Decision(REQUIRED, f"{_join(requiring)} require{'s' if len(requiring) == 1 else ''} PEM")
        if len(not_requiring) == len(criteria):
            return Decision(
                NOT_REQUIRED, f"{_join(not_requiring)} do{'es' if len(criteria) == 1 else ''} not require PEM"
            )
        return Decision(None, "no listed definition requires PEM, and the others are not case definitions")
    if combine == "any":
        if not_requiring:
            return Decision(
                NOT_REQUIRED,
                f"participants could qualify under {_join(not_requiring)}, which do{'es' if len(not_requiring) == 1 else ''} not require PEM",
            )
        if len(requiring) == len(criteria):
            return Decision(REQUIRED, f"every accepted definition ({_join(requiring)}) requires PEM")
        return Decision(None, "participants could qualify under an inclusion rule that is not a case definition")
    return Decision(None, "several criteria are listed but not how they combine")


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
