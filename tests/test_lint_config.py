"""The `[lint]` settings and `# atlas: disable=` comments, as units: globs, policy, directives."""

from __future__ import annotations

import pytest
from helpers import new_atlas

from atlas_cli.core.config import load_settings
from atlas_cli.core.errors import ConfigError
from atlas_cli.core.yamlio import parse_text
from atlas_cli.lint.config import FileFacts, Glob, LintPolicy, apply_policy, lint_policy
from atlas_cli.lint.directives import read_directives
from atlas_cli.lint.problem import ERROR, WARNING, Problem


@pytest.mark.parametrize(
    "pattern, path, matches",
    [
        ("legacy-*.yaml", "records/legacy-2001-x.yaml", True),  # no `/`: the file name, in any folder
        ("legacy-*.yaml", "records/2015/legacy-2001-x.yaml", True),
        ("legacy-*.yaml", "records/new-2001-x.yaml", False),
        ("records/*.yaml", "records/a.yaml", True),
        ("records/*.yaml", "records/2015/a.yaml", False),  # `*` stays within a folder
        ("records/**", "records/2015/a.yaml", True),
        ("records/**/a.yaml", "records/a.yaml", True),  # `**/` is zero or more folders
        ("records/**/a.yaml", "records/x/y/a.yaml", True),
        ("./records/a.yaml", "records/a.yaml", True),
        ("records/?.yaml", "records/a.yaml", True),
        ("records/?.yaml", "records/ab.yaml", False),
        ("records/[ab].yaml", "records/b.yaml", True),
        ("records/[!ab].yaml", "records/b.yaml", False),
        ("records/a+b.yaml", "records/a+b.yaml", True),  # regex characters are literal
        ("records/a+b.yaml", "records/aab.yaml", False),
    ],
)
def test_glob(pattern, path, matches):
    assert Glob.of(pattern).matches(path) is matches


def problem(rule: str, line: int = 3, severity: str = ERROR, path: str = "records/a.yaml") -> Problem:
    return Problem(path, line, 1, severity, rule, "message", None)


def test_policy_ignores_lowers_and_keeps_the_rest():
    policy = LintPolicy(ignore=frozenset({"key-order"}), warn=frozenset({"author-name"}))
    kept, hidden = apply_policy(
        [problem("key-order"), problem("author-name"), problem("pem-badge")],
        policy,
        {"records/a.yaml": FileFacts("records/a.yaml")},
    )
    assert [(p.rule, p.severity) for p in kept] == [("author-name", WARNING), ("pem-badge", ERROR)]
    assert hidden == 0


def test_per_file_rules_apply_only_to_matching_files():
    policy = LintPolicy(per_file=((Glob.of("records/legacy-*"), frozenset({"key-order"}), frozenset({"pem-badge"})),))
    facts = {"a": FileFacts("records/legacy-1.yaml"), "b": FileFacts("records/new-1.yaml"), "c": FileFacts(None)}
    problems = [problem(rule, path=path) for path in "abc" for rule in ("key-order", "pem-badge")]
    kept, _ = apply_policy(problems, policy, facts)
    assert [(p.path, p.rule, p.severity) for p in kept] == [
        ("a", "pem-badge", WARNING),
        ("b", "key-order", ERROR),
        ("b", "pem-badge", ERROR),
        ("c", "key-order", ERROR),  # outside the atlas: no glob applies
        ("c", "pem-badge", ERROR),
    ]


def test_quiet_drafts_hide_warnings_of_drafts_only_and_count_them():
    facts = {"d": FileFacts("records/d.yaml", draft=True), "p": FileFacts("records/p.yaml")}
    problems = [
        problem("text-placeholder", severity=WARNING, path="d"),
        problem("schema", path="d"),
        problem("text-placeholder", severity=WARNING, path="p"),
    ]
    kept, hidden = apply_policy(problems, LintPolicy(drafts="quiet"), facts)
    assert [(p.path, p.rule) for p in kept] == [("d", "schema"), ("p", "text-placeholder")] and hidden == 1
    kept, hidden = apply_policy(problems, LintPolicy(drafts="warn"), facts)
    assert len(kept) == 3 and hidden == 0


def test_a_lowered_error_of_a_draft_is_hidden_when_drafts_are_quiet():
    policy = LintPolicy(warn=frozenset({"schema"}), drafts="quiet")
    kept, hidden = apply_policy([problem("schema", path="d")], policy, {"d": FileFacts("d", draft=True)})
    assert kept == [] and hidden == 1


def test_disable_comments_apply_to_their_line_and_file():
    facts = {
        "records/a.yaml": FileFacts(
            "records/a.yaml", disabled_lines=((3, frozenset({"pem-badge"})),), disabled_file=frozenset({"key-order"})
        )
    }
    problems = [problem("pem-badge", line=3), problem("pem-badge", line=4), problem("key-order", line=9)]
    kept, _ = apply_policy(problems, LintPolicy(), facts)
    assert [(p.rule, p.line) for p in kept] == [("pem-badge", 4)]


