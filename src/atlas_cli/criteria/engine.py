"""Reading a paper's text for the case definitions that selected its participants.

`propose(text, lexicon)` is pure: the same text and registries give the same
Proposal. The steps, each driven by data in the registries (see lexicon):

1. cut the text into sentences and clauses (segment) and index its words;
2. find every name of a definition (leftmost, longest), drop false friends ("ICC"
   spelt out as intraclass correlation, or next to "reliability"), and resolve a
   family name ("NICE criteria") to its version by year, or leave it unresolved;
3. group names joined by connectors ("CCC or ICC": any; "Fukuda and CCC": all;
   "25 ME/CFS (Fukuda) + 18 ME/CFS (ICC)": separate arms, any);
4. give each group a role from the cues of its clause: used for inclusion, or only
   mentioned (background, a subset of the cohort, another use such as severity, a
   comparison group);
5. look for a mandatory PEM screen, a design without participants, and whether the
   text is about an ME/CFS cohort at all;
6. decide the badge with the atlas's rule (core.pem), and quote the sentence behind
   each finding.

Work is bounded: at most MAX_CHARS characters are read and MAX_MENTIONS names
weighed, and every search is linear in the text (phraseset), so no input hangs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from atlas_cli.core.pem import NOT_APPLICABLE, NOT_REQUIRED, REQUIRED, UNCLEAR, decide
from atlas_cli.core.registries import Version
from atlas_cli.criteria import model
from atlas_cli.criteria.lexicon import Lexicon, Mention
from atlas_cli.criteria.model import Proposal, Quote
from atlas_cli.criteria.phraseset import Hit, TokenIndex, longest_first
from atlas_cli.criteria.segment import Unit, Units, segment

MAX_CHARS = 2_000_000
MAX_MENTIONS = 500
MAX_QUOTES_PER_CRITERION = 3
GROUP_GAP = 60  # most characters between two names read as one group ("CCC and/or CDC 1994")
NEAR_WEAK = 40  # a weak cue ("according to") counts only this close before the name
AFTER = 40  # how far after a name its after-cues ("were used", "-defined") are read
SELF_REFERENCE = 40  # how far before a design's name "this", "our" may stand
VERSION_WINDOW = 12  # a year this close to a family name ("NICE (2007)") names its version
NEGATION_WINDOW = 30

_YEAR = re.compile(r"(?<![\d.,])(19[5-9]\d|20\d\d)(?![\d,]|\.\d)")
_COUNT = re.compile(r"(?<![\w.])\d{1,9}(?![\w.])")  # a count of participants; never 5,000 digits
_GAP_RESIDUE = re.compile(r"[\s,()+/=\[\]:.\-–—&*]+|\bn\b", re.IGNORECASE)


@dataclass
class _Name:
    """A definition named in the text, after false friends and versions."""

    start: int
    end: int
    mention: Mention
    criterion: str | None  # registry id (a family resolved to its version), None if unresolved
    requires_pem: bool | None  # None also for an unresolved family


@dataclass
class _Group:
    names: list[_Name]
    unit: Unit
    clause: tuple[int, int]
    combine: str | None = None  # "any" | "all" between the names of the group
    compare: bool = False
    arms: bool = False
    role: str = model.NAMED

    @property
    def start(self) -> int:
        return self.names[0].start

    @property
    def end(self) -> int:
        return self.names[-1].end

    @property
    def definitional(self) -> bool:
        """True when a name in it is a case definition (or a family of them), not a rule like a diagnosis."""
        return any(n.mention.kind == "family" or n.requires_pem is not None for n in self.names)


@dataclass
class _Reading:
    """Everything found in one text, before the badge."""

    text: str
    index: TokenIndex
    units: Units
    names: list[_Name] = field(default_factory=list)
    groups: list[_Group] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)


def propose(text: str, lexicon: Lexicon, year: int | None = None) -> Proposal:
    """The PEM badge TEXT supports, with its criteria and the quotes they rest on.

    YEAR: the paper's publication year, when known (it decides which version a
    family name such as "NICE criteria" means).
    """
    truncated = len(text) > MAX_CHARS
    view = text[:MAX_CHARS] if truncated else text
    reading = _Reading(view, TokenIndex(view), Units(segment(view)))
    if reading.index.words == 0:
        return _proposal(reading, UNCLEAR, "there is no text to read", truncated=truncated, mecfs=None)
    _find_names(reading, lexicon, year)
    _group(reading, lexicon)
    for group in reading.groups:
        group.role = _role(reading, lexicon, group)
    _compared_arms(reading, lexicon)
    _applied_rules(reading)

    screen = _pem_screen(reading, lexicon)
    design = _design(reading, lexicon)
    mecfs = lexicon.condition.first(reading.index) is not None
    inclusion = [g for g in reading.groups if g.role == model.INCLUSION]

    if design is not None:
        hit, kind = design
        _quote(reading, model.DESIGN, kind, model.NO_PARTICIPANTS, hit.start)
        _mentioned_only(reading, lexicon, model.NO_PARTICIPANTS)
        label = lexicon.registries.designs[kind].label
        return _proposal(
            reading,
            NOT_APPLICABLE,
            f"the text describes a paper without participants of its own ({label})",
            design=kind,
            participants=False,
            mecfs=mecfs,
            truncated=truncated,
        )
    if not mecfs and not any(g.definitional for g in inclusion):
        other = lexicon.other_conditions.first(reading.index)
        if other is not None:
            _quote(reading, model.COHORT, None, model.COMPARISON, other.start)
            _mentioned_only(reading, lexicon, model.COMPARISON)
            return _proposal(
                reading,
                NOT_APPLICABLE,
                "the participants were selected for another condition: the text never names ME/CFS",
                mecfs=False,
                truncated=truncated,
            )

    criteria, unresolved, combine = _inclusion(reading, lexicon, inclusion)
    if screen is not None:
        _quote(reading, model.PEM_SCREEN, None, model.INCLUSION, screen.start)
    screen_text = view[screen.start : screen.end] if screen is not None else None
    _mentioned_quotes(reading, lexicon, set(criteria))
    badge, reason = _badge(criteria, unresolved, combine, screen_text, lexicon)
    return _proposal(
        reading,
        badge,
        reason,
        criteria=criteria,
        combine=combine if len(criteria) + len(unresolved) > 1 else None,
        screen=screen_text,
        unresolved=unresolved,
        mecfs=mecfs,
        truncated=truncated,
    )


# --- 2. names ------------------------------------------------------------------------------


def _find_names(reading: _Reading, lexicon: Lexicon, year: int | None) -> None:
    index = reading.index
    hits = longest_first(lexicon.names.find(index))[:MAX_MENTIONS]
    if not hits:
        return
    defined = {h.label for h in lexicon.defined_as.find(index)}
    near_by_unit: dict[int, set] = {}
    text_years = [int(y) for y in _YEAR.findall(reading.text)]
    for hit in hits:
        mention = hit.label
        assert isinstance(mention, Mention)
        unit = reading.units.at(hit.start)
        if unit is None:
            continue
        friends = lexicon.false_friends.get((mention.id, mention.name), [])
        if friends and unit.start not in near_by_unit:
            near_by_unit[unit.start] = {h.label for h in lexicon.near.find(index, unit.start, unit.end)}
        vetoed = next((f for f in friends if id(f) in defined or id(f) in near_by_unit.get(unit.start, ())), None)
        if vetoed is not None:
            _quote(reading, model.FALSE_FRIEND, mention.id, vetoed.means, hit.start)
            continue
        if mention.kind == "family":
            criterion = _version(reading.text, hit, lexicon, year, text_years)
        else:
            criterion = mention.id
        requires = lexicon.registries.criteria[criterion].requires_pem if criterion else None
        reading.names.append(_Name(hit.start, hit.end, mention, criterion, requires))


def _version(text: str, hit: Hit, lexicon: Lexicon, year: int | None, text_years: list[int]) -> str | None:
    """The version of a family a name stands for, or None when the years leave it open."""
    assert isinstance(hit.label, Mention)
    family = lexicon.registries.families[hit.label.id]
    versions = family.versions
    near = _YEAR.findall(text[max(0, hit.start - VERSION_WINDOW) : hit.end + VERSION_WINDOW])
    if near:  # "NICE (2007)", "the 2021 NICE guideline": the newest version published by then
        written = int(near[0])
        published = [v for v in versions if (lexicon.registries.criteria[v.criterion].year or 0) <= written]
        return (published[-1] if published else versions[0]).criterion
    latest = max(text_years) if text_years else None
    if year is not None and year < versions[1].start:
        return _in_use(versions, year)
    if latest is not None:
        # Every year the text names predates the newer versions: only the older could be meant.
        return _in_use(versions, latest) if latest < versions[1].start else None
    if year is not None:
        return None  # a recent paper that dates nothing: either version
    return family.undated


def _in_use(versions: tuple[Version, ...], year: int) -> str:
    usable = [v for v in versions if v.start <= year]
    return (usable[-1] if usable else versions[0]).criterion


# --- 3. groups -----------------------------------------------------------------------------


def _group(reading: _Reading, lexicon: Lexicon) -> None:
    current: _Group | None = None
    for name in reading.names:
        unit = reading.units.at(name.start)
        clause = reading.units.clause_at(name.start)
        if unit is None or clause is None:
            continue
        if current is not None and current.clause == clause and name.start - current.end <= GROUP_GAP:
            joined = _join(reading, lexicon, current.end, name.start)
            if joined is not None:
                kind, arms = joined
                current.names.append(name)
                if kind == "compare":
                    current.compare = True
                elif kind == "any" or arms:
                    current.combine = "any"
                elif kind == "all" and current.combine is None:
                    current.combine = "all"
                current.arms = current.arms or arms
                continue
        if current is not None:
            _finish(reading, lexicon, current)
        current = _Group([name], unit, clause)
    if current is not None:
        _finish(reading, lexicon, current)


def _join(reading: _Reading, lexicon: Lexicon, start: int, end: int) -> tuple[str | None, bool] | None:
    """How two names are joined by the text between them, or None when it is not a join."""
    gap = reading.text[start:end]
    hits = longest_first(lexicon.connectors.find(reading.index, start, end))
    hits += longest_first(lexicon.condition.find(reading.index, start, end))
    hits += longest_first(lexicon.participants.find(reading.index, start, end))
    residue = list(gap)
    for hit in hits:
        residue[hit.start - start : hit.end - start] = " " * (hit.end - hit.start)
    counts = [int(c) for c in _COUNT.findall(gap) if not 1900 <= int(c) <= 2099]
    rest = _COUNT.sub(" ", "".join(residue))
    if _GAP_RESIDUE.sub("", rest):
        return None  # other words stand between them: two separate statements
    kinds = {h.label for h in hits if h.label in ("any", "all", "compare")}
    kind = "compare" if "compare" in kinds else "any" if "any" in kinds else "all" if "all" in kinds else None
    return kind, bool(counts)


def _finish(reading: _Reading, lexicon: Lexicon, group: _Group) -> None:
    if len(group.names) > 1 and group.combine is None and not group.compare:
        before = reading.text[max(group.clause[0], group.start - 12) : group.start].lower()
        group.combine = "all" if re.search(r"\bboth\b", before) else "any"  # a bare list: one was enough
    reading.groups.append(group)


# --- 4. roles ------------------------------------------------------------------------------


def _field(lexicon: Lexicon, unit: Unit) -> str | None:
    return lexicon.fields.get(unit.label) if unit.label else None


def _role(reading: _Reading, lexicon: Lexicon, group: _Group) -> str:
    index = reading.index
    clause_start, clause_end = group.clause
    field_kind = _field(lexicon, group.unit)
    if field_kind == "background" or group.compare:
        return model.BACKGROUND
    if lexicon.other_conditions.first(index, clause_start, group.start) and not lexicon.condition.first(
        index, clause_start, group.start
    ):
        return model.COMPARISON
    previous = max((g.end for g in reading.groups if g.clause == group.clause and g.end <= group.start), default=None)
    window_start = previous if previous is not None else clause_start
    cues = lexicon.role_cues.find(index, clause_start, clause_end)
    before = [h for h in cues if h.end <= group.start and not _negated(reading, lexicon, clause_start, h)]
    after = [h for h in cues if h.start >= group.end]
    after_cues = lexicon.after_cues.find(index, group.end, min(clause_end, group.end + AFTER))
    after_inclusion = [
        h for h in after_cues if h.label == "after" and not lexicon.negation.first(index, group.end, h.start)
    ]
    nearest_after_inclusion = min((h.start - group.end for h in after_inclusion), default=AFTER)
    after_exclusion = [h.start - group.end for h in after_cues if h.label == "exclusion"]
    if after_exclusion and min(after_exclusion) < nearest_after_inclusion:
        return model.EXCLUSION
    after_subset = [h.start - group.end for h in after_cues if h.label == "subset"]
    if after_subset and min(after_subset) < nearest_after_inclusion:
        return model.SUBSET
    if any(h.label == "subset" and h.start >= window_start for h in before) and not after_inclusion:
        return model.SUBSET
    if any(h.label == "not_this_study" for h in before):
        return model.BACKGROUND
    strong = [group.start - h.end for h in before if h.label == "strong"]
    inclusion = min(strong + [h.start - group.end for h in after_inclusion], default=None)
    background = [group.start - h.end for h in before if h.label == "background"]
    background += [h.start - group.end for h in after if h.label == "background"]
    # A tie is a background phrase around an inclusion word ("is diagnosed"): background.
    if background and (inclusion is None or min(background) <= inclusion):
        return model.BACKGROUND
    exclusion = [group.start - h.end for h in before if h.label == "exclusion"]
    if exclusion and (inclusion is None or min(exclusion) <= inclusion):
        return model.EXCLUSION
    if inclusion is not None or _labels_a_group(reading, lexicon, group):
        return model.INCLUSION
    if any(h.label == "other_use" for h in cues):
        return model.OTHER_USE
    about_people = lexicon.participants.first(index, clause_start, clause_end) or lexicon.condition.first(
        index, clause_start, clause_end
    )
    weak = [group.start - h.end for h in before if h.label == "weak"]
    if weak and min(weak) <= NEAR_WEAK and about_people:
        return model.INCLUSION
    if field_kind == "inclusion":
        return model.INCLUSION
    if not group.definitional:
        return model.INCLUSION  # "physician-diagnosed", "self-identifying": the words are the rule
    return model.NAMED


def _negated(reading: _Reading, lexicon: Lexicon, clause_start: int, hit: Hit) -> bool:
    """An inclusion cue right after a negation ("did not meet") says the opposite."""
    if hit.label not in ("strong", "weak"):
        return False
    return lexicon.negation.first(reading.index, max(clause_start, hit.start - 12), hit.start) is not None


def _labels_a_group(reading: _Reading, lexicon: Lexicon, group: _Group) -> bool:
    """`14 ME/CFS (CCC)`, `n=51 CFS (CDC 1988 criteria)`: the name labels a group of patients."""
    before = reading.text[group.clause[0] : group.start].rstrip()
    if not before.endswith("("):
        return False
    paren = group.clause[0] + len(before) - 1
    start = max(group.clause[0], paren - 60)
    return bool(
        lexicon.condition.first(reading.index, start, paren) or lexicon.participants.first(reading.index, start, paren)
    )


def _compared_arms(reading: _Reading, lexicon: Lexicon) -> None:
    """A clause comparing a group selected by a PEM-requiring definition with a group defined
    otherwise: the second group is participants too ("we compared patients who met the CCC
    with those who met only the Fukuda criteria"), so either definition was enough."""
    for group in reading.groups:
        if group.role != model.SUBSET or not group.definitional or any(n.requires_pem for n in group.names):
            continue
        requiring = [
            other
            for other in reading.groups
            if other.clause == group.clause
            and other.role == model.INCLUSION
            and any(n.requires_pem for n in other.names)
        ]
        if requiring and lexicon.compare.first(reading.index, *group.clause):
            group.role = model.INCLUSION


def _applied_rules(reading: _Reading) -> None:
    """A rule like "clinical diagnosis" in a clause with a definition says how the definition was applied."""
    for group in reading.groups:
        if group.definitional or group.role != model.INCLUSION:
            continue
        if any(
            other.definitional and other.role == model.INCLUSION and other.clause == group.clause
            for other in reading.groups
        ):
            group.role = model.APPLIED_WITH


# --- 5. screen, design ---------------------------------------------------------------------


def _pem_screen(reading: _Reading, lexicon: Lexicon) -> Hit | None:
    index = reading.index
    for hit in lexicon.screen.find(index, limit=MAX_MENTIONS):
        unit = reading.units.at(hit.start)
        clause = reading.units.clause_at(hit.start)
        if unit is None or clause is None or _field(lexicon, unit) == "background":
            continue
        if lexicon.negation.first(index, max(clause[0], hit.start - NEGATION_WINDOW), hit.end):
            continue
        if any(
            n.start >= clause[0] and n.end <= clause[1] and (n.requires_pem or n.mention.kind == "family")
            for n in reading.names
        ):
            continue  # "the CCC require PEM": the definition's own rule, not a screen
        cues = lexicon.role_cues.find(index, clause[0], hit.start)
        if any(h.label in ("background", "subset") for h in cues):
            continue
        return hit
    return None


def _design(reading: _Reading, lexicon: Lexicon) -> tuple[Hit, str] | None:
    index = reading.index
    text = reading.text
    for hit in lexicon.design_kinds.find(index, limit=MAX_MENTIONS):
        unit = reading.units.at(hit.start)
        clause = reading.units.clause_at(hit.start)
        if unit is None or clause is None:
            continue
        if lexicon.with_participants.first(index, clause[0], clause[1]):
            continue  # "a retrospective review of medical records"
        said_of_itself = (
            _field(lexicon, unit) == "design"
            or hit.phrase.lower().startswith("we ")
            or lexicon.self_reference.find(index, max(clause[0], hit.start - SELF_REFERENCE), hit.start)
            or (unit.heading and text[max(unit.start, hit.start - 2) : hit.start].strip() in ("(", ":", "—", "-"))
        )
        if said_of_itself:
            return hit, str(hit.label)
    return None


# --- 6. criteria, badge, quotes -------------------------------------------------------------


def _inclusion(
    reading: _Reading, lexicon: Lexicon, groups: list[_Group]
) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
    """(criteria ids, unresolved family ids, combine) of the groups used for inclusion."""
    criteria: list[str] = []
    unresolved: list[str] = []
    seen: list[frozenset[str]] = []
    internal: set[str] = set()
    every_new_for_all = True  # each group adding a definition says all participants also met it
    for group in groups:
        ids = []
        for name in group.names:
            key = name.criterion or name.mention.id
            ids.append(key)
            if name.criterion is None:
                if key not in unresolved:
                    unresolved.append(key)
                _quote(reading, model.UNRESOLVED, key, model.INCLUSION, name.start)
            else:
                if key not in criteria:
                    criteria.append(key)
                _quote(reading, model.CRITERION, key, model.INCLUSION, name.start)
        members = frozenset(ids)
        if len(members) > 1 and group.combine:
            internal.add(group.combine)
            _quote(reading, model.COMBINE, group.combine, model.INCLUSION, group.start)
        if seen and not members <= frozenset().union(*seen):
            if not lexicon.also_all.first(reading.index, group.unit.start, group.start):
                every_new_for_all = False
        seen.append(members)
    if len(set(seen)) > 1:
        # Statements in separate sentences: all only when each addition says so ("all also
        # met the CCC"); otherwise separate groups, any of which was enough.
        across = "all" if every_new_for_all else "any"
        combine: str | None = across if internal <= {across} else "any"
    else:
        combine = next(iter(internal), None)
    if combine is None and len(criteria) + len(unresolved) > 1:
        combine = "any"
    return tuple(criteria), tuple(unresolved), combine


def _badge(
    criteria: tuple[str, ...], unresolved: tuple[str, ...], combine: str | None, screen: str | None, lexicon: Lexicon
) -> tuple[str, str]:
    decision = decide(list(criteria), combine, screen, lexicon.registries)
    if screen or not unresolved:
        if decision.badge is None:
            return UNCLEAR, _unclear_reason(criteria, decision.reason)
        return decision.badge, decision.reason
    families = ", ".join(lexicon.registries.families[f].name for f in unresolved)
    open_reason = f"the text does not say which version of the {families} it means"
    if not criteria:
        return UNCLEAR, open_reason
    if combine == "any" and decision.badge == NOT_REQUIRED:
        return NOT_REQUIRED, decision.reason
    if combine != "any" and decision.badge == REQUIRED:
        return REQUIRED, decision.reason
    return UNCLEAR, open_reason


def _unclear_reason(criteria: tuple[str, ...], reason: str) -> str:
    if not criteria:
        return "the text names no case definition used to include participants"
    return reason


def _mentioned_only(reading: _Reading, lexicon: Lexicon, role: str) -> None:
    """Every name becomes a mention (a paper without participants, or another illness)."""
    for group in reading.groups:
        group.role = group.role if group.role != model.INCLUSION else role
    _mentioned_quotes(reading, lexicon, set())


def _mentioned_quotes(reading: _Reading, lexicon: Lexicon, criteria: set[str]) -> None:
    for group in reading.groups:
        if group.role == model.INCLUSION:
            continue
        for name in group.names:
            if name.criterion is None:
                _quote(reading, model.UNRESOLVED, name.mention.id, group.role, name.start)
            elif name.criterion not in criteria:
                _quote(reading, model.MENTIONED, name.criterion, group.role, name.start)


def _quote(reading: _Reading, finding: str, id: str | None, role: str | None, position: int) -> None:
    unit = reading.units.at(position)
    if unit is None:
        return
    same = [q for q in reading.quotes if q.finding == finding and q.id == id]
    if any(q.start == unit.start for q in same):
        return
    limit = MAX_QUOTES_PER_CRITERION if finding == model.CRITERION else 1
    if len(same) >= limit:
        return
    reading.quotes.append(Quote(finding, id, role, unit.start, unit.end, reading.text[unit.start : unit.end]))


def _proposal(
    reading: _Reading,
    badge: str,
    reason: str,
    *,
    criteria: tuple[str, ...] = (),
    combine: str | None = None,
    screen: str | None = None,
    unresolved: tuple[str, ...] = (),
    design: str | None = None,
    participants: bool = True,
    mecfs: bool | None,
    truncated: bool,
) -> Proposal:
    mentioned: list[str] = []
    for quote in reading.quotes:
        if quote.finding == model.MENTIONED and quote.id not in criteria and quote.id not in mentioned:
            mentioned.append(quote.id)  # type: ignore[arg-type]
    order = {model.CRITERION: 0, model.UNRESOLVED: 1, model.COMBINE: 2, model.PEM_SCREEN: 3, model.DESIGN: 4}
    quotes = sorted(reading.quotes, key=lambda q: (order.get(q.finding, 5), q.start))
    return Proposal(
        badge=badge,
        reason=reason,
        criteria=criteria,
        combine=combine,
        pem_screen=screen,
        mentioned=tuple(mentioned),
        unresolved=unresolved,
        has_participants=participants,
        design=design,
        mecfs_cohort=mecfs,
        quotes=tuple(quotes),
        truncated=truncated,
    )
