"""`atlas add` reads the paper's own words and proposes the PEM badge in the draft.

Against a local PubMed/PMC-shaped server (fake_services.py): abstracts by efetch
(db=pubmed) and methods sections by efetch (db=pmc), batched for the whole run;
Crossref's abstract when PubMed has none; the texts kept in the cache so
`atlas criteria SLUG` and `--offline` need no network; the proposal in the draft's
`pem` block (pem.proposed), consistent with `atlas lint`; and the curator's path
from draft to published: lint warns until the proposal is confirmed.
"""

from __future__ import annotations

import json

import pytest
from fake_services import Reply, closed_port_url, work
from helpers import Atlas, record, service_atlas, write_record

from atlas_cli.services.cache import Cache


@pytest.fixture
def atlas(tmp_path, fake):
    return service_atlas(tmp_path, fake)


def paper(fake, doi, pmid, title, *, family, year=2019, abstract=None, methods=None, crossref_abstract=None):
    """A paper Crossref and PubMed know; METHODS puts its full text in PMC."""
    extra = {"abstract": crossref_abstract} if crossref_abstract else {}
    fake.add_work(work(doi, title, family=family, year=year, **extra))
    pmcid = f"PMC{pmid}" if methods is not None else None
    if pmid:
        fake.add_pubmed_record(pmid, doi=doi, abstract=abstract, pmcid=pmcid, pubdate=f"{year} May 2")
    if methods is not None:
        fake.add_pmc_article(pmcid, methods, pmid=pmid)


def ames_paper(fake, **texts):
    """The paper most tests here add (10.1234/ccc, PMID 32000, by Ames, 2019), with TEXTS (`paper`'s)."""
    paper(fake, "10.1234/ccc", "32000", "Exercise and fatigue in ME/CFS", family="Ames", **texts)


CCC_METHODS = [
    ("intro", "Introduction", "Definitions such as the Fukuda criteria have been debated."),
    (
        "methods",
        "Methods",
        [
            (
                "subjects",
                "Participants",
                ["All patients met the Canadian Consensus Criteria.", "Controls were healthy."],
            ),
            (None, "Statistical analysis", "We used R."),
        ],
    ),
]


