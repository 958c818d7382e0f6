"""Screening rules: `screening.yaml` (core/screening.py) is well-formed, and agrees with the records.

screening-entry      an entry that cannot be used: no PMID or DOI, one that is not
                     a PMID or DOI, no reason, no date or not a YYYY-MM-DD date, an
                     unknown key, a paper excluded twice (and the YAML reader's own
                     rules for the file: syntax, duplicate keys, tabs...)

    Fails:   excluded:
             - pmid: '38012345'          (no reason, no date)
    Passes:  excluded:
             - pmid: '38012345'
               reason: cancer-related fatigue, not ME/CFS
               date: '2026-05-30'

screening-excluded   a paper that is both excluded and a record (by PMID, DOI or DOI
                     alias): one of the two decisions is wrong

    Fails:   records/x.yaml with pmid: '38012345', and the entry above
    Passes:  the entry above, and no record with that PMID

The entry problems are reported on the screening file when it is checked (a whole-atlas
`atlas lint`, or the file named on the command line); a conflict is reported on the
record when the record is checked, else on the entry.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from atlas_cli.lint.engine import Identity
from atlas_cli.lint.problem import ERROR, Problem

if TYPE_CHECKING:
    from atlas_cli.core.screening import Exclusion


def check_screening(path: Path, display: str, identities: list[Identity], *, check_file: bool) -> list[Problem]:
    """Problems of the screening file at PATH (shown as DISPLAY) and its conflicts with IDENTITIES."""
    if not os.path.lexists(path):
        return []  # most atlases (and a pre-commit run) have no decisions to load
    from atlas_cli.core.screening import read_screening

    screening = read_screening(path)
    if not screening.exists:
        return []
    problems = []
    if check_file:
        problems += [
            Problem(display, p.line, p.column, p.severity, p.rule, p.message, p.hint) for p in screening.problems
        ]
    excluded = screening.by_identity()
    if not excluded:
        return problems
    for identity in identities:
        reported: set[int] = set()
        for key, line in exclusion_keys(identity):
            exclusion = excluded.get(key)
            if exclusion is None or exclusion.line in reported:
                continue
            reported.add(exclusion.line)
            if identity.checked:
                problems.append(_on_record(identity, line, exclusion, display))
            elif check_file:
                problems.append(_on_entry(identity, exclusion, display))
    return problems


def exclusion_keys(identity: Identity) -> list[tuple[str, int]]:
    """The keys an entry of the screening file matches IDENTITY by (`doi:...`, `pmid:...`), with their lines."""
    keys = [(f"doi:{_doi_key(doi)}", line) for doi, line in identity.doi]
    if identity.pmid:
        keys.append((f"pmid:{identity.pmid[0]}", identity.pmid[1]))
    return keys


def _doi_key(written: str) -> str:
    from atlas_cli.core.doi import Doi, doi_key, inspect_identifier

    ident = inspect_identifier(written)
    return ident.key if isinstance(ident, Doi) else doi_key(written)


def _on_record(identity: Identity, line: int, exclusion: Exclusion, display: str) -> Problem:
    return Problem(
        identity.path,
        line,
        1,
        ERROR,
        "screening-excluded",
        f"{exclusion.named()} is excluded as out of scope in {display}:{exclusion.line} "
        f"({exclusion.reason}), yet it is a record",
        f"if the paper belongs in the atlas, remove its entry from {display}; if not, delete this record",
    )


def _on_entry(identity: Identity, exclusion: Exclusion, display: str) -> Problem:
    return Problem(
        display,
        exclusion.line,
        1,
        ERROR,
        "screening-excluded",
        f"{exclusion.named()} is excluded here, yet it is a record: {identity.path}",
        f"if the paper belongs in the atlas, remove this entry; if not, delete {identity.path}",
    )
