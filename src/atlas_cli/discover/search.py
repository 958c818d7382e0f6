"""`atlas discover`'s search: PubMed's papers in a window, sorted into new, in the atlas, and excluded.

One esearch keeps the result on NCBI's history server; esummary pages through it
(services.pubmed: a handful of requests for thousands of papers, complete or an
error). Each paper is then:

- in the atlas: a record has its PMID, its DOI (or has it as a DOI alias), or the
  same title and year (a record added by DOI before PubMed listed it);
- excluded: screening.yaml names its PMID or DOI;
- new: listed, newest first (Entrez date, then PMID), with PubMed's publication
  types, and marked when they say it is not a study (schemas/pubmed-types.yaml: a
  comment, an editorial, an erratum, a retraction notice, a letter, news...).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from atlas_cli.core.errors import UsageError
from atlas_cli.discover.window import Window

if TYPE_CHECKING:
    from atlas_cli.core.config import Settings
    from atlas_cli.core.screening import Exclusion
    from atlas_cli.services.pubmed import PubMedSummary

NEW, IN_ATLAS, EXCLUDED = "new", "in-atlas", "excluded"
# What a title says the paper is, when PubMed's types do not (services.work.title_flags names).
_TITLE_KINDS = {
    "erratum": "erratum",
    "notice": "retraction notice",
    "editorial": "editorial",
    "patient-summary": "patient summary",
    "book-review": "book review",
}


@dataclass
class Paper:
    """One paper PubMed found, and what the atlas makes of it."""

    summary: PubMedSummary
    status: str = NEW
    not_a_study: str | None = None  # what it is instead (editorial, letter...), from its types or title
    slug: str | None = None  # the record it already is
    matched: str | None = None  # how it was matched to that record: PMID, DOI, title and year
    exclusion: Exclusion | None = None


@dataclass
class Discovery:
    query: str
    window: Window
    found: int = 0  # papers PubMed matched in the window
    papers: list[Paper] = field(default_factory=list)  # every paper, in PubMed's order
    warnings: list[str] = field(default_factory=list)
    studies_only: bool = False

    def having(self, status: str) -> list[Paper]:
        return [p for p in self.papers if p.status == status]

    @property
    def new(self) -> list[Paper]:
        """The new papers, newest first (Entrez date, then PMID); with studies_only, studies alone."""
        papers = [p for p in self.having(NEW) if not (self.studies_only and p.not_a_study)]
        return sorted(papers, key=lambda p: (p.summary.entrez_date or date.min, int(p.summary.pmid)), reverse=True)

    @property
    def left_out(self) -> int:
        """New papers not listed because --studies-only leaves out what is not a study."""
        return len(self.having(NEW)) - len(self.new)


def discover(
    settings: Settings,
    window: Window,
    *,
    query: str | None = None,
    env: Mapping[str, str] | None = None,
    studies_only: bool = False,
) -> Discovery:
    """Search PubMed for QUERY (default: the atlas's) in WINDOW; raises NetworkError or UsageError."""
    from atlas_cli.add.batch import RecordIndex
    from atlas_cli.core.doi import doi_key
    from atlas_cli.core.errors import NetworkError
    from atlas_cli.core.pubtypes import load_pubmed_types
    from atlas_cli.core.screening import read_screening
    from atlas_cli.core.textfold import title_key
    from atlas_cli.services.ncbi import NcbiAccess, NcbiError
    from atlas_cli.services.pacing import HttpOptions
    from atlas_cli.services.pubmed import PubMedClient, TooManyHits
    from atlas_cli.services.work import title_flags

    env = os.environ if env is None else env
    term = (query or settings.discover_query).strip()
    if not term:
        raise UsageError("the PubMed query is empty", hint="e.g. --query '\"chronic fatigue syndrome\"[tiab]'")
    http = HttpOptions.from_env(env)
    access = NcbiAccess.from_env(settings.mailto, env)
    client = PubMedClient.for_atlas(settings, http, access=access, stop=threading.Event())  # no request yet
    types = load_pubmed_types(settings.schemas_dir)
    result = Discovery(term, window, studies_only=studies_only)
    screening = read_screening(settings.screening_file)
    if screening.problems:
        result.warnings.append(
            f"{settings.screening_file.name} has problems (run `atlas lint`); only its readable entries are used"
        )
    index = RecordIndex(settings.records_dir)
    index.refresh()

    try:
        search = client.search(term, window.since, window.until)
        summaries = client.search_summaries(search)
    except TooManyHits as exc:
        raise UsageError(
            f"PubMed: {exc.reason} ({window.describe()})", hint="narrow the window (--since, --until) or the query"
        ) from None
    except NcbiError as exc:
        raise NetworkError(
            f"PubMed search failed: {exc.reason}; nothing is listed, since the list would be incomplete",
            hint="try again later; ATLAS_HTTP_RETRIES and ATLAS_HTTP_TIMEOUT give PubMed more chances",
        ) from None
    finally:
        client.close()
    result.found = search.count
    result.warnings += search.warnings
    excluded = screening.by_identity()
    for summary in summaries:
        paper = Paper(summary)
        paper.not_a_study = types.not_a_study(summary.publication_types) or next(
            (_TITLE_KINDS[f] for f in title_flags(summary.title or "") if f in _TITLE_KINDS), None
        )
        identities = [f"pmid:{summary.pmid}"] + ([f"doi:{doi_key(summary.doi)}"] if summary.doi else [])
        for identity in identities:
            slug = index.slug_for(identity)
            if slug:
                paper.status, paper.slug, paper.matched = IN_ATLAS, slug, identity.split(":")[0].upper()
                break
        if paper.status == NEW and summary.title and summary.year:
            slug = index.slug_for_title(title_key(summary.title), summary.year)
            if slug:
                paper.status, paper.slug, paper.matched = IN_ATLAS, slug, "title and year"
        if paper.status == NEW:
            exclusion = next((excluded[i] for i in identities if i in excluded), None)
            if exclusion is not None:
                paper.status, paper.exclusion = EXCLUDED, exclusion
        result.papers.append(paper)
    return result
