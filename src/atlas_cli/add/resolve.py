"""PubMed IDs and PMC IDs -> what PubMed knows of each paper, in one batched step (no printing).

`resolve(...)` takes every PMID and PMCID of an `atlas add` batch at once:

1. PMCIDs go to the PMC ID converter, 200 per request, which gives their PMID
   (and DOI, when PMC has one);
2. every PMID (typed, or from a PMCID) goes to PubMed's esummary, 200 per
   request; the summary gives the DOI and, for a paper without one, the metadata
   of its record.

Answers are cached (`esummary/<pmid>.json`, `pmc/<pmcid>.json`), so a re-run and
`--offline` need no network; `--refresh` asks again. The esummary answers are
written to the cache by the caller (`Resolved.save_to_cache`), in the background
while Crossref is asked: a hundred small files, each flushed to disk, would
otherwise delay the first Crossref request by a second. Summaries a caller already
holds (`atlas discover --add`) cost nothing. Every id gets a `Resolution`: a
summary, a DOI, or a failure reason with its kind (not-found, network, offline).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from atlas_cli.core.doi import Pmcid, Pmid
from atlas_cli.services.cache import Cache
from atlas_cli.services.ncbi import NcbiAccess, NcbiError
from atlas_cli.services.pacing import HttpOptions, Pacer
from atlas_cli.services.pubmed import PubMedSummary

if TYPE_CHECKING:
    from atlas_cli.core.config import Settings

OFFLINE = "not in the cache, and --offline forbids asking PubMed"


@dataclass
class Resolution:
    """What one PMID or PMCID turned out to be."""

    pmid: str | None = None
    doi: str | None = None  # from PubMed's record, else from PMC's
    summary: PubMedSummary | None = None  # PubMed's record, when PubMed has one
    reason: str | None = None  # why there is nothing to add
    kind: str | None = None  # failure kind: not-found, network, offline

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass
class Resolved:
    """A Resolution per identity, and the new PubMed answers still to be cached."""

    by_identity: dict[str, Resolution] = field(default_factory=dict)
    new_summaries: list[PubMedSummary] = field(default_factory=list)

    def __getitem__(self, identity: str) -> Resolution:
        return self.by_identity[identity]

    def save_to_cache(self, cache: Cache) -> None:
        for summary in self.new_summaries:
            cache.write_pubmed_summary(summary.pmid, summary.raw)


def resolve(
    settings: Settings,
    idents: list[Pmid | Pmcid],
    *,
    offline: bool,
    refresh: bool,
    http: HttpOptions,
    access: NcbiAccess,
    cache: Cache,
    stop: threading.Event,
    pacer: Pacer,
    known: Mapping[str, PubMedSummary] | None = None,
) -> Resolved:
    """A Resolution for each of IDENTS (PMIDs and PMCIDs), by its identity."""
    answer_set = Resolved()
    resolved = answer_set.by_identity
    pmid_of: dict[str, str] = {}  # identity -> the PMID to summarise
    pmc_doi: dict[str, str] = {}  # identity -> PMC's DOI

    # 1. PMCIDs -> PMIDs (and DOIs)
    pmcids = {i.identity: i.pmcid for i in idents if isinstance(i, Pmcid)}
    converted: dict[str, tuple[str | None, str | None]] = {}
    for pmcid in pmcids.values():
        cached = None if refresh else cache.read_pmc(pmcid)
        if cached is not None:
            converted[pmcid] = (cached.get("pmid") or None, cached.get("doi") or None)
    to_convert = [p for p in pmcids.values() if p not in converted]
    failure: tuple[str, str] | None = None
    if to_convert and offline:
        failure = (OFFLINE, "offline")
    elif to_convert:
        from atlas_cli.services.crossref import check_service_url
        from atlas_cli.services.idconv import IdConverter

        check_service_url(
            settings.idconv_url, "ATLAS_IDCONV_URL", "https://pmc.ncbi.nlm.nih.gov/tools/idconv/api/v1/articles"
        )
        converter = IdConverter(settings.idconv_url, access, http, stop=stop, pacer=pacer)
        try:
            answers = converter.convert(to_convert)
        except NcbiError as exc:
            failure = (f"the PMC ID converter could not be asked: {exc.reason}", "network")
        else:
            for pmcid, ids in answers.items():
                if ids.found:
                    converted[pmcid] = (ids.pmid, ids.doi)
                    cache.write_pmc(pmcid, ids.pmid, ids.doi)
        finally:
            converter.close()
    for identity, pmcid in pmcids.items():
        if pmcid in converted:
            pmid, doi = converted[pmcid]
            if pmid:
                pmid_of[identity] = pmid
            if doi:
                pmc_doi[identity] = doi
            if not pmid:  # in PMC but not in PubMed: its DOI is all there is
                resolved[identity] = (
                    Resolution(doi=doi)
                    if doi
                    else Resolution(reason=f"PMC has neither a PMID nor a DOI for {pmcid}", kind="not-found")
                )
        elif failure is not None:
            resolved[identity] = Resolution(reason=failure[0], kind=failure[1])
        else:
            resolved[identity] = Resolution(reason=f"PMC does not know {pmcid} (check the number)", kind="not-found")
    for ident in idents:
        if isinstance(ident, Pmid):
            pmid_of[ident.identity] = ident.pmid

    # 2. PMIDs -> summaries
    summaries: dict[str, PubMedSummary] = dict(known or {})
    for pmid in set(pmid_of.values()) - set(summaries):
        docsum = None if refresh else cache.read_pubmed_summary(pmid)
        if docsum is not None:
            summaries[pmid] = PubMedSummary.from_docsum(pmid, docsum)
    to_fetch = sorted(set(pmid_of.values()) - set(summaries), key=int)
    failure = None
    missing: set[str] = set()
    if to_fetch and offline:
        failure = (OFFLINE, "offline")
    elif to_fetch:
        from atlas_cli.services.pubmed import PubMedClient

        client = PubMedClient.for_atlas(settings, http, access=access, stop=stop, pacer=pacer)
        try:
            answer = client.summaries(to_fetch)
        except NcbiError as exc:
            failure = (f"PubMed could not be asked: {exc.reason}", "network")
        else:
            missing = set(answer.missing)
            summaries.update(answer.found)
            answer_set.new_summaries = list(answer.found.values())
        finally:
            client.close()
    for identity, pmid in pmid_of.items():
        if pmid in summaries:
            summary = summaries[pmid]
            resolved[identity] = Resolution(pmid, summary.doi or pmc_doi.get(identity), summary)
        elif pmid in missing:
            resolved[identity] = Resolution(
                pmid, reason=f"PubMed has no record with PMID {pmid} (check the number)", kind="not-found"
            )
        elif failure is not None:
            doi = pmc_doi.get(identity)
            resolved[identity] = Resolution(pmid, doi) if doi else Resolution(pmid, reason=failure[0], kind=failure[1])
    return answer_set
