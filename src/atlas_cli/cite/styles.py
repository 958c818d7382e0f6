"""APA, Vancouver and AMA references, rendered offline with citeproc-py.

The CSL style files ship inside the package (`styles/`, CC BY-SA 3.0, see
`styles/README.md`). citeproc-py is imported only here, and this module only
when one of these styles is asked for.

citeproc-py renders a lone reference with a few defects, mended here:
- the bibliography number is kept and sometimes glued to the text (`1.Mensah`):
  a single reference gets no number at all;
- a period is added after a title that ends in `?` or `!` (`now?.`);
- a hyphenated given name with a lower-case second part comes out garbled,
  so the letter after the hyphen is capitalised before rendering (initials only);
- a reference left ending in `;` (Vancouver without a volume) ends in `.`;
- when a style substitutes the title for missing authors, the title is printed
  a second time in its usual place: the second one is removed (found through a
  stand-in title, so a journal named like the title is left alone);
- Vancouver's "minimal" page ranges drop digits that are not repeated
  (1-10 as `1–0`): the whole last page is put back.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from atlas_cli.cite import csl
from atlas_cli.core import fields

STYLES_DIR = Path(__file__).parent / "styles"
STYLE_FILES = {
    "apa": "apa.csl",
    "vancouver": "vancouver.csl",
    "ama": "american-medical-association.csl",
}
# Styles that print `page` but not `number`: an article number stands in for pages.
_PAGE_ONLY = {"vancouver", "ama"}

_NUMBER_RE = re.compile(r"^\s*\[?\d+[.)\]]\s*")
_DOUBLED_RE = re.compile(r"([?!]|(?<!\.)\.)\.(?=\s|$)")
_HYPHEN_LOWER_RE = re.compile(r"-(\w)")
_SPACES_RE = re.compile(r"[ \t]{2,}")
_DANGLING_RE = re.compile(r"[;,:]\s*$")  # e.g. Vancouver's "2017;" when there is no volume


@cache
def _style(name: str) -> Any:  # a citeproc CitationStylesStyle (citeproc-py has no type hints)
    from citeproc import CitationStylesStyle

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CitationStylesStyle(str(STYLES_DIR / STYLE_FILES[name]), validate=False)


def _raw_reference(name: str, item: dict[str, Any]) -> str:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = CiteProcJSON([item])
        bibliography = CitationStylesBibliography(_style(name), source, formatter.plain)
        bibliography.register(Citation([CitationItem(item["id"])]))
        entries = [str(entry) for entry in bibliography.bibliography()]
    return entries[0] if entries else ""


def _outside_identifiers(text: str, identifiers: list[str | None], fix: Callable[[str], str]) -> str:
    """Apply FIX to TEXT except inside the DOI (and URLs), which stay verbatim."""
    present = [i for i in identifiers if i]
    if not present:
        return fix(text)
    pattern = re.compile("|".join(re.escape(i) for i in sorted(present, key=len, reverse=True)))
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(fix(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(fix(text[last:]))
    return "".join(out)


def tidy(text: str, *, title: str | None, has_authors: bool, identifiers: list[str | None]) -> str:
    """Mend citeproc-py's output for a single reference (pure)."""
    text = _NUMBER_RE.sub("", text, count=1)

    def fix(part: str) -> str:
        part = _DOUBLED_RE.sub(r"\1", part)
        return _SPACES_RE.sub(" ", part)

    text = _outside_identifiers(text, identifiers, fix)
    if title and not has_authors:
        # The title took the authors' place; drop its second appearance.
        pattern = re.compile(re.escape(title.rstrip(".")) + r"\.?\s*", re.IGNORECASE)
        first = pattern.search(text)
        if first:
            second = pattern.search(text, first.end())
            if second:
                text = text[: second.start()] + text[second.end() :]
    text = text.strip()
    return _DANGLING_RE.sub(".", text)


def reference(record: dict[str, Any], name: str, key: str) -> str:
    """RECORD as one reference in style NAME (apa, vancouver, ama)."""
    if name not in STYLE_FILES:
        raise KeyError(name)
    item = csl.csl_item(record, key)
    for name_ in item.get("author", []):
        if "given" in name_:
            # citeproc-py mangles a lower-case letter after a hyphen ("Min-jun" -> "M.-. jun ."):
            # every style here prints initials, and the initial of "-jun" is "-J".
            name_["given"] = _HYPHEN_LOWER_RE.sub(lambda m: "-" + m.group(1).upper(), name_["given"])
    if name in _PAGE_ONLY and "page" not in item and "number" in item:
        item["page"] = item.pop("number")
    if name == "vancouver" and "container-title" not in item and item["type"] == "article" and "publisher" in item:
        item["container-title"] = item["publisher"]  # the style names a preprint's server only as a container
    has_authors = bool(fields.authors(record))
    title = item.get("title")
    if title and not has_authors:
        # Render with a stand-in title, so its second appearance (if the style prints one)
        # is found exactly, never inside a journal that shares words with the title.
        item["title"] = _TITLE_STAND_IN
        raw = _drop_second(_raw_reference(name, item), _TITLE_STAND_IN).replace(_TITLE_STAND_IN, title)
    else:
        raw = _raw_reference(name, item)
    raw = _mend_page_range(raw, item.get("page"), name)
    doi = item.get("DOI")
    return tidy(
        raw,
        title=None,  # a second title is already removed above
        has_authors=has_authors,
        identifiers=[doi, f"https://doi.org/{doi}" if doi else None],
    )


_TITLE_STAND_IN = "Atlastitlestandin"
_MINIMAL_PAGES = {"vancouver"}  # styles with page-range-format="minimal"


def _drop_second(text: str, word: str) -> str:
    """TEXT without the second WORD (and the period and space after it), if there is one."""
    matches = list(re.finditer(re.escape(word) + r"\.?\s*", text))
    if len(matches) < 2:
        return text
    second = matches[1]
    return text[: second.start()] + text[second.end() :]


def _mend_page_range(text: str, page: str | None, name: str) -> str:
    """Undo citeproc-py's "minimal" page ranges that drop digits that are not repeated.

    It compares the two page numbers from the left, so 1-10 becomes `1–0` and e1-e10
    `e1–0`. Only digits repeated in a last page of the same length may go (321-328:
    `321–8`); anything else keeps the whole last page.
    """
    if name not in _MINIMAL_PAGES or not page or "-" not in page:
        return text
    first, _, last = page.partition("-")
    if not first or not last:
        return text
    common = 0
    for common, (a, b) in enumerate(zip(first, last)):  # noqa: B007 - read after the loop; citeproc-py's count, as it does it
        if a != b:
            break
    else:
        common += 1
    printed = last[common:]
    right = last
    if first.isdigit() and last.isdigit() and len(first) == len(last):
        right = printed
    if printed == right:
        return text
    return re.sub(re.escape(f"{first}\u2013{printed}") + r"(?!\w)", f"{first}\u2013{right}", text, count=1)
