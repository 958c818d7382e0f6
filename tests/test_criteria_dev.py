"""Optional: the labelled criteria-dev passages, when present beside the checkout.

Runs only when the folder is available (ATLAS_CRITERIA_DEV, or `shared/criteria-dev`
in a parent of the checkout). The suite never depends on it; its own passages are in
test_criteria_rules.py. bench/criteria_bench.py reports the full figures.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from atlas_cli.core.config import find_schemas_dir
from atlas_cli.criteria import propose_text


def _find() -> Path | None:
    if os.environ.get("ATLAS_CRITERIA_DEV"):
        return Path(os.environ["ATLAS_CRITERIA_DEV"])
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "criteria-dev"
        if candidate.is_dir():
            return candidate
    return None


FOLDER = _find()
pytestmark = pytest.mark.skipif(FOLDER is None, reason="no labelled criteria passages available")


def _items() -> list[dict]:
    import yaml

    items = []
    for path in sorted(FOLDER.glob("*.yaml")):  # type: ignore[union-attr]
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        items += [i for i in (data or {}).get("items", []) if isinstance(i, dict) and isinstance(i.get("text"), str)]
    return items


def test_labelled_passages_required_is_never_wrong_and_badges_are_mostly_right():
    items = _items()
    assert items
    right = wrong_required = 0
    for item in items:
        proposal = propose_text(item["text"], find_schemas_dir())
        assert all(item["text"][q.start : q.end] == q.text for q in proposal.quotes), item["key"]
        accepted = item.get("acceptable_badges") or [item["expected_badge"]]
        right += proposal.badge in accepted
        wrong_required += proposal.badge == "required" and "required" not in accepted
    assert wrong_required == 0
    assert right / len(items) >= 0.9
