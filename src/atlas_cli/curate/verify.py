"""`atlas verify`: is what a record says still what Crossref says about its DOI?

A record without a DOI but with a PMID is checked against PubMed instead
(verify_pubmed.py: esummary, SUMMARY_CHUNK PMIDs per request, asked afresh, with the
pacing and retries of `atlas add`'s PubMed client); the findings, --apply and the
output below are shared. For every record with a DOI, Crossref is asked afresh (never the cache: a cached
answer cannot show a new retraction; the fresh answer then replaces the cached
one) with the same client, pacing and fault handling as `atlas add`. `compare()`
is pure: a record and a Crossref work in, findings and proposed changes out.

Findings, per record:
- a retraction, withdrawal, correction or expression of concern Crossref lists
  (`updated-by`, or a `RETRACTED:` title) that the record does not have;
- title, year, journal or first author that no longer match, with a similarity
  score (0..1, difflib on normalised text) so a wrong DOI stands out;
- a DOI that no longer resolves (404), or that Crossref now answers with another DOI.

`--apply` changes only bibliographic fields (title, authors, journal, year,
volume, issue, pages, article number, DOI and its aliases, publication type) and
the flags and updates; never curated text, the PEM badge or the slug. Only the
changed values are edited in the file (comments and hand layout survive); a file
too odd to edit that way (flow style, a byte-order mark) is rewritten whole. When the
title is so different that the DOI probably belongs to another paper, nothing is
applied: a person must look.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atlas_cli.core import fields

if TYPE_CHECKING:
    import threading

    from atlas_cli.core.config import Settings
    from atlas_cli.curate.listing import Entry
    from atlas_cli.services.cache import Cache
    from atlas_cli.services.crossref import Fetched, Found
    from atlas_cli.services.pacing import HttpOptions

BIBLIOGRAPHIC = (
    "title",
    "authors",
    "journal",
    "year",
    "volume",
    "issue",
    "pages",
    "article_number",
    "doi",
    "doi_aliases",
    "publication_type",
)
APPLIED = BIBLIOGRAPHIC + ("journal_abbrev", "pubmed_types", "flags", "updates")
WRONG_PAPER_BELOW = 0.5  # title similarity under which the DOI probably names another paper
SAME_JOURNAL_FROM = 0.8  # journal names this similar differ only in form (PubMed vs Crossref)

ACTION = "action"  # something a curator must act on (exit 1)
NOTE = "note"  # worth knowing, nothing to do


@dataclass
class Finding:
    kind: str  # retracted, withdrawn, expression-of-concern, corrected, title, year, journal, first-author,
    #            doi-not-found, doi-moved, wrong-paper
    severity: str
    message: str
    ours: Any = None
    theirs: Any = None
    score: float | None = None


@dataclass
class Verdict:
    slug: str
    path: Path
    doi: str | None = None
    asked: str | None = None  # the DOI asked of Crossref (the record's, normalised); None: not asked
    pmid: str | None = None  # the record's PMID
    asked_pmid: str | None = None  # the PMID asked of PubMed (a record without a DOI); None: not asked
    service: str | None = None  # what the record is checked against: crossref (a DOI), pubmed (a PMID only)
    findings: list[Finding] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)  # field -> new value (bibliographic, flags, updates)
    error: str | None = None  # could not be checked (network, unreadable)
    error_kind: str | None = None  # network, unreadable, no-doi (neither a DOI nor a PMID), write
    applied: bool = False
    settled: bool = False  # applied, and the record as written leaves nothing to act on
    diff: str = ""
    refused: str | None = None  # why --apply left the record alone

    @property
    def actionable(self) -> bool:
        """A finding a curator must still act on (one --apply settled is not)."""
        return not self.settled and any(f.severity == ACTION for f in self.findings)


@dataclass
class VerifyReport:
    verdicts: list[Verdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    interrupted: bool = False

    def exit_code(self) -> int:
        from atlas_cli.core import errors

        if self.interrupted:
            return errors.INTERRUPTED
        if any(v.actionable for v in self.verdicts):
            return errors.FINDINGS
        if any(v.error_kind == "network" for v in self.verdicts):
            return errors.NETWORK
        if any(v.error_kind == "write" for v in self.verdicts):
            return errors.CANNOT_WRITE
        return errors.OK


# --- comparing ------------------------------------------------------------------------


_TAG = re.compile(r"<[^>]+>")


def normalise(text: Any) -> str:
    """Lower case, no accents, markup or punctuation, single spaces."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = unicodedata.normalize("NFKD", _TAG.sub(" ", text).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def similarity(a: Any, b: Any) -> float:
    """0..1: how alike two texts are after normalising (1.0: the same words)."""
    na, nb = normalise(a), normalise(b)
    if na == nb:
        return 1.0
    if not na or not nb:
        return 0.0
    return round(difflib.SequenceMatcher(None, na, nb, autojunk=False).ratio(), 2)


