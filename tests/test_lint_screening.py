"""The screening file (`screening.yaml`): read by `atlas lint`, which checks its entries and
that no paper is both excluded and a record."""

from __future__ import annotations

import json

import pytest
from helpers import good, lint, rules_of, run_atlas, write_record

from atlas_cli.core.errors import UsageError
from atlas_cli.core.screening import Exclusion, read_screening, with_exclusions

GOOD_ENTRY = "- pmid: '38012345'\n  reason: cancer-related fatigue, not ME/CFS\n  date: '2026-05-30'\n"


def screening(atlas, text: str) -> None:
    (atlas / "screening.yaml").write_text(text, encoding="utf-8")


def test_a_clean_screening_file_passes(atlas):
    write_record(atlas, good())
    screening(atlas, "# out of scope\nexcluded:\n" + GOOD_ENTRY)
    assert lint(atlas).problems == []
    result = run_atlas("lint", cwd=atlas)
    assert result.returncode == 0 and result.stdout.strip() == "1 record checked: no problems"


@pytest.mark.parametrize(
    "entry,line,words",
    [
        ("- pmid: '38012345'\n", 2, ["no reason"]),
        ("- pmid: '38012345'\n  reason: out\n", 2, ["no date"]),
        ("- pmid: '38012345'\n  reason: out\n  date: 30/05/2026\n", 4, ["is not a date"]),
        ("- pmid: 'PMC123'\n  reason: out\n  date: '2026-05-30'\n", 2, ["not a PubMed ID"]),
        ("- doi: 'doi.org/abc'\n  reason: out\n  date: '2026-05-30'\n", 2, ["not a DOI"]),
        ("- reason: out\n  date: '2026-05-30'\n", 2, ["names no paper"]),
        ("- pmid: '38012345'\n  resons: out\n  date: '2026-05-30'\n", 3, ["unknown key `resons`"]),
        (GOOD_ENTRY + GOOD_ENTRY.replace("2026-05-30", "2026-06-01"), 5, ["excluded twice", "line 2"]),
        ("- pmid: '38012345'\n  reason: out\n  reason: in\n  date: '2026-05-30'\n", 4, ["reason"]),
    ],
)
def test_a_malformed_entry_is_an_error_with_file_and_line(atlas, entry, line, words):
    screening(atlas, "excluded:\n" + entry)
    result = run_atlas("lint", "--format", "json", cwd=atlas)
    assert result.returncode == 1, result.stdout + result.stderr
    problems = json.loads(result.stdout)
    assert problems and all(p["path"] == "screening.yaml" for p in problems), problems
    [found] = [p for p in problems if all(word in p["message"] for word in words)]
    assert found["rule"] in ("screening-entry", "yaml-duplicate-key") and found["line"] == line, problems


def test_a_file_that_is_not_yaml_is_reported_on_the_file(atlas):
    screening(atlas, "excluded:\n\t- pmid: 1\n")
    problems = lint(atlas).problems
    assert problems and all(p.path.endswith("screening.yaml") for p in problems)
    assert "yaml-tab" in [p.rule for p in problems]


@pytest.mark.parametrize(
    "field,entry",
    [
        ("pmid", "- pmid: '30934066'\n  reason: out\n  date: '2026-05-30'\n"),
        ("doi", "- doi: 10.7326/m18-1451\n  reason: out\n  date: '2026-05-30'\n"),
        ("doi", "- doi: 10.9999/old-alias\n  reason: out\n  date: '2026-05-30'\n"),
    ],
)
def test_an_excluded_paper_that_is_a_record_is_an_error_on_the_record(atlas, field, entry):
    record = write_record(atlas, good(doi_aliases=["10.9999/OLD-ALIAS"]))
    screening(atlas, "excluded:\n" + entry)
    problems = [p for p in lint(atlas).problems if p.rule == "screening-excluded"]
    assert len(problems) == 1, lint(atlas).problems
    [problem] = problems
    assert problem.path.endswith(record.name) and problem.severity == "error"
    assert "screening.yaml:2" in problem.message and "out" in problem.message
    assert "remove its entry" in problem.hint


def test_the_conflict_is_found_whichever_file_a_commit_changes(atlas):
    record = write_record(atlas, good())
    screening(atlas, "excluded:\n- pmid: '30934066'\n  doi: 10.7326/M18-1451\n  reason: out\n  date: '2026-05-30'\n")
    # pre-commit passes the changed files: the record alone, or the screening file alone
    on_record = run_atlas("lint", f"records/{record.name}", cwd=atlas)
    assert on_record.returncode == 1 and on_record.stdout.count("screening-excluded") == 1, on_record.stdout
    on_file = run_atlas("lint", "--format", "json", "screening.yaml", cwd=atlas)
    assert on_file.returncode == 1, on_file.stdout + on_file.stderr
    [problem] = json.loads(on_file.stdout)
    assert problem["path"] == "screening.yaml" and problem["line"] == 2 and problem["rule"] == "screening-excluded"
    assert record.name in problem["message"]


def test_linting_records_alone_does_not_report_the_screening_files_own_problems(atlas):
    record = write_record(atlas, good())
    screening(atlas, "excluded:\n- pmid: '1'\n")
    assert lint(atlas, [record]).problems == []
    assert "screening-entry" in rules_of(lint(atlas))


def test_reading_and_extending_the_file_keeps_comments_and_layout(tmp_path):
    path = tmp_path / "screening.yaml"
    assert read_screening(path).exclusions == [] and not read_screening(path).exists
    first = Exclusion("cancer-related fatigue", "2026-05-30", pmid="38012345", title="Fatigue: a 'study'")
    path.write_text(with_exclusions(None, [first]), encoding="utf-8")
    text = path.read_text(encoding="utf-8").replace("excluded:", "excluded:  # reviewed weekly")
    second = Exclusion("a letter about a letter", "2026-05-31", doi="10.1000/x.1")
    path.write_text(with_exclusions(text, [second]), encoding="utf-8")
    read = read_screening(path)
    assert read.problems == []
    assert [(e.pmid, e.doi, e.title, e.reason, e.date) for e in read.exclusions] == [
        ("38012345", None, "Fatigue: a 'study'", "cancer-related fatigue", "2026-05-30"),
        (None, "10.1000/x.1", None, "a letter about a letter", "2026-05-31"),
    ]
    assert "# reviewed weekly" in path.read_text(encoding="utf-8")
    assert read.find("doi:10.1000/x.1") is read.exclusions[1] and read.find("pmid:38012345") is read.exclusions[0]
    indented = with_exclusions("excluded:\n  - pmid: '1'\n    reason: x\n    date: '2026-01-01'\n", [second])
    assert "\n  - doi: 10.1000/x.1\n    reason:" in indented
    with pytest.raises(UsageError):
        with_exclusions("excluded:\n- pmid: '1'\n", [second])  # a broken file is not extended
    with pytest.raises(UsageError):
        with_exclusions("excluded: []\nnotes: x\n", [second])  # the list is not the last block
