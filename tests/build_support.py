"""Shared helpers for the `atlas build` tests (not a test module): a small atlas with
one record per case the site must show (each PEM badge, a retraction, a draft,
no authors, hostile text)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

HOSTILE = "<script>alert(1)</script> \"quoted\" 'single' {{ 7*7 }} {% if 1 %}x{% endif %} &amp; </pre>"

RECORDS: dict[str, dict] = {
    "smith-2021-exercise-capacity": {
        "status": "published",
        "title": "Exercise capacity on two consecutive days in ME/CFS",
        "authors": [
            {"family": "Smith", "given": "Anna"},
            {"family": "Jones", "given": "Bo"},
            {"family": "Okafor", "given": "Chidi"},
            {"family": "Müller", "given": "Dana"},
        ],
        "journal": "Journal of Exertion Studies",
        "year": 2021,
        "doi": "10.1234/jes.2021.001",
        "pmid": "31234567",
        "design": "exercise-challenge",
        "evidence_level": "E2",
        "confidence": "moderate",
        "peer_reviewed": True,
        "pem": {
            "badge": "required",
            "criteria": ["ccc-2003", "fukuda-1994"],
            "combine": "all",
            "rationale": "Every participant met the Canadian Consensus Criteria.",
        },
        "summary": "People with ME/CFS did worse on the second exercise test.\n\nHealthy people did not.",
        "why_it_matters": "It measures post-exertional malaise objectively.",
        "does_not_show": "It does not show why capacity falls.",
        "topics": ["pem", "exercise-physiology"],
        "snapshot_date": "2026-05-30",
    },
    "lee-2019-fatigue-survey": {
        "status": "published",
        "title": "A fatigue survey in primary care",
        "authors": [{"family": "Lee", "given": "Min"}],
        "journal": "Primary Care Reports",
        "year": 2019,
        "doi": "10.5555/pcr.19",
        "design": "cross-sectional",
        "pem": {"badge": "not-required", "criteria": ["fukuda-1994"]},
        "summary": "Many patients reported fatigue.",
        "why_it_matters": "It counts how common fatigue is.",
        "does_not_show": "It does not show that the patients had ME/CFS.",
        "topics": ["epidemiology", "fatigue"],
    },
    "unknown-2018-immune-markers": {
        "status": "published",
        "title": "Immune markers in fatiguing illness",
        "authors": [],
        "journal": "Immunology Letters Preview",
        "year": 2018,
        "design": "mechanistic",
        "pem": {"badge": "unclear"},
        "summary": "Some immune markers differed.",
        "why_it_matters": "It suggests markers worth checking.",
        "does_not_show": "It does not say how participants were selected.",
        "topics": ["cytokines"],
    },
    "brown-2020-immune-review": {
        "status": "published",
        "title": "The immune system in ME/CFS: a review",
        "authors": [{"family": "Brown", "given": "Cara"}, {"literal": "ME Research Consortium"}],
        "journal": "Reviews in Immunology",
        "year": 2020,
        "doi": "10.7777/rii.2020.5",
        "design": "narrative-review",
        "pem": {"badge": "not-applicable"},
        "summary": "A review of immune findings.",
        "why_it_matters": "It gathers the evidence in one place.",
        "does_not_show": "It does not add new data.",
        "topics": ["cytokines", "immune-dysfunction"],
    },
    "garcia-2017-retracted-trial": {
        "status": "published",
        "title": "A trial later retracted",
        "authors": [{"family": "Garcia", "given": "Elena"}, {"family": "Ruiz", "given": "Pablo"}],
        "journal": "Trials in Fatigue",
        "year": 2017,
        "doi": "10.8888/tif.2017.9",
        "design": "rct",
        "pem": {"badge": "not-required", "criteria": ["oxford-1991"]},
        "summary": "The trial reported an effect.",
        "why_it_matters": "It was widely cited.",
        "does_not_show": "Its data could not be verified.",
        "topics": ["treatment"],
        "updates": [{"type": "retraction", "doi": "10.8888/tif.2018.1", "date": "2018-03-01"}],
    },
    "patel-2022-draft-study": {
        "status": "draft",
        "title": "A study still being curated",
        "authors": [{"family": "Patel", "given": "Ravi"}],
        "journal": "Draft Journal",
        "year": 2022,
        "pem": {"badge": "unclear"},
        "summary": "Not written yet.",
        "why_it_matters": "",
        "does_not_show": "",
        "topics": ["pem"],
    },
    "hostile-2023-markup-test": {
        "status": "published",
        "title": "Title " + HOSTILE,
        "authors": [{"family": "Evil<b>", "given": "Eve\"'"}],
        "journal": "Journal " + HOSTILE,
        "year": 2023,
        "doi": '10.6666/x"onmouseover="alert(1)',
        "design": "observational",
        "pem": {"badge": "unclear", "rationale": HOSTILE},
        "summary": HOSTILE,
        "why_it_matters": HOSTILE,
        "does_not_show": HOSTILE,
        "topics": ["fatigue"],
    },
}

ATLAS_TOML = """\
[atlas]
site_url = "https://atlas.example.org"
bibtex_prefix = "exatlas"
records_dir = "records"

[atlas.snapshot]
generator = "v2"
scanner = "v1.5"
policy = "v0.2"
"""


def write_record(records_dir: Path, slug: str, data: dict) -> Path:
    path = records_dir / f"{slug}.yaml"
    path.write_text(yaml.safe_dump({"slug": slug, **data}, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def make_atlas(root: Path, records: dict[str, dict] | None = None) -> Path:
    """An atlas folder (atlas.toml + records/) at ROOT."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "atlas.toml").write_text(ATLAS_TOML, encoding="utf-8")
    records_dir = root / "records"
    records_dir.mkdir(exist_ok=True)
    for slug, data in (RECORDS if records is None else records).items():
        write_record(records_dir, slug, data)
    return root


def atlas(*args: str, root: Path, cache: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run the `atlas` entry point in ROOT."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    env["ATLAS_CACHE_DIR"] = str(cache or root / ".cache")
    return subprocess.run(
        [sys.executable, "-m", "atlas_cli", *args], cwd=root, env=env, capture_output=True, text=True, **kwargs
    )


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
