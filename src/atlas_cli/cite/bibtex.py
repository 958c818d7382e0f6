"""BibTeX entries that compile.

Fields as on an evidence page: author, title, journal (or booktitle /
howpublished / series, by entry type), year, volume, number, pages, doi,
`note = {PubMed: N}` when there is a PMID, and url (the evidence page).

Text fields are escaped for LaTeX (`\\ { } & % $ # _ ~ ^`), non-ASCII is kept as
UTF-8 (biber, and bibtex with inputenc, read it), and words with capitals inside
them (`ME/CFS`, `PEM`, `mRNA`, `IgG`) are wrapped in braces so sentence-case
styles do not lower-case them. `doi` and `url` are written verbatim.
"""

from __future__ import annotations

import re
from typing import Any

from atlas_cli.cite import parts
from atlas_cli.core import fields

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


def escape(value: str) -> str:
    """VALUE with LaTeX's special characters escaped (one pass, so no double escapes)."""
    return _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group(0)], value)


def needs_protection(word: str) -> bool:
    """A word a sentence-case style must not lower-case: ME/CFS, PEM, mRNA, IgG, T (cells)."""
    rest = word[1:]
    if rest != rest.lower():  # a capital after the first character
        return True
    return len(word) == 1 and word.isupper() and word not in "AI"


def protect(value: str) -> str:
    """Escape VALUE, wrapping acronym-like words in braces (punctuation around them left outside)."""
    out = []
    for token in re.split(r"(\s+)", value):
        if not token or token.isspace():
            out.append(token)
            continue
        core = token.lstrip(_LEAD)
        lead = token[: len(token) - len(core)]
        stripped = core.rstrip(_TRAIL)
        trail = core[len(stripped) :]
        if stripped and needs_protection(stripped):
            out.append(escape(lead) + "{" + escape(stripped) + "}" + escape(trail))
        else:
            out.append(escape(token))
    return "".join(out)


def bibtex_name(author: dict[str, str]) -> str:
    """One name for the author field: `Family, Given`, `Family, Jr., Given`, `{Organisation}`."""
    if fields.is_literal(author):
        return "{" + escape(author["literal"]) + "}"
    family = author.get("family")
    given = author.get("given")
    suffix = author.get("suffix")
    if family is None:  # a mononym kept under `given`
        return "{" + escape(given or "") + "}"
    parts = [_name_part(family)]
    if suffix:
        parts.append(_name_part(suffix))
    if given:
        parts.append(_name_part(given))
    elif suffix:
        parts.append("")
    return ", ".join(parts)


def _name_part(value: str) -> str:
    """One part of a name, escaped; braced when a comma or the word "and" in it would split the name."""
    text = escape(value)
    if "," in value or re.search(r"\band\b", value, re.IGNORECASE):
        return "{" + text + "}"
    return text


def entry_key(record: dict[str, Any], prefix: str) -> str:
    return f"{prefix}-{parts.slug(record)}"


def bibtex(record: dict[str, Any], prefix: str, evidence_url: str) -> str:
    """One entry, ending with `}` (no trailing newline)."""
    entry_type, container_field = ENTRY_TYPES.get(
        fields.text(record, "publication_type") or "",
        DEFAULT_ENTRY if not fields.text(record, "publication_type") else OTHER_ENTRY,
    )
    rows: list[tuple[str, str]] = []
    names = [bibtex_name(a) for a in fields.authors(record)]
    if names:
        rows.append(("author", " and ".join(names)))
    title = fields.text(record, "title")
    if title:
        rows.append(("title", protect(title)))
    journal = fields.text(record, "journal")
    if journal:
        rows.append((container_field, escape(journal)))
    publisher = fields.text(record, "publisher")
    if publisher:
        rows.append(("publisher", escape(publisher)))
    year = parts.year(record)
    if year:
        rows.append(("year", escape(year)))
    for key, field in (("volume", "volume"), ("issue", "number")):
        value = fields.text(record, key)
        if value:
            rows.append((field, escape(value)))
    page_text = fields.text(record, "pages")
    article_number = fields.text(record, "article_number")
    if page_text:
        first, last = parts.pages(record)
        rows.append(("pages", escape(f"{first}--{last}" if first and last else first or page_text)))
        if article_number:
            rows.append(("eid", escape(article_number)))
    elif article_number:
        rows.append(("pages", escape(article_number)))
    doi = fields.text(record, "doi")
    if doi:
        rows.append(("doi", doi))
    pmid = parts.pmid(record)
    if pmid:
        rows.append(("note", f"PubMed: {pmid}"))
    rows.append(("url", evidence_url))
    lines = [f"@{entry_type}{{{entry_key(record, prefix)},"]
    lines += [f"{name} = {{{value}}}," for name, value in rows]
    lines.append("}")
    return "\n".join(lines)
