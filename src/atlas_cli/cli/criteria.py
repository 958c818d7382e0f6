"""`atlas criteria`: propose the PEM badge from a paper's text, with the quotes.

Thin layer: read the text (a file, standard input, or what atlas stored for a
record), call `atlas_cli.criteria`, print text or JSON. The plain form of the
command is answered without building the Typer application (as `atlas cite` is),
so reading one passage starts about as fast as citing a record; anything else
(--help, a typo) goes to the Typer command, which runs the same `run_criteria`.
"""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

if TYPE_CHECKING:
    import typer

    from atlas_cli.core.config import Settings

FORMATS = ("text", "json")
MAX_INPUT_BYTES = 64 * 1024 * 1024


def read_input(name: str) -> str:
    """The text of file NAME (`-`: standard input), as UTF-8; UsageError if it cannot be read."""
    from atlas_cli.core.errors import UsageError

    try:
        if name == "-":
            raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with open(name, "rb") as handle:
                raw = handle.read(MAX_INPUT_BYTES + 1)
    except IsADirectoryError as exc:
        raise UsageError(
            f"cannot read {name}: it is a folder", hint="give a text file, or - for standard input"
        ) from exc
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_INPUT_BYTES:
        raise UsageError(
            f"{name} is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB",
            hint="give the paper's methods section or abstract, not a whole corpus",
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{name} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            hint="save the text as UTF-8; quotes are given as offsets into the text, so it is not guessed",
        ) from exc


def run_criteria(
    slug: str | None,
    text_file: str | None,
    fmt: str,
    year: int | None,
    load_settings: "Callable[[], Settings]",
    fetch: bool = False,
) -> int:
    """Print the proposal for SLUG's stored text (FETCH: asked for again first) or for TEXT_FILE;
    0 when a proposal is printed."""
    from atlas_cli.cli.handler import out
    from atlas_cli.core.choices import check_choice
    from atlas_cli.core.errors import UsageError

    check_choice("format", fmt, FORMATS)
    if (slug is None) == (text_file is None):
        raise UsageError(
            "give either a record's SLUG or --text FILE",
            hint="atlas criteria mensah-2017-chronic-fatigue, or atlas criteria --text methods.txt (- reads stdin)",
        )
    if fetch and slug is None:
        raise UsageError("--fetch asks PubMed for a record's text: give the record's SLUG, not --text")
    settings = load_settings()
    from atlas_cli.criteria import propose_text
    from atlas_cli.criteria.report import to_json, to_text

    extra: dict = {}
    source = None
    if slug is not None:
        from atlas_cli.core.records import check_slug_argument
        from atlas_cli.criteria.source import stored_text

        check_slug_argument(slug)
        if fetch:
            fetch_text(settings, slug)
        stored = stored_text(settings, slug)
        text = stored.text
        year = year if year is not None else stored.year
        sections = ", ".join(f"{name} [{start}:{end}]" for name, start, end in stored.sections)
        source = f"stored for {slug} ({sections}{'; from ' + stored.source if stored.source else ''})"
        extra = {"slug": slug, "doi": stored.doi, "sections": [list(s) for s in stored.sections]}
    else:
        assert text_file is not None
        text = read_input(text_file)
    proposal = propose_text(text, settings.schemas_dir, year)
    if fmt == "json":
        out(to_json(proposal, extra))
    else:
        from atlas_cli.core.registries import load_registries

        out(to_text(proposal, load_registries(settings.schemas_dir), source))
    return 0


def fetch_text(settings: "Settings", slug: str) -> None:
    """Ask PubMed and PMC for SLUG's abstract and methods and keep them where `atlas add` does."""
    from atlas_cli.add.texts import fetch_record_text
    from atlas_cli.cli.handler import eprint
    from atlas_cli.core import fields
    from atlas_cli.core.errors import NotFound
    from atlas_cli.core.records import load_record

    record = load_record(settings.records_dir, slug)
    doi, pmid = fields.text(record, "doi"), fields.pmid(record)
    if doi is None and pmid is None:
        raise NotFound(
            f"{slug} has neither a DOI nor a PMID: PubMed cannot be asked for its text",
            hint="run `atlas criteria --text FILE` on the paper's methods section or abstract, saved as a text file",
        )
    fetched = fetch_record_text(settings, doi, pmid)
    eprint(f"fetched for {slug}: {fetched.text.source}")


def parse_criteria(
    argv: list[str],
) -> tuple[Path | None, bool, str | None, str | None, str, int | None, bool] | None:
    """(root, debug, slug, text file, format, year, fetch) of a plain `atlas criteria` line, else None."""
    from atlas_cli.cli.fastpath import parse_global

    parsed = parse_global(argv, "criteria")
    if parsed is None:
        return None
    root, debug, args = parsed
    slug = text_file = None
    fmt = "text"
    year: int | None = None
    fetch = False
    while args:
        arg = args.pop(0)
        if arg == "--fetch":
            fetch = True
            continue
        name, equals, value = arg.partition("=")
        if name in ("--text", "--format", "-f", "--year") and not equals:
            if not args:
                return None
            value = args.pop(0)
        if name == "--text" and text_file is None:
            text_file = value
        elif name in ("--format", "-f"):
            fmt = value
        elif name == "--year" and value.isascii() and value.isdigit() and len(value) <= 4:
            year = int(value)
        elif arg.startswith("-") or slug is not None:
            return None
        else:
            slug = arg
    if (slug is None) == (text_file is None):
        return None  # the Typer command explains
    return root, debug, slug, text_file, fmt, year, fetch


def fast_criteria(argv: list[str]) -> int | None:
    """The exit code of a plain `atlas criteria`, or None when ARGV is anything else."""
    parsed = parse_criteria(argv)
    if parsed is None:
        return None
    root, debug, slug, text_file, fmt, year, fetch = parsed
    from atlas_cli.cli.handler import run_command
    from atlas_cli.core.config import load_settings

    return run_command(lambda: run_criteria(slug, text_file, fmt, year, lambda: load_settings(root), fetch), debug)


def register(app: "typer.Typer") -> None:
    import typer

    from atlas_cli.cli.app import handle_errors, settings

    @app.command("criteria")
    @handle_errors
    def criteria_command(
        slug: Annotated[
            str | None,
            typer.Argument(metavar="SLUG", help="Read the text atlas stored for this record.", show_default=False),
        ] = None,
        text: Annotated[
            str | None,
            typer.Option("--text", metavar="FILE", help="Read this UTF-8 text file instead (- reads standard input)."),
        ] = None,
        fmt: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="text or json.")] = "text",
        year: Annotated[
            int | None,
            typer.Option(
                "--year",
                metavar="YEAR",
                help="The paper's publication year (decides e.g. which NICE guideline 'NICE criteria' means; "
                "default for a record: its year).",
            ),
        ] = None,
        fetch: Annotated[
            bool,
            typer.Option(
                "--fetch",
                help="Ask PubMed and PMC for the record's abstract and methods section first, and keep them "
                "(for a record added before atlas stored texts).",
            ),
        ] = False,
    ) -> int:
        """Propose the PEM badge from a paper's text, quoting the sentences it rests on.

        Finds the case definitions used to include participants (and those only
        mentioned), how they combine, a mandatory PEM screen, a design without
        participants; proposes the badge by the registry's rule. Each finding is
        quoted as an exact substring of the text, with its character offsets.
        Exit codes: 0 proposal printed; 1 unknown slug or no stored text;
        2 usage error or unreadable file; 3 PubMed could not be asked (--fetch).
        """
        return run_criteria(slug, text, fmt, year, settings, fetch)
