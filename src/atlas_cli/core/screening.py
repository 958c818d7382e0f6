"""Screening decisions: the papers judged out of scope, kept in `screening.yaml` at the atlas's root.

The file is reviewed in pull requests like the records, so it is plain YAML a person
can read:

    # Papers judged out of scope for this atlas: atlas discover does not list them again.
    excluded:
    - pmid: '38012345'
      doi: 10.1016/j.example.2026.01.002
      title: Fatigue after breast cancer treatment
      reason: cancer-related fatigue, not ME/CFS
      date: '2026-05-30'

Each entry names the paper by `pmid`, `doi` or both, says why (`reason`) and when
(`date`, YYYY-MM-DD); `title` is optional, for whoever reviews the change. The file
is read strictly (yamlio): what is wrong with it is a list of problems with a line
and column (rule `screening-entry`, or the YAML reader's rule), never an exception.
`atlas discover --exclude` appends entries to the text, so comments and layout stay.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from atlas_cli.core.doi import Doi, doi_key, inspect_identifier
from atlas_cli.core.errors import UsageError
from atlas_cli.core.safe_text import describe as describe_char
from atlas_cli.core.safe_text import find_unsafe
from atlas_cli.core.yamlio import Document, YamlProblem, dump, parse_bytes, parse_text

KEY = "excluded"
FIELDS = ("pmid", "doi", "title", "reason", "date")
RULE = "screening-entry"
HEADER = """\
# Papers judged out of scope for this atlas: `atlas discover` does not list them again.
# Each entry names the paper (pmid, doi or both), says why (reason) and when (date);
# `atlas discover --exclude ID --reason TEXT` adds one. `atlas lint` checks this file.
"""
_PMID_RE = re.compile(r"[1-9][0-9]{0,8}")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Exclusion:
    """One screening decision: a paper, why it is out, and since when."""

    reason: str
    date: str
    pmid: str | None = None
    doi: str | None = None
    title: str | None = None
    line: int = 0  # where the entry starts in the file

    def identities(self) -> list[str]:
        """`pmid:<digits>`, `doi:<key>`: the keys `Identifier.identity` gives the same paper."""
        keys = [f"pmid:{self.pmid}"] if self.pmid else []
        return keys + ([f"doi:{doi_key(self.doi)}"] if self.doi else [])

    def named(self) -> str:
        return " / ".join(([f"PMID {self.pmid}"] if self.pmid else []) + ([self.doi] if self.doi else []))


@dataclass
class Screening:
    """The screening file as read: its usable entries and what is wrong with it."""

    path: Path
    exists: bool = False
    exclusions: list[Exclusion] = field(default_factory=list)
    problems: list[YamlProblem] = field(default_factory=list)

    def find(self, identity: str) -> Exclusion | None:
        """The exclusion of the paper with IDENTITY (`pmid:...`, `doi:...`), if any."""
        return self.by_identity().get(identity)

    def by_identity(self) -> dict[str, Exclusion]:
        found: dict[str, Exclusion] = {}
        for exclusion in self.exclusions:
            for identity in exclusion.identities():
                found.setdefault(identity, exclusion)
        return found


def read_screening(path: Path) -> Screening:
    """The screening file at PATH (a missing file: no exclusions, no problems).

    Read as a record is (core.records.read_file_bytes): a regular file only (a named pipe
    is never waited on), at most yamlio.MAX_BYTES; what prevents reading it is a problem."""
    from atlas_cli.core.records import read_file_bytes

    if not os.path.lexists(path):
        return Screening(path)
    raw = read_file_bytes(path, "screening decisions")
    if isinstance(raw, Document):
        return Screening(path, True, problems=raw.problems)
    return _screening_of(path, parse_bytes(raw))


def _screening_of(path: Path, document: Document) -> Screening:
    screening = Screening(path, True)
    problems = [p for p in document.problems if p.rule != "yaml-empty"]  # an empty file excludes nothing
    screening.problems = problems
    data = document.data
    if data is None or any(p.severity == "error" for p in problems):
        return screening

    def problem(where: tuple, message: str, hint: str | None = None, key: bool = False) -> None:
        line, column = document.locate(where, key=key)
        problems.append(YamlProblem(line, column, RULE, message, hint))

    for name in data:
        if name != KEY:
            problem((name,), f"unknown key `{name}`", f"the file has one list, `{KEY}:`", key=True)
    entries = data.get(KEY)
    if entries is None:
        return screening
    if not isinstance(entries, list):
        problem((KEY,), f"`{KEY}` must be a list of entries", "write each entry as `- pmid: ...` under it")
        return screening
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        exclusion = _entry(entry, (KEY, index), document, problem)
        if exclusion is None:
            continue
        repeated = [seen[i] for i in exclusion.identities() if i in seen]
        if repeated:
            problem(
                (KEY, index),
                f"{exclusion.named()} is excluded twice (also at line {repeated[0]})",
                "keep one entry per paper",
            )
            continue
        seen.update(dict.fromkeys(exclusion.identities(), exclusion.line))
        screening.exclusions.append(exclusion)
    return screening


def _entry(entry: Any, where: tuple, document: Document, problem: Any) -> Exclusion | None:
    """One entry, checked; None (after reporting why) when it cannot be used."""
    line = document.locate(where)[0]
    if not isinstance(entry, dict):
        problem(where, "an entry must be a mapping: pmid or doi, reason, date", "e.g. `- pmid: '38012345'`")
        return None
    ok = True
    for name in entry:
        if name not in FIELDS:
            import difflib

            close = difflib.get_close_matches(str(name), FIELDS, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"an entry has {', '.join(FIELDS)}"
            problem((*where, name), f"unknown key `{name}`", hint, key=True)
            ok = False
    pmid = entry.get("pmid")
    if pmid is not None:
        pmid = str(pmid).strip() if isinstance(pmid, (str, int)) and not isinstance(pmid, bool) else ""
        if not _PMID_RE.fullmatch(pmid):
            problem((*where, "pmid"), f"pmid {entry['pmid']!r} is not a PubMed ID", "write its digits, e.g. '28410877'")
            ok = False
    doi = entry.get("doi")
    if doi is not None:
        ident = inspect_identifier(doi) if isinstance(doi, str) else None
        if not isinstance(ident, Doi):
            problem(
                (*where, "doi"), f"doi {doi!r} is not a DOI", "write the bare DOI, e.g. 10.1016/j.neucli.2017.02.002"
            )
            ok = False
        else:
            doi = ident.doi
    if entry.get("pmid") is None and entry.get("doi") is None:
        problem(where, "the entry names no paper", "give its `pmid:`, its `doi:`, or both")
        ok = False
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        problem(
            (*where, "reason") if "reason" in entry else where,
            "the entry gives no reason",
            "say why the paper is out of scope in `reason:`",
        )
        ok = False
    when = entry.get("date")
    if not isinstance(when, str) or not _valid_date(when):
        problem(
            (*where, "date") if "date" in entry else where,
            f"date {when!r} is not a date" if "date" in entry else "the entry has no date",
            "write the day of the decision as 'YYYY-MM-DD', e.g. '2026-05-30'",
        )
        ok = False
    title = entry.get("title")
    if title is not None and not isinstance(title, str):
        problem((*where, "title"), "title must be text")
        ok = False
    for name in ("title", "reason"):
        value = entry.get(name)
        unsafe = find_unsafe(value) if isinstance(value, str) else []
        if unsafe:
            problem(
                (*where, name),
                f"`{name}` holds characters a terminal obeys instead of showing: "
                + ", ".join(describe_char(c) for c in unsafe),
                "remove them; they are never part of a title or a reason",
            )
            ok = False
    if not ok:
        return None
    assert isinstance(reason, str) and isinstance(when, str)
    return Exclusion(reason.strip(), when, pmid or None, doi or None, title, line)


def _valid_date(text: str) -> bool:
    if not _DATE_RE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def entry_text(exclusion: Exclusion, indent: int = 0) -> str:
    """EXCLUSION as a list item of the file, indented INDENT spaces."""
    data: dict[str, Any] = {}
    if exclusion.pmid:
        data["pmid"] = exclusion.pmid
    if exclusion.doi:
        data["doi"] = exclusion.doi
    if exclusion.title:
        data["title"] = exclusion.title
    data["reason"] = exclusion.reason
    data["date"] = exclusion.date
    lines = dump({KEY: [data]}).splitlines()[1:]  # the item under `excluded:`
    return "".join(" " * indent + line + "\n" for line in lines)


def with_exclusions(text: str | None, exclusions: list[Exclusion]) -> str:
    """The screening file's TEXT (None: no file yet) with EXCLUSIONS appended, comments and layout kept.

    Raises UsageError when the file cannot be extended safely (it has problems, or
    its list is not the last block of the file): fix the file first.
    """
    if text is None or not text.strip():
        text = HEADER + f"{KEY}:\n"
    document = parse_text(text)
    before = _screening_of(Path(), document)
    if before.problems:
        first = before.problems[0]
        raise UsageError(
            f"screening.yaml:{first.line}:{first.column}: {first.message}",
            hint="fix the file first (`atlas lint` lists every problem)",
        )
    root = document.root
    last = root.value[-1] if isinstance(root, yaml.MappingNode) and root.value else None
    value = last[1] if last is not None and last[0].value == KEY else None
    if isinstance(value, yaml.SequenceNode) and not value.flow_style:
        indent = value.start_mark.column  # where the existing `- ` entries start
    elif isinstance(value, yaml.SequenceNode) and not value.value:  # `excluded: []`
        text = text[: value.start_mark.index].rstrip(" ") + text[value.end_mark.index :]
        indent = 0
    elif isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null"):  # `excluded:`
        indent = 0
    else:
        raise UsageError(
            f"cannot add to screening.yaml: `{KEY}:` must be the file's last block, a list of `- ` entries",
            hint="move the list to the end of the file",
        )
    if not text.endswith("\n"):
        text += "\n"
    text += "".join(entry_text(e, indent) for e in exclusions)
    after = _screening_of(Path(), parse_text(text))
    expected = [e.identities() for e in [*before.exclusions, *exclusions]]
    if after.problems or [e.identities() for e in after.exclusions] != expected:
        raise UsageError("cannot add to screening.yaml without changing what it says", hint="add the entry by hand")
    return text
