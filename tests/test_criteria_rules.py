"""`atlas criteria`'s reading of case definitions, on passages written for these tests.

Each passage is invented (paraphrasing the kinds of sentences papers use) and
exercises one hard case: aliases, false friends, versions by year, how several
definitions combine, subsets, background mentions, PEM screens, designs without
participants, cohorts of another illness. The shared labelled passages are read
by test_criteria_dev.py when they are present; nothing here depends on them.
"""

from __future__ import annotations

import json

import pytest

from atlas_cli.core.config import find_schemas_dir
from atlas_cli.core.pem import decide
from atlas_cli.core.registries import load_registries
from atlas_cli.criteria import model, propose_text
from atlas_cli.criteria.model import Proposal

SCHEMAS = find_schemas_dir()


def read(text: str, year: int | None = None) -> Proposal:
    proposal = propose_text(text, SCHEMAS, year)
    for quote in proposal.quotes:  # every quote is the input's own words, where it says
        assert text[quote.start : quote.end] == quote.text
    json.dumps(proposal.to_dict())  # JSON-ready
    return proposal


def roles(proposal: Proposal, finding: str) -> dict[str | None, str | None]:
    return {q.id: q.role for q in proposal.quotes if q.finding == finding}


# badge, criteria (as a set), combine, passage
CASES = [
    # aliases and names
    (
        "required",
        {"ccc-2003"},
        None,
        "Participants with ME/CFS satisfied the Canadian clinical criteria; controls were sedentary volunteers.",
    ),
    (
        "required",
        {"ccc-2003"},
        None,
        "Twelve women who had been diagnosed with ME based on the Canadian clinical diagnostic criteria took part.",
    ),
    (
        "not-required",
        {"fukuda-1994"},
        None,
        "Inclusion required fulfilment of the International Case Definition for CFS; 30 patients were enrolled.",
    ),
    (
        "not-required",
        {"fukuda-1994"},
        None,
        "All 44 adolescents met the 1994 CDC criteria for chronic fatigue syndrome.",
    ),
    ("not-required", {"holmes-1988"}, None, "Sample: n=19 CFS (CDC 1988 criteria), 12 female."),
    ("not-required", {"oxford-1991"}, None, "Adults meeting the Oxford criteria for CFS were randomised to four arms."),
    ("required", {"icc-2011"}, None, "ME/CFS was diagnosed using the International Consensus Criteria in all 52."),
    ("required", {"iom-2015"}, None, "Patients who met the Institute of Medicine criteria for ME/CFS were included."),
    ("required", {"ccc-revised-2010"}, None, "Participants met the revised Canadian ME/CFS case definition."),
    # how several definitions combine
    ("required", {"ccc-2003", "icc-2011"}, "any", "Patients with ME/CFS met either the CCC or the ICC."),
    ("not-required", {"fukuda-1994", "ccc-2003"}, "any", "Patients met the Fukuda criteria or the CCC."),
    (
        "not-required",
        {"ccc-2003", "fukuda-1994"},
        "any",
        "Inclusion criteria:\n  - cases must have a clinical diagnosis using CCC and/or CDC 1994 criteria.",
    ),
    (
        "required",
        {"fukuda-1994", "ccc-2003"},
        "all",
        "All patients fulfilled both the Fukuda and the Canadian criteria.",
    ),
    (
        "not-required",
        {"fukuda-1994", "icc-2011"},
        "any",
        "Sample size: n=20 ME/CFS (Fukuda) + 15 ME/CFS (ICC) + 22 healthy controls",
    ),
    (
        "required",
        {"ccc-2003", "icc-2011"},
        "any",
        "Sample size: 9 ME/CFS (CCC or ICC), 7 long COVID (WHO definition), 9 healthy controls.",
    ),
    (
        "required",
        {"ccc-2003", "fukuda-1994"},
        "all",
        "All subjects fulfilled the Canadian Consensus Criteria. All subjects also met the Fukuda criteria.",
    ),
    # a definition for only part of the cohort, or only talked about
    ("unclear", set(), None, "We followed 120 adults with long COVID, including 26 who also met the CCC."),
    ("unclear", set(), None, "n=150 female post-COVID patients (81 meeting CCC for ME/CFS) and 40 controls."),
    (
        "not-required",
        {"fukuda-1994"},
        None,
        "Cases (n = 40) fulfilled the CDC 1994 criteria, of whom 25 also fulfilled the CCC.",
    ),
    (
        "unclear",
        set(),
        None,
        "Diagnostic criteria such as the CCC and the ICC remain debated. We recruited 40 patients with ME/CFS.",
    ),
    ("unclear", set(), None, "Future trials should select patients with the International Consensus Criteria."),
    ("unclear", set(), None, "ME/CFS is diagnosed using the Canadian Consensus Criteria. Here, 50 adults took part."),
    ("unclear", set(), None, "Fifty ME/CFS patients who did not meet the CCC were studied."),
    ("unclear", set(), None, "Patients meeting the Canadian Consensus Criteria were excluded from this ME/CFS cohort."),
    ("unclear", set(), None, "Severity was graded according to the ICC severity scale in 60 ME/CFS patients."),
    (
        "not-required",
        {"fukuda-1994"},
        None,
        "Sixty patients met the Fukuda criteria. The ICC requires post-exertional neuroimmune exhaustion.",
    ),
    ("unclear", set(), None, "Patients with ME/CFS were classified as meeting the CCC or not."),
    ("unclear", set(), None, "The ME/CFS diagnosis was confirmed by the CCC in 45 of 60 patients."),
    ("unclear", set(), None, "Fifty-two percent of the ME/CFS sample met the CCC."),
    (
        "not-required",
        {"fukuda-1994"},
        None,
        "All patients met the Fukuda criteria; a subgroup also met the Canadian Consensus Criteria.",
    ),
    (
        "unclear",
        set(),
        None,
        "We previously showed that patients meeting the CCC have lower NK cytotoxicity. Here 40 patients took part.",
    ),
    ("unclear", set(), None, "Fifty ME/CFS patients, none of whom met the CCC, were studied."),
    (
        "unclear",
        set(),
        None,
        "Patients with post-COVID syndrome meeting the CCC (PCS-ME/CFS) and those not meeting them were compared.",
    ),
    ("unclear", set(), None, "Post-COVID patients were classified as PCS-ME/CFS when they met the CCC."),
    # groups compared: both are participants, either definition was enough
    (
        "not-required",
        {"ccc-2003", "fukuda-1994"},
        "any",
        "We compared patients who met the CCC with those who met only the Fukuda criteria.",
    ),
    (
        "not-required",
        {"ccc-2003", "fukuda-1994"},
        "any",
        "Patients meeting the CCC (n = 20) and patients meeting only the Fukuda criteria (n = 25) were recruited.",
    ),
    (
        "not-required",
        {"fukuda-1994"},
        None,
        "Eligible patients met the Fukuda criteria. Those meeting the IOM criteria had worse scores than those "
        "meeting the Fukuda criteria only.",
    ),
    # nothing named: unclear
    ("unclear", set(), None, "We used rigorous criteria to recruit participants with ME/CFS and matched controls."),
    ("unclear", set(), None, "Patients with ME/CFS were recruited from a tertiary fatigue clinic."),
    # rules that are not case definitions decide nothing
    ("unclear", {"physician-diagnosis"}, None, "An online survey of 300 physician-diagnosed CFS patients."),
    ("unclear", {"self-report"}, None, "Thirty adults self-identifying as having ME/CFS completed the questionnaire."),
    (
        "unclear",
        {"ccc-2003", "physician-diagnosis"},
        "any",
        "Groups: LC = long COVID meeting the Canadian Consensus Criteria; ME = ME/CFS diagnosed before 2018.",
    ),
]