def _first_family(authors: Any) -> str | None:
    if not isinstance(authors, list) or not authors or not isinstance(authors[0], dict):
        return None
    first = authors[0]
    return first.get("family") or first.get("literal") or first.get("given")


def _update_key(update: dict) -> tuple[str, str]:
    from atlas_cli.core.doi import doi_key

    return (str(update.get("type")), doi_key(update.get("doi") or ""))


_CROSSREF_NUMBERS = (("volume", "volume"), ("issue", "issue"), ("pages", "page"), ("article_number", "article-number"))


def compare_fields(
    record: dict[str, Any], theirs: dict[str, Any], service: str, ident: str, *, journal_short: str | None = None
) -> tuple[list[Finding], dict[str, Any]]:
    """Title, year, journal, first author, volume, issue, pages and article number of RECORD
    against THEIRS (the same fields as SERVICE gives them, in the record's shape): findings
    and the changes --apply would make. IDENT names what was asked (DOI, PMID) for a title
    so different that it probably belongs to another paper. JOURNAL_SHORT: another name
    SERVICE gives the journal (an abbreviation) that the record's may match instead."""
    findings: list[Finding] = []
    changes: dict[str, Any] = {}
    title_ours, title_theirs = record.get("title"), theirs.get("title")
    title_score = similarity(title_ours, title_theirs) if title_theirs else 1.0
    if title_theirs and title_score < 1.0:
        if title_score < WRONG_PAPER_BELOW:
            findings.append(
                Finding(
                    "wrong-paper",
                    ACTION,
                    f"title does not match {service}'s (similarity {title_score:.2f}): the {ident} "
                    "probably belongs to another paper",
                    title_ours,
                    title_theirs,
                    title_score,
                )
            )
        else:
            findings.append(
                Finding(
                    "title",
                    ACTION,
                    f"title differs from {service}'s (similarity {title_score:.2f})",
                    title_ours,
                    title_theirs,
                    title_score,
                )
            )
            changes["title"] = title_theirs

    year_theirs = theirs.get("year")
    year_ours = record.get("year")
    if year_theirs is not None and year_ours != year_theirs:
        close = isinstance(year_ours, int) and not isinstance(year_ours, bool) and abs(year_ours - year_theirs) == 1
        findings.append(
            Finding(
                "year",
                NOTE if close else ACTION,
                f"year {year_ours} differs from {service}'s {year_theirs}"
                + (" (often online vs print date)" if close else ""),
                year_ours,
                year_theirs,
            )
        )
        if not close:
            changes["year"] = year_theirs

    journal_theirs = theirs.get("journal")
    journal_ours = record.get("journal")
    if journal_theirs and journal_ours != journal_theirs:
        score = max(
            similarity(journal_ours, journal_theirs),
            similarity(journal_ours, journal_short) if journal_short else 0.0,
        )
        ours_n, theirs_n = normalise(journal_ours), normalise(journal_theirs)
        if ours_n and theirs_n and (ours_n in theirs_n or theirs_n in ours_n):
            score = 1.0  # one name contains the other (PubMed's "X = Y" against Crossref's "X")
        if journal_ours is None or score < SAME_JOURNAL_FROM:
            findings.append(
                Finding(
                    "journal",
                    ACTION,
                    f"journal differs from {service}'s (similarity {score:.2f})",
                    journal_ours,
                    journal_theirs,
                    score,
                )
            )
            changes["journal"] = journal_theirs

    authors_theirs = theirs.get("authors")
    first_ours, first_theirs = _first_family(record.get("authors")), _first_family(authors_theirs)
    if first_theirs and normalise(first_ours) != normalise(first_theirs):
        score = similarity(first_ours, first_theirs)
        findings.append(
            Finding(
                "first-author",
                ACTION,
                f"first author differs from {service}'s (similarity {score:.2f})",
                first_ours,
                first_theirs,
                score,
            )
        )
        changes["authors"] = authors_theirs

    for key in ("volume", "issue", "pages", "article_number"):
        value = theirs.get(key)
        if value and key in record and str(record[key]) != value:
            findings.append(
                Finding(
                    key,
                    NOTE,
                    f"{key.replace('_', ' ')} {record[key]} differs from {service}'s {value}",
                    record[key],
                    value,
                )
            )
            changes[key] = value
    return findings, changes


