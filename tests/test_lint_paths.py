"""Which files `atlas lint` checks, with whose settings, and what the team chose to hear:
folders, the atlas root, records outside the layout, the registries, settings found from
each path, `[lint]` settings, disable comments, `--drafts`, and `--fix --diff`. End to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import REPO, good, new_atlas, run_atlas, with_pem, write_record

from atlas_cli.core.records import render_record


def rules(result) -> list[tuple[str, str]]:
    return [(p["path"], p["rule"]) for p in json.loads(result.stdout)]


def add_lint_settings(atlas: Path, table: str) -> None:
    with (atlas / "atlas.toml").open("a", encoding="utf-8") as fh:
        fh.write("\n[atlas.lint]\n" + table)


# --- paths -------------------------------------------------------------------------------


def test_dot_at_the_root_lints_the_records(atlas):
    write_record(atlas, good(year="2019a"))
    for args in (["lint", "."], ["lint"], ["lint", "records"], ["lint", str(atlas)]):
        result = run_atlas(*args, "--format", "json", cwd=atlas)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert rules(result) == [("records/fluge-2019-b-lymphocyte.yaml", "schema")], args


def test_a_record_in_a_subfolder_is_checked_and_reported(atlas):
    (atlas / "records" / "2015").mkdir()
    write_record(atlas, good(), "2015/fluge-2019-b-lymphocyte.yaml")
    for args in (["lint"], ["lint", "."], ["lint", "records"], ["lint", "records/2015"]):
        result = run_atlas(*args, cwd=atlas)
        assert result.returncode == 1, args
        assert "records/2015/fluge-2019-b-lymphocyte.yaml:1:1: error record-location in a subfolder" in result.stdout
        assert "hint: move it to records/fluge-2019-b-lymphocyte.yaml" in result.stdout
    # and its content is checked like any record's
    write_record(atlas, good(year="x"), "2015/fluge-2019-b-lymphocyte.yaml")
    assert "schema" in run_atlas("lint", cwd=atlas).stdout


def test_a_file_outside_the_records_folder_is_reported(atlas, tmp_path):
    stray = tmp_path / "elsewhere" / "fluge-2019-b-lymphocyte.yaml"
    stray.parent.mkdir()
    stray.write_text(render_record(good()), encoding="utf-8")
    result = run_atlas("lint", str(stray), "--format", "json", cwd=atlas)
    assert result.returncode == 1 and rules(result) == [(str(stray), "record-location")]


def test_files_and_folders_that_are_not_records_are_left_alone(atlas):
    (atlas / ".github" / "workflows").mkdir(parents=True)
    (atlas / ".github" / "workflows" / "ci.yaml").write_text("on: push\n", encoding="utf-8")
    (atlas / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    (atlas / "records" / ".hidden").mkdir()
    (atlas / "records" / ".hidden" / "x.yaml").write_text("a: [\n", encoding="utf-8")
    write_record(atlas, good())
    result = run_atlas("lint", ".", cwd=atlas)
    assert result.returncode == 0 and result.stdout == "1 record checked: no problems\n"


def test_the_registries_are_checked_with_the_whole_atlas(atlas):
    shutil.copytree(REPO / "schemas", atlas / "schemas")
    write_record(atlas, good())
    assert run_atlas("lint", cwd=atlas).returncode == 0
    topics = atlas / "schemas" / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8").replace("- id: b-cells\n", "- id: B cells\n", 1))
    for args in (["lint"], ["lint", "."], ["lint", "schemas"], ["lint", "schemas/topics.yaml"]):
        result = run_atlas(*args, "--format", "json", cwd=atlas)
        assert result.returncode == 1, args
        [found] = json.loads(result.stdout)
        assert (found["path"], found["rule"]) == ("schemas/topics.yaml", "registry")
        assert found["line"] > 1 and "lower-case words joined by hyphens" in found["message"]


def test_a_registry_that_is_not_yaml_is_a_problem_with_its_line(atlas):
    shutil.copytree(REPO / "schemas", atlas / "schemas")
    write_record(atlas, good())
    (atlas / "schemas" / "designs.yaml").write_text("designs:\n- id: rct\n  id: rct\n", encoding="utf-8")
    result = run_atlas("lint", "--format", "json", cwd=atlas)
    assert result.returncode == 1
    found = json.loads(result.stdout)
    assert [(p["path"], p["rule"], p["line"]) for p in found] == [("schemas/designs.yaml", "yaml-duplicate-key", 3)]


def test_the_cue_file_is_checked_too(atlas):
    shutil.copytree(REPO / "schemas", atlas / "schemas")
    write_record(atlas, good())
    cues = atlas / "schemas" / "criteria-cues.yaml"
    cues.write_text(cues.read_text(encoding="utf-8") + "\nunknown_cues: [x]\n", encoding="utf-8")
    result = run_atlas("lint", "--format", "json", cwd=atlas)
    assert result.returncode == 1
    assert [(p["path"], p["rule"]) for p in json.loads(result.stdout)] == [("schemas/criteria-cues.yaml", "registry")]


def test_linting_one_record_does_not_check_the_registries(atlas):
    shutil.copytree(REPO / "schemas", atlas / "schemas")
    cues = atlas / "schemas" / "criteria-cues.yaml"
    cues.write_text(cues.read_text(encoding="utf-8") + "\nunknown_cues: [x]\n", encoding="utf-8")
    path = write_record(atlas, good())
    assert run_atlas("lint", str(path), cwd=atlas).returncode == 0


# --- whose settings ----------------------------------------------------------------------


def test_a_path_in_another_atlas_uses_that_atlas(atlas, tmp_path):
    """Run from outside any atlas, and from inside another one."""
    path = write_record(atlas, good(doi="10.1234/same"))
    write_record(atlas, good(slug="other-2019-b-lymphocyte", doi="10.1234/same", pmid="1"))
    add_lint_settings(atlas, 'ignore = ["duplicate-title"]\n')
    other = new_atlas(tmp_path / "other")
    for cwd in (tmp_path, other, other / "records"):
        result = run_atlas("lint", str(path), "--format", "json", cwd=cwd)
        assert result.returncode == 1, (cwd, result.stderr)
        # compared with its own atlas's records, with its own settings (the duplicate title is ignored)
        assert [((cwd / p).resolve(), rule) for p, rule in rules(result)] == [(path, "duplicate-doi")], cwd


def test_paths_of_two_atlases_in_one_run(atlas, tmp_path):
    other = new_atlas(tmp_path / "other")
    first = write_record(atlas, good(year="x"))
    second = write_record(other, good())
    result = run_atlas("lint", str(first), str(second), "--format", "json", cwd=tmp_path)
    assert result.returncode == 1 and rules(result) == [("atlas/records/fluge-2019-b-lymphocyte.yaml", "schema")]
    summary = run_atlas("lint", str(first), str(second), cwd=tmp_path).stdout
    assert summary.rstrip().endswith("2 records checked: 1 error, 0 warnings in 1 file")


def test_a_path_in_no_atlas_at_all(tmp_path):
    stray = tmp_path / "x.yaml"
    stray.write_text(render_record(good()), encoding="utf-8")
    result = run_atlas("lint", str(stray), cwd=tmp_path)
    assert result.returncode == 2 and "is not in an atlas" in result.stderr and "--root" in result.stderr


@pytest.mark.parametrize("inside", ["records", "records/sub"])
def test_root_inside_an_atlas_names_that_atlas(atlas, tmp_path, inside):
    (atlas / "records" / "sub").mkdir()
    write_record(atlas, good())
    result = run_atlas("--root", str(atlas / inside), "list", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [row["slug"] for row in json.loads(result.stdout)] == ["fluge-2019-b-lymphocyte"]
    env = {"ATLAS_ROOT": str(atlas / inside)}
    assert run_atlas("cite", "fluge-2019-b-lymphocyte", cwd=tmp_path, env=env).returncode == 0


def test_root_in_no_atlas_fails_clearly(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "a.yaml").write_text(render_record(good()), encoding="utf-8")
    for args in (["list"], ["cite", "a"], ["lint"], ["build"], ["stats"]):
        result = run_atlas("--root", str(folder), *args, cwd=tmp_path)
        assert result.returncode == 2, args
        assert f"--root {folder} is not in an atlas" in result.stderr, args
        assert "looks like a records folder" in result.stderr
    result = run_atlas("list", cwd=tmp_path, env={"ATLAS_ROOT": str(folder)})
    assert result.returncode == 2 and "ATLAS_ROOT" in result.stderr


@pytest.mark.parametrize("given", ["atlas.toml", "missing"])
def test_root_that_is_no_folder_is_refused_alike_by_every_command(atlas, tmp_path, given):
    """A file or a missing folder as --root (or ATLAS_ROOT): one message, exit 2, whichever command."""
    path = atlas / given
    for args in (["list"], ["cite", "a"], ["lint"], ["build"], ["show", "a"]):
        result = run_atlas("--root", str(path), *args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert f"atlas: error: atlas root {path} is not a folder" in result.stderr, (args, result.stderr)
        assert "hint: pass an existing folder to --root" in result.stderr
        from_env = run_atlas(*args, cwd=tmp_path, env={"ATLAS_ROOT": str(path)})
        assert from_env.returncode == 2 and "hint: pass an existing folder to ATLAS_ROOT" in from_env.stderr


# --- what the team chose to hear ---------------------------------------------------------


def test_ignore_and_warn_for_every_record(atlas):
    write_record(atlas, good(topics=["pem", "long-covid-cohort"]))
    write_record(atlas, good(slug="x-2019-a", doi="10.1234/x", pmid="1", title="Another", design="rct-x"))
    add_lint_settings(atlas, 'ignore = ["design-unknown", "schema"]\nwarn = ["topic-unknown"]\n')
    result = run_atlas("lint", "--format", "json", cwd=atlas)
    assert result.returncode == 0, result.stdout
    found = json.loads(result.stdout)
    assert [(p["rule"], p["severity"]) for p in found] == [("topic-unknown", "warning")]
    assert run_atlas("lint", "--strict", cwd=atlas).returncode == 1


@pytest.mark.parametrize(
    "settings",
    [
        'ignore = ["pem-badge"]\n',
        'warn = ["pem-combine"]\n',
        '[atlas.lint.per_file_ignores]\n"legacy-*.yaml" = ["key-order", "pem-unknown-criterion"]\n',
        '[atlas.lint.per_file_warn]\n"*.yaml" = ["retraction-unrecorded"]\n',
    ],
)
def test_no_setting_silences_or_lowers_a_guarded_rule(atlas, settings):
    write_record(atlas, with_pem(badge="not-required"))  # a badge that contradicts its criteria
    add_lint_settings(atlas, settings)
    for args in (["lint"], ["build"], ["list", "--lint"]):
        result = run_atlas(*args, cwd=atlas)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "cannot be ignored, lowered to a warning or disabled" in result.stderr
        assert "Traceback" not in result.stderr


def test_per_file_settings_by_glob(atlas):
    (atlas / "records" / "legacy").mkdir()
    write_record(atlas, good(), "legacy/fluge-2019-b-lymphocyte.yaml")
    write_record(atlas, good(slug="x-2019-a", doi="10.1234/x", pmid="1", title="Another"), "legacy/x-2019-a.yaml")
    add_lint_settings(
        atlas,
        '[atlas.lint.per_file_ignores]\n"records/legacy/fluge-*.yaml" = ["record-location"]\n'
        '[atlas.lint.per_file_warn]\n"x-*.yaml" = ["record-location"]\n',
    )
    result = run_atlas("lint", "--format", "json", cwd=atlas)
    assert result.returncode == 0
    found = json.loads(result.stdout)
    assert [(p["path"], p["rule"], p["severity"]) for p in found] == [
        ("records/legacy/x-2019-a.yaml", "record-location", "warning")
    ]


def test_pyproject_settings(tmp_path):
    root = tmp_path / "repo"
    (root / "records").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.atlas]\nsite_url = "https://x.org"\n[tool.atlas.lint]\nwarn = ["topic-unknown"]\n',
        encoding="utf-8",
    )
    write_record(root, good(topics=["pem", "long-covid-cohort"]))
    assert run_atlas("lint", cwd=root).returncode == 0
    (root / "pyproject.toml").write_text(
        '[tool.atlas]\nsite_url = "https://x.org"\n[tool.atlas.lint]\nwarn = ["pem-badg"]\n', encoding="utf-8"
    )
    result = run_atlas("lint", cwd=root)
    assert result.returncode == 2
    assert "[tool.atlas.lint]: `warn`: unknown rule 'pem-badg'" in result.stderr
    assert "did you mean: pem-badge" in result.stderr


def test_settings_in_both_atlas_toml_and_pyproject_are_refused_not_half_read(atlas, tmp_path):
    """[tool.atlas.lint] beside an atlas.toml would be silently ignored: a configuration error instead."""
    write_record(atlas, with_pem(badge="not-required"))
    (atlas / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert run_atlas("lint", cwd=atlas).returncode == 1  # a pyproject.toml of its own is fine
    (atlas / "pyproject.toml").write_text('[tool.atlas.lint]\nwarn = ["pem-badge"]\n', encoding="utf-8")
    for args in (["lint"], ["list"], ["cite", "fluge-2019-b-lymphocyte"], ["build"]):
        result = run_atlas(*args, cwd=atlas / "records")
        assert result.returncode == 2, (args, result.stderr)
        assert "holds atlas settings twice: in atlas.toml and in pyproject.toml ([tool.atlas])" in result.stderr
        assert "[tool.atlas.lint] becomes [atlas.lint]" in result.stderr
    other = tmp_path / "elsewhere"
    other.mkdir()
    assert run_atlas("lint", str(atlas / "records"), cwd=other).returncode == 2  # found from the path too
    # atlas init does not add an atlas.toml beside a pyproject.toml that already holds the settings
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.atlas]\nname = "A"\n', encoding="utf-8")
    refused = run_atlas("init", str(project), cwd=tmp_path)
    assert refused.returncode == 2 and "already holds an atlas ([tool.atlas] in pyproject.toml)" in refused.stderr
    assert not (project / "atlas.toml").exists()


def test_unknown_rule_in_the_configuration_stops_every_command_that_lints(atlas):
    write_record(atlas, good())
    add_lint_settings(atlas, 'ignore = ["duplicate-titel"]\n')
    for args in (
        ["lint"],
        ["lint", "records/fluge-2019-b-lymphocyte.yaml"],
        ["list", "--lint"],
        ["show", "fluge-2019-b-lymphocyte"],
    ):
        result = run_atlas(*args, cwd=atlas)
        assert result.returncode == 2, args
        assert "unknown rule 'duplicate-titel'" in result.stderr and "duplicate-title" in result.stderr


def test_a_disable_comment_silences_one_rule_on_one_line(atlas):
    text = render_record(good(topics=["pem", "long-covid-cohort"]))
    assert "- long-covid-cohort\n" in text
    disabled = text.replace("- long-covid-cohort\n", "- long-covid-cohort  # atlas: disable=topic-unknown\n")
    path = write_record(atlas, disabled, "fluge-2019-b-lymphocyte.yaml")
    assert run_atlas("lint", cwd=atlas).returncode == 0
    path.write_text(text.replace("- long-covid-cohort\n", "- long-covid-cohort  # atlas: disable=key-order\n"))
    assert "topic-unknown" in run_atlas("lint", cwd=atlas).stdout  # another rule's comment silences nothing else
    path.write_text("# atlas: disable-file=topic-unknown  (added to topics.yaml next week)\n" + text)
    assert run_atlas("lint", cwd=atlas).returncode == 0


def test_a_disable_comment_cannot_silence_the_pem_badge(atlas):
    text = render_record(with_pem(badge="not-required"))
    disabled = text.replace("  badge: not-required\n", "  badge: not-required  # atlas: disable=pem-badge\n")
    write_record(atlas, "# atlas: disable-file=pem-badge\n" + disabled, "fluge-2019-b-lymphocyte.yaml")
    result = run_atlas("lint", "--format", "json", cwd=atlas)
    assert result.returncode == 1
    found = [(p["rule"], p["line"]) for p in json.loads(result.stdout)]
    badge_line = 1 + disabled.split("\n").index("  badge: not-required  # atlas: disable=pem-badge") + 1
    assert sorted(found) == sorted([("lint-comment", 1), ("pem-badge", badge_line), ("lint-comment", badge_line)])


def test_a_disable_comment_naming_an_unknown_rule_is_an_error(atlas):
    text = render_record(with_pem(badge="not-required"))
    disabled = text.replace("  badge: not-required\n", "  badge: not-required  # atlas: disable=pem-bagde\n")
    write_record(atlas, disabled, "fluge-2019-b-lymphocyte.yaml")
    result = run_atlas("lint", "--format", "json", cwd=atlas)
    assert result.returncode == 1
    found = json.loads(result.stdout)
    assert [p["rule"] for p in found] == ["pem-badge", "lint-comment"]
    assert "did you mean: pem-badge" in found[1]["hint"]


def drafty(atlas: Path) -> None:
    write_record(atlas, good(status="draft", summary="TODO", why_it_matters="TODO"))
    write_record(atlas, good(slug="x-2019-a", doi="10.1234/x", pmid="1", title="Another", summary="TODO"))


def test_drafts_quiet_hides_warnings_of_drafts(atlas):
    drafty(atlas)
    loud = run_atlas("lint", "--format", "json", cwd=atlas)
    assert sorted(p["severity"] for p in json.loads(loud.stdout)) == ["error", "warning", "warning"]
    quiet = run_atlas("lint", "--drafts", "quiet", "--format", "json", cwd=atlas)
    assert [p["severity"] for p in json.loads(quiet.stdout)] == ["error"]  # the published record's placeholder
    assert "2 warnings in draft records not shown (--drafts warn shows them)" in quiet.stderr


def test_drafts_setting_and_option(atlas):
    drafty(atlas)
    add_lint_settings(atlas, 'drafts = "quiet"\n')
    assert len(json.loads(run_atlas("lint", "--format", "json", cwd=atlas).stdout)) == 1
    assert len(json.loads(run_atlas("lint", "--drafts=warn", "--format", "json", cwd=atlas).stdout)) == 3
    result = run_atlas("lint", "--drafts", "silent", cwd=atlas)
    assert result.returncode == 2 and "unknown --drafts value 'silent'" in result.stderr


# --- --fix --diff ------------------------------------------------------------------------


def test_fix_diff_prints_the_fixes_and_writes_nothing(atlas):
    flipped = write_record(atlas, with_pem(badge="not-required"))
    draft = with_pem(badge="not-required", criteria=["Fukuda"], combine=None)
    draft.update(slug="x-2019-a", doi="10.1234/x", pmid="1", title="Another", status="draft", summary="Draft text.")
    draft_path = write_record(atlas, draft)
    before = {p: p.read_bytes() for p in (flipped, draft_path)}
    result = run_atlas("lint", "--fix", "--diff", cwd=atlas)
    assert result.returncode == 1, result.stderr
    assert {p: p.read_bytes() for p in before} == before
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "PEM badge changes on published records (what patients read):",
        "  records/fluge-2019-b-lymphocyte.yaml: `not-required` -> `required`",
        "",
    ]
    assert lines[3:5] == ["--- a/records/fluge-2019-b-lymphocyte.yaml", "+++ b/records/fluge-2019-b-lymphocyte.yaml"]
    assert "-  badge: not-required" in lines and "+  badge: required" in lines
    assert "--- a/records/x-2019-a.yaml" in lines and "+  - fukuda-1994" in lines  # the draft: not in the heading


def test_fix_diff_applies_with_git(atlas, tmp_path):
    path = write_record(atlas, with_pem(badge="not-required", criteria=["CCC"]))
    preview = run_atlas("lint", "--diff", cwd=atlas)  # --diff alone previews --fix
    assert preview.returncode == 1
    patch = tmp_path / "fix.patch"
    patch.write_text(preview.stdout, encoding="utf-8")
    copy = tmp_path / "copy"
    shutil.copytree(atlas, copy)
    run_atlas("lint", "--fix", cwd=atlas)
    import subprocess

    applied = subprocess.run(["git", "apply", str(patch)], cwd=copy, capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr
    assert (copy / "records" / path.name).read_bytes() == path.read_bytes()


def test_fix_diff_in_another_format_is_refused(atlas):
    path = write_record(atlas, with_pem(badge="not-required"))
    before = path.read_bytes()
    for fmt in ("json", "github", "sarif"):
        result = run_atlas("lint", "--fix", "--diff", "--format", fmt, cwd=atlas)
        assert result.returncode == 2, result.stderr
        assert f"--diff prints a unified diff, not --format {fmt}" in result.stderr and result.stdout == ""
    assert path.read_bytes() == before


def test_fix_diff_with_nothing_to_fix(atlas):
    write_record(atlas, good())
    result = run_atlas("lint", "--fix", "--diff", cwd=atlas)
    assert result.returncode == 0 and result.stdout == "no fixes to make\n"


def test_fix_names_a_published_badge_change_first(atlas):
    write_record(atlas, with_pem(badge="not-required"))
    key_order = render_record(good(slug="a-2019-a", doi="10.1234/x", pmid="1", title="Another"))
    write_record(atlas, "design: rct\n" + key_order.replace("design: rct\n", ""), "a-2019-a.yaml")
    result = run_atlas("lint", "--fix", cwd=atlas)
    fixed = [line for line in result.stderr.splitlines() if line.startswith("fixed ")]
    assert fixed[0].startswith("fixed records/fluge-2019-b-lymphocyte.yaml: badge `not-required` -> `required`")
    assert fixed[0].endswith("(a published record: patients read this badge)")
    assert fixed[1] == "fixed records/a-2019-a.yaml: key order"


def test_fix_leaves_what_the_team_ignores(atlas):
    key_order = render_record(good())
    path = write_record(atlas, "design: rct\n" + key_order.replace("design: rct\n", ""), "fluge-2019-b-lymphocyte.yaml")
    add_lint_settings(atlas, 'ignore = ["key-order"]\n')
    before = path.read_bytes()
    result = run_atlas("lint", "--fix", cwd=atlas)
    assert result.returncode == 0 and path.read_bytes() == before


def test_registries_atlas_does_not_read_are_reported(atlas):
    """A schemas/ folder without record.schema.json is not used: editing it would change nothing."""
    (atlas / "schemas").mkdir()
    shutil.copy(REPO / "schemas" / "topics.yaml", atlas / "schemas" / "topics.yaml")
    write_record(atlas, good())
    result = run_atlas("lint", "--format", "json", cwd=atlas)
    assert result.returncode == 1
    [found] = json.loads(result.stdout)
    assert (found["path"], found["rule"]) == ("schemas/topics.yaml", "registry")
    assert found["message"].startswith("not used") and "record.schema.json" in found["hint"]


def test_the_settings_file_named_is_the_settings_not_a_record(atlas, tmp_path):
    """`atlas lint atlas.toml` (a pre-commit `files:` pattern may pass it) checks the settings, as every run does."""
    assert run_atlas("lint", "atlas.toml", cwd=atlas).stdout.strip() == "0 records checked: no problems"
    (atlas / "atlas.toml").write_text('[atlas]\nsite_url = "https://TODO.invalid"\n', encoding="utf-8")
    for cwd, path in ((atlas, "atlas.toml"), (tmp_path, str(atlas / "atlas.toml"))):
        result = run_atlas("lint", "--format", "json", path, cwd=cwd)
        assert result.returncode == 1
        assert [(p["rule"], p["line"]) for p in json.loads(result.stdout)] == [("config-placeholder", 2)]
