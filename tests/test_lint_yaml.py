"""YAML-level problems: every broken input gets one clear problem line, never a traceback."""

from __future__ import annotations

import os

import pytest
from helpers import good, lint, rules_of, run_atlas, write_record

from atlas_cli.core.records import render_record

VALID = render_record(good())


def only_problem(result, rule):
    found = [p for p in result.problems if p.rule == rule]
    assert len(found) == 1, result.problems
    return found[0]


def test_valid_record_is_clean(atlas):
    write_record(atlas, good())
    result = lint(atlas)
    assert result.problems == [] and result.files == 1


def test_not_utf8_names_the_line(atlas):
    write_record(atlas, VALID.encode("utf-8").replace(b"Fluge\n", b"Fl\xfcge\n", 1), "fluge-2019-b-lymphocyte.yaml")
    problem = only_problem(lint(atlas), "yaml-encoding")
    assert "0xfc" in problem.message and problem.line == VALID.splitlines().index("- family: Fluge") + 1


def test_byte_order_mark_is_reported_and_the_rest_still_checked(atlas):
    write_record(
        atlas, b"\xef\xbb\xbf" + VALID.replace("year: 2019", "year: 2019a").encode(), "fluge-2019-b-lymphocyte.yaml"
    )
    result = lint(atlas)
    assert rules_of(result) == ["yaml-bom", "schema"]


def test_tab_is_reported_once_not_also_as_syntax_error(atlas):
    text = VALID.replace("  badge: required", "\tbadge: required")
    write_record(atlas, text, "fluge-2019-b-lymphocyte.yaml")
    result = lint(atlas)
    assert rules_of(result) == ["yaml-tab"]
    assert result.problems[0].line == text.splitlines().index("\tbadge: required") + 1


def test_syntax_error_has_position_and_quoting_hint(atlas):
    text = VALID.replace("journal: Annals of internal medicine", "journal: Annals: of internal medicine")
    write_record(atlas, text, "fluge-2019-b-lymphocyte.yaml")
    problem = only_problem(lint(atlas), "yaml-syntax")
    assert problem.line == text.splitlines().index("journal: Annals: of internal medicine") + 1
    assert problem.column == 16 and "quoted" in problem.hint


def test_duplicate_key_names_both_lines(atlas):
    text = VALID + "year: 2018\n"
    write_record(atlas, text, "fluge-2019-b-lymphocyte.yaml")
    problem = only_problem(lint(atlas), "yaml-duplicate-key")
    first = text.splitlines().index("year: 2019") + 1
    assert problem.line == len(text.splitlines()) and f"first on line {first}" in problem.message


@pytest.mark.parametrize(
    "text",
    [
        "slug: &s fluge-2019-b-lymphocyte\nrelated: [*s]\n",
        "a: &x [1, 2]\n",
    ],
)
def test_anchors_and_aliases_are_refused(atlas, text):
    write_record(atlas, text, "x.yaml")
    assert set(rules_of(lint(atlas))) == {"yaml-alias"}


def test_alias_bomb_is_refused_quickly(atlas):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    write_record(atlas, "\n".join(lines) + "\n", "bomb.yaml")
    assert "yaml-alias" in rules_of(lint(atlas))


def test_custom_tags_are_refused(atlas):
    write_record(
        atlas, VALID.replace("year: 2019", "year: !!python/object:os.system 2019"), "fluge-2019-b-lymphocyte.yaml"
    )
    assert rules_of(lint(atlas)) == ["yaml-tag"]


@pytest.mark.parametrize("text,kind", [("- a\n- b\n", "a list"), ("just text\n", "a single value")])
def test_document_that_is_not_a_mapping(atlas, text, kind):
    write_record(atlas, text, "x.yaml")
    problem = only_problem(lint(atlas), "yaml-not-mapping")
    assert kind in problem.message


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(atlas, text):
    write_record(atlas, text, "x.yaml")
    assert rules_of(lint(atlas)) == ["yaml-empty"]


def test_two_documents_in_one_file(atlas):
    write_record(atlas, VALID + "---\n" + VALID, "fluge-2019-b-lymphocyte.yaml")
    problem = only_problem(lint(atlas), "yaml-syntax")
    assert "more than one YAML document" in problem.message


def test_binary_file(atlas):
    write_record(atlas, bytes(range(256)) * 4, "x.yaml")
    assert rules_of(lint(atlas)) == ["yaml-binary"]


def test_huge_file_is_refused_without_parsing(atlas):
    write_record(atlas, VALID + "notes: " + "x" * (50 * 1024 * 1024) + "\n", "fluge-2019-b-lymphocyte.yaml")
    assert rules_of(lint(atlas)) == ["yaml-too-large"]


@pytest.mark.parametrize("text", ["a: " + "[" * 100_000 + "]" * 100_000, "a: " + "{b: " * 3000 + "1" + "}" * 3000])
def test_deeply_nested_flow_yaml(atlas, text):
    write_record(atlas, text + "\n", "x.yaml")
    assert rules_of(lint(atlas)) == ["yaml-too-deep"]


def test_deeply_nested_block_yaml(atlas):
    text = "".join(" " * i + f"k{i}:\n" for i in range(60)) + " " * 60 + "v\n"
    write_record(atlas, text, "x.yaml")
    assert rules_of(lint(atlas)) == ["yaml-too-deep"]


def test_control_character(atlas):
    write_record(atlas, VALID.replace("year: 2019", "year: 2019\x07"), "fluge-2019-b-lymphocyte.yaml")
    assert rules_of(lint(atlas)) == ["yaml-syntax"]


def test_non_text_key(atlas):
    write_record(atlas, VALID + "2017: x\n", "fluge-2019-b-lymphocyte.yaml")
    assert rules_of(lint(atlas)) == ["yaml-key"]


def test_symlink_out_of_records_folder_is_not_read(atlas, tmp_path):
    outside = tmp_path / "secret.yaml"
    outside.write_text(VALID, encoding="utf-8")
    os.symlink(outside, atlas / "records" / "fluge-2019-b-lymphocyte.yaml")
    assert rules_of(lint(atlas)) == ["file-symlink"]


def test_unreadable_file_is_a_problem_and_others_are_still_checked(atlas):
    os.symlink(atlas / "records" / "missing-target.yaml", atlas / "records" / "broken.yaml")
    (atlas / "records" / "folder.yaml").mkdir()
    write_record(atlas, good(year="2019a"))
    result = lint(atlas)
    assert sorted(rules_of(result)) == ["file-unreadable", "file-unreadable", "schema"]
    cli = run_atlas("lint", cwd=atlas)
    assert cli.returncode == 2 and "Traceback" not in cli.stderr


def test_yaml11_words_and_dates_stay_text(atlas):
    text = VALID.replace("badge: required", "badge: no").replace(
        "snapshot_date: '2026-05-30'", "snapshot_date: 2026-05-30"
    )
    text = text.replace('snapshot_date: "2026-05-30"', "snapshot_date: 2026-05-30")
    write_record(atlas, text, "fluge-2019-b-lymphocyte.yaml")
    result = lint(atlas)
    assert [p.message for p in result.problems if p.rule == "schema"] == [
        "`pem.badge` must be one of required, not-required, unclear, not-applicable; got 'no'"
    ]
    assert "snapshot_date" not in " ".join(p.message for p in result.problems)


def test_invalid_calendar_date_is_a_schema_problem_not_a_crash(atlas):
    write_record(atlas, good(snapshot_date="2018-13-01"))
    result = lint(atlas)
    assert rules_of(result) == ["schema"] and "snapshot_date" in result.problems[0].message
