"""Helpers for the lint tests: a small atlas in a temp folder and a valid record to break."""

from __future__ import annotations

import subprocess
from pathlib import Path

import support
from support import changed, clean_env, new_atlas

from atlas_cli.core.config import load_settings
from atlas_cli.core.records import render_record
from atlas_cli.lint import lint_paths

GOOD = {
    "slug": "fluge-2019-b-lymphocyte",
    "status": "published",
    "title": "B-Lymphocyte Depletion in Patients With Myalgic Encephalomyelitis/Chronic Fatigue Syndrome",
    "authors": [{"family": "Fluge", "given": "Øystein"}, {"family": "Mella", "given": "Olav"}],
    "journal": "Annals of internal medicine",
    "year": 2019,
    "doi": "10.7326/M18-1451",
    "pmid": "30934066",
    "publication_type": "journal-article",
    "design": "rct",
    "pem": {
        "badge": "required",
        "criteria": ["ccc-2003"],
        "rationale": "Participants had to meet the Canadian Consensus Criteria, which make PEM mandatory.",
        "source": "Methods, Participants",
    },
    "summary": "A placebo-controlled trial of rituximab found no benefit on fatigue.",
    "why_it_matters": "It tested B-cell depletion properly after promising small studies.",
    "does_not_show": "It does not show that B cells play no role in ME/CFS.",
    "topics": ["b-cell-depletion", "b-cells"],
    "snapshot_date": "2026-05-30",
}


def good(**changes) -> dict:
    """A copy of the valid record with top-level CHANGES (None deletes a key)."""
    return changed(GOOD, **changes)


def with_pem(**changes) -> dict:
    data = good()
    for key, value in changes.items():
        if value is None:
            data["pem"].pop(key, None)
        else:
            data["pem"][key] = value
    return data


def make_atlas(root: Path) -> Path:
    return new_atlas(root)


def write_record(root: Path, data: dict | str | bytes, name: str | None = None) -> Path:
    if isinstance(data, dict):
        name = name or f"{data['slug']}.yaml"
        content: str | bytes = render_record(data)
    else:
        content = data
    path = root / "records" / (name or "record.yaml")
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def lint(root: Path, paths=None):
    return lint_paths(load_settings(root), paths, jobs=1)


def rules_of(result) -> list[str]:
    return [p.rule for p in result.problems]


def run_atlas(*args: str, cwd: Path | None = None, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    """The real `atlas` entry point, in a subprocess."""
    return support.run_atlas(*args, cwd=cwd, env=clean_env(env_extra))
