"""Time the demo campaign end to end and report conversations/s and turns/s.

    .venv/bin/python benchmarks/demo_throughput.py [--executor ray|local] [--scenarios N]

Includes starting the reference agents and (for ray) the local Ray instance;
the per-phase split is printed so startup can be told apart from throughput.
Record the figures with the machine in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

from convsim.core.campaign_file import load_campaign  # noqa: E402
from convsim.engine.campaign import run_campaign  # noqa: E402

DEMO = Path(__file__).resolve().parents[1] / "configs" / "demo.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executor", choices=["ray", "local"], default="ray")
    parser.add_argument("--scenarios", type=int, default=None,
                        help="override the number of scenarios (demo: 50 -> 400 conversations)")
    parser.add_argument("--workers", type=int, default=None, help="Ray actors")
    args = parser.parse_args()
    config = load_campaign(DEMO)
    update: dict[str, object] = {"execution": config.execution.model_copy(
        update={"executor": args.executor, "workers": args.workers})}
    if args.scenarios:
        update["scenarios"] = config.scenarios.model_copy(update={"n": args.scenarios})
    config = config.model_copy(update=update)
    first_batch: list[float] = []
    t0 = time.perf_counter()

    def progress(done: int, total: int, _: object) -> None:
        if done and not first_batch:
            first_batch.append(time.perf_counter() - t0)

    with tempfile.TemporaryDirectory() as out:
        info = run_campaign(config, out_dir=out, progress=progress)
    wall = time.perf_counter() - t0
    steady = wall - (first_batch[0] if first_batch else 0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus, Python "
          f"{platform.python_version()}")
    print(f"executor={args.executor} conversations={info.written} turns={info.turns} "
          f"errors={info.errors}")
    print(f"wall {wall:.2f}s (first batch after {first_batch[0] if first_batch else 0:.2f}s)")
    print(f"overall: {info.written / wall:.1f} conversations/s, {info.turns / wall:.0f} turns/s")
    print(f"after first batch: {(info.written) / max(steady, 1e-9):.1f} conversations/s "
          f"(upper bound; includes the first batch's work)")
    print(f"driver peak RSS: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
