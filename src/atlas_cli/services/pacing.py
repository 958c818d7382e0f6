"""Pacing and retries shared by the web-service clients (no I/O of its own).

`with_retries` is the one retry loop: it calls one attempt until it succeeds, waits
between attempts with exponential backoff (or the server's Retry-After), pauses
every request of the batch after a 429, and gives up after the configured retries
or when the run is interrupted.

`Pacer` keeps requests under a service's limits: at most `limit` request starts per
`interval` seconds (spread evenly, with a small safety margin, so a server counting
arrivals in any window never sees more) and at most `concurrency` requests in flight.
Limits can change while a batch runs (the server advertises them on every response);
`pause_until` stops every worker after a 429.

`HttpOptions` holds the knobs a user can set in the environment (checked when read:
a value that is not a finite number in its range is a configuration error naming it):

- ATLAS_HTTP_TIMEOUT  seconds to wait for a connection or for the next bytes of an answer (default 10)
- ATLAS_HTTP_DEADLINE seconds one request may take from start to its last byte (default 30)
- ATLAS_HTTP_RETRIES  retries after a 429, a 5xx or a dropped connection (default 4); a timeout
                      is retried once at most, an answer past the deadline or too large never
- ATLAS_HTTP_BACKOFF  first wait before a retry in seconds, doubled each time (default 1)
- ATLAS_HTTP_MAX_WAIT longest single wait, also caps a server's Retry-After (default 60)
- ATLAS_HTTP_MAX_MB   largest answer read, in megabytes once decompressed (default 16)
"""

from __future__ import annotations

import email.utils
import math
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from atlas_cli.core.errors import ConfigError

# Spacing between request starts is interval/limit * SAFETY_MARGIN + SEND_JITTER. A request
# leaves within a millisecond or two of the pacer's go (the session's client and its
# connections already exist), so a small allowance keeps a server that counts arrivals
# in any window from ever seeing more than the limit: over a window of `limit` starts the
# slack adds up to limit * SEND_JITTER + interval * (SAFETY_MARGIN - 1), 30 ms for 10/s.
SAFETY_MARGIN = 1.01
SEND_JITTER = 0.002

# A timeout is retried once (a lost packet, a stalled connection), not like a 503 that
# asks to come back later: a server that does not answer twice is not answering.
TIMEOUT_RETRIES = 1

T = TypeVar("T")

# Answers that say "try again later": too many requests, and the server errors that pass.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class _Knob:
    variable: str
    field: str
    kind: type  # int or float
    low: float
    high: float
    low_open: bool  # True: the value must be above LOW, not equal to it
    unit: str


_KNOBS = (
    _Knob("ATLAS_HTTP_TIMEOUT", "timeout", float, 0, 600, True, "seconds"),
    _Knob("ATLAS_HTTP_DEADLINE", "deadline", float, 0, 3600, True, "seconds"),
    _Knob("ATLAS_HTTP_RETRIES", "retries", int, 0, 10, False, "retries"),
    _Knob("ATLAS_HTTP_BACKOFF", "backoff", float, 0, 600, False, "seconds"),
    _Knob("ATLAS_HTTP_MAX_WAIT", "max_wait", float, 0, 3600, False, "seconds"),
    _Knob("ATLAS_HTTP_MAX_MB", "max_mb", float, 0, 1024, True, "megabytes"),
)


@dataclass(frozen=True)
class HttpOptions:
    timeout: float = 10.0
    deadline: float = 30.0
    retries: int = 4
    backoff: float = 1.0
    max_wait: float = 60.0
    max_mb: float = 16.0

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 1_000_000)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> HttpOptions:
        values: dict[str, Any] = {}  # field name -> int or float
        for knob in _KNOBS:
            raw = env.get(knob.variable)
            if raw is None or raw.strip() == "":
                continue
            values[knob.field] = _knob_value(knob, raw, getattr(cls, knob.field))
        return cls(**values)

    def backoff_delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ATTEMPT (1-based)."""
        delay = self.backoff * (2 ** (attempt - 1))
        delay *= 1 + random.random() * 0.25  # jitter, so parallel workers do not retry in step
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, self.max_wait)


def _knob_value(knob: _Knob, raw: str, default: float) -> float:
    """RAW read as KNOB's number, or a ConfigError naming the variable and the range."""
    span = (
        f"more than {knob.low:g} and at most {knob.high:g}" if knob.low_open else f"from {knob.low:g} to {knob.high:g}"
    )
    wanted = f"{'a whole number' if knob.kind is int else 'a number'} of {knob.unit}, {span}"
    hint = f"set {knob.variable} to {wanted}, e.g. {knob.variable}={default:g}, or unset it for the default"
    try:
        value = float(raw.strip())
    except ValueError:
        raise ConfigError(f"{knob.variable}={raw!r} is not a number", hint=hint) from None
    if not math.isfinite(value):
        raise ConfigError(f"{knob.variable}={raw!r} is not a finite number", hint=hint)
    if knob.kind is int and not value.is_integer():
        raise ConfigError(f"{knob.variable}={raw!r} is not a whole number", hint=hint)
    too_low = value <= knob.low if knob.low_open else value < knob.low
    if too_low or value > knob.high:
        raise ConfigError(f"{knob.variable}={raw!r} is out of range: it must be {span}", hint=hint)
    return int(value) if knob.kind is int else value


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9]+(\.[0-9]+)?", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def parse_interval(value: str | None) -> float | None:
    """`1s`, `1000ms`, `1m`, `2` -> seconds."""
    if not value:
        return None
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m)?\s*", value)
    if not match:
        return None
    number = float(match.group(1))
    unit = match.group(2) or "s"
    seconds = number / 1000 if unit == "ms" else number * 60 if unit == "m" else number
    return seconds if seconds > 0 else None


