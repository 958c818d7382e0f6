"""What a rule sees of one record, and how it reports a finding."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from atlas_cli.core.registries import Registries
from atlas_cli.core.yamlio import Document
from atlas_cli.lint.problem import ERROR, Problem


@dataclass
class RecordContext:
    path: str  # as displayed
    filename: str
    document: Document
    registries: Registries
    problems: list[Problem] = field(default_factory=list)

    @property
    def data(self) -> dict[str, Any]:
        return self.document.data or {}

    @property
    def published(self) -> bool:
        return self.data.get("status") == "published"

    def report(
        self, rule: str, where: tuple, message: str, hint: str | None = None, severity: str = ERROR, key: bool = False
    ) -> None:
        """Record a problem at the YAML position of WHERE (a key path)."""
        line, column = self.document.locate(where, key=key)
        self.problems.append(Problem(self.path, line, column, severity, rule, message, hint))