def compare(
    record: dict[str, Any], work: dict[str, Any], *, asked_doi: str | None = None, via_redirect: bool = False
) -> tuple[list[Finding], dict[str, Any]]:
    """Findings about RECORD against Crossref's WORK, and the changes --apply would make."""
    from atlas_cli.core.doi import doi_key
    from atlas_cli.services import work as crossref_work

    findings: list[Finding] = []
    changes: dict[str, Any] = {}
    flags = fields.flags(record)
    updates = fields.updates(record)
    new_flags, new_updates = list(flags), list(updates)

    # retraction, withdrawal, correction, expression of concern
    known = {_update_key(u) for u in updates}
    updates_theirs = crossref_work.updates_of(work, "updated-by")
    for update in [*updates_theirs, *(u for u in crossref_work.in_place_updates(work) if u not in updates_theirs)]:
        flag = fields.UPDATE_FLAGS.get(update["type"])
        if _update_key(update) not in known and (flag or update["type"] == "new-version"):
            new_updates.append(update)
            where = f" {update['doi']}" if "doi" in update else ""
            when = f" dated {update['date']}" if "date" in update else ""
            source = f" (source: {update['source']})" if "source" in update else ""
            findings.append(
                Finding(
                    flag or "updated",
                    ACTION if flag else NOTE,
                    f"Crossref lists a new {update['type'].replace('-', ' ')} notice{where}{when}{source}",
                    theirs=update,
                )
            )
        if flag and flag not in new_flags:
            new_flags.append(flag)
            if _update_key(update) in known:
                findings.append(
                    Finding(
                        flag,
                        ACTION,
                        f"the record lists a {update['type'].replace('-', ' ')} notice but is not flagged `{flag}`",
                    )
                )
    title_theirs = crossref_work.title_of(work)
    announced = crossref_work.title_flags(title_theirs or "")
    for state in ("retracted", "withdrawn"):
        if state in announced and state not in new_flags:
            new_flags.append(state)
            findings.append(
                Finding(state, ACTION, f"Crossref's title now starts with {state.upper()}", theirs=title_theirs)
            )

    # bibliographic fields
    theirs = {
        "title": title_theirs,
        "year": crossref_work.year_of(work),
        "journal": crossref_work.journal_of(work),
        "authors": crossref_work.authors_of(work),
        **{key: crossref_work.text_field(work.get(source)) for key, source in _CROSSREF_NUMBERS},
    }
    short = crossref_work.first_text(work.get("short-container-title"))
    found, biblio = compare_fields(record, theirs, "Crossref", "DOI", journal_short=short)
    findings += found
    changes.update(biblio)

    # the DOI itself
    returned = str(work.get("DOI") or "").strip()
    ours = str(record.get("doi") or asked_doi or "")
    if returned and doi_key(returned) != doi_key(ours):
        aliases = (
            [a for a in record.get("doi_aliases") or [] if isinstance(a, str)]
            if isinstance(record.get("doi_aliases"), list)
            else []
        )
        findings.append(
            Finding(
                "doi-moved",
                ACTION,
                f"Crossref answers {ours} with {returned}" + (" (an alias)" if via_redirect else ""),
                ours,
                returned,
            )
        )
        changes["doi"] = returned
        if doi_key(ours) not in {doi_key(a) for a in aliases}:
            changes["doi_aliases"] = aliases + [ours]
        if "doi-alias" not in new_flags:
            new_flags.append("doi-alias")

    return findings, with_notices(findings, changes, (flags, new_flags), (updates, new_updates))


