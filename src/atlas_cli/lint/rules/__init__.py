"""The rule registry: every record rule of `atlas lint`, by id.

Each rule is a small function in a module per rule family, registered with
`@rule`. Its docstring says what it checks and shows a failing record; the
tests in tests/test_lint_rules.py hold a failing and a passing example for
every rule id listed here (a test checks none is missing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from atlas_cli.lint.context import RecordContext


@dataclass(frozen=True)
class Rule:
    """A rule id: what it catches, whether `atlas lint --fix` mends it, and (per-record rules) its check."""

    id: str
    summary: str
    fixable: bool = False
    check: Callable[[RecordContext], None] | None = None  # None: checked while reading, by the schema, or across files
    guarded: bool = False  # guards what readers rely on (the PEM badge, a retraction): never ignored or lowered

    @property
    def doc(self) -> str:
        return (self.check.__doc__ if self.check and self.check.__doc__ else self.summary).strip()


RECORD_RULES: dict[str, Rule] = {}


def rule(
    rule_id: str, fixable: bool = False, guarded: bool = False
) -> Callable[[Callable[[RecordContext], None]], Callable[[RecordContext], None]]:
    """Register a per-record check under RULE_ID; its docstring's first line is the rule's summary.
    GUARDED: no setting or comment may ignore it or lower it to a warning."""

    def register(check: Callable[[RecordContext], None]) -> Callable[[RecordContext], None]:
        summary = (check.__doc__ or rule_id).strip().splitlines()[0]
        RECORD_RULES[rule_id] = Rule(rule_id, summary, fixable, check, guarded)
        return check

    return register


# The families of per-record rules, explicitly: importing a module registers its rules.
from atlas_cli.lint.rules import (  # noqa: E402
    authors,
    completeness,
    control,
    identity,
    markup,
    order,
    pem,
    retraction,
    vocabulary,
)

FAMILIES = (authors, completeness, control, identity, markup, order, pem, retraction, vocabulary)

# Rules that are not per-record functions (reading the file, the schema, the whole atlas).
OTHER_RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("file-unreadable", "the file cannot be read (permissions, a folder, a broken symlink)"),
        Rule("file-symlink", "a symlink pointing outside the records folder"),
        Rule("yaml-too-large", "a file far larger than any record"),
        Rule("yaml-binary", "a binary file"),
        Rule("yaml-bom", "a UTF-8 byte-order mark", fixable=True),
        Rule("yaml-encoding", "bytes that are not UTF-8"),
        Rule("yaml-tab", "a tab character"),
        Rule("yaml-syntax", "a YAML syntax error"),
        Rule("yaml-empty", "an empty file"),
        Rule("yaml-not-mapping", "a document that is not a mapping"),
        Rule("yaml-duplicate-key", "the same key twice in one mapping"),
        Rule("yaml-alias", "an anchor or alias"),
        Rule("yaml-tag", "a custom tag"),
        Rule("yaml-key", "a key that is not text"),
        Rule("yaml-too-deep", "structures nested far deeper than a record"),
        Rule("yaml-number", "a number far longer than any number of a record (a year of 5,000 digits)"),
        Rule("schema", "a JSON Schema violation, in plain words"),
        Rule("duplicate-doi", "two records with the same DOI"),
        Rule("duplicate-pmid", "two records with the same PMID"),
        Rule("duplicate-title", "two records with the same title and year (warning: preprint/journal pair?)"),
        Rule("duplicate-filename", "two file names that differ only in case"),
        Rule(
            "config-placeholder",
            "a setting `atlas init` left as a placeholder (name, site_url, bibtex_prefix) until the curator sets it",
        ),
        Rule("record-location", "a record outside the records folder, or in a subfolder of it"),
        Rule("registry", "a registry in schemas/ that atlas cannot load (criteria, topics, designs, cues)"),
        Rule("lint-comment", "an `# atlas: disable=` comment naming no rule, or an unknown one"),
        Rule(
            "screening-entry", "an entry of screening.yaml that cannot be used (no id, reason or date; excluded twice)"
        ),
        Rule("screening-excluded", "a paper both excluded in screening.yaml and a record"),
        Rule(
            "pem-stored-text",
            "with --criteria: the recorded criteria disagree with what the paper's stored text says (warning)",
        ),
    )
}


def all_rules() -> dict[str, Rule]:
    """Every rule id atlas lint can report, sorted."""
    return dict(sorted({**RECORD_RULES, **OTHER_RULES}.items()))


def all_rule_ids() -> list[str]:
    return list(all_rules())


def fixable_rule_ids() -> set[str]:
    return {rule_id for rule_id, r in all_rules().items() if r.fixable}


def guarded_rule_ids() -> set[str]:
    """The rules no setting or `# atlas: disable` comment may silence or lower."""
    return {rule_id for rule_id, r in all_rules().items() if r.guarded}
