"""Crossref REST API client: the only module that imports habanero.

`CrossrefClient.fetch(doi)` gets one `/works/{doi}` envelope; `fetch_many(dois)`
runs a batch with worker threads, paced by `pacing.Pacer` to the limits the
server advertises. The outcome for one DOI is a `Found` (the work) or a
`FetchFailed`: every habanero / httpx2 / JSON failure is translated here into one,
carrying a reason for a person and a failure kind:

- `not-found`  404 (`Resource not found.`): the DOI is not registered with Crossref
- `rejected`   400 or another 4xx: Crossref refused the request
- `mismatch`   Crossref answered with another work than the one asked for
- `network`    no usable answer after retries: timeouts, refused or dropped
               connections, 429 and 5xx, HTML pages, truncated or ill-shaped JSON

Retries: 429, 5xx and dropped connections are retried with exponential backoff
(`HttpOptions`), waiting at least a server's Retry-After; a 429 also pauses every
worker. A timeout is retried once; an answer past the deadline or larger than the
size limit is not retried. After a few DOIs in a row fail for network reasons, or a
few requests in a row get no answer at all, the rest of the batch is not tried and
retries under way stop (the service is down; no point waiting out every retry).

How requests are made: habanero stays the client (it builds the URL and the
User-Agent, checks the content type, parses the JSON and raises its errors), but
habanero 2.9.2 has no way to be given an HTTP client: for every request its
`request()` calls the module function `httpx2.get`, which builds a new
`httpx2.Client` (a connection pool and a TLS context loading the system's CA
certificates: 20-400 ms of CPU on a busy machine), sends one request, and closes the
connection. It also reads the whole body with no limit, bounds only each wait for the
network (a trickling server holds it forever), and returns only the parsed JSON, so
the advertised rate limits in the headers never reach the caller. So, while a request
runs, the name `httpx2` in habanero's request modules stands for `_HttpxForHabanero`,
whose `get` sends the request through this run's `http.Session` (one connection pool
for the batch, the deadline, the size limit) when the calling thread has one routed
to it, and is the real `httpx2.get` otherwise. Every answer passes through the
client, which reads the limits from its headers. habanero is pinned to the version
this was written against; installing the stand-in fails loudly if its request module
no longer uses `httpx2` that way.

How the rate limits are learnt: every answer's headers (`x-rate-limit-limit`,
`x-rate-limit-interval`, `x-concurrency-limit`) update them. Until the first answer,
a batch assumes the limits Crossref documents for the pool it asks in: the polite
pool's (10 requests/s, 3 at a time; Crossref allows 5) when a contact email is set,
so the first requests of the batch start at once, else the anonymous pool's (5/s,
1 at a time), and then the first DOI is asked alone so that its answer sizes the
worker pool. Requests that start before habanero is ready (it is imported in another
thread meanwhile) are sent through the session directly, with the User-Agent
habanero would send (so in the same pool); their answers are judged by the same code
as habanero's (status, content type, JSON).

DOIs are percent-encoded for the URL path before habanero sees them (habanero
does not encode: `#` and `?` would cut a DOI short) and passed as a list (a
string would be split on whitespace).
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from atlas_cli import __version__
from atlas_cli.core import jsonio
from atlas_cli.core.doi import doi_key
from atlas_cli.services.http import HttpFailure, Session, mask_url, redact, short_cause
from atlas_cli.services.pacing import (
    RETRY_STATUSES,
    TIMEOUT_RETRIES,
    GaveUp,
    HttpOptions,
    Limits,
    Pacer,
    Retry,
    limits_from_headers,
    parse_retry_after,
    with_retries,
)

if TYPE_CHECKING:
    import httpx2

# What Crossref documents for its pools (announced for December 2025), assumed until it
# advertises its limits: the polite pool allows 10 requests/s and 5 at once; atlas asks 3.
ANONYMOUS_LIMITS = Limits(limit=5, interval=1.0, concurrency=1)
POLITE_LIMITS = Limits(limit=10, interval=1.0, concurrency=3)
# Worker threads: as many as requests may be in flight (the limits known when the batch
# starts), at most MAX_WORKERS. A thread more than that only waits for a slot, and every
# release would wake it: on a busy machine each wake-up is a wait for a CPU.
MAX_WORKERS = 8
BREAKER_THRESHOLD = 3  # DOIs failing, or requests timing out, in a row before the rest of a batch is skipped
# Characters left as they are in the URL path; everything else (%, #, ?, space,
# <, >, [, ], ", {, }, |, \, ^, `, non-ASCII) is percent-encoded. `%` is encoded
# too, so an encoded DOI is never decoded twice.
_PATH_SAFE = "/:;()@!$&'*+,=~-._"


def encode_doi_path(doi: str) -> str:
    """DOI ready for the URL path: `10.1002/(sici)...<283::aid>...` -> `...%3C283::aid%3E...`."""
    return quote(doi, safe=_PATH_SAFE)


def check_service_url(url: str, variable: str, example: str) -> str:
    """URL if it is a usable http(s) base address, else a ConfigError naming VARIABLE."""
    from atlas_cli.core.errors import ConfigError

    problem = None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        problem = str(exc)
    else:
        if parts.scheme.lower() not in ("http", "https"):
            problem = "it must start with http:// or https://"
        elif not parts.hostname:
            problem = "it names no host"
        elif any(ch.isspace() or ord(ch) < 32 for ch in url.strip()):
            problem = "it contains spaces"
    if problem:
        raise ConfigError(
            f"{variable} is not a usable web address ({mask_url(url)!r}): {problem}",
            hint=f"set it to the service's base URL, e.g. {example}, or unset it for the default",
        )
    return url


def user_agent_suffix() -> str:
    return f"atlas/{__version__} (+https://www.mecfsatlas.com)"


@dataclass(frozen=True)
class Found:
    """Crossref's work for one DOI."""

    asked: str
    envelope: dict[str, Any]  # the raw JSON answer; its `message` is the work
    via_redirect: bool = False  # Crossref redirected the asked DOI (an alias) to this work
    from_cache: bool = False

    @property
    def work(self) -> dict[str, Any]:
        work: dict[str, Any] = self.envelope["message"]
        return work