def with_notices(
    findings: list[Finding],
    changes: dict[str, Any],
    flags: tuple[list[str], list[str]],
    updates: tuple[list[dict], list[dict]],
) -> dict[str, Any]:
    """CHANGES with the flags and updates that changed (each a pair: the record's, the new);
    only those when a finding says the identifier names another paper: a person must look."""
    if flags[1] != flags[0]:
        changes["flags"] = flags[1]
    if updates[1] != updates[0]:
        changes["updates"] = updates[1]
    if any(f.kind == "wrong-paper" for f in findings):
        return {k: v for k, v in changes.items() if k in ("flags", "updates")}
    return changes


# --- the run --------------------------------------------------------------------------


def _verdict_for(entry: Entry) -> Verdict:

    verdict = Verdict(entry.slug, entry.path)
    if entry.data is None:
        verdict.error, verdict.error_kind = "cannot read the record (run `atlas lint`)", "unreadable"
        return verdict
    doi = fields.clean(entry.data.get("doi"))
    verdict.pmid = fields.pmid(entry.data)
    if not doi and verdict.pmid:
        from atlas_cli.services.pubmed import PMID_RE

        verdict.service = "pubmed"
        if PMID_RE.fullmatch(verdict.pmid):
            verdict.asked_pmid = verdict.pmid
        else:
            verdict.findings = [
                Finding("pmid-invalid", ACTION, f"the record's pmid is not a PubMed ID: {verdict.pmid!r}", verdict.pmid)
            ]
        return verdict
    if not doi:
        verdict.error, verdict.error_kind = "no DOI or PMID; nothing to verify", "no-doi"
        return verdict
    verdict.doi, verdict.service = doi, "crossref"
    from atlas_cli.core.doi import NotADoi, inspect_identifier

    ident = inspect_identifier(doi)
    if isinstance(ident, NotADoi):
        verdict.findings = [Finding("doi-invalid", ACTION, f"the record's doi is not a DOI: {ident.problem}", doi)]
        return verdict
    verdict.asked = ident.doi
    if ident.doi != doi:
        verdict.findings = [
            Finding("doi-form", NOTE, f"doi is written as {doi!r}; the DOI is {ident.doi}", doi, ident.doi)
        ]
        verdict.changes = {"doi": ident.doi}
    return verdict


