"""Raw responses kept per DOI, so a re-run, `--offline` and later commands need no network.

Layout under the cache folder (ATLAS_CACHE_DIR, default the user cache dir):

    crossref/<safe-doi>.json   {"doi": asked, "via_redirect": bool, "fetched": ISO time,
                                "response": <the /works/{doi} JSON as Crossref sent it>}
    pubmed/<safe-doi>.json     {"doi", "pmid", "journal", "year", "title"}
    text/<safe-doi>.json       {"doi", "fetched", "source", "abstract", "methods"}: the paper's
                               own words, read by `atlas criteria SLUG` (either text may be null)

Files are written atomically (temp file + rename). A file that cannot be read or
belongs to another DOI (two DOIs can share a safe name) is a cache miss. Writing
the cache never fails a command: `write_*` return a warning instead.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from atlas_cli.core.doi import doi_key, safe_name
from atlas_cli.core.errors import WriteError
from atlas_cli.core.records import write_atomic


class Cache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.broken: str | None = None  # why the cache folder cannot be written, once known

    def _path(self, kind: str, doi: str) -> Path:
        return self.root / kind / f"{safe_name(doi)}.json"

    def _read(self, kind: str, doi: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self._path(kind, doi).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("doi"), str) or doi_key(data["doi"]) != doi_key(doi):
            return None
        return data

    def _write(self, kind: str, doi: str, data: dict[str, Any]) -> str | None:
        if self.broken:  # the folder is unusable: one warning for the run, not one per DOI
            return self.broken
        path = self._path(kind, doi)
        try:
            write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n", make_parents=True)
        except WriteError as exc:
            if self._folder_unusable(path.parent):
                self.broken = (
                    f"cannot write to the cache folder {self.root} ({exc.message}); answers are not "
                    "cached (set ATLAS_CACHE_DIR to a writable folder)"
                )
                return self.broken
            return f"could not cache the answer for {doi}: {exc.message}"
        return None

    @staticmethod
    def _folder_unusable(folder: Path) -> bool:
        import os

        probe = folder
        while not probe.exists() and probe.parent != probe:
            probe = probe.parent
        return not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK)

    def read_work(self, doi: str) -> dict[str, Any] | None:
        """{"doi", "via_redirect", "fetched", "response"} for DOI, or None."""
        data = self._read("crossref", doi)
        if data is None or not isinstance(data.get("response"), dict):
            return None
        return data

    def write_work(self, doi: str, response: dict[str, Any], via_redirect: bool = False) -> str | None:
        return self._write(
            "crossref",
            doi,
            {
                "doi": doi,
                "via_redirect": via_redirect,
                "fetched": datetime.now(UTC).isoformat(timespec="seconds"),
                "response": response,
            },
        )

    def read_pubmed(self, doi: str) -> dict[str, Any] | None:
        data = self._read("pubmed", doi)
        return data if data is not None and isinstance(data.get("pmid"), str) else None

    def write_pubmed(self, doi: str, hit: dict[str, Any]) -> str | None:
        return self._write("pubmed", doi, {**hit, "doi": doi})

    def read_text(self, doi: str) -> dict[str, Any] | None:
        """{"doi", "fetched", "source", "abstract", "methods"} for DOI, when some text is stored."""
        data = self._read("text", doi)
        if data is None:
            return None
        parts = [data.get(k) for k in ("abstract", "methods")]
        if not any(isinstance(p, str) and p.strip() for p in parts):
            return None
        return data

    def write_text(
        self, doi: str, *, abstract: str | None = None, methods: str | None = None, source: str | None = None
    ) -> str | None:
        return self._write(
            "text",
            doi,
            {
                "doi": doi,
                "fetched": datetime.now(UTC).isoformat(timespec="seconds"),
                "source": source,
                "abstract": abstract,
                "methods": methods,
            },
        )
