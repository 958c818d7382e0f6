"""Every lint rule, with a record it catches and the clean record it lets through."""

from __future__ import annotations

import json

import pytest
from helpers import GOOD, good, lint, rules_of, run_atlas, with_pem, write_record

from atlas_cli.core.records import render_record
from atlas_cli.core.safe_text import has_unsafe
from atlas_cli.lint.rules import all_rule_ids, all_rules, fixable_rule_ids

GOOD_PEM = GOOD["pem"]


def problems_for(atlas, data, name=None):
    write_record(atlas, data, name)
    return lint(atlas).problems


def messages(problems, rule):
    return [p.message for p in problems if p.rule == rule]


# --- one failing example per record rule (the table is checked to be complete) -------

FAILING = {
    "pem-unknown-criterion": lambda: with_pem(criteria=["fukuda-1995"]),
    "pem-combine": lambda: with_pem(criteria=["fukuda-1994", "ccc-2003"]),
    "pem-badge": lambda: with_pem(badge="not-required"),
    "pem-not-applicable": lambda: with_pem(badge="not-applicable"),
    "pem-criterion-note": lambda: (
        with_pem(criteria=["pediatric-2006"], rationale=None, badge="required") | {"status": "draft"}
    ),
    "text-placeholder": lambda: good(summary="TODO: write the summary"),
    "publish-ready": lambda: good(design=None),
    "slug-filename": lambda: good(slug="fluge-2019-other"),
    "retraction-unrecorded": lambda: good(title="RETRACTED: B-Lymphocyte Depletion"),
    "not-the-study": lambda: good(flags=["erratum"]),
    "design-unknown": lambda: good(design="randomised-trial"),
    "topic-unknown": lambda: good(topics=["microbiome"]),
    "author-name": lambda: good(authors=[{"given": "Olav"}]),
    "key-order": lambda: {"title": "x", **good()},
    "text-markup": lambda: good(title="The δ&lt;sup&gt;13&lt;/sup&gt;C decline in <i>Globigerina</i>"),
    "text-control": lambda: good(title="B-Lymphocyte \x1b]0;pwned\x07Depletion \x1b[2J"),
    "year-missing": lambda: good(status="draft", year=None, flags=["no-date"]),
    "pem-proposed": lambda: with_pem(proposed=proposal()),
}


def proposal(**changes) -> dict:
    """`pem.proposed` as atlas add writes it for the valid record (CCC, required), unconfirmed."""
    block = {
        "by": "atlas-criteria v1",
        "badge": "required",
        "criteria": ["ccc-2003"],
        "reason": "Canadian Consensus Criteria (CCC) requires PEM",
        "quotes": [
            {
                "text": "All patients met the Canadian Consensus Criteria.",
                "source": "methods",
                "supports": ["ccc-2003"],
            }
        ],
        "confirmed": False,
    }
    block.update(changes)
    return block


def test_every_record_rule_has_a_failing_example():
    from atlas_cli.lint.rules import OTHER_RULES, RECORD_RULES

    assert set(FAILING) == set(RECORD_RULES)
    assert all(RECORD_RULES[r].doc for r in RECORD_RULES), "each rule documents itself"
    assert set(all_rule_ids()) == set(RECORD_RULES) | set(OTHER_RULES)
    assert all(r.summary and "\n" not in r.summary for r in all_rules().values()), "one-line summaries"


def test_each_rule_says_once_whether_lint_fix_mends_it():
    assert fixable_rule_ids() == {
        "yaml-bom",
        "pem-unknown-criterion",
        "pem-badge",
        "pem-not-applicable",
        "key-order",
        "text-markup",
        "text-control",
    }


@pytest.mark.parametrize("rule", sorted(FAILING))
def test_rule_catches_its_example(atlas, rule):
    data = FAILING[rule]()
    name = "fluge-2019-b-lymphocyte.yaml"
    problems = problems_for(
        atlas,
        data
        if rule != "key-order"
        else render_record(good())
        .replace("slug:", "title: x\nslug:", 1)
        .replace("\ntitle: B-Lymphocyte", "\nnotes: B-Lymphocyte", 1),
        name,
    )
    assert rule in [p.rule for p in problems], problems


def test_clean_record_passes_every_rule(atlas):
    assert problems_for(atlas, good()) == []


