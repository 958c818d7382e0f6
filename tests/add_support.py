"""Helpers for the `atlas add` tests: a temp atlas, the fake services, running the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from atlas_cli.core.yamlio import parse_text

FAST_HTTP = {
    "ATLAS_HTTP_TIMEOUT": "2",
    "ATLAS_HTTP_RETRIES": "2",
    "ATLAS_HTTP_BACKOFF": "0.01",
    "ATLAS_HTTP_MAX_WAIT": "2",
}


@dataclass
class Atlas:
    root: Path
    cache: Path
    env: dict[str, str]

    @property
    def records(self) -> Path:
        return self.root / "records"

    def record_files(self) -> list[Path]:
        return sorted(p for p in self.records.iterdir() if not p.name.startswith("."))

    def all_files(self) -> list[Path]:
        """Everything in records/, hidden and temp files included."""
        return sorted(self.records.iterdir())

    def load(self, slug: str) -> dict:
        document = parse_text((self.records / f"{slug}.yaml").read_text(encoding="utf-8"))
        assert not document.problems, document.problems
        return document.data

    def run(
        self, *args: str, stdin: str | None = None, extra_env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess:
        env = {**self.env, **(extra_env or {})}
        return subprocess.run(
            [sys.executable, "-m", "atlas_cli", "--root", str(self.root), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )


def make_atlas(tmp_path: Path, services=None, mailto: str | None = "curators@example.org") -> Atlas:
    root = tmp_path / "atlas"
    (root / "records").mkdir(parents=True)
    config = "[atlas]\n" + (f'mailto = "{mailto}"\n' if mailto else "")
    (root / "atlas.toml").write_text(config, encoding="utf-8")
    cache = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    env.update(FAST_HTTP)
    env["ATLAS_CACHE_DIR"] = str(cache)
    if services is not None:
        env.update(services.env())
    return Atlas(root, cache, env)


def assert_clean_failure(result: subprocess.CompletedProcess, doi: str, *words: str) -> str:
    """One readable line naming DOI and the cause; no traceback; returns that line."""
    assert "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if doi in line and line.startswith("failed")]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    return lines[0]
