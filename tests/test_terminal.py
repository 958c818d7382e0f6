"""The terminal: shell completion of commands and slugs, and option values refused the same
way by every command. End to end through the entry point."""

from __future__ import annotations

import pytest
from helpers import FIXTURE_ATLAS, new_atlas, record, run_atlas, run_atlas_process

SLUGS = ("mensah-2017-chronic-fatigue", "mensah-2018-other-paper", "fluge-2019-lymphocyte-depletion")


@pytest.fixture
def atlas(tmp_path):
    return new_atlas(
        tmp_path / "atlas",
        [record(slug=slug, doi=f"10.1234/{i}", pmid=str(i + 1)) for i, slug in enumerate(SLUGS)],
    )


def bash_complete(words: str, cwd=None, env=None) -> list[str]:
    """What bash completion offers after WORDS (the last word is being typed)."""
    line = words.split(" ")
    variables = {"_ATLAS_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(line) - 1)}
    result = run_atlas(cwd=cwd, env={**variables, **(env or {})})
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize("command", ["cite", "show", "verify"])
def test_slugs_complete_for_the_commands_that_take_them(atlas, command):
    assert bash_complete(f"atlas {command} mensah", cwd=atlas) == [
        "mensah-2017-chronic-fatigue",
        "mensah-2018-other-paper",
    ]
    assert bash_complete(f"atlas {command} fl", cwd=atlas / "records") == ["fluge-2019-lymphocyte-depletion"]


def test_slugs_already_given_are_not_offered_again(atlas):
    assert bash_complete("atlas cite mensah-2017-chronic-fatigue mensah", cwd=atlas) == ["mensah-2018-other-paper"]


def test_slugs_of_the_atlas_named_by_root(atlas, tmp_path):
    assert bash_complete(f"atlas --root {atlas} cite fl", cwd=tmp_path) == ["fluge-2019-lymphocyte-depletion"]
    assert bash_complete("atlas cite fl", cwd=tmp_path, env={"ATLAS_ROOT": str(atlas)}) == [
        "fluge-2019-lymphocyte-depletion"
    ]


def test_outside_an_atlas_nothing_completes_and_nothing_fails(tmp_path):
    assert bash_complete("atlas cite me", cwd=tmp_path) == []


def test_commands_and_options_complete(atlas):
    assert "cite" in bash_complete("atlas ci", cwd=atlas)
    assert bash_complete("atlas lint --dr", cwd=atlas) == ["--drafts"]


def test_zsh_completion_gives_the_slugs_too(atlas):
    variables = {"_ATLAS_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "atlas show fl"}
    result = run_atlas(cwd=atlas, env=variables)
    assert result.returncode == 0 and "fluge-2019-lymphocyte-depletion" in result.stdout


def test_help_offers_to_install_completion():
    result = run_atlas("--help")
    assert result.returncode == 0
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout


def test_show_completion_prints_a_script_for_the_shell():
    result = run_atlas_process("--show-completion", "bash")
    assert result.returncode == 0, result.stderr
    assert "_ATLAS_COMPLETE=complete_bash" in result.stdout


# --- option values: checked the same way by every command --------------------------------------


@pytest.mark.parametrize(
    "args, message, suggestion",
    [
        (["list", "--format", "jsn"], "unknown format 'jsn'", "did you mean: json?"),
        (["list", "--sort", "yaer"], "unknown sort key 'yaer'", "did you mean: year?"),
        (["list", "--status", "publised"], "unknown status 'publised'", "did you mean: published?"),
        (["list", "--badge", "requird"], "unknown badge 'requird'", "did you mean: required?"),
        (["list", "--flag", "retractd"], "unknown flag 'retractd'", "did you mean: retracted?"),
        (["list", "--topic", "immune-disfunction"], "unknown topic", "did you mean: immune-dysfunction?"),
        (["export", "--topic", "immune-disfunction"], "unknown topic", "did you mean: immune-dysfunction?"),
        (["export", "--status", "publised"], "unknown status 'publised'", "did you mean: published?"),
        (["export", "--badge", "requird"], "unknown badge 'requird'", "did you mean: required?"),
        (["export", "--format", "bibtx"], "unknown export format 'bibtx'", "did you mean: bibtex?"),
        (["stats", "--format", "jsn"], "unknown format 'jsn'", "did you mean: json?"),
        (["verify", "--format", "jsn"], "unknown format 'jsn'", "did you mean: json?"),
        (["lint", "--format", "sarf"], "unknown format 'sarf'", "did you mean: sarif?"),
        (["lint", "--drafts", "quite"], "unknown --drafts value 'quite'", "did you mean: quiet?"),
        (["cite", "--format", "bibtx", "mensah-2017-chronic-fatigue"], "unknown citation format", "bibtex?"),
        (["criteria", "--text", "-", "--format", "jsn"], "unknown format 'jsn'", "did you mean: json?"),
    ],
)
def test_an_unknown_value_is_exit_2_with_a_suggestion(args, message, suggestion):
    result = run_atlas(*args, root=FIXTURE_ATLAS, stdin="Patients met the CCC.")
    assert result.returncode == 2, (args, result.stdout, result.stderr)
    assert message in result.stderr and suggestion in result.stderr, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
