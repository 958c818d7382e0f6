"""Regressions found by reviewing `atlas lint`, `--fix` and `atlas init` against hostile input."""

from __future__ import annotations

import pytest
from helpers import good, lint, write_record


def test_each_missing_key_is_reported_once(atlas):
    write_record(atlas, "slug: bare\n", "bare.yaml")
    missing = [p.message for p in lint(atlas).problems if p.rule == "schema"]
    assert sorted(missing) == sorted(
        f"the record is missing `{key}`"
        for key in ("status", "title", "authors", "year", "pem", "summary", "why_it_matters", "does_not_show")
    )


@pytest.mark.parametrize("text", ["---\n", "---\n...\n", "...\n", "--- # nothing yet\n\n# a comment\n"])
def test_a_file_with_only_document_markers_is_empty(text):
    from atlas_cli.core.yamlio import parse_text

    assert [p.rule for p in parse_text(text).problems] == ["yaml-empty"]


def test_a_tab_inside_text_is_not_called_indentation():
    from atlas_cli.core.yamlio import parse_text

    [problem] = parse_text('slug: a\ntitle: "a\tb"\n').problems
    assert problem.rule == "yaml-tab" and (problem.line, problem.column) == (2, 10)
    assert "indent" not in problem.message and "inside" in problem.message


def test_a_tab_in_indentation_after_a_tab_in_text_is_still_pointed_at():
    from atlas_cli.core.yamlio import parse_text

    problems = parse_text('slug: a\ntitle: "a\tb"\npem:\n\tbadge: required\n').problems
    assert [(p.rule, p.line) for p in problems] == [("yaml-tab", 2), ("yaml-tab", 4)]
    assert "indent" in problems[1].message


def test_same_title_without_a_year_does_not_say_none(atlas):
    write_record(atlas, good(slug="a-one", year=None))
    write_record(atlas, good(slug="a-two", year=None, doi="10.1/other", pmid="1"))
    [problem] = [p for p in lint(atlas).problems if p.rule == "duplicate-title"]
    assert "None" not in problem.message and "no year" in problem.message


def test_one_file_named_twice_is_checked_once(atlas, monkeypatch):
    from helpers import with_pem

    path = write_record(atlas, with_pem(badge="unclear"))
    monkeypatch.chdir(atlas)
    result = lint(atlas, [path.relative_to(atlas), path, atlas / "records", atlas / "records" / ".." / "records"])
    assert result.files == 1 and [p.rule for p in result.problems] == ["pem-badge"]


def test_fix_keeps_the_file_mode(atlas):
    import os
    import stat

    from helpers import with_pem

    from atlas_cli.core.config import load_settings
    from atlas_cli.lint.fix import fix_paths

    path = write_record(atlas, with_pem(badge="unclear"))
    path.chmod(0o664)
    assert fix_paths(load_settings(atlas), None, jobs=1)
    assert "badge: required" in path.read_text(encoding="utf-8")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o664


def test_init_creates_files_readable_as_the_umask_allows(tmp_path):
    import os
    import stat

    from atlas_cli.init.create import create_atlas

    old = os.umask(0o022)
    try:
        create_atlas(tmp_path / "new", site_url="https://www.mecfsatlas.com", mailto=None)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new" / "atlas.toml").st_mode) == 0o644


def test_init_onto_a_file_is_a_usage_error(tmp_path):
    from helpers import run_atlas

    target = tmp_path / "notes.txt"
    target.write_text("mine\n", encoding="utf-8")
    done = run_atlas("init", str(target), cwd=tmp_path)
    assert done.returncode == 2 and "not a folder" in done.stderr and "File exists" not in done.stderr
    assert target.read_text(encoding="utf-8") == "mine\n"


def test_init_with_a_file_in_the_way_creates_nothing(tmp_path):
    from helpers import run_atlas

    target = tmp_path / "atlas"
    target.mkdir()
    (target / "records").write_text("not a folder\n", encoding="utf-8")
    done = run_atlas("init", str(target), cwd=tmp_path)
    assert done.returncode == 2 and "records" in done.stderr
    assert sorted(p.name for p in target.iterdir()) == ["records"]  # no half-made atlas left behind


def test_init_writes_valid_toml_whatever_the_options(tmp_path):
    import tomllib

    from atlas_cli.core.config import load_settings
    from atlas_cli.init.create import create_atlas

    # (a site URL holding quotes or a backslash is refused: it is not a web address)
    name, url, mailto = 'The "ME\\CFS" Atlas', "https://example.org/it's-atlas", 'a"b\\c@example.org\n[x]'
    create_atlas(tmp_path / "new", name=name, site_url=url, mailto=mailto)
    tomllib.loads((tmp_path / "new" / "atlas.toml").read_text(encoding="utf-8"))
    settings = load_settings(tmp_path / "new")
    assert (settings.name, settings.site_url, settings.mailto) == (name, url, mailto)


