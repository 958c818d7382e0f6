"""atlas's APA, Vancouver and AMA against citeproc-js, the engine of Zotero and Mendeley.

citeproc-js renders the CSL-JSON atlas exports for each record, with the style file
atlas ships and the en-US locale citeproc-py ships, each reference alone (the list
number left out, as atlas prints a single reference). atlas's reference must be the
same text, except for the differences the README lists under "Where atlas and
citeproc-js differ"; each of those is recognised here by its cause, never by its text.

Compared: the records shipped in records/, the cite fixture records, drafts made by
`atlas add`'s draft builder from the Crossref-shaped works in
fixtures/crossref-works.json (written to exercise every difference found), generated
titles for the quotation-mark and title-case rules, and, when a folder of real
Crossref recordings is present (never in CI), drafts made from all of them (at least
98% equal per style).

Needs node and the npm package `citeproc` (CI installs the pinned version in .ci/run
and names it in ATLAS_CITEPROC_JS). Without them these tests skip, except in CI
(CI set), where that is a failure.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO, TESTS, fixture_records

from atlas_cli.add.draft import build_draft
from atlas_cli.cite import csl, styles
from atlas_cli.core.records import iter_record_paths, read_document

CITEPROC_VERSION = "2.4.63"  # the npm package citeproc (citeproc-js 1.4.63); .ci/run installs the same
RENDER = TESTS / "citeproc_js" / "render.js"
INSTALL = f"npm install --prefix DIR citeproc@{CITEPROC_VERSION} and set ATLAS_CITEPROC_JS=DIR/node_modules/citeproc"
NODE = shutil.which("node")


def _citeproc_js() -> str | None:
    named = os.environ.get("ATLAS_CITEPROC_JS")
    if named:
        return named if (Path(named) / "package.json").is_file() else None
    if NODE and subprocess.run([NODE, "-e", "require('citeproc')"], capture_output=True).returncode == 0:
        return "citeproc"
    return None


CITEPROC_JS = _citeproc_js()
MISSING = "node is not installed" if not NODE else None if CITEPROC_JS else "the npm package citeproc is not installed"
if MISSING and os.environ.get("CI"):
    pytest.fail(f"citeproc-js comparison cannot run in CI: {MISSING} ({INSTALL})", pytrace=False)
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"{MISSING}; to run them: {INSTALL}")


def _locale() -> str:
    import citeproc

    return (Path(citeproc.__file__).parent / "data" / "locales" / "locales-en-US.xml").read_text(encoding="utf-8")


def citeproc_js(style_xml: str, items: list[dict[str, Any]]) -> list[str]:
    """Each item's bibliography entry from citeproc-js, its list number left out."""
    assert NODE and CITEPROC_JS
    request = json.dumps({"style": style_xml, "locale": _locale(), "items": items})
    result = subprocess.run(
        [NODE, str(RENDER)],
        input=request,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "CITEPROC_JS": CITEPROC_JS},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [re.sub(r"^\[?\d+[.)\]]\s*", "", entry or "", count=1) for entry in json.loads(result.stdout)]


def style_xml(name: str) -> str:
    return (styles.STYLES_DIR / styles.STYLE_FILES[name]).read_text(encoding="utf-8")


# --- the documented differences, each recognised by its cause ------------------------------

_HYPHEN_LOWER = re.compile(r"-[a-z]")


def explained(record: dict[str, Any], name: str, ours: str, theirs: str, theirs_on_engine_item: str) -> str | None:
    """Which README-documented difference explains OURS != THEIRS, or None."""
    given = [a.get("given", "") for a in record.get("authors", []) if isinstance(a, dict)]
    if any(_HYPHEN_LOWER.search(g) for g in given) and ours == theirs_on_engine_item:
        return "hyphenated given name with a lower-case second part"
    authors = record.get("authors", [])
    if (
        name == "apa"
        and len(authors) == 2
        and ("literal" in authors[1] or "family" not in authors[1])
        and ours == theirs.replace(" & ", ", & ", 1)
    ):
        return "two authors, the second an organisation or single name"
    return None


def compare(named_records: list[tuple[str, dict[str, Any]]], name: str) -> tuple[int, list[str], list[str]]:
    """(equal, explained differences, unexplained differences) of NAMED_RECORDS in style NAME."""
    exported = [csl.csl_item(record, f"k{i}") for i, (_, record) in enumerate(named_records)]
    engine = [styles.engine_item(record, name, f"e{i}") for i, (_, record) in enumerate(named_records)]
    theirs_all = citeproc_js(style_xml(name), exported + engine)
    theirs, theirs_engine = theirs_all[: len(exported)], theirs_all[len(exported) :]
    equal, known, unknown = 0, [], []
    for (label, record), reference, on_engine in zip(named_records, theirs, theirs_engine, strict=True):
        ours = styles.reference(record, name, "k")
        if ours == reference:
            equal += 1
            continue
        why = explained(record, name, ours, reference, on_engine)
        line = f"{name} {label}:\n  atlas:       {ours}\n  citeproc-js: {reference}"
        (known if why else unknown).append(f"{line}\n  ({why})" if why else line)
    return equal, known, unknown


def shipped_records() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in iter_record_paths(REPO / "records"):
        document = read_document(path)
        assert document.data is not None, path
        found.append((f"records/{path.stem}", {**document.data, "slug": path.stem}))
    return found


