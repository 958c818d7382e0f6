"""NCBI's web services, asked as NCBI asks: the one request path of pubmed.py and idconv.py.

- Every request names atlas (`tool=atlas`) and its maintainer (`email`, the
  atlas's `mailto`); with `ATLAS_NCBI_API_KEY` set, the key is sent as `api_key`.
- Requests are paced under NCBI's limits: 3 requests/s without an API key, 10/s
  with one (the E-utilities usage guidelines), spread out with a margin.
  NCBI also states the limit in an `X-RateLimit-Limit` header; when an answer
  carries it, the pacer follows it.
- 429 (NCBI's `{"error": "API rate limit exceeded", ...}`), 5xx, dropped
  connections and bodies that cannot be read (a truncated answer) are retried with
  backoff (`pacing.with_retries`); a 429 pauses every request of the run. A timeout
  is retried once; an answer past the deadline or over the size limit is not.
- Requests go through one `http.Session` per connection: its connections are
  reused, and each request is bounded by the deadline and the size limit.
- Whatever still fails becomes an `NcbiError` with a sentence for a person, never
  a traceback. Callers decide what a failure means (a warning for `atlas add`'s
  enrichment, exit 3 for `atlas discover`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from atlas_cli.core import jsonio
from atlas_cli.services.http import HttpFailure, Session, redact
from atlas_cli.services.pacing import (
    RETRY_STATUSES,
    TIMEOUT_RETRIES,
    GaveUp,
    HttpOptions,
    Limits,
    Pacer,
    Retry,
    parse_retry_after,
    with_retries,
)

# NCBI counts requests per second and answers any over its limit with a 429 that says
# nothing of when to come back: atlas spaces them as if a second were 1.05 s (on top of
# the pacer's own margin), so arrivals bunched by the network or a busy server still stay
# under the limit. NCBI limits the rate only: at most as many requests are in flight as
# the rate allows per second.
INTERVAL = 1.05
NCBI_LIMITS = Limits(limit=3, interval=INTERVAL, concurrency=3)
NCBI_KEY_LIMITS = Limits(limit=10, interval=INTERVAL, concurrency=10)
API_KEY_VARIABLE = "ATLAS_NCBI_API_KEY"


class NcbiError(Exception):
    """NCBI could not be asked, or answered something unusable: REASON says which, for a person."""

    def __init__(self, reason: str) -> None:
        reason = redact(reason)  # no password of a service address in a message
        super().__init__(reason)
        self.reason = reason


class TooLarge(NcbiError):
    """An answer larger than the session reads (ATLAS_HTTP_MAX_MB): never retried as it is."""


@dataclass(frozen=True)
class NcbiAccess:
    """Who is asking: sent with every request, as NCBI asks."""

    mailto: str | None = None
    api_key: str | None = None
    tool: str = "atlas"

    @classmethod
    def from_env(cls, mailto: str | None, env: Mapping[str, str]) -> NcbiAccess:
        key = (env.get(API_KEY_VARIABLE) or "").strip()
        return cls(mailto=mailto, api_key=key or None)

    @property
    def limits(self) -> Limits:
        return NCBI_KEY_LIMITS if self.api_key else NCBI_LIMITS

    def params(self) -> dict[str, str]:
        params = {"tool": self.tool}
        if self.mailto:
            params["email"] = self.mailto
        if self.api_key:
            params["api_key"] = self.api_key
        return params


def read_json(body: bytes) -> Any:
    """The JSON of a body; a body that is not JSON (cut short, an HTML error page) is worth a retry."""
    try:
        return jsonio.loads(body)
    except ValueError as exc:
        raise Retry(f"the answer is not complete JSON ({exc})") from None


def advertised_limits(headers: Mapping[str, str], current: Limits) -> Limits | None:
    """The limits an `X-RateLimit-Limit: N` header states (N per second, kept with atlas's margin), if new."""
    raw = next((v for k, v in headers.items() if k.lower() == "x-ratelimit-limit"), None)
    try:
        limit = int(str(raw).strip())
    except ValueError:
        return None
    if limit <= 0 or limit == current.limit:
        return None
    return Limits(limit=limit, interval=INTERVAL, concurrency=limit, advertised=True)


class NcbiConnection:
    """Requests to one NCBI service (a base URL): paced, retried, translated into NcbiError."""

    def __init__(
        self,
        base_url: str,
        name: str,
        access: NcbiAccess,
        options: HttpOptions,
        stop: threading.Event | None = None,
        pacer: Pacer | None = None,
        retries: int | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.name = name  # how messages call the service: "PubMed", "the PMC ID converter"
        self.access = access
        self.options = options
        self.stop = stop or threading.Event()
        self.pacer = pacer or Pacer(access.limits)
        self.retries = retries
        self._session: Session | None = None
        self._lock = threading.Lock()

    def session(self) -> Session:
        """The connection pool of this service, made on first use."""
        with self._lock:
            if self._session is None:
                self._session = Session(self.name, self.base_url, self.options)
            return self._session

    def close(self) -> None:
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

    def request(
        self,
        path: str,
        params: Mapping[str, str],
        *,
        method: str = "POST",
        parse: Callable[[bytes], Any] = read_json,
    ) -> Any:
        """The parsed answer of PATH (e.g. `esearch.fcgi`) to PARAMS; raises NcbiError.

        PARSE turns the body into data and raises `Retry` for a body worth asking again for.
        """
        url = f"{self.base_url}/{path}" if path else self.base_url + "/"
        fields = {**params, **self.access.params()}
        session = self.session()

        def attempt() -> Any:
            if not self.pacer.acquire(self.stop):
                raise NcbiError("interrupted")
            try:
                if method == "POST":
                    response = session.request("POST", url, data=fields)
                else:
                    response = session.request("GET", url, params=fields)
                body = response.content
            except HttpFailure as failure:
                if failure.kind == "timeout":
                    raise Retry(failure.reason, limit=TIMEOUT_RETRIES) from None
                if failure.kind in ("connect", "dropped"):
                    raise Retry(failure.reason) from None
                if failure.kind == "too-large":
                    raise TooLarge(failure.reason) from None
                raise NcbiError(failure.reason) from None
            finally:
                self.pacer.release()
            limits = advertised_limits(response.headers, self.pacer.limits)
            if limits is not None:
                self.pacer.update(limits)
            if response.status_code in RETRY_STATUSES:
                wait = parse_retry_after(response.headers.get("retry-after"))
                said = _error_text(body)
                raise Retry(
                    f"{self.name} answered HTTP {response.status_code}" + (f" ({said})" if said else ""),
                    wait,
                    response.status_code,
                )
            if response.status_code != 200:
                said = _error_text(body)
                raise NcbiError(f"{self.name} answered HTTP {response.status_code}" + (f": {said}" if said else ""))
            try:
                return parse(body)
            except Retry as retry:
                raise Retry(f"{self.name}: {retry.reason}") from None

        try:
            return with_retries(attempt, self.options, self.pacer, self.stop, self.retries)
        except GaveUp as gave_up:
            raise NcbiError(gave_up.reason) from None


def _error_text(body: bytes) -> str | None:
    """What an NCBI error body says (`{"error": "..."}`, or a short line of text)."""
    try:
        data = jsonio.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace").strip()
        return text[:200] if text and "<" not in text[:1] and "\n" not in text[:200] else None
    if isinstance(data, dict):
        for key in ("error", "ERROR", "message", "errmsg"):
            if isinstance(data.get(key), str) and data[key].strip():
                return data[key].strip()
    return None


def error_in(data: Any) -> str | None:
    """The error an NCBI JSON answer carries at its top level (`{"error": "..."}`), if any."""
    if isinstance(data, dict):
        for key in ("error", "ERROR"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None
