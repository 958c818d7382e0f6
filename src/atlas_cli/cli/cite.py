"""`atlas cite` and `atlas export`: citations people can paste.

Thin Typer layer: parse options, call `atlas_cli.cite` / `atlas_cli.cite.export`,
print, return the exit code. Nothing heavy is imported until a command runs.
"""

from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see core/values.py)
if TYPE_CHECKING:
    import typer

    from atlas_cli.core.config import Settings

CITE_FORMATS = "primary, bibtex, snapshot, csl-json, ris, apa, vancouver, ama"


def run_cite(slugs: "list[str]", fmt: "str | None", conf: "Settings", latex: bool = False) -> int:
    """`atlas cite`: print the citations of SLUGS; 1 if any slug is unknown.

    Shared by the Typer command and the fast path of the entry point.
    """
    from atlas_cli import cite
    from atlas_cli.cli.handler import out, report_error
    from atlas_cli.core.errors import FINDINGS, NotFound
    from atlas_cli.core.records import check_slug_argument, load_record

    if fmt is not None and fmt not in cite.FORMATS:
        raise cite.unknown_format(fmt)
    cite.check_latex(fmt, latex)
    for slug in slugs:
        check_slug_argument(slug)
    records, missing = [], 0
    for slug in slugs:
        try:
            record = dict(load_record(conf.records_dir, slug))
        except NotFound as exc:
            report_error(exc.message, exc.hint)
            missing += 1
            continue
        record["slug"] = slug  # the file name is the slug
        records.append(record)
    text = cite.cite_records(records, fmt, conf, latex)
    if text:
        out(text)
        warn_placeholders(conf)
    return FINDINGS if missing else 0


def warn_placeholders(conf: "Settings") -> None:
    """Say so when the citations carry a name, site URL or BibTeX prefix `atlas init` left as a placeholder."""
    unset = conf.placeholders
    if unset:
        from atlas_cli.cli.handler import eprint

        where = conf.config_file.name if conf.config_file is not None else "the settings"
        eprint(
            f"atlas: warning: {', '.join(unset)} {'is' if len(unset) == 1 else 'are'} still "
            f"{'a placeholder' if len(unset) == 1 else 'placeholders'} in {where}: these citations carry "
            f"{'it' if len(unset) == 1 else 'them'} (atlas lint reports where)"
        )


def register(app: "typer.Typer") -> None:
    from typing import Annotated

    import typer

    from atlas_cli.cli.app import eprint, handle_errors, out, settings
    from atlas_cli.cli.complete import slugs as complete_slugs

    @app.command("cite")
    @handle_errors
    def cite_command(
        slugs: Annotated[
            list[str],
            typer.Argument(help="Slug(s) of the record(s) to cite.", show_default=False, autocompletion=complete_slugs),
        ],
        fmt: Annotated[
            str | None,
            typer.Option(
                "--format",
                "-f",
                metavar="FORMAT",
                help=f"One format instead of the page's three blocks: {CITE_FORMATS}.",
            ),
        ] = None,
        latex: Annotated[
            bool,
            typer.Option("--latex", help="BibTeX for pdflatex and bibtex: characters outside ASCII as LaTeX commands."),
        ] = False,
    ) -> int:
        """Print the citations of a record, as its evidence page shows them.

        By default: the primary citation, BibTeX and the atlas snapshot reference,
        each under its label. Unknown slug: exit 1; a path instead of a slug: exit 2.
        """
        return run_cite(slugs, fmt, settings(), latex)

    @app.command("export")
    @handle_errors
    def export_command(
        fmt: Annotated[
            str, typer.Option("--format", "-f", metavar="FORMAT", help="bibtex, csl-json or ris.")
        ] = "bibtex",
        status: Annotated[
            list[str] | None,
            typer.Option(
                "--status", metavar="STATUS", help="Only records with this status (draft, published); repeatable."
            ),
        ] = None,
        badge: Annotated[
            list[str] | None,
            typer.Option(
                "--badge",
                metavar="BADGE",
                help="Only records with this PEM badge (required, not-required, unclear, not-applicable); repeatable.",
            ),
        ] = None,
        topic: Annotated[
            list[str] | None,
            typer.Option("--topic", metavar="TOPIC", help="Only records tagged with this topic id; repeatable."),
        ] = None,
        include_drafts: Annotated[bool, typer.Option("--include-drafts", help="Include draft records.")] = False,
        latex: Annotated[
            bool,
            typer.Option("--latex", help="BibTeX for pdflatex and bibtex: characters outside ASCII as LaTeX commands."),
        ] = False,
        output: Annotated[
            Path | None,
            typer.Option(
                "--output",
                "-o",
                metavar="FILE",
                dir_okay=False,
                help="Write to FILE (atomically) instead of standard output.",
            ),
        ] = None,
    ) -> int:
        """Export records as one BibTeX, CSL-JSON or RIS file.

        Published records by default (drafts with --include-drafts or --status draft).
        A record file that cannot be read is skipped with a warning and the exit
        status is 1.
        """
        from atlas_cli.cite.export import export
        from atlas_cli.core.errors import FINDINGS
        from atlas_cli.core.registries import load_registries
        from atlas_cli.core.select import make_selection

        conf = settings()
        selection = make_selection(
            statuses=status or (), badges=badge or (), topics=topic or (), registries=load_registries(conf.schemas_dir)
        )
        result = export(conf.records_dir, fmt, selection, conf, include_drafts=include_drafts, latex=latex)
        if output is not None:
            from atlas_cli.core.records import write_atomic

            write_atomic(output, result.text)
        elif result.text:
            out(result.text)
        for skipped in result.skipped:
            eprint(f"atlas: warning: {skipped}")
        if result.count:
            warn_placeholders(conf)
        noun = "record" if result.count == 1 else "records"
        if output is not None:
            eprint(f"atlas: exported {result.count} {noun} to {output}")
        if result.skipped:
            eprint(f"atlas: {len(result.skipped)} record file(s) could not be read and were left out")
            return FINDINGS
        return 0
