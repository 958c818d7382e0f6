"""`atlas show`, `atlas list`, `atlas stats`, `atlas verify`: the curator's daily commands.

Thin Typer layer: parse options, call the core (show, listing, stats, verify),
print. Rich output on a terminal, plain text when piped; rich markup is never
interpreted in record text (a title containing `[b]` prints as written).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from atlas_cli.cli.complete import slugs as complete_slugs

if TYPE_CHECKING:
    from rich.console import Console

    from atlas_cli.core.config import Settings
    from atlas_cli.curate.listing import Row
    from atlas_cli.curate.show import Page

PEM_STYLES = {
    "required": "bold white on dark_green",
    "not-required": "bold black on yellow",
    "unclear": "bold white on grey37",
    "not-applicable": "bold white on blue",
    "missing": "bold white on red",
}
LIST_BADGE_STYLES = {
    "required": "green",
    "not-required": "yellow",
    "unclear": "grey50",
    "not-applicable": "blue",
    "missing": "red",
}
BADGE_STYLES = {
    "evidence": "bold cyan",
    "confidence": "cyan",
    "design": "magenta",
    "review": "green",
    "review-no": "yellow",
    "status": "bold yellow",
}
BANNER_STYLES = {
    "retracted": "bold white on red",
    "withdrawn": "bold white on red",
    "expression-of-concern": "bold black on dark_orange",
    "corrected": "bold black on yellow",
}


def make_console(stderr: bool = False) -> Console:
    """A console that never interprets markup or highlights record text, and shows escape
    sequences in it instead of obeying them (cli.console); honours NO_COLOR."""
    from atlas_cli.cli.console import make_console as safe_console

    return safe_console(stderr)


def _write(text: str) -> None:
    from atlas_cli.cli.handler import out

    out(text)


# --- show --------------------------------------------------------------------------------


def render_page(console: Console, page: Page) -> None:
    """The evidence page with rich styles (badges coloured, PEM badge prominent)."""
    from rich.panel import Panel
    from rich.text import Text

    from atlas_cli.core.pem import PEM_NOTE

    if page.problems:
        head = Text(
            f"{len(page.problems)} problem{'s' if len(page.problems) != 1 else ''} (atlas lint):", style="bold red"
        )
        console.print(head)
        for problem in page.problems:
            console.print(Text("  " + problem, style="red"), soft_wrap=True)
        console.print()
    for banner in page.banners:
        body = Text()
        body.append(banner.text, style=BANNER_STYLES.get(banner.kind, "bold red"))
        for detail in banner.details:
            body.append("\n" + detail, style="default")
        console.print(
            Panel(body, expand=False, border_style="red" if banner.kind in ("retracted", "withdrawn") else "yellow")
        )
    row = Text()
    for badge in page.badges:
        if row:
            row.append("  ")
        style = (
            PEM_STYLES.get(badge.kind[4:], "bold")
            if badge.kind.startswith("pem-")
            else BADGE_STYLES.get(badge.kind, "")
        )
        row.append(f" {badge.text} " if badge.kind.startswith("pem-") else f"[{badge.text}]", style=style)
    console.print(row)
    console.print()
    console.print(Text(page.title, style="bold"))
    if page.header:
        console.print(Text(page.header, style="dim"))
    for heading, text in page.sections:
        console.print()
        console.print(Text(heading, style="bold underline"))
        console.print(Text(text))
    console.print()
    console.print(Text("PEM badge", style="bold underline"))
    label = next((b.text for b in page.badges if b.kind.startswith("pem-")), "")
    line = Text(f" {label} ", style=PEM_STYLES.get(page.pem_badge or "missing", PEM_STYLES["missing"]))
    console.print(line)
    if page.criteria:
        console.print(Text("Criteria: " + "; ".join(page.criteria)))
    for extra in page.pem_lines:
        console.print(Text(extra))
    for source, quote in page.pem_quotes:
        console.print(
            Text(f"In the paper's words ({source}): ", style="bold") + Text(f"\u201c{quote}\u201d", style="italic")
        )
    if page.pem_proposal:
        console.print(Text(page.pem_proposal, style="yellow" if "not yet confirmed" in page.pem_proposal else "dim"))
    console.print(Text(f"About the PEM badge: {PEM_NOTE}", style="dim italic"))
    if page.topics:
        console.print()
        console.print(Text("Topics: ", style="bold") + Text(", ".join(page.topics)))
    other_flags = [f for f in page.flags if f not in {b.kind for b in page.banners}]
    if other_flags:
        console.print(Text("Flags: ", style="bold") + Text(", ".join(other_flags), style="yellow"))
    for heading, text in page.citations:
        console.print()
        console.print(Text(heading, style="bold underline"))
        console.print(Text(text), soft_wrap=True)


def show_record(settings: Settings, slug: str, *, lint: bool = True, citations: bool = True) -> tuple[Page, bool]:
    """(page, readable): the page of SLUG with its problems (NotFound for an unknown slug)."""
    from atlas_cli.core.records import check_slug_argument, find_record
    from atlas_cli.core.registries import load_registries
    from atlas_cli.curate.listing import attach_lint, read_entries
    from atlas_cli.curate.show import build_page

    path = find_record(settings.records_dir, check_slug_argument(slug))
    entry = read_entries(settings.records_dir, [path])[0]
    if lint and entry.data is not None:
        attach_lint(settings, [entry])
    render: Callable[[dict[str, Any], str], str] | None = None
    if citations:
        from atlas_cli import cite

        def render_citation(record: dict[str, Any], fmt: str) -> str:
            # The file name is the slug, as in `atlas cite`, `atlas export` and the site.
            return cite.render(dict(record, slug=path.stem), fmt, settings)

        render = render_citation

    registries = load_registries(settings.schemas_dir)
    page = build_page(
        entry.data or {},
        registries,
        citations=render if entry.data is not None else None,
        problems=entry.problems,
        slug=path.stem,
    )
    return page, entry.data is not None


# --- list --------------------------------------------------------------------------------


def render_table(console: Console, rows: list[Row]) -> None:
    """One line per record, columns fitted to the terminal (long cells end with an ellipsis)."""
    from rich.text import Text

    from atlas_cli.curate.listing import HEADINGS, cells, clip, fit_widths

    table = [list(HEADINGS)]
    for row in rows:
        values = cells(row)
        values[7] = (
            " ".join(filter(None, [f"{row.errors}E" if row.errors else "", f"{row.warnings}W" if row.warnings else ""]))
            or "-"
        )
        table.append(values)
    widths = fit_widths(table, console.width)
    for index, values in enumerate(table):
        line = Text(no_wrap=True, overflow="ellipsis")
        styles = [""] * len(values)
        if index == 0:
            styles = ["bold"] * len(values)
        else:
            row = rows[index - 1]
            styles[3] = LIST_BADGE_STYLES.get(row.badge or "missing", "")
            styles[5] = "yellow" if row.status == "draft" else ""
            if row.flags:
                styles[6] = "bold red" if {"retracted", "withdrawn"} & set(row.flags) else "yellow"
            styles[7] = "bold red" if row.errors else "yellow" if row.warnings else ""
        for column, (value, width, style) in enumerate(zip(values, widths, styles)):
            if column:
                line.append("  ")
            line.append(
                clip(value, width).ljust(width) if column < len(values) - 1 else clip(value, width), style=style
            )
        console.print(line, soft_wrap=True)


def register(app: typer.Typer) -> None:
    from atlas_cli.cli.app import eprint, handle_errors, settings

    @app.command("show")
    @handle_errors
    def show(
        slug: Annotated[
            str,
            typer.Argument(help="The record to show, e.g. mensah-2017-chronic-fatigue.", autocompletion=complete_slugs),
        ],
        lint: Annotated[bool, typer.Option("--lint/--no-lint", help="Check the record and flag its problems.")] = True,
        citations: Annotated[
            bool, typer.Option("--citations/--no-citations", help="End with the three citation blocks.")
        ] = True,
    ) -> int:
        """Show a record as its evidence page reads.

        Badges (PEM badge colour-coded), title, header line (at most 3 authors, then
        et al.), retraction banner, summary, why it matters, what it does not show,
        criteria by name, topics and the citation blocks. Rich output on a terminal,
        plain text when piped; NO_COLOR turns colour off. Problems `atlas lint` finds
        are listed first; the record is still shown.

        Exit codes: 0 shown (even with lint problems); 1 unknown slug (the closest
        slugs are suggested) or a record file that cannot be read as YAML; 2 usage or
        configuration error.
        """
        from atlas_cli.core import errors

        cfg = settings()
        page, readable = show_record(cfg, slug, lint=lint, citations=citations)
        if not readable:
            eprint(f"atlas: error: {slug}: the record file cannot be read")
            for problem in page.problems:
                eprint(f"  {problem}")
            eprint(f"  hint: run `atlas lint {cfg.records_dir_name}/{slug}.yaml` and fix the file")
            return errors.FINDINGS
        console = make_console()
        if console.is_terminal:
            render_page(console, page)
        else:
            from atlas_cli.curate.show import format_text

            _write(format_text(page))
        return errors.OK

    @app.command("list")
    @handle_errors
    def list_(
        badge: Annotated[
            list[str] | None,
            typer.Option(
                "--badge",
                help="PEM badge: required, not-required, unclear, not-applicable (repeat for any of several).",
            ),
        ] = None,
        criteria: Annotated[
            list[str] | None,
            typer.Option("--criteria", help="Case definition id or name used for inclusion, e.g. ccc-2003 or Fukuda."),
        ] = None,
        topic: Annotated[list[str] | None, typer.Option("--topic", help="Topic id from schemas/topics.yaml.")] = None,
        design: Annotated[
            list[str] | None, typer.Option("--design", help="Design id from schemas/designs.yaml.")
        ] = None,
        status: Annotated[list[str] | None, typer.Option("--status", help="draft or published.")] = None,
        year: Annotated[
            str | None, typer.Option("--year", help="A year or an inclusive range: 2017, 2015..2020, 2015.., ..2020.")
        ] = None,
        flag: Annotated[
            list[str] | None,
            typer.Option("--flag", help="Record flag, e.g. retracted, withdrawn, expression-of-concern, preprint."),
        ] = None,
        search: Annotated[
            str | None,
            typer.Option(
                "--search",
                help="Words that must all occur in the title, authors or curated text (case and accents ignored).",
            ),
        ] = None,
        problems: Annotated[bool, typer.Option("--problems", help="Only records with problems.")] = False,
        sort: Annotated[
            str, typer.Option("--sort", help="slug, year, author, badge, design, status, added or problems.")
        ] = "slug",
        reverse: Annotated[bool, typer.Option("--reverse", help="Reverse the order.")] = False,
        fmt: Annotated[str, typer.Option("--format", help="table (default), json or csv.")] = "table",
        lint: Annotated[
            bool,
            typer.Option(
                "--lint/--no-lint",
                help="Run the full `atlas lint` checks to flag problems (default: only YAML problems).",
            ),
        ] = False,
    ) -> int:
        """List records, one line each: slug, year, first author, PEM badge, design, status, flags, problems.

        Filters combine with AND; a filter given several times matches any of its
        values. Records that cannot be read are still listed (with their problems)
        unless a filter on content excludes them. A table on a terminal, aligned
        plain columns when piped; --format json or csv for scripts (lists in CSV are
        joined with "; ").

        Exit codes: 0 listed (also when nothing matches; the count goes to stderr);
        2 bad option (unknown badge, criteria, topic, design, status, year range,
        sort key or format) or configuration error.
        """
        from atlas_cli.core import errors
        from atlas_cli.core.choices import check_choice
        from atlas_cli.core.registries import load_registries
        from atlas_cli.core.select import make_selection
        from atlas_cli.curate.listing import (
            FORMATTERS,
            attach_lint,
            list_rows,
            read_entries,
            summary_line,
        )

        check_choice("format", fmt, ("table", "json", "csv"))
        cfg = settings()
        registries = load_registries(cfg.schemas_dir)
        selection = make_selection(
            badges=badge or (),
            criteria=criteria or (),
            topics=topic or (),
            designs=design or (),
            statuses=status or (),
            flags=flag or (),
            years=year,
            search=search,
            registries=registries,
        )
        entries = read_entries(cfg.records_dir)
        if lint:
            attach_lint(cfg, entries)
        rows = list_rows(entries, selection, problems_only=problems, sort=sort, reverse=reverse)
        if fmt != "table":
            _write(FORMATTERS[fmt](rows))
            return errors.OK
        console = make_console()
        if console.is_terminal:
            render_table(console, rows)
        else:
            _write(FORMATTERS["text"](rows))
        eprint(summary_line(len(rows), len(entries)))
        return errors.OK

    @app.command("stats")
    @handle_errors
    def stats(
        fmt: Annotated[str, typer.Option("--format", help="text (default) or json.")] = "text",
        lint: Annotated[
            bool,
            typer.Option(
                "--lint/--no-lint", help="Count records with lint errors and warnings (off: only YAML problems)."
            ),
        ] = True,
    ) -> int:
        """The state of the atlas at a glance.

        Records by status, PEM badge, design, evidence level, case definitions used,
        publication year (a bar chart), topics and flags, and the curation backlog:
        drafts by age (from `added`) and records with lint errors or warnings.
        --format json gives the same counts for dashboards.

        Exit codes: 0 done; 2 bad option or configuration error.
        """
        from atlas_cli.core import errors
        from atlas_cli.core.choices import check_choice
        from atlas_cli.core.registries import load_registries
        from atlas_cli.curate.listing import attach_lint, read_entries
        from atlas_cli.curate.stats import SECTIONS, compute, format_json, format_text

        check_choice("format", fmt, ("text", "json"))
        cfg = settings()
        entries = read_entries(cfg.records_dir)
        if lint:
            attach_lint(cfg, entries)
        result = compute(entries, load_registries(cfg.schemas_dir), lint_checked=lint)
        if fmt == "json":
            _write(format_json(result))
            return errors.OK
        console = make_console()
        text = format_text(result, bar_width=max(10, min(40, console.width - 60)) if console.is_terminal else 40)
        if console.is_terminal:
            from rich.text import Text

            headings = {heading for _, heading in SECTIONS} | {"Curation backlog"}
            for line in text.rstrip("\n").split("\n"):
                console.print(Text(line, style="bold underline" if line in headings else ""), soft_wrap=True)
        else:
            _write(text)
        return errors.OK

    @app.command("verify")
    @handle_errors
    def verify(
        slugs: Annotated[
            list[str] | None,
            typer.Argument(help="Records to verify (default: every record).", autocompletion=complete_slugs),
        ] = None,
        apply: Annotated[
            bool,
            typer.Option(
                "--apply",
                help="Update bibliographic fields, flags and notices from Crossref or PubMed (never curated "
                "text or the PEM badge) and show the diff.",
            ),
        ] = False,
        fmt: Annotated[str, typer.Option("--format", help="text (default) or json.")] = "text",
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also list the records that match.")] = False,
    ) -> int:
        """Check records against a fresh answer from Crossref (by DOI) or PubMed (by PMID).

        A record with a DOI is asked of Crossref; one with only a PMID, of PubMed.
        Reports, per record: a new retraction, withdrawal, correction or expression
        of concern; a title, year, journal or first author that no longer matches
        (with a similarity score from 0 to 1, so a wrong DOI or PMID stands out); a
        DOI that no longer resolves or now answers with another DOI; a PMID PubMed
        does not know; a DOI PubMed now lists. Both are always asked afresh (the
        cache is updated, never read), with the pacing and retries of `atlas add`.
        Records are changed only with --apply.

        Exit codes: 0 nothing to act on (with --apply: nothing left, all applied);
        1 findings to act on (also unknown slug);
        2 usage or configuration error; 3 no finding but some records could not be
        checked (network); 4 a record could not be written; 130 interrupted.
        """
        from atlas_cli.core.choices import check_choice
        from atlas_cli.curate.verify import Verdict, format_json, format_text, verify_records

        check_choice("format", fmt, ("text", "json"))
        cfg = settings()
        from atlas_cli.cli.progress import BatchProgress

        progress: BatchProgress[Verdict] = BatchProgress("verifying")
        try:
            report = verify_records(cfg, slugs or None, apply=apply, on_start=progress.start, on_result=progress.result)
        finally:
            progress.stop()
        _write(format_json(report) if fmt == "json" else format_text(report, show_ok=verbose))
        return report.exit_code()
