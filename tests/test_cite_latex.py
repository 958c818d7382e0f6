"""BibTeX from atlas through the real bibtex and pdflatex.

`atlas export --format bibtex --latex` of the shipped records, the cite fixtures,
drafts made from the Crossref-shaped fixture works and a record holding every
character atlas writes as LaTeX is compiled with pdflatex, with the bibliography
styles plain, unsrtnat (natbib) and apalike: bibtex must give no error and no warning
except for data the record really lacks (an empty publisher when the record has
none), pdflatex must finish, and every title must reach the bibliography exactly as
written (sentence case changed nothing). The UTF-8 default is compiled too, for
records in Latin letters, as the README advises.

Needs Debian's texlive-latex-base (pdflatex, bibtex, natbib, url) and lmodern. Without
them these tests skip, except in CI (CI set), where that is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers import FIXTURE_ATLAS, REPO, TESTS, run_atlas

from atlas_cli.add.draft import build_draft
from atlas_cli.cite.latex import _GREEK, _LETTERS, _MATH, _TEXT
from atlas_cli.core.records import iter_record_paths, read_document, render_record

INSTALL = "apt-get install texlive-latex-base lmodern"
STYLES = ("plain", "unsrtnat", "apalike")


def _missing() -> str | None:
    for tool in ("pdflatex", "bibtex", "kpsewhich"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    for needed in ("unsrtnat.bst", "apalike.bst", "natbib.sty", "url.sty", "lmodern.sty"):
        found = subprocess.run(["kpsewhich", needed], capture_output=True, text=True, check=False).stdout.strip()
        if not found:
            return f"the TeX file {needed} is not installed"
    return None


MISSING = _missing()
if MISSING and os.environ.get("CI"):
    pytest.fail(f"LaTeX tests cannot run in CI: {MISSING} ({INSTALL})", pytrace=False)
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"{MISSING}; to run them: {INSTALL}")

# Spaced out in words of a few characters, as in a real title (bibtex breaks a longer word).
_CHARACTERS = (
    "".join([*_LETTERS, *_GREEK, *_MATH, *_TEXT]) + "éèêëçñåäöüÿíìîïóòôõúùûáàâãāēīōūčšžřěůőűąęłńśźżğışșțđ²₂⁴中"
)
EVERY_CHARACTER = " ".join("a" + _CHARACTERS[i : i + 3] for i in range(0, len(_CHARACTERS), 3))
HOSTILE = {
    "status": "draft",
    "title": f"Every character: {EVERY_CHARACTER} & 50% of $ #1 _x ~ ^ {{braces}} \\ done",
    "authors": [
        {"family": "Ødegård", "given": "Åse", "suffix": "Jr."},
        {"family": "van der Çelik", "given": "Zoë-Ève"},
        {"family": "Łukasiewicz", "given": "Ðorđe"},
        {"literal": "The Ünïcode & Co. Consortium"},
    ],
    "journal": "Revue d’Économie & Santé: δ-études",
    "journal_abbrev": "Rev Écon Santé",
    "year": 2024,
    "volume": "12",
    "issue": "3–4",
    "pages": "e101–e109",
    "doi": "10.5555/atlas_test<1>",
    "publication_type": "journal-article",
    "pem": {"badge": "not-applicable"},
    "summary": "x",
    "why_it_matters": "x",
    "does_not_show": "x",
}


def _records() -> dict[str, dict[str, Any]]:
    records: dict[str, dict[str, Any]] = {}
    for folder in (REPO / "records", FIXTURE_ATLAS / "records"):
        for path in iter_record_paths(folder):
            document = read_document(path)
            assert document.data is not None, path
            records[path.stem] = document.data
    works = json.loads((TESTS / "fixtures" / "crossref-works.json").read_text(encoding="utf-8"))
    for index, work in enumerate(works):
        draft = build_draft(work, asked_doi=work["DOI"], today=date(2026, 5, 30))
        assert draft.record is not None
        records[f"work-{index}"] = draft.record
    records["hostile-2024-every-character"] = HOSTILE
    return records


@pytest.fixture(scope="module")
def atlas(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("latex") / "atlas"
    shutil.copytree(FIXTURE_ATLAS, root)
    shutil.rmtree(root / "records")
    (root / "records").mkdir()
    for slug, record in _records().items():
        (root / "records" / f"{slug}.yaml").write_text(render_record({**record, "slug": slug}), encoding="utf-8")
    return root


DOCUMENT = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage{url}
%(packages)s
\begin{document}
\nocite{*}
\bibliographystyle{%(style)s}
\bibliography{refs}
\end{document}
"""


