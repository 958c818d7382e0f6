"""`atlas cite SLUG...`, `atlas add ID...` and `atlas lint [PATH...]` without the CLI framework.

Citing a record is what readers and curators run most, and it should start about
as fast as Python imports the CLI framework alone. Building the Typer application
and its option coercion (which loads pydantic) costs three times that, so the
entry point answers the plain form of `atlas cite` here. `atlas add` waits for the
network, and every 0.1 s of start-up is a request not sent: its plain form (the
identifiers, `--from FILE` and its flags) is answered here too, and so is a plain
`atlas lint` (the pre-commit hook's one file, or the whole atlas in CI). Anything
else (--help, --fix, an unknown option, nothing to cite or add) goes to the Typer
application, which defines the commands and their help; both call the same
`run_cite` / `run_add` / `run_lint` through the same handler.
"""

from __future__ import annotations

from pathlib import Path


def parse_global(argv: list[str], command: str) -> tuple[Path | None, bool, list[str]] | None:
    """(root, debug, the arguments after COMMAND) when ARGV is `[--root DIR] [--debug] COMMAND ...`, else None."""
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
    if not args or args.pop(0) != command:
        return None
    return root, debug, args


def parse_cite(argv: list[str]) -> tuple[Path | None, bool, list[str], str | None] | None:
    """(root, debug, slugs, format) for a plain `atlas cite` command line, else None."""
    parsed = parse_global(argv, "cite")
    if parsed is None:
        return None
    root, debug, args = parsed
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


ADD_FLAGS = ("--dry-run", "--no-pubmed", "--offline", "--refresh")


def parse_add(argv: list[str]) -> tuple[Path | None, bool, list[str], str | None, set[str]] | None:
    """(root, debug, identifiers, --from FILE, flags given) for a plain `atlas add` command line, else None."""
    parsed = parse_global(argv, "add")
    if parsed is None:
        return None
    root, debug, args = parsed
    identifiers: list[str] = []
    from_file: str | None = None
    flags: set[str] = set()
    while args:
        arg = args.pop(0)
        if arg == "--from" and args:
            from_file = args.pop(0)
        elif arg.startswith("--from="):
            from_file = arg.partition("=")[2]
        elif arg in ADD_FLAGS:
            flags.add(arg)
        elif arg == "--":
            identifiers += args
            break
        elif arg.startswith("-"):
            return None
        else:
            identifiers.append(arg)
    return (root, debug, identifiers, from_file, flags) if identifiers or from_file is not None else None


def fast_add(argv: list[str]) -> int | None:
    """The exit code of a plain `atlas add`, or None when ARGV is anything else."""
    parsed = parse_add(argv)
    if parsed is None:
        return None
    root, debug, identifiers, from_file, flags = parsed
    from atlas_cli.cli.add import run_add
    from atlas_cli.cli.handler import run_command
    from atlas_cli.core.config import load_settings

    return run_command(
        lambda: run_add(
            identifiers,
            from_file,
            dry_run="--dry-run" in flags,
            no_pubmed="--no-pubmed" in flags,
            offline="--offline" in flags,
            refresh="--refresh" in flags,
            settings=lambda: load_settings(root),
        ),
        debug,
    )


LINT_FLAGS = ("--strict", "--criteria", "--no-cache")
LINT_VALUES = {"--format": "format", "-f": "format", "--drafts": "drafts", "--jobs": "jobs", "-j": "jobs"}


def parse_lint(argv: list[str]) -> tuple[Path | None, bool, list[Path], dict[str, str], set[str]] | None:
    """(root, debug, paths, options given with a value, flags given) for a plain `atlas lint`
    (no path: the whole atlas), else None (--fix, --help, a value the Typer command must refuse)."""
    parsed = parse_global(argv, "lint")
    if parsed is None:
        return None
    root, debug, args = parsed
    paths: list[Path] = []
    values: dict[str, str] = {}
    flags: set[str] = set()
    while args:
        arg = args.pop(0)
        option, equals, value = arg.partition("=")
        if option in LINT_VALUES and option.startswith("--") and equals:
            values[LINT_VALUES[option]] = value
        elif arg in LINT_VALUES and args:
            values[LINT_VALUES[arg]] = args.pop(0)
        elif arg in LINT_FLAGS:
            flags.add(arg)
        elif arg == "--":
            if not all(args):
                return None  # an empty path: the Typer command says why
            paths += map(Path, args)
            break
        elif arg.startswith("-") or not arg:
            return None
        else:
            paths.append(Path(arg))
    from atlas_cli.core.workers import MAX_JOBS

    jobs = values.get("jobs")
    if jobs is not None and not (jobs.isascii() and jobs.isdigit() and len(jobs) <= 6 and 1 <= int(jobs) <= MAX_JOBS):
        return None  # the Typer command says why (and 5,000 digits are never converted)
    return root, debug, paths, values, flags


def fast_lint(argv: list[str]) -> int | None:
    """The exit code of a plain `atlas lint [PATH...]`, or None when ARGV is anything else."""
    parsed = parse_lint(argv)
    if parsed is None:
        return None
    root, debug, paths, values, flags = parsed
    from atlas_cli.cli.handler import run_command
    from atlas_cli.cli.lint import run_lint
    from atlas_cli.core.config import load_settings

    jobs = values.get("jobs")
    return run_command(
        lambda: run_lint(
            paths or None,
            lambda: load_settings(root),
            format=values.get("format", "text"),
            strict="--strict" in flags,
            drafts=values.get("drafts"),
            jobs=int(jobs) if jobs is not None else None,
            criteria="--criteria" in flags,
            cache="--no-cache" not in flags,
        ),
        debug,
    )
