"""Raw responses kept per DOI, so a re-run, `--offline` and later commands need no network.

Layout under the cache folder (ATLAS_CACHE_DIR, default the user cache dir):

    crossref/<safe-doi>.json   {"doi": asked, "via_redirect": bool, "fetched": ISO time,
                                "response": <the /works/{doi} JSON as Crossref sent it>}
    pubmed/<safe-doi>.json     {"doi", "pmid", "journal", "year", "title"}
    text/<safe-doi>.json       {"doi", "fetched", "source", "abstract", "methods", "pmid", "pmcid"}:
                               the paper's own words, read by `atlas criteria SLUG` (either text
                               may be null); `source` says where each came from
                               (`abstract: pubmed, methods: pmc`)
    text/pmid-<pmid>.json      the same for a paper without a DOI, by its PMID
    esummary/<pmid>.json       {"pmid", "fetched", "docsum": <PubMed's esummary DocSum as sent>}
    pmc/<pmcid>.json           {"pmcid", "fetched", "pmid", "doi"}: the PMC ID converter's answer

Files are written atomically (temp file + rename). A file that cannot be read (or is
not a regular file: a named pipe is never waited on), is larger than 64 MB, is not
JSON or nests too deeply, or belongs to another DOI (two DOIs can share a safe name)
is a cache miss. Writing
the cache never fails a command: `write_*` return a warning instead.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from atlas_cli.core import jsonio
from atlas_cli.core.doi import doi_key, safe_name
from atlas_cli.core.errors import WriteError
from atlas_cli.core.paths import UnsafePath, read_regular
from atlas_cli.core.records import write_atomic

# An entry larger than this is a miss (the answer is fetched again): Crossref's largest works
# are a few MB, and ATLAS_HTTP_MAX_MB reads 16 MB by default.
MAX_ENTRY_BYTES = 64 * 1024 * 1024


class Cache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.broken: str | None = None  # why the cache folder cannot be written, once known

    def _path(self, kind: str, doi: str) -> Path:
        return self.root / kind / f"{safe_name(doi)}.json"

    def _read(self, kind: str, doi: str, field: str = "doi", name: str | None = None) -> dict[str, Any] | None:
        """The entry stored for DOI (or for another id, named by FIELD), if it is readable and truly its own.

        NAME: the file's name, when it is not the id itself."""
        try:
            data = jsonio.loads(read_regular(self._path(kind, name or doi), MAX_ENTRY_BYTES))
        except (OSError, UnsafePath, ValueError):  # missing, a pipe or a device, too large, not JSON, too deep
            return None
        if not isinstance(data, dict) or not isinstance(data.get(field), str) or doi_key(data[field]) != doi_key(doi):
            return None
        return data

    def _write(self, kind: str, doi: str, data: dict[str, Any], name: str | None = None) -> str | None:
        if self.broken:  # the folder is unusable: one warning for the run, not one per DOI
            return self.broken
        path = self._path(kind, name or doi)
        try:
            write_atomic(path, jsonio.dumps(data, indent=1) + "\n", make_parents=True)
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

    def read_text(self, doi: str | None, pmid: str | None = None) -> dict[str, Any] | None:
        """{"doi", "fetched", "source", "abstract", "methods", ...} for DOI (else for PMID), when some text is stored."""
        if doi:
            data = self._read("text", doi)
        elif pmid:
            data = self._read("text", pmid, field="pmid", name=f"pmid-{pmid}")
        else:
            return None
        if data is None:
            return None
        parts = [data.get(k) for k in ("abstract", "methods")]
        if not any(isinstance(p, str) and p.strip() for p in parts):
            return None
        return data

    def write_text(
        self,
        doi: str | None,
        *,
        abstract: str | None = None,
        methods: str | None = None,
        source: str | None = None,
        pmid: str | None = None,
        pmcid: str | None = None,
    ) -> str | None:
        """Store a paper's text under its DOI, or under its PMID when it has no DOI."""
        data = {
            "doi": doi,
            "fetched": datetime.now(UTC).isoformat(timespec="seconds"),
            "source": source,
            "abstract": abstract,
            "methods": methods,
            "pmid": pmid,
            "pmcid": pmcid,
        }
        if doi:
            return self._write("text", doi, data)
        if pmid:
            return self._write("text", pmid, data, name=f"pmid-{pmid}")
        return None

    def read_pubmed_summary(self, pmid: str) -> dict[str, Any] | None:
        """PubMed's esummary DocSum for PMID, as it was sent."""
        data = self._read("esummary", pmid, field="pmid")
        return data["docsum"] if data is not None and isinstance(data.get("docsum"), dict) else None

    def write_pubmed_summary(self, pmid: str, docsum: dict[str, Any]) -> str | None:
        fetched = datetime.now(UTC).isoformat(timespec="seconds")
        return self._write("esummary", pmid, {"pmid": pmid, "fetched": fetched, "docsum": docsum})

    def read_pmc(self, pmcid: str) -> dict[str, Any] | None:
        """{"pmcid", "fetched", "pmid", "doi"} as the PMC ID converter gave them (pmid and doi may be null)."""
        return self._read("pmc", pmcid, field="pmcid")

    def write_pmc(self, pmcid: str, pmid: str | None, doi: str | None) -> str | None:
        fetched = datetime.now(UTC).isoformat(timespec="seconds")
        return self._write("pmc", pmcid, {"pmcid": pmcid, "fetched": fetched, "pmid": pmid, "doi": doi})
