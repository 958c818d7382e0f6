"""`atlas list` as plain functions: read records, filter, sort, format.

Reading never stops at a bad record: a file that cannot be parsed becomes a row
with its problems flagged (and no data), so the listing always covers the folder.
Formatters are pure and return strings.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atlas_cli.core import fields
from atlas_cli.core.choices import check_choice
from atlas_cli.core.paths import resolved
from atlas_cli.core.select import Selection

if TYPE_CHECKING:
    from atlas_cli.core.config import Settings
    from atlas_cli.lint.problem import Problem

SORT_KEYS = ("slug", "year", "author", "badge", "design", "status", "added", "problems")
EXPORT_KEYS = (
    "slug",
    "status",
    "year",
    "first_author",
    "title",
    "journal",
    "doi",
    "badge",
    "criteria",
    "design",
    "evidence_level",
    "topics",
    "flags",
    "added",
    "path",
    "errors",
    "warnings",
    "problems",
)


@dataclass
class Entry:
    """One record file: its data (None if unreadable) and the problems found in it."""

    path: Path
    data: dict[str, Any] | None
    problems: list[str] = field(default_factory=list)  # "line:col severity rule message"
    errors: int = 0
    warnings: int = 0

    @property
    def slug(self) -> str:
        """The file name, which is the slug `atlas show`, `atlas cite` and the site use."""
        if self.path is not None:
            return self.path.stem
        return (fields.clean(self.data.get("slug")) if self.data else None) or ""


# --- reading ---------------------------------------------------------------------------


def read_entries(records_dir: Path, paths: Iterable[Path] | None = None, jobs: int | None = None) -> list[Entry]:
    """Every record file, parsed (over all cores when there are many); YAML-level problems attached."""
    from atlas_cli.core.records import iter_record_paths, read_record_files

    entries = []
    for file in read_record_files(paths if paths is not None else iter_record_paths(records_dir), jobs):
        entry = Entry(file.path, file.data)
        for p in file.problems:
            _add_problem(entry, p.line, p.column, p.severity, p.rule, p.message)
        entries.append(entry)
    return entries


def _add_problem(entry: Entry, line: int, column: int, severity: str, rule: str, message: str) -> None:
    entry.problems.append(f"{line}:{column} {severity} [{rule}] {message}")
    if severity == "error":
        entry.errors += 1
    else:
        entry.warnings += 1


def attach_lint(settings: Settings, entries: list[Entry]) -> None:
    """Replace each entry's problems with the full `atlas lint` findings."""
    from atlas_cli.lint import lint_paths

    result = lint_paths(settings, [e.path for e in entries])
    by_path: dict[Path, list[Problem]] = {}
    for problem in result.problems:  # problem paths are as displayed (relative to the working folder)
        by_path.setdefault(resolved(Path(problem.path)), []).append(problem)
    for entry in entries:
        found = by_path.get(resolved(entry.path), [])
        entry.problems, entry.errors, entry.warnings = [], 0, 0
        for p in sorted(found, key=lambda p: (p.line or 0, p.column or 0)):
            _add_problem(entry, p.line or 1, p.column or 1, p.severity, p.rule, p.message)


# --- selection -------------------------------------------------------------------------


def selected(entry: Entry, selection: Selection, problems_only: bool = False) -> bool:
    """Whether ENTRY is listed: it matches SELECTION (and has problems, with PROBLEMS_ONLY)."""
    if problems_only and not entry.problems:
        return False
    if entry.data is None:
        return not selection.asks_content
    return selection.matches(entry.data)


@dataclass
class Row:
    slug: str
    status: str | None
    year: int | None
    first_author: str | None
    title: str | None
    journal: str | None
    doi: str | None
    badge: str | None
    criteria: list[str]
    design: str | None
    evidence_level: str | None
    topics: list[str]
    flags: list[str]
    added: str | None
    path: str
    errors: int
    warnings: int
    problems: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in EXPORT_KEYS}


def row_of(entry: Entry) -> Row:
    data = entry.data or {}
    return Row(
        slug=entry.slug,
        status=fields.text(data, "status"),
        year=fields.year(data),
        first_author=fields.first_author_family(data),
        title=fields.text(data, "title"),
        journal=fields.text(data, "journal"),
        doi=fields.text(data, "doi"),
        badge=fields.badge(data),
        criteria=fields.strings(fields.pem(data).get("criteria")),
        design=fields.text(data, "design"),
        evidence_level=fields.text(data, "evidence_level"),
        topics=fields.strings(data.get("topics")),
        flags=fields.strings(data.get("flags")),
        added=fields.text(data, "added"),
        path=str(entry.path),
        errors=entry.errors,
        warnings=entry.warnings,
        problems=list(entry.problems),
    )


