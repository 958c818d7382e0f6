"""`atlas add` with PubMed IDs and PMC IDs, against a local E-utilities / ID converter server.

The fake answers as NCBI's documentation and recorded answers show: esummary
DocSums (`articleids`, `pubtype`, `authors` as `Family Initials`, MEDLINE page
ranges), an unknown PMID as `{"uid": ..., "error": "cannot get document summary"}`,
the ID converter's `records` (an unknown PMCID with `status: error`).
"""

from __future__ import annotations

import json

import pytest
from fake_services import Reply, work
from helpers import service_atlas

DOI = "10.1016/j.neucli.2017.02.002"
PMID = "28410877"
PMCID = "PMC5382345"


@pytest.fixture
def atlas(tmp_path, fake):
    return service_atlas(tmp_path, fake)


def test_a_pmid_with_a_doi_is_added_as_its_doi(atlas, fake):
    fake.add_work(work(DOI, "Chronic fatigue syndrome and the immune system", family="Mensah", year=2017))
    fake.add_pubmed_record(PMID, doi=DOI, journal="Neurophysiologie clinique = Clinical neurophysiology")
    result = atlas.run("add", f"PMID: {PMID}")
    assert result.returncode == 0, result.stderr
    assert f"(PMID {PMID} -> {DOI})" in result.stderr
    record = atlas.load("mensah-2017-chronic-fatigue")
    assert record["doi"] == DOI and record["pmid"] == PMID
    assert record["journal"] == "Neurophysiologie clinique = Clinical neurophysiology"  # PubMed's title
    assert record["title"] == "Chronic fatigue syndrome and the immune system"  # Crossref's metadata
    assert "pubmed_types" not in record  # added exactly as the DOI would be
    # One esummary for the PMID; no esearch (PubMed already said which paper it is).
    [summary] = fake.seen("ncbi")
    assert summary.path.endswith("/esummary.fcgi") and summary.form["id"] == [PMID]
    assert summary.form["tool"] == ["atlas"] and summary.form["email"] == ["curators@example.org"]
    assert "api_key" not in summary.form
    assert fake.count("crossref", f"/works/{DOI}") == 1


def test_pubmed_ids_as_people_paste_them_mixed_with_dois_in_one_list(atlas, fake, tmp_path):
    papers = {
        "10.1234/typed": None,
        "10.1234/p1": "30000001",
        "10.1234/p2": "30000002",
        "10.1234/p3": "30000003",
        "10.1234/c4": "30000004",
    }
    for i, (doi, pmid) in enumerate(papers.items()):
        fake.add_work(work(doi, f"Paper number {i} on fatigue", family=f"Author{i}"))
        if pmid:
            fake.add_pubmed_record(pmid, doi=doi, pmcid="PMC900000" if pmid.endswith("4") else None)
    listing = tmp_path / "reading.txt"
    listing.write_text(
        "# this week\n10.1234/typed\nPMID: 30000001\nhttps://pubmed.ncbi.nlm.nih.gov/30000002/\n"
        "pmid:30000003   # from a colleague\nhttps://pmc.ncbi.nlm.nih.gov/articles/PMC900000/\n",
        encoding="utf-8",
    )
    result = atlas.run("add", "--from", str(listing))
    assert result.returncode == 0, result.stderr
    assert len(atlas.record_files()) == 5
    assert {atlas.load(p.stem).get("pmid") for p in atlas.record_files()} == {None, *list(papers.values())[1:]}
    # Batched: one converter request for the PMCID, one esummary for all four PMIDs.
    assert fake.count("idconv") == 1
    [summary] = [s for s in fake.seen("ncbi", "esummary") if "id" in s.form and len(s.form["id"][0].split(",")) > 1]
    assert sorted(summary.form["id"][0].split(",")) == ["30000001", "30000002", "30000003", "30000004"]
    [conversion] = fake.seen("idconv")
    assert conversion.query["ids"] == ["PMC900000"] and conversion.query["tool"] == ["atlas"]
    assert conversion.query["email"] == ["curators@example.org"]


