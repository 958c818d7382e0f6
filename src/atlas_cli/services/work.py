"""Reading a Crossref work (the `message` of `/works/{doi}`): title, authors, dates, updates.

Pure functions over Crossref's JSON, tolerant of every shape Crossref has been seen
to send: lists where one value is expected, markup in text, missing dates.
`atlas add` builds drafts from them and `atlas verify` compares records with them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from atlas_cli.core import markup
from atlas_cli.core.doi import doi_key

# Crossref update types (publisher-supplied, inconsistent case) -> schema enum.
UPDATE_TYPES = {
    "retraction": "retraction",
    "partial-retraction": "partial-retraction",
    "withdrawal": "withdrawal",
    "withdrawn": "withdrawal",
    "removal": "removal",
    "expression-of-concern": "expression-of-concern",
    "correction": "correction",
    "corrigendum": "correction",
    "erratum": "erratum",
    "addendum": "addendum",
    "new-version": "new-version",
}
NOT_PAPER_TYPES = {"component", "journal", "journal-issue", "journal-volume", "peer-review", "dataset"}
_TITLE_FLAGS = [
    (re.compile(r"^\s*(retracted|retraction)\s*[:.]", re.I), "retracted"),
    (re.compile(r"^\s*withdrawn\s*[:.]", re.I), "withdrawn"),
    (re.compile(r"^\s*(erratum|errata|corrigendum|correction)\b", re.I), "erratum"),
    (
        re.compile(r"^\s*(notice of retraction|retraction notice|retraction note|expression of concern)\b", re.I),
        "notice",
    ),
    (re.compile(r"^\s*editorial\b", re.I), "editorial"),
    (re.compile(r"^\s*summar(y|ies) for patients\b", re.I), "patient-summary"),
    (re.compile(r"^\s*book review\b", re.I), "book-review"),
]


def title_flags(title: str) -> list[str]:
    """Flags a title announces: `RETRACTED: ...` -> retracted, `Erratum` -> erratum, ..."""
    return [name for pattern, name in _TITLE_FLAGS if pattern.search(title)]


_ORCID_RE = re.compile(r"([0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9Xx])")


def clean_text(value: Any) -> str:
    """Markup (JATS/HTML/MathML tags, entities, however often escaped) and stray whitespace removed.

    Tags vanish without leaving a space (`C<sub>2</sub>H` -> `C2H`, as PubMed shows
    it); whitespace around them (newlines included) collapses to single spaces.
    """
    if not isinstance(value, str):
        return ""
    return markup.plain(value)


def first_text(values: Any) -> str:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return ""
    for value in values:
        text = clean_text(value)
        if text:
            return text
    return ""


def title_of(work: dict[str, Any]) -> str:
    title = first_text(work.get("title"))
    subtitle = first_text(work.get("subtitle"))
    if title and subtitle and subtitle.lower() not in title.lower():
        separator = " " if title[-1:] in ":?!." else ": "
        title = f"{title}{separator}{subtitle}"
    return title


def _name(value: Any) -> str:
    return clean_text(value)  # markup and entities removed, whitespace collapsed


def authors_of(work: dict[str, Any]) -> list[dict[str, str]]:
    authors = []
    raw = work.get("author")
    for person in raw if isinstance(raw, list) else []:
        if not isinstance(person, dict):
            continue
        entry: dict[str, str] = {}
        family, given, suffix, name = (_name(person.get(k)) for k in ("family", "given", "suffix", "name"))
        if family:
            entry["family"] = family
            if given:
                entry["given"] = given
            if suffix:
                entry["suffix"] = suffix
        elif name:
            entry["literal"] = name
        elif given:
            entry["given"] = given
        else:
            continue
        orcid = _ORCID_RE.search(person.get("ORCID") or "") if isinstance(person.get("ORCID"), str) else None
        if orcid:
            entry["orcid"] = orcid.group(1).upper()
        authors.append(entry)
    return authors


def _year(work: dict[str, Any], key: str) -> int | None:
    try:
        year = work[key]["date-parts"][0][0]
    except (KeyError, IndexError, TypeError):
        return None
    if isinstance(year, str) and year.isascii() and year.isdigit() and len(year) <= 4:  # never int() of 5,000 digits
        year = int(year)
    return year if isinstance(year, int) and 1800 <= year <= 2100 else None


# The publication dates Crossref may carry, in the order they are trusted: issued, then
# print, then online; then `published`, `posted` (preprints) and `approved` (dissertations).
DATE_FIELDS = ("issued", "published-print", "published-online", "published", "posted", "approved")


def year_of(work: dict[str, Any]) -> int | None:
    for key in DATE_FIELDS:
        year = _year(work, key)
        if year:
            return year
    return None


def registered_year(work: dict[str, Any]) -> int | None:
    """The year the DOI was registered (`created`): a hint when there is no publication date, never one."""
    return _year(work, "created")


def _date_of(update: dict[str, Any]) -> str | None:
    updated = update.get("updated")
    if not isinstance(updated, dict):
        return None
    stamp = updated.get("date-time")
    try:
        if isinstance(stamp, str) and re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}", stamp):
            when = date.fromisoformat(stamp[:10])
        else:
            y, m, d = updated["date-parts"][0][:3]
            when = date(int(y), int(m), int(d))  # refuses month 13, day 0, 30 February...
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return when.isoformat() if 1800 <= when.year <= 2100 else None


def update_type(raw: Any) -> str:
    key = re.sub(r"[\s_]+", "-", str(raw or "").strip().lower())
    return UPDATE_TYPES.get(key, "other")


def updates_of(work: dict[str, Any], key: str) -> list[dict[str, str]]:
    """`updated-by` or `update-to` entries, mapped to the schema's update shape."""
    own = doi_key(work.get("DOI") or "")
    updates = []
    raw = work.get(key)
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        entry = {"type": update_type(item.get("type"))}
        target = item.get("DOI")
        if isinstance(target, str) and re.match(r"^10\.[0-9]{4,9}/\S+$", target.strip()):
            entry["doi"] = target.strip()
        if entry["type"] == "new-version" and doi_key(entry.get("doi", "")) in ("", own):
            continue  # a record pointing at itself as its new version says nothing
        when = _date_of(item)
        if when:
            entry["date"] = when
        source = item.get("source")
        if isinstance(source, str) and source.strip():
            entry["source"] = source.strip()
        if entry not in updates:
            updates.append(entry)
    return updates


