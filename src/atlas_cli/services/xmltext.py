"""A paper's own words from NCBI's XML: PubMed abstracts and PubMed Central methods sections.

Pure functions over the bodies E-utilities `efetch` returns (no I/O):

- `pubmed_abstracts(body)`: a `PubmedArticleSet` (efetch db=pubmed retmode=xml)
  -> per PMID, its abstract (a structured abstract keeps its labels, one per line:
  `METHODS: ...`, which is how `atlas criteria` reads field labels), its PMCID and DOI.
- `pmc_methods(body)`: a `pmc-articleset` (efetch db=pmc, JATS) -> per PMCID, the
  text of its methods section: a `<sec sec-type="methods">` (or materials, subjects,
  patients...) or a section titled Methods, Materials and methods, Patients and
  methods, Participants...; None for an article without one, or whose full text PMC
  may not give out (the publisher's licence: PMC then sends the front matter only).

The XML comes from a server, so it is untrusted input. It is read with the standard
library's expat parser, driven directly: a document that declares entities (the
billion-laughs and quadratic-blowup attacks need an internal DTD subset to do so) is
refused; external entities and DTDs are never fetched; elements that carry nothing
wanted (reference lists, tables, figures, formulas, author lists) are not kept in
memory. Bodies are bounded by the caller (a maximum size per answer); the text kept
is bounded here (`MAX_ABSTRACT_CHARS`, `MAX_METHODS_CHARS`). Text is plain: tags
gone, character references decoded (`core.markup`), whitespace collapsed within a
paragraph, paragraphs separated by a blank line.
"""

from __future__ import annotations

import re
import xml.parsers.expat as expat
from collections.abc import Iterable
from dataclasses import dataclass
from xml.etree.ElementTree import Element, TreeBuilder

from atlas_cli.core import markup

MAX_ABSTRACT_CHARS = 20_000  # far longer than any abstract
MAX_METHODS_CHARS = 60_000  # a long methods section; what follows is left out

# Elements never kept (their text is not what a case definition is named in, or they are large).
PUBMED_SKIP = frozenset(
    {
        "AuthorList",
        "MeshHeadingList",
        "ReferenceList",
        "OtherAbstract",
        "CommentsCorrectionsList",
        "InvestigatorList",
        "GrantList",
        "ChemicalList",
        "KeywordList",
        "History",
        "CopyrightInformation",
        "SupplMeshList",
        "GeneSymbolList",
        "PersonalNameSubjectList",
    }
)
PMC_SKIP = frozenset(
    {
        "back",
        "ref-list",
        "floats-group",
        "table-wrap",
        "table",
        "fig",
        "fig-group",
        "graphic",
        "media",
        "disp-formula",
        "inline-formula",
        "mml:math",
        "math",
        "tex-math",
        "supplementary-material",
        "contrib-group",
        "aff",
        "author-notes",
        "permissions",
        "abstract",
        "trans-abstract",
        "kwd-group",
        "funding-group",
        "fn-group",
        "table-wrap-foot",
    }
)

# Section types (JATS `sec-type`, split at `|` and spaces) and titles that hold the methods.
METHODS_TYPES = frozenset({"methods", "materials", "subjects", "patients", "participants", "cases"})
METHODS_TITLES = frozenset(
    {
        "methods",
        "method",
        "methodology",
        "materials and methods",
        "material and methods",
        "methods and materials",
        "patients and methods",
        "subjects and methods",
        "participants and methods",
        "population and methods",
        "study population and methods",
        "design and methods",
        "methods and design",
        "study design and methods",
        "study design and participants",
        "study design",
        "experimental procedures",
        "experimental design",
        "study population",
        "participants",
        "study participants",
        "patients",
        "subjects",
        "research design and methods",
    }
)
_NUMBERING = re.compile(r"^\s*(?:[0-9]+(?:\.[0-9]+)*\.?|[IVXivx]+\.)\s+")
# A title `atlas criteria` reads as a field label (`Participants: ...`): the label rule of its segmenter.
_LABEL_TITLE = re.compile(r"[A-Za-z][A-Za-z0-9/&'\-]*(?: [A-Za-z0-9/&'\-]+){0,5}")
_PMC_DIGITS = re.compile(r"(?i)^\s*(?:pmc)?([0-9]{1,10})\s*$")


