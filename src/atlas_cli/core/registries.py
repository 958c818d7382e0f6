"""The curators' registries: case definitions, topics and study designs.

They are YAML data in the atlas's `schemas/` folder (or the copies shipped with
atlas), read once per process. A malformed registry is a configuration error
(exit 2) naming the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from atlas_cli.core.errors import ConfigError
from atlas_cli.core.phrases import check_phrase
from atlas_cli.core.records import SLUG_RE  # registry ids follow the slug form
from atlas_cli.core.yamlio import Document, parse_bytes


@dataclass(frozen=True)
class FalseFriend:
    """Words of a definition that mean something else in some texts (ICC: intraclass correlation)."""

    means: str
    match: tuple[str, ...] = ()  # the `names` it applies to; empty: all of them
    defined_as: tuple[str, ...] = ()  # the other meaning spelt out anywhere in the text vetoes a match
    near: tuple[str, ...] = ()  # any of these in the same sentence vetoes a match


@dataclass(frozen=True)
class Detect:
    """How `atlas criteria` recognises a definition in a paper's text (phrases, see core.phrases)."""

    names: tuple[str, ...]
    false_friends: tuple[FalseFriend, ...] = ()
    family: str | None = None


@dataclass(frozen=True)
class Version:
    criterion: str
    start: int  # `from`: the first year a paper could have used this version


@dataclass(frozen=True)
class Family:
    """Generic names ("NICE criteria") shared by versions of a definition, resolved by year."""

    id: str
    name: str
    detect: Detect
    versions: tuple[Version, ...]  # oldest first
    undated: str | None = None  # the version a text without any year means (None: unresolved)


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    requires_pem: bool | None  # None: not a case definition, decides nothing alone
    year: int | None = None
    reference: str | None = None
    aliases: tuple[str, ...] = ()
    note: str | None = None
    doi: str | None = None
    pmid: str | None = None
    record: str | None = None
    detect: Detect | None = None  # None: not recognised in text


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    definition: str
    group: str | None = None


@dataclass(frozen=True)
class Design:
    id: str
    label: str
    participants: bool
    definition: str | None = None


@dataclass(frozen=True)
class Registries:
    criteria: dict[str, Criterion]
    topics: dict[str, Topic]
    designs: dict[str, Design]
    aliases: dict[str, str] = field(default_factory=dict)  # folded alias or id -> criterion id
    families: dict[str, Family] = field(default_factory=dict)

    def criterion_for(self, text: str) -> str | None:
        """The registry id a criteria name or alias stands for (case and spacing ignored)."""
        return self.aliases.get(name_key(text))


