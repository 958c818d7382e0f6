"""`atlas stats`: counts as data, a JSON formatter and a terminal bar chart."""

from __future__ import annotations

import datetime as dt
import json

from helpers import new_atlas, record, run_in, write_record

from atlas_cli.core.config import find_schemas_dir
from atlas_cli.core.registries import load_registries
from atlas_cli.curate.listing import Entry
from atlas_cli.curate.stats import bar, compute, format_text


def records():
    return [
        record(
            slug="a-2015-one",
            year=2015,
            status="published",
            design="case-control",
            pem={"badge": "required", "criteria": ["ccc-2003", "fukuda-1994"], "combine": "all"},
            topics=["b-cells", "nk-cells"],
            added="2026-01-01",
        ),
        record(
            slug="b-2015-two",
            year=2015,
            status="draft",
            design="case-control",
            pem={"badge": "not-required", "criteria": ["fukuda-1994"]},
            topics=["b-cells"],
            added="2026-05-28",
            flags=["retracted"],
        ),
        record(
            slug="c-2020-three",
            year=2020,
            status="draft",
            design="rct",
            evidence_level="E1",
            pem={"badge": "required", "criteria": ["icc-2011"]},
            topics=[],
            added=None,
        ),
    ]


def test_compute_counts_every_dimension():
    entries = [Entry(None, r) for r in records()] + [Entry(None, None, ["1:1 error [yaml-syntax] x"], errors=1)]
    entries[1].warnings = 2
    stats = compute(entries, load_registries(find_schemas_dir()), today=dt.date(2026, 6, 1))
    assert stats.total == 4 and stats.unreadable == 1
    assert stats.status == {"draft": 2, "published": 1}
    assert stats.pem_badge == {"required": 2, "not-required": 1}
    assert stats.design == {"case-control": 2, "rct": 1}
    assert list(stats.evidence_level) == ["E3", "E1"]  # most frequent first
    assert stats.criteria == {"fukuda-1994": 2, "ccc-2003": 1, "icc-2011": 1}
    assert list(stats.year.items()) == [("2015", 2), ("2020", 1)]  # by year, not by count
    assert stats.topics == {"b-cells": 2, "nk-cells": 1}
    assert stats.flags == {"retracted": 1}
    assert stats.drafts_by_age["under 1 week"] == 1
    assert stats.drafts_by_age["no added date"] == 1
    assert stats.oldest_drafts == [{"slug": "b-2015-two", "added": "2026-05-28", "days": 4}]
    assert stats.with_errors == 1 and stats.with_warnings == 1
    assert stats.labels["criteria"]["fukuda-1994"] == "Fukuda (CDC 1994)"
    assert stats.labels["pem_badge"]["required"] == "PEM required"


def test_text_has_a_year_bar_chart_scaled_to_the_largest_year():
    stats = compute([Entry(None, r) for r in records()], load_registries(find_schemas_dir()), today=dt.date(2026, 6, 1))
    text = format_text(stats, bar_width=10)
    year_block = text.split("Publication year\n")[1].split("\n\n")[0].splitlines()
    assert year_block[0].startswith("  2015") and year_block[0].endswith("\u2588" * 10)
    assert year_block[1].startswith("  2020") and year_block[1].endswith("\u2588" * 5)
    assert "Fukuda (CDC 1994)" in text
    assert "drafts: 2" in text


def test_bar():
    assert bar(0, 10, 10) == ""
    assert bar(10, 10, 10) == "\u2588" * 10
    assert bar(1, 1000, 10) == "\u258f"  # a sliver, never nothing, for a non-zero count
    assert bar(5, 10, 3) == "\u2588\u258c"


def test_stats_json_through_the_cli(tmp_path):
    root = new_atlas(tmp_path / "atlas", records())
    write_record(root, "slug: [unclosed\n", "broken-2020-file.yaml")
    result = run_in(root, "stats", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["total"] == 4 and data["unreadable"] == 1
    assert data["pem_badge"] == {"required": 2, "not-required": 1}
    assert data["criteria"]["fukuda-1994"] == 2
    assert data["year"] == {"2015": 2, "2020": 1}
    assert data["lint_checked"] is True
    assert data["with_errors"] >= 1  # at least the unreadable file
    assert set(data["drafts_by_age"]) >= {"under 1 week", "no added date"}


def test_stats_text_through_the_cli(tmp_path):
    root = new_atlas(tmp_path / "atlas", records())
    result = run_in(root, "stats", "--no-lint")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert result.stdout.startswith("3 records\n")
    for heading in (
        "Records by status",
        "PEM badge",
        "Study design",
        "Evidence level",
        "Case definitions used",
        "Publication year",
        "Topics",
        "Curation backlog",
    ):
        assert heading in result.stdout
    assert "\u2588" in result.stdout.split("Publication year")[1]
    assert "(reading the YAML)" in result.stdout


def test_stats_terminal_and_bad_format(tmp_path):
    root = new_atlas(tmp_path / "atlas", records())
    coloured = run_in(root, "stats", env={"FORCE_COLOR": "1"})
    assert coloured.returncode == 0 and "\x1b[" in coloured.stdout
    bad = run_in(root, "stats", "--format", "yaml")
    assert bad.returncode == 2 and "unknown format" in bad.stderr


def test_stats_of_an_empty_atlas(tmp_path):
    result = run_in(new_atlas(tmp_path / "atlas"), "stats", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"] == 0


def test_a_section_with_no_values_does_not_claim_there_are_no_records():
    # Records exist but none has a topic: the section says so, not "(no records)".
    from atlas_cli.curate.listing import Entry
    from atlas_cli.curate.stats import compute, format_text

    text = format_text(compute([Entry(None, {"slug": "a-2020-x", "status": "published", "year": 2020})]))
    topics = text.split("\nTopics\n", 1)[1].splitlines()[0]
    assert topics == "  (none recorded)"
    assert "(no records)" in format_text(compute([])).split("\nTopics\n", 1)[1].splitlines()[0]
