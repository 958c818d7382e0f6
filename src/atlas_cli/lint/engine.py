"""Run every check over a set of record files and collect the problems.

A run, in order:

1. `atlases_of`: each path given is linted with the atlas it lies in (the
   --root atlas, or the one found from the working directory, for paths inside
   it; else the nearest atlas above the path).
2. `collect_paths`: per atlas, the files to check: the whole atlas (every record
   under the records folder, in subfolders too, and the registries of its own
   `schemas/`), or the given files and folders (folders searched recursively).
3. `check_file`: each record is read, validated and passed through the record
   rules on its own (in worker processes when there are many), and yields its
   problems, a small identity (DOI, PMID, title, year) for the checks across
   records, and its disable comments.
4. `lint_paths`: the checks across records (duplicates; a linted file is also
   compared with every other record of the atlas), the layout check
   (`record-location`) and the registries; then the `[lint]` policy and the
   records' disable comments decide what is reported (`apply_policy`).

A file that cannot be read is a problem like any other: the other records are
still checked.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from atlas_cli.core.config import NoAtlas, Settings, atlas_of
from atlas_cli.core.doi_syntax import doi_key
from atlas_cli.core.errors import ConfigError, UsageError
from atlas_cli.core.paths import resolved
from atlas_cli.core.records import iter_yaml_files, read_document
from atlas_cli.core.textfold import title_key
from atlas_cli.core.workers import map_chunks
from atlas_cli.core.yamlio import Document
from atlas_cli.lint.config import FileFacts, apply_policy, lint_policy
from atlas_cli.lint.context import RecordContext
from atlas_cli.lint.directives import Directives, read_directives
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
    draft: bool = False
    directives: Directives | None = None


@dataclass
class LintResult:
    problems: list[Problem] = field(default_factory=list)
    files: int = 0  # record files checked
    registries: int = 0  # registry files checked
    hidden: int = 0  # warnings in drafts not reported (drafts = quiet)
    texts: int | None = None  # with --criteria: records whose stored text was read

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


def preload(schemas_dir: Path) -> None:
    """Load what checking a record needs (registries, compiled schema, the rules) in this
    process, before it forks workers, so that each worker does not load them again."""
    _checker(schemas_dir)
    import atlas_cli.lint.rules  # noqa: F401 (registers every rule)


# --- one file -------------------------------------------------------------------------


def check_file(path: Path, display: str, schemas_dir: Path, records_root: Path | None) -> FileResult:
    """All per-record checks of one file (its disable comments are read, not yet applied)."""
    # a link leading out of the records folder is not read
    return check_document(read_document(path, within=records_root), display, path.name, schemas_dir)


def check_document(document: Document, display: str, filename: str, schemas_dir: Path) -> FileResult:
    """All per-record checks of a record already read (`atlas build` reads each record once, for both)."""
    problems = [Problem(display, p.line, p.column, p.severity, p.rule, p.message, p.hint) for p in document.problems]
    directives = read_directives(document, display)
    problems += directives.problems
    if document.data is None:
        return FileResult(problems, None, directives=directives or None)
    registries, checker = _checker(schemas_dir)
    for finding in checker.check(document.data):
        line, column = document.locate(finding.where, key=finding.key)
        problems.append(Problem(display, line, column, ERROR, "schema", finding.message, finding.hint))
    from atlas_cli.lint.rules import RECORD_RULES

    context = RecordContext(display, filename, document, registries)
    for rule in RECORD_RULES.values():
        if rule.check is not None:  # always set for a per-record rule
            rule.check(context)
    problems.extend(context.problems)
    draft = document.data.get("status") == "draft"
    return FileResult(problems, identity_of(display, filename, document), draft, directives or None)


def identity_of(display: str, filename: str, document: Document) -> Identity:
    data = document.data or {}
    dois = []
    if isinstance(data.get("doi"), str):
        dois.append((doi_key(data["doi"]), document.locate(("doi",))[0]))
    for index, alias in enumerate(data.get("doi_aliases") or [] if isinstance(data.get("doi_aliases"), list) else []):
        if isinstance(alias, str):
            dois.append((doi_key(alias), document.locate(("doi_aliases", index))[0]))
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


def display_path(path: Path, cwd: Path | None = None) -> str:
    """PATH as problems show it: relative to the working folder (CWD, when known) when inside it."""
    try:
        return str(path.relative_to(cwd or Path.cwd()))
    except ValueError:
        return str(path)


def _located(path: Path) -> Path:
    """PATH made absolute with its folders resolved (a symlinked record stays itself)."""
    if path.is_dir() and not path.is_symlink():
        return resolved(path)
    return resolved(path.absolute().parent) / path.name


def atlases_of(paths: list[Path] | None, default: Callable[[], Settings]) -> list[tuple[Settings, list[Path] | None]]:
    """Which atlas lints which paths: (settings, paths; None for the whole atlas), in the order given.

    DEFAULT gives the atlas of --root / ATLAS_ROOT / the working directory. A path
    inside it belongs to it; any other path to the nearest atlas above it, or, in
    no atlas at all, to the default one. Without a default atlas (none found from
    the working directory) the paths' own atlases are enough.
    """
    try:
        fallback: Settings | None = default()
        missing: NoAtlas | None = None
    except NoAtlas as exc:
        fallback, missing = None, exc
    if not paths:
        if fallback is None:
            assert missing is not None
            raise missing
        return [(fallback, None)]
    groups: dict[Path, tuple[Settings, list[Path]]] = {}
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"cannot read {path}: no such file or folder", hint="check the path")
        where = _located(path)
        settings = fallback if fallback is not None and where.is_relative_to(fallback.root) else None
        settings = settings or atlas_of(path) or fallback
        if settings is None:
            raise NoAtlas(
                f"{path} is not in an atlas: no atlas.toml or [tool.atlas] above it",
                hint="lint files inside an atlas, or pass --root DIR to check them against that atlas",
            )
        groups.setdefault(settings.root, (settings, []))[1].append(path)
    return list(groups.values())


@dataclass
class Files:
    """The files one run checks in one atlas."""

    records: list[Path]
    registries: list[Path] = field(default_factory=list)
    every_record: bool = False  # the whole records folder is among RECORDS (no other record to compare with)
    screening: bool = False  # the screening decisions (screening.yaml) are checked too


def own_schemas(settings: Settings) -> Path | None:
    """The atlas's own schemas folder, if it uses one (else the shipped copies, not checked)."""
    own = settings.root / "schemas"
    return own if settings.schemas_dir == own else None