def test_one_batch_reads_abstracts_and_methods_in_a_few_requests_and_proposes_each_badge(atlas, fake):
    for i in range(8):  # abstracts that name no definition
        paper(
            fake,
            f"10.1234/plain.{i}",
            str(31000 + i),
            f"Plain paper number {i}",
            family=f"Plain{i}",
            abstract="We measured fatigue in adults.",
        )
    ames_paper(
        fake,
        abstract=[
            ("BACKGROUND", "Definitions such as the Fukuda criteria are debated."),
            ("METHODS", "Fifty patients underwent CPET."),
        ],
        methods=CCC_METHODS,
    )
    paper(
        fake,
        "10.1234/fukuda",
        "32001",
        "Immune markers in CFS",
        family="Bell",
        abstract="Forty patients fulfilling the Fukuda criteria were recruited.",
    )
    paper(
        fake,
        "10.1234/any",
        "32002",
        "Either definition will do",
        family="Cole",
        abstract="Patients met the Fukuda criteria or the Canadian Consensus Criteria.",
        methods=[],
    )
    paper(
        fake,
        "10.1234/crossref",
        None,
        "A paper PubMed does not have",
        family="Dunn",
        crossref_abstract="<jats:p>All 30 participants met the International Consensus Criteria (ICC).</jats:p>",
    )
    paper(fake, "10.1234/letter", "32004", "A letter without an abstract", family="Eyre")
    dois = [f"10.1234/plain.{i}" for i in range(8)] + [
        "10.1234/ccc",
        "10.1234/fukuda",
        "10.1234/any",
        "10.1234/crossref",
        "10.1234/letter",
    ]
    result = atlas.run("add", *dois)
    assert result.returncode == 0, result.stderr

    # Batched: the lookup (esearch, esummary), one efetch of the abstracts, one of PMC's full texts.
    tools = [(s.path.rsplit("/", 1)[1], s.form.get("db", [""])[0]) for s in fake.seen("ncbi")]
    assert sorted(tools) == sorted(
        [("esearch.fcgi", "pubmed"), ("esummary.fcgi", "pubmed"), ("efetch.fcgi", "pubmed"), ("efetch.fcgi", "pmc")]
    )
    [abstracts] = fake.seen("ncbi", "efetch.fcgi")[:1]
    asked = sorted(abstracts.form["id"][0].split(","))
    assert asked == sorted([str(31000 + i) for i in range(8)] + ["32000", "32001", "32002"])  # the letter has none
    [fulltexts] = [s for s in fake.seen("ncbi", "efetch") if s.form["db"] == ["pmc"]]
    assert sorted(fulltexts.form["id"][0].split(",")) == ["32000", "32002"]

    ames = atlas.load("ames-2019-exercise-fatigue")
    assert ames["pem"]["badge"] == "required" and ames["pem"]["criteria"] == ["ccc-2003"]
    proposed = ames["pem"]["proposed"]
    assert proposed["by"] == "atlas-criteria v1" and proposed["confirmed"] is False
    assert proposed["badge"] == "required" and proposed["mentioned"] == ["fukuda-1994"]
    assert proposed["quotes"] == [
        {
            "text": "Participants: All patients met the Canadian Consensus Criteria.",
            "source": "methods",
            "supports": ["ccc-2003"],
        }
    ]
    assert "proposed PEM required from the abstract and methods" in result.stderr

    bell = atlas.load("bell-2019-immune-markers")
    assert (bell["pem"]["badge"], bell["pem"]["criteria"]) == ("not-required", ["fukuda-1994"])
    assert bell["pem"]["proposed"]["quotes"][0]["source"] == "abstract"
    cole = atlas.load("cole-2019-either-definition")
    assert cole["pem"]["badge"] == "not-required" and cole["pem"]["combine"] == "any"
    assert sorted(cole["pem"]["criteria"]) == ["ccc-2003", "fukuda-1994"]
    dunn = atlas.load("dunn-2019-paper-pubmed")  # Crossref's abstract: PubMed has no record
    assert (dunn["pem"]["badge"], dunn["pem"]["criteria"]) == ("required", ["icc-2011"])
    plain = atlas.load("plain0-2019-plain-paper")
    assert plain["pem"] == {"badge": "unclear", "criteria": [], "rationale": plain["pem"]["rationale"]}
    assert "proposed" not in plain["pem"] and "names no inclusion criteria" in result.stderr
    assert "proposed" not in atlas.load("eyre-2019-letter-without")["pem"]

    # What was read is kept, with where each part came from.
    stored = Cache(atlas.cache).read_text("10.1234/ccc")
    assert stored["source"] == "abstract: pubmed, methods: pmc" and stored["pmcid"] == "PMC32000"
    assert stored["abstract"].startswith("BACKGROUND: Definitions such as the Fukuda criteria are debated.\nMETHODS:")
    assert Cache(atlas.cache).read_text("10.1234/crossref")["source"] == "abstract: crossref"
    assert Cache(atlas.cache).read_text("10.1234/letter") is None

    # The drafts pass atlas lint: the proposal never contradicts the PEM rules.
    linted = atlas.run("lint", "--format", "json")
    assert linted.returncode == 0, linted.stdout
    rules = {p["rule"] for p in json.loads(linted.stdout)}
    assert not {r for r in rules if r.startswith("pem-") or r == "schema"}, rules


def test_the_stored_text_serves_atlas_criteria_and_offline_runs(atlas, fake, tmp_path):
    ames_paper(
        fake,
        abstract="Fifty patients underwent CPET.",
        methods=CCC_METHODS,
    )
    assert atlas.run("add", "10.1234/ccc").returncode == 0
    offline_env = {"ATLAS_CROSSREF_URL": closed_port_url(), "ATLAS_NCBI_URL": closed_port_url()}
    read = atlas.run("criteria", "ames-2019-exercise-fatigue", "-f", "json", extra_env=offline_env)
    assert read.returncode == 0, read.stderr
    data = json.loads(read.stdout)
    assert data["criteria"] == ["ccc-2003"] and [s[0] for s in data["sections"]] == ["abstract", "methods"]

    # Another atlas, the same cache: --offline drafts the same proposal without a request.
    fake.reset_stats()
    other = Atlas(service_atlas(tmp_path / "other", fake).root, atlas.cache, atlas.env)
    again = other.run("add", "--offline", "10.1234/ccc")
    assert again.returncode == 0, again.stderr
    assert fake.count() == 0
    assert other.load("ames-2019-exercise-fatigue")["pem"] == atlas.load("ames-2019-exercise-fatigue")["pem"]
    # --refresh asks again (the lookup and both texts).
    third = Atlas(service_atlas(tmp_path / "third", fake).root, atlas.cache, atlas.env)
    assert third.run("add", "--refresh", "10.1234/ccc").returncode == 0
    assert fake.count("ncbi", "efetch") == 2


