"""`atlas verify` of records known by PMID alone, against the local fake E-utilities.

A record without a DOI but with a PMID is checked against PubMed's esummary, asked
afresh, in batches; the fake answers as test_add_pubmed.py describes (DocSums with
`pubtype`, `Family Initials` authors, MEDLINE page ranges; an unknown PMID as a
per-uid error).
"""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest
from fake_services import Reply, closed_port_url, work
from helpers import record, service_atlas, write_record

from atlas_cli.curate.verify import ACTION, NOTE

PMID = "31000001"
SLUG = "smith-2020-study-things"


@pytest.fixture
def atlas(tmp_path, fake):
    return service_atlas(tmp_path, fake)


def pmid_record(**changes) -> dict:
    """A curated record of the fake's default DocSum for PMID, as `atlas add` writes it, without a DOI."""
    base = record(
        slug=SLUG,
        title="A study of things",
        authors=[{"family": "Smith", "given": "A. B."}, {"family": "Jones", "given": "C."}],
        journal="Journal of Tests (Full Title)",
        journal_abbrev="J Tests",
        year=2020,
        volume="12",
        issue="3",
        pages="100-110",
        doi=None,
        pmid=PMID,
        pubmed_types=["Journal Article"],
    )
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def write(atlas, *records: dict) -> None:
    for data in records:
        write_record(atlas.root, data)


def esummaries(fake) -> list[list[str]]:
    """The PMIDs of each esummary request, in order."""
    return [s.form["id"][0].split(",") for s in fake.seen("ncbi", "esummary")]


# --- through the command line ----------------------------------------------------------------


def test_a_record_added_by_pmid_verifies_clean_against_pubmed_and_never_from_the_cache(atlas, fake):
    fake.add_pubmed_record(
        "2000123",
        title="[Chronic fatigue syndrome in general practice: a survey.]",
        vernacular="Das chronische Erschöpfungssyndrom in der Allgemeinpraxis",
        authors=["Müller-Lüdenscheidt HJ", "van der Berg J Jr"],
        collective=["CFS Study Group"],
        journal="Deutsche medizinische Wochenschrift (1946)",
        source="Dtsch Med Wochenschr",
        pubdate="1991 Mar 15",
        pages="401-8",
        pubtypes=["Journal Article", "Multicenter Study"],
    )
    added = atlas.run("add", "2000123")
    assert added.returncode == 0, added.stderr
    fake.reset_stats()
    result = atlas.run("verify", "-v")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "muller-ludenscheidt-1991-chronic-fatigue: ok (PubMed)" in result.stdout
    assert "(0 against Crossref, 1 against PubMed)" in result.stdout
    assert esummaries(fake) == [["2000123"]] and fake.count("crossref") == 0
    again = atlas.run("verify")
    assert again.returncode == 0 and len(esummaries(fake)) == 2  # asked afresh each time
    [cached] = (atlas.cache / "esummary").glob("*.json")
    assert json.loads(cached.read_text())["docsum"]["uid"] == "2000123"


def test_a_new_retraction_exits_1_and_apply_flags_it_atomically_and_settles(atlas, fake):
    fake.add_pubmed_record(PMID, pubtypes=["Journal Article", "Retracted Publication"])
    write(atlas, pmid_record())
    path = atlas.records / f"{SLUG}.yaml"
    before = path.read_bytes()
    result = atlas.run("verify")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{SLUG} (PMID {PMID}, PubMed):" in result.stdout
    assert (
        "! PubMed lists the publication type Retracted Publication: the record is not flagged `retracted` "
        "(--apply records the retraction as PubMed's: add the notice's DOI and date)"
    ) in result.stdout
    assert "--apply would update: pubmed_types, flags, updates" in result.stdout
    assert path.read_bytes() == before

    applied = atlas.run("verify", "--apply")
    assert applied.returncode == 0, applied.stdout + applied.stderr  # applied: nothing left to act on
    assert "applied:" in applied.stdout and "+- retracted" in applied.stdout.replace("    ", "")
    data = atlas.load(SLUG)
    assert data["flags"] == ["retracted"]
    assert data["pubmed_types"] == ["Journal Article", "Retracted Publication"]
    # the notice, for the page's banner: its DOI and date are the curator's to add
    assert data["updates"] == [
        {
            "type": "retraction",
            "source": "pubmed",
            "note": f"PubMed lists the publication type Retracted Publication (PMID {PMID})",
        }
    ]
    applied_keys = ("flags", "pubmed_types", "updates")
    assert {k: v for k, v in data.items() if k not in applied_keys} == {
        k: v for k, v in pmid_record().items() if k not in applied_keys
    }
    assert [p.name for p in atlas.records.iterdir()] == [f"{SLUG}.yaml"]  # no temporary file left behind
    assert atlas.run("verify").returncode == 0
    assert atlas.run("lint").returncode == 0


