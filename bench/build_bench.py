"""How fast is `atlas build`, does it grow linearly, and what does a rebuild cost? One run, as ratios.

Generates N realistic records (about 4 KB each: 1-40 authors, three paragraphs of
text, criteria, topics, some retractions and drafts) into a temporary atlas, then
runs `atlas build` as a user does (a new process each time) and reports:

  baseline    parsing the same N files with libyaml (yaml.CSafeLoader), in one process
  full N      a first build of all N records into an empty folder, and its ratio to the baseline
  growth      (seconds per record at N) / (seconds per record at N/10): 1.0 is linear
  unchanged   a rebuild with nothing changed, as a share of the full build, and the files it wrote
  one change  a rebuild after one record's summary changed: share of the full build, files written

Each figure is the median of R runs. Machines are noisy: compare the ratios from
one run, not seconds across machines.

With --before SRC (a checkout of another version of atlas, e.g. made with
`git worktree add /tmp/before main`), the same run also times that version's full
build and rebuild of the same N records, interleaved with this one's, and prints
this version's time as a ratio of that one's: a change's cost, measured in one run.
Processor time (the build's and its workers') is printed beside wall time: on a
shared machine it says more. --compare-only runs only that comparison.

    python bench/build_bench.py               # 10,000 records, 3 runs each
    python bench/build_bench.py -n 2000 -r 1
    python bench/build_bench.py --before /tmp/before
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

TOPICS = [
    "immune-dysfunction",
    "b-cells",
    "cytokines",
    "nk-cells",
    "t-cells",
    "gut-microbiome",
    "pem",
    "exercise-physiology",
    "energy-metabolism",
    "neuroimaging",
    "cognition",
    "sleep",
    "pain",
    "autonomic-dysfunction",
    "post-infectious-onset",
    "long-covid",
    "biomarkers",
    "treatment",
    "epidemiology",
    "severe-me",
    "paediatric",
    "genetics",
    "quality-of-life",
]
DESIGNS = [
    "rct",
    "cohort",
    "case-control",
    "cross-sectional",
    "mechanistic",
    "exercise-challenge",
    "imaging",
    "narrative-review",
    "systematic-review",
    "qualitative",
]
CRITERIA = [
    ["ccc-2003"],
    ["icc-2011"],
    ["iom-2015"],
    ["fukuda-1994"],
    ["oxford-1991"],
    ["ccc-2003", "fukuda-1994"],
    ["iom-2015", "ccc-2003", "fukuda-1994"],
    [],
]
FAMILIES = [
    "Smith",
    "Nguyen",
    "Müller",
    "van Campen",
    "O'Brien",
    "García-López",
    "Øie",
    "Kowalski",
    "Chen",
    "Okafor",
    "Rossi",
    "Hansen",
    "Dubois",
    "Tanaka",
    "Silva",
    "Ahmed",
]
GIVEN = ["Anna", "Bo", "Chidi", "Dana", "Eero", "Fatima", "Gustav", "Hiroshi", "Ingrid G.", "José"]
WORDS = (
    "immune fatigue exertion malaise cytokine profile patients controls mitochondrial metabolism "
    "cohort analysis severe chronic syndrome myalgic encephalomyelitis response recovery "
    "orthostatic intolerance cognitive symptoms blood markers exercise testing"
).split()


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(3, 5)))


def make_record(i: int, rng: random.Random) -> tuple[str, dict]:
    year = 1990 + i % 35
    family = FAMILIES[i % len(FAMILIES)]
    slug = f"{re.sub(r'[^a-z0-9]+', '-', family.lower()).strip('-')}-{year}-study-{i}"
    design = rng.choice(DESIGNS)
    criteria = rng.choice(CRITERIA) if "review" not in design else []
    badge = (
        "not-applicable"
        if "review" in design
        else "required"
        if criteria and criteria[0] in ("ccc-2003", "icc-2011", "iom-2015")
        else "not-required"
        if criteria
        else "unclear"
    )
    record = {
        "slug": slug,
        "status": "draft" if i % 20 == 0 else "published",
        "title": sentence(rng, rng.randint(6, 16))[:-1],
        "authors": [{"family": rng.choice(FAMILIES), "given": rng.choice(GIVEN)} for _ in range(rng.randint(1, 40))],
        "journal": f"Journal of {rng.choice(WORDS).capitalize()} Research",
        "year": year,
        "doi": f"10.{1000 + i % 9000}/bench.{year}.{i}",
        "pmid": str(20000000 + i),
        "design": design,
        "evidence_level": rng.choice(["E1", "E2", "E3"]),
        "confidence": rng.choice(["high", "moderate", "low"]),
        "peer_reviewed": True,
        "pem": {
            "badge": badge,
            **({"criteria": criteria} if criteria else {}),
            **({"combine": "all"} if len(criteria) > 1 else {}),
            "rationale": sentence(rng, 12),
        },
        "summary": paragraph(rng),
        "why_it_matters": paragraph(rng),
        "does_not_show": paragraph(rng),
        "topics": rng.sample(TOPICS, rng.randint(1, 4)),
        "snapshot_date": "2026-05-30",
    }
    if i % 97 == 0:
        record["updates"] = [{"type": "retraction", "doi": f"10.9999/retraction.{i}", "date": f"{year + 1}-01-15"}]
    return slug, record


def make_atlas(root: Path, n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    (root / "records").mkdir(parents=True)
    (root / "atlas.toml").write_text('[atlas]\nsite_url = "https://atlas.example.org"\n', encoding="utf-8")
    slugs = []
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for i in range(n):
        slug, record = make_record(i, rng)
        (root / "records" / f"{slug}.yaml").write_text(
            yaml.dump(record, Dumper=dumper, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
        slugs.append(slug)
    return slugs


def atlas_build(root: Path, output: Path, source: Path | None = None) -> tuple[float, str]:
    """`atlas build` in a new process (SOURCE: the checkout whose atlas to run; default: this one):
    (wall seconds, its summary line). The processor time it used is added to CPU_SPENT."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    env["ATLAS_CACHE_DIR"] = str(root / ".cache")
    if source is not None:
        env["PYTHONPATH"] = str(source / "src")  # ahead of the installed (editable) atlas
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "atlas_cli", "build", "--output", str(output)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the build and its worker processes
    CPU_SPENT.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        sys.exit(f"atlas build failed ({result.returncode}):\n{result.stderr}")
    return elapsed, result.stderr.strip().splitlines()[-1]


