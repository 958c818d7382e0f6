"""How fast is `atlas lint FILE` (the pre-commit hook, an editor on save) in a large atlas?

Generates N records (as bench/lint_bench.py does) into a temporary atlas, with its own
cache folder, adds one record that shares its PMID with another, and times, as a user
runs them (a new process each time):

  typer     `python -c "import typer"`: the floor of a Typer command line
  warm      `atlas lint FILE`, the lint index in place, FILE edited before each run
            (what a pre-commit hook sees)
  other     the same, another record edited too (it is read again, the index rewritten)
  same      `atlas lint FILE`, the index in place, nothing changed
  alone     `atlas lint FILE` in an atlas of that one record: what linting the file
            costs without any other record to compare it with
  cold      `atlas lint FILE` with an empty cache folder (the index is built)
  no-cache  `atlas lint --no-cache FILE` (every record read, no index)
  parse     loading every record with libyaml (yaml.CSafeLoader) in one process
  full      `atlas lint` (every record, all rules, all cores)

Every `atlas lint FILE` run must report the duplicate PMID, naming the other record:
the index narrows what is read, never what is found. Prints warm, other and same
against typer (target <= 3 for the slowest) and full/parse (target <= 0.8). Machines are noisy: compare ratios from one run.

    python bench/lint_one_bench.py             # 10,000 records
    python bench/lint_one_bench.py -n 2000 -r 5
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cite_bench import atlas_argv
from lint_bench import generate, make_record, time_parse

from atlas_cli.core.records import render_record

WARM_TARGET = 3.0
FULL_TARGET = 0.8


def wall(argv: list[str], env: dict[str, str], cwd: Path, expect: str | None = None) -> float:
    """Seconds ARGV takes; it must exit 0, or 1 reporting EXPECT."""
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    ok = result.returncode == 0 if expect is None else result.returncode == 1 and expect in result.stdout
    if not ok:
        raise SystemExit(f"{' '.join(argv)} exited {result.returncode}:\n{result.stdout[-800:]}{result.stderr[-800:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="records to generate (default 10,000)")
    parser.add_argument("-r", "--runs", type=int, default=11, help="runs of the fast commands (default 11)")
    parser.add_argument("--slow-runs", type=int, default=3, help="runs of cold, no-cache, parse, full (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="atlas-lint-one-bench-") as tmp:
        root = Path(tmp) / "atlas"
        root.mkdir()
        paths = generate(root, args.n)
        twin = len(paths) * 3 // 4
        data = make_record(args.n, random.Random(2)) | {"pmid": make_record(twin, random.Random(0))["pmid"]}
        twin_of = paths[twin]
        linted = root / "records" / f"{data['slug']}.yaml"
        text = render_record(data)
        linted.write_text(text, encoding="utf-8")
        expect = twin_of.name  # the duplicate-pmid message names it
        cache = Path(tmp) / "cache"
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_") and k != "PYTHONDONTWRITEBYTECODE"}
        env["ATLAS_CACHE_DIR"] = str(cache)
        atlas = [*atlas_argv(), "lint"]
        one = [*atlas, str(linted.relative_to(root))]
        typer = [sys.executable, "-c", "import typer"]
        lone = Path(tmp) / "lone"
        (lone / "records").mkdir(parents=True)
        (lone / "atlas.toml").write_text((root / "atlas.toml").read_text(encoding="utf-8"), encoding="utf-8")
        (lone / "records" / linted.name).write_text(text, encoding="utf-8")
        alone = [*atlas, f"records/{linted.name}"]
        time.sleep(3.5)  # past the index's racy window: the records are as old as a checkout's

        wall(typer, env, root)
        wall(one, env, root, expect)  # builds the index; warms the file cache and .pyc files
        times: dict[str, list[float]] = {"typer": [], "warm": [], "other": [], "same": [], "alone": []}
        load = os.getloadavg()
        for run in range(args.runs):  # interleaved, so drift hits every command alike
            times["typer"].append(wall(typer, env, root))
            linted.write_text(text.replace("Anne Marie", f"Anne Marie {run}"), encoding="utf-8")
            times["warm"].append(wall(one, env, root, expect))
            edited = paths[run * 7 % len(paths)]
            edited.write_text(edited.read_text(encoding="utf-8").replace("Anne Marie", "Anne-Marie"), encoding="utf-8")
            times["other"].append(wall(one, env, root, expect))
            times["same"].append(wall(one, env, root, expect))
            times["alone"].append(wall(alone, env, lone))
        slow: dict[str, list[float]] = {"cold": [], "no-cache": [], "parse": [], "full": []}
        for run in range(args.slow_runs):
            cold_env = env | {"ATLAS_CACHE_DIR": str(Path(tmp) / f"cold-{run}")}
            slow["cold"].append(wall(one, cold_env, root, expect))
            slow["no-cache"].append(wall([*atlas, "--no-cache", *one[len(atlas) :]], env, root, expect))
            slow["parse"].append(time_parse(paths))
            slow["full"].append(wall(atlas, env, root, expect))
        load_after = os.getloadavg()
    median = {name: statistics.median(values) for name, values in (times | slow).items()}
    typer_s = median["typer"]
    print(
        f"{args.n} records; load average {load[0]:.2f} before, {load_after[0]:.2f} after ({os.cpu_count()} CPUs); "
        f"medians of {args.runs} interleaved runs ({args.slow_runs} for the slow ones)"
    )
    print(f"python -c 'import typer'           {typer_s * 1000:8.0f} ms")
    for name, label in (
        ("warm", "atlas lint FILE (edited, index)"),
        ("other", "  ... and another record edited"),
        ("same", "atlas lint FILE (unchanged, index)"),
        ("alone", "atlas lint FILE (a 1-record atlas)"),
        ("cold", "atlas lint FILE (no index yet)"),
        ("no-cache", "atlas lint --no-cache FILE"),
    ):
        print(f"{label:35s} {median[name] * 1000:8.0f} ms  {median[name] / typer_s:6.2f}x typer")
    print(f"parse (libyaml, 1 process)         {median['parse'] * 1000:8.0f} ms")
    print(
        f"atlas lint (every record)          {median['full'] * 1000:8.0f} ms  {median['full'] / median['parse']:6.2f}x parse"
    )
    warm = max(median[name] for name in ("warm", "other", "same")) / typer_s
    full = median["full"] / median["parse"]
    ok = warm <= WARM_TARGET and full <= FULL_TARGET
    print(
        f"one file: {warm:.2f}x typer at most (target <= {WARM_TARGET:g}); "
        f"every record: {full:.2f}x parse (target <= {FULL_TARGET:g}): {'ok' if ok else 'OVER TARGET'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