def test_a_paper_without_a_doi_gets_a_record_from_pubmed_that_lint_accepts(atlas, fake):
    fake.add_pubmed_record(
        "2000123",
        title="[Chronic fatigue syndrome in general practice: a survey.]",
        vernacular="Das chronische Erschöpfungssyndrom in der Allgemeinpraxis",
        authors=["Müller-Lüdenscheidt HJ", "van der Berg J Jr", "O'Neill A"],
        collective=["CFS Study Group"],
        journal="Deutsche medizinische Wochenschrift (1946)",
        pubdate="1991 Mar 15",
        volume="116",
        issue="11",
        pages="401-8",
        pubtypes=["Journal Article", "Multicenter Study"],
    )
    result = atlas.run("add", "2000123")
    assert result.returncode == 0, result.stderr
    assert "(PMID 2000123, no DOI)" in result.stderr
    assert "English translation" in result.stderr and "initials" in result.stderr
    [path] = atlas.record_files()
    record = atlas.load(path.stem)
    assert path.stem == "muller-ludenscheidt-1991-chronic-fatigue"
    assert record["title"] == "Chronic fatigue syndrome in general practice: a survey"
    assert record["authors"] == [
        {"family": "Müller-Lüdenscheidt", "given": "H. J."},
        {"family": "van der Berg", "given": "J.", "suffix": "Jr"},
        {"family": "O'Neill", "given": "A."},
        {"literal": "CFS Study Group"},
    ]
    assert record["journal"] == "Deutsche medizinische Wochenschrift (1946)"
    assert record["journal_abbrev"] == "J Tests"
    assert (record["year"], record["volume"], record["issue"], record["pages"]) == (1991, "116", "11", "401-408")
    assert record["pmid"] == "2000123" and "doi" not in record
    assert record["publication_type"] == "journal-article"
    assert record["pubmed_types"] == ["Journal Article", "Multicenter Study"]
    assert record["status"] == "draft" and record["pem"]["badge"] == "unclear"
    assert fake.count("crossref") == 0
    lint = atlas.run("lint", "--format", "json")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert {p["rule"] for p in json.loads(lint.stdout)} <= {"text-placeholder"}  # draft warnings only
    # Added again: found by its PMID.
    again = atlas.run("add", "PMID 2000123")
    assert again.returncode == 0 and f"already in the atlas as {path.stem}" in again.stderr


def test_publication_types_flag_what_is_not_a_study(atlas, fake):
    fake.add_pubmed_record("2000200", title="Fatigue, again.", pubtypes=["Editorial"])
    fake.add_pubmed_record("2000201", title="Erratum.", pubtypes=["Published Erratum"])
    fake.add_pubmed_record("2000202", title="A retracted trial.", pubtypes=["Journal Article", "Retracted Publication"])
    result = atlas.run("add", "2000200", "2000201", "2000202")
    assert result.returncode == 0, result.stderr
    flags = {atlas.load(p.stem)["pmid"]: atlas.load(p.stem).get("flags") for p in atlas.record_files()}
    assert flags == {
        "2000200": ["editorial"],
        "2000201": ["erratum", "not-a-paper"],
        "2000202": ["retracted"],
    }
    assert "an editorial, not a study" in result.stderr
    assert "record the retraction notice" in result.stderr


def test_unknown_pmids_and_pmcids_fail_with_a_reason(atlas, fake):
    fake.add_work(work("10.1234/good", "Good paper"))
    result = atlas.run("add", "--no-pubmed", "10.1234/good", "PMID: 99999999", "PMC1234567")
    assert result.returncode == 1, result.stderr
    assert "failed PMID 99999999: PubMed has no record with PMID 99999999" in result.stderr
    assert "failed PMC1234567: PMC does not know PMC1234567" in result.stderr
    assert "Summary: 1 added, 2 failed" in result.stdout
    only_unknown = atlas.run("add", "99999999")
    assert only_unknown.returncode == 1 and "Traceback" not in only_unknown.stderr


