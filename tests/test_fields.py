"""core.fields: a record's fields read defensively, the one way every command reads them."""

from __future__ import annotations

import pytest

from atlas_cli.core import fields, textfold


def test_clean_is_one_line_of_text_or_none():
    assert fields.clean("  Chronic\n fatigue   syndrome ") == "Chronic fatigue syndrome"
    assert fields.clean(2017) == "2017"
    assert fields.clean(1.5) == "1.5"
    for value in (None, True, False, "", "   ", ["a"], {"a": 1}):
        assert fields.clean(value) is None


def test_block_keeps_lines_and_paragraphs_split_them():
    assert fields.block("  one\nline\n\n  two  ") == "one\nline\n\n  two"
    assert fields.block(["not", "text"]) is None
    assert fields.paragraphs("one\nline\n\n  two  ") == ["one line", "two"]
    assert fields.paragraphs(3) == []


def test_lists_keep_only_what_they_should():
    assert fields.strings(["a", 1, None, "b", True]) == ["a", "b"]
    assert fields.strings("not a list") == []
    assert fields.texts([" a  b ", "", 3, None]) == ["a b", "3"]


def test_year_accepts_integers_and_digit_text_only():
    assert fields.year({"year": 2017}) == 2017
    assert fields.year({"year": " 2017 "}) == 2017
    for bad in (True, "2017a", None, 2017.0, ["2017"]):
        assert fields.year({"year": bad}) is None


def test_pem_block_and_badge():
    assert fields.badge({"pem": {"badge": "required"}}) == "required"
    assert fields.badge({"pem": ["required"]}) is None
    assert fields.pem({"pem": "required"}) == {}


def test_author_names_defensively():
    record = {
        "authors": [
            {"family": "van Campen", "given": "Linda"},
            {"literal": "GTEx Consortium"},
            {"family": "King", "given": "Martin", "suffix": "Jr."},
            ["not", "a", "name"],
            {"family": 7},
            "  Written   as one string ",
            {"family": "Fluge", "literal": "ignored when a family name is there"},
            {},
        ]
    }
    assert fields.author_names(record) == [
        "van Campen, Linda",
        "GTEx Consortium",
        "King, Martin, Jr.",
        "7",
        "Written as one string",
        "Fluge",
    ]
    assert fields.first_author_family(record) == "van Campen"
    assert fields.first_author_family({"authors": [{"literal": "CFS Study Group"}]}) == "CFS Study Group"
    assert fields.first_author_family({"authors": "nobody"}) is None


def test_header_authors():
    assert fields.header_authors([]) is None
    assert fields.header_authors(["A, B"]) == "A, B"
    assert fields.header_authors(["A", "B", "C"]) == "A, B, C"
    assert fields.header_authors(["A", "B", "C", "D"]) == "A, B, C et al."


def test_doi_url_percent_encodes_what_a_url_cannot_carry():
    assert fields.doi_url("10.1016/j.neucli.2017.02.002") == "https://doi.org/10.1016/j.neucli.2017.02.002"
    assert (
        fields.doi_url("10.1002/(SICI)1097-4636<1>3.0.CO;2-#")
        == "https://doi.org/10.1002/(SICI)1097-4636%3C1%3E3.0.CO;2-%23"
    )
    assert '"' not in fields.doi_url('10.1/x"y')


@pytest.mark.parametrize(
    ("update", "flag"),
    [("retraction", "retracted"), ("removal", "retracted"), ("withdrawal", "withdrawn"), ("addendum", "corrected")],
)
def test_one_table_says_what_a_notice_means(update, flag):
    assert fields.UPDATE_FLAGS[update] == flag


def test_retraction_types_are_the_notices_after_which_a_paper_no_longer_stands():
    assert fields.RETRACTION_TYPES == {"retraction", "partial-retraction", "withdrawal", "removal"}
    assert fields.update_types({"updates": [{"type": "retraction"}, {"type": 3}, "x"]}) == {"retraction"}


def test_search_folding():
    assert textfold.fold("Müller Øie ÉCLAIR") == "muller oie eclair"
    assert textfold.fold("Plain ASCII, Title") == "plain ascii, title"