@pytest.mark.parametrize(("badge", "criteria", "combine", "text"), CASES)
def test_badge_and_criteria_follow_the_text(badge, criteria, combine, text):
    proposal = read(text)
    assert (proposal.badge, set(proposal.criteria), proposal.combine) == (badge, criteria, combine), proposal.reason


@pytest.mark.parametrize(("badge", "criteria", "combine", "text"), CASES)
def test_the_badge_is_what_the_atlas_rule_decides_from_the_proposed_criteria(badge, criteria, combine, text):
    proposal = read(text)
    decision = decide(list(proposal.criteria), proposal.combine, proposal.pem_screen, load_registries(SCHEMAS))
    assert proposal.badge == (decision.badge or "unclear")


def test_every_criterion_and_mention_is_quoted():
    text = (
        "Background: definitions such as the ICC have been proposed. "
        "Methods: 30 patients who met the Fukuda criteria were enrolled; 12 of them also met the CCC."
    )
    proposal = read(text)
    assert proposal.criteria == ("fukuda-1994",)
    assert set(proposal.mentioned) == {"icc-2011", "ccc-2003"}
    assert roles(proposal, model.MENTIONED) == {"icc-2011": "background", "ccc-2003": "subset"}
    (criterion,) = [q for q in proposal.quotes if q.finding == model.CRITERION]
    assert criterion.id == "fukuda-1994" and criterion.text.startswith("Methods: 30 patients who met")


