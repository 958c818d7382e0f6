"""Benchmark `atlas add` on batches of 60 and 300 DOIs, and of PMIDs, against a local server answering in 300 ms.

The server (tests/fake_services.py) advertises the Crossref polite pool's 2026
limits (10 requests/s, 3 at once) and NCBI's (3 requests/s), and keeps
connections open, as both services do. Each batch runs through the real
`atlas add` command (start-up included, PubMed enrichment on) in a fresh
temporary atlas, one after the other in the same run, and for each the script
reports:

- elapsed time, as a ratio of the time the limits allow (the fastest a client
  can go without exceeding them: (n-1)/rate + latency or ceil(n/concurrency) x
  latency, whichever is longer; for PMIDs plus the one PubMed round trip that
  must come first, since the DOIs are known only then) and of the serial time
  (n x latency);
- the most requests the server saw in any 1 s window and at once (must not
  exceed the advertised limits);
- the connections the Crossref requests came on, and the number of NCBI
  E-utilities requests for the whole batch, by kind: the PubMed lookup
  (esearch, esummary) and the papers' texts (efetch of the abstracts, efetch of
  PMC's full texts). Every PubMed paper has an abstract (naming a case
  definition in one paper of two) and one in three is in PMC with a methods
  section, so those drafts get a proposed PEM badge (their number is printed).

Run: python bench/add_bench.py [--dois 60 300] [--pmids 60] [--latency 0.3] [--target 1.1]
     python bench/add_bench.py --pythonpath OTHER/src   # another checkout, for a before/after
Exits 1 if a batch exceeded the limits or failed, if a DOI batch took more than
the target ratio, or if the PMIDs' ratio is more than 0.05 above the DOIs' of the
same size. The machine's load average is printed first: on a busy machine the
ratios rise.
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
    n: int
    returncode: int
    stderr: str
    elapsed: float
    allowed: float
    serial: float
    written: int
    crossref: int
    connections: int
    peak_window: int
    peak_concurrency: int
    ncbi: int
    ncbi_window: int
    ncbi_kinds: str
    proposed: int

    @property
    def ratio(self) -> float:
        return self.elapsed / self.allowed


def run_batch(kind: str, n: int, latency: float, pythonpath: str | None = None) -> Run:
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
                add_paper_text(fake, str(30000000 + i), doi, i)
        ids = dois if kind == "dois" else [f"PMID: {30000000 + i}" for i in range(n)]
        listing = Path(tmp) / "ids.txt"
        listing.write_text("\n".join(ids) + "\n", encoding="utf-8")
        # As a user runs it: none of this shell's ATLAS_* settings, and compiled modules kept
        # (with PYTHONDONTWRITEBYTECODE set, every run would compile atlas's modules again).
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_") and k != "PYTHONDONTWRITEBYTECODE"}
        env.update(fake.env())
        env["ATLAS_CACHE_DIR"] = str(Path(tmp) / "cache")
        if pythonpath:
            env["PYTHONPATH"] = pythonpath
        atlas = [sys.executable, "-m", "atlas_cli", "--root", str(root), "add", "--from", str(listing)]
        start = time.perf_counter()
        run = subprocess.run(atlas, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        return Run(
            kind,
            n,
            run.returncode,
            run.stderr,
            elapsed,
            allowed,
            serial,
            len(list((root / "records").glob("*.yaml"))),
            fake.count("crossref"),
            fake.connections("crossref"),
            fake.max_in_window(INTERVAL, "crossref"),
            fake.max_concurrency("crossref"),
            fake.count("ncbi"),
            fake.max_in_window(1.0, "ncbi"),
            ncbi_kinds(fake),
            sum("  proposed:" in f.read_text(encoding="utf-8") for f in (root / "records").glob("*.yaml")),
        )


def add_paper_text(fake: FakeServices, pmid: str, doi: str, i: int) -> None:
    """PubMed's record of paper I, with an abstract; one paper in three has a methods section in PMC."""
    pmcid = f"PMC{pmid}" if i % 3 == 0 else None
    named = "the Canadian Consensus Criteria" if i % 2 else "a physician's diagnosis"
    abstract = [("BACKGROUND", "Fatigue is common."), ("METHODS", f"Patients met {named}.")]
    fake.add_pubmed_record(pmid, doi=doi, abstract=abstract, pmcid=pmcid)
    if pmcid:
        participants = ["All patients met the Fukuda criteria and reported post-exertional malaise.", "x " * 2000]
        fake.add_pmc_article(pmcid, [("methods", "Methods", [(None, "Participants", participants)])])


