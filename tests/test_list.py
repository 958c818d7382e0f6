"""`atlas list`: filters, sort, formats; unreadable records listed, not fatal."""

from __future__ import annotations

import csv
import io
import json

import pytest
from helpers import has_escape, new_atlas, record, run_in, strip_escapes, write_record

from atlas_cli.core.errors import UsageError
from atlas_cli.core.select import make_selection, parse_years, search_key
from atlas_cli.curate.listing import Entry, clip, fit_widths, list_rows


def atlas_records():
    return [
        record(
            slug="fluge-2019-lymphocyte-depletion",
            year=2019,
            design="rct",
            status="published",
            authors=[{"family": "Fluge", "given": "Øystein"}],
            title="B-Lymphocyte Depletion in ME/CFS: a randomized trial",
            pem={"badge": "required", "criteria": ["ccc-2003"]},
            topics=["b-cell-depletion", "b-cells"],
            summary="Rituximab did not help more than placebo.",
            added="2026-01-10",
        ),
        record(
            slug="curriu-2013-screening-cell",
            year=2013,
            design="mechanistic",
            status="published",
            authors=[{"family": "Curriu", "given": "Marta"}],
            title="Screening NK-, B- and T-cell phenotype",
            pem={"badge": "not-required", "criteria": ["fukuda-1994"]},
            topics=["nk-cells"],
            flags=["corrected"],
            added="2026-02-01",
        ),
        record(
            slug="muller-2015-gut-study",
            year=2015,
            design="case-control",
            status="draft",
            authors=[{"family": "Müller", "given": "Anna"}, {"family": "Smith", "given": "Bo"}],
            title="A gut study",
            pem={"badge": "unclear"},
            topics=["gut-microbiome"],
            summary="Patients reported worse symptoms after exertion.",
            added="2026-03-01",
        ),
        record(
            slug="ramirez-2020-retracted-work",
            year=2020,
            design="case-control",
            status="published",
            authors=[{"family": "Ramírez", "given": "Luis"}],
            title="A retracted work",
            pem={"badge": "required", "criteria": ["icc-2011", "fukuda-1994"], "combine": "all"},
            flags=["retracted"],
            topics=["b-cells"],
            added="2026-04-01",
        ),
    ]


@pytest.fixture()
def atlas(tmp_path):
    return new_atlas(tmp_path / "atlas", atlas_records())


def slugs_of(result) -> list[str]:
    assert result.returncode == 0, result.stderr
    return [line.split()[0] for line in result.stdout.splitlines()[1:]]


def listed(root, *args) -> list[str]:
    return slugs_of(run_in(root, "list", *args))


# --- through the command line ----------------------------------------------------------