# --- PEM badge ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "criteria,combine,badge",
    [
        (["ccc-2003"], None, "required"),
        (["fukuda-1994"], None, "not-required"),
        (["oxford-1991"], None, "not-required"),
        (["fukuda-1994", "ccc-2003"], "all", "required"),
        (["fukuda-1994", "ccc-2003"], "any", "not-required"),
        (["icc-2011", "ccc-2003"], "any", "required"),
        (["iom-2015", "ccc-2003", "fukuda-1994"], "all", "required"),
        (["physician-diagnosis"], None, "unclear"),
        (["physician-diagnosis", "fukuda-1994"], "all", "unclear"),
        (["physician-diagnosis", "ccc-2003"], "all", "required"),
        (["physician-diagnosis", "ccc-2003"], "any", "unclear"),
        (["physician-diagnosis", "fukuda-1994"], "any", "not-required"),
        ([], None, "unclear"),
    ],
)
def test_badge_that_follows_from_criteria_passes(atlas, criteria, combine, badge):
    data = with_pem(criteria=criteria, combine=combine, badge=badge)
    assert [p for p in problems_for(atlas, data) if p.rule.startswith("pem")] == []


def test_wrong_badge_names_the_right_one(atlas):
    problems = problems_for(atlas, with_pem(criteria=["fukuda-1994", "ccc-2003"], combine="any", badge="required"))
    [message] = messages(problems, "pem-badge")
    assert "so the badge is `not-required`" in message and "Fukuda (CDC 1994)" in message


def test_unclear_while_criteria_decide_is_an_error_naming_the_badge(atlas):
    problems = problems_for(atlas, with_pem(criteria=["icc-2011"], badge="unclear"))
    [problem] = [p for p in problems if p.rule == "pem-badge"]
    assert problem.severity == "error" and "the badge is `required`" in problem.message


def test_badge_without_criteria_is_unsupported(atlas):
    problems = problems_for(atlas, with_pem(criteria=[], badge="required"))
    assert "so the badge is `unclear`" in messages(problems, "pem-badge")[0]


def test_an_unconfirmed_proposal_is_a_warning_once_published_and_nothing_in_a_draft(atlas):
    path = write_record(atlas, with_pem(proposed=proposal()))
    [problem] = [p for p in lint(atlas).problems if p.rule == "pem-proposed"]
    assert problem.severity == "warning"
    assert "the badge `required` is the proposal of atlas-criteria v1 from the paper's methods" in problem.message
    assert "not yet confirmed" in problem.message and "confirmed: true" in problem.hint
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[problem.line - 1] == "  proposed:"  # reported at the block
    draft = with_pem(proposed=proposal()) | {"status": "draft"}
    assert [p for p in problems_for(atlas, draft) if p.rule == "pem-proposed"] == []


def test_a_confirmed_proposal_that_agrees_passes(atlas):
    assert problems_for(atlas, with_pem(proposed=proposal(confirmed=True))) == []


def test_a_corrected_badge_beside_a_proposal_is_named(atlas):
    corrected = with_pem(
        badge="not-required", criteria=["fukuda-1994"], rationale="Fukuda only.", proposed=proposal(confirmed=True)
    )
    [problem] = [p for p in problems_for(atlas, corrected) if p.rule == "pem-proposed"]
    assert "confirmed for `required` (ccc-2003) but the record now says `not-required` (fukuda-1994)" in problem.message
    left_over = with_pem(badge="not-required", criteria=["fukuda-1994"], rationale="Fukuda only.", proposed=proposal())
    [problem] = [p for p in problems_for(atlas, left_over) if p.rule == "pem-proposed"]
    assert "neither confirmed nor removed, and the badge is now `not-required`" in problem.message


def test_a_proposal_leaving_nice_open_agrees_with_either_version_it_left_open(atlas):
    nice = proposal(badge="unclear", criteria=[], unresolved=["nice"], confirmed=True)
    resolved = with_pem(badge="required", criteria=["nice-2021"], proposed=nice)
    assert [p for p in problems_for(atlas, resolved) if p.rule.startswith("pem")] == []
    other = with_pem(badge="required", criteria=["ccc-2003"], proposed=nice)
    assert "pem-proposed" in [p.rule for p in problems_for(atlas, other)]


def test_a_malformed_proposal_is_a_schema_error_not_a_crash(atlas):
    problems = problems_for(atlas, with_pem(proposed=proposal(quotes=[{"text": "x", "source": "discussion"}])))
    assert [p.rule for p in problems] == ["schema"] or "schema" in [p.rule for p in problems]
    problems = problems_for(atlas, with_pem(proposed="required"))
    assert "schema" in [p.rule for p in problems] and "pem-proposed" not in [p.rule for p in problems]