def in_place_updates(work: dict[str, Any]) -> list[dict[str, str]]:
    """`update-to` entries naming the work itself: the paper was updated in place
    (no separate notice); such a work is a paper with an update, not a notice."""
    own = doi_key(work.get("DOI") or "")
    return [u for u in updates_of(work, "update-to") if u["type"] != "new-version" and doi_key(u.get("doi", "")) == own]


def text_field(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = clean_text(value) if isinstance(value, str) else ""
    return text or None


def publisher_of(work: dict[str, Any]) -> str | None:
    return text_field(work.get("publisher"))


def short_journal_of(work: dict[str, Any]) -> str | None:
    """The publisher's short title of the journal (`short-container-title`), when it says more than the title.

    A short title equal to the journal's full title adds nothing, and an all-lower-case
    one (`dms`) is a code, not an abbreviation.
    """
    journal = (journal_of(work) or "").casefold()
    raw = work.get("short-container-title")
    for value in [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []:
        short = clean_text(value)
        if short and short.casefold() != journal and short != short.lower():
            return short
    return None


def journal_of(work: dict[str, Any]) -> str | None:
    journal = first_text(work.get("container-title"))
    if not journal and isinstance(work.get("institution"), list):
        for institution in work["institution"]:
            if isinstance(institution, dict) and clean_text(institution.get("name")):
                return clean_text(institution["name"])
    return journal or None


MAX_ABSTRACT_CHARS = 20_000  # far longer than any abstract
_ABSTRACT_TITLE = re.compile(r"<(?:jats:)?title\b[^<>]*>(.*?)</(?:jats:)?title\s*>", re.DOTALL | re.IGNORECASE)
_ABSTRACT_BLOCK = re.compile(r"</?(?:jats:)?(?:p|sec|abstract|list|list-item|break)\b[^<>]*/?>", re.IGNORECASE)
_TITLE_MARK = "\x00"


def abstract_of(work: dict[str, Any]) -> str | None:
    """The work's abstract (Crossref's `abstract`, JATS) as plain text, or None.

    Paragraphs become lines; a section title becomes a field label before its first
    paragraph (`Methods: ...`), as PubMed writes a structured abstract (the title
    `Abstract` itself is dropped). Text is decoded as every other field (`clean_text`).
    """
    raw = work.get("abstract")
    if not isinstance(raw, str) or not raw.strip():
        return None
    marked = _ABSTRACT_TITLE.sub(lambda m: f"\n{_TITLE_MARK}{m.group(1)}\n", raw)
    lines: list[str] = []
    label = None
    for piece in _ABSTRACT_BLOCK.sub("\n", marked).split("\n"):
        is_title = piece.startswith(_TITLE_MARK)
        text = clean_text(piece.lstrip(_TITLE_MARK)).replace(_TITLE_MARK, "")
        if not text:
            continue
        if is_title:
            title = text.rstrip(":.").strip()
            label = title if title and title.lower() != "abstract" else None
            continue
        lines.append(f"{label}: {text}" if label else text)
        label = None
    text = "\n".join(lines)
    if len(text) > MAX_ABSTRACT_CHARS:
        cut = text.rfind(" ", 0, MAX_ABSTRACT_CHARS)
        text = text[: cut if cut > 0 else MAX_ABSTRACT_CHARS]
    return text or None
