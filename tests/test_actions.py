"""atlas's own GitHub files: the composite action at the repository root (validated, and
its steps run here as a runner would), the release workflow, and the pre-commit hook
definition."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import good, new_atlas, with_pem, write_record
from workflow_support import REPO, SITE_PACKAGES, LocalRunner, atlas_source, load_yaml, offline_pip_env

from atlas_cli import __version__

BIN = Path(sys.executable).parent


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", schema, *map(str, files)], capture_output=True, text=True
    )


def actionlint(*files: Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "actionlint"), "-no-color", *map(str, files)], cwd=cwd, capture_output=True, text=True
    )


def test_action_metadata_is_valid():
    done = check_jsonschema("vendor.github-actions", REPO / "action.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    action = load_yaml(REPO / "action.yml")
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"paths", "format", "args", "output", "working-directory", "python"}
    install = action["runs"]["steps"][0]["run"]
    assert 'pip install --quiet --disable-pip-version-check "$GITHUB_ACTION_PATH"' in install


def test_repository_workflows_are_valid():
    workflows = sorted((REPO / ".github" / "workflows").glob("*.yml"))
    assert [w.name for w in workflows] == ["release.yml"]
    done = check_jsonschema("vendor.github-workflows", *workflows)
    assert done.returncode == 0, done.stdout + done.stderr
    done = actionlint(*workflows, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    release = load_yaml(REPO / ".github" / "workflows" / "release.yml")
    assert release["on"]["push"]["tags"] == ["v*"]
    assert all("timeout-minutes" in job for job in release["jobs"].values())
    build_steps = "\n".join(step.get("run", "") for step in release["jobs"]["build"]["steps"])
    assert "python -m build" in build_steps and "twine check --strict dist/*" in build_steps
    assert release["jobs"]["pypi"]["if"] == "vars.PUBLISH_TO_PYPI == 'true'"  # prepared, not required


def test_a_workflow_using_the_action_passes_actionlint(tmp_path):
    """actionlint reads a local action's metadata: the inputs a curator passes must exist."""
    shutil.copy(REPO / "action.yml", tmp_path / "action.yml")
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "lint.yml").write_text(
        """\
on: pull_request
permissions:
  contents: read
  security-events: write
jobs:
  lint:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@v6
      - uses: ./
        with:
          paths: records
          format: sarif
          args: --strict
          output: atlas.sarif
      - uses: github/codeql-action/upload-sarif@v4
        if: ${{ !cancelled() }}
        with:
          sarif_file: atlas.sarif
""",
        encoding="utf-8",
    )
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert actionlint(workflows / "lint.yml", cwd=tmp_path).returncode == 0
    (workflows / "lint.yml").write_text(
        (workflows / "lint.yml").read_text(encoding="utf-8").replace("args:", "extra-args:"), encoding="utf-8"
    )
    done = actionlint(workflows / "lint.yml", cwd=tmp_path)
    assert done.returncode == 1 and 'input "extra-args" is not defined' in done.stdout


def test_pre_commit_hook_is_serial_and_matches_records():
    [hook] = load_yaml(REPO / ".pre-commit-hooks.yaml")
    assert hook["id"] == "atlas-lint" and hook["entry"] == "atlas lint" and hook["language"] == "python"
    assert hook["require_serial"] is True  # one `atlas lint`, one summary, duplicates checked across all
    import re

    assert re.search(hook["files"], "records/mensah-2017-chronic-fatigue.yaml")
    assert not re.search(hook["files"], "schemas/topics.yaml")


# --- the action's steps, run here ------------------------------------------------------------


@pytest.fixture(scope="module")
def action_checkout(tmp_path_factory):
    """The action as `uses: <owner>/<repo>@v<version>` checks it out."""
    return atlas_source(tmp_path_factory.mktemp("action") / "atlas")


def run_action(action_path: Path, workspace: Path, temp: Path, **inputs: str) -> LocalRunner:
    action = load_yaml(action_path / "action.yml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATLAS_", "GITHUB_"))}
    # The action makes its own venv; give it atlas's dependencies from the test environment.
    env.update(offline_pip_env(), PYTHONPATH=SITE_PACKAGES, GITHUB_ACTION_PATH=str(action_path))
    env["ATLAS_CACHE_DIR"] = str(temp / "cache")
    runner = LocalRunner(workspace, env, temp)
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()} | inputs
    runner.contexts.update({f"inputs.{name}": value for name, value in values.items()})
    assert runner.run_steps(action["runs"]["steps"]) == []
    return runner


@pytest.mark.slow  # installs atlas into a new environment
def test_the_action_installs_atlas_from_its_checkout_and_annotates_problems(action_checkout, tmp_path):
    workspace = new_atlas(tmp_path / "records-repo")
    write_record(workspace, with_pem(badge="not-required"))
    runner = run_action(action_checkout, workspace, tmp_path / "runner")
    install, lint = runner.results
    assert install.returncode == 0, install.stderr
    assert install.stdout.strip() == f"atlas {__version__}"
    venv_bin = runner.path_file.read_text(encoding="utf-8").strip()
    assert Path(venv_bin, "atlas").exists()  # later steps of the job can run atlas too
    assert lint.returncode == 1, lint.stderr
    assert "::error file=records/fluge-2019-b-lymphocyte.yaml,line=" in lint.stdout
    assert "title=atlas pem-badge" in lint.stdout
    assert "| error | `records/fluge-2019-b-lymphocyte.yaml` |" in runner.summary.read_text(encoding="utf-8")


@pytest.mark.slow  # installs atlas into a new environment
def test_the_action_writes_sarif_to_a_file_for_code_scanning(action_checkout, tmp_path):
    workspace = new_atlas(tmp_path / "records-repo")
    write_record(workspace, good())
    write_record(workspace, good(slug="mella-2020-x", title="Other", doi="10.1234/x", pmid="1", summary="TODO"))
    runner = run_action(
        action_checkout,
        workspace,
        tmp_path / "runner",
        format="sarif",
        output="atlas.sarif",
        paths="records/fluge-2019-b-lymphocyte.yaml\nrecords/mella-2020-x.yaml",
        args="--jobs 1",
    )
    lint = runner.results[-1]
    assert lint.returncode == 1 and lint.stdout == ""
    log = json.loads((workspace / "atlas.sarif").read_text(encoding="utf-8"))
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"text-placeholder"}
    [location] = results[0]["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "records/mella-2020-x.yaml"
