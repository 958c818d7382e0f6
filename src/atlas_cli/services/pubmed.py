"""NCBI E-utilities client: PubMed records for DOIs, for PMIDs, and for a search.

Each use costs a handful of requests, however many papers:

- `lookup(dois)`: PMIDs and PubMed journal titles for DOIs (the enrichment of
  `atlas add`). `esearch` takes up to `SEARCH_CHUNK` `"<doi>"[doi]` terms joined
  by OR and returns their PMIDs (in no particular order); `esummary` maps each
  PMID back to its DOI through `articleids`. PubMed is an enrichment here:
  `lookup()` never raises; when it could not ask, its result has an `error`.
- `summaries(pmids)`: the document summaries of PMIDs (`atlas add` of PMIDs),
  `SUMMARY_CHUNK` per `esummary` request; PubMed's unknown PMIDs are listed as
  missing, a failure raises `PubMedError`.
- `search(term, since, until)` then `search_summaries(search)`: `esearch` with
  `usehistory=y` keeps the result on NCBI's history server (`WebEnv`,
  `query_key`) and returns every PMID; `esummary` then pages through the stored
  result `PAGE_SIZE` at a time, several pages in flight under the limits. The
  list is complete or the call fails: a page with fewer summaries than asked,
  or summaries that do not match the search's PMIDs, raise `PubMedError`.

- `abstracts(pmids)`: `efetch` (db=pubmed, XML) of `EFETCH_CHUNK` PMIDs per
  request: each paper's abstract, and its PMCID when PubMed Central has it.
- `pmc_methods(pmcids)`: `efetch` (db=pmc, JATS XML) of `PMC_CHUNK` full texts per
  request: each article's methods section (`xmltext.pmc_methods`). An answer larger
  than the session reads (`ATLAS_HTTP_MAX_MB`, services/http.py) is split in halves
  and asked again; an article too large on its own is left out.

Requests go through `ncbi.NcbiConnection` (POST, so long id lists fit; `tool`,
`email` and `api_key`; NCBI's 3 or 10 requests/s; retries). Another batched call
over the same PMIDs is one more method built on `_in_chunks()` with its own parse
function.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from atlas_cli.core.doi import Doi, doi_key, inspect_identifier
from atlas_cli.services.ncbi import NcbiAccess, NcbiConnection, NcbiError, TooLarge, error_in
from atlas_cli.services.pacing import HttpOptions, Pacer, Retry
from atlas_cli.services.xmltext import PubMedText, XmlError, XmlRefused

if TYPE_CHECKING:
    from atlas_cli.core.config import Settings

SEARCH_CHUNK = 50  # DOI terms per esearch
SUMMARY_CHUNK = 200  # PMIDs per esummary (NCBI: POST for more than about 200)
PAGE_SIZE = 500  # summaries per esummary page of a stored search
EFETCH_CHUNK = 200  # PMIDs per efetch of abstracts (a few kB each)
PMC_CHUNK = 20  # PMC full texts per efetch (typically 100-500 kB each)
MAX_HITS = 10_000  # esearch returns at most the first 10,000 PMIDs of a search
MAX_RETRIES = 2  # the enrichment of `atlas add` gives up sooner than a search (its caller's choice)
PMID_RE = re.compile(r"[1-9][0-9]{0,8}")
T = TypeVar("T")


class PubMedError(NcbiError):
    """PubMed could not be asked, or its answer cannot be used as a complete result."""


class TooManyHits(PubMedError):
    """A search matched more papers than esearch can list."""

    def __init__(self, count: int) -> None:
        super().__init__(f"the search matches {count:,} papers; PubMed lists at most {MAX_HITS:,} at once")
        self.count = count


@dataclass
class PubMedHit:
    """What `atlas add` takes from PubMed for a DOI: the PMID, PubMed's full journal title and NLM's abbreviation."""

    doi: str
    pmid: str
    journal: str | None = None
    year: int | None = None
    title: str | None = None
    journal_abbrev: str | None = None  # NLM's abbreviation (esummary `source`), e.g. Pediatr Neurol
    pmcid: str | None = None  # the full text's id in PubMed Central, when it is there
    has_abstract: bool | None = None  # PubMed's `Has Abstract` attribute (None: not known)

    def to_json(self) -> dict[str, Any]:
        return {
            "doi": self.doi,
            "pmid": self.pmid,
            "journal": self.journal,
            "year": self.year,
            "title": self.title,
            "journal_abbrev": self.journal_abbrev,
            "pmcid": self.pmcid,
            "has_abstract": self.has_abstract,
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
            pmcid=data.get("pmcid") if isinstance(data.get("pmcid"), str) else None,
            has_abstract=data.get("has_abstract") if isinstance(data.get("has_abstract"), bool) else None,
        )


@dataclass(frozen=True)
class PubMedAuthor:
    name: str  # as PubMed writes it: `Mensah FKF` (family name and initials) or an organisation
    collective: bool = False  # authtype CollectiveName: a group, not a person


@dataclass
class PubMedSummary:
    """One esummary document summary (DocSum), read into what atlas uses of it."""

    pmid: str
    doi: str | None = None
    title: str | None = None  # as PubMed has it (a translated title in [brackets], a final period)
    vernacular_title: str | None = None  # the title in the paper's language, when not English
    authors: list[PubMedAuthor] = field(default_factory=list)
    journal: str | None = None  # fulljournalname
    source: str | None = None  # the NLM title abbreviation (`Neurophysiol Clin`)
    pubdate: str | None = None  # as PubMed writes it: `2017 Jun`, `2017 Apr 11`, `2016 Winter`
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None  # MEDLINE style: `131-8`
    elocation: str | None = None  # `doi: 10...`, `pii: e0123`
    publication_types: list[str] = field(default_factory=list)  # `Journal Article`, `Review`, `Editorial`...
    entrez_date: date | None = None  # when the record entered PubMed
    pmcid: str | None = None
    doc_type: str | None = None  # citation (an article), book, chapter
    has_abstract: bool | None = None  # PubMed's `Has Abstract` attribute (None: no attributes sent)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)  # the DocSum as sent (for the cache)

    @classmethod
    def from_docsum(cls, pmid: str, item: dict[str, Any]) -> PubMedSummary:
        def text(key: str) -> str | None:
            value = item.get(key)
            return value.strip() or None if isinstance(value, str) else None

        ids: dict[str, str] = {}
        for entry in item.get("articleids") or []:
            if isinstance(entry, dict) and isinstance(entry.get("idtype"), str) and isinstance(entry.get("value"), str):
                ids.setdefault(entry["idtype"].lower(), entry["value"].strip())
        doi = _doi(ids.get("doi")) or _doi_in_elocation(text("elocationid"))
        pmcid = ids.get("pmc") or _pmcid_in(ids.get("pmcid"))
        authors = [
            PubMedAuthor(a["name"].strip(), collective=str(a.get("authtype", "")).lower() == "collectivename")
            for a in item.get("authors") or []
            if isinstance(a, dict) and isinstance(a.get("name"), str) and a["name"].strip()
        ]
        pubdate = text("pubdate")
        year = _year(pubdate) or _year(text("epubdate")) or _year(text("sortpubdate"))
        types = [t.strip() for t in item.get("pubtype") or [] if isinstance(t, str) and t.strip()]
        attributes = item.get("attributes")
        has_abstract = (
            any(isinstance(a, str) and a.strip().lower() == "has abstract" for a in attributes)
            if isinstance(attributes, list)
            else None
        )
        return cls(
            pmid=pmid,
            doi=doi,
            title=text("title"),
            vernacular_title=text("vernaculartitle"),
            authors=authors,
            journal=text("fulljournalname") or text("booktitle") or text("bookname"),
            source=text("source"),
            pubdate=pubdate,
            year=year,
            volume=text("volume"),
            issue=text("issue"),
            pages=text("pages"),
            elocation=text("elocationid"),
            publication_types=types,
            entrez_date=_entrez_date(item),
            pmcid=pmcid if pmcid and re.fullmatch(r"PMC[0-9]+", pmcid) else None,
            doc_type=text("doctype"),
            has_abstract=has_abstract,
            raw=item,
        )

    def hit(self) -> PubMedHit | None:
        """The enrichment of a DOI record, when PubMed gives this paper a DOI."""
        if not self.doi:
            return None
        return PubMedHit(
            doi=self.doi,
            pmid=self.pmid,
            journal=self.journal,
            year=self.year,
            title=self.title,
            journal_abbrev=self.source,
            pmcid=self.pmcid,
            has_abstract=self.has_abstract,
        )


@dataclass
class PubMedResult:
    hits: dict[str, PubMedHit] = field(default_factory=dict)  # by doi_key
    ambiguous: set[str] = field(default_factory=set)  # DOIs with more than one PMID
    error: str | None = None  # why PubMed could not be asked (a warning, never a failure)


@dataclass
class Summaries:
    """The answer to `summaries(pmids)`: found by PMID, and the PMIDs PubMed does not have."""

    found: dict[str, PubMedSummary] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


@dataclass
class Search:
    """A search kept on NCBI's history server."""

    term: str
    count: int
    pmids: list[str]
    webenv: str
    query_key: str
    translation: str | None = None  # how PubMed read the query
    warnings: list[str] = field(default_factory=list)  # phrases or fields PubMed did not find


