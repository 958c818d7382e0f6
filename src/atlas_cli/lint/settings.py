"""Checks of the atlas's own settings: the values `atlas init` leaves for the curator to set.

A new atlas gets placeholders (containing `TODO`) for its name, site URL and BibTeX
prefix unless they were given to `atlas init`; citations built from them would point
nowhere, so `atlas lint` reports each one until it is set.
"""

from __future__ import annotations

import re
from pathlib import Path

from atlas_cli.core.config import Settings
from atlas_cli.lint.problem import ERROR, Problem

# setting -> (what it is for, an example value)
NAMED_SETTINGS = {
    "name": ("the atlas's name, as citations and the preview site show it", '"Long COVID Atlas"'),
    "site_url": (
        "the public address of the atlas: evidence pages are <site_url>/evidence/<slug>",
        '"https://atlas.example.org"',
    ),
    "bibtex_prefix": ("the start of every BibTeX key: <bibtex_prefix>-<slug>", '"lcatlas"'),
}


def check_settings(settings: Settings, display: str | None = None) -> list[Problem]:
    """A `config-placeholder` error for each named setting still holding a placeholder."""
    if settings.config_file is None:
        return []
    problems = []
    text = _read(settings.config_file)
    table = "tool.atlas" if settings.config_file.name == "pyproject.toml" else "atlas"
    unset = settings.placeholders
    for key, (meaning, example) in NAMED_SETTINGS.items():
        if key not in unset:
            continue
        value = getattr(settings, key)
        line, column = _locate(text, table, key)
        problems.append(
            Problem(
                display or str(settings.config_file),
                line,
                column,
                ERROR,
                "config-placeholder",
                f'`{key}` is still the placeholder "{value}": {meaning}',
                f"edit {settings.config_file.name}: under [{table}], set {key} = {example}",
            )
        )
    return problems


def _read(path: Path) -> str:
    from atlas_cli.core.config import SETTINGS_MAX_BYTES
    from atlas_cli.core.paths import UnsafePath, read_regular

    try:
        return read_regular(path, SETTINGS_MAX_BYTES).decode("utf-8")
    except (OSError, UnsafePath, UnicodeDecodeError):
        return ""  # it was read moments ago to load the settings; the position is only a courtesy


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")


def _locate(text: str, table: str, key: str) -> tuple[int, int]:
    """(line, column) of KEY's value in TABLE of a TOML text; (1, 1) when it cannot be told."""
    current = "" if table == "atlas" and not re.search(r"^\s*\[", text, re.MULTILINE) else None
    assignment = re.compile(rf"^(\s*{re.escape(key)}\s*=\s*)\S")
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            current = header.group(1).replace(" ", "").replace('"', "")
            continue
        if current in (table, "") and (match := assignment.match(line)):
            return number, len(match.group(1)) + 1
    return 1, 1
