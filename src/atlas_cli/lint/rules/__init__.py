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
    id: str
    check: Callable[[RecordContext], None]
    fixable: bool = False

    @property
    def doc(self) -> str:
        return (self.check.__doc__ or "").strip()


RECORD_RULES: dict[str, Rule] = {}


def rule(rule_id: str, fixable: bool = False):
    def register(check: Callable[[RecordContext], None]) -> Callable[[RecordContext], None]:
        RECORD_RULES[rule_id] = Rule(rule_id, check, fixable)
        return check

    return register


# Explicit registry: importing a family module registers its rules.
from atlas_cli.lint.rules import authors, completeness, identity, order, pem, retraction, vocabulary  # noqa: E402,F401

# Rules that are not per-record functions (reading the file, the schema, the whole atlas).
OTHER_RULES = {
    "file-unreadable": "the file cannot be read (permissions, a folder, a broken symlink)",
    "file-symlink": "a symlink pointing outside the records folder",
    "yaml-too-large": "a file far larger than any record",
    "yaml-binary": "a binary file",
    "yaml-bom": "a UTF-8 byte-order mark (fixable)",
    "yaml-encoding": "bytes that are not UTF-8",
    "yaml-tab": "a tab character",
    "yaml-syntax": "a YAML syntax error",
    "yaml-empty": "an empty file",
    "yaml-not-mapping": "a document that is not a mapping",
    "yaml-duplicate-key": "the same key twice in one mapping",
    "yaml-alias": "an anchor or alias",
    "yaml-tag": "a custom tag",
    "yaml-key": "a key that is not text",
    "yaml-too-deep": "structures nested far deeper than a record",
    "schema": "a JSON Schema violation, in plain words",
    "duplicate-doi": "two records with the same DOI",
    "duplicate-pmid": "two records with the same PMID",
    "duplicate-title": "two records with the same title and year (warning: preprint/journal pair?)",
    "duplicate-filename": "two file names that differ only in case",
}


def all_rule_ids() -> list[str]:
    return sorted([*RECORD_RULES, *OTHER_RULES])