def test_lint_fix_never_writes_a_proposal_over_the_curators_badge(atlas):
    curated = with_pem(
        badge="unclear", criteria=["fukuda-1994"], rationale="Fukuda, per Methods.", proposed=proposal(confirmed=True)
    )
    path = write_record(atlas, curated)
    result = run_atlas("lint", "--fix", cwd=atlas)
    from atlas_cli.core.records import read_document

    pem = read_document(path).data["pem"]
    # pem-badge derives the badge from the curator's criteria (Fukuda: not-required), never from the proposal
    assert pem["badge"] == "not-required" and pem["criteria"] == ["fukuda-1994"], result.stderr
    assert pem["proposed"] == proposal(confirmed=True)


def test_mandatory_pem_screen_makes_pem_required(atlas):
    data = with_pem(criteria=["fukuda-1994"], badge="required", pem_screen="DSQ-PEM: every participant")
    assert [p for p in problems_for(atlas, data) if p.rule.startswith("pem")] == []


def test_alias_gets_the_registry_id(atlas):
    problems = problems_for(atlas, with_pem(criteria=["Canadian"]))
    [problem] = [p for p in problems if p.rule == "pem-unknown-criterion"]
    assert "`ccc-2003`" in problem.message and "--fix" in problem.hint


def test_misspelt_criterion_gets_closest_id(atlas):
    assert (
        "did you mean `fukuda-1994`?"
        in messages(problems_for(atlas, with_pem(criteria=["fukuda-1995"])), "pem-unknown-criterion")[0]
    )


def test_design_without_participants_must_be_not_applicable(atlas):
    data = good(design="narrative-review")
    problems = problems_for(atlas, data)
    assert rules_of_problems(problems) == ["pem-not-applicable"]
    assert "no participants" in problems[0].message


def test_not_applicable_for_a_trial_is_an_error(atlas):
    problems = problems_for(atlas, with_pem(badge="not-applicable"))
    assert "has participants" in messages(problems, "pem-not-applicable")[0]


def rules_of_problems(problems):
    return [p.rule for p in problems]


# --- identity and duplicates --------------------------------------------------------------


def test_duplicate_doi_is_case_insensitive_and_reported_once(atlas):
    write_record(atlas, good())
    write_record(atlas, good(slug="fluge-2019-copy", doi="10.7326/m18-1451", pmid=None))
    problems = lint(atlas).problems
    [problem] = [p for p in problems if p.rule == "duplicate-doi"]
    assert problem.path.endswith("fluge-2019-copy.yaml") and "fluge-2019-b-lymphocyte.yaml" in problem.message


def test_duplicate_doi_via_alias(atlas):
    write_record(atlas, good())
    write_record(
        atlas, good(slug="other-2019-x", doi="10.1234/x", doi_aliases=["10.7326/M18-1451"], pmid=None, title="Other")
    )
    assert "duplicate-doi" in rules_of(lint(atlas))


def test_duplicate_pmid(atlas):
    write_record(atlas, good())
    write_record(atlas, good(slug="other-2019-x", doi="10.1234/x", pmid=30934066, title="Other"))
    assert rules_of(lint(atlas)) == ["duplicate-pmid"]


def test_same_title_and_year_is_a_warning(atlas):
    write_record(atlas, good())
    write_record(
        atlas,
        good(
            slug="preprint-2019-x",
            doi="10.1101/123",
            pmid=None,
            title="B-lymphocyte depletion in patients with myalgic encephalomyelitis / chronic fatigue syndrome",
        ),
    )
    [problem] = lint(atlas).problems
    assert problem.rule == "duplicate-title" and problem.severity == "warning"


def test_duplicate_found_when_linting_only_the_new_file(atlas):
    write_record(atlas, good())
    new = write_record(atlas, good(slug="fluge-2019-copy", pmid=None))
    assert rules_of(lint(atlas, [new])) == ["duplicate-doi"]


def test_file_names_differing_only_in_case(atlas):
    write_record(atlas, good())
    write_record(
        atlas,
        render_record(good())
        .replace("doi: 10.7326/M18-1451\n", "")
        .replace("pmid: '30934066'\n", "")
        .replace('pmid: "30934066"\n', ""),
        "Fluge-2019-B-lymphocyte.yaml",
    )
    assert "duplicate-filename" in rules_of(lint(atlas))


def test_yml_extension(atlas):
    problems = problems_for(atlas, good(), "fluge-2019-b-lymphocyte.yml")
    assert messages(problems, "slug-filename") == ["record files end in .yaml, not .yml"]


