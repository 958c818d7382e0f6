"""`atlas lint --criteria`: records whose criteria disagree with their paper's stored text.

Offline: the texts are those `atlas add` keeps in the cache (written here with
services.cache, as add writes them); no server is asked.
"""

from __future__ import annotations

import json

import pytest
from helpers import new_atlas, run_atlas, with_pem

from atlas_cli.services.cache import Cache

CCC_TEXT = "Fifty patients who met the Canadian Consensus Criteria and 40 controls underwent CPET."
FUKUDA_TEXT = "Forty patients fulfilling the Fukuda criteria were recruited."
SUBSET_TEXT = (
    "We recruited 120 adults with long COVID, including 26 who also met the Canadian Consensus Criteria. "
    "Symptoms were recorded for a year."
)


def record(slug: str, doi: str, **pem) -> dict:
    data = with_pem(**pem)
    data.update(slug=slug, doi=doi, pmid=None)
    data.pop("pmid")
    data["title"] = f"Study {slug}"
    return data


@pytest.fixture
def setup(tmp_path):
    cache = tmp_path / "cache"
    records = [
        record("agree-2019-a", "10.1234/agree"),  # CCC, required: what its text says
        record(
            "fukuda-2019-b",
            "10.1234/fukuda",
            badge="not-required",
            criteria=["fukuda-1994"],
            rationale="Participants met the Fukuda criteria.",
            source="Methods",
        ),
        record("subset-2019-c", "10.1234/subset", rationale="Some met the CCC."),
        record("notext-2019-d", "10.1234/notext"),
        record("silent-2019-e", "10.1234/silent", badge="not-required", criteria=["fukuda-1994"], rationale="x"),
    ]
    root = new_atlas(tmp_path / "atlas", records)
    store = Cache(cache)
    store.write_text("10.1234/agree", abstract=CCC_TEXT, source="abstract: pubmed")
    store.write_text("10.1234/fukuda", abstract="Patients underwent CPET.", methods=CCC_TEXT, source="x")
    store.write_text("10.1234/subset", abstract=SUBSET_TEXT, source="abstract: crossref")
    store.write_text("10.1234/silent", abstract="We measured fatigue in adults.", source="abstract: pubmed")
    return root, cache


def test_off_by_default(setup):
    root, cache = setup
    result = run_atlas("lint", "--format", "json", cwd=root, cache=cache)
    assert "pem-stored-text" not in result.stdout and "--criteria read" not in result.stderr


def test_criteria_that_disagree_with_the_stored_text_are_reported_with_both_quotes(setup):
    root, cache = setup
    result = run_atlas("lint", "--criteria", "--format", "json", cwd=root, cache=cache)
    assert result.returncode == 0, result.stdout + result.stderr  # warnings
    found = {p["path"].rsplit("/", 1)[1]: p for p in json.loads(result.stdout) if p["rule"] == "pem-stored-text"}
    assert set(found) == {"fukuda-2019-b.yaml", "subset-2019-c.yaml"}

    fukuda = found["fukuda-2019-b.yaml"]
    assert fukuda["severity"] == "warning"
    assert fukuda["message"].startswith("the recorded criteria (fukuda-1994; badge `not-required`) disagree")
    assert "participants met ccc-2003, which pem.criteria lacks" in fukuda["message"]
    assert "(atlas criteria: ccc-2003; badge `required`)" in fukuda["message"]
    assert f'the methods says "{CCC_TEXT}"' in fukuda["hint"]
    assert 'the record says "Participants met the Fukuda criteria."' in fukuda["hint"]
    assert "(pem.source: Methods)" in fukuda["hint"]
    lines = (root / "records" / "fukuda-2019-b.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[fukuda["line"] - 1] == "  criteria:"

    subset = found["subset-2019-c.yaml"]
    assert "it only mentions ccc-2003 (subset)" in subset["message"]
    assert "including 26 who also met the Canadian Consensus Criteria" in subset["hint"]
    assert "--criteria read the stored text of 4 records of 5" in result.stderr


def test_a_disable_comment_keeps_a_curators_reading(setup):
    root, cache = setup
    path = root / "records" / "fukuda-2019-b.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "  criteria:\n", "  criteria:  # atlas: disable=pem-stored-text  the full paper says Fukuda\n", 1
    )
    path.write_text(text, encoding="utf-8")
    result = run_atlas("lint", "--criteria", "--format", "json", cwd=root, cache=cache)
    paths = [p["path"] for p in json.loads(result.stdout) if p["rule"] == "pem-stored-text"]
    assert paths and not [p for p in paths if p.endswith("fukuda-2019-b.yaml")]


def test_strict_fails_on_it_and_ignore_silences_it(setup):
    root, cache = setup
    strict = run_atlas("lint", "--criteria", "--strict", cwd=root, cache=cache)
    assert strict.returncode == 1 and "pem-stored-text" in strict.stdout
    (root / "atlas.toml").write_text(
        '[atlas]\nsite_url = "https://www.mecfsatlas.com"\n\n[atlas.lint]\nignore = ["pem-stored-text"]\n',
        encoding="utf-8",
    )
    ignored = run_atlas("lint", "--criteria", "--strict", cwd=root, cache=cache)
    assert ignored.returncode == 0 and "pem-stored-text" not in ignored.stdout


def test_an_empty_cache_checks_nothing_and_says_so(tmp_path):
    root = new_atlas(tmp_path / "atlas", [record("agree-2019-a", "10.1234/agree")])
    result = run_atlas("lint", "--criteria", cwd=root, cache=tmp_path / "nothing")
    assert result.returncode == 0
    assert "--criteria read the stored text of 0 records of 1" in result.stderr


def test_many_records_are_checked_in_workers_with_the_same_result(tmp_path):
    cache = tmp_path / "cache"
    store = Cache(cache)
    records = []
    for i in range(450):  # enough for worker processes
        doi = f"10.1234/many.{i}"
        wrong = i % 50 == 0
        records.append(
            record(
                f"many-2019-{i}",
                doi,
                **({"badge": "not-required", "criteria": ["fukuda-1994"], "rationale": "Fukuda."} if wrong else {}),
            )
        )
        store.write_text(doi, abstract=CCC_TEXT if i % 2 else FUKUDA_TEXT.replace("Forty", "All"), source="x")
    root = new_atlas(tmp_path / "atlas", records)
    result = run_atlas("lint", "--criteria", "--format", "json", "--jobs", "2", cwd=root, cache=cache)
    flagged = sorted(p["path"].rsplit("/", 1)[1] for p in json.loads(result.stdout) if p["rule"] == "pem-stored-text")
    # odd ones read CCC, as their records say; even ones read Fukuda, which only the every-50th record says
    assert flagged == sorted(f"many-2019-{i}.yaml" for i in range(450) if i % 2 == 0 and i % 50 != 0)
