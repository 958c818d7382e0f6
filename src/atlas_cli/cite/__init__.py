"""Citations of a record: the evidence page's three blocks and other formats.

`render(record, fmt, settings)` is the one entry point (used by `atlas cite`,
`atlas export` and the preview site). All formatters are pure functions of the
record dict and the atlas settings; nothing here reads files or the network.
Each format's module is imported only when that format is asked for, so
`atlas cite` never loads citeproc-py unless a CSL style was requested.

Formats:
  primary    the primary citation line
  bibtex     one BibTeX entry, key `<prefix>-<slug>`
  snapshot   the atlas snapshot reference
  csl-json   a CSL-JSON array with one item (validates against the CSL data schema)
  ris        one RIS record
  apa, vancouver, ama   a reference in that style (CSL styles shipped in the package)
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see core/values.py)
if TYPE_CHECKING:
    from typing import Any

    from atlas_cli.core.config import Settings

FORMATS: tuple[str, ...] = ("primary", "bibtex", "snapshot", "csl-json", "ris", "apa", "vancouver", "ama")
STYLES: tuple[str, ...] = ("apa", "vancouver", "ama")
EXPORT_FORMATS: tuple[str, ...] = ("bibtex", "csl-json", "ris")

# The evidence page's blocks, in page order, with the page's labels.
PAGE_BLOCKS: tuple[tuple[str, str], ...] = (
    ("Primary citation", "primary"),
    ("BibTeX", "bibtex"),
    ("Atlas snapshot reference", "snapshot"),
)


def _slug(record: dict[str, Any]) -> str:
    from atlas_cli.cite import parts

    return parts.slug(record)


def citation_key(record: dict[str, Any], settings: Settings) -> str:
    """`<prefix>-<slug>`: the BibTeX key, CSL id and RIS ID of the record."""
    return f"{settings.bibtex_prefix}-{_slug(record)}"


def citable(record: dict[str, Any]) -> dict[str, Any]:
    """RECORD as every citation format reads it, or UsageError when it cannot be cited safely.

    Its slug (the file name) must be a slug and its DOI a DOI (core.doi's syntax), since
    both are written verbatim into keys, links and fields; every text loses its control
    and bidirectional characters (core.safe_text), which no citation should carry.
    """
    from atlas_cli.core import fields
    from atlas_cli.core.doi_syntax import is_doi
    from atlas_cli.core.errors import UsageError
    from atlas_cli.core.records import SLUG_RE
    from atlas_cli.core.safe_text import one_line

    slug = fields.text(record, "slug")
    if slug is not None and not SLUG_RE.match(slug):
        raise UsageError(
            f"'{one_line(slug)}' is not a slug, so it cannot be a citation key",
            hint="rename the record file to <slug>.yaml: lower-case words joined by hyphens (atlas lint says so)",
        )
    cleaned = _without_unsafe(record)
    doi = fields.text(cleaned, "doi")
    if doi is not None and not is_doi(doi):
        raise UsageError(
            f"{slug or 'the record'}: doi '{one_line(doi)}' is not a DOI",
            hint="write the bare DOI, e.g. 10.1016/j.neucli.2017.02.002, and run `atlas lint`",
        )
    return cleaned


def _without_unsafe(value: Any) -> Any:
    from atlas_cli.core.safe_text import strip_unsafe

    if isinstance(value, str):
        return strip_unsafe(value)
    if isinstance(value, dict):
        return {k: _without_unsafe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_unsafe(v) for v in value]
    return value


def check_latex(fmt: str | None, latex: bool) -> None:
    """`--latex` is a BibTeX option: refused with any other format."""
    if latex and fmt != "bibtex":
        from atlas_cli.core.errors import UsageError

        raise UsageError("--latex applies to BibTeX only", hint="add --format bibtex (atlas cite) or leave out --latex")


def unknown_format(fmt: str) -> Exception:
    from atlas_cli.core.choices import unknown_choice

    return unknown_choice("citation format", fmt, FORMATS)


def render(record: dict[str, Any], fmt: str, settings: Settings, latex: bool = False) -> str:
    """RECORD in format FMT (one of FORMATS), as text without a trailing newline.

    LATEX: BibTeX with every character outside ASCII as a LaTeX command (`--latex`).
    UsageError when the record cannot be cited safely (`citable`).
    """
    if fmt not in FORMATS:
        raise unknown_format(fmt)
    return _render(citable(record), fmt, settings, latex)


def _render(record: dict[str, Any], fmt: str, settings: Settings, latex: bool) -> str:
    """`render` of a record `citable` returned."""
    if fmt == "primary":
        from atlas_cli.cite.primary import primary

        return primary(record)
    if fmt == "snapshot":
        from atlas_cli.cite.snapshot import snapshot

        return snapshot(record, settings.snapshot, settings.evidence_url(_slug(record)), settings.name)
    if fmt == "bibtex":
        from atlas_cli.cite.bibtex import bibtex

        return bibtex(record, settings.bibtex_prefix, settings.evidence_url(_slug(record)), latex)
    if fmt == "ris":
        from atlas_cli.cite.ris import ris

        return ris(record, citation_key(record, settings), settings.evidence_url(_slug(record)))
    if fmt == "csl-json":
        from atlas_cli.cite import csl

        return csl.dumps([csl.csl_item(record, citation_key(record, settings), settings.evidence_url(_slug(record)))])
    if fmt in STYLES:
        from atlas_cli.cite.styles import reference

        return reference(record, fmt, citation_key(record, settings))
    raise unknown_format(fmt)


def render_page_blocks(record: dict[str, Any], settings: Settings) -> str:
    """The three citation blocks of the evidence page, each under its label."""
    record = citable(record)  # once for the three blocks
    lines = []
    for label, fmt in PAGE_BLOCKS:
        lines.append(label)
        lines.append(_render(record, fmt, settings, False))
    return "\n".join(lines)


def render_many(records: list[dict[str, Any]], fmt: str, settings: Settings, latex: bool = False) -> str:
    """Several records in one format, as one document (ending with a newline if not empty).

    csl-json is one array of all items; BibTeX and RIS entries and the
    one-line formats are separated by a blank line.
    """
    if fmt not in FORMATS:
        raise unknown_format(fmt)
    if not records:
        return "[]\n" if fmt == "csl-json" else ""
    if fmt == "csl-json":
        from atlas_cli.cite import csl

        records = [citable(r) for r in records]
        items = [csl.csl_item(r, citation_key(r, settings), settings.evidence_url(_slug(r))) for r in records]
        return csl.dumps(items) + "\n"
    return "\n\n".join(render(r, fmt, settings, latex) for r in records) + "\n"


def cite_records(records: list[dict[str, Any]], fmt: str | None, settings: Settings, latex: bool = False) -> str:
    """What `atlas cite` prints: the page blocks (FMT None) or FMT, for each record."""
    if fmt is None:
        return "\n\n".join(render_page_blocks(r, settings) for r in records) + "\n" if records else ""
    return render_many(records, fmt, settings, latex)
