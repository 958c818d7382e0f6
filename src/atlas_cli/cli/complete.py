"""Shell completion: what `atlas cite <TAB>`, `atlas show <TAB>` and `atlas verify <TAB>` offer.

Typer's completion (`atlas --install-completion`, `--show-completion`) asks the
program itself: the shell runs `atlas` with `_ATLAS_COMPLETE` set and the words
typed so far. Slugs are the file names in the records folder of the atlas the
command line names (--root, ATLAS_ROOT, or found from the working directory): one
directory listing, no record is read. Whatever goes wrong (no atlas here, say)
simply completes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import typer

COMPLETE_VAR = "_ATLAS_COMPLETE"  # Typer's `_{PROG_NAME}_COMPLETE`


def completing() -> bool:
    return bool(os.environ.get(COMPLETE_VAR))


def completion_words() -> list[str]:
    """The words typed after `atlas`, while the shell asks for completions (bash and zsh
    pass them in COMP_WORDS, fish and PowerShell in _TYPER_COMPLETE_ARGS)."""
    words = os.environ.get("COMP_WORDS") or os.environ.get("_TYPER_COMPLETE_ARGS") or ""
    return words.split()[1:]


def slugs(ctx: typer.Context, args: Sequence[str], incomplete: str) -> list[str]:
    """The slugs beginning with INCOMPLETE (those already on the command line left out)."""
    from atlas_cli.core.config import load_settings
    from atlas_cli.core.errors import AtlasError

    root = ctx.find_root().params.get("root")
    try:
        records = load_settings(root).records_dir
        names = os.listdir(records)
    except (AtlasError, OSError):
        return []
    given = set(args)  # the slugs already on the command line (typer passes them as the parameter's value)
    for value in ctx.params.values():
        if isinstance(value, (list, tuple)):
            given.update(v for v in value if isinstance(v, str))
    found = {
        name.rsplit(".", 1)[0]
        for name in names
        if name.endswith((".yaml", ".yml")) and not name.startswith(".") and name.startswith(incomplete)
    }
    return sorted(found - given)
