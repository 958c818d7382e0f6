"""BibTeX entries that compile.

Fields as on an evidence page: author, title, journal (or booktitle /
howpublished / series, by entry type), year, volume, number, pages, doi,
`note = {PubMed: N}` when there is a PMID, and url (the evidence page).

Text fields are escaped for LaTeX (`\\ { } & % $ # _ ~ ^`). Non-ASCII is kept as
UTF-8 (biber reads it, and so do XeLaTeX and LuaLaTeX), or, with `latex=True`
(`--latex`), written as LaTeX commands (`latex.py`) so that classic bibtex and
pdflatex read every character. A title prints exactly as the record writes it
under sentence-case styles (plain, unsrtnat, apalike): each word whose case
BibTeX's `change.case$` would change, that is every word with a capital except
at the title's first character or the first after a colon and a space
(`{ME/CFS}`, `{T-cell}`, `{Oca2}`, `{B-}`), is wrapped in braces, and nothing
else is. `doi` and `url` are written verbatim, but for `\\ { }`, which no checked DOI or
site URL holds: no value can close its field's braces early. The key is
`<prefix>-<slug>`, both checked before they get here (settings, file names).
"""

from __future__ import annotations

import re

from atlas_cli.cite import parts
from atlas_cli.core import fields

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see core/values.py)
if TYPE_CHECKING:
    from typing import Any

# Crossref work type -> (BibTeX entry type, field that holds the record's `journal`).
ENTRY_TYPES: dict[str, tuple[str, str]] = {
    "journal-article": ("article", "journal"),
    "posted-content": ("misc", "howpublished"),
    "book": ("book", "series"),
    "edited-book": ("book", "series"),
    "monograph": ("book", "series"),
    "reference-book": ("book", "series"),
    "book-chapter": ("incollection", "booktitle"),
    "book-part": ("incollection", "booktitle"),
    "book-section": ("incollection", "booktitle"),
    "reference-entry": ("incollection", "booktitle"),
    "proceedings-article": ("inproceedings", "booktitle"),
}
DEFAULT_ENTRY = ("article", "journal")  # no publication_type: the common case
OTHER_ENTRY = ("misc", "howpublished")  # report, dissertation, dataset, standard, ...

_SPECIAL = {
    "\\": r"\textbackslash{}",
    # BibTeX and biber count every brace, backslash or not, so `\}` could end the
    # field early: a literal brace is written as a command with no brace of its own.
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_SPECIAL_RE = re.compile(r"[\\{}&%$#_~^]")
_LEAD = "([\"'\u201c\u2018"
_TRAIL = ")].,;:?!\"'\u201d\u2019"


def escape(value: str, latex: bool = False) -> str:
    """VALUE with LaTeX's special characters escaped (one pass, so no double escapes).

    LATEX: characters outside ASCII written as LaTeX commands too (for pdflatex and bibtex).
    """
    value = _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group(0)], value)
    if latex and not value.isascii():
        from atlas_cli.cite.latex import to_latex

        value = to_latex(value)
    return value


def needs_protection(word: str, first_kept: bool = False) -> bool:
    """Whether BibTeX's sentence case (`change.case$ "t"`) would change WORD's letters.

    It lowers every capital, except the first character of the title and the first
    after a colon and a space (FIRST_KEPT: WORD starts at such a place).
    """
    letters = word[1:] if first_kept else word
    return any(c.isupper() for c in letters)


def protect(value: str, latex: bool = False) -> str:
    """Escape VALUE (a title), bracing each word sentence case would change (punctuation around it left outside)."""
    out = []
    first_kept = True  # the title's first character
    for token in re.split(r"(\s+)", value):
        if not token or token.isspace():
            out.append(token)
            continue
        core = token.lstrip(_LEAD)
        lead = token[: len(token) - len(core)]
        stripped = core.rstrip(_TRAIL)
        trail = core[len(stripped) :]
        if stripped and needs_protection(token, first_kept):
            out.append(escape(lead, latex) + "{" + escape(stripped, latex) + "}" + escape(trail, latex))
        else:
            out.append(escape(token, latex))
        first_kept = token.endswith(":")  # BibTeX keeps the first character after ": "
    return "".join(out)


