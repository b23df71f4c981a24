"""Gate and analytics at scale, and the gate's A/A false-alarm rate.

Scale (default): writes N conversations (default 1,000,000: two agent versions,
N/2 pairs) of synthetic Parquet in the run schema into a temp dir — 6 turns,
1 tool call and 3 scores per conversation — then times, each in a fresh
process (peak RSS is the process's), the analytics summary (pass rates per
version x metric and per intent), the paired comparison, and the gate with the
default policy. Prints a markdown row per step.

    .venv/bin/python benchmarks/gate_scale.py [--conversations 1000000]

A/A (`--aa-seeds 20`): runs the demo campaign with v1 only at seeds s and
s + 1000 (local executor), gates one against the other (`gate_run` with a
baseline run, as `convsim gate --baseline-run`; different seeds share no pair,
so the comparison is the unpaired fallback) and prints how often the gate, and
its regression rules alone, fail.

    .venv/bin/python benchmarks/gate_scale.py --aa-seeds 20
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

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from convsim.core.results import SCHEMAS

REPO = Path(__file__).resolve().parents[1]
INTENTS = ["cancel_order", "return_items", "update_address", "order_status", "out_of_scope"]
METRICS = ["goal", "process", "disclosure:refund_timing"]


def _write(df: pl.DataFrame, run: Path, table: str, part: int) -> None:
    schema = SCHEMAS[table]
    arrow = df.to_arrow()
    cols = [arrow.column(f.name).cast(f.type) if f.name in arrow.column_names
            else pa.nulls(len(df), f.type) for f in schema]
    (run / table).mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_arrays(cols, schema=schema), run / table / f"part-{part:05d}.parquet")


def make_run(root: Path, n: int, parts: int = 10) -> Path:
    """A synthetic run folder of n conversations (v1 and v2 on n/2 pairs)."""
    run = root / "synthetic" / "20260101T000000Z-bench"
    rng = np.random.default_rng(0)
    pairs = n // 2
    per = pairs // parts
    for part in range(parts):
        i = np.arange(part * per, (part + 1) * per if part < parts - 1 else pairs)
        m = len(i)
        scenario = (i // 4) % 20_000
        base = pl.DataFrame({
            "pair": i, "scenario_id": [f"s-{INTENTS[s % 5]}-{s}" for s in scenario],
            "intent": [INTENTS[s % 5] for s in scenario],
            "persona_id": [f"p-{s % 3000}" for s in scenario],
            "perturbation": np.where(i % 4 < 2, "clean", "noisy"),
            "repetition": (i % 2).astype(np.int32),
            "pair_id": [f"{x:016x}" for x in i]})
        difficulty = rng.random(m)
        for v_idx, version in enumerate(("v1", "v2")):
            slot = 2 * part + v_idx
            conv = base.with_columns(
                conversation_id=pl.format("c-{}-" + version, pl.col("pair")),
                run_id=pl.lit(run.name), agent_version=pl.lit(version), campaign=pl.lit("synthetic"),
                domain=pl.lit("retail"), source=pl.lit("simulated"),
                outcome=pl.Series(np.where(rng.random(m) < 0.01, "agent_error", "completed")),
                n_turns=pl.lit(6, pl.Int32), seed=pl.col("pair"))
            _write(conv.drop("pair"), run, "conversations", slot)
            turns = (conv.select("conversation_id", "run_id", "agent_version", "domain", "pair")
                     .join(pl.DataFrame({"turn_index": np.arange(6, dtype=np.int32)}), how="cross")
                     .with_columns(role=pl.when(pl.col("turn_index") % 2 == 0).then(pl.lit("customer"))
                                   .otherwise(pl.lit("agent")),
                                   text=pl.format("turn {} of conversation {}", pl.col("turn_index"),
                                                  pl.col("pair") % 50_000)))
            _write(turns.drop("pair"), run, "turns", slot)
            calls = conv.select("conversation_id", "run_id", "agent_version", "domain").with_columns(
                seq=pl.lit(0, pl.Int32), tool=pl.lit("get_order_details"),
                status=pl.Series(np.where(rng.random(m) < 0.001, "unknown_tool", "ok")))
            _write(calls, run, "tool_calls", slot)
            drop = 0.03 if version == "v2" else 0.0
            scores = []
            for k, metric in enumerate(METRICS):
                p = 0.92 - 0.05 * k - (drop if metric == "process" else 0.0)
                passed = difficulty < p  # the same customer is hard for both versions
                scores.append(conv.select("conversation_id", "run_id", "agent_version", "domain",
                                          "scenario_id", "intent", "perturbation", "pair_id",
                                          "repetition").with_columns(
                    evaluator=pl.lit(metric.split(":")[0]), metric=pl.lit(metric),
                    passed=pl.Series(passed),
                    status=pl.Series(np.where(conv["outcome"] == "agent_error", "unscored", "scored"))))
            _write(pl.concat(scores), run, "scores", slot)
    (run / "manifest.json").write_text(json.dumps({"campaign": "synthetic", "conversations": n}))
    return run


def measure(step: str, run: Path) -> dict[str, float]:
    """One step, in this (fresh) process: seconds and peak RSS."""
    from convsim.decisions.analytics import compare_versions, load_runs, pass_rates
    from convsim.decisions.gate import GatePolicy, gate_run

    start = time.perf_counter()
    runs = load_runs(run)
    if step == "summary":
        pass_rates(runs)
        pass_rates(runs, by=("agent_version", "metric", "intent"))
    elif step == "compare":
        compare_versions(runs, "v1", "v2")
    else:
        gate_run(runs, GatePolicy(), candidate="v2", baseline="v1")
    seconds = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_rss_mib": peak_mib}


def scale(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run = make_run(Path(tmp), n)
        print(f"wrote {n:,} conversations in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        print("| step | conversations | time (s) | peak RSS (MiB) |\n|---|---:|---:|---:|")
        for step in ("summary", "compare", "gate"):
            proc = subprocess.run([sys.executable, __file__, "--measure", step, str(run)],
                                  capture_output=True, text=True)
            if proc.returncode:
                sys.exit(f"{step} failed:\n{proc.stderr}")
            r = json.loads(proc.stdout)
            print(f"| {step} | {n:,} | {r['seconds']:.1f} | {r['peak_rss_mib']:.0f} |", flush=True)


def false_alarms(seeds: int) -> None:
    import yaml

    from convsim.decisions.analytics import load_runs
    from convsim.decisions.gate import GatePolicy, gate_run

    convsim = str(Path(sys.executable).parent / "convsim")
    gate_fail = regression_fail = 0
    with tempfile.TemporaryDirectory() as tmp:
        camp = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text())
        for key in ("scenarios", "personas"):
            camp[key]["catalog"] = str(REPO / "configs" / "catalogs" / "retail")
        camp["agents"] = [a for a in camp["agents"] if a["version"] == "v1"]
        camp["execution"]["executor"] = "local"
        path = Path(tmp) / "aa.yaml"
        path.write_text(yaml.safe_dump(camp))
        for s in range(seeds):
            runs = []
            for seed in (s, s + 1000):
                out = Path(tmp) / f"seed{seed}"
                subprocess.run([convsim, "run", str(path), "--seed", str(seed), "--out", str(out)],
                               check=False, capture_output=True)
                runs.append(next(out.glob("*/*/conversations")).parent)
            verdict = gate_run(load_runs(runs[1]), GatePolicy(), baseline_runs=load_runs(runs[0]))
            failed = [f"{r.rule} {r.name}" for r in verdict.failures]
            gate_fail += not verdict.passed
            regression_fail += any(r.rule == "regression" for r in verdict.failures)
            print(f"seed {s} vs {s + 1000}: exit {verdict.exit_code} ({verdict.comparison}) "
                  f"failed: {', '.join(failed) or '-'}", file=sys.stderr)
    print(f"A/A over {seeds} seed pairs: gate failed {gate_fail}/{seeds} "
          f"({gate_fail / seeds:.0%}); regression rules failed {regression_fail}/{seeds} "
          f"({regression_fail / seeds:.0%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--aa-seeds", type=int, default=0)
    parser.add_argument("--measure", nargs=2, metavar=("STEP", "RUN"))
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]))))
    elif args.aa_seeds:
        false_alarms(args.aa_seeds)
    else:
        scale(args.conversations)


if __name__ == "__main__":
    main()
