"""`atlas cite SLUG... [--format FORMAT]` without the CLI framework.

Citing a record is what readers and curators run most, and it should start about
as fast as Python imports the CLI framework alone. Building the Typer application
and its option coercion (which loads pydantic) costs three times that, so the
entry point answers the plain form of `atlas cite` here. Anything else (--help,
an unknown option, no slug) goes to the Typer application, which defines the
command and its help; both call the same `run_cite` through the same handler.
"""

from __future__ import annotations

from pathlib import Path


def parse_cite(argv: list[str]) -> tuple[Path | None, bool, list[str], str | None] | None:
    """(root, debug, slugs, format) for a plain `atlas cite` command line, else None."""
    root: Path | None = None
    debug = False
    args = list(argv)
    while args and args[0].startswith("-"):
        option = args.pop(0)
        if option == "--root" and args:
            root = Path(args.pop(0))
        elif option.startswith("--root="):
            root = Path(option.partition("=")[2])
        elif option == "--debug":
            debug = True
        else:
            return None
    if not args or args.pop(0) != "cite":
        return None
    slugs: list[str] = []
    fmt: str | None = None
    while args:
        arg = args.pop(0)
        if arg in ("--format", "-f") and args:
            fmt = args.pop(0)
        elif arg.startswith("--format="):
            fmt = arg.partition("=")[2]
        elif arg == "--":
            slugs += args
            break
        elif arg.startswith("-"):
            return None
        else:
            slugs.append(arg)
    return (root, debug, slugs, fmt) if slugs else None


def fast_cite(argv: list[str]) -> int | None:
    """The exit code of a plain `atlas cite`, or None when ARGV is anything else."""
    parsed = parse_cite(argv)
    if parsed is None:
        return None
    root, debug, slugs, fmt = parsed
    from atlas_cli.cli.cite import run_cite
    from atlas_cli.cli.handler import run_command
    from atlas_cli.core.config import load_settings

    return run_command(lambda: run_cite(slugs, fmt, load_settings(root)), debug)
