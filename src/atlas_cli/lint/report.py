"""Lint output formats. Pure functions: problems in, text out.

text    `path:line:column: severity rule-id message`, a hint line, a summary
json    a list of problems (path, line, column, severity, rule, message, hint)
github  workflow commands that annotate the pull request's files, one group per file
sarif   a SARIF 2.1.0 log for code scanning (GitHub, and any SARIF viewer)

Where the paths are relative to (the working folder, the repository root) is
decided by the caller, which knows the environment; so is where the GitHub job
summary (`format_github_summary`) goes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from urllib.parse import quote

from atlas_cli.lint.problem import ERROR, Problem

FORMATS = ("text", "json", "github", "sarif")


def _painter(color: bool) -> Callable[[str, str], str]:
    """paint(text, style) -> text with ANSI styling from rich (or unchanged without colour)."""
    if not color:
        return lambda text, style: text
    from rich.color import ColorSystem
    from rich.style import Style

    cache: dict[str, Style] = {}

    def paint(text: str, style: str) -> str:
        if style not in cache:
            cache[style] = Style.parse(style)
        return cache[style].render(text, color_system=ColorSystem.STANDARD)

    return paint


def summary_line(problems: list[Problem], files: int) -> str:
    errors = sum(1 for p in problems if p.severity == ERROR)
    warnings = len(problems) - errors
    records = f"{files} record{'s' if files != 1 else ''}"
    if not problems:
        return f"{records} checked: no problems"
    affected = len({p.path for p in problems})
    return (
        f"{records} checked: {errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''} in {affected} file{'s' if affected != 1 else ''}"
    )


def format_text(problems: list[Problem], files: int, color: bool = False) -> str:
    """One line per problem, its hint indented below, then the summary."""
    paint = _painter(color)
    lines = []
    for p in problems:
        shade = "red" if p.severity == ERROR else "yellow"
        lines.append(
            f"{paint(f'{p.path}:{p.line}:{p.column}:', 'bold')} {paint(p.severity, shade)} "
            f"{paint(p.rule, 'dim')} {p.message}"
        )
        if p.hint:
            lines.append("    " + paint(f"hint: {p.hint}", "dim"))
    summary = summary_line(problems, files)
    shade = "bold red" if any(p.severity == ERROR for p in problems) else ("bold yellow" if problems else "bold green")
    if lines:
        lines.append("")
    lines.append(paint(summary, shade))
    return "\n".join(lines) + "\n"


def format_json(problems: list[Problem], files: int) -> str:
    import json

    return json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _by_file(problems: list[Problem]) -> dict[str, list[Problem]]:
    grouped: dict[str, list[Problem]] = {}
    for p in problems:
        grouped.setdefault(p.path, []).append(p)
    return grouped


def format_github(problems: list[Problem], files: int) -> str:
    """GitHub Actions workflow commands: one collapsible group per file, holding an
    `::error file=..,line=..,col=..,title=..::message` annotation per problem; then the summary."""
    lines = []
    for path, found in _by_file(problems).items():
        count = f"{len(found)} problem{'s' if len(found) != 1 else ''}"
        lines.append(f"::group::{_escape_data(path)} ({count})")
        for p in found:
            level = "error" if p.severity == ERROR else "warning"
            message = p.message + (f" (hint: {p.hint})" if p.hint else "")
            lines.append(
                f"::{level} file={_escape_property(p.path)},line={p.line},col={p.column},"
                f"title={_escape_property('atlas ' + p.rule)}::{_escape_data(message)}"
            )
        lines.append("::endgroup::")
    lines.append(summary_line(problems, files))
    return "\n".join(lines) + "\n"


SUMMARY_ROWS = 200  # a job summary holds at most 1 MiB; the annotations and the log have every problem


def _one_cell(text: str) -> str:
    """TEXT kept inside its table cell: pipes escaped, line breaks as <br>."""
    return text.replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>").replace("\r", "<br>")


def _markdown_cell(text: str) -> str:
    """TEXT in a markdown table cell: no HTML from it, no broken row (backticks still show code)."""
    return _one_cell(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def _markdown_code(text: str) -> str:
    """TEXT as inline code in a table cell (file paths), whatever backticks it holds."""
    longest = current = 0
    for char in text:
        current = current + 1 if char == "`" else 0
        longest = max(longest, current)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{_one_cell(text)}{pad}{fence}"


def format_github_summary(problems: list[Problem], files: int) -> str:
    """A markdown job summary: the summary line, then a table of the problems (the first
    SUMMARY_ROWS of them)."""
    errors = any(p.severity == ERROR for p in problems)
    mark = "❌" if errors else ("⚠️" if problems else "✅")
    lines = ["### atlas lint", "", f"{mark} **{summary_line(problems, files)}**", ""]
    if problems:
        lines += ["| | file | line | rule | problem |", "|---|---|---|---|---|"]
        for p in problems[:SUMMARY_ROWS]:
            text = _markdown_cell(p.message) + (f"<br>hint: {_markdown_cell(p.hint)}" if p.hint else "")
            lines.append(f"| {p.severity} | {_markdown_code(p.path)} | {p.line}:{p.column} | `{p.rule}` | {text} |")
        if len(problems) > SUMMARY_ROWS:
            more = len(problems) - SUMMARY_ROWS
            lines += ["", f"… and {more} more (every problem is annotated on its file and printed in the log)."]
        lines.append("")
    return "\n".join(lines) + "\n"


# --- SARIF --------------------------------------------------------------------------------

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_ROOT = "%SRCROOT%"  # the uriBaseId of every path inside the repository


def _sarif_rules() -> list[dict]:
    """Every rule of the registry as a SARIF reportingDescriptor, with its documentation as help."""
    from atlas_cli.lint.rules import all_rules

    descriptors = []
    for rule in all_rules().values():
        doc = inspect.cleandoc(rule.doc)
        fix = "\n\n`atlas lint --fix` mends it." if rule.fixable else ""
        descriptors.append(
            {
                "id": rule.id,
                "name": "".join(word.capitalize() for word in rule.id.split("-")),
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": doc.split("\n\n")[0]},
                "help": {"text": doc + fix.replace("`", ""), "markdown": doc + fix},
                "properties": {"tags": ["atlas", *(["fixable"] if rule.fixable else [])], "precision": "very-high"},
            }
        )
    return descriptors


def _artifact_location(path: str) -> dict:
    """A relative path against the repository root (SARIF_ROOT); an absolute one as a file URI."""
    posix = path.replace("\\", "/")
    # the file name's own bytes, percent-encoded: a name that is not UTF-8 is read with its
    # bytes as lone surrogates (surrogateescape), which UTF-8 cannot encode
    raw = posix.encode("utf-8", "surrogateescape")
    if posix.startswith("/"):
        return {"uri": "file://" + quote(raw)}
    if posix[1:3] == ":/" and posix[0].isalpha():  # C:/... on Windows
        return {"uri": "file:///" + quote(raw, safe="/:")}
    return {"uri": quote(raw), "uriBaseId": SARIF_ROOT}


def format_sarif(
    problems: list[Problem],
    files: int,
    *,
    root_uri: str | None = None,
    tool_version: str | None = None,
    information_uri: str | None = None,
) -> str:
    """A SARIF 2.1.0 log with one run: every rule of the registry, one result per problem.

    Relative paths are URIs against the repository root (`%SRCROOT%`, whose absolute
    `file:` URI is ROOT_URI when given). Each result has a fingerprint from its rule,
    file, message and rank among identical problems, so code scanning matches it across
    runs even when lines move."""
    import json
    from hashlib import sha256

    rules = _sarif_rules()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    seen: dict[tuple[str, str, str], int] = {}
    results = []
    for p in problems:
        key = (p.rule, p.path, p.message)
        seen[key] = seen.get(key, 0) + 1
        identity = "\0".join((*key, str(seen[key]))).encode("utf-8", "surrogateescape")  # a file name's own bytes
        fingerprint = sha256(identity).hexdigest()[:32]
        result: dict = {
            "ruleId": p.rule,
            "level": "error" if p.severity == ERROR else "warning",
            "message": {"text": p.message + (f"\nHint: {p.hint}" if p.hint else "")},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact_location(p.path),
                        "region": {"startLine": max(p.line, 1), "startColumn": max(p.column, 1)},
                    }
                }
            ],
            "partialFingerprints": {"atlasProblem/v1": fingerprint},
        }
        if p.rule in index:
            result["ruleIndex"] = index[p.rule]
        results.append(result)
    driver: dict = {"name": "atlas", "rules": rules}
    if tool_version:
        driver["version"] = tool_version
        driver["semanticVersion"] = tool_version
    if information_uri:
        driver["informationUri"] = information_uri
    run: dict = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"summary": summary_line(problems, files)},
    }
    if root_uri:
        run["originalUriBaseIds"] = {SARIF_ROOT: {"uri": root_uri if root_uri.endswith("/") else root_uri + "/"}}
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


FORMATTERS = {"text": format_text, "json": format_json, "github": format_github, "sarif": format_sarif}
