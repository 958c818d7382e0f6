"""Crossref work -> draft record (pure): fields, markup, authors, dates, flags, updates."""

from datetime import date

import pytest
from fake_services import work

from atlas_cli.add.draft import build_draft
from atlas_cli.core.records import order_record
from atlas_cli.services.pubmed import PubMedHit
from atlas_cli.services.work import clean_text

TODAY = date(2026, 5, 30)


def draft(message, asked=None, **kw):
    return build_draft(message, asked_doi=asked or message["DOI"], today=TODAY, **kw)


def test_a_plain_work_becomes_a_complete_draft():
    result = draft(work("10.1234/abcd", "A study of things", ORCID=None))
    record = result.record
    assert result.problem is None
    assert record["status"] == "draft"
    assert record["title"] == "A study of things"
    assert record["authors"] == [{"family": "Smith", "given": "Ann"}]
    assert record["journal"] == "Journal of Tests"
    assert (record["year"], record["volume"], record["issue"], record["pages"]) == (2020, "12", "3", "100-110")
    assert record["doi"] == "10.1234/abcd" and "doi_aliases" not in record and "pmid" not in record
    assert record["publication_type"] == "journal-article"
    assert record["pem"] == {"badge": "unclear", "criteria": [], "rationale": record["pem"]["rationale"]}
    for key in ("summary", "why_it_matters", "does_not_show"):
        assert record[key].startswith("TODO:")
    assert record["pem"]["rationale"].startswith("TODO:")
    assert record["topics"] == [] and "flags" not in record and "updates" not in record
    assert record["snapshot_date"] == record["added"] == "2026-05-30"
    assert None not in record.values()
    assert list(order_record({"slug": "x", **record}))[:3] == ["slug", "status", "title"]


@pytest.mark.parametrize(
    "raw,clean",
    [
        ("Sexual conflict in <i>Drosophila</i>", "Sexual conflict in Drosophila"),
        (
            "Construction of a reference panel for <i>KRAS</i> /\n                    <i>NRAS</i> mutations",
            "Construction of a reference panel for KRAS / NRAS mutations",
        ),
        ("CO<sub>2</sub> and <scp>me/cfs</scp>", "CO2 and me/cfs"),
        ("<jats:title>Immune <jats:italic>cells</jats:italic></jats:title>", "Immune cells"),
        ("  Gut &amp; brain:\tthe  axis  ", "Gut & brain: the axis"),
        ("p < 0.05 in ME/CFS?", "p < 0.05 in ME/CFS?"),
        ("Fatigue — “quoted” Ünïcode", "Fatigue — “quoted” Ünïcode"),
        # escaped twice by the publisher (a real Copernicus title): decoded all the way
        (
            "The Atmospheric Bridge Communicated the δ&amp;lt;sup&amp;gt;13&amp;lt;/sup&amp;gt;C Decline",
            "The Atmospheric Bridge Communicated the δ13C Decline",
        ),
        ("Gut &amp;amp; brain &#x3b1;-synuclein &#946;", "Gut & brain α-synuclein β"),
        # MathML with a TeX alternative: the formula once, as plain text
        (
            "<jats:inline-formula><jats:alternatives><jats:tex-math>$CO_2$</jats:tex-math>"
            "<mml:math><mml:msub><mml:mi>CO</mml:mi><mml:mn>2</mml:mn></mml:msub></mml:math>"
            "</jats:alternatives></jats:inline-formula> flux",
            "CO2 flux",
        ),
        ("p &lt; 0.05 &amp; R&D; in <3 years", "p < 0.05 & R&D; in <3 years"),
    ],
)
def test_title_markup_and_whitespace_removed_nothing_else(raw, clean):
    assert clean_text(raw) == clean
    assert draft(work("10.1234/abcd", raw)).record["title"] == clean


def test_names_and_journal_are_decoded_fully():
    message = work(
        "10.1234/abcd",
        author=[{"given": "J&amp;amp;uuml;rgen", "family": "M&uuml;ller"}],
        **{"container-title": ["Fatigue: Biomedicine, Health &amp;amp; Behavior"]},
    )
    record = draft(message).record
    assert record["authors"] == [{"family": "Müller", "given": "Jürgen"}]
    assert record["journal"] == "Fatigue: Biomedicine, Health & Behavior"