# --- completeness and retraction --------------------------------------------------------------


def test_placeholders_are_errors_when_published_and_warnings_in_drafts(atlas):
    published = problems_for(atlas, good(summary="TBD"))
    assert [(p.rule, p.severity) for p in published] == [("text-placeholder", "error")]
    draft = problems_for(atlas, good(summary="TBD", status="draft"))
    assert [(p.rule, p.severity) for p in draft] == [("text-placeholder", "warning")]


def test_published_needs_a_rationale_for_its_badge(atlas):
    problems = problems_for(atlas, with_pem(rationale=None))
    assert messages(problems, "text-placeholder") == ["the PEM badge has no rationale (a published record)"]


def test_retraction_recorded_passes(atlas):
    data = good(
        title="RETRACTED: B-Lymphocyte Depletion",
        flags=["retracted"],
        updates=[{"type": "retraction", "doi": "10.7326/notice", "date": "2020-01-31"}],
    )
    assert problems_for(atlas, data) == []


def test_retraction_flag_without_notice(atlas):
    problems = problems_for(atlas, good(flags=["withdrawn"]))
    assert "flagged withdrawn" in messages(problems, "retraction-unrecorded")[0]


# --- schema messages ---------------------------------------------------------------------------


def test_wrong_type_in_plain_words(atlas):
    assert messages(problems_for(atlas, good(year="2017a")), "schema") == ["`year` must be an integer, got '2017a'"]


def test_misspelt_key_gets_did_you_mean(atlas):
    data = good()
    data["sumary"] = data.pop("summary")
    problems = problems_for(atlas, data)
    assert "unknown key `sumary` in the record; did you mean `summary`?" in messages(problems, "schema")


def test_misspelt_enum_value_gets_did_you_mean(atlas):
    problems = problems_for(atlas, with_pem(badge="requried"))
    assert messages(problems, "schema")[0].endswith("got 'requried'; did you mean `required`?")


def test_yes_for_a_boolean_gets_a_hint(atlas):
    [problem] = [p for p in problems_for(atlas, good(peer_reviewed="yes")) if p.rule == "schema"]
    assert problem.message == "`peer_reviewed` must be true or false, got 'yes'" and "true or false" in problem.hint


def test_problem_points_at_the_offending_line(atlas):
    data = good(authors=[{"family": "Fluge", "given": "Øystein"}, {"family": "Mella", "givn": "Olav"}])
    write_record(atlas, data)
    text = (atlas / "records" / "fluge-2019-b-lymphocyte.yaml").read_text(encoding="utf-8").splitlines()
    [problem] = lint(atlas).problems
    assert problem.message == "unknown key `givn` in `authors[1]`; did you mean `given`?"
    assert text[problem.line - 1].strip() == "givn: Olav" and problem.column == text[problem.line - 1].index("givn") + 1


def test_missing_required_key(atlas):
    assert messages(problems_for(atlas, good(pem=None)), "schema") == ["the record is missing `pem`"]


def test_a_retraction_notice_itself_is_not_a_retracted_paper(atlas):
    data = good(title="Retraction: B-Lymphocyte Depletion", flags=["notice"], design="erratum", status="draft")
    data["pem"] = {"badge": "not-applicable"}
    assert "retraction-unrecorded" not in [p.rule for p in problems_for(atlas, data)]


# --- markup and missing years ------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "Gut &amp; brain in ME/CFS"},
        {"journal": "Fatigue: Biomedicine, Health &amp;amp; Behavior"},
        {"authors": [{"family": "M&uuml;ller", "given": "Ann"}]},
        {"summary": "CO<sub>2</sub> output fell."},
        {"pem": GOOD_PEM | {"rationale": "They required PEM &gt; 14 h."}},
    ],
)
def test_markup_anywhere_in_text_is_reported(atlas, changes):
    problems = problems_for(atlas, good(**changes))
    assert [p.rule for p in problems] == ["text-markup"], problems


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "IL-6 < 5 pg/mL and p<0.05 in R&D; a <3 year follow-up"},
        {"doi": "10.1002/1096-9861(20010212)430:3<283::aid-cne1031>3.0.co;2-v"},
        {"summary": "Smith & Jones found 50% less fatigue; α and β cells."},
    ],
)
def test_plain_text_with_angle_brackets_or_ampersands_passes(atlas, changes):
    assert problems_for(atlas, good(**changes)) == []