class XmlError(ValueError):
    """A body that is not well-formed XML (perhaps cut short)."""


class XmlRefused(ValueError):
    """XML that declares entities: refused unread (entity expansion attacks)."""


def parse_xml(body: bytes, skip: frozenset[str] = frozenset()) -> Element:
    """The element tree of BODY without the elements named in SKIP (nor anything inside them).

    Raises XmlRefused for a document declaring entities, XmlError for one that is not XML.
    """
    builder = TreeBuilder()
    parser = expat.ParserCreate()
    skipping = 0

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal skipping
        if skipping or tag in skip:
            skipping += 1
            return
        builder.start(tag, attrs)

    def end(tag: str) -> None:
        nonlocal skipping
        if skipping:
            skipping -= 1
            return
        builder.end(tag)

    def data(text: str) -> None:
        if not skipping:
            builder.data(text)

    def refuse(*_args: object) -> None:
        raise XmlRefused("the XML declares entities; refused (entity expansion)")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]  # raising is how a handler refuses
    parser.buffer_text = True
    try:
        parser.Parse(body, True)
        return builder.close()
    except expat.ExpatError as exc:
        raise XmlError(f"not well-formed XML ({expat.ErrorString(exc.code)} at line {exc.lineno})") from None
    except (AssertionError, IndexError) as exc:  # TreeBuilder on a document with no element at all
        raise XmlError(f"no XML document ({type(exc).__name__})") from None


def plain(element: Element | None) -> str:
    """The text of ELEMENT and everything in it, as one line of plain text."""
    if element is None:
        return ""
    return markup.plain("".join(element.itertext()))


