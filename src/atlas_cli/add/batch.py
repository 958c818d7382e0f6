"""`atlas add` core: DOIs, PMIDs and PMCIDs in, draft records out, results as data (no printing).

`add_dois(settings, identifiers, options)` runs the whole pipeline:

1. parse every identifier (a DOI, a PubMed ID or a PMC ID, as people paste
   them: doi.py); repeats within the batch are skipped, and so is what the atlas
   already has (the doi, doi_aliases or pmid of any record, DOIs in any case);
2. resolve every PMID and PMCID in one batched step (resolve.py: the PMC ID
   converter, then PubMed's esummary, a request per 200 ids); a paper PubMed
   gives a DOI joins the DOIs, checked again for repeats and records;
3. take Crossref answers from the cache (unless --refresh), fetch the rest
   (crossref.py, paced, in parallel) while PubMed is asked for the typed DOIs in
   a few batched requests in a background thread (pubmed.py; resolved papers
   already have their PubMed record);
4. build each draft (draft.py from Crossref; pubmed_draft.py from PubMed's own
   metadata for a paper with no DOI, or whose DOI Crossref does not know),
   choose its slug (slugs.py) and create the file, holding an exclusive lock on
   the records folder around the duplicate check and the write, so two
   `atlas add` runs cannot create two records for one paper. Records are written
   as their answers arrive, so Ctrl-C keeps every record already written (each
   file is created atomically, never partial).

The report's `exit_code` follows the documented table: 0 all added (or already
present); 1 some identifier failed; 2 nothing given was a DOI, PMID or PMCID;
3 the services failed for every identifier (network); 4 no record could be
written; 130 interrupted.
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
from atlas_cli.core.doi import Doi, NotADoi, PaperId, Pmcid, Pmid, doi_key, inspect_identifier, parse_identifier
from atlas_cli.core.errors import WriteError

if TYPE_CHECKING:
    from atlas_cli.add.texts import PaperText, Wanted
    from atlas_cli.core.config import Settings
    from atlas_cli.services.cache import Cache
    from atlas_cli.services.crossref import Found
    from atlas_cli.services.ncbi import NcbiAccess
    from atlas_cli.services.pacing import HttpOptions, Pacer
    from atlas_cli.services.pubmed import PubMedHit, PubMedSummary

ADDED, WOULD_ADD, PRESENT, SKIPPED, FAILED = "added", "would-add", "present", "skipped", "failed"
_DOI_IN_TEXT = re.compile(r"10\.[0-9]{4,9}/[^\s\"',\]]+", re.IGNORECASE)
_PMID_IN_TEXT = re.compile(r"^pmid:[ \t]*['\"]?([1-9][0-9]{0,8})\b", re.MULTILINE)


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
    source: str | None = None  # the PubMed identifier given (`PMID 28410877`, `PMC5382345`)
    pmid: str | None = None  # the PMID of a paper added from PubMed

    @property
    def label(self) -> str:
        """The paper as the person gave it: the DOI, `PMID 28410877 (10.x/y)`, or what was typed."""
        if self.source:
            return f"{self.source} ({self.doi})" if self.doi else self.source
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


@dataclass(frozen=True)
class _Known:
    """What the index keeps of one record file."""

    signature: tuple[int, int]  # mtime, size: re-read when either changes
    slug: str
    identities: tuple[str, ...]
    title: tuple[str, int] | None  # (title_key, year)
    snapshot_date: str | None


class RecordIndex:
    """Identities (DOIs, PMIDs), titles, snapshot dates and slugs of the records on disk.

    An identity is `doi:<doi_key>` or `pmid:<digits>` (`Doi.identity`, `Pmid.identity`).
    `refresh()` re-reads only the files that changed.
    """

    def __init__(self, records_dir: Path) -> None:
        self.records_dir = records_dir
        self._files: dict[Path, _Known] = {}
        self._by_identity: dict[str, str] = {}
        self._by_title: dict[tuple[str, int], str] = {}

    def refresh(self) -> None:
        from atlas_cli.core.records import iter_record_paths

        seen = {}
        for path in iter_record_paths(self.records_dir):
            try:
                stat = path.stat()
            except OSError:
                continue
            signature = (stat.st_mtime_ns, stat.st_size)
            cached = self._files.get(path)
            seen[path] = (
                cached if cached is not None and cached.signature == signature else _read_known(path, signature)
            )
        self._files = seen
        self._by_identity = {key: known.slug for known in seen.values() for key in known.identities}
        self._by_title = {known.title: known.slug for known in seen.values() if known.title}

    def slug_for(self, identity: str) -> str | None:
        """The slug of the record with this identity (`doi:...`, `pmid:...`)."""
        return self._by_identity.get(identity)

    def slug_for_title(self, title_key: str, year: int) -> str | None:
        """The slug of the record with this title (`textfold.title_key`) and year."""
        return self._by_title.get((title_key, year))

    def newest_snapshot(self) -> str | None:
        """The latest `snapshot_date` of any record (YYYY-MM-DD), if one has any."""
        return max((k.snapshot_date for k in self._files.values() if k.snapshot_date), default=None)

    def taken_slugs(self) -> set[str]:
        return {path.stem for path in self._files} | {known.slug for known in self._files.values()}


def _read_known(path: Path, signature: tuple[int, int]) -> _Known:
    from atlas_cli.core.records import read_document
    from atlas_cli.core.textfold import title_key

    data = read_document(path).data
    slug = path.stem
    dois: list[str] = []
    pmids: list[str] = []
    title = None
    snapshot = None
    if isinstance(data, dict):
        if isinstance(data.get("slug"), str):
            slug = data["slug"]
        if isinstance(data.get("doi"), str):
            dois.append(data["doi"])
        aliases = data.get("doi_aliases")
        if isinstance(aliases, list):
            dois.extend(a for a in aliases if isinstance(a, str))
        pmid = data.get("pmid")
        if isinstance(pmid, (str, int)) and not isinstance(pmid, bool) and str(pmid).strip():
            pmids.append(str(pmid).strip())
        year = data.get("year")
        if isinstance(data.get("title"), str) and isinstance(year, int) and not isinstance(year, bool):
            title = (title_key(data["title"]), year)
        when = data.get("snapshot_date")
        if isinstance(when, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", when):
            snapshot = when
    else:  # unreadable record: any DOI or PMID written in it counts, to be safe
        from atlas_cli.core.paths import UnsafePath, read_regular
        from atlas_cli.core.yamlio import MAX_BYTES

        with contextlib.suppress(OSError, UnsafePath):  # a pipe or a device is not read (nor waited on)
            text = read_regular(path, MAX_BYTES).decode("utf-8", errors="replace")
            dois.extend(_DOI_IN_TEXT.findall(text))
            pmids.extend(_PMID_IN_TEXT.findall(text))
    keys = tuple([f"doi:{_record_doi_key(d)}" for d in dois] + [f"pmid:{p}" for p in pmids])
    return _Known(signature, slug, keys, title, snapshot)


def record_identities(record: dict[str, Any]) -> list[str]:
    """The identities of a record: its DOI, its DOI aliases, its PMID."""
    keys = [f"doi:{doi_key(record['doi'])}"] if record.get("doi") else []
    keys += [f"doi:{doi_key(a)}" for a in record.get("doi_aliases", [])]
    if record.get("pmid"):
        keys.append(f"pmid:{record['pmid']}")
    return keys


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
    """PubMed asked in a background thread: PMIDs for the DOIs typed, then every paper's text.

    PRESET holds the PubMed records already known (papers resolved from a PMID):
    they are not asked for again. EXTRA: papers without a DOI, known by PMID, whose
    text is wanted too. `get(doi)` and `text(pmid)` wait for the thread: first the
    lookup (esearch, esummary), then the texts (texts.fetch_texts: efetch of the
    abstracts, efetch of PMC's methods sections), a few requests for the whole batch.
    """

    def __init__(
        self,
        settings: Settings,
        dois: list[str],
        options: AddOptions,
        http: HttpOptions,
        cache: Cache,
        stop: threading.Event,
        access: NcbiAccess,
        pacer: Pacer,
        preset: Mapping[str, PubMedHit] | None = None,
        extra: list[Wanted] | None = None,
    ) -> None:
        from atlas_cli.services.pubmed import PubMedHit

        self.hits: dict[str, PubMedHit] = dict(preset or {})
        self.error: str | None = None
        self.ambiguous: set[str] = set()
        self.texts: dict[str, PaperText] = {}  # by PMID, fetched (or found in the cache) in this run
        self.text_error: str | None = None
        self._done = threading.Event()
        todo = []
        for doi in dois:
            if doi_key(doi) in self.hits:
                continue
            cached = None if options.refresh else PubMedHit.from_json(cache.read_pubmed(doi))
            if cached is not None:
                self.hits[doi_key(doi)] = cached
            else:
                todo.append(doi)
        extra = list(extra or [])
        if options.offline or not options.pubmed or not (todo or self.hits or extra):
            self._done.set()
            return

        def run() -> None:
            from atlas_cli.add.texts import Wanted, fetch_texts
            from atlas_cli.core.errors import ConfigError
            from atlas_cli.services.pubmed import MAX_RETRIES, PubMedClient

            try:
                client = PubMedClient.for_atlas(
                    settings, http, access=access, stop=stop, pacer=pacer, retries=min(http.retries, MAX_RETRIES)
                )
                if todo:
                    result = client.lookup(todo)
                    self.error = result.error
                    self.ambiguous = result.ambiguous
                    for doi in todo:
                        hit = result.hits.get(doi_key(doi))
                        if hit is not None:
                            self.hits[doi_key(doi)] = hit
                            cache.write_pubmed(doi, hit.to_json())
                wanted = [Wanted(h.pmid, h.doi, h.pmcid, h.has_abstract) for h in self.hits.values()] + extra
                if wanted and not stop.is_set():
                    fetched = fetch_texts(client, cache, wanted, options.refresh)
                    self.texts, self.text_error = fetched.texts, fetched.error
                    if any(not t.empty for t in self.texts.values()):
                        with contextlib.suppress(Exception):  # a broken registry is reported when proposing
                            from atlas_cli.criteria.lexicon import load_lexicon

                            load_lexicon(settings.schemas_dir)  # read the registries now, while Crossref answers
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

    def text(self, pmid: str | None) -> PaperText | None:
        """The text fetched for PMID in this run (None: none fetched; the cache may still have one)."""
        self._done.wait()
        return self.texts.get(pmid) if pmid else None


@dataclass
class _Paper:
    """One paper to add: a DOI (typed, or found by PubMed), or a PubMed record without a DOI."""

    ident: PaperId  # as typed
    position: int
    doi: str | None = None
    summary: PubMedSummary | None = None  # PubMed's record, when the paper came from PubMed

    def result(self) -> AddResult:
        source = None if isinstance(self.ident, Doi) else self.ident.label
        pmid = self.summary.pmid if self.summary is not None else None
        return AddResult(self.ident.typed, self.doi, position=self.position, source=source, pmid=pmid)


class _Batch:
    """The state of one run: the index of records, what this run has taken, the report."""

    def __init__(
        self,
        settings: Settings,
        options: AddOptions,
        today: date,
        on_result: Callable[[AddResult], None] | None,
        cache: Cache,
    ) -> None:
        self.options = options
        self.cache = cache
        self.no_proposals = False  # the registries cannot be read: drafts keep the placeholder badge
        self.today = today
        self.records_dir = settings.records_dir
        self.schemas_dir = settings.schemas_dir
        self.index = RecordIndex(self.records_dir)
        self.index.refresh()
        self.report = AddReport()
        self.reserved: set[str] = set()  # slugs of this run (dry-run writes nothing)
        self.reserved_ids: dict[str, str] = {}  # identities of this run -> slug
        self.seen: dict[str, str] = {}  # identities given in this batch -> how the first was named
        self._on_result = on_result

    def emit(self, result: AddResult) -> None:
        self.report.results.append(result)
        if self._on_result is not None:
            self._on_result(result)

    def taken(self, paper: _Paper, identities: list[str]) -> bool:
        """Emit `skipped` or `present` when one of IDENTITIES repeats the batch or is in the atlas."""
        for identity in identities:
            if identity in self.seen:
                result = paper.result()
                result.status, result.reason = SKIPPED, f"repeats {self.seen[identity]} in this batch"
                self.emit(result)
                return True
        for identity in identities:
            present = self.index.slug_for(identity)
            if present:
                result = paper.result()
                result.status, result.slug, result.reason = PRESENT, present, f"already in the atlas as {present}"
                self.emit(result)
                return True
        for identity in identities:
            self.seen[identity] = paper.ident.label
        return False

    def place(self, record: dict[str, Any], result: AddResult, asked: list[str]) -> AddResult:
        """Give RECORD its slug and write it (or render it, with --dry-run), unless the atlas has the paper.

        ASKED: the identities the paper was asked for, so a match under another one is named.
        """
        from atlas_cli.core.records import render_record, save_new_record
        from atlas_cli.core.slugs import base_slug, unique_slug

        record, problem = safe_draft(record, result.notices)
        if problem is not None:
            result.reason, result.kind = problem, "metadata"
            return result
        keys = record_identities(record)
        base = base_slug(record["authors"], record.get("year"), record["title"])
        try:
            with records_lock(self.records_dir):
                self.index.refresh()
                for key in keys:
                    present = self.index.slug_for(key) or self.reserved_ids.get(key)
                    if present:
                        result.status, result.slug = PRESENT, present
                        result.reason = f"already in the atlas as {present}" + (
                            f" (under {_named(key, record)})" if key not in asked else ""
                        )
                        return result
                slug = unique_slug(base, self.index.taken_slugs() | self.reserved)
                record = {"slug": slug, **record}
                result.slug, result.record = slug, record
                if self.options.dry_run:
                    result.text = render_record(record)
                    result.status = WOULD_ADD
                    self.reserved.add(slug)
                    self.reserved_ids.update(dict.fromkeys(keys, slug))
                    return result
                result.path = save_new_record(self.records_dir, record)
                result.status = ADDED
        except WriteError as exc:
            result.status, result.reason, result.kind = FAILED, exc.message, "write"
            result.record = result.text = None
        return result

    def propose(
        self, record: dict[str, Any], pmid: str | None, pubmed: _PubMedLookup | None, crossref_abstract: str | None
    ) -> list[str]:
        """Read the paper's text (fetched in this run, else cached; Crossref's abstract when PubMed has
        none), keep it in the cache, and write the badge `atlas criteria` proposes into RECORD's pem
        block (add/proposal.py). Returns the notes for the curator."""
        from atlas_cli.add.texts import PaperText, from_cache

        text = pubmed.text(pmid) if pubmed is not None else None
        if text is None and not self.options.refresh:
            stored = self.cache.read_text(record.get("doi"), pmid)
            text = from_cache(stored) if stored is not None else None
        text = (text or PaperText(pmid=pmid)).with_crossref_abstract(crossref_abstract)
        if text.empty:
            return []
        warning = text.store(self.cache, record.get("doi"))
        if warning and warning not in self.report.warnings:
            self.report.warnings.append(warning)
        if self.no_proposals:
            return []
        from atlas_cli.add.proposal import propose_pem
        from atlas_cli.core.errors import ConfigError
        from atlas_cli.core.registries import load_registries

        try:
            drafted = propose_pem(
                text.parts(), load_registries(self.schemas_dir), self.schemas_dir, record.get("year"), record["pem"]
            )
        except ConfigError as exc:
            self.no_proposals = True
            self.report.warnings.append(f"no PEM badge was proposed: {exc.message}")
            return []
        if drafted.pem is not None:
            record["pem"] = drafted.pem
        if drafted.design and "design" not in record:
            record["design"] = drafted.design
        return drafted.notices

    def from_pubmed(
        self, paper: _Paper, result: AddResult, pubmed: _PubMedLookup | None = None, doi: str | None = None
    ) -> AddResult:
        """The record of PAPER from PubMed's own metadata (no DOI, or one Crossref does not know)."""
        from atlas_cli.add.pubmed_draft import build_pubmed_draft
        from atlas_cli.core.pubtypes import load_pubmed_types

        assert paper.summary is not None  # only papers PubMed has are drafted from it
        draft = build_pubmed_draft(paper.summary, today=self.today, types=load_pubmed_types(self.schemas_dir), doi=doi)
        if draft.record is None:
            result.reason, result.kind = draft.problem, "metadata"
            return result
        result.notices = list(draft.notices)
        result.notices += self.propose(draft.record, paper.summary.pmid, pubmed, None)
        result.flags = list(draft.record.get("flags", []))
        result.pmid = paper.summary.pmid
        return self.place(draft.record, result, [paper.ident.identity, f"pmid:{paper.summary.pmid}"])