def test_lint_fix_writes_plain_text_and_keeps_comments(atlas):
    title = "B-Lymphocyte &amp;amp;lt;i&amp;amp;gt;Depletion&amp;amp;lt;/i&amp;amp;gt; in ME/CFS"
    text = render_record(good(title="x")).replace("title: x", f"title: {title}  # from the publisher", 1)
    path = write_record(atlas, text, "fluge-2019-b-lymphocyte.yaml")
    assert "text-markup" in rules_of(lint(atlas))
    result = run_atlas("lint", "--fix", cwd=atlas)
    assert result.returncode == 0, result.stdout + result.stderr
    fixed = path.read_text(encoding="utf-8")
    assert "title: B-Lymphocyte Depletion in ME/CFS  # from the publisher" in fixed
    assert lint(atlas).problems == []


# --- control and bidirectional characters (a terminal obeys them) --------------------------

HOSTILE_TEXT = [
    "\x1b]0;pwned\x07",  # OSC: sets the terminal's title
    "\x1b[2J",  # CSI: clears the screen
    "\x9b2J",  # the same, as a C1 control without ESC
    "\x00",  # NUL
    "\r",  # carriage return: overwrites the line
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE
    "\u2066",  # LEFT-TO-RIGHT ISOLATE
]


@pytest.mark.parametrize("hostile", HOSTILE_TEXT)
@pytest.mark.parametrize(
    "where",
    [
        lambda t: {"title": f"B-Lymphocyte {t}Depletion"},
        lambda t: {"summary": f"Rituximab did not help.{t}\n\nA second paragraph."},
        lambda t: {"authors": [{"family": f"Fluge{t}", "given": "Øystein"}]},
        lambda t: {"journal": f"Annals{t} of internal medicine"},
    ],
    ids=["title", "summary", "author", "journal"],
)
def test_control_and_bidirectional_characters_are_an_error_in_any_text_field(atlas, hostile, where):
    problems = problems_for(atlas, good(**where(hostile)))
    assert [(p.rule, p.severity) for p in problems] == [("text-control", "error")], problems
    assert "U+" in problems[0].message and "--fix" in problems[0].hint
    assert not has_unsafe(problems[0].message), "the message names the characters, never holds them"


@pytest.mark.parametrize(
    "text",
    [
        "Arabic and Hebrew letters stay: \u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd",
        "Tabs\tand an ellipsis\u2026 and non-breaking\u00a0spaces are plain text",
        "Ω, δ13C, ≥ 6 months, 50% less fatigue",
    ],
)
def test_plain_text_in_any_script_passes_the_control_rule(atlas, text):
    assert problems_for(atlas, good(title=text)) == []


def test_lint_fix_removes_control_characters_and_keeps_the_rest(atlas):
    title = "B-Lymphocyte \x1b]0;pwned\x07Depletion\u202e in ME/CFS\x1b[2J"
    text = render_record(good(title=title)).replace("\nsummary:", "\n# the curator's note\nsummary:", 1)
    path = write_record(atlas, text, "fluge-2019-b-lymphocyte.yaml")
    assert rules_of(lint(atlas)) == ["text-control"]
    result = run_atlas("lint", "--fix", cwd=atlas)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "removed control characters from `title`" in result.stderr
    fixed = path.read_text(encoding="utf-8")
    assert "title: B-Lymphocyte ]0;pwnedDepletion in ME/CFS[2J\n" in fixed and "# the curator's note" in fixed
    assert lint(atlas).problems == []


def test_lint_quotes_a_hostile_value_escaped_never_raw(atlas):
    write_record(atlas, good(topics=["b-cells\x1b]0;pwned\x07"]), "fluge-2019-b-lymphocyte.yaml")
    for fmt in ("text", "json", "github", "sarif"):
        result = run_atlas("lint", "--format", fmt, cwd=atlas)
        assert result.returncode == 1
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout, fmt
        assert "\\u001b]0;pwned" in result.stdout, (fmt, result.stdout)
    data = json.loads(run_atlas("lint", "--format", "json", cwd=atlas).stdout)
    assert any("\x1b]0;pwned" in p["message"] for p in data), "JSON keeps the value: the escape is JSON's own"


def test_a_draft_without_a_year_is_valid_but_warned_and_a_published_one_is_an_error(atlas):
    draft = problems_for(atlas, good(status="draft", year=None))
    assert [(p.rule, p.severity) for p in draft] == [("year-missing", "warning")]
    published = problems_for(atlas, good(year=None))
    assert [(p.rule, p.severity, p.message) for p in published] == [("schema", "error", "the record is missing `year`")]