def test_an_expression_of_concern_title_and_a_note_worthy_type(atlas, fake):
    fake.add_pubmed_record(PMID, title="WITHDRAWN: A study of things.", pubtypes=["Journal Article", "Editorial"])
    write(atlas, pmid_record())
    result = atlas.run("verify", "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    [verdict] = json.loads(result.stdout)["records"]
    kinds = {f["kind"]: f["severity"] for f in verdict["findings"]}
    assert kinds["editorial"] == NOTE and kinds["withdrawn"] == ACTION
    assert "PubMed's title now starts with WITHDRAWN" in {f["message"] for f in verdict["findings"]}


def test_an_unknown_pmid_is_a_finding(atlas, fake):
    write(atlas, pmid_record())
    result = atlas.run("verify")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"! PubMed has no record with PMID {PMID} (check the number)" in result.stdout
    assert atlas.run("verify", "--apply").returncode == 1  # nothing to apply: still to act on


def test_a_pmid_that_is_not_one_is_reported_without_asking(atlas, fake):
    write(atlas, pmid_record(pmid="PMC123"))
    result = atlas.run("verify")
    assert result.returncode == 1, result.stdout
    assert "the record's pmid is not a PubMed ID: 'PMC123'" in result.stdout
    assert fake.count("ncbi") == 0


def test_a_doi_pubmed_now_lists_is_a_note_and_apply_writes_it_then_crossref_is_asked(atlas, fake):
    doi = "10.1234/things.2020.1"
    fake.add_pubmed_record(PMID, doi=doi)
    fake.add_work(
        work(doi, "A study of things", family="Smith", year=2020, **{"container-title": ["Journal of Tests"]})
    )
    write(atlas, pmid_record())
    result = atlas.run("verify")
    assert result.returncode == 0, result.stdout + result.stderr  # worth knowing, nothing wrong
    assert f"- PubMed now lists a DOI for the paper: {doi}" in result.stdout
    assert "--apply would update: doi" in result.stdout
    assert fake.count("crossref") == 0
    applied = atlas.run("verify", "--apply")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert f"+doi: {doi}" in applied.stdout
    assert atlas.load(SLUG)["doi"] == doi and atlas.load(SLUG)["pmid"] == PMID
    fake.reset_stats()
    after = atlas.run("verify", "-v", "--format", "json")
    assert after.returncode == 0, after.stdout
    [verdict] = json.loads(after.stdout)["records"]
    assert verdict["service"] == "crossref" and verdict["doi"] == doi
    assert fake.count("crossref") == 1 and fake.count("ncbi") == 0


def test_title_drift_is_applied_and_a_wrong_paper_is_left_to_a_person(atlas, fake):
    fake.add_pubmed_record(PMID, title="A study of many things.")
    fake.add_pubmed_record(
        "31000002", title="Gut microbiota in inflammatory bowel disease.", authors=["Nguyen T"], pubdate="2009"
    )
    drifting = pmid_record()
    wrong = pmid_record(slug="smith-2020-other-things", pmid="31000002")
    write(atlas, drifting, wrong)
    wrong_path = atlas.records / "smith-2020-other-things.yaml"
    before = wrong_path.read_bytes()
    result = atlas.run("verify", "--apply")
    assert result.returncode == 1, result.stdout + result.stderr  # the wrong paper is still to act on
    assert (
        "title does not match PubMed's" in result.stdout
        and "the PMID probably belongs to another paper" in result.stdout
    )
    assert "PubMed:   Gut microbiota in inflammatory bowel disease" in result.stdout
    assert "applied:" in result.stdout  # the drifting title
    assert wrong_path.read_bytes() == before
    assert atlas.load(SLUG)["title"] == "A study of many things"
    assert atlas.run("verify", SLUG).returncode == 0


def test_ncbi_5xx_then_success_is_retried(atlas, fake):
    fake.add_pubmed_record(PMID)
    fake.ncbi_script(Reply(status=503, body={"error": "Service unavailable"}), None, tool="esummary")
    write(atlas, pmid_record())
    result = atlas.run("verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(esummaries(fake)) == 2


def test_ncbi_down_exits_3_with_one_reason_per_record(atlas, fake):
    fake.add_pubmed_record(PMID, pubtypes=["Retracted Publication"])
    fake.ncbi_script(Reply(status=503, body={"error": "Service unavailable"}))
    write(atlas, pmid_record(), pmid_record(slug="smith-2020-more-things", pmid="31000002"))
    path = atlas.records / f"{SLUG}.yaml"
    before = path.read_bytes()
    result = atlas.run("verify", "--apply")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stdout.splitlines() if "could not verify against PubMed" in line]
    assert len(lines) == 2 and all("PubMed answered HTTP 503" in line for line in lines), result.stdout
    assert path.read_bytes() == before
    assert not (atlas.cache / "esummary").exists()


def test_ncbi_unreachable_exits_3(atlas, fake):
    write(atlas, pmid_record())
    result = atlas.run("verify", extra_env={"ATLAS_NCBI_URL": closed_port_url()})
    assert result.returncode == 3, result.stdout + result.stderr
    assert "connection refused" in result.stdout and "Traceback" not in result.stderr


def test_a_mixed_atlas_asks_crossref_for_dois_and_pubmed_once_for_many_pmids(atlas, fake):
    dois = ["10.1234/mixed.1", "10.1234/mixed.2"]
    for i, doi in enumerate(dois):
        fake.add_work(work(doi, f"Paper with a DOI {i}", family="Smith", year=2020))
        write(
            atlas,
            record(
                slug=f"smith-2020-paper-doi-{i}",
                doi=doi,
                pmid=None,
                title=f"Paper with a DOI {i}",
                authors=[{"family": "Smith", "given": "A."}],
                year=2020,
                journal=None,
            ),
        )
    pmids = [str(31000010 + i) for i in range(5)]
    for i, pmid in enumerate(pmids):
        fake.add_pubmed_record(
            pmid, pubtypes=["Journal Article", "Retracted Publication"] if i == 0 else ["Journal Article"]
        )
        write(atlas, pmid_record(slug=f"smith-2020-study-things-{i}", pmid=pmid))
    write(atlas, record(slug="nobody-2020-nothing", doi=None, pmid=None))
    result = atlas.run("verify", "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    verdicts = {v["slug"]: v for v in json.loads(result.stdout)["records"]}
    assert {verdicts[f"smith-2020-paper-doi-{i}"]["service"] for i in range(2)} == {"crossref"}
    assert {verdicts[f"smith-2020-study-things-{i}"]["service"] for i in range(5)} == {"pubmed"}
    assert verdicts["nobody-2020-nothing"]["error_kind"] == "no-doi"
    assert verdicts["nobody-2020-nothing"]["error"] == "no DOI or PMID; nothing to verify"
    retracted = verdicts["smith-2020-study-things-0"]
    assert retracted["pmid"] == pmids[0] and [f["kind"] for f in retracted["findings"]] == ["retracted"]
    assert all(verdicts[f"smith-2020-study-things-{i}"]["findings"] == [] for i in range(1, 5))
    assert sorted(s.path.rsplit("/", 1)[-1] for s in fake.seen("crossref")) == ["mixed.1", "mixed.2"]
    [asked] = esummaries(fake)  # one esummary for every PMID
    assert sorted(asked) == pmids
    assert fake.count("ncbi") == 1


def test_hundreds_of_pmid_records_take_one_esummary_per_200(atlas, fake):
    pmids = [str(32000000 + i) for i in range(201)]
    for i, pmid in enumerate(pmids):
        fake.add_pubmed_record(pmid)
        write(atlas, pmid_record(slug=f"smith-2020-study-things-{i}", pmid=pmid))
    result = atlas.run("verify")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert sorted(len(ids) for ids in esummaries(fake)) == [1, 200]


def test_ctrl_c_while_pubmed_is_asked_exits_130(atlas, fake):
    fake.add_pubmed_record(PMID)
    fake.ncbi_script(Reply(delay=30, body={}), tool="esummary")
    write(atlas, pmid_record())
    process = subprocess.Popen(
        atlas.command("verify", ctrl_c=True),
        env={**atlas.process_env(), "ATLAS_HTTP_TIMEOUT": "60"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and fake.count("ncbi", "esummary") == 0:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "Traceback" not in err


# --- compare_pubmed (pure) -------------------------------------------------------------------


def summary_of(fake, pmid: str = PMID, **docsum):
    from atlas_cli.services.pubmed import PubMedSummary

    return PubMedSummary.from_docsum(pmid, fake.add_pubmed_record(pmid, **docsum))


def types():
    from atlas_cli.core.config import find_schemas_dir
    from atlas_cli.core.pubtypes import load_pubmed_types

    return load_pubmed_types(find_schemas_dir())


def test_pubmed_forms_compare_clean(fake):
    from atlas_cli.curate.verify_pubmed import compare_pubmed

    summary = summary_of(fake, title="[A study of things.]", vernacular="Eine Studie der Dinge")
    # the journal written as NLM's abbreviation, the title without PubMed's brackets and period
    findings, changes = compare_pubmed(pmid_record(journal="J Tests"), summary, types())
    assert findings == [] and changes == {}


def test_pubmed_year_and_first_author():
    from fake_services import FakeServices

    from atlas_cli.curate.verify_pubmed import compare_pubmed

    fake = FakeServices()  # only its DocSum builder
    findings, changes = compare_pubmed(
        pmid_record(), summary_of(fake, pubdate="2019 Dec", authors=["Jones C", "Smith AB"]), types()
    )
    assert [(f.kind, f.severity) for f in findings] == [("year", NOTE), ("first-author", ACTION)]
    assert "first author differs from PubMed's" in findings[1].message
    assert changes["authors"][0] == {"family": "Jones", "given": "C."} and "year" not in changes
