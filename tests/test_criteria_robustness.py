"""No input makes `atlas criteria` crash, hang or quote words that are not the input's.

Properties checked over many generated texts (a seeded generator mixing sentences,
fragments, odd characters and separators), and on the inputs that break readers:
a megabyte, no text at all, no spaces, other scripts, endless punctuation.
"""

from __future__ import annotations

import json
import random

import pytest
from helpers import new_atlas, run_atlas_process

from atlas_cli.core.config import find_schemas_dir
from atlas_cli.core.pem import BADGES, decide
from atlas_cli.core.registries import load_registries
from atlas_cli.criteria import engine, propose_text

SCHEMAS = find_schemas_dir()
REGISTRIES = load_registries(SCHEMAS)

FRAGMENTS = [
    "Patients met the Canadian Consensus Criteria",
    "or the Fukuda criteria",
    "and/or CDC 1994 criteria",
    "(CCC or ICC)",
    "n=25 ME/CFS (Fukuda) + 18 ME/CFS (ICC)",
    "including 26 who also met the CCC",
    "intraclass correlation coefficient (ICC)",
    "ICC = 0.91",
    "NICE criteria",
    "NICE 2021",
    "between 2012 and 2024",
    "PEM was required for inclusion",
    "Fukuda criteria + PEM requirement",
    "PEM was not required",
    "This systematic review",
    "a retrospective review of medical records",
    "diagnostic criteria remain debated",
    "physician-diagnosed CFS",
    "self-identifying as having ME/CFS",
    "ulcerative colitis",
    "Inclusion criteria:",
    "*Sample Size:*:",
    "Limitations:",
    "=== Heading",
    "- ",
    "• ",
    "e.g.",
    "et al.",
    "( ( ( (",
    "...",
    "---",
    "N%",
    "{pem}",
    "Kanadische Konsenskriterien",
    "患者はカナダ基準を満たした",
    "مرضى",
    "🧬💊",
    "e\u0301",
    "\u200b",
    "\x00",
    "\udcff",
    "twenty-six",
    "1,388",
]
SEPARATORS = [" ", " ", " ", ". ", "; ", ", ", "\n", "\r\n", "\n\n", "\t", "", " -- ", " — "]


def generated(seed: int) -> str:
    rng = random.Random(seed)
    parts = []
    for _ in range(rng.randint(0, 25)):
        parts.append(rng.choice(FRAGMENTS))
        parts.append(rng.choice(SEPARATORS))
    return "".join(parts)


def check(text: str, year: int | None = None):
    proposal = propose_text(text, SCHEMAS, year)
    assert proposal.badge in BADGES
    for quote in proposal.quotes:
        assert 0 <= quote.start < quote.end <= len(text)
        assert text[quote.start : quote.end] == quote.text
    assert set(proposal.criteria) <= set(REGISTRIES.criteria)
    assert set(proposal.mentioned) <= set(REGISTRIES.criteria)
    assert not set(proposal.criteria) & set(proposal.mentioned)
    assert proposal.combine in (None, "all", "any")
    if len(proposal.criteria) + len(proposal.unresolved) < 2:
        assert proposal.combine is None
    if proposal.pem_screen is not None:
        assert proposal.pem_screen in text
    if proposal.badge != "not-applicable" and not proposal.unresolved:
        decision = decide(list(proposal.criteria), proposal.combine, proposal.pem_screen, REGISTRIES)
        assert proposal.badge == (decision.badge or "unclear")
    json.dumps(proposal.to_dict())
    return proposal


def year_for(seed: int) -> int | None:
    return random.Random(seed).choice([None, 2005, 2023])


@pytest.mark.parametrize("block", range(8))
def test_properties_hold_for_generated_texts(block):
    for seed in range(block * 60, block * 60 + 60):
        check(generated(seed), year_for(seed))


def test_the_same_text_gives_the_same_proposal():
    text = generated(7) + " Patients met the CCC or the ICC. " + generated(8)
    assert propose_text(text, SCHEMAS).to_dict() == propose_text(text, SCHEMAS).to_dict()


@pytest.mark.parametrize(
    "text",
    [
        "",
        " \n\t ",
        "\x00" * 1000,
        "." * 50_000,
        "(" * 50_000,
        "- " * 50_000,
        "CCC " * 20_000,
        "ICC = 0.9; " * 5_000,
        "Patients met the " * 10_000,
        "x" * 200_000,
        "患者はカナダ基準を満たした。" * 2_000,
        "Die Patienten erfüllten die kanadischen Konsenskriterien für ME/CFS.",
        "Canadian " + "clinical " * 20_000 + "criteria",
        "=== " * 10_000,
        "*Sample Size:*: " * 5_000,
        "including 26 who " * 5_000 + "met the CCC",
    ],
    ids=lambda t: repr(t[:20]),
)
def test_inputs_that_break_readers_are_read(text):
    proposal = check(text)
    assert proposal.mecfs_cohort in (None, True, False)


def test_no_text_is_unclear():
    proposal = check("")
    assert (proposal.badge, proposal.criteria, proposal.quotes, proposal.mecfs_cohort) == ("unclear", (), (), None)


def test_text_in_another_language_proposes_nothing_it_cannot_read():
    proposal = check("Die Patienten erfüllten die kanadischen Konsenskriterien für ME/CFS.")
    assert (proposal.badge, proposal.criteria) == ("unclear", ())


def test_a_text_longer_than_the_limit_is_read_up_to_it():
    text = "x" * engine.MAX_CHARS + " Patients met the Canadian Consensus Criteria."
    proposal = check(text)
    assert proposal.truncated and proposal.criteria == ()
    assert not check("Patients met the Canadian Consensus Criteria.").truncated


MEGABYTES = {
    "passages": lambda rng: " ".join(rng.choice(FRAGMENTS[:20]) + "." for _ in range(60_000))[:1_000_000],
    "no-space": lambda rng: "a" * 1_000_000,
    "abbreviation": lambda rng: "CCC " * 250_000,
    "dots": lambda rng: "." * 1_000_000,  # a regex that retries a run from every dot never ends here
    "brackets": lambda rng: "(" * 1_000_000,
}


@pytest.mark.parametrize("kind", list(MEGABYTES))
def test_a_megabyte_through_the_command(tmp_path, kind):
    """A megabyte is read within the timeout (a quadratic step would take hours: a process of its own,
    so the timeout can stop it)."""
    text = MEGABYTES[kind](random.Random(3))
    atlas = new_atlas(tmp_path / "atlas")
    path = tmp_path / "big.txt"
    path.write_text(text, encoding="utf-8")
    result = run_atlas_process("criteria", "--text", str(path), "--format", "json", cwd=atlas, timeout=120)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["badge"] in BADGES
    assert all(text[q["start"] : q["end"]] == q["text"] for q in data["quotes"])
