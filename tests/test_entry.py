"""The entry point: the framework-free `atlas cite` and `atlas add` paths agree with the Typer commands, the
installed `atlas` is what the tests run in-process, and runs leave nothing to the next."""

from __future__ import annotations

import contextvars
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, clean_env, new_atlas, run_atlas, run_atlas_process, write_record

from atlas_cli.cli.app import COMMANDS, Options, create_app, options, run_app
from atlas_cli.cli.fastpath import parse_add, parse_cite

SLUG = "mensah-2017-chronic-fatigue"


def via_typer(*args: str):
    """Run ARGS through the Typer application only (no fast path)."""
    return run_atlas(*args, cwd=REPO, entry=run_app)


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


def test_fast_cite_imports_no_cli_framework(tmp_path):
    """Nor, once the settings file's table is kept (core.settings_cache), what core/values.py
    keeps off the way to a citation: each costs a tenth or more of `atlas cite`'s start-up."""
    code = (
        f"import sys; sys.argv=['atlas','cite','{SLUG}']\n"
        "from atlas_cli.__main__ import main\n"
        "try: main()\n"
        "except SystemExit: pass\n"
        "bad=[m for m in ('typer','rich','pydantic','jsonschema','habanero','typing','dataclasses','inspect',"
        "'tomllib','platformdirs') if m in sys.modules]\n"
        "sys.stderr.write(repr(bad))"
    )
    env = clean_env(cache=tmp_path / "cache")
    first, second = (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env, timeout=60)
        for _ in range(2)
    )
    assert first.stderr.strip() == "['typing', 'tomllib']"  # the first run parses pyproject.toml and keeps its table
    assert second.stderr.strip() == "[]"
    assert first.stdout == second.stdout and f"mecfsatlas-{SLUG}" in second.stdout


def test_help_lists_every_command_in_order():
    result = run_atlas("--help", cwd=REPO)
    listed = [line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == list(COMMANDS)


def test_every_command_is_documented_in_the_readme():
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
    new_atlas(tmp_path, config="[atlas]\n")
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    for name in ("criteria.yaml", "topics.yaml", "designs.yaml"):
        (schemas / name).write_bytes((REPO / "schemas" / name).read_bytes())
    (schemas / "record.schema.json").write_text("{not json", encoding="utf-8")
    result = run_atlas("lint", cwd=tmp_path)
    assert result.returncode == 2 and "record.schema.json" in result.stderr and "Traceback" not in result.stderr


def test_lint_of_one_clean_file_imports_only_what_it_needs(tmp_path):
    code = (
        f"import sys; sys.argv=['atlas','lint','records/{SLUG}.yaml']\n"
        "from atlas_cli.__main__ import main\n"
        "try: main()\n"
        "except SystemExit as exit: code = exit.code\n"
        "heavy=[m for m in ('habanero','httpx2','jsonschema','jinja2','citeproc','rich.console') "
        "if m in sys.modules]\n"
        "sys.stderr.write(repr((code, heavy)))"
    )
    env = clean_env(cache=tmp_path)  # the lint index goes to a cache folder of the test's own
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env, timeout=60)
    assert result.stderr.strip().splitlines()[-1] == "(0, [])"


# --- `atlas add`: the plain forms skip the framework, and say what the Typer command says -------

DOI = "10.1234/entry.1"


@pytest.mark.parametrize(
    "args",
    [
        ["add", "--offline", DOI],  # not in the (empty) cache: exit 1
        ["add", "--offline", "--refresh", DOI],
        ["add", "--dry-run", "--offline", "--no-pubmed", "--", DOI, "28410877"],
        ["add", "not a doi", "https://www.example.org/article/5"],
        ["add", "--from", "no-such-file.txt"],
        ["add", "--offline", "--from=-"],  # standard input: empty
    ],
)
def test_fast_add_and_typer_agree(args, tmp_path):
    root = new_atlas(tmp_path / "atlas")
    args = ["--root", str(root), *args]
    assert parse_add(args) is not None  # these take the fast path
    fast = run_atlas(*args, cwd=tmp_path)
    slow = run_atlas(*args, cwd=tmp_path, entry=run_app)
    assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, slow.stderr)
    assert "Traceback" not in fast.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["add"],
        ["add", "--help"],
        ["add", "-h"],
        ["add", DOI, "--verbose"],
        ["add", "--from"],
        ["--version", "add", DOI],
        ["cite", "add"],
        ["list", "--search", "add"],
    ],
)
def test_anything_else_goes_to_typer_for_add(args):
    assert parse_add(args) is None


