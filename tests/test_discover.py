"""`atlas discover` end to end, against a local E-utilities server shaped as NCBI documents it:
esearch with `usehistory=y` (WebEnv, query_key, count, idlist), esummary pages of the stored
search (retstart, retmax), Entrez-date windows (`datetype=edat`, `mindate`, `maxdate`, both
ends included), NCBI's rate-limit header and 429, error JSON."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from fake_services import FakeServices, Reply
from helpers import good, run_atlas, service_atlas, write_record

from atlas_cli.core.config import DEFAULT_DISCOVER_QUERY

WINDOW = ("--since", "2026-05-01", "--until", "2026-05-31")


@pytest.fixture
def atlas(tmp_path, fake):
    return service_atlas(tmp_path, fake)


def listed(result) -> list[str]:
    return [line.split()[1] for line in result.stdout.splitlines() if line.startswith("PMID ")]


def test_the_window_includes_both_ends_and_the_query_is_the_atlass(atlas, fake):
    for pmid, day in (("41000001", "2026/04/30"), ("41000002", "2026/05/01"), ("41000003", "2026/05/15")):
        fake.add_pubmed_record(pmid, entrez=day)
    for pmid, day in (("41000004", "2026/05/31"), ("41000005", "2026/06/01")):
        fake.add_pubmed_record(pmid, entrez=day)
    result = atlas.run("discover", *WINDOW)
    assert result.returncode == 0, result.stderr
    assert listed(result) == ["41000004", "41000003", "41000002"]  # newest first; 04-30 and 06-01 are outside
    [search] = fake.seen("ncbi", "esearch")
    assert search.form["term"] == [DEFAULT_DISCOVER_QUERY]
    assert (search.form["datetype"], search.form["mindate"], search.form["maxdate"]) == (
        ["edat"],
        ["2026/05/01"],
        ["2026/05/31"],
    )
    assert search.form["usehistory"] == ["y"] and search.form["tool"] == ["atlas"]
    assert search.form["email"] == ["curators@example.org"]
    [page] = fake.seen("ncbi", "esummary")
    assert page.form["WebEnv"] == ["MCID_0001"] and page.form["query_key"] == ["1"]
    assert "3 new papers in PubMed from 2026-05-01 to 2026-05-31 (--since): 3 found" in result.stderr


def test_by_default_the_window_starts_at_the_newest_snapshot_date(atlas, fake):
    today = date.today()
    newest = today - timedelta(days=9)
    write_record(atlas.root, good(snapshot_date=newest.isoformat()))
    write_record(atlas.root, good(slug="older-2019-record", doi="10.1/x", pmid="1", snapshot_date="2020-01-01"))
    result = atlas.run("discover")
    assert result.returncode == 0, result.stderr
    [search] = fake.seen("ncbi", "esearch")
    assert search.form["mindate"] == [newest.strftime("%Y/%m/%d")]
    assert search.form["maxdate"] == [today.strftime("%Y/%m/%d")]
    assert "since the newest snapshot_date" in result.stderr
    (atlas.records / "fluge-2019-b-lymphocyte.yaml").unlink()
    (atlas.records / "older-2019-record.yaml").unlink()
    fake.reset_stats()
    assert atlas.run("discover").returncode == 0
    [search] = fake.seen("ncbi", "esearch")
    assert search.form["mindate"] == [(today - timedelta(days=30)).strftime("%Y/%m/%d")]
    fake.reset_stats()
    assert atlas.run("discover", "--days", "7", "--until", "2026-05-31").returncode == 0
    [search] = fake.seen("ncbi", "esearch")
    assert (search.form["mindate"], search.form["maxdate"]) == (["2026/05/24"], ["2026/05/31"])


def test_what_the_atlas_has_or_excluded_is_left_out_and_counted(atlas, fake):
    write_record(atlas.root, good(pmid="41000001", doi="10.1234/by-pmid"))
    write_record(
        atlas.root,
        good(slug="alias-2020-record", pmid=None, doi="10.1234/main", doi_aliases=["10.1234/OLD"], title="Other"),
    )
    write_record(
        atlas.root,
        good(slug="title-2026-record", pmid=None, doi="10.1234/preprint", title="Same title, other DOI", year=2026),
    )
    (atlas.root / "screening.yaml").write_text(
        "excluded:\n- pmid: '41000004'\n  reason: cancer-related fatigue\n  date: '2026-05-02'\n"
        "- doi: 10.1234/OUT\n  reason: not about ME/CFS\n  date: '2026-05-02'\n",
        encoding="utf-8",
    )
    fake.add_pubmed_record("41000001", entrez="2026/05/10")
    fake.add_pubmed_record("41000002", doi="10.1234/old", entrez="2026/05/10")
    fake.add_pubmed_record("41000003", title="Same title, other DOI.", pubdate="2026 May", entrez="2026/05/10")
    fake.add_pubmed_record("41000004", entrez="2026/05/10")
    fake.add_pubmed_record("41000005", doi="10.1234/out", entrez="2026/05/10")
    fake.add_pubmed_record("41000006", title="Really new.", entrez="2026/05/10")
    result = atlas.run("discover", *WINDOW, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [p["pmid"] for p in data["papers"]] == ["41000006"]
    assert {(p["pmid"], p["slug"], p["matched"]) for p in data["in_atlas"]} == {
        ("41000001", "fluge-2019-b-lymphocyte", "PMID"),
        ("41000002", "alias-2020-record", "DOI"),
        ("41000003", "title-2026-record", "title and year"),
    }
    assert {(p["pmid"], p["reason"]) for p in data["excluded"]} == {
        ("41000004", "cancer-related fatigue"),
        ("41000005", "not about ME/CFS"),
    }
    assert (data["found"], data["new"], data["since"], data["until"]) == (6, 1, "2026-05-01", "2026-05-31")
    assert "1 new paper in PubMed" in result.stderr and "3 already in the atlas, 2 excluded" in result.stderr


def test_publication_types_are_shown_and_non_studies_marked(atlas, fake):
    fake.add_pubmed_record("41000001", pubtypes=["Journal Article", "Randomized Controlled Trial"], entrez="2026/05/03")
    fake.add_pubmed_record("41000002", pubtypes=["Editorial"], entrez="2026/05/04")
    fake.add_pubmed_record("41000003", pubtypes=["Comment", "Letter"], entrez="2026/05/05")
    fake.add_pubmed_record("41000004", title="Erratum to: a study.", pubtypes=["Journal Article"], entrez="2026/05/06")
    fake.add_pubmed_record("41000005", pubtypes=["Retraction of Publication"], entrez="2026/05/07")
    fake.add_pubmed_record("41000006", pubtypes=["News"], entrez="2026/05/08")
    result = atlas.run("discover", *WINDOW)
    assert result.returncode == 0, result.stderr
    blocks = {b.split()[1]: b for b in result.stdout.strip().split("\n\n")}
    assert "Journal Article, Randomized Controlled Trial" in blocks["41000001"]
    assert "NOT A STUDY" not in blocks["41000001"]
    marks = {pmid: b.split("NOT A STUDY: ")[1].strip() for pmid, b in blocks.items() if "NOT A STUDY" in b}
    assert marks == {
        "41000002": "editorial",
        "41000003": "comment",
        "41000004": "erratum",
        "41000005": "retraction notice",
        "41000006": "news",
    }
    assert "5 of them not studies" in result.stderr
    studies = atlas.run("discover", *WINDOW, "--studies-only", "--format", "ids")
    assert studies.stdout.split() == ["41000001"]
    assert "5 left out as not studies" in studies.stderr


def test_ids_pipe_into_atlas_add(atlas, fake):
    fake.add_pubmed_record("41000001", title="First new paper.", entrez="2026/05/03")
    fake.add_pubmed_record("41000002", title="Second new paper.", entrez="2026/05/04")
    ids = atlas.run("discover", *WINDOW, "--format", "ids")
    assert ids.returncode == 0 and ids.stdout == "41000002\n41000001\n"
    added = atlas.run("add", "--from", "-", stdin=ids.stdout)
    assert added.returncode == 0, added.stderr
    assert len(atlas.record_files()) == 2
    again = atlas.run("discover", *WINDOW, "--format", "ids")
    assert again.stdout == "" and "0 new papers" in again.stderr and "2 already in the atlas" in again.stderr


def test_add_adds_what_is_listed_without_asking_pubmed_again(atlas, fake):
    fake.add_pubmed_record("41000001", title="Without a DOI.", entrez="2026/05/03")
    fake.add_pubmed_record("41000002", doi="10.1234/with", title="With a DOI.", entrez="2026/05/04")
    from fake_services import work

    fake.add_work(work("10.1234/with", "With a DOI", family="Jones"))
    result = atlas.run("discover", *WINDOW, "--add")
    assert result.returncode == 0, result.stderr
    assert sorted(p.stem for p in atlas.record_files()) == ["jones-2020-doi", "smith-2020-without-doi"]
    assert fake.count("ncbi") == 2  # the search's esearch and one esummary page: nothing more
    assert "Summary: 2 added" in result.stderr


def test_an_empty_result_is_one_request_and_exit_0(atlas, fake):
    result = atlas.run("discover", *WINDOW)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and "0 new papers" in result.stderr and "0 found" in result.stderr
    assert fake.count("ncbi") == 1


def test_thousands_of_hits_take_a_handful_of_requests_under_the_limit(tmp_path):
    with FakeServices(ncbi_enforce=True, ncbi_delay=0.05) as fake:
        atlas = service_atlas(tmp_path, fake)
        for i in range(2300):
            fake.add_pubmed_record(str(40000000 + i), title=f"Paper {i}.", entrez=f"2026/05/{1 + i % 28:02d}")
        # pages of 500 summaries are large: a loaded test machine must not turn them into timeouts
        result = atlas.run("discover", *WINDOW, "--format", "ids", extra_env={"ATLAS_HTTP_TIMEOUT": "30"})
        assert result.returncode == 0, result.stderr
        assert len(result.stdout.split()) == 2300 and len(set(result.stdout.split())) == 2300
        starts = sorted({int(p.form["retstart"][0]) for p in fake.seen("ncbi", "esummary")})
        seen = [(s.path.rsplit("/", 1)[1], s.form.get("retstart"), round(s.start, 3)) for s in fake.seen("ncbi")]
        assert starts == [0, 500, 1000, 1500, 2000] and fake.count("ncbi") == 1 + 5, seen
        assert fake.rate_limited == 0 and fake.max_in_window(1.0, "ncbi") <= 3, seen


def test_the_api_key_is_sent_and_its_limit_followed(tmp_path):
    with FakeServices(ncbi_enforce=True) as fake:
        atlas = service_atlas(tmp_path, fake)
        for i in range(1600):
            fake.add_pubmed_record(str(40000000 + i), entrez="2026/05/10")
        result = atlas.run(
            "discover",
            *WINDOW,
            "--format",
            "ids",
            extra_env={"ATLAS_NCBI_API_KEY": "s3cret", "ATLAS_HTTP_TIMEOUT": "30"},
        )
        assert result.returncode == 0, result.stderr
        assert all(r.form["api_key"] == ["s3cret"] for r in fake.seen("ncbi"))
        assert fake.rate_limited == 0 and fake.max_in_window(1.0, "ncbi") >= 4  # more than the 3/s without a key


@pytest.mark.parametrize(
    "script,tool,words",
    [
        (Reply(body={"header": {}, "esearchresult": {"ERROR": "Invalid query syntax"}}), "esearch", ["Invalid query"]),
        (Reply(body={"error": "API key invalid"}), "esearch", ["API key invalid"]),
        (Reply(body={"header": {}, "error": "Unable to obtain query #1"}), "esummary", ["Unable to obtain query"]),
        (Reply(body={"header": {}, "result": {"uids": []}}, truncate=25), "esummary", ["not complete JSON"]),
        (Reply(status=502, body="<html>Bad Gateway</html>", content_type="text/html"), "esummary", ["HTTP 502"]),
        (Reply(body={"header": {}, "result": {"uids": []}}), "esummary", ["returned 0 summaries", "incomplete"]),
        (
            Reply(body={"header": {}, "esearchresult": {"count": "3", "idlist": ["41000001"], "webenv": "W"}}),
            "esearch",
            ["counted 3 results but listed 1", "incomplete"],
        ),
    ],
)
def test_a_fault_is_a_clear_failure_and_nothing_is_listed(atlas, fake, script, tool, words):
    for i in range(3):
        fake.add_pubmed_record(f"4100000{i}", entrez="2026/05/10")
    fake.ncbi_script(script, tool=tool)
    result = atlas.run("discover", *WINDOW)
    assert result.returncode == 3, result.stderr
    assert result.stdout == ""  # never a partial list
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    message = result.stderr.splitlines()[0]
    assert message.startswith("atlas: error: PubMed search failed") and "incomplete" in message
    for word in words:
        assert word in result.stderr, result.stderr


def test_429_and_5xx_are_waited_out(atlas, fake):
    fake.add_pubmed_record("41000001", entrez="2026/05/10")
    limited = Reply(
        status=429, body={"error": "API rate limit exceeded", "api-key": "127.0.0.1", "count": "4", "limit": "3"}
    )
    fake.ncbi_script(limited, Reply(status=503, body=""), None, tool="esearch")  # then answered as usual
    result = atlas.run("discover", *WINDOW, extra_env={"ATLAS_HTTP_RETRIES": "3"})
    assert result.returncode == 0, result.stderr
    assert listed(result) == ["41000001"]
    assert fake.count("ncbi", "esearch") == 3


@pytest.mark.parametrize(
    "args,words",
    [
        (("--since", "2026-05-01", "--days", "3"), ["--since and --days"]),
        (("--since", "May 1st"), ["not a date", "YYYY-MM-DD"]),
        (("--since", "2026-06-01", "--until", "2026-05-01"), ["starts (2026-06-01) after it ends"]),
        (("--days", "0"), ["not a number of days"]),
        (("--format", "csv"), ["unknown format"]),
        (("--reason", "x"), ["--reason goes with --exclude"]),
    ],
)
def test_bad_options_are_usage_errors(atlas, fake, args, words):
    result = atlas.run("discover", *args)
    assert result.returncode == 2, result.stderr
    for word in words:
        assert word in result.stderr
    assert fake.count("ncbi") == 0


def test_more_than_esearch_can_list_asks_for_a_narrower_window(atlas, fake):
    fake.ncbi_script(
        Reply(body={"header": {}, "esearchresult": {"count": "12000", "idlist": [], "webenv": "W", "querykey": "1"}}),
        tool="esearch",
    )
    result = atlas.run("discover", *WINDOW)
    assert result.returncode == 2 and "12,000 papers" in result.stderr and "narrow the window" in result.stderr


def test_the_query_comes_from_the_option_or_the_setting(atlas, fake):
    assert atlas.run("discover", *WINDOW, "--query", '"long covid"[tiab]').returncode == 0
    (atlas.root / "atlas.toml").write_text(
        '[atlas]\nmailto = "curators@example.org"\n\n[atlas.discover]\nquery = "\\"post-exertional malaise\\"[tiab]"\n',
        encoding="utf-8",
    )
    assert atlas.run("discover", *WINDOW).returncode == 0
    assert fake.searches == ['"long covid"[tiab]', '"post-exertional malaise"[tiab]']
    (atlas.root / "atlas.toml").write_text("[atlas]\n[atlas.discover]\nquerry = 'x'\n", encoding="utf-8")
    bad = atlas.run("discover", *WINDOW)
    assert bad.returncode == 2 and "[discover] takes only query" in bad.stderr


def test_exclude_writes_a_reviewed_decision_that_hides_the_paper(atlas, fake):
    fake.add_pubmed_record("41000001", doi="10.1234/out", title="Fatigue after cancer.", entrez="2026/05/10")
    fake.add_pubmed_record("41000002", title="Stays.", entrez="2026/05/10")
    result = atlas.run("discover", "--exclude", "PMID: 41000001", "--reason", "cancer-related fatigue, not ME/CFS")
    assert result.returncode == 0, result.stderr
    assert "excluded PMID 41000001 / 10.1234/out (Fatigue after cancer): cancer-related fatigue" in result.stderr
    text = (atlas.root / "screening.yaml").read_text(encoding="utf-8")
    assert '- pmid: "41000001"\n  doi: 10.1234/out\n  title: Fatigue after cancer\n' in text
    assert f'date: "{date.today().isoformat()}"' in text
    shown = atlas.run("discover", *WINDOW, "--format", "ids")
    assert shown.stdout.split() == ["41000002"] and "1 excluded in screening.yaml" in shown.stderr
    again = atlas.run("discover", "--exclude", "https://doi.org/10.1234/OUT", "--reason", "twice")
    assert again.returncode == 0 and "already excluded PMID 41000001" in again.stderr
    assert (atlas.root / "screening.yaml").read_text(encoding="utf-8") == text
    assert run_atlas("lint", root=atlas.root).returncode == 0


def test_exclude_refuses_a_record_and_needs_a_reason(atlas, fake):
    write_record(atlas.root, good())
    record = atlas.run("discover", "--exclude", "30934066", "--reason", "out")
    assert record.returncode == 2 and "is in the atlas as fluge-2019-b-lymphocyte" in record.stderr
    assert atlas.run("discover", "--exclude", "41000001").returncode == 2
    pmc = atlas.run("discover", "--exclude", "PMC123", "--reason", "out")
    assert pmc.returncode == 2 and "PMID or DOI" in pmc.stderr
    assert not (atlas.root / "screening.yaml").exists()


def test_exclude_without_pubmed_writes_the_id_given(atlas, fake):
    fake.ncbi_script(Reply(status=500, body=""))
    result = atlas.run("discover", "--exclude", "41000009", "--reason", "out of scope")
    assert result.returncode == 0, result.stderr
    assert "PubMed could not be asked" in result.stderr
    assert '- pmid: "41000009"\n  reason: out of scope\n' in (atlas.root / "screening.yaml").read_text()
