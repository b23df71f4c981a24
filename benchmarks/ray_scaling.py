"""Ray worker curve: the same campaign on 1, 2, 4 actors, beside the local executor.

    .venv/bin/python benchmarks/ray_scaling.py [--conversations 3000] [--workers 1,2,4]
        [--latency-ms 50] [--concurrency 256]

Uses wire_speed.py's stand-in agent (its own process) and `convsim run` (the CLI, a
subprocess per point), so each point pays Ray's start-up; "steady" is agent turns per
second from the first turn sent to the last reply received. The concurrency is split
over the actors. Per-worker rate x nodes gives the paper projection for a cluster (as
long as the agent keeps up).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
from pathlib import Path

spec = importlib.util.spec_from_file_location("wire_speed", Path(__file__).with_name("wire_speed.py"))
assert spec is not None and spec.loader is not None
wire = importlib.util.module_from_spec(spec)
spec.loader.exec_module(wire)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=3000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=256)
    args = parser.parse_args()
    agent, url = wire.start_agent(args.latency_ms)
    try:
        print(f"machine: {os.cpu_count()} cpus; agent {args.latency_ms:g} ms; "
              f"{args.conversations} conversations; concurrency {args.concurrency} in all")
        print("| executor | workers | agent turns | steady turns/s | whole command | "
              "engine CPU / agent turn |")
        print("|---|---:|---:|---:|---:|---:|")
        points = [("local", 1)] + [("ray", int(w)) for w in args.workers.split(",")]
        for executor, workers in points:
            r = wire.convsim_run(url, args.conversations, args.concurrency, executor, workers)
            print(f"| {executor} | {workers} | {r['turns']:,} | {r['steady_rate']:,.0f} | "
                  f"{r['rate']:,.0f} turns/s in {r['wall']:.1f} s | "
                  f"{r['cpu_ms_per_turn']:.2f} ms |", flush=True)
    finally:
        agent.terminate()
        agent.wait()


if __name__ == "__main__":
    main()
