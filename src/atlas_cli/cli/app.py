"""The `atlas` command line: a thin Typer layer over the library.

Each command parses its options, calls one core function and returns its exit
code. Only this package prints.
Heavy modules are imported inside the commands, so `atlas --help` and
`atlas cite` start quickly. `handle_errors` is the single error handler.

`create_app` builds a new Typer application for one run, with only the command
being run registered; `run_app` runs it and returns the exit code. Nothing is
kept between runs: the global options (--root, --debug) are set for the run in
progress and reset when it ends, so running atlas twice in one process is the
same as running it twice in two.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from atlas_cli import __version__
from atlas_cli.cli.handler import eprint, out, report_error, run_command  # noqa: F401 (commands import them from here)
from atlas_cli.core import errors

if TYPE_CHECKING:
    from atlas_cli.core.config import Settings


@dataclass(frozen=True)
class Options:
    """The global options of one run."""

    root: Path | None = None
    debug: bool = False


_options: ContextVar[Options | None] = ContextVar("atlas_options", default=None)  # set and reset by `run_app`


def options() -> Options:
    """The global options of the run in progress (the defaults outside a run)."""
    return _options.get() or Options()


def settings() -> Settings:
    """Settings for this run (--root > ATLAS_ROOT > walk up from the working directory)."""
    from atlas_cli.core.config import load_settings

    return load_settings(options().root)


def handle_errors(command: Callable[..., int | None]) -> Callable[..., None]:
    """Run a Typer command through the single error handler; exit with its code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        code = run_command(lambda: command(*args, **kwargs), debug=options().debug)
        raise typer.Exit(code)

    return wrapper


def _version(value: bool) -> None:
    if value:
        print(f"atlas {__version__}")
        raise typer.Exit()


def main_options(
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            help="Atlas folder (default: ATLAS_ROOT, else found by walking up from here).",
            metavar="<dir>",  # checked where ATLAS_ROOT is (core.config), so both are refused alike
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
    _options.set(Options(root, debug))


# Command name -> the module of `cli/` that registers it. Only the module of
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
    "discover": "discover",
}


def command_name(argv: Sequence[str]) -> str | None:
    """The command word in ARGV (skipping global options and their values)."""
    args = iter(argv)
    for arg in args:
        if arg == "--root":
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return None


def create_app(argv: Sequence[str] = ()) -> typer.Typer:
    """A new Typer application with the command named in ARGV registered (every command
    when ARGV names none, or one atlas does not have: for --help and typos)."""
    import importlib

    app = typer.Typer(
        name="atlas",
        help="Curate the evidence behind the ME/CFS research atlas.",
        no_args_is_help=True,
        add_completion=True,  # --install-completion, --show-completion (slugs: cli/complete.py)
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": list(HELP_OPTIONS)},
    )
    app.callback()(main_options)
    from atlas_cli.cli.complete import completing, completion_words

    wanted = command_name(completion_words() if completing() else argv)
    modules = [COMMANDS[wanted]] if wanted in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        importlib.import_module(f"atlas_cli.cli.{name}").register(app)
    return app


HELP_OPTIONS = ("-h", "--help")


def run_app(argv: Sequence[str]) -> int:
    """Run `atlas ARGV` through a new Typer application; return the exit code (no fast path:
    `atlas_cli.__main__.run` is what `atlas` runs)."""
    argv = list(argv)
    run_options = _options.set(Options())
    try:
        app = create_app(argv)
        if len(argv) == 2 and argv[0] in COMMANDS and argv[1] in HELP_OPTIONS:
            _command_help(app, argv[0], argv[1])
        app(args=argv, prog_name="atlas")
    except SystemExit as exit:
        return exit_code(exit.code)
    except KeyboardInterrupt:
        eprint("atlas: interrupted")
        return errors.INTERRUPTED
    finally:
        _options.reset(run_options)
    return errors.OK


def _command_help(app: typer.Typer, name: str, flag: str) -> None:
    """`atlas NAME --help`, printed by the command itself (the same text as through the application).

    Through the application, the global options are processed first, and Typer coerces
    a non-flag option through pydantic even when it is not given: `--root` alone would
    load pydantic (about half the time of `import typer`) for a page of help."""
    command = typer.main.get_command(app)
    assert isinstance(command, typer.core.TyperGroup)
    command.commands[name].main(
        args=[flag], prog_name=f"atlas {name}", help_option_names=list(HELP_OPTIONS), standalone_mode=True
    )


def exit_code(code: object) -> int:
    """The exit status of `sys.exit(CODE)`, as the interpreter computes it (a message is printed, status 1)."""
    if code is None:
        return errors.OK
    if isinstance(code, int):
        return code
    eprint(str(code))
    return 1
