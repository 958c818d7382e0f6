"""`atlas show`: the evidence page in page order, plain when piped, rich on a terminal."""

from __future__ import annotations

from helpers import colour_codes, has_escape, new_atlas, record, run_in, strip_escapes, write_record

from atlas_cli.core.config import find_schemas_dir
from atlas_cli.core.registries import load_registries
from atlas_cli.curate.show import PEM_NOTE, banners, build_page, format_text, header_line

SLUG = "mensah-2017-chronic-fatigue"


def registries():
    return load_registries(find_schemas_dir())


# --- pure functions ------------------------------------------------------------------


def test_header_line_shows_three_authors_then_et_al():
    assert header_line(record()) == (
        "Mensah, Fane Kojo Fosu, Bansal, Amolak Singh, Ford, Brian et al. \u00b7 "
        "Neurophysiologie clinique = Clinical neurophysiology \u00b7 2017 \u00b7 "
        "https://doi.org/10.1016/j.neucli.2017.02.002"
    )


def test_header_line_with_three_authors_has_no_et_al():
    data = record(authors=record()["authors"][:3])
    assert "et al." not in header_line(data)
    assert header_line(data).startswith("Mensah, Fane Kojo Fosu, Bansal, Amolak Singh, Ford, Brian \u00b7")


def test_header_line_without_authors_or_doi_starts_with_the_journal():
    data = record(authors=[], doi=None)
    assert header_line(data) == "Neurophysiologie clinique = Clinical neurophysiology \u00b7 2017"


def test_header_line_names_organisations_and_family_only_authors():
    data = record(authors=[{"literal": "GTEx Consortium"}, {"family": "Smith"}])
    assert header_line(data).startswith("GTEx Consortium, Smith \u00b7")


def test_page_names_criteria_from_the_registry_and_marks_unknown_ids():
    data = record(pem={"badge": "required", "criteria": ["ccc-2003", "made-up-2099"], "combine": "all"})
    page = build_page(data, registries())
    assert page.criteria[0].startswith("Canadian Consensus Criteria")
    assert "requires PEM" in page.criteria[0]
    assert page.criteria[1] == "made-up-2099 (not in the criteria registry)"
    assert page.badges[1].text == "PEM required"


def test_page_of_a_malformed_record_does_not_raise():
    data = {
        "slug": 7,
        "title": ["not", "text"],
        "authors": "Smith",
        "year": "soon",
        "pem": "required",
        "summary": {"a": 1},
        "topics": "b-cells",
        "flags": [None, "retracted"],
        "updates": ["x", {"type": 3}],
    }
    page = build_page(data, registries(), problems=["1:1 error [schema] something"], slug="odd")
    text = format_text(page)
    assert page.title == "(no title)"
    assert page.slug == "odd"
    assert "PEM badge missing" in text
    assert "RETRACTED" in text
    assert text.startswith("! 1 problem (atlas lint):")


def test_banners_most_serious_first_with_notice_details():
    data = record(
        flags=["corrected", "retracted"],
        updates=[
            {"type": "correction", "doi": "10.1000/fix.1", "date": "2018-01-01"},
            {"type": "retraction", "doi": "10.1000/ret.1", "date": "2019-02-03", "source": "retraction-watch"},
        ],
    )
    found = banners(data)
    assert [b.kind for b in found] == ["retracted", "corrected"]
    assert found[0].details == ["retraction 2019-02-03 https://doi.org/10.1000/ret.1 (retraction-watch)"]


def test_citation_failure_is_shown_in_its_block_not_raised():
    from atlas_cli.core.errors import UsageError

    def broken(record, fmt):
        raise UsageError("no year")

    page = build_page(record(), registries(), citations=broken)
    assert page.citations[0] == ("Primary citation", "(cannot render: no year)")


# --- through the command line ----------------------------------------------------------


