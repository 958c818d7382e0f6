"""Markup rule: record text is plain text, without tags or character references.

Titles copied from a publisher's page or an old import keep `<i>`, `<sup>`, JATS or
MathML tags and HTML entities (`&amp;`, `&lt;sup&gt;`), and every citation format
then prints them. `atlas lint --fix` replaces such a value with its plain text
(tags removed, their words kept; entities decoded, however often escaped).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from atlas_cli.lint.context import RecordContext
from atlas_cli.lint.rules import rule

# Identifiers and dates are checked by their own patterns; everything else is text a reader sees.
NOT_TEXT = frozenset({"slug", "doi", "doi_aliases", "pmid", "orcid", "snapshot_date", "added", "date", "related"})


def text_values(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(key path, text) for every text value of a record, identifiers left out."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key not in NOT_TEXT:
                yield from text_values(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from text_values(value, (*path, index))
    elif isinstance(data, str):
        yield path, data


def plain_text(value: str) -> str:
    """VALUE's plain text, as `--fix` writes it: one line stays one line, paragraphs stay paragraphs."""
    from atlas_cli.core import markup

    return markup.plain(value, one_line="\n" not in value.strip())


def dotted(path: tuple) -> str:
    return "".join(f"[{step}]" if isinstance(step, int) else (f".{step}" if i else step) for i, step in enumerate(path))


@rule("text-markup", fixable=True)
def no_markup(ctx: RecordContext) -> None:
    """Text holds no HTML/JATS/MathML tags or character references (they print in every citation).

    Fails:   title: The δ&lt;sup&gt;13&lt;/sup&gt;C decline in <i>Globigerina</i>
    Passes:  title: The δ13C decline in Globigerina
    """
    text = ctx.document.text
    if text and "<" not in text and "&" not in text and "\\" not in text:
        return  # no value can hold a tag or reference (no escape could write one): most records
    from atlas_cli.core import markup

    for path, value in text_values(ctx.data):
        found = markup.leftovers(value)
        if not found:
            continue
        shown = ", ".join(f"`{piece}`" for piece in found[:4]) + (", ..." if len(found) > 4 else "")
        ctx.report(
            "text-markup",
            path,
            f"`{dotted(path)}` holds markup or character references: {shown}",
            f"write it as plain text: {plain_text(value)[:80]!r} (atlas lint --fix does it)",
        )
