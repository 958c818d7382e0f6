"""The single error handler: every command runs through `run_command`.

It turns a command's result and every failure into one message on stderr and
one exit code from the table in `core.errors`. Nothing else catches `Exception`,
except the worker threads of `atlas add` (Crossref fetches, the PubMed lookup),
where an unexpected failure must become that DOI's failure rather than vanish
with the thread. Free of the CLI framework, so the fast path of `atlas cite`
shares it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from atlas_cli.core import errors
from atlas_cli.core.safe_text import for_terminal


def out(text: str) -> None:
    """Write TEXT to standard output, made safe for a terminal (core.safe_text.for_terminal).

    Every command prints through `out`, `eprint` or a console of `cli.console`: text from
    records, services and the command line can hold escape sequences and
    bidirectional overrides, which are shown as `\\uXXXX` and never obeyed. (The
    escape is valid inside a JSON string: JSON output keeps its meaning.)
    """
    sys.stdout.write(for_terminal(text))
    sys.stdout.flush()


def eprint(message: str) -> None:
    """One line on standard error, made safe for a terminal as `out` is."""
    sys.stderr.write(for_terminal(message) + "\n")
    sys.stderr.flush()


def report_error(message: str, hint: str | None = None) -> None:
    eprint(f"atlas: error: {message}")
    if hint:
        eprint(f"  hint: {hint}")


def run_command(command: Callable[[], int | None], debug: bool = False) -> int:
    """Run COMMAND and return its exit code; failures become a message and a code."""
    try:
        return command() or errors.OK
    except errors.AtlasError as exc:
        report_error(exc.message, exc.hint)
        return exc.exit_code
    except KeyboardInterrupt:
        eprint("atlas: interrupted")
        return errors.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (atlas list | head): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return errors.OK
    except Exception as exc:
        if debug:
            raise
        report_error(
            f"internal error: {type(exc).__name__}: {exc}",
            "this is a bug in atlas; please report it with the command you ran (--debug shows the traceback)",
        )
        return errors.INTERNAL