def _bounded(blocks: Iterable[str], limit: int, separator: str) -> str:
    out: list[str] = []
    size = 0
    for block in blocks:
        if not block:
            continue
        if out and size + len(separator) + len(block) > limit:
            break
        if not out and len(block) > limit:
            cut = block.rfind(" ", 0, limit)
            block = block[: cut if cut > limit // 2 else limit]
        out.append(block)
        size += len(block) + (len(separator) if len(out) > 1 else 0)
    return separator.join(out)


# --- PubMed ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PubMedText:
    """What efetch says of one PubMed record: its abstract and the ids that lead to its full text."""

    pmid: str
    abstract: str | None
    pmcid: str | None = None
    doi: str | None = None


def pubmed_error(root: Element) -> str | None:
    """The error an efetch answer states instead of records (`<eFetchResult><ERROR>...`), if any."""
    if root.tag in ("PubmedArticleSet", "pmc-articleset"):
        return None
    found = root if root.tag == "ERROR" else root.find(".//ERROR")
    message = plain(found) if found is not None else ""
    return message or f"an answer of <{root.tag}>, not records"


def pubmed_abstracts(body: bytes) -> dict[str, PubMedText]:
    """Per PMID, what a `PubmedArticleSet` says. Raises XmlError, XmlRefused, or ValueError for an error answer."""
    root = parse_xml(body, PUBMED_SKIP)
    error = pubmed_error(root)
    if error:
        raise ValueError(error)
    found: dict[str, PubMedText] = {}
    for article in list(root.iter("PubmedArticle")) + list(root.iter("PubmedBookArticle")):
        citation = article.find("MedlineCitation")
        if citation is None:
            citation = article.find("BookDocument")
        if citation is None:
            continue
        pmid = plain(citation.find("PMID"))
        if not pmid.isdigit():
            continue
        abstract = citation.find("Article/Abstract")
        if abstract is None:
            abstract = citation.find("Abstract")
        ids = {
            (item.get("IdType") or "").lower(): plain(item)
            for item in article.iterfind(".//ArticleIdList/ArticleId")
            if item.get("IdType")
        }
        pmcid = _pmcid(ids.get("pmc"))
        found[pmid] = PubMedText(pmid, _abstract_text(abstract), pmcid, ids.get("doi") or None)
    return found


def _abstract_text(abstract: Element | None) -> str | None:
    if abstract is None:
        return None
    parts = []
    for piece in abstract.iterfind("AbstractText"):
        text = plain(piece)
        label = " ".join((piece.get("Label") or "").split())
        if label and label.upper() not in ("UNLABELLED", "UNASSIGNED"):
            text = f"{label}: {text}" if text else ""
        parts.append(text)
    return _bounded(parts, MAX_ABSTRACT_CHARS, "\n") or None


def _pmcid(value: str | None) -> str | None:
    match = _PMC_DIGITS.match(value or "")
    return f"PMC{int(match.group(1))}" if match else None


# --- PubMed Central -------------------------------------------------------------------------


def pmc_methods(body: bytes, asked: list[str] | None = None) -> dict[str, str | None]:
    """Per PMCID, the methods text of each article of a `pmc-articleset` (None: no methods section).

    ASKED: the PMCIDs requested; an answer of one article without its PMCID is taken as theirs.
    """
    root = parse_xml(body, PMC_SKIP)
    error = pubmed_error(root)
    if error:
        raise ValueError(error)
    articles = [root] if root.tag == "article" else list(root.iter("article"))
    found: dict[str, str | None] = {}
    for article in articles:
        pmcid = _article_pmcid(article)
        if pmcid is None and asked is not None and len(asked) == 1 and len(articles) == 1:
            pmcid = asked[0]
        if pmcid is not None:
            found[pmcid] = methods_text(article)
    return found


def _article_pmcid(article: Element) -> str | None:
    for item in article.iterfind("front/article-meta/article-id"):
        if (item.get("pub-id-type") or "").lower() in ("pmc", "pmcid", "pmcaid"):
            pmcid = _pmcid(plain(item))
            if pmcid:
                return pmcid
    return None


def _title(sec: Element) -> str:
    title = plain(sec.find("title"))
    return _NUMBERING.sub("", title).strip().rstrip(".:").strip()


def _title_key(title: str) -> str:
    return " ".join(title.lower().replace("&", " and ").split())


def is_methods(sec: Element) -> bool:
    kinds = {k for k in re.split(r"[|\s]+", (sec.get("sec-type") or "").lower()) if k}
    return bool(kinds & METHODS_TYPES) or _title_key(_title(sec)) in METHODS_TITLES


def methods_text(article: Element) -> str | None:
    """The methods sections of ARTICLE as text (top-level ones first, else one level down)."""
    body = article.find("body")
    if body is None:
        return None
    top = [sec for sec in body.iterfind("sec") if is_methods(sec)]
    if not top:
        top = [sec for outer in body.iterfind("sec") for sec in outer.iterfind("sec") if is_methods(sec)]
    blocks: list[str] = []
    for sec in top:
        _section_blocks(sec, blocks, "Methods")
    return _bounded(blocks, MAX_METHODS_CHARS, "\n\n") or None


def _section_blocks(sec: Element, blocks: list[str], default_title: str | None = None) -> None:
    """SEC as blocks of text: its title as a field label (`Participants: ...`) or a heading, then its paragraphs.

    A title opens every section, so a label of the text before it (an abstract's
    `CONCLUSIONS:`) never carries over into it.
    """
    title = _title(sec) or default_title
    pending = None
    if title:
        pending = f"{title}:" if _LABEL_TITLE.fullmatch(title) else f"## {title}"
    for child in sec:
        if child.tag in ("title", "label"):
            continue
        if child.tag == "sec":
            if pending:
                blocks.append(pending)
                pending = None
            _section_blocks(child, blocks)
            continue
        if child.tag == "list":
            items = [f"- {plain(item)}" for item in child.iterfind("list-item") if plain(item)]
            text = "\n".join(items)
        else:
            text = plain(child)
        if not text:
            continue
        if pending:
            text = f"{pending} {text}" if pending.endswith(":") else f"{pending}\n{text}"
            pending = None
        blocks.append(text)
    if pending:
        blocks.append(pending)
