"""Checks across records: one paper, one record.

The public atlas has published the same study twice under two slugs; these
checks stop that. Each duplicate is reported once, on the later file (in path
order), naming the earlier one.
"""

from __future__ import annotations

import os

from atlas_cli.lint.engine import Identity
from atlas_cli.lint.problem import ERROR, WARNING, Problem


def check_duplicates(identities: list[Identity], files: list[tuple[str, str]]) -> list[Problem]:
    """FILES: (display path, file name) of every file, for the file-name case check."""
    problems: list[Problem] = []
    by_doi: dict[str, list[tuple[Identity, int]]] = {}
    by_pmid: dict[str, list[tuple[Identity, int]]] = {}
    by_title: dict[tuple[str, int | None], list[tuple[Identity, int]]] = {}
    for identity in identities:
        for doi, line in dict(identity.doi).items():
            by_doi.setdefault(doi, []).append((identity, line))
        if identity.pmid:
            by_pmid.setdefault(identity.pmid[0], []).append((identity, identity.pmid[1]))
        if identity.title:
            by_title.setdefault((identity.title[0], identity.year), []).append((identity, identity.title[1]))
    for doi, members in by_doi.items():
        if len(members) < 2:
            continue  # (most DOIs: a quick way past them, for 10,000 records)
        problems += _report(
            members,
            ERROR,
            "duplicate-doi",
            f"DOI {doi} is also in {{other}}",
            "one paper has one record: merge the two records and delete one",
        )
    for pmid, members in by_pmid.items():
        if len(members) < 2:
            continue
        problems += _report(
            members,
            ERROR,
            "duplicate-pmid",
            f"PMID {pmid} is also in {{other}}",
            "one paper has one record: merge the two records and delete one",
        )
    for (_, year), members in by_title.items():
        if len(members) > 1 and len({m.path for m, _ in members}) > 1 and not _same_doi(members):
            same = f"same title and year ({year})" if year is not None else "same title (and no year)"
            problems += _report(
                members,
                WARNING,
                "duplicate-title",
                f"{same} as {{other}}: a preprint and its journal version?",
                "if they are one study, keep the journal version and list the preprint under `related`",
            )
    problems += _case_collisions(files)
    return problems


def duplicate_keys(identity: Identity) -> set[str]:
    """The groups `check_duplicates` compares IDENTITY within, as text (`doi 10.1/x`,
    `pmid 123`, `title 2019 some title`): a record can be a duplicate of another only
    if they share one, so the lint index finds the records to compare a file with by
    these keys."""
    keys = {f"doi {doi}" for doi, _ in identity.doi}
    if identity.pmid:
        keys.add(f"pmid {identity.pmid[0]}")
    if identity.title:
        keys.add(f"title {'' if identity.year is None else identity.year} {identity.title[0]}")
    return keys


def _same_doi(members: list[tuple[Identity, int]]) -> bool:
    dois = [m.doi[0][0] if m.doi else None for m, _ in members]
    return len(set(dois)) == 1 and dois[0] is not None  # already reported as duplicate-doi


def _report(members: list[tuple[Identity, int]], severity: str, rule: str, message: str, hint: str) -> list[Problem]:
    members = sorted({m.path: (m, line) for m, line in members}.values(), key=lambda item: item[0].path)
    if len(members) < 2:
        return []
    problems = []
    for index, (identity, line) in enumerate(members):
        if not identity.checked:
            continue
        if index == 0 and any(m.checked for m, _ in members[1:]):
            continue  # the later files carry the report
        other, other_line = members[1] if index == 0 else members[0]
        problems.append(
            Problem(identity.path, line, 1, severity, rule, message.format(other=f"{other.path}:{other_line}"), hint)
        )
    return problems


def _case_collisions(files: list[tuple[str, str]]) -> list[Problem]:
    seen: dict[str, str] = {}
    problems = []
    for display, name in sorted(files):
        folded = os.path.join(os.path.dirname(display), name.casefold())  # in one folder only
        if folded in seen and seen[folded] != display:
            problems.append(
                Problem(
                    display,
                    1,
                    1,
                    ERROR,
                    "duplicate-filename",
                    f"file name differs only in case from {seen[folded]}",
                    "rename one of them: on macOS and Windows they are the same file",
                )
            )
        seen.setdefault(folded, display)
    return problems
