"""One HTTP session per web service: connections reused, every request bounded in time and size.

`Session(service, base_url, options)` holds one httpx2 client (one connection pool, one TLS
context) for the whole run, so a batch opens a handful of connections instead of one
per request. `Session.request()` returns the answer read in full, or raises
`HttpFailure` with a reason for a person and a kind:

- `timeout`   no connection, or no byte, within `options.timeout` seconds
- `deadline`  the answer was not complete within `options.deadline` seconds of the
              request starting, however steadily it trickled in
- `connect`   the connection was refused or the host is unknown
- `dropped`   the connection broke, or the server spoke broken HTTP
- `too-large` the answer, decompressed, is larger than `options.max_bytes`
- `encoding`  the answer is compressed in a way atlas did not ask for
- `request`   the request could not be made (an address httpx2 cannot use)

How the deadline is kept: httpx2's timeouts bound each wait for the network (connect,
one read, one write), not the request, so a server sending a byte now and then keeps
a request alive forever. The session's transport wraps the network streams of its
connection pool: every connect, read and write waits at most until the request's
deadline (kept per thread, since a request runs in the thread that sends it), and
past it the wait fails at once, in the status line, the headers or the body alike.

How the size is bounded: the body is read as a stream and decompressed piece by
piece (httpx2 inflates gzip and deflate at most 1 MiB at a time); reading stops as
soon as the total passes the limit, and a Content-Length above it is refused before
any body is read. Only gzip and deflate are asked for; an answer in another
encoding is refused rather than decompressed without a bound.

`mask_url` and `redact` keep a password in a service address (`https://user:secret@host`)
out of every message.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    import ssl

    import httpx2

    from atlas_cli.services.pacing import HttpOptions

ACCEPTED_ENCODINGS = frozenset({"identity", "gzip", "x-gzip", "deflate"})
_USERINFO = re.compile(r"(?<=//)[^/@\s]*@")


def mask_url(url: str) -> str:
    """URL with any user name and password replaced by `***`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"***@{host}"))


def redact(text: str) -> str:
    """TEXT with the user information of any URL in it (`//user:secret@`) replaced by `***`."""
    return _USERINFO.sub("***@", text)