def test_show_plain_text_in_page_order(tmp_path):
    data = record(
        design="case-control",
        pem={
            "badge": "required",
            "criteria": ["ccc-2003"],
            "source": "Methods",
            "rationale": "All patients met the Canadian Consensus Criteria.",
        },
    )
    root = new_atlas(tmp_path / "atlas", [data])
    result = run_in(root, "show", SLUG)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert not has_escape(out)
    assert not out.startswith("!"), out  # a clean record has no problem block
    order = [
        "[E3 Preliminary]",
        "[PEM required]",
        "[Case-Control]",
        "[Peer-reviewed]",
        "Chronic fatigue syndrome and the immune system: Where are we now?",
        "Mensah, Fane Kojo Fosu, Bansal, Amolak Singh, Ford, Brian et al.",
        "Summary",
        data["summary"],
        "Why it matters",
        data["why_it_matters"],
        "What it does not show",
        data["does_not_show"],
        "PEM badge",
        "Criteria: Canadian Consensus Criteria",
        "Stated in: Methods",
        PEM_NOTE,
        "Topics: Immune dysfunction",
        "Primary citation",
        "BibTeX",
        "@article{mecfsatlas-mensah-2017-chronic-fatigue,",
        "Atlas snapshot reference",
        "ME/CFS Atlas. Generator v1 / Scanner v1.4 / policy v0.1. Accessed 2026-05-30. "
        "https://www.mecfsatlas.com/evidence/mensah-2017-chronic-fatigue",
    ]
    positions = [out.find(text) for text in order]
    assert -1 not in positions, [t for t, p in zip(order, positions) if p == -1]
    assert positions == sorted(positions)


def test_show_without_citations(tmp_path):
    root = new_atlas(tmp_path / "atlas", [record()])
    result = run_in(root, "show", SLUG, "--no-citations")
    assert result.returncode == 0
    assert "BibTeX" not in result.stdout
    assert "Summary" in result.stdout


def test_unknown_slug_suggests_the_closest_and_exits_1(tmp_path):
    root = new_atlas(tmp_path / "atlas", [record()])
    result = run_in(root, "show", "mensah-2017-chronic-fatig")
    assert result.returncode == 1
    assert "no record 'mensah-2017-chronic-fatig'" in result.stderr
    assert "did you mean: mensah-2017-chronic-fatigue?" in result.stderr
    assert result.stdout == ""


def test_a_path_is_not_a_slug(tmp_path):
    root = new_atlas(tmp_path / "atlas", [record()])
    result = run_in(root, "show", "records/mensah-2017-chronic-fatigue.yaml")
    assert result.returncode == 2
    assert "is not a slug" in result.stderr


def test_markup_in_record_text_prints_literally(tmp_path):
    data = record(title="[b]Bold[/b] claims about [red]immune[/red] cells", summary="Uses [link=x]y[/link] and [/].")
    root = new_atlas(tmp_path / "atlas", [data])
    plain = run_in(root, "show", SLUG)
    assert plain.returncode == 0
    assert "[b]Bold[/b] claims about [red]immune[/red] cells" in plain.stdout
    rich = run_in(root, "show", SLUG, env={"FORCE_COLOR": "1", "COLUMNS": "300"})
    assert rich.returncode == 0, rich.stderr
    shown = strip_escapes(rich.stdout)
    assert "[b]Bold[/b] claims about [red]immune[/red] cells" in shown
    assert "Uses [link=x]y[/link] and [/]." in shown


