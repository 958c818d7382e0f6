"""`atlas lint`: the Typer layer."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def register(app: typer.Typer) -> None:
    from atlas_cli.cli.app import handle_errors, settings

    @app.command("lint")
    @handle_errors
    def lint(
        paths: Annotated[
            list[Path] | None,
            typer.Argument(help="Record files or folders to check (default: every record of the atlas)."),
        ] = None,
        format: Annotated[
            str, typer.Option("--format", "-f", help="Output: text (default), json, or github (workflow annotations).")
        ] = "text",
        strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on warnings too.")] = False,
        fix: Annotated[
            bool,
            typer.Option(
                "--fix",
                help="Apply safe fixes (badge derived from criteria, canonical criteria ids, "
                "key order, byte-order mark), then report what is left. Never drops a value.",
            ),
        ] = False,
        jobs: Annotated[
            int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: one per core).")
        ] = None,
    ) -> int:
        """Check records against the schema and the atlas's rules.

        Prints `path:line:column: severity rule-id message` with a hint per problem.
        Exit codes: 0 no errors; 1 errors (or warnings with --strict);
        2 usage or configuration error, or a file that cannot be read.
        """
        from atlas_cli.core.errors import FINDINGS, OK, USAGE, UsageError
        from atlas_cli.lint import lint_paths
        from atlas_cli.lint.report import FORMATTERS, format_text

        if format not in FORMATTERS:
            raise UsageError(f"unknown format '{format}'", hint=f"use one of: {', '.join(FORMATTERS)}")
        config = settings()
        if fix:
            from atlas_cli.lint.fix import fix_paths

            fixed = fix_paths(config, paths or None, jobs=jobs)
            for path, what in fixed:
                sys.stderr.write(f"fixed {path}: {', '.join(what)}\n")
        result = lint_paths(config, paths or None, jobs=jobs)
        if format == "text":
            out = format_text(result.problems, result.files, color=use_color(sys.stdout))
        else:
            out = FORMATTERS[format](result.problems, result.files)
        sys.stdout.write(out)
        sys.stdout.flush()
        if result.unreadable:
            return USAGE
        if result.errors or (strict and result.warnings):
            return FINDINGS
        return OK
