"""What every test module shares: empty atlases, and the real `atlas` entry point run
in a subprocess with a clean environment (no ATLAS_* or colour settings of the
developer's shell leak in; the cache is a temporary folder)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ATLAS_TOML = '[atlas]\nsite_url = "https://www.mecfsatlas.com"\n'
_LEAKY = ("NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS", "TTY_COMPATIBLE")
_CACHE = tempfile.mkdtemp(prefix="atlas-test-cache-")


def new_atlas(root: Path, config: str = ATLAS_TOML) -> Path:
    """An empty atlas at ROOT: atlas.toml and records/."""
    (root / "records").mkdir(parents=True, exist_ok=True)
    (root / "atlas.toml").write_text(config, encoding="utf-8")
    return root


def clean_env(extra: dict[str, str] | None = None, cache: Path | str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_") and k not in _LEAKY}
    env["ATLAS_CACHE_DIR"] = str(cache or _CACHE)
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra or {})
    return env


def run_atlas(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess:
    """`atlas ARGS` through the real entry point; output captured (so piped, no colour)."""
    return subprocess.run(
        [sys.executable, "-m", "atlas_cli", *args],
        cwd=cwd,
        env=env or clean_env(),
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


def changed(base: dict, **changes) -> dict:
    """A deep copy of BASE with top-level CHANGES (a value of None removes the key)."""
    import copy

    data = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data
