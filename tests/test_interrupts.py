"""Ctrl-C held back while renames finish (core.interrupts), whatever disposition the tests inherit."""

from __future__ import annotations

import os
import signal

import pytest

from atlas_cli.core.interrupts import ctrl_c_deferred


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