@pytest.mark.parametrize(
    "short,expected",
    [
        (["Pediatr. Neurol."], "Pediatr. Neurol."),
        (["Pediatric Neurology"], None),  # the title again
        (["dms"], None),  # a code, not an abbreviation
        (["EFS2", "EFSA Journal"], "EFS2"),
        ([], None),
    ],
)
def test_journal_abbreviation_from_crossref(short, expected):
    message = work("10.1234/abcd", **{"container-title": ["Pediatric Neurology"], "short-container-title": short})
    assert draft(message).record.get("journal_abbrev") == expected


def test_pubmed_abbreviation_wins_over_crossref():
    hit = PubMedHit(doi="10.1234/abcd", pmid="42", journal="Pediatric neurology", journal_abbrev="Pediatr Neurol")
    message = work("10.1234/abcd", **{"short-container-title": ["Pediatr. Neurol."]})
    record = draft(message, pubmed=hit).record
    assert (record["journal"], record["journal_abbrev"]) == ("Pediatric neurology", "Pediatr Neurol")


@pytest.mark.parametrize(
    "kind,container,expected",
    [
        ("journal-article", "Journal of Tests", None),
        ("posted-content", None, None),  # the server is the `journal`
        ("book", None, "Test Press"),
        ("book-chapter", "A Book", "Test Press"),
        ("proceedings-article", "Proc. of Things", "Test Press"),
        ("report", None, "Test Press"),
        ("report", "A Laboratory", None),  # the laboratory stands as publisher
    ],
)
def test_publisher_recorded_for_types_cited_with_one(kind, container, expected):
    message = work("10.1234/abcd", type=kind, **{"container-title": [container] if container else []})
    assert draft(message).record.get("publisher") == expected


def test_subtitle_is_joined():
    assert draft(work("10.1234/abcd", "Main", subtitle=["a subtitle"])).record["title"] == "Main: a subtitle"


def test_authors_orcid_organisations_suffix_and_family_only():
    message = work(
        "10.1234/abcd",
        author=[
            {
                "given": "Petra",
                "family": "Dersch",
                "ORCID": "https://orcid.org/0000-0001-8177-307x",
                "authenticated-orcid": True,
                "sequence": "first",
                "affiliation": [{"name": "HZI"}],
            },
            {"name": "GTEx Consortium", "sequence": "additional"},
            {"family": "Sheherazade"},
            {"given": "John", "family": "Smith", "suffix": "Jr."},
            {"given": "  Ann  Marie ", "family": " O’Brien "},
            {"affiliation": []},
            {"given": "Onlygiven"},
        ],
    )
    assert draft(message).record["authors"] == [
        {"family": "Dersch", "given": "Petra", "orcid": "0000-0001-8177-307X"},
        {"literal": "GTEx Consortium"},
        {"family": "Sheherazade"},
        {"family": "Smith", "given": "John", "suffix": "Jr."},
        {"family": "O’Brien", "given": "Ann Marie"},
        {"given": "Onlygiven"},
    ]


def test_no_authors_is_an_empty_list_with_a_notice():
    result = draft(work("10.1234/abcd", author=[]))
    assert result.record["authors"] == []
    assert any("no authors" in n for n in result.notices)
    message = work("10.1234/abcd")
    del message["author"]
    assert draft(message).record["authors"] == []


def test_thousands_of_authors_are_all_kept():
    message = work("10.1234/abcd", author=[{"given": f"G{i}", "family": f"Fam{i}"} for i in range(3000)])
    authors = draft(message).record["authors"]
    assert len(authors) == 3000 and authors[-1] == {"family": "Fam2999", "given": "G2999"}


def test_non_ascii_everywhere_is_kept():
    message = work(
        "10.1234/abcd",
        "Fatigue chez les malades: «étude» 慢性疲劳",
        family="Ramírez-Øie",
        **{"container-title": ["Revue médicale suisse"]},
    )
    record = draft(message).record
    assert record["title"] == "Fatigue chez les malades: «étude» 慢性疲劳"
    assert record["authors"][0]["family"] == "Ramírez-Øie"
    assert record["journal"] == "Revue médicale suisse"