def collect_paths(settings: Settings, paths: list[Path] | None) -> Files:
    """The files to check: the whole atlas, or the given files and folders.

    The whole atlas is every YAML file under the records folder (subfolders too)
    and the registries of its own schemas folder. A folder given is searched
    recursively: the atlas folder (or any folder holding the records folder)
    stands for the records and registries in it; other folders for their YAML
    files. A file in the schemas folder is checked as a registry, the atlas's
    screening.yaml as the screening decisions (the whole atlas checks them too);
    its settings file (atlas.toml, pyproject.toml) adds nothing: every run checks it.
    """
    from atlas_cli.lint.registries import registry_files

    records_dir = settings.records_dir
    schemas = settings.root / "schemas" if (settings.root / "schemas").is_dir() else None
    if not paths:
        if not records_dir.is_dir():
            raise UsageError(
                f"records folder {records_dir} does not exist",
                hint="create it, or set records_dir in the atlas configuration",
            )
        registries = registry_files(schemas) if schemas is not None else []
        return Files(list(iter_yaml_files(records_dir)), registries, every_record=True, screening=True)

    records_at = resolved(records_dir) if records_dir.is_dir() else None
    screening = _located(settings.screening_file)
    config = _located(settings.config_file) if settings.config_file is not None else None
    files = Files([])
    for path in paths:
        where = _located(path)
        if where == screening:
            files.screening = True
            continue
        if where == config:  # the settings: checked on every run (check_settings), never as a record
            continue
        if path.is_dir():
            files.screening = files.screening or screening.is_relative_to(where)
            holds_records = records_at is not None and records_at.is_relative_to(where)
            if holds_records:
                files.every_record = True
                files.records.extend(iter_yaml_files(records_dir))
            if schemas is not None and schemas.is_relative_to(where):
                files.registries.extend(registry_files(schemas))
            elif not holds_records:
                files.records.extend(iter_yaml_files(path))
        elif path.exists() or path.is_symlink():
            if schemas is not None and where.parent == schemas and path.suffix in (".yaml", ".yml"):
                files.registries.append(path)
            else:
                files.records.append(path)
        else:
            raise UsageError(f"cannot read {path}: no such file or folder", hint="check the path")
    files.records = _unique(files.records)
    files.registries = _unique(files.registries)
    return files


