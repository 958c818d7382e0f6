"""Does `atlas lint` stay linear in the number of problems and keys in one file? One run, as ratios.

A record file may hold thousands of problems: a pasted spreadsheet, a generated file,
a hostile pull request. For each shape below, the bench writes one record with N
problems and one with 10 x N (default 5,000 and 50,000; every file stays under the
1 MB a record may have), runs `atlas lint --format json FILE` as a user does (a new
process each time), checks it reports one problem per line written, and prints:

  clean      lint of the same record without the added lines: the fixed cost of a run
  N, 10N     seconds, the median of R runs
  ratio      t(10N) / t(N): about 10 when linear (less while the fixed cost weighs in),
             about 100 when quadratic
  net ratio  (t(10N) - clean) / (t(N) - clean): the growth of the work the problems cost

Shapes: unknown keys (`schema`, with "did you mean"), duplicate keys
(`yaml-duplicate-key`), DOI aliases that are not DOIs (`schema` pattern), a list whose
items repeat, of numbers mixed with text and of mappings (`schema` uniqueItems and
type), disable comments naming unknown rules (`lint-comment`), control characters in
a list of text (`text-control`). Machines are noisy: compare the ratios of one run,
not seconds across machines.

    python bench/lint_problems_bench.py             # 5,000 and 50,000, 3 runs each
    python bench/lint_problems_bench.py -n 2000 -r 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RECORD = """\
slug: fukuda-1994-chronic-fatigue
status: published
title: 'The Chronic Fatigue Syndrome: A Comprehensive Approach to Its Definition and Study'
authors:
- family: Fukuda
  given: Keiji
- literal: International Chronic Fatigue Syndrome Study Group
journal: Annals of Internal Medicine
journal_abbrev: Ann Intern Med
year: 1994
doi: 10.7326/0003-4819-121-12-199412150-00009
pmid: '7978722'
publication_type: journal-article
design: case-definition
pem:
  badge: not-applicable
  rationale: This paper defines research criteria; no study population had to meet an inclusion rule.
  source: Whole paper (case definition)
summary: An international group revised the 1988 US definition of chronic fatigue syndrome.
why_it_matters: For decades this was the most widely used research definition.
does_not_show: It is a definition agreed by experts, not a study of patients.
topics: [case-definitions]
snapshot_date: '2026-11-23'
"""

# shape -> (the lines making N problems, the rule they are reported as)
SHAPES: dict[str, tuple[Callable[[int], str], str]] = {
    "unknown keys": (lambda n: "".join(f"k{i}: 1\n" for i in range(n)), "schema"),
    "duplicate keys": (lambda n: "slug: x\n" * n, "yaml-duplicate-key"),
    "aliases not DOIs": (lambda n: "doi_aliases:\n" + "".join(f"- d{i}\n" for i in range(n)), "schema"),
    "numbers among text": (
        lambda n: "related:\n" + "".join(f"- {i}\n- r{i}\n" for i in range(n)),
        "schema",
    ),
    "mappings in a list": (lambda n: "related:\n" + "".join(f"- a: {i}\n" for i in range(n)), "schema"),
    "unknown rules": (lambda n: "".join(f"#atlas:disable={i:x}\n" for i in range(n)), "lint-comment"),
    "control characters": (lambda n: "notes:\n" + '- "\\e"\n' * n, "text-control"),
}


def lint_once(root: Path, record: Path) -> tuple[float, list[dict]]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "atlas_cli", "lint", "--format", "json", str(record)],
        cwd=root,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"atlas lint failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, json.loads(done.stdout)


def timed(root: Path, record: Path, text: str, runs: int) -> tuple[float, list[dict]]:
    record.write_text(text, encoding="utf-8")
    times, problems = [], []
    for _ in range(runs):
        elapsed, problems = lint_once(root, record)
        times.append(elapsed)
    return statistics.median(times), problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=5000, help="problems in the smaller file (the larger has 10x)")
    parser.add_argument("-r", "--runs", type=int, default=3, help="runs per figure (the median is kept)")
    args = parser.parse_args()
    small, large = args.n, args.n * 10
    with tempfile.TemporaryDirectory(prefix="atlas-lint-problems-") as folder:
        root = Path(folder)
        (root / "records").mkdir()
        (root / "atlas.toml").write_text('[atlas]\nsite_url = "https://atlas.example.org"\n', encoding="utf-8")
        record = root / "records" / "fukuda-1994-chronic-fatigue.yaml"
        clean, found = timed(root, record, RECORD, args.runs)
        if found:
            raise SystemExit(f"the clean record has problems: {found[:3]}")
        print(f"clean record: {clean:.2f} s (the fixed cost of a run)")
        print(f"{'shape':<20} {small:>7,} {large:>8,}  ratio  net ratio  (linear: 10, quadratic: 100)")
        worst = 0.0
        for name, (lines, rule) in SHAPES.items():
            figures = []
            for n in (small, large):
                text = RECORD + lines(n)
                if len(text.encode("utf-8")) > 1024 * 1024:
                    raise SystemExit(f"{name}: {n:,} problems do not fit in the 1 MB a record may have")
                seconds, problems = timed(root, record, text, args.runs)
                reported = sum(1 for p in problems if p["rule"] == rule)
                if reported < n:
                    raise SystemExit(f"{name}: {reported:,} {rule} problems reported for {n:,} written")
                figures.append(seconds)
            ratio = figures[1] / figures[0]
            net = (figures[1] - clean) / max(figures[0] - clean, 1e-3)
            worst = max(worst, ratio)
            print(f"{name:<20} {figures[0]:6.2f}s {figures[1]:7.2f}s  {ratio:5.1f}  {net:9.1f}")
        print(f"worst ratio {worst:.1f} (target: at most 10, linear)")


if __name__ == "__main__":
    main()
