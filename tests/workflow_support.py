"""Running what a records repository runs, on this machine and offline.

- `LocalRunner` runs the `run:` steps of a GitHub workflow job or of a composite action
  the way GitHub's runner does (bash with `-e`, or `-eo pipefail` for `shell: bash`; the
  workflow's, job's and step's `env`; `GITHUB_PATH`, `GITHUB_OUTPUT` and
  `GITHUB_STEP_SUMMARY` files), and hands back the `uses:` steps for the test to check.
  It evaluates only the expressions it is given (`inputs.x`, `steps.id.outputs.x`) and
  fails on any other, so a step cannot pass on an expression it never understood.
- `atlas_source()` is this checkout as a git repository tagged with the running version,
  what a records repository's pre-commit hook and `uses:` name.
- Installs take atlas from this checkout and its dependencies from the test
  environment (`offline_pip_env`, `fresh_venv`), so nothing is downloaded.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from helpers import REPO

from atlas_cli import __version__

SITE_PACKAGES = sysconfig.get_paths()["purelib"]  # the test environment's: atlas's dependencies are there
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load_yaml(path: Path):
    """A workflow, action or hook file; the `on:` key stays `on` (YAML 1.1 reads it as true)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and True in data:
        data["on"] = data.pop(True)
    return data


def offline_pip_env() -> dict[str, str]:
    """pip settings under which `pip install <atlas checkout>` needs no network: no
    dependencies (the test environment provides them), and the build backend (hatchling,
    from the test extra) taken from the environment rather than downloaded. pip reads
    PIP_NO_BUILD_ISOLATION inverted: "0" turns build isolation off."""
    return {"PIP_NO_DEPS": "1", "PIP_NO_BUILD_ISOLATION": "0", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def fresh_venv(path: Path) -> Path:
    """A new virtual environment at PATH whose imports fall back on the test environment's
    packages (a .pth line after its own site-packages). Returns its bin folder."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, capture_output=True)
    bin_dir = path / ("Scripts" if os.name == "nt" else "bin")
    purelib = subprocess.run(
        [str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "_atlas_test_dependencies.pth").write_text(SITE_PACKAGES + "\n", encoding="utf-8")
    return bin_dir


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout


def git_identity_env() -> dict[str, str]:
    return {
        "GIT_AUTHOR_NAME": "Curator",
        "GIT_AUTHOR_EMAIL": "curator@example.org",
        "GIT_COMMITTER_NAME": "Curator",
        "GIT_COMMITTER_EMAIL": "curator@example.org",
        "GIT_CONFIG_NOSYSTEM": "1",
    }


def atlas_source(target: Path) -> Path:
    """This checkout's files (tracked, and new ones not ignored) committed into a git
    repository at TARGET and tagged `v<version>`: atlas as a release of it looks."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    target.mkdir(parents=True)
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():  # a file deleted but not yet committed is listed too
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    env = {**os.environ, **git_identity_env()}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "atlas"]):
        subprocess.run(["git", *args], cwd=target, check=True, capture_output=True, env=env)
    subprocess.run(["git", "tag", f"v{__version__}"], cwd=target, check=True, env=env)
    return target


@dataclass
class StepResult:
    step: dict
    returncode: int
    stdout: str
    stderr: str


@dataclass
class LocalRunner:
    """Runs `run:` steps in WORKSPACE with ENV, keeping the runner's files in TEMP."""

    workspace: Path
    env: dict[str, str]
    temp: Path
    contexts: dict[str, str] = field(default_factory=dict)
    results: list[StepResult] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.temp.mkdir(parents=True, exist_ok=True)
        self.path_file = self.temp / "github_path"
        self.summary = self.temp / "step_summary.md"
        self.path_file.touch()
        self.summary.touch()

    def evaluate(self, text: str) -> str:
        def value(match: re.Match) -> str:
            expression = match.group(1)
            assert expression in self.contexts, f"the local runner cannot evaluate ${{{{ {expression} }}}}"
            return self.contexts[expression]

        return EXPRESSION.sub(value, str(text))

    def run_steps(self, steps: list[dict], env: dict | None = None, *, stop_on_failure: bool = True) -> list[dict]:
        """Run every `run:` step (ENV: the workflow's and job's env); returns the `uses:` steps."""
        used = []
        for step in steps:
            if "uses" in step:
                used.append(step)
                continue
            assert "if" not in step, f"the local runner does not evaluate `if:` ({step})"
            result = self.run(step, env or {})
            if result.returncode != 0 and stop_on_failure:
                break
        return used

    def run(self, step: dict, env: dict) -> StepResult:
        script = self.temp / f"step-{len(self.results)}.sh"
        script.write_text(self.evaluate(step["run"]), encoding="utf-8")
        output = self.temp / f"output-{len(self.results)}"
        output.touch()
        step_env = {**self.env, **{k: self.evaluate(v) for k, v in {**env, **step.get("env", {})}.items()}}
        added = [line for line in self.path_file.read_text(encoding="utf-8").splitlines() if line]
        step_env["PATH"] = os.pathsep.join([*reversed(added), step_env["PATH"]])
        step_env.update(
            GITHUB_WORKSPACE=str(self.workspace),
            GITHUB_PATH=str(self.path_file),
            GITHUB_OUTPUT=str(output),
            GITHUB_STEP_SUMMARY=str(self.summary),
            RUNNER_TEMP=str(self.temp),
            GITHUB_ACTIONS="true",
            CI="true",
        )
        shell = step.get("shell")
        assert shell in (None, "bash"), f"the local runner runs bash steps only ({step})"
        command = ["bash", "--noprofile", "--norc", "-eo", "pipefail"] if shell == "bash" else ["bash", "-e"]
        cwd = self.workspace / self.evaluate(step.get("working-directory", "."))
        done = subprocess.run(
            [*command, str(script)], cwd=cwd, env=step_env, capture_output=True, text=True, timeout=300
        )
        if "id" in step:
            for line in output.read_text(encoding="utf-8").splitlines():
                key, _, value = line.partition("=")
                self.contexts[f"steps.{step['id']}.outputs.{key}"] = value
        result = StepResult(step, done.returncode, done.stdout, done.stderr)
        self.results.append(result)
        return result
