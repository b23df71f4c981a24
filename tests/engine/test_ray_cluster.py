"""A campaign on a real multi-node Ray cluster (head + three worker nodes on this machine),
sent with `convsim run --ray-address`; a worker node is killed mid-run: nothing is lost and
nothing is written twice, and the run completes on the nodes that remain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

CAMPAIGN = """\
name: cluster
seed: 5
scenarios: {domain: retail, n: 150}
personas: {n: 20}
perturbations: [{name: clean}, {name: noisy, text_noise: {typo_rate: 0.05}}]
agents: [{version: v1, connector: python, reference: "retail:v1"}]
evaluators: [process, goal]
execution: {executor: ray, workers: 3, concurrency: 4, batch_size: 10}
"""


@pytest.fixture()
def cluster():
    from ray.cluster_utils import Cluster

    loopback = {"node_ip_address": "127.0.0.1"}
    # The head takes no work (num_cpus=0): the three worker nodes host one actor each.
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False,
                                                      **loopback})
    workers = [c.add_node(num_cpus=1, **loopback) for _ in range(3)]
    c.wait_for_nodes()
    try:
        yield c, workers
    finally:
        c.shutdown()


def _written(run_root: Path) -> int:
    return len(list(run_root.glob("*/conversations/*.parquet")))


def test_losing_a_worker_node_mid_campaign_loses_and_duplicates_nothing(cluster, tmp_path: Path
                                                                        ) -> None:
    c, workers = cluster
    (tmp_path / "campaign.yaml").write_text(CAMPAIGN, encoding="utf-8")
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "CONVSIM_PROGRESS_SECONDS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "convsim.cli.main", "run", str(tmp_path / "campaign.yaml"),
         "--ray-address", c.address, "--out", str(tmp_path / "runs")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    root = tmp_path / "runs" / "cluster"
    deadline = time.monotonic() + 240
    while _written(root) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, proc.communicate()  # still running: the kill is mid-run
    c.remove_node(workers[0])  # a worker node (its raylet and its actor) is gone
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    assert "played again after a Ray worker was lost" in err  # the node had work in flight

    run_dir = next(root.iterdir())
    conv = pl.read_parquet(run_dir / "conversations" / "*.parquet")
    assert conv.height == 300  # 150 scenarios x 2 profiles x 1 version: none lost
    assert conv["conversation_id"].n_unique() == conv.height  # none written twice
    scores = pl.read_parquet(run_dir / "scores" / "*.parquet")
    assert scores.group_by("conversation_id", "metric").len()["len"].max() == 1
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete"
    nodes = manifest["ray_nodes"]
    assert sum(nodes.values()) == 300 and len(nodes) >= 2  # spread over the nodes
