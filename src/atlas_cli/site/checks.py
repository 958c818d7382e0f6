"""`atlas build` publishes only what `atlas lint` accepts.

Each record is checked while it is read for its page (one parse for both), by the
rules of `atlas lint`: the per-record checks where the record is rendered (in the
worker processes), then, once every record is in, the checks across records
(duplicates), the atlas's `[lint]` settings and the records' disable comments. A
published record with an error stops the build (`LintBlocked`); with
`--allow-errors` it is built and its page says what lint found, as a draft's page
does when drafts are included. What a record's checks found is kept in the build
manifest (`as_json`), so a rebuild checks again only the records that changed.

Only errors matter here (the settings can lower an error to a warning, never the
reverse; warnings neither stop a build nor mark a page), so only errors are kept.
A clean record's findings are then only its DOIs and PMID (for the duplicate
checks: a duplicate title is only a warning); paths, settings and the policy are looked at only for the
few records with errors, so checking adds little to a build or a rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atlas_cli.core.config import Settings
from atlas_cli.core.errors import FINDINGS, AtlasError
from atlas_cli.core.yamlio import Document
from atlas_cli.lint.config import FileFacts, LintPolicy, apply_policy
from atlas_cli.lint.problem import ERROR, Problem

if TYPE_CHECKING:  # (the lint engine is loaded where records are checked: a rebuild of an unchanged atlas needs none)
    from atlas_cli.lint.engine import FileResult, Identity

Checks = dict[str, Any]  # one record's findings as JSON data (see `as_json`)


class LintBlocked(AtlasError):
    """Published records, or the settings every page is made with, that `atlas lint` rejects: nothing is built."""

    exit_code = FINDINGS

    def __init__(self, problems: list[Problem], checked: int, settings: Sequence[Problem] = ()) -> None:
        records = len({p.path for p in problems})
        what = []
        if records:
            what.append(
                f"{records} published record{'s' if records != 1 else ''} ha{'ve' if records != 1 else 's'} lint errors"
            )
        if settings:
            what.append(f"{settings[0].path} still has placeholders every page would cite")
        fixes = "fix them (`atlas lint` reports the same), or build anyway with --allow-errors"
        super().__init__(
            f"{' and '.join(what)}: the site was not built",
            hint=fixes + (": their pages then say what lint found" if records else ""),
        )
        self.problems = [*settings, *problems]
        self.checked = checked


@dataclass(frozen=True)
class Where:
    """How the records of one atlas are named: as `atlas lint` shows them (from the working
    folder) and as `[lint]` patterns match them (from the atlas folder). Records live
    directly in the records folder, so both are a prefix and the file name."""

    shown: str
    relative: str

    @classmethod
    def of(cls, settings: Settings) -> Where:
        from atlas_cli.lint.engine import display_path

        shown = display_path(settings.records_dir)
        try:
            relative = settings.records_dir.relative_to(settings.root).as_posix() + "/"
        except ValueError:
            relative = ""
        return cls("" if shown == "." else shown.rstrip("/") + "/", relative)

    def display(self, name: str) -> str:
        return self.shown + name


def settings_errors(settings: Settings, policy: LintPolicy) -> list[Problem]:
    """The errors `atlas lint` reports in the atlas's settings file: the name, site URL or BibTeX
    prefix `atlas init` left as a placeholder, which every page's citations would carry."""
    from atlas_cli.lint.engine import display_path
    from atlas_cli.lint.settings import check_settings

    config = settings.config_file
    if config is None:
        return []
    shown = display_path(config)
    try:
        relative: str | None = config.relative_to(settings.root).as_posix()
    except ValueError:
        relative = None
    kept, _ = apply_policy(check_settings(settings, shown), policy, {shown: FileFacts(relative)})
    return [p for p in kept if p.severity == ERROR]


def check_record(path: Path, document: Document, display: str, schemas_dir: Path, full: bool = True) -> Checks:
    """The per-record findings of one record as read for its page (FULL=False: only what
    the checks across records need, for a draft the site leaves out)."""
    from atlas_cli.lint.engine import FileResult, check_document, identity_of

    if not full:
        identity = identity_of(display, path.name, document) if document.data is not None else None
        return as_json(FileResult([], identity))
    result = check_document(document, display, path.name, schemas_dir)  # (read: links refused)
    return as_json(result)


