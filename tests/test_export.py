"""`atlas export` end to end, plus the plain export function."""

from __future__ import annotations

import json

import bibtexparser
import jsonschema
import pytest
from helpers import (
    CSL_SCHEMA,
    FIXTURE_ATLAS,
    copy_fixture_atlas,
    fixture_records,
    fixture_settings,
    new_atlas,
    run_atlas,
)

from atlas_cli.cite.export import export
from atlas_cli.core.errors import UsageError
from atlas_cli.core.select import Selection

RECORDS = fixture_records()
PUBLISHED = sorted(s for s, r in RECORDS.items() if r["status"] == "published")
DRAFTS = sorted(s for s, r in RECORDS.items() if r["status"] == "draft")


def bib_keys(text: str) -> list[str]:
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    return [entry.key for entry in library.entries]


def slugs_of(keys: list[str]) -> list[str]:
    return [k.removeprefix("mecfsatlas-") for k in keys]


def test_default_is_bibtex_of_published_records_sorted():
    result = run_atlas("export", root=FIXTURE_ATLAS)
    assert result.returncode == 0, result.stderr
    assert DRAFTS and slugs_of(bib_keys(result.stdout)) == PUBLISHED


def test_include_drafts():
    result = run_atlas("export", "--include-drafts", root=FIXTURE_ATLAS)
    assert result.returncode == 0
    assert slugs_of(bib_keys(result.stdout)) == sorted(RECORDS)


def test_status_draft_selects_only_drafts():
    result = run_atlas("export", "--status", "draft", root=FIXTURE_ATLAS)
    assert slugs_of(bib_keys(result.stdout)) == DRAFTS


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--badge", "not-required"], ["brown-2018-orthostatic-intolerance"]),
        (["--badge", "unclear"], ["mensah-2017-chronic-fatigue"]),
        (["--badge", "unclear", "--include-drafts"], ["mensah-2017-chronic-fatigue", "patel-2025-long-covid"]),
        (
            ["--topic", "immune-dysfunction"],
            ["fluge-2015-cyclophosphamide-myalgic", "mensah-2017-chronic-fatigue", "nakamura-2021-natural-killer"],
        ),
        (
            ["--topic", "immune-dysfunction", "--badge", "required"],
            ["fluge-2015-cyclophosphamide-myalgic", "nakamura-2021-natural-killer"],
        ),
        (
            ["--topic", "exercise-physiology", "--topic", "immune-dysfunction", "--badge", "unclear"],
            ["mensah-2017-chronic-fatigue"],
        ),
        (["--topic", "long-covid"], []),
    ],
)
def test_filters(args, expected):
    result = run_atlas("export", *args, root=FIXTURE_ATLAS)
    assert result.returncode == 0, result.stderr
    assert slugs_of(bib_keys(result.stdout)) == expected


def test_csl_json_export_validates_and_ris_has_every_record():
    result = run_atlas("export", "--format", "csl-json", root=FIXTURE_ATLAS)
    assert result.returncode == 0
    data = json.loads(result.stdout)
    schema = json.loads(CSL_SCHEMA.read_text(encoding="utf-8"))
    assert not list(jsonschema.Draft7Validator(schema).iter_errors(data))
    assert [item["id"].removeprefix("mecfsatlas-") for item in data] == PUBLISHED
    ris = run_atlas("export", "-f", "ris", root=FIXTURE_ATLAS)
    assert ris.stdout.count("\nER  - ") == len(PUBLISHED)


def test_keys_are_stable_between_runs():
    first = run_atlas("export", root=FIXTURE_ATLAS).stdout
    second = run_atlas("export", root=FIXTURE_ATLAS).stdout
    assert first == second


