"""Text cannot be turned against the terminal: escape sequences, C1 controls, NUL and
bidirectional overrides in records, in Crossref's answers and on the command line are shown
(as `\\uXXXX`), never obeyed; `atlas add` writes none; a DOI with a zero-width space is the
same DOI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fake_services import work
from helpers import GOOD, changed, lint, new_atlas, run_atlas, run_in, service_atlas, write_record

from atlas_cli.core.safe_text import for_terminal, has_unsafe, one_line, strip_unsafe

OSC = "\x1b]0;pwned\x07"  # sets the window title
CLEAR = "\x1b[2J"  # clears the screen
C1 = "\x9b2J"  # the same without ESC
RLO = "\u202e"
HOSTILE_TITLE = f"B-Lymphocyte {OSC}Depletion{CLEAR} in ME/CFS{C1}\x00 {RLO}SFC/EM"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def raw_controls(text: str) -> list[str]:
    """The unsafe characters TEXT holds, but for atlas's own colour codes (ESC [ ... m)."""
    return RAW.findall(re.sub(r"\x1b\[[0-9;]*m", "", text))


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    record = changed(
        GOOD,
        title=HOSTILE_TITLE,
        authors=[{"family": f"Fluge{OSC}", "given": "Øystein"}],
        journal=f"Annals{CLEAR} of internal medicine",
        summary=f"Rituximab did not help.{RLO}",
        topics=[f"b-cells{OSC}"],
    )
    return new_atlas(tmp_path / "atlas", [record])


# --- the one function ----------------------------------------------------------------------


def test_for_terminal_shows_every_unsafe_character_as_an_escape():
    assert for_terminal(HOSTILE_TITLE) == (
        "B-Lymphocyte \\u001b]0;pwned\\u0007Depletion\\u001b[2J in ME/CFS\\u009b2J\\u0000 \\u202eSFC/EM"
    )
    assert for_terminal("Tabs\tand\nlines, Ω, δ13C, \u05e9\u05dc\u05d5\u05dd") == "Tabs\tand\nlines, Ω, δ13C, שלום"
    assert one_line("10.1/x\nadded records/fake.yaml") == "10.1/x\\u000aadded records/fake.yaml"
    assert strip_unsafe("a\rb\x00c\u202ed") == "a bcd"


def test_escaping_keeps_json_valid_and_its_values_unchanged():
    data = {"title": HOSTILE_TITLE + "\x7f\u2066"}
    text = json.dumps(data, ensure_ascii=False)
    assert has_unsafe(text)  # json escapes C0 only: DEL, C1 and overrides stay raw
    shown = for_terminal(text)
    assert not has_unsafe(shown) and json.loads(shown) == data


# --- what commands print -------------------------------------------------------------------


def test_show_list_stats_and_lint_print_hostile_text_escaped(hostile: Path):
    for args in (["show", "fluge-2019-b-lymphocyte"], ["list"], ["list", "--format", "csv"], ["stats"], ["lint"]):
        done = run_in(hostile, *args)
        assert not raw_controls(done.stdout + done.stderr), (args, done.stdout, done.stderr)
    shown = run_in(hostile, "show", "fluge-2019-b-lymphocyte").stdout
    assert "B-Lymphocyte \\u001b]0;pwned\\u0007Depletion" in shown and "\\u202eSFC/EM" in shown
    assert "text-control" in shown  # the problem is named above the record


def test_show_and_list_on_a_terminal_keep_their_colours_and_escape_the_record(hostile: Path):
    for args in (["show", "fluge-2019-b-lymphocyte"], ["list"], ["stats"]):
        done = run_in(hostile, *args, env={"FORCE_COLOR": "1", "COLUMNS": "200"})
        assert done.returncode == 0, done.stderr
        assert "\x1b[" in done.stdout, "atlas's own colours still reach the terminal"
        assert not raw_controls(done.stdout), (args, done.stdout)
    shown = run_in(hostile, "show", "fluge-2019-b-lymphocyte", env={"FORCE_COLOR": "1"}).stdout
    assert "\\u001b]0;pwned" in shown


def test_json_output_keeps_the_value_and_shows_no_control(hostile: Path):
    done = run_in(hostile, "list", "--format", "json")
    assert not has_unsafe(done.stdout)
    [row] = json.loads(done.stdout)
    assert row["title"] == HOSTILE_TITLE


def test_citations_carry_none_of_it(hostile: Path):
    for fmt in ("primary", "bibtex", "ris", "csl-json", "apa", "snapshot"):
        done = run_in(hostile, "cite", "fluge-2019-b-lymphocyte", "-f", fmt)
        assert done.returncode == 0, done.stderr
        assert not has_unsafe(done.stdout) and "\\u00" not in done.stdout, (fmt, done.stdout)
    bibtex = run_in(hostile, "cite", "fluge-2019-b-lymphocyte", "-f", "bibtex").stdout
    assert "title = {{B-Lymphocyte} {]0;pwnedDepletion[2J} in {ME/CFS2J} {SFC/EM}}," in bibtex
    exported = run_in(hostile, "export", "-f", "csl-json")
    assert not has_unsafe(exported.stdout)


def test_lint_fix_then_leaves_nothing_to_escape(hostile: Path):
    assert run_in(hostile, "lint", "--fix").returncode == 1  # the topic stays unknown (and its id is no slug)
    problems = lint(hostile).problems
    assert "text-control" not in [p.rule for p in problems]
    assert not raw_controls((hostile / "records" / "fluge-2019-b-lymphocyte.yaml").read_text(encoding="utf-8"))