CPU_SPENT: list[float] = []  # processor seconds of each atlas_build, in order


def before_and_after(root: Path, runs: int, source: Path) -> dict[str, float]:
    """Median wall and processor seconds of a full build and of a rebuild with nothing changed,
    by SOURCE's atlas ("before") and by this one ("after"), runs interleaved so drift hits both
    alike. Processor time (of the build and its workers) depends far less on what else the
    machine is doing than wall time does."""
    times: dict[str, list[float]] = {}
    for run in range(runs):
        for name, src in (("before", source), ("after", None)):
            output = root / f"site-{name}-{run}"
            for what in ("full", "same"):
                times.setdefault(f"{what} {name}", []).append(atlas_build(root, output, src)[0])
                times.setdefault(f"{what} {name} cpu", []).append(CPU_SPENT[-1])
            shutil.rmtree(output)
    return {name: statistics.median(values) for name, values in times.items()}


def print_comparison(source: Path, n: int, compared: dict[str, float]) -> None:
    print()
    print(f"against {source} (the same {n} records, runs interleaved; medians):")
    for what, label in (("full", "full build"), ("same", "rebuild, nothing changed")):
        for kind, suffix in (("wall", ""), ("cpu", " cpu")):
            before, after = compared[f"{what} before{suffix}"], compared[f"{what} after{suffix}"]
            print(
                f"  {label:<26} {kind:<4} before {before:6.2f} s   after {after:6.2f} s   after/before {after / before:.2f}"
            )


def count(summary: str, what: str) -> int:
    return int(re.search(rf"(\d+) {re.escape(what)}", summary).group(1))


def fresh_builds(root: Path, runs: int) -> tuple[float, str]:
    times, summary = [], ""
    for run in range(runs):
        output = root / f"site-fresh-{run}"
        elapsed, summary = atlas_build(root, output)
        times.append(elapsed)
        shutil.rmtree(output)
    return statistics.median(times), summary


