"""The base of the small value classes every command reads through (settings, YAML problems,
record files), and why they are not dataclasses.

`atlas cite` should start about as fast as Python imports PyYAML. Importing
`dataclasses` (which imports `inspect`, `ast`, `dis` and `tokenize`) costs a fifth
of that, and `typing` a tenth, so the modules on the way to a citation import
neither:

- their value classes derive from `Value` (`types.SimpleNamespace`: equality and a
  readable repr by attribute, built in) and set their attributes in `__init__`;
- they name types only in annotations (strings, under `from __future__ import
  annotations`), imported under `TYPE_CHECKING = False` / `if TYPE_CHECKING:`, the
  form type checkers read as `typing.TYPE_CHECKING`.

`tests/test_entry.py` checks that `atlas cite` loads neither module. Code off that
path (lint rules, the site, the services) uses dataclasses and typing as usual.
"""

from __future__ import annotations

from types import SimpleNamespace


class Value(SimpleNamespace):
    """Attributes set in `__init__`; equal to another of its class with the same attributes."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(self) == vars(other)

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled (for worker processes) as its attributes, rebuilt without calling `__init__`."""
        return (_blank, (type(self),), vars(self))


def _blank(cls: type[Value]) -> Value:
    return SimpleNamespace.__new__(cls)
