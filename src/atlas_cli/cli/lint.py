"""`atlas lint`: the Typer layer."""

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

if TYPE_CHECKING:
    import typer

    from atlas_cli.core.config import Settings
    from atlas_cli.lint.problem import Problem


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def repository_root(cwd: Path, env: Mapping[str, str]) -> Path:
    """The folder CI paths are relative to: GITHUB_WORKSPACE, else the git top level
    (the nearest folder with `.git`), else the working folder."""
    if env.get("GITHUB_WORKSPACE"):
        return Path(os.path.realpath(env["GITHUB_WORKSPACE"]))
    for folder in (cwd, *cwd.parents):
        if (folder / ".git").exists():
            return folder
    return cwd


def relative_to_root(problems: "list[Problem]", root: Path, cwd: Path) -> "list[Problem]":
    """PROBLEMS with paths relative to ROOT (absolute for a file outside it), in `/` form."""
    from dataclasses import replace

    moved = []
    for problem in problems:
        absolute = os.path.normpath(os.path.join(cwd, problem.path))
        # the folder is resolved like ROOT (symlinks); the file name is kept as linted
        absolute = os.path.join(os.path.realpath(os.path.dirname(absolute)), os.path.basename(absolute))
        relative = os.path.relpath(absolute, root)
        path = absolute if relative == ".." or relative.startswith(".." + os.sep) else relative
        moved.append(replace(problem, path=Path(path).as_posix()))
    return moved


def write_step_summary(markdown: str, env: Mapping[str, str]) -> None:
    """Append MARKDOWN to the GitHub job summary, when the job has one."""
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from atlas_cli.cli.handler import eprint
    from atlas_cli.core.safe_text import for_terminal

    try:
        with open(target, "a", encoding="utf-8") as summary:
            summary.write(for_terminal(markdown))
    except OSError as exc:  # the summary is a courtesy: the annotations and the log stand without it
        eprint(f"atlas: cannot write the job summary to {target}: {exc.strerror}")


def shown_safely(problems: "list[Problem]") -> "list[Problem]":
    """PROBLEMS with their paths, messages and hints made safe for a terminal (core.safe_text),
    before the text format styles them: a value a message quotes is shown, never obeyed."""
    from dataclasses import replace

    from atlas_cli.core.safe_text import for_terminal

    return [
        replace(p, path=for_terminal(p.path), message=for_terminal(p.message), hint=p.hint and for_terminal(p.hint))
        for p in problems
    ]


def lint_arguments(arguments: list[str]) -> list[Path] | None:
    """The paths `atlas lint` was given (None: the whole atlas); UsageError for an empty one, which
    a shell gives for an unset variable (`atlas lint "$FILES"`) and must not silently mean `.`."""
    from atlas_cli.core.errors import UsageError

    for number, argument in enumerate(arguments, start=1):
        if not argument:
            raise UsageError(
                "an empty path" + (f" (argument {number})" if len(arguments) > 1 else ""),
                hint="name a record file or folder, `.` for the folder you are in, or no path for the whole atlas",
            )
    return [Path(argument) for argument in arguments] or None


