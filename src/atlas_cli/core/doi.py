"""Paper identifiers as people paste them: normalise, inspect, compare (pure, no I/O).

`inspect_identifier("https://doi.org/10.1016/J.NEUCLI.2017.02.002.")` keeps the
string as typed and gives a `Doi` with the normalised DOI
(`10.1016/J.NEUCLI.2017.02.002`, case kept); `doi_key()` is the form to compare
with (DOIs are case-insensitive). A string that is not a DOI gives a `NotADoi`
with a `kind` (pmid, pmcid, arxiv, url, empty, malformed, unknown) and a
sentence saying what it looks like instead.

`parse_identifier()` also takes PubMed identifiers, as PubMed, PMC and Europe
PMC show them, and returns a `Pmid` or a `Pmcid`: `PMID: 28410877`,
`pmid:28410877`, a bare `28410877`, `https://pubmed.ncbi.nlm.nih.gov/28410877/`,
`PMC5382345`, `PMCID: PMC5382345`, `https://pmc.ncbi.nlm.nih.gov/articles/PMC5382345/`.
Each of `Doi`, `Pmid` and `Pmcid` has an `identity` (`doi:<key>`, `pmid:<digits>`,
`pmcid:PMC<digits>`): one paper, one key, whatever form it was pasted in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from atlas_cli.core.doi_syntax import DOI_RE as DOI_RE  # the syntax lives there (cheap to import)
from atlas_cli.core.doi_syntax import doi_key as doi_key
from atlas_cli.core.doi_syntax import is_doi as is_doi
from atlas_cli.core.doi_syntax import without_invisible

_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# Dashes a PDF or a word processor puts where the DOI has a plain hyphen-minus.
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2212\ufe63\uff0d"), "-")
_RESOLVER_RE = re.compile(
    r"^(?:https?://)?(?:www\.|dx\.)?doi\.org/|^doi\s*:\s*|^doi\s+(?=10\.)|^info:doi/|^urn:doi:", re.IGNORECASE
)
_URL_RE = re.compile(r"^(?:https?://)?(?:www\.|dx\.)?doi\.org/", re.IGNORECASE)
_QUERY_RE = re.compile(r"\?[A-Za-z_][\w.-]*=[^?]*$")  # ?utm_source=...&... after a resolver address
_FRAGMENT_RE = re.compile(r"#[A-Za-z][\w.-]*$")  # #abstract (not the `#` a SICI DOI can end with)
_PERCENT_RE = re.compile(r"%[0-9A-Fa-f]{2}")
_EMBEDDED_DOI_RE = re.compile(r"(10\.[0-9]{4,9}/[^\s?#&\"'<>]+)")
_EXAMPLE = "a DOI looks like 10.1016/j.neucli.2017.02.002"
# PubMed IDs and PubMed Central IDs, bare, labelled, or in the address of their page.
_PMID = r"([1-9][0-9]{0,8})"
_PMCID = r"PMC([0-9]{1,9})(?:\.[0-9]+)?"  # a version suffix (PMC5382345.1) names the same article
_AFTER_URL = r"(?:[/?#].*)?"
_PMID_RES = [
    re.compile(rf"(?i)(?:pmid|pubmed(?:\s*id)?)?\s*[:#]?\s*{_PMID}"),
    re.compile(rf"(?i)(?:https?://)?(?:www\.)?pubmed\.ncbi\.nlm\.nih\.gov/{_PMID}{_AFTER_URL}"),
    re.compile(rf"(?i)(?:https?://)?(?:www\.)?ncbi\.nlm\.nih\.gov/pubmed/{_PMID}{_AFTER_URL}"),
    re.compile(rf"(?i)(?:https?://)?(?:www\.)?europepmc\.org/(?:article|abstract)/MED/{_PMID}{_AFTER_URL}"),
    re.compile(
        rf"(?i)(?:https?://)?(?:www\.)?(?:ncbi\.nlm\.nih\.gov/pubmed|pubmed\.ncbi\.nlm\.nih\.gov)/?\?term={_PMID}(?:&.*)?"
    ),
]
_PMCID_RES = [
    re.compile(rf"(?i)(?:pmcid\s*[:#]?\s*)?{_PMCID}"),
    re.compile(rf"(?i)(?:https?://)?(?:www\.)?ncbi\.nlm\.nih\.gov/pmc/articles/{_PMCID}{_AFTER_URL}"),
    re.compile(rf"(?i)(?:https?://)?(?:www\.)?pmc\.ncbi\.nlm\.nih\.gov/articles/{_PMCID}{_AFTER_URL}"),
    re.compile(
        rf"(?i)(?:https?://)?(?:www\.)?europepmc\.org/(?:article/PMC|articles|abstract/PMC)/{_PMCID}{_AFTER_URL}"
    ),
]


@dataclass(frozen=True)
class Doi:
    """An identifier as typed that is a DOI."""

    typed: str
    doi: str  # the normalised DOI (case as typed)

    @property
    def key(self) -> str:
        return doi_key(self.doi)

    @property
    def identity(self) -> str:
        return f"doi:{self.key}"

    @property
    def label(self) -> str:
        """How messages name it."""
        return self.doi


@dataclass(frozen=True)
class Pmid:
    """An identifier as typed that is a PubMed ID."""

    typed: str
    pmid: str  # the digits

    @property
    def identity(self) -> str:
        return f"pmid:{self.pmid}"

    @property
    def label(self) -> str:
        return f"PMID {self.pmid}"


@dataclass(frozen=True)
class Pmcid:
    """An identifier as typed that is a PubMed Central ID."""

    typed: str
    pmcid: str  # `PMC` and the digits, without a version

    @property
    def identity(self) -> str:
        return f"pmcid:{self.pmcid}"

    @property
    def label(self) -> str:
        return self.pmcid


@dataclass(frozen=True)
class NotADoi:
    """An identifier as typed that is not a DOI, and what it looks like instead."""

    typed: str
    kind: str  # pmid, pmcid, arxiv, url, empty, malformed, unknown
    problem: str  # why it is not a DOI, for a person


Identifier = Doi | NotADoi  # what inspect_identifier() finds
PaperId = Doi | Pmid | Pmcid  # an identifier that names a paper
Parsed = Doi | Pmid | Pmcid | NotADoi  # what parse_identifier() finds


def _strip_trailing(text: str) -> str:
    """Remove punctuation that prose puts after a DOI (`.`, `,`, an unbalanced `)`)."""
    while text:
        last = text[-1]
        if last in ".,;:":
            text = text[:-1]
        elif last == ")" and text.count("(") < text.count(")"):
            text = text[:-1]
        elif last == "]" and text.count("[") < text.count("]"):
            text = text[:-1]
        elif last in "\"'\u201d\u2019>":
            text = text[:-1]
        else:
            break
    return text


def clean(typed: str) -> str:
    """The candidate DOI text: invisible characters, quotes, resolvers, escapes removed."""
    text = without_invisible(typed).translate(_DASHES).strip()
    text = text.strip("\"'\u201c\u201d\u2018\u2019<>([").strip()  # a DOI never starts with these
    was_url = False
    for _ in range(2):  # `doi: https://doi.org/10...` has two prefixes
        was_url = was_url or bool(_URL_RE.match(text))
        text = _RESOLVER_RE.sub("", text, count=1).strip()
    if was_url:  # a web address: its query string, fragment and final slash are not part of the DOI
        text = _FRAGMENT_RE.sub("", _QUERY_RE.sub("", text)).rstrip("/")
    if _PERCENT_RE.search(text):
        text = unquote(text)
    return _strip_trailing(text.strip())


def inspect_identifier(typed: str) -> Identifier:
    """Normalise TYPED into a DOI, or say what it looks like instead."""
    text = clean(typed)
    if DOI_RE.fullmatch(text):
        return Doi(typed, text)
    return NotADoi(typed, *_describe(text))


def parse_identifier(typed: str) -> Parsed:
    """TYPED as a DOI, a PubMed ID or a PubMed Central ID; anything else says what it looks like."""
    ident = inspect_identifier(typed)
    if isinstance(ident, Doi):
        return ident
    text = _strip_trailing(without_invisible(typed).strip().strip("\"'\u201c\u201d\u2018\u2019<>([").strip())
    for pattern in _PMID_RES:
        match = pattern.fullmatch(text)
        if match:
            return Pmid(typed, match.group(1))
    for pattern in _PMCID_RES:
        match = pattern.fullmatch(text)
        if match:
            return Pmcid(typed, f"PMC{match.group(1)}")
    if ident.kind == "unknown":
        return NotADoi(
            typed,
            "unknown",
            f"'{clean(typed)}' is not a DOI, a PubMed ID or a PMC ID ({_EXAMPLE}, a PubMed ID like 28410877)",
        )
    return ident


def _describe(text: str) -> tuple[str, str]:
    if not text:
        return "empty", "empty: no DOI given"
    if re.fullmatch(r"(?i)(pmid:?\s*)?[1-9][0-9]{0,8}", text):
        return "pmid", (
            f"'{text}' looks like a PubMed ID (PMID), not a DOI; find the paper's DOI on its PubMed page ({_EXAMPLE})"
        )
    if re.fullmatch(r"(?i)(pmcid:?\s*)?pmc[0-9]+", text):
        return "pmcid", f"'{text}' looks like a PubMed Central ID, not a DOI; {_EXAMPLE}"
    if re.fullmatch(r"(?i)(arxiv:\s*)?[0-9]{4}\.[0-9]{4,5}(v[0-9]+)?", text):
        return "arxiv", f"'{text}' looks like an arXiv ID, not a DOI; {_EXAMPLE}"
    if re.match(r"(?i)^(https?://|www\.)", text):
        embedded = _EMBEDDED_DOI_RE.search(text)
        if embedded:
            candidate = _strip_trailing(unquote(embedded.group(1)))
            return "url", (
                f"'{text}' is a web page address, not a DOI; it seems to contain "
                f"the DOI {candidate}: run `atlas add {candidate}`"
            )
        return "url", (f"'{text}' is a web page address, not a DOI; copy the DOI from the page (it starts with 10.)")
    if text.startswith("10."):
        if _CONTROL_RE.search(text):
            return "malformed", (f"{text!r} contains a control character; a DOI has none (is the list a text file?)")
        if any(ch.isspace() for ch in text):
            return "malformed", f"'{text}' contains spaces; a DOI has none ({_EXAMPLE})"
        return "malformed", (f"'{text}' is not a complete DOI: expected 10.<4-9 digits>/<suffix> ({_EXAMPLE})")
    return "unknown", f"'{text}' is not a DOI ({_EXAMPLE})"


def parse_doi_lines(text: str) -> list[str]:
    """Identifiers from a file: one per line; blank lines and `#` comments skipped.

    A comment is a line starting with `#`, or ` #...` after whitespace; a `#`
    inside a DOI (old Wiley SICI DOIs have them) is kept.
    """
    items: list[str] = []
    for line in text.splitlines():
        stripped = without_invisible(line).strip()
        if not stripped or stripped.startswith("#"):
            continue
        stripped = re.sub(r"\s+#.*$", "", stripped)
        items.append(stripped)
    return items


def safe_name(doi: str) -> str:
    """A file name for DOI: lower-cased, `/` -> `_`, other unsafe characters `_`."""
    key = doi_key(doi).replace("/", "_")
    name = re.sub(r"[^a-z0-9._-]", "_", key)
    if len(name) > 150:  # keep file names short; the hash keeps them unique
        import hashlib

        name = name[:120] + "-" + hashlib.sha1(key.encode()).hexdigest()[:16]
    return name
