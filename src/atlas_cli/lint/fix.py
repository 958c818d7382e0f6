"""`atlas lint --fix`: safe, textual fixes that never lose a value.

Fixes edit the file's text in place (comments, quoting and layout survive):
the byte-order mark is dropped, criteria names become registry ids, text with
markup or character references becomes plain text, the badge becomes the one the
rules derive, and keys are put in page order by moving whole
key blocks (with the comments above them). After editing, the new text is
parsed again and compared with the old data plus the intended changes; if
anything else differs, the file is left untouched.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from atlas_cli.core.config import Settings
from atlas_cli.core.markup import leftovers
from atlas_cli.core.records import key_orders, write_atomic
from atlas_cli.core.registries import Registries, load_registries
from atlas_cli.core.yamledit import node_at, reorder_keys, replace_spans, scalar_in_place, set_at, value_node
from atlas_cli.core.yamlio import BOM, parse_text
from atlas_cli.lint.context import RecordContext
from atlas_cli.lint.engine import lint_paths
from atlas_cli.lint.rules import fixable_rule_ids
from atlas_cli.lint.rules.markup import dotted, plain_text, text_values


def fix_paths(settings: Settings, paths: list[Path] | None, *, jobs: int | None = None) -> list[tuple[str, list[str]]]:
    """Fix every file with a fixable problem; returns (path, what was fixed) per changed file."""
    result = lint_paths(settings, paths, jobs=jobs)
    registries = load_registries(settings.schemas_dir)
    changed = []
    fixable = fixable_rule_ids()
    for display in sorted({p.path for p in result.problems if p.rule in fixable}):
        path = Path(display)
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        fixed, what = fix_text(raw, registries, path.name)
        if what:
            write_atomic(path, fixed)
            changed.append((display, what))
    return changed


def fix_text(raw: bytes, registries: Registries, filename: str = "record.yaml") -> tuple[str, list[str]]:
    """The fixed text of one record and a list of what changed (empty: nothing to do or unsafe)."""
    what: list[str] = []
    if raw.startswith(BOM):
        raw = raw[len(BOM) :]
        what.append("removed byte-order mark")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "", []
    document = parse_text(text)
    if document.data is None or any(p.severity == "error" for p in document.problems):
        return text, what  # only the BOM can be fixed in a file that does not parse
    expected = copy.deepcopy(document.data)

    # 1. criteria names and aliases -> registry ids
    criteria = expected.get("pem", {}).get("criteria") if isinstance(expected.get("pem"), dict) else None
    replacements = []
    if isinstance(criteria, list):
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
    replacements = []
    for path, value in list(text_values(expected)):
        plain = plain_text(value) if leftovers(value) else value
        node = node_at(document.root, path)
        if plain == value or not plain or not isinstance(node, yaml.ScalarNode):
            continue
        start, end = node.start_mark.index, node.end_mark.index
        replacements.append(((start, end), scalar_in_place(text[start:end], node, plain)))
        set_at(expected, path, plain)
        what.append(f"plain text in `{dotted(path)}`")
    if replacements:
        text = replace_spans(text, replacements)
        document = parse_text(text)

    # 3. the badge the criteria (or the design) decide
    from atlas_cli.lint.rules.pem import expected_badge

    decided = expected_badge(RecordContext(filename, filename, document, registries))
    badge = expected.get("pem", {}).get("badge") if isinstance(expected.get("pem"), dict) else None
    # Only a badge the criteria (or the design) decide is written: when they decide
    # nothing, the curator's badge may rest on facts not yet recorded, so lint reports
    # it and leaves the choice to the curator.
    if decided is not None and decided[0] != badge and decided[0] != "unclear":
        span = document.span(("pem", "badge"))
        if span:
            text = replace_spans(text, [(span, decided[0])])
            expected["pem"]["badge"] = decided[0]
            what.append(f"badge `{badge}` -> `{decided[0]}`")
            document = parse_text(text)

    # 4. key order: the record, then `pem`
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

    if document.data != expected or [p for p in document.problems if p.severity == "error"]:
        return raw.decode("utf-8"), []  # something unexpected changed: leave the file alone
    return text, what
