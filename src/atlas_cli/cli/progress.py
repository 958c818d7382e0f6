"""A progress bar for batches (atlas add, atlas verify), on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Generic, TypeVar

from atlas_cli.cli.handler import eprint

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

Item = TypeVar("Item")


class BatchProgress(Generic[Item]):
    """A rich progress bar while a batch runs, only when stderr is a terminal.

    LINES, when given, turns each finished item into lines for the user: printed
    above the bar on a terminal, plainly on stderr otherwise.
    """

    def __init__(self, label: str, lines: Callable[[Item], Iterable[str]] | None = None) -> None:
        self.label = label
        self.lines = lines
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def start(self, total: int) -> None:
        if total > 1 and sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            from atlas_cli.cli.console import make_console

            bar = Progress(
                TextColumn(self.label),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=make_console(stderr=True),
                transient=True,
            )
            bar.start()
            self.bar, self.task = bar, bar.add_task(self.label, total=total)

    def result(self, item: Item) -> None:
        for line in self.lines(item) if self.lines else ():
            if self.bar is not None:
                self.bar.console.print(line, markup=False, highlight=False, soft_wrap=True)
            else:
                eprint(line)
        if self.bar is not None and self.task is not None:
            self.bar.advance(self.task)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
