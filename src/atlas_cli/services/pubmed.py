"""NCBI E-utilities client: PMIDs and PubMed journal titles for many DOIs at once.

A batch costs a handful of requests, not two per DOI: `esearch` takes up to
`SEARCH_CHUNK` `"<doi>"[doi]` terms joined by OR and returns their PMIDs (in no
particular order); `esummary` takes up to `SUMMARY_CHUNK` PMIDs and returns, for
each, its `articleids` (which map it back to a DOI), `fulljournalname`, `source`
(the NLM title abbreviation), `title` and `pubdate`. Requests are POSTed (long lists fit) and paced under NCBI's
3 requests/s without an API key, with `tool` and `email` sent as NCBI asks.

PubMed is an enrichment: `lookup()` never raises for the network; it returns what
it found and, when it could not ask, an `error` for a warning.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from atlas_cli.core.doi import doi_key
from atlas_cli.services.pacing import (
    RETRY_STATUSES,
    GaveUp,
    HttpOptions,
    Limits,
    Pacer,
    Retry,
    parse_retry_after,
    with_retries,
)

NCBI_LIMITS = Limits(limit=3, interval=1.0, concurrency=1)
SEARCH_CHUNK = 50
SUMMARY_CHUNK = 200
MAX_RETRIES = 2


@dataclass
class PubMedHit:
    doi: str
    pmid: str
    journal: str | None = None
    year: int | None = None
    title: str | None = None
    journal_abbrev: str | None = None  # NLM's abbreviation (esummary `source`), e.g. Pediatr Neurol

    def to_json(self) -> dict[str, Any]:
        return {
            "doi": self.doi,
            "pmid": self.pmid,
            "journal": self.journal,
            "year": self.year,
            "title": self.title,
            "journal_abbrev": self.journal_abbrev,
        }

    @classmethod
    def from_json(cls, data: Any) -> PubMedHit | None:
        if not isinstance(data, dict) or not isinstance(data.get("pmid"), str) or not isinstance(data.get("doi"), str):
            return None
        year = data.get("year")
        return cls(
            doi=data["doi"],
            pmid=data["pmid"],
            journal=data.get("journal") or None,
            year=year if isinstance(year, int) else None,
            title=data.get("title") or None,
            journal_abbrev=data.get("journal_abbrev") or None,
        )


@dataclass
class PubMedResult:
    hits: dict[str, PubMedHit] = field(default_factory=dict)  # by doi_key
    ambiguous: set[str] = field(default_factory=set)  # DOIs with more than one PMID
    error: str | None = None  # why PubMed could not be asked (a warning, never a failure)


class _PubMedError(Exception):
    pass


class PubMedClient:
    def __init__(
        self, base_url: str, mailto: str | None, options: HttpOptions, stop: threading.Event | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.mailto = mailto
        self.options = options
        self.stop = stop or threading.Event()
        self.pacer = Pacer(NCBI_LIMITS)

    def lookup(self, dois: list[str]) -> PubMedResult:
        """PubMed records for DOIS (any that PubMed does not know are simply absent)."""
        result = PubMedResult()
        wanted = {doi_key(d): d for d in dois}
        try:
            pmids: list[str] = []
            keys = list(wanted)
            for start in range(0, len(keys), SEARCH_CHUNK):
                chunk = [wanted[k] for k in keys[start : start + SEARCH_CHUNK]]
                pmids.extend(self._esearch(chunk))
            pmids = list(dict.fromkeys(pmids))
            for start in range(0, len(pmids), SUMMARY_CHUNK):
                for hit in self._esummary(pmids[start : start + SUMMARY_CHUNK]):
                    key = doi_key(hit.doi)
                    if key not in wanted:
                        continue
                    if key in result.hits and result.hits[key].pmid != hit.pmid:
                        result.ambiguous.add(key)
                    else:
                        result.hits[key] = hit
        except _PubMedError as exc:
            result.error = str(exc)
        for key in result.ambiguous:
            result.hits.pop(key, None)
        return result

    def _esearch(self, dois: list[str]) -> list[str]:
        term = " OR ".join(f'"{d}"[doi]' for d in dois)
        data = self._post(
            "esearch.fcgi", {"db": "pubmed", "term": term, "retmode": "json", "retmax": str(len(dois) * 3 + 10)}
        )
        found = data.get("esearchresult") if isinstance(data, dict) else None
        if not isinstance(found, dict):
            raise _PubMedError("PubMed's esearch answer has no esearchresult")
        if found.get("ERROR"):
            raise _PubMedError(f"PubMed's esearch said: {found['ERROR']}")
        ids = found.get("idlist", [])
        if not isinstance(ids, list):
            raise _PubMedError("PubMed's esearch answer has no id list")
        return [str(i) for i in ids if re.fullmatch(r"[1-9][0-9]{0,8}", str(i))]

    def _esummary(self, pmids: list[str]) -> list[PubMedHit]:
        data = self._post("esummary.fcgi", {"db": "pubmed", "id": ",".join(pmids), "retmode": "json"})
        result = data.get("result") if isinstance(data, dict) else None
        if not isinstance(result, dict):
            raise _PubMedError("PubMed's esummary answer has no result")
        hits = []
        for pmid in pmids:
            item = result.get(pmid)
            if not isinstance(item, dict):
                continue
            dois = [
                value
                for a in item.get("articleids", []) or []
                if isinstance(a, dict) and a.get("idtype") == "doi" and isinstance(value := a.get("value"), str)
            ]
            journal = item.get("fulljournalname")
            abbrev = item.get("source")
            year_match = re.match(r"\s*([12][0-9]{3})", str(item.get("pubdate") or ""))
            title = item.get("title")
            for doi in dois:
                hits.append(
                    PubMedHit(
                        doi=doi.strip(),
                        pmid=pmid,
                        journal=journal.strip() if isinstance(journal, str) and journal.strip() else None,
                        year=int(year_match.group(1)) if year_match else None,
                        title=title if isinstance(title, str) else None,
                        journal_abbrev=abbrev.strip() if isinstance(abbrev, str) and abbrev.strip() else None,
                    )
                )
        return hits

    def _post(self, tool: str, params: dict[str, str]) -> Any:
        import httpx2

        params = {**params, "tool": "atlas"}
        if self.mailto:
            params["email"] = self.mailto
        url = f"{self.base_url}/{tool}"
        host = urlsplit(self.base_url).netloc

        def attempt() -> Any:
            if not self.pacer.acquire(self.stop):
                raise _PubMedError("interrupted")
            try:
                response = httpx2.post(url, data=params, timeout=self.options.timeout)
            except httpx2.TimeoutException:
                raise Retry(f"no answer from PubMed within {self.options.timeout:g}s") from None
            except httpx2.HTTPError as exc:
                raise Retry(f"cannot reach {host} ({type(exc).__name__})") from None
            finally:
                self.pacer.release()
            if response.status_code in RETRY_STATUSES:
                wait = parse_retry_after(response.headers.get("retry-after"))
                raise Retry(f"PubMed answered HTTP {response.status_code}", wait, response.status_code)
            if response.status_code != 200:
                raise _PubMedError(f"PubMed answered HTTP {response.status_code}")
            try:
                return response.json()
            except ValueError as exc:
                raise Retry(f"PubMed's answer is not valid JSON ({exc})") from None

        try:
            return with_retries(attempt, self.options, self.pacer, self.stop, min(self.options.retries, MAX_RETRIES))
        except GaveUp as gave_up:
            raise _PubMedError(gave_up.reason) from None
