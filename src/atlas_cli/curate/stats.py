"""`atlas stats`: the state of the atlas as counts (data), and pure formatters.

Counts are per record. A record that cannot be read counts in the total and under
`unreadable`; a missing value counts as `(none)`. The curation backlog is the drafts
by age (from their `added` date) and the records `atlas lint` has errors or
warnings for.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from atlas_cli.core import fields
from atlas_cli.curate.listing import Entry

if TYPE_CHECKING:
    from atlas_cli.core.registries import Registries

NONE = "(none)"
AGE_BUCKETS = ("under 1 week", "1-4 weeks", "1-3 months", "3-12 months", "over 1 year", "no added date")


@dataclass
class Stats:
    total: int = 0
    unreadable: int = 0
    status: dict[str, int] = field(default_factory=dict)
    pem_badge: dict[str, int] = field(default_factory=dict)
    design: dict[str, int] = field(default_factory=dict)
    evidence_level: dict[str, int] = field(default_factory=dict)
    criteria: dict[str, int] = field(default_factory=dict)
    year: dict[str, int] = field(default_factory=dict)
    topics: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    drafts_by_age: dict[str, int] = field(default_factory=dict)
    oldest_drafts: list[dict] = field(default_factory=list)
    with_errors: int = 0
    with_warnings: int = 0
    lint_checked: bool = False
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # section -> id -> display label

    def as_dict(self) -> dict:
        return asdict(self)


def _ranked(counter: Counter) -> dict[str, int]:
    """Most frequent first, ties by name; `(none)` last."""
    items = sorted(counter.items(), key=lambda kv: (kv[0] == NONE, -kv[1], kv[0]))
    return dict(items)


def _age_bucket(days: int) -> str:
    if days < 7:
        return AGE_BUCKETS[0]
    if days < 28:
        return AGE_BUCKETS[1]
    if days < 91:
        return AGE_BUCKETS[2]
    if days < 365:
        return AGE_BUCKETS[3]
    return AGE_BUCKETS[4]


def compute(
    entries: list[Entry],
    registries: Registries | None = None,
    *,
    today: dt.date | None = None,
    lint_checked: bool = False,
    oldest: int = 3,
) -> Stats:
    today = today or dt.date.today()
    counters: dict[str, Counter[str]] = {
        name: Counter()
        for name in ("status", "pem_badge", "design", "evidence_level", "criteria", "year", "topics", "flags")
    }
    ages = Counter(dict.fromkeys(AGE_BUCKETS, 0))
    drafts: list[dict] = []
    stats = Stats(total=len(entries), lint_checked=lint_checked)
    for entry in entries:
        if entry.errors:
            stats.with_errors += 1
        if entry.warnings:
            stats.with_warnings += 1
        data = entry.data
        if data is None:
            stats.unreadable += 1
            continue
        status = fields.text(data, "status") or NONE
        counters["status"][status] += 1
        counters["pem_badge"][fields.badge(data) or NONE] += 1
        counters["design"][fields.text(data, "design") or NONE] += 1
        counters["evidence_level"][fields.text(data, "evidence_level") or NONE] += 1
        for cid in set(fields.strings(fields.pem(data).get("criteria"))) or {NONE}:
            counters["criteria"][cid] += 1
        year = fields.year(data)
        counters["year"][str(year) if year is not None else NONE] += 1
        for tid in set(fields.strings(data.get("topics"))):
            counters["topics"][tid] += 1
        for flag in set(fields.strings(data.get("flags"))):
            counters["flags"][flag] += 1
        if status == "draft":
            added = _date(fields.text(data, "added"))
            if added is None:
                ages[AGE_BUCKETS[-1]] += 1
            else:
                days = (today - added).days
                ages[_age_bucket(days)] += 1
                drafts.append({"slug": entry.slug, "added": added.isoformat(), "days": days})
    for name, counter in counters.items():
        ranked = (
            dict(sorted(counter.items(), key=lambda kv: (kv[0] == NONE, kv[0]))) if name == "year" else _ranked(counter)
        )
        setattr(stats, name, ranked)
    stats.drafts_by_age = {bucket: ages[bucket] for bucket in AGE_BUCKETS}
    stats.oldest_drafts = sorted(drafts, key=lambda d: (-d["days"], d["slug"]))[:oldest]
    stats.labels = _labels(stats, registries)
    return stats


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _labels(stats: Stats, registries: Registries | None) -> dict[str, dict[str, str]]:
    from atlas_cli.core.pem import LABELS

    labels: dict[str, dict[str, str]] = {
        "pem_badge": {k: LABELS[k] for k in stats.pem_badge if k in LABELS},
        "evidence_level": {k: fields.EVIDENCE_LABELS[k] for k in stats.evidence_level if k in fields.EVIDENCE_LABELS},
    }
    if registries is not None:
        labels["design"] = {k: registries.designs[k].label for k in stats.design if k in registries.designs}
        labels["criteria"] = {k: registries.criteria[k].name for k in stats.criteria if k in registries.criteria}
        labels["topics"] = {k: registries.topics[k].label for k in stats.topics if k in registries.topics}
    return labels


# --- formatters ------------------------------------------------------------------------

SECTIONS = (
    ("status", "Records by status"),
    ("pem_badge", "PEM badge"),
    ("design", "Study design"),
    ("evidence_level", "Evidence level"),
    ("criteria", "Case definitions used (records per definition)"),
    ("year", "Publication year"),
    ("topics", "Topics"),
    ("flags", "Flags"),
)


def format_json(stats: Stats) -> str:
    return json.dumps(stats.as_dict(), indent=2, ensure_ascii=False) + "\n"


def bar(count: int, largest: int, width: int) -> str:
    """A bar of full and partial blocks, at least a sliver for any non-zero count."""
    if largest <= 0 or count <= 0:
        return ""
    eighths = max(1, round(count / largest * width * 8))
    full, rest = divmod(eighths, 8)
    return "\u2588" * full + ("" if rest == 0 else " \u258f\u258e\u258d\u258c\u258b\u258a\u2589"[rest])


def _table(counts: dict[str, int], labels: dict[str, str], total: int, bars: bool, width: int) -> list[str]:
    if not counts:
        return ["  (none recorded)" if total else "  (no records)"]
    names = [labels.get(k, k) for k in counts]
    name_width = min(max(len(n) for n in names), 48)
    count_width = max(len(str(v)) for v in counts.values())
    largest = max(counts.values())
    lines = []
    for name, value in zip(names, counts.values()):
        share = f"{value / total:>4.0%}" if total else ""
        line = f"  {name[:name_width].ljust(name_width)}  {str(value).rjust(count_width)}  {share}"
        if bars:
            line += "  " + bar(value, largest, width)
        lines.append(line.rstrip())
    return lines


def format_text(stats: Stats, *, bar_width: int = 40) -> str:
    out = [
        f"{stats.total} record{'s' if stats.total != 1 else ''}"
        + (f" ({stats.unreadable} unreadable)" if stats.unreadable else "")
    ]
    for key, heading in SECTIONS:
        counts = getattr(stats, key)
        if key == "flags" and not counts:
            continue
        out += ["", heading]
        out += _table(
            counts,
            stats.labels.get(key, {}),
            stats.total - stats.unreadable,
            bars=key in ("year", "pem_badge", "criteria"),
            width=bar_width,
        )
    out += ["", "Curation backlog"]
    drafts = sum(stats.drafts_by_age.values())
    out.append(f"  drafts: {drafts}")
    for bucket, value in stats.drafts_by_age.items():
        if value:
            out.append(f"    {bucket.ljust(14)} {value}")
    if stats.oldest_drafts:
        out.append("    oldest: " + ", ".join(f"{d['slug']} ({d['days']} days)" for d in stats.oldest_drafts))
    what = "atlas lint" if stats.lint_checked else "reading the YAML"
    out.append(f"  records with errors: {stats.with_errors} ({what})")
    out.append(f"  records with warnings: {stats.with_warnings} ({what})")
    return "\n".join(out) + "\n"
