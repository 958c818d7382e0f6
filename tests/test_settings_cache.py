"""Parsed settings kept in the cache (core.settings_cache): used only for the very text they
were parsed from, so a command skips importing a TOML parser and never reads stale settings.

The runs go through the real entry point in a new process; `python -X importtime` tells
whether that process loaded tomllib."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import clean_env, new_atlas, record

SLUG = "smith-2020-exercise-study"
TOML = '[atlas]\nname = "First Atlas"\nsite_url = "https://first.example.org"\nbibtex_prefix = "first"\n'


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    """(an atlas with one record, its own cache folder)."""
    root = new_atlas(tmp_path / "atlas", {SLUG: record()}, config=TOML)
    return root, tmp_path / "cache"


def cite(root: Path, cache: Path, *extra_env: tuple[str, str]) -> subprocess.CompletedProcess:
    """`atlas cite SLUG` in ROOT as a new process, with tomllib's import (if any) on stderr."""
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "atlas_cli", "cite", "--format", "bibtex", SLUG],
        cwd=root,
        env=clean_env(dict(extra_env), cache),
        capture_output=True,
        text=True,
        timeout=60,
    )


def loaded_tomllib(result: subprocess.CompletedProcess) -> bool:
    return any(line.rstrip().endswith("| tomllib") for line in result.stderr.splitlines())


def kept_files(cache: Path) -> list[Path]:
    return sorted((cache / "settings").glob("*.json"))


def test_the_second_run_uses_the_kept_table_and_no_toml_parser(setup):
    root, cache = setup
    first = cite(root, cache)
    assert first.returncode == 0, first.stderr[-2000:]
    assert loaded_tomllib(first)
    [kept] = kept_files(cache)
    assert json.loads(kept.read_text(encoding="utf-8"))["text"] == TOML
    second = cite(root, cache)
    assert second.returncode == 0
    assert not loaded_tomllib(second)
    assert second.stdout == first.stdout
    assert "@article{first-smith-2020-exercise-study," in second.stdout
    assert "https://first.example.org/evidence/smith-2020-exercise-study" in second.stdout


def test_an_edit_is_seen_even_when_size_and_times_are_kept(setup):
    """A change the file's stat cannot show (same size, mtime put back) is still seen: the
    kept table is used only for the very same text."""
    root, cache = setup
    assert cite(root, cache).returncode == 0
    settings = root / "atlas.toml"
    before = settings.stat()
    edited = TOML.replace("first", "other")  # same length
    assert len(edited) == len(TOML)
    settings.write_text(edited, encoding="utf-8")
    os.utime(settings, ns=(before.st_atime_ns, before.st_mtime_ns))
    result = cite(root, cache)
    assert result.returncode == 0
    assert loaded_tomllib(result)
    assert "@article{other-smith-2020-exercise-study," in result.stdout
    assert "https://other.example.org/" in result.stdout
    [kept] = kept_files(cache)
    assert json.loads(kept.read_text(encoding="utf-8"))["text"] == edited


def test_broken_toml_is_reported_after_a_good_version_was_kept(setup):
    root, cache = setup
    assert cite(root, cache).returncode == 0
    (root / "atlas.toml").write_text(TOML + "name = \n", encoding="utf-8")
    result = cite(root, cache)
    assert result.returncode == 2
    assert "not valid TOML" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"\x00\xff not json",
        b'["a list"]',
        b'{"format": "atlas settings 0", "path": "", "text": "", "table": {}}',
        "wrong path",
        "wrong table type",
    ],
)
def test_a_damaged_kept_file_is_a_miss_and_is_written_again(setup, damage):
    root, cache = setup
    good = cite(root, cache)
    [kept] = kept_files(cache)
    if damage == "wrong path":  # another settings file's entry under this name (a hash collision)
        entry = json.loads(kept.read_text(encoding="utf-8"))
        damage = json.dumps({**entry, "path": "/elsewhere/atlas.toml", "table": {"atlas": {"name": "Stale"}}}).encode()
    elif damage == "wrong table type":
        entry = json.loads(kept.read_text(encoding="utf-8"))
        damage = json.dumps({**entry, "table": ["not", "a", "table"]}).encode()
    kept.write_bytes(damage)
    result = cite(root, cache)
    assert result.returncode == 0, result.stderr[-2000:]
    assert loaded_tomllib(result)
    assert result.stdout == good.stdout
    assert json.loads(kept.read_text(encoding="utf-8"))["text"] == TOML


def test_a_cache_folder_that_cannot_be_written_changes_nothing(setup):
    root, cache = setup
    cache.write_text("a file where the cache folder should be", encoding="utf-8")
    results = [cite(root, cache) for _ in range(2)]
    for result in results:
        assert result.returncode == 0, result.stderr[-2000:]
        assert loaded_tomllib(result)
        assert "atlas:" not in result.stderr
    assert results[0].stdout == results[1].stdout


def test_a_table_json_cannot_hold_exactly_is_not_kept(tmp_path: Path):
    """A TOML date (in the rest of a pyproject.toml) has no JSON form: that file is parsed each time."""
    root = tmp_path / "atlas"
    new_atlas(root, {SLUG: record()})
    (root / "atlas.toml").unlink()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.other]\nreleased = 1979-05-27\n[tool.atlas]\nname = "Project Atlas"\n',
        encoding="utf-8",
    )
    cache = tmp_path / "cache"
    for _ in range(2):
        result = cite(root, cache)
        assert result.returncode == 0, result.stderr[-2000:]
        assert loaded_tomllib(result)
    assert kept_files(cache) == []


def test_each_settings_file_on_the_way_up_is_kept_for_its_own_path(tmp_path: Path):
    """Run from a project folder inside the atlas (its pyproject.toml has no [tool.atlas]):
    that file and the atlas's settings are both kept, each under its own path."""
    root = new_atlas(tmp_path / "atlas", {SLUG: record()}, config=TOML)
    tools = root / "tools"
    tools.mkdir()
    (tools / "pyproject.toml").write_text('[project]\nname = "tools"\n', encoding="utf-8")
    cache = tmp_path / "cache"
    first = cite(tools, cache)
    assert first.returncode == 0, first.stderr[-2000:]
    paths = {json.loads(p.read_text(encoding="utf-8"))["path"] for p in kept_files(cache)}
    assert paths == {str(root.resolve() / "atlas.toml"), str(tools.resolve() / "pyproject.toml")}
    second = cite(tools, cache)
    assert second.returncode == 0 and not loaded_tomllib(second)
    assert second.stdout == first.stdout


@pytest.mark.skipif(sys.platform != "linux", reason="atlas follows the XDG rule itself on Linux only")
@pytest.mark.parametrize("xdg", [None, "", "   ", "/tmp/xdg-cache", "relative/cache"])
def test_the_user_cache_folder_is_the_one_platformdirs_names(xdg, monkeypatch):
    from platformdirs import user_cache_dir as platform_cache_dir

    from atlas_cli.core.cachedir import user_cache_dir

    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert user_cache_dir() == Path(platform_cache_dir("atlas", appauthor=False))
