"""A paper's own words from NCBI: PubMed abstracts and PMC methods sections, read safely.

The XML readers (services/xmltext.py) are pure and tested on bodies written here, in
the shapes PubMed's and PMC's efetch send (DOCTYPE, structured abstracts with Label,
JATS sections with sec-type, titles and nested sections, a full text PMC may not give
out). The client methods (PubMedClient.abstracts, .pmc_methods) are tested against
the local E-utilities server of fake_services.py: batching, size limits, faults.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from fake_services import Reply

from atlas_cli.services.ncbi import NcbiError
from atlas_cli.services.pacing import HttpOptions
from atlas_cli.services.pubmed import EFETCH_CHUNK, PMC_CHUNK, PubMedClient
from atlas_cli.services.work import abstract_of
from atlas_cli.services.xmltext import (
    MAX_METHODS_CHARS,
    XmlError,
    XmlRefused,
    parse_xml,
    pmc_methods,
    pubmed_abstracts,
)

FAST = HttpOptions(timeout=2.0, retries=2, backoff=0.01, max_wait=0.05)

PUBMED_XML = b"""<?xml version="1.0" ?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">
<PubmedArticleSet>
<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">30001</PMID>
<Article><ArticleTitle>Two-day CPET in ME/CFS.</ArticleTitle>
<Abstract>
<AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">Case definitions of ME/CFS remain debated.</AbstractText>
<AbstractText Label="METHODS" NlmCategory="METHODS">Fifty patients meeting the <i>Canadian Consensus Criteria</i>
 and 40 controls underwent CPET; VO<sub>2</sub> peak was measured.</AbstractText>