def ncbi_kinds(fake: FakeServices) -> str:
    counts: dict[str, int] = {}
    for seen in fake.seen("ncbi"):
        tool = seen.path.rsplit("/", 1)[1].removesuffix(".fcgi")
        name = f"{tool} {seen.form.get('db', [''])[0]}" if tool == "efetch" else tool
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dois", type=int, nargs="+", default=[60, 300], help="sizes of the DOI batches")
    parser.add_argument("--pmids", type=int, nargs="*", default=[60], help="sizes of the PMID batches")
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--target", type=float, default=1.1, help="largest ratio to the limits for DOIs")
    parser.add_argument("--pythonpath", help="run atlas from this source folder instead of the installed one")
    args = parser.parse_args()
    latency = args.latency
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    print(
        f"atlas add: server latency {latency * 1000:.0f} ms, "
        f"Crossref advertising {RATE} requests/{INTERVAL:g}s, {CONCURRENCY} at once; NCBI 3 requests/s"
    )
    runs = [run_batch("dois", n, latency, args.pythonpath) for n in args.dois]
    runs += [run_batch("pmids", n, latency, args.pythonpath) for n in args.pmids]
    ok = True
    for run in runs:
        print(f"\n{run.n} {run.kind.upper()}")
        print(f"  exit status            {run.returncode}, {run.written} records written")
        print(f"  elapsed                {run.elapsed:.2f} s (start-up included)")
        print(f"  time the limits allow  {run.allowed:.2f} s  -> ratio {run.ratio:.3f}")
        print(f"  serial time            {run.serial:.2f} s  -> ratio {run.elapsed / run.serial:.3f}")
        print(f"  Crossref requests      {run.crossref} on {run.connections} connections")
        print(
            f"  peak in any {INTERVAL:g}s window {run.peak_window} (limit {RATE}); "
            f"peak at once {run.peak_concurrency} (limit {CONCURRENCY})"
        )
        print(f"  NCBI requests          {run.ncbi} for the whole batch (peak {run.ncbi_window} in any 1 s; limit 3)")
        print(f"                         {run.ncbi_kinds}")
        print(f"  drafts with a proposed PEM badge  {run.proposed}")
        good = (
            run.returncode == 0
            and run.written == run.n
            and run.peak_window <= RATE
            and run.peak_concurrency <= CONCURRENCY
            and run.ncbi_window <= 3
        )
        if not good:
            print("  FAILED" + (f": {run.stderr.strip()[-500:]}" if run.returncode else ""))
        ok = ok and good
    print()
    by_size = {run.n: run for run in runs if run.kind == "dois"}
    for run in runs:
        if run.kind == "dois":
            verdict = "ok" if run.ratio <= args.target else "TOO SLOW"
            print(f"{run.n} DOIs: {run.ratio:.3f}x the time the limits allow (target <= {args.target:g}): {verdict}")
            ok = ok and run.ratio <= args.target
        elif run.n in by_size:
            dois = by_size[run.n]
            verdict = "ok" if run.ratio <= dois.ratio + NOISE else "TOO SLOW"
            print(f"{run.n} PMIDs: {run.ratio:.3f}x (target <= the DOIs' {dois.ratio:.3f}x): {verdict}")
            ok = ok and run.ratio <= dois.ratio + NOISE
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
