"""The data `atlas criteria` reads: the shipped registries load, and a malformed entry is
a configuration error that names the file and line (exit 2 through the command)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import new_atlas, run_atlas

from atlas_cli.core.config import find_schemas_dir
from atlas_cli.core.errors import ConfigError
from atlas_cli.core.registries import load_registries
from atlas_cli.criteria import propose_text
from atlas_cli.criteria.lexicon import CUES_FILE, load_cues, load_lexicon

SHIPPED = find_schemas_dir()


def schemas_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "schemas"
    shutil.copytree(SHIPPED, folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_registries_describe_every_case_definition_for_text():
    registries = load_registries(SHIPPED)
    for criterion in registries.criteria.values():
        assert criterion.detect is not None and criterion.detect.names, criterion.id
    nice = registries.families["nice"]
    assert [v.criterion for v in nice.versions] == ["nice-2007", "nice-2021"] and nice.undated == "nice-2007"
    lexicon = load_lexicon(SHIPPED)
    for kind in lexicon.cues["designs"]["kinds"]:
        assert registries.designs[kind["design"]].participants is False


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '    detect:\n      names: ["Holmes criteria"',
            '    detect: yes\n    x_names: ["Holmes criteria"',
            "unknown key(s) x_names",
        ),
        ('      names: ["Holmes criteria"', '      names: ["Holmes ... ... criteria"', "two `...` in a row"),
        ('      names: ["Holmes criteria"', '      nams: ["Holmes criteria"', "unknown key(s) in `detect`: nams"),
        ("      family: nice\n", "      family: nicer\n", "`detect.family` 'nicer' is not listed"),
        ("        - match: ICC\n", "        - match: ICCX\n", "must be one of `detect.names`"),
        (
            "          means: intraclass correlation coefficient",
            "          meaning: intraclass correlation coefficient",
            "each false friend is a mapping with `means`",
        ),
        ("        from: 2022", "        from: 2000", "versions must be listed oldest first"),
        ("    undated: nice-2007", "    undated: fukuda-1994", "`undated` must be one of the versions"),
        ("      - criterion: nice-2021", "      - criterion: nice-2099", "'nice-2099' is not a criterion id"),
    ],
)
def test_a_malformed_criteria_entry_names_file_and_line(tmp_path, old, new, message):
    schemas = schemas_copy(tmp_path)
    edit(schemas / "criteria.yaml", old, new)
    with pytest.raises(ConfigError) as caught:
        load_registries(schemas)
    assert message in caught.value.message
    assert str(schemas / "criteria.yaml") in caught.value.message


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("subset:\n", "subsets:\n", "unknown key(s) subsets"),
        ('pem_terms: ["PEM"', 'pem_terms: ["P*EM"', "`*` may only end a word"),
        ('background: ["debate*"', 'background: ["... debate*"', "`...` must stand between two words"),
        ('"{pem} requirement"', '"{malaise} requirement"', "unknown list {malaise}"),
        ("    - design: meta-analysis", "    - design: meta-analyses", "design 'meta-analyses' is not in designs.yaml"),
        ("    - design: meta-analysis", "    - design: rct", "design rct has participants"),
        ("  also_all: [", "  all_also: [", "`combine` must be a mapping with exactly"),
        ("negation: [", "negation: []\nx: [", "unknown key(s) x"),
    ],
)
def test_a_malformed_cue_file_names_file_and_line(tmp_path, old, new, message):
    schemas = schemas_copy(tmp_path)
    edit(schemas / CUES_FILE, old, new)
    with pytest.raises(ConfigError) as caught:
        load_cues(schemas / CUES_FILE, load_registries(schemas))
    assert message in caught.value.message
    assert str(schemas / CUES_FILE) in caught.value.message


def test_a_curator_teaches_a_new_wording_without_code(tmp_path):
    text = "Participants were enlisted once they conformed to the Bergen criteria."
    assert propose_text(text, SHIPPED).criteria == ()
    schemas = schemas_copy(tmp_path)
    edit(
        schemas / "criteria.yaml",
        '      names: ["CCC", "Canadian Consensus Criteria"',
        '      names: ["Bergen criteria", "CCC", "Canadian Consensus Criteria"',
    )
    edit(schemas / CUES_FILE, '  strong: ["met",', '  strong: ["conformed to", "met",')
    proposal = propose_text(text, schemas)
    assert (proposal.badge, proposal.criteria) == ("required", ("ccc-2003",))


def test_an_atlas_without_its_own_cue_file_uses_the_shipped_one(tmp_path):
    schemas = schemas_copy(tmp_path)
    (schemas / CUES_FILE).unlink()
    assert propose_text("Patients met the ICC.", schemas).criteria == ("icc-2011",)


def test_a_broken_registry_of_an_atlas_is_exit_2_through_the_command(tmp_path):
    atlas = new_atlas(tmp_path / "atlas")
    schemas = atlas / "schemas"
    shutil.copytree(SHIPPED, schemas)
    edit(schemas / CUES_FILE, 'pem_terms: ["PEM"', 'pem_terms: ["{x}"')
    passage = tmp_path / "p.txt"
    passage.write_text("Patients met the CCC.", encoding="utf-8")
    result = run_atlas("criteria", "--text", str(passage), cwd=atlas)
    assert result.returncode == 2
    assert CUES_FILE in result.stderr and "unknown list {x}" in result.stderr and "Traceback" not in result.stderr