def drafts(works: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    made = []
    for work in works:
        draft = build_draft(work, asked_doi=work["DOI"], today=date(2026, 5, 30))
        if draft.record is not None:
            made.append((work["DOI"], {**draft.record, "slug": "draft"}))
    return made


FIXTURE_WORKS = json.loads((TESTS / "fixtures" / "crossref-works.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", styles.STYLE_FILES)
def test_shipped_and_fixture_records_equal_citeproc_js(name):
    records = shipped_records() + [(f"fixture/{slug}", r | {"slug": slug}) for slug, r in fixture_records().items()]
    equal, known, unknown = compare(records, name)
    assert not unknown, "\n".join(unknown)
    assert equal >= len(records) - 1, "\n".join(known)  # only the fixture with a Min-jun given name


@pytest.mark.parametrize("name", styles.STYLE_FILES)
def test_drafts_of_crossref_works_equal_citeproc_js(name):
    made = drafts(FIXTURE_WORKS)
    assert len(made) == len(FIXTURE_WORKS)
    equal, known, unknown = compare(made, name)
    assert not unknown, "\n".join(unknown)
    # the hyphenated given name in every style, the two single-name authors in APA only
    assert len(known) == (2 if name == "apa" else 1), "\n".join(known)
    assert equal == len(made) - len(known)


def test_the_fixture_works_exercise_every_difference_found():
    text = json.dumps(FIXTURE_WORKS, ensure_ascii=False)
    for needle in ("'s ", '\\"', "'15", "Distances et", "Long-lived", "during", "27-27", "&amp;lt;", "<i>", "Jae-sung"):
        assert needle in text, needle
    assert "2-3" in text and any("issued" not in w or w["issued"]["date-parts"] == [[None]] for w in FIXTURE_WORKS)


def test_every_documented_difference_is_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("#### Where atlas and citeproc-js differ", 1)[1].split("\n#", 1)[0]
    for cause in ("Min-jun", "organisation", "S1-S3"):
        assert cause in section, cause


# --- generated text: quotation marks and title case ----------------------------------------

TITLE_ONLY = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>one field</title><id>atlas-test</id><updated>2026-01-01T00:00:00+00:00</updated></info>
  <citation><layout><text variable="title"/></layout></citation>
  <bibliography><layout><text variable="title"CASE/></layout></bibliography>
</style>"""


def _generated(seed: int, pieces: list[str], count: int) -> list[str]:
    rng = random.Random(seed)
    titles = ("".join(rng.choice(pieces) for _ in range(rng.randint(1, 10))).strip() for _ in range(count))
    return [t for t in titles if t and "  " not in t]


def test_quotation_marks_and_apostrophes_as_citeproc_js_reads_them():
    from atlas_cli.cite.quotes import curly

    pieces = ["a", "word", "s", "80s", " ", " ", "'", '"', "\u201c", "\u201d", "\u2018", "\u2019", "(", ")", ",", "."]
    titles = _generated(12, pieces, 500)
    items = [{"id": f"i{i}", "type": "article-journal", "title": t} for i, t in enumerate(titles)]
    theirs = citeproc_js(TITLE_ONLY.replace("CASE", ""), items)
    wrong = [(t, curly(t), r) for t, r in zip(titles, theirs, strict=True) if curly(t) != r]
    assert len(wrong) <= len(titles) // 100, wrong[:10]  # stray marks next to spaces may differ, nothing else


def test_title_case_as_citeproc_js_does_it():
    from atlas_cli.cite.quotes import curly
    from atlas_cli.cite.titlecase import title_case

    words = ["a", "of", "the", "during", "et", "des", "long", "lived", "mRNA", "ME", "de", "van", "within", "and"]
    words += ["x", "β", "study", "USA", "d'", "über", "Ödem", "via", "vs.", "s"]
    separators = [" ", " ", " ", "-", "/", ": ", "? ", "(", ")", ' "', '" ', "'s ", ", ", ". ", " – "]
    rng = random.Random(7)
    titles = [
        ("".join(rng.choice(words) + rng.choice(separators) for _ in range(rng.randint(1, 8))) + rng.choice(words))
        for _ in range(500)
    ]
    items = [{"id": f"i{i}", "type": "article-journal", "title": t} for i, t in enumerate(titles)]
    theirs = citeproc_js(TITLE_ONLY.replace("CASE", ' text-case="title"'), items)
    wrong = [(t, curly(title_case(t)), r) for t, r in zip(titles, theirs, strict=True) if curly(title_case(t)) != r]
    assert not wrong, wrong[:10]


# --- real Crossref recordings, when present -----------------------------------------------


def _recordings() -> Path | None:
    if os.environ.get("ATLAS_RECORDINGS"):
        return Path(os.environ["ATLAS_RECORDINGS"])
    for parent in Path(__file__).resolve().parents:
        for candidate in (parent / "crossref-recordings", parent / "shared" / "crossref-recordings"):
            if (candidate / "meta" / "recordings.json").is_file():
                return candidate
    return None


@pytest.mark.parametrize("name", styles.STYLE_FILES)
def test_shipped_records_and_recorded_works_agree_in_98_percent(name):
    folder = _recordings()
    if folder is None:
        pytest.skip("no Crossref recordings available (set ATLAS_RECORDINGS to a folder of them)")
    meta = json.loads((folder / "meta" / "recordings.json").read_text(encoding="utf-8"))
    works = [json.loads((folder / e["file"]).read_text(encoding="utf-8"))["message"] for e in meta["works"]]
    for work, entry in zip(works, meta["works"], strict=True):
        work.setdefault("DOI", entry["doi"])
    references = shipped_records() + drafts(works)
    assert len(references) >= 100
    equal, known, unknown = compare(references, name)
    assert not unknown, "\n".join(unknown)
    assert equal / len(references) >= 0.98, f"{equal}/{len(references)} equal\n" + "\n".join(known)
