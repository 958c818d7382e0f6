"""The rich consoles atlas prints with: styled on a terminal, and safe for it.

A console made here never interprets markup or highlights text (a title holding
`[b]` prints as written), and passes every piece of text through
`core.safe_text.for_terminal` after layout and before styling: an escape sequence
or a bidirectional override in a record shows as `\\uXXXX`, while the colours
atlas adds itself still reach the terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, ConsoleRenderable, RenderResult


def make_console(stderr: bool = False, **options: Any) -> Console:
    """A console on standard output (or error) that shows record text and never obeys it."""
    from rich.console import Console, RenderHook

    class SafeText(RenderHook):
        def process_renderables(self, renderables: list[ConsoleRenderable]) -> list[ConsoleRenderable]:
            return [_Safe(renderable) for renderable in renderables]

    console = Console(stderr=stderr, markup=False, highlight=False, emoji=False, **options)
    console.push_render_hook(SafeText())
    return console


class _Safe:
    """A renderable whose text segments are made safe for a terminal (control segments, atlas's own, pass)."""

    def __init__(self, inner: ConsoleRenderable) -> None:
        self.inner = inner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.segment import Segment

        from atlas_cli.core.safe_text import for_terminal

        for segment in console.render(self.inner, options):
            if segment.control:
                yield segment
            else:
                yield Segment(for_terminal(segment.text), segment.style, segment.control)
