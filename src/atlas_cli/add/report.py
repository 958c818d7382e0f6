"""Text for `atlas add` results (pure: results in, lines out)."""

from __future__ import annotations

from atlas_cli.add.batch import ADDED, FAILED, PRESENT, SKIPPED, WOULD_ADD, AddReport, AddResult
from atlas_cli.core.safe_text import one_line

_VERB = {ADDED: "added", WOULD_ADD: "would add", PRESENT: "present", SKIPPED: "skipped", FAILED: "failed"}


def _where(result: AddResult) -> str:
    return f"records/{result.slug}.yaml"


def result_lines(result: AddResult) -> list[str]:
    """One line per identifier (plus one per notice for a new record)."""
    if result.status in (ADDED, WOULD_ADD):
        flags = f" [{', '.join(result.flags)}]" if result.flags else ""
        what = result.doi or f"PMID {result.pmid}, no DOI"
        if result.source:
            what = f"{result.source} -> {result.doi}" if result.doi else f"{result.source}, no DOI"
        lines = [f"{_VERB[result.status]} {_where(result)} ({what}){flags}"]
        lines += [f"  note: {notice}" for notice in result.notices]
        return lines
    # what was typed is echoed as one line, its escape sequences shown, never obeyed
    return [f"{_VERB[result.status]} {one_line(result.label)}: {one_line(result.reason or '')}"]


def summary_lines(report: AddReport) -> list[str]:
    counts = [
        (report.count(ADDED), "added"),
        (report.count(WOULD_ADD), "would be added"),
        (report.count(PRESENT), "already present"),
        (report.count(SKIPPED), "skipped"),
        (report.count(FAILED), "failed"),
    ]
    head = ", ".join(f"{n} {label}" for n, label in counts if n) or "nothing done"
    rows = [("status", "paper", "record / reason")]
    for result in report.results:
        detail = _where(result) if result.status in (ADDED, WOULD_ADD) else (result.reason or "")
        rows.append((_VERB[result.status], one_line(result.label), one_line(detail)))
    width0 = max(len(r[0]) for r in rows)
    width1 = min(max(len(r[1]) for r in rows), 60)
    lines = ["", f"Summary: {head}"]
    lines += [f"  {a:<{width0}}  {b:<{width1}}  {c}".rstrip() for a, b, c in rows]
    return lines