def name_key(text: str) -> str:
    """A criteria name as the alias table keys it: lower case, runs of other characters one space."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


_FIELDS = {
    "criteria": (
        {"id", "name", "requires_pem"},
        {"year", "reference", "aliases", "note", "doi", "pmid", "record", "detect"},
    ),
    "families": ({"id", "name", "detect", "versions"}, {"undated"}),
    "topics": ({"id", "label", "definition"}, {"group"}),
    "designs": ({"id", "label", "participants"}, {"definition"}),
}


def read_registry(path: Path) -> Document:
    """The parsed registry file at PATH; ConfigError (file:line:column) when it cannot be read."""
    try:
        document = parse_bytes(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"cannot read registry {path}: {exc.strerror}") from exc
    errors = [p for p in document.problems if p.severity == "error"]
    if errors or document.data is None:
        first = errors[0] if errors else document.problems[0]
        raise ConfigError(f"{path}:{first.line}:{first.column}: {first.message}", hint=first.hint)
    return document


def _entries(path: Path, key: str, document: Document | None = None, may_be_absent: bool = False) -> list[dict]:
    document = document or read_registry(path)
    assert document.data is not None
    if may_be_absent and key not in document.data:
        return []
    entries = document.data.get(key)
    if not isinstance(entries, list):
        raise ConfigError(
            f"{path}: expected a top-level `{key}:` list", hint=f"see the comment at the top of {path.name}"
        )
    required, optional = _FIELDS[key]
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        line, _ = document.locate((key, index))
        where = f"{path}:{line}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: each entry must be a mapping with {', '.join(sorted(required))}")
        missing = required - set(entry)
        unknown = set(entry) - required - optional
        if missing:
            raise ConfigError(f"{where}: entry is missing {', '.join(sorted(missing))}")
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {', '.join(sorted(unknown))}",
                hint=f"allowed: {', '.join(sorted(required | optional))}",
            )
        if not isinstance(entry["id"], str) or not SLUG_RE.match(entry["id"]):
            raise ConfigError(f"{where}: id {entry['id']!r} must be lower-case words joined by hyphens")
        if entry["id"] in seen:
            raise ConfigError(f"{where}: id {entry['id']} is listed twice")
        seen.add(entry["id"])
    return entries


def phrase_list(value: object, where: str, what: str, lists: tuple[str, ...] = ()) -> tuple[str, ...]:
    """VALUE as a tuple of valid phrases; ConfigError naming WHERE and WHAT otherwise."""
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{where}: `{what}` must be a non-empty list of phrases, got {value!r}")
    for phrase in value:
        problem = check_phrase(phrase, lists)
        if problem:
            raise ConfigError(f"{where}: `{what}`: {problem}", hint="see the README, section Phrases")
    return tuple(value)


def _detect(value: object, where: str) -> Detect:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: `detect` must be a mapping with `names` (and `false_friends`, `family`)")
    unknown = set(value) - {"names", "false_friends", "family"}
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) in `detect`: {', '.join(sorted(unknown))}",
            hint="allowed: names, false_friends, family",
        )
    names = phrase_list(value.get("names"), where, "detect.names")
    friends = []
    raw_friends = value.get("false_friends") or []
    if not isinstance(raw_friends, list):
        raise ConfigError(f"{where}: `detect.false_friends` must be a list")
    for friend in raw_friends:
        if not isinstance(friend, dict) or not isinstance(friend.get("means"), str):
            raise ConfigError(f"{where}: each false friend is a mapping with `means` (what the words mean there)")
        unknown = set(friend) - {"means", "match", "defined_as", "near"}
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) in a false friend: {', '.join(sorted(unknown))}",
                hint="allowed: means, match, defined_as, near",
            )
        match = friend.get("match", [])
        match = [match] if isinstance(match, str) else match
        if not isinstance(match, list) or any(m not in names for m in match):
            raise ConfigError(f"{where}: false friend `match` {friend.get('match')!r} must be one of `detect.names`")
        if "defined_as" not in friend and "near" not in friend:
            raise ConfigError(f"{where}: a false friend needs `defined_as` or `near` (or both)")
        friends.append(
            FalseFriend(
                means=friend["means"],
                match=tuple(match),
                defined_as=phrase_list(friend["defined_as"], where, "defined_as") if "defined_as" in friend else (),
                near=phrase_list(friend["near"], where, "near") if "near" in friend else (),
            )
        )
    family = value.get("family")
    if family is not None and not isinstance(family, str):
        raise ConfigError(f"{where}: `detect.family` must be a family id")
    return Detect(names, tuple(friends), family)


def _families(path: Path, document: Document, criteria: dict[str, Criterion]) -> dict[str, Family]:
    families: dict[str, Family] = {}
    for index, entry in enumerate(_entries(path, "families", document, may_be_absent=True)):
        where = f"{path}:{document.locate(('families', index))[0]}"
        if entry["id"] in criteria:
            raise ConfigError(f"{where}: family id {entry['id']} is also a criterion id")
        versions = entry["versions"]
        if not isinstance(versions, list) or len(versions) < 2:
            raise ConfigError(f"{where}: `versions` must list at least two {{criterion, from}} entries")
        parsed = []
        for version in versions:
            if not isinstance(version, dict) or set(version) != {"criterion", "from"}:
                raise ConfigError(f"{where}: each version is a mapping with exactly `criterion` and `from`")
            if version["criterion"] not in criteria:
                raise ConfigError(f"{where}: version {version['criterion']!r} is not a criterion id of this file")
            if not isinstance(version["from"], int) or isinstance(version["from"], bool):
                raise ConfigError(f"{where}: `from` must be a year, got {version['from']!r}")
            parsed.append(Version(version["criterion"], version["from"]))
        if [v.start for v in parsed] != sorted({v.start for v in parsed}):
            raise ConfigError(f"{where}: versions must be listed oldest first, with different `from` years")
        undated = entry.get("undated")
        if undated is not None and undated not in {v.criterion for v in parsed}:
            raise ConfigError(f"{where}: `undated` must be one of the versions (or null), got {undated!r}")
        detect = _detect(entry["detect"], where)
        families[entry["id"]] = Family(entry["id"], str(entry["name"]), detect, tuple(parsed), undated)
    for criterion in criteria.values():
        family = criterion.detect.family if criterion.detect else None
        if family is not None and family not in families:
            raise ConfigError(f"{path}: {criterion.id}: `detect.family` {family!r} is not listed under `families:`")
    return families


@lru_cache(maxsize=8)
def load_registries(schemas_dir: Path) -> Registries:
    criteria: dict[str, Criterion] = {}
    aliases: dict[str, str] = {}
    path = schemas_dir / "criteria.yaml"
    document = read_registry(path)
    for index, entry in enumerate(_entries(path, "criteria", document)):
        requires = entry["requires_pem"]
        if requires not in (True, False, None):
            raise ConfigError(f"{path}: {entry['id']}: requires_pem must be true, false or null, got {requires!r}")
        criterion = Criterion(
            id=entry["id"],
            name=str(entry["name"]),
            requires_pem=requires,
            year=entry.get("year"),
            reference=entry.get("reference"),
            aliases=tuple(str(a) for a in entry.get("aliases") or ()),
            note=entry.get("note"),
            doi=entry.get("doi"),
            pmid=str(entry["pmid"]) if entry.get("pmid") is not None else None,
            record=entry.get("record"),
            detect=(
                _detect(entry["detect"], f"{path}:{document.locate(('criteria', index))[0]}")
                if "detect" in entry
                else None
            ),
        )
        criteria[criterion.id] = criterion
        for name in (criterion.id, criterion.name, *criterion.aliases):
            aliases.setdefault(name_key(name), criterion.id)
    topics = {
        e["id"]: Topic(e["id"], str(e["label"]), str(e["definition"]), e.get("group"))
        for e in _entries(schemas_dir / "topics.yaml", "topics")
    }
    designs = {}
    for e in _entries(schemas_dir / "designs.yaml", "designs"):
        if not isinstance(e["participants"], bool):
            raise ConfigError(f"{schemas_dir / 'designs.yaml'}: {e['id']}: participants must be true or false")
        designs[e["id"]] = Design(e["id"], str(e["label"]), e["participants"], e.get("definition"))
    return Registries(criteria, topics, designs, aliases, _families(path, document, criteria))
