"""Key order: records read in the order of an evidence page."""

from __future__ import annotations

from atlas_cli.core.records import key_orders
from atlas_cli.lint.context import RecordContext
from atlas_cli.lint.problem import WARNING
from atlas_cli.lint.rules import rule


@rule("key-order", fixable=True)
def keys_in_page_order(ctx: RecordContext) -> None:
    """Top-level keys, and the keys under `pem`, follow the schema's order (the page's reading order).

    Warns:   summary before title
    Passes:  slug, status, title, authors, journal, year, ... (atlas lint --fix reorders)
    """
    orders = key_orders()
    _check(ctx, (), ctx.data, orders["record"])
    pem = ctx.data.get("pem")
    if isinstance(pem, dict):
        _check(ctx, ("pem",), pem, orders["pem"])


def _check(ctx: RecordContext, where: tuple, mapping: dict, order: list[str]) -> None:
    rank = {key: i for i, key in enumerate(order)}
    previous = None
    for key in mapping:
        if key not in rank:
            continue
        if previous is not None and rank[key] < rank[previous]:
            ctx.report(
                "key-order",
                where + (key,),
                f"`{key}` should come before `{previous}` (page order)",
                "atlas lint --fix puts the keys in order without changing any value",
                severity=WARNING,
                key=True,
            )
            return
        previous = key
