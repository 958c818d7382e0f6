"""`atlas init`: a new, empty, lint-clean atlas."""

from __future__ import annotations

from pathlib import Path

from atlas_cli.errors import UsageError
from atlas_cli.records import write_atomic

ATLAS_TOML = """\
# Configuration of this atlas (read by the `atlas` command).
[atlas]
site_url = "{site_url}"
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


def create_atlas(directory: Path, *, site_url: str, mailto: str | None) -> list[Path]:
    """Create the files of a new atlas in DIRECTORY; never overwrites anything."""
    if (directory / "atlas.toml").exists():
        raise UsageError(f"{directory} already holds an atlas (atlas.toml exists)",
                         hint="run atlas commands inside it, or choose another folder")
    mailto_line = f'mailto = "{mailto}"' if mailto else '# mailto = "you@example.org"  # contact for Crossref\'s polite pool'
    files = {
        "atlas.toml": ATLAS_TOML.format(site_url=site_url, mailto_line=mailto_line),
        "records/.gitkeep": "",
        ".github/workflows/atlas-lint.yml": WORKFLOW,
        ".pre-commit-config.yaml": PRE_COMMIT,
        "README.md": README,
    }
    created = []
    for name, text in files.items():
        path = directory / name
        if path.exists():
            continue  # an existing README or workflow is the curator's: keep it
        write_atomic(path, text, exclusive=True)
        created.append(path)
    return created
