"""Ctrl-C held back while renames finish (core.interrupts), whatever disposition the tests inherit."""

from __future__ import annotations

import os
import signal

import pytest

from atlas_cli.core.interrupts import ctrl_c_deferred
from atlas_cli.core.records import write_atomic


@pytest.fixture
def sigint(request):
    """Run the test with SIGINT set to the given handler, restoring what was there before."""
    before = signal.signal(signal.SIGINT, request.param)
    yield request.param
    signal.signal(signal.SIGINT, before)


@pytest.mark.parametrize("sigint", [signal.default_int_handler], indirect=True)
def test_ctrl_c_arrives_after_the_block_is_done(sigint):
    done = []
    with pytest.raises(KeyboardInterrupt):
        with ctrl_c_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            done.append("renames finished")
    assert done == ["renames finished"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("sigint", [signal.SIG_IGN], indirect=True)
def test_a_run_that_ignores_ctrl_c_keeps_ignoring_it(sigint):
    with ctrl_c_deferred():
        os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # and no KeyboardInterrupt was raised


@pytest.mark.parametrize("sigint", [signal.default_int_handler], indirect=True)
def test_ctrl_c_during_a_write_arrives_after_the_file_is_complete(sigint, tmp_path):
    target = tmp_path / "record.yaml"
    with pytest.raises(KeyboardInterrupt):
        with ctrl_c_deferred():
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C in the middle of writing
            write_atomic(target, "slug: x\n")
            assert target.read_text() == "slug: x\n"  # still running: the interrupt waits
    assert [p.name for p in tmp_path.iterdir()] == ["record.yaml"]  # complete, no temp file
