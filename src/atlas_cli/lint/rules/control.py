"""Control rule: record text holds no control or bidirectional formatting characters.

An escape sequence in a title (`ESC ] 0 ; ... BEL`, `ESC [ 2 J`, the C1 byte U+009B)
is obeyed by the terminal of whoever runs `atlas show` or `atlas cite` instead of
being shown; NUL and carriage returns hide or overwrite text; a RIGHT-TO-LEFT
OVERRIDE (U+202E) and its friends show a title in another order than the one
stored and cited. None belongs in a record, so each is an error, in any text field,
and `atlas lint --fix` removes them (a carriage return or other control that
separates words becomes a space). The characters are `core.safe_text.UNSAFE`.
"""

from __future__ import annotations

from atlas_cli.core.safe_text import describe, find_unsafe, has_unsafe
from atlas_cli.lint.context import RecordContext
from atlas_cli.lint.rules import rule
from atlas_cli.lint.rules.markup import dotted, text_values


@rule("text-control", fixable=True)
def no_control_characters(ctx: RecordContext) -> None:
    """Text holds no control characters, escape sequences or bidirectional overrides.

    Fails:   title: "Fatigue \\e[2J\\e]0;pwned\\a in ME/CFS"   (or "\\u202eSFC/EM")
    Passes:  title: Fatigue in ME/CFS
    """
    text = ctx.document.text
    if text and "\\" not in text and not has_unsafe(text):
        return  # no value holds one, and no escape could write one: most records
    for path, value in text_values(ctx.data):
        found = find_unsafe(value)
        if not found:
            continue
        shown = ", ".join(describe(char) for char in found[:4]) + (", ..." if len(found) > 4 else "")
        ctx.report(
            "text-control",
            path,
            f"`{dotted(path)}` holds characters a terminal obeys instead of showing: {shown}",
            "remove them (atlas lint --fix does it); they are never part of a title, a name or a summary",
        )