def verify_records(
    settings: Settings,
    slugs: list[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    apply: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[Verdict], None] | None = None,
    stop: threading.Event | None = None,
) -> VerifyReport:
    """Ask Crossref about every record with a DOI (or SLUGS), PubMed about every one with
    only a PMID, and compare; apply changes if asked."""
    import os
    import threading

    from atlas_cli.core.records import find_record
    from atlas_cli.curate.listing import read_entries
    from atlas_cli.services.cache import Cache
    from atlas_cli.services.crossref import CrossrefClient, Found, check_service_url
    from atlas_cli.services.pacing import HttpOptions

    check_service_url(settings.crossref_url, "ATLAS_CROSSREF_URL", "https://api.crossref.org")
    paths = [find_record(settings.records_dir, slug) for slug in dict.fromkeys(slugs)] if slugs else None
    entries = read_entries(settings.records_dir, paths)
    report = VerifyReport()
    verdicts = [_verdict_for(e) for e in entries]
    data_of = {id(v): e.data for v, e in zip(verdicts, entries) if e.data is not None}  # every readable record
    report.verdicts = verdicts
    by_doi: dict[str, list[Verdict]] = {}
    by_pmid: dict[str, list[Verdict]] = {}
    for verdict in verdicts:
        if verdict.asked:
            by_doi.setdefault(verdict.asked, []).append(verdict)
        elif verdict.asked_pmid:
            by_pmid.setdefault(verdict.asked_pmid, []).append(verdict)
    if on_start:
        on_start(len(verdicts))
    for verdict in verdicts:
        if verdict.asked is None and verdict.asked_pmid is None and on_result:
            on_result(verdict)
    if not by_doi and not by_pmid:
        return report
    env = os.environ if env is None else env
    http = HttpOptions.from_env(env)
    stop = stop or threading.Event()
    pubmed = _PubMedCheck(settings, env, http, stop) if by_pmid else None  # a configuration error before any request
    cache = Cache(settings.cache_dir)
    client = CrossrefClient(settings.crossref_url, settings.mailto, http, stop=stop) if by_doi else None
    try:
        for fetched in client.fetch_many(list(by_doi)) if client is not None else ():
            for verdict in by_doi.get(fetched.asked, []):
                _judge(verdict, data_of[id(verdict)], fetched)
                if apply and verdict.changes and verdict.error is None:
                    written = _apply(verdict, data_of[id(verdict)])
                    if written is not None and isinstance(fetched, Found):
                        verdict.settled = _settled(verdict, written, fetched)
                if on_result:
                    on_result(verdict)
            if isinstance(fetched, Found):
                warning = cache.write_work(fetched.asked, fetched.envelope, fetched.via_redirect)
                if warning and warning not in report.notes:
                    report.notes.append(warning)
        if pubmed is not None:
            pubmed.run(by_pmid, data_of, cache, report, apply=apply, on_result=on_result)
    except KeyboardInterrupt:
        stop.set()
        report.interrupted = True
    finally:
        if pubmed is not None:
            pubmed.client.close()
    if client is not None:
        report.notes.extend(client.notes)
    return report


class _PubMedCheck:
    """The records known by PMID alone, asked of PubMed's esummary in batches."""

    def __init__(self, settings: Settings, env: Mapping[str, str], http: HttpOptions, stop: threading.Event) -> None:
        from atlas_cli.core.pubtypes import load_pubmed_types
        from atlas_cli.services.ncbi import NcbiAccess
        from atlas_cli.services.pacing import Pacer
        from atlas_cli.services.pubmed import PubMedClient

        self.types = load_pubmed_types(settings.schemas_dir)
        access = NcbiAccess.from_env(settings.mailto, env)
        self.client = PubMedClient.for_atlas(settings, http, access=access, stop=stop, pacer=Pacer(access.limits))

    def run(
        self,
        by_pmid: dict[str, list[Verdict]],
        data_of: dict[int, dict[str, Any]],
        cache: Cache,
        report: VerifyReport,
        *,
        apply: bool,
        on_result: Callable[[Verdict], None] | None,
    ) -> None:
        """Ask PubMed afresh about every PMID of BY_PMID (SUMMARY_CHUNK per esummary request),
        judge each record, apply the changes if asked, and keep the new summaries in CACHE."""
        from atlas_cli.curate.verify_pubmed import compare_pubmed
        from atlas_cli.services.ncbi import NcbiError
        from atlas_cli.services.pubmed import SUMMARY_CHUNK

        pmids = list(by_pmid)
        for start in range(0, len(pmids), SUMMARY_CHUNK):
            chunk = pmids[start : start + SUMMARY_CHUNK]
            try:
                answer = self.client.summaries(chunk)
            except NcbiError as exc:
                for pmid in chunk:
                    for verdict in by_pmid[pmid]:
                        verdict.error = f"PubMed could not be asked: {exc.reason}"
                        verdict.error_kind = "network"
                        if on_result:
                            on_result(verdict)
                continue
            for pmid in chunk:
                summary = answer.found.get(pmid)
                for verdict in by_pmid[pmid]:
                    data = data_of[id(verdict)]
                    if summary is None:
                        verdict.findings.append(
                            Finding(
                                "pmid-not-found",
                                ACTION,
                                f"PubMed has no record with PMID {pmid} (check the number)",
                                pmid,
                            )
                        )
                    else:
                        findings, changes = compare_pubmed(data, summary, self.types)
                        verdict.findings += findings
                        verdict.changes.update(changes)
                        if apply and verdict.changes:
                            written = _apply(verdict, data)
                            if written is not None:
                                left, _ = compare_pubmed(written, summary, self.types)
                                verdict.settled = not any(f.severity == ACTION for f in left)
                    if on_result:
                        on_result(verdict)
                if summary is not None:
                    warning = cache.write_pubmed_summary(pmid, summary.raw)
                    if warning and warning not in report.notes:
                        report.notes.append(warning)


