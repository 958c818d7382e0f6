"""Lint output formats. Pure functions: problems in, text out.

text    `path:line:column: severity rule-id message`, a hint line, a summary
json    a list of problems (path, line, column, severity, rule, message, hint)
github  workflow commands that annotate the pull request's files
"""

from __future__ import annotations

import json
from collections.abc import Callable

from atlas_cli.lint.problem import ERROR, Problem

FORMATS = ("text", "json", "github")


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
    return json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(problems: list[Problem], files: int) -> str:
    """GitHub Actions workflow commands: ::error file=..,line=..,col=..,title=..::message"""
    lines = []
    for p in problems:
        level = "error" if p.severity == ERROR else "warning"
        message = p.message + (f" (hint: {p.hint})" if p.hint else "")
        lines.append(
            f"::{level} file={_escape_property(p.path)},line={p.line},col={p.column},"
            f"title={_escape_property('atlas ' + p.rule)}::{_escape_data(message)}"
        )
    lines.append(summary_line(problems, files))
    return "\n".join(lines) + "\n"


FORMATTERS = {"text": format_text, "json": format_json, "github": format_github}