def test_a_paper_without_a_doi_keeps_its_text_under_its_pmid(atlas, fake):
    fake.add_pubmed_record(
        "2000123",
        title="Chronic fatigue syndrome in general practice.",
        authors=["Hand AB"],
        pubdate="1996 Jan",
        abstract="Patients who met the Oxford criteria were interviewed.",
    )
    result = atlas.run("add", "PMID: 2000123")
    assert result.returncode == 0, result.stderr
    [path] = atlas.record_files()
    draft = atlas.load(path.stem)
    assert (draft["pem"]["badge"], draft["pem"]["criteria"]) == ("not-required", ["oxford-1991"])
    assert Cache(atlas.cache).read_text(None, "2000123")["abstract"].startswith("Patients who met the Oxford")
    read = atlas.run("criteria", path.stem, "-f", "json")
    assert read.returncode == 0 and json.loads(read.stdout)["doi"] == "PMID 2000123"


def test_a_recent_nice_is_left_unresolved_and_the_draft_stays_consistent_with_lint(atlas, fake):
    paper(
        fake,
        "10.1234/nice",
        "33000",
        "A recent NICE cohort",
        family="Ford",
        year=2023,
        abstract="Adults who met the NICE criteria were recruited.",
    )
    assert atlas.run("add", "10.1234/nice").returncode == 0
    draft = atlas.load("ford-2023-recent-nice")
    pem = draft["pem"]
    assert (pem["badge"], pem["criteria"]) == ("unclear", [])
    assert pem["proposed"]["unresolved"] == ["nice"] and pem["proposed"]["badge"] == "unclear"
    linted = json.loads(atlas.run("lint", "--format", "json").stdout)
    assert not [p for p in linted if p["rule"].startswith("pem-")]

    # The curator names the version and confirms: the proposal still agrees (it left NICE open).
    text = (atlas.records / "ford-2023-recent-nice.yaml").read_text(encoding="utf-8")
    text = text.replace("  badge: unclear\n  criteria: []\n", "  badge: required\n  criteria: [nice-2021]\n")
    text = text.replace("confirmed: false", "confirmed: true")
    (atlas.records / "ford-2023-recent-nice.yaml").write_text(text, encoding="utf-8")
    linted = json.loads(atlas.run("lint", "--format", "json").stdout)
    assert not [p for p in linted if p["rule"].startswith("pem-")]


def test_a_systematic_review_gets_its_design_and_not_applicable(atlas, fake):
    paper(
        fake,
        "10.1234/review",
        "33001",
        "Exercise studies reviewed",
        family="Gray",
        abstract="In this systematic review we searched MEDLINE and Embase for trials of exercise in ME/CFS.",
    )
    assert atlas.run("add", "10.1234/review").returncode == 0
    draft = atlas.load("gray-2019-exercise-studies")
    assert draft["design"] == "systematic-review" and draft["pem"]["badge"] == "not-applicable"
    linted = json.loads(atlas.run("lint", "--format", "json").stdout)
    assert not [p for p in linted if p["rule"].startswith("pem-")]


@pytest.mark.parametrize(
    "replies",
    [
        [Reply(status=500, body="oops", content_type="text/plain")] * 3,
        [Reply(body="<PubmedArticleSet><PubmedArticle>", content_type="text/xml")] * 3,
        [Reply(body='<!DOCTYPE x [<!ENTITY a "aaaa">]><PubmedArticleSet/>', content_type="text/xml")],
    ],
    ids=["server-error", "malformed", "entities"],
)
def test_texts_that_cannot_be_fetched_are_a_warning_and_the_drafts_are_written(atlas, fake, replies):
    ames_paper(
        fake,
        abstract="All patients met the Canadian Consensus Criteria.",
    )
    fake.efetch_script(*replies)
    result = atlas.run("add", "10.1234/ccc")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "the papers' texts could not all be fetched (abstracts: " in result.stderr
    draft = atlas.load("ames-2019-exercise-fatigue")
    assert draft["pmid"] == "32000" and "proposed" not in draft["pem"] and draft["pem"]["badge"] == "unclear"
    assert Cache(atlas.cache).read_text("10.1234/ccc") is None