def test_list_is_one_aligned_line_per_record_when_piped(atlas):
    result = run_in(atlas, "list")
    assert result.returncode == 0, result.stderr
    assert not has_escape(result.stdout)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["SLUG", "YEAR", "FIRST", "AUTHOR", "PEM", "DESIGN", "STATUS", "FLAGS", "PROBLEMS"]
    assert len(lines) == 5
    assert lines[1].split()[:7] == [
        "curriu-2013-screening-cell",
        "2013",
        "Curriu",
        "not-required",
        "mechanistic",
        "published",
        "corrected",
    ]
    # columns line up
    column = lines[0].index("YEAR")
    assert [line[column : column + 4] for line in lines[1:]] == ["2013", "2019", "2015", "2020"]
    assert "4 of 4 records" in result.stderr


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--badge", "required"], ["fluge-2019-lymphocyte-depletion", "ramirez-2020-retracted-work"]),
        (["--badge", "PEM unclear"], ["muller-2015-gut-study"]),
        (["--badge", "unclear", "--badge", "not-required"], ["curriu-2013-screening-cell", "muller-2015-gut-study"]),
        (["--criteria", "fukuda-1994"], ["curriu-2013-screening-cell", "ramirez-2020-retracted-work"]),
        (["--criteria", "Canadian Consensus Criteria"], ["fluge-2019-lymphocyte-depletion"]),
        (["--topic", "b-cells"], ["fluge-2019-lymphocyte-depletion", "ramirez-2020-retracted-work"]),
        (["--design", "case-control"], ["muller-2015-gut-study", "ramirez-2020-retracted-work"]),
        (["--status", "draft"], ["muller-2015-gut-study"]),
        (["--year", "2015..2019"], ["fluge-2019-lymphocyte-depletion", "muller-2015-gut-study"]),
        (["--year", "2016.."], ["fluge-2019-lymphocyte-depletion", "ramirez-2020-retracted-work"]),
        (["--year", "..2015"], ["curriu-2013-screening-cell", "muller-2015-gut-study"]),
        (["--year", "2013"], ["curriu-2013-screening-cell"]),
        (["--flag", "retracted"], ["ramirez-2020-retracted-work"]),
        (["--search", "rituximab placebo"], ["fluge-2019-lymphocyte-depletion"]),
        (["--search", "MULLER"], ["muller-2015-gut-study"]),
        (["--search", "ramirez"], ["ramirez-2020-retracted-work"]),
        (["--search", "exertion"], ["muller-2015-gut-study"]),
        (["--search", "NK-"], ["curriu-2013-screening-cell"]),
        (["--badge", "required", "--year", "2020"], ["ramirez-2020-retracted-work"]),
        (["--badge", "required", "--status", "draft"], []),
    ],
)
def test_filters(atlas, args, expected):
    assert listed(atlas, *args) == expected


def test_sort_and_reverse(atlas):
    assert listed(atlas, "--sort", "year") == [
        "curriu-2013-screening-cell",
        "muller-2015-gut-study",
        "fluge-2019-lymphocyte-depletion",
        "ramirez-2020-retracted-work",
    ]
    assert listed(atlas, "--sort", "year", "--reverse")[0] == "ramirez-2020-retracted-work"
    assert listed(atlas, "--sort", "author") == [
        "curriu-2013-screening-cell",
        "fluge-2019-lymphocyte-depletion",
        "muller-2015-gut-study",
        "ramirez-2020-retracted-work",
    ]
    assert listed(atlas, "--sort", "added", "--reverse")[0] == "ramirez-2020-retracted-work"


def test_json_format(atlas):
    result = run_in(atlas, "list", "--format", "json", "--badge", "required")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["slug"] for r in rows] == ["fluge-2019-lymphocyte-depletion", "ramirez-2020-retracted-work"]
    ramirez = rows[1]
    assert ramirez["year"] == 2020
    assert ramirez["first_author"] == "Ramírez"
    assert ramirez["criteria"] == ["icc-2011", "fukuda-1994"]
    assert ramirez["flags"] == ["retracted"]
    assert ramirez["errors"] == 0 and ramirez["problems"] == []


def test_csv_format(atlas):
    result = run_in(atlas, "list", "--format", "csv", "--topic", "b-cells")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["slug"] for r in rows] == ["fluge-2019-lymphocyte-depletion", "ramirez-2020-retracted-work"]
    assert rows[0]["topics"] == "b-cell-depletion; b-cells"
    assert rows[1]["year"] == "2020"


