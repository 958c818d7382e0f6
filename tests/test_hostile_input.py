"""Hostile input: whatever a file, a setting, a cache entry or a command line holds, atlas
answers with one clear problem (rule id, file, line) or message, never an internal error
(exit 70), a hang or a read without end; and lint's work grows with the problems and keys
of a file, not with their square (bench/lint_problems_bench.py measures it)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import GOOD, good, lint, rules_of, run_atlas, write_record

from atlas_cli.core.records import render_record

# --- lint stays linear in the problems of one file ---------------------------------------------


def test_fifty_thousand_unknown_keys_are_each_reported_at_their_own_line(atlas: Path):
    text = render_record(GOOD)
    first = text.count("\n") + 1
    keys = "yaer: 1\n" + "".join(f"k{i}: 1\n" for i in range(49_999))
    write_record(atlas, text + keys, "fluge-2019-b-lymphocyte.yaml")
    done = run_atlas("lint", "--format", "json", cwd=atlas)
    assert done.returncode == 1, done.stderr
    unknown = [p for p in json.loads(done.stdout) if p["message"].startswith("unknown key")]
    assert len(unknown) == 50_000
    assert [p["line"] for p in unknown] == list(range(first, first + 50_000))
    assert unknown[0]["message"] == "unknown key `yaer` in the record; did you mean `year`?"


def test_a_list_of_text_mixed_with_numbers_and_mappings_is_checked_item_by_item(atlas: Path):
    items = [*range(20_000), *(f"r{i}" for i in range(20_000)), {"a": 1}, "r7", {"a": 1}, True, 1]
    write_record(atlas, good(related=items))
    result = lint(atlas)
    messages = [p.message for p in result.problems if p.rule == "schema"]
    assert (
        sum(m.startswith("`related[") and "must be text" in m for m in messages) == 20_000 + 4
    )  # the numbers, the mappings, true
    twice = [m for m in messages if "twice" in m]
    assert twice == ["`related` lists 'r7' twice"]  # the first repeat named; true is not 1


def test_thousands_of_disable_comments_each_apply_to_the_next_line_with_content(atlas: Path):
    write_record(atlas, good(slug="fluge-2019-b-lymphocyte-copy", doi="10.7326/M18-1452", pmid=None, title="Erratum"))
    text = render_record(good(title="Erratum"))
    write_record(atlas, text, "fluge-2019-b-lymphocyte.yaml")
    assert rules_of(lint(atlas)) == ["duplicate-title"]
    comments = "# atlas: disable=duplicate-title\n# a comment\n" * 10_000
    write_record(atlas, text.replace("title: Erratum\n", comments + "title: Erratum\n"), "fluge-2019-b-lymphocyte.yaml")
    assert rules_of(lint(atlas)) == []
