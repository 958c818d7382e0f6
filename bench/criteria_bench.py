"""How well and how fast does `atlas criteria` read case definitions? One run, one report.

Accuracy, on labelled passages (a YAML file with `items:`, each with `key`, `text`,
`expected_badge`, optional `acceptable_badges`, and `criteria_named.inclusion`; the
format of the shared criteria-dev set), for the engine and for a baseline in the
same run:

  engine    atlas_cli.criteria.propose_text(text) (no publication year: text only)
  baseline  every definition the same recogniser finds (false friends dropped) counted
            as used for inclusion, combined as `all`, with no PEM screen, design or
            cohort reading: what a reader of names alone would propose

Metrics per split: badge accuracy (the proposed badge is the expected one or one of
`acceptable_badges`); precision of `required` (of the passages where `required` is
proposed, how many allow it; the costly error); exact inclusion-set match (proposed
criteria == labelled inclusion ids). Items marked `split: dev` are divided by a hash
of their key into "dev-tuned" (two thirds, used while writing the rules) and
"dev-held-out" (one third, key sha256 first byte % 3 == 0, not used to tune); items
with another `split` are reported under it.

Speed: the wall time of `atlas criteria --text FILE` (one passage) against
`atlas cite SLUG` in the same temporary atlas, medians of interleaved runs, and the
time to read a 1 MB text, an empty one and one in another language, in process.

    python bench/criteria_bench.py PATH/TO/criteria-dev        # accuracy and speed
    python bench/criteria_bench.py                             # speed only
    python bench/criteria_bench.py PATH -r 21 --show-misses
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PASSAGE = (  # an invented methods sentence, used when no labelled passages are given
    "Forty patients who fulfilled the Canadian Consensus Criteria for ME/CFS and 40 healthy controls were "
    "recruited; test-retest reliability was assessed with the intraclass correlation coefficient (ICC)."
)


def split_of(item: dict) -> str:
    split = item.get("split", "dev")
    if split != "dev":
        return str(split)
    return "dev-held-out" if hashlib.sha256(item["key"].encode()).digest()[0] % 3 == 0 else "dev-tuned"


def load_items(path: Path) -> list[dict]:
    import yaml

    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    items = []
    for file in files:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            items += [i for i in data["items"] if isinstance(i, dict) and isinstance(i.get("text"), str)]
    return items


def baseline(proposal, registries) -> tuple[str, tuple[str, ...]]:
    from atlas_cli.core.pem import UNCLEAR, decide

    ids = tuple(dict.fromkeys((*proposal.criteria, *proposal.mentioned)))
    decision = decide(list(ids), "all", None, registries)
    return decision.badge or UNCLEAR, ids


def score(rows: list[tuple[str, tuple[str, ...], dict]]) -> dict:
    n = len(rows)
    right = sum(badge in (item.get("acceptable_badges") or [item["expected_badge"]]) for badge, _, item in rows)
    required = [item for badge, _, item in rows if badge == "required"]
    wrong_required = [
        item for item in required if "required" not in (item.get("acceptable_badges") or [item["expected_badge"]])
    ]
    sets = sum(set(ids) == set(item["criteria_named"]["inclusion"] or []) for _, ids, item in rows)
    return {
        "n": n,
        "accuracy": right / n if n else 0.0,
        "right": right,
        "required": len(required),
        "wrong_required": len(wrong_required),
        "precision": (len(required) - len(wrong_required)) / len(required) if required else None,
        "sets": sets,
    }


def accuracy(path: Path, show_misses: bool) -> None:
    from atlas_cli.core.config import find_schemas_dir
    from atlas_cli.core.registries import load_registries
    from atlas_cli.criteria import propose_text

    schemas = find_schemas_dir()
    registries = load_registries(schemas)
    items = load_items(path)
    if not items:
        print(f"no labelled passages in {path}")
        return
    by_split: dict[str, dict[str, list]] = {}
    for item in items:
        proposal = propose_text(item["text"], schemas)
        assert all(item["text"][q.start : q.end] == q.text for q in proposal.quotes), item["key"]
        split = split_of(item)
        groups = by_split.setdefault(split, {"engine": [], "baseline": []})
        groups["engine"].append((proposal.badge, proposal.criteria, item))
        groups["baseline"].append((*baseline(proposal, registries), item))
        accepted = item.get("acceptable_badges") or [item["expected_badge"]]
        if show_misses and (
            proposal.badge not in accepted or set(proposal.criteria) != set(item["criteria_named"]["inclusion"] or [])
        ):
            print(
                f"  miss [{split}] {item['key']}: proposed {proposal.badge} {list(proposal.criteria)}, "
                f"labelled {item['expected_badge']} {item['criteria_named']['inclusion']}"
            )
    splits = sorted(by_split) + (["all"] if len(by_split) > 1 else [])
    everything = {k: [r for s in by_split.values() for r in s[k]] for k in ("engine", "baseline")}
    print(f"labelled passages: {len(items)} from {path.name}")
    print(
        f"{'split':<14} {'reader':<9} {'n':>3}  {'badge right':>13}  {'required: wrong/proposed':>25}  {'set match':>11}"
    )
    for split in splits:
        groups = everything if split == "all" else by_split[split]
        for reader in ("engine", "baseline"):
            s = score(groups[reader])
            precision = f"{s['precision']:.0%}" if s["precision"] is not None else "-"
            print(
                f"{split:<14} {reader:<9} {s['n']:>3}  {s['right']:>3} ({s['accuracy']:>5.0%})"
                f"  {s['wrong_required']:>4} / {s['required']:<3} (precision {precision:>4})"
                f"  {s['sets']:>3} ({s['sets'] / s['n']:>4.0%})"
            )


def wall(argv: list[str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr[-500:]}")
    return elapsed


def atlas_argv() -> list[str]:
    script = Path(sys.executable).with_name("atlas")
    return [str(script)] if script.exists() else [sys.executable, "-m", "atlas_cli"]


def speed(passage: str, runs: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="atlas-criteria-bench-"))
    os.environ["ATLAS_CACHE_DIR"] = str(tmp / "cache")  # the runs' own, not the user's
    try:
        root = tmp / "atlas"
        (root / "records").mkdir(parents=True)
        (root / "atlas.toml").write_text('[atlas]\nsite_url = "https://www.mecfsatlas.com"\n', encoding="utf-8")
        slug = "mensah-2017-chronic-fatigue"
        shutil.copy(REPO / "records" / f"{slug}.yaml", root / "records" / f"{slug}.yaml")
        text_file = tmp / "passage.txt"
        text_file.write_text(passage, encoding="utf-8")
        atlas = [*atlas_argv(), "--root", str(root)]
        commands = {
            "cite": [*atlas, "cite", slug],
            "criteria": [*atlas, "criteria", "--text", str(text_file)],
            "criteria-json": [*atlas, "criteria", "--text", str(text_file), "--format", "json"],
        }
        for argv in commands.values():  # warm the file cache and .pyc files
            wall(argv)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):  # interleaved, so drift hits every command alike
            for name, argv in commands.items():
                times[name].append(wall(argv))
        median = {name: statistics.median(values) for name, values in times.items()}
        print(f"\nstartup (median of {runs} interleaved runs, passage of {len(passage)} characters):")
        print(f"  atlas cite SLUG                    {median['cite'] * 1000:7.1f} ms  (the baseline)")
        for name, label in (("criteria", "atlas criteria --text FILE"), ("criteria-json", "  ... --format json")):
            print(
                f"  {label:<34} {median[name] * 1000:7.1f} ms  -> {median[name] / median['cite']:.2f}x cite (target <= 2x)"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def robustness(passage: str) -> None:
    from atlas_cli.core.config import find_schemas_dir
    from atlas_cli.criteria import propose_text

    schemas = find_schemas_dir()
    rng = random.Random(7)
    sentences = [s.strip() + "." for s in passage.split(".") if s.strip()] or [PASSAGE]
    filler = "Results were analysed with mixed models and the significance level was set at 0.05."
    pieces = []
    while sum(map(len, pieces)) < 1_000_000:
        pieces.append(rng.choice([*sentences, filler, filler]))
    texts = {
        "1 MB of passages": " ".join(pieces)[:1_000_000],
        "1 MB without a space": "x" * 1_000_000,
        "1 MB of one abbreviation": "CCC " * 250_000,
        "empty": "",
        "another language": "Les patients répondaient aux critères du consensus canadien. 患者はカナダ基準を満たした。",
    }
    print("\nrobustness (in process; every quote checked to be an exact substring):")
    for name, text in texts.items():
        start = time.perf_counter()
        proposal = propose_text(text, schemas)
        elapsed = time.perf_counter() - start
        assert all(text[q.start : q.end] == q.text for q in proposal.quotes)
        print(
            f"  {name:<26} {len(text):>9} chars  {elapsed:6.2f} s  -> {proposal.badge}, {len(proposal.quotes)} quotes"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, help="labelled passages: a folder of YAML files or one file")
    parser.add_argument("-r", "--runs", type=int, default=15, help="startup runs per command (default 15)")
    parser.add_argument("--show-misses", action="store_true", help="name each passage the engine gets wrong")
    args = parser.parse_args()
    passage = PASSAGE
    if args.path is not None:
        if not args.path.exists():
            raise SystemExit(f"{args.path} does not exist")
        accuracy(args.path, args.show_misses)
        items = load_items(args.path)
        passage = items[0]["text"] if items else PASSAGE
    speed(passage, args.runs)
    robustness(passage)


if __name__ == "__main__":
    main()
