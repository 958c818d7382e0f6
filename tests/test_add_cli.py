"""`atlas add` end to end: the real CLI against a local fake Crossref + E-utilities."""

from __future__ import annotations

import json
import subprocess
from datetime import date

import pytest
from fake_services import ANONYMOUS_HEADERS, FakeServices, Reply, closed_port_url, envelope, work
from helpers import assert_clean_failure, service_atlas

DOI = "10.1234/abcd.5678"
TODAY = date.today().isoformat()


@pytest.fixture
def atlas(tmp_path, fake):
    return service_atlas(tmp_path, fake)


def test_adds_a_draft_with_pubmed_enrichment(atlas, fake):
    fake.add_work(
        work(
            DOI,
            "Immune cells in <i>ME/CFS</i>",
            family="Mensah",
            author=[{"given": "Fane", "family": "Mensah", "ORCID": "http://orcid.org/0000-0002-1825-0097"}],
        )
    )
    fake.add_pubmed(
        DOI, "28410877", journal="Neurophysiologie clinique = Clinical neurophysiology", abbrev="Neurophysiol Clin"
    )
    result = atlas.run("add", f"https://doi.org/{DOI.upper()}")
    assert result.returncode == 0, result.stderr
    assert "added records/mensah-2020-immune-cells.yaml" in result.stderr
    record = atlas.load("mensah-2020-immune-cells")
    assert record["slug"] == "mensah-2020-immune-cells"
    assert record["title"] == "Immune cells in ME/CFS"
    assert record["authors"] == [{"family": "Mensah", "given": "Fane", "orcid": "0000-0002-1825-0097"}]
    assert record["journal"] == "Neurophysiologie clinique = Clinical neurophysiology"
    assert record["journal_abbrev"] == "Neurophysiol Clin"  # NLM's, from PubMed
    assert "publisher" not in record  # a journal article is cited without its publisher
    assert record["doi"] == DOI and record["pmid"] == "28410877"
    assert record["added"] == record["snapshot_date"] == TODAY
    # The request: polite-pool User-Agent naming atlas, mailto, one Crossref call, NCBI tool/email.
    [seen] = fake.seen("crossref")
    assert "atlas/" in seen.headers["user-agent"] and "mailto:curators@example.org" in seen.headers["user-agent"]
    searches = fake.seen("ncbi", "esearch")
    assert len(searches) == 1 and searches[0].form["tool"] == ["atlas"]
    assert searches[0].form["email"] == ["curators@example.org"]
    # The raw answer is cached.
    cached = list((atlas.cache / "crossref").glob("*.json"))
    assert len(cached) == 1 and json.loads(cached[0].read_text())["response"]["message"]["DOI"] == DOI


def test_written_draft_passes_lint_as_a_draft(atlas, fake):
    fake.add_work(
        work(
            DOI,
            "Gut <i>microbiome</i> in ME/CFS",
            **{
                "updated-by": [
                    {
                        "DOI": "10.1234/corr",
                        "type": "correction",
                        "source": "publisher",
                        "updated": {"date-parts": [[2021, 2, 3]]},
                    }
                ]
            },
        )
    )
    assert atlas.run("add", "--no-pubmed", DOI).returncode == 0
    lint = atlas.run("lint")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert " error " not in lint.stdout


def test_a_work_without_a_date_is_a_flagged_draft_that_lint_reports(atlas, fake):
    fake.add_work(work(DOI, "Pacing in practice", year=None, type="book-chapter", publisher="IGI Global"))
    result = atlas.run("add", "--no-pubmed", DOI)
    assert result.returncode == 0, result.stderr
    assert "added records/smith-pacing-practice.yaml" in result.stderr
    assert "no publication date in Crossref (read issued, published-print" in result.stderr
    record = atlas.load("smith-pacing-practice")
    assert "year" not in record and record["flags"] == ["no-date"]
    assert record["publisher"] == "IGI Global"  # a chapter is cited with its publisher
    lint = atlas.run("lint", "--format", "json")
    problems = json.loads(lint.stdout)
    assert [p["rule"] for p in problems if p["severity"] == "error"] == []
    [missing] = [p for p in problems if p["rule"] == "year-missing"]
    assert missing["severity"] == "warning" and "no-date" in missing["message"]


def test_dry_run_prints_and_writes_nothing(atlas, fake):
    fake.add_work(work(DOI, "A study of things"))
    result = atlas.run("add", "--dry-run", "--no-pubmed", DOI)
    assert result.returncode == 0, result.stderr
    assert "slug: smith-2020-study-things" in result.stdout and "status: draft" in result.stdout
    assert atlas.all_files() == []