def as_json(result: FileResult) -> Checks:
    """RESULT as compact JSON data: its errors and what else is there (most records: only their identity)."""
    checks: Checks = {}
    errors = [p for p in result.problems if p.severity == ERROR]
    if errors:
        checks["p"] = [[p.line, p.column, p.severity, p.rule, p.message, p.hint] for p in errors]
    identity = result.identity
    if identity is not None:  # (the title and year find only duplicate-title, a warning)
        checks["i"] = [[list(d) for d in identity.doi], identity.pmid]
    if result.draft:
        checks["d"] = True
    directives = result.directives
    if directives and directives.lines:
        checks["l"] = [[line, sorted(rules)] for line, rules in sorted(directives.lines.items())]
    if directives and directives.file:
        checks["f"] = sorted(directives.file)
    return checks


def valid(checks: Any) -> bool:
    """Whether CHECKS, read from a manifest, has the shape `as_json` writes."""

    def position(value: Any) -> bool:
        return isinstance(value, list) and len(value) == 2 and isinstance(value[1], int)

    try:
        if not isinstance(checks, dict) or set(checks) - {"p", "i", "d", "l", "f"}:
            return False
        for p in checks.get("p", []):
            if len(p) != 6 or not (isinstance(p[0], int) and isinstance(p[1], int)):
                return False
            if not all(isinstance(v, str) for v in p[2:5]) or not isinstance(p[5], (str, type(None))):
                return False
        if "i" in checks:
            dois, pmid = checks["i"]
            if not all(position(d) and isinstance(d[0], str) for d in dois):
                return False
            if not (pmid is None or (position(pmid) and isinstance(pmid[0], str))):
                return False
        lines = checks.get("l", [])
        return all(isinstance(line, int) and all(isinstance(r, str) for r in rules) for line, rules in lines) and all(
            isinstance(r, str) for r in checks.get("f", [])
        )
    except (ValueError, TypeError):
        return False


def problems_of(checks: Checks, display: str) -> list[Problem]:
    return [Problem(display, a, b, c, d, e, f) for a, b, c, d, e, f in checks.get("p", ())]


def identity_from(checks: Checks, display: str, name: str) -> Identity | None:
    from atlas_cli.lint.engine import Identity

    if "i" not in checks:
        return None
    dois, pmid = checks["i"]
    return Identity(display, name, tuple((doi, line) for doi, line in dois), (pmid[0], pmid[1]) if pmid else None)


def facts_from(checks: Checks, relative: str) -> FileFacts:
    return FileFacts(
        relative,
        bool(checks.get("d")),
        tuple((line, frozenset(rules)) for line, rules in checks.get("l", ())),
        frozenset(checks.get("f", ())),
    )


def record_notes(problems: list[Problem]) -> list[str]:
    """What a record's page says lint found: its errors, one line each."""
    return [f"line {p.line}: {p.message} ({p.rule})" for p in problems if p.severity == ERROR]


def own_notes(checks: Checks, display: str, relative: str, policy: LintPolicy) -> list[str]:
    """The notes from a record's own findings (before the checks across records)."""
    if "p" not in checks:
        return []
    kept, _ = apply_policy(problems_of(checks, display), policy, {display: facts_from(checks, relative)})
    return record_notes(kept)


@dataclass
class Verdict:
    """Every record's errors after the checks across records and the atlas's settings, by file name."""

    problems: dict[str, list[Problem]]

    def of(self, name: str) -> list[Problem]:
        return self.problems.get(name, [])


def judge(where: Where, policy: LintPolicy, records: list[tuple[str, Checks]]) -> Verdict:
    """The errors `atlas lint` reports for RECORDS ((file name, checks) of every record file of the atlas)."""
    from atlas_cli.lint.duplicates import check_duplicates

    problems: list[Problem] = []
    identities = []
    files_seen = []
    checks_of: dict[str, tuple[str, Checks]] = {}  # display -> (file name, checks)
    for name, checks in records:
        display = where.display(name)
        checks_of[display] = (name, checks)
        if "p" in checks:
            problems += problems_of(checks, display)
        identity = identity_from(checks, display, name)
        if identity is not None:
            identities.append(identity)
        files_seen.append((display, name))
    problems += [p for p in check_duplicates(identities, files_seen) if p.severity == ERROR]
    facts = {
        display: facts_from(checks_of[display][1], where.relative + checks_of[display][0])
        for display in {p.path for p in problems}
        if display in checks_of
    }
    kept, _ = apply_policy(problems, policy, facts)
    by_name: dict[str, list[Problem]] = {}
    for problem in sorted(kept, key=Problem.sort_key):
        name = checks_of[problem.path][0] if problem.path in checks_of else problem.path
        by_name.setdefault(name, []).append(problem)
    return Verdict(by_name)
