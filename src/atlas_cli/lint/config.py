"""What a team chooses to hear from `atlas lint`: the `[lint]` settings, checked.

    [atlas.lint]                       # [tool.atlas.lint] in pyproject.toml
    ignore = ["duplicate-title"]       # never report these rules
    warn = ["author-name"]             # report these as warnings, not errors
    drafts = "quiet"                   # hide warnings in draft records ("warn": show them)

    [atlas.lint.per_file_ignores]      # by glob, relative to the atlas folder
    "records/legacy-*.yaml" = ["key-order"]

    [atlas.lint.per_file_warn]
    "records/2015/**" = ["record-location"]

A pattern without `/` matches a file name in any folder; one with `/` matches the
path from the atlas folder. `*` and `?` stay within a folder, `**` spans folders.
Every rule name is checked against the rule registry: a misspelt one is a
configuration error naming the closest rule, never a silent no-op.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from atlas_cli.core.errors import ConfigError
from atlas_cli.lint.problem import ERROR, WARNING, Problem

if TYPE_CHECKING:
    from atlas_cli.core.config import Settings

KEYS = ("ignore", "warn", "drafts", "per_file_ignores", "per_file_warn")
DRAFTS = ("warn", "quiet")


@lru_cache(maxsize=1)
def rule_ids() -> frozenset[str]:
    from atlas_cli.lint.rules import all_rules

    return frozenset(all_rules())


@lru_cache(maxsize=1)
def guarded_rule_ids() -> frozenset[str]:
    from atlas_cli.lint.rules import guarded_rule_ids as guarded

    return frozenset(guarded())


GUARDED_MESSAGE = (
    "cannot be ignored, lowered to a warning or disabled: it guards what readers rely on (the PEM badge, a retraction)"
)
GUARDED_HINT = (
    "correct the record (`atlas lint --fix --diff` shows what --fix would change), or keep it a draft until it is right"
)


def unknown_rule_hint(name: str) -> str:
    """`did you mean: ...?` for a rule name that is not one, else where the list is."""
    import difflib

    close = difflib.get_close_matches(name, sorted(rule_ids()), n=3, cutoff=0.6)
    return (
        f"did you mean: {', '.join(close)}?"
        if close
        else "the rule ids are listed in `atlas lint --help` and the README"
    )


def glob_regex(pattern: str) -> re.Pattern[str]:
    """PATTERN (`*`, `?`, `[...]`, `**`) as a regular expression over a posix path."""
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end]
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out))


@dataclass(frozen=True)
class Glob:
    pattern: str
    regex: re.Pattern[str]
    by_name: bool  # no `/`: matches the file name in any folder

    @classmethod
    def of(cls, pattern: str) -> Glob:
        clean = pattern.removeprefix("./")
        return cls(pattern, glob_regex(clean), "/" not in clean)

    def matches(self, relative: str) -> bool:
        """Whether RELATIVE (a posix path from the atlas folder) matches."""
        target = relative.rsplit("/", 1)[-1] if self.by_name else relative
        return self.regex.fullmatch(target) is not None


@dataclass(frozen=True)
class LintPolicy:
    ignore: frozenset[str] = frozenset()
    warn: frozenset[str] = frozenset()
    drafts: str = "warn"
    per_file: tuple[tuple[Glob, frozenset[str], frozenset[str]], ...] = ()  # (glob, ignore, warn)

    def for_file(self, relative: str | None) -> tuple[frozenset[str], frozenset[str]]:
        """(ignored, lowered to warnings) for the file at RELATIVE (None: outside the atlas)."""
        ignore, warn = set(self.ignore), set(self.warn)
        if relative is not None:
            for glob, more_ignore, more_warn in self.per_file:
                if glob.matches(relative):
                    ignore |= more_ignore
                    warn |= more_warn
        return frozenset(ignore), frozenset(warn)


def lint_policy(settings: Settings, drafts: str | None = None) -> LintPolicy:
    """The policy of SETTINGS' `[lint]` table (DRAFTS, from --drafts, overrides its `drafts`)."""
    table = settings.lint
    heading = (
        "[tool.atlas.lint]"
        if settings.config_file and settings.config_file.name == "pyproject.toml"
        else "[atlas.lint]"
    )
    where = f"{settings.config_file or 'configuration'}: {heading}"
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0].replace("-", "_"), KEYS, n=1, cutoff=0.5)
        raise ConfigError(
            f"{where}: unknown setting(s): {', '.join(unknown)}",
            hint=(f"did you mean: {close[0]}? " if close else "") + f"known settings: {', '.join(KEYS)}",
        )
    chosen = drafts if drafts is not None else table.get("drafts", "warn")
    if chosen not in DRAFTS:
        source = "--drafts" if drafts is not None else f"{where}: `drafts`"
        raise ConfigError(f"{source} must be warn or quiet, got {chosen!r}", hint="quiet hides warnings in drafts")
    per_file = []
    for key, index in (("per_file_ignores", 1), ("per_file_warn", 2)):
        value = table.get(key, {})
        if not isinstance(value, dict):
            raise ConfigError(
                f"{where}: `{key}` must be a table of glob = [rule ids]",
                hint=f'e.g. [atlas.lint.{key}] "records/legacy-*.yaml" = ["key-order"]',
            )
        for pattern, rules in value.items():
            names = _rule_names(rules, f"{where}: {key} {pattern!r}")
            entry: list[Any] = [Glob.of(pattern), frozenset(), frozenset()]
            entry[index] = names
            per_file.append((entry[0], entry[1], entry[2]))
    return LintPolicy(
        ignore=_rule_names(table.get("ignore", []), f"{where}: `ignore`"),
        warn=_rule_names(table.get("warn", []), f"{where}: `warn`"),
        drafts=chosen,
        per_file=tuple(per_file),
    )


