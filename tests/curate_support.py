"""Shared helpers for the show / list / stats / verify tests (not a test module)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from support import changed, clean_env, new_atlas, run_atlas

from atlas_cli.core.records import render_record

BASE_RECORD = {
    "slug": "mensah-2017-chronic-fatigue",
    "status": "published",
    "title": "Chronic fatigue syndrome and the immune system: Where are we now?",
    "authors": [
        {"family": "Mensah", "given": "Fane Kojo Fosu"},
        {"family": "Bansal", "given": "Amolak Singh"},
        {"family": "Ford", "given": "Brian"},
        {"family": "Cambridge", "given": "Geraldine"},
    ],
    "journal": "Neurophysiologie clinique = Clinical neurophysiology",
    "year": 2017,
    "doi": "10.1016/j.neucli.2017.02.002",
    "pmid": "28410877",
    "publication_type": "journal-article",
    "peer_reviewed": True,
    "design": "narrative-review",
    "evidence_level": "E3",
    "pem": {"badge": "not-applicable", "rationale": "A review: it has no participants of its own."},
    "summary": "This review examines what is known about immune changes in ME/CFS.",
    "why_it_matters": "Understanding immune mechanisms may lead to targeted treatments.",
    "does_not_show": "It does not prove that immune dysfunction is the sole cause of ME/CFS.",
    "topics": ["immune-dysfunction"],
    "snapshot_date": "2026-05-30",
    "added": "2026-05-01",
}


def record(**changes) -> dict:
    """BASE_RECORD with CHANGES (a value of None removes the key)."""
    return changed(BASE_RECORD, **changes)


def make_atlas(tmp_path: Path, records: dict[str, dict | str] | list[dict] = (), name: str = "atlas") -> Path:
    """A temporary atlas (atlas.toml + records/); dict records are rendered, strings written as is."""
    root = new_atlas(tmp_path / name)
    items = records.items() if isinstance(records, dict) else ((r["slug"], r) for r in records)
    for slug, data in items:
        write_record(root, slug, data)
    return root


def write_record(root: Path, slug: str, data: dict | str) -> Path:
    path = root / "records" / f"{slug}.yaml"
    path.write_text(data if isinstance(data, str) else render_record(data), encoding="utf-8")
    return path


def run(root: Path, *args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real `atlas` entry point in a subprocess, in ROOT, output captured (so piped)."""
    return run_atlas(
        "--root", str(root), *args, cwd=root, env=clean_env(env, cache=root.parent / ".cache"), timeout=timeout
    )


_SGR = re.compile(r"\x1b\[([0-9;]*)m")


def has_escape(text: str) -> bool:
    return "\x1b" in text


def colour_codes(text: str) -> list[str]:
    """SGR parameters that set a colour (foreground or background), found in TEXT."""
    found = []
    for params in _SGR.findall(text):
        for part in params.split(";"):
            if part.isdigit() and (30 <= int(part) <= 49 or 90 <= int(part) <= 107):
                found.append(part)
    return found


def strip_escapes(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\]8;[^\x1b]*\x1b\\\\", "", text)
