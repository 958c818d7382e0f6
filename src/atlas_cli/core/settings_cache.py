"""The settings files atlas has parsed, kept so the next command need not load a TOML parser.

Parsing atlas.toml takes microseconds; importing tomllib (and `typing`, which it
imports) takes a tenth of `atlas cite`'s start-up. So each settings file atlas parses
(`atlas.toml`, or a `pyproject.toml` met while looking for the atlas) is kept in the
cache folder with the exact text it was parsed from, and the kept table is used only
when the file holds that very text again: it is never trusted over the file, and
editing the file (whatever its size or time stamp) is seen by the next command.

Where: `<cache folder>/settings/<hash of the file's path>.json`, holding the format,
the file's path, its text and its table. A kept file that is missing, unreadable,
not JSON, of another format or of another path is a miss: the settings file is
parsed again and kept again. Tables holding what JSON cannot keep exactly (TOML dates
and times) are not kept. Keeping never fails a command: a cache folder that cannot
be written only means the next command parses the file too. Removing the folder is
always safe.
"""

from __future__ import annotations

import os
from pathlib import Path

from atlas_cli.core.cachedir import cache_dir, write_cache_file

FORMAT = "atlas settings 1"  # change when what a kept file holds changes
FOLDER = "settings"
MAX_BYTES = 4 * 1024 * 1024  # a kept file holds a settings file (at most 1 MB) and its table


def kept_path(settings_file: Path) -> Path:
    import binascii  # a name for the file, not a check of it: the path is checked inside

    return cache_dir() / FOLDER / f"{binascii.crc32(os.fsencode(settings_file)):08x}.json"


def kept_table(settings_file: Path, text: str) -> dict | None:
    """The table kept for SETTINGS_FILE when it was last parsed holding TEXT, else None."""
    import json

    from atlas_cli.core.paths import UnsafePath, read_regular

    try:
        kept = json.loads(read_regular(kept_path(settings_file), MAX_BYTES))
    except (OSError, UnsafePath, ValueError, RecursionError):  # ValueError: not JSON, not UTF-8
        return None
    if (
        not isinstance(kept, dict)
        or kept.get("format") != FORMAT
        or kept.get("path") != str(settings_file)
        or kept.get("text") != text
        or not isinstance(kept.get("table"), dict)
    ):
        return None
    return kept["table"]


def keep_table(settings_file: Path, text: str, table: dict) -> None:
    """Keep TABLE, parsed from TEXT, for SETTINGS_FILE (quietly not, when it cannot be)."""
    import json

    try:
        kept = json.dumps({"format": FORMAT, "path": str(settings_file), "text": text, "table": table})
        if json.loads(kept)["table"] != table:  # nan = nan is false: such a file is parsed each time
            return
    except (TypeError, ValueError):  # TOML dates and times
        return
    write_cache_file(kept_path(settings_file), kept.encode("ascii"))
