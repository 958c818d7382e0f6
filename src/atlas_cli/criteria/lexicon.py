"""What `atlas criteria` recognises, read from data curators extend.

The case definitions, their names, false friends and versions come from
`schemas/criteria.yaml` (core.registries); the cue phrases (inclusion, subset,
background, PEM screen, designs without participants, field labels) from
`schemas/criteria-cues.yaml`. A malformed cue file is a configuration error naming
the file and line, like a malformed registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from atlas_cli.core.errors import ConfigError
from atlas_cli.core.registries import Registries, load_registries, phrase_list, read_registry
from atlas_cli.criteria.phraseset import PhraseSet

CUES_FILE = "criteria-cues.yaml"
SHIPPED_SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"  # inside an installed wheel
SOURCE_SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"  # in a source checkout

# key -> sub-keys (None: a list of phrases)
_SHAPE: dict[str, Any] = {
    "pem_terms": None,
    "condition_terms": None,
    "participant_terms": None,
    "other_conditions": None,
    "inclusion": {"strong": None, "weak": None, "after": None},
    "exclusion": {"before": None, "after": None},
    "subset": {"before": None, "after": None},
    "background": None,
    "not_this_study": None,
    "other_use": None,
    "combine": {"any": None, "all": None, "compare": None, "filler": None, "also_all": None},
    "pem_screen": None,
    "negation": None,
    "designs": {"kinds": "kinds", "self_reference": None, "with_participants": None},
    "fields": {"inclusion": None, "background": None, "design": None},
}


@dataclass(frozen=True)
class Mention:
    """What a name found in a text stands for."""

    kind: str  # "criterion" or "family"
    id: str
    name: str  # the registry phrase that matched


class Lexicon:
    """Compiled phrase sets for one set of registries and cues (built once per process)."""

    def __init__(self, registries: Registries, cues: dict[str, Any]) -> None:
        self.registries = registries
        self.cues = cues
        entries: list[tuple[str, Any]] = []
        self.false_friends: dict[tuple[str, str], list] = {}
        for criterion in registries.criteria.values():
            if criterion.detect is None:
                continue
            for name in criterion.detect.names:
                entries.append((name, Mention("criterion", criterion.id, name)))
                friends = [f for f in criterion.detect.false_friends if not f.match or name in f.match]
                if friends:
                    self.false_friends[(criterion.id, name)] = friends
        for family in registries.families.values():
            for name in family.detect.names:
                entries.append((name, Mention("family", family.id, name)))
        self.names = PhraseSet(entries)
        friends = [f for fs in self.false_friends.values() for f in fs]
        self.defined_as = PhraseSet((p, id(f)) for f in friends for p in f.defined_as)
        self.near = PhraseSet((p, id(f)) for f in friends for p in f.near)
        lists = {"pem": cues["pem_terms"]}
        self.pem_terms = PhraseSet((p, "pem") for p in cues["pem_terms"])
        self.condition = PhraseSet((p, "condition") for p in cues["condition_terms"])
        self.participants = PhraseSet((p, "participant") for p in cues["participant_terms"])
        self.other_conditions = PhraseSet((p, "other") for p in cues["other_conditions"])
        self.role_cues = PhraseSet(
            [(p, "strong") for p in cues["inclusion"]["strong"]]
            + [(p, "weak") for p in cues["inclusion"]["weak"]]
            + [(p, "subset") for p in cues["subset"]["before"]]
            + [(p, "exclusion") for p in cues["exclusion"]["before"]]
            + [(p, "background") for p in cues["background"]]
            + [(p, "not_this_study") for p in cues["not_this_study"]]
            + [(p, "other_use") for p in cues["other_use"]]
        )
        self.after_cues = PhraseSet(
            [(p, "after") for p in cues["inclusion"]["after"]]
            + [(p, "exclusion") for p in cues["exclusion"]["after"]]
            + [(p, "subset") for p in cues["subset"]["after"]]
        )
        self.connectors = PhraseSet(
            [(p, "any") for p in cues["combine"]["any"]]
            + [(p, "all") for p in cues["combine"]["all"]]
            + [(p, "compare") for p in cues["combine"]["compare"]]
            + [(p, "filler") for p in cues["combine"]["filler"]]
        )
        self.compare = PhraseSet((p, "compare") for p in cues["combine"]["compare"])
        self.also_all = PhraseSet((p, "also_all") for p in cues["combine"]["also_all"])
        self.screen = PhraseSet(((p, "screen") for p in cues["pem_screen"]), lists)
        self.negation = PhraseSet((p, "negation") for p in cues["negation"])
        self.design_kinds = PhraseSet((p, kind["design"]) for kind in cues["designs"]["kinds"] for p in kind["phrases"])
        self.self_reference = PhraseSet((p, "self") for p in cues["designs"]["self_reference"])
        self.with_participants = PhraseSet((p, "with") for p in cues["designs"]["with_participants"])
        self.fields = {
            " ".join(label.lower().split()): kind for kind, labels in cues["fields"].items() for label in labels
        }


def cues_path(schemas_dir: Path) -> Path:
    """The atlas's own cue file if it has one, else the one shipped with atlas."""
    for folder in (schemas_dir, SHIPPED_SCHEMAS, SOURCE_SCHEMAS):
        if (folder / CUES_FILE).is_file():
            return folder / CUES_FILE
    raise ConfigError(f"cannot find {CUES_FILE}", hint="reinstall atlas-cli; the cue file ships inside the package")


