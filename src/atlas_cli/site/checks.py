"""`atlas build` publishes only what `atlas lint` accepts.

Each record is checked while it is read for its page (one parse for both), by the
rules of `atlas lint`: the per-record checks where the record is rendered (in the
worker processes), then, once every record is in, the checks across records
(duplicates), the atlas's `[lint]` settings and the records' disable comments. A
published record with an error stops the build (`LintBlocked`); with
`--allow-errors` it is built and its page says what lint found, as a draft's page
does when drafts are included. What a record's checks found is kept in the build
manifest (`as_json`), so a rebuild checks again only the records that changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from atlas_cli.core.config import Settings
from atlas_cli.core.errors import FINDINGS, AtlasError
from atlas_cli.core.yamlio import Document
from atlas_cli.lint.config import LintPolicy, apply_policy
from atlas_cli.lint.engine import (
    FileResult,
    Identity,
    check_document,
    display_path,
    file_facts,
    identity_of,
)
from atlas_cli.lint.problem import ERROR, Problem

Checks = dict[str, Any]  # one record's findings as JSON data (see `as_json`)


class LintBlocked(AtlasError):
    """Published records that `atlas lint` rejects: nothing is built."""

    exit_code = FINDINGS

    def __init__(self, problems: list[Problem], checked: int) -> None:
        records = len({p.path for p in problems})
        super().__init__(
            f"{records} published record{'s' if records != 1 else ''} ha{'ve' if records != 1 else 's'} "
            "lint errors: the site was not built",
            hint="fix them (`atlas lint` reports the same), or build anyway with --allow-errors: "
            "their pages then say what lint found",
        )
        self.problems = problems
        self.checked = checked


def check_record(
    path: Path, document: Document, settings: Settings, records_root: Path | None, full: bool = True
) -> Checks:
    """The per-record findings of one record as read for its page (FULL=False: only what
    the checks across records need, for a draft the site leaves out)."""
    display = display_path(path)
    if not full:
        result = FileResult([], identity_of(display, path.name, document) if document.data is not None else None)
    else:
        result = check_document(document, display, path.name, settings.schemas_dir)  # (read: links refused)
    return as_json(result)


def as_json(result: FileResult) -> Checks:
    identity = result.identity
    directives = result.directives
    return {
        "problems": [[p.line, p.column, p.severity, p.rule, p.message, p.hint] for p in result.problems],
        "identity": None
        if identity is None
        else [[list(d) for d in identity.doi], identity.pmid, identity.title, identity.year],
        "draft": result.draft,
        "lines": [[line, sorted(rules)] for line, rules in sorted(directives.lines.items())] if directives else [],
        "file": sorted(directives.file) if directives else [],
    }


def from_json(checks: Checks, path: Path) -> FileResult:
    """A record's findings as stored (ValueError, TypeError or KeyError when damaged)."""
    from atlas_cli.lint.directives import Directives

    display = display_path(path)
    problems = [Problem(display, int(a), int(b), str(c), str(d), str(e), f) for a, b, c, d, e, f in checks["problems"]]
    identity = None
    if checks["identity"] is not None:
        dois, pmid, title, year = checks["identity"]
        identity = Identity(
            display,
            path.name,
            tuple((str(doi), int(line)) for doi, line in dois),
            (str(pmid[0]), int(pmid[1])) if pmid else None,
            (str(title[0]), int(title[1])) if title else None,
            year,
        )
    directives = Directives({int(line): set(rules) for line, rules in checks["lines"]}, set(checks["file"]))
    return FileResult(problems, identity, bool(checks["draft"]), directives or None)


def valid(checks: Any) -> bool:
    try:
        from_json(checks, Path("x.yaml"))
        return True
    except (ValueError, TypeError, KeyError):
        return False


def record_notes(problems: list[Problem]) -> list[str]:
    """What a record's page says lint found: its errors, one line each."""
    return [f"line {p.line}: {p.message} ({p.rule})" for p in problems if p.severity == ERROR]


def own_notes(result: FileResult, settings: Settings, policy: LintPolicy, path: Path) -> list[str]:
    """The notes from a record's own findings (before the checks across records)."""
    kept, _ = apply_policy(result.problems, policy, {display_path(path): file_facts(settings, path, result)})
    return record_notes(kept)


@dataclass
class Verdict:
    """Every record's problems after the checks across records and the atlas's settings, by file name."""

    problems: dict[str, list[Problem]]

    def of(self, name: str) -> list[Problem]:
        return self.problems.get(name, [])


def judge(settings: Settings, policy: LintPolicy, records: list[tuple[Path, Checks]]) -> Verdict:
    """What `atlas lint` reports for RECORDS (every record file of the atlas)."""
    from atlas_cli.lint.duplicates import check_duplicates

    problems: list[Problem] = []
    identities = []
    files_seen = []
    facts = {}
    names = {}
    for path, checks in records:
        result = from_json(checks, path)
        display = display_path(path)
        names[display] = path.name
        problems += result.problems
        if result.identity is not None:
            identities.append(result.identity)
        files_seen.append((display, path.name))
        facts[display] = file_facts(settings, path, result)
    problems += check_duplicates(identities, files_seen)
    kept, _ = apply_policy(problems, policy, facts)
    by_name: dict[str, list[Problem]] = {}
    for problem in sorted(kept, key=Problem.sort_key):
        by_name.setdefault(names.get(problem.path, problem.path), []).append(problem)
    return Verdict(by_name)
