"""APA, Vancouver and AMA references, rendered offline with citeproc-py as citeproc-js renders them.

The CSL style files ship inside the package (`styles/`, CC BY-SA 3.0, sources and
versions in `styles/README.md`): Vancouver is NLM's `nlm-citation-sequence`.
citeproc-py is imported only here, and this module only when one of these styles
is asked for.

The reference is citeproc-js, the engine of Zotero and Mendeley: on the same style
and the same CSL-JSON, atlas prints what it prints (tests compare the two). Where
citeproc-py differs, it is mended here:
- text-case="title" is citeproc-js's (`titlecase.py`): its stop words (`et`,
  `during`), both halves of a hyphenated compound (`Long-Lived`), words with
  capitals left alone;
- quotation marks and apostrophes in field text are citeproc-js's (`quotes.py`):
  `Alzheimer’s`, `“quoted”`, and the period after a quoted title inside the marks;
- a range in a volume, issue or number (`2-3`) takes the style's range delimiter
  (an en dash, a hyphen in AMA), as citeproc-js prints it.
These two engine patches are installed on citeproc-py's `TextCased.case` the first
time a style is loaded (citeproc-py is used by nothing else in atlas).

And for a single reference (documented in the README):
- the bibliography number is left out (citeproc-py sometimes glues it on: `1.Mensah`);
- no period is added after a title that ends in `?` or `!` (`now?.`);
- a hyphenated given name with a lower-case second part (`Min-jun`) gets a capital
  after the hyphen before rendering, so its initials are `M-J` / `M.-J.` (citeproc-py
  garbles it; citeproc-js prints `M jun` in AMA and drops the `J` in APA);
- a reference left ending in `;` ends in `.`;
- when a style substitutes the title for missing authors, citeproc-py prints the
  title a second time in its usual place: the second one is removed (found through a
  stand-in title, so a journal named like the title is left alone);
- Vancouver's "minimal" page ranges: citeproc-py drops digits that are not repeated
  (1-10 as `1–0`); they are printed as citeproc-js prints them (`1–10`, `321–8`,
  `e1–10`).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from atlas_cli.cite import csl, quotes
from atlas_cli.cite.titlecase import title_case
from atlas_cli.core import fields

STYLES_DIR = Path(__file__).parent / "styles"
STYLE_FILES = {
    "apa": "apa.csl",
    "vancouver": "nlm-citation-sequence.csl",
    "ama": "american-medical-association.csl",
}

_NUMBER_RE = re.compile(r"^\s*\[?\d+[.)\]]\s*")
_DOUBLED_RE = re.compile(r"([?!]|(?<!\.)\.)\.(?=\s|$)")
_HYPHEN_LOWER_RE = re.compile(r"-(\w)")
_SPACES_RE = re.compile(r"[ \t]{2,}")
_DANGLING_RE = re.compile(r"[;,:]\s*$")  # e.g. a reference ending "2017;" when there is no volume
# Variables printed as written: citeproc-js reads no quotation marks in them.
_VERBATIM = frozenset({"DOI", "URL", "PMID", "PMCID", "ISBN", "ISSN"})
# A range citeproc-js rewrites with the style's delimiter: two numbers (or roman numerals) and a hyphen.
_RANGE_RE = re.compile(r"^([0-9]+|[ivxlcmIVXLCM]+)\s*-\s*([0-9]+|[ivxlcmIVXLCM]+)$")
_RANGED = ("volume", "issue", "number", "edition")
_DELIMITER_RE = re.compile(r'<term name="page-range-delimiter">([^<]*)</term>')


def _patch_citeproc() -> None:
    """Make citeproc-py case and quote text as citeproc-js does (see the module docstring)."""
    from citeproc import model
    from citeproc.string import String

    if getattr(model.TextCased, "_atlas_patched", False):
        return
    original: Callable[..., Any] = model.TextCased.case

    def case(self: Any, text: Any, language: str | None = None) -> Any:
        if self.get("text-case") == "title":
            cased = String(title_case(str(text))) if language == "en" else text
        else:
            cased = original(self, text, language)
        if self.get("variable") in _VERBATIM or ("'" not in str(cased) and '"' not in str(cased)):
            if not str(cased).endswith((quotes.CLOSE_QUOTE, quotes.CLOSE_INNER)):
                return cased
        return String(quotes.curly(str(cased), mark_end=True))

    model.TextCased.case = case
    model.TextCased._atlas_patched = True


@cache
def _style(name: str) -> Any:
    from citeproc import CitationStylesStyle

    _patch_citeproc()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CitationStylesStyle(str(STYLES_DIR / STYLE_FILES[name]), validate=False)


@cache
def range_delimiter(name: str) -> str:
    """The style's page-range-delimiter term (citeproc-js's default: an en dash)."""
    match = _DELIMITER_RE.search((STYLES_DIR / STYLE_FILES[name]).read_text(encoding="utf-8"))
    return match.group(1) if match else "\u2013"


def _raw_reference(name: str, item: dict[str, Any]) -> str:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = CiteProcJSON([item])
        bibliography = CitationStylesBibliography(_style(name), source, formatter.plain)
        bibliography.register(Citation([CitationItem(item["id"])]))
        entries = [str(entry) for entry in bibliography.bibliography()]
    return quotes.punctuation_in_quote(entries[0]) if entries else ""


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


def engine_item(record: dict[str, Any], name: str, key: str) -> dict[str, Any]:
    """The CSL-JSON item of RECORD as atlas hands it to citeproc-py for style NAME.

    The record's CSL-JSON (`csl.csl_item`) with the adjustments citeproc-js makes to
    numbers itself (ranges with the style's delimiter) and atlas's one input adjustment
    (a capital after the hyphen of a given name's lower-case second part).
    """
    item = csl.csl_item(record, key)
    for name_ in item.get("author", []):
        if "given" in name_:
            name_["given"] = _HYPHEN_LOWER_RE.sub(lambda m: "-" + m.group(1).upper(), name_["given"])
    for variable in _RANGED:
        match = _RANGE_RE.match(str(item.get(variable, "")))
        if match:
            item[variable] = f"{match.group(1)}{range_delimiter(name)}{match.group(2)}"
    return item


def reference(record: dict[str, Any], name: str, key: str) -> str:
    """RECORD as one reference in style NAME (apa, vancouver, ama)."""
    if name not in STYLE_FILES:
        raise KeyError(name)
    item = engine_item(record, name, key)
    has_authors = bool(fields.authors(record))
    title = item.get("title")
    if title and not has_authors:
        # Render with a stand-in title, so its second appearance (if the style prints one)
        # is found exactly, never inside a journal that shares words with the title.
        with_title = _raw_reference(name, item)  # prints the title twice, cased and quoted by the style
        item["title"] = _TITLE_STAND_IN
        raw = _titled(_raw_reference(name, item), with_title, title)
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


def _titled(text: str, with_title: str, title: str) -> str:
    """TEXT, rendered with the stand-in title, with the real title in its first place only.

    WITH_TITLE is the reference rendered with the real title, which citeproc-py prints
    twice: P + T1 + M + T2 + S where TEXT is P + X + M + X + S. The title goes back as
    the style printed it the first time (T1: cased and quoted by the style), the second
    one is dropped; when the two renderings cannot be lined up, the title as written.
    """
    shown = title
    places = [m.start() for m in re.finditer(re.escape(_TITLE_STAND_IN), text)]
    if len(places) == 2:
        prefix = text[: places[0]]
        middle = text[places[0] + len(_TITLE_STAND_IN) : places[1]]
        suffix = text[places[1] + len(_TITLE_STAND_IN) :]
        if with_title.startswith(prefix) and with_title.endswith(suffix):
            body = with_title[len(prefix) : len(with_title) - len(suffix)]
            size, odd = divmod(len(body) - len(middle), 2)
            if size > 0 and not odd and body[size : size + len(middle)] == middle:
                shown = body[:size]
    return _drop_second(text, _TITLE_STAND_IN).replace(_TITLE_STAND_IN, shown)


_FIRST_PAGE_RE = re.compile(r"((?:[0-9]*[A-Za-z]+0*)?)([0-9]+)")  # citeproc-js: a prefix (e, S, e0) and digits
_LAST_PAGE_RE = re.compile(r"((?:[-,A-Za-z]?0*)?)([0-9]+)")


def minimal_last_page(first: str, last: str) -> str:
    """The last page of FIRST-LAST as citeproc-js prints it with page-range-format="minimal".

    Digits repeated from the first page are left out when both numbers have as many
    digits (321-328: `8`, 1234-1240: `40`, 98-102: `102`); a letter prefix is printed
    once (e1-e10: `10`, S1-S10: `10`). Anything else is printed whole.
    """
    one, two = _FIRST_PAGE_RE.fullmatch(first), _LAST_PAGE_RE.fullmatch(last)
    if not one or not two:
        return last
    start, end = one.group(2), two.group(2)
    if len(start) != len(end):
        return end
    common = 0
    while common < len(start) - 1 and start[common] == end[common]:
        common += 1
    return end[common:]


def _mend_page_range(text: str, page: str | None, name: str) -> str:
    """Print a "minimal" page range as citeproc-js does.

    citeproc-py compares the two page numbers from the left, so 1-10 becomes `1–0`
    and e1-e10 `e1–0`; citeproc-js prints `1–10` and `e1–10` (`minimal_last_page`).
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
    right = minimal_last_page(first, last)
    if printed == right:
        return text
    return re.sub(re.escape(f"{first}\u2013{printed}") + r"(?!\w)", f"{first}\u2013{right}", text, count=1)
