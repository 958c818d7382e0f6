"""Primary citation rules, snapshot, CSL-JSON (against the CSL data schema), RIS, styles."""

from __future__ import annotations

import json

import jsonschema
import pytest
from helpers import CSL_SCHEMA, fixture_records, fixture_settings

from atlas_cli import cite
from atlas_cli.cite.primary import author_list, primary
from atlas_cli.cite.styles import tidy

RECORDS = fixture_records()
SETTINGS = fixture_settings()
NAMES = [f"N{i}, G" for i in range(1, 41)]


# --- primary citation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "count, expected",
    [
        (0, "Unknown authors"),
        (1, "N1, G"),
        (2, "N1, G & N2, G"),
        (3, "N1, G, N2, G, & N3, G"),
        (6, "N1, G, N2, G, N3, G, N4, G, N5, G, & N6, G"),
        (7, "N1, G, N2, G, N3, G, N4, G, N5, G, N6, G, et al."),
        (40, "N1, G, N2, G, N3, G, N4, G, N5, G, N6, G, et al."),
    ],
)
def test_author_list_rule(count, expected):
    assert author_list(NAMES[:count]) == expected


@pytest.mark.parametrize(
    "title, shown",
    [
        ("Where are we now?", "Where are we now? J."),
        ("A pilot study.", "A pilot study. J."),
        ("Stop!", "Stop! J."),
        ("Plain title", "Plain title. J."),
    ],
)
def test_no_doubled_punctuation_after_title(title, shown):
    record = {"title": title, "authors": [{"literal": "Org"}], "year": 2020, "journal": "J"}
    assert primary(record) == f"Org (2020). {shown}"


def test_missing_parts_are_left_out_cleanly():
    base = {"title": "T", "authors": [{"family": "Smith", "given": "Jo"}], "year": 2020}
    assert primary(base) == "Smith, Jo (2020). T."
    assert primary(dict(base, doi="10.1/x")) == "Smith, Jo (2020). T. https://doi.org/10.1/x"
    assert primary(dict(base, journal="J.")) == "Smith, Jo (2020). T. J."
    no_year = {k: v for k, v in base.items() if k != "year"}
    assert primary(no_year) == "Smith, Jo (n.d.). T."


def test_names_family_given_and_organisation_as_is():
    record = {
        "title": "T",
        "year": 2020,
        "authors": [{"family": "van Campen", "given": "Linda"}, {"literal": "GTEx Consortium"}, {"family": "Plato"}],
    }
    assert primary(record) == "van Campen, Linda, GTEx Consortium, & Plato (2020). T."


@pytest.mark.parametrize("slug", sorted(RECORDS))
def test_primary_never_doubles_punctuation(slug):
    text = cite.render(RECORDS[slug], "primary", SETTINGS)
    for bad in ("?.", "!.", "..", "  ", ". ."):
        assert bad not in text


# --- snapshot ----------------------------------------------------------------------------


def test_snapshot_uses_settings_versions_and_record_date():
    settings = SETTINGS.replace(
        site_url="https://example.org/", snapshot={"generator": "v2", "scanner": "v9", "policy": "v1.0"}
    )
    text = cite.render({"slug": "a-2020-b", "snapshot_date": "2026-01-02"}, "snapshot", settings)
    assert (
        text
        == "ME/CFS Atlas. Generator v2 / Scanner v9 / policy v1.0. Accessed 2026-01-02. https://example.org/evidence/a-2020-b"
    )
    assert "Accessed" not in cite.render({"slug": "a-2020-b"}, "snapshot", settings)


