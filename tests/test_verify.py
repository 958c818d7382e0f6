"""`atlas verify` against a local fake Crossref: findings, --apply, network faults."""

from __future__ import annotations

import json

import pytest
from fake_services import Reply, closed_port_url, work
from helpers import new_atlas, record, run_in

from atlas_cli.curate.verify import ACTION, NOTE, compare, similarity

DOI = "10.1016/j.neucli.2017.02.002"
SLUG = "mensah-2017-chronic-fatigue"
FAST = {"ATLAS_HTTP_TIMEOUT": "1", "ATLAS_HTTP_RETRIES": "1", "ATLAS_HTTP_BACKOFF": "0.01", "ATLAS_HTTP_MAX_WAIT": "1"}


def mensah_work(**extra):
    message = work(
        DOI,
        "Chronic fatigue syndrome and the immune system: Where are we now?",
        family="Mensah",
        year=2017,
        **{"container-title": ["Neurophysiologie Clinique"]},
    )
    message.update(extra)
    return message


def verify(root, fake, *args, env=None):
    return run_in(root, "verify", *args, env={**fake.env(), **FAST, **(env or {})})


# --- compare (pure) --------------------------------------------------------------------------


def test_matching_record_has_no_findings():
    findings, changes = compare(record(), mensah_work())
    assert findings == [] and changes == {}


def test_journal_named_differently_by_pubmed_is_not_a_finding():
    # PubMed's "X = Y" form against Crossref's "X", in other case
    findings, _ = compare(record(journal="Neurophysiologie clinique = Clinical neurophysiology"), mensah_work())
    assert findings == []


def test_new_retraction_is_found_and_flagged():
    retracted = mensah_work(
        **{
            "updated-by": [
                {
                    "type": "retraction",
                    "DOI": "10.1016/j.neucli.2020.09.001",
                    "source": "publisher",
                    "updated": {"date-parts": [[2020, 9, 1]]},
                }
            ]
        }
    )
    findings, changes = compare(record(), retracted)
    assert [(f.kind, f.severity) for f in findings] == [("retracted", ACTION)]
    assert "retraction notice 10.1016/j.neucli.2020.09.001 dated 2020-09-01" in findings[0].message
    assert changes["flags"] == ["retracted"]
    assert changes["updates"] == [
        {"type": "retraction", "doi": "10.1016/j.neucli.2020.09.001", "date": "2020-09-01", "source": "publisher"}
    ]
    # once recorded, the same notice is not new any more
    again, _ = compare(record(flags=["retracted"], updates=changes["updates"]), retracted)
    assert again == []


@pytest.mark.parametrize(
    "crossref_type, flag",
    [
        ("expression_of_concern", "expression-of-concern"),
        ("Correction", "corrected"),
        ("withdrawal", "withdrawn"),
    ],
)
def test_other_notices(crossref_type, flag):
    findings, changes = compare(record(), mensah_work(**{"updated-by": [{"type": crossref_type, "DOI": "10.1/x.1"}]}))
    assert findings[0].kind == flag
    assert flag in changes["flags"]


def test_retracted_title_prefix_is_a_finding():
    findings, changes = compare(
        record(), mensah_work(title=["RETRACTED: Chronic fatigue syndrome and the immune system: Where are we now?"])
    )
    kinds = [f.kind for f in findings]
    assert "retracted" in kinds
    assert "retracted" in changes["flags"]


def test_wrong_doi_stands_out_with_a_low_score_and_nothing_bibliographic_is_proposed():
    other = work(
        DOI,
        "Gut microbiota composition in inflammatory bowel disease",
        family="Nguyen",
        year=2009,
        **{"container-title": ["Gut"]},
    )
    findings, changes = compare(record(), other)
    wrong = next(f for f in findings if f.kind == "wrong-paper")
    assert wrong.score is not None and wrong.score < 0.5
    assert {"year", "journal", "first-author"} <= {f.kind for f in findings}
    assert set(changes) <= {"flags", "updates"}


def test_small_title_change_is_proposed_with_its_score():
    findings, changes = compare(
        record(), mensah_work(title=["Chronic fatigue syndrome and the immune system: where are we today?"])
    )
    title = next(f for f in findings if f.kind == "title")
    assert 0.8 < title.score < 1.0
    assert changes["title"].endswith("where are we today?")


