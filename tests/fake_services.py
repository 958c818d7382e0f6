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

E-utilities side (under `ncbi_url`), GET or POST:
- `esearch.fcgi`: finds every `"<doi>"[doi]` (or bare `<doi>[doi]`) term of
  `term` and answers the PMIDs registered with `add_pubmed()`.
- `esummary.fcgi`: answers `result[<pmid>]` with `articleids` (the DOI),
  `fulljournalname`, `source` (NLM abbreviation), `title` and `pubdate` for the `id` list.
- `ncbi_script(*replies)` overrides both (failure tests).

A `Reply` describes any answer: status, body (dict/list -> JSON, str, bytes),
content type, extra headers, delay, `truncate` (send only the first N bytes,
with a matching Content-Length) and `drop` (close the connection without a
word). `delay` (constructor) is the default delay of every answer.

Everything the server saw is in `requests` (`Seen`: service, method, raw path,
query, form, headers, start/end times); `count()`, `max_concurrency()` and
`max_in_window()` summarise it. In-flight requests are counted from arrival
until just before the response is written, so a client that waits for each
answer never appears to exceed its own concurrency.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

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

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body).encode("utf-8")


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


class FakeServices:
    def __init__(
        self, *, delay: float = 0.0, headers: dict[str, str] | None = None, ncbi_delay: float | None = None
    ) -> None:
        self.delay = delay
        self.ncbi_delay = delay if ncbi_delay is None else ncbi_delay
        self.headers = dict(POLITE_HEADERS if headers is None else headers)
        self.works: dict[str, dict] = {}
        self.scripts: dict[str, list[Reply]] = {}
        self.aliases: dict[str, str] = {}
        self.pubmed: dict[str, dict] = {}  # pmid -> summary item
        self.pubmed_by_doi: dict[str, str] = {}
        self.ncbi_replies: list[Reply] = []
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._in_flight = {"crossref": 0, "ncbi": 0}
        self._max_in_flight = {"crossref": 0, "ncbi": 0}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

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
        self.pubmed_by_doi[doi.lower()] = pmid
        self.pubmed[pmid] = {
            "uid": pmid,
            "pubdate": pubdate,
            "title": title,
            "fulljournalname": journal,
            "source": abbrev or journal[:20],
            "articleids": [
                {"idtype": "pubmed", "idtypen": 1, "value": pmid},
                {"idtype": "doi", "idtypen": 3, "value": doi},
            ],
        }

    def ncbi_script(self, *replies: Reply) -> None:
        self.ncbi_replies = list(replies)

    # --- lifecycle ------------------------------------------------------------------

    def start(self) -> FakeServices:
        handler = _make_handler(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
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

    def env(self) -> dict[str, str]:
        return {"ATLAS_CROSSREF_URL": self.crossref_url, "ATLAS_NCBI_URL": self.ncbi_url}

    # --- what was seen --------------------------------------------------------------

    def seen(self, service: str | None = None, contains: str = "") -> list[Seen]:
        with self._lock:
            return [
                s for s in self.requests if (service is None or s.service == service) and contains in unquote(s.path)
            ]

    def count(self, service: str | None = None, contains: str = "") -> int:
        return len(self.seen(service, contains))

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
            self._max_in_flight = {"crossref": 0, "ncbi": 0}

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
        if raw_path.endswith("/esearch.fcgi"):
            term = " ".join(params.get("term", []))
            dois = re.findall(r'"([^"]+)"\[doi\]|(\S+)\[doi\]', term)
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
        if raw_path.endswith("/esummary.fcgi"):
            ids = [i for v in params.get("id", []) for i in v.split(",") if i]
            result: dict[str, Any] = {"uids": [i for i in ids if i in self.pubmed]}
            for pmid in result["uids"]:
                result[pmid] = self.pubmed[pmid]
            return Reply(body={"header": {"type": "esummary", "version": "0.3"}, "result": result})
        return Reply(status=400, body={"error": "unknown tool"})


def _make_handler(fake: FakeServices):
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeServices/1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            form: dict[str, list[str]] = {}
            if self.command == "POST":
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode("utf-8"), keep_blank_values=True)
            service = "crossref" if parts.path.startswith("/crossref") else "ncbi"
            seen = Seen(
                service,
                self.command,
                parts.path,
                parse_qs(parts.query),
                form,
                {k.lower(): v for k, v in self.headers.items()},
                time.monotonic(),
            )
            fake._enter(seen)
            left = False
            try:
                if service == "crossref":
                    reply = fake.crossref_reply(parts.path)
                    headers = {**fake.headers, **reply.headers}
                    default_delay = fake.delay
                else:
                    reply = fake.ncbi_reply(parts.path, {**parse_qs(parts.query), **form})
                    headers = dict(reply.headers)
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
                body = reply.encoded()
                if reply.truncate is not None:
                    body = body[: reply.truncate]
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
