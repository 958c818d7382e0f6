"""`atlas discover --exclude ID --reason TEXT`: screening decisions written to screening.yaml.

Each ID (a PMID or a DOI, as people paste them) becomes an entry with the reason
and today's date. PubMed is asked once for the whole list, so the entry also has
the paper's title (for whoever reviews the change) and its other identifier (a DOI
for a PMID, a PMID for a DOI), and the paper stays hidden whichever way it comes
back; when PubMed cannot be asked the entry is written with the id given, and a
warning says so. A paper that is a record is refused (one of the two decisions
would be wrong, and `atlas lint` would say so); one already excluded is left as it is.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from atlas_cli.core.doi import Doi, NotADoi, Pmcid, Pmid, parse_identifier
from atlas_cli.core.errors import UsageError
from atlas_cli.core.paths import UnsafePath, read_regular
from atlas_cli.core.screening import Exclusion
from atlas_cli.core.yamlio import MAX_BYTES

if TYPE_CHECKING:
    from atlas_cli.core.config import Settings


@dataclass
class ExcludeReport:
    added: list[Exclusion] = field(default_factory=list)
    already: list[Exclusion] = field(default_factory=list)  # excluded before: left as they are
    warnings: list[str] = field(default_factory=list)


def exclude(
    settings: Settings, ids: list[str], reason: str, *, today: date, env: Mapping[str, str] | None = None
) -> ExcludeReport:
    """Write an exclusion for each of IDS; raises UsageError for an id that is no PMID/DOI or is a record."""
    from atlas_cli.add.batch import RecordIndex
    from atlas_cli.core.records import write_atomic
    from atlas_cli.core.safe_text import strip_unsafe
    from atlas_cli.core.screening import read_screening, with_exclusions

    reason = strip_unsafe(reason)  # a pasted escape sequence is never written, nor shown later
    if not reason.strip():
        raise UsageError("--exclude needs a --reason", hint='e.g. --reason "cancer-related fatigue, not ME/CFS"')
    papers: list[Pmid | Doi] = []
    for typed in ids:
        ident = parse_identifier(typed)
        if isinstance(ident, NotADoi):
            raise UsageError(f"--exclude {typed!r}: {ident.problem}", hint="give the paper's PMID or DOI")
        if isinstance(ident, Pmcid):
            raise UsageError(
                f"--exclude {typed}: a PMC ID is not kept in screening.yaml", hint="give the paper's PMID or DOI"
            )
        if ident.identity not in {p.identity for p in papers}:
            papers.append(ident)
    if not papers:
        raise UsageError("--exclude needs a PMID or a DOI", hint="e.g. --exclude 38012345 --reason ...")

    report = ExcludeReport()
    entries = [
        Exclusion(
            reason.strip(),
            today.isoformat(),
            pmid=p.pmid if isinstance(p, Pmid) else None,
            doi=p.doi if isinstance(p, Doi) else None,
        )
        for p in papers
    ]
    entries = _with_pubmed(settings, entries, report, os.environ if env is None else env)
    index = RecordIndex(settings.records_dir)
    index.refresh()
    screening = read_screening(settings.screening_file)
    excluded = screening.by_identity()
    todo = []
    for entry in entries:
        for identity in entry.identities():
            slug = index.slug_for(identity)
            if slug:
                raise UsageError(
                    f"{entry.named()} is in the atlas as {slug}; not excluding it",
                    hint=f"if it is out of scope, delete records/{slug}.yaml first",
                )
        before = next((excluded[i] for i in entry.identities() if i in excluded), None)
        if before is not None:
            report.already.append(before)
        else:
            todo.append(entry)
    if todo:
        path = settings.screening_file
        try:  # a regular file only (a named pipe is never waited on), at most a record's size
            text = read_regular(path, MAX_BYTES).decode("utf-8") if os.path.lexists(path) else None
        except UnsafePath as exc:
            raise UsageError(f"cannot read {path}: it {exc.message}", hint="fix or remove the file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {path}: {exc}", hint="fix or remove the file") from None
        write_atomic(path, with_exclusions(text, todo))
        report.added = todo
    return report


def _with_pubmed(
    settings: Settings, entries: list[Exclusion], report: ExcludeReport, env: Mapping[str, str]
) -> list[Exclusion]:
    """ENTRIES completed from PubMed: title, and the DOI of a PMID or the PMID of a DOI."""
    from dataclasses import replace

    from atlas_cli.add.pubmed_draft import title_of
    from atlas_cli.core.errors import ConfigError
    from atlas_cli.core.safe_text import strip_unsafe
    from atlas_cli.services.ncbi import NcbiAccess, NcbiError
    from atlas_cli.services.pacing import HttpOptions
    from atlas_cli.services.pubmed import MAX_RETRIES, PubMedClient

    client = None
    try:
        http = HttpOptions.from_env(env)
        client = PubMedClient.for_atlas(
            settings,
            http,
            access=NcbiAccess.from_env(settings.mailto, env),
            stop=threading.Event(),
            retries=min(http.retries, MAX_RETRIES),
        )
        by_doi = client.lookup([e.doi for e in entries if e.doi and not e.pmid])
        if by_doi.error:
            raise NcbiError(by_doi.error)
        pmids = [e.pmid for e in entries if e.pmid] + [h.pmid for h in by_doi.hits.values()]
        found = client.summaries(pmids).found if pmids else {}
    except (NcbiError, ConfigError) as exc:
        reason = exc.reason if isinstance(exc, NcbiError) else exc.message
        report.warnings.append(f"PubMed could not be asked ({reason}); the entries name only the ids given")
        return entries
    finally:
        if client is not None:
            client.close()
    completed = []
    for entry in entries:
        pmid = entry.pmid
        if pmid is None and entry.doi:
            hit = by_doi.hits.get(entry.doi.lower())
            pmid = hit.pmid if hit else None
        summary = found.get(pmid) if pmid else None
        if summary is None:
            if entry.pmid:
                report.warnings.append(f"PubMed has no record with PMID {entry.pmid}; excluded as given")
            completed.append(entry)
            continue
        title = strip_unsafe(title_of(summary)[0] or "").strip()  # what reaches a terminal is never obeyed
        completed.append(replace(entry, pmid=pmid, doi=entry.doi or summary.doi, title=title or None))
    return completed
