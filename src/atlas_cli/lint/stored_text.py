"""`atlas lint --criteria` (rule `pem-stored-text`): a record's criteria against its paper's own words.

Off by default, because it reads the text `atlas add` stored for each paper (its
abstract and, for open-access papers, its methods section: the cache's `text/`
folder, see services.cache) and runs `atlas criteria` on it; offline, nothing is
fetched. A record without stored text is not checked.

A record is reported (a warning: the curator may know better than the abstract)
when the text, read as `atlas criteria` reads it,

- names a definition used for inclusion that `pem.criteria` lacks,
- only mentions a definition `pem.criteria` lists (a subset of the cohort,
  background, another group), or
- decides another badge (`required`, `not-required`, `not-applicable`) than the
  record's, with no family name left unresolved.

A text that names no inclusion rule says nothing against a record (most abstracts
name none). The message names both readings; the hint quotes the text's sentence
(with the part of the paper it is in) and the record's own `pem.rationale` and
`pem.source`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from atlas_cli.core import fields
from atlas_cli.core.pem import NOT_APPLICABLE, NOT_REQUIRED, REQUIRED
from atlas_cli.core.records import read_document
from atlas_cli.core.workers import map_chunks
from atlas_cli.lint.problem import WARNING, Problem

if TYPE_CHECKING:
    from atlas_cli.core.config import Settings
    from atlas_cli.core.registries import Registries
    from atlas_cli.criteria.model import Proposal
    from atlas_cli.services.cache import Cache

RULE = "pem-stored-text"
QUOTE_CHARS = 300


def check_stored_texts(settings: Settings, items: list[tuple[str, str]], jobs: int | None) -> tuple[list[Problem], int]:
    """(problems, records whose stored text was read) for ITEMS: (path, path as displayed)."""
    results = map_chunks(_check_chunk, items, jobs, shared=(settings.schemas_dir, settings.cache_dir))
    return [p for found, _read in results for p in found], sum(1 for _found, read in results if read)


def _check_chunk(items: list[tuple[str, str]], schemas_dir: Path, cache_dir: Path) -> list[tuple[list[Problem], bool]]:
    from atlas_cli.core.registries import load_registries
    from atlas_cli.services.cache import Cache

    cache = Cache(cache_dir)
    registries = load_registries(schemas_dir)
    return [_check_one(Path(path), display, registries, cache, schemas_dir) for path, display in items]


def _check_one(
    path: Path, display: str, registries: Registries, cache: Cache, schemas_dir: Path
) -> tuple[list[Problem], bool]:
    document = read_document(path)
    data = document.data
    if not isinstance(data, dict):
        return [], False
    doi = data.get("doi") if isinstance(data.get("doi"), str) and data["doi"].strip() else None
    raw_pmid = data.get("pmid")
    pmid = str(raw_pmid).strip() if isinstance(raw_pmid, (str, int)) and not isinstance(raw_pmid, bool) else None
    stored = cache.read_text(doi, pmid) if doi or pmid else None
    if stored is None:
        return [], False
    from atlas_cli.criteria import propose_text
    from atlas_cli.criteria.source import join_sections, section_at

    text, sections = join_sections(stored)
    year = data.get("year") if isinstance(data.get("year"), int) and not isinstance(data.get("year"), bool) else None
    proposal = propose_text(text, schemas_dir, year)
    pem = fields.pem(data)
    recorded = fields.strings(pem.get("criteria"))
    if any(c not in registries.criteria for c in recorded):
        return [], True  # unknown ids are pem-unknown-criterion's
    found = disagreement(pem, recorded, proposal)
    if found is None:
        return [], True
    said, quote = found
    badge = pem.get("badge")
    mine = ", ".join(recorded) or "none"
    message = (
        f"the recorded criteria ({mine}; badge `{badge}`) disagree with the paper's stored text: {said} "
        f"(atlas criteria: {', '.join(proposal.criteria) or 'no criteria'}; badge `{proposal.badge}`)"
    )
    hints = []
    if quote is not None:
        hints.append(f'the {section_at(sections, quote.start) or "text"} says "{_short(quote.text)}"')
    rationale = fields.text(pem, "rationale") or ""
    stated = fields.text(pem, "source") or ""
    where = f" (pem.source: {_short(stated)})" if stated else ""
    if rationale:
        hints.append(f'the record says "{_short(rationale)}"{where}')
    elif where:
        hints.append(f"the record{where}")
    hints.append(
        "check the paper, then correct pem.criteria, or keep them with `# atlas: disable=pem-stored-text <why>`"
    )
    at = ("pem", "criteria") if "criteria" in pem else ("pem",) if "pem" in data else ()
    line, column = document.locate(at, key=True)
    return [Problem(display, line, column, WARNING, RULE, message, "; ".join(hints))], True


def disagreement(pem: dict[str, Any], recorded: list[str], proposal: Proposal) -> tuple[str, Any] | None:
    """(what the text says against the record, the quote it rests on), or None when they agree."""
    decisive = {q.id: q for q in proposal.quotes if q.finding == "criterion"}
    missing = [c for c in proposal.criteria if c not in recorded]
    if missing:
        return (
            f"it says participants met {', '.join(missing)}, which pem.criteria lacks",
            decisive.get(missing[0]),
        )
    mentioned = {q.id: q for q in proposal.quotes if q.finding == "mentioned"}
    only_mentioned = [c for c in recorded if c in proposal.mentioned and c not in proposal.criteria]
    if only_mentioned:
        first = mentioned.get(only_mentioned[0])
        role = f" ({first.role})" if first is not None and first.role else ""
        return (
            f"it only mentions {', '.join(only_mentioned)}{role}, not as a criterion for including participants",
            first,
        )
    if proposal.unresolved or proposal.badge not in (REQUIRED, NOT_REQUIRED, NOT_APPLICABLE):
        return None
    if not (proposal.criteria or proposal.pem_screen or proposal.design):
        return None
    if pem.get("badge") == proposal.badge:
        return None
    first = next((q for q in proposal.quotes if q.finding in ("criterion", "pem_screen", "design", "combine")), None)
    return f"it decides the badge `{proposal.badge}` ({proposal.reason})", first


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 3].rstrip() + "..."
