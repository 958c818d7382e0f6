"""`atlas add` / `atlas verify` with a malformed service address: a config error, not a network one."""

from __future__ import annotations

import pytest
from fake_services import FakeServices, work
from helpers import service_atlas

from atlas_cli.services.crossref import CrossrefClient, FetchFailed
from atlas_cli.services.pacing import HttpOptions

DOI = "10.1234/abcd.5678"
BAD_URLS = [
    "not a url",
    "ftp://x",
    "api.crossref.org",
    "localhost:8080",
    "http://",
    "http://[::1",
    "http://exa mple.org",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_malformed_crossref_url_is_a_config_error(tmp_path, url):
    atlas = service_atlas(tmp_path)
    result = atlas.run("add", "--no-pubmed", DOI, "10.1234/second", extra_env={"ATLAS_CROSSREF_URL": url})
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert "ATLAS_CROSSREF_URL" in result.stderr
    assert atlas.all_files() == []


def test_malformed_crossref_url_is_a_config_error_for_verify(tmp_path):
    with FakeServices() as fake:
        fake.add_work(work(DOI))
        atlas = service_atlas(tmp_path, fake)
        assert atlas.run("add", "--no-pubmed", DOI).returncode == 0
        before = atlas.record_files()[0].read_text()
        result = atlas.run("verify", "--apply", extra_env={"ATLAS_CROSSREF_URL": "http://[::1"})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "ATLAS_CROSSREF_URL" in result.stderr
    assert atlas.record_files()[0].read_text() == before


def test_offline_add_does_not_need_the_service_address(tmp_path):
    with FakeServices() as fake:
        fake.add_work(work(DOI))
        atlas = service_atlas(tmp_path, fake)
        assert atlas.run("add", "--no-pubmed", "--dry-run", DOI).returncode == 0
    result = atlas.run("add", "--no-pubmed", "--offline", DOI, extra_env={"ATLAS_CROSSREF_URL": "not a url"})
    assert result.returncode == 0, result.stderr


def test_a_request_that_cannot_even_be_built_fails_that_doi_instead_of_vanishing():
    # The client used directly (no config check in front): an address httpx cannot parse.
    client = CrossrefClient("http://[::1", None, HttpOptions(timeout=1, retries=0, backoff=0.01, max_wait=1))
    results = list(client.fetch_many(["10.1234/a", "10.1234/b"]))
    assert sorted(r.asked for r in results) == ["10.1234/a", "10.1234/b"]
    assert all(isinstance(r, FetchFailed) and r.reason for r in results)


@pytest.mark.parametrize("url", ["not a url", "http://[::1"])
def test_malformed_ncbi_url_is_a_clear_warning_and_the_add_goes_on(tmp_path, url):
    with FakeServices() as fake:
        fake.add_work(work(DOI))
        atlas = service_atlas(tmp_path, fake)
        result = atlas.run("add", DOI, extra_env={"ATLAS_NCBI_URL": url})
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Exception in thread" not in result.stderr
    assert "ATLAS_NCBI_URL" in result.stderr and "PubMed lookup failed" in result.stderr
    assert len(atlas.record_files()) == 1
