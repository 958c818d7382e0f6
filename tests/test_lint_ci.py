"""`atlas lint` for CI: SARIF for code scanning, GitHub annotations and the job summary,
paths relative to the repository root, and the placeholders `atlas init` leaves."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest
from helpers import good, new_atlas, run_atlas, with_pem, write_record

from atlas_cli.lint.problem import Problem
from atlas_cli.lint.report import SUMMARY_ROWS, format_github_summary, format_sarif
from atlas_cli.lint.rules import all_rules

SARIF_SCHEMA = Path(__file__).parent / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"


def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def assert_valid_sarif(log: dict) -> None:
    errors = sorted(sarif_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def git_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


@pytest.fixture
def repo(tmp_path):
    """A git repository holding an atlas in `atlas/`, with a few problems of each kind."""
    root = git_repo(tmp_path / "repo")
    atlas = new_atlas(root / "atlas")
    write_record(atlas, with_pem(badge="not-required"))  # error, fixable
    draft = good(slug="mella-2020-x", title="Another", doi="10.1234/x", pmid="1", status="draft", summary="TODO")
    write_record(atlas, draft)  # a warning
    write_record(atlas, good(year="2017a", doi="10.1234/y", pmid="2"), "odd name, ü.yaml")  # 2 errors; a name to encode
    return root


# --- SARIF ---------------------------------------------------------------------------------


def test_sarif_is_valid_against_the_official_schema_and_lists_every_rule(repo):
    done = run_atlas("lint", "--format", "sarif", cwd=repo / "atlas")
    assert done.returncode == 1, done.stderr
    log = json.loads(done.stdout)
    assert_valid_sarif(log)
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    registry = all_rules()
    assert [r["id"] for r in rules] == list(registry)
    for rule in rules:
        summary = registry[rule["id"]].summary
        assert rule["shortDescription"]["text"] == summary
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert ("fixable" in rule["properties"]["tags"]) == registry[rule["id"]].fixable
    pem_badge = next(r for r in rules if r["id"] == "pem-badge")
    assert "The badge is the one the criteria" in pem_badge["help"]["text"]
    assert "atlas lint --fix mends it" in pem_badge["help"]["text"]


def test_sarif_results_match_the_text_report_with_paths_from_the_repository_root(repo):
    atlas = repo / "atlas"
    text = run_atlas("lint", "--format", "json", cwd=atlas)
    expected = sorted(
        (f"atlas/{p['path']}", p["line"], p["column"], p["rule"], p["severity"]) for p in json.loads(text.stdout)
    )
    log = json.loads(run_atlas("lint", "--format", "sarif", cwd=atlas / "records").stdout)
    [run] = log["runs"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    got = []
    for result in run["results"]:
        [location] = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        region = location["physicalLocation"]["region"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["partialFingerprints"]["atlasProblem/v1"]
        level = {"error": "error", "warning": "warning"}[result["level"]]
        got.append((artifact["uri"], region["startLine"], region["startColumn"], result["ruleId"], level))
    decoded = sorted((unquote(uri), *rest) for uri, *rest in got)
    assert decoded == expected
    assert "atlas/records/odd%20name%2C%20%C3%BC.yaml" in {g[0] for g in got}  # a URI, percent-encoded
    fingerprints = [r["partialFingerprints"]["atlasProblem/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_sarif_of_a_clean_atlas_has_no_results_and_is_valid(tmp_path):
    atlas = new_atlas(tmp_path / "atlas")
    write_record(atlas, good())
    done = run_atlas("lint", "--format", "sarif", cwd=atlas)
    assert done.returncode == 0
    log = json.loads(done.stdout)
    assert_valid_sarif(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["properties"]["summary"] == "1 record checked: no problems"


def test_sarif_fingerprints_do_not_move_with_lines():
    a = Problem("records/a.yaml", 3, 1, "error", "schema", "`year` must be an integer")
    b = Problem("records/a.yaml", 9, 1, "error", "schema", "`year` must be an integer")
    first = json.loads(format_sarif([a], 1))["runs"][0]["results"][0]["partialFingerprints"]
    moved = json.loads(format_sarif([b], 1))["runs"][0]["results"][0]["partialFingerprints"]
    assert first == moved


def test_sarif_names_a_file_outside_the_repository_by_its_absolute_uri():
    problem = Problem("/elsewhere/x y.yaml", 1, 1, "error", "yaml-syntax", "broken")
    log = json.loads(format_sarif([problem], 1, root_uri="file:///repo"))
    assert_valid_sarif(log)
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "file:///elsewhere/x%20y.yaml"}


# --- GitHub ----------------------------------------------------------------------------------


def test_github_paths_are_relative_to_the_workspace_wherever_atlas_runs(repo, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    env = {"GITHUB_WORKSPACE": str(repo), "GITHUB_STEP_SUMMARY": str(summary)}
    done = run_atlas("--root", str(repo / "atlas"), "lint", "--format", "github", cwd=tmp_path, env=env)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    groups = [line for line in lines if line.startswith("::group::")]
    assert groups == [
        "::group::atlas/records/fluge-2019-b-lymphocyte.yaml (1 problem)",
        "::group::atlas/records/mella-2020-x.yaml (1 problem)",
        "::group::atlas/records/odd name, ü.yaml (2 problems)",
    ]
    assert lines.count("::endgroup::") == 3
    annotations = [line for line in lines if line.startswith(("::error", "::warning"))]
    assert len(annotations) == 4
    assert all(line.split("file=")[1].startswith("atlas/records/") for line in annotations)
    assert "::warning file=atlas/records/mella-2020-x.yaml," in done.stdout
    assert lines[-1] == "3 records checked: 3 errors, 1 warning in 3 files"
    written = summary.read_text(encoding="utf-8")
    assert written.startswith("earlier step\n### atlas lint\n")  # appended, never replaced
    assert "❌ **3 records checked: 3 errors, 1 warning in 3 files**" in written
    assert "| error | `atlas/records/fluge-2019-b-lymphocyte.yaml` |" in written
    assert "`pem-badge`" in written and "hint: set `badge: required`" in written


def test_github_paths_without_a_workspace_are_relative_to_the_git_top_level(repo):
    done = run_atlas("lint", "--format", "github", cwd=repo / "atlas" / "records")
    assert "::error file=atlas/records/fluge-2019-b-lymphocyte.yaml,line=" in done.stdout
    text = run_atlas("lint", cwd=repo / "atlas")  # the text report stays relative to the working folder
    assert text.stdout.startswith("records/fluge-2019-b-lymphocyte.yaml:")


def test_github_summary_is_not_written_without_a_summary_file_or_for_other_formats(repo, tmp_path):
    summary = tmp_path / "summary.md"
    run_atlas("lint", "--format", "sarif", cwd=repo / "atlas", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert not summary.exists()
    unwritable = tmp_path / "no-such-folder" / "summary.md"
    done = run_atlas("lint", "--format", "github", cwd=repo / "atlas", env={"GITHUB_STEP_SUMMARY": str(unwritable)})
    assert done.returncode == 1 and "cannot write the job summary" in done.stderr and "Traceback" not in done.stderr


def test_github_summary_escapes_record_text_and_keeps_to_its_size():
    hostile = Problem("records/a|b.yaml", 2, 3, "error", "schema", "<script>x</script> | `a`\nnext", "use | this")
    summary = format_github_summary([hostile], 1)
    row = next(line for line in summary.splitlines() if line.startswith("| error"))
    assert "&lt;script&gt;" in row and "<script>" not in row
    assert len(re.findall(r"(?<!\\)\|", row)) == 6  # five cells, whatever the text held
    assert "`records/a\\|b.yaml`" in row and "<br>next" in row
    many = [Problem(f"records/{i}.yaml", 1, 1, "warning", "key-order", "order") for i in range(SUMMARY_ROWS + 5)]
    lines = format_github_summary(many, len(many)).splitlines()
    assert sum(1 for line in lines if line.startswith("| warning")) == SUMMARY_ROWS
    assert "… and 5 more" in lines[-2]
    assert "✅ **0 records checked: no problems**" in format_github_summary([], 0)


# --- settings left as placeholders ----------------------------------------------------------


def test_placeholders_in_atlas_toml_are_errors_at_their_line(tmp_path):
    config = '[atlas]\nname = "TODO: name"\nsite_url = "https://TODO.invalid"\nbibtex_prefix = "demo"\n'
    atlas = new_atlas(tmp_path / "atlas")
    (atlas / "atlas.toml").write_text(config, encoding="utf-8")
    write_record(atlas, good())
    done = run_atlas("lint", cwd=atlas)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("atlas.toml:2:8: error config-placeholder `name` is still the placeholder")
    assert lines[1] == '    hint: edit atlas.toml: under [atlas], set name = "Long COVID Atlas"'
    assert lines[2].startswith("atlas.toml:3:12: error config-placeholder `site_url`")
    assert "bibtex_prefix" not in done.stdout
    (atlas / "atlas.toml").write_text(config.replace("TODO: name", "Demo").replace("TODO", "demo"), encoding="utf-8")
    assert run_atlas("lint", cwd=atlas).returncode == 0


def test_placeholders_are_found_in_the_right_table_of_pyproject(tmp_path):
    atlas = new_atlas(tmp_path / "atlas")
    (atlas / "atlas.toml").unlink()
    (atlas / "pyproject.toml").write_text(
        '[project]\nname = "TODO-not-this-one"\n\n[tool.atlas]\nbibtex_prefix = "TODO"\nname = "TODO"\n',
        encoding="utf-8",
    )
    done = run_atlas("lint", "--format", "json", cwd=atlas)
    found = {(p["rule"], p["line"], p["message"].split("`")[1]) for p in json.loads(done.stdout)}
    assert found == {("config-placeholder", 5, "bibtex_prefix"), ("config-placeholder", 6, "name")}
