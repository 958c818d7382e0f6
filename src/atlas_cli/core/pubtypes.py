"""PubMed publication types: which mean "not a study", and what a draft made from PubMed is flagged as.

The table is data curators extend: `schemas/pubmed-types.yaml` of the atlas (or the
copy shipped with atlas when the atlas has none). A malformed table is a
configuration error (exit 2) naming the file and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from atlas_cli.core.errors import ConfigError

FILE_NAME = "pubmed-types.yaml"
_KEYS = {"name", "not_a_study", "flags", "publication_type"}


@dataclass(frozen=True)
class PubMedType:
    name: str
    not_a_study: str | None = None
    flags: tuple[str, ...] = ()
    publication_type: str | None = None


@dataclass(frozen=True)
class PubMedTypes:
    by_name: dict[str, PubMedType]  # by name, case-folded

    def get(self, name: str) -> PubMedType | None:
        return self.by_name.get(name.strip().casefold())

    def not_a_study(self, names: Iterable[str]) -> str | None:
        """What a paper of these types is instead of a study (`editorial`), or None for a study."""
        for name in names:
            entry = self.get(name)
            if entry is not None and entry.not_a_study:
                return entry.not_a_study
        return None

    def flags(self, names: Iterable[str]) -> list[str]:
        found: list[str] = []
        for name in names:
            entry = self.get(name)
            for flag in entry.flags if entry else ():
                if flag not in found:
                    found.append(flag)
        return found

    def publication_type(self, names: Iterable[str]) -> str | None:
        for name in names:
            entry = self.get(name)
            if entry is not None and entry.publication_type:
                return entry.publication_type
        return None


def table_path(schemas_dir: Path) -> Path:
    """The atlas's own table, else the one shipped with atlas."""
    own = schemas_dir / FILE_NAME
    if own.is_file():
        return own
    from atlas_cli.core.config import find_schemas_dir

    return find_schemas_dir() / FILE_NAME


@lru_cache(maxsize=4)
def load_pubmed_types(schemas_dir: Path) -> PubMedTypes:
    from atlas_cli.core.records import record_schema
    from atlas_cli.core.registries import describe_value, read_registry

    path = table_path(schemas_dir)
    document = read_registry(path)  # a regular file of at most yamlio.MAX_BYTES, read strictly
    assert document.data is not None
    entries = document.data.get("pubmed_types")
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: expected a top-level `pubmed_types:` list", hint=f"see the comment in {path.name}")
    schema = record_schema()["properties"]
    known_flags = set(schema["flags"]["items"]["enum"])
    known_types = set(schema["publication_type"]["enum"])
    table: dict[str, PubMedType] = {}
    for index, entry in enumerate(entries):
        where = f"{path}:{document.locate(('pubmed_types', index))[0]}"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise ConfigError(f"{where}: each entry needs `name:` (PubMed's publication type)")
        unknown = set(entry) - _KEYS
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {', '.join(sorted(unknown))}", hint=f"allowed: {', '.join(sorted(_KEYS))}"
            )
        flags = entry.get("flags") or []
        if not isinstance(flags, list) or any(not isinstance(f, str) or f not in known_flags for f in flags):
            raise ConfigError(
                f"{where}: flags must be record flags", hint=f"known flags: {', '.join(sorted(known_flags))}"
            )
        kind = entry.get("publication_type")
        if kind is not None and (not isinstance(kind, str) or kind not in known_types):
            raise ConfigError(
                f"{where}: publication_type {describe_value(kind)} is not a record publication_type",
                hint=f"known types: {', '.join(sorted(known_types))}",
            )
        label = entry.get("not_a_study")
        if label is not None and (not isinstance(label, str) or not label.strip()):
            raise ConfigError(f"{where}: not_a_study must be a word or two, e.g. editorial")
        name = entry["name"].strip()
        if name.casefold() in table:
            raise ConfigError(f"{where}: {name} is listed twice")
        table[name.casefold()] = PubMedType(name, label.strip() if label else None, tuple(flags), kind)
    return PubMedTypes(table)
