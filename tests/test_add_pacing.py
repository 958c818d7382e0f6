"""Pacing and retry policy: header parsing, Retry-After, knobs from the environment, the pacer."""

import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from atlas_cli.core.errors import ConfigError
from atlas_cli.services.pacing import (
    GaveUp,
    HttpOptions,
    Limits,
    Pacer,
    Retry,
    limits_from_headers,
    parse_interval,
    parse_retry_after,
    with_retries,
)

FALLBACK = Limits(5, 1.0, 1)


def test_polite_pool_headers():
    limits = limits_from_headers(
        {"X-Rate-Limit-Limit": "10", "X-Rate-Limit-Interval": "1s", "X-Concurrency-Limit": "3"}, FALLBACK
    )
    assert (limits.limit, limits.interval, limits.concurrency, limits.advertised) == (10, 1.0, 3, True)
    assert limits.spacing >= 0.1  # never faster than the limit


@pytest.mark.parametrize("headers", [{}, {"x-rate-limit-limit": "zero"}, {"x-rate-limit-limit": "-3"}])
def test_missing_or_bad_headers_keep_the_fallback(headers):
    assert limits_from_headers(headers, FALLBACK) == FALLBACK


def test_old_headers_without_concurrency_keep_fallback_concurrency():
    limits = limits_from_headers({"x-rate-limit-limit": "50", "x-rate-limit-interval": "1s"}, FALLBACK)
    assert (limits.limit, limits.concurrency) == (50, 1)


@pytest.mark.parametrize(
    "raw,seconds", [("1s", 1.0), ("1000ms", 1.0), ("2", 2.0), ("1m", 60.0), ("", None), ("soon", None), ("0s", None)]
)
def test_interval(raw, seconds):
    assert parse_interval(raw) == seconds


def test_retry_after_seconds_and_date():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("later") is None
    when = datetime(2026, 1, 1, 12, 0, 10, tzinfo=UTC)
    now = (when - timedelta(seconds=10)).timestamp()
    assert parse_retry_after(format_datetime(when, usegmt=True), now=now) == pytest.approx(10.0)


def test_backoff_doubles_honours_retry_after_and_is_capped():
    options = HttpOptions(backoff=1.0, max_wait=5.0)
    assert 1.0 <= options.backoff_delay(1) <= 1.25
    assert 2.0 <= options.backoff_delay(2) <= 2.5
    assert options.backoff_delay(1, retry_after=4.0) == 4.0
    assert options.backoff_delay(10) == 5.0
    assert options.backoff_delay(1, retry_after=600) == 5.0


def test_knobs_from_environment():
    options = HttpOptions.from_env(
        {
            "ATLAS_HTTP_TIMEOUT": "0.5",
            "ATLAS_HTTP_RETRIES": "0",
            "ATLAS_HTTP_BACKOFF": "0.01",
            "ATLAS_HTTP_MAX_WAIT": "3",
        }
    )
    assert options == HttpOptions(timeout=0.5, retries=0, backoff=0.01, max_wait=3.0)
    assert HttpOptions.from_env({}) == HttpOptions()
    with pytest.raises(ConfigError, match="ATLAS_HTTP_TIMEOUT"):
        HttpOptions.from_env({"ATLAS_HTTP_TIMEOUT": "fast"})
    with pytest.raises(ConfigError, match="more than 0"):
        HttpOptions.from_env({"ATLAS_HTTP_TIMEOUT": "0"})


@pytest.mark.parametrize(
    "variable,raw,words",
    [
        ("ATLAS_HTTP_TIMEOUT", "nan", "not a finite number"),
        ("ATLAS_HTTP_TIMEOUT", "inf", "not a finite number"),
        ("ATLAS_HTTP_TIMEOUT", "-1", "out of range"),
        ("ATLAS_HTTP_DEADLINE", "0", "out of range"),
        ("ATLAS_HTTP_DEADLINE", "1e9", "out of range"),
        ("ATLAS_HTTP_RETRIES", "1000000", "out of range"),
        ("ATLAS_HTTP_RETRIES", "2.5", "not a whole number"),
        ("ATLAS_HTTP_BACKOFF", "-0.5", "out of range"),
        ("ATLAS_HTTP_MAX_WAIT", "NaN", "not a finite number"),
        ("ATLAS_HTTP_MAX_MB", "0", "out of range"),
        ("ATLAS_HTTP_MAX_MB", "lots", "not a number"),
    ],
)
def test_every_knob_is_checked_and_named(variable, raw, words):
    with pytest.raises(ConfigError) as error:
        HttpOptions.from_env({variable: raw})
    assert error.value.message.startswith(f"{variable}={raw!r}") and words in error.value.message
    assert variable in (error.value.hint or "")


def test_knobs_in_range_are_taken():
    options = HttpOptions.from_env(
        {"ATLAS_HTTP_DEADLINE": "2", "ATLAS_HTTP_MAX_MB": "0.5", "ATLAS_HTTP_RETRIES": "10", "ATLAS_HTTP_BACKOFF": "0"}
    )
    assert (options.deadline, options.max_bytes, options.retries, options.backoff) == (2.0, 500_000, 10, 0.0)


def test_pacer_never_exceeds_concurrency():
    pacer = Pacer(Limits(limit=1000, interval=1.0, concurrency=2))
    inside, peak, lock = [0], [0], threading.Lock()
    gate = threading.Event()

    def worker():
        assert pacer.acquire()
        with lock:
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
        gate.wait(0.05)
        with lock:
            inside[0] -= 1
        pacer.release()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak[0] == 2 and pacer.max_in_flight == 2 and pacer.started == 8


def test_pacer_stops_waiting_when_told():
    pacer = Pacer(Limits(limit=1, interval=100.0, concurrency=1))
    assert pacer.acquire()
    pacer.release()
    stop = threading.Event()
    stop.set()
    assert pacer.acquire(stop) is False  # the next start is 100 s away; stop wins


# --- the one retry loop ---------------------------------------------------------------

FAST = HttpOptions(timeout=1, retries=3, backoff=0.001, max_wait=0.01)


class Flaky:
    """An attempt that fails with RETRIES before it succeeds (each a Retry with STATUS)."""

    def __init__(self, failures: int, status: int | None = None) -> None:
        self.failures, self.status, self.calls = failures, status, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise Retry(f"failure {self.calls}", status=self.status)
        return "answer"


def test_with_retries_tries_again_until_an_attempt_succeeds():
    attempt = Flaky(failures=3)
    assert with_retries(attempt, FAST, Pacer(FALLBACK), threading.Event()) == "answer"
    assert attempt.calls == 4


def test_with_retries_gives_up_after_the_retries_with_the_last_reason():
    attempt = Flaky(failures=10)
    with pytest.raises(GaveUp) as gave_up:
        with_retries(attempt, FAST, Pacer(FALLBACK), threading.Event(), retries=2)
    assert (gave_up.value.reason, gave_up.value.attempts, attempt.calls) == ("failure 3", 3, 3)


def test_a_429_pauses_the_whole_batch_and_other_failures_do_not():
    for status, paused in ((429, True), (503, False)):
        pacer = Pacer(FALLBACK)
        with_retries(Flaky(failures=1, status=status), FAST, pacer, threading.Event())
        assert (pacer._paused_until > 0) is paused


def test_a_stopped_run_is_not_retried():
    stop = threading.Event()
    stop.set()
    attempt = Flaky(failures=1)
    with pytest.raises(GaveUp):
        with_retries(attempt, FAST, Pacer(FALLBACK), stop)
    assert attempt.calls == 1
