"""What the fidelity of a catalog-based campaign adds to the end of a run: `write_summary`
on a finished run folder with and without it, interleaved (the machine's load hits both).

    convsim run configs/demo.yaml --out /tmp/runs
    python benchmarks/fidelity_campaign_cost.py /tmp/runs/demo/<run_id> --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from convsim.decisions import summary
    from convsim.decisions.campaign_fidelity import campaign_fidelity

    real_fidelity = summary.run_fidelity
    timings: dict[str, list[float]] = {"with": [], "without": [], "fidelity alone": []}
    summary.write_summary(args.run_dir)  # warm: imports, the OS file cache
    for _ in range(args.repeat):
        summary._CACHE.clear()
        summary._RATES.clear()
        summary.run_fidelity = lambda run_dir: None  # type: ignore[assignment]
        t0 = time.perf_counter()
        summary.write_summary(args.run_dir)
        timings["without"].append(time.perf_counter() - t0)
        summary._CACHE.clear()
        summary._RATES.clear()
        summary.run_fidelity = real_fidelity  # type: ignore[assignment]
        t0 = time.perf_counter()
        summary.write_summary(args.run_dir)
        timings["with"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        campaign_fidelity(args.run_dir)
        timings["fidelity alone"].append(time.perf_counter() - t0)
    for name, values in timings.items():
        print(f"write_summary {name}: median {statistics.median(values):.3f}s "
              f"(min {min(values):.3f}, max {max(values):.3f}, {len(values)} runs)")


if __name__ == "__main__":
    main()
