"""Peak driver RSS of a campaign as it grows: flat memory, not a cost per conversation.

    .venv/bin/python benchmarks/memory_scale.py [--sizes 10000,100000,1000000]

Each size runs in a fresh process: the offline agenda customer, the in-process reference
agent (`python` connector, retail v1), the local executor, evaluators process + goal,
written to Parquet in a temporary folder. The population is fixed (250 scenarios x 50
personas x 4 perturbation profiles); repetitions make the size, so only the planning,
the batches in flight and the results can grow. Prints conversations, wall time, the
peak RSS once every conversation is played and written (VmHWM at the last batch), and
the peak of the whole call (ru_maxrss), which adds the run summary (summary.json, read
from the Parquet tables with polars at the end).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one(size: int) -> None:
    from convsim.core.campaign_file import load_campaign
    from convsim.engine.campaign import run_campaign

    per_rep = 250 * 4
    raw = {
        "name": "memory", "seed": 1, "repetitions": max(1, -(-size // per_rep)),
        "scenarios": {"domain": "retail", "n": 250}, "personas": {"n": 50},
        "perturbations": [{"name": "clean"}, {"name": "noisy_text"}, {"name": "impatient"},
                          {"name": "wandering"}],
        "agents": [{"version": "v1", "connector": "python", "reference": "retail:v1"}],
        "evaluators": ["process", "goal"],
        "execution": {"executor": "local", "concurrency": 64, "batch_size": 100},
    }
    with tempfile.TemporaryDirectory() as out:
        path = Path(out) / "campaign.yaml"
        path.write_text(json.dumps(raw))  # JSON is YAML; load_campaign resolves "retail:v1"
        config = load_campaign(path)
        running: list[int] = []

        def progress(done: int, total: int, _: object) -> None:
            if done and done >= total:  # the last batch written, before the run's summary
                running.append(_hwm_mib())

        t0 = time.perf_counter()
        info = run_campaign(config, out_dir=out, limit=size, progress=progress)
        wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"conversations": info.written, "turns": info.turns, "wall_s": round(wall, 1),
                      "peak_rss_mib": round(rss), "running_peak_mib": running[-1]}))


def _hwm_mib() -> int:
    """Peak RSS so far (VmHWM), MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one)
        return
    print("| conversations | turns | wall | conv/s | peak RSS, conversations played | "
          "peak RSS, with the run summary |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--one", str(size)], check=True,
                             capture_output=True, text=True).stdout.strip().splitlines()[-1]
        r = json.loads(out)
        print(f"| {r['conversations']:,} | {r['turns']:,} | {r['wall_s']:.0f} s | "
              f"{r['conversations'] / r['wall_s']:,.0f} | {r['running_peak_mib']} MiB | "
              f"{r['peak_rss_mib']} MiB |", flush=True)


if __name__ == "__main__":
    main()