def settings_with(tmp_path, lint_table: str):
    config = '[atlas]\nsite_url = "https://x.org"\n\n[atlas.lint]\n' + lint_table
    return load_settings(new_atlas(tmp_path / "atlas", config=config))


def test_policy_read_from_the_configuration(tmp_path):
    settings = settings_with(
        tmp_path,
        'ignore = ["duplicate-title"]\nwarn = ["author-name"]\ndrafts = "quiet"\n'
        '[atlas.lint.per_file_ignores]\n"records/old-*.yaml" = ["key-order"]\n',
    )
    policy = lint_policy(settings)
    assert policy.ignore == {"duplicate-title"} and policy.warn == {"author-name"} and policy.drafts == "quiet"
    assert policy.for_file("records/old-1.yaml") == ({"duplicate-title", "key-order"}, {"author-name"})
    assert policy.for_file("records/new-1.yaml") == ({"duplicate-title"}, {"author-name"})
    assert lint_policy(settings, drafts="warn").drafts == "warn"  # --drafts wins


@pytest.mark.parametrize(
    "table, message, hint",
    [
        ('ignore = ["pem-bagde"]', "`ignore`: unknown rule 'pem-bagde'", "did you mean: pem-badge"),
        ('warn = "author-name"', "`warn` must be a list of rule ids", None),
        ('drafts = "silent"', "`drafts` must be warn or quiet", None),
        ('ignroe = ["key-order"]', "unknown setting(s): ignroe", "did you mean: ignore?"),
        (
            '[atlas.lint.per-file-ignores]\n"x" = ["key-order"]',
            "unknown setting(s): per-file-ignores",
            "per_file_ignores",
        ),
        ('[atlas.lint.per_file_warn]\n"x" = ["keyorder"]', "per_file_warn 'x': unknown rule 'keyorder'", "key-order"),
        ('per_file_ignores = ["x"]', "`per_file_ignores` must be a table", None),
    ],
)
def test_configuration_mistakes_are_errors_with_a_suggestion(tmp_path, table, message, hint):
    with pytest.raises(ConfigError) as caught:
        lint_policy(settings_with(tmp_path, table + "\n"))
    assert message in caught.value.message and "[atlas.lint]" in caught.value.message
    if hint:
        assert hint in (caught.value.hint or "")


def directives(text: str):
    return read_directives(parse_text(text), "records/a.yaml")


def test_directive_at_the_end_of_a_line_covers_that_line():
    found = directives("slug: a\ntopics:\n- new-topic  # atlas: disable=topic-unknown,key-order the reason\n")
    assert found.lines == {3: {"topic-unknown", "key-order"}} and not found.problems


@pytest.mark.parametrize(
    "rule", ["pem-badge", "pem-unknown-criterion", "pem-combine", "pem-not-applicable", "retraction-unrecorded"]
)
def test_a_comment_cannot_silence_a_guarded_rule(rule):
    found = directives(f"slug: a\npem:\n  badge: required  # atlas: disable={rule},key-order the reason\n")
    assert found.lines == {3: {"key-order"}}  # the other rule named is silenced; the guarded one is not
    [problem] = found.problems
    assert problem.rule == "lint-comment" and problem.severity == "error" and problem.line == 3
    assert f"names '{rule}', which cannot be ignored" in problem.message and "atlas lint --fix --diff" in problem.hint


def test_directive_on_its_own_line_covers_the_next_line_with_content():
    found = directives("slug: a\n# atlas: disable=duplicate-title\n\n# why: a preprint\ntitle: T\n")
    assert found.lines == {2: {"duplicate-title"}, 5: {"duplicate-title"}}


def test_file_directive():
    found = directives("# atlas: disable-file = key-order\nslug: a\n")
    assert found.file == {"key-order"} and not found.lines


@pytest.mark.parametrize(
    "text, message, hint",
    [
        ("slug: a  # atlas: disable=pem-bagde\n", "unknown rule 'pem-bagde'", "did you mean: pem-badge"),
        ("slug: a  # atlas: disable=\n", "names no rule", "# atlas: disable=key-order"),
        ("slug: a  # atlas: disabel=pem-badge\n", "unknown atlas comment", "disable-file=RULE"),
        ("slug: a  # atlas: disable\n", "names no rule", None),
    ],
)
def test_directive_mistakes_are_problems(text, message, hint):
    found = directives(text)
    [reported] = found.problems
    assert reported.rule == "lint-comment" and reported.line == 1 and message in reported.message
    if hint:
        assert hint in (reported.hint or "")


@pytest.mark.parametrize(
    "text",
    [
        "title: 'About # atlas: disable=pem-badge'\n",  # inside a quoted value
        "summary: |\n  text # atlas: disable=pem-badge\n",  # inside a block value
        "doi: https://x.org/a#atlas:disable=pem-badge\n",  # `#` inside a word
        "slug: a  # atlas: these notes are not a directive\n",
    ],
)
def test_text_that_only_looks_like_a_directive(text):
    assert not directives(text)
