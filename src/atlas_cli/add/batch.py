"""`atlas add` core: DOIs in, draft records out, results as data (no printing).

`add_dois(settings, identifiers, options)` runs the whole pipeline:

1. inspect every identifier (doi.py); repeats within the batch are skipped;
2. skip DOIs already in the atlas (doi or doi_aliases of any record, any case);
3. take Crossref answers from the cache (unless --refresh), fetch the rest
   (crossref.py, paced, in parallel) while PubMed is asked for all DOIs in a
   few batched requests in a background thread (pubmed.py);
4. build each draft (scaffold.py), choose its slug (slugs.py) and create the
   file, holding an exclusive lock on the records folder around the duplicate
   check and the write, so two `atlas add` runs cannot create two records for
   one DOI. Records are written as their answers arrive, so Ctrl-C keeps every
   record already written (each file is created atomically, never partial).

The report's `exit_code` follows the documented table: 0 all added (or already
present); 1 some DOI failed; 2 nothing given was a DOI; 3 Crossref failed for
every DOI (network); 4 no record could be written; 130 interrupted.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atlas_cli.core import errors
from atlas_cli.core.doi import Doi, NotADoi, doi_key, inspect_identifier
from atlas_cli.core.errors import WriteError

if TYPE_CHECKING:
    from atlas_cli.core.config import Settings
    from atlas_cli.services.cache import Cache
    from atlas_cli.services.crossref import Found
    from atlas_cli.services.pacing import HttpOptions
    from atlas_cli.services.pubmed import PubMedHit

ADDED, WOULD_ADD, PRESENT, SKIPPED, FAILED = "added", "would-add", "present", "skipped", "failed"
_DOI_IN_TEXT = re.compile(r"10\.[0-9]{4,9}/[^\s\"',\]]+", re.IGNORECASE)


@dataclass
class AddOptions:
    dry_run: bool = False
    pubmed: bool = True
    offline: bool = False
    refresh: bool = False
    today: date | None = None


@dataclass
class AddResult:
    """What happened to one identifier."""

    typed: str
    doi: str | None = None  # the DOI asked for (normalised)
    status: str = FAILED
    slug: str | None = None
    path: Path | None = None
    reason: str | None = None  # why it failed or was skipped
    kind: str | None = None  # failure kind: input, not-found, rejected, mismatch, network, offline, metadata, write
    notices: list[str] = field(default_factory=list)  # flags and warnings for the curator
    flags: list[str] = field(default_factory=list)
    record: dict[str, Any] | None = None
    text: str | None = None  # the record as YAML, for --dry-run (would-add)
    position: int = 0  # index of the identifier in the input

    @property
    def label(self) -> str:
        return self.doi or self.typed


@dataclass
class AddReport:
    results: list[AddResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    limits: str | None = None
    interrupted: bool = False

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return errors.INTERRUPTED
        failed = [r for r in self.results if r.status == FAILED]
        if not failed:
            return errors.OK
        if len(failed) == len(self.results):
            kinds = {r.kind for r in failed}
            if kinds == {"input"}:
                return errors.USAGE
            if kinds == {"network"}:
                return errors.NETWORK
            if kinds == {"write"}:
                return errors.CANNOT_WRITE
        return errors.FINDINGS


# --- the records already in the atlas ---------------------------------------------------


class RecordIndex:
    """DOIs and slugs of the records on disk; re-reads only files that changed."""

    def __init__(self, records_dir: Path) -> None:
        self.records_dir = records_dir
        self._files: dict[Path, tuple[tuple[int, int], str, list[str]]] = {}
        self._by_doi: dict[str, str] = {}

    def refresh(self) -> None:
        from atlas_cli.core.records import iter_record_paths, read_document

        seen = {}
        for path in iter_record_paths(self.records_dir):
            try:
                stat = path.stat()
            except OSError:
                continue
            signature = (stat.st_mtime_ns, stat.st_size)
            cached = self._files.get(path)
            if cached is not None and cached[0] == signature:
                seen[path] = cached
                continue
            document = read_document(path)
            data = document.data
            slug = path.stem
            dois: list[str] = []
            if isinstance(data, dict):
                if isinstance(data.get("slug"), str):
                    slug = data["slug"]
                if isinstance(data.get("doi"), str):
                    dois.append(data["doi"])
                aliases = data.get("doi_aliases")
                if isinstance(aliases, list):
                    dois.extend(a for a in aliases if isinstance(a, str))
            else:  # unreadable record: any DOI written in it counts, to be safe
                with contextlib.suppress(OSError):
                    dois.extend(_DOI_IN_TEXT.findall(path.read_text(encoding="utf-8", errors="replace")))
            seen[path] = (signature, slug, [_record_doi_key(d) for d in dois])
        self._files = seen
        self._by_doi = {key: slug for _signature, slug, keys in seen.values() for key in keys}

    def slug_of(self, doi: str) -> str | None:
        return self._by_doi.get(doi_key(doi))

    def taken_slugs(self) -> set[str]:
        return {path.stem for path in self._files} | {slug for _s, slug, _k in self._files.values()}


def _record_doi_key(written: str) -> str:
    """The comparison key of a DOI as a record has it, in whatever form a person wrote it."""
    ident = inspect_identifier(written)
    return ident.key if isinstance(ident, Doi) else doi_key(written)


@contextlib.contextmanager
def records_lock(records_dir: Path) -> Iterator[None]:
    """An exclusive lock on the records folder (flock on the folder itself; no lock file).

    Where flock is unavailable the exclusive, atomic file creation still refuses
    to overwrite a record; only the duplicate-DOI check is then unguarded.
    """
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    try:
        records_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(records_dir, os.O_RDONLY)
    except OSError as exc:
        raise WriteError(
            f"cannot open {records_dir}: {exc.strerror}", hint="check the records folder exists and is writable"
        ) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# --- the pipeline -------------------------------------------------------------------------


class _PubMedLookup:
    """PubMed asked in a background thread; `get(doi)` waits for it."""

    def __init__(
        self,
        settings: Settings,
        dois: list[str],
        options: AddOptions,
        http: HttpOptions,
        cache: Cache,
        stop: threading.Event,
    ) -> None:
        from atlas_cli.services.pubmed import PubMedHit

        self.hits: dict[str, PubMedHit] = {}
        self.error: str | None = None
        self.ambiguous: set[str] = set()
        self._done = threading.Event()
        todo = []
        for doi in dois:
            cached = None if options.refresh else PubMedHit.from_json(cache.read_pubmed(doi))
            if cached is not None:
                self.hits[doi_key(doi)] = cached
            else:
                todo.append(doi)
        if not todo or options.offline:
            self._done.set()
            return

        def run() -> None:
            from atlas_cli.core.errors import ConfigError
            from atlas_cli.services.crossref import check_service_url
            from atlas_cli.services.pubmed import PubMedClient

            try:
                check_service_url(settings.ncbi_url, "ATLAS_NCBI_URL", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils")
                client = PubMedClient(settings.ncbi_url, settings.mailto, http, stop=stop)
                result = client.lookup(todo)
                self.error = result.error
                self.ambiguous = result.ambiguous
                for doi in todo:
                    hit = result.hits.get(doi_key(doi))
                    if hit is not None:
                        self.hits[doi_key(doi)] = hit
                        cache.write_pubmed(doi, hit.to_json())
            except ConfigError as exc:
                self.error = exc.message
            except Exception as exc:  # noqa: BLE001 - PubMed never fails an add, whatever goes wrong
                self.error = f"{type(exc).__name__}: {exc}"
            finally:
                self._done.set()

        threading.Thread(target=run, name="pubmed", daemon=True).start()

    def get(self, doi: str) -> PubMedHit | None:
        self._done.wait()
        return self.hits.get(doi_key(doi))


def add_dois(
    settings: Settings,
    identifiers: list[str],
    options: AddOptions | None = None,
    env: Mapping[str, str] | None = None,
    on_result: Callable[[AddResult], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> AddReport:
    """Add every identifier; returns the report (never raises for one bad DOI)."""
    from atlas_cli.services.cache import Cache
    from atlas_cli.services.crossref import CrossrefClient, Fetched, FetchFailed, Found, check_envelope
    from atlas_cli.services.pacing import HttpOptions

    options = options or AddOptions()
    if not options.offline:
        from atlas_cli.services.crossref import check_service_url

        check_service_url(settings.crossref_url, "ATLAS_CROSSREF_URL", "https://api.crossref.org")
    today = options.today or date.today()
    http = HttpOptions.from_env(os.environ if env is None else env)
    report = AddReport()
    cache = Cache(settings.cache_dir)
    records_dir = settings.records_dir
    index = RecordIndex(records_dir)
    index.refresh()
    reserved: set[str] = set()  # slugs and DOIs of this run (dry-run writes nothing)
    reserved_dois: dict[str, str] = {}

    def emit(result: AddResult) -> None:
        report.results.append(result)
        if on_result is not None:
            on_result(result)

    if on_start is not None:
        on_start(len(identifiers))

    # 1-2: inspect, drop repeats, skip what the atlas already has.
    wanted: list[Doi] = []
    seen: dict[str, str] = {}
    positions: dict[str, int] = {}
    for position, typed in enumerate(identifiers):
        ident = inspect_identifier(typed)
        if isinstance(ident, NotADoi):
            emit(AddResult(typed, status=FAILED, reason=ident.problem, kind="input", position=position))
            continue
        if ident.key in seen:
            emit(
                AddResult(
                    typed,
                    ident.doi,
                    status=SKIPPED,
                    reason=f"repeats {seen[ident.key]} in this batch",
                    position=position,
                )
            )
            continue
        seen[ident.key] = ident.doi
        present = index.slug_of(ident.doi)
        if present:
            emit(
                AddResult(
                    typed,
                    ident.doi,
                    status=PRESENT,
                    slug=present,
                    reason=f"already in the atlas as {present}",
                    position=position,
                )
            )
            continue
        positions[ident.key] = position
        wanted.append(ident)
    if not wanted:
        report.results.sort(key=lambda r: r.position)
        return report

    stop = threading.Event()
    crossref = CrossrefClient(settings.crossref_url, settings.mailto, http, stop=stop)
    by_key = {i.key: i for i in wanted}

    # 3: cached answers first, then the network.
    answers: list[Fetched] = []
    to_fetch: list[str] = []
    for ident in wanted:
        cached = None if options.refresh else cache.read_work(ident.doi)
        if cached is not None:
            fetched = check_envelope(ident.doi, cached["response"], via_redirect=bool(cached.get("via_redirect")))
            if isinstance(fetched, Found):
                answers.append(replace(fetched, from_cache=True))
                continue
        if options.offline:
            answers.append(FetchFailed(ident.doi, "not in the cache, and --offline forbids asking Crossref", "offline"))
        else:
            to_fetch.append(ident.doi)
    pubmed = _PubMedLookup(settings, [i.doi for i in wanted], options, http, cache, stop) if options.pubmed else None

    def all_answers() -> Iterator[Fetched]:
        yield from answers
        yield from crossref.fetch_many(to_fetch)

    try:
        for fetched in all_answers():
            ident = by_key[doi_key(fetched.asked)]
            result = AddResult(ident.typed, ident.doi, position=positions[ident.key])
            if isinstance(fetched, FetchFailed):
                result.reason, result.kind = fetched.reason, fetched.kind
                emit(result)
                continue
            if not fetched.from_cache:
                warning = cache.write_work(ident.doi, fetched.envelope, fetched.via_redirect)
                if warning and warning not in report.warnings:
                    report.warnings.append(warning)
            emit(
                _make_record(
                    fetched, ident, result, pubmed, options, today, index, records_dir, reserved, reserved_dois
                )
            )
    except KeyboardInterrupt:
        stop.set()
        report.interrupted = True
    finally:
        stop.set()
    report.results.sort(key=lambda r: r.position)
    report.limits = crossref.pacer.limits.describe() + (" (advertised)" if crossref.pacer.limits.advertised else "")
    report.warnings.extend(crossref.notes)
    if pubmed is not None:
        if pubmed.error:
            report.warnings.append(
                f"PubMed lookup failed ({pubmed.error}); records were written without "
                "a PMID and with Crossref's journal title"
            )
    return report


def _make_record(
    fetched: Found,
    ident: Doi,
    result: AddResult,
    pubmed: _PubMedLookup | None,
    options: AddOptions,
    today: date,
    index: RecordIndex,
    records_dir: Path,
    reserved: set[str],
    reserved_dois: dict[str, str],
) -> AddResult:
    from atlas_cli.add.draft import build_draft
    from atlas_cli.core.records import render_record, save_new_record
    from atlas_cli.core.slugs import base_slug, unique_slug

    work = fetched.work
    hit = pubmed.get(ident.doi) if pubmed is not None else None
    if hit is None and pubmed is not None and doi_key(work.get("DOI", "")) != ident.key:
        hit = pubmed.hits.get(doi_key(work.get("DOI", "")))
    draft = build_draft(work, asked_doi=ident.doi, via_redirect=fetched.via_redirect, pubmed=hit, today=today)
    if draft.record is None:
        result.reason, result.kind = draft.problem, "metadata"
        return result
    record = draft.record
    result.notices = list(draft.notices)
    if pubmed is not None and hit is None and not pubmed.error and not options.offline:
        if ident.key in pubmed.ambiguous:
            result.notices.append("PubMed has more than one PMID for this DOI; no PMID written")
    result.flags = list(record.get("flags", []))
    keys = [doi_key(record["doi"])] + [doi_key(a) for a in record.get("doi_aliases", [])]
    base = base_slug(record["authors"], record.get("year"), record["title"])
    try:
        with records_lock(records_dir):
            index.refresh()
            for key in keys:
                present = index.slug_of(key) or reserved_dois.get(key)
                if present:
                    result.status, result.slug = PRESENT, present
                    result.reason = f"already in the atlas as {present}" + (
                        f" (under {record['doi']})" if key != ident.key else ""
                    )
                    return result
            slug = unique_slug(base, index.taken_slugs() | reserved)
            record = {"slug": slug, **record}
            result.slug, result.record = slug, record
            if options.dry_run:
                result.text = render_record(record)
                result.status = WOULD_ADD
                reserved.add(slug)
                reserved_dois.update(dict.fromkeys(keys, slug))
                return result
            result.path = save_new_record(records_dir, record)
            result.status = ADDED
    except WriteError as exc:
        result.status, result.reason, result.kind = FAILED, exc.message, "write"
        result.record = result.text = None
    return result
