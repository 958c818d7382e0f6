"""The atlas snapshot reference: which reading of the paper, on which date.

`ME/CFS Atlas. Generator v1 / Scanner v1.4 / policy v0.1. Accessed <date>. <url>`

The atlas's name and the versions come from the atlas settings (`name`,
`[snapshot]`), the date from the record's `snapshot_date` (left out when the
record has none).
"""

from __future__ import annotations

from atlas_cli.core import fields

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see core/values.py)
if TYPE_CHECKING:
    from typing import Any

ATLAS_NAME = "ME/CFS Atlas"


def snapshot(record: dict[str, Any], versions: dict[str, str], evidence_url: str, name: str = ATLAS_NAME) -> str:
    pieces = [
        f"{name.rstrip('.')}.",
        f"Generator {versions.get('generator', '?')} / Scanner {versions.get('scanner', '?')}"
        f" / policy {versions.get('policy', '?')}.",
    ]
    date = fields.text(record, "snapshot_date")
    if date:
        pieces.append(f"Accessed {date}.")
    pieces.append(evidence_url)
    return " ".join(pieces)
