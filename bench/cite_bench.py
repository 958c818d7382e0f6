"""How fast are `atlas cite` and `atlas export`? Figures measured in one run.

Generates N realistic records (about 3 KB each, 1-40 authors, titles with
acronyms and LaTeX specials) into a temporary atlas, then times, as a user runs
them (a new process each time):

  typer    `python -c "import typer"`: the baseline the target is stated against
  app      a minimal Typer app with one text argument: the floor of any Typer
           command (typer >= 0.20 coerces every non-flag parameter through
           pydantic, which it imports on first use; `import typer` does not)
  cite     `atlas cite <slug>` (the three page blocks of one record)
  apa      `atlas cite --format apa <slug>` (loads citeproc-py and a CSL style)
  help     `atlas --help` (builds the Typer application with every command)
  export   `atlas export --format bibtex --output FILE` of all N records

and prints cite/typer (target about 1.5x), cite/app, apa/typer, help/typer and
the export wall time (target: a few seconds for 10,000 records). Startup times
are medians of interleaved runs. Machines are noisy: compare ratios from one run.

With --before SRC (a checkout of another version of atlas), `atlas cite` and
`atlas --help` of that version are timed in the same interleaved runs, and this
version's times are printed as ratios of that one's: a change's startup cost.

    python bench/cite_bench.py              # 10,000 records, 15 startup runs
    python bench/cite_bench.py -n 2000 -r 9
    python bench/cite_bench.py --before /tmp/before
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lint_bench import WORDS, paragraph, sentence

TITLE_BITS = (
    "in ME/CFS",
    "and PEM",
    "of NK cells",
    "& outcomes",
    "(pilot)",
    "50% of",
    "IL_6",
    "Øystein's",
    "γ-globulin",
)
FAMILIES = ("Mensah", "van Campen", "de la Fuente", "Müller", "Fluge", "Nakamura", "García", "O'Brien", "Walker")
GIVENS = ("Anna", "Hélène", "Øystein", "Min-jun", "C. Linda M. C.", "Brian", "Priya")


def make_record(i: int, rng: random.Random) -> dict:
    n_authors = rng.choice([0, 1, 2, 3, 4, 6, 7, 12, 40])
    authors = [{"family": rng.choice(FAMILIES), "given": rng.choice(GIVENS)} for _ in range(n_authors)]
    if n_authors and rng.random() < 0.05:
        authors[0] = {"literal": "GTEx Consortium"}
    first = authors[0].get("family", "gtex").lower().replace(" ", "-").replace("'", "") if authors else "unknown"
    slug = f"{first}-{2000 + i % 25}-{rng.choice(WORDS)}-{i}".replace("ü", "u").replace("í", "i")
    title = sentence(rng, rng.randint(6, 14))[:-1] + " " + rng.choice(TITLE_BITS) + rng.choice([".", "?", ""])
    record = {
        "slug": slug,
        "status": "draft" if i % 10 == 0 else "published",
        "title": title,
        "authors": authors,
        "journal": rng.choice(
            [
                "Journal of Translational Medicine",
                "Fatigue: Biomedicine, Health & Behavior",
                "PLOS ONE",
                "Frontiers in Immunology",
            ]
        ),
        "year": 2000 + i % 25,
        "volume": rng.randint(1, 200),
        "issue": rng.randint(1, 12),
        "pages": f"{(p := rng.randint(1, 900))}-{p + rng.randint(1, 20)}" if rng.random() < 0.7 else None,
        "article_number": f"e{rng.randint(100000, 999999)}",
        "doi": f"10.{rng.randint(1000, 99999)}/atlas.{i}",
        "pmid": rng.randint(10_000_000, 39_999_999) if rng.random() < 0.8 else None,
        "publication_type": "journal-article",
        "pem": {"badge": rng.choice(["required", "not-required", "unclear"]), "rationale": paragraph(rng, 200)},
        "summary": paragraph(rng, 700),
        "why_it_matters": paragraph(rng, 400),
        "does_not_show": paragraph(rng, 400),
        "topics": rng.sample(["immunology", "exercise", "sleep", "cognition"], 2),
        "snapshot_date": "2026-05-30",
    }
    return {k: v for k, v in record.items() if v is not None}


def make_atlas(root: Path, n: int) -> list[str]:
    from atlas_cli.core.records import render_record

    rng = random.Random(4)
    (root / "records").mkdir(parents=True)
    (root / "atlas.toml").write_text('[atlas]\nsite_url = "https://www.mecfsatlas.com"\n', encoding="utf-8")
    slugs = []
    for i in range(n):
        record = make_record(i, rng)
        (root / "records" / f"{record['slug']}.yaml").write_text(render_record(record), encoding="utf-8")
        slugs.append(record["slug"])
    return slugs


MINIMAL_APP = """
import typer
app = typer.Typer()
@app.command()
def main(name: str) -> None:
    print(name)
