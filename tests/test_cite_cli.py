"""`atlas cite` end to end through the real entry point."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from helpers import FIXTURE_ATLAS, copy_fixture_atlas, run_atlas


def test_unknown_slug_names_the_closest_and_exits_1():
    result = run_atlas("cite", "mensah-2017-chronic", root=FIXTURE_ATLAS)
    assert result.returncode == 1
    assert "no record 'mensah-2017-chronic'" in result.stderr
    assert "mensah-2017-chronic-fatigue" in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "slug", ["../x", "/etc/passwd", "a/b", "..", "Mensah-2017", "x.yaml", "records/mensah-2017-chronic-fatigue"]
)
def test_a_path_is_never_a_slug(slug):
    result = run_atlas("cite", slug, root=FIXTURE_ATLAS)
    assert result.returncode == 2
    assert "is not a slug" in result.stderr
    assert result.stdout == ""


def test_several_slugs_one_missing_prints_the_others_and_exits_1():
    result = run_atlas(
        "cite",
        "-f",
        "primary",
        "walker-2019-exercise-capacity",
        "nope-2020-x",
        "mensah-2017-chronic-fatigue",
        root=FIXTURE_ATLAS,
    )
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if line]
    assert lines[0].startswith("Walker, Anna (2019).")
    assert lines[1].startswith("Mensah, Fane Kojo Fosu,")
    assert "no record 'nope-2020-x'" in result.stderr


def test_several_slugs_default_blocks_separated_by_a_blank_line():
    result = run_atlas("cite", "walker-2019-exercise-capacity", "mensah-2017-chronic-fatigue", root=FIXTURE_ATLAS)
    assert result.returncode == 0
    assert result.stdout.count("Primary citation\n") == 2
    assert "}\nAtlas snapshot reference\n" in result.stdout
    assert "walker-2019-exercise-capacity\n\nPrimary citation\n" in result.stdout


def test_csl_json_of_several_slugs_is_one_array():
    result = run_atlas(
        "cite", "-f", "csl-json", "walker-2019-exercise-capacity", "mensah-2017-chronic-fatigue", root=FIXTURE_ATLAS
    )
    assert result.returncode == 0
    assert [item["id"] for item in json.loads(result.stdout)] == [
        "mecfsatlas-walker-2019-exercise-capacity",
        "mecfsatlas-mensah-2017-chronic-fatigue",
    ]


def test_unknown_format_exits_2_listing_formats():
    result = run_atlas("cite", "-f", "mla", "mensah-2017-chronic-fatigue", root=FIXTURE_ATLAS)
    assert result.returncode == 2
    assert "unknown citation format 'mla'" in result.stderr
    assert "vancouver" in result.stderr


def test_broken_record_is_a_clear_error_not_a_traceback(tmp_path):
    root = copy_fixture_atlas(tmp_path)
    (root / "records" / "broken-2020-file.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    result = run_atlas("cite", "broken-2020-file", root=root)
    assert result.returncode == 2
    assert "broken-2020-file.yaml" in result.stderr and "atlas lint" in result.stderr
    assert "Traceback" not in result.stderr


def test_settings_prefix_and_site_url_are_used(tmp_path):
    root = copy_fixture_atlas(tmp_path)
    (root / "atlas.toml").write_text(
        '[atlas]\nsite_url = "https://cfsmeatlas.com"\nbibtex_prefix = "atlas"\n', encoding="utf-8"
    )
    result = run_atlas("cite", "-f", "bibtex", "mensah-2017-chronic-fatigue", root=root)
    assert result.returncode == 0
    assert result.stdout.startswith("@article{atlas-mensah-2017-chronic-fatigue,\n")
    assert "url = {https://cfsmeatlas.com/evidence/mensah-2017-chronic-fatigue}," in result.stdout


def test_works_from_inside_the_atlas_without_root(tmp_path):
    root = copy_fixture_atlas(tmp_path)
    result = run_atlas("cite", "-f", "primary", "mensah-2017-chronic-fatigue", cwd=root / "records")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Mensah, Fane Kojo Fosu")


def _imported_modules(*args: str) -> set[str]:
    """Top-level names of the modules `atlas ARGS` imports (python -X importtime)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "atlas_cli", "--root", str(FIXTURE_ATLAS), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    names = set()
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", line.strip())
        if match:
            names.add(match.group(1).strip())
    return names


HEAVY = (
    "citeproc",
    "lxml",
    "jsonschema",
    "jsonschema_rs",
    "habanero",
    "httpx",
    "httpx2",
    "requests",
    "jinja2",
    "bibtexparser",
    "rich",
    "atlas_cli.services.crossref",
    "atlas_cli.services.pubmed",
    "atlas_cli.lint",
)


def test_cite_imports_nothing_heavy():
    names = _imported_modules("cite", "mensah-2017-chronic-fatigue")
    assert "atlas_cli.cite.bibtex" in names  # the measurement works
    loaded = sorted(n for n in names if n.split(".")[0] in HEAVY or n in HEAVY)
    assert loaded == []


def test_citeproc_is_imported_only_for_a_csl_style():
    assert "citeproc" in _imported_modules("cite", "-f", "apa", "mensah-2017-chronic-fatigue")
    assert "citeproc" not in _imported_modules("cite", "-f", "csl-json", "mensah-2017-chronic-fatigue")
