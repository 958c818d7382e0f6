"""A local fake of the Crossref REST API and NCBI E-utilities, for tests and benchmarks.

A real `http.server.ThreadingHTTPServer` on 127.0.0.1 (a free port) in a
background thread. Point atlas at it with the environment it gives:

    with FakeServices(delay=0.0) as fake:
        fake.add_work({"DOI": "10.1234/abc", "title": ["A title"], ...})
        fake.add_pubmed("10.1234/abc", pmid="123", journal="Journal of Things")
        env = {**os.environ, **fake.env()}          # ATLAS_CROSSREF_URL, ATLAS_NCBI_URL
        subprocess.run([... "atlas", "add", "10.1234/abc"], env=env)
        assert fake.count("crossref", "/works/10.1234/abc") == 1

Crossref side (under `crossref_url`):
- `GET /works/{doi}`: the DOI is percent-decoded and matched case-insensitively.
  Answers, in order of precedence: a scripted reply sequence (`script(doi, ...)`,
  each request takes the next reply, the last one repeats), an alias (`alias()`:
  301 with a relative Location), a canned work (`add_work()`, wrapped in the
  `{"status": "ok", "message-type": "work", ...}` envelope), else 404 with the
  plain-text body `Resource not found.` (as Crossref does).
- `GET /works` (a list query, e.g. `?rows=0`): an empty work list.
- Every answer carries `headers` (default: the 2026 polite pool's
  `x-rate-limit-limit: 10`, `x-rate-limit-interval: 1s`, `x-concurrency-limit: 3`).

E-utilities side (under `ncbi_url`), GET or POST, shaped as NCBI's documentation
and its JSON answers show (esearch `esearchresult`, esummary `result` DocSums):
- `esearch.fcgi`: a term of `"<doi>"[doi]` (or bare `<doi>[doi]`) terms finds
  the PMIDs registered for those DOIs. Any other term is a search: every paper
  registered with `add_pubmed_record()` whose Entrez date falls in
  `mindate`..`maxdate` (both included, `datetype=edat`) matches, newest first;
  `usehistory=y` stores the result under a `WebEnv` and `query_key`, and
  `retstart`/`retmax` page the `idlist`. `searches` keeps every term asked.
- `esummary.fcgi`: DocSums for an `id` list (an unknown PMID gets NCBI's
  `{"uid": ..., "error": "cannot get document summary"}`), or for a page
  (`retstart`, `retmax`) of a stored search (`WebEnv`, `query_key`).
- `efetch.fcgi` with `db=pubmed` (`retmode=xml`): a `PubmedArticleSet` with a
  `PubmedArticle` per known PMID of the `id` list (unknown ones left out, as
  PubMed does): its `Abstract` (`AbstractText`, with `Label`s for a structured
  abstract, as given to `add_pubmed_record(abstract=)`) and its `ArticleIdList`
  (pubmed, doi, pmc). A record given an abstract has the DocSum attribute
  `Has Abstract`, as PubMed's do; one without has none.
- `efetch.fcgi` with `db=pmc`: a `pmc-articleset` with a JATS `<article>` per
  PMCID of the `id` list (numbers, with or without `PMC`) registered with
  `add_pmc_article()` (its `article-id`s and a `body` of `<sec>`s with `sec-type`,
  `title`, `p` and nested `sec`s, or the XML given); an article PMC may not give
  out has no body (`open_access=False`), as PMC sends it.
- Every answer carries `X-RateLimit-Limit` (3, or 10 when `api_key` is sent) as
  NCBI's do; `ncbi_enforce=True` answers a request over that rate in any 1 s
  window with NCBI's 429 `{"error": "API rate limit exceeded", ...}`.
- `ncbi_script(*replies)` overrides all of them (failure tests); `ncbi_script(..., tool="esummary")`
  only one of them; `efetch_script(*replies)` answers the next efetch requests, one
  reply each, then efetch answers from its records again.

PMC ID converter (under `idconv_url`), GET `?ids=PMC1,PMC2&format=json`: a
record per id with the PMID and DOI registered with `add_pubmed_record(pmcid=)`,
or `{"status": "error", "errmsg": ...}` for one PMC does not have.

A `Reply` describes any answer: status, body (dict/list -> JSON, str, bytes),
content type, extra headers, delay, `truncate` (send only the first N bytes,
with a matching Content-Length), `drop` (close the connection without a
word), `silent` (keep the connection open and never answer), `trickle` (send
the whole answer, status line and headers included, one byte every N seconds)
and `gzip` (compress the body, with `Content-Encoding: gzip`);
`Reply.gzip_bomb(n)` is a small gzip body that inflates to N bytes. `delay`
(constructor) is the default delay of every answer.

The server speaks HTTP/1.1 and keeps connections open between requests, as
Crossref and NCBI do; `connections()` counts the client connections it saw.

Everything the server saw is in `requests` (`Seen`: service, method, raw path,
query, form, headers, start/end times, client address); `count()`, `max_concurrency()` and
`max_in_window()` summarise it. In-flight requests are counted from arrival
until just before the response is written, so a client that waits for each
answer never appears to exceed its own concurrency.
"""