def compile_bibliography(folder: Path, style: str, packages: str = "") -> tuple[str, str, subprocess.CompletedProcess]:
    """(bibtex's log, the .bbl, pdflatex's last run) for refs.bib in FOLDER with STYLE."""
    if style in ("unsrtnat",):
        packages += "\n\\usepackage[numbers]{natbib}"
    (folder / "doc.tex").write_text(DOCUMENT % {"style": style, "packages": packages}, encoding="utf-8")

    def run(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(command, cwd=folder, capture_output=True, text=True, errors="replace", timeout=300)

    latex = ("pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc")
    first = run(*latex)
    assert first.returncode == 0, first.stdout[-3000:]
    bibtex = run("bibtex", "doc")
    assert bibtex.returncode in (0, 1), bibtex.stdout  # 1: warnings only; 2 and above: errors
    run(*latex)
    last = run(*latex)
    log = (folder / "doc.blg").read_text(encoding="utf-8", errors="replace")
    return log, (folder / "doc.bbl").read_text(encoding="utf-8", errors="replace"), last


# What a BibTeX warning names -> the record fields whose absence it reports.
LACKING = {
    "publisher": ("publisher",),
    "journal": ("journal",),
    "booktitle": ("journal",),
    "year": ("year",),
    "author": ("authors",),
    "title": ("title",),
}


def unexplained_warnings(log: str, records: dict[str, dict[str, Any]], prefix: str) -> list[str]:
    """BibTeX warnings that are not about data the record really lacks."""
    wrong = []
    for line in re.findall(r"^Warning--.*$", log, re.MULTILINE):
        empty = re.match(r"Warning--empty (.+) in (\S+)$", line)  # `empty publisher`, `empty author and editor`
        need = re.match(r"Warning--(?:to sort, )?need (?:author|editor|key)\b.* in (\S+)", line)
        if empty:
            named, key = empty.groups()
            record = records.get(key.removeprefix(f"{prefix}-"), {})
            fields = [name for field in re.findall(r"\w+", named) for name in LACKING.get(field, ())]
            if not any(not record.get(name) for name in fields):
                wrong.append(line)
        elif need:
            record = records.get(need.group(1).removeprefix(f"{prefix}-"), {})
            if record.get("authors"):
                wrong.append(line)
        else:
            wrong.append(line)
    return wrong


def _titles(bib: str) -> dict[str, str]:
    titles = {}
    for key, body in re.findall(r"^@\w+\{([^,]+),\n(.*?)^\}$", bib, re.MULTILINE | re.DOTALL):
        match = re.search(r"^title = \{(.*)\},$", body, re.MULTILINE)
        if match:
            titles[key] = match.group(1)
    return titles


@pytest.fixture(scope="module")
def latex_bib(atlas) -> str:
    result = run_atlas("export", "--format", "bibtex", "--latex", "--include-drafts", "--output", "refs.bib", cwd=atlas)
    assert result.returncode == 0, result.stderr
    text = (atlas / "refs.bib").read_text(encoding="utf-8")
    assert text.isascii()
    return text


@pytest.mark.parametrize("style", STYLES)
def test_latex_export_compiles_with_no_warning_but_for_missing_data(atlas, latex_bib, style, tmp_path):
    shutil.copy(atlas / "refs.bib", tmp_path / "refs.bib")
    log, bbl, last = compile_bibliography(tmp_path, style)
    assert last.returncode == 0, last.stdout[-3000:]
    assert "error message" not in log, log
    assert unexplained_warnings(log, _records(), "mecfsatlas") == [], log
    # Every title reaches the bibliography as written: sentence case changed no letter.
    flat = " ".join(bbl.split())
    titles = _titles(latex_bib)
    assert len(titles) == len(_records())
    for key, title in titles.items():
        assert " ".join(title.split()) in flat, (key, title)


def test_the_hostile_record_is_written_in_ascii_latex(latex_bib):
    entry = latex_bib.split("@article{mecfsatlas-hostile-2024-every-character,", 1)[1].split("\n}", 1)[0]
    assert r"{$\delta$}" in entry and r"{\O}deg{\aa}rd" in entry and r"{\c{c}}" in entry
    assert r"50\% of \$ \#1 \_x \textasciitilde{} \textasciicircum{}" in entry
    assert "doi = {10.5555/atlas_test<1>}," in entry  # verbatim


def test_utf8_export_of_latin_records_compiles_with_inputenc(tmp_path):
    # The README's advice for the UTF-8 default under pdflatex: fine for Latin letters.
    root = tmp_path / "atlas"
    shutil.copytree(FIXTURE_ATLAS, root)
    shutil.rmtree(root / "records")
    shutil.copytree(REPO / "records", root / "records")
    result = run_atlas("export", "--format", "bibtex", "--output", "refs.bib", cwd=root)
    assert result.returncode == 0, result.stderr
    log, _bbl, last = compile_bibliography(root, "plain", packages="\\usepackage[utf8]{inputenc}")
    assert last.returncode == 0, last.stdout[-3000:]
    assert "Warning--" not in log and "error message" not in log, log


def test_cite_latex_is_refused_for_other_formats(atlas):
    result = run_atlas("cite", "--format", "apa", "--latex", "work-0", cwd=atlas)
    assert result.returncode == 2 and "--latex applies to BibTeX only" in result.stderr
    result = run_atlas("cite", "--format", "bibtex", "--latex", "hostile-2024-every-character", cwd=atlas)
    assert result.returncode == 0 and result.stdout.isascii() and r"{$\delta$}" in result.stdout
