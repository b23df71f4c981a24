"""Ingest Taskmaster-4 (3,500 dialogs, 10 files) and report time and peak memory.

    .venv/bin/python benchmarks/ingest_taskmaster.py [--data ../shared/data/taskmaster/tm4_coffee]

Each measurement runs in a fresh process (peak RSS is per process): ingest of 1
file, then of all 10, then mining the full set. Bounded memory means the peak
for 10 files stays close to the peak for 1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from convsim.scenarios.ingest import ingest_transcripts
from convsim.scenarios.mining import mine_catalog
files, out, do_mine = json.loads(sys.argv[1])
t = time.perf_counter()
report = ingest_transcripts(files, "taskmaster", out, salt="bench")
ingest_s = time.perf_counter() - t
mine_s = None
if do_mine:
    t = time.perf_counter()
    mine_catalog([out], Path(out) / "catalog")
    mine_s = time.perf_counter() - t
print(json.dumps({"files": len(files), "imported": report.imported,
                  "quarantined": report.quarantined, "ingest_s": round(ingest_s, 2),
                  "mine_s": mine_s and round(mine_s, 2),
                  "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


def run(files: list[str], mine: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps([files, out, mine])],
                              capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "taskmaster" / "tm4_coffee"
    parser.add_argument("--data", type=Path, default=default)
    args = parser.parse_args()
    files = sorted(str(p) for p in args.data.glob("dialogs.part*.jsonl"))
    if not files:
        sys.exit(f"no dialogs.part*.jsonl under {args.data}")
    size = sum(Path(f).stat().st_size for f in files) / 2**20
    print(f"input: {len(files)} files, {size:.1f} MiB")
    print("1 file:  ", run(files[:1], mine=False))
    print("all:     ", run(files, mine=False))
    print("all+mine:", run(files, mine=True))


if __name__ == "__main__":
    main()
