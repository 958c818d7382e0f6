"""How long `atlas add` waits on servers that misbehave, with the default settings.

Runs the real `atlas add` (no ATLAS_HTTP_* variable set: the defaults) against a
local server (tests/fake_services.py) that

  silent    accepts the connection, reads the request and never answers (5 DOIs)
  trickle   sends its answer, status line and headers included, one byte every
            1.5 s (1 DOI; the whole answer would take about 15 minutes)
  bomb      answers with a gzip body of 200 KB that inflates to 200 MB (1 DOI)

and reports for each: when the first `failed` line appeared on standard error, when
the command ended (killed after --give-up seconds), its exit status, how many
requests the server saw, and the peak memory of the process.

Targets: silent, the first DOI's failure within 30 s and the command within 60 s;
trickle, ended by the deadline (30 s); bomb, well under the 446 MB inflating it takes.

    python bench/hang_bench.py
    python bench/hang_bench.py --pythonpath OTHER/src    # another checkout, for a before/after
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from fake_services import FakeServices, Reply, work  # noqa: E402


@dataclass
class Outcome:
    first_failure: float | None
    ended: float
    killed: bool
    exit_status: int
    requests: int
    peak_mb: float


def run(scenario: str, give_up: float, pythonpath: str | None) -> Outcome:
    with tempfile.TemporaryDirectory() as tmp, FakeServices() as fake:
        root = Path(tmp) / "atlas"
        (root / "records").mkdir(parents=True)
        (root / "atlas.toml").write_text('[atlas]\nmailto = "bench@example.org"\n', encoding="utf-8")
        if scenario == "silent":
            dois = [f"10.5555/silent.{i}" for i in range(5)]
            for doi in dois:
                fake.script(doi, Reply(silent=True))
        elif scenario == "trickle":
            dois = ["10.5555/trickle"]
            fake.script(dois[0], Reply.work(work(dois[0]), trickle=1.5))
        else:
            dois = ["10.5555/bomb"]
            fake.script(dois[0], Reply.gzip_bomb(200_000_000))
        # As a user runs it: none of this shell's ATLAS_* settings, and compiled modules kept
        # (with PYTHONDONTWRITEBYTECODE set, every run would compile atlas's modules again).
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_") and k != "PYTHONDONTWRITEBYTECODE"}
        env.update(fake.env())
        env["ATLAS_CACHE_DIR"] = str(Path(tmp) / "cache")
        if pythonpath:
            env["PYTHONPATH"] = pythonpath
        command = [sys.executable, "-m", "atlas_cli", "--root", str(root), "add", *dois]
        start = time.monotonic()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        first: list[float] = []

        def read_stderr() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                if line.startswith("failed") and not first:
                    first.append(time.monotonic() - start)

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        killer = threading.Timer(give_up, process.kill)
        killer.start()
        _pid, status, usage = os.wait4(process.pid, 0)
        ended = time.monotonic() - start
        killed = not killer.is_alive()
        killer.cancel()
        reader.join(5)
        return Outcome(
            first_failure=first[0] if first else None,
            ended=ended,
            killed=killed,
            exit_status=os.waitstatus_to_exitcode(status),
            requests=fake.count("crossref"),
            peak_mb=usage.ru_maxrss / 1024 if sys.platform.startswith("linux") else usage.ru_maxrss / 2**20,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="+", default=["silent", "trickle", "bomb"])
    parser.add_argument("--give-up", type=float, default=180.0, help="kill a run after this many seconds")
    parser.add_argument("--pythonpath", help="run atlas from this source folder instead of the installed one")
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    ok = True
    for scenario in args.scenarios:
        outcome = run(scenario, args.give_up, args.pythonpath)
        first = f"{outcome.first_failure:.1f} s" if outcome.first_failure is not None else "none"
        ended = f"killed after {outcome.ended:.1f} s" if outcome.killed else f"{outcome.ended:.1f} s"
        print(
            f"{scenario:8s} first failure {first:>9s}; ended {ended:>9s}; exit {outcome.exit_status}; "
            f"{outcome.requests} Crossref requests; peak memory {outcome.peak_mb:.0f} MB"
        )
        if scenario == "silent":
            ok = ok and outcome.first_failure is not None and outcome.first_failure <= 30 and outcome.ended <= 60
        elif scenario == "trickle":
            ok = ok and not outcome.killed and outcome.ended <= 60
        else:
            ok = ok and outcome.peak_mb < 150
        ok = ok and outcome.exit_status == 3
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
