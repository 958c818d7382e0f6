"""`atlas discover`'s output (pure: a Discovery in, text out).

- text: one block per new paper, newest first: PMID, date it entered PubMed, DOI;
  the title; authors, journal and year; PubMed's publication types; and, for a
  paper that is not a study, what it is instead;
- json: the search (query, window, counts) and every new paper's fields;
- ids: the new papers' PMIDs, one per line, for `atlas add --from -`.

The summary line (counts, what was left out and why) goes to standard error in
every format, so standard output holds only the list.
"""

from __future__ import annotations

import json
from typing import Any

from atlas_cli.discover.search import EXCLUDED, IN_ATLAS, Discovery, Paper


def authors_line(paper: Paper, most: int = 3) -> str:
    names = [a.name for a in paper.summary.authors]
    if not names:
        return "Unknown authors"
    return ", ".join(names[:most]) + (", et al." if len(names) > most else "")


def text_lines(discovery: Discovery) -> list[str]:
    lines: list[str] = []
    for paper in discovery.new:
        s = paper.summary
        head = [f"PMID {s.pmid}"]
        if s.entrez_date:
            head.append(f"in PubMed {s.entrez_date.isoformat()}")
        if s.doi:
            head.append(f"doi {s.doi}")
        lines.append("  ".join(head))
        lines.append(f"  {s.title or '(no title)'}")
        where = ". ".join(x.rstrip(".") for x in (authors_line(paper), s.source or s.journal, s.pubdate) if x)
        lines.append(f"  {where}.")
        if s.publication_types:
            lines.append(f"  {', '.join(s.publication_types)}")
        if paper.not_a_study:
            lines.append(f"  NOT A STUDY: {paper.not_a_study}")
        lines.append("")
    return lines


def summary_line(discovery: Discovery) -> str:
    window = discovery.window
    new = discovery.new
    parts = [f"{discovery.found} found", f"{len(discovery.having(IN_ATLAS))} already in the atlas"]
    parts.append(f"{len(discovery.having(EXCLUDED))} excluded in screening.yaml")
    if discovery.left_out:
        parts.append(f"{discovery.left_out} left out as not studies (--studies-only)")
    marked = sum(1 for p in new if p.not_a_study)
    tail = f"; {marked} of them not studies" if marked else ""
    return (
        f"{len(new)} new {'paper' if len(new) == 1 else 'papers'} in PubMed from {window.describe()} "
        f"({window.why}): {', '.join(parts)}{tail}"
    )


def as_json(discovery: Discovery) -> str:
    data: dict[str, Any] = {
        "query": discovery.query,
        "since": discovery.window.since.isoformat(),
        "until": discovery.window.until.isoformat(),
        "found": discovery.found,
        "new": len(discovery.new),
        "in_atlas": [
            {"pmid": p.summary.pmid, "slug": p.slug, "matched": p.matched} for p in discovery.having(IN_ATLAS)
        ],
        "excluded": [
            {"pmid": p.summary.pmid, "doi": p.summary.doi, "reason": p.exclusion.reason if p.exclusion else None}
            for p in discovery.having(EXCLUDED)
        ],
        "left_out_not_studies": discovery.left_out,
        "papers": [paper_json(p) for p in discovery.new],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def paper_json(paper: Paper) -> dict[str, Any]:
    s = paper.summary
    return {
        "pmid": s.pmid,
        "doi": s.doi,
        "pmcid": s.pmcid,
        "title": s.title,
        "authors": [a.name for a in s.authors],
        "journal": s.journal,
        "journal_abbrev": s.source,
        "year": s.year,
        "pubdate": s.pubdate,
        "entrez_date": s.entrez_date.isoformat() if s.entrez_date else None,
        "publication_types": s.publication_types,
        "not_a_study": paper.not_a_study,
    }


def ids_lines(discovery: Discovery) -> list[str]:
    return [p.summary.pmid for p in discovery.new]