def test_fast_add_imports_no_cli_framework(tmp_path):
    root = new_atlas(tmp_path / "atlas")
    code = (
        f"import sys; sys.argv=['atlas','--root',{str(root)!r},'add','--offline','{DOI}']\n"
        "from atlas_cli.__main__ import main\n"
        "try: main()\n"
        "except SystemExit: pass\n"
        "bad=[m for m in ('typer','click','pydantic') if m in sys.modules]\n"
        "sys.stderr.write(repr(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env(cache=tmp_path),
        timeout=60,
    )
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_help_of_one_command_loads_no_pydantic():
    code = (
        "import sys; sys.argv=['atlas','add','--help']\n"
        "from atlas_cli.__main__ import main\n"
        "try: main()\n"
        "except SystemExit: pass\n"
        "sys.stderr.write(repr('pydantic' in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert "Usage: atlas add [OPTIONS]" in result.stdout and result.stderr.strip() == "False"


@pytest.mark.parametrize("name", list(COMMANDS))
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_of_one_command_is_the_applications(name, flag):
    """`atlas NAME --help` is printed by the command alone; the text is what the application prints."""
    direct = run_atlas(name, flag, cwd=REPO)
    app = create_app([name, flag])

    def through_the_application(argv: list[str]) -> int:
        try:
            contextvars.copy_context().run(app, args=argv, prog_name="atlas")  # its --root stays in there
        except SystemExit as exit:
            return int(exit.code or 0)
        return 0

    whole = run_atlas(name, flag, cwd=REPO, entry=through_the_application)
    assert (direct.returncode, direct.stdout) == (whole.returncode, whole.stdout) == (0, whole.stdout)
    assert whole.stdout.startswith(f"Usage: atlas {name} ")


# --- the installed entry point is what the tests run in this process -------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["cite", SLUG],  # the fast path
        ["cite", "-f", "apa", "no-such-record"],  # the fast path: an unknown slug
        ["--root", "records", "lint", "--format", "json"],  # a command of the Typer app
        ["show", SLUG, "--no-citations"],
        ["lint", "--jobs", "0"],  # a usage error from the framework
        [],  # the help, exit 2
    ],
)
def test_the_installed_atlas_and_python_m_do_what_the_in_process_run_does(args, tmp_path):
    atlas = shutil.which("atlas", path=str(Path(sys.executable).parent))
    assert atlas, "the `atlas` command is not installed next to this Python (pip install -e .)"
    script = subprocess.run(
        [atlas, *args],
        cwd=REPO,
        env=clean_env(cache=tmp_path),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    module = run_atlas_process(*args, cwd=REPO)
    here = run_atlas(*args, cwd=REPO)
    assert (script.returncode, script.stdout, script.stderr) == (here.returncode, here.stdout, here.stderr)
    assert (module.returncode, module.stdout, module.stderr) == (here.returncode, here.stdout, here.stderr)


# --- the application factory: one run leaves nothing behind for the next ------------------------


def test_only_the_command_being_run_is_registered():
    def names(argv):
        return [command.name for command in create_app(argv).registered_commands]

    assert names(["lint", "records"]) == ["lint"]
    assert names(["--root", "cite", "export"]) == ["cite", "export"]  # `cite` is the value of --root
    assert names(["--help"]) == names([]) == names(["no-such-command"]) == list(COMMANDS)


def test_two_runs_in_one_process_are_two_independent_runs(tmp_path):
    broken = new_atlas(tmp_path / "broken")
    write_record(broken, {"slug": "x-2020-y", "year": "soon"})
    clean = new_atlas(tmp_path / "clean")
    first = run_atlas("lint", root=broken)
    assert first.returncode == 1 and "x-2020-y.yaml" in first.stdout
    assert options() == Options()  # --root was this run's only
    second = run_atlas("lint", cwd=clean)
    assert (second.returncode, second.stdout) == (0, "0 records checked: no problems\n")
    helps = [run_atlas("--help").stdout for _ in range(2)]
    assert helps[0] == helps[1] and helps[0].count("\n  lint ") == 1  # each command listed once