def _rule_names(value: object, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of rule ids, got {value!r}", hint='e.g. ["duplicate-title"]')
    for name in value:
        if name not in rule_ids():
            raise ConfigError(f"{where}: unknown rule {name!r}", hint=unknown_rule_hint(name))
        if name in guarded_rule_ids():
            raise ConfigError(f"{where}: {name!r} {GUARDED_MESSAGE}", hint=GUARDED_HINT)
    return frozenset(value)


# --- applying it ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FileFacts:
    """What the policy needs to know of one linted file (by its displayed path)."""

    relative: str | None  # posix path from the atlas folder; None outside it
    draft: bool = False
    disabled_lines: tuple[tuple[int, frozenset[str]], ...] = ()  # (line, rules) from `# atlas: disable=`
    disabled_file: frozenset[str] = frozenset()  # from `# atlas: disable-file=`


def apply_policy(
    problems: Iterable[Problem], policy: LintPolicy, facts: dict[str, FileFacts]
) -> tuple[list[Problem], int]:
    """(the problems to report, the number hidden as warnings of drafts) after the
    policy and the records' own disable comments."""
    kept: list[Problem] = []
    hidden = 0
    cache: dict[str, tuple[frozenset[str], frozenset[str], dict[int, frozenset[str]], bool]] = {}
    for problem in problems:
        if problem.path not in cache:
            fact = facts.get(problem.path, FileFacts(None))
            ignore, warn = policy.for_file(fact.relative)
            cache[problem.path] = (ignore | fact.disabled_file, warn, dict(fact.disabled_lines), fact.draft)
        ignore, warn, lines, draft = cache[problem.path]
        if problem.rule in ignore or problem.rule in lines.get(problem.line, ()):
            continue
        if problem.rule in warn and problem.severity == ERROR:
            problem = Problem(
                problem.path,
                problem.line,
                problem.column,
                WARNING,
                problem.rule,
                problem.message,
                problem.hint,
            )
        if draft and policy.drafts == "quiet" and problem.severity == WARNING:
            hidden += 1
            continue
        kept.append(problem)
    return kept, hidden