def _sort_key(key: str) -> Callable[[Row], Any]:
    def text(v: object) -> tuple[bool, str]:
        return (v is None, (v or "").casefold() if isinstance(v, str) else "")

    return {
        "slug": lambda r: r.slug,
        "year": lambda r: (r.year is None, r.year or 0, r.slug),
        "author": lambda r: (*text(r.first_author), r.year or 0, r.slug),
        "badge": lambda r: (*text(r.badge), r.slug),
        "design": lambda r: (*text(r.design), r.slug),
        "status": lambda r: (*text(r.status), r.slug),
        "added": lambda r: (*text(r.added), r.slug),
        "problems": lambda r: (-r.errors, -r.warnings, r.slug),
    }[key]


def list_rows(
    entries: list[Entry],
    selection: Selection,
    *,
    problems_only: bool = False,
    sort: str = "slug",
    reverse: bool = False,
) -> list[Row]:
    check_choice("sort key", sort, SORT_KEYS)
    rows = [row_of(e) for e in entries if selected(e, selection, problems_only)]
    rows.sort(key=_sort_key(sort), reverse=reverse)
    return rows


# --- formatters ------------------------------------------------------------------------


def problem_marker(row: Row) -> str:
    parts = []
    if row.errors:
        parts.append(f"{row.errors} error{'s' if row.errors != 1 else ''}")
    if row.warnings:
        parts.append(f"{row.warnings} warning{'s' if row.warnings != 1 else ''}")
    return ", ".join(parts)


def cells(row: Row) -> list[str]:
    """The table columns of a row, as text (`-` for a missing value)."""
    return [
        row.slug,
        str(row.year) if row.year is not None else "-",
        row.first_author or "-",
        row.badge or "-",
        row.design or "-",
        row.status or "-",
        ",".join(row.flags) or "-",
        problem_marker(row) or "-",
    ]


HEADINGS = ("SLUG", "YEAR", "FIRST AUTHOR", "PEM", "DESIGN", "STATUS", "FLAGS", "PROBLEMS")


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "\u2026"


# Which columns give way when the table is too wide, in this order, and how narrow each
# may get at that step: the slug first (it is long, and its start tells records apart),
# then first author, design, flags and problems, then all of them further. The PEM badge
# and status give way last, only on a terminal narrower than about 72 columns: they are
# short, and the badge is what one lists records for. The year never does.
SHRINK = (
    *((0, 24), (2, 12), (4, 12), (6, 8), (7, 8)),
    *((0, 14), (2, 6), (4, 6), (6, 5), (7, 5), (0, 8)),
    *((0, 5), (2, 4), (4, 4), (3, 8), (5, 6), (3, 5), (5, 5)),
)


def fit_widths(table: list[list[str]], max_width: int, gap: int = 2) -> list[int]:
    """Column widths for TABLE (the columns of HEADINGS) that fit MAX_WIDTH if they can,
    narrowing the columns in SHRINK order."""
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    excess = sum(widths) + gap * (len(widths) - 1) - max_width
    for column, floor in SHRINK:
        if excess <= 0 or column >= len(widths):
            break
        cut = min(excess, max(0, widths[column] - floor))
        widths[column] -= cut
        excess -= cut
    return widths


def format_text(rows: list[Row]) -> str:
    """Aligned plain columns (for pipes); one line per record after a heading line."""
    table = [list(HEADINGS)] + [cells(r) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADINGS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in table]
    return "\n".join(lines) + "\n"


def format_json(rows: list[Row]) -> str:
    return json.dumps([r.as_dict() for r in rows], indent=2, ensure_ascii=False) + "\n"


def format_csv(rows: list[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_KEYS)
    for row in rows:
        values = row.as_dict()
        writer.writerow(["; ".join(v) if isinstance(v, list) else ("" if v is None else v) for v in values.values()])
    return buffer.getvalue()


FORMATTERS = {"json": format_json, "csv": format_csv, "text": format_text}


def summary_line(shown: int, total: int) -> str:
    return f"{shown} of {total} record{'s' if total != 1 else ''}"