# --- CSL-JSON ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def csl_validator():
    schema = json.loads(CSL_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize("slug", sorted(RECORDS))
def test_csl_json_validates_against_the_csl_data_schema(slug, csl_validator):
    data = json.loads(cite.render(RECORDS[slug], "csl-json", SETTINGS))
    errors = [e.message for e in csl_validator.iter_errors(data)]
    assert not errors
    item = data[0]
    assert item["id"] == f"mecfsatlas-{slug}"
    assert item["title"] == RECORDS[slug]["title"]
    assert len(item.get("author", [])) == len(RECORDS[slug]["authors"])


def test_csl_validator_rejects_what_citeproc_mangles(csl_validator):
    bad = [{"id": "x", "type": "article-journal", "title": ["A list"], "author": [{"name": "Org"}]}]
    assert list(csl_validator.iter_errors(bad))


def test_csl_json_of_many_records_is_one_valid_array(csl_validator):
    data = json.loads(cite.render_many(list(RECORDS.values()), "csl-json", SETTINGS))
    assert len(data) == len(RECORDS)
    assert not list(csl_validator.iter_errors(data))


def test_csl_json_keeps_non_ascii_and_identifiers():
    item = json.loads(cite.render(RECORDS["fluge-2015-cyclophosphamide-myalgic"], "csl-json", SETTINGS))[0]
    assert item["author"][0] == {"family": "Fluge", "given": "Øystein"}
    assert "γ" in cite.render(RECORDS["fluge-2015-cyclophosphamide-myalgic"], "csl-json", SETTINGS)
    mensah = json.loads(cite.render(RECORDS["mensah-2017-chronic-fatigue"], "csl-json", SETTINGS))[0]
    assert mensah["DOI"] == "10.1016/j.neucli.2017.02.002" and mensah["PMID"] == "28410877"
    assert mensah["issued"] == {"date-parts": [[2017]]}


# --- RIS ---------------------------------------------------------------------------------


def parse_ris(text: str) -> list[list[tuple[str, str]]]:
    records, current = [], []
    for line in text.splitlines():
        if not line:
            continue
        assert line[2:6] == "  - ", line
        tag, value = line[:2], line[6:]
        current.append((tag, value))
        if tag == "ER":
            records.append(current)
            current = []
    assert not current, "record without ER"
    return records


@pytest.mark.parametrize("slug", sorted(RECORDS))
def test_ris_parses_back(slug):
    record = RECORDS[slug]
    (parsed,) = parse_ris(cite.render(record, "ris", SETTINGS))
    assert parsed[0][0] == "TY" and parsed[-1] == ("ER", "")
    tags = {}
    for tag, value in parsed:
        tags.setdefault(tag, []).append(value)
    assert tags["TI"] == [record["title"]]
    assert len(tags.get("AU", [])) == len(record["authors"])
    assert tags["PY"] == [str(record["year"])]
    assert tags["ID"] == [f"mecfsatlas-{slug}"]
    assert tags.get("DO") == ([record["doi"]] if "doi" in record else None)
    assert tags.get("AN") == ([str(record["pmid"])] if "pmid" in record else None)


def test_ris_many_records():
    assert len(parse_ris(cite.render_many(list(RECORDS.values()), "ris", SETTINGS))) == len(RECORDS)


# --- CSL styles (citeproc-py) ------------------------------------------------------------


@pytest.mark.parametrize("fmt", cite.STYLES)
@pytest.mark.parametrize("slug", sorted(RECORDS))
def test_styles_look_right(slug, fmt):
    record = RECORDS[slug]
    text = cite.render(record, fmt, SETTINGS)
    assert text and text == text.strip()
    assert "['" not in text and "{'" not in text and "[{" not in text  # no Python reprs
    assert not text.startswith(("1.", "1 ", "[1]"))  # no reference number
    assert "?." not in text and "!." not in text
    title_core = record["title"].rstrip(".?!").replace("'", "\u2019")  # apostrophes printed as citeproc-js does
    assert text.count(title_core) == 1  # the title once, also when there are no authors
    if "doi" in record and fmt != "vancouver":
        assert record["doi"] in text  # verbatim


def test_tidy_mends_citeproc_defects():
    raw = "1.Title now?. Title now?. Journal. 2017;"
    assert tidy(raw, title="Title now?", has_authors=False, identifiers=[]) == "Title now? Journal. 2017."
    raw = "Smith J. Title?. J. doi:10.1/a..b"
    assert tidy(raw, title="Title?", has_authors=True, identifiers=["10.1/a..b"]) == "Smith J. Title? J. doi:10.1/a..b"


def test_unknown_format_is_a_usage_error():
    from atlas_cli.core.errors import UsageError

    with pytest.raises(UsageError, match="unknown citation format 'mla'"):
        cite.render(RECORDS["mensah-2017-chronic-fatigue"], "mla", SETTINGS)


def test_shipped_styles_keep_their_licence_and_parse():
    from atlas_cli.cite.styles import STYLE_FILES, STYLES_DIR, _style

    for name, file_name in STYLE_FILES.items():
        text = (STYLES_DIR / file_name).read_text(encoding="utf-8")
        assert "<rights" in text and "creativecommons.org/licenses/by-sa/3.0" in text
        assert "<author>" in text
        assert _style(name) is not None
    assert "CC BY-SA 3.0" in (STYLES_DIR / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["apa", "vancouver", "ama"])
def test_single_name_author_is_not_turned_into_an_initial(fmt):
    # A mononym (only `given`) is a whole name: no style may print it as "M." or "M".
    record = dict(
        RECORDS["mensah-2017-chronic-fatigue"], authors=[{"given": "Madonna"}, {"family": "Smith", "given": "Ann"}]
    )
    text = cite.render(record, fmt, SETTINGS)
    assert "Madonna" in text, text
    item = json.loads(cite.render(record, "csl-json", SETTINGS))[0]
    assert item["author"][0] == {"literal": "Madonna"}


def test_a_year_written_as_text_is_still_a_csl_date():
    # `year: "2019"` (quoted in the YAML) is still the year 2019, not a literal date string.
    record = dict(RECORDS["mensah-2017-chronic-fatigue"], year="2019")
    item = json.loads(cite.render(record, "csl-json", SETTINGS))[0]
    assert item["issued"] == {"date-parts": [[2019]]}
    odd = json.loads(cite.render(dict(record, year="in press"), "csl-json", SETTINGS))[0]
    assert odd["issued"] == {"literal": "in press"}


@pytest.mark.parametrize(
    "fmt, expected",
    [
        ("apa", "Cell. (2019). Cell."),
        ("vancouver", "Cell. Cell. 2019."),
        ("ama", "Cell. Cell. Published online 2019."),
    ],
)
def test_no_authors_and_a_journal_named_like_the_title_keeps_the_journal(fmt, expected):
    record = {"slug": "unknown-2019-cell", "title": "Cell", "authors": [], "journal": "Cell", "year": 2019}
    assert cite.render(record, fmt, SETTINGS) == expected


@pytest.mark.parametrize("fmt", cite.STYLES)
def test_no_authors_and_a_journal_starting_with_the_title_keeps_the_journal(fmt):
    record = {
        "slug": "unknown-2019-fatigue",
        "title": "Fatigue",
        "authors": [],
        "year": 2019,
        "journal": "Fatigue: Biomedicine, Health & Behavior",
        "volume": "7",
        "pages": "1-10",
    }
    text = cite.render(record, fmt, SETTINGS)
    assert "Fatigue: Biomedicine, Health & Behavior" in text, text
    assert text.startswith("Fatigue. ") and text.count("Fatigue") == 2, text


@pytest.mark.parametrize(
    "pages, shown",
    [
        ("1-10", "1\u201310"),
        ("95-105", "95\u2013105"),
        ("100-110", "100\u201310"),
        ("e1-e10", "e1\u201310"),  # the prefix printed once, as citeproc-js does
        ("S1-S10", "S1\u201310"),
        ("e0123-e0130", "e0123\u201330"),
        ("321-328", "321\u20138"),
    ],
)
def test_vancouver_page_ranges_drop_only_repeated_digits(pages, shown):
    # Vancouver abbreviates 321-328 as 321-8, but 1-10 is not "1-0", nor 95-105 "95-5".
    record = dict(RECORDS["mensah-2017-chronic-fatigue"], volume="7", pages=pages)
    text = cite.render(record, "vancouver", SETTINGS)
    assert f"2017;7:{shown}." in text, text


BOOK = {
    "slug": "institute-2015-beyond-myalgic",
    "title": "Beyond ME/CFS: Redefining an Illness",
    "authors": [{"literal": "Institute of Medicine"}],
    "publisher": "The National Academies Press",
    "year": 2015,
    "doi": "10.17226/19012",
    "publication_type": "book",
}


def test_a_book_is_cited_with_its_publisher(csl_validator):
    settings = fixture_settings()
    assert primary(BOOK) == (
        "Institute of Medicine (2015). Beyond ME/CFS: Redefining an Illness. "
        "The National Academies Press. https://doi.org/10.17226/19012"
    )
    bib = cite.render(BOOK, "bibtex", settings)
    assert bib.startswith("@book{") and "publisher = {The National Academies Press}," in bib
    assert "journal" not in bib and "series" not in bib
    item = json.loads(cite.render(BOOK, "csl-json", settings))[0]
    assert item["type"] == "book" and item["publisher"] == "The National Academies Press"
    csl_validator.validate([item])
    assert "PB  - The National Academies Press" in cite.render(BOOK, "ris", settings).splitlines()
    assert "The National Academies Press" in cite.render(BOOK, "apa", settings)


def test_a_one_page_range_is_one_page_in_every_format():
    record = dict(RECORDS["mensah-2017-chronic-fatigue"], pages="27-27", volume="47", issue="2")
    item = json.loads(cite.render(record, "csl-json", SETTINGS))[0]
    assert item["page"] == "27"
    assert "pages = {27}," in cite.render(record, "bibtex", SETTINGS)
    ris_rows = cite.render(record, "ris", SETTINGS).splitlines()
    assert "SP  - 27" in ris_rows and not any(r.startswith("EP") for r in ris_rows)
    for fmt in cite.STYLES:
        assert "27–" not in cite.render(record, fmt, SETTINGS) and "27-27" not in cite.render(record, fmt, SETTINGS)


def test_the_journal_abbreviation_is_the_short_container_title(csl_validator):
    record = dict(RECORDS["mensah-2017-chronic-fatigue"], journal_abbrev="Neurophysiol Clin")
    items = json.loads(cite.render(record, "csl-json", SETTINGS))
    csl_validator.validate(items)
    assert items[0]["container-title-short"] == "Neurophysiol Clin"
    assert "J2  - Neurophysiol Clin" in cite.render(record, "ris", SETTINGS).splitlines()
    assert "? Neurophysiol Clin. " in cite.render(record, "ama", SETTINGS)


@pytest.mark.parametrize(
    "fmt, expected",
    [
        ("apa", "Distances et Médiations Des Savoirs, 2(8)."),  # citeproc-js keeps its stop word `et` lower case
        ("ama", "Distances et médiations des savoirs. 2014;2(8)."),
    ],
)
def test_title_case_follows_citeproc_js(fmt, expected):
    record = {
        "title": "Distance(s), proximity and presence(s): evolving concepts",
        "authors": [{"family": "Peraya", "given": "Daniel"}],
        "journal": "Distances et médiations des savoirs",
        "year": 2014,
        "volume": "2",
        "issue": "8",
    }
    assert cite.render(record, fmt, SETTINGS).endswith(expected)


def test_quotes_apostrophes_and_ranges_as_citeproc_js_prints_them():
    record = {
        "title": 'Peer Review #2 of "Human agency beliefs (v0.1)"',
        "authors": [{"family": "O'Brien", "given": "Ann"}],
        "journal": "Journal of Tests",
        "year": 2017,
        "volume": "13",
        "issue": "2-3",
    }
    apa = cite.render(record, "apa", SETTINGS)
    assert apa.startswith("O’Brien, A. (2017). Peer Review #2 of “Human agency beliefs (v0.1).” Journal of Tests")
    assert "13(2–3)" in apa
    assert "13(2-3)" in cite.render(record, "ama", SETTINGS)  # AMA's range delimiter is a hyphen
    assert json.loads(cite.render(record, "csl-json", SETTINGS))[0]["title"] == record["title"]  # data as written
