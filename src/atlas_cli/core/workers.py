"""Spread per-file work over the machine's cores.

`atlas lint`, `atlas build` and the readers behind `list`, `show` and `stats`
do the same thing to thousands of small files. `map_chunks` cuts the items into
chunks and runs them in forked worker processes, which inherit whatever the
caller loaded before (registries, the compiled schema, templates), so nothing
is loaded twice. Below `MIN_ITEMS` items, or with one job, the work runs in
this process: starting workers would cost more than it saves. Workers ignore
Ctrl-C; the parent reports it once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 400


def default_jobs() -> int:
    return os.cpu_count() or 1


def map_chunks(
    work: Callable[[list[T]], list[R]], items: Sequence[T], jobs: int | None = None, min_items: int = MIN_ITEMS
) -> list[R]:
    """WORK applied to chunks of ITEMS, results flattened in the items' order.

    WORK takes a list and returns one result per item; it must be a module-level
    function (it is sent to the workers by name).
    """
    jobs = default_jobs() if jobs is None else jobs
    items = list(items)
    if jobs <= 1 or len(items) < min_items:
        return work(items)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    size = max(16, len(items) // (jobs * 8))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method), initializer=_ignore_sigint) as pool:
        return [result for chunk in pool.map(work, chunks) for result in chunk]


def _ignore_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
