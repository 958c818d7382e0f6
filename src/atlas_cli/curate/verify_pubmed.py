"""`atlas verify` of a record PubMed knows by its PMID alone: is it still what PubMed says?

A record without a DOI cannot be asked of Crossref; when it has a PMID, PubMed's
esummary DocSum is its source. `compare_pubmed()` is pure: a record and PubMed's
summary in, findings and the changes --apply would make out, in the model and words
of the Crossref check (`verify.compare`):

- flags PubMed's publication types give (`schemas/pubmed-types.yaml`, the table
  `atlas add` uses: `Retracted Publication` -> retracted) that the record lacks,
  and a title that now starts with RETRACTED or WITHDRAWN: a retraction,
  withdrawal, expression of concern or correction is to act on, other flags
  (an editorial, not a paper...) are worth knowing. Such a flag comes with its
  notice under `updates`, as Crossref's do (so lint and the site's banner see it),
  noted as PubMed's, for the curator to complete with the notice's DOI and date;
- title, year, journal and first author that no longer match, scored as for
  Crossref, against the record `atlas add` would draft from the same summary
  (`add.pubmed_draft`): PubMed's bracketed translated titles, `Family Initials`
  authors, MEDLINE page ranges and journal abbreviation are read the same way,
  so a record added by PMID compares clean;
- a DOI PubMed now lists for the paper (written by --apply: the next run asks
  Crossref about it), and publication types that changed since the record
  listed them (`pubmed_types`).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from atlas_cli.core import fields
from atlas_cli.curate.verify import ACTION, NOTE, Finding, compare_fields, with_notices

if TYPE_CHECKING:
    from atlas_cli.core.pubtypes import PubMedTypes
    from atlas_cli.services.pubmed import PubMedSummary

# Flags that change whether the paper stands or was corrected: to act on, as for Crossref,
# and the notice each one is recorded with under `updates`.
NOTICE_OF = {
    "retracted": "retraction",
    "withdrawn": "withdrawal",
    "expression-of-concern": "expression-of-concern",
    "corrected": "correction",
}
STANDING = frozenset(NOTICE_OF)


def comparable(summary: PubMedSummary, types: PubMedTypes) -> dict[str, Any]:
    """The record `atlas add` would draft from SUMMARY (its bibliographic fields), or what
    there is of it when PubMed's record cannot make one (no title, too large)."""
    from atlas_cli.add.pubmed_draft import build_pubmed_draft

    draft = build_pubmed_draft(summary, today=date.today(), types=types)
    if draft.record is not None:
        return draft.record
    return {"year": summary.year, "journal": summary.journal}


def compare_pubmed(
    record: dict[str, Any], summary: PubMedSummary, types: PubMedTypes
) -> tuple[list[Finding], dict[str, Any]]:
    """Findings about RECORD against PubMed's SUMMARY, and the changes --apply would make."""
    from atlas_cli.services.work import title_flags

    findings: list[Finding] = []
    changes: dict[str, Any] = {}
    flags = fields.flags(record)
    new_flags = list(flags)
    updates = fields.updates(record)
    new_updates = list(updates)
    because: dict[str, str] = {}  # a new flag -> what PubMed says that gives it
    theirs = comparable(summary, types)
    pubmed_types = list(dict.fromkeys(summary.publication_types))

    # retraction, withdrawal, expression of concern, correction... as publication types
    for name in pubmed_types:
        entry = types.get(name)
        for flag in entry.flags if entry is not None else ():
            if flag in new_flags:
                continue
            new_flags.append(flag)
            because[flag] = f"PubMed lists the publication type {name}"
            findings.append(
                Finding(
                    flag,
                    ACTION if flag in STANDING else NOTE,
                    f"PubMed lists the publication type {name}: the record is not flagged `{flag}`"
                    + (
                        f" (--apply records the {NOTICE_OF[flag]} as PubMed's: add the notice's DOI and date)"
                        if flag in NOTICE_OF
                        else ""
                    ),
                    theirs=name,
                )
            )
    announced = title_flags(summary.title or "")
    for state in ("retracted", "withdrawn"):
        if state in announced and state not in new_flags:
            new_flags.append(state)
            because[state] = f"PubMed's title starts with {state.upper()}"
            findings.append(
                Finding(state, ACTION, f"PubMed's title now starts with {state.upper()}", theirs=summary.title)
            )

    # the notice a new flag stands for, as Crossref's come with theirs: without its DOI and date
    # (PubMed's summary has neither; the finding asks the curator for them). The note is shown
    # on the evidence page, under the banner: what PubMed says, nothing addressed to curators.
    recorded = {fields.UPDATE_FLAGS.get(str(u.get("type"))) for u in updates}
    for flag, reason in because.items():
        if flag in NOTICE_OF and flag not in recorded:
            new_updates.append(
                {
                    "type": NOTICE_OF[flag],
                    "source": "pubmed",
                    "note": f"{reason} (PMID {summary.pmid})",
                }
            )

    # bibliographic fields, as atlas add would write them from this summary
    found, biblio = compare_fields(record, theirs, "PubMed", "PMID", journal_short=summary.source)
    findings += found
    changes.update(biblio)
    if "journal" in changes and summary.source and summary.source != summary.journal:
        changes["journal_abbrev"] = summary.source

    # a DOI PubMed now knows
    if summary.doi and not fields.clean(record.get("doi")):
        findings.append(
            Finding(
                "doi-listed",
                NOTE,
                f"PubMed now lists a DOI for the paper: {summary.doi} (once the record has it, "
                "`atlas verify` asks Crossref)",
                None,
                summary.doi,
            )
        )
        changes["doi"] = summary.doi

    # PubMed's publication types, when the record lists them (or a flag now rests on them)
    listed = record.get("pubmed_types")
    if isinstance(listed, list) and pubmed_types and set(listed) != set(pubmed_types):
        told = {f.theirs for f in findings if f.kind in new_flags}  # types a flag finding already names
        if (set(listed) ^ set(pubmed_types)) - told:
            findings.append(
                Finding(
                    "pubmed-types",
                    NOTE,
                    f"PubMed's publication types are now {', '.join(pubmed_types)} "
                    f"(the record lists {', '.join(str(t) for t in listed) or 'none'})",
                    listed,
                    pubmed_types,
                )
            )
        changes["pubmed_types"] = pubmed_types
    elif listed is None and pubmed_types and new_flags != flags:
        changes["pubmed_types"] = pubmed_types

    return findings, with_notices(findings, changes, (flags, new_flags), (updates, new_updates))