def test_no_pubmed_reads_only_crossrefs_abstract(atlas, fake):
    ames_paper(
        fake,
        abstract="All patients met the Fukuda criteria.",
        crossref_abstract="<jats:p>All patients met the Canadian Consensus Criteria.</jats:p>",
    )
    result = atlas.run("add", "--no-pubmed", "10.1234/ccc")
    assert result.returncode == 0, result.stderr
    assert fake.count("ncbi") == 0
    assert atlas.load("ames-2019-exercise-fatigue")["pem"]["criteria"] == ["ccc-2003"]


def test_dry_run_prints_the_proposal(atlas, fake):
    ames_paper(
        fake,
        abstract="All patients met the Canadian Consensus Criteria.",
    )
    result = atlas.run("add", "--dry-run", "10.1234/ccc")
    assert result.returncode == 0 and atlas.record_files() == []
    assert "  proposed:\n    by: atlas-criteria v1\n    badge: required\n" in result.stdout


def test_from_draft_to_published_the_proposal_must_be_confirmed(atlas, fake, tmp_path):
    ames_paper(
        fake,
        abstract="Fifty patients underwent CPET.",
        methods=CCC_METHODS,
    )
    assert atlas.run("add", "10.1234/ccc").returncode == 0
    path = atlas.records / "ames-2019-exercise-fatigue.yaml"
    text = path.read_text(encoding="utf-8")
    for key, value in (
        ("summary", "Patients recovered more slowly after exercise."),
        ("why_it_matters", "It measures PEM."),
        ("does_not_show", "It does not show a cause."),
    ):
        text = "\n".join(f"{key}: {value}" if line.startswith(f"{key}:") else line for line in text.split("\n"))
    text = text.replace("status: draft", "status: published").replace("topics: []", "topics: [exercise-physiology]")
    start = text.index("  rationale: ")
    end = text.index("  proposed:")
    text = text[:start] + "  rationale: All patients met the CCC.\n  source: Methods, Participants\n" + text[end:]
    text = text.replace(
        "publication_type: journal-article\n", "publication_type: journal-article\ndesign: case-control\n"
    )
    path.write_text(text, encoding="utf-8")

    published = atlas.run("lint", "--format", "json")
    problems = json.loads(published.stdout)
    assert [p["rule"] for p in problems] == ["pem-proposed"], problems
    [warning] = problems
    assert warning["severity"] == "warning" and "not yet confirmed by a curator" in warning["message"]
    assert "confirmed: true" in warning["hint"]
    assert published.returncode == 0 and atlas.run("lint", "--strict").returncode == 1

    show = atlas.run("show", "ames-2019-exercise-fatigue", "--no-citations")
    assert 'In the paper\'s words (methods): "Participants: All patients met the Canadian Consensus Criteria."' in (
        show.stdout
    )
    assert "not yet confirmed by a curator" in show.stdout

    path.write_text(path.read_text(encoding="utf-8").replace("confirmed: false", "confirmed: true"), encoding="utf-8")
    assert json.loads(atlas.run("lint", "--format", "json").stdout) == []
    site = tmp_path / "site"
    assert atlas.run("build", "--output", str(site)).returncode == 0
    page = (site / "evidence" / "ames-2019-exercise-fatigue" / "index.html").read_text(encoding="utf-8")
    assert "<blockquote><p>Participants: All patients met the Canadian Consensus Criteria.</p></blockquote>" in page
    assert "From the paper&rsquo;s methods" in page and "not yet confirmed" not in page

    # The curator later changes the badge but keeps the confirmed proposal: its quote no longer fits.
    changed = path.read_text(encoding="utf-8").replace(
        "  badge: required\n  criteria:\n  - ccc-2003\n", "  badge: not-required\n  criteria:\n  - fukuda-1994\n", 1
    )
    path.write_text(changed, encoding="utf-8")
    problems = json.loads(atlas.run("lint", "--format", "json").stdout)
    assert [p["rule"] for p in problems] == ["pem-proposed"]
    assert "no longer support the badge" in problems[0]["message"]
    assert atlas.run("build", "--output", str(site)).returncode == 0
    page = (site / "evidence" / "ames-2019-exercise-fatigue" / "index.html").read_text(encoding="utf-8")
    assert "blockquote" not in page  # a quote is shown only beside the badge it supports


