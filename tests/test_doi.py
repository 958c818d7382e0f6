"""DOIs as people paste them: normalisation, what a non-DOI looks like, file lists."""

import pytest

from atlas_cli.core.doi import (
    Doi,
    NotADoi,
    Pmcid,
    Pmid,
    doi_key,
    inspect_identifier,
    parse_doi_lines,
    parse_identifier,
    safe_name,
)

DOI = "10.1016/j.neucli.2017.02.002"


@pytest.mark.parametrize(
    "typed",
    [
        DOI,
        f"doi:{DOI}",
        f"DOI: {DOI}",
        f"https://doi.org/{DOI}",
        f"http://dx.doi.org/{DOI}",
        f"https://www.doi.org/{DOI}",
        f"  {DOI}\t",
        f"{DOI}.",
        f"({DOI})",
        f"\u200b{DOI}\u200b",
        f"\ufeff{DOI}",
        "10.1016%2Fj.neucli.2017.02.002",
        f"https://doi.org/{DOI.replace('/', '%2F')}",
        f"<{DOI}>",
    ],
)
def test_pasted_forms_normalise_to_the_doi(typed):
    assert inspect_identifier(typed) == Doi(typed, DOI)  # the string as typed is kept


def test_case_is_kept_but_compared_insensitively():
    ident = inspect_identifier("10.1016/J.NEUCLI.2017.02.002")
    assert isinstance(ident, Doi)
    assert ident.doi == "10.1016/J.NEUCLI.2017.02.002"
    assert ident.key == DOI
    assert doi_key(ident.doi) == doi_key(DOI)
    assert doi_key(" 10.1234/AbC ") == "10.1234/abc"


@pytest.mark.parametrize(
    "doi",
    [
        "10.1002/1096-9861(20010212)430:3<283::aid-cne1031>3.0.co;2-v",  # SICI: ( ) : < > ;
        "10.1002/(sici)1097-4679(199711)53:7<657::aid-jclp3>3.0.co;2-f",
        "10.1111/(issn)1442-9993",
        "10.1002/(SICI)1099-1697(199803/04)7:2<65::AID-JSC357>3.0.CO;2-#",  # ends in #
        "10.1155/2012/291294",  # two slashes
    ],
)
def test_awkward_real_dois_are_kept_whole(doi):
    assert inspect_identifier(doi) == Doi(doi, doi)


def test_percent_encoded_sici_doi_is_decoded():
    ident = inspect_identifier("https://doi.org/10.1002/1096-9861(20010212)430:3%3C283::aid-cne1031%3E3.0.co;2-v")
    assert isinstance(ident, Doi)
    assert ident.doi == "10.1002/1096-9861(20010212)430:3<283::aid-cne1031>3.0.co;2-v"


@pytest.mark.parametrize(
    "typed,kind,words",
    [
        ("", "empty", ["empty"]),
        ("   ", "empty", ["empty"]),
        ("28410877", "pmid", ["PubMed ID"]),
        ("PMID: 28410877", "pmid", ["PubMed ID"]),
        ("PMC5406707", "pmcid", ["PubMed Central"]),
        ("arXiv:2101.00001", "arxiv", ["arXiv"]),
        ("https://www.sciencedirect.com/science/article/pii/S0987705317300217", "url", ["web page", "copy the DOI"]),
        ("https://onlinelibrary.wiley.com/doi/10.1111/nph.14619", "url", ["web page", "10.1111/nph.14619"]),
        ("10.1016", "malformed", ["not a complete DOI"]),
        ("10.12/abc", "malformed", ["not a complete DOI"]),
        ("10.1016/ abc", "malformed", ["spaces"]),
        ("hello world", "unknown", ["not a DOI"]),
    ],
)
def test_non_dois_say_what_they_look_like(typed, kind, words):
    ident = inspect_identifier(typed)
    assert isinstance(ident, NotADoi)
    assert ident.kind == kind
    for word in words:
        assert word in ident.problem


def test_doi_file_lines_skip_blanks_and_comments_but_keep_hash_in_dois():
    text = (
        "# my reading list\n\n10.1038/ng.3834  # GTEx\n  doi:10.1101/097196\n"
        "10.1002/(SICI)1099-1697(199803/04)7:2<65::AID-JSC357>3.0.CO;2-#\n   # indented comment\n"
    )
    assert parse_doi_lines(text) == [
        "10.1038/ng.3834",
        "doi:10.1101/097196",
        "10.1002/(SICI)1099-1697(199803/04)7:2<65::AID-JSC357>3.0.CO;2-#",
    ]


def test_safe_name_is_a_plain_file_name():
    name = safe_name("10.1002/1096-9861(20010212)430:3<283::AID>3.0.co;2-v")
    assert "/" not in name and "<" not in name and name == name.lower()
    assert len(safe_name("10.1234/" + "x" * 500)) <= 150