@pytest.mark.parametrize(
    "text, fixed",
    [
        ("title: T\r\nslug: a", "slug: a\r\ntitle: T\r\n"),
        ("title: T\rslug: a\r", "slug: a\rtitle: T\r"),
        ("title: T\rslug: a", "slug: a\rtitle: T\r"),
    ],
)
def test_fix_keeps_the_line_endings(text, fixed):
    from atlas_cli.core.config import find_schemas_dir
    from atlas_cli.core.registries import load_registries
    from atlas_cli.lint.fix import fix_text

    out, what = fix_text(text.encode(), load_registries(find_schemas_dir()), "a.yaml")
    assert (out, what) == (fixed, ["key order"])


def test_a_pipe_or_a_device_is_refused_without_reading_it(atlas):
    import os
    import threading

    from helpers import run_atlas

    write_record(atlas, good())
    pipe = atlas / "records" / "pipe.yaml"
    os.mkfifo(pipe)  # reading it would wait forever for a writer
    finished, released = threading.Event(), []

    def release_a_waiting_reader() -> None:  # so a lint that waits fails instead of hanging the suite
        if not finished.wait(30):
            try:
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))  # succeeds only if a reader is waiting
                released.append(pipe)
            except OSError:
                pass

    threading.Thread(target=release_a_waiting_reader, daemon=True).start()
    try:
        done = run_atlas("lint", cwd=atlas)
    finally:
        finished.set()
    assert released == [], "atlas lint waited for a writer on the pipe"
    assert done.returncode == 2, done.stdout
    assert "records/pipe.yaml:1:1: error file-unreadable" in done.stdout and "not a regular file" in done.stdout
    done = run_atlas("lint", os.devnull, cwd=atlas)
    assert done.returncode == 2 and "not a regular file" in done.stdout


@pytest.mark.parametrize(
    "name, config",
    [
        ("atlas.toml", "atlas = 5\n"),
        ("atlas.toml", b'[atlas]\nsite_url = "\xff"\n'),
        ("atlas.toml", "[atlas.snapshot]\ngenerator = {a = 1}\n"),
        ("atlas.toml", "[atlas.snapshot]\nscanner = [1, 4]\n"),
        ("pyproject.toml", "tool = 5\n"),  # not an atlas at all: "no atlas found", but no crash
        ("pyproject.toml", "[tool]\natlas = [1]\n"),
    ],
)
def test_config_of_the_wrong_shape_is_a_config_error(tmp_path, name, config):
    from helpers import run_atlas

    (tmp_path / "records").mkdir()
    path = tmp_path / name
    path.write_bytes(config if isinstance(config, bytes) else config.encode())
    done = run_atlas("lint", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "internal error" not in done.stderr
    assert name in done.stderr or ("no atlas found" in done.stderr and config == "tool = 5\n")


def test_an_erratum_badged_as_a_study_is_one_problem_in_plain_english(atlas):
    from helpers import with_pem

    data = with_pem(badge="required") | {"design": "erratum", "flags": ["erratum"]}
    problems = [p for p in lint_problems(atlas, data) if p.rule in ("pem-not-applicable", "not-the-study")]
    assert [p.rule for p in problems] == ["pem-not-applicable"]
    assert problems[0].message.startswith("design `erratum` (Erratum) has no participants")


def test_design_messages_name_the_design_without_broken_grammar(atlas):
    from helpers import with_pem

    [problem] = [
        p
        for p in lint_problems(atlas, with_pem(badge="not-applicable") | {"design": "open-label-trial"})
        if p.rule == "pem-not-applicable"
    ]
    assert problem.message.startswith("design `open-label-trial` (Open-Label Trial) has participants")


def lint_problems(atlas, data):
    write_record(atlas, data)
    return lint(atlas).problems


@pytest.mark.parametrize(
    "changes",
    [
        {"design": ["rct"]},
        {"design": {"id": "rct"}},
        {"updates": [{"type": ["retraction"], "doi": "10.1000/x"}], "title": "RETRACTED: B-Lymphocyte Depletion"},
        {"flags": ["erratum"], "design": ["erratum"]},
        {"pem": {"badge": ["required"], "criteria": [["ccc-2003"]], "combine": ["all"], "pem_screen": ["x"]}},
        {"pem": {"badge": {"x": 1}, "criteria": {"ccc-2003": True}}},
        {"status": ["published"], "title": ["RETRACTED: x"], "topics": {"a": 1}, "authors": [["x"]]},
    ],
)
def test_values_of_the_wrong_type_are_schema_problems_not_crashes(atlas, changes):
    problems = lint_problems(atlas, good(**changes))
    assert "schema" in [p.rule for p in problems]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_control_character_is_pointed_at_whatever_the_line_endings(newline):
    from atlas_cli.core.yamlio import parse_text

    [problem] = parse_text(f"slug: a{newline}title: a\x07b{newline}").problems
    assert (problem.line, problem.column) == (2, 9)
    assert "U+0007" in problem.message and "<unicode string>" not in problem.message