def test_empty_result_exits_0_with_a_count(atlas):
    result = run_in(atlas, "list", "--flag", "withdrawn")
    assert result.returncode == 0
    assert result.stdout.splitlines()[1:] == []
    assert "0 of 4 records" in result.stderr
    assert json.loads(run_in(atlas, "list", "--flag", "withdrawn", "--format", "json").stdout) == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--year", "2020..2010"], "ends before it starts"),
        (["--year", "twenty"], "is not a year or a range"),
        (["--badge", "yes"], "unknown badge"),
        (["--badge", "requird"], "did you mean: required?"),
        (["--status", "publised"], "did you mean: published?"),
        (["--flag", "retractd"], "unknown flag 'retractd'"),
        (["--flag", "retractd"], "did you mean: retracted?"),
        (["--format", "jsno"], "did you mean: json?"),
        (["--sort", "yaer"], "did you mean: year?"),
        (["--topic", "b-cell"], "did you mean"),
        (["--design", "rtc"], "did you mean: rct"),
        (["--criteria", "Fukada"], "unknown criterion"),
        (["--status", "done"], "unknown status"),
        (["--sort", "colour"], "unknown sort key"),
        (["--format", "xml"], "unknown format"),
    ],
)
def test_bad_options_exit_2_with_a_hint(atlas, args, message):
    result = run_in(atlas, "list", *args)
    assert result.returncode == 2, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unreadable_and_invalid_records_are_listed_with_problems(atlas):
    write_record(atlas, "slug: broken-2020-file\ntitle: [unclosed\n", "broken-2020-file.yaml")
    write_record(atlas, record(slug="odd-2021-record", status="maybe", year="soon"))
    result = run_in(atlas, "list")
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert lines["broken-2020-file"].endswith("1 error")
    # a content filter cannot match a record that cannot be read
    assert "broken-2020-file" not in listed(atlas, "--badge", "not-applicable")
    assert listed(atlas, "--problems") == ["broken-2020-file"]
    # the full lint flags the schema problems of the readable one too
    linted = run_in(atlas, "list", "--lint", "--problems", "--format", "json")
    assert linted.returncode == 0, linted.stderr
    rows = {r["slug"]: r for r in json.loads(linted.stdout)}
    assert {"broken-2020-file", "odd-2021-record"} <= set(rows)
    assert rows["odd-2021-record"]["errors"] >= 2
    assert any("status" in p for p in rows["odd-2021-record"]["problems"])


def test_terminal_table_fits_the_width_and_keeps_markup_literal(tmp_path):
    data = record(slug="smith-2020-markup", authors=[{"family": "[b]Smith[/b]", "given": "A"}], year=2020)
    root = new_atlas(tmp_path / "atlas", [data])
    result = run_in(root, "list", env={"FORCE_COLOR": "1", "COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert has_escape(result.stdout)
    assert "[b]Smith[/b]" in strip_escapes(result.stdout)
    narrow = run_in(root, "list", env={"FORCE_COLOR": "1", "COLUMNS": "70"})
    lines = strip_escapes(narrow.stdout).splitlines()
    assert len(lines) == 2
    assert all(len(line) <= 70 for line in lines), lines
    assert lines[1].startswith("smith-") and "not-applicable" in lines[1]  # the slug gives way, not the badge


def test_at_80_columns_the_badge_and_status_stay_readable(tmp_path):
    long = "a-very-long-first-author-2020-with-a-title-of-many-words"
    data = record(slug=long, authors=[{"family": "Wolfeschlegelsteinhausen", "given": "H"}], design="cross-sectional")
    root = new_atlas(tmp_path / "atlas", [data, record(status="draft")])
    result = run_in(root, "list", env={"FORCE_COLOR": "1", "COLUMNS": "80"})
    lines = strip_escapes(result.stdout).splitlines()
    assert all(len(line) <= 80 for line in lines), lines
    first = next(line for line in lines if line.startswith("a-very"))
    assert "not-applicable" in first and "published" in first  # whole, not `not-a…`, `publ…`
    assert "\u2026" in first.split()[0]  # the slug was shortened instead
    assert "draft" in next(line for line in lines if line.startswith("mensah"))


def test_empty_records_folder(tmp_path):
    root = new_atlas(tmp_path / "atlas")
    result = run_in(root, "list")
    assert result.returncode == 0
    assert "0 of 0 records" in result.stderr


# --- plain functions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2017", (2017, 2017)),
        ("2015..2020", (2015, 2020)),
        ("2015..", (2015, None)),
        ("..2020", (None, 2020)),
        (" 2015 .. 2020 ", (2015, 2020)),
    ],
)
def test_parse_years(text, expected):
    assert parse_years(text) == expected


