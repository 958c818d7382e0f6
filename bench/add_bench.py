"""Benchmark `atlas add` on a batch: 100 DOIs against a local server that answers in 300 ms.

The server (tests/fake_services.py) advertises the Crossref polite pool's 2026
limits (10 requests/s, 3 at once). The batch runs through the real `atlas add`
command (start-up included, PubMed enrichment on) in a temporary atlas, and the
run reports, all measured in that one run:

- elapsed time, as a ratio of the time the limits allow (the fastest a client
  can go without exceeding them: n/rate or ceil(n/concurrency) x latency,
  whichever is longer) and of the serial time (n x latency);
- the most requests the server saw in any 1 s window and at once (must not
  exceed the advertised limits);
- the number of NCBI E-utilities requests for the whole batch.

Run: python bench/add_bench.py [--dois 100] [--latency 0.3]
Exits 1 if the run exceeded the limits, failed, or took more than 1.2x the allowed time.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from fake_services import POLITE_HEADERS, FakeServices, work  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dois", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.3)
    args = parser.parse_args()
    rate, interval, concurrency = (
        int(POLITE_HEADERS["x-rate-limit-limit"]),
        1.0,
        int(POLITE_HEADERS["x-concurrency-limit"]),
    )
    n, latency = args.dois, args.latency
    allowed = max((n - 1) * interval / rate + latency, math.ceil(n / concurrency) * latency)
    serial = n * latency

    with tempfile.TemporaryDirectory() as tmp, FakeServices(delay=latency) as fake:
        root = Path(tmp) / "atlas"
        (root / "records").mkdir(parents=True)
        (root / "atlas.toml").write_text('[atlas]\nmailto = "bench@example.org"\n', encoding="utf-8")
        dois = [f"10.5555/bench.{i:04d}" for i in range(n)]
        fake.add_works(
            work(doi, f"Benchmark paper number {i} on fatigue", family=f"Author{i}") for i, doi in enumerate(dois)
        )
        for i, doi in enumerate(dois):
            if i % 4:  # three in four are in PubMed
                fake.add_pubmed(doi, str(30000000 + i))
        listing = Path(tmp) / "dois.txt"
        listing.write_text("\n".join(dois) + "\n", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
        env.update(fake.env())
        env["ATLAS_CACHE_DIR"] = str(Path(tmp) / "cache")
        atlas = [sys.executable, "-m", "atlas_cli", "--root", str(root), "add", "--from", str(listing)]
        start = time.perf_counter()
        run = subprocess.run(atlas, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        written = len(list((root / "records").glob("*.yaml")))
        total = fake.count("crossref")
        peak_window = fake.max_in_window(interval, "crossref")
        peak_concurrency = fake.max_concurrency("crossref")
        ncbi = fake.count("ncbi")

    print(
        f"atlas add: {n} DOIs, server latency {latency * 1000:.0f} ms, "
        f"advertised {rate} requests/{interval:g}s, {concurrency} at once"
    )
    print(f"  exit status            {run.returncode}, {written} records written")
    print(f"  elapsed                {elapsed:.2f} s (start-up included)")
    print(f"  time the limits allow  {allowed:.2f} s  -> ratio {elapsed / allowed:.2f}  (target <= 1.2)")
    print(f"  serial time            {serial:.2f} s  -> ratio {elapsed / serial:.2f}")
    print(f"  Crossref requests      {total} for {n} DOIs (the first one also reads the advertised limits)")
    print(
        f"  peak in any {interval:g}s window {peak_window} (limit {rate}); peak at once {peak_concurrency} "
        f"(limit {concurrency})"
    )
    print(f"  NCBI requests          {ncbi} for the whole batch")
    ok = (
        run.returncode == 0
        and written == n
        and peak_window <= rate
        and peak_concurrency <= concurrency
        and elapsed <= 1.2 * allowed
    )
    if not ok:
        print("FAILED" + (f": {run.stderr.strip()[-500:]}" if run.returncode else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
