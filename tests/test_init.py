"""`atlas init`: a curator's own atlas, from the first command to a published preview.

The end-to-end test at the bottom does what the README tells a curator, in a temporary
git repository: `atlas init`, install atlas from `atlas-requirements.txt` into a fresh
virtual environment (the requirement pointed at this checkout, the one line a curator
changes to move atlas), `atlas add` a paper from a local fake Crossref, commit through
the real pre-commit hook, run the `run:` steps of the three generated workflows, and
check what each left behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from fake_services import FakeServices, work
from helpers import GOOD, REPO, clean_env, good, run_atlas, with_pem
from workflow_support import (
    SITE_PACKAGES,
    LocalRunner,
    atlas_source,
    fresh_venv,
    git,
    git_identity_env,
    load_yaml,
    offline_pip_env,
)

from atlas_cli import __version__
from atlas_cli.core.records import render_record
from atlas_cli.init.create import PLACEHOLDERS
from atlas_cli.init.source import repository_url

BIN = Path(sys.executable).parent
NAMED = ("--name", "Demo Atlas", "--site-url", "https://demo.example.org/", "--bibtex-prefix", "demo")
WORKFLOWS = ("atlas-lint.yml", "atlas-site.yml", "atlas-verify.yml")


def test_init_without_names_writes_placeholders_that_lint_reports(tmp_path):
    target = tmp_path / "new"
    done = run_atlas("init", str(target))
    assert done.returncode == 0, done.stderr
    config = tomllib.loads((target / "atlas.toml").read_text(encoding="utf-8"))["atlas"]
    assert {key: config[key] for key in PLACEHOLDERS} == PLACEHOLDERS
    assert "mecfsatlas" not in (target / "atlas.toml").read_text(encoding="utf-8")  # nothing of the public atlas
    assert "name, site_url, bibtex_prefix are placeholders" in done.stdout
    lint = run_atlas("lint", cwd=target)
    assert lint.returncode == 1
    assert (
        sorted(line.split()[2] for line in lint.stdout.splitlines() if ": error " in line) == ["config-placeholder"] * 3
    )
    assert 'hint: edit atlas.toml: under [atlas], set site_url = "https://atlas.example.org"' in lint.stdout
    # ... and the preview (which the site workflow publishes) is not built with them either
    (target / "records" / "fluge-2019-b-lymphocyte.yaml").write_text(render_record(good()), encoding="utf-8")
    build = run_atlas("build", cwd=target)
    assert build.returncode == 1 and build.stderr.count("error config-placeholder") == 3
    assert not (target / "site").exists()
    # cite and export still print, and say what their citations carry
    cite = run_atlas("cite", "fluge-2019-b-lymphocyte", cwd=target)
    assert cite.returncode == 0 and "https://TODO.invalid/evidence/fluge-2019-b-lymphocyte" in cite.stdout
    warning = "name, site_url, bibtex_prefix are still placeholders in atlas.toml: these citations carry them"
    assert warning in cite.stderr
    exported = run_atlas("export", cwd=target)
    assert exported.returncode == 0 and "@article{TODO-fluge-2019-b-lymphocyte," in exported.stdout
    assert warning in exported.stderr


def test_init_with_names_is_lint_clean_and_cites_with_them(tmp_path):
    target = tmp_path / "new"
    done = run_atlas("init", str(target), *NAMED, "--mailto", "curator@example.org")
    assert done.returncode == 0, done.stderr
    assert "placeholders" not in done.stdout
    created = {line.split(" ", 1)[1] for line in done.stdout.splitlines() if line.startswith("created ")}
    expected = [
        "records/.gitkeep",
        ".gitignore",
        "atlas-requirements.txt",
        *(f".github/workflows/{w}" for w in WORKFLOWS),
        ".pre-commit-config.yaml",
        "README.md",
        "atlas.toml",
    ]
    assert created == {str(target / name) for name in expected}
    assert run_atlas("lint", cwd=target).returncode == 0
    (target / "records" / "fluge-2019-b-lymphocyte.yaml").write_text(render_record(good()), encoding="utf-8")
    cite = run_atlas("cite", "fluge-2019-b-lymphocyte", cwd=target)
    assert "@article{demo-fluge-2019-b-lymphocyte," in cite.stdout
    assert "Demo Atlas. Generator v1" in cite.stdout
    assert "https://demo.example.org/evidence/fluge-2019-b-lymphocyte" in cite.stdout
    assert "placeholder" not in cite.stderr
    gitignore = (target / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert {"/site/", "/.venv/", "/.atlas-cache/"} <= set(gitignore)


@pytest.mark.parametrize(
    "option, value, words",
    [
        ("--site-url", "www.example.org", "is not a web address"),
        ("--site-url", "ftp://example.org", "is not a web address"),
        ("--bibtex-prefix", "my atlas", "cannot start a BibTeX key"),
        ("--bibtex-prefix", "a{b}", "cannot start a BibTeX key"),
        ("--name", "  ", "--name must be one line"),
    ],
)
def test_init_refuses_a_bad_value_before_writing_anything(tmp_path, option, value, words):
    target = tmp_path / "new"
    done = run_atlas("init", str(target), option, value)
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr
    assert not target.exists()


def test_init_keeps_existing_files_and_says_what_to_add(tmp_path):
    target = tmp_path / "repo"
    target.mkdir()
    pre_commit = "repos:\n  - repo: https://github.com/pre-commit/pre-commit-hooks\n    rev: v5.0.0\n"
    (target / ".pre-commit-config.yaml").write_text(pre_commit, encoding="utf-8")
    (target / ".gitignore").write_text("site/\n*.pyc\n", encoding="utf-8")
    (target / "README.md").write_text("mine\n", encoding="utf-8")
    done = run_atlas("init", str(target), *NAMED)
    assert done.returncode == 0, done.stderr
    assert (target / ".pre-commit-config.yaml").read_text(encoding="utf-8") == pre_commit
    assert (target / ".gitignore").read_text(encoding="utf-8") == "site/\n*.pyc\n"
    assert (target / "README.md").read_text(encoding="utf-8") == "mine\n"
    assert f"kept    {target / '.pre-commit-config.yaml'} (it exists)" in done.stdout
    entry = f"  - repo: {repository_url()}\n    rev: v{__version__}\n    hooks:\n      - id: atlas-lint\n"
    assert f"add atlas lint to it by hand, under `repos:`\n{entry}" in done.stdout
    assert "add /.venv/ to it" in done.stdout and "/site/" not in done.stdout.split(".gitignore exists")[1]


def test_init_pins_this_atlas_release_everywhere(tmp_path):
    target = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", "-b", "trunk", str(target)], check=True)
    assert run_atlas("init", str(target), *NAMED).returncode == 0
    tag = f"v{__version__}"
    requirement = [
        line
        for line in (target / "atlas-requirements.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert requirement == [f"atlas-cli @ git+{repository_url()}@{tag}"]
    [repo] = load_yaml(target / ".pre-commit-config.yaml")["repos"]
    assert repo == {"repo": repository_url(), "rev": tag, "hooks": [{"id": "atlas-lint"}]}
    for name in WORKFLOWS:
        workflow = load_yaml(target / ".github" / "workflows" / name)
        for job in workflow["jobs"].values():
            assert 1 <= job["timeout-minutes"] <= 30
            runs = [step["run"] for step in job["steps"] if "run" in step]
            assert all(
                "pip install" not in run or run == "python -m pip install -r atlas-requirements.txt" for run in runs
            )
        if "push" in workflow["on"]:
            assert workflow["on"]["push"]["branches"] == ["trunk"]  # the repository's own branch


def test_generated_workflows_pass_the_github_schema_and_actionlint(tmp_path):
    target = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(target)], check=True)
    assert run_atlas("init", str(target), *NAMED).returncode == 0
    workflows = [target / ".github" / "workflows" / name for name in WORKFLOWS]
    schema = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, workflows)],
        capture_output=True,
        text=True,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    lint = subprocess.run([str(BIN / "actionlint"), "-no-color"], cwd=target, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    pre_commit = subprocess.run(
        [str(BIN / "pre-commit"), "validate-config", str(target / ".pre-commit-config.yaml")],
        capture_output=True,
        text=True,
    )
    assert pre_commit.returncode == 0, pre_commit.stdout + pre_commit.stderr


def test_init_in_a_subfolder_of_a_repository_says_where_workflows_belong(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    done = run_atlas("init", str(tmp_path / "repo" / "atlas"), *NAMED)
    assert done.returncode == 0
    assert "GitHub reads workflows only from" in done.stdout and str(tmp_path / "repo" / ".github") in done.stdout


# --- end to end ----------------------------------------------------------------------------

DOI = "10.1016/j.neucli.2017.02.002"


def crossref_works() -> list[dict]:
    mensah = work(
        DOI,
        "Chronic fatigue syndrome and the immune system: Where are we now?",
        family="Mensah",
        year=2017,
        **{"container-title": ["Neurophysiologie Clinique"]},
    )
    fluge = work(GOOD["doi"], GOOD["title"], family="Fluge", year=2019, **{"container-title": [GOOD["journal"]]})
    return [mensah, fluge]


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory):
    """atlas as its repository at the release tag: what `repo:` and `rev:` name."""
    return atlas_source(tmp_path_factory.mktemp("upstream") / "atlas")


@pytest.mark.slow  # installs atlas into a new environment
def test_a_new_atlas_end_to_end(tmp_path, hook_repository):
    fake = FakeServices()
    with fake:
        _end_to_end(tmp_path, hook_repository, fake)


def _end_to_end(tmp_path: Path, hook_repository: Path, fake: FakeServices) -> None:
    fake.add_works(crossref_works())
    repo = tmp_path / "demo-atlas"
    base = clean_env(
        {**git_identity_env(), **offline_pip_env(), **fake.env(), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit")},
        cache=tmp_path / "cache",
    )
    for key in ("VIRTUAL_ENV", "PYTHONPATH", "PIP_REQUIRE_VIRTUALENV"):
        base.pop(key, None)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)

    # The README's commands name atlas's repository; here it is a git copy of this checkout
    # tagged with the release (`file://`, so pip and pre-commit clone it as they would GitHub).
    # (file://localhost/...: the pip that venv brings refuses a URL without a host)
    upstream, local = repository_url(), f"file://localhost{hook_repository.as_posix()}"
    tag = f"v{__version__}"

    def pip_install(bin_dir: Path, *args: str) -> None:
        done = subprocess.run(
            [str(bin_dir / "pip"), "install", "-q", *args], cwd=repo, env=base, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr

    # 1. The curator installs atlas at a release tag, as "Use atlas for your own atlas" says ...
    guide = (REPO / "README.md").read_text(encoding="utf-8")
    assert f'pip install "atlas-cli @ git+{upstream}@{tag}"' in guide
    tool = fresh_venv(tmp_path / "tool")
    pip_install(tool, f"atlas-cli @ git+{local}@{tag}")
    # ... and creates the atlas with it.
    done = subprocess.run(
        [str(tool / "atlas"), "init", ".", *NAMED, "--mailto", "curator@example.org"],
        cwd=repo,
        env=base,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    # 2. The records repository installs the atlas that atlas-requirements.txt pins, as its
    #    README says (the line's repository is the local copy; the tag stays).
    requirements = repo / "atlas-requirements.txt"
    pinned = f"atlas-cli @ git+{upstream}@{tag}"
    assert pinned in requirements.read_text(encoding="utf-8").splitlines()
    requirements.write_text(requirements.read_text(encoding="utf-8").replace(upstream, local), encoding="utf-8")
    readme = (repo / "README.md").read_text(encoding="utf-8")
    assert "python3 -m venv .venv && .venv/bin/pip install -r atlas-requirements.txt" in readme
    venv = fresh_venv(repo / ".venv")
    pip_install(venv, "-r", "atlas-requirements.txt")
    atlas = str(venv / "atlas")
    version = subprocess.run([atlas, "--version"], capture_output=True, text=True, env=base)
    assert version.stdout.strip() == f"atlas {__version__}"
    where = subprocess.run(
        [str(venv / "python"), "-c", "import atlas_cli; print(atlas_cli.__file__)"], capture_output=True, text=True
    )
    assert where.stdout.startswith(str(repo / ".venv")), where.stdout  # the fresh install, not the test's

    # 3. ... adds a paper (a draft, from the fake Crossref) and a finished record.
    added = subprocess.run([atlas, "add", DOI], cwd=repo, env=base, capture_output=True, text=True)
    assert added.returncode == 0, added.stderr
    [draft] = list((repo / "records").glob("*.yaml"))
    published = repo / "records" / "fluge-2019-b-lymphocyte.yaml"
    published.write_text(render_record(with_pem(badge="not-required")), encoding="utf-8")  # a wrong badge

    # 4. ... commits through pre-commit, which installs the hook from atlas's repository at its tag.
    config = repo / ".pre-commit-config.yaml"
    assert f"repo: {upstream}\n    rev: {tag}\n" in config.read_text(encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace(upstream, local), encoding="utf-8")
    hook_env = {**base, "PYTHONPATH": SITE_PACKAGES}  # the hook's own venv gets atlas's dependencies from here
    pre_commit = [sys.executable, "-m", "pre_commit"]
    assert subprocess.run([*pre_commit, "install"], cwd=repo, env=hook_env, capture_output=True).returncode == 0
    git("add", "-A", cwd=repo)
    refused = subprocess.run(
        ["git", "commit", "-m", "first records"], cwd=repo, env=hook_env, capture_output=True, text=True
    )
    hook_output = refused.stdout + refused.stderr  # git shows the hook's output on stderr
    assert refused.returncode != 0, hook_output
    assert "atlas lint...." in hook_output and "Failed" in hook_output
    assert "records/fluge-2019-b-lymphocyte.yaml:16:10: error pem-badge" in hook_output
    assert hook_output.count("records checked:") == 1  # serial: one atlas lint, one summary
    assert "2 records checked: 1 error, 4 warnings in 2 files" in hook_output
    published.write_text(render_record(good()), encoding="utf-8")
    git("add", "-A", cwd=repo)
    accepted = subprocess.run(
        ["git", "commit", "-m", "first records"], cwd=repo, env=hook_env, capture_output=True, text=True
    )
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "atlas lint" in accepted.stderr and "Passed" in accepted.stderr
    assert git("status", "--porcelain", cwd=repo) == ""  # nothing left over (site/, .venv/ ignored)

    # 5. CI: the `run:` steps of each generated workflow, on a runner whose python is a fresh venv.
    runner_bin = fresh_venv(tmp_path / "runner-python")
    runner_env = {**base, "PATH": os.pathsep.join([str(runner_bin), base["PATH"]])}

    def run_job(workflow_name: str, job_name: str, temp: str) -> tuple[LocalRunner, list[dict]]:
        workflow = load_yaml(repo / ".github" / "workflows" / workflow_name)
        job = workflow["jobs"][job_name]
        assert job["timeout-minutes"]
        runner = LocalRunner(repo, runner_env, tmp_path / temp)
        used = runner.run_steps(job["steps"], {**workflow.get("env", {}), **job.get("env", {})})
        for result in runner.results:
            assert result.returncode == 0, (workflow_name, result.step, result.stdout, result.stderr)
        return runner, used

    lint, used = run_job("atlas-lint.yml", "lint", "lint-job")
    assert [step["uses"].split("@")[0] for step in used] == ["actions/checkout", "actions/setup-python"]
    report = lint.results[-1].stdout
    assert f"::group::records/{draft.name}" in report  # the draft's placeholder text: warnings, annotated
    assert f"::warning file=records/{draft.name},line=" in report
    assert report.splitlines()[-1].startswith("2 records checked: 0 errors,")
    assert "### atlas lint" in lint.summary.read_text(encoding="utf-8")

    site, used = run_job("atlas-site.yml", "build", "site-job")
    assert site.results[-1].step["run"] == "atlas build --output site"
    pages = next(step for step in used if step["uses"].startswith("actions/upload-pages-artifact@"))
    preview = next(step for step in used if step["uses"].startswith("actions/upload-artifact@"))
    assert pages["with"]["path"] == preview["with"]["path"] == "site"
    page = (repo / "site" / "evidence" / "fluge-2019-b-lymphocyte" / "index.html").read_text(encoding="utf-8")
    assert "Demo Atlas" in page and "demo-fluge-2019-b-lymphocyte" in page
    assert "https://demo.example.org/evidence/fluge-2019-b-lymphocyte" in page
    assert not (repo / "site" / "evidence" / draft.stem).exists()  # drafts are not published
    assert git("status", "--porcelain", cwd=repo) == ""  # site/ stays out of git

    verify, _ = run_job("atlas-verify.yml", "verify", "verify-job")
    assert verify.results[-1].step["run"] == "atlas verify"
    assert fake.count("crossref", f"/works/{GOOD['doi']}") >= 1

    # 6. ... and atlas lint fails the job once a record is broken, with paths from the repository root.
    published.write_text(render_record(good(year="2019a")), encoding="utf-8")
    broken = LocalRunner(repo, runner_env, tmp_path / "lint-job-2")
    lint_step = load_yaml(repo / ".github" / "workflows" / "atlas-lint.yml")["jobs"]["lint"]["steps"][-1]
    result = broken.run(lint_step, {})
    assert result.returncode == 1
    assert "::error file=records/fluge-2019-b-lymphocyte.yaml,line=" in result.stdout
    # ... and the site job publishes nothing lint rejects: its build step fails, the previous site stands.
    site_steps = load_yaml(repo / ".github" / "workflows" / "atlas-site.yml")["jobs"]["build"]["steps"]
    build_step = next(step for step in site_steps if step.get("run", "").startswith("atlas build"))
    refused = broken.run(build_step, {})
    assert refused.returncode == 1, refused.stderr
    assert "records/fluge-2019-b-lymphocyte.yaml:" in refused.stderr and "the site was not built" in refused.stderr
    assert "demo-fluge-2019-b-lymphocyte" in (
        repo / "site" / "evidence" / "fluge-2019-b-lymphocyte" / "index.html"
    ).read_text(encoding="utf-8")
    sarif = subprocess.run(
        [atlas, "lint", "--format", "sarif"], cwd=repo / "records", env=base, capture_output=True, text=True
    )
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(sarif.stdout)["runs"][0]["results"]
    }
    assert "records/fluge-2019-b-lymphocyte.yaml" in uris


def test_init_says_what_to_run_next_from_where_the_curator_is(tmp_path):
    here = tmp_path / "here"
    here.mkdir()
    done = run_atlas("init", ".", cwd=here)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("Next: atlas add <doi> && atlas lint")
    readme = (here / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# Evidence records\n") and "records of Evidence records" not in readme
    spaced = run_atlas("init", "my atlas", cwd=tmp_path)
    assert spaced.returncode == 0, spaced.stderr
    assert "Next: cd 'my atlas' && atlas add <doi> && atlas lint" in spaced.stdout
    assert "atlas build refuses them" in spaced.stdout
