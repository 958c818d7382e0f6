"""Benchmark `atlas discover`: 2,000 hits from a local E-utilities server that answers in 300 ms.

The server (tests/fake_services.py) advertises NCBI's limit (`X-RateLimit-Limit: 3`
requests per second without an API key) and answers a request over it with NCBI's
429. The search runs through the real `atlas discover` command in a temporary atlas
of 200 records (50 of them among the hits), and the run reports, all measured in
that one run:

- the requests the search took (one esearch, then one esummary per 500 hits from
  the history server), the most in any 1 s window, and any 429;
- the time the limits allow: the esearch's round trip, then the pages, started no
  faster than the limit allows, each a round trip: max(latency, 1/rate) +
  (pages - 1)/rate + latency;
- the time the search took as the server saw it (from the esearch's arrival to the
  last page's answer), as a ratio of the time the limits allow: the target is at
  most 1.2;
- the whole command's elapsed time (start-up, reading the atlas, the search, sorting
  and printing 2,000 papers), beside an empty search's (the command's fixed cost);
- each search is run three times (--repeat) and the fastest counts, so one busy
  moment of the machine is not taken for the command's cost.

Run: python bench/discover_bench.py [--hits 2000] [--latency 0.3] [--api-key]
Exits 1 if the search failed, listed the wrong papers, went over the limit, took
more requests than 1 + hits/500, or more than 1.2x the time the limits allow.
(Best of three runs per search: take figures on a quiet machine all the same.)
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

from fake_services import FakeServices  # noqa: E402

PAGE = 500  # summaries per esummary page (services.pubmed.PAGE_SIZE)
RECORD = """\
slug: {slug}
status: draft
title: Existing paper number {i}
authors:
- family: Author{i}
  given: A.
journal: Journal of Tests
year: 2025
pmid: '{pmid}'
pem:
  badge: unclear
  criteria: []
  rationale: 'TODO: read the inclusion criteria.'
summary: 'TODO: summary.'
why_it_matters: 'TODO: why.'
does_not_show: 'TODO: limits.'
topics: []
snapshot_date: '2026-04-30'
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--api-key", action="store_true", help="send an API key (NCBI then allows 10 requests/s)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each search; the fastest counts")
    args = parser.parse_args()
    hits, latency = args.hits, args.latency
    rate = 10 if args.api_key else 3
    pages = math.ceil(hits / PAGE)
    allowed = max(latency, 1 / rate) + (pages - 1) / rate + latency

    with tempfile.TemporaryDirectory() as tmp, FakeServices(ncbi_delay=latency, ncbi_enforce=True) as fake:
        root = Path(tmp) / "atlas"
        (root / "records").mkdir(parents=True)
        (root / "atlas.toml").write_text('[atlas]\nmailto = "bench@example.org"\n', encoding="utf-8")
        for i in range(hits):
            day = 1 + i % 28
            fake.add_pubmed_record(
                str(40000000 + i),
                doi=f"10.5555/found.{i:05d}" if i % 5 else None,
                title=f"Paper number {i} on post-exertional malaise in ME/CFS.",
                authors=[f"Author{i} AB", "Second CD", "Third EF", "Fourth G"],
                pubdate="2026 May",
                entrez=f"2026/05/{day:02d}",
                pubtypes=["Journal Article", "Editorial" if i % 50 == 0 else "Review"],
            )
        for i in range(200):  # a quarter of them among the hits
            pmid = 40000000 + i * 40 if i < 50 else 30000000 + i
            slug = f"author{i}-2025-existing-paper"
            (root / "records" / f"{slug}.yaml").write_text(RECORD.format(slug=slug, i=i, pmid=pmid), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
        env.update(fake.env())
        env["ATLAS_CACHE_DIR"] = str(Path(tmp) / "cache")
        if args.api_key:
            env["ATLAS_NCBI_API_KEY"] = "bench-key"
        command = [sys.executable, "-m", "atlas_cli", "--root", str(root), "discover", "--format", "ids"]

        def run(since: str, until: str) -> tuple[float, subprocess.CompletedProcess]:
            time.sleep(1.1)  # a fresh second for NCBI's counter
            fake.reset_stats()
            start = time.perf_counter()
            done = subprocess.run(
                [*command, "--since", since, "--until", until], env=env, capture_output=True, text=True
            )
            return time.perf_counter() - start, done

        # The best of REPEAT runs of each: one busy moment of the machine is not the command's cost.
        empty_elapsed, empty = min((run("2026-06-10", "2026-06-20") for _ in range(args.repeat)), key=lambda r: r[0])
        elapsed, span, done, requests, peak, limited = math.inf, math.inf, empty, 0, 0, 0
        for _ in range(args.repeat):
            took, finished = run("2026-05-01", "2026-05-31")
            seen = fake.seen("ncbi")
            requests, peak = max(requests, len(seen)), max(peak, fake.max_in_window(1.0, "ncbi"))
            limited += fake.rate_limited
            fake.rate_limited = 0
            span = min(span, max(s.end for s in seen) - min(s.start for s in seen))
            if took < elapsed or finished.returncode:
                elapsed, done = took, finished
        listed = done.stdout.split()

    print(
        f"atlas discover: {hits} hits, server latency {latency * 1000:.0f} ms, "
        f"NCBI advertising {rate} requests/s{' (API key)' if args.api_key else ''}"
    )
    print(f"  exit status             {done.returncode}; {len(listed)} papers listed ({hits - 50} expected)")
    print(
        f"  requests                {requests} (1 esearch + {pages} esummary pages); peak {peak} in any 1 s; {limited} answered 429"
    )
    print(f"  time the limits allow   {allowed:.2f} s")
    print(f"  the search, as served   {span:.2f} s  -> ratio {span / allowed:.2f} (target <= 1.2)")
    print(
        f"  the whole command       {elapsed:.2f} s (start-up included); an empty search {empty_elapsed:.2f} s; "
        f"the difference {elapsed - empty_elapsed:.2f} s"
    )
    ok = (
        done.returncode == 0
        and empty.returncode == 0
        and len(listed) == hits - 50
        and requests <= 1 + pages
        and peak <= rate
        and limited == 0
        and span <= 1.2 * allowed
    )
    if not ok:
        print("FAILED" + (f": {done.stderr.strip()[-500:]}" if done.returncode else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