def test_year_off_by_one_is_a_note_and_a_bigger_gap_an_action():
    findings, changes = compare(record(), mensah_work(issued={"date-parts": [[2016]]}))
    assert [(f.kind, f.severity) for f in findings] == [("year", NOTE)]
    assert "year" not in changes
    findings, changes = compare(record(), mensah_work(issued={"date-parts": [[2012]]}))
    assert [(f.kind, f.severity) for f in findings] == [("year", ACTION)]
    assert changes["year"] == 2012


def test_similarity():
    assert similarity("Where are we now?", "where are we NOW") == 1.0
    assert similarity("<i>In vitro</i> study", "In vitro study") == 1.0
    assert similarity("abc", None) == 0.0
    assert 0 < similarity("Chronic fatigue", "Chronic fatigue syndrome") < 1


# --- through the command line ----------------------------------------------------------------


def test_clean_atlas_exits_0_and_asks_crossref_afresh_every_time(tmp_path, fake):
    fake.add_work(mensah_work())
    root = new_atlas(tmp_path / "atlas", [record()])
    first = verify(root, fake, "-v")
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"{SLUG}: ok" in first.stdout
    second = verify(root, fake)
    assert second.returncode == 0
    assert fake.count("crossref", f"/works/{DOI}") == 2  # never answered from the cache
    cached = list((tmp_path / ".cache" / "crossref").glob("*.json"))
    assert len(cached) == 1 and json.loads(cached[0].read_text())["response"]["message"]["DOI"] == DOI


def test_new_retraction_exits_1_and_leaves_the_record_alone(tmp_path, fake):
    fake.add_work(mensah_work(**{"updated-by": [{"type": "retraction", "DOI": "10.1016/j.neucli.2020.09.001"}]}))
    root = new_atlas(tmp_path / "atlas", [record()])
    path = root / "records" / f"{SLUG}.yaml"
    before = path.read_bytes()
    result = verify(root, fake)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "! Crossref lists a new retraction notice 10.1016/j.neucli.2020.09.001" in result.stdout
    assert "--apply would update: flags, updates" in result.stdout
    assert path.read_bytes() == before


def test_apply_changes_only_bibliographic_fields_and_flags_and_shows_the_diff(tmp_path, fake):
    fake.add_work(
        mensah_work(
            title=["Chronic fatigue syndrome and the immune system: where are we today?"],
            **{"updated-by": [{"type": "correction", "DOI": "10.1016/j.neucli.2018.01.001"}]},
        )
    )
    original = record(pem={"badge": "not-applicable", "rationale": "A review."})
    root = new_atlas(tmp_path / "atlas", [original])
    result = verify(root, fake, SLUG, "--apply")
    assert result.returncode == 0, result.stdout + result.stderr  # everything it found was applied
    assert "applied:" in result.stdout
    assert (
        "+title: 'Chronic fatigue syndrome and the immune system: where are we today?'" in result.stdout
        or '+title: "Chronic fatigue syndrome and the immune system: where are we today?"' in result.stdout
    )
    from atlas_cli.core.records import read_document

    data = read_document(root / "records" / f"{SLUG}.yaml").data
    assert data["title"].endswith("where are we today?")
    assert data["flags"] == ["corrected"]
    assert data["updates"] == [{"type": "correction", "doi": "10.1016/j.neucli.2018.01.001"}]
    for key in ("summary", "why_it_matters", "does_not_show", "pem", "slug", "status", "topics"):
        assert data[key] == original[key], key
    # applied: a second run finds nothing left to do
    assert verify(root, fake, SLUG).returncode == 0


def test_apply_refuses_when_the_doi_names_another_paper(tmp_path, fake):
    fake.add_work(work(DOI, "Gut microbiota composition in inflammatory bowel disease", family="Nguyen", year=2009))
    root = new_atlas(tmp_path / "atlas", [record()])
    path = root / "records" / f"{SLUG}.yaml"
    before = path.read_bytes()
    result = verify(root, fake, "--apply")
    assert result.returncode == 1
    assert "probably belongs to another paper" in result.stdout
    assert "Crossref: Gut microbiota composition" in result.stdout
    assert path.read_bytes() == before


def test_doi_that_no_longer_resolves(tmp_path, fake):
    root = new_atlas(tmp_path / "atlas", [record()])
    result = verify(root, fake)
    assert result.returncode == 1
    assert "the DOI no longer resolves in Crossref" in result.stdout


