"""How fast does atlas start? `atlas cite` and every `--help`, against Python importing one library.

Times, as a user runs them (a new process each time, median of interleaved runs):

  yaml      `python -c "import yaml"`: the floor of a Python tool that reads YAML
  typer     `python -c "import typer"`: the floor of a Typer command line
  cite      `atlas cite SLUG` in a generated atlas of N records (the settings file's table kept
            in the cache folder, as after any earlier command in that atlas)
  cite, settings not kept   the same with a cache folder that cannot be written: every run
            parses atlas.toml (what the first command in an atlas pays; no target)
  help      `atlas --help`, and `atlas COMMAND --help` for every command

and prints cite/yaml (target <= 1.5) and each help/typer (target <= 2).
Machines are noisy: the ratios come from one run, and the load average is printed.

    python bench/startup_bench.py              # 1,000 records, 15 runs
    python bench/startup_bench.py -n 200 -r 9
    python bench/startup_bench.py --pythonpath OTHER/src   # another checkout, for a before/after
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cite_bench import atlas_argv, make_atlas, wall

CITE_TARGET = 1.5
HELP_TARGET = 2.0


# As a user runs atlas: compiled modules are kept (with PYTHONDONTWRITEBYTECODE set, every run
# would compile atlas's own modules again, which no installed atlas does).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="records to generate (default 1,000)")
    parser.add_argument("-r", "--runs", type=int, default=15, help="runs per command (default 15)")
    parser.add_argument("--pythonpath", help="run atlas from this source folder instead of the installed one")
    args = parser.parse_args()
    if args.pythonpath:
        ENV["PYTHONPATH"] = args.pythonpath
    from atlas_cli.cli.app import COMMANDS

    tmp = Path(tempfile.mkdtemp(prefix="atlas-startup-bench-"))
    try:
        root = tmp / "atlas"
        slugs = make_atlas(root, args.n)
        atlas = atlas_argv() + ["--root", str(root)]
        ENV["ATLAS_CACHE_DIR"] = str(tmp / "cache")  # the bench's own (the warm-up run keeps atlas.toml's table)
        (tmp / "not-a-folder").write_text("", encoding="utf-8")
        envs = {"cold cite": {**ENV, "ATLAS_CACHE_DIR": str(tmp / "not-a-folder")}}
        cite = atlas + ["cite", slugs[len(slugs) // 2]]
        commands = {
            "yaml": [sys.executable, "-c", "import yaml"],
            "typer": [sys.executable, "-c", "import typer"],
            "cite": cite,
            "cold cite": cite,
            "--help": atlas_argv() + ["--help"],
            **{f"{name} --help": atlas_argv() + [name, "--help"] for name in COMMANDS},
        }
        for name, argv in commands.items():  # warm the file cache and .pyc files
            wall(argv, envs.get(name, ENV))
        times: dict[str, list[float]] = {name: [] for name in commands}
        load = os.getloadavg()
        for _ in range(args.runs):  # interleaved, so drift hits every command alike
            for name, argv in commands.items():
                times[name].append(wall(argv, envs.get(name, ENV)))
        load_after = os.getloadavg()
        median = {name: statistics.median(values) for name, values in times.items()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(
        f"load average {load[0]:.2f} before, {load_after[0]:.2f} after ({os.cpu_count()} CPUs); "
        f"medians of {args.runs} interleaved runs"
    )
    print(f"python -c 'import yaml'    {median['yaml'] * 1000:7.1f} ms")
    print(f"python -c 'import typer'   {median['typer'] * 1000:7.1f} ms")
    ok = True
    cite = median["cite"] / median["yaml"]
    ok = ok and cite <= CITE_TARGET
    print(
        f"atlas cite SLUG            {median['cite'] * 1000:7.1f} ms  {cite:5.2f}x yaml   (target <= {CITE_TARGET:g})"
    )
    cold = median["cold cite"] / median["yaml"]
    print(f"  settings not kept        {median['cold cite'] * 1000:7.1f} ms  {cold:5.2f}x yaml   (no target)")
    worst = 0.0
    for name in commands:
        if not name.endswith("--help"):
            continue
        ratio = median[name] / median["typer"]
        worst = max(worst, ratio)
        print(f"atlas {name:20s} {median[name] * 1000:7.1f} ms  {ratio:5.2f}x typer  (target <= {HELP_TARGET:g})")
    ok = ok and worst <= HELP_TARGET
    print(f"slowest --help: {worst:.2f}x typer; cite: {cite:.2f}x yaml: {'ok' if ok else 'OVER TARGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
