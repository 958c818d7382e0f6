"""`atlas lint`, `atlas init` and configuration, end to end through the entry point."""

from __future__ import annotations

import json
import re

from helpers import REPO, good, lint, run_atlas, with_pem, write_record

from atlas_cli.core.records import render_record
from atlas_cli.core.registries import load_registries
from atlas_cli.lint.fix import fix_text


def test_clean_atlas_exits_0_with_summary(atlas):
    write_record(atlas, good())
    result = run_atlas("lint", cwd=atlas)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "1 record checked: no problems"


def test_text_format_is_path_line_column_severity_rule_message(atlas):
    write_record(atlas, with_pem(badge="not-required"))
    result = run_atlas("lint", cwd=atlas)
    assert result.returncode == 1
    first, hint = result.stdout.splitlines()[:2]
    assert re.fullmatch(r"records/fluge-2019-b-lymphocyte\.yaml:\d+:\d+: error pem-badge badge .*", first)
    assert hint.startswith("    hint: set `badge: required`")
    assert "\x1b[" not in result.stdout  # no colour when piped
    assert result.stdout.rstrip().endswith("1 record checked: 1 error, 0 warnings in 1 file")


def test_json_format(atlas):
    write_record(atlas, good(year="2017a"))
    result = run_atlas("lint", "--format", "json", cwd=atlas)
    assert result.returncode == 1
    [problem] = json.loads(result.stdout)
    assert problem["rule"] == "schema" and problem["severity"] == "error"
    assert set(problem) == {"path", "line", "column", "severity", "rule", "message", "hint"}


def test_github_format_escapes_properties(atlas):
    write_record(atlas, good(year="2017a"), "fluge,2019.yaml")
    result = run_atlas("lint", "--format", "github", cwd=atlas)
    lines = result.stdout.splitlines()
    assert lines[0] == "::group::records/fluge,2019.yaml (2 problems)" and lines[-2] == "::endgroup::"
    assert all(line.startswith("::error file=records/fluge%2C2019.yaml,line=") for line in lines[1:-2])
    assert any("title=atlas schema::`year` must be an integer" in line for line in lines)


def test_warnings_fail_only_with_strict(atlas):
    write_record(atlas, good(status="draft", summary="TODO"))
    assert run_atlas("lint", cwd=atlas).returncode == 0
    assert run_atlas("lint", "--strict", cwd=atlas).returncode == 1


def test_missing_path_is_a_usage_error(atlas):
    result = run_atlas("lint", "records/nope.yaml", cwd=atlas)
    assert result.returncode == 2 and "cannot read records/nope.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_format_is_a_usage_error(atlas):
    result = run_atlas("lint", "--format", "xml", cwd=atlas)
    assert result.returncode == 2 and "unknown format 'xml'" in result.stderr


def test_no_atlas_found_is_a_configuration_error(tmp_path):
    result = run_atlas("lint", cwd=tmp_path)
    assert result.returncode == 2 and "no atlas found" in result.stderr and "atlas init" in result.stderr


def test_broken_configuration_is_a_configuration_error(atlas):
    (atlas / "atlas.toml").write_text("[atlas]\nsite_ulr = 'x'\n", encoding="utf-8")
    result = run_atlas("lint", cwd=atlas)
    assert result.returncode == 2 and "unknown atlas setting(s): site_ulr" in result.stderr


def test_root_option_and_environment(atlas, tmp_path):
    write_record(atlas, good(year="2017a"))
    assert run_atlas("--root", str(atlas), "lint", cwd=tmp_path).returncode == 1
    assert run_atlas("lint", cwd=tmp_path, env={"ATLAS_ROOT": str(atlas)}).returncode == 1


def test_found_by_walking_up(atlas):
    write_record(atlas, good())
    assert run_atlas("lint", cwd=atlas / "records").returncode == 0


def test_parallel_run_reports_the_same_problems(atlas):
    for i in range(450):
        data = good(slug=f"study-{i:03d}-x", doi=f"10.1234/{i}", pmid=str(1000 + i), title=f"Study {i}")
        if i % 100 == 7:
            data["year"] = "unknown"
        write_record(atlas, data)
    from atlas_cli.core.config import load_settings
    from atlas_cli.lint import lint_paths

    serial = lint_paths(load_settings(atlas), jobs=1).problems
    parallel = lint_paths(load_settings(atlas), jobs=2).problems
    assert parallel == serial and len(serial) == 5


# --- --fix ----------------------------------------------------------------------------------


