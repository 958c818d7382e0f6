"""Benchmark `atlas add` on a batch: 100 DOIs, then 100 PMIDs, against a local server that answers in 300 ms.

The server (tests/fake_services.py) advertises the Crossref polite pool's 2026
limits (10 requests/s, 3 at once) and NCBI's (3 requests/s). Each batch runs
through the real `atlas add` command (start-up included, PubMed enrichment on)
in a fresh temporary atlas, and the run reports, all measured in that one run:

- elapsed time, as a ratio of the time the limits allow (the fastest a client
  can go without exceeding them: n/rate or ceil(n/concurrency) x latency,
  whichever is longer; for PMIDs plus the one PubMed round trip that must
  come first, since the DOIs are known only then) and of the serial time
  (n x latency);
- the most requests the server saw in any 1 s window and at once (must not
  exceed the advertised limits);
- the number of NCBI E-utilities requests for the whole batch.

Run: python bench/add_bench.py [--dois 100] [--latency 0.3]
Exits 1 if a run exceeded the limits or failed, if the DOIs took more than 1.2x
the allowed time, or if the PMIDs' ratio is more than 0.05 above the DOIs'.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from fake_services import POLITE_HEADERS, FakeServices, work  # noqa: E402

RATE = int(POLITE_HEADERS["x-rate-limit-limit"])
CONCURRENCY = int(POLITE_HEADERS["x-concurrency-limit"])
INTERVAL = 1.0
NOISE = 0.05  # how far the PMIDs' ratio may sit above the DOIs' in one run


@dataclass
class Run:
    kind: str
    returncode: int
    stderr: str
    elapsed: float
    allowed: float
    serial: float
    written: int
    crossref: int
    peak_window: int
    peak_concurrency: int
    ncbi: int
    ncbi_window: int

    @property
    def ratio(self) -> float:
        return self.elapsed / self.allowed


def run_batch(kind: str, n: int, latency: float) -> Run:
    allowed = max((n - 1) * INTERVAL / RATE + latency, math.ceil(n / CONCURRENCY) * latency)
    serial = n * latency
    if kind == "pmids":
        allowed += latency  # the esummary that turns the PMIDs into DOIs
        serial += latency
    with tempfile.TemporaryDirectory() as tmp, FakeServices(delay=latency) as fake:
        root = Path(tmp) / "atlas"
        (root / "records").mkdir(parents=True)
        (root / "atlas.toml").write_text('[atlas]\nmailto = "bench@example.org"\n', encoding="utf-8")
        dois = [f"10.5555/bench.{i:04d}" for i in range(n)]
        fake.add_works(
            work(doi, f"Benchmark paper number {i} on fatigue", family=f"Author{i}") for i, doi in enumerate(dois)
        )
        for i, doi in enumerate(dois):
            if kind == "pmids" or i % 4:  # three in four DOIs are in PubMed; every PMID is
                fake.add_pubmed_record(str(30000000 + i), doi=doi)
        ids = dois if kind == "dois" else [f"PMID: {30000000 + i}" for i in range(n)]
        listing = Path(tmp) / "ids.txt"
        listing.write_text("\n".join(ids) + "\n", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
        env.update(fake.env())
        env["ATLAS_CACHE_DIR"] = str(Path(tmp) / "cache")
        atlas = [sys.executable, "-m", "atlas_cli", "--root", str(root), "add", "--from", str(listing)]
        start = time.perf_counter()
        run = subprocess.run(atlas, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        return Run(
            kind,
            run.returncode,
            run.stderr,
            elapsed,
            allowed,
            serial,
            len(list((root / "records").glob("*.yaml"))),
            fake.count("crossref"),
            fake.max_in_window(INTERVAL, "crossref"),
            fake.max_concurrency("crossref"),
            fake.count("ncbi"),
            fake.max_in_window(1.0, "ncbi"),
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dois", type=int, default=100, help="papers per batch")
    parser.add_argument("--latency", type=float, default=0.3)
    args = parser.parse_args()
    n, latency = args.dois, args.latency
    print(
        f"atlas add: {n} papers per batch, server latency {latency * 1000:.0f} ms, "
        f"Crossref advertising {RATE} requests/{INTERVAL:g}s, {CONCURRENCY} at once; NCBI 3 requests/s"
    )
    runs = [run_batch("dois", n, latency), run_batch("pmids", n, latency)]
    ok = True
    for run in runs:
        print(f"\n{n} {run.kind.upper()}")
        print(f"  exit status            {run.returncode}, {run.written} records written")
        print(f"  elapsed                {run.elapsed:.2f} s (start-up included)")
        print(f"  time the limits allow  {run.allowed:.2f} s  -> ratio {run.ratio:.2f}")
        print(f"  serial time            {run.serial:.2f} s  -> ratio {run.elapsed / run.serial:.2f}")
        print(f"  Crossref requests      {run.crossref} (the first one also reads the advertised limits)")
        print(
            f"  peak in any {INTERVAL:g}s window {run.peak_window} (limit {RATE}); "
            f"peak at once {run.peak_concurrency} (limit {CONCURRENCY})"
        )
        print(f"  NCBI requests          {run.ncbi} for the whole batch (peak {run.ncbi_window} in any 1 s; limit 3)")
        good = (
            run.returncode == 0
            and run.written == n
            and run.peak_window <= RATE
            and run.peak_concurrency <= CONCURRENCY
            and run.ncbi_window <= 3
        )
        if not good:
            print("  FAILED" + (f": {run.stderr.strip()[-500:]}" if run.returncode else ""))
        ok = ok and good
    dois, pmids = runs
    print(f"\nratio to the limits: DOIs {dois.ratio:.2f} (target <= 1.2), PMIDs {pmids.ratio:.2f} (target <= DOIs')")
    if dois.ratio > 1.2 or pmids.ratio > dois.ratio + NOISE:
        print("FAILED: too slow")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