# --- false friends --------------------------------------------------------------------------


def test_icc_spelt_out_as_intraclass_correlation_is_not_the_definition():
    proposal = read(
        "Sixty-one CFS subjects took part in a 12-week trial. Scores were assessed for reliability "
        "using an intraclass correlation coefficient (ICC). The ICC was above 0.8 for every measure."
    )
    assert (proposal.badge, proposal.criteria, proposal.mentioned) == ("unclear", (), ())
    friends = roles(proposal, model.FALSE_FRIEND)
    assert list(friends) == ["icc-2011"] and "intraclass correlation" in friends["icc-2011"]


def test_icc_next_to_statistics_words_is_not_the_definition():
    proposal = read("In 40 ME/CFS patients the test-retest reliability was high (ICC = 0.91).")
    assert proposal.badge == "unclear" and proposal.criteria == ()


def test_icc_beside_a_cohort_is_the_definition():
    assert read("ME/CFS patients (ICC, n = 18) and healthy controls (n = 20) were scanned.").criteria == ("icc-2011",)


def test_oxford_criteria_for_colitis_are_not_the_cfs_definition_and_the_cohort_is_not_mecfs():
    proposal = read(
        "We reviewed the charts of 70 patients admitted with acute severe ulcerative colitis. "
        "Of the 30 patients who fulfilled the Oxford criteria, 11 needed a colectomy."
    )
    assert (proposal.badge, proposal.criteria, proposal.mecfs_cohort) == ("not-applicable", (), False)


def test_maximal_effort_criteria_are_not_a_case_definition():
    proposal = read(
        "Eighty persons with ME/CFS underwent a 2-day CPET. ME/CFS subjects met the Canadian Clinical Criteria; "
        "all subjects who met maximal effort criteria on both tests were included."
    )
    assert (proposal.badge, proposal.criteria) == ("required", ("ccc-2003",))


# --- versions by year (NICE) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "year", "badge", "criteria", "unresolved"),
    [
        (
            "We recruited adults who met the NICE criteria for chronic fatigue syndrome.",
            None,
            "not-required",
            ("nice-2007",),
            (),
        ),
        (
            "Adults met the UK National Institute for Health and Care Excellence criteria for CFS.",
            2016,
            "not-required",
            ("nice-2007",),
            (),
        ),
        (
            "Participants met NICE criteria for CFS and were randomised between 2008 and 2011.",
            None,
            "not-required",
            ("nice-2007",),
            (),
        ),
        ("Participants met the NICE 2021 criteria for ME/CFS.", None, "required", ("nice-2021",), ()),
        ("Participants met the NG206 criteria for ME/CFS.", None, "required", ("nice-2021",), ()),
        ("Participants met the NICE guideline (2021) for ME/CFS.", None, "required", ("nice-2021",), ()),
        (
            "Participants met NICE criteria for ME/CFS; recruitment ran from 2022 to 2024.",
            None,
            "unclear",
            (),
            ("nice",),
        ),
        ("Participants met NICE criteria for ME/CFS.", 2024, "unclear", (), ("nice",)),
        ("Participants met NICE criteria for ME/CFS and the CCC.", 2024, "required", ("ccc-2003",), ("nice",)),
        ("Participants met NICE criteria or the Fukuda criteria.", 2024, "not-required", ("fukuda-1994",), ("nice",)),
    ],
)
def test_a_nice_name_means_the_version_its_years_allow(text, year, badge, criteria, unresolved):
    proposal = read(text, year)
    assert (proposal.badge, proposal.criteria, proposal.unresolved) == (badge, criteria, unresolved)


def test_nice_named_for_another_group_or_for_severity_selects_no_one():
    comparison = read(
        "Inclusion criteria:\n  - ME/CFS cases must meet the CCC.\n"
        "  - MS cases must have a diagnosis made by a neurologist according to NICE guidelines."
    )
    assert comparison.criteria == ("ccc-2003",) and comparison.badge == "required"
    severity = read(
        "The study included 24 patients with severe ME/CFS. The main outcome was the change in disease "
        "severity, as assessed by the physician according to the NICE guidelines."
    )
    assert (severity.badge, severity.criteria) == ("unclear", ())