def test_doi_now_an_alias(tmp_path, fake):
    new_doi = "10.1016/j.neucli.2017.02.999"
    fake.alias(DOI, new_doi)
    fake.add_work(
        work(
            new_doi,
            "Chronic fatigue syndrome and the immune system: Where are we now?",
            family="Mensah",
            year=2017,
            **{"container-title": ["Neurophysiologie Clinique"]},
        )
    )
    root = new_atlas(tmp_path / "atlas", [record()])
    assert verify(root, fake).returncode == 1
    result = verify(root, fake, "--apply")
    assert result.returncode == 0, result.stdout + result.stderr  # applied: the record now names the DOI
    assert f"Crossref answers {DOI} with {new_doi}" in result.stdout
    from atlas_cli.core.records import read_document

    data = read_document(root / "records" / f"{SLUG}.yaml").data
    assert data["doi"] == new_doi and data["doi_aliases"] == [DOI] and "doi-alias" in data["flags"]


def test_json_format_and_records_without_doi_or_pmid_are_skipped(tmp_path, fake):
    fake.add_work(mensah_work())
    root = new_atlas(tmp_path / "atlas", [record(), record(slug="nodoi-2020-paper", doi=None, pmid=None)])
    result = verify(root, fake, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    by_slug = {r["slug"]: r for r in data["records"]}
    assert by_slug["nodoi-2020-paper"]["error_kind"] == "no-doi"
    assert by_slug["nodoi-2020-paper"]["service"] is None
    assert by_slug[SLUG]["findings"] == [] and by_slug[SLUG]["service"] == "crossref"
    assert fake.count("ncbi") == 0  # a record with a DOI is asked of Crossref only
    assert data["exit_code"] == 0


def test_unknown_slug_exits_1_with_suggestion(tmp_path, fake):
    root = new_atlas(tmp_path / "atlas", [record()])
    result = verify(root, fake, "mensah-2017-chronic")
    assert result.returncode == 1
    assert "did you mean" in result.stderr
    assert fake.count("crossref") == 0


@pytest.mark.parametrize(
    "reply, words",
    [
        (Reply(status=429, body={"status": "error", "message": "slow down"}), "too many requests (429)"),
        (Reply(status=503, body="busy", content_type="text/plain"), "HTTP 503"),
        (Reply.html(status=502, title="502 Bad Gateway"), "HTTP 502"),
        (Reply.html(status=200, title="Maintenance"), "HTML page"),
        (
            Reply(body=b'{"status": "ok", "message-type": "work", "message": {"DOI": "10.1016/j.ne', truncate=None),
            "not valid JSON",
        ),
        (
            Reply(
                body={"status": "ok", "message-type": "work", "message": {"DOI": DOI, "title": ["x" * 50]}}, truncate=40
            ),
            "not valid JSON",
        ),
        (Reply(drop=True), "connection"),
        (Reply(delay=3), "timeout"),
    ],
)
def test_network_faults_exit_3_without_traceback(tmp_path, fake, reply, words):
    fake.script(DOI, reply)
    root = new_atlas(tmp_path / "atlas", [record()])
    path = root / "records" / f"{SLUG}.yaml"
    before = path.read_bytes()
    result = verify(root, fake, "--apply")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "could not verify" in result.stdout
    assert words in result.stdout
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == before
    assert not (tmp_path / ".cache" / "crossref").exists() or not list((tmp_path / ".cache" / "crossref").iterdir())


def test_a_fault_then_success_is_retried(tmp_path, fake):
    fake.script(DOI, Reply(status=503, body="busy", content_type="text/plain"), Reply.work(mensah_work()))
    root = new_atlas(tmp_path / "atlas", [record()])
    result = verify(root, fake)
    assert result.returncode == 0, result.stdout
    assert fake.count("crossref", f"/works/{DOI}") == 2


def test_connection_refused_exits_3(tmp_path):
    root = new_atlas(tmp_path / "atlas", [record()])
    result = run_in(root, "verify", env={**FAST, "ATLAS_CROSSREF_URL": closed_port_url()})
    assert result.returncode == 3, result.stdout + result.stderr
    assert "connection refused" in result.stdout
    assert "Traceback" not in result.stderr


def test_findings_win_over_network_failures_in_the_exit_code(tmp_path, fake):
    fake.add_work(mensah_work(**{"updated-by": [{"type": "retraction", "DOI": "10.1/r.1"}]}))
    other = record(slug="other-2020-paper", doi="10.1000/other.1")
    fake.script("10.1000/other.1", Reply(status=500, body="oops", content_type="text/plain"))
    root = new_atlas(tmp_path / "atlas", [record(), other])
    result = verify(root, fake)
    assert result.returncode == 1
    assert "other-2020-paper: could not verify" in result.stdout
    assert "2 records: 0 ok, 1 with findings, 1 could not be verified, 0 skipped" in result.stdout


HAND_WRITTEN = """\
# Curator notes: checked against the PDF on 2026-05-01.
slug: mensah-2017-chronic-fatigue
status: published
title: "Chronic fatigue syndrome and the immune system: Where are we now?"  # as printed
authors:
  - family: Mensah
    given: Fane Kojo Fosu
  - {family: Bansal, given: Amolak Singh}
journal: Neurophysiologie clinique = Clinical neurophysiology
year: 2017   # print year
doi: 10.1016/j.neucli.2017.02.002
pmid: "28410877"
publication_type: journal-article
peer_reviewed: true
design: narrative-review
evidence_level: E3

# --- curated ---
pem:
  badge: not-applicable
  rationale: "A review: it has no participants of its own."
summary: >-
  This review examines what is known about immune changes in ME/CFS.
why_it_matters: Understanding immune mechanisms may lead to targeted treatments.
does_not_show: It does not prove that immune dysfunction is the sole cause of ME/CFS.
topics: [immune-dysfunction]  # more to come
snapshot_date: "2026-05-30"
added: "2026-05-01"
"""


def test_apply_edits_only_the_changed_values_and_keeps_comments_and_layout(tmp_path, fake):
    fake.add_work(
        mensah_work(
            title=["Chronic fatigue syndrome and the immune system: where are we today?"],
            **{
                "issued": {"date-parts": [[2019, 1, 1]]},
                "updated-by": [{"type": "correction", "DOI": "10.1016/j.neucli.2018.01.001"}],
            },
        )
    )
    root = new_atlas(tmp_path / "atlas", [record()])
    path = root / "records" / f"{SLUG}.yaml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    result = verify(root, fake, SLUG, "--apply")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "applied:" in result.stdout
    text = path.read_text(encoding="utf-8")
    from atlas_cli.core.yamlio import parse_text

    data = parse_text(text).data
    assert data["title"] == "Chronic fatigue syndrome and the immune system: where are we today?"
    assert data["year"] == 2019
    assert data["flags"] == ["corrected"]
    assert data["updates"] == [{"type": "correction", "doi": "10.1016/j.neucli.2018.01.001"}]
    # everything else, comments and hand layout included, is as it was
    for kept in (
        "# Curator notes: checked against the PDF on 2026-05-01.\n",
        "  # as printed\n",
        "year: 2019   # print year\n",
        "  - {family: Bansal, given: Amolak Singh}\n",
        "\n# --- curated ---\npem:\n",
        "summary: >-\n",
        "topics: [immune-dysfunction]  # more to come\n",
    ):
        assert kept in text, kept
    changed = [
        line
        for line in result.stdout.splitlines()
        if line.startswith(("    +", "    -")) and not line.startswith(("    +++", "    ---"))
    ]
    assert len([line for line in changed if line.startswith("    -")]) == 2, changed  # title, year
    # the record still reads clean, and a second run finds nothing left to do
    assert verify(root, fake, SLUG).returncode == 0


def test_set_top_level_replaces_lists_inserts_new_keys_in_page_order_and_keeps_crlf():
    from atlas_cli.core.yamledit import set_top_level
    from atlas_cli.core.yamlio import parse_text

    text = HAND_WRITTEN.replace("\n", "\r\n")
    data = parse_text(text).data
    changes = {
        "authors": [{"family": "Nguyen", "given": "An"}],
        "pages": "e123",
        "doi": "10.1016/j.neucli.2017.99",
        "doi_aliases": [DOI],
        "flags": ["doi-alias"],
    }
    edited = set_top_level(text, data, changes)
    assert edited is not None
    assert parse_text(edited).data == {**data, **changes}
    assert "\n" not in edited.replace("\r\n", "")  # line endings kept
    assert "year: 2017   # print year\r\npages: e123\r\ndoi: 10.1016/j.neucli.2017.99\r\ndoi_aliases:\r\n" in edited
    assert "{family: Bansal" not in edited and "# Curator notes" in edited and "# more to come" in edited


def test_set_top_level_declines_what_it_cannot_do_safely():
    from atlas_cli.core.yamledit import set_top_level
    from atlas_cli.core.yamlio import parse_text

    flow = "{slug: a-2020-b, title: Old title, year: 2020}\n"
    assert set_top_level(flow, parse_text(flow).data, {"title": "New title"}) is None
    assert set_top_level("\ufeff" + HAND_WRITTEN, parse_text(HAND_WRITTEN).data, {"year": 2019}) is None


def test_a_doi_written_as_a_web_address_is_asked_as_the_doi_and_apply_normalises_it(tmp_path, fake):
    fake.add_work(mensah_work())
    root = new_atlas(tmp_path / "atlas", [record(doi=f"https://doi.org/{DOI.upper()}")])
    result = verify(root, fake)
    assert [s.path for s in fake.seen("crossref")] == [f"/crossref/works/{DOI.upper()}"]
    assert "no longer resolves" not in result.stdout
    assert f"the DOI is {DOI.upper()}" in result.stdout
    assert result.returncode == 0, result.stdout  # worth a note; lint reports the form too
    result = verify(root, fake, "--apply")
    from atlas_cli.core.records import read_document

    assert read_document(root / "records" / f"{SLUG}.yaml").data["doi"] == DOI.upper()


def test_a_doi_field_that_is_not_a_doi_is_reported_without_asking_crossref(tmp_path, fake):
    root = new_atlas(tmp_path / "atlas", [record(doi="n/a")])
    result = verify(root, fake)
    assert result.returncode == 1, result.stdout
    assert fake.count("crossref") == 0
    assert "is not a DOI" in result.stdout and "no longer resolves" not in result.stdout


def test_a_retraction_made_in_place_is_found():
    findings, changes = compare(record(), mensah_work(**{"update-to": [{"type": "retraction", "DOI": DOI.upper()}]}))
    assert [(f.kind, f.severity) for f in findings] == [("retracted", ACTION)]
    assert changes["flags"] == ["retracted"] and changes["updates"] == [{"type": "retraction", "doi": DOI.upper()}]


def test_apply_never_touches_the_pem_block_or_its_proposal(tmp_path, fake):
    fake.add_work(mensah_work(title=["Chronic fatigue syndrome and the immune system: where are we today?"]))
    proposed = {
        "by": "atlas-criteria v1",
        "badge": "not-applicable",
        "criteria": [],
        "design": "narrative-review",
        "quotes": [{"text": "This narrative review summarises the evidence.", "source": "abstract"}],
        "confirmed": False,
    }
    # the curator's badge differs from the proposal: --apply must leave both as they are
    original = record(pem={"badge": "unclear", "rationale": "Not read yet.", "proposed": proposed}, design=None)
    root = new_atlas(tmp_path / "atlas", [original])
    result = verify(root, fake, SLUG, "--apply")
    assert "applied:" in result.stdout, result.stdout + result.stderr
    from atlas_cli.core.records import read_document

    data = read_document(root / "records" / f"{SLUG}.yaml").data
    assert data["title"].endswith("where are we today?")
    assert data["pem"] == original["pem"] and "design" not in data


def test_apply_exits_1_while_something_found_is_left_to_a_person(tmp_path, fake):
    """One record applied, another whose DOI names another paper: still 1, for the one left."""
    fake.add_work(mensah_work(title=["Chronic fatigue syndrome and the immune system: where are we today?"]))
    other = "10.1016/j.other.2019.01.001"
    fake.add_work(work(other, "Gut microbiota composition in inflammatory bowel disease", family="Nguyen", year=2009))
    root = new_atlas(tmp_path / "atlas", [record(), record(slug="other-2019-paper", doi=other, pmid="1")])
    result = verify(root, fake, "--apply", "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    verdicts = {v["slug"]: v for v in json.loads(result.stdout)["records"]}
    assert verdicts[SLUG]["applied"] and not verdicts["other-2019-paper"]["applied"]
    # the mended record alone: nothing left, exit 0
    assert verify(root, fake, SLUG, "--apply").returncode == 0
