"""The `atlas` command line: a thin Typer layer over the library.

Each command parses its options, calls one core function and returns its exit
code. Only this package prints.
Heavy modules are imported inside the commands, so `atlas --help` and
`atlas cite` start quickly. `handle_errors` is the single error handler.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from atlas_cli import __version__
from atlas_cli.cli.handler import eprint, report_error, run_command  # noqa: F401 (commands import them from here)
from atlas_cli.core import errors

if TYPE_CHECKING:
    from atlas_cli.core.config import Settings

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


def settings() -> Settings:
    """Settings for this run (--root > ATLAS_ROOT > walk up from the working directory)."""
    from atlas_cli.core.config import load_settings

    return load_settings(state.root)


def handle_errors(command: Callable[..., int | None]) -> Callable[..., None]:
    """Run a Typer command through the single error handler; exit with its code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        code = run_command(lambda: command(*args, **kwargs), debug=state.debug)
        raise typer.Exit(code)

    return wrapper


def _version(value: bool) -> None:
    if value:
        print(f"atlas {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    root: Annotated[
        Path | None,
        typer.Option(
            "--root", help="Atlas folder (default: ATLAS_ROOT, else found by walking up from here).", file_okay=False
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Curate the evidence behind the ME/CFS research atlas.

    Exit codes: 0 ok; 1 findings (lint errors, failed items, unknown slug);
    2 usage or configuration error; 3 network failure; 4 cannot write a file;
    70 internal error; 130 interrupted.
    """
    state.root = root
    state.debug = debug


# Command name -> the module of `commands/` that registers it. Only the module of
# the command being run is imported, so one command does not pay for all.
COMMANDS = {
    "lint": "lint",
    "init": "init",
    "add": "add",
    "cite": "cite",
    "export": "cite",
    "show": "curate",
    "list": "curate",
    "stats": "curate",
    "verify": "curate",
    "build": "build",
    "criteria": "criteria",
}


def command_name(argv: list[str]) -> str | None:
    """The command word in ARGV (skipping global options and their values)."""
    args = iter(argv)
    for arg in args:
        if arg == "--root":
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return None


def register_commands(argv: list[str]) -> None:
    """Register the command named in ARGV, or every command (for --help and typos)."""
    import importlib

    wanted = command_name(argv)
    modules = [COMMANDS[wanted]] if wanted in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        importlib.import_module(f"atlas_cli.cli.{name}").register(app)


def run(argv: list[str]) -> None:
    """Run the Typer application on ARGV (the arguments after `atlas`)."""
    register_commands(argv)
    try:
        app(args=argv, prog_name="atlas")
    except KeyboardInterrupt:
        eprint("atlas: interrupted")
        sys.exit(errors.INTERRUPTED)
