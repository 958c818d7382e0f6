"""Which records a command works on: `--badge`, `--topic`, `--year`... as one checked selection.

`atlas list` and `atlas export` take the same filters, checked the same way
(`core.choices`, as every option value of atlas): a value that is not in the
registries (a misspelt topic, an unknown badge, status or flag) is a usage error
(exit 2) with the closest known value, never an empty result. Values within one
filter are alternatives (OR); different filters must all match (AND).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from atlas_cli.core import fields, textfold
from atlas_cli.core.choices import check_choice, unknown_choice
from atlas_cli.core.errors import UsageError
from atlas_cli.core.pem import BADGES, LABELS
from atlas_cli.core.records import record_schema

if TYPE_CHECKING:
    from atlas_cli.core.registries import Registries

STATUSES = ("draft", "published")
SEARCH_FIELDS = ("title", "summary", "why_it_matters", "does_not_show", "findings", "limitations")


@dataclass(frozen=True)
class Selection:
    badges: tuple[str, ...] = ()
    criteria: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    designs: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    years: tuple[int | None, int | None] = (None, None)
    search: str | None = None

    @property
    def asks_content(self) -> bool:
        """Whether any filter looks inside a record (an unreadable file matches only when none does)."""
        return any(
            (self.badges, self.criteria, self.topics, self.designs, self.statuses, self.flags, self.search)
        ) or self.years != (None, None)

    def matches(self, data: dict[str, Any]) -> bool:
        if self.badges and fields.badge(data) not in self.badges:
            return False
        if self.criteria and not set(self.criteria) & set(fields.strings(fields.pem(data).get("criteria"))):
            return False
        if self.topics and not set(self.topics) & set(fields.strings(data.get("topics"))):
            return False
        if self.designs and fields.text(data, "design") not in self.designs:
            return False
        if self.statuses and fields.text(data, "status") not in self.statuses:
            return False
        if self.flags and not set(self.flags) & set(fields.strings(data.get("flags"))):
            return False
        first, last = self.years
        if first is not None or last is not None:
            year = fields.year(data)
            if year is None or (first is not None and year < first) or (last is not None and year > last):
                return False
        if self.search:
            haystack = search_text(data)
            if not all(word in haystack for word in search_key(self.search).split()):
                return False
        return True


def make_selection(
    *,
    badges: Iterable[str] = (),
    criteria: Iterable[str] = (),
    topics: Iterable[str] = (),
    designs: Iterable[str] = (),
    statuses: Iterable[str] = (),
    flags: Iterable[str] = (),
    years: str | None = None,
    search: str | None = None,
    registries: Registries | None = None,
) -> Selection:
    """The selection given by command-line values, checked against the registries (typos are usage errors)."""
    by_label = {label.lower(): badge for badge, label in LABELS.items()}
    badge_ids = []
    for value in badges:
        badge = value if value in BADGES else by_label.get(value.lower()) or by_label.get(f"pem {value.lower()}")
        if badge is None:
            raise unknown_choice("badge", value, BADGES)
        badge_ids.append(badge)
    criteria_ids = []
    for value in criteria:
        cid = registries.criterion_for(value) if registries else value
        if registries and cid is None:
            raise unknown_choice("criterion", value, registries.criteria)
        criteria_ids.append(cid or value)
    for kind, values, known in (
        ("topic", topics, registries.topics if registries else None),
        ("design", designs, registries.designs if registries else None),
    ):
        for value in values:
            if known is not None:
                check_choice(kind, value, known)
    for value in statuses:
        check_choice("status", value, STATUSES)
    for value in flags:
        check_choice("flag", value, record_schema()["properties"]["flags"]["items"]["enum"])
    return Selection(
        badges=tuple(badge_ids),
        criteria=tuple(criteria_ids),
        topics=tuple(topics),
        designs=tuple(designs),
        statuses=tuple(statuses),
        flags=tuple(flags),
        years=parse_years(years) if years is not None else (None, None),
        search=search or None,
    )


def parse_years(text: str) -> tuple[int | None, int | None]:
    """`2017`, `2015..2020`, `2015..` or `..2020` -> (first, last), inclusive."""
    match = re.fullmatch(r"\s*(\d{4})?\s*(\.\.)?\s*(\d{4})?\s*", text or "")
    if (
        not match
        or not (match.group(1) or match.group(3))
        or (match.group(1) and match.group(3) and not match.group(2))
    ):
        raise UsageError(
            f"--year {text!r} is not a year or a range",
            hint="write a year (2017) or a range: 2015..2020, 2015.. or ..2020",
        )
    first = int(match.group(1)) if match.group(1) else None
    last = int(match.group(3)) if match.group(3) else None
    if not match.group(2):
        last = first
    if first is not None and last is not None and first > last:
        raise UsageError(f"--year {text!r}: the range ends before it starts", hint=f"did you mean {last}..{first}?")
    return first, last


def search_key(text: str) -> str:
    """TEXT folded for matching a search (compatibility forms too: ligatures, full-width letters)."""
    return textfold.fold(text, compatibility=True)


def search_text(data: dict[str, Any]) -> str:
    parts = [fields.clean(data.get(k)) or "" for k in SEARCH_FIELDS]
    parts += fields.author_names(data)
    return search_key("\n".join(parts))