def register(app: "typer.Typer") -> None:
    import typer

    from atlas_cli.cli.app import eprint, handle_errors, out, settings
    from atlas_cli.core.workers import MAX_JOBS

    @app.command("lint")
    @handle_errors
    def lint(
        paths: Annotated[
            list[str] | None,  # text, not Path: Path("") is ".", and an empty argument must not mean the atlas
            typer.Argument(
                help="Record files, registry files, or folders (searched recursively; the atlas folder "
                "is the whole atlas). Default: the whole atlas."
            ),
        ] = None,
        format: Annotated[
            str,
            typer.Option(
                "--format",
                "-f",
                help="Output: text (default), json, github (workflow annotations and job summary), "
                "or sarif (SARIF 2.1.0, for code scanning).",
            ),
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
        diff: Annotated[
            bool,
            typer.Option(
                "--diff",
                help="Print what --fix would change as a unified diff and write nothing "
                "(badge changes on published records are named first). Exit 1 if a file would change.",
            ),
        ] = False,
        drafts: Annotated[
            str | None,
            typer.Option(
                "--drafts",
                metavar="warn|quiet",
                help="Warnings in draft records: warn (shown, the default) or quiet (hidden, counted). "
                "Overrides `drafts` in [lint] of the atlas configuration.",
            ),
        ] = None,
        jobs: Annotated[
            int | None,
            typer.Option(
                "--jobs", "-j", min=1, max=MAX_JOBS, help=f"Worker processes, 1 to {MAX_JOBS} (default: one per core)."
            ),
        ] = None,
        criteria: Annotated[
            bool,
            typer.Option(
                "--criteria",
                help="Also read the text atlas add stored for each paper (offline) and report records whose "
                "criteria disagree with it (pem-stored-text), quoting both.",
            ),
        ] = False,
        no_cache: Annotated[
            bool,
            typer.Option(
                "--no-cache",
                help="Do not use or update the lint index in the cache folder: linting a few files "
                "reads every other record of the atlas for the checks across records.",
            ),
        ] = False,
    ) -> int:
        """Check records against the schema and the atlas's rules.

        Without a path: every record of the atlas (subfolders of the records folder
        too) and the registries of its schemas/ folder; a folder is searched
        recursively; each path is checked with the settings of the atlas it lies in.
        Prints `path:line:column: severity rule-id message` with a hint per problem.
        With --format github or sarif, paths are relative to the repository root
        (GITHUB_WORKSPACE, else the git top level, else the working folder).

        Exit codes: 0 no errors; 1 errors (or warnings with --strict; with --diff,
        a file would change); 2 usage or configuration error, or a file that
        cannot be read.
        """
        from atlas_cli.core.errors import FINDINGS, OK

        check_choices(format, drafts)
        if diff and format != "text":  # a unified diff is the one output of --diff: never a silent other format
            from atlas_cli.core.errors import UsageError

            raise UsageError(
                f"--diff prints a unified diff, not --format {format}",
                hint=f"drop --format to preview the fixes, or drop --diff for the problems as {format}",
            )
        targets = lint_arguments(paths or [])
        if fix or diff:
            from atlas_cli.lint.fix import apply_fixes, format_preview, plan_fixes

            plans = plan_fixes(targets, settings, jobs=jobs, drafts=drafts, cache=not no_cache)
            if diff:
                out(format_preview(plans))
                return FINDINGS if plans else OK
            apply_fixes(plans)
            for plan in plans:
                patients = " (a published record: patients read this badge)" if plan.badge_on_published else ""
                eprint(f"fixed {plan.display}: {', '.join(plan.fixed.what)}{patients}")
        return run_lint(
            targets,
            settings,
            format=format,
            strict=strict,
            drafts=drafts,
            jobs=jobs,
            criteria=criteria,
            cache=not no_cache,
        )


def check_choices(format: str, drafts: str | None) -> None:
    """A usage error for an unknown --format or --drafts value."""
    from atlas_cli.core.choices import check_choice
    from atlas_cli.lint.report import FORMATTERS

    check_choice("format", format, FORMATTERS)
    if drafts is not None:
        check_choice("--drafts value", drafts, ("warn", "quiet"))


def run_lint(
    paths: list[Path] | None,
    settings: "Callable[[], Settings]",
    *,
    format: str = "text",
    strict: bool = False,
    drafts: str | None = None,
    jobs: int | None = None,
    criteria: bool = False,
    cache: bool = True,
) -> int:
    """`atlas lint` without --fix: check, print the problems, return the exit code.

    Shared by the Typer command and the fast path of the entry point."""
    from atlas_cli.cli.handler import eprint, out
    from atlas_cli.core.errors import FINDINGS, OK, USAGE
    from atlas_cli.lint.engine import lint_targets
    from atlas_cli.lint.report import FORMATTERS, format_github, format_github_summary, format_sarif, format_text

    check_choices(format, drafts)
    result = lint_targets(paths, settings, jobs=jobs, drafts=drafts, criteria=criteria, cache=cache)
    if format == "text":
        text = format_text(shown_safely(result.problems), result.files, color=use_color(sys.stdout))
    elif format in ("github", "sarif"):  # paths as the repository knows them, wherever atlas runs
        cwd = Path.cwd()
        root = repository_root(cwd, os.environ)
        problems = relative_to_root(result.problems, root, cwd)
        if format == "github":
            text = format_github(problems, result.files)
            write_step_summary(format_github_summary(problems, result.files), os.environ)
        else:
            from atlas_cli import __version__
            from atlas_cli.init.source import repository_url

            text = format_sarif(
                problems,
                result.files,
                root_uri=root.as_uri(),
                tool_version=__version__,
                information_uri=repository_url(),
            )
    else:
        text = FORMATTERS[format](result.problems, result.files)
    if format == "text":  # its values made safe above, its colours atlas's own
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        out(text)
    if result.texts is not None:
        noun = "record" if result.texts == 1 else "records"
        eprint(
            f"atlas: --criteria read the stored text of {result.texts} {noun} of {result.files} "
            "(atlas add stores it; the others were not compared)"
        )
    if result.hidden:
        noun = "warning" if result.hidden == 1 else "warnings"
        eprint(f"atlas: {result.hidden} {noun} in draft records not shown (--drafts warn shows them)")
    if result.unreadable:
        return USAGE
    if result.errors or (strict and result.warnings):
        return FINDINGS
    return OK
