"""`atlas build`: the atlas as a static preview site (and `--serve` to look at it).

Thin Typer layer: parse options, call `atlas_cli.site.build`, print a summary,
return the exit code. Nothing heavy is imported until the command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from atlas_cli.core.workers import MAX_JOBS  # os only: cheap at start-up


def register(app: typer.Typer) -> None:
    from atlas_cli.cli.app import eprint, handle_errors, out, settings

    @app.command("build")
    @handle_errors
    def build_command(
        output: Annotated[
            Path | None,
            typer.Option(
                "--output",
                "-o",
                metavar="DIR",
                file_okay=False,
                help="Folder to build into (default: site/ in the atlas). Replaced on every build.",
            ),
        ] = None,
        include_drafts: Annotated[
            bool, typer.Option("--include-drafts", help="Include draft records, marked as drafts.")
        ] = False,
        serve: Annotated[
            bool, typer.Option("--serve", help="After building, serve the site on 127.0.0.1 until Ctrl-C.")
        ] = False,
        port: Annotated[
            int, typer.Option("--port", min=0, max=65535, help="Port for --serve (0: any free port).")
        ] = 8000,
        allow_errors: Annotated[
            bool,
            typer.Option(
                "--allow-errors",
                help="Build even when published records (or the settings) have lint errors; their pages say what lint found.",
            ),
        ] = False,
        jobs: Annotated[
            int | None,
            typer.Option(
                "--jobs",
                "-j",
                min=1,
                max=MAX_JOBS,
                metavar="N",
                show_default="one per CPU",
                help=f"Processes reading and rendering records, when many need rendering (1 to {MAX_JOBS}).",
            ),
        ] = None,
    ) -> int:
        """Render the records as a static website: evidence pages, a filterable index, topic and case-definition pages.

        The site uses relative links only, so it works from file:// and any static
        host. Same records, same bytes; the site changes only when the whole build
        succeeded, only records changed since the last build are rendered again,
        and unchanged pages are not rewritten. Records are checked as `atlas lint`
        checks them: a published record with lint errors, or a name, site URL or
        BibTeX prefix still a placeholder of `atlas init`, stops the build (exit 1,
        the problems printed, nothing written) unless --allow-errors. A record file
        that cannot be read is skipped with a warning and the exit code is 1.
        """
        from atlas_cli.core.errors import FINDINGS
        from atlas_cli.site.build import build
        from atlas_cli.site.checks import LintBlocked

        try:
            result = build(settings(), output, include_drafts=include_drafts, workers=jobs, allow_errors=allow_errors)
        except LintBlocked as blocked:
            from atlas_cli.cli.lint import use_color
            from atlas_cli.lint.report import format_text

            sys.stderr.write(format_text(blocked.problems, blocked.checked, color=use_color(sys.stderr)))
            raise
        for skipped in result.skipped:
            eprint(f"atlas: warning: skipped {skipped.path}: {skipped.message}")
        drafts = (
            f", {result.drafts} draft(s) included"
            if include_drafts
            else f", {result.drafts} draft(s) left out (--include-drafts shows them)"
            if result.drafts
            else ""
        )
        if result.settings_errors:
            eprint(
                f"atlas: warning: the site was built with {len(result.settings_errors)} placeholder setting(s) "
                f"of {result.settings_errors[0].path}, which every page cites; run `atlas lint`"
            )
        if result.marked:
            eprint(
                f"atlas: warning: {result.marked} evidence page(s) show records that atlas lint rejects "
                "(each says so at the top); run `atlas lint`"
            )
        reused = result.evidence_pages - result.rendered
        eprint(
            f"Built {result.pages} pages ({result.evidence_pages} evidence page{'' if result.evidence_pages == 1 else 's'}"
            f"{drafts}) into {result.output}: "
            f"{result.written} file(s) written, {result.unchanged} unchanged, {result.removed} removed; "
            f"{result.rendered} record(s) read and rendered"
            + (", the rest unchanged since the last build." if reused > 0 else ".")
        )
        if serve:
            from atlas_cli.site.serve import serve_site

            serve_site(result.output, port, announce=lambda url: out(f"Serving {url} (Ctrl-C to stop)\n"))
        return FINDINGS if result.skipped else 0
