"""Shared helpers for the cite / export tests (not a test module)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import support
from support import clean_env

from atlas_cli.core.config import load_settings
from atlas_cli.core.records import iter_record_paths, read_document

TESTS = Path(__file__).parent
FIXTURE_ATLAS = TESTS / "fixtures" / "cite"
GOLDEN = TESTS / "golden" / "cite"
CSL_SCHEMA = TESTS / "fixtures" / "csl-schema" / "csl-data.json"
UPDATE = os.environ.get("ATLAS_UPDATE_GOLDEN") == "1"


def fixture_settings():
    return load_settings(FIXTURE_ATLAS)


def fixture_records() -> dict[str, dict]:
    """slug -> record data of every fixture record."""
    records = {}
    for path in iter_record_paths(FIXTURE_ATLAS / "records"):
        document = read_document(path)
        assert document.data is not None, (path, document.problems)
        records[path.stem] = document.data
    return records


def copy_atlas(tmp_path: Path) -> Path:
    """A writable copy of the fixture atlas."""
    root = tmp_path / "atlas"
    shutil.copytree(FIXTURE_ATLAS, root)
    return root


def run_atlas(*args: str, root: Path | None = None, cwd: Path | None = None, env_extra: dict | None = None):
    """Run the real `atlas` entry point in a subprocess (with --root ROOT when given)."""
    options = ["--root", str(root)] if root is not None else []
    return support.run_atlas(*options, *args, cwd=cwd, env=clean_env(env_extra))


def check_golden(name: str, actual: str) -> None:
    """Compare ACTUAL with tests/golden/cite/NAME (ATLAS_UPDATE_GOLDEN=1 rewrites it)."""
    path = GOLDEN / name
    if UPDATE or not path.exists():
        if not UPDATE:
            raise AssertionError(f"missing golden file {path}; run with ATLAS_UPDATE_GOLDEN=1 and read it")
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"output differs from golden file {path.name}"