def safe_draft(record: dict[str, Any], notices: list[str]) -> tuple[dict[str, Any], str | None]:
    """RECORD as `atlas add` may write it, or why it may not: every text without control
    and bidirectional characters (core.safe_text: a Crossref or PubMed title with an escape
    sequence or an override must not reach a terminal through the record), and every DOI
    a DOI (core.doi's syntax). A notice whose DOI is not one keeps its type, without
    the DOI (a note in NOTICES says so); a paper whose own DOI is not one is not written."""
    from atlas_cli.core.doi import is_doi
    from atlas_cli.core.safe_text import one_line, strip_unsafe

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return strip_unsafe(value)
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    record = clean(record)
    for doi in [record.get("doi"), *record.get("doi_aliases", [])]:
        if isinstance(doi, str) and not is_doi(doi):
            return (
                record,
                f"the paper's DOI '{one_line(doi)}' is not a DOI (10.<4-9 digits>/<suffix>); not writing a record",
            )
    for update in record.get("updates", []):
        if isinstance(update, dict) and isinstance(update.get("doi"), str) and not is_doi(update["doi"]):
            notices.append(
                f"a {update.get('type', 'notice')} notice's DOI '{one_line(update.pop('doi'))}' is not a DOI; left out"
            )
    return record, None


def _named(identity: str, record: dict[str, Any]) -> str:
    """IDENTITY as the record writes it: `PMID 123`, or the DOI in its own case."""
    kind, _, value = identity.partition(":")
    if kind == "pmid":
        return f"PMID {value}"
    return next((d for d in [record.get("doi"), *record.get("doi_aliases", [])] if d and doi_key(d) == value), value)


