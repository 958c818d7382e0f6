"""BibTeX output parses back (bibtexparser v2) to the record's values."""

from __future__ import annotations

import re

import bibtexparser
import pytest
from helpers import fixture_records, fixture_settings

from atlas_cli import cite
from atlas_cli.cite.bibtex import escape, needs_protection, protect

RECORDS = fixture_records()
SETTINGS = fixture_settings()
_UNESCAPE = {
    r"\textbackslash{}": "\\",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
}


def unlatex(value: str) -> str:
    """Undo atlas's escaping: LaTeX specials back to characters, protective braces removed."""
    out, i = [], 0
    while i < len(value):
        for latex, char in _UNESCAPE.items():
            if value.startswith(latex, i):
                out.append(char)
                i += len(latex)
                break
        else:
            c = value[i]
            if c == "\\" and i + 1 < len(value) and value[i + 1] in "{}&%$#_":
                out.append(value[i + 1])
                i += 2
            elif c in "{}":
                i += 1
            else:
                out.append(c)
                i += 1
    return "".join(out)


def braces_balanced(value: str) -> bool:
    depth = 0
    for match in re.finditer(r"\\.|[{}]", value):
        token = match.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def parse_one(text: str):
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    assert len(library.entries) == 1
    return library.entries[0]


@pytest.mark.parametrize("slug", sorted(RECORDS))
def test_bibtex_parses_back_to_the_record(slug):
    record = RECORDS[slug]
    entry = parse_one(cite.render(record, "bibtex", SETTINGS))
    assert entry.key == f"mecfsatlas-{slug}"
    fields = {f.key: f.value for f in entry.fields}
    for value in fields.values():
        assert braces_balanced(value), value
    assert unlatex(fields["title"]) == record["title"]
    authors = fields.get("author", "")
    expected_count = len(record["authors"])
    assert (len(re.split(r"\s+and\s+", authors)) if authors else 0) == expected_count
    assert str(record["year"]) == fields["year"]
    assert fields["url"] == f"https://www.mecfsatlas.com/evidence/{slug}"
    if "doi" in record:
        assert fields["doi"] == record["doi"]  # verbatim, even with _ and <>
    else:
        assert "doi" not in fields
    if "pmid" in record:
        assert fields["note"] == f"PubMed: {record['pmid']}"
    else:
        assert "note" not in fields
    for key, field in (("volume", "volume"), ("issue", "number")):
        if key in record:
            assert fields[field] == str(record[key])
        else:
            assert field not in fields
    if "pages" in record:
        assert fields["pages"].replace("--", "-") == record["pages"].replace("\u2013", "-")
    elif "article_number" in record:
        assert fields["pages"] == record["article_number"]
    container = next(fields[k] for k in ("journal", "booktitle", "howpublished", "series") if k in fields)
    assert unlatex(container) == record["journal"]


def test_whole_export_parses_with_unique_keys():
    text = cite.render_many(list(RECORDS.values()), "bibtex", SETTINGS)
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    keys = [e.key for e in library.entries]
    assert len(keys) == len(RECORDS) == len(set(keys))


def test_entry_types_follow_publication_type():
    types = {slug: parse_one(cite.render(r, "bibtex", SETTINGS)).entry_type for slug, r in RECORDS.items()}
    assert types["mensah-2017-chronic-fatigue"] == "article"
    assert types["committee-2015-beyond-myalgic"] == "book"
    assert types["okafor-2019-pacing-chapter"] == "incollection"
    assert types["patel-2025-long-covid"] == "misc"
    proceedings = dict(RECORDS["walker-2019-exercise-capacity"], publication_type="proceedings-article")
    assert parse_one(cite.render(proceedings, "bibtex", SETTINGS)).entry_type == "inproceedings"
    report = dict(RECORDS["walker-2019-exercise-capacity"], publication_type="report")
    assert parse_one(cite.render(report, "bibtex", SETTINGS)).entry_type == "misc"


@pytest.mark.parametrize(
    "char, escaped",
    [
        ("\\", r"\textbackslash{}"),
        ("{", r"\textbraceleft{}"),
        ("}", r"\textbraceright{}"),
        ("&", r"\&"),
        ("%", r"\%"),
        ("$", r"\$"),
        ("#", r"\#"),
        ("_", r"\_"),
        ("~", r"\textasciitilde{}"),
        ("^", r"\textasciicircum{}"),
    ],
)
def test_each_special_character_is_escaped_once(char, escaped):
    assert escape(f"a{char}b") == f"a{escaped}b"


def test_non_ascii_is_kept_as_utf8():
    assert escape("Øystein Hélène γ") == "Øystein Hélène γ"
    entry = parse_one(cite.render(RECORDS["fluge-2015-cyclophosphamide-myalgic"], "bibtex", SETTINGS))
    assert "Øystein" in entry.fields_dict["title"].value
    assert "Ødegård, Jr., Åse" in entry.fields_dict["author"].value


