"""What `atlas criteria` proposes: plain, frozen, JSON-serialisable data."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# What a quote supports (Quote.finding).
CRITERION = "criterion"  # a definition used to include participants (Quote.id: its registry id)
MENTIONED = "mentioned"  # a definition only mentioned (Quote.role says how)
UNRESOLVED = "unresolved"  # a family name whose version the text leaves open (Quote.id: family id)
COMBINE = "combine"  # how several definitions combine
PEM_SCREEN = "pem_screen"  # a mandatory PEM screen for every participant
DESIGN = "design"  # a paper without participants (Quote.id: designs.yaml id)
COHORT = "cohort"  # participants, but no ME/CFS cohort
FALSE_FRIEND = "false-friend"  # words of a definition that mean something else here (Quote.role: what)

# Roles of a definition in a text (Quote.role for CRITERION and MENTIONED).
INCLUSION = "inclusion"
BACKGROUND = "background"
SUBSET = "subset"
EXCLUSION = "exclusion"
OTHER_USE = "other-use"
COMPARISON = "comparison-group"
APPLIED_WITH = "applied-with-definition"  # "clinical diagnosis using the CCC": how the definition was applied
NAMED = "named"  # no cue says what it did
NO_PARTICIPANTS = "no-participants"


@dataclass(frozen=True)
class Quote:
    """An exact substring of the input, text[start:end], and the finding it supports."""

    finding: str
    id: str | None
    role: str | None
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Proposal:
    """The PEM badge a text supports, the criteria it rests on, and the sentences that say so.

    `criteria`, `combine` and `pem_screen` are what a record's `pem` block takes, and
    `badge` is what the atlas's rule (core.pem) decides from them, except that a family
    name whose version is unresolved (`unresolved`) leaves it `unclear` when the other
    criteria do not decide it.
    """

    badge: str
    reason: str
    criteria: tuple[str, ...]
    combine: str | None  # "all" | "any" with two or more criteria
    pem_screen: str | None  # the words of a mandatory PEM screen, as written
    mentioned: tuple[str, ...]
    unresolved: tuple[str, ...]  # family ids ("nice") whose version could not be told
    has_participants: bool
    design: str | None  # a designs.yaml id, when the text says what kind of paper it is
    mecfs_cohort: bool | None  # False: participants, but none selected for ME/CFS; None: no text
    quotes: tuple[Quote, ...]
    truncated: bool = False  # only the first MAX_CHARS characters were read

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["criteria"] = list(self.criteria)
        data["mentioned"] = list(self.mentioned)
        data["unresolved"] = list(self.unresolved)
        data["quotes"] = [asdict(q) for q in self.quotes]
        return data