def test_a_doi_already_in_the_atlas_is_skipped(atlas, fake):
    fake.add_work(work(DOI, "A study of things"))
    (atlas.records / "old-2001-study.yaml").write_text(
        f"slug: old-2001-study\nstatus: draft\ntitle: Old\nauthors: []\nyear: 2001\n"
        f"doi: 10.9999/other\ndoi_aliases: [{DOI.upper()}]\n",
        encoding="utf-8",
    )
    result = atlas.run("add", DOI)
    assert result.returncode == 0
    assert "already in the atlas as old-2001-study" in result.stderr
    assert fake.count("crossref") == 0  # known before asking
    assert [p.name for p in atlas.record_files()] == ["old-2001-study.yaml"]


def test_second_run_skips_and_slug_collisions_get_a_suffix(atlas, fake):
    fake.add_work(work("10.1234/one", "A study of things"))
    fake.add_work(work("10.1234/two", "A study of things, again"))
    assert atlas.run("add", "--no-pubmed", "10.1234/one").returncode == 0
    again = atlas.run("add", "--no-pubmed", "10.1234/one", "10.1234/two")
    assert again.returncode == 0, again.stderr
    assert "already in the atlas as smith-2020-study-things" in again.stderr
    assert atlas.load("smith-2020-study-things-2")["doi"] == "10.1234/two"
    assert "Summary: 1 added, 1 already present" in again.stdout


def test_alias_redirect_is_followed_and_flagged(atlas, fake):
    fake.add_work(work("10.26434/chemrxiv.5406907.v5", "Binding modes of ligands", type="posted-content"))
    fake.alias("10.26434/chemrxiv.5406907", "10.26434/chemrxiv.5406907.v5")
    result = atlas.run("add", "--no-pubmed", "10.26434/chemrxiv.5406907")
    assert result.returncode == 0, result.stderr
    record = atlas.load("smith-2020-binding-modes")
    assert record["doi"] == "10.26434/chemrxiv.5406907.v5"
    assert record["doi_aliases"] == ["10.26434/chemrxiv.5406907"]
    assert record["flags"] == ["preprint", "doi-alias"]
    assert "alias" in result.stderr
    # Now both the alias and the primary DOI are known.
    assert "already in the atlas" in atlas.run("add", "--no-pubmed", "10.26434/CHEMRXIV.5406907.V5").stderr


def test_a_different_work_that_is_not_an_alias_is_refused(atlas, fake):
    fake.script(DOI, Reply.work(work("10.1234/something-else")))
    result = atlas.run("add", "--no-pubmed", DOI)
    assert result.returncode == 1
    assert_clean_failure(result, DOI, "different work", "10.1234/something-else")
    assert atlas.all_files() == []


def test_sici_doi_is_percent_encoded_in_the_path(atlas, fake):
    sici = "10.1002/(SICI)1099-1697(199803/04)7:2<65::AID-JSC357>3.0.CO;2-#"
    fake.add_work(work(sici, "Substance P receptor expression"))
    odd = "10.1234/50%off?x=1 y"  # %, ? and a space would cut or break the URL if not encoded
    result = atlas.run("add", "--no-pubmed", sici)
    assert result.returncode == 0, result.stderr
    [seen] = fake.seen("crossref")
    assert seen.path.endswith("/works/10.1002/(SICI)1099-1697(199803/04)7:2%3C65::AID-JSC357%3E3.0.CO;2-%23")
    assert atlas.load("smith-2020-substance-receptor")["doi"] == sici
    from atlas_cli.services.crossref import encode_doi_path

    assert encode_doi_path(odd) == "10.1234/50%25off%3Fx=1%20y"


# --- faults: one line naming the DOI and the cause, a documented exit code, no record ----