def host_of(url: str) -> str:
    """`host[:port]` of URL, never its user information."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "the service"
    host = parts.hostname or "the service"
    return f"{host}:{port}" if port else host


class HttpFailure(Exception):
    """A request that gave no usable answer: REASON for a person, KIND for the retry policy."""

    def __init__(self, reason: str, kind: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


# --- the deadline, enforced in the network streams ---------------------------------------

_current = threading.local()  # `deadline`: monotonic time by which this thread's request must end


def _wait_limit(timeout: float | None, timeout_error: type[Exception]) -> float | None:
    """TIMEOUT shortened to what is left before this thread's deadline; TIMEOUT_ERROR once it passed."""
    deadline: float | None = getattr(_current, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise timeout_error("the request's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream:
    """A network stream (httpcore2.NetworkStream) whose every wait ends by the deadline."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        import httpcore2

        data: bytes = self._stream.read(max_bytes, _wait_limit(timeout, httpcore2.ReadTimeout))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        import httpcore2

        self._stream.write(buffer, _wait_limit(timeout, httpcore2.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> _DeadlineStream:
        import httpcore2

        limit = _wait_limit(timeout, httpcore2.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, limit))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend:
    """A network backend (httpcore2.NetworkBackend) handing out `_DeadlineStream`s."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> _DeadlineStream:
        import httpcore2

        limit = _wait_limit(timeout, httpcore2.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_tcp(host, port, limit, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> _DeadlineStream:
        import httpcore2

        limit = _wait_limit(timeout, httpcore2.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, limit, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _keep_deadlines(client: httpx2.Client) -> None:
    """Put `_DeadlineBackend` under every connection pool of CLIENT (the direct one and any proxy's).

    httpx2 offers no public way to give its transport a network backend while keeping
    the proxies it reads from the environment, so the pools are reached through
    httpx2's and httpcore2's attributes (`Client._transport`, `Client._mounts`,
    `HTTPTransport._pool`, `ConnectionPool._network_backend`). Done before the first
    connection is made; a version that renames them fails here, loudly, not silently.
    """
    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        if transport is None:
            continue
        pool = transport._pool  # type: ignore[attr-defined]  # httpx2.HTTPTransport's httpcore2 pool
        if not hasattr(pool, "_network_backend"):
            raise RuntimeError(f"cannot bound request times: {type(pool).__name__} has no network backend to wrap")
        pool._network_backend = _DeadlineBackend(pool._network_backend)


# --- the session -----------------------------------------------------------------------------

_tls_lock = threading.Lock()
_tls: list[ssl.SSLContext] = []


def _tls_context(base_url: str) -> ssl.SSLContext:
    """The TLS context for a service at BASE_URL: for https, one context (the system's CA
    certificates, loaded once: 30-130 ms) shared by every session of the run; for plain
    http, where no TLS is spoken, an empty one that trusts nothing, so none is loaded."""
    import ssl

    import httpx2

    if not base_url.lower().startswith("https:"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, and trusts no certificate
    with _tls_lock:
        if not _tls:
            _tls.append(httpx2.create_ssl_context())
        return _tls[0]


class Session:
    """Requests to one service at BASE_URL (SERVICE names it in messages), all through one connection pool."""

    def __init__(
        self, service: str, base_url: str, options: HttpOptions, headers: Mapping[str, str] | None = None
    ) -> None:
        import httpx2

        self.service = service
        self.options = options
        self._client = httpx2.Client(
            verify=_tls_context(base_url),
            headers={"Accept-Encoding": "gzip, deflate", **(headers or {})},
            timeout=httpx2.Timeout(options.timeout),
            follow_redirects=False,
        )
        _keep_deadlines(self._client)
        self.requests = 0

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx2.Response:
        """The answer to one request, its body read in full (decompressed); raises HttpFailure."""
        import httpx2

        started = time.monotonic()
        deadline = started + self.options.deadline
        _current.deadline = deadline
        self.requests += 1
        try:
            request = self._client.build_request(method, url, params=params, data=data, headers=headers)
            response = self._client.send(request, stream=True)
            try:
                body = self._read_body(response)
            finally:
                response.close()
        except httpx2.TimeoutException as exc:
            if time.monotonic() >= deadline:
                raise HttpFailure(
                    f"{self.service}'s answer was not complete within {self.options.deadline:g}s "
                    "(ATLAS_HTTP_DEADLINE); it came too slowly",
                    "deadline",
                ) from exc
            waited = "no connection to" if isinstance(exc, httpx2.ConnectTimeout) else "no answer from"
            raise HttpFailure(f"{waited} {self.service} within {self.options.timeout:g}s (timeout)", "timeout") from exc
        except httpx2.ConnectError as exc:
            raise HttpFailure(f"cannot connect to {host_of(url)} ({short_cause(exc)})", "connect") from exc
        except httpx2.DecodingError as exc:
            raise HttpFailure(
                f"{self.service}'s answer could not be decompressed ({short_cause(exc)})", "dropped"
            ) from exc
        except (httpx2.InvalidURL, httpx2.UnsupportedProtocol) as exc:
            raise HttpFailure(f"the request could not be made ({short_cause(exc)})", "request") from exc
        except httpx2.HTTPError as exc:
            raise HttpFailure(
                f"the connection to {self.service} failed ({type(exc).__name__}: {short_cause(exc)})", "dropped"
            ) from exc
        finally:
            _current.deadline = None
        headers_out = [
            (name, value)
            for name, value in response.headers.multi_items()
            if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx2.Response(response.status_code, headers=headers_out, content=body, request=request)

    def _read_body(self, response: httpx2.Response) -> bytes:
        limit = self.options.max_bytes
        encodings = {
            value.strip().lower() for value in response.headers.get_list("content-encoding", split_commas=True)
        }
        unknown = sorted(encodings - ACCEPTED_ENCODINGS - {""})
        if unknown:
            raise HttpFailure(
                f"{self.service} answered in an encoding atlas did not ask for ({', '.join(unknown)}); not read",
                "encoding",
            )
        declared = response.headers.get("content-length", "").strip()
        if declared.isascii() and declared.isdigit() and (len(declared) > 15 or int(declared) > limit):
            # compressed or not, it will not fit (and 5,000 digits are never converted)
            shown = f"{int(declared):,} bytes" if len(declared) <= 15 else f"a {len(declared):,}-digit number of bytes"
            raise HttpFailure(self._too_large(f"{shown} announced"), "too-large")
        pieces: list[bytes] = []
        size = 0
        for piece in response.iter_bytes():
            size += len(piece)
            if size > limit:
                raise HttpFailure(self._too_large("more than that once decompressed"), "too-large")
            pieces.append(piece)
        return b"".join(pieces)

    def _too_large(self, detail: str) -> str:
        megabytes = self.options.max_bytes / 1_000_000
        return f"{self.service}'s answer is larger than {megabytes:g} MB ({detail}; ATLAS_HTTP_MAX_MB); not read"


def short_cause(exc: BaseException) -> str:
    """One line about EXC for a message (no URL user information)."""
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return "unknown host"
    return redact(re.sub(r"\s+", " ", text))[:120]