class PubMedClient:
    def __init__(
        self,
        base_url: str,
        mailto: str | None,
        options: HttpOptions,
        stop: threading.Event | None = None,
        *,
        access: NcbiAccess | None = None,
        retries: int | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        access = access or NcbiAccess(mailto=mailto)
        self.connection = NcbiConnection(base_url, "PubMed", access, options, stop, pacer=pacer, retries=retries)
        self.base_url = self.connection.base_url
        self.options = options

    @classmethod
    def for_atlas(
        cls,
        settings: Settings,
        options: HttpOptions,
        *,
        access: NcbiAccess,
        stop: threading.Event | None = None,
        pacer: Pacer | None = None,
        retries: int | None = None,
    ) -> PubMedClient:
        """The client of the E-utilities address and contact email SETTINGS name; a ConfigError
        naming ATLAS_NCBI_URL when that address is not a usable http(s) one."""
        from atlas_cli.core.config import DEFAULT_NCBI_URL
        from atlas_cli.services.crossref import check_service_url

        check_service_url(settings.ncbi_url, "ATLAS_NCBI_URL", DEFAULT_NCBI_URL)
        return cls(settings.ncbi_url, settings.mailto, options, stop, access=access, retries=retries, pacer=pacer)

    @property
    def pacer(self) -> Pacer:
        return self.connection.pacer

    def close(self) -> None:
        self.connection.close()

    @property
    def stop(self) -> threading.Event:
        return self.connection.stop

    # --- DOIs -> PMIDs (enrichment; never raises) ----------------------------------------

    def lookup(self, dois: list[str]) -> PubMedResult:
        """PubMed records for DOIS (any that PubMed does not know are simply absent)."""
        result = PubMedResult()
        wanted = {doi_key(d): d for d in dois}
        try:
            pmids: list[str] = []
            keys = list(wanted)
            for start in range(0, len(keys), SEARCH_CHUNK):
                chunk = [wanted[k] for k in keys[start : start + SEARCH_CHUNK]]
                pmids.extend(self._esearch_dois(chunk))
            found = self.summaries(list(dict.fromkeys(pmids))).found
            for summary in found.values():
                hit = summary.hit()
                if hit is None:
                    continue
                key = doi_key(hit.doi)
                if key not in wanted:
                    continue
                if key in result.hits and result.hits[key].pmid != hit.pmid:
                    result.ambiguous.add(key)
                else:
                    result.hits[key] = hit
        except NcbiError as exc:
            result.error = exc.reason
        for key in result.ambiguous:
            result.hits.pop(key, None)
        return result

    def _esearch_dois(self, dois: list[str]) -> list[str]:
        term = " OR ".join(f'"{d}"[doi]' for d in dois)
        found = self._esearch({"term": term, "retmax": str(len(dois) * 3 + 10)})
        return _pmids(found.get("idlist", []))

    # --- PMIDs -> summaries ---------------------------------------------------------------

    def summaries(self, pmids: Iterable[str]) -> Summaries:
        """The document summaries of PMIDS, SUMMARY_CHUNK per request; raises PubMedError."""
        wanted = list(dict.fromkeys(pmids))
        result = Summaries()
        for chunk in _in_chunks(wanted, SUMMARY_CHUNK):
            found = self._esummary({"id": ",".join(chunk)}, chunk)
            result.found.update(found)
            result.missing += [p for p in chunk if p not in found]
        return result

    # --- a search, kept on the history server ---------------------------------------------

    def search(self, term: str, since: date, until: date, datetype: str = "edat") -> Search:
        """PMIDs of every paper matching TERM whose DATETYPE date falls in SINCE..UNTIL (both included)."""
        found = self._esearch(
            {
                "term": term,
                "usehistory": "y",
                "datetype": datetype,
                "mindate": since.strftime("%Y/%m/%d"),
                "maxdate": until.strftime("%Y/%m/%d"),
                "retmax": str(MAX_HITS),
            }
        )
        try:
            count = int(str(found.get("count")))
        except ValueError:
            raise PubMedError("PubMed's esearch answer has no count of results") from None
        if count > MAX_HITS:
            raise TooManyHits(count)
        pmids = _pmids(found.get("idlist", []))
        if len(set(pmids)) != count:
            raise PubMedError(
                f"PubMed's esearch counted {count} results but listed {len(set(pmids))}; the list would be incomplete"
            )
        webenv, query_key = found.get("webenv"), found.get("querykey")
        if count and (not isinstance(webenv, str) or not webenv or not str(query_key or "").strip()):
            raise PubMedError("PubMed's esearch answer has no WebEnv/query_key for the stored search")
        warnings = []
        for group in ("errorlist", "warninglist"):
            listed = found.get(group)
            if isinstance(listed, dict):
                for kind, items in listed.items():
                    names = (
                        [i for i in items or [] if isinstance(i, str) and i.strip()] if isinstance(items, list) else []
                    )
                    if names:
                        warnings.append(f"PubMed reports {kind.replace('notfound', ' not found')}: {', '.join(names)}")
        translation = found.get("querytranslation")
        return Search(
            term=term,
            count=count,
            pmids=list(dict.fromkeys(pmids)),
            webenv=webenv if isinstance(webenv, str) else "",
            query_key=str(query_key or "").strip(),
            translation=translation if isinstance(translation, str) else None,
            warnings=warnings,
        )

    def search_summaries(self, search: Search) -> list[PubMedSummary]:
        """Every summary of SEARCH, paged from the history server; complete, or PubMedError."""
        if not search.count:
            return []
        from concurrent.futures import ThreadPoolExecutor

        starts = list(range(0, search.count, PAGE_SIZE))

        def page(start: int) -> dict[str, PubMedSummary]:
            expected = search.pmids[start : start + PAGE_SIZE]
            params = {
                "WebEnv": search.webenv,
                "query_key": search.query_key,
                "retstart": str(start),
                "retmax": str(PAGE_SIZE),
            }
            found = self._esummary(params, None)
            if len(found) != len(expected):
                raise PubMedError(
                    f"PubMed returned {len(found)} summaries for results {start + 1}-{start + len(expected)} "
                    f"of {search.count}; the list would be incomplete"
                )
            return found

        workers = max(1, min(len(starts), self.pacer.limits.concurrency))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="esummary") as pool:
            pages = list(pool.map(page, starts))
        summaries: dict[str, PubMedSummary] = {}
        for found in pages:
            summaries.update(found)
        if set(summaries) != set(search.pmids):
            raise PubMedError(
                "PubMed's summaries do not match the PMIDs its search listed; the list would be incomplete"
            )
        return [summaries[p] for p in search.pmids]

    # --- the paper's own words: abstracts, and methods sections from PMC ----------------

    def abstracts(self, pmids: Iterable[str]) -> dict[str, PubMedText]:
        """What efetch says of PMIDS (abstract, PMCID, DOI), EFETCH_CHUNK per request; raises PubMedError.

        A PMID PubMed does not return is simply absent.
        """
        from atlas_cli.services.xmltext import pubmed_abstracts

        found: dict[str, PubMedText] = {}
        for chunk in _in_chunks(list(dict.fromkeys(pmids)), EFETCH_CHUNK):
            answer = self.connection.request(
                "efetch.fcgi",
                {"db": "pubmed", "retmode": "xml", "id": ",".join(chunk)},
                parse=_xml_parser(pubmed_abstracts, "PubMed's efetch"),
            )
            found.update({pmid: text for pmid, text in answer.items() if pmid in chunk})
        return found

    def pmc_methods(self, pmcids: Iterable[str]) -> dict[str, str | None]:
        """The methods section of each of PMCIDS (`PMC123`), PMC_CHUNK per request; raises PubMedError.

        None for an article without one (or whose full text PMC does not give out);
        an article PMC does not return, or too large to fetch, is absent.
        """
        found: dict[str, str | None] = {}
        for chunk in _in_chunks(list(dict.fromkeys(pmcids)), PMC_CHUNK):
            found.update(self._pmc_chunk(chunk))
        return found

    def _pmc_chunk(self, pmcids: list[str]) -> dict[str, str | None]:
        from atlas_cli.services.xmltext import pmc_methods

        def parse(body: bytes) -> dict[str, str | None]:
            return _xml_parser(lambda b: pmc_methods(b, pmcids), "PubMed Central's efetch")(body)

        try:
            answer = self.connection.request(  # PMC's full texts: the same E-utilities, the same budget
                "efetch.fcgi",
                {"db": "pmc", "retmode": "xml", "id": ",".join(p.removeprefix("PMC") for p in pmcids)},
                parse=parse,
            )
        except TooLarge:
            if len(pmcids) == 1:
                return {}  # one full text too large to read: left without methods
            half = len(pmcids) // 2
            return {**self._pmc_chunk(pmcids[:half]), **self._pmc_chunk(pmcids[half:])}
        return {pmcid: text for pmcid, text in answer.items() if pmcid in pmcids}

    # --- the E-utilities themselves -------------------------------------------------------

    def _esearch(self, params: dict[str, str]) -> dict[str, Any]:
        data = self.connection.request("esearch.fcgi", {"db": "pubmed", "retmode": "json", **params})
        if error_in(data):
            raise PubMedError(f"PubMed's esearch said: {error_in(data)}")
        found = data.get("esearchresult") if isinstance(data, dict) else None
        if not isinstance(found, dict):
            raise PubMedError("PubMed's esearch answer has no esearchresult")
        if error_in(found):
            raise PubMedError(f"PubMed's esearch said: {error_in(found)}")
        if not isinstance(found.get("idlist", []), list):
            raise PubMedError("PubMed's esearch answer has no id list")
        return found

    def _esummary(self, params: dict[str, str], asked: list[str] | None) -> dict[str, PubMedSummary]:
        """Summaries by PMID for an `id` list (ASKED) or a page of a stored search (ASKED None)."""
        data = self.connection.request("esummary.fcgi", {"db": "pubmed", "retmode": "json", **params})
        if error_in(data):
            raise PubMedError(f"PubMed's esummary said: {error_in(data)}")
        result = data.get("result") if isinstance(data, dict) else None
        if not isinstance(result, dict):
            raise PubMedError("PubMed's esummary answer has no result")
        uids = result.get("uids")
        listed = [str(u) for u in uids] if isinstance(uids, list) else [k for k in result if k != "uids"]
        found = {}
        for pmid in asked if asked is not None else listed:
            item = result.get(pmid)
            if isinstance(item, dict) and not item.get("error") and PMID_RE.fullmatch(pmid):
                found[pmid] = PubMedSummary.from_docsum(pmid, item)
        return found