def add_dois(
    settings: Settings,
    identifiers: list[str],
    options: AddOptions | None = None,
    env: Mapping[str, str] | None = None,
    on_result: Callable[[AddResult], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    summaries: Mapping[str, PubMedSummary] | None = None,
) -> AddReport:
    """Add every identifier; returns the report (never raises for one bad identifier).

    SUMMARIES: PubMed records already fetched, by PMID (`atlas discover --add`): not asked for again.
    """
    from atlas_cli.services.cache import Cache
    from atlas_cli.services.ncbi import NcbiAccess
    from atlas_cli.services.pacing import HttpOptions, Pacer

    options = options or AddOptions()
    if not options.offline:
        from atlas_cli.services.crossref import check_service_url

        check_service_url(settings.crossref_url, "ATLAS_CROSSREF_URL", "https://api.crossref.org")
    env = os.environ if env is None else env
    http = HttpOptions.from_env(env)
    access = NcbiAccess.from_env(settings.mailto, env)
    cache = Cache(settings.cache_dir)
    batch = _Batch(settings, options, options.today or date.today(), on_result, cache)
    report = batch.report
    stop = threading.Event()
    ncbi_pacer = Pacer(access.limits)  # one budget for every NCBI request of the run

    if on_start is not None:
        on_start(len(identifiers))

    # 1: parse, drop repeats, skip what the atlas already has.
    papers: list[_Paper] = []
    for position, typed in enumerate(identifiers):
        ident = parse_identifier(typed)
        if isinstance(ident, NotADoi):
            batch.emit(AddResult(typed, status=FAILED, reason=ident.problem, kind="input", position=position))
            continue
        paper = _Paper(ident, position, ident.doi if isinstance(ident, Doi) else None)
        if not batch.taken(paper, [ident.identity]):
            papers.append(paper)

    # 2: every PMID and PMCID resolved at once; a DOI found joins the DOIs.
    caching: threading.Thread | None = None
    from_pubmed = [p for p in papers if isinstance(p.ident, (Pmid, Pmcid))]
    if from_pubmed:
        from atlas_cli.add.resolve import resolve

        try:
            resolved = resolve(
                settings,
                [p.ident for p in from_pubmed if isinstance(p.ident, (Pmid, Pmcid))],
                offline=options.offline,
                refresh=options.refresh,
                http=http,
                access=access,
                cache=cache,
                stop=stop,
                pacer=ncbi_pacer,
                known=summaries,
            )
        except KeyboardInterrupt:
            stop.set()
            report.interrupted = True
            report.results.sort(key=lambda r: r.position)
            return report
        papers = [p for p in papers if isinstance(p.ident, Doi)]
        for paper in from_pubmed:
            found = resolved[paper.ident.identity]
            if not found.ok:
                result = paper.result()
                result.reason, result.kind = found.reason, found.kind
                batch.emit(result)
                continue
            paper.doi, paper.summary = found.doi, found.summary
            more = [f"pmid:{found.pmid}"] if found.pmid and not isinstance(paper.ident, Pmid) else []
            more += [f"doi:{doi_key(found.doi)}"] if found.doi else []
            if not batch.taken(paper, more):
                papers.append(paper)
        papers.sort(key=lambda p: p.position)
        caching = threading.Thread(target=resolved.save_to_cache, args=(cache,), name="cache-pubmed")
        caching.start()

    try:
        _add_papers(settings, papers, batch, cache, http, access, stop, ncbi_pacer)
    finally:
        if caching is not None:
            caching.join()
        if cache.broken and cache.broken not in report.warnings:
            report.warnings.append(cache.broken)
    report.results.sort(key=lambda r: r.position)
    return report


def _add_papers(
    settings: Settings,
    papers: list[_Paper],
    batch: _Batch,
    cache: Cache,
    http: HttpOptions,
    access: NcbiAccess,
    stop: threading.Event,
    ncbi_pacer: Pacer,
) -> None:
    """Steps 3-4: papers with a DOI go to Crossref; those without one are drafted from PubMed.

    PubMed is asked in the background meanwhile (the PMIDs of typed DOIs, then every
    paper's abstract and PMC methods section, a few requests for the whole batch).
    """
    from atlas_cli.add.texts import Wanted
    from atlas_cli.services.crossref import CrossrefClient, Fetched, FetchFailed, Found, check_envelope

    options, report = batch.options, batch.report
    wanted = [(p, p.doi) for p in papers if p.doi is not None]
    no_doi = [p for p in papers if p.doi is None]
    crossref = CrossrefClient(settings.crossref_url, settings.mailto, http, stop=stop) if wanted else None
    by_key = {doi_key(doi): paper for paper, doi in wanted}

    # 3: cached answers first, then the network.
    answers: list[Fetched] = []
    to_fetch: list[str] = []
    for _paper, doi in wanted:
        cached = None if options.refresh else cache.read_work(doi)
        if cached is not None:
            fetched = check_envelope(doi, cached["response"], via_redirect=bool(cached.get("via_redirect")))
            if isinstance(fetched, Found):
                answers.append(replace(fetched, from_cache=True))
                continue
        if options.offline:
            answers.append(FetchFailed(doi, "not in the cache, and --offline forbids asking Crossref", "offline"))
        else:
            to_fetch.append(doi)
    preset = {doi_key(doi): hit for paper, doi in wanted if paper.summary is not None and (hit := paper.summary.hit())}
    pubmed = _PubMedLookup(
        settings,
        [doi for paper, doi in wanted if paper.summary is None and isinstance(paper.ident, Doi)],
        options,
        http,
        cache,
        stop,
        access,
        ncbi_pacer,
        preset=preset,
        extra=[
            Wanted(p.summary.pmid, None, p.summary.pmcid, p.summary.has_abstract)
            for p in no_doi
            if p.summary is not None
        ],
    )

    def all_answers() -> Iterator[Fetched]:
        yield from answers
        if crossref is not None:
            yield from crossref.fetch_many(to_fetch)

    try:
        for fetched in all_answers():
            paper = by_key[doi_key(fetched.asked)]
            result = paper.result()
            if isinstance(fetched, FetchFailed):
                if fetched.kind == "not-found" and paper.summary is not None:
                    result = batch.from_pubmed(paper, result, pubmed, doi=fetched.asked)
                    result.notices.insert(
                        0, f"Crossref does not know the DOI {fetched.asked}; drafted from PubMed's record"
                    )
                    batch.emit(result)
                    continue
                result.reason, result.kind = fetched.reason, fetched.kind
                batch.emit(result)
                continue
            if not fetched.from_cache:
                warning = cache.write_work(fetched.asked, fetched.envelope, fetched.via_redirect)
                if warning and warning not in report.warnings:
                    report.warnings.append(warning)
            batch.emit(_make_record(fetched, paper, result, pubmed, batch))
        for paper in no_doi:
            batch.emit(batch.from_pubmed(paper, paper.result(), pubmed))
    except KeyboardInterrupt:
        stop.set()
        report.interrupted = True
    finally:
        stop.set()
    if crossref is not None:
        limits = crossref.pacer.limits
        report.limits = limits.describe() + (" (advertised)" if limits.advertised else "")
        report.warnings.extend(crossref.notes)
    if pubmed.error:
        report.warnings.append(
            f"PubMed lookup failed ({pubmed.error}); records were written without a PMID and with Crossref's journal title"
        )
    if pubmed.text_error:
        report.warnings.append(
            f"the papers' texts could not all be fetched ({pubmed.text_error}); "
            "a draft without its text has no proposed PEM badge"
        )


def _make_record(fetched: Found, paper: _Paper, result: AddResult, pubmed: _PubMedLookup, batch: _Batch) -> AddResult:
    from atlas_cli.add.draft import build_draft

    work, asked = fetched.work, fetched.asked
    hit = pubmed.get(asked)
    if hit is None and doi_key(work.get("DOI", "")) != doi_key(asked):
        hit = pubmed.hits.get(doi_key(work.get("DOI", "")))
    draft = build_draft(work, asked_doi=asked, via_redirect=fetched.via_redirect, pubmed=hit, today=batch.today)
    if draft.record is None:
        result.reason, result.kind = draft.problem, "metadata"
        return result
    result.notices = list(draft.notices)
    if hit is None and not pubmed.error and not batch.options.offline and batch.options.pubmed:
        if doi_key(asked) in pubmed.ambiguous:
            result.notices.append("PubMed has more than one PMID for this DOI; no PMID written")
    from atlas_cli.services.work import abstract_of

    result.notices += batch.propose(draft.record, hit.pmid if hit else None, pubmed, abstract_of(work))
    result.flags = list(draft.record.get("flags", []))
    result.pmid = draft.record.get("pmid")
    return batch.place(draft.record, result, [f"doi:{doi_key(asked)}", paper.ident.identity])