@pytest.mark.parametrize(
    "dates,year",
    [
        ({"issued": {"date-parts": [[2019]]}, "published-print": {"date-parts": [[2018, 1]]}}, 2019),
        ({"issued": {"date-parts": [[None]]}, "published-print": {"date-parts": [[2018, 1]]}}, 2018),
        ({"published-online": {"date-parts": [[2017, 3, 4]]}}, 2017),
    ],
)
def test_year_issued_then_print_then_online(dates, year):
    message = work("10.1234/abcd", year=None, **dates)
    assert draft(message).record["year"] == year


def test_no_date_is_a_draft_without_a_year_flagged_and_explained():
    message = work("10.1234/abcd", year=None, issued={"date-parts": [[None]]})
    message["created"] = {"date-parts": [[2013, 5, 24]]}
    result = draft(message)
    assert result.problem is None
    assert "year" not in result.record and result.record["flags"] == ["no-date"]
    notice = next(n for n in result.notices if "no publication date" in n)
    for field in ("issued", "published-print", "published-online", "published", "posted", "approved"):
        assert field in notice
    assert "registered in 2013" in notice


def test_no_date_but_pubmed_year_is_used():
    hit = PubMedHit(doi="10.1234/abcd", pmid="42", year=2011)
    result = draft(work("10.1234/abcd", year=None), pubmed=hit)
    assert result.record["year"] == 2011 and result.record["pmid"] == "42"


@pytest.mark.parametrize("title", [[], [""], ["<i></i>"], ["<mml:math><mml:mi/></mml:math>"], None])
def test_no_title_or_markup_only_is_a_problem(title):
    message = work("10.1234/abcd")
    message["title"] = title
    result = draft(message)
    assert result.record is None and "title" in result.problem


def test_pubmed_journal_and_pmid_win():
    hit = PubMedHit(doi="10.1234/abcd", pmid="28410877", journal="Neurophysiologie clinique = Clinical neurophysiology")
    record = draft(work("10.1234/abcd"), pubmed=hit).record
    assert record["journal"] == "Neurophysiologie clinique = Clinical neurophysiology"
    assert record["pmid"] == "28410877"


def test_article_number_wins_over_page():
    message = work("10.1234/abcd", page="e000776", **{"article-number": "e000776"})
    record = draft(message).record
    assert record["article_number"] == "e000776" and "pages" not in record


def test_alias_is_recorded_and_flagged():
    result = draft(
        work(
            "10.26434/chemrxiv.5406907.v5",
            type="posted-content",
            **{"container-title": []},
            institution=[{"name": "ChemRxiv"}],
        ),
        asked="10.26434/chemrxiv.5406907",
        via_redirect=True,
    )
    record = result.record
    assert record["doi"] == "10.26434/chemrxiv.5406907.v5"
    assert record["doi_aliases"] == ["10.26434/chemrxiv.5406907"]
    assert record["flags"] == ["preprint", "doi-alias"]
    assert record["journal"] == "ChemRxiv"
    assert record["publication_type"] == "posted-content"


def test_asked_in_other_case_is_not_an_alias():
    record = draft(work("10.1234/abcd"), asked="10.1234/ABCD").record
    assert "doi_aliases" not in record and "flags" not in record


def _update(kind, doi, source="publisher", when=(2021, 5, 8)):
    return {
        "DOI": doi,
        "type": kind,
        "label": kind,
        "source": source,
        "updated": {"date-parts": [list(when)], "date-time": "{:04d}-{:02d}-{:02d}T00:00:00Z".format(*when)},
    }


def test_updated_by_maps_types_and_flags():
    message = work(
        "10.1234/abcd",
        **{
            "updated-by": [
                _update("correction", "10.1234/corr"),
                _update("Retraction", "10.1234/retr", source="retraction-watch"),
                _update("expression_of_concern", "10.1234/eoc"),
                _update("new_version", "10.1234/abcd"),  # itself: ignored
                _update("something_new", "10.1234/other"),
            ]
        },
    )
    result = draft(message)
    record = result.record
    assert record["updates"] == [
        {"type": "correction", "doi": "10.1234/corr", "date": "2021-05-08", "source": "publisher"},
        {"type": "retraction", "doi": "10.1234/retr", "date": "2021-05-08", "source": "retraction-watch"},
        {"type": "expression-of-concern", "doi": "10.1234/eoc", "date": "2021-05-08", "source": "publisher"},
        {"type": "other", "doi": "10.1234/other", "date": "2021-05-08", "source": "publisher"},
    ]
    assert record["flags"] == ["corrected", "retracted", "expression-of-concern"]
    assert any("retraction" in n and "retraction-watch" in n for n in result.notices)


