"""`atlas discover`: new papers in PubMed that the atlas does not have (thin layer over atlas_cli.discover)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from atlas_cli.core.config import Settings
    from atlas_cli.discover.search import Discovery

HELP = """List the papers PubMed added in a date window that are not in the atlas yet.

Searches PubMed for the atlas's query (the [discover] query setting; --query for one
run) over a window of Entrez dates: --since DATE, --days N, or by default since the
newest snapshot_date of the atlas (the last 30 days when there is none), until
--until DATE or today, both ends included. Papers already in the atlas (by PMID, DOI
or DOI alias, or same title and year) and papers excluded in screening.yaml are left
out and counted. The rest are listed newest first, with PubMed's publication types,
and marked when those say the paper is not a study (comment, editorial, erratum,
retraction notice, letter, news...).

\b
  atlas discover                                  # since the last snapshot
  atlas discover --days 7 --format ids | atlas add --from -
  atlas discover --add                            # add them all in one step
  atlas discover --exclude 38012345 --reason "cancer-related fatigue, not ME/CFS"

Exit codes: 0 listed (also when nothing is new); 2 a bad option or date, a window
with more than 10,000 papers, a malformed setting, or an --exclude that cannot be
written as asked; 3 PubMed could not be searched (nothing is listed then: the list
would be incomplete); 4 screening.yaml could not be written; with --add, the exit
code of atlas add.

Environment: ATLAS_MAILTO (contact email sent to NCBI), ATLAS_NCBI_API_KEY (10
requests/s instead of 3), ATLAS_NCBI_URL, and the ATLAS_HTTP_* settings of atlas add.
"""

FORMATS = ("text", "json", "ids")


def register(app: typer.Typer) -> None:
    from atlas_cli.cli.app import eprint, handle_errors, out, settings

    @app.command("discover", help=HELP)
    @handle_errors
    def discover(
        query: Annotated[
            str | None, typer.Option("--query", "-q", help="PubMed search for this run (default: the atlas's).")
        ] = None,
        since: Annotated[
            str | None, typer.Option("--since", metavar="DATE", help="First day of the window (YYYY-MM-DD).")
        ] = None,
        until: Annotated[
            str | None, typer.Option("--until", metavar="DATE", help="Last day of the window (default: today).")
        ] = None,
        days: Annotated[int | None, typer.Option("--days", metavar="N", help="The last N days.")] = None,
        format: Annotated[str, typer.Option("--format", "-f", help="text (default), json, or ids.")] = "text",
        studies_only: Annotated[
            bool, typer.Option("--studies-only", help="Leave out what is not a study (counted in the summary).")
        ] = False,
        add: Annotated[bool, typer.Option("--add", help="Add the papers listed, as atlas add does.")] = False,
        exclude: Annotated[
            list[str] | None,
            typer.Option("--exclude", metavar="ID", help="Record that this PMID or DOI is out of scope (repeatable)."),
        ] = None,
        reason: Annotated[
            str | None, typer.Option("--reason", metavar="TEXT", help="Why the papers given to --exclude are out.")
        ] = None,
    ) -> int:
        from datetime import date

        from atlas_cli.core.errors import UsageError

        if format not in FORMATS:
            raise UsageError(f"unknown format '{format}'", hint=f"use one of: {', '.join(FORMATS)}")
        config = settings()
        if exclude:
            if add or query or since or until or days is not None:
                raise UsageError("--exclude records decisions; it does not search", hint="run the two separately")
            from atlas_cli.discover.exclude import exclude as write_exclusions

            report = write_exclusions(config, exclude, reason or "", today=date.today())
            for entry in report.added:
                title = f" ({entry.title})" if entry.title else ""
                eprint(f"excluded {entry.named()}{title}: {entry.reason}")
            for entry in report.already:
                eprint(f"already excluded {entry.named()} on {entry.date}: {entry.reason}")
            for warning in report.warnings:
                eprint(f"atlas: warning: {warning}")
            return 0
        if reason is not None:
            raise UsageError("--reason goes with --exclude", hint="atlas discover --exclude ID --reason TEXT")

        from atlas_cli.add.batch import RecordIndex
        from atlas_cli.discover.report import as_json, ids_lines, summary_line, text_lines
        from atlas_cli.discover.search import discover as search
        from atlas_cli.discover.window import window_for

        index = RecordIndex(config.records_dir)
        if since is None and days is None:
            index.refresh()
        window = window_for(date.today(), since=since, until=until, days=days, newest_snapshot=index.newest_snapshot())
        discovery = search(config, window, query=query, studies_only=studies_only)
        if format == "json":
            out(as_json(discovery))
        else:
            lines = ids_lines(discovery) if format == "ids" else text_lines(discovery)
            out("".join(line + "\n" for line in lines))
        for warning in discovery.warnings:
            eprint(f"atlas: warning: {warning}")
        eprint(summary_line(discovery))
        if not add or not discovery.new:
            return 0
        return _add(config, discovery)


def _add(config: Settings, discovery: Discovery) -> int:
    """Add the papers DISCOVERY lists, with the PubMed records it already has; atlas add's exit code."""
    from atlas_cli.add.batch import add_dois
    from atlas_cli.add.report import result_lines, summary_lines
    from atlas_cli.cli.app import eprint
    from atlas_cli.cli.progress import BatchProgress

    papers = discovery.new
    progress = BatchProgress("adding", result_lines)
    try:
        report = add_dois(
            config,
            [p.summary.pmid for p in papers],
            on_result=progress.result,
            on_start=progress.start,
            summaries={p.summary.pmid: p.summary for p in papers},
        )
    finally:
        progress.stop()
    for warning in report.warnings:
        eprint(f"atlas: warning: {warning}")
    eprint("\n".join(summary_lines(report)))
    return report.exit_code
