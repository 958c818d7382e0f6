"""DOIs as people paste them: normalisation, what a non-DOI looks like, file lists."""

import pytest

from atlas_cli.core.doi import Doi, NotADoi, doi_key, inspect_identifier, parse_doi_lines, safe_name

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
