"""`--executor ray` without an address starts its own local instance, whatever cluster
the environment points at (RAY_ADDRESS, another run's /tmp/ray): it never joins one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import polars as pl

CAMPAIGN = """\
name: alone
seed: 2
scenarios: {domain: retail, n: 3}
personas: {n: 3}
agents: [{version: v1, connector: python, reference: "retail:v1"}]
evaluators: [goal]
execution: {executor: ray, workers: 1, concurrency: 2, batch_size: 2}
"""


def test_a_ray_address_in_the_environment_is_not_joined(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: no cluster there
    (tmp_path / "campaign.yaml").write_text(CAMPAIGN, encoding="utf-8")
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_ADDRESS": f"127.0.0.1:{port}"}
    out = subprocess.run([sys.executable, "-m", "convsim.cli.main", "run",
                          str(tmp_path / "campaign.yaml"), "--out", str(tmp_path / "runs")],
                         capture_output=True, text=True, env=env, timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    conv = pl.read_parquet(tmp_path / "runs" / "alone" / "*" / "conversations" / "*.parquet")
    assert conv.height == 3 and conv["error"].is_null().all()
