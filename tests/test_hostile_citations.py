"""Hostile values cannot break out of a citation: DOIs are DOIs before they reach a record or
a BibTeX field, no BibTeX value closes its braces, keys and file names are slugs, the values
citations are made of in the settings are checked, and RIS and CSL-JSON keep one value one
field."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import bibtexparser
import jsonschema_rs
import pytest
from fake_services import Reply, work
from helpers import (
    GOOD,
    changed,
    good,
    lint,
    new_atlas,
    run_atlas,
    service_atlas,
    write_record,
)

from atlas_cli import cite
from atlas_cli.core.config import Settings, find_schemas_dir
from atlas_cli.core.doi import DOI_RE, is_doi

SETTINGS = Settings(root=Path("."))
BREAK_OUT = "10.5555/x},title={pwned},note={x"
BIBTEX_FIELDS = {
    "author",
    "title",
    "journal",
    "publisher",
    "year",
    "volume",
    "number",
    "pages",
    "eid",
    "doi",
    "note",
    "url",
}


def parse_one(text: str):
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks, [(b.error, b.raw) for b in library.failed_blocks]
    assert len(library.entries) == 1, text
    return library.entries[0]


# --- DOIs: the DOI syntax, in core and in the schema ----------------------------------------

DOI_SAMPLES = {
    "10.1016/j.neucli.2017.02.002": True,
    "10.1002/(SICI)1098-1063(1997)7:5<559::AID-HIPO11>3.0.CO;2-#": True,  # old SICI DOIs keep <>#;
    "10.1130/0016-7606(1969)80[1481:PSOTEP]2.0.CO;2": True,
    '10.6666/x"quoted"': True,
    "10.5555/é-ü": True,
    BREAK_OUT: False,  # braces: BibTeX counts them
    "10.5555/a\\b": False,  # a backslash starts a LaTeX command
    "10.5555/a b": False,
    "10.5555/a\u200b": False,  # zero-width space
    "10.5555/a\u202e": False,  # RIGHT-TO-LEFT OVERRIDE
    "10.5555/a\x1b[2J": False,
    "10.5555/a\x9b": False,
    "10.5555/a\x00": False,
    "10.5555/a\n": False,
    "10.123/short-prefix": False,
    "doi:10.5555/x": False,
}


def test_the_doi_syntax_is_the_same_in_atlas_and_in_the_record_schema():
    schema = json.loads((find_schemas_dir() / "record.schema.json").read_text(encoding="utf-8"))
    pattern = schema["properties"]["doi"]["pattern"]
    assert schema["properties"]["doi_aliases"]["items"]["pattern"] == pattern
    assert schema["$defs"]["update"]["properties"]["doi"]["pattern"] == pattern
    fast = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
    for doi, valid in DOI_SAMPLES.items():
        assert is_doi(doi) is valid, doi
        assert bool(DOI_RE.fullmatch(doi)) is valid, doi
        assert fast.is_valid(doi) is valid, doi  # what `atlas lint` checks records with


def test_a_doi_that_would_close_its_bibtex_field_is_refused_everywhere(atlas: Path):
    path = write_record(atlas, good(doi=BREAK_OUT))
    problems = [p for p in lint(atlas).problems if p.rule == "schema"]
    doi_line = path.read_text(encoding="utf-8").splitlines().index(f"doi: {BREAK_OUT}") + 1
    assert [(p.line, "`doi`" in p.message) for p in problems] == [(doi_line, True)], problems
    cited = run_atlas("cite", path.stem, "-f", "bibtex", cwd=atlas)
    assert cited.returncode == 2 and "is not a DOI" in cited.stderr and "pwned" not in cited.stdout
    exported = run_atlas("export", cwd=atlas)
    assert exported.returncode == 1 and "cannot be cited" in exported.stderr and exported.stdout == ""
    built = run_atlas("build", cwd=atlas)
    assert built.returncode == 1 and "is not a DOI" in built.stderr
    assert not (atlas / "site" / "evidence" / path.stem).exists()
    shown = run_atlas("show", path.stem, cwd=atlas)
    assert shown.returncode == 0 and "cannot render" in shown.stdout and "title = {pwned}" not in shown.stdout


# --- BibTeX: no value closes its braces ------------------------------------------------------

PIECES = ["}", "{", "\\", "},title={pwned},note={", "@article{x,", "%", "#", '"', "=", ",", "\n", "\\}", "{{", "$", "~"]


def hostile(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES + ["word", " ", "ME/CFS", "é", "δ"]) for _ in range(rng.randint(1, 8)))


@pytest.mark.parametrize("latex", [False, True])
def test_no_field_value_can_close_its_braces(latex: bool):
    rng = random.Random(15)
    for _ in range(300):
        record = {
            "slug": "fluge-2019-b-lymphocyte",
            "title": hostile(rng),
            "authors": [
                {"family": hostile(rng), "given": hostile(rng)},
                {"literal": hostile(rng)},
                {"family": hostile(rng), "suffix": hostile(rng)},
            ],
            "journal": hostile(rng),
            "publisher": hostile(rng),
            "year": 2019,
            "volume": hostile(rng),
            "issue": hostile(rng),
            "pages": hostile(rng) + "-" + hostile(rng),
            "article_number": hostile(rng),
            "doi": "10.7326/M18-1451",
            "pmid": "30934066",
        }
        entry = parse_one(cite.render(record, "bibtex", SETTINGS, latex=latex))
        assert entry.key == "mecfsatlas-fluge-2019-b-lymphocyte"
        assert set(entry.fields_dict) <= BIBTEX_FIELDS, (entry.fields_dict, record)
        assert entry.fields_dict["doi"].value == "10.7326/M18-1451"


def test_a_verbatim_field_is_escaped_as_a_last_defence():
    from atlas_cli.cite.bibtex import bibtex

    text = bibtex({"slug": "a-b", "title": "T", "doi": BREAK_OUT}, "pre", "https://x.org/{y}\\z")
    entry = parse_one(text)
    assert set(entry.fields_dict) == {"title", "doi", "url"}


def test_a_record_file_whose_name_is_not_a_slug_is_left_out_of_export(atlas: Path):
    write_record(atlas, good())
    write_record(atlas, good(doi="10.7326/M18-9999", pmid=None, title="Another"), "evil},title={x.yaml")
    exported = run_atlas("export", cwd=atlas)
    assert exported.returncode == 1 and "evil},title={x.yaml" in exported.stderr
    assert "not a slug" in exported.stderr
    library = bibtexparser.parse_string(exported.stdout)
    assert not library.failed_blocks and [e.key for e in library.entries] == ["mecfsatlas-fluge-2019-b-lymphocyte"]
    for fmt in ("csl-json", "ris"):
        other = run_atlas("export", "-f", fmt, cwd=atlas)
        assert other.returncode == 1 and "evil" not in other.stdout
    cited = run_atlas("cite", "evil},title={x", cwd=atlas)
    assert cited.returncode == 2 and "is not a slug" in cited.stderr


# --- settings citations are made of --------------------------------------------------------


@pytest.mark.parametrize(
    "key, value",
    [
        ("bibtex_prefix", "x},title={injected"),
        ("bibtex_prefix", "my atlas"),
        ("site_url", "https://atlas.example.org/},title={x"),
        ("site_url", 'https://atlas.example.org/\\"onmouseover'),  # (a TOML escape: the value holds a quote)
        ("site_url", "javascript:alert(1)"),
        ("name", "Atlas\\u001b]0;pwned\\u0007"),
        ("name", "Atlas\\u202e"),
    ],
)
def test_a_setting_that_would_break_a_citation_is_refused_naming_it(tmp_path: Path, key: str, value: str):
    root = new_atlas(tmp_path / "atlas", [changed(GOOD)], config=f'[atlas]\n{key} = "{value}"\n')
    for args in (["cite", "fluge-2019-b-lymphocyte"], ["export"], ["lint"], ["build"]):
        done = run_atlas(*args, cwd=root)
        assert done.returncode == 2, (args, done.stderr)
        assert f"`{key}`" in done.stderr and "atlas.toml" in done.stderr, done.stderr
        assert "\x1b" not in done.stderr and "\u202e" not in done.stderr and not done.stdout
    assert not (root / "site").exists()


def test_good_settings_and_placeholders_are_accepted(tmp_path: Path):
    config = '[atlas]\nname = "TODO: the atlas\'s name"\nsite_url = "https://TODO.invalid"\nbibtex_prefix = "TODO"\n'
    root = new_atlas(tmp_path / "atlas", [changed(GOOD)], config=config)
    done = run_atlas("cite", "fluge-2019-b-lymphocyte", "-f", "bibtex", cwd=root)
    assert done.returncode == 0 and done.stdout.startswith("@article{TODO-fluge-2019-b-lymphocyte,")


# --- RIS and CSL-JSON: one value, one field --------------------------------------------------

RIS_LINE = re.compile(r"^[A-Z][A-Z0-9]  - ")


def test_a_value_with_line_breaks_stays_one_ris_field_and_one_csl_value():
    record = changed(
        GOOD,
        title="Trial\nER  - \n\nTY  - JOUR\r\nTI  - injected\u2028TI  - again",
        authors=[{"family": "Fluge\nAU  - Mallory", "given": "Ø\x1b[2J"}],
        journal="Annals\x0bof\x0cmedicine\x85",
    )
    text = cite.render(record, "ris", SETTINGS)
    lines = text.split("\n")
    assert all(RIS_LINE.match(line) for line in lines), lines
    assert [line[:2] for line in lines].count("TY") == 1 and lines[-1] == "ER  - "
    assert [line for line in lines if line.startswith("AU")] == ["AU  - Fluge AU - Mallory, Ø[2J"]
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", text)
    [item] = json.loads(cite.render(record, "csl-json", SETTINGS))
    assert item["title"].startswith("Trial") and "\x1b" not in json.dumps(item, ensure_ascii=False)
    assert item["author"] == [{"family": "Fluge AU - Mallory", "given": "Ø[2J"}]


# --- atlas add: DOIs checked before they reach a record -------------------------------------


def test_add_refuses_a_doi_argument_that_is_not_a_doi(tmp_path: Path, fake):
    atlas = service_atlas(tmp_path, fake)
    done = atlas.run("add", BREAK_OUT)
    assert done.returncode == 2 and "failed" in done.stderr and "not a complete DOI" in done.stderr
    assert fake.count("crossref") == 0 and atlas.record_files() == []


def test_add_refuses_a_crossref_answer_whose_doi_is_not_a_doi(tmp_path: Path, fake):
    atlas = service_atlas(tmp_path, fake)
    # the same DOI but for a zero-width space: the same paper, but not a DOI to write
    fake.script("10.5555/asked", Reply.work(work("10.5555/ask\u200bed", "A study of things")))
    done = atlas.run("add", "10.5555/asked", "--no-pubmed")
    assert done.returncode == 1, done.stderr
    assert "is not a DOI" in done.stderr and atlas.record_files() == []


def test_add_leaves_out_a_notice_doi_that_is_not_a_doi(tmp_path: Path, fake):
    atlas = service_atlas(tmp_path, fake)
    notice = {"DOI": "10.5555/notice}x", "type": "retraction", "updated": {"date-parts": [[2021, 1, 2]]}}
    fake.add_work(work("10.5555/paper", "A retracted study", **{"updated-by": [notice]}))
    done = atlas.run("add", "10.5555/paper", "--no-pubmed")
    assert done.returncode == 0, done.stderr
    assert "is not a DOI; left out" in done.stderr
    [path] = atlas.record_files()
    record = atlas.load(path.stem)
    assert record["updates"] == [{"type": "retraction", "date": "2021-01-02"}]
    assert record["flags"] == ["retracted"]
    assert [p for p in lint(atlas.root).problems if p.rule == "schema"] == []
