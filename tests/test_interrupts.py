"""Ctrl-C held back while renames finish (core.interrupts), whatever disposition the tests inherit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest


@pytest.fixture
def sigint(request):
    """Run the test with SIGINT set to the given handler, restoring what was there before."""
    before = signal.signal(signal.SIGINT, request.param)
    yield request.param
    signal.signal(signal.SIGINT, before)


BUSY_THREADS = """
import threading, time
for _ in range(4):  # other threads running, as atlas add's Crossref and PubMed workers are
    threading.Thread(target=lambda: [time.sleep(0.001) for _ in range(10**6)], daemon=True).start()
"""


def in_a_process_of_its_own(code: str, *args: str, threads: bool = False) -> list[str]:
    """The lines CODE prints, run by a new Python with Ctrl-C raising KeyboardInterrupt (whatever this
    test run was started with), alone or (THREADS) with worker threads running beside it."""
    prelude = "import os, signal, sys\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
    if threads:
        prelude += BUSY_THREADS
    done = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code), *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.parametrize("threads", [False, True], ids=["one thread", "worker threads running"])
def test_ctrl_c_arrives_after_the_block_is_done(threads):
    code = """
        from atlas_cli.core.interrupts import ctrl_c_deferred

        done = []
        try:
            with ctrl_c_deferred():
                os.kill(os.getpid(), signal.SIGINT)
                done.append("renames finished")
        except KeyboardInterrupt:
            print("interrupted after:", done)
        print("handler restored:", signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    """
    lines = in_a_process_of_its_own(code, threads=threads)
    assert lines == ["interrupted after: ['renames finished']", "handler restored: True"]


@pytest.mark.parametrize("sigint", [signal.SIG_IGN], indirect=True)
def test_a_run_that_ignores_ctrl_c_keeps_ignoring_it(sigint):
    from atlas_cli.core.interrupts import ctrl_c_deferred

    with ctrl_c_deferred():
        os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # and no KeyboardInterrupt was raised


@pytest.mark.parametrize("threads", [False, True], ids=["one thread", "worker threads running"])
def test_ctrl_c_during_a_write_arrives_after_the_file_is_complete(tmp_path, threads):
    code = """
        from pathlib import Path

        from atlas_cli.core.records import write_atomic
        from atlas_cli.core.interrupts import ctrl_c_deferred

        target = Path(sys.argv[1])
        try:
            with ctrl_c_deferred():
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C in the middle of writing
                write_atomic(target, "slug: x\\n")
                print("still running, complete:", target.read_text() == "slug: x\\n")  # the interrupt waits
        except KeyboardInterrupt:
            print("interrupted")
    """
    lines = in_a_process_of_its_own(code, str(tmp_path / "record.yaml"), threads=threads)
    assert lines == ["still running, complete: True", "interrupted"]
    assert [p.name for p in tmp_path.iterdir()] == ["record.yaml"]  # complete, no temp file