app()
"""


def atlas_argv() -> list[str]:
    script = Path(sys.executable).with_name("atlas")
    return [str(script)] if script.exists() else [sys.executable, "-m", "atlas_cli"]


def wall(argv: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="records to generate (default 10,000)")
    parser.add_argument("-r", "--runs", type=int, default=15, help="startup runs per command (default 15)")
    parser.add_argument("--before", type=Path, metavar="SRC", help="a checkout of atlas to compare with, in this run")
    args = parser.parse_args()
    if args.before is not None and not (args.before / "src" / "atlas_cli").is_dir():
        raise SystemExit(f"--before {args.before}: not a checkout of atlas (no src/atlas_cli)")

    tmp = Path(tempfile.mkdtemp(prefix="atlas-cite-bench-"))
    os.environ["ATLAS_CACHE_DIR"] = str(tmp / "cache")  # the runs' own, not the user's
    try:
        root = tmp / "atlas"
        t0 = time.perf_counter()
        slugs = make_atlas(root, args.n)
        print(f"generated {args.n} records in {time.perf_counter() - t0:.1f} s")
        atlas = atlas_argv() + ["--root", str(root)]
        slug = slugs[len(slugs) // 2]
        commands: dict[str, tuple[list[str], dict[str, str] | None]] = {
            "typer": ([sys.executable, "-c", "import typer"], None),
            "app": ([sys.executable, "-c", MINIMAL_APP, "x"], None),
            "cite": (atlas + ["cite", slug], None),
            "apa": (atlas + ["cite", "--format", "apa", slug], None),
            "help": (atlas + ["--help"], None),
        }
        if args.before is not None:  # the other checkout's atlas, ahead of this one on the path
            before = {**os.environ, "PYTHONPATH": str(args.before.resolve() / "src")}
            module = [sys.executable, "-m", "atlas_cli", "--root", str(root)]
            commands["cite before"] = (module + ["cite", slug], before)
            commands["cite after"] = (module + ["cite", slug], None)
            commands["help before"] = (module + ["--help"], before)
            commands["help after"] = (module + ["--help"], None)
        for argv, env in commands.values():  # warm the file cache and .pyc files
            wall(argv, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):  # interleaved, so drift hits every command alike
            for name, (argv, env) in commands.items():
                times[name].append(wall(argv, env))
        median = {name: statistics.median(values) for name, values in times.items()}
        out = tmp / "atlas.bib"
        export_times = [wall(atlas + ["export", "--format", "bibtex", "--output", str(out)]) for _ in range(3)]
        help_ratio = median["help"] / median["typer"]
        entries = out.read_text(encoding="utf-8").count("\n@") + 1
        export_s = min(export_times)

        import typer

        print(f"typer {typer.__version__}, python {sys.version.split()[0]}")
        print(f"python -c 'import typer'      {median['typer'] * 1000:7.1f} ms  (median of {args.runs})")
        print(
            f"minimal Typer app (1 arg)     {median['app'] * 1000:7.1f} ms  -> {median['app'] / median['typer']:.2f}x typer (floor)"
        )
        print(
            f"atlas cite SLUG               {median['cite'] * 1000:7.1f} ms  -> {median['cite'] / median['typer']:.2f}x typer"
            f" (target ~1.5x), {median['cite'] / median['app']:.2f}x the minimal app"
        )
        print(
            f"atlas cite --format apa SLUG  {median['apa'] * 1000:7.1f} ms  -> {median['apa'] / median['typer']:.2f}x typer"
        )
        print(f"atlas --help                  {median['help'] * 1000:7.1f} ms  -> {help_ratio:.2f}x typer")
        print(
            f"atlas export -f bibtex        {export_s:7.2f} s   for {args.n} records ({entries} published entries),"
            f" {export_s / args.n * 1e6:.0f} us/record (best of 3; target a few seconds)"
        )
        if args.before is not None:
            print(f"against {args.before} (python -m atlas_cli, both; medians of the same interleaved runs):")
            for what in ("cite", "help"):
                before_ms, after_ms = median[f"{what} before"] * 1000, median[f"{what} after"] * 1000
                label = "atlas cite SLUG" if what == "cite" else "atlas --help"
                print(
                    f"  {label:<16} before {before_ms:7.1f} ms   after {after_ms:7.1f} ms   "
                    f"after/before {after_ms / before_ms:.2f}"
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
