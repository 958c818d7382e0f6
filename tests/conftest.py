"""Fixtures every test module may use. The functions behind them (making an atlas,
running atlas in this process or in a new one) are in helpers.py."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_services import FakeServices
from helpers import new_atlas


def pytest_configure(config: pytest.Config) -> None:
    """The user's cache folder, for the runs that name none (ATLAS_CACHE_DIR), is one of this
    test run's own: tests never write into the cache of the person running them."""
    import tempfile

    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="atlas-tests-cache-")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Workers for `--numprocesses auto`: two per core. Many tests wait on a local server's
    pacing, retries and timeouts rather than on the processor; a second worker per core
    runs while they wait."""
    return 2 * len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2 * (os.cpu_count() or 1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests (marked `slow`) start first, so that on several workers the rest runs
    beside them instead of after them."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture
def atlas(tmp_path: Path) -> Path:
    """An empty atlas at TMP_PATH/atlas (modules about `atlas add` give the name their own atlas)."""
    return new_atlas(tmp_path / "atlas")


@pytest.fixture
def fake() -> Iterator[FakeServices]:
    """A fake Crossref and NCBI on 127.0.0.1, on a free port, for one test."""
    with FakeServices() as services:
        yield services


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    """Ctrl-C (SIGINT) raises KeyboardInterrupt in this process for the test, whatever this
    process was started with (a background job or CI runner may have it ignored)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
