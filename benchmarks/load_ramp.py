"""Does `convsim load` find the knee of an agent whose capacity is known?

    .venv/bin/python benchmarks/load_ramp.py [--capacity 64] [--service-ms 50]
        [--ramp 8,16,32,64,128,256,512] [--domain retail]

A stand-in agent (its own process, aiohttp) serves `--capacity` requests at a time, each
taking `--service-ms`; beyond that, requests queue. `convsim load` (the real CLI) plays the
campaign at each level of `--ramp`; the knee should be the first level past the capacity
(or the one after it), and convsim's own event-loop lag is printed beside every step so a
CPU-bound convsim is never mistaken for the agent.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("standin_agent", ROOT / "tests" / "standin_agent.py")
standin_agent = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(standin_agent)  # type: ignore[union-attr]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--capacity", type=int, default=64)
    ap.add_argument("--service-ms", type=float, default=50)
    ap.add_argument("--ramp", default="8,16,32,64,128,256,512")
    ap.add_argument("--domain", default="retail")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, \
            standin_agent.started(args.capacity, args.service_ms, backlog=4096) as url:
        campaign = standin_agent.ramp_campaign(Path(tmp), url, domain=args.domain,
                                               scenarios=200, personas=50, version="standin",
                                               turn_timeout_s=30)
        out = subprocess.run([sys.executable, "-m", "convsim.cli.main", "load", str(campaign),
                              "--ramp", args.ramp], capture_output=True, text=True, check=False)
        print(out.stdout or out.stderr)


if __name__ == "__main__":
    main()
