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
from atlas_cli.core.records import SLUG_RE  # registry ids follow the slug form
from atlas_cli.core.yamlio import parse_bytes


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

    def criterion_for(self, text: str) -> str | None:
        """The registry id a criteria name or alias stands for (case and spacing ignored)."""
        return self.aliases.get(name_key(text))


def name_key(text: str) -> str:
    """A criteria name as the alias table keys it: lower case, runs of other characters one space."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


_FIELDS = {
    "criteria": ({"id", "name", "requires_pem"}, {"year", "reference", "aliases", "note", "doi", "pmid", "record"}),
    "topics": ({"id", "label", "definition"}, {"group"}),
    "designs": ({"id", "label", "participants"}, {"definition"}),
}


def _entries(path: Path, key: str) -> list[dict]:
    try:
        document = parse_bytes(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"cannot read registry {path}: {exc.strerror}") from exc
    errors = [p for p in document.problems if p.severity == "error"]
    if errors or document.data is None:
        first = errors[0] if errors else document.problems[0]
        raise ConfigError(f"{path}:{first.line}:{first.column}: {first.message}", hint=first.hint)
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


@lru_cache(maxsize=8)
def load_registries(schemas_dir: Path) -> Registries:
    criteria: dict[str, Criterion] = {}
    aliases: dict[str, str] = {}
    path = schemas_dir / "criteria.yaml"
    for entry in _entries(path, "criteria"):
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
    return Registries(criteria, topics, designs, aliases)
