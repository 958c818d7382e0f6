"""How fast is `atlas lint` on a large atlas? Ratios against baselines measured in the same run.

Generates N realistic records (about 4 KB each) into a temporary atlas, then times:

  parse      loading every file with libyaml (yaml.CSafeLoader) in one process:
             the bare cost of reading the records
  validate   parse + jsonschema validation of every record in one process
  atlas      `atlas lint` (all rules, all cores), as a user runs it
  cjs        `check-jsonschema` validating the same files against the same schema
             (skipped with --no-check-jsonschema, or when it is not installed)

and prints atlas/parse and atlas/cjs. Targets: atlas <= 0.8x parse, atlas <= 0.1x cjs.
Machines are noisy: compare ratios from one run, not seconds across runs.

    python bench/lint_bench.py            # 10,000 records
    python bench/lint_bench.py -n 2000 --no-check-jsonschema
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = (
    "immune cells gut microbiome fatigue exertion patients controls cohort cytokine "
    "antibody receptor brain inflammation butyrate permeability sleep pain cognition "
    "biomarker diagnosis criteria symptoms severity activity energy metabolism"
).split()


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, chars: int) -> str:
    parts = []
    while sum(len(p) + 1 for p in parts) < chars:
        parts.append(sentence(rng, rng.randint(8, 18)))
    return " ".join(parts)


def make_record(i: int, rng: random.Random) -> dict:
    family = f"author{i}"
    slug = f"{family}-{2000 + i % 25}-{rng.choice(WORDS)}-{rng.choice(WORDS)}-{i}"
    criteria = rng.choice([["ccc-2003"], ["fukuda-1994"], ["fukuda-1994", "ccc-2003"], ["icc-2011"]])
    badge = "not-required" if criteria == ["fukuda-1994"] else "required"
    pem = {"badge": badge, "criteria": criteria}
    if len(criteria) > 1:
        pem["combine"] = "all"
    pem["rationale"] = paragraph(rng, 250)
    pem["source"] = "Methods, Participants"
    return {
        "slug": slug,
        "status": "published",
        "title": sentence(rng, 14),
        "authors": [{"family": f"{family}{k}", "given": "Anne Marie"} for k in range(8)],
        "journal": "Journal of Translational Medicine",
        "year": 2000 + i % 25,
        "volume": str(rng.randint(1, 40)),
        "issue": str(rng.randint(1, 12)),
        "pages": "101-110",
        "doi": f"10.1234/bench.{i}",
        "pmid": str(10000000 + i),
        "publication_type": "journal-article",
        "peer_reviewed": True,
        "design": "case-control",
        "evidence_level": "E2",
        "confidence": "moderate",
        "sample_size": rng.randint(20, 400),
        "pem": pem,
        "summary": paragraph(rng, 800),
        "why_it_matters": paragraph(rng, 500),
        "does_not_show": paragraph(rng, 500),
        "findings": paragraph(rng, 700),
        "limitations": paragraph(rng, 400),
        "topics": rng.sample(["b-cells", "gut-microbiome", "cytokines", "pem", "nk-cells", "sleep"], 3),
        "snapshot_date": "2026-05-30",
        "added": "2026-05-30",
    }


def generate(root: Path, n: int) -> list[Path]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from atlas_cli.core.records import render_record

    (root / "atlas.toml").write_text('[atlas]\nsite_url = "https://www.mecfsatlas.com"\n', encoding="utf-8")
    records = root / "records"
    records.mkdir()
    rng = random.Random(1)
    paths = []
    for i in range(n):
        data = make_record(i, rng)
        path = records / f"{data['slug']}.yaml"
        path.write_text(render_record(data), encoding="utf-8")
        paths.append(path)
    return paths


def time_parse(paths: list[Path]) -> float:
    import yaml

    start = time.perf_counter()
    for path in paths:
        with path.open("rb") as fh:
            yaml.load(fh, Loader=yaml.CSafeLoader)
    return time.perf_counter() - start


def time_validate(paths: list[Path], schema_path: Path) -> float:
    import jsonschema
    import yaml

    start = time.perf_counter()
    validator = jsonschema.Draft202012Validator(json.loads(schema_path.read_text(encoding="utf-8")))
    for path in paths:
        with path.open("rb") as fh:
            validator.is_valid(yaml.load(fh, Loader=yaml.CSafeLoader))
    return time.perf_counter() - start


def time_command(argv: list[str], cwd: Path) -> tuple[float, int, str]:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - start, proc.returncode, proc.stdout[-300:] + proc.stderr[-300:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000, help="number of records (default 10000)")
    parser.add_argument("--no-check-jsonschema", action="store_true", help="skip the slow check-jsonschema baseline")
    args = parser.parse_args()
    schema = Path(__file__).resolve().parents[1] / "schemas" / "record.schema.json"
    atlas = [sys.executable, "-m", "atlas_cli"]
    with tempfile.TemporaryDirectory(prefix="atlas-lint-bench-") as tmp:
        root = Path(tmp)
        paths = generate(root, args.n)
        size = sum(p.stat().st_size for p in paths) / len(paths)
        print(f"{args.n} records, {size / 1024:.1f} KB each on average")
        time_parse(paths[:200])  # warm the file cache
        parse = time_parse(paths)
        validate = time_validate(paths, schema)
        lint, code, tail = time_command([*atlas, "lint"], root)
        if code != 0:
            print(f"atlas lint exited {code}: the generated records should be clean\n{tail}")
            return 1
        print(f"  parse (libyaml, 1 process)   {parse:7.2f} s")
        print(f"  parse + jsonschema           {validate:7.2f} s")
        print(f"  atlas lint (all rules)       {lint:7.2f} s")
        print(f"  atlas lint / parse           {lint / parse:7.2f}x   (target <= 0.8x)")
        cjs_path = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
        if not args.no_check_jsonschema and Path(cjs_path).exists():
            cjs, _, _ = time_command([cjs_path, "--schemafile", str(schema), *map(str, paths)], root)
            print(f"  check-jsonschema             {cjs:7.2f} s")
            print(f"  atlas lint / check-jsonschema {lint / cjs:6.3f}x   (target <= 0.1x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
