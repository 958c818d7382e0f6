"""Spread per-file work over the machine's cores.

`atlas lint`, `atlas build` and the readers behind `list`, `show` and `stats`
do the same thing to thousands of small files. `map_chunks` cuts the items into
chunks and runs them in worker processes. Below `MIN_ITEMS` items, or with one
job, the work runs in this process: starting workers would cost more than it
saves. Workers ignore Ctrl-C; the parent reports it once.

What the work needs besides its items (settings, registries, compiled
templates) is handed to each worker once, when it starts (`shared`), never
through globals set in the parent. Where the platform can fork, workers are
forked: they get `shared` and whatever the caller loaded before without
copying or loading anything again. Elsewhere (Windows; macOS defaults to spawn)
workers start as new interpreters and `shared` is sent to each of them pickled.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 400
# The most worker processes `--jobs` may ask for: far above any machine's cores for this
# work (it is bound by the processor), far below what a typo (`--jobs 100000`) would start.
MAX_JOBS = 256


def default_jobs() -> int:
    return min(os.cpu_count() or 1, MAX_JOBS)


def start_method() -> str:
    """How workers start: fork where the platform offers it, else its default (spawn)."""
    import multiprocessing

    return "fork" if "fork" in multiprocessing.get_all_start_methods() else multiprocessing.get_start_method()


def map_chunks(
    work: Callable[..., list[R]],
    items: Sequence[T],
    jobs: int | None = None,
    min_items: int = MIN_ITEMS,
    shared: tuple[Any, ...] = (),
) -> list[R]:
    """`WORK(chunk, *SHARED)` applied to chunks of ITEMS, results flattened in the items' order.

    WORK takes a list and returns one result per item; it must be a module-level
    function (it is sent to the workers by name). SHARED must pickle when the
    workers are not forked.
    """
    jobs = default_jobs() if jobs is None else max(1, min(jobs, MAX_JOBS))  # the CLI refuses others first
    items = list(items)
    if jobs <= 1 or len(items) < min_items:
        return work(items, *shared)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from itertools import repeat

    size = max(16, len(items) // (jobs * 8))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    workers = min(jobs, len(chunks))  # never a worker without a chunk to do
    context = multiprocessing.get_context(start_method())
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(shared,)) as pool:
        return [result for chunk in pool.map(_run_chunk, repeat(work), chunks) for result in chunk]


# --- in each worker process ----------------------------------------------------------------

_shared: tuple[Any, ...] = ()  # set once per worker process by `_start_worker`; never in the parent


def _start_worker(shared: tuple[Any, ...]) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _shared
    _shared = shared


def _run_chunk(work: Callable[..., list[R]], chunk: list[T]) -> list[R]:
    return work(chunk, *_shared)