def _unique(files: list[Path]) -> list[Path]:
    unique: dict[str, Path] = {}
    for file in files:  # one file named twice (records/a.yaml, ./records/../records/a.yaml) is checked once
        unique.setdefault(os.path.normpath(file.absolute()), file)
    return list(unique.values())


def lint_targets(
    paths: list[Path] | None,
    default: Callable[[], Settings],
    *,
    jobs: int | None = None,
    drafts: str | None = None,
    criteria: bool = False,
    cache: bool = True,
) -> LintResult:
    """`atlas lint [PATH...]`: each path checked in its own atlas (see `atlases_of`), one result."""
    total = LintResult()
    for settings, group in atlases_of(paths, default):
        result = lint_paths(settings, group, jobs=jobs, drafts=drafts, criteria=criteria, cache=cache)
        total.problems += result.problems
        total.files += result.files
        total.registries += result.registries
        total.hidden += result.hidden
        if result.texts is not None:
            total.texts = (total.texts or 0) + result.texts
    total.problems.sort(key=Problem.sort_key)
    return total


def lint_paths(
    settings: Settings,
    paths: list[Path] | None = None,
    *,
    jobs: int | None = None,
    drafts: str | None = None,
    criteria: bool = False,
    cache: bool = True,
) -> LintResult:
    """Check the given files of one atlas (default: the whole atlas) with every rule,
    then apply the atlas's `[lint]` policy (DRAFTS, from --drafts, overrides its `drafts`).
    CRITERIA (--criteria): also check each record's criteria against its stored text.
    CACHE: a few files are compared with the other records through the lint index
    (`lint.index`); False reads every other record instead, and leaves the index alone."""
    policy = lint_policy(settings, drafts)
    files = collect_paths(settings, paths)
    schemas_dir = settings.schemas_dir
    records_root = resolved(settings.records_dir) if settings.records_dir.is_dir() else None
    display = {p: display_path(p) for p in files.registries}
    try:
        _checker(schemas_dir)  # load once here: forked workers inherit it; config errors surface now
    except ConfigError as exc:
        return _unloadable_registries(settings, exc)
    cwd = Path.cwd()
    items = [(str(p), display_path(p, cwd)) for p in files.records]
    results: list[FileResult] = map_chunks(_check_chunk, items, jobs, shared=(schemas_dir, records_root))
    problems = [p for r in results for p in r.problems]
    identities = [r.identity for r in results if r.identity is not None]
    files_seen = [(display, Path(p).name) for p, display in items]
    if not files.every_record and records_root is not None:
        from atlas_cli.lint.index import other_records

        others = other_records(
            settings, records_root, items, identities, screening=files.screening, jobs=jobs, keep=cache
        )
        identities += others.identities
        files_seen += others.files
    from atlas_cli.lint.duplicates import check_duplicates
    from atlas_cli.lint.rules.screening import check_screening

    problems.extend(check_duplicates(identities, files_seen))
    display[settings.screening_file] = display_path(settings.screening_file)
    problems.extend(
        check_screening(
            settings.screening_file, display[settings.screening_file], identities, check_file=files.screening
        )
    )
    problems.extend(location_problems(settings, items))
    texts = None
    if criteria:
        from atlas_cli.lint.stored_text import check_stored_texts

        found, texts = check_stored_texts(settings, items, jobs)
        problems.extend(found)
    from atlas_cli.lint.settings import check_settings

    if settings.config_file is not None:
        display[settings.config_file] = display_path(settings.config_file)
        problems.extend(check_settings(settings, display[settings.config_file]))
    if files.registries:
        from atlas_cli.lint.registries import check_registries, unused_registries

        schemas = own_schemas(settings)
        if schemas is not None:
            problems.extend(check_registries(schemas, files.registries, display))
        else:
            problems.extend(unused_registries(files.registries, display))
    reported = {problem.path for problem in problems}  # the policy is asked only about files with problems
    facts = {
        shown: file_facts(settings, Path(p), result)
        for (p, shown), result in zip(items, results, strict=True)
        if shown in reported
    }
    facts.update({shown: FileFacts(_relative(settings, p)) for p, shown in display.items() if shown in reported})
    kept, hidden = apply_policy(problems, policy, facts)
    kept.sort(key=Problem.sort_key)
    return LintResult(kept, len(files.records), len(files.registries), hidden, texts)