def test_one_paper_named_twice_is_added_once(atlas, fake):
    fake.add_work(work(DOI, "Chronic fatigue syndrome and the immune system", family="Mensah", year=2017))
    fake.add_pubmed_record(PMID, doi=DOI, pmcid=PMCID)
    result = atlas.run("add", DOI, f"PMID: {PMID}", PMCID, f"https://pubmed.ncbi.nlm.nih.gov/{PMID}/")
    assert result.returncode == 0, result.stderr
    assert [p.stem for p in atlas.record_files()] == ["mensah-2017-chronic-fatigue"]
    assert result.stderr.count("skipped") == 3, result.stderr
    assert f"repeats {DOI} in this batch" in result.stderr
    assert f"repeats PMID {PMID} in this batch" in result.stderr


def test_what_the_atlas_has_is_found_by_pmid_and_by_the_doi_pubmed_gives(atlas, fake):
    (atlas.records / "hand-2017-entry.yaml").write_text(
        f"slug: hand-2017-entry\nstatus: draft\ntitle: Entry\npmid: {PMID}\n", encoding="utf-8"
    )
    (atlas.records / "hand-2018-other.yaml").write_text(
        "slug: hand-2018-other\nstatus: draft\ntitle: Other\ndoi: 10.1234/OTHER\n", encoding="utf-8"
    )
    fake.add_pubmed_record("30000009", doi="10.1234/other", pmcid="PMC777")
    result = atlas.run("add", PMID, "30000009", "PMC777")
    assert result.returncode == 0, result.stderr
    assert "already in the atlas as hand-2017-entry" in result.stderr
    assert result.stderr.count("already in the atlas as hand-2018-other") == 1
    assert "repeats PMID 30000009" in result.stderr
    assert fake.count("crossref") == 0
    assert fake.count("ncbi") == 1  # the record with the PMID needed no request at all
    assert len(atlas.record_files()) == 2


def test_a_doi_crossref_does_not_know_is_drafted_from_pubmed(atlas, fake):
    fake.add_pubmed_record("30000010", doi="10.5555/datacite.only", title="Registered elsewhere.")
    result = atlas.run("add", "30000010")
    assert result.returncode == 0, result.stderr
    assert "Crossref does not know the DOI 10.5555/datacite.only" in result.stderr
    [path] = atlas.record_files()
    record = atlas.load(path.stem)
    assert record["doi"] == "10.5555/datacite.only" and record["pmid"] == "30000010"
    assert record["title"] == "Registered elsewhere"


def test_a_pmcid_that_pubmed_does_not_have_is_added_by_its_doi(atlas, fake):
    fake.add_pmc_only("PMC424242", doi="10.1234/pmc.only")
    fake.add_work(work("10.1234/pmc.only", "Only in PMC"))
    result = atlas.run("add", "PMCID: PMC424242")
    assert result.returncode == 0, result.stderr
    assert atlas.load("smith-2020-only-pmc")["doi"] == "10.1234/pmc.only"


def test_offline_and_refresh_for_pmids(atlas, fake):
    fake.add_pubmed_record("30000011", title="Cached paper.")
    assert atlas.run("add", "--dry-run", "30000011").returncode == 0
    fake.reset_stats()
    offline = atlas.run("add", "--offline", "30000011")
    assert offline.returncode == 0, offline.stderr
    assert fake.count() == 0
    missing = atlas.run("add", "--offline", "30000012", "PMC31")
    assert missing.returncode == 1
    assert missing.stderr.count("not in the cache, and --offline forbids asking PubMed") == 2
    (atlas.records / "smith-2020-cached-paper.yaml").unlink()
    refreshed = atlas.run("add", "--refresh", "30000011")
    assert refreshed.returncode == 0 and fake.count("ncbi", "esummary") == 1


