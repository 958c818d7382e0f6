"""The paper's own words for `atlas add`: abstracts from PubMed and Crossref, methods from PMC.

`atlas criteria` proposes the PEM badge from a paper's text, and `atlas add` writes
that proposal into the draft. The text comes, in one batch for all the papers of a
run, from:

- PubMed's abstract: `efetch` (db=pubmed) of every PMID the batch knows, 200 per
  request, only for papers PubMed says have an abstract (`Has Abstract`, when known);
- the methods section of the full text in PubMed Central, for papers PMC has:
  `efetch` (db=pmc), 20 per request (`PubMedClient.pmc_methods`);
- Crossref's `abstract` (JATS) when PubMed has none: read from the Crossref answer
  the draft is built from, so it costs no request.

Texts are kept in the cache (`text/<doi>.json`, or `text/pmid-<pmid>.json` for a
paper without a DOI), so `atlas criteria SLUG` reads them offline later, and a
re-run or `--offline` asks for nothing (`--refresh` asks again). Fetching a text
never fails an add: a failure is a warning and the draft is written without a
proposal. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from atlas_cli.services.cache import Cache
    from atlas_cli.services.pubmed import PubMedClient


@dataclass(frozen=True)
class PaperText:
    """What atlas has read of one paper, and where each part came from."""

    abstract: str | None = None
    methods: str | None = None
    abstract_from: str | None = None  # pubmed | crossref
    methods_from: str | None = None  # pmc
    pmid: str | None = None
    pmcid: str | None = None
    cached: bool = False  # read from the cache: nothing new to store

    @property
    def empty(self) -> bool:
        return not (self.abstract or "").strip() and not (self.methods or "").strip()

    @property
    def source(self) -> str | None:
        """`abstract: pubmed, methods: pmc`: where the stored parts came from."""
        parts = [
            f"{name}: {where}"
            for name, text, where in (
                ("abstract", self.abstract, self.abstract_from),
                ("methods", self.methods, self.methods_from),
            )
            if text and where
        ]
        return ", ".join(parts) or None

    def parts(self) -> dict[str, str | None]:
        return {"abstract": self.abstract, "methods": self.methods}

    def with_crossref_abstract(self, abstract: str | None) -> PaperText:
        """This text, with Crossref's ABSTRACT standing in for a missing one."""
        if self.abstract or not abstract:
            return self
        return replace(self, abstract=abstract, abstract_from="crossref", cached=False)

    def store(self, cache: Cache, doi: str | None) -> str | None:
        """Keep the text in the cache under DOI (else its PMID), unless it came from there; a warning or None."""
        if self.cached or self.empty:
            return None
        return cache.write_text(
            doi, abstract=self.abstract, methods=self.methods, source=self.source, pmid=self.pmid, pmcid=self.pmcid
        )


def from_cache(data: dict[str, Any]) -> PaperText:
    """A PaperText from a cache entry (`Cache.read_text`)."""

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) and value.strip() else None

    source = text("source") or ""
    where = {
        name.strip(): origin.strip()
        for name, _, origin in (part.partition(":") for part in source.split(","))
        if origin.strip()
    }
    return PaperText(
        abstract=text("abstract"),
        methods=text("methods"),
        abstract_from=where.get("abstract") or (source or None),
        methods_from=where.get("methods") or (source or None),
        pmid=text("pmid"),
        pmcid=text("pmcid"),
        cached=True,
    )


@dataclass(frozen=True)
class Wanted:
    """A paper whose text is wanted: its PMID, and what PubMed's summary said of it."""

    pmid: str
    doi: str | None = None
    pmcid: str | None = None
    has_abstract: bool | None = None  # None: not known, ask


@dataclass
class Fetched:
    """Texts by PMID, and why some could not be fetched."""

    texts: dict[str, PaperText]
    error: str | None = None