def _fault_cases():
    html_page = Reply.html(200, "Service Unavailable")
    return {
        "404": ([Reply.not_found()], 1, ["not found in Crossref", "Resource not found."]),
        "400": (
            [
                Reply(
                    status=400,
                    body={
                        "status": "failed",
                        "message-type": "validation-failure",
                        "message": [
                            {"type": "parameter-not-allowed", "value": "x", "message": "This route does not support x"}
                        ],
                    },
                )
            ],
            1,
            ["refused", "400", "does not support"],
        ),
        "500 then fail": (
            [
                Reply(
                    status=500,
                    body={"status": "error", "message-type": "exception", "message": {"name": "ExceptionInfo"}},
                )
            ],
            3,
            ["server error", "500", "after 3 attempts"],
        ),
        "503 html": ([Reply.html(503)], 3, ["server error", "503", "HTML page"]),
        "html 200": ([html_page], 3, ["HTML page", "instead of JSON"]),
        "truncated json": ([Reply.work(work(DOI), truncate=60)], 3, ["not valid JSON"]),
        "dropped connection": ([Reply(drop=True)], 3, ["connection"]),
        "wrong shape list": ([Reply(body=[envelope(work(DOI))])], 3, ["not a work", "list"]),
        "wrong shape message": (
            [Reply(body={"status": "ok", "message-type": "work-list", "message": {"items": []}})],
            3,
            ["other than a work"],
        ),
        "no DOI in answer": ([Reply(body=envelope({"title": ["x"]}))], 3, ["no DOI"]),
        "no title": ([Reply.work(work(DOI, title=""))], 1, ["no title"]),
        "markup-only title": ([Reply.work(work(DOI, title="<i> </i><b></b>"))], 1, ["only markup"]),
    }


@pytest.mark.parametrize("case", list(_fault_cases()))
def test_faults(atlas, fake, case):
    replies, code, words = _fault_cases()[case]
    fake.script(DOI, *replies)
    result = atlas.run("add", "--no-pubmed", DOI)
    assert result.returncode == code, result.stderr
    assert_clean_failure(result, DOI, *words)
    assert atlas.all_files() == []


def test_5xx_is_retried_then_succeeds(atlas, fake):
    fake.script(
        DOI, Reply.html(503), Reply(status=502, body="Bad gateway", content_type="text/plain"), Reply.work(work(DOI))
    )
    result = atlas.run("add", "--no-pubmed", DOI)
    assert result.returncode == 0, result.stderr
    assert fake.count("crossref", "/works/") == 3


def test_429_waits_for_retry_after(atlas, fake):
    fake.script(
        DOI,
        Reply(status=429, body="Too many requests", content_type="text/plain", headers={"Retry-After": "1"}),
        Reply.work(work(DOI)),
    )
    result = atlas.run("add", "--no-pubmed", DOI)
    assert result.returncode == 0, result.stderr
    first, second = fake.seen("crossref")
    assert second.start - first.start >= 1.0  # Retry-After honoured (the backoff alone is 0.01 s)


def test_429_forever_is_a_clear_network_failure(atlas, fake):
    fake.script(DOI, Reply(status=429, body="", headers={"Retry-After": "0"}))
    result = atlas.run("add", "--no-pubmed", DOI)
    assert result.returncode == 3
    assert_clean_failure(result, DOI, "too many requests")
    assert fake.count("crossref") == 3  # 1 + ATLAS_HTTP_RETRIES=2


def test_timeout(atlas, fake):
    fake.script(DOI, Reply.work(work(DOI), delay=3))
    result = atlas.run("add", "--no-pubmed", DOI, extra_env={"ATLAS_HTTP_TIMEOUT": "0.3", "ATLAS_HTTP_RETRIES": "0"})
    assert result.returncode == 3
    assert_clean_failure(result, DOI, "timeout", "0.3s")
    assert atlas.all_files() == []


def test_connection_refused(tmp_path):
    atlas = service_atlas(tmp_path)
    atlas.env["ATLAS_CROSSREF_URL"] = closed_port_url()
    atlas.env["ATLAS_NCBI_URL"] = closed_port_url()
    result = atlas.run("add", DOI, "10.1234/second")
    assert result.returncode == 3, result.stderr
    line = assert_clean_failure(result, DOI, "cannot connect", "connection refused")
    assert "PubMed" not in line  # PubMed's failure is at most a warning, never the cause
    assert atlas.all_files() == []


def test_mixed_batch_exits_1_and_keeps_going(atlas, fake):
    fake.add_work(work("10.1234/good", "Good paper"))
    fake.script("10.1234/bad", Reply.html(503))
    result = atlas.run("add", "--no-pubmed", "10.1234/good", "10.1234/bad", "arXiv:2101.00001", "")
    assert result.returncode == 1, result.stderr
    assert atlas.load("smith-2020-good-paper")["doi"] == "10.1234/good"
    assert "Summary: 1 added, 3 failed" in result.stdout
    assert "looks like an arXiv ID" in result.stderr and "empty" in result.stderr


def test_only_non_dois_is_a_usage_error(atlas):
    result = atlas.run("add", "arXiv:2101.00001", "https://www.example.org/article/5")
    assert result.returncode == 2
    assert "arXiv ID" in result.stderr and "web page" in result.stderr
    assert atlas.run("add").returncode == 2


