"""The `atlas` command line: a thin Typer layer over the library.

Each command parses its options, calls one core function and returns its exit
code. Only this module (and the modules in `commands/` it registers) prints.
Heavy modules are imported inside the commands, so `atlas --help` and
`atlas cite` start quickly. `handle_errors` is the single error handler.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

from atlas_cli import __version__, errors

app = typer.Typer(
    name="atlas",
    help="Curate the evidence behind the ME/CFS research atlas.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class State:
    root: Path | None = None
    debug: bool = False


state = State()


def settings():
    """Settings for this run (--root > ATLAS_ROOT > walk up from the working directory)."""
    from atlas_cli.config import load_settings

    return load_settings(state.root)


def eprint(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def report_error(message: str, hint: str | None = None) -> None:
    eprint(f"atlas: error: {message}")
    if hint:
        eprint(f"  hint: {hint}")


def handle_errors(command: Callable[..., int | None]) -> Callable[..., None]:
    """Run a command; map its result and every failure to one message and exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs) -> None:
        try:
            code = command(*args, **kwargs) or errors.OK
        except errors.AtlasError as exc:
            report_error(exc.message, exc.hint)
            code = exc.exit_code
        except KeyboardInterrupt:
            eprint("atlas: interrupted")
            code = errors.INTERRUPTED
        except BrokenPipeError:
            # The reader went away (atlas list | head): not an error of ours.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            code = errors.OK
        except typer.Exit:
            raise
        except Exception as exc:  # noqa: BLE001 - the one place that catches everything
            if state.debug:
                raise
            report_error(f"internal error: {type(exc).__name__}: {exc}",
                         "this is a bug in atlas; please report it with the command you ran (--debug shows the traceback)")
            code = errors.INTERNAL
        raise typer.Exit(code)

    return wrapper


def _version(value: bool) -> None:
    if value:
        print(f"atlas {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    root: Annotated[Optional[Path], typer.Option(
        "--root", help="Atlas folder (default: ATLAS_ROOT, else found by walking up from here).",
        file_okay=False)] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Curate the evidence behind the ME/CFS research atlas.

    Exit codes: 0 ok; 1 findings (lint errors, failed items, unknown slug);
    2 usage or configuration error; 3 network failure; 4 cannot write a file;
    70 internal error; 130 interrupted.
    """
    state.root = root
    state.debug = debug


def _register() -> None:
    from atlas_cli.commands import lint as lint_cmd

    lint_cmd.register(app)
    from atlas_cli.commands import cite as cite_cmd; cite_cmd.register(app)  # noqa: E702
    from atlas_cli.commands import curate as curate_cmd; curate_cmd.register(app)  # noqa: E702
    from atlas_cli.commands import add as add_cmd; add_cmd.register(app)  # noqa: E702
    from atlas_cli.commands import build as build_cmd; build_cmd.register(app)  # noqa: E702


_register()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        eprint("atlas: interrupted")
        sys.exit(errors.INTERRUPTED)
