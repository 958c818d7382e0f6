"""How fast is `atlas list` on a large atlas? Ratios against a baseline measured in the same run.

Generates N realistic records (the generator of lint_bench.py, about 4 KB each) into a
temporary atlas, then times:

  parse      loading every file with libyaml (yaml.CSafeLoader) in one process:
             the bare cost of reading the records
  list       `atlas list` piped (plain aligned columns), as a user runs it
  filtered   `atlas list --year 2010..2020 --badge required --search "gut immune" --sort author`
  json       `atlas list --format json`
  lint       `atlas lint`, for reference (the issue asks: about the time lint needs to read them)

and prints each command's time divided by parse. Target: list <= 1.5x parse.
Machines are noisy: compare ratios from one run, not seconds across runs.

    python bench/list_bench.py            # 10,000 records
    python bench/list_bench.py -n 2000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lint_bench import generate, time_command, time_parse


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000, help="number of records (default 10000)")
    parser.add_argument("--no-lint", action="store_true", help="skip timing atlas lint")
    args = parser.parse_args()
    atlas = [sys.executable, "-m", "atlas_cli"]
    with tempfile.TemporaryDirectory(prefix="atlas-list-bench-") as tmp:
        root = Path(tmp)
        os.environ["ATLAS_CACHE_DIR"] = str(root / ".cache")  # the runs' own, not the user's
        paths = generate(root, args.n)
        size = sum(p.stat().st_size for p in paths) / len(paths)
        print(f"{args.n} records, {size / 1024:.1f} KB each on average")
        time_parse(paths[:200])  # warm the file cache
        parse = time_parse(paths)
        runs = [
            ("atlas list", [*atlas, "list"]),
            (
                "atlas list (filtered, sorted)",
                [
                    *atlas,
                    "list",
                    "--year",
                    "2010..2020",
                    "--badge",
                    "required",
                    "--search",
                    "gut immune",
                    "--sort",
                    "author",
                ],
            ),
            ("atlas list --format json", [*atlas, "list", "--format", "json"]),
        ]
        if not args.no_lint:
            runs.append(("atlas lint", [*atlas, "lint"]))
        print(f"  parse (libyaml, 1 process)      {parse:7.2f} s")
        for label, argv in runs:
            seconds, code, tail = time_command(argv, root)
            if code != 0:
                print(f"{label} exited {code}\n{tail}")
                return 1
            print(f"  {label:<31} {seconds:7.2f} s   {seconds / parse:5.2f}x parse")
        print("  target: atlas list <= 1.5x parse")
    return 0


if __name__ == "__main__":
    sys.exit(main())