def test_fix_derives_badge_canonicalises_criteria_and_orders_keys(atlas):
    text = render_record(with_pem(criteria=["CDC 1994", "Canadian"], combine="all", badge="unclear"))
    text = "# curator comment kept\n" + text.replace("slug:", "summary: moved\nslug:", 1).replace(
        "\nsummary: A placebo-controlled trial of rituximab found no benefit on fatigue.", "", 1
    )
    path = write_record(atlas, text, "fluge-2019-b-lymphocyte.yaml")
    result = run_atlas("lint", "--fix", cwd=atlas)
    assert result.returncode == 0, result.stdout + result.stderr
    fixed = path.read_text(encoding="utf-8")
    assert "# curator comment kept" in fixed
    assert "- fukuda-1994\n" in fixed and "- ccc-2003\n" in fixed and "badge: required" in fixed
    keys = [line.split(":")[0] for line in fixed.splitlines() if re.match(r"^[a-z_]+:", line)]
    assert keys.index("slug") < keys.index("title") < keys.index("summary")
    assert "fixed records/fluge-2019-b-lymphocyte.yaml" in result.stderr


def test_fix_never_drops_a_value():
    registries = load_registries(REPO / "schemas")
    data = with_pem(criteria=["CCC"], badge="not-required")
    data["notes"] = "multi\nline\nnote\n"
    text = render_record(data)
    text = text.replace("notes:", "extra_unknown: kept\nnotes:")  # an unknown key must survive too
    text = "design: rct\n" + text.replace("design: rct\n", "")
    fixed, what = fix_text(text.encode(), registries, "fluge-2019-b-lymphocyte.yaml")
    assert what == ["criteria `CCC` -> `ccc-2003`", "badge `not-required` -> `required`", "key order"]
    from atlas_cli.core.yamlio import parse_text

    before, after = parse_text(text).data, parse_text(fixed).data
    before["pem"].update(criteria=["ccc-2003"], badge="required")
    assert after == before


def test_fix_leaves_unparseable_files_alone(atlas):
    path = write_record(atlas, "slug: [unclosed\n", "x.yaml")
    run_atlas("lint", "--fix", cwd=atlas)
    assert path.read_text(encoding="utf-8") == "slug: [unclosed\n"


def test_fix_removes_bom(atlas):
    path = write_record(atlas, b"\xef\xbb\xbf" + render_record(good()).encode(), "fluge-2019-b-lymphocyte.yaml")
    assert run_atlas("lint", "--fix", cwd=atlas).returncode == 0
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")


# --- init ----------------------------------------------------------------------------------


def test_init_creates_a_lint_clean_atlas(tmp_path):
    target = tmp_path / "new-atlas"
    names = ("--name", "Demo", "--site-url", "https://demo.example.org", "--bibtex-prefix", "demo")
    result = run_atlas("init", str(target), *names, "--mailto", "curator@example.org")
    assert result.returncode == 0, result.stderr
    assert (target / "records").is_dir()
    assert "atlas lint --format github" in (target / ".github" / "workflows" / "atlas-lint.yml").read_text()
    assert "- id: atlas-lint" in (target / ".pre-commit-config.yaml").read_text()
    lint_run = run_atlas("lint", cwd=target)
    assert lint_run.returncode == 0 and "0 records checked: no problems" in lint_run.stdout
    from atlas_cli.core.config import load_settings

    assert load_settings(target).mailto == "curator@example.org"


def test_init_refuses_an_existing_atlas(atlas):
    before = (atlas / "atlas.toml").read_text()
    result = run_atlas("init", str(atlas))
    assert result.returncode == 2 and "already holds an atlas" in result.stderr
    assert (atlas / "atlas.toml").read_text() == before


# --- the repository's own records ------------------------------------------------------------


def test_repository_records_have_no_errors():
    result = lint(REPO)
    assert result.errors == 0, [p for p in result.problems if p.severity == "error"]
    assert result.files >= 10


def test_repository_records_show_both_badges():
    from atlas_cli.core.records import iter_record_paths, read_document

    badges = {read_document(p).data["pem"]["badge"] for p in iter_record_paths(REPO / "records")}
    assert {"required", "not-required", "not-applicable"} <= badges


def test_help_lists_exit_codes():
    result = run_atlas("lint", "--help")
    assert result.returncode == 0 and "Exit codes" in result.stdout


def test_fix_does_not_turn_a_badge_into_unclear(atlas):
    """With no criteria recorded, lint reports the badge; --fix leaves it for the curator."""
    path = write_record(atlas, with_pem(criteria=[], badge="required"))
    before = path.read_text(encoding="utf-8")
    result = run_atlas("lint", "--fix", cwd=atlas)
    assert result.returncode == 1 and "pem-badge" in result.stdout
    assert path.read_text(encoding="utf-8") == before
