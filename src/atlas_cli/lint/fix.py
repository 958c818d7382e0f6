"""`atlas lint --fix`: safe, textual fixes that never lose a value.

Fixes edit the file's text in place (comments, quoting and layout survive):
the byte-order mark is dropped, criteria names become registry ids, text with
markup or character references becomes plain text, control and bidirectional
characters are removed from text, the badge becomes the one the
rules derive, and keys are put in page order by moving whole
key blocks (with the comments above them). After editing, the new text is
parsed again and compared with the old data plus the intended changes; if
anything else differs, the file is left untouched. A record that is a link
(into the records folder: lint reads no other) is edited where the link leads,
and the link stays.

`plan_fixes` works out every file's fix without writing (`atlas lint --fix --diff`
shows them as a diff); `apply_fixes` writes them. A fix runs only where lint
reports a rule it mends, after the atlas's `[lint]` settings and the record's
disable comments, so a rule the team ignores is never "fixed".
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from atlas_cli.core.config import Settings
from atlas_cli.core.markup import leftovers
from atlas_cli.core.records import key_orders, read_record_bytes, write_atomic
from atlas_cli.core.registries import Registries, load_registries
from atlas_cli.core.safe_text import strip_unsafe
from atlas_cli.core.yamledit import node_at, reorder_keys, replace_spans, scalar_in_place, set_at, value_node
from atlas_cli.core.yamlio import BOM, Document, parse_text
from atlas_cli.lint.context import RecordContext
from atlas_cli.lint.engine import atlases_of, lint_paths
from atlas_cli.lint.rules import fixable_rule_ids
from atlas_cli.lint.rules.markup import dotted, plain_text, text_values

# The rules each fix mends: a fix runs only where lint reports one of its rules (after
# the `[lint]` policy and disable comments), so an ignored rule is never "fixed".
BOM_RULES = {"yaml-bom"}
CRITERIA_RULES = {"pem-unknown-criterion"}
BADGE_RULES = {"pem-badge", "pem-not-applicable"}  # (and criteria now named by id may decide the badge)
ORDER_RULES = {"key-order"}
MARKUP_RULES = {"text-markup"}
CONTROL_RULES = {"text-control"}


@dataclass
class Fixed:
    """One record's fixed text and what changed (empty WHAT: nothing to do, or not safe)."""

    text: str
    what: list[str] = field(default_factory=list)
    badge: tuple[str | None, str] | None = None  # (old, new) PEM badge, when the badge changed
    published: bool = False


@dataclass
class FilePlan:
    """A fix of one file, planned: written by `apply_fixes`, or shown as a diff."""

    display: str
    path: Path
    before: str
    fixed: Fixed

    @property
    def badge_on_published(self) -> bool:
        """A badge change patients would read: the record is published."""
        return self.fixed.badge is not None and self.fixed.published

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.fixed.text.splitlines(keepends=True),
                f"a/{self.display}",
                f"b/{self.display}",
            )
        )


def plan_fixes(
    paths: list[Path] | None,
    default: Callable[[], Settings],
    *,
    jobs: int | None = None,
    drafts: str | None = None,
    cache: bool = True,
) -> list[FilePlan]:
    """The fixes `atlas lint --fix` would make, file by file; nothing is written.
    Badge changes on published records come first (they change what patients read)."""
    plans = []
    fixable = fixable_rule_ids()
    for settings, group in atlases_of(paths, default):
        result = lint_paths(settings, group, jobs=jobs, drafts=drafts, cache=cache)
        registries = load_registries(settings.schemas_dir)
        rules: dict[str, set[str]] = {}
        for problem in result.problems:
            if problem.rule in fixable:
                rules.setdefault(problem.path, set()).add(problem.rule)
        for display in sorted(rules):
            path = Path(display)
            raw = read_record_bytes(path, settings.records_dir)  # read as lint read it (links out are not)
            if isinstance(raw, Document):
                continue
            fixed = fix_record(raw, registries, path.name, rules[display])
            if fixed.what:
                plans.append(FilePlan(display, path, raw.decode("utf-8", errors="replace"), fixed))
    plans.sort(key=lambda plan: (not plan.badge_on_published, plan.display))
    return plans


def format_preview(plans: list[FilePlan]) -> str:
    """`--fix --diff`: badge changes on published records named first, then one diff per file."""
    if not plans:
        return "no fixes to make\n"
    lines = []
    flips = [plan for plan in plans if plan.badge_on_published and plan.fixed.badge is not None]
    if flips:
        lines.append("PEM badge changes on published records (what patients read):")
        for plan in flips:
            assert plan.fixed.badge is not None
            old, new = plan.fixed.badge
            lines.append(f"  {plan.display}: `{old}` -> `{new}`")
        lines.append("")
    return "\n".join(lines) + ("\n" if lines else "") + "".join(plan.diff() for plan in plans)


def apply_fixes(plans: list[FilePlan]) -> None:
    for plan in plans:
        write_atomic(plan.path, plan.fixed.text)


def fix_paths(settings: Settings, paths: list[Path] | None, *, jobs: int | None = None) -> list[tuple[str, list[str]]]:
    """Fix every file of SETTINGS' atlas with a fixable problem; (path, what was fixed) per changed file."""
    plans = plan_fixes(paths, lambda: settings, jobs=jobs)
    apply_fixes(plans)
    return [(plan.display, plan.fixed.what) for plan in plans]