def _judge(verdict: Verdict, data: dict[str, Any], fetched: Fetched) -> None:
    from atlas_cli.services.crossref import Found

    before, pending = list(verdict.findings), dict(verdict.changes)  # the DOI's own form
    if isinstance(fetched, Found):
        findings, changes = compare(
            {**data, "doi": fetched.asked}, fetched.work, asked_doi=fetched.asked, via_redirect=fetched.via_redirect
        )
        verdict.findings, verdict.changes = before + findings, {**pending, **changes}
    elif fetched.kind == "not-found":
        verdict.findings = before + [
            Finding("doi-not-found", ACTION, f"the DOI no longer resolves in Crossref: {fetched.reason}", verdict.doi)
        ]
    elif fetched.kind == "mismatch":
        verdict.findings = before + [Finding("wrong-paper", ACTION, fetched.reason, verdict.doi)]
    else:
        verdict.error, verdict.error_kind = fetched.reason, "network"


def _settled(verdict: Verdict, written: dict[str, Any], fetched: Found) -> bool:
    """Whether the record as written agrees with Crossref: every finding to act on was applied."""
    record = written if "doi" in verdict.changes else {**written, "doi": fetched.asked}
    findings, _ = compare(record, fetched.work, asked_doi=fetched.asked, via_redirect=fetched.via_redirect)
    return not any(f.severity == ACTION for f in findings)


def _apply(verdict: Verdict, data: dict) -> dict[str, Any] | None:
    """Write the proposed changes (bibliographic fields, flags, updates) atomically, keeping the diff;
    the record as written, or None when it was left alone."""
    from atlas_cli.core.errors import WriteError
    from atlas_cli.core.records import render_record, write_atomic
    from atlas_cli.core.yamledit import set_top_level
    from atlas_cli.core.yamlio import parse_text

    if any(f.kind == "wrong-paper" for f in verdict.findings) and set(verdict.changes) - {"flags", "updates"}:
        verdict.refused = "the DOI seems to name another paper; fix the record by hand"
        return None
    from atlas_cli.core.paths import UnsafePath, read_regular
    from atlas_cli.core.yamlio import MAX_BYTES

    try:
        old_text = read_regular(verdict.path, MAX_BYTES).decode("utf-8")
    except UnsafePath as exc:
        verdict.refused = f"{verdict.path.name} {exc.message} (run `atlas lint`)"
        return None
    except UnicodeDecodeError:
        verdict.refused = f"{verdict.path.name} is not UTF-8 text (run `atlas lint`)"
        return None
    except OSError as exc:
        verdict.refused = f"cannot read {verdict.path}: {exc.strerror}"
        return None
    new_data = dict(data)
    new_data.update({k: v for k, v in verdict.changes.items() if k in APPLIED})
    # Edit only the changed values, keeping comments and layout; a layout too odd to
    # edit safely is rewritten whole in the standard form.
    new_text = set_top_level(
        old_text, data, {k: v for k, v in verdict.changes.items() if k in APPLIED}
    ) or render_record(new_data)
    reread = parse_text(new_text)
    untouched = {k: v for k, v in data.items() if k not in APPLIED}
    if reread.data is None or {k: v for k, v in reread.data.items() if k not in APPLIED} != untouched:
        verdict.refused = "the edited record would change more than the bibliographic fields; left as it is"
        return None
    try:
        write_atomic(verdict.path, new_text)
    except WriteError as exc:
        verdict.refused = exc.message
        verdict.error_kind = "write"
        return None
    verdict.applied = True
    verdict.diff = "".join(
        difflib.unified_diff(
            old_text.splitlines(keepends=True),
            new_text.splitlines(keepends=True),
            f"a/{verdict.path.name}",
            f"b/{verdict.path.name}",
        )
    )
    return reread.data