@pytest.mark.parametrize(
    "word, mid_title, at_start",
    [
        ("ME/CFS", True, True),
        ("PEM", True, True),
        ("mRNA", True, True),
        ("IgG", True, True),
        ("COVID-19", True, True),
        ("T", True, False),
        ("B-", True, False),
        ("T-cell", True, False),
        ("N-end", True, False),
        ("Oca2", True, False),
        ("Chronic", True, False),
        ("Øystein", True, False),
        ("fatigue", False, False),
        ("2017", False, False),
        ("δ13C", True, True),
    ],
)
def test_words_sentence_case_would_change_are_protected(word, mid_title, at_start):
    # BibTeX's change.case$ "t" lowers every capital but the title's first character
    # (and the first after ": "), so that is exactly what needs braces.
    assert needs_protection(word) is mid_title
    assert needs_protection(word, first_kept=True) is at_start
    assert protect(f"x {word}") == ("x {" + word + "}" if mid_title else f"x {word}")
    assert protect(word) == ("{" + word + "}" if at_start else word)


@pytest.mark.parametrize(
    "title, written",
    [
        (
            "Screening NK-, B- and T-cell phenotype",
            "Screening {NK-}, {B-} and {T-cell} phenotype",
        ),
        ("The N-end rule and Oca2 in mice", "The {N-end} rule and {Oca2} in mice"),
        ("Chronic fatigue syndrome: Where are we now?", "Chronic fatigue syndrome: Where are we now?"),
        ("Where are we now? A review", "Where are we now? {A} review"),
        ("“Chronic” fatigue", "“{Chronic}” fatigue"),
    ],
)
def test_only_what_sentence_case_would_change_is_braced(title, written):
    assert protect(title) == written


def test_protection_keeps_punctuation_outside_the_braces():
    assert protect("(ME/CFS): PEM, NK.") == "({ME/CFS}): {PEM}, {NK}."


def test_organisation_author_is_braced_and_particles_kept():
    org = parse_one(cite.render(RECORDS["committee-2015-beyond-myalgic"], "bibtex", SETTINGS))
    assert org.fields_dict["author"].value.startswith("{Committee on the Diagnostic Criteria")
    names = parse_one(cite.render(RECORDS["van-campen-2020-cerebral-blood"], "bibtex", SETTINGS))
    assert names.fields_dict["author"].value.startswith("van Campen, C. Linda M. C. and de la Fuente, Hélène")


def test_bad_field_types_do_not_crash_or_print_reprs():
    record = {
        "slug": "x-2020-bad",
        "title": ["A list title"],
        "authors": "Smith, J",
        "year": "2020",
        "journal": {"name": "J"},
        "pmid": "not-a-number",
        "volume": True,
    }
    text = cite.render(record, "bibtex", SETTINGS)
    assert "[" not in text and "{'" not in text and "True" not in text
    parse_one(text)


def bibtex_braces_balanced(value: str) -> bool:
    """BibTeX's own rule: every `{` and `}` counts, a backslash does not escape it."""
    depth = 0
    for char in value:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize(
    "title",
    ["Unbalanced } then {", "Only an opening { brace", "Only a closing } brace", "Balanced {draft} braces", "}{"],
)
def test_literal_braces_keep_the_field_balanced_for_bibtex(title):
    # BibTeX (and biber) count braces without regard to backslashes, so `\}` before `\{`
    # would end the field early: literal braces must not appear as braces at all.
    record = dict(RECORDS["mensah-2017-chronic-fatigue"], title=title, journal=f"J {title}")
    text = cite.render(record, "bibtex", SETTINGS)
    for line in text.splitlines()[1:-1]:
        value = line.split(" = {", 1)[1].removesuffix("},")
        assert bibtex_braces_balanced(value), line
    entry = parse_one(text)
    assert unlatex(entry.fields_dict["title"].value) == title
    assert unlatex(entry.fields_dict["journal"].value) == f"J {title}"


@pytest.mark.parametrize(
    "author",
    [
        {"family": "Smith", "given": "Mary and Jane"},
        {"family": "Smith", "given": "Mary, Jane"},
        {"family": "Smith", "given": "Ann", "suffix": "III, and more"},
        {"family": "Anderson and Sons", "given": "A."},
    ],
)
def test_and_or_a_comma_inside_a_name_part_does_not_split_the_name(author):
    # BibTeX splits the author list on a bare " and " and a name on its commas.
    record = dict(RECORDS["mensah-2017-chronic-fatigue"], authors=[author, {"family": "Lee", "given": "Bo"}])
    value = parse_one(cite.render(record, "bibtex", SETTINGS)).fields_dict["author"].value
    depth, names, current = 0, [], ""
    for part in re.split(r"(\s+and\s+|[{}])", value):
        if part == "{":
            depth += 1
        elif part == "}":
            depth -= 1
        if depth == 0 and re.fullmatch(r"\s+and\s+", part or ""):
            names.append(current)
            current = ""
        else:
            current += part or ""
    names.append(current)
    assert len(names) == 2, value
    first_commas = len(re.findall(r",", re.sub(r"\{[^{}]*\}", "", names[0])))
    assert first_commas == (2 if "suffix" in author else 1), names[0]