@dataclass(frozen=True)
class FetchFailed:
    """No usable work for one DOI, and why."""

    asked: str
    reason: str  # for a person
    kind: str  # not-found, rejected, mismatch, network (offline: `atlas add --offline`)


Fetched = Found | FetchFailed  # the outcome of asking Crossref for one DOI


class _Fail(Exception):
    def __init__(self, reason: str, kind: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


class _Redirect(Exception):
    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


def check_envelope(asked: str, data: Any, *, via_redirect: bool = False) -> Fetched:
    """A parsed answer judged: is it a work, and the work that was asked for?"""
    if not isinstance(data, dict):
        return FetchFailed(asked, f"Crossref answered with a JSON {type(data).__name__}, not a work", "network")
    message = data.get("message")
    if data.get("status") != "ok" or not isinstance(message, dict) or data.get("message-type", "work") != "work":
        if data.get("status") == "ok" and data.get("message-type", "work") == "work" and not isinstance(message, dict):
            shape = "null" if message is None else f"a JSON {type(message).__name__}"
            return FetchFailed(asked, f"Crossref answered 'ok' with no work in it (message is {shape})", "network")
        what = data.get("message-type") or type(message).__name__
        return FetchFailed(asked, f"Crossref answered with something other than a work ({what})", "network")
    returned = message.get("DOI")
    if not isinstance(returned, str) or not returned.strip():
        return FetchFailed(asked, "Crossref's answer has no DOI; not trusting it", "network")
    if doi_key(returned) != doi_key(asked):
        listed = message.get("aliases")
        aliases = listed if isinstance(listed, list) else []
        known_alias = via_redirect or any(isinstance(a, str) and doi_key(a) == doi_key(asked) for a in aliases)
        if not known_alias:
            return FetchFailed(
                asked,
                (
                    f"Crossref answered with a different work ({returned}) that does not "
                    f"list {asked} as an alias; not creating a record"
                ),
                "mismatch",
            )
        return Found(asked, data, via_redirect=True)
    return Found(asked, data, via_redirect=via_redirect)


def _describe_body(text: str) -> str:
    """A short, safe description of an unexpected response body."""
    stripped = (text or "").strip()
    if not stripped:
        return "an empty body"
    if stripped[:1] == "<" or "<html" in stripped[:500].lower():
        title = re.search(r"<title[^>]*>(.*?)</title>", stripped, re.IGNORECASE | re.DOTALL)
        label = re.sub(r"\s+", " ", title.group(1)).strip()[:80] if title else ""
        return f"an HTML page ({label})" if label else "an HTML page"
    first = re.sub(r"\s+", " ", stripped)[:100]
    return f"'{first}'"


def _json_error_message(text: str) -> str | None:
    """The message of a Crossref JSON error body, if it is one."""
    try:
        data = jsonio.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    message = data.get("message")
    if isinstance(message, str):
        return message
    if isinstance(message, list) and message and isinstance(message[0], dict):
        return str(message[0].get("message") or message[0].get("type") or "")
    if isinstance(message, dict):
        return str(message.get("message") or message.get("name") or "")
    return None


# --- habanero's requests through the run's session (see the module doc) ---------------------


class _Route(threading.local):
    """The session (and the answer hook) that habanero's requests in this thread go through."""

    session: Session | None = None
    on_response: Callable[[httpx2.Response], None] | None = None


_route = _Route()
_install_lock = threading.Lock()


class _HttpxForHabanero:
    """Stands for the `httpx2` module in habanero's request modules: `get` goes through the
    session routed to the calling thread, if any; every other name is httpx2's own."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        session, on_response = _route.session, _route.on_response
        if session is None:
            return self._real.get(url, params=params, headers=headers, **kwargs)
        response = session.request("GET", url, params=params, headers=headers)
        if on_response is not None:
            on_response(response)
        return response


def _route_habanero() -> None:
    """Put `_HttpxForHabanero` in habanero's request modules (once per process)."""
    import habanero.request
    import habanero.request_class
    import httpx2

    with _install_lock:
        for module in (habanero.request, habanero.request_class):
            current = getattr(module, "httpx2", None)
            if isinstance(current, _HttpxForHabanero):
                continue
            if current is not httpx2:
                raise RuntimeError(
                    f"{module.__name__} no longer sends its requests with httpx2.get; "
                    "atlas cannot bound their time and size (check the pinned habanero version)"
                )
            module.httpx2 = _HttpxForHabanero(httpx2)


class CrossrefClient:
    """Fetches works from one Crossref REST API (or a mirror, or a test server)."""

    def __init__(
        self, base_url: str, mailto: str | None, options: HttpOptions, stop: threading.Event | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.mailto = mailto
        self.options = options
        self.stop = stop or threading.Event()
        self.pacer = Pacer(POLITE_LIMITS if mailto else ANONYMOUS_LIMITS)
        self.notes: list[str] = []  # things worth telling the user once (e.g. limits not advertised)
        self._lock = threading.Lock()
        self._habanero_lock = threading.Lock()
        self._network_failures_in_a_row = 0
        self._timeouts_in_a_row = 0
        self._last_network_reason = ""
        self._answers = 0
        self._cr: Any = None  # habanero's Crossref client (habanero has no type hints)
        self._warming = False  # habanero is being made ready in another thread
        self._session: Session | None = None
        self._agent: str | None = None

    # --- one request ---------------------------------------------------------------

    def _ready(self) -> tuple[Any, Session]:
        """habanero's client and the run's session, built once (and before a request is paced,
        so the import and set-up time never sits between the pacer's go and the request leaving)."""
        with self._habanero_lock:  # not self._lock: the first request goes on while habanero is imported
            if self._cr is None:
                from habanero import Crossref

                _route_habanero()
                self._cr = Crossref(
                    base_url=self.base_url,
                    mailto=self.mailto,
                    ua_string=user_agent_suffix(),
                    timeout=self.options.timeout,
                )
        return self._cr, self._session_ready()

    def _session_ready(self) -> Session:
        with self._lock:
            if self._session is None:
                self._session = Session("Crossref", self.base_url, self.options)
            return self._session

    def _user_agent(self) -> dict[str, str]:
        """The headers habanero sends (its make_ua), without importing habanero."""
        if self._agent is None:
            from importlib.metadata import version

            agent = f"python-httpx2/{version('httpx2')} habanero/{version('habanero')}"
            if self.mailto:
                agent += f" (mailto:{self.mailto})"
            self._agent = agent + " " + user_agent_suffix()
        return {"User-Agent": self._agent, "X-USER-AGENT": self._agent}

    def close(self) -> None:
        """Close the run's connections (a later request opens new ones)."""
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

    def _answered(self, response: httpx2.Response) -> None:
        """Every answer: the service is there, and its headers may carry new limits."""
        with self._lock:
            self._timeouts_in_a_row = 0
            self._answers += 1
            first = self._answers == 1
        limits = limits_from_headers(response.headers, self.pacer.limits)
        if first and not limits.advertised and not self.pacer.limits.advertised:
            self.notes.append(f"Crossref did not advertise rate limits; assuming {limits.describe()}")
        if limits != self.pacer.limits:
            self.pacer.update(limits)

    def _go(self, first: bool) -> None:
        """Wait for the pacer's go; raise _Fail if the run stopped or the service is down.

        The breaker is checked once the pacer lets the request go: requests that waited
        for a slot while the service stopped answering are not sent."""
        if not self.pacer.acquire(self.stop):
            raise _Fail("interrupted", "network")
        down = self.service_down()
        if down:
            self.pacer.release()
            raise _Fail(f"{'not tried' if first else 'stopped retrying'}: Crossref is failing ({down})", "network")

    def _get_direct(self, doi: str, first: bool) -> Any:
        """One paced GET /works/{doi} through the session alone (the first DOI of a batch, see the
        module doc); the answer is judged as `_get_once` judges habanero's."""
        session, headers = self._session_ready(), self._user_agent()
        self._go(first)
        try:
            response = session.request("GET", f"{self.base_url}/works/{encode_doi_path(doi)}", headers=headers)
        except HttpFailure as failure:
            raise self._after_failure(failure) from None
        finally:
            self.pacer.release()
        self._answered(response)
        if response.status_code > 201:  # habanero's request(): anything else raises for its status
            self._raise_for_status(response.status_code, response.text, response.headers)
        if not response.headers.get("content-type", "").startswith("application/json"):
            raise Retry(
                f"Crossref answered with {_describe_body(response.text)} instead of JSON (HTTP {response.status_code})",
                status=response.status_code,
            )
        try:
            return jsonio.loads(response.content)
        except ValueError as exc:
            raise Retry(f"Crossref's answer is not valid JSON (truncated?): {exc}") from exc

    def _get_once(self, doi: str, first: bool) -> Any:
        """One paced GET /works/{doi} through habanero; returns parsed JSON or raises Retry/_Fail/_Redirect."""
        import httpx2
        from habanero.exceptions import RequestError as HabaneroRequestError

        cr, session = self._ready()
        path_id = encode_doi_path(doi)
        self._go(first)
        _route.session, _route.on_response = session, self._answered
        try:
            answer = cr.works(ids=[path_id])
            if jsonio.too_deep(answer):
                raise jsonio.TooDeep(f"JSON nested more than {jsonio.MAX_DEPTH} levels deep")
            return answer
        except RecursionError:  # habanero's own parse of `[[[[...`
            raise Retry(
                f"Crossref's answer is not valid JSON: nested more than {jsonio.MAX_DEPTH} levels deep"
            ) from None
        except HttpFailure as failure:
            raise self._after_failure(failure) from None
        except httpx2.HTTPStatusError as exc:
            response = exc.response
            self._raise_for_status(response.status_code, response.text, response.headers)
        except httpx2.HTTPError as exc:  # habanero's own request, without a session (not expected)
            raise Retry(f"the connection to Crossref failed ({type(exc).__name__}: {short_cause(exc)})") from exc
        except HabaneroRequestError as exc:  # a 2xx whose Content-Type is not JSON
            raise Retry(
                f"Crossref answered with {_describe_body(str(exc.error))} instead of JSON (HTTP {exc.status_code})",
                status=exc.status_code,
            ) from exc
        except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise Retry(f"Crossref's answer is not valid JSON (truncated?): {exc}") from exc
        except (KeyError, TypeError) as exc:  # habanero reading a response without Content-Type
            raise Retry(f"Crossref's answer could not be read ({type(exc).__name__}: {exc})") from exc
        finally:
            _route.session = _route.on_response = None
            self.pacer.release()

    def _after_failure(self, failure: HttpFailure) -> Exception:
        """What a failed request means for retries: Retry (with the retries it deserves) or _Fail."""
        if failure.kind in ("timeout", "deadline"):
            with self._lock:
                self._timeouts_in_a_row += 1
                self._last_network_reason = failure.reason
        if failure.kind == "timeout":
            return Retry(failure.reason, limit=TIMEOUT_RETRIES)
        if failure.kind in ("connect", "dropped"):
            return Retry(failure.reason)
        return _Fail(failure.reason, "network")  # past the deadline, too large, an unasked-for encoding

    def _raise_for_status(self, status: int, text: str, headers: Mapping[str, str]) -> None:
        if 300 <= status < 400:
            location = headers.get("location") or ""
            path = urlsplit(location).path
            if "/works/" in path:
                raise _Redirect(unquote(path.split("/works/", 1)[1]))
            raise _Fail(f"Crossref redirected to {location or 'nowhere'} (HTTP {status})", "network")
        if status == 404:
            body = (text or "").strip()
            detail = body if body and len(body) < 100 and "<" not in body else "Resource not found."
            raise _Fail(
                f"not found in Crossref (404 {detail}); check the DOI, or it may be registered "
                "with another agency (DataCite, mEDRA)",
                "not-found",
            )
        if status in RETRY_STATUSES:
            wait = parse_retry_after(headers.get("retry-after"))
            message = _json_error_message(text)
            detail = f": {message}" if message else f" with {_describe_body(text)}" if text.strip() else ""
            label = "too many requests (429)" if status == 429 else f"Crossref server error (HTTP {status}{detail})"
            raise Retry(label, wait=wait, status=status)
        message = _json_error_message(text)
        detail = message or _describe_body(text)
        raise _Fail(f"Crossref refused the request (HTTP {status}: {detail})", "rejected")

    # --- one DOI, with retries and aliases -------------------------------------------

    def fetch(self, doi: str, direct: bool = False) -> Fetched:
        """The work for DOI, or a Fetched saying why not (never raises for the network).
        DIRECT: through the session alone, not habanero (the first DOI of a batch)."""
        asked = doi
        via_redirect = False
        target = doi
        for _hop in range(3):
            try:
                data = self._with_retries(target, direct)
            except _Redirect as redirect:
                if doi_key(redirect.target) == doi_key(target):
                    return self._failed(asked, "Crossref redirected the DOI to itself", "network")
                target, via_redirect = redirect.target, True
                continue
            except _Fail as failure:
                return self._failed(asked, failure.reason, failure.kind)
            result = check_envelope(asked, data, via_redirect=via_redirect)
            if isinstance(result, FetchFailed):
                return self._failed(asked, result.reason, result.kind)
            return self._succeeded(result)
        return self._failed(asked, "Crossref redirected too many times", "network")

    def _with_retries(self, doi: str, direct: bool) -> Any:
        attempts = 0
        get = self._get_direct if direct else self._get_once

        def attempt() -> Any:
            nonlocal attempts
            attempts += 1
            return get(doi, attempts == 1)

        try:
            return with_retries(
                attempt,
                self.options,
                self.pacer,
                self.stop,
                halt=lambda: self.service_down() is not None,
            )
        except GaveUp as gave_up:
            if gave_up.reason == "interrupted":
                raise _Fail("interrupted", "network") from None
            tries = f" after {gave_up.attempts} attempts" if gave_up.attempts > 1 else ""
            raise _Fail(f"{gave_up.reason}{tries}", "network") from None

    def _failed(self, asked: str, reason: str, kind: str) -> FetchFailed:
        reason = redact(reason)
        with self._lock:
            if kind == "network":
                self._network_failures_in_a_row += 1
                self._last_network_reason = reason
            else:
                self._network_failures_in_a_row = 0
        return FetchFailed(asked, reason, kind)

    def _succeeded(self, result: Found) -> Found:
        with self._lock:
            self._network_failures_in_a_row = 0
        return result

    def service_down(self) -> str | None:
        """Why the rest of the batch is not worth trying, or None."""
        with self._lock:
            if max(self._network_failures_in_a_row, self._timeouts_in_a_row) >= BREAKER_THRESHOLD:
                return self._last_network_reason
        return None

    # --- batches -------------------------------------------------------------------------

    def fetch_many(self, dois: list[str]) -> Iterator[Fetched]:
        """Fetch every DOI, yielding results as they complete (not in input order).

        habanero is made ready in another thread meanwhile; in the anonymous pool the
        first DOI is asked alone, so the limits its answer advertises size the workers
        (see the module doc)."""
        if not dois:
            return
        try:
            first: list[Fetched] = []
            if len(dois) > 1 and self._cr is None:
                with contextlib.suppress(Exception):  # a failure shows again, as the first DOI's
                    self._session_ready()  # the direct requests' own imports and client, before...
                    self._user_agent()
                self._warming = True
                threading.Thread(target=self._warm, name="crossref-warm", daemon=True).start()  # ...habanero's
                if self.pacer.limits.concurrency == 1 and not self.pacer.limits.advertised:
                    first.append(self._fetch_guarded(dois[0]))
                    dois = dois[1:]
            yield from self._fetch_in_parallel(dois, first)
        finally:
            self.close()

    def _warm(self) -> None:
        # A failure here shows again, as a DOI's failure, when a worker needs habanero.
        with contextlib.suppress(Exception):
            self._ready()

    def _fetch_guarded(self, doi: str) -> Fetched:
        """`fetch` (directly while habanero is not ready yet), with an unexpected failure made
        that DOI's failure (a batch never loses a DOI)."""
        try:
            return self.fetch(doi, direct=self._warming and self._cr is None)
        except Exception as exc:  # noqa: BLE001 - never lose a DOI to an unexpected failure in a worker
            return self._failed(
                doi, f"the request could not be made ({type(exc).__name__}: {short_cause(exc)})", "network"
            )

    def _fetch_in_parallel(self, dois: list[str], done_already: list[Fetched]) -> Iterator[Fetched]:
        """DONE_ALREADY, then DOIS fetched by worker threads (started before anything is yielded,
        so the consumer's work on a result never holds the requests back)."""
        done: queue.Queue[Fetched] = queue.Queue()
        todo: queue.Queue[str] = queue.Queue()
        for fetched in done_already:
            done.put(fetched)
        for doi in dois:
            todo.put(doi)

        def worker() -> None:
            while not self.stop.is_set():
                try:
                    doi = todo.get_nowait()
                except queue.Empty:
                    return
                down = self.service_down()
                if down:
                    done.put(FetchFailed(doi, f"not tried: Crossref is failing ({down})", "network"))
                    continue
                done.put(self._fetch_guarded(doi))

        workers = [
            threading.Thread(target=worker, name=f"crossref-{i}", daemon=True)
            for i in range(min(len(dois), MAX_WORKERS, self.pacer.limits.concurrency))
        ]
        for thread in workers:
            thread.start()
        try:
            for _ in range(len(done_already) + len(dois)):
                while True:
                    try:
                        yield done.get(timeout=0.2)
                        break
                    except queue.Empty:
                        if not any(t.is_alive() for t in workers) and done.empty():
                            return
        finally:
            if any(t.is_alive() for t in workers):  # the consumer stopped early (Ctrl-C)
                self.stop.set()
