"""Optional: real recorded Crossref answers, served by the fake server, through `atlas add`.

Runs only when a folder of recordings is available (ATLAS_RECORDINGS, or a
`crossref-recordings` folder in a parent of the checkout): `<safe-doi>.json`
work envelopes, `errors/` bodies and `meta/recordings.json`. The suite never
depends on it; the other tests use their own small fixtures.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from fake_services import POLITE_HEADERS, FakeServices, Reply
from helpers import service_atlas


def _find_recordings() -> Path | None:
    if os.environ.get("ATLAS_RECORDINGS"):
        return Path(os.environ["ATLAS_RECORDINGS"])
    here = Path(__file__).resolve()
    for parent in here.parents:
        for candidate in (parent / "crossref-recordings", parent / "shared" / "crossref-recordings"):
            if (candidate / "meta" / "recordings.json").is_file():
                return candidate
    return None


RECORDINGS = _find_recordings()
pytestmark = pytest.mark.skipif(RECORDINGS is None, reason="no Crossref recordings available")


@pytest.fixture(scope="module")
def meta():
    return json.loads((RECORDINGS / "meta" / "recordings.json").read_text(encoding="utf-8"))


def _schema_validator():
    import jsonschema

    from atlas_cli.core.config import find_schemas_dir

    schema = json.loads((find_schemas_dir() / "record.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def test_every_recorded_work_becomes_a_valid_draft_or_a_clear_failure(tmp_path, meta, monkeypatch):
    from atlas_cli.add.batch import AddOptions, add_dois
    from atlas_cli.core.config import load_settings

    validator = _schema_validator()
    # A generous advertised rate: what is tested is each work's draft, not the pacing (tested elsewhere).
    with FakeServices(headers={**POLITE_HEADERS, "x-rate-limit-limit": "1000"}) as fake:
        dois = []
        for entry in meta["works"]:
            body = (RECORDINGS / entry["file"]).read_bytes()
            fake.script(entry["doi"], Reply(body=body, content_type="application/json"))
            dois.append(entry["doi"])
        atlas = service_atlas(tmp_path, fake)
        for key, value in atlas.env.items():
            if key.startswith("ATLAS_"):
                monkeypatch.setenv(key, value)
        report = add_dois(load_settings(atlas.root), dois, AddOptions(pubmed=False, dry_run=True), env=atlas.env)
    assert len(report.results) == len(dois)
    made = [r for r in report.results if r.status == "would-add"]
    failed = [r for r in report.results if r.status == "failed"]
    assert len(made) >= 80
    for result in failed:  # only works that cannot be papers: no title or no date
        assert result.kind == "metadata", (result.doi, result.reason)
    for result in made:
        errors = sorted(validator.iter_errors(result.record), key=str)
        assert not errors, (result.doi, [e.message for e in errors])
    by_doi = {r.doi: r for r in made}
    sici = by_doi["10.1002/1096-9861(20010212)430:3<283::aid-cne1031>3.0.co;2-v"]
    assert sici.record["doi"] == "10.1002/1096-9861(20010212)430:3<283::aid-cne1031>3.0.co;2-v"
    kras = by_doi["10.1136/jclinpath-2020-206745"]
    assert "<i>" not in kras.record["title"] and "\n" not in kras.record["title"] and "KRAS" in kras.record["title"]
    assert by_doi["10.1371/journal.pone.0033693"].record["flags"] == ["corrected"]
    assert "flags" not in by_doi["10.1371/journal.ppat.1008184"].record  # new_version pointing at itself
    assert by_doi["10.1101/097196"].record["flags"] == ["preprint"]
    gtex = by_doi["10.1038/ng.3834"].record["authors"]
    assert {"literal": "GTEx Consortium"} in gtex


@pytest.mark.parametrize(
    "name,code,words",
    [
        ("works_404_10.1371_notarealdoi.txt", 1, ["not found", "Resource not found."]),
        ("works_404_10.7554_elife.01567x.txt", 1, ["not found"]),
        ("works_500_exception.json", 3, ["server error", "500"]),
        ("journals_504_gateway-timeout.html", 3, ["server error", "504", "HTML page"]),
        ("works_400_field-query-not-allowed_10.1371_journal.pone.0033693.json", 1, ["refused", "400"]),
    ],
)
def test_recorded_error_bodies(tmp_path, meta, name, code, words):
    entry = next(e for e in meta["other"] if e["file"] == f"errors/{name}")
    body = (RECORDINGS / entry["file"]).read_bytes()
    with FakeServices() as fake:
        fake.script(
            "10.1234/recorded",
            Reply(status=entry["status"], body=body, content_type=entry["headers"].get("content-type")),
        )
        atlas = service_atlas(tmp_path, fake)
        result = atlas.run("add", "--no-pubmed", "10.1234/recorded")
    assert result.returncode == code, result.stderr
    line = next(line for line in result.stderr.splitlines() if line.startswith("failed 10.1234/recorded"))
    for word in words:
        assert word.lower() in line.lower(), line
    assert "Traceback" not in result.stderr