def fetch_texts(client: PubMedClient, cache: Cache, wanted: list[Wanted], refresh: bool) -> Fetched:
    """The text of each paper of WANTED: from the cache (unless REFRESH), else PubMed and PMC, batched."""
    from atlas_cli.services.ncbi import NcbiError

    result = Fetched({})
    todo: list[Wanted] = []
    for paper in {w.pmid: w for w in wanted}.values():
        stored = None if refresh else cache.read_text(paper.doi, paper.pmid)
        if stored is not None:
            result.texts[paper.pmid] = replace(from_cache(stored), pmid=paper.pmid)
        else:
            todo.append(paper)
    if not todo:
        return result
    pmcid_of = {w.pmid: w.pmcid for w in todo}
    abstracts: dict[str, str | None] = {}
    methods: dict[str, str | None] = {}
    asked = [w.pmid for w in todo if w.has_abstract is not False]
    errors = []
    try:
        if asked:
            for pmid, found in client.abstracts(asked).items():
                abstracts[pmid] = found.abstract
                pmcid_of[pmid] = pmcid_of.get(pmid) or found.pmcid
    except NcbiError as exc:
        errors.append(f"abstracts: {exc.reason}")
    pmcids = [pmcid for pmcid in pmcid_of.values() if pmcid]
    try:
        if pmcids and not client.stop.is_set():
            methods = client.pmc_methods(pmcids)
    except NcbiError as exc:
        errors.append(f"methods: {exc.reason}")
    result.error = "; ".join(errors) or None
    for paper in todo:
        pmcid = pmcid_of.get(paper.pmid)
        text = PaperText(
            abstract=abstracts.get(paper.pmid),
            methods=methods.get(pmcid) if pmcid else None,
            abstract_from="pubmed",
            methods_from="pmc",
            pmid=paper.pmid,
            pmcid=pmcid,
        )
        result.texts[paper.pmid] = text
    return result


@dataclass(frozen=True)
class RecordText:
    """What `fetch_record_text` found for a record already in the atlas."""

    text: PaperText
    pmid: str | None  # the PMID PubMed gave for the DOI (or the record's own)


def fetch_record_text(
    settings: Any, doi: str | None, pmid: str | None, env: Mapping[str, str] | None = None
) -> RecordText:
    """Ask PubMed and PMC now for the abstract and methods of a paper already in the atlas, and keep
    them in the cache as `atlas add` does (Crossref's abstract stands in when it is cached and
    PubMed has none). Raises NetworkError when PubMed cannot be asked, NotFound when it has no text."""
    import os

    from atlas_cli.core.doi import doi_key
    from atlas_cli.core.errors import NetworkError, NotFound
    from atlas_cli.services.cache import Cache
    from atlas_cli.services.ncbi import NcbiAccess
    from atlas_cli.services.pacing import HttpOptions, Pacer
    from atlas_cli.services.pubmed import PubMedClient
    from atlas_cli.services.work import abstract_of

    env = os.environ if env is None else env
    access = NcbiAccess.from_env(settings.mailto, env)
    client = PubMedClient.for_atlas(settings, HttpOptions.from_env(env), access=access, pacer=Pacer(access.limits))
    cache = Cache(settings.cache_dir)
    named = doi or f"PMID {pmid}"
    try:
        wanted = Wanted(pmid, doi) if pmid else None
        if wanted is None and doi:
            found = client.lookup([doi])
            if found.error:
                raise NetworkError(f"PubMed could not be asked for {doi}: {found.error}")
            hit = found.hits.get(doi_key(doi))
            if hit is not None:
                wanted = Wanted(hit.pmid, doi, hit.pmcid, hit.has_abstract)
        text = PaperText()
        if wanted is not None:
            fetched = fetch_texts(client, cache, [wanted], refresh=True)
            text = fetched.texts.get(wanted.pmid, PaperText(pmid=wanted.pmid))
            if fetched.error and text.empty:
                raise NetworkError(f"PubMed could not give the text of {named} ({fetched.error})")
    finally:
        client.close()
    cached_work = cache.read_work(doi) if doi else None
    if cached_work is not None:
        message = cached_work["response"].get("message")
        text = text.with_crossref_abstract(abstract_of(message) if isinstance(message, dict) else None)
    if text.empty:
        where = (
            "PubMed does not know this DOI" if wanted is None else "PubMed has no abstract and PMC no methods section"
        )
        raise NotFound(
            f"no text found for {named}: {where}",
            hint="run `atlas criteria --text FILE` on the paper's methods section or abstract, saved as a text file",
        )
    warning = text.store(cache, doi)
    if warning:
        from atlas_cli.core.errors import WriteError

        raise WriteError(warning)
    return RecordText(text, wanted.pmid if wanted is not None else pmid)
