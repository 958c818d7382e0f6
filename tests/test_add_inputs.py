"""`atlas add`: DOI lists as editors save them, and odd Crossref envelopes."""

from __future__ import annotations

import pytest
from fake_services import FakeServices, Reply, work
from helpers import assert_clean_failure, service_atlas

A, B = "10.1234/a1", "10.1234/b2"


@pytest.fixture
def fake():
    with FakeServices() as services:
        services.add_works([work(A, "First paper"), work(B, "Second paper")])
        yield services


@pytest.fixture
def atlas(tmp_path, fake):
    return service_atlas(tmp_path, fake)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le-bom", "utf-16-be-bom", "utf-8-sig"])
def test_from_file_in_unicode_encodings_with_crlf(atlas, tmp_path, encoding):
    text = f"# reading list\r\n{A}\r\n\r\nhttps://doi.org/{B}\r\n"
    if encoding == "utf-16-le-bom":
        raw = b"\xff\xfe" + text.encode("utf-16-le")
    elif encoding == "utf-16-be-bom":
        raw = b"\xfe\xff" + text.encode("utf-16-be")
    else:
        raw = text.encode(encoding)
    listing = tmp_path / "dois.txt"
    listing.write_bytes(raw)
    result = atlas.run("add", "--no-pubmed", "--from", str(listing))
    assert result.returncode == 0, result.stderr
    assert {p.stem for p in atlas.record_files()} == {"smith-2020-first-paper", "smith-2020-second-paper"}


def test_from_a_binary_file_is_a_usage_error(atlas, tmp_path, fake):
    listing = tmp_path / "dois.bin"
    listing.write_bytes(bytes(range(256)) * 4)
    result = atlas.run("add", "--no-pubmed", "--from", str(listing))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "not a UTF-8 text file" in result.stderr
    assert fake.count("crossref") == 0


def test_a_nul_byte_in_a_list_is_not_sent_to_crossref(atlas, tmp_path, fake):
    listing = tmp_path / "dois.txt"
    listing.write_bytes(f"{A}\x00\n{B}\n".encode())
    result = atlas.run("add", "--no-pubmed", "--from", str(listing))
    assert result.returncode == 1, result.stderr
    assert "control character" in result.stderr
    assert fake.count("crossref", "/works/") == 1
    assert [p.stem for p in atlas.record_files()] == ["smith-2020-second-paper"]


def test_an_envelope_whose_message_is_null_says_so(atlas, fake):
    fake.script(A, Reply(body={"status": "ok", "message-type": "work", "message": None}))
    result = atlas.run("add", "--no-pubmed", A)
    assert result.returncode == 3, result.stderr
    line = assert_clean_failure(result, A, "no work")
    assert "(work)" not in line
    assert atlas.all_files() == []


def test_a_title_with_a_huge_word_still_makes_a_draft_that_passes_lint(atlas, fake):
    doi = "10.1234/long.word"
    fake.add_work(work(doi, "Pneumono" + "ultramicroscopic" * 20 + " silicovolcanoconiosis in ME/CFS"))
    result = atlas.run("add", "--no-pubmed", doi)
    assert result.returncode == 0, result.stderr
    [path] = atlas.record_files()
    assert len(path.stem) <= 120
    lint = atlas.run("lint")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert " 0 errors" in lint.stdout + lint.stderr


def test_an_unusable_cache_folder_is_one_warning_not_one_per_doi(atlas, fake, tmp_path):
    fake.add_work(work("10.1234/c3", "Third paper"))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    result = atlas.run("add", "--no-pubmed", A, B, "10.1234/c3", extra_env={"ATLAS_CACHE_DIR": str(blocker)})
    assert result.returncode == 0, result.stderr
    assert len(atlas.record_files()) == 3
    warnings = [line for line in result.stderr.splitlines() if "cache" in line]
    assert len(warnings) == 1, result.stderr
    assert str(blocker) in warnings[0]


@pytest.mark.parametrize("written", [f"https://doi.org/{A.upper()}", f"doi:{A}", f"{A}."])
def test_a_record_whose_doi_is_written_in_another_form_is_still_a_duplicate(atlas, fake, written):
    (atlas.records / "hand-2020-entry.yaml").write_text(
        f"slug: hand-2020-entry\nstatus: draft\ntitle: First paper\ndoi: '{written}'\n"
        f"doi_aliases: ['https://doi.org/{B}']\n",
        encoding="utf-8",
    )
    result = atlas.run("add", "--no-pubmed", A, B)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("already in the atlas as hand-2020-entry") == 2, result.stderr
    assert [p.name for p in atlas.record_files()] == ["hand-2020-entry.yaml"]
    assert fake.count("crossref") == 0


def test_dry_run_separates_records_only_between_records(atlas, fake):
    result = atlas.run("add", "--no-pubmed", "--dry-run", A, "10.1234/missing", B, "10.1234/missing2")
    assert result.returncode == 1, result.stderr
    documents = result.stdout.split("---\n")
    assert len(documents) == 2 and all("status: draft" in d for d in documents), result.stdout
    assert atlas.record_files() == []
