"""Per-file work spread over processes: the same output whether the workers are forked (Linux)
or started fresh (spawn: Windows, and macOS by default), where they inherit nothing."""

from __future__ import annotations

import multiprocessing

from helpers import SITE_RECORDS, run_atlas, site_atlas, tree_bytes, write_record

from atlas_cli.core import workers
from atlas_cli.site.build import PARALLEL_FROM


def as_a_platform_without_fork(monkeypatch) -> list[str | None]:
    """Make this platform one without fork; returns the start methods atlas asks for, as it asks."""
    asked: list[str | None] = []
    get_context = multiprocessing.get_context

    def recorded(method=None):
        asked.append(method)
        return get_context(method if method is not None else "spawn")  # spawn is the default

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn", "forkserver"])
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: "spawn")
    monkeypatch.setattr(multiprocessing, "get_context", recorded)
    return asked


def test_lint_and_build_give_the_same_output_in_spawned_workers(tmp_path, monkeypatch):
    base = SITE_RECORDS["smith-2021-exercise-capacity"]
    count = max(PARALLEL_FROM, workers.MIN_ITEMS) + 20  # enough for both to use workers
    records = {
        f"smith-{2000 + i // 100}-study-{i}": dict(
            base, title=f"Study {i}", year=2000 + i // 100, doi=f"10.1234/jes.{i}"
        )
        for i in range(count)
    }
    records["smith-2001-study-107"]["year"] = "soon"  # a few problems for lint to find
    records["smith-2002-study-207"]["pem"] = {"badge": "not-required", "criteria": ["ccc-2003"]}
    root = site_atlas(tmp_path / "atlas", records)
    write_record(root, "title: [unclosed\n", "broken-2020-file.yaml")  # lint reports it; build skips it

    def lint_and_build(jobs: str):
        lint = run_atlas("lint", "--jobs", jobs, "--format", "json", cwd=root)
        # (--allow-errors: the records lint rejects are built too, their pages marked)
        build = run_atlas("build", "--output", tmp_path / f"site-{jobs}", "--jobs", jobs, "--allow-errors", cwd=root)
        return lint, build, tree_bytes(tmp_path / f"site-{jobs}")

    in_process = lint_and_build("1")
    assert in_process[0].returncode == in_process[1].returncode == 1
    assert "broken-2020-file.yaml" in in_process[0].stdout and "broken-2020-file.yaml" in in_process[1].stderr
    asked = as_a_platform_without_fork(monkeypatch)
    assert workers.start_method() == "spawn"
    spawned = lint_and_build("2")
    assert asked == ["spawn", "spawn"]  # one pool of spawned workers each, no fork
    (lint_one, build_one, site_one), (lint_two, build_two, site_two) = in_process, spawned
    assert (lint_two.returncode, lint_two.stdout, lint_two.stderr) == (
        lint_one.returncode,
        lint_one.stdout,
        lint_one.stderr,
    )
    assert build_two.returncode == build_one.returncode
    assert build_two.stderr.replace("site-2", "site-1") == build_one.stderr
    assert f"{count} record(s) read and rendered" in build_two.stderr
    assert site_two == site_one