def fix_text(raw: bytes, registries: Registries, filename: str = "record.yaml") -> tuple[str, list[str]]:
    """The fixed text of one record and a list of what changed (empty: nothing to do or unsafe)."""
    fixed = fix_record(raw, registries, filename)
    return fixed.text, fixed.what


def _rewrite_texts(
    text: str,
    document: Document,
    expected: dict[str, Any],
    rewrite: Callable[[str], str | None],
    done: Callable[[tuple], None],
) -> tuple[str, Document]:
    """TEXT with every text value of EXPECTED that REWRITE changes (None: leave it) written in
    place, EXPECTED changed alike, DONE told each value's path; and the document parsed again."""
    replacements = []
    for path, value in list(text_values(expected)):
        new = rewrite(value)
        node = node_at(document.root, path)
        if new is None or new == value or not isinstance(node, yaml.ScalarNode):
            continue
        start, end = node.start_mark.index, node.end_mark.index
        replacements.append(((start, end), scalar_in_place(text[start:end], node, new)))
        set_at(expected, path, new)
        done(path)
    if not replacements:
        return text, document
    text = replace_spans(text, replacements)
    return text, parse_text(text)


def fix_record(
    raw: bytes, registries: Registries, filename: str = "record.yaml", rules: Collection[str] | None = None
) -> Fixed:
    """Every fix of one record (only those mending RULES, when given)."""

    def wanted(mends: set[str]) -> bool:
        return rules is None or bool(mends & set(rules))

    what: list[str] = []
    original = raw
    kept_bom = ""  # a byte-order mark lint is told to ignore stays
    if raw.startswith(BOM):
        raw = raw[len(BOM) :]
        if wanted(BOM_RULES):
            what.append("removed byte-order mark")
        else:
            kept_bom = "\ufeff"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Fixed("")
    document = parse_text(text)
    if document.data is None or any(p.severity == "error" for p in document.problems):
        return Fixed(kept_bom + text, what)  # only the BOM can be fixed in a file that does not parse
    expected = copy.deepcopy(document.data)
    published = expected.get("status") == "published"
    badge_change: tuple[str | None, str] | None = None

    # 1. criteria names and aliases -> registry ids
    criteria = expected.get("pem", {}).get("criteria") if isinstance(expected.get("pem"), dict) else None
    replacements = []
    if isinstance(criteria, list) and wanted(CRITERIA_RULES):
        for index, value in enumerate(criteria):
            canonical = registries.criterion_for(value) if isinstance(value, str) else None
            if canonical and canonical != value and canonical not in criteria:
                span = document.span(("pem", "criteria", index))
                if span:
                    replacements.append((span, canonical))
                    criteria[index] = canonical
                    what.append(f"criteria `{value}` -> `{canonical}`")
    text = replace_spans(text, replacements)
    document = parse_text(text)

    # 2. markup and character references -> plain text
    if wanted(MARKUP_RULES):
        text, document = _rewrite_texts(
            text,
            document,
            expected,
            lambda value: (plain_text(value) or None) if leftovers(value) else None,
            lambda path: what.append(f"plain text in `{dotted(path)}`"),
        )

    # 2b. control and bidirectional characters removed
    if wanted(CONTROL_RULES):
        text, document = _rewrite_texts(
            text,
            document,
            expected,
            strip_unsafe,
            lambda path: what.append(f"removed control characters from `{dotted(path)}`"),
        )

    # 3. the badge the criteria (or the design) decide
    from atlas_cli.lint.rules.pem import expected_badge

    decided = expected_badge(RecordContext(filename, filename, document, registries))
    badge = expected.get("pem", {}).get("badge") if isinstance(expected.get("pem"), dict) else None
    # Only a badge the criteria (or the design) decide is written: when they decide
    # nothing, the curator's badge may rest on facts not yet recorded, so lint reports
    # it and leaves the choice to the curator.
    if decided is not None and decided[0] != badge and decided[0] != "unclear" and wanted(BADGE_RULES | CRITERIA_RULES):
        span = document.span(("pem", "badge"))
        if span:
            text = replace_spans(text, [(span, decided[0])])
            expected["pem"]["badge"] = decided[0]
            what.append(f"badge `{badge}` -> `{decided[0]}`")
            badge_change = (badge, decided[0])
            document = parse_text(text)

    # 4. key order: the record, then `pem`
    if not wanted(ORDER_RULES):
        return _checked(original, kept_bom, text, document, expected, what, badge_change, published)
    orders = key_orders()
    reordered = reorder_keys(text, document.root, orders["record"])
    if reordered is not None:
        text, document = reordered, parse_text(reordered)
        what.append("key order")
    pem_node = value_node(document.root, "pem")
    if isinstance(pem_node, yaml.MappingNode):
        reordered = reorder_keys(text, pem_node, orders["pem"])
        if reordered is not None:
            text, document = reordered, parse_text(reordered)
            if "key order" not in what:
                what.append("key order")

    return _checked(original, kept_bom, text, document, expected, what, badge_change, published)


def _checked(
    original: bytes,
    kept_bom: str,
    text: str,
    document: Document,
    expected: dict,
    what: list[str],
    badge: tuple[str | None, str] | None,
    published: bool,
) -> Fixed:
    if document.data != expected or [p for p in document.problems if p.severity == "error"]:
        return Fixed(original.decode("utf-8"))  # something unexpected changed: leave the file alone
    return Fixed(kept_bom + text, what, badge, published)