from __future__ import annotations

import gzip
import json
import re
import socket
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

POLITE_HEADERS = {
    "x-rate-limit-limit": "10",
    "x-rate-limit-interval": "1s",
    "x-concurrency-limit": "3",
    "x-api-pool": "polite",
}
ANONYMOUS_HEADERS = {
    "x-rate-limit-limit": "5",
    "x-rate-limit-interval": "1s",
    "x-concurrency-limit": "1",
    "x-api-pool": "public",
}
NOT_FOUND_BODY = "Resource not found."


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    content_type: str = "application/json;charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float | None = None  # None: the server's default delay
    truncate: int | None = None
    drop: bool = False
    silent: bool = False
    trickle: float | None = None  # seconds between two bytes of the whole answer
    gzip: bool = False

    @classmethod
    def work(cls, message: dict, **kw) -> Reply:
        return cls(body=envelope(message), **kw)

    @classmethod
    def not_found(cls, **kw) -> Reply:
        return cls(status=404, body=NOT_FOUND_BODY, content_type="text/plain", **kw)

    @classmethod
    def html(cls, status: int = 503, title: str = "503 Service Temporarily Unavailable", **kw) -> Reply:
        page = (
            f"<html><head><title>{title}</title></head><body><center><h1>{title}</h1></center>"
            "<hr><center>nginx</center></body></html>\n"
        )
        return cls(status=status, body=page, content_type="text/html", **kw)

    @classmethod
    def gzip_bomb(cls, inflated: int, **kw) -> Reply:
        """A JSON work envelope behind INFLATED bytes of spaces, gzip-compressed (about 1,000:1)."""
        body = _bomb(inflated)
        return cls(body=body, headers={"Content-Encoding": "gzip", **kw.pop("headers", {})}, **kw)

    def encoded(self) -> bytes:
        if self.body is None:
            data = b""
        elif isinstance(self.body, bytes):
            data = self.body
        elif isinstance(self.body, str):
            data = self.body.encode("utf-8")
        else:
            data = json.dumps(self.body).encode("utf-8")
        return gzip.compress(data) if self.gzip else data


_bombs: dict[int, bytes] = {}


def _bomb(inflated: int) -> bytes:
    if inflated not in _bombs:
        tail = json.dumps(envelope(work("10.1234/bomb"))).encode("utf-8")
        packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip framing
        block = b" " * (1 << 20)
        left = inflated - len(tail)
        pieces = []
        while left > 0:
            chunk = block[: min(left, len(block))]
            pieces.append(packer.compress(chunk))
            left -= len(chunk)
        pieces.append(packer.compress(tail))
        pieces.append(packer.flush())
        _bombs[inflated] = b"".join(pieces)
    return _bombs[inflated]