# --- PEM screens -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Findings: no change in peak VO2 in 58 ME/CFS (Fukuda criteria + PEM requirement) vs 25 controls.",
        "Sixty patients met the Fukuda criteria; in addition, post-exertional malaise was required for inclusion.",
        "Eligible participants met the Fukuda criteria and had to report post-exertional malaise.",
        "Inclusion was based on the Fukuda criteria and a positive DSQ-PEM screen.",
    ],
)
def test_a_mandatory_pem_screen_makes_pem_required(text):
    proposal = read(text)
    assert proposal.badge == "required" and proposal.criteria == ("fukuda-1994",)
    assert proposal.pem_screen and proposal.pem_screen in text
    assert [q.finding for q in proposal.quotes].count(model.PEM_SCREEN) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Patients met the Fukuda criteria; PEM was not required for inclusion.",
        "Patients met the Fukuda criteria. The CCC require post-exertional malaise, whereas Fukuda does not.",
        "Patients met the Fukuda criteria. Limitations: no PEM requirement was applied.",
        "Patients met the Fukuda criteria. The self-reported frequency of PEM was associated with worse function.",
    ],
)
def test_pem_named_without_a_screen_for_everyone_is_not_a_screen(text):
    proposal = read(text)
    assert (proposal.badge, proposal.pem_screen) == ("not-required", None)


# --- papers without participants -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "design"),
    [
        (
            "This systematic review summarises 40 studies of ME/CFS that used the CCC, ICC or Fukuda criteria.",
            "systematic-review",
        ),
        (
            "We searched MEDLINE for trials of ME/CFS patients meeting the Canadian Consensus Criteria.",
            "systematic-review",
        ),
        (
            "Study design: Systematic review and meta-analysis\nDiagnostic criteria: varied (Fukuda, CCC, IOM)",
            "systematic-review",
        ),
        ("This was a consensus study based on a literature review; the committee proposed new criteria.", "guideline"),
        (
            "The aim of this meta-analysis was to pool cortisol studies of CFS patients meeting CDC criteria.",
            "meta-analysis",
        ),
        ("In this narrative review we discuss the Canadian Consensus Criteria and the IOM report.", "narrative-review"),
    ],
)
def test_a_paper_without_participants_is_not_applicable(text, design):
    proposal = read(text)
    assert (proposal.badge, proposal.design, proposal.has_participants, proposal.criteria) == (
        "not-applicable",
        design,
        False,
        (),
    )
    assert any(q.finding == model.DESIGN for q in proposal.quotes)


@pytest.mark.parametrize(
    "text",
    [
        "This was a retrospective review of medical records; all 200 patients had met the Canadian Consensus Criteria.",
        "Seventy patients diagnosed by the Canadian Consensus Criteria were enrolled. A recent meta-analysis agrees.",
    ],
)
def test_a_review_of_records_or_a_cited_review_still_has_participants(text):
    proposal = read(text)
    assert (proposal.badge, proposal.design, proposal.has_participants) == ("required", None, True)


# --- text shapes --------------------------------------------------------------------------------


def test_hard_wrapped_methods_and_structured_notes_are_read_by_sentence_and_field():
    wrapped = read(
        "Methods: All patients registered in the database of the practice\nwere reviewed. "
        "Inclusion criteria required fulfilling the International\nCase Definition for CFS."
    )
    assert wrapped.criteria == ("fukuda-1994",)
    note = read(
        "*Study Design:*: Prospective cohort\n"
        "*Key Findings:*:\n"
        "    - Lower VO2 in 58 ME/CFS (Fukuda criteria) vs 25 sedentary controls\n"
        "*Limitations:*: Fukuda criteria (broader than CCC); single site.\n"
        "*Quality:*: Medium; CCC would have been more selective."
    )
    assert (note.criteria, note.mentioned) == (("fukuda-1994",), ("ccc-2003",))


def test_a_quote_is_the_whole_sentence_with_its_offsets():
    text = "BACKGROUND: Fatigue is common. METHODS: Thirty patients met the Canadian Consensus Criteria. RESULTS: None."
    (quote,) = [q for q in read(text).quotes if q.finding == model.CRITERION]
    assert quote.text == "METHODS: Thirty patients met the Canadian Consensus Criteria."
    assert (quote.start, quote.end) == (text.index("METHODS"), text.index(" RESULTS"))