def test_output_file_written_atomically(tmp_path):
    out = tmp_path / "out" / "atlas.bib"
    out.parent.mkdir()
    result = run_atlas("export", "--output", str(out), root=FIXTURE_ATLAS)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert f"exported {len(PUBLISHED)} records" in result.stderr
    assert slugs_of(bib_keys(out.read_text(encoding="utf-8"))) == PUBLISHED
    assert [p.name for p in out.parent.iterdir()] == ["atlas.bib"]  # no temp files left


def test_output_replaces_an_existing_file(tmp_path):
    out = tmp_path / "atlas.json"
    out.write_text("old", encoding="utf-8")
    result = run_atlas("export", "-f", "csl-json", "-o", str(out), root=FIXTURE_ATLAS)
    assert result.returncode == 0
    assert len(json.loads(out.read_text(encoding="utf-8"))) == len(PUBLISHED)


def test_unwritable_output_exits_4(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = run_atlas("export", "-o", str(blocker / "sub" / "atlas.bib"), root=FIXTURE_ATLAS)
    assert result.returncode == 4
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr


def test_broken_record_is_skipped_with_a_warning_and_exit_1(tmp_path):
    root = copy_fixture_atlas(tmp_path)
    (root / "records" / "aaa-2020-broken.yaml").write_text("title: [unclosed\nauthors: x\n", encoding="utf-8")
    (root / "records" / "bbb-2020-duplicate.yaml").write_text("title: a\ntitle: b\n", encoding="utf-8")
    result = run_atlas("export", root=root)
    assert result.returncode == 1
    assert "aaa-2020-broken.yaml" in result.stderr and "warning" in result.stderr
    assert "bbb-2020-duplicate.yaml" in result.stderr
    assert "Traceback" not in result.stderr
    assert slugs_of(bib_keys(result.stdout)) == PUBLISHED  # the rest is still exported


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (["--format", "apa"], "unknown export format 'apa'", "use one of: bibtex, csl-json, ris"),
        (["--badge", "maybe"], "unknown badge 'maybe'", "use one of: required, not-required"),
        (["--status", "final"], "unknown status 'final'", "use one of: draft, published"),
        (["--topic", "immune-disfunction"], "unknown topic 'immune-disfunction'", "did you mean: immune-dysfunction"),
    ],
)
def test_bad_options_exit_2(args, message, hint):
    """As in `atlas list`: a typo is exit 2 with the closest value, never an empty export that looks right."""
    result = run_atlas("export", *args, root=FIXTURE_ATLAS)
    assert result.returncode == 2
    assert message in result.stderr and hint in result.stderr
    assert result.stdout == ""


def test_empty_atlas_exports_nothing(tmp_path):
    root = new_atlas(tmp_path / "empty", config="[atlas]\n")
    assert run_atlas("export", root=root).stdout == ""
    assert run_atlas("export", "-f", "csl-json", root=root).stdout == "[]\n"


def test_export_function_returns_data(tmp_path):
    settings = fixture_settings()
    result = export(settings.records_dir, "ris", Selection(topics=("exercise-physiology",)), settings)
    assert result.count == 1 and result.skipped == []
    assert "ID  - mecfsatlas-walker-2019-exercise-capacity" in result.text
    with pytest.raises(UsageError):
        export(tmp_path / "missing", "bibtex", Selection(), settings)


def test_key_slug_comes_from_the_file_name(tmp_path):
    root = copy_fixture_atlas(tmp_path)
    path = root / "records" / "walker-2019-exercise-capacity.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("slug: walker-2019-exercise-capacity", "slug: other"), encoding="utf-8"
    )
    result = run_atlas("export", "--topic", "exercise-physiology", root=root)
    assert bib_keys(result.stdout) == ["mecfsatlas-walker-2019-exercise-capacity"]


def test_output_into_a_missing_folder_fails_without_creating_it(tmp_path):
    root = copy_fixture_atlas(tmp_path)
    target = tmp_path / "no-such-folder" / "atlas.bib"
    result = run_atlas("export", "--output", str(target), root=root)
    assert result.returncode == 4 and "cannot write" in result.stderr
    assert not target.parent.exists()
