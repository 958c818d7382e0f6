"""Ctrl-C held back while something must finish: a file's rename, a site's set of renames.

Writing a record, a cache entry or a built site ends with renames that must all
happen or none; a Ctrl-C in between would leave a temp file behind or half a site.
`ctrl_c_deferred` holds the signal back for the block and lets it arrive right
after, as the usual KeyboardInterrupt. A run started with Ctrl-C ignored (nohup, a
background job) keeps ignoring it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def ctrl_c_deferred() -> Iterator[None]:
    """Hold Ctrl-C back until the block is done; it then arrives as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals only ever interrupt the main thread
        return
    if hasattr(signal, "pthread_sigmask"):
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # a pending Ctrl-C is delivered here
        return
    handler = signal.getsignal(signal.SIGINT)  # no signal masks (Windows): catch it and raise it after
    if not callable(handler):
        yield  # ignored (or not set from Python): nothing to hold back
        return
    caught: list[int] = []
    signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)
        if caught:
            raise KeyboardInterrupt