def _xml_parser(read: Callable[[bytes], T], what: str) -> Callable[[bytes], T]:
    """A parse function for `NcbiConnection.request`: XML cut short is worth asking again for
    (Retry), XML declaring entities or an error answer is not (PubMedError)."""

    def parse(body: bytes) -> T:
        try:
            return read(body)
        except XmlError as exc:
            raise Retry(f"the answer is not complete XML ({exc})") from None
        except XmlRefused as exc:
            raise PubMedError(f"{what} answer was refused: {exc}") from None
        except ValueError as exc:
            raise PubMedError(f"{what} said: {exc}") from None

    return parse


def _in_chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pmids(values: Any) -> list[str]:
    return [str(v) for v in values if PMID_RE.fullmatch(str(v))] if isinstance(values, list) else []


def _doi(value: str | None) -> str | None:
    if not value:
        return None
    ident = inspect_identifier(value)
    return ident.doi if isinstance(ident, Doi) else None


def _doi_in_elocation(value: str | None) -> str | None:
    """`doi: 10.1016/x pii: S0987...` -> the DOI."""
    match = re.search(r"(?i)\bdoi:\s*(10\.\S+)", value or "")
    return _doi(match.group(1)) if match else None


def _pmcid_in(value: str | None) -> str | None:
    """`pmc-id: PMC5382345;embargo-date: ...` -> PMC5382345."""
    match = re.search(r"PMC[0-9]+", value or "")
    return match.group(0) if match else None


def _year(value: str | None) -> int | None:
    match = re.match(r"\s*([12][0-9]{3})\b", value or "")
    return int(match.group(1)) if match else None


def _entrez_date(item: dict[str, Any]) -> date | None:
    """The date the record entered PubMed (history `entrez`), else its sort date."""
    candidates = [
        h.get("date")
        for h in item.get("history") or []
        if isinstance(h, dict) and str(h.get("pubstatus", "")).lower() == "entrez"
    ]
    candidates.append(item.get("sortpubdate"))
    for value in candidates:
        match = re.match(r"\s*([12][0-9]{3})/([01][0-9])/([0-3][0-9])", str(value or ""))
        if match:
            try:
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                continue
    return None
