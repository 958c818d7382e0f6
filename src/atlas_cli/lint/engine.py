"""Run every check over a set of record files and collect the problems.

Each file is read, validated and passed through the record rules on its own
(in worker processes when there are many), and yields its problems plus a small
identity (slug, DOI, PMID, title, year) for the checks across records, which run
here once all files are in. A file that cannot be read is a problem like any
other: the other records are still checked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from atlas_cli.core.config import Settings
from atlas_cli.core.errors import UsageError
from atlas_cli.core.records import iter_record_paths, read_document
from atlas_cli.core.textfold import title_key
from atlas_cli.core.workers import map_chunks
from atlas_cli.core.yamlio import MAX_BYTES, Document
from atlas_cli.lint.context import RecordContext
from atlas_cli.lint.problem import ERROR, Problem

if TYPE_CHECKING:
    from atlas_cli.core.registries import Registries
    from atlas_cli.lint.schema import SchemaChecker


@dataclass(frozen=True, slots=True)
class Identity:
    """What the checks across records need to know of one file."""

    path: str
    filename: str
    doi: tuple[tuple[str, int], ...] = ()  # (lower-cased DOI, line), the DOI then its aliases
    pmid: tuple[str, int] | None = None
    title: tuple[str, int] | None = None  # normalised
    year: int | None = None
    checked: bool = True  # False for records only scanned for duplicates


@dataclass
class FileResult:
    problems: list[Problem]
    identity: Identity | None


@dataclass
class LintResult:
    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == ERROR)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors

    @property
    def unreadable(self) -> bool:
        return any(p.rule == "file-unreadable" for p in self.problems)

    def by_path(self) -> dict[str, list[Problem]]:
        grouped: dict[str, list[Problem]] = {}
        for problem in self.problems:
            grouped.setdefault(problem.path, []).append(problem)
        return grouped


# --- per process state (loaded once; forked workers inherit it, spawned ones load it once each) ---

_checkers: dict[Path, tuple[Registries, SchemaChecker]] = {}


def _checker(schemas_dir: Path) -> tuple[Registries, SchemaChecker]:
    if schemas_dir not in _checkers:
        from atlas_cli.core.registries import load_registries
        from atlas_cli.lint.schema import SchemaChecker

        _checkers[schemas_dir] = (load_registries(schemas_dir), SchemaChecker(schemas_dir / "record.schema.json"))
    return _checkers[schemas_dir]


# --- one file -------------------------------------------------------------------------


def check_file(path: Path, display: str, schemas_dir: Path, records_root: Path | None) -> FileResult:
    """All per-record checks of one file."""
    if path.is_symlink() and records_root is not None:
        target = path.resolve()
        if not target.is_relative_to(records_root):
            return FileResult(
                [
                    Problem(
                        display,
                        1,
                        1,
                        ERROR,
                        "file-symlink",
                        "symlink points outside the records folder; not read",
                        "keep records as plain files inside the records folder",
                    )
                ],
                None,
            )
    document = read_document(path)
    problems = [Problem(display, p.line, p.column, p.severity, p.rule, p.message, p.hint) for p in document.problems]
    if document.data is None:
        return FileResult(problems, None)
    registries, checker = _checker(schemas_dir)
    for finding in checker.check(document.data):
        line, column = document.locate(finding.where, key=finding.key)
        problems.append(Problem(display, line, column, ERROR, "schema", finding.message, finding.hint))
    from atlas_cli.lint.rules import RECORD_RULES

    context = RecordContext(display, path.name, document, registries)
    for rule in RECORD_RULES.values():
        if rule.check is not None:  # always set for a per-record rule
            rule.check(context)
    problems.extend(context.problems)
    return FileResult(problems, identity_of(display, path.name, document))


def identity_of(display: str, filename: str, document: Document) -> Identity:
    data = document.data or {}
    dois = []
    if isinstance(data.get("doi"), str):
        dois.append((data["doi"].strip().lower(), document.locate(("doi",))[0]))
    for index, alias in enumerate(data.get("doi_aliases") or [] if isinstance(data.get("doi_aliases"), list) else []):
        if isinstance(alias, str):
            dois.append((alias.strip().lower(), document.locate(("doi_aliases", index))[0]))
    pmid = data.get("pmid")
    title = data.get("title")
    year = data.get("year")
    return Identity(
        display,
        filename,
        tuple(dois),
        (str(pmid).strip(), document.locate(("pmid",))[0])
        if isinstance(pmid, (str, int)) and not isinstance(pmid, bool)
        else None,
        (normalise_title(title), document.locate(("title",))[0]) if isinstance(title, str) and title.strip() else None,
        year if isinstance(year, int) and not isinstance(year, bool) else None,
    )


normalise_title = title_key


def _check_chunk(items: list[tuple[str, str]], schemas_dir: Path, records_root: Path | None) -> list[FileResult]:
    return [check_file(Path(p), display, schemas_dir, records_root) for p, display in items]


# --- the whole run ----------------------------------------------------------------------


def display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def collect_paths(settings: Settings, paths: list[Path] | None) -> list[Path]:
    """The files to check: the records folder, or the given files and folders."""
    if not paths:
        if not settings.records_dir.is_dir():
            raise UsageError(
                f"records folder {settings.records_dir} does not exist",
                hint="create it, or set records_dir in the atlas configuration",
            )
        return list(iter_record_paths(settings.records_dir))
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(iter_record_paths(path))
        elif path.exists() or path.is_symlink():
            files.append(path)
        else:
            raise UsageError(f"cannot read {path}: no such file or folder", hint="check the path")
    unique: dict[str, Path] = {}
    for file in files:  # one file named twice (records/a.yaml, ./records/../records/a.yaml) is checked once
        unique.setdefault(os.path.normpath(file.absolute()), file)
    return list(unique.values())


def lint_paths(settings: Settings, paths: list[Path] | None = None, *, jobs: int | None = None) -> LintResult:
    """Check the given record files (default: every record) with every rule."""
    files = collect_paths(settings, paths)
    schemas_dir = settings.schemas_dir
    records_root = settings.records_dir.resolve() if settings.records_dir.is_dir() else None
    _checker(schemas_dir)  # load once here: forked workers inherit it; config errors surface now
    items = [(str(p), display_path(p)) for p in files]
    results: list[FileResult] = map_chunks(_check_chunk, items, jobs, shared=(schemas_dir, records_root))
    problems = [p for r in results for p in r.problems]
    identities = [r.identity for r in results if r.identity is not None]
    files_seen = [(display, Path(p).name) for p, display in items]
    if paths and records_root is not None:
        linted = {Path(p).resolve() for p, _ in items}
        scanned = scan_identities(iter_record_paths(settings.records_dir), skip=linted)
        identities += scanned
        files_seen += [(i.path, i.filename) for i in scanned]
    from atlas_cli.lint.duplicates import check_duplicates

    problems.extend(check_duplicates(identities, files_seen))
    from atlas_cli.lint.settings import check_settings

    if settings.config_file is not None:
        problems.extend(check_settings(settings, display_path(settings.config_file)))
    problems.sort(key=Problem.sort_key)
    return LintResult(problems, len(files))


_LINE_RE = {
    "doi": re.compile(r"^doi:[ \t]*['\"]?([^'\"#\s]+)", re.MULTILINE),
    "pmid": re.compile(r"^pmid:[ \t]*['\"]?(\d+)", re.MULTILINE),
    "title": re.compile(r"^title:[ \t]*(['\"]?)(.+?)\1[ \t]*$", re.MULTILINE),
    "year": re.compile(r"^year:[ \t]*(\d{4})\b", re.MULTILINE),
}


def scan_identities(paths: Iterable[Path], skip: set[Path]) -> list[Identity]:
    """Identities of records not being linted, read quickly for the duplicate checks only."""
    found = []
    for path in paths:
        if path.resolve() in skip:
            continue
        try:
            if not path.is_file() or path.stat().st_size > MAX_BYTES:
                continue  # pipes, devices and huge files are reported when they are linted themselves
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        doi = _LINE_RE["doi"].search(text)
        pmid = _LINE_RE["pmid"].search(text)
        title = _LINE_RE["title"].search(text)
        year = _LINE_RE["year"].search(text)
        display = display_path(path)
        found.append(
            Identity(
                display,
                path.name,
                ((doi.group(1).lower(), _line(text, doi)),) if doi else (),
                (pmid.group(1), _line(text, pmid)) if pmid else None,
                (normalise_title(title.group(2)), _line(text, title)) if title else None,
                int(year.group(1)) if year else None,
                checked=False,
            )
        )
    return found


def _line(text: str, match: re.Match) -> int:
    return text.count("\n", 0, match.start()) + 1