@pytest.mark.parametrize("text", ["", "..", "2015-2020", "20150", "2015 2020", "2020..2015", "abc"])
def test_parse_years_rejects(text):
    with pytest.raises(UsageError):
        parse_years(text)


def test_fold_ignores_case_and_accents():
    assert search_key("Müller Ramírez ØIE") == "muller ramirez oie"


def test_filters_on_entries_without_reading_files(tmp_path):
    entries = [Entry(tmp_path / f"{r['slug']}.yaml", r) for r in atlas_records()]
    filters = make_selection(years="2019..2020", badges=["required"])
    assert [r.slug for r in list_rows(entries, filters, sort="year", reverse=True)] == [
        "ramirez-2020-retracted-work",
        "fluge-2019-lymphocyte-depletion",
    ]
    with pytest.raises(UsageError):
        list_rows(entries, filters, sort="nope")


def test_fit_widths_shortens_the_slug_first_and_never_the_badge_or_status():
    table = [
        ["SLUG", "YEAR", "FIRST AUTHOR", "PEM", "DESIGN", "STATUS", "FLAGS", "PROBLEMS"],
        ["a" * 40, "2020", "Someone-Long-Name", "not-applicable", "cross-sectional", "published", "retracted", "-"],
    ]
    full = fit_widths(table, 200)
    assert full == [40, 4, 17, 14, 15, 9, 9, 8]
    assert fit_widths(table, sum(full) + 14 - 10) == [30, 4, 17, 14, 15, 9, 9, 8]  # only the slug gave way
    for width in (100, 80, 72):
        widths = fit_widths(table, width)
        assert sum(widths) + 2 * 7 <= width, width
        assert widths[1] == 4 and widths[3] == 14 and widths[5] == 9, width  # year, PEM, status whole
    assert fit_widths(table, 80)[0] < fit_widths(table, 100)[0]
    assert clip("abcdef", 4) == "abc\u2026"


def test_slug_column_is_the_file_name_that_show_and_cite_accept(tmp_path):
    # A record whose `slug:` differs from its file name (or is missing) is listed under
    # its file name: the name `atlas show` / `atlas cite` / the site use.
    root = new_atlas(
        tmp_path / "atlas",
        {
            "fluge-2019-lymphocyte-depletion": record(slug="typo-2019-slug"),
            "mensah-2017-chronic-fatigue": record(slug=None),
        },
    )
    assert listed(root) == ["fluge-2019-lymphocyte-depletion", "mensah-2017-chronic-fatigue"]
    rows = json.loads(run_in(root, "list", "--format", "json").stdout)
    for row in rows:
        assert run_in(root, "show", row["slug"]).returncode == 0
        assert run_in(root, "cite", row["slug"]).returncode == 0


@pytest.mark.parametrize("query", ["oystein", "SORLAND", "assmus", "Øystein", "aero"])
def test_search_finds_letters_without_an_accent_mark_typed_plainly(tmp_path, query):
    # Ø, æ, ß, ł have no combining accent to strip; slugs write them as o, ae, ss, l.
    data = record(
        slug="fluge-2019-lymphocyte-depletion",
        title="B-Lymphocyte Depletion on Ærø",
        authors=[{"family": "Sørland", "given": "Øystein"}, {"family": "Aßmus", "given": "Jörg"}],
    )
    root = new_atlas(
        tmp_path / "atlas",
        [data, record(slug="smith-2020-other-study", title="Other", authors=[{"family": "Smith", "given": "Ann"}])],
    )
    assert listed(root, "--search", query) == ["fluge-2019-lymphocyte-depletion"]


@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_year_option_is_refused_not_ignored(atlas, value):
    # `--year "$YEAR"` with YEAR unset must not quietly list every year.
    result = run_in(atlas, "list", "--year", value)
    assert result.returncode == 2, result.stdout
    assert "is not a year or a range" in result.stderr