def test_methods_that_cannot_be_fetched_leave_the_abstract_and_its_proposal(atlas, fake):
    ames_paper(
        fake,
        abstract="All patients met the Fukuda criteria.",
        methods=CCC_METHODS,
    )
    fake.add_pmc_article(
        "PMC32000", xml="<article><body><sec>" + "x" * 10 + "</body></article>"
    )  # malformed: asked 3 times
    result = atlas.run("add", "10.1234/ccc")
    assert result.returncode == 0, result.stderr
    assert "the papers' texts could not all be fetched (methods: " in result.stderr
    draft = atlas.load("ames-2019-exercise-fatigue")
    assert draft["pem"]["proposed"]["criteria"] == ["fukuda-1994"]
    assert Cache(atlas.cache).read_text("10.1234/ccc")["methods"] is None


# --- a record added before atlas kept texts: atlas criteria SLUG --fetch ------------------------


def test_criteria_fetch_reads_an_existing_records_text_from_pubmed_and_pmc(atlas, fake):
    paper(
        fake,
        "10.1234/old",
        "33000",
        "Exercise and fatigue in ME/CFS",
        family="Ames",
        abstract="Fifty patients underwent CPET.",
        methods=CCC_METHODS,
    )
    write_record(atlas.root, record(slug="ames-2019-old", doi="10.1234/old", pmid=None))
    before = atlas.run("criteria", "ames-2019-old")
    assert before.returncode == 1 and "atlas criteria ames-2019-old --fetch" in before.stderr, before.stderr
    assert fake.count() == 0

    fetched = atlas.run("criteria", "ames-2019-old", "--fetch", "-f", "json")
    assert fetched.returncode == 0, fetched.stderr
    data = json.loads(fetched.stdout)
    assert data["criteria"] == ["ccc-2003"] and data["badge"] == "required"
    assert [s[0] for s in data["sections"]] == ["abstract", "methods"]
    assert "fetched for ames-2019-old: abstract: pubmed, methods: pmc" in fetched.stderr
    assert fake.count("ncbi", "esearch") == 1 and fake.count("ncbi", "efetch") == 2
    assert fake.count("crossref") == 0  # PubMed and PMC only

    # Kept: the next run (and atlas lint --criteria) read it without the network.
    offline = atlas.run("criteria", "ames-2019-old", extra_env={"ATLAS_NCBI_URL": closed_port_url()})
    assert offline.returncode == 0 and "ccc-2003" in offline.stdout, offline.stderr


def test_criteria_fetch_by_pmid_and_its_failures(atlas, fake):
    fake.add_pubmed_record("34000", doi=None, abstract="Patients met the Fukuda criteria.", pubdate="2001 Jan")
    write_record(atlas.root, record(slug="known-by-pmid", doi=None, pmid="34000"))
    by_pmid = atlas.run("criteria", "known-by-pmid", "--fetch")
    assert by_pmid.returncode == 0, by_pmid.stderr
    assert "fukuda-1994" in by_pmid.stdout and fake.count("ncbi", "esearch") == 0

    write_record(atlas.root, record(slug="unknown-to-pubmed", doi="10.1234/nowhere", pmid=None))
    unknown = atlas.run("criteria", "unknown-to-pubmed", "--fetch")
    assert unknown.returncode == 1 and "PubMed does not know this DOI" in unknown.stderr, unknown.stderr

    down = atlas.run("criteria", "unknown-to-pubmed", "--fetch", extra_env={"ATLAS_NCBI_URL": closed_port_url()})
    assert down.returncode == 3 and "PubMed could not be asked" in down.stderr, down.stderr
    assert "Traceback" not in down.stderr

    usage = atlas.run("criteria", "--text", "-", "--fetch", stdin="Patients met the CCC.")
    assert usage.returncode == 2 and "--fetch" in usage.stderr
