"""`atlas init`: a new, empty, lint-clean atlas."""

from __future__ import annotations

from pathlib import Path

from atlas_cli.core.errors import UsageError
from atlas_cli.core.records import write_atomic

ATLAS_TOML = """\
# Configuration of this atlas (read by the `atlas` command).
[atlas]
site_url = {site_url}
bibtex_prefix = "mecfsatlas"
records_dir = "records"
{mailto_line}

# Versions shown in the atlas snapshot reference of every evidence page.
[atlas.snapshot]
generator = "v1"
scanner = "v1.4"
policy = "v0.1"
"""

WORKFLOW = """\
# Checks every record on each pull request; problems appear as annotations on the files.
name: atlas lint
on:
  pull_request:
  push:
    branches: [main]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: python -m pip install atlas-cli
      - run: atlas lint --format github
"""

PRE_COMMIT = """\
# `pre-commit install` runs atlas lint on the records a commit changes.
repos:
  - repo: local
    hooks:
      - id: atlas-lint
        name: atlas lint
        entry: atlas lint
        language: system
        files: ^records/.*\\.ya?ml$
"""

README = """\
# Evidence records

One YAML file per paper in `records/`. `atlas add <doi>` writes a draft,
`atlas lint` checks every record, `atlas cite <slug>` prints its citations.
"""


def toml_string(value: str) -> str:
    """VALUE as a TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _in_the_way(directory: Path, name: str) -> Path | None:
    """A file standing where DIRECTORY/NAME needs a folder, if any."""
    path = directory
    for part in Path(name).parts[:-1]:
        path = path / part
        if (path.exists() or path.is_symlink()) and not path.is_dir():
            return path
    return None


def create_atlas(directory: Path, *, site_url: str, mailto: str | None) -> list[Path]:
    """Create the files of a new atlas in DIRECTORY; never overwrites anything.

    Everything that could stop it is checked before the first file is written, and
    atlas.toml comes last: a run that fails half-way can simply be run again.
    """
    if (directory.exists() or directory.is_symlink()) and not directory.is_dir():
        raise UsageError(
            f"{directory} is a file, not a folder",
            hint="give the folder the atlas should live in (it is created if missing)",
        )
    if (directory / "atlas.toml").exists():
        raise UsageError(
            f"{directory} already holds an atlas (atlas.toml exists)",
            hint="run atlas commands inside it, or choose another folder",
        )
    mailto_line = (
        f"mailto = {toml_string(mailto)}"
        if mailto
        else '# mailto = "you@example.org"  # contact for Crossref\'s polite pool'
    )
    files = {
        "records/.gitkeep": "",
        ".github/workflows/atlas-lint.yml": WORKFLOW,
        ".pre-commit-config.yaml": PRE_COMMIT,
        "README.md": README,
        "atlas.toml": ATLAS_TOML.format(site_url=toml_string(site_url), mailto_line=mailto_line),
    }
    for name in files:
        blocker = _in_the_way(directory, name)
        if blocker is not None:
            raise UsageError(
                f"cannot create {directory / name}: {blocker} is a file, not a folder",
                hint=f"move {blocker} out of the way, or choose another folder",
            )
    created = []
    for name, text in files.items():
        path = directory / name
        if path.exists() or path.is_symlink():
            continue  # an existing README or workflow is the curator's: keep it
        write_atomic(path, text, exclusive=True, make_parents=True)
        created.append(path)
    return created
