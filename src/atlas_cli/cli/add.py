"""`atlas add`: DOIs, PMIDs and PMCIDs -> draft records (thin layer over atlas_cli.add.batch).

`run_add` is the command; the Typer command and the entry point's fast path
(`cli.fastpath.fast_add`, for plain command lines) both call it. Nothing here
imports the CLI framework until `register` runs (and so no `from __future__ import
annotations`: Typer reads the command's annotations, which name `typer` in `register`).
"""

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

if TYPE_CHECKING:
    import typer

    from atlas_cli.core.config import Settings

HELP = """Create draft records from DOIs, PubMed IDs and PMC IDs, with metadata from Crossref and PubMed.

Takes identifiers as people paste them: DOIs (10.x/y, doi:10.x/y, https://doi.org/...,
with stray spaces or a trailing period), PubMed IDs (28410877, PMID: 28410877,
https://pubmed.ncbi.nlm.nih.gov/28410877/) and PMC IDs (PMC5382345, PMC article
addresses). PubMed and PMC IDs are resolved in one batch to their DOI and added as
that DOI; a paper without a DOI gets its record from PubMed's metadata. Each becomes
records/<slug>.yaml with status draft; a paper already in the atlas (by DOI or PMID)
is reported with its slug and skipped. Flags (retracted, corrected, preprint,
erratum, alias...) are shown and written.

Exit codes: 0 every paper added or already present; 1 some identifier failed (not
found, not an identifier, unusable metadata); 2 nothing given, nothing given was a
DOI, PMID or PMCID, or a malformed setting (e.g. ATLAS_CROSSREF_URL); 3 Crossref or
PubMed could not be reached or answered nonsense for every identifier; 4 no record
could be written; 130 interrupted (records already written are kept).

Environment: ATLAS_MAILTO (contact email for Crossref's polite pool and NCBI),
ATLAS_CROSSREF_URL, ATLAS_NCBI_URL, ATLAS_IDCONV_URL (service base URLs),
ATLAS_NCBI_API_KEY (10 NCBI requests/s instead of 3), ATLAS_CACHE_DIR (where raw
answers are kept), ATLAS_HTTP_TIMEOUT (seconds to wait for a connection or the
next bytes of an answer, default 10), ATLAS_HTTP_DEADLINE (seconds one request may
take in all, default 30), ATLAS_HTTP_RETRIES (retries after 429/5xx/dropped
connections, default 4; a timeout is retried once), ATLAS_HTTP_BACKOFF (first retry
wait in seconds, doubling, default 1), ATLAS_HTTP_MAX_WAIT (longest wait, also caps
Retry-After, default 60), ATLAS_HTTP_MAX_MB (largest answer read, decompressed,
default 16).
"""


MAX_FROM_BYTES = 16 * 1024 * 1024  # a list of about a million identifiers


def _read_from(source: str) -> str:
    """The text of --from SOURCE (`-`: standard input): at most MAX_FROM_BYTES, as UTF-8 (or
    UTF-16 with its byte-order mark); UsageError when it cannot be read or is not text."""
    from atlas_cli.core.errors import UsageError

    where = "standard input" if source == "-" else "the file"
    try:
        if source == "-":
            raw = sys.stdin.buffer.read(MAX_FROM_BYTES + 1)
        else:  # a file, or a pipe named on purpose (`--from <(...)`): read as far as the limit
            with open(source, "rb") as handle:
                raw = handle.read(MAX_FROM_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(
            f"--from {source}: no such file", hint="give a file with one DOI or PMID per line, or - for stdin"
        ) from None
    except IsADirectoryError:
        raise UsageError(f"--from {source}: is a folder, not a file") from None
    except OSError as exc:
        raise UsageError(f"--from {source}: cannot read: {exc.strerror}") from None
    if len(raw) > MAX_FROM_BYTES:
        raise UsageError(
            f"--from {source}: {where} holds more than {MAX_FROM_BYTES // (1024 * 1024)} MB",
            hint="give a list of DOIs or PMIDs, one per line",
        )
    # UTF-16 with its byte-order mark is what Windows calls "Unicode"
    encoding = "UTF-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "UTF-8"
    try:
        return raw.decode("utf-16" if encoding == "UTF-16" else "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"--from {source}: not a {encoding} text file (the byte at offset {exc.start} cannot be decoded)",
            hint="save the list as plain UTF-8 text",
        ) from None


def run_add(
    identifiers: list[str],
    from_file: str | None,
    dry_run: bool,
    no_pubmed: bool,
    offline: bool,
    refresh: bool,
    settings: "Callable[[], Settings]",
) -> int:
    """`atlas add`: the exit code; SETTINGS gives the run's settings (read once the input is known good)."""
    from atlas_cli.add.batch import AddOptions, add_dois
    from atlas_cli.cli.handler import eprint, out
    from atlas_cli.core import errors
    from atlas_cli.core.doi import parse_doi_lines

    if offline and refresh:
        raise errors.UsageError("--offline and --refresh contradict each other", hint="use one of them")
    identifiers = list(identifiers)
    if from_file is not None:
        identifiers += parse_doi_lines(_read_from(from_file))
    if not identifiers:
        raise errors.UsageError(
            "no DOI or PubMed ID given",
            hint="atlas add 10.1016/j.neucli.2017.02.002, atlas add 28410877, or --from FILE",
        )
    config = settings()
    options = AddOptions(dry_run=dry_run, pubmed=not no_pubmed, offline=offline, refresh=refresh)
    from atlas_cli.add.report import result_lines
    from atlas_cli.cli.progress import BatchProgress

    progress = BatchProgress("adding", result_lines)
    try:
        report = add_dois(config, identifiers, options, on_result=progress.result, on_start=progress.start)
    finally:
        progress.stop()
    if dry_run:
        drafts = [
            f"# records/{r.slug}.yaml\n{r.text}" + ("" if r.text.endswith("\n") else "\n")
            for r in report.results
            if r.text
        ]
        out("---\n".join(drafts))  # a separator only between two records
    for warning in report.warnings:
        eprint(f"atlas: warning: {warning}")
    from atlas_cli.add.report import summary_lines

    if len(report.results) > 1 or report.interrupted:
        table = "\n".join(summary_lines(report))
        if dry_run:  # standard output holds the records
            eprint(table)
        else:
            out(table + "\n")
    if report.interrupted:
        eprint("atlas: interrupted; the records listed as added are complete, nothing else was written")
    return report.exit_code


def register(app: "typer.Typer") -> None:
    import typer

    from atlas_cli.cli.app import handle_errors, settings

    @app.command("add", help=HELP)
    @handle_errors
    def add(
        dois: Annotated[
            list[str] | None, typer.Argument(help="DOIs, PubMed IDs or PMC IDs to add.", show_default=False)
        ] = None,
        from_file: Annotated[
            str | None,
            typer.Option(
                "--from",
                metavar="FILE",
                help="Read DOIs, PMIDs or PMCIDs from FILE (one per line, # comments; - for stdin).",
            ),
        ] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the records instead of writing them.")] = False,
        no_pubmed: Annotated[
            bool,
            typer.Option(
                "--no-pubmed",
                help="Do not ask PubMed for the PMIDs and journal titles of DOIs (PubMed IDs are still resolved).",
            ),
        ] = False,
        offline: Annotated[bool, typer.Option("--offline", help="Use only cached answers; no network.")] = False,
        refresh: Annotated[
            bool, typer.Option("--refresh", help="Ignore the cache and ask the services again.")
        ] = False,
    ) -> int:
        return run_add(dois or [], from_file, dry_run, no_pubmed, offline, refresh, settings)