@pytest.mark.parametrize(
    "typed",
    [
        # copied from PDFs: typographic dashes and a non-breaking hyphen where the DOI has `-`
        "10.1016/j.neucli\u20132017\u201302\u2013002",
        "10.1016/j.neucli\u20102017\u201102\u2212002",
        # from web pages: tracking parameters and a fragment after a resolver address
        "https://doi.org/10.1016/j.neucli-2017-02-002?utm_source=twitter&utm_medium=social",
        "https://doi.org/10.1016/j.neucli-2017-02-002#abstract",
        "doi.org/10.1016/j.neucli-2017-02-002?via=ihub",
        # prose around it
        "DOI 10.1016/j.neucli-2017-02-002",
        "doi: https://doi.org/10.1016/j.neucli-2017-02-002",
        "10.1016/j.neucli-2017-02-002;",
        "10.1016/j.neucli-2017-02-002:",
        "HTTPS://DX.DOI.ORG/10.1016/j.neucli-2017-02-002/",
    ],
)
def test_dois_pasted_from_pdfs_and_web_pages(typed):
    ident = inspect_identifier(typed)
    assert ident == Doi(typed, "10.1016/j.neucli-2017-02-002"), (typed, ident)


def test_a_sici_doi_behind_a_resolver_keeps_its_trailing_hash():
    doi = "10.1002/(SICI)1099-1697(199803/04)7:2<65::AID-JSC357>3.0.CO;2-#"
    assert inspect_identifier(f"https://doi.org/{doi}") == Doi(f"https://doi.org/{doi}", doi)


@pytest.mark.parametrize("typed", ["10.1016/j.neucli\x00", "10.1016/j.neu\x07cli", "10.1016/\x7fx"])
def test_control_characters_are_not_a_doi(typed):
    ident = inspect_identifier(typed)
    assert isinstance(ident, NotADoi) and ident.kind == "malformed"
    assert "control character" in ident.problem


# --- PubMed identifiers: parse_identifier takes a DOI, a PMID or a PMCID ----------------


@pytest.mark.parametrize(
    "typed",
    [
        "28410877",
        "PMID: 28410877",
        "PMID:28410877",
        "pmid:28410877",
        "PMID 28410877",
        "PubMed ID: 28410877",
        " PMID: 28410877. ",
        "\u200b28410877",
        "https://pubmed.ncbi.nlm.nih.gov/28410877/",
        "pubmed.ncbi.nlm.nih.gov/28410877",
        "https://pubmed.ncbi.nlm.nih.gov/28410877/?from_term=fatigue#affiliation-1",
        "https://www.ncbi.nlm.nih.gov/pubmed/28410877",
        "http://www.ncbi.nlm.nih.gov/pubmed/?term=28410877",
        "https://europepmc.org/article/MED/28410877",
        "https://europepmc.org/abstract/MED/28410877",
    ],
)
def test_pasted_pmids_are_pmids(typed):
    ident = parse_identifier(typed)
    assert ident == Pmid(typed, "28410877")
    assert ident.identity == "pmid:28410877"
    assert ident.label == "PMID 28410877"


@pytest.mark.parametrize(
    "typed",
    [
        "PMC5382345",
        "pmc5382345",
        "PMCID: PMC5382345",
        "PMCID:PMC5382345",
        "PMC5382345.2",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC5382345/",
        "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC5382345/",
        "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC5382345/figure/F1/",
        "https://europepmc.org/article/PMC/PMC5382345",
        "https://europepmc.org/articles/PMC5382345",
    ],
)
def test_pasted_pmcids_are_pmcids(typed):
    ident = parse_identifier(typed)
    assert ident == Pmcid(typed, "PMC5382345")
    assert ident.identity == "pmcid:PMC5382345" and ident.label == "PMC5382345"


def test_parse_identifier_reads_dois_as_inspect_identifier_does():
    for typed in (f"https://doi.org/{DOI}.", f"doi:{DOI.upper()}"):
        assert parse_identifier(typed) == inspect_identifier(typed)
    ident = parse_identifier(DOI)
    assert isinstance(ident, Doi) and ident.identity == f"doi:{DOI}" and ident.label == DOI


@pytest.mark.parametrize(
    "typed,kind,words",
    [
        ("PMID 0123", "unknown", ["not a DOI, a PubMed ID or a PMC ID"]),
        ("PMID: 1234567890", "unknown", ["not a DOI, a PubMed ID or a PMC ID"]),
        ("arXiv:2101.00001", "arxiv", ["arXiv"]),
        ("https://pubmed.ncbi.nlm.nih.gov/?term=fatigue", "url", ["web page"]),
        ("", "empty", ["empty"]),
    ],
)
def test_what_is_none_of_the_three_still_says_what_it_looks_like(typed, kind, words):
    ident = parse_identifier(typed)
    assert isinstance(ident, NotADoi) and ident.kind == kind
    for word in words:
        assert word in ident.problem


def test_inspect_identifier_still_wants_a_doi():
    ident = inspect_identifier("PMID: 28410877")
    assert isinstance(ident, NotADoi) and ident.kind == "pmid"
    assert "not a DOI" in ident.problem
