"""The phrase syntax of the registries (core.phrases) and its matcher (criteria.phraseset)."""

from __future__ import annotations

import pytest

from atlas_cli.core.phrases import check_phrase
from atlas_cli.criteria.phraseset import PhraseSet, TokenIndex, longest_first

PEM = {"pem": ["PEM", "post-exertional malaise"]}


def found(phrase: str, text: str) -> list[str]:
    hits = PhraseSet([(phrase, "x")], PEM).find(TokenIndex(text))
    return [text[h.start : h.end] for h in hits]


@pytest.mark.parametrize(
    ("phrase", "text", "expected"),
    [
        # case: ignored, except in words written in capitals
        ("Canadian Consensus Criteria", "the canadian consensus criteria", ["canadian consensus criteria"]),
        ("CCC", "ccc", []),
        ("ME/CFS", "me/cfs patients", []),
        ("ME/CFS", "ME/CFS patients", ["ME/CFS"]),
        # whole words only
        ("met", "metabolic", []),
        ("ICC", "ICCs were high", []),
        ("ICC", "ME/CFS-ICC patients", ["ICC"]),
        # spaces, line breaks and dashes between words; optional hyphens inside a word
        ("CDC 1994", "CDC-1994 criteria", ["CDC-1994"]),
        ("Canadian Clinical Criteria", "the Canadian Clinical Criteria \nfor", ["Canadian Clinical Criteria"]),
        ("post-exertional malaise", "postexertional malaise", ["postexertional malaise"]),
        ("post-exertional malaise", "post exertional malaise", ["post exertional malaise"]),
        ("post-exertional malaise", "post\u2010exertional malaise", ["post\u2010exertional malaise"]),
        ("ME-ICC", "the MEICC", ["MEICC"]),
        # punctuation stands for itself, spaces around it optional
        ("( N meeting", "female PCS (78 meeting CCC", ["(78 meeting"]),
        ("Carruthers et al. ( 2003 )", "Carruthers et al. (2003)", ["Carruthers et al. (2003)"]),
        ("ICC =", "ICC=0.8", ["ICC="]),
        ("Ramsay's criteria", "Ramsay\u2019s criteria", ["Ramsay\u2019s criteria"]),
        # word* any ending
        ("fulfil*", "they fulfilled it", ["fulfilled"]),
        ("self-identif*", "adults self-identifying as", ["self-identifying"]),
        # ... up to three words, never a connector or a small word
        (
            "Canadian ... criteria",
            "the Canadian clinical diagnostic criteria",
            ["Canadian clinical diagnostic criteria"],
        ),
        ("Canadian ... criteria", "the Canadian criteria", ["Canadian criteria"]),
        ("Canadian ... criteria", "the Canadian and Fukuda criteria", []),
        ("Canadian ... criteria", "Canadian patients who met the criteria", []),
        ("Canadian ... criteria", "Canadian one two three four criteria", []),
        # numbers and percentages
        ("including N who", "including twenty-six who also met", ["including twenty-six who"]),
        ("including N who", "including 1,388 who", ["including 1,388 who"]),
        ("N ( N% ) also", "47 (85.5%) also satisfied", ["47 (85.5%) also"]),
        ("diagnosed before N", "ME/CFS diagnosed\n  before 2019;", ["diagnosed\n  before 2019"]),
        # lists
        ("{pem} requirement", "Fukuda criteria + PEM requirement", ["PEM requirement"]),
        (
            "required to have {pem}",
            "were required to have post exertional malaise",
            ["required to have post exertional malaise"],
        ),
    ],
)
def test_phrase_matches(phrase, text, expected):
    assert found(phrase, text) == expected


@pytest.mark.parametrize(
    ("phrase", "problem"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("... criteria", "between two words"),
        ("Canadian ...", "between two words"),
        ("a ... ... b", "two `...` in a row"),
        ("ful*fil", "`*` may only end a word"),
        ("{pem} requirement", "unknown list {pem}"),
        ("{PEM}", "lower case"),
        (42, "must be text"),
    ],
)
def test_a_malformed_phrase_says_why(phrase, problem):
    assert problem in (check_phrase(phrase) or "")


def test_a_known_list_is_accepted():
    assert check_phrase("{pem} requirement", ["pem"]) is None


def test_the_longest_phrase_wins_where_phrases_overlap():
    phrases = PhraseSet([("Canadian criteria", "short"), ("revised Canadian criteria", "long"), ("CCC", "abbr")])
    text = "They met the revised Canadian criteria (CCC)."
    kept = longest_first(phrases.find(TokenIndex(text)))
    assert [(text[h.start : h.end], h.label) for h in kept] == [
        ("revised Canadian criteria", "long"),
        ("CCC", "abbr"),
    ]


def test_find_within_a_range_and_with_a_limit():
    phrases = PhraseSet([("CCC", "x")])
    text = "CCC one. CCC two. CCC three."
    index = TokenIndex(text)
    assert [h.start for h in phrases.find(index, 5, 20)] == [9]
    assert [h.start for h in phrases.find(index, limit=2)] == [0, 9]
    assert phrases.first(index, 10).start == 18


def test_token_index_counts_words_only():
    assert TokenIndex("").words == 0
    assert TokenIndex(" ... (( -- ").words == 0
    assert TokenIndex("Patients (n = 20) met it.").words == 5
