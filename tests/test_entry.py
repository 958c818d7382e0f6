"""The entry point: the framework-free `atlas cite` path agrees with the Typer command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lint_support import run_atlas

from atlas_cli.cli.fastpath import parse_cite

REPO = Path(__file__).resolve().parents[1]
SLUG = "mensah-2017-chronic-fatigue"


def via_typer(*args: str) -> subprocess.CompletedProcess:
    """Run ARGS through the Typer application only (no fast path)."""
    code = "import sys; from atlas_cli.cli.app import run_app; sys.exit(run_app(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, encoding="utf-8", cwd=REPO, timeout=60
    )


@pytest.mark.parametrize(
    "args",
    [
        ["cite", SLUG],
        ["cite", SLUG, "--format", "bibtex"],
        ["cite", "-f", "primary", SLUG, "fluge-2019-lymphocyte-depletion"],
        ["cite", "no-such-record"],
        ["cite", "../etc/passwd"],
        ["cite", SLUG, "--format", "harvard"],
        ["--root", "records", "cite", SLUG],
    ],
)
def test_fast_path_and_typer_agree(args):
    assert parse_cite(args) is not None  # these take the fast path
    fast = run_atlas(*args, cwd=REPO)
    slow = via_typer(*args)
    assert (fast.returncode, fast.stdout) == (slow.returncode, slow.stdout)
    assert fast.stderr.splitlines()[:1] == slow.stderr.splitlines()[:1]
    assert "Traceback" not in fast.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["cite"],
        ["cite", "--help"],
        ["cite", SLUG, "--verbose"],
        ["lint"],
        ["--version"],
        [],
        ["--root"],
        ["cite", SLUG, "--format"],
    ],
)
def test_anything_else_goes_to_typer(args):
    assert parse_cite(args) is None


def test_fast_cite_imports_no_cli_framework():
    code = (
        f"import sys; sys.argv=['atlas','cite','{SLUG}']\n"
        "from atlas_cli.__main__ import main\n"
        "try: main()\n"
        "except SystemExit: pass\n"
        "bad=[m for m in ('typer','rich','pydantic','jsonschema','habanero') if m in sys.modules]\n"
        "sys.stderr.write(repr(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.stderr.strip() == "[]"


def test_help_lists_every_command_in_order():
    result = run_atlas("--help", cwd=REPO)
    listed = [line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line.strip()]
    from atlas_cli.cli.app import COMMANDS

    assert listed == list(COMMANDS)


def test_every_command_is_documented_in_the_readme():
    from atlas_cli.cli.app import COMMANDS

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [name for name in COMMANDS if f"### `atlas {name}" not in readme]
    assert missing == []


def test_internal_error_is_exit_70_with_a_report_request(capsys):
    from atlas_cli.cli.handler import run_command

    assert run_command(lambda: 1 / 0) == 70
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError" in err and "please report" in err
    with pytest.raises(ZeroDivisionError):
        run_command(lambda: 1 / 0, debug=True)


def test_interrupt_is_exit_130(capsys):
    from atlas_cli.cli.handler import run_command

    def interrupted():
        raise KeyboardInterrupt

    assert run_command(interrupted) == 130 and "interrupted" in capsys.readouterr().err


def test_broken_schema_file_of_an_atlas_is_a_configuration_error(tmp_path):
    (tmp_path / "atlas.toml").write_text("[atlas]\n", encoding="utf-8")
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    for name in ("criteria.yaml", "topics.yaml", "designs.yaml"):
        (schemas / name).write_bytes((REPO / "schemas" / name).read_bytes())
    (schemas / "record.schema.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "records").mkdir()
    result = run_atlas("lint", cwd=tmp_path)
    assert result.returncode == 2 and "record.schema.json" in result.stderr and "Traceback" not in result.stderr


def test_lint_of_one_clean_file_imports_only_what_it_needs():
    code = (
        f"import sys; sys.argv=['atlas','lint','records/{SLUG}.yaml']\n"
        "from atlas_cli.__main__ import main\n"
        "try: main()\n"
        "except SystemExit as exit: code = exit.code\n"
        "heavy=[m for m in ('habanero','httpx2','jsonschema','jinja2','citeproc','rich.console') "
        "if m in sys.modules]\n"
        "sys.stderr.write(repr((code, heavy)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.stderr.strip().splitlines()[-1] == "(0, [])"