def parse_baseline(records: Path, runs: int) -> float:
    """Seconds to read and parse every record file with libyaml, in this process."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        sys.exit("PyYAML is built without libyaml here (no yaml.CSafeLoader): no baseline to compare with")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for path in sorted(records.iterdir()):
            yaml.load(path.read_bytes(), Loader=loader)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--records", type=int, default=10_000)
    parser.add_argument("-r", "--runs", type=int, default=3)
    parser.add_argument("--before", type=Path, metavar="SRC", help="a checkout of atlas to compare with, in this run")
    parser.add_argument("--compare-only", action="store_true", help="with --before: only the comparison")
    args = parser.parse_args()
    if args.before is not None and not (args.before / "src" / "atlas_cli").is_dir():
        sys.exit(f"--before {args.before}: not a checkout of atlas (no src/atlas_cli)")
    if args.compare_only and args.before is None:
        sys.exit("--compare-only needs --before SRC")
    n, small, runs = args.records, max(args.records // 10, 1), args.runs
    work = Path(tempfile.mkdtemp(prefix="atlas-build-bench-"))
    if args.compare_only:
        try:
            print(f"generating {n} records ...", flush=True)
            make_atlas(work / "large", n)
            print_comparison(args.before, n, before_and_after(work / "large", runs, args.before.resolve()))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    try:
        print(f"generating {small} and {n} records ...", flush=True)
        make_atlas(work / "small", small)
        slugs = make_atlas(work / "large", n)
        big = work / "large"

        t_parse = parse_baseline(big / "records", runs)
        t_small, _ = fresh_builds(work / "small", runs)
        t_large, summary = fresh_builds(big, runs)
        site = big / "site"
        atlas_build(big, site)
        files = sum(1 for p in site.rglob("*") if p.is_file() and p.name != ".atlas-build.json")

        same = [atlas_build(big, site) for _ in range(runs)]
        t_same, same_summary = statistics.median(t for t, _ in same), same[-1][1]

        published = [s for i, s in enumerate(slugs) if i % 20]  # every 20th record is a draft
        one = []
        for run in range(runs):  # a different record each time
            changed = big / "records" / f"{published[(run + 1) * len(published) // (runs + 1)]}.yaml"
            text = changed.read_text(encoding="utf-8")
            changed.write_text(text.replace("summary: ", "summary: Changed. ", 1), encoding="utf-8")
            one.append(atlas_build(big, site))
        t_one, one_summary = statistics.median(t for t, _ in one), one[-1][1]
        compared = before_and_after(big, runs, args.before.resolve()) if args.before is not None else None

        per_small, per_large = t_small / small, t_large / n

        def did(summary: str) -> str:
            return f"{count(summary, 'file(s) written')} files written, {count(summary, 'record(s) read')} rendered"

        print()
        print(f"{'':<34}{'seconds':>8}{'ratio':>7}")
        print(f"{f'parse {n} files with libyaml':<34}{t_parse:>8.2f}{1:>7.2f}  the baseline")
        print(f"{f'full build, {small} records':<34}{t_small:>8.2f}")
        print(
            f"{f'full build, {n} records':<34}{t_large:>8.2f}{t_large / t_parse:>7.2f}  of the baseline; {did(summary)}"
        )
        print(
            f"{'rebuild, nothing changed':<34}{t_same:>8.2f}{t_same / t_large:>7.2f}  of the full build; "
            f"{did(same_summary)}"
        )
        print(
            f"{'rebuild, one record changed':<34}{t_one:>8.2f}{t_one / t_large:>7.2f}  of the full build; "
            f"{did(one_summary)}"
        )
        print(
            f"growth: {per_large * 1000:.2f} ms per record at {n} / {per_small * 1000:.2f} ms at {small} "
            f"= {per_large / per_small:.2f}  (1.0 = linear); the site has {files} files"
        )
        if compared is not None:
            print()
            print(f"against {args.before} (the same {n} records, runs interleaved):")
            for what, label in (("full", "full build"), ("same", "rebuild, nothing changed")):
                before, after = compared[f"{what} before"], compared[f"{what} after"]
                print(
                    f"  {label:<26} before {before:6.2f} s   after {after:6.2f} s   after/before {after / before:.2f}"
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
