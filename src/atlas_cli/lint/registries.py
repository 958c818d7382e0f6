"""The atlas's own registries (`schemas/*.yaml`) checked like records: problems with file and line.

Every YAML file in the atlas's `schemas/` folder is read strictly; the case
definitions, topics and designs are then loaded as atlas loads them, and the cue
file of `atlas criteria` too. Loading stops at the first problem of a file, so
each file reports at most one problem beyond its YAML ones. An atlas without a
`schemas/` folder uses the copies shipped with atlas, which are not checked here.
"""

from __future__ import annotations

import re
from pathlib import Path

from atlas_cli.core.errors import ConfigError
from atlas_cli.lint.problem import ERROR, Problem

RULE = "registry"
LOADED = ("criteria.yaml", "topics.yaml", "designs.yaml")  # read together by core.registries
_WHERE = re.compile(r":(\d+)(?::(\d+))?: ")


def registry_files(schemas_dir: Path) -> list[Path]:
    """The registry files of an atlas's own schemas folder (none when it has no such folder)."""
    if not schemas_dir.is_dir():
        return []
    return sorted(p for p in schemas_dir.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))


def check_registries(schemas_dir: Path, files: list[Path], display: dict[Path, str]) -> list[Problem]:
    """Problems in FILES (registry files of SCHEMAS_DIR), each shown as DISPLAY[file]."""
    from atlas_cli.core.records import read_yaml_file

    problems: list[Problem] = []
    broken: set[Path] = set()
    for path in files:
        document = read_yaml_file(path)
        for p in document.problems:
            problems.append(Problem(display[path], p.line, p.column, p.severity, p.rule, p.message, p.hint))
            if p.severity == ERROR:
                broken.add(path)
        if document.data is None:
            broken.add(path)
    names = {p.name for p in files}
    if set(LOADED) & names and not {schemas_dir / n for n in LOADED} & broken:
        problems += _load_problems(schemas_dir, files, display)
    return problems


def unused_registries(files: list[Path], display: dict[Path, str]) -> list[Problem]:
    """Registry files in a schemas folder atlas does not use: without record.schema.json
    there, atlas reads the copies shipped with it, and a curator's edits here go unseen."""
    return [
        Problem(
            display[path],
            1,
            1,
            ERROR,
            RULE,
            f"not used: atlas reads {path.parent.name}/ only when it also holds record.schema.json, "
            "so it uses the registries shipped with atlas instead",
            "copy record.schema.json (and the other registries) from atlas's own schemas/ folder into it, "
            "or remove this folder",
        )
        for path in files
    ]


def _load_problems(schemas_dir: Path, files: list[Path], display: dict[Path, str]) -> list[Problem]:
    from atlas_cli.core.registries import load_registries

    try:
        registries = load_registries(schemas_dir)
    except ConfigError as exc:
        return [_problem(exc, schemas_dir, files, display)]
    cues = schemas_dir / "criteria-cues.yaml"
    if cues in files:
        from atlas_cli.criteria.lexicon import load_cues

        try:
            load_cues(cues, registries)
        except ConfigError as exc:
            return [_problem(exc, schemas_dir, files, display)]
    return []


def _problem(exc: ConfigError, schemas_dir: Path, files: list[Path], display: dict[Path, str]) -> Problem:
    """The loader's error as a problem of the file (and line) it names."""
    message = exc.message
    for path in sorted({*files, *(schemas_dir / n for n in LOADED)}, key=lambda p: -len(str(p))):
        if str(path) in message:
            before, _, after = message.partition(str(path))
            where = _WHERE.match(after)
            if where:
                line, column = int(where.group(1)), int(where.group(2) or 1)
                text = (before + after[where.end() :]).strip()
            else:
                line, column = 1, 1
                text = message.replace(f"{path}: ", "").replace(str(path), path.name)
            return Problem(display.get(path, str(path)), line, column, ERROR, RULE, text, exc.hint)
    return Problem(display.get(files[0], str(files[0])), 1, 1, ERROR, RULE, message, exc.hint)