@dataclass(frozen=True)
class Limits:
    """What a service allows: LIMIT requests per INTERVAL seconds, CONCURRENCY at once."""

    limit: int
    interval: float
    concurrency: int
    advertised: bool = False  # True when read from the service's headers

    @property
    def spacing(self) -> float:
        return self.interval / self.limit * SAFETY_MARGIN + SEND_JITTER

    def describe(self) -> str:
        return f"{self.limit} requests per {self.interval:g}s, {self.concurrency} at once"


def limits_from_headers(headers: Mapping[str, str], fallback: Limits) -> Limits:
    """Limits advertised in x-rate-limit-limit / -interval and x-concurrency-limit."""
    lower = {k.lower(): v for k, v in headers.items()}

    def positive_int(name: str) -> int | None:
        try:
            value = int(str(lower.get(name, "")).strip())
        except ValueError:
            return None
        return value if value > 0 else None

    limit = positive_int("x-rate-limit-limit")
    interval = parse_interval(lower.get("x-rate-limit-interval"))
    concurrency = positive_int("x-concurrency-limit")
    if limit is None and concurrency is None:
        return fallback
    return Limits(
        limit=limit or fallback.limit,
        interval=interval or fallback.interval,
        concurrency=concurrency or fallback.concurrency,
        advertised=True,
    )


class Pacer:
    """Gate for request starts: rate, concurrency and pauses, safe across threads."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._cond = threading.Condition()
        self._in_flight = 0
        self._next_start = 0.0
        self._paused_until = 0.0
        self.started = 0
        self.max_in_flight = 0

    @property
    def limits(self) -> Limits:
        return self._limits

    def update(self, limits: Limits) -> None:
        with self._cond:
            self._limits = limits
            self._cond.notify_all()

    def pause_until(self, when: float) -> None:
        with self._cond:
            self._paused_until = max(self._paused_until, when)

    def acquire(self, stop: threading.Event | None = None) -> bool:
        """Wait for a slot; False if STOP was set meanwhile."""
        with self._cond:
            while True:
                if stop is not None and stop.is_set():
                    return False
                now = self._clock()
                wait_for = max(self._next_start, self._paused_until) - now
                if self._in_flight < self._limits.concurrency and wait_for <= 0:
                    self._in_flight += 1
                    self.started += 1
                    self.max_in_flight = max(self.max_in_flight, self._in_flight)
                    self._next_start = now + self._limits.spacing
                    return True
                timeout = wait_for if wait_for > 0 else None
                self._cond.wait(timeout=min(timeout, 0.5) if timeout is not None else 0.5)

    def release(self) -> None:
        with self._cond:
            self._in_flight -= 1
            self._cond.notify_all()


class Retry(Exception):
    """A failed attempt worth trying again: REASON for the person, WAIT from Retry-After, the HTTP STATUS;
    LIMIT caps the retries this kind of failure deserves (None: as many as the options allow)."""

    def __init__(
        self, reason: str, wait: float | None = None, status: int | None = None, limit: int | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.status = status
        self.limit = limit


class GaveUp(Exception):
    """No attempt succeeded: the last REASON (`interrupted` when the run was stopped), after ATTEMPTS."""

    def __init__(self, reason: str, attempts: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts


def with_retries(
    attempt: Callable[[], T],
    options: HttpOptions,
    pacer: Pacer,
    stop: threading.Event,
    retries: int | None = None,
    halt: Callable[[], bool] | None = None,
) -> T:
    """ATTEMPT's result, calling it again after each `Retry` it raises (at most RETRIES more times,
    default `options.retries`, or fewer if the Retry says so); raises `GaveUp` when it never
    succeeds, STOP is set, or HALT() says the service is down."""
    limit = options.retries if retries is None else retries
    attempts = 0
    while True:
        try:
            return attempt()
        except Retry as retry:
            attempts += 1
            allowed = limit if retry.limit is None else min(limit, retry.limit)
            if attempts > allowed or stop.is_set() or (halt is not None and halt()):
                raise GaveUp(retry.reason, attempts) from None
            delay = options.backoff_delay(attempts, retry.wait)
            if retry.status == 429:
                pacer.pause_until(time.monotonic() + delay)  # the whole batch waits, not only this request
            if stop.wait(delay):
                raise GaveUp("interrupted", attempts) from None