def _unloadable_registries(settings: Settings, error: ConfigError) -> LintResult:
    """The run when the registries do not load: their problems, as problems (no record can be checked)."""
    from atlas_cli.lint.registries import check_registries, registry_files

    schemas = own_schemas(settings)
    if schemas is None:
        raise error  # the shipped copies are broken: a configuration error, not the curator's records
    shown = {p: display_path(p) for p in registry_files(schemas)}
    problems = check_registries(schemas, list(shown), shown)
    if not problems:
        raise error
    hint = "records are checked once the registries load"
    problems = [Problem(p.path, p.line, p.column, p.severity, p.rule, p.message, p.hint or hint) for p in problems]
    return LintResult(sorted(problems, key=Problem.sort_key), 0, len(shown))


def _relative(settings: Settings, path: Path) -> str | None:
    try:
        return _located(path).relative_to(settings.root).as_posix()
    except ValueError:
        return None


def file_facts(settings: Settings, path: Path, result: FileResult) -> FileFacts:
    """What the `[lint]` policy needs to know of one checked record."""
    directives = result.directives
    return FileFacts(
        _relative(settings, path),
        result.draft,
        tuple((line, frozenset(rules)) for line, rules in directives.lines.items()) if directives else (),
        frozenset(directives.file) if directives else frozenset(),
    )


def location_problems(settings: Settings, items: list[tuple[str, str]]) -> list[Problem]:
    """`record-location`: a record file that is not directly in the records folder, which
    every other command (build, list, cite, export) reads and nothing else."""
    records_dir = settings.records_dir
    home = resolved(records_dir) if records_dir.is_dir() else None
    name = settings.records_dir_name
    problems = []
    parents: dict[str, Path] = {}
    for path, display in items:
        folder = os.path.dirname(os.path.abspath(path))
        if folder not in parents:
            parents[folder] = resolved(Path(folder))
        if parents[folder] == home:
            continue
        inside = home is not None and parents[folder].is_relative_to(home)
        problems.append(
            Problem(
                display,
                1,
                1,
                ERROR,
                "record-location",
                f"in a subfolder of {name}/: atlas reads records only as {name}/<slug>.yaml, "
                "so build, list, cite and export do not see this file"
                if inside
                else f"not in the records folder ({records_dir}): build, list, cite and export do not see this file",
                f"move it to {name}/{Path(path).name}",
            )
        )
    return problems