def bibtex_name(author: dict[str, str], latex: bool = False) -> str:
    """One name for the author field: `Family, Given`, `Family, Jr., Given`, `{Organisation}`."""
    if fields.is_literal(author):
        return "{" + escape(author["literal"], latex) + "}"
    family = author.get("family")
    given = author.get("given")
    suffix = author.get("suffix")
    if family is None:  # a mononym kept under `given`
        return "{" + escape(given or "", latex) + "}"
    parts = [_name_part(family, latex)]
    if suffix:
        parts.append(_name_part(suffix, latex))
    if given:
        parts.append(_name_part(given, latex))
    elif suffix:
        parts.append("")
    return ", ".join(parts)


def _name_part(value: str, latex: bool = False) -> str:
    """One part of a name, escaped; braced when a comma or the word "and" in it would split the name."""
    text = escape(value, latex)
    if "," in value or re.search(r"\band\b", value, re.IGNORECASE):
        return "{" + text + "}"
    return text


# A key BibTeX and biber read: no space, comma, brace, quote, `#`, `%`, `(`, `)`, `=` or backslash.
KEY_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]*")


def entry_key(record: dict[str, Any], prefix: str) -> str:
    """`<prefix>-<slug>`; ValueError when it is not a key (settings and file names are checked before)."""
    key = f"{prefix}-{parts.slug(record)}"
    if not KEY_RE.fullmatch(key):
        raise ValueError(f"not a BibTeX key: {key!r}")
    return key


def verbatim(value: str) -> str:
    """A value written as it is (doi, url), with the three characters that could end its field
    or start a command escaped: nothing valid holds them (DOIs and site URLs are checked), but
    no value may ever close the field's braces."""
    return _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group(0)] if m.group(0) in "\\{}" else m.group(0), value)


def bibtex(record: dict[str, Any], prefix: str, evidence_url: str, latex: bool = False) -> str:
    """One entry, ending with `}` (no trailing newline); LATEX: ASCII only, non-ASCII as LaTeX commands."""
    entry_type, container_field = ENTRY_TYPES.get(
        fields.text(record, "publication_type") or "",
        DEFAULT_ENTRY if not fields.text(record, "publication_type") else OTHER_ENTRY,
    )
    rows: list[tuple[str, str]] = []
    names = [bibtex_name(a, latex) for a in fields.authors(record)]
    if names and "authors-truncated" in fields.flags(record):
        names.append("others")  # BibTeX's own "et al."
    if names:
        rows.append(("author", " and ".join(names)))
    title = fields.text(record, "title")
    if title:
        rows.append(("title", protect(title, latex)))
    journal = fields.text(record, "journal")
    if journal:
        rows.append((container_field, escape(journal, latex)))
    publisher = fields.text(record, "publisher")
    if publisher:
        rows.append(("publisher", escape(publisher, latex)))
    year = parts.year(record)
    if year:
        rows.append(("year", escape(year, latex)))
    for key, field in (("volume", "volume"), ("issue", "number")):
        value = fields.text(record, key)
        if value:
            rows.append((field, escape(value, latex)))
    page_text = fields.text(record, "pages")
    article_number = fields.text(record, "article_number")
    if page_text:
        first, last = parts.pages(record)
        rows.append(("pages", escape(f"{first}--{last}" if first and last else first or page_text, latex)))
        if article_number:
            rows.append(("eid", escape(article_number, latex)))
    elif article_number:
        rows.append(("pages", escape(article_number, latex)))
    doi = fields.text(record, "doi")
    if doi:
        rows.append(("doi", verbatim(doi)))
    pmid = parts.pmid(record)
    if pmid:
        rows.append(("note", f"PubMed: {pmid}"))
    rows.append(("url", verbatim(evidence_url)))
    lines = [f"@{entry_type}{{{entry_key(record, prefix)},"]
    lines += [f"{name} = {{{value}}}," for name, value in rows]
    lines.append("}")
    return "\n".join(lines)
