"""A finding of `atlas lint`: data, with a position, a rule id, a level and a hint."""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    line: int
    column: int
    severity: str
    rule: str
    message: str
    hint: str | None = None

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.rule, self.message)

    def as_dict(self) -> dict:
        return asdict(self)