def test_pubmed_down_fails_the_pmids_but_not_the_dois(atlas, fake):
    fake.add_work(work("10.1234/fine", "Fine paper"))
    fake.ncbi_script(Reply(status=503, body={"error": "Service unavailable"}))
    result = atlas.run("add", "10.1234/fine", "30000013")
    assert result.returncode == 1, result.stderr
    assert "failed PMID 30000013: PubMed could not be asked: PubMed answered HTTP 503" in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.stem for p in atlas.record_files()] == ["smith-2020-fine-paper"]
    only = atlas.run("add", "30000013", "PMID: 30000014")
    assert only.returncode == 3, only.stderr


def test_an_error_json_and_a_truncated_body_are_clear_failures(atlas, fake):
    fake.ncbi_script(Reply(body={"error": "Invalid query"}))
    result = atlas.run("add", "30000015")
    assert result.returncode == 3 and "PubMed's esummary said: Invalid query" in result.stderr
    fake.add_pubmed_record("30000015")
    fake.ncbi_script(
        Reply(body={"header": {}, "result": {"uids": ["30000015"], "30000015": fake.pubmed["30000015"]}}, truncate=40)
    )
    truncated = atlas.run("add", "30000015")
    assert truncated.returncode == 3 and "not complete JSON" in truncated.stderr, truncated.stderr
    assert fake.count("ncbi") == 1 + 3  # the error at once; the truncated body tried 3 times (2 retries)


def test_a_429_is_waited_out_and_the_api_key_is_sent(atlas, fake):
    fake.add_pubmed_record("30000016", title="Patience.")
    fake.ncbi_script(
        Reply(
            status=429, body={"error": "API rate limit exceeded", "api-key": "127.0.0.1", "count": "4", "limit": "3"}
        ),
        Reply(body={"header": {}, "result": {"uids": ["30000016"], "30000016": fake.pubmed["30000016"]}}),
    )
    result = atlas.run("add", "30000016", extra_env={"ATLAS_NCBI_API_KEY": "k3y"})
    assert result.returncode == 0, result.stderr
    requests = fake.seen("ncbi")
    assert len(requests) == 2 and all(r.form["api_key"] == ["k3y"] for r in requests)


def test_hundreds_of_pmids_take_one_esummary_per_200(atlas, fake):
    pmids = [str(31000000 + i) for i in range(450)]
    for i, pmid in enumerate(pmids):
        fake.add_pubmed_record(pmid, title=f"Paper {i} without a DOI.", authors=[f"Author{i} A"])
    result = atlas.run("add", "--dry-run", *pmids)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("status: draft") == 450
    sizes = [len(s.form["id"][0].split(",")) for s in fake.seen("ncbi", "esummary")]
    assert sorted(sizes) == [50, 200, 200]
    assert fake.max_in_window(1.0, "ncbi") <= 3


def test_the_publication_type_table_is_checked_and_read(tmp_path):
    from atlas_cli.core.config import find_schemas_dir
    from atlas_cli.core.errors import ConfigError
    from atlas_cli.core.pubtypes import load_pubmed_types

    shipped = load_pubmed_types(find_schemas_dir())
    assert shipped.not_a_study(["Journal Article", "Comment"]) == "comment"
    assert shipped.not_a_study(["Journal Article", "Review"]) is None
    assert shipped.flags(["published erratum"]) == ["erratum", "not-a-paper"]
    assert shipped.publication_type(["Preprint"]) == "posted-content"
    own = tmp_path / "schemas"
    own.mkdir()
    (own / "pubmed-types.yaml").write_text(
        "pubmed_types:\n  - name: Comment\n    not_a_study: comment\n  - name: Letter\n    flags: [letterish]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_pubmed_types(own)
    assert f"{own / 'pubmed-types.yaml'}:4" in caught.value.message and "flags" in caught.value.message
