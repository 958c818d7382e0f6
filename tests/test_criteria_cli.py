"""`atlas criteria` end to end, through the entry point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import REPO, clean_env, new_atlas, run_atlas

from atlas_cli.services.cache import Cache

SLUG = "mensah-2017-chronic-fatigue"
DOI = "10.1016/j.neucli.2017.02.002"
PASSAGE = (
    "Methods: Forty adults with ME/CFS and 40 controls took part. ME/CFS subjects met the Canadian Clinical "
    "Criteria\nfor the diagnosis; test-retest reliability was assessed with the intraclass correlation "
    "coefficient (ICC)."
)


@pytest.fixture
def atlas(tmp_path: Path) -> Path:
    root = new_atlas(tmp_path / "atlas")
    shutil.copy(REPO / "records" / f"{SLUG}.yaml", root / "records" / f"{SLUG}.yaml")
    return root


@pytest.fixture
def passage(tmp_path: Path) -> Path:
    path = tmp_path / "methods.txt"
    path.write_bytes(PASSAGE.encode("utf-8"))
    return path


def test_text_file_gives_the_badge_criteria_and_quotes(atlas, passage):
    result = run_atlas("criteria", "--text", str(passage), cwd=atlas)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "PEM required: Canadian Consensus Criteria (CCC) requires PEM"
    assert "  criteria:   ccc-2003 (Canadian Consensus Criteria (CCC); requires PEM)" in lines
    start = PASSAGE.index("ME/CFS subjects")
    assert f"  [{start}:{len(PASSAGE)}] ccc-2003, used for inclusion" in lines
    assert "    ME/CFS subjects met the Canadian Clinical Criteria for the diagnosis;" in result.stdout
    assert any("not a case definition here: intraclass correlation" in line for line in lines)


def test_json_carries_every_finding_with_exact_quotes(atlas, passage):
    result = run_atlas("criteria", "--text", str(passage), "--format", "json", cwd=atlas)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"criteria", "mentioned", "combine", "pem_screen", "badge", "quotes"} <= set(data)
    assert (data["badge"], data["criteria"], data["combine"], data["pem_screen"]) == (
        "required",
        ["ccc-2003"],
        None,
        None,
    )
    assert data["has_participants"] is True and data["label"] == "PEM required"
    for quote in data["quotes"]:
        assert PASSAGE[quote["start"] : quote["end"]] == quote["text"]
    assert [(q["finding"], q["id"]) for q in data["quotes"]] == [
        ("criterion", "ccc-2003"),
        ("false-friend", "icc-2011"),
    ]


def test_standard_input_and_a_byte_order_mark(atlas):
    result = run_atlas("criteria", "--text", "-", "-f", "json", cwd=atlas, stdin="\ufeffPatients met the CCC or ICC.")
    data = json.loads(result.stdout)
    assert (data["badge"], data["criteria"], data["combine"]) == ("required", ["ccc-2003", "icc-2011"], "any")
    assert data["quotes"][0]["text"] == "Patients met the CCC or ICC."  # offsets into the text without the mark


def test_the_typer_command_and_the_fast_path_print_the_same(atlas, passage):
    from atlas_cli.cli.app import run_app

    fast = run_atlas("criteria", "--text", str(passage), "--format", "json", cwd=atlas)
    typer = run_atlas("criteria", "--text", str(passage), "--format", "json", root=atlas, entry=run_app)
    assert typer.returncode == 0
    assert typer.stdout == fast.stdout


def test_the_plain_command_does_not_load_the_cli_framework(atlas, passage, tmp_path):
    import subprocess
    import sys

    code = (
        "import sys; sys.argv=['atlas','criteria','--text',sys.argv[1]]\n"
        "from atlas_cli.__main__ import main\n"
        "try: main()\n"
        "except SystemExit as exit: code = exit.code\n"
        "sys.stderr.write(repr((code, [m for m in ('typer', 'click', 'rich') if m in sys.modules])))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(passage)],
        capture_output=True,
        text=True,
        cwd=atlas,
        env=clean_env(cache=tmp_path / "cache"),
    )
    assert result.stderr.strip().splitlines()[-1] == "(0, [])"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give either a record's SLUG or --text FILE"),
        ((SLUG, "--text", "x.txt"), "give either a record's SLUG or --text FILE"),
        (("--text", "missing.txt"), "cannot read missing.txt"),
        (("--text", "."), "it is a folder"),
        (("--text", "-", "--format", "yaml"), "unknown format 'yaml'"),
        (("../x",), "'../x' is not a slug"),
    ],
)
def test_usage_errors_exit_2(atlas, args, message):
    result = run_atlas("criteria", *args, cwd=atlas, stdin="")
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_text_that_is_not_utf8_is_refused_with_a_hint(atlas, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Patients met the crit\xe8res canadiens.".encode("latin-1"))
    result = run_atlas("criteria", "--text", str(path), cwd=atlas)
    assert result.returncode == 2
    assert "is not UTF-8 text (byte 0xe8 at offset 21)" in result.stderr and "save the text as UTF-8" in result.stderr


def test_empty_text_is_unclear_not_an_error(atlas, tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("", encoding="utf-8")
    result = run_atlas("criteria", "--text", str(path), "-f", "json", cwd=atlas)
    assert result.returncode == 0
    assert json.loads(result.stdout)["badge"] == "unclear"


def test_a_record_without_stored_text_says_so(atlas, tmp_path):
    result = run_atlas("criteria", SLUG, cwd=atlas, cache=tmp_path / "cache")
    assert result.returncode == 1
    assert f"no stored text for {SLUG} yet" in result.stderr and "atlas criteria --text FILE" in result.stderr


def test_an_unknown_slug_is_exit_1_with_suggestions(atlas):
    result = run_atlas("criteria", "mensah-2017-chronic", cwd=atlas)
    assert result.returncode == 1
    assert "no record 'mensah-2017-chronic'" in result.stderr and SLUG in result.stderr


def test_a_record_reads_the_text_stored_for_its_doi_offline(atlas, tmp_path):
    cache = tmp_path / "cache"
    abstract = "We recruited adults who met the NICE criteria for ME/CFS."
    methods = "All participants fulfilled the NICE criteria; the pediatric case definition was not used."
    assert Cache(cache).write_text(DOI, abstract=abstract, methods=methods, source="pubmed") is None
    env = {"ATLAS_CROSSREF_URL": "http://127.0.0.1:9", "ATLAS_NCBI_URL": "http://127.0.0.1:9"}
    result = run_atlas("criteria", SLUG, "--format", "json", cwd=atlas, env=env, cache=cache)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    text = abstract + "\n\n" + methods
    assert data["slug"] == SLUG and data["doi"] == DOI
    assert data["sections"] == [["abstract", 0, len(abstract)], ["methods", len(abstract) + 2, len(text)]]
    # the record's year (2017) decides which NICE guideline "NICE criteria" means
    assert (data["badge"], data["criteria"]) == ("not-required", ["nice-2007"])
    assert all(text[q["start"] : q["end"]] == q["text"] for q in data["quotes"])
    plain = run_atlas("criteria", SLUG, cwd=atlas, env=env, cache=cache)
    assert plain.stdout.startswith(f"text: stored for {SLUG} (abstract [0:{len(abstract)}], methods")
    later = run_atlas("criteria", SLUG, "--year", "2024", "-f", "json", cwd=atlas, env=env, cache=cache)
    assert json.loads(later.stdout)["unresolved"] == ["nice"]


def test_help_documents_the_options(atlas):
    result = run_atlas("criteria", "--help", cwd=atlas)
    assert result.returncode == 0
    for word in ("--text FILE", "--format", "--year YEAR", "SLUG", "exact substring"):
        assert word in result.stdout
