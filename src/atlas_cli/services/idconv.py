"""The PMC ID converter: PubMed Central IDs -> PMIDs and DOIs, up to 200 per request.

`GET <ATLAS_IDCONV_URL>/?ids=PMC5382345,PMC2883744&format=json&versions=no` (default
base https://pmc.ncbi.nlm.nih.gov/tools/idconv/api/v1/articles) answers

    {"status": "ok", "records": [{"pmcid": "PMC2883744", "pmid": "20495566", "doi": "10.1038/ng.590"}, ...]}

An article PMC does not have comes back as a record with `"status": "error"` and an
`errmsg` (or with neither PMID nor DOI); a request NCBI refuses as a whole is
`{"status": "error", "message": "<percent-encoded text>"}`. Requests go through
`ncbi.NcbiConnection`: tool, email and api_key sent, paced, retried.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from atlas_cli.core.doi import Doi, inspect_identifier
from atlas_cli.services.ncbi import NcbiAccess, NcbiConnection, NcbiError
from atlas_cli.services.pacing import HttpOptions, Pacer

CHUNK = 200  # the converter's limit per request


@dataclass(frozen=True)
class PmcIds:
    """What PMC knows of one article: its PMID and DOI (either may be missing), or why it knows nothing."""

    pmcid: str
    pmid: str | None = None
    doi: str | None = None
    error: str | None = None  # PMC's reason the id is unknown

    @property
    def found(self) -> bool:
        return self.error is None and (self.pmid is not None or self.doi is not None)


class IdConverter:
    def __init__(
        self,
        base_url: str,
        access: NcbiAccess,
        options: HttpOptions,
        stop: threading.Event | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.connection = NcbiConnection(base_url, "the PMC ID converter", access, options, stop, pacer=pacer)

    def close(self) -> None:
        self.connection.close()

    def convert(self, pmcids: list[str]) -> dict[str, PmcIds]:
        """PMCIDS (`PMC` + digits) -> what PMC knows of each, by PMCID; raises NcbiError."""
        wanted = list(dict.fromkeys(p.upper() for p in pmcids))
        result: dict[str, PmcIds] = {}
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            data = self.connection.request(
                "", {"ids": ",".join(chunk), "format": "json", "versions": "no"}, method="GET"
            )
            result.update(_read(data, chunk))
        return result


def _read(data: Any, asked: list[str]) -> dict[str, PmcIds]:
    if not isinstance(data, dict):
        raise NcbiError("the PMC ID converter's answer is not a JSON object")
    if str(data.get("status", "ok")).lower() != "ok":
        message = data.get("message") or data.get("errmsg") or "no reason given"
        raise NcbiError(f"the PMC ID converter said: {unquote(str(message))}")
    records = data.get("records")
    if not isinstance(records, list):
        raise NcbiError("the PMC ID converter's answer has no records")
    found: dict[str, PmcIds] = {}
    for record in records:
        if not isinstance(record, dict):
            continue
        pmcid = _pmcid(record.get("pmcid")) or _pmcid(record.get("requested-id"))
        if pmcid is None or pmcid not in asked:
            continue
        if str(record.get("status", "")).lower() == "error" or record.get("errmsg"):
            found[pmcid] = PmcIds(pmcid, error=unquote(str(record.get("errmsg") or "unknown to PMC")))
            continue
        pmid = str(record.get("pmid") or "").strip()
        doi = inspect_identifier(str(record.get("doi") or ""))
        found[pmcid] = PmcIds(
            pmcid,
            pmid=pmid if re.fullmatch(r"[1-9][0-9]{0,8}", pmid) else None,
            doi=doi.doi if isinstance(doi, Doi) else None,
        )
    for pmcid in asked:
        found.setdefault(pmcid, PmcIds(pmcid, error="unknown to PMC"))
    return found


def _pmcid(value: Any) -> str | None:
    match = re.fullmatch(r"(?i)\s*(PMC[0-9]+)(?:\.[0-9]+)?\s*", str(value or ""))
    return match.group(1).upper() if match else None
