"""`atlas export`: many records as one BibTeX, CSL-JSON or RIS document.

Reads every record file of the atlas (sorted by file name, so the output is
stable), keeps those that match the filters, and renders them with
`atlas_cli.cite`. A file that cannot be read is skipped and reported, never a
crash: the caller prints the warnings and exits 1. Keys are `<prefix>-<slug>`
with the slug taken from the file name, which makes them unique and stable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atlas_cli import cite
from atlas_cli.core.errors import UsageError

STATUSES = ("draft", "published")
# YAML problems that leave a file readable but its content ambiguous: such a file is skipped too.
AMBIGUOUS = {"yaml-duplicate-key"}
BADGES = ("required", "not-required", "unclear", "not-applicable")


@dataclass(frozen=True)
class Filters:
    """Which records to export. Values within one filter are alternatives (OR);
    different filters must all match (AND). Drafts only with include_drafts or
    when `draft` is among the statuses asked for."""

    statuses: tuple[str, ...] = ()
    badges: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    include_drafts: bool = False

    def check(self) -> Filters:
        for name, values, allowed in (("--status", self.statuses, STATUSES), ("--badge", self.badges, BADGES)):
            for value in values:
                if value not in allowed:
                    raise UsageError(
                        f"{name} {value!r} is not one of: {', '.join(allowed)}", hint=f"e.g. {name} {allowed[-1]}"
                    )
        return self

    def match(self, record: dict[str, Any]) -> bool:
        status = record.get("status")
        if self.statuses:
            if status not in self.statuses:
                return False
        elif status == "draft" and not self.include_drafts:
            return False
        if self.badges:
            pem = record.get("pem")
            if not isinstance(pem, dict) or pem.get("badge") not in self.badges:
                return False
        if self.topics:
            topics = record.get("topics")
            if not isinstance(topics, list) or not any(t in topics for t in self.topics):
                return False
        return True


@dataclass(frozen=True)
class Skipped:
    """A record file left out because it could not be read."""

    path: Path
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message} (skipped)"


@dataclass
class ExportResult:
    text: str
    count: int
    skipped: list[Skipped] = field(default_factory=list)


def read_records(paths: Iterable[Path], jobs: int | None = None) -> tuple[list[dict[str, Any]], list[Skipped]]:
    """(records, skipped files), read over all cores when there are many. Each record's slug is its file name."""
    from atlas_cli.core.workers import map_chunks

    results = map_chunks(_read_chunk, [str(p) for p in paths], jobs)
    return [r for r, _ in results if r is not None], [s for _, s in results if s is not None]


def _read_chunk(names: list[str]) -> list[tuple[dict[str, Any] | None, Skipped | None]]:
    return [_read_one(Path(name)) for name in names]


def _read_one(path: Path) -> tuple[dict[str, Any] | None, Skipped | None]:
    from atlas_cli.core.records import read_document

    document = read_document(path)
    if document.data is None:
        first = document.problems[0] if document.problems else None
        return None, Skipped(
            path, first.line if first else 1, first.column if first else 1, first.message if first else "not a record"
        )
    ambiguous = [p for p in document.problems if p.rule in AMBIGUOUS]
    if ambiguous:
        first = ambiguous[0]
        return None, Skipped(path, first.line, first.column, first.message)
    if not isinstance(document.data, dict):
        return None, Skipped(path, 1, 1, "not a record (expected a mapping of keys)")
    data = dict(document.data)
    data["slug"] = path.stem  # slugs are unique by file name
    return data, None


def export(records_dir: Path, fmt: str, filters: Filters, settings) -> ExportResult:
    """All matching records of RECORDS_DIR as one document in FMT."""
    if fmt not in cite.EXPORT_FORMATS:
        raise UsageError(f"cannot export as '{fmt}'", hint=f"choose one of: {', '.join(cite.EXPORT_FORMATS)}")
    filters.check()
    if not records_dir.is_dir():
        raise UsageError(f"no records folder at {records_dir}", hint="run atlas inside an atlas, or pass --root DIR")
    from atlas_cli.core.records import iter_record_paths

    records, skipped = read_records(iter_record_paths(records_dir))
    chosen = [r for r in records if filters.match(r)]
    return ExportResult(cite.render_many(chosen, fmt, settings), len(chosen), skipped)
