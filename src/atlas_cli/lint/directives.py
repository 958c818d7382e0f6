"""`# atlas: disable=RULE` comments: a curator silences a rule where they know better.

    badge: not-required  # atlas: disable=pem-badge (the authors' PEM screen was optional)
    # atlas: disable=duplicate-title
    title: Erratum
    # atlas: disable-file=key-order

`disable=` at the end of a line applies to that line; on a line of its own, to that
line and the next line that is not blank or a comment (as yamllint's
`disable-line`). `disable-file=` applies to the whole file. Several rules are
separated by commas; words after the list are a free-text reason. A rule must be
named (there is no blanket disable), and a name that is not a rule is reported
(`lint-comment`) with the closest rule id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
    from atlas_cli.lint.config import rule_ids, unknown_rule_hint

    lines = text.splitlines()
    offset = 0
    starts = []
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    scalars = _scalar_spans(document) if document.root is not None else []
    for number, line in enumerate(lines, start=1):
        if MARK not in line:
            continue
        for match in DIRECTIVE.finditer(line):
            start = match.start()
            if start and not line[start - 1].isspace():
                continue  # `#` inside a word (a URL fragment) does not start a comment
            position = starts[number - 1] + start
            if any(begin <= position < end for begin, end in scalars):
                continue  # inside a quoted or block value: text, not a comment
            column = start + 1
            kind, names = match.group("kind"), match.group("names")
            if names is None and kind not in KINDS:
                continue  # `# atlas: some note`: a comment, not a directive
            if kind not in KINDS:
                found.problems.append(
                    Problem(
                        display,
                        number,
                        column,
                        ERROR,
                        "lint-comment",
                        f"unknown atlas comment `{match.group(0).strip()}`",
                        "write `# atlas: disable=RULE` (this line) or `# atlas: disable-file=RULE` (the whole file)",
                    )
                )
                continue
            rules = [n.strip() for n in (names or "").split(",") if n.strip()]
            if not rules:
                found.problems.append(
                    Problem(
                        display,
                        number,
                        column,
                        ERROR,
                        "lint-comment",
                        f"`# atlas: {kind}` names no rule",
                        f"name the rules to silence, e.g. `# atlas: {kind}=pem-badge`",
                    )
                )
                continue
            known = set()
            for name in rules:
                if name in rule_ids():
                    known.add(name)
                else:
                    found.problems.append(
                        Problem(
                            display,
                            number,
                            column,
                            ERROR,
                            "lint-comment",
                            f"`# atlas: {kind}` names an unknown rule {name!r}",
                            unknown_rule_hint(name),
                        )
                    )
            if kind == "disable-file":
                found.file |= known
                continue
            found.lines.setdefault(number, set()).update(known)
            if not line[:start].strip():  # a comment line of its own: the next line with content too
                for following in range(number + 1, len(lines) + 1):
                    content = lines[following - 1].strip()
                    if content and not content.startswith("#"):
                        found.lines.setdefault(following, set()).update(known)
                        break
    return found


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
    return spans
