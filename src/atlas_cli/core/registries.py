"""The curators' registries: case definitions, topics and study designs.

They are YAML data in the atlas's `schemas/` folder (or the copies shipped with
atlas), read once per process. A malformed registry is a configuration error
(exit 2) naming the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from atlas_cli.core.errors import ConfigError
from atlas_cli.core.phrases import check_phrase
from atlas_cli.core.records import SLUG_RE  # registry ids follow the slug form
from atlas_cli.core.yamlio import Document


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
    """The parsed registry file at PATH; ConfigError (file:line:column) when it cannot be read.

    Read as a record is (core.records.read_yaml_file): a regular file only (a named pipe
    is never waited on), at most yamlio.MAX_BYTES, strictly."""
    from atlas_cli.core.records import read_yaml_file

    document = read_yaml_file(path)
    unreadable = next((p for p in document.problems if p.rule == "file-unreadable"), None)
    if unreadable is not None:
        raise ConfigError(f"cannot read registry {path}: {unreadable.message}", hint=unreadable.hint)
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
            raise ConfigError(f"{where}: id {describe_value(entry['id'])} must be lower-case words joined by hyphens")
        if entry["id"] in seen:
            raise ConfigError(f"{where}: id {entry['id']} is listed twice")
        seen.add(entry["id"])
    return entries


def _text(entry: dict, key: str, where: str, optional: bool = False) -> str | None:
    """ENTRY[KEY] as text: ConfigError naming WHERE when it is something else (a list, a number).
    OPTIONAL: absent or null is None."""
    value = entry.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"{where}: `{key}` must be text, got {describe_value(value)}", hint=f"write `{key}: ...` on one line"
        )
    return value


def _year(entry: dict, key: str, where: str) -> int | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1000 <= value <= 9999:
        raise ConfigError(f"{where}: `{key}` must be a year, got {describe_value(value)}", hint=f"e.g. `{key}: 2011`")
    return value


def _texts(entry: dict, key: str, where: str) -> tuple[str, ...]:
    """ENTRY[KEY] as a list of text (absent or null: none)."""
    value = entry.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(
            f"{where}: `{key}` must be a list of text, got {describe_value(value)}",
            hint=f"e.g. `{key}: [CCC, Canadian criteria]`",
        )
    return tuple(value)


def describe_value(value: object) -> str:
    """VALUE as a message shows it: a kind for lists and mappings, a short repr otherwise."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def phrase_list(value: object, where: str, what: str, lists: tuple[str, ...] = ()) -> tuple[str, ...]:
    """VALUE as a tuple of valid phrases; ConfigError naming WHERE and WHAT otherwise."""
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{where}: `{what}` must be a non-empty list of phrases, got {describe_value(value)}")
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
            raise ConfigError(
                f"{where}: false friend `match` {describe_value(friend.get('match'))} must be one of `detect.names`"
            )
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
            if not isinstance(version["criterion"], str) or version["criterion"] not in criteria:
                raise ConfigError(
                    f"{where}: version {describe_value(version['criterion'])} is not a criterion id of this file"
                )
            if not isinstance(version["from"], int) or isinstance(version["from"], bool):
                raise ConfigError(f"{where}: `from` must be a year, got {describe_value(version['from'])}")
            parsed.append(Version(version["criterion"], version["from"]))
        if [v.start for v in parsed] != sorted({v.start for v in parsed}):
            raise ConfigError(f"{where}: versions must be listed oldest first, with different `from` years")
        undated = entry.get("undated")
        if undated is not None and (not isinstance(undated, str) or undated not in {v.criterion for v in parsed}):
            raise ConfigError(
                f"{where}: `undated` must be one of the versions (or null), got {describe_value(undated)}"
            )
        detect = _detect(entry["detect"], where)
        name = _text(entry, "name", f"{path}:{document.locate(('families', index, 'name'))[0]}") or ""
        families[entry["id"]] = Family(entry["id"], name, detect, tuple(parsed), undated)
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
        at = _where(path, document, "criteria", index)
        requires = entry["requires_pem"]
        if requires is not True and requires is not False and requires is not None:
            raise ConfigError(
                f"{at('requires_pem')}: {entry['id']}: requires_pem must be true, false or null, got {describe_value(requires)}"
            )
        pmid = entry.get("pmid")
        if pmid is not None and (isinstance(pmid, bool) or not isinstance(pmid, (str, int))):
            raise ConfigError(
                f"{at('pmid')}: `pmid` must be a PubMed ID, got {describe_value(pmid)}", hint="e.g. pmid: '7978722'"
            )
        criterion = Criterion(
            id=entry["id"],
            name=_text(entry, "name", at("name")) or "",
            requires_pem=requires,
            year=_year(entry, "year", at("year")),
            reference=_text(entry, "reference", at("reference"), optional=True),
            aliases=_texts(entry, "aliases", at("aliases")),
            note=_text(entry, "note", at("note"), optional=True),
            doi=_text(entry, "doi", at("doi"), optional=True),
            pmid=str(pmid) if pmid is not None else None,
            record=_text(entry, "record", at("record"), optional=True),
            detect=_detect(entry["detect"], at()) if "detect" in entry else None,
        )
        criteria[criterion.id] = criterion
        for name in (criterion.id, criterion.name, *criterion.aliases):
            aliases.setdefault(name_key(name), criterion.id)
    topics = {}
    topics_path = schemas_dir / "topics.yaml"
    topics_document = read_registry(topics_path)
    for index, e in enumerate(_entries(topics_path, "topics", topics_document)):
        at = _where(topics_path, topics_document, "topics", index)
        topics[e["id"]] = Topic(
            e["id"],
            _text(e, "label", at("label")) or "",
            _text(e, "definition", at("definition")) or "",
            _text(e, "group", at("group"), optional=True),
        )
    designs = {}
    designs_path = schemas_dir / "designs.yaml"
    designs_document = read_registry(designs_path)
    for index, e in enumerate(_entries(designs_path, "designs", designs_document)):
        at = _where(designs_path, designs_document, "designs", index)
        if not isinstance(e["participants"], bool):
            raise ConfigError(f"{at('participants')}: {e['id']}: participants must be true or false")
        designs[e["id"]] = Design(
            e["id"],
            _text(e, "label", at("label")) or "",
            e["participants"],
            _text(e, "definition", at("definition"), optional=True),
        )
    return Registries(criteria, topics, designs, aliases, _families(path, document, criteria))


def _where(path: Path, document: Document, key: str, index: int) -> Callable[..., str]:
    """`at(field)`: `PATH:LINE` of FIELD in entry INDEX of the list KEY (of the entry itself without FIELD)."""

    def at(*field: str) -> str:
        line, column = document.locate((key, index, *field))
        return f"{path}:{line}:{column}"

    return at