def envelope(message: dict) -> dict:
    return {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": message}


def work(
    doi: str, title: str = "A study of things", *, family: str = "Smith", year: int | None = 2020, **extra: Any
) -> dict:
    """A small, valid Crossref work message (override or add any field with EXTRA)."""
    message: dict[str, Any] = {
        "DOI": doi,
        "type": "journal-article",
        "title": [title],
        "author": [{"given": "Ann", "family": family, "sequence": "first", "affiliation": []}],
        "container-title": ["Journal of Tests"],
        "volume": "12",
        "issue": "3",
        "page": "100-110",
        "publisher": "Test Press",
        "URL": f"https://doi.org/{doi}",
    }
    if year is not None:
        message["issued"] = {"date-parts": [[year, 5, 2]]}
    message.update(extra)
    return message


@dataclass
class Seen:
    service: str  # crossref or ncbi
    method: str
    path: str  # raw request path (as sent, still percent-encoded), without the query
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    headers: dict[str, str]
    start: float
    end: float = 0.0
    client: tuple[str, int] = ("", 0)  # the client's address: one per connection


class FakeServices:
    def __init__(
        self,
        *,
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
        ncbi_delay: float | None = None,
        ncbi_enforce: bool = False,
    ) -> None:
        self.delay = delay
        self.ncbi_delay = delay if ncbi_delay is None else ncbi_delay
        self.ncbi_enforce = ncbi_enforce
        self.histories: dict[str, list[str]] = {}  # WebEnv -> the PMIDs of the stored search
        self.searches: list[str] = []  # every search term asked (DOI lookups excluded)
        self.rate_limited = 0  # requests answered 429 by ncbi_enforce
        self.headers = dict(POLITE_HEADERS if headers is None else headers)
        self.works: dict[str, dict] = {}
        self.scripts: dict[str, list[Reply]] = {}
        self.aliases: dict[str, str] = {}
        self.pubmed: dict[str, dict] = {}  # pmid -> summary item
        self.pubmed_by_doi: dict[str, str] = {}
        self.pmc: dict[str, dict] = {}  # PMCID -> {"pmcid", "pmid", "doi"}
        self.abstracts: dict[str, Any] = {}  # pmid -> abstract text, or [(label, text)]
        self.pmc_articles: dict[str, str] = {}  # PMCID -> the <article> XML
        self.ncbi_replies: list[Reply] = []
        self.efetch_replies: list[Reply] = []
        self.idconv_replies: list[Reply] = []
        self.tool_replies: dict[str, list[Reply | None]] = {}  # esearch / esummary -> scripted replies
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._in_flight = {"crossref": 0, "ncbi": 0, "idconv": 0}
        self._max_in_flight = {"crossref": 0, "ncbi": 0, "idconv": 0}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.closing = threading.Event()  # set by stop(): silent and trickling answers end

    # --- configuration --------------------------------------------------------------

    def add_work(self, message: dict) -> None:
        self.works[message["DOI"].lower()] = message

    def add_works(self, messages: Iterable[dict]) -> None:
        for message in messages:
            self.add_work(message)

    def script(self, doi: str, *replies: Reply) -> None:
        """Answer DOI with REPLIES in order (the last one repeats)."""
        self.scripts[doi.lower()] = list(replies)

    def alias(self, alias_doi: str, target_doi: str) -> None:
        """ALIAS_DOI answers 301 with Location /works/TARGET (as Crossref's public pool does)."""
        self.aliases[alias_doi.lower()] = target_doi

    def add_pubmed(
        self,
        doi: str,
        pmid: str,
        journal: str = "Journal of Tests (Full Title)",
        title: str = "A study of things.",
        pubdate: str = "2020 May 2",
        abbrev: str | None = None,
    ) -> None:
        self.add_pubmed_record(
            pmid, doi=doi, journal=journal, source=abbrev or journal[:20], title=title, pubdate=pubdate
        )

    def add_pubmed_record(
        self,
        pmid: str,
        *,
        doi: str | None = None,
        title: str = "A study of things.",
        authors: Iterable[str] = ("Smith AB", "Jones C"),
        collective: Iterable[str] = (),
        journal: str = "Journal of Tests (Full Title)",
        source: str = "J Tests",
        pubdate: str = "2020 May 2",
        volume: str = "12",
        issue: str = "3",
        pages: str = "100-10",
        pubtypes: Iterable[str] = ("Journal Article",),
        entrez: str = "2020/05/04",
        pmcid: str | None = None,
        vernacular: str = "",
        doctype: str = "citation",
        abstract: str | list[tuple[str, str]] | None = None,
    ) -> dict:
        """A PubMed record, as esummary's JSON DocSum has it (returned, to change a field for a test).

        ABSTRACT: its abstract for efetch, a text or a structured abstract [(label, text)]."""
        if abstract is not None:
            self.abstracts[pmid] = abstract
        names = [{"name": n, "authtype": "Author", "clusterid": ""} for n in authors]
        names += [{"name": n, "authtype": "CollectiveName", "clusterid": ""} for n in collective]
        ids = [{"idtype": "pubmed", "idtypen": 1, "value": pmid}]
        if doi:
            ids.append({"idtype": "doi", "idtypen": 3, "value": doi})
            self.pubmed_by_doi[doi.lower()] = pmid
        if pmcid:
            ids += [
                {"idtype": "pmc", "idtypen": 8, "value": pmcid},
                {"idtype": "pmcid", "idtypen": 5, "value": f"pmc-id: {pmcid};"},
            ]
            self.pmc[pmcid.upper()] = {"pmcid": pmcid, "pmid": pmid, "doi": doi}
        year = pubdate[:4]
        item = {
            "uid": pmid,
            "pubdate": pubdate,
            "epubdate": "",
            "source": source,
            "authors": names,
            "lastauthor": names[-1]["name"] if names else "",
            "title": title,
            "sorttitle": title.lower(),
            "volume": volume,
            "issue": issue,
            "pages": pages,
            "lang": ["eng"],
            "nlmuniqueid": "0000000",
            "issn": "0000-0000",
            "essn": "",
            "pubtype": list(pubtypes),
            "recordstatus": "PubMed - indexed for MEDLINE",
            "pubstatus": "4",
            "articleids": ids,
            "history": [
                {"pubstatus": "received", "date": f"{year}/01/10 00:00"},
                {"pubstatus": "entrez", "date": f"{entrez} 06:00"},
                {"pubstatus": "pubmed", "date": f"{entrez} 06:00"},
            ],
            "references": [],
            "attributes": ["Has Abstract"] if abstract is not None else [],
            "pmcrefcount": "",
            "fulljournalname": journal,
            "elocationid": f"doi: {doi}" if doi else "",
            "doctype": doctype,
            "srccontriblist": [],
            "booktitle": "",
            "medium": "",
            "edition": "",
            "publisherlocation": "",
            "publishername": "",
            "srcdate": "",
            "reportnumber": "",
            "availablefromurl": "",
            "locationlabel": "",
            "doccontriblist": [],
            "docdate": "",
            "bookname": "",
            "chapter": "",
            "sortpubdate": f"{year}/05/02 00:00",
            "sortfirstauthor": names[0]["name"] if names else "",
            "vernaculartitle": vernacular,
        }
        self.pubmed[pmid] = item
        return item

    def add_pmc_only(self, pmcid: str, doi: str | None = None, pmid: str | None = None) -> None:
        """An article the PMC ID converter knows (with whatever ids are given), PubMed perhaps not."""
        self.pmc[pmcid.upper()] = {"pmcid": pmcid, "pmid": pmid, "doi": doi}

    def add_pmc_article(
        self,
        pmcid: str,
        sections: Iterable[tuple[str | None, str | None, Any]] = (),
        *,
        pmid: str | None = None,
        xml: str | None = None,
        open_access: bool = True,
        id_type: str = "pmcid",
    ) -> str:
        """A full text in PMC: SECTIONS are (sec-type, title, content), content a paragraph, a list
        of paragraphs, or a list of nested sections; XML replaces the whole <article>. Returns the XML."""
        if xml is None:
            ids = f'<article-id pub-id-type="{id_type}">{pmcid if id_type == "pmcid" else pmcid[3:]}</article-id>'
            if pmid:
                ids += f'<article-id pub-id-type="pmid">{pmid}</article-id>'
            body = "".join(_jats_sec(sec) for sec in sections) if open_access else ""
            xml = (
                '<article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="research-article">'
                f"<front><article-meta>{ids}<title-group><article-title>A study</article-title></title-group>"
                "</article-meta></front>"
                + (f"<body>{body}</body>" if open_access else "")
                + "<back><ref-list><ref><mixed-citation>Carruthers BM. Canadian Consensus Criteria.</mixed-citation>"
                "</ref></ref-list></back></article>"
            )
        self.pmc_articles[pmcid.upper()] = xml
        return xml

    def ncbi_script(self, *replies: Reply | None, tool: str | None = None) -> None:
        """Answer NCBI requests with REPLIES in order (the last one repeats); only TOOL's
        requests (`esearch`, `esummary`) when given, the others answered as usual, as are
        TOOL's requests given None."""
        if tool is None:
            self.ncbi_replies = list(replies)
        else:
            self.tool_replies[tool] = list(replies)

    def efetch_script(self, *replies: Reply) -> None:
        """The next efetch requests get REPLIES, one each; then efetch answers from its records again."""
        self.efetch_replies = list(replies)

    # --- lifecycle ------------------------------------------------------------------

    def start(self) -> FakeServices:
        handler = _make_handler(self)
        self._server = _TimedServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeServices:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def crossref_url(self) -> str:
        return f"{self.url}/crossref"

    @property
    def ncbi_url(self) -> str:
        return f"{self.url}/eutils"

    @property
    def idconv_url(self) -> str:
        return f"{self.url}/idconv"

    def env(self) -> dict[str, str]:
        return {
            "ATLAS_CROSSREF_URL": self.crossref_url,
            "ATLAS_NCBI_URL": self.ncbi_url,
            "ATLAS_IDCONV_URL": self.idconv_url,
        }

    # --- what was seen --------------------------------------------------------------

    def seen(self, service: str | None = None, contains: str = "") -> list[Seen]:
        with self._lock:
            return [
                s for s in self.requests if (service is None or s.service == service) and contains in unquote(s.path)
            ]

    def count(self, service: str | None = None, contains: str = "") -> int:
        return len(self.seen(service, contains))

    def connections(self, service: str | None = None) -> int:
        """How many client connections the requests (to SERVICE) came on."""
        return len({s.client for s in self.seen(service)})

    def max_concurrency(self, service: str = "crossref") -> int:
        with self._lock:
            return self._max_in_flight[service]

    def max_in_window(self, seconds: float, service: str = "crossref") -> int:
        """Most request arrivals in any half-open window [t, t + SECONDS)."""
        starts = sorted(s.start for s in self.seen(service))
        best, left = 0, 0
        for right, start in enumerate(starts):
            while start - starts[left] >= seconds:
                left += 1
            best = max(best, right - left + 1)
        return best

    def reset_stats(self) -> None:
        with self._lock:
            self.requests.clear()
            self._max_in_flight = {"crossref": 0, "ncbi": 0, "idconv": 0}

    # --- answering ------------------------------------------------------------------

    def _enter(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)
            self._in_flight[seen.service] += 1
            self._max_in_flight[seen.service] = max(self._max_in_flight[seen.service], self._in_flight[seen.service])

    def _leave(self, seen: Seen) -> None:
        with self._lock:
            self._in_flight[seen.service] -= 1
            seen.end = time.monotonic()

    def crossref_reply(self, raw_path: str) -> Reply:
        rest = raw_path.split("/crossref", 1)[1]
        if not rest.startswith("/works/"):
            return Reply(
                body={
                    "status": "ok",
                    "message-type": "work-list",
                    "message": {"total-results": 0, "items": [], "items-per-page": 0},
                }
            )
        doi = unquote(rest[len("/works/") :]).lower()
        with self._lock:
            script = self.scripts.get(doi)
            if script:
                return script.pop(0) if len(script) > 1 else script[0]
        if doi in self.aliases:
            return Reply(
                status=301, body=b"", content_type="text/plain", headers={"Location": f"/works/{self.aliases[doi]}"}
            )
        if doi in self.works:
            return Reply.work(self.works[doi])
        return Reply.not_found()

    def ncbi_reply(self, raw_path: str, params: dict[str, list[str]]) -> Reply:
        with self._lock:
            if self.ncbi_replies:
                return self.ncbi_replies.pop(0) if len(self.ncbi_replies) > 1 else self.ncbi_replies[0]
            tool = raw_path.rsplit("/", 1)[-1].removesuffix(".fcgi")
            scripted = self.tool_replies.get(tool)
            reply = (scripted.pop(0) if len(scripted) > 1 else scripted[0]) if scripted else None
        if reply is not None:
            return reply
        if raw_path.endswith("/esearch.fcgi"):
            return self._esearch(params)
        if raw_path.endswith("/esummary.fcgi"):
            return self._esummary(params)
        if raw_path.endswith("/efetch.fcgi"):
            with self._lock:
                if self.efetch_replies:
                    return self.efetch_replies.pop(0)
        if raw_path.endswith("/efetch.fcgi") and _first(params, "db", "") == "pubmed":
            return self._efetch_pubmed(params)
        if raw_path.endswith("/efetch.fcgi") and _first(params, "db", "") == "pmc":
            return self._efetch_pmc(params)
        return Reply(status=400, body={"error": "unknown tool"})

    def _efetch_pubmed(self, params: dict[str, list[str]]) -> Reply:
        ids = [i for v in params.get("id", []) for i in v.split(",") if i]
        articles = []
        for pmid in ids:
            item = self.pubmed.get(pmid)
            if item is None:
                continue
            abstract = self.abstracts.get(pmid)
            if isinstance(abstract, str):
                texts = f"<AbstractText>{_xml_text(abstract)}</AbstractText>"
            else:
                texts = "".join(
                    f'<AbstractText Label="{escape(label)}" NlmCategory="{escape(label.upper())}">{_xml_text(text)}'
                    "</AbstractText>"
                    for label, text in abstract or []
                )
            abstract_xml = f"<Abstract>{texts}<CopyrightInformation>© The authors</CopyrightInformation></Abstract>"
            article_ids = "".join(
                f'<ArticleId IdType="{escape(i["idtype"])}">{escape(i["value"])}</ArticleId>'
                for i in item["articleids"]
                if i["idtype"] in ("pubmed", "doi", "pmc")
            )
            articles.append(
                '<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
                f'<PMID Version="1">{pmid}</PMID><Article PubModel="Print"><ArticleTitle>{escape(item["title"])}'
                f"</ArticleTitle>{abstract_xml if abstract is not None else ''}<AuthorList><Author><LastName>Smith"
                "</LastName></Author></AuthorList></Article></MedlineCitation>"
                f"<PubmedData><ArticleIdList>{article_ids}</ArticleIdList></PubmedData></PubmedArticle>"
            )
        body = (
            '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January '
            '2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
            f"<PubmedArticleSet>{''.join(articles)}</PubmedArticleSet>"
        )
        return Reply(body=body, content_type="text/xml; charset=UTF-8")

    def _efetch_pmc(self, params: dict[str, list[str]]) -> Reply:
        ids = [i.strip() for v in params.get("id", []) for i in v.split(",") if i.strip()]
        articles = [
            self.pmc_articles[key]
            for key in (f"PMC{i.upper().removeprefix('PMC')}" for i in ids)
            if key in self.pmc_articles
        ]
        body = (
            '<?xml version="1.0" ?>\n<!DOCTYPE pmc-articleset PUBLIC "-//NLM//DTD ARTICLE SET 2.0//EN" '
            '"https://dtd.nlm.nih.gov/ncbi/pmc/articleset/nlm-articleset-2.0.dtd">\n'
            f"<pmc-articleset>{''.join(articles)}</pmc-articleset>"
        )
        return Reply(body=body, content_type="text/xml; charset=UTF-8")

    def _esearch(self, params: dict[str, list[str]]) -> Reply:
        term = " ".join(params.get("term", []))
        dois = re.findall(r'"([^"]+)"\[doi\]|(\S+)\[doi\]', term)
        if dois:
            ids = []
            for quoted, bare in dois:
                pmid = self.pubmed_by_doi.get((quoted or bare).lower())
                if pmid and pmid not in ids:
                    ids.append(pmid)
            return Reply(
                body={
                    "header": {"type": "esearch", "version": "0.3"},
                    "esearchresult": {"count": str(len(ids)), "retmax": str(len(ids)), "retstart": "0", "idlist": ids},
                }
            )
        self.searches.append(term)
        low = _first(params, "mindate", "1800/01/01")
        high = _first(params, "maxdate", "3000/12/31")
        found = sorted(
            (item for item in self.pubmed.values() if low <= _entrez(item)[:10] <= high),
            key=lambda item: (_entrez(item), int(item["uid"])),
            reverse=True,
        )
        ids = [item["uid"] for item in found]
        start, count = int(_first(params, "retstart", "0")), int(_first(params, "retmax", "20"))
        result: dict[str, Any] = {
            "count": str(len(ids)),
            "retmax": str(len(ids[start : start + count])),
            "retstart": str(start),
            "idlist": ids[start : start + count],
            "translationset": [],
            "querytranslation": term,
        }
        if _first(params, "usehistory", "n") == "y":
            with self._lock:
                webenv = f"MCID_{len(self.histories) + 1:04d}"
                self.histories[webenv] = ids
            result.update({"querykey": "1", "webenv": webenv})
        return Reply(body={"header": {"type": "esearch", "version": "0.3"}, "esearchresult": result})

    def _esummary(self, params: dict[str, list[str]]) -> Reply:
        webenv = _first(params, "WebEnv", "")
        if webenv:
            stored = self.histories.get(webenv)
            if stored is None or _first(params, "query_key", "") != "1":
                return Reply(
                    body={"header": {"type": "esummary", "version": "0.3"}, "error": "Unable to obtain query #1"}
                )
            start, count = int(_first(params, "retstart", "0")), int(_first(params, "retmax", "20"))
            ids = stored[start : start + count]
        else:
            ids = [i for v in params.get("id", []) for i in v.split(",") if i]
        result: dict[str, Any] = {"uids": ids}
        for pmid in ids:
            result[pmid] = self.pubmed.get(pmid) or {"uid": pmid, "error": "cannot get document summary"}
        return Reply(body={"header": {"type": "esummary", "version": "0.3"}, "result": result})

    def idconv_reply(self, params: dict[str, list[str]]) -> Reply:
        with self._lock:
            if self.idconv_replies:
                return self.idconv_replies.pop(0) if len(self.idconv_replies) > 1 else self.idconv_replies[0]
        asked = [i.strip() for v in params.get("ids", []) for i in v.split(",") if i.strip()]
        records = []
        for pmcid in asked:
            known = self.pmc.get(pmcid.upper().split(".")[0])
            if known is None:
                records.append({"pmcid": pmcid, "status": "error", "errmsg": "Identifier not found in PMC"})
            else:
                records.append({k: v for k, v in known.items() if v is not None})
        request = ";".join(f"{k}={','.join(v)}" for k, v in params.items())
        return Reply(
            body={"status": "ok", "responseDate": "2026-05-30 10:00:00", "request": request, "records": records},
            content_type="application/json; charset=ISO-8859-1",
        )

    def idconv_script(self, *replies: Reply) -> None:
        self.idconv_replies = list(replies)

    def _over_ncbi_rate(self, limit: int) -> bool:
        """True when this request (already counted) is over LIMIT in the last second."""
        with self._lock:
            now = time.monotonic()
            recent = [r for r in self.requests if r.service == "ncbi" and now - r.start < 1.0]
            return len(recent) > limit


def _xml_text(text: str) -> str:
    """TEXT for XML, with <i>...</i> and <sup>...</sup> kept as the markup PubMed sends."""
    escaped = escape(text)
    return re.sub(r"&lt;(/?(?:i|b|sup|sub))&gt;", r"<\1>", escaped)


def _jats_sec(section: tuple[str | None, str | None, Any]) -> str:
    kind, title, content = section
    attrs = f' sec-type="{escape(kind)}"' if kind else ""
    inner = f"<title>{escape(title)}</title>" if title else ""
    for part in [content] if isinstance(content, str) else content:
        inner += _jats_sec(part) if isinstance(part, tuple) else f"<p>{_xml_text(part)}</p>"
    return f"<sec{attrs}>{inner}</sec>"


def _first(params: dict[str, list[str]], name: str, default: str) -> str:
    values = params.get(name)
    return values[0] if values else default


def _entrez(item: dict) -> str:
    for entry in item.get("history", []):
        if entry.get("pubstatus") == "entrez":
            return entry["date"]
    return "0000/00/00"


class _TimedServer(ThreadingHTTPServer):
    """Notes when each connection is accepted, before its thread starts: a busy machine can take
    a tenth of a second to start a thread, which would make arrivals look bunched."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.accepted: dict[int, float] = {}

    def process_request(self, request: Any, client_address: Any) -> None:
        self.accepted[id(request)] = time.monotonic()
        super().process_request(request, client_address)


def _arrival(handler: BaseHTTPRequestHandler) -> float:
    """When the request arrived: its connection's acceptance (the first request on it), else now."""
    server = handler.server
    accepted = server.accepted.pop(id(handler.connection), None) if isinstance(server, _TimedServer) else None
    return accepted if accepted is not None else time.monotonic()


def _make_handler(fake: FakeServices):
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeServices/1"
        protocol_version = "HTTP/1.1"  # keep-alive, as the real services
        # As real servers do: without it, the body waits for the client's delayed ACK of the
        # headers (Nagle's algorithm), 40 ms per answer on a kept-alive connection.
        disable_nagle_algorithm = True

        def log_message(self, *args) -> None:  # quiet
            pass

        def handle(self) -> None:
            try:
                super().handle()
            except (ConnectionResetError, BrokenPipeError, TimeoutError):
                pass  # the client went away between two requests on a kept-alive connection

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            form: dict[str, list[str]] = {}
            if self.command == "POST":
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode("utf-8"), keep_blank_values=True)
            service = (
                "crossref"
                if parts.path.startswith("/crossref")
                else "idconv"
                if parts.path.startswith("/idconv")
                else "ncbi"
            )
            seen = Seen(
                service,
                self.command,
                parts.path,
                parse_qs(parts.query),
                form,
                {k.lower(): v for k, v in self.headers.items()},
                _arrival(self),
                client=self.client_address[:2],
            )
            fake._enter(seen)
            left = False
            try:
                params = {**parse_qs(parts.query), **form}
                if service == "crossref":
                    reply = fake.crossref_reply(parts.path)
                    headers = {**fake.headers, **reply.headers}
                    default_delay = fake.delay
                elif service == "idconv":
                    reply = fake.idconv_reply(params)
                    headers = dict(reply.headers)
                    default_delay = fake.ncbi_delay
                else:
                    limit = 10 if params.get("api_key") else 3
                    if fake.ncbi_enforce and fake._over_ncbi_rate(limit):
                        fake.rate_limited += 1
                        reply = Reply(
                            status=429,
                            body={
                                "error": "API rate limit exceeded",
                                "api-key": "127.0.0.1",
                                "count": "4",
                                "limit": str(limit),
                            },
                        )
                    else:
                        reply = fake.ncbi_reply(parts.path, params)
                    headers = {
                        "X-RateLimit-Limit": str(limit),
                        "X-RateLimit-Remaining": str(limit - 1),
                        **reply.headers,
                    }
                    default_delay = fake.ncbi_delay
                delay = default_delay if reply.delay is None else reply.delay
                if delay:
                    time.sleep(delay)
                fake._leave(seen)
                left = True
                if reply.drop:
                    self.close_connection = True
                    with _suppress():
                        self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if reply.silent:
                    self.close_connection = True
                    fake.closing.wait()
                    return
                body = reply.encoded()
                if reply.truncate is not None:
                    body = body[: reply.truncate]
                if reply.gzip:
                    headers["Content-Encoding"] = "gzip"
                if reply.trickle is not None:
                    self.close_connection = True
                    self._trickle(reply, headers, body)
                    return
                self.send_response(reply.status)
                if reply.content_type:
                    self.send_header("Content-Type", reply.content_type)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                if not left:
                    fake._leave(seen)

        def _trickle(self, reply: Reply, headers: dict[str, str], body: bytes) -> None:
            lines = [f"HTTP/1.1 {reply.status} {self.responses.get(reply.status, ('',))[0]}"]
            if reply.content_type:
                lines.append(f"Content-Type: {reply.content_type}")
            lines += [f"{name}: {value}" for name, value in headers.items()]
            lines.append(f"Content-Length: {len(body)}")
            whole = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
            for i in range(len(whole)):
                if fake.closing.wait(reply.trickle):
                    return
                self.wfile.write(whole[i : i + 1])
                self.wfile.flush()

        do_GET = _handle
        do_POST = _handle

    return Handler


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