def test_from_file_and_stdin(atlas, fake, tmp_path):
    fake.add_works([work("10.1234/a1", "First paper"), work("10.1234/b2", "Second paper")])
    listing = tmp_path / "dois.txt"
    listing.write_text("# to read\n\n10.1234/a1   # first\n", encoding="utf-8")
    result = atlas.run("add", "--no-pubmed", "--from", str(listing))
    assert result.returncode == 0, result.stderr
    result = atlas.run("add", "--no-pubmed", "--from", "-", stdin="doi:10.1234/b2\n")
    assert result.returncode == 0, result.stderr
    assert {p.stem for p in atlas.record_files()} == {"smith-2020-first-paper", "smith-2020-second-paper"}
    missing = atlas.run("add", "--from", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_offline_and_refresh_use_the_cache(atlas, fake):
    fake.add_work(work(DOI, "Cached paper"))
    fake.add_pubmed(DOI, "123456")
    assert atlas.run("add", "--dry-run", DOI).returncode == 0
    fake.reset_stats()
    offline = atlas.run("add", "--offline", DOI)
    assert offline.returncode == 0, offline.stderr
    assert fake.count() == 0
    assert atlas.load("smith-2020-cached-paper")["pmid"] == "123456"
    missing = atlas.run("add", "--offline", "10.1234/never-seen")
    assert missing.returncode == 1 and "not in the cache" in missing.stderr
    (atlas.records / "smith-2020-cached-paper.yaml").unlink()
    refreshed = atlas.run("add", "--refresh", DOI)
    assert refreshed.returncode == 0
    assert fake.count("crossref") == 1 and fake.count("ncbi") == 2
    assert atlas.run("add", "--offline", "--refresh", DOI).returncode == 2


def test_pubmed_failure_never_fails_the_add(atlas, fake):
    fake.add_work(work(DOI, "A study of things"))
    fake.ncbi_script(Reply.html(500))
    result = atlas.run("add", DOI)
    assert result.returncode == 0, result.stderr
    assert "warning: PubMed lookup failed" in result.stderr
    record = atlas.load("smith-2020-study-things")
    assert "pmid" not in record and record["journal"] == "Journal of Tests"


def test_thousands_of_authors_and_non_ascii(atlas, fake):
    authors = [{"given": "Åsa", "family": "Ødegård"}] + [{"given": f"G{i}", "family": f"Fam{i}"} for i in range(2999)]
    fake.add_work(
        work(
            DOI,
            "Søvn og utmattelse: «studie» 慢性疲劳",
            author=authors,
            **{"container-title": ["Tidsskrift for Den norske legeforening"]},
        )
    )
    result = atlas.run("add", "--no-pubmed", DOI)
    assert result.returncode == 0, result.stderr
    record = atlas.load("odegard-2020-sovn-utmattelse")
    assert len(record["authors"]) == 3000 and record["authors"][0] == {"family": "Ødegård", "given": "Åsa"}
    assert record["title"] == "Søvn og utmattelse: «studie» 慢性疲劳"


def test_batch_follows_advertised_limits_with_few_ncbi_requests(atlas, fake):
    dois = [f"10.1234/batch.{i}" for i in range(14)]
    fake.delay = 0.3  # longer than the spacing of starts (0.1 s), so requests overlap
    fake.add_works(work(d, f"Paper number {i}") for i, d in enumerate(dois))
    for i, d in enumerate(dois[:10]):
        fake.add_pubmed(d, str(1000 + i))
    result = atlas.run("add", *dois)
    assert result.returncode == 0, result.stderr
    assert fake.count("crossref", "/works/10.") == 14
    assert fake.max_concurrency("crossref") <= 3
    assert fake.max_concurrency("crossref") >= 2  # it does run in parallel
    assert fake.max_in_window(1.0, "crossref") <= 10
    assert fake.count("ncbi") == 2  # one esearch, one esummary for the whole batch
    assert fake.max_concurrency("ncbi") == 1
    pmids = sorted(atlas.load(p.stem).get("pmid", "-") for p in atlas.record_files())
    assert pmids.count("-") == 4 and "1009" in pmids


def test_the_polite_pool_starts_in_parallel_without_waiting_for_the_first_answer(atlas, fake):
    # With a contact email, the first requests go out under the polite pool's documented
    # limits (10/s, 3 at once): the second starts before the first is answered.
    dois = [f"10.1234/polite.{i}" for i in range(3)]
    fake.delay = 0.4
    fake.add_works(work(d, f"Paper number {i}") for i, d in enumerate(dois))
    result = atlas.run("add", "--no-pubmed", *dois)
    assert result.returncode == 0, result.stderr
    first, second = sorted(fake.seen("crossref"), key=lambda seen: seen.start)[:2]
    assert second.start < first.end
    assert fake.max_concurrency("crossref") <= 3 and fake.max_in_window(1.0, "crossref") <= 10


def test_anonymous_pool_limits_are_followed(tmp_path):
    with FakeServices(headers=ANONYMOUS_HEADERS, delay=0.02) as fake:
        atlas = service_atlas(tmp_path, fake, mailto=None)
        dois = [f"10.1234/anon.{i}" for i in range(7)]
        fake.add_works(work(d, f"Paper {i}") for i, d in enumerate(dois))
        result = atlas.run("add", "--no-pubmed", *dois)
        assert result.returncode == 0, result.stderr
        assert fake.max_concurrency("crossref") == 1
        assert fake.max_in_window(1.0, "crossref") <= 5
        assert all("mailto" not in s.headers["user-agent"] for s in fake.seen("crossref"))


def test_two_runs_at_once_create_one_record(atlas, fake):
    fake.add_work(work(DOI, "Contended paper"))
    fake.delay = 0.2  # both runs are in flight at the same time
    runs = [
        subprocess.Popen(
            atlas.command("add", "--no-pubmed", "--refresh", DOI if i % 2 else DOI.upper()),
            env=atlas.process_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    assert [p.name for p in atlas.all_files()] == ["smith-2020-contended-paper.yaml"]
    assert sum("already in the atlas" in err for _out, err in outputs) == 3


def test_unwritable_records_folder_is_exit_4(atlas, fake):
    fake.add_work(work(DOI))
    atlas.records.rmdir()
    atlas.records.write_text("not a folder\n", encoding="utf-8")  # fails for root too, unlike chmod
    result = atlas.run("add", "--no-pubmed", DOI)
    assert result.returncode == 4, result.stderr
    assert_clean_failure(result, DOI, "cannot")
    assert atlas.records.read_text(encoding="utf-8") == "not a folder\n"


def test_help_documents_exit_codes_and_knobs(atlas):
    result = atlas.run("add", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for word in (
        "Exit codes",
        "ATLAS_HTTP_TIMEOUT",
        "ATLAS_HTTP_RETRIES",
        "ATLAS_HTTP_BACKOFF",
        "ATLAS_HTTP_DEADLINE",
        "ATLAS_HTTP_MAX_MB",
        "ATLAS_MAILTO",
        "ATLAS_CROSSREF_URL",
        "ATLAS_NCBI_URL",
        "ATLAS_CACHE_DIR",
        "--dry-run",
        "--offline",
        "--refresh",
    ):
        assert word in text, word


def test_interrupt_keeps_written_records_and_no_partial_file(atlas, fake):
    import signal
    import time

    dois = [f"10.1234/int.{i}" for i in range(6)]
    fake.add_works(work(d, f"Interrupted paper {i}") for i, d in enumerate(dois))
    fake.script(dois[-1], Reply.work(work(dois[-1], "Slow"), delay=30))
    fake.headers = {**fake.headers, "x-concurrency-limit": "2"}  # the slow one never blocks the rest
    process = subprocess.Popen(
        atlas.command("add", "--no-pubmed", *dois, ctrl_c=True),
        env=atlas.process_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(list(atlas.records.glob("*.yaml"))) < 5:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    files = atlas.all_files()
    assert len(files) == 5 and all(p.suffix == ".yaml" and not p.name.startswith(".") for p in files)
    for path in files:
        assert atlas.load(path.stem)["status"] == "draft"


def test_core_function_returns_results_as_data(atlas, fake, monkeypatch):
    from atlas_cli.add.batch import AddOptions, add_dois
    from atlas_cli.core.config import load_settings

    for key, value in atlas.env.items():
        if key.startswith("ATLAS_"):
            monkeypatch.setenv(key, value)
    fake.add_work(work(DOI, "Data, never prints"))
    settings = load_settings(atlas.root)
    seen = []
    report = add_dois(
        settings, [DOI, "nope"], AddOptions(pubmed=False, dry_run=True), env=atlas.env, on_result=seen.append
    )
    assert [r.status for r in report.results] == ["would-add", "failed"]
    assert report.results[0].record["slug"] == "smith-2020-data-never"
    assert report.results[1].kind == "input"
    assert report.exit_code == 1 and len(seen) == 2
    assert atlas.all_files() == []


def test_bad_knob_is_a_usage_error(atlas):
    result = atlas.run("add", DOI, extra_env={"ATLAS_HTTP_TIMEOUT": "fast"})
    assert result.returncode == 2
    assert "ATLAS_HTTP_TIMEOUT" in result.stderr and "Traceback" not in result.stderr
