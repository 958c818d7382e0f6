"""Where atlas keeps its cache, and how a cache file is written.

The cache folder is ATLAS_CACHE_DIR, else the user's cache folder for atlas. It
holds what atlas can always make again (raw answers, the lint index, parsed
settings): removing it is always safe, and writing to it never fails a command.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def cache_dir() -> Path:
    """The folder atlas keeps its cache in: ATLAS_CACHE_DIR, else the user's cache folder."""
    given = os.environ.get("ATLAS_CACHE_DIR")
    return Path(given) if given else user_cache_dir()


def user_cache_dir() -> Path:
    """The user's cache folder for atlas, as platformdirs names it.

    On Linux that is the XDG rule, followed here (`$XDG_CACHE_HOME/atlas` when that is an
    absolute path, else `~/.cache/atlas`; tests check it against platformdirs): importing
    platformdirs costs a command as much as importing PyYAML. Elsewhere platformdirs decides.
    """
    if sys.platform == "linux":
        base = os.environ.get("XDG_CACHE_HOME", "")
        return Path(base if os.path.isabs(base) else os.path.expanduser("~/.cache"), "atlas")
    from platformdirs import user_cache_dir as platform_cache_dir

    return Path(platform_cache_dir("atlas", appauthor=False))


def write_cache_file(path: Path, data: bytes) -> bool:
    """Write DATA to PATH (its folders made) via a temp file beside it and a rename, so a
    reader sees the old file or the new one, never half of one. False when it cannot be
    written: the command goes on without it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # after the folder: a cache that cannot be written costs no import

        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        return False
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass  # renamed into place, as it should be
