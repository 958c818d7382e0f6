"""`atlas add` against hostile or broken servers: silent, trickling, gzip bombs, oversized answers.

Every test runs the real command against the fake services on 127.0.0.1 and checks
the mechanism (how many requests the server saw, which setting the message names,
the memory the process used), never a wall-clock time.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from fake_services import Reply, closed_port_url, envelope, work
from helpers import assert_clean_failure, service_atlas

DOI = "10.1234/abcd.5678"


@pytest.fixture
def atlas(tmp_path, fake):
    return service_atlas(tmp_path, fake)


# --- connections -------------------------------------------------------------------------


def test_a_batch_reuses_its_connections(atlas, fake):
    dois = [f"10.1234/reuse.{i}" for i in range(12)]
    fake.delay = 0.05
    fake.add_works(work(d, f"Reused paper {i}") for i, d in enumerate(dois))
    for i, d in enumerate(dois[:6]):
        fake.add_pubmed(d, str(2000 + i))
    result = atlas.run("add", *dois)
    assert result.returncode == 0, result.stderr
    assert fake.count("crossref") == 12
    # habanero's requests go through one connection pool: at most one connection per
    # request in flight (3), instead of one per request.
    assert fake.connections("crossref") <= 3
    assert fake.count("ncbi") == 2 and fake.connections("ncbi") == 1


def test_the_first_request_of_a_batch_is_sent_as_habanero_sends_the_others(atlas, fake):
    # The first DOI is asked directly while habanero is imported: same User-Agent, same pool.
    dois = ["10.1234/first.1", "10.1234/first.2"]
    fake.add_works(work(d, f"Paper {d}") for d in dois)
    result = atlas.run("add", "--no-pubmed", *dois)
    assert result.returncode == 0, result.stderr
    first, second = (fake.seen("crossref", d)[0] for d in dois)
    assert first.headers["user-agent"] == second.headers["user-agent"]
    assert first.headers["x-user-agent"] == second.headers["x-user-agent"]
    assert "habanero/" in first.headers["user-agent"] and "mailto:curators@example.org" in first.headers["user-agent"]
    assert first.path == second.path.replace("first.2", "first.1")


def test_habanero_outside_a_run_still_makes_its_own_requests(fake):
    from habanero import Crossref

    from atlas_cli.services.crossref import _route_habanero

    fake.add_work(work(DOI, "Asked by habanero alone"))
    _route_habanero()  # the stand-in is in place, but no session is routed to this thread
    answer = Crossref(base_url=fake.crossref_url).works(ids=[DOI])
    assert answer["message"]["DOI"] == DOI


# --- a silent server: timeouts are retried once, then the batch stops -------------------------


def test_a_silent_server_fails_the_first_doi_after_one_retry_and_skips_the_rest(atlas, fake):
    dois = [f"10.1234/silent.{i}" for i in range(6)]
    for doi in dois:
        fake.script(doi, Reply(silent=True))
    result = atlas.run("add", "--no-pubmed", *dois, extra_env={"ATLAS_HTTP_TIMEOUT": "0.5", "ATLAS_HTTP_RETRIES": "4"})
    assert result.returncode == 3, result.stderr
    first = assert_clean_failure(result, dois[0], "no answer from Crossref within 0.5s", "after 2 attempts")
    assert "ATLAS_HTTP" not in first  # a plain timeout; the settings are in the README and --help
    # The polite pool's first three requests start at once. Each gets one attempt and at most
    # one retry (not four); with three requests in a row unanswered, the rest is not tried.
    assert fake.count("crossref", dois[0]) == 2
    assert all(1 <= fake.count("crossref", doi) <= 2 for doi in dois[1:3])
    assert fake.count("crossref") <= 5
    skipped = [line for line in result.stderr.splitlines() if "not tried" in line]
    assert len(skipped) == 3 and all(doi in "".join(skipped) for doi in dois[3:])
    assert all("not answering" in line or "no answer" in line for line in skipped)


def test_one_timeout_then_an_answer_is_a_success(atlas, fake):
    fake.script(DOI, Reply(silent=True), Reply.work(work(DOI, "Slow once")))
    result = atlas.run("add", "--no-pubmed", DOI, extra_env={"ATLAS_HTTP_TIMEOUT": "0.5"})
    assert result.returncode == 0, result.stderr
    assert fake.count("crossref") == 2


def test_dropped_connections_and_503s_still_get_every_retry(atlas, fake):
    fake.script(
        DOI,
        Reply(drop=True),
        Reply.html(503),
        Reply(drop=True),
        Reply.work(work(DOI, "Fourth time lucky")),
    )
    result = atlas.run("add", "--no-pubmed", DOI, extra_env={"ATLAS_HTTP_RETRIES": "3"})
    assert result.returncode == 0, result.stderr
    assert fake.count("crossref") == 4


# --- the deadline: a trickling server cannot hold a request ------------------------------------


def test_a_trickling_server_is_cut_off_at_the_deadline(atlas, fake):
    # The whole answer, status line and headers included, one byte every 0.2 s: about
    # 2 minutes, each byte well within the 5 s timeout.
    fake.script(DOI, Reply.work(work(DOI), trickle=0.2))
    result = atlas.run("add", "--no-pubmed", DOI, extra_env={"ATLAS_HTTP_DEADLINE": "2", "ATLAS_HTTP_TIMEOUT": "5"})
    assert result.returncode == 3, result.stderr
    assert_clean_failure(result, DOI, "not complete within 2s", "ATLAS_HTTP_DEADLINE")
    assert fake.count("crossref") == 1  # a server this slow is not asked again


def test_pubmed_has_the_same_deadline(atlas, fake):
    fake.add_work(work(DOI, "Trickled enrichment"))
    fake.ncbi_script(Reply(body={"esearchresult": {"idlist": []}}, trickle=0.2))
    result = atlas.run("add", DOI, extra_env={"ATLAS_HTTP_DEADLINE": "1.5"})
    assert result.returncode == 0, result.stderr
    warning = next(line for line in result.stderr.splitlines() if "PubMed lookup failed" in line)
    assert "not complete within 1.5s" in warning
    assert len(atlas.record_files()) == 1


# --- the size limit, decompressed size included --------------------------------------------------


# Runs a command and writes its exit status and peak memory to a file. A process forked from this
# one starts with this one's peak (Linux keeps it across exec), which a long test session makes
# large; a process forked from this small, fresh Python starts with the peak of a small process.
_MEASURE = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)
_pid, status, usage = os.wait4(process.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


def _peak_memory_mb(atlas, *args: str, extra_env: dict[str, str] | None = None) -> tuple[int, str, float]:
    """Run atlas ARGS; its exit status, standard error and peak resident memory in MB."""
    err_path = atlas.root.parent / "stderr.txt"
    measured = atlas.root.parent / "measured.txt"
    with open(err_path, "w", encoding="utf-8") as err:
        subprocess.run(
            [sys.executable, "-c", _MEASURE, str(measured), *atlas.command(*args)],
            env={**atlas.process_env(), **(extra_env or {})},
            stdout=subprocess.DEVNULL,
            stderr=err,
            check=True,
        )
    code, peak_kb = measured.read_text(encoding="utf-8").split()
    return int(code), err_path.read_text(encoding="utf-8"), int(peak_kb) / 1024


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss is in kilobytes on Linux")
def test_a_gzip_bomb_is_not_inflated(atlas, fake):
    fake.script(DOI, Reply.gzip_bomb(200_000_000))  # about 200 KB on the wire
    code, err, peak_mb = _peak_memory_mb(atlas, "add", "--no-pubmed", DOI)
    assert code == 3, err
    assert "larger than 16 MB" in err and "ATLAS_HTTP_MAX_MB" in err
    assert peak_mb < 150, f"peak memory {peak_mb:.0f} MB"  # inflated whole, it takes over 400 MB
    assert fake.count("crossref") == 1  # the same answer would come again: not retried


def test_a_small_gzip_answer_is_read(atlas, fake):
    fake.script(DOI, Reply.work(work(DOI, "Compressed paper"), gzip=True))
    result = atlas.run("add", "--no-pubmed", DOI)
    assert result.returncode == 0, result.stderr
    assert atlas.load("smith-2020-compressed-paper")["title"] == "Compressed paper"


def test_an_announced_answer_over_the_limit_is_refused(atlas, fake):
    fake.script(DOI, Reply.work(work(DOI, "x" * 1_500_000)))
    result = atlas.run("add", "--no-pubmed", DOI, extra_env={"ATLAS_HTTP_MAX_MB": "1"})
    assert result.returncode == 3, result.stderr
    assert_clean_failure(result, DOI, "larger than 1 MB", "announced")


def test_an_encoding_atlas_did_not_ask_for_is_refused(atlas, fake):
    fake.script(DOI, Reply(body=envelope(work(DOI)), headers={"Content-Encoding": "br"}))
    result = atlas.run("add", "--no-pubmed", DOI)
    assert result.returncode == 3, result.stderr
    assert_clean_failure(result, DOI, "encoding atlas did not ask for (br)")


def test_pubmed_answers_have_the_same_size_limit(atlas, fake):
    fake.add_work(work(DOI, "Bombed enrichment"))
    fake.ncbi_script(Reply.gzip_bomb(5_000_000))
    result = atlas.run("add", DOI, extra_env={"ATLAS_HTTP_MAX_MB": "1"})
    assert result.returncode == 0, result.stderr
    assert "PubMed lookup failed (PubMed's answer is larger than 1 MB" in result.stderr


# --- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variable,value",
    [
        ("ATLAS_HTTP_TIMEOUT", "nan"),
        ("ATLAS_HTTP_DEADLINE", "-1"),
        ("ATLAS_HTTP_RETRIES", "1000000"),
        ("ATLAS_HTTP_BACKOFF", "inf"),
        ("ATLAS_HTTP_MAX_MB", "0"),
    ],
)
@pytest.mark.parametrize("command", ["add", "verify"])
def test_a_bad_setting_is_a_configuration_error_naming_it(atlas, fake, variable, value, command):
    fake.add_work(work(DOI))
    if command == "verify":
        assert atlas.run("add", "--no-pubmed", DOI).returncode == 0
    result = atlas.run(command, *([DOI] if command == "add" else []), extra_env={variable: value})
    assert result.returncode == 2, result.stderr
    assert f"{variable}={value!r}" in result.stderr and "Traceback" not in result.stderr


def test_a_password_in_a_service_address_is_never_printed(tmp_path):
    atlas = service_atlas(tmp_path)
    secret_url = closed_port_url().replace("http://", "http://curator:hunter2@")
    atlas.env["ATLAS_CROSSREF_URL"] = secret_url
    atlas.env["ATLAS_NCBI_URL"] = secret_url + "/eutils"
    result = atlas.run("add", DOI, "10.1234/second")
    assert result.returncode == 3, result.stderr
    assert "cannot connect" in result.stderr
    bad = atlas.run("add", DOI, extra_env={"ATLAS_CROSSREF_URL": "http://curator:hunter2@[::1"})
    assert bad.returncode == 2 and "ATLAS_CROSSREF_URL" in bad.stderr and "***@" in bad.stderr
    for run in (result, bad):
        assert "hunter2" not in run.stderr + run.stdout
        assert "curator:" not in run.stderr + run.stdout


def test_masking_helpers():
    from atlas_cli.services.http import host_of, mask_url, redact

    assert mask_url("https://user:secret@api.example.org/x") == "https://***@api.example.org/x"
    assert mask_url("https://api.example.org/x") == "https://api.example.org/x"
    assert redact("failed for url 'https://u:p@h/works/1' and http://t@h2") == (
        "failed for url 'https://***@h/works/1' and http://***@h2"
    )
    assert host_of("https://u:p@api.example.org:8443/x") == "api.example.org:8443"