<AbstractText Label="CONCLUSIONS" NlmCategory="CONCLUSIONS">PEM is measurable.</AbstractText>
<CopyrightInformation>&#xa9; 2019 The Authors.</CopyrightInformation>
</Abstract>
<AuthorList><Author><LastName>Smith</LastName></Author></AuthorList></Article></MedlineCitation>
<PubmedData><ArticleIdList><ArticleId IdType="pubmed">30001</ArticleId><ArticleId IdType="doi">10.1234/cpet</ArticleId>
<ArticleId IdType="pmc">PMC7001</ArticleId></ArticleIdList></PubmedData></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID Version="1">30002</PMID><Article><ArticleTitle>A letter.</ArticleTitle>
</Article></MedlineCitation><PubmedData><ArticleIdList><ArticleId IdType="pubmed">30002</ArticleId></ArticleIdList>
</PubmedData></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID Version="1">30003</PMID><Article><Abstract>
<AbstractText>An unstructured abstract &amp; nothing more.</AbstractText></Abstract></Article></MedlineCitation>
</PubmedArticle>
</PubmedArticleSet>
"""


def pmc_article(pmcid: str, body: str, id_type: str = "pmcid") -> str:
    value = pmcid if id_type == "pmcid" else pmcid.removeprefix("PMC")
    return (
        f'<article><front><article-meta><article-id pub-id-type="{id_type}">{value}</article-id>'
        f'<article-id pub-id-type="pmid">1</article-id></article-meta></front>{body}'
        "<back><ref-list><ref>Carruthers BM. Canadian Consensus Criteria. 2003.</ref></ref-list></back></article>"
    )


def pmc_set(*articles: str) -> bytes:
    return (
        '<?xml version="1.0" ?>\n<!DOCTYPE pmc-articleset PUBLIC "-//NLM//DTD ARTICLE SET 2.0//EN" '
        '"https://dtd.nlm.nih.gov/ncbi/pmc/articleset/nlm-articleset-2.0.dtd">\n'
        f"<pmc-articleset>{''.join(articles)}</pmc-articleset>"
    ).encode()


# --- reading PubMed's XML ----------------------------------------------------------------------


def test_a_structured_abstract_keeps_its_labels_one_per_line_as_atlas_criteria_reads_them():
    found = pubmed_abstracts(PUBMED_XML)
    assert set(found) == {"30001", "30002", "30003"}
    first = found["30001"]
    assert first.abstract == (
        "BACKGROUND: Case definitions of ME/CFS remain debated.\n"
        "METHODS: Fifty patients meeting the Canadian Consensus Criteria and 40 controls underwent CPET; "
        "VO2 peak was measured.\n"
        "CONCLUSIONS: PEM is measurable."
    )
    assert (first.pmcid, first.doi) == ("PMC7001", "10.1234/cpet")
    assert found["30002"].abstract is None  # a letter without an abstract
    assert found["30003"].abstract == "An unstructured abstract & nothing more."


def test_an_error_answer_is_an_error_not_an_empty_set():
    with pytest.raises(ValueError, match="Invalid uid"):
        pubmed_abstracts(b"<eFetchResult><ERROR>Invalid uid 0 at position=0</ERROR></eFetchResult>")
    assert pubmed_abstracts(b"<PubmedArticleSet></PubmedArticleSet>") == {}


@pytest.mark.parametrize(
    "body",
    [b"", b"<PubmedArticleSet><PubmedArticle>", b"<html><body>502 Bad Gateway", b"\x00\x01binary", b"not xml"],
)
def test_a_body_that_is_not_xml_is_an_xml_error(body):
    with pytest.raises(XmlError):
        pubmed_abstracts(body)


def test_entity_declarations_are_refused_before_anything_expands():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode() for i in range(1, 10)
        )
        + b"]><PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article><Abstract>"
        b"<AbstractText>&lol9;</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"
    )
    started = time.monotonic()
    with pytest.raises(XmlRefused):
        pubmed_abstracts(laughs)
    assert time.monotonic() - started < 1
    external = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID></MedlineCitation></PubmedArticle>"
        b"</PubmedArticleSet>"
    )
    with pytest.raises(XmlRefused):
        pubmed_abstracts(external)


def test_skipped_elements_are_not_kept():
    root = parse_xml(b"<a><keep>x<drop><deep>y</deep></drop>z</keep></a>", frozenset({"drop"}))
    assert "".join(root.itertext()) == "xz"
    assert root.find(".//deep") is None


# --- reading PMC's JATS ----------------------------------------------------------------------


def test_the_methods_section_is_found_by_sec_type_and_read_with_its_subsections_as_labels():
    body = (
        "<body><sec sec-type='intro'><title>Introduction</title><p>The Fukuda criteria are broad.</p></sec>"
        "<sec sec-type='materials|methods'><label>2</label><title>Materials and methods</title>"
        "<sec><title>2.1. Participants</title><p>Patients met the <italic>Canadian</italic> Consensus Criteria "
        "[<xref ref-type='bibr' rid='r1'>12</xref>].</p><p>Controls were healthy.</p>"
        "<table-wrap><caption><p>Table 1. Fukuda CCC ICC</p></caption><table><tr><td>ICC</td></tr></table></table-wrap>"
        "</sec><sec><title>Statistical analysis of the outcomes and of everything else</title><p>We used R.</p></sec>"
        "</sec><sec sec-type='results'><title>Results</title><p>All 26 also met the ICC.</p></sec></body>"
    )
    found = pmc_methods(pmc_set(pmc_article("PMC7001", body)))
    assert found == {
        "PMC7001": "Materials and methods:\n\n"
        "Participants: Patients met the Canadian Consensus Criteria [12].\n\n"
        "Controls were healthy.\n\n"
        "## Statistical analysis of the outcomes and of everything else\nWe used R."
    }


@pytest.mark.parametrize(
    "title", ["Methods", "2. Materials &amp; Methods", "PATIENTS AND METHODS", "Subjects and methods.", "Participants"]
)
def test_a_methods_section_without_sec_type_is_found_by_its_title(title):
    body = f"<body><sec><title>Background</title><p>x</p></sec><sec><title>{title}</title><p>Patients met the CCC.</p></sec></body>"
    [text] = pmc_methods(pmc_set(pmc_article("PMC5", body))).values()
    assert text is not None and text.endswith("Patients met the CCC.")


def test_methods_one_level_down_and_a_full_text_pmc_may_not_give_out():
    nested = "<body><sec><title>Main text</title><sec><title>Methods</title><p>We recruited 20 adults.</p></sec></sec></body>"
    closed = "<!--The publisher of this article does not allow downloading of the full text in XML form.-->"
    no_methods = "<body><sec><title>Case report</title><p>A woman of 40.</p></sec></body>"
    found = pmc_methods(
        pmc_set(pmc_article("PMC1", nested), pmc_article("PMC2", closed, "pmc"), pmc_article("PMC3", no_methods))
    )
    assert found == {"PMC1": "Methods: We recruited 20 adults.", "PMC2": None, "PMC3": None}


def test_an_article_without_its_pmcid_is_the_one_asked_for_when_only_one_was():
    article = (
        "<article><front/><body><sec sec-type='methods'><p>Adults met the IOM criteria.</p></sec></body></article>"
    )
    assert pmc_methods(pmc_set(article), ["PMC42"]) == {"PMC42": "Methods: Adults met the IOM criteria."}
    assert pmc_methods(pmc_set(article, article), ["PMC42", "PMC43"]) == {}


def test_a_huge_methods_section_is_cut_at_a_paragraph():
    paragraphs = "".join(f"<p>Paragraph {i} {'word ' * 200}</p>" for i in range(200))
    body = f"<body><sec sec-type='methods'><title>Methods</title>{paragraphs}</sec></body>"
    [text] = pmc_methods(pmc_set(pmc_article("PMC9", body))).values()
    assert text is not None and len(text) <= MAX_METHODS_CHARS
    assert text.startswith("Methods: Paragraph 0 ") and text.rstrip().endswith("word")


# --- Crossref's abstract ----------------------------------------------------------------------


def test_crossrefs_jats_abstract_is_decoded_with_its_section_titles_as_labels():
    work = {
        "abstract": "<jats:title>Abstract</jats:title><jats:sec><jats:title>Background</jats:title>"
        "<jats:p>ME/CFS &amp;amp; PEM.</jats:p></jats:sec><jats:sec><jats:title>Methods</jats:title>"
        "<jats:p>Patients met the <jats:italic>CCC</jats:italic>.</jats:p></jats:sec>"
    }
    assert abstract_of(work) == "Background: ME/CFS & PEM.\nMethods: Patients met the CCC."
    assert abstract_of({"abstract": "<jats:p>One paragraph.</jats:p>"}) == "One paragraph."
    assert abstract_of({}) is None and abstract_of({"abstract": "<jats:p> </jats:p>"}) is None


# --- the client, against a local E-utilities server -------------------------------------------


@pytest.fixture
def client(fake):
    return PubMedClient(fake.ncbi_url, "curators@example.org", FAST)


def test_abstracts_are_fetched_two_hundred_per_request(fake, client):
    pmids = [str(40000 + i) for i in range(EFETCH_CHUNK + 5)]
    for pmid in pmids:
        fake.add_pubmed_record(pmid, abstract=f"Abstract of paper {pmid}.", pmcid=f"PMC{pmid}")
    found = client.abstracts(pmids + ["99999999"])
    assert set(found) == set(pmids)  # an unknown PMID is simply absent
    assert found[pmids[0]].abstract == f"Abstract of paper {pmids[0]}." and found[pmids[0]].pmcid == f"PMC{pmids[0]}"
    requests = fake.seen("ncbi", "efetch")
    assert len(requests) == 2
    assert [len(r.form["id"][0].split(",")) for r in requests] == [EFETCH_CHUNK, 6]
    assert all(r.method == "POST" and r.form["db"] == ["pubmed"] and r.form["retmode"] == ["xml"] for r in requests)
    assert all(r.form["tool"] == ["atlas"] and r.form["email"] == ["curators@example.org"] for r in requests)


def test_methods_are_fetched_twenty_per_request_by_number(fake, client):
    pmcids = [f"PMC{500 + i}" for i in range(PMC_CHUNK + 1)]
    for pmcid in pmcids:
        fake.add_pmc_article(pmcid, [("methods", "Methods", f"Patients of {pmcid} met the CCC.")])
    found = client.pmc_methods(pmcids)
    assert found == {p: f"Methods: Patients of {p} met the CCC." for p in pmcids}
    requests = fake.seen("ncbi", "efetch")
    assert [len(r.form["id"][0].split(",")) for r in requests] == [PMC_CHUNK, 1]
    assert requests[0].form["db"] == ["pmc"] and requests[0].form["id"][0].startswith("500,501,")


def test_an_answer_too_large_is_split_and_an_article_too_large_alone_is_left_out(fake):
    small = [f"PMC{600 + i}" for i in range(3)]
    for pmcid in small:
        fake.add_pmc_article(pmcid, [("methods", "Methods", "Adults met the ICC.")])
    fake.add_pmc_article("PMC699", [("methods", "Methods", ["Huge. " + "x" * 1000] * 400)])  # ~400 kB
    client = PubMedClient(fake.ncbi_url, None, replace(FAST, max_mb=0.1))  # ATLAS_HTTP_MAX_MB
    found = client.pmc_methods([*small, "PMC699"])
    assert found == dict.fromkeys(small, "Methods: Adults met the ICC.")
    sizes = [len(r.form["id"][0].split(",")) for r in fake.seen("ncbi", "efetch")]
    assert sizes == [4, 2, 2, 1, 1]  # halved until the large one stands alone


def test_xml_cut_short_is_asked_again_then_reported(fake, client):
    fake.add_pubmed_record("30001", abstract="Patients met the CCC.")
    fake.efetch_script(Reply(body="<PubmedArticleSet><PubmedArticle>", content_type="text/xml"))
    assert client.abstracts(["30001"])["30001"].abstract == "Patients met the CCC."
    assert fake.count("ncbi", "efetch") == 2
    fake.efetch_script(*[Reply(body="<PubmedArticleSet><Pub", content_type="text/xml")] * 3)
    with pytest.raises(NcbiError, match="not complete XML"):
        client.abstracts(["30001"])


@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=503, body="busy", content_type="text/plain"),
        Reply(status=429, body={"error": "API rate limit exceeded"}),
        Reply(drop=True),
        Reply(body="<PubmedArticleSet><PubmedArticle><MedlineCitation>", truncate=20),
    ],
    ids=["503", "429", "dropped", "cut-short"],
)
def test_faults_are_retried(fake, client, reply):
    fake.add_pubmed_record("30001", abstract="Patients met the CCC.")
    fake.efetch_script(reply)
    assert client.abstracts(["30001"])["30001"].abstract == "Patients met the CCC."
    assert fake.count("ncbi", "efetch") == 2


def test_an_error_answer_or_refused_xml_fails_at_once(fake, client):
    fake.efetch_script(Reply(body="<eFetchResult><ERROR>Empty id list</ERROR></eFetchResult>", content_type="text/xml"))
    with pytest.raises(NcbiError, match="Empty id list"):
        client.abstracts(["30001"])
    fake.efetch_script(
        Reply(body='<!DOCTYPE x [<!ENTITY a "b">]><PubmedArticleSet/>', content_type="text/xml"),
    )
    with pytest.raises(NcbiError, match="refused"):
        client.abstracts(["30001"])
    assert fake.count("ncbi", "efetch") == 2  # neither was asked again
