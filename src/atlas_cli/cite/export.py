"""`atlas export`: many records as one BibTeX, CSL-JSON or RIS document.

Reads every record file of the atlas (sorted by file name, so the output is
stable), keeps those that match the filters, and renders them with
`atlas_cli.cite`. A file that cannot be read, whose name is not a slug or whose
record cannot be cited safely (a DOI that is not a DOI) is skipped and reported,
never a crash: the caller prints the warnings and exits 1. Keys are
`<prefix>-<slug>` with the slug taken from the file name, which makes them unique
and stable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atlas_cli import cite
from atlas_cli.core.choices import unknown_choice
from atlas_cli.core.config import Settings
from atlas_cli.core.errors import AtlasError, UsageError
from atlas_cli.core.records import SLUG_RE, RecordFile, Skipped, read_record_files
from atlas_cli.core.select import Selection

# YAML problems that leave a file readable but its content ambiguous: such a file is skipped too.
AMBIGUOUS = {"yaml-duplicate-key"}


@dataclass
class ExportResult:
    text: str
    count: int
    skipped: list[Skipped] = field(default_factory=list)


def read_records(paths: Iterable[Path], jobs: int | None = None) -> tuple[list[dict[str, Any]], list[Skipped]]:
    """(records, skipped files), read over all cores when there are many. Each record's slug is its file name."""
    records, skipped = [], []
    for file in read_record_files(paths, jobs):
        usable = _usable(file)
        if isinstance(usable, Skipped):
            skipped.append(usable)
        else:
            records.append(usable)
    return records, skipped


def _usable(file: RecordFile) -> dict[str, Any] | Skipped:
    """The record's data with its slug, or why the file is left out."""
    if file.data is None:
        if not file.problems:
            return Skipped(file.path, "not a record (expected a mapping of keys)")
        first = file.problems[0]
        return Skipped(file.path, first.message, first.line, first.column)
    ambiguous = next((p for p in file.problems if p.rule in AMBIGUOUS), None)
    if ambiguous is not None:
        return Skipped(file.path, ambiguous.message, ambiguous.line, ambiguous.column)
    if not SLUG_RE.match(file.path.stem):  # the key is made from it, as build's page names are
        return Skipped(file.path, "its file name is not a slug (lower-case words joined by hyphens)")
    record = {**file.data, "slug": file.path.stem}  # slugs are unique by file name
    try:
        cite.citable(record)
    except AtlasError as exc:
        return Skipped(file.path, f"cannot be cited: {exc.message}")
    return record


def export(
    records_dir: Path,
    fmt: str,
    selection: Selection,
    settings: Settings,
    *,
    include_drafts: bool = False,
    latex: bool = False,
) -> ExportResult:
    """The records of RECORDS_DIR that SELECTION matches, as one document in FMT.

    Published records only, unless INCLUDE_DRAFTS or the selection asks for a status.
    """
    if fmt not in cite.EXPORT_FORMATS:
        raise unknown_choice("export format", fmt, cite.EXPORT_FORMATS)
    cite.check_latex(fmt, latex)
    if not records_dir.is_dir():
        raise UsageError(f"no records folder at {records_dir}", hint="run atlas inside an atlas, or pass --root DIR")
    from atlas_cli.core.records import iter_record_paths

    records, skipped = read_records(iter_record_paths(records_dir))
    chosen = [
        r
        for r in records
        if selection.matches(r) and (include_drafts or selection.statuses or r.get("status") != "draft")
    ]
    return ExportResult(cite.render_many(chosen, fmt, settings, latex), len(chosen), skipped)
