"""The date window of `atlas discover` (pure: today is given).

Dates are PubMed's Entrez dates (when a record entered PubMed), both ends included:
a paper that appeared on `--since` or on `--until` is in the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from atlas_cli.core.errors import UsageError

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Window:
    since: date
    until: date
    why: str  # how `since` was chosen, for the summary line

    def describe(self) -> str:
        return f"{self.since.isoformat()} to {self.until.isoformat()}"


def parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(
            f"{option} {value!r} is not a date", hint=f"write it as YYYY-MM-DD, e.g. {option} 2026-05-01"
        ) from None


def window_for(
    today: date,
    *,
    since: str | None = None,
    until: str | None = None,
    days: int | None = None,
    newest_snapshot: str | None = None,
) -> Window:
    """The window: --since or --days, else since NEWEST_SNAPSHOT, else the last DEFAULT_DAYS days; until --until or today."""
    if since is not None and days is not None:
        raise UsageError("--since and --days both say where the window starts", hint="give one of them")
    if days is not None and days < 1:
        raise UsageError(f"--days {days} is not a number of days", hint="e.g. --days 7")
    end = parse_day(until, "--until") if until is not None else today
    if since is not None:
        start, why = parse_day(since, "--since"), "--since"
    elif days is not None:
        start, why = end - timedelta(days=days), f"the last {days} days"
    elif newest_snapshot is not None:
        start, why = date.fromisoformat(newest_snapshot), "since the newest snapshot_date in the atlas"
    else:
        start, why = end - timedelta(days=DEFAULT_DAYS), f"the last {DEFAULT_DAYS} days (no snapshot_date in the atlas)"
    if start > end:
        raise UsageError(
            f"the window starts ({start.isoformat()}) after it ends ({end.isoformat()})",
            hint="give an earlier --since, or a later --until",
        )
    return Window(start, end, why)