def test_terminal_output_is_coloured_and_no_color_turns_colour_off(tmp_path):
    root = new_atlas(tmp_path / "atlas", [record(pem={"badge": "required", "criteria": ["icc-2011"]})])
    coloured = run_in(root, "show", SLUG, env={"FORCE_COLOR": "1"})
    assert coloured.returncode == 0
    assert colour_codes(coloured.stdout), "the PEM badge should be colour-coded on a terminal"
    assert "PEM required" in strip_escapes(coloured.stdout)
    no_colour = run_in(root, "show", SLUG, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert no_colour.returncode == 0
    assert colour_codes(no_colour.stdout) == []
    assert "PEM required" in strip_escapes(no_colour.stdout)


def test_retraction_banner_comes_before_the_title(tmp_path):
    data = record(
        flags=["retracted"],
        updates=[
            {"type": "retraction", "doi": "10.1016/j.neucli.2020.01.001", "date": "2020-01-02", "source": "publisher"}
        ],
    )
    root = new_atlas(tmp_path / "atlas", [data])
    out = run_in(root, "show", SLUG).stdout
    assert out.startswith("*** RETRACTED: this paper has been retracted ***")
    assert "https://doi.org/10.1016/j.neucli.2020.01.001" in out
    assert out.index("RETRACTED") < out.index(data["title"])
    rich = run_in(root, "show", SLUG, env={"FORCE_COLOR": "1", "COLUMNS": "200"})
    assert "RETRACTED" in strip_escapes(rich.stdout)


def test_record_failing_lint_is_shown_with_its_problems(tmp_path):
    data = record(status="maybe", year="sometime", authors="Mensah FK", pem={"badge": "no"})
    root = new_atlas(tmp_path / "atlas", [data])
    result = run_in(root, "show", SLUG)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("! ")
    assert "problems (atlas lint):" in out.splitlines()[0]
    assert "status" in out.split("\n\n")[0]
    assert data["title"] in out
    assert "Traceback" not in result.stderr


def test_unreadable_record_reports_its_problems_and_exits_1(tmp_path):
    root = new_atlas(tmp_path / "atlas")
    write_record(root, "slug: broken-2020-yaml\ntitle: [unclosed\n", "broken-2020-yaml.yaml")
    result = run_in(root, "show", "broken-2020-yaml")
    assert result.returncode == 1
    assert "cannot be read" in result.stderr
    assert "yaml-syntax" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_documents_exit_codes(tmp_path):
    root = new_atlas(tmp_path / "atlas")
    result = run_in(root, "show", "--help")
    assert result.returncode == 0
    assert "Exit codes" in result.stdout


def test_citations_use_the_file_name_as_slug_like_atlas_cite(tmp_path):
    # The slug is the file name (as in `atlas cite`, `atlas export` and the site): a record
    # with no `slug:` or a mistyped one must not be cited as `.../evidence/unknown`.
    root = new_atlas(tmp_path / "atlas", {SLUG: record(slug=None), "other-2017-chronic-fatigue": record(slug="typo")})
    for slug in (SLUG, "other-2017-chronic-fatigue"):
        shown = run_in(root, "show", slug).stdout
        assert f"@article{{mecfsatlas-{slug}," in shown
        assert f"https://www.mecfsatlas.com/evidence/{slug}\n" in shown
        for fmt in ("bibtex", "snapshot"):
            cited = run_in(root, "cite", slug, "--format", fmt)
            assert cited.returncode == 0, cited.stderr
            assert cited.stdout in shown


def test_header_line_writes_a_suffix_as_the_site_and_citation_do():
    # `Family, Given, Suffix`, as on the evidence page and in the primary citation.
    data = record(authors=[{"family": "Smith", "given": "Ann", "suffix": "III"}, {"family": "Lee", "suffix": "Jr."}])
    assert header_line(data).startswith("Smith, Ann, III, Lee, Jr. \u00b7")


def test_an_unknown_pem_badge_is_named_the_same_way_in_the_badges_and_the_pem_section():
    page = build_page(record(pem={"badge": "banana"}), registries())
    text = format_text(page)
    assert "[PEM badge 'banana' (unknown)]" in text
    section = text.split("\nPEM badge\n", 1)[1].splitlines()[0]
    assert section == "PEM badge 'banana' (unknown)"
    missing = format_text(build_page(record(pem=None), registries()))
    assert (
        "[PEM badge missing]" in missing and missing.split("\nPEM badge\n", 1)[1].splitlines()[0] == "PEM badge missing"
    )
