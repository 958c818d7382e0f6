"""A record's fields, read defensively: the one place that knows how a field is read.

A record on disk may be incomplete or wrongly typed (a draft, a file `atlas lint` has
not seen yet). Everything that shows or cites a record (show, list, stats, verify,
cite, the preview site, lint's rules) reads it through these functions, which return
clean values or None and never raise: a bad field is left out, never a crash or a
Python repr on a page.
"""

from __future__ import annotations

import re
from urllib.parse import quote

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see core/values.py)
if TYPE_CHECKING:
    from typing import Any

DOI_RESOLVER = "https://doi.org/"
HEADER_AUTHORS = 3  # a page's header line shows at most three authors, then " et al."

# What each kind of notice in `updates` means for the paper (the `flags` value it implies).
UPDATE_FLAGS = {
    "retraction": "retracted",
    "partial-retraction": "retracted",
    "removal": "retracted",
    "withdrawal": "withdrawn",
    "expression-of-concern": "expression-of-concern",
    "correction": "corrected",
    "erratum": "corrected",
    "addendum": "corrected",
}
# Notices after which the paper no longer stands.
RETRACTION_TYPES = frozenset(t for t, flag in UPDATE_FLAGS.items() if flag in ("retracted", "withdrawn"))

EVIDENCE_LABELS = {"E0": "E0 Not graded", "E1": "E1 Replicated", "E2": "E2 Moderate", "E3": "E3 Preliminary"}
CONFIDENCE_LABELS = {"high": "High confidence", "moderate": "Moderate confidence", "low": "Low confidence"}


# --- values ----------------------------------------------------------------------------


def clean(value: Any) -> str | None:
    """One line of text from a scalar (numbers become text, whitespace runs one space); else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return " ".join(value.split()) or None
    return None


def block(value: Any) -> str | None:
    """Curated text as written (its lines and paragraphs kept), stripped; None if empty or not text."""
    return value.strip() or None if isinstance(value, str) else None


def paragraphs(value: Any) -> list[str]:
    """Curated text split on blank lines into paragraphs (the lines inside one are joined)."""
    if not isinstance(value, str):
        return []
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", value) if p.strip()]


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def strings(value: Any) -> list[str]:
    """The string items of a list, as written (anything else is the schema's business)."""
    return [v for v in items(value) if isinstance(v, str)]


def texts(value: Any) -> list[str]:
    """The items of a list as clean text, empty ones left out."""
    return [t for t in map(clean, items(value)) if t]


# --- fields ----------------------------------------------------------------------------


def text(record: dict[str, Any], key: str) -> str | None:
    """The field as one line of text; None if absent, empty or not text."""
    return clean(record.get(key))


def year(record: dict[str, Any]) -> int | None:
    value = record.get("year")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= 9:  # `isdigit` alone takes '²', and int() refuses it
        return int(text)
    return None


def pmid(record: dict[str, Any]) -> str | None:
    """The PMID as text (a record may hold it as a number); None if absent or empty."""
    value = record.get("pmid")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value).strip() or None


def pem(record: dict[str, Any]) -> dict[str, Any]:
    return mapping(record.get("pem"))


def badge(record: dict[str, Any]) -> str | None:
    return clean(pem(record).get("badge"))


def flags(record: dict[str, Any]) -> list[str]:
    return strings(record.get("flags"))


def updates(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The notices under `updates` that are mappings."""
    return [u for u in items(record.get("updates")) if isinstance(u, dict)]


def update_types(record: dict[str, Any]) -> set[str]:
    return {t for u in updates(record) if isinstance(t := u.get("type"), str)}


# --- authors ---------------------------------------------------------------------------


def authors(record: dict[str, Any]) -> list[dict[str, str]]:
    """The byline as clean dicts holding any of family / given / suffix / literal."""
    result = []
    for entry in items(record.get("authors")):
        if isinstance(entry, str):
            name = clean(entry)
            if name:
                result.append({"literal": name})
            continue
        if not isinstance(entry, dict):
            continue
        parts = {k: clean(entry.get(k)) for k in ("family", "given", "suffix", "literal")}
        person = {k: v for k, v in parts.items() if v}
        if person.get("literal") or person.get("family") or person.get("given"):
            result.append(person)
    return result


def is_literal(author: dict[str, str]) -> bool:
    """An organisation (or a name given as one string)."""
    return "literal" in author and "family" not in author


def author_name(author: dict[str, str]) -> str:
    """`Family, Given, Suffix`, as the atlas prints authors; an organisation as written."""
    if is_literal(author):
        return author["literal"]
    return ", ".join(p for p in (author.get("family"), author.get("given"), author.get("suffix")) if p)


def author_names(record: dict[str, Any]) -> list[str]:
    return [name for name in map(author_name, authors(record)) if name]


def first_author_family(record: dict[str, Any]) -> str | None:
    byline = authors(record)
    if not byline:
        return None
    first = byline[0]
    return first.get("family") or first.get("literal") or first.get("given")


def header_authors(names: list[str]) -> str | None:
    """At most three names joined by `, `, then ` et al.`; None without authors."""
    if not names:
        return None
    shown = ", ".join(names[:HEADER_AUTHORS])
    return shown + (" et al." if len(names) > HEADER_AUTHORS else "")


def doi_url(doi: str) -> str:
    """The resolver link of DOI, percent-encoding what a URL cannot carry as is (SICI <>, #, ?)."""
    return DOI_RESOLVER + quote(doi, safe="/:;()[]-._~!$'*+,=@")