def load_cues(path: Path, registries: Registries) -> dict[str, Any]:
    """The cue lists of PATH, checked: ConfigError with file and line for anything malformed."""
    document = read_registry(path)
    data = document.data or {}

    def where(*keys: Any) -> str:
        return f"{path}:{document.locate(keys)[0]}"

    out: dict[str, Any] = {}
    unknown = set(data) - set(_SHAPE)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) {', '.join(sorted(unknown))}", hint=f"allowed: {', '.join(sorted(_SHAPE))}"
        )
    for key, shape in _SHAPE.items():
        if key not in data:
            raise ConfigError(f"{path}: missing `{key}:`", hint="see the comments in the cue file shipped with atlas")
        if shape is None:
            lists = ("pem",) if key == "pem_screen" else ()
            out[key] = list(phrase_list(data[key], where(key), key, lists))
            continue
        value = data[key]
        if not isinstance(value, dict) or set(value) != set(shape):
            raise ConfigError(f"{where(key)}: `{key}` must be a mapping with exactly {', '.join(sorted(shape))}")
        out[key] = {}
        for sub, subshape in shape.items():
            if subshape is None:
                out[key][sub] = list(phrase_list(value[sub], where(key, sub), f"{key}.{sub}"))
            else:
                out[key][sub] = _kinds(value[sub], where(key, sub), registries)
    return out


def _kinds(value: Any, where: str, registries: Registries) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{where}: `designs.kinds` must be a list of {{design, phrases}}")
    kinds = []
    for kind in value:
        if not isinstance(kind, dict) or set(kind) != {"design", "phrases"}:
            raise ConfigError(f"{where}: each kind is a mapping with exactly `design` and `phrases`")
        design = registries.designs.get(kind["design"]) if isinstance(kind["design"], str) else None
        if design is None:
            raise ConfigError(
                f"{where}: design {kind['design']!r} is not in designs.yaml",
                hint=f"known designs: {', '.join(sorted(registries.designs))}",
            )
        if design.participants:
            raise ConfigError(f"{where}: design {design.id} has participants; list only designs without them")
        kinds.append({"design": design.id, "phrases": list(phrase_list(kind["phrases"], where, "phrases"))})
    return kinds


@lru_cache(maxsize=4)
def load_lexicon(schemas_dir: Path) -> Lexicon:
    registries = load_registries(schemas_dir)
    return Lexicon(registries, load_cues(cues_path(schemas_dir), registries))