def test_criteria_quotes_a_hostile_passage_escaped(tmp_path: Path, atlas: Path):
    passage = tmp_path / "methods.txt"
    passage.write_text(
        f"Methods: ME/CFS subjects met the Canadian Consensus Criteria{RLO} for the diagnosis{OSC}{C1}.",
        encoding="utf-8",
    )
    for fmt in ("text", "json"):
        done = run_atlas("criteria", "--text", str(passage), "--format", fmt, cwd=atlas)
        assert done.returncode == 0, done.stderr
        assert not raw_controls(done.stdout + done.stderr), done.stdout
    quoted = run_atlas("criteria", "--text", str(passage), cwd=atlas).stdout
    assert "Canadian Consensus Criteria\\u202e for the diagnosis\\u001b]0;pwned\\u0007\\u009b2J." in quoted


# --- atlas add: writes none of it, echoes it escaped -------------------------------------------


def test_add_strips_hostile_characters_from_what_crossref_sends(tmp_path: Path, fake):
    atlas = service_atlas(tmp_path, fake)
    fake.add_work(
        work(
            "10.5555/hostile",
            f"Immune cells{OSC} in ME/CFS{RLO}&#27;[2J &#x9b;",
            family=f"Mensah{CLEAR}",
            **{"container-title": [f"Journal of{C1} Tests\x00"]},
        )
    )
    done = atlas.run("add", "10.5555/hostile", "--no-pubmed")
    assert done.returncode == 0, done.stderr
    assert not raw_controls(done.stdout + done.stderr)
    [path] = atlas.record_files()
    record = atlas.load(path.stem)
    # (`&#x9b;` is `›` in HTML, as browsers read it; `&#27;` is ESC, removed once decoded)
    assert record["title"] == "Immune cells]0;pwned in ME/CFS[2J ›" and record["journal"] == "Journal of2J Tests"
    assert record["authors"][0]["family"] == "Mensah[2J"
    assert "text-control" not in [p.rule for p in lint(atlas.root).problems]


def test_add_echoes_a_hostile_argument_escaped_on_one_line(tmp_path: Path, fake):
    atlas = service_atlas(tmp_path, fake)
    typed = f"{OSC}10.5555/x{CLEAR}\nadded records/fake.yaml"
    done = atlas.run("add", typed, f"10.5555/{RLO}")
    assert done.returncode == 2 and not raw_controls(done.stdout + done.stderr), done.stderr
    failed = [line for line in done.stderr.splitlines() if line.startswith("failed")]
    assert len(failed) == 2 and all("\\u" in line for line in failed), done.stderr
    assert not any(line.startswith("added") for line in done.stderr.splitlines())
    from_file = tmp_path / "list.txt"
    from_file.write_text(f"10.5555/a{OSC}\n", encoding="utf-8")
    listed = atlas.run("add", "--from", str(from_file))
    assert listed.returncode == 2 and "\\u001b]0;pwned" in listed.stderr and not raw_controls(listed.stderr)


def test_verify_prints_a_hostile_crossref_title_escaped(tmp_path: Path, fake):
    root = new_atlas(tmp_path / "atlas", [changed(GOOD)])
    fake.add_work(work(GOOD["doi"], f"Something else entirely{OSC}{RLO}", family="Fluge", year=2019))
    done = run_in(root, "verify", env={**fake.env(), "ATLAS_HTTP_RETRIES": "0"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Something else entirely" in done.stdout
    assert not raw_controls(done.stdout + done.stderr), done.stdout


# --- a zero-width space does not make another DOI --------------------------------------------


def test_dois_differing_by_a_zero_width_space_are_duplicates(atlas: Path):
    write_record(atlas, changed(GOOD))
    other = changed(GOOD, slug="fluge-2019-copy", doi="10.7326/M18-1451\u200b", pmid=None, title="Another title")
    path = write_record(atlas, other)
    rules = [p.rule for p in lint(atlas).problems]
    assert "duplicate-doi" in rules and "schema" in rules  # the same DOI, and not written as a DOI
    one = run_atlas("lint", str(path), cwd=atlas)  # one file: the others are scanned for duplicates
    assert "duplicate-doi" in one.stdout


def test_add_finds_a_record_whose_doi_holds_a_zero_width_space(tmp_path: Path, fake):
    atlas = service_atlas(tmp_path, fake)
    write_record(atlas.root, changed(GOOD, doi="10.5555/zw\u200bsp"))
    fake.add_work(work("10.5555/zwsp", "A study of things"))
    done = atlas.run("add", "10.5555/ZWSP", "--no-pubmed")
    assert done.returncode == 0 and "present" in done.stderr and "fluge-2019-b-lymphocyte" in done.stderr
    assert len(atlas.record_files()) == 1


def test_discover_exclude_writes_and_shows_no_control_from_pubmed_or_the_reason(tmp_path: Path, fake):
    atlas = service_atlas(tmp_path, fake)
    fake.add_pubmed_record("41000001", doi="10.1234/out", title=f"Fatigue{OSC} after{RLO} cancer{C1}.")
    done = atlas.run("discover", "--exclude", "41000001", "--reason", f"not ME/CFS{CLEAR}")
    assert done.returncode == 0, done.stderr
    assert not raw_controls(done.stdout + done.stderr), done.stderr
    text = (atlas.root / "screening.yaml").read_text(encoding="utf-8")
    assert not raw_controls(text) and "title: Fatigue]0;pwned after cancer2J\n" in text, text
    assert "reason: not ME/CFS[2J\n" in text, text
    assert run_atlas("lint", root=atlas.root).returncode == 0
