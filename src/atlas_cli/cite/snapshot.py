"""The atlas snapshot reference: which reading of the paper, on which date.

`ME/CFS Atlas. Generator v1 / Scanner v1.4 / policy v0.1. Accessed <date>. <url>`

The versions come from the atlas settings (`[snapshot]`), the date from the
record's `snapshot_date` (left out when the record has none).
"""

from __future__ import annotations

from typing import Any

from atlas_cli.core import fields

ATLAS_NAME = "ME/CFS Atlas"


def snapshot(record: dict[str, Any], versions: dict[str, str], evidence_url: str) -> str:
    pieces = [
        f"{ATLAS_NAME}.",
        f"Generator {versions.get('generator', '?')} / Scanner {versions.get('scanner', '?')}"
        f" / policy {versions.get('policy', '?')}.",
    ]
    date = fields.text(record, "snapshot_date")
    if date:
        pieces.append(f"Accessed {date}.")
    pieces.append(evidence_url)
    return " ".join(pieces)
