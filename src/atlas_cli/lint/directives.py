"""`# atlas: disable=RULE` comments: a curator silences a rule where they know better.

    - long-covid-cohort  # atlas: disable=topic-unknown (added to topics.yaml next week)
    # atlas: disable=duplicate-title
    title: Erratum
    # atlas: disable-file=key-order

`disable=` at the end of a line applies to that line; on a line of its own, to that
line and the next line that is not blank or a comment (as yamllint's
`disable-line`). `disable-file=` applies to the whole file. Several rules are
separated by commas; words after the list are a free-text reason. A rule must be
named (there is no blanket disable), and a name that is not a rule is reported
(`lint-comment`) with the closest rule id, as is a guarded rule (the PEM badge's,
a retraction's), which nothing silences.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import partial

import yaml

from atlas_cli.core.yamlio import Document
from atlas_cli.lint.problem import ERROR, Problem

MARK = "atlas:"
DIRECTIVE = re.compile(r"#\s*atlas:\s*(?P<kind>[a-z-]*)\s*(?:=\s*(?P<names>[^\s,]*(?:\s*,\s*[^\s,]+)*))?")
KINDS = ("disable", "disable-file")


@dataclass
class Directives:
    lines: dict[int, set[str]] = field(default_factory=dict)
    file: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.lines or self.file or self.problems)


def read_directives(document: Document, display: str) -> Directives:
    """The disable comments of one record (cheap: the text is searched only for `atlas:`)."""
    found = Directives()
    text = document.text
    if MARK not in text:
        return found
    from atlas_cli.lint.config import GUARDED_HINT, GUARDED_MESSAGE, guarded_rule_ids, rule_ids, unknown_rule_hint

    lines = text.splitlines()
    offset = 0
    starts = []
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    scalars = _scalar_spans(document) if document.root is not None else []
    span_starts = [begin for begin, _ in scalars]
    content_after = _next_content(lines)
    hints: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        if MARK not in line:
            continue
        for match in DIRECTIVE.finditer(line):
            start = match.start()
            if start and not line[start - 1].isspace():
                continue  # `#` inside a word (a URL fragment) does not start a comment
            position = starts[number - 1] + start
            inside = bisect_right(span_starts, position) - 1  # the last value starting at or before it
            if inside >= 0 and position < scalars[inside][1]:
                continue  # inside a quoted or block value: text, not a comment
            column = start + 1
            problem = partial(_comment_problem, found.problems, display, number, column)
            kind, names = match.group("kind"), match.group("names")
            if names is None and kind not in KINDS:
                continue  # `# atlas: some note`: a comment, not a directive
            if kind not in KINDS:
                problem(
                    f"unknown atlas comment `{match.group(0).strip()}`",
                    "write `# atlas: disable=RULE` (this line) or `# atlas: disable-file=RULE` (the whole file)",
                )
                continue
            rules = [n.strip() for n in (names or "").split(",") if n.strip()]
            if not rules:
                problem(
                    f"`# atlas: {kind}` names no rule", f"name the rules to silence, e.g. `# atlas: {kind}=key-order`"
                )
                continue
            known = set()
            for name in rules:
                if name in guarded_rule_ids():
                    problem(f"`# atlas: {kind}` names {name!r}, which {GUARDED_MESSAGE}", GUARDED_HINT)
                elif name in rule_ids():
                    known.add(name)
                else:
                    problem(
                        f"`# atlas: {kind}` names an unknown rule {name!r}",
                        hints[name] if name in hints else hints.setdefault(name, unknown_rule_hint(name)),
                    )
            if kind == "disable-file":
                found.file |= known
                continue
            found.lines.setdefault(number, set()).update(known)
            following = content_after[number]
            if not line[:start].strip() and following:  # a comment line of its own: the next line with content too
                found.lines.setdefault(following, set()).update(known)
    return found


def _next_content(lines: list[str]) -> list[int]:
    """For each line number N (1-based), the number of the first line after N that is neither
    blank nor a comment (0 when none): one pass from the end, whatever the number of comments."""
    after = [0] * (len(lines) + 2)
    for number in range(len(lines), 0, -1):
        content = lines[number - 1].strip()
        after[number - 1] = number if content and not content.startswith("#") else after[number]
    return after


def _scalar_spans(document: Document) -> list[tuple[int, int]]:
    """Character spans of the quoted and block scalars (where a `#` is text)."""
    spans = []
    stack: list[yaml.Node] = [document.root] if document.root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
        elif isinstance(node, yaml.ScalarNode) and node.style is not None:  # a plain value holds no ` #`
            spans.append((node.start_mark.index, node.end_mark.index))
    return sorted(spans)  # scalars never overlap: sorted by start, each ends before the next begins


def _comment_problem(problems: list[Problem], display: str, line: int, column: int, message: str, hint: str) -> None:
    """A `lint-comment` error at LINE:COLUMN of DISPLAY, added to PROBLEMS."""
    problems.append(Problem(display, line, column, ERROR, "lint-comment", message, hint))
