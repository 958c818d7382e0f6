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

Retries: 429, 5xx, timeouts, dropped connections and unreadable bodies are retried
with exponential backoff (`HttpOptions`), waiting at least a server's Retry-After;
a 429 also pauses every worker. After a few DOIs in a row fail for network
reasons, the rest of the batch is not tried (the service is down; no point
waiting out every retry).

How the rate limits are learnt: habanero returns only the parsed JSON of a
successful response; its `works()` calls the module function `httpx2.get` and
offers no hook for a client, a transport or the response headers. So the first
DOI of a batch is asked directly with httpx2 (habanero's own HTTP library, so no
new dependency), at the same URL and with the same User-Agent (and so in the same
pool) as habanero's requests, and `x-rate-limit-limit`, `x-rate-limit-interval`
and `x-concurrency-limit` are read from that answer. A clean answer is used as
that DOI's work (so learning the limits costs no extra request); a 404/4xx is
translated like any other; anything else is asked again through habanero with
its retries. Error responses (whose headers httpx2's HTTPStatusError exposes)
refresh the limits too. Until limits are known (a single DOI, or a first answer
without them), the client assumes the anonymous pool's limits: 5 requests/s, 1
at a time.

DOIs are percent-encoded for the URL path before habanero sees them (habanero
does not encode: `#` and `?` would cut a DOI short) and passed as a list (a
string would be split on whitespace).
"""

from __future__ import annotations

import json
import queue
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from atlas_cli import __version__
from atlas_cli.core.doi import doi_key
from atlas_cli.services.pacing import (
    RETRY_STATUSES,
    GaveUp,
    HttpOptions,
    Limits,
    Pacer,
    Retry,
    limits_from_headers,
    parse_retry_after,
    with_retries,
)

ANONYMOUS_LIMITS = Limits(limit=5, interval=1.0, concurrency=1)
MAX_WORKERS = 8
BREAKER_THRESHOLD = 3  # network failures in a row before the rest of a batch is skipped
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
            f"{variable} is not a usable web address ({url!r}): {problem}",
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
        data = json.loads(text)
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


class CrossrefClient:
    """Fetches works from one Crossref REST API (or a mirror, or a test server)."""

    def __init__(
        self, base_url: str, mailto: str | None, options: HttpOptions, stop: threading.Event | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.mailto = mailto
        self.options = options
        self.stop = stop or threading.Event()
        self.pacer = Pacer(ANONYMOUS_LIMITS)
        self.notes: list[str] = []  # things worth telling the user once (e.g. limits not advertised)
        self._lock = threading.Lock()
        self._network_failures_in_a_row = 0
        self._last_network_reason = ""
        self._cr: Any = None  # habanero's Crossref client (habanero has no type hints)

    # --- one request ---------------------------------------------------------------

    def _habanero(self) -> Any:
        """The habanero client, built once (and before a request is paced, so the
        import time never sits between the pacer's start and the request leaving)."""
        if self._cr is None:
            from habanero import Crossref

            self._cr = Crossref(
                base_url=self.base_url, mailto=self.mailto, ua_string=user_agent_suffix(), timeout=self.options.timeout
            )
        return self._cr

    def _headers(self) -> dict[str, str]:
        import habanero
        import httpx2

        ua = f"python-httpx2/{httpx2.__version__} habanero/{habanero.__version__}"
        if self.mailto:
            ua += f" (mailto:{self.mailto})"
        ua += " " + user_agent_suffix()
        return {"User-Agent": ua, "X-USER-AGENT": ua}

    def _get_once(self, doi: str) -> Any:
        """One paced GET /works/{doi}; returns parsed JSON or raises Retry/_Fail/_Redirect."""
        import httpx2
        from habanero.exceptions import RequestError as HabaneroRequestError

        with self._lock:
            cr = self._habanero()
        path_id = encode_doi_path(doi)
        if not self.pacer.acquire(self.stop):
            raise _Fail("interrupted", "network")
        try:
            return cr.works(ids=[path_id])
        except httpx2.HTTPStatusError as exc:
            response = exc.response
            self.pacer.update(limits_from_headers(response.headers, self.pacer.limits))
            self._raise_for_status(response.status_code, response.text, response.headers)
        except httpx2.TimeoutException as exc:
            raise Retry(f"no answer from Crossref within {self.options.timeout:g}s (timeout)") from exc
        except httpx2.ConnectError as exc:
            host = urlsplit(self.base_url).netloc
            raise Retry(f"cannot connect to {host} ({_short_cause(exc)})") from exc
        except httpx2.HTTPError as exc:  # dropped connection, protocol error, too many redirects
            raise Retry(f"the connection to Crossref failed ({type(exc).__name__}: {_short_cause(exc)})") from exc
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
            self.pacer.release()

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

    def fetch(self, doi: str) -> Fetched:
        """The work for DOI, or a Fetched saying why not (never raises for the network)."""
        asked = doi
        via_redirect = False
        target = doi
        for _hop in range(3):
            try:
                data = self._with_retries(target)
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

    def _with_retries(self, doi: str) -> Any:
        try:
            return with_retries(lambda: self._get_once(doi), self.options, self.pacer, self.stop)
        except GaveUp as gave_up:
            if gave_up.reason == "interrupted":
                raise _Fail("interrupted", "network") from None
            tries = f" after {gave_up.attempts} attempts" if gave_up.attempts > 1 else ""
            raise _Fail(f"{gave_up.reason}{tries}", "network") from None

    def _failed(self, asked: str, reason: str, kind: str) -> FetchFailed:
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
        with self._lock:
            if self._network_failures_in_a_row >= BREAKER_THRESHOLD:
                return self._last_network_reason
        return None

    # --- limits and batches ------------------------------------------------------------

    def probe_limits(self, first_doi: str) -> Fetched | None:
        """Read the advertised limits from a direct request for FIRST_DOI (see the module doc).

        A clean answer (200, a JSON work, the DOI asked) is returned and used as that
        DOI's answer, so the probe costs nothing; a 404/4xx is returned as that DOI's
        failure; anything else (429, 5xx, redirect, odd body) returns None and the DOI
        is fetched through habanero like the others, with its retries.
        """
        import httpx2

        # habanero is imported meanwhile, and the client (with its TLS context) is built
        # before the pacer starts the clock, so the request leaves when the pacer says.
        warm = threading.Thread(target=self._warm, daemon=True)
        warm.start()
        client = httpx2.Client(headers=self._headers(), timeout=self.options.timeout)
        try:
            if not self.pacer.acquire(self.stop):
                return None
            try:
                response = client.get(f"{self.base_url}/works/{encode_doi_path(first_doi)}")
                text = response.text
            except (httpx2.HTTPError, httpx2.InvalidURL) as exc:
                self.notes.append(
                    f"could not read Crossref's rate limits ({type(exc).__name__}); "
                    f"assuming {ANONYMOUS_LIMITS.describe()}"
                )
                return None
            finally:
                self.pacer.release()
        finally:
            client.close()
            warm.join()
        limits = limits_from_headers(response.headers, ANONYMOUS_LIMITS)
        if not limits.advertised:
            self.notes.append(f"Crossref did not advertise rate limits; assuming {limits.describe()}")
        self.pacer.update(limits)
        if response.status_code != 200:
            try:
                self._raise_for_status(response.status_code, text, response.headers)
            except _Fail as failure:
                return self._failed(first_doi, failure.reason, failure.kind)
            except (Retry, _Redirect):
                return None
            return None
        if not response.headers.get("content-type", "").startswith("application/json"):
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        result = check_envelope(first_doi, data)
        return self._succeeded(result) if isinstance(result, Found) else None

    def _warm(self) -> None:
        with self._lock:
            self._habanero()

    def fetch_many(self, dois: list[str]) -> Iterator[Fetched]:
        """Fetch every DOI, yielding results as they complete (not in input order)."""
        if not dois:
            return
        done: queue.Queue[Fetched] = queue.Queue()
        todo: queue.Queue[str] = queue.Queue()
        if len(dois) > 1:
            first = self.probe_limits(dois[0])
            if first is not None:
                done.put(first)
                dois = dois[1:]
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
                try:
                    done.put(self.fetch(doi))
                except Exception as exc:  # noqa: BLE001 - never lose a DOI to an unexpected failure in a worker
                    done.put(
                        self._failed(
                            doi, f"the request could not be made ({type(exc).__name__}: {_short_cause(exc)})", "network"
                        )
                    )

        workers = [
            threading.Thread(target=worker, name=f"crossref-{i}", daemon=True)
            for i in range(min(len(dois), MAX_WORKERS))
        ]
        total = done.qsize() + len(dois)
        for thread in workers:
            thread.start()
        try:
            for _ in range(total):
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


def _short_cause(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if "refused" in text.lower():
        return "connection refused"
    if "name or service not known" in text.lower() or "nodename nor servname" in text.lower():
        return "unknown host"
    return re.sub(r"\s+", " ", text)[:120]
