"""Ctrl-C held back while something must finish: a file's rename, a site's set of renames.

Writing a record, a cache entry or a built site ends with renames that must all
happen or none; a Ctrl-C in between would leave a temp file behind or half a site.
`ctrl_c_deferred` holds the signal back for the block and lets it arrive right
after, as the usual KeyboardInterrupt. A run started with Ctrl-C ignored (`cmd &` in a
script, some CI runners) keeps ignoring it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def ctrl_c_deferred() -> Iterator[None]:
    """Hold Ctrl-C back until the block is done; it then arrives as usual.

    The Python-level handler is swapped for one that only notes the signal: Python
    runs signal handlers in the main thread whichever thread the signal reached, so
    this holds with worker threads running too (a signal mask would hold only in
    the thread that set it).
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers can only be set from the main thread, and only it is interrupted
        return
    handler = signal.getsignal(signal.SIGINT)
    if not callable(handler):
        yield  # ignored (or left to the system): nothing to hold back
        return
    caught: list[int] = []
    signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)
        if caught:
            raise KeyboardInterrupt