# --- formatting -----------------------------------------------------------------------


SERVICE_NAMES = {"crossref": "Crossref", "pubmed": "PubMed"}


def format_text(report: VerifyReport, *, show_ok: bool = False) -> str:
    """One block per record with something to say; a summary line at the end."""
    out: list[str] = []
    counts = {"ok": 0, "findings": 0, "failed": 0, "skipped": 0}
    for verdict in sorted(report.verdicts, key=lambda v: v.slug):
        if verdict.error_kind in ("no-doi", "unreadable"):
            counts["skipped"] += 1
            out.append(f"{verdict.slug}: skipped: {verdict.error}")
            continue
        service = SERVICE_NAMES.get(verdict.service or "", "Crossref")
        if verdict.error:
            counts["failed"] += 1
            out.append(f"{verdict.slug}: could not verify against {service}: {verdict.error}")
            continue
        if not verdict.findings:
            counts["ok"] += 1
            if show_ok:
                out.append(f"{verdict.slug}: ok ({service})")
            continue
        counts["findings"] += 1
        asked = verdict.doi if verdict.service != "pubmed" else f"PMID {verdict.pmid}"
        out.append(f"{verdict.slug} ({asked}, {service}):")
        for finding in verdict.findings:
            marker = "!" if finding.severity == ACTION else "-"
            out.append(f"  {marker} {finding.message}")
            if finding.ours is not None or finding.theirs is not None:
                if finding.kind in ("title", "wrong-paper", "journal", "first-author", "year"):
                    out.append(f"      record:   {finding.ours}")
                    out.append(f"      {service + ':':<9} {finding.theirs}")
        if verdict.applied:
            out.append("  applied:")
            out.extend("    " + line for line in verdict.diff.rstrip("\n").splitlines())
        elif verdict.refused:
            out.append(f"  not applied: {verdict.refused}")
        elif verdict.changes:
            out.append(f"  --apply would update: {', '.join(verdict.changes)}")
    out.extend(f"note: {n}" for n in report.notes)
    against = {key: sum(1 for v in report.verdicts if v.service == key) for key in SERVICE_NAMES}
    checked = [f"{against['crossref']} against Crossref", f"{against['pubmed']} against PubMed"]
    out.append(
        f"{len(report.verdicts)} record{'s' if len(report.verdicts) != 1 else ''}: {counts['ok']} ok, "
        f"{counts['findings']} with findings, {counts['failed']} could not be verified, "
        f"{counts['skipped']} skipped ({', '.join(checked)})"
    )
    return "\n".join(out) + "\n"


def format_json(report: VerifyReport) -> str:
    import json
    from dataclasses import asdict

    items = []
    for v in sorted(report.verdicts, key=lambda v: v.slug):
        items.append(
            {
                "slug": v.slug,
                "path": str(v.path),
                "doi": v.doi,
                "pmid": v.pmid,
                "service": v.service,
                "error": v.error,
                "error_kind": v.error_kind,
                "findings": [asdict(f) for f in v.findings],
                "changes": sorted(v.changes),
                "applied": v.applied,
                "refused": v.refused,
            }
        )
    return (
        json.dumps(
            {"records": items, "notes": report.notes, "exit_code": report.exit_code()},
            indent=2,
            ensure_ascii=False,
            default=str,
        )
        + "\n"
    )
