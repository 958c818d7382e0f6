"""Small helpers shared by rule modules."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from atlas_cli.core.registries import Design
    from atlas_cli.lint.context import RecordContext


def did_you_mean(value: str, choices: Iterable[str], n: int = 1) -> str | None:
    """'did you mean x?' for the closest choice, or None."""
    close = difflib.get_close_matches(value.lower(), list(choices), n=n, cutoff=0.6)
    if not close:
        return None
    return "did you mean " + " or ".join(f"`{c}`" for c in close) + "?"


def design_of(ctx: RecordContext) -> Design | None:
    """The registry design of the record, or None (unknown, missing, or not text)."""
    design = ctx.data.get("design")
    return ctx.registries.designs.get(design) if isinstance(design, str) else None