def test_only_retraction_like_types_mean_retracted():
    record = draft(work("10.1234/abcd", **{"updated-by": [_update("correction", "10.1234/c")]})).record
    assert "retracted" not in record["flags"]
    record = draft(work("10.1234/abcd", **{"updated-by": [_update("withdrawal", "10.1234/w")]})).record
    assert record["flags"] == ["withdrawn"]


def test_a_notice_is_flagged_as_not_a_paper():
    result = draft(
        work(
            "10.1234/notice", "Retraction notice to: A study", **{"update-to": [_update("retraction", "10.1234/abcd")]}
        )
    )
    record = result.record
    assert {"notice", "not-a-paper"} <= set(record["flags"])
    assert "10.1234/abcd" in record["notes"] and "updates" not in record
    erratum = draft(work("10.1234/err", "Erratum", **{"update-to": [_update("correction", "10.1234/abcd")]}))
    assert {"notice", "erratum", "not-a-paper"} <= set(erratum.record["flags"])


@pytest.mark.parametrize(
    "title,flag",
    [
        ("RETRACTED: Immune cells in ME/CFS", "retracted"),
        ("Editorial: the year in fatigue research", "editorial"),
        ("Summaries for patients. Rituximab in chronic fatigue", "patient-summary"),
        ("Book review: The fatigue book", "book-review"),
        ("Corrigendum to 'Immune cells'", "erratum"),
    ],
)
def test_title_signals(title, flag):
    assert flag in draft(work("10.1234/abcd", title)).record["flags"]


@pytest.mark.parametrize(
    "kind,flags",
    [
        ("component", ["component", "not-a-paper"]),
        ("peer-review", ["not-a-paper"]),
        ("posted-content", ["preprint"]),
        ("book-series", None),
    ],
)
def test_type_flags(kind, flags):
    record = draft(work("10.1234/abcd", type=kind)).record
    assert record.get("flags") == flags
    assert record["publication_type"] == (kind if kind != "book-series" else "other")


@pytest.mark.parametrize(
    "updated,expected",
    [
        ({"date-parts": [[2020, 13, 45]]}, None),
        ({"date-parts": [[2020, 0, 0]]}, None),
        ({"date-time": "2020-02-30T00:00:00Z"}, None),
        ({"date-time": "2020-02-29T10:00:00Z"}, "2020-02-29"),
        ({"date-parts": [[2021, 2, 3]]}, "2021-02-03"),
        ({"date-parts": [[2021, 2]]}, None),
    ],
)
def test_an_impossible_notice_date_is_left_out_rather_than_written(updated, expected):
    record = draft(
        work("10.1234/abcd", **{"updated-by": [{"DOI": "10.1234/notice", "type": "retraction", "updated": updated}]})
    ).record
    [update] = record["updates"]
    assert update.get("date") == expected


def test_markup_in_author_names_is_removed():
    record = draft(
        work(
            "10.1234/abcd",
            author=[{"given": "<b>Prince</b>"}, {"family": "<i>Sm&iacute;th</i>", "given": "A<sup>1</sup>"}],
        )
    ).record
    assert record["authors"] == [{"given": "Prince"}, {"family": "Smíth", "given": "A1"}]


@pytest.mark.parametrize("kind,flag", [("correction", "corrected"), ("Retraction", "retracted")])
def test_update_to_pointing_at_itself_is_an_update_in_place_not_a_notice(kind, flag):
    result = draft(
        work(
            "10.1234/Self",
            **{"update-to": [{"DOI": "10.1234/self", "type": kind, "updated": {"date-parts": [[2021, 1, 2]]}}]},
        ),
        asked="10.1234/self",
    )
    record = result.record
    assert "notice" not in record.get("flags", []) and "not-a-paper" not in record.get("flags", [])
    assert flag in record["flags"]
    assert record["updates"] == [{"type": kind.lower(), "doi": "10.1234/self", "date": "2021-01-02"}]
    assert "notes" not in record
    assert any("in place" in notice for notice in result.notices), result.notices


def test_update_to_another_work_is_still_a_notice():
    record = draft(work("10.1234/notice", **{"update-to": [{"DOI": "10.1234/paper", "type": "retraction"}]})).record
    assert {"notice", "not-a-paper"} <= set(record["flags"])
