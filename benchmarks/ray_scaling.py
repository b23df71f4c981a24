"""Ray worker and node curves: the same campaign on 1, 2, 4 actors beside the local executor,
then on a cluster of 1, 2, 3 worker nodes (ray.cluster_utils on this machine).

    .venv/bin/python benchmarks/ray_scaling.py [--conversations 3000] [--workers 1,2,4]
        [--nodes 1,2,3] [--latency-ms 50] [--concurrency 256]

Uses wire_speed.py's stand-in agent (its own process) and `convsim run` (the CLI, a
subprocess per point), so each point pays Ray's start-up; "steady" is agent turns per
second from the first turn sent to the last reply received. The concurrency is split
over the actors. Per-worker rate x nodes gives the paper projection for a cluster (as
long as the agent keeps up).

Node points: a head that takes no work (num_cpus=0) and N worker nodes of one CPU each,
every node its own raylet and object store on 127.0.0.1; `convsim run --ray-address`
with one actor per node. The driver's own CPU per agent turn (the `convsim run` process:
planning, Ray calls, writing Parquet) is printed for every Ray point: 1000 / it is the
ceiling of one driver in turns/s, whatever the cluster behind it.
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


def on_cluster(url: str, conversations: int, concurrency: int, nodes: int
               ) -> dict[str, float]:
    """The campaign on a head (no work) + `nodes` one-CPU worker nodes, one actor each."""
    from ray.cluster_utils import Cluster

    loopback = {"node_ip_address": "127.0.0.1"}
    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 0, "include_dashboard": False, **loopback})
    try:
        for _ in range(nodes):
            cluster.add_node(num_cpus=1, **loopback)
        cluster.wait_for_nodes()
        return wire.convsim_run(url, conversations, concurrency, "ray", nodes,
                                extra=["--ray-address", cluster.address])
    finally:
        cluster.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=3000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--nodes", default="1,2,3", help="worker nodes ('' for none)")
    args = parser.parse_args()
    agent, url = wire.start_agent(args.latency_ms)
    try:
        print(f"machine: {os.cpu_count()} cpus; agent {args.latency_ms:g} ms; "
              f"{args.conversations} conversations; concurrency {args.concurrency} in all")
        print("| executor | workers | nodes | agent turns | steady turns/s | whole command | "
              "engine CPU / agent turn | driver CPU / agent turn | actors' CPU / agent turn |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        points = [("local", 1)] + [("ray", int(w)) for w in args.workers.split(",") if w]
        for executor, workers in points:
            r = wire.convsim_run(url, args.conversations, args.concurrency, executor, workers)
            print(f"| {executor} | {workers} | 1 (local) | {r['turns']:,} | "
                  f"{r['steady_rate']:,.0f} | {r['rate']:,.0f} turns/s in {r['wall']:.1f} s | "
                  f"{r['cpu_ms_per_turn']:.2f} ms | {r['driver_cpu_ms_per_turn']:.3f} ms | "
                  f"{r['actor_cpu_ms_per_turn']:.3f} ms |", flush=True)
        for nodes in [int(n) for n in args.nodes.split(",") if n]:
            r = on_cluster(url, args.conversations, args.concurrency, nodes)
            print(f"| ray | {nodes} | {nodes} (+ head) | {r['turns']:,} | "
                  f"{r['steady_rate']:,.0f} | {r['rate']:,.0f} turns/s in {r['wall']:.1f} s | "
                  f"(cluster not in the driver's tree) | {r['driver_cpu_ms_per_turn']:.3f} ms | "
                  "- |", flush=True)
    finally:
        agent.terminate()
        agent.wait()


if __name__ == "__main__":
    main()
