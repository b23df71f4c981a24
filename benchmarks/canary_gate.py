"""The canary gate on production-like traffic: false alarms, detection, and intent-mix shifts.

For each seed (default 101-105: seeds nobody looked at while writing the gate; the
journey test uses seed 7), the demo campaign plays the reference agent v1 and v2; their
conversations are exported as OpenAI chat logs and split into disjoint traffic slices
(conversations in id order, alternately):

- control: v1, even positions;
- same:    v1, odd positions (the same version: any failure is a false alarm);
- canary:  v2, odd positions (v2 skips verification before cancelling: should fail);
- shifted: v1, odd positions, but only a third of the intents other than the one the
           control passes least often on `escalation` (an intent-mix shift, same agent).

Each slice is ingested (`--agent-version`), scored by `convsim evaluate` and gated
against the control with the default policy; `shifted` is also gated with the
stratification switched off (one stratum: a pooled two-proportion test, what an
unpaired comparison did before), to show what the stratification changes.

    python benchmarks/canary_gate.py --seeds 101 102 103 104 105
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl

REPO = Path(__file__).resolve().parents[1]


def export(run: Path, version: str, out: Path, keep: Any) -> int:
    """`convsim export`'s OpenAI chat log of one version, with the records `keep(i, row)`
    selects (i: position in conversation-id order; row: its JSON record)."""
    from convsim.engine.export import export_openai

    full = out.with_suffix(".all.jsonl")
    export_openai(run, full, version=version)
    n = 0
    with out.open("w") as fh:
        for i, line in enumerate(full.read_text().splitlines()):
            if keep(i, json.loads(line)):
                fh.write(line + "\n")
                n += 1
    return n


def scored(log: Path, version: str, root: Path) -> Path:
    from convsim.core.packs.discovery import find_domain
    from convsim.engine.score_transcripts import evaluate_transcripts
    from convsim.scenarios.ingest import ingest_transcripts

    data = root / f"{log.stem}-data"
    ingest_transcripts([log], "openai", data, domain=find_domain("retail"), salt="bench",
                       agent_version=version)
    return evaluate_transcripts(data, root / f"{log.stem}-eval", domain="retail").run_dir


def gate(candidate: Path, control: Path, stratified: bool = True) -> tuple[int, list[str]]:
    from convsim.decisions import gate as g
    from convsim.decisions.analytics import load_runs

    saved = g.STRATUM
    g.STRATUM = "intent" if stratified else "__no_stratum__"
    try:
        v = g.gate_run(load_runs(candidate), g.GatePolicy(), baseline_runs=load_runs(control))
    finally:
        g.STRATUM = saved
    return v.exit_code, sorted({f.metric or f.kind for f in v.findings})


def one_seed(seed: int, root: Path) -> dict[str, Any]:
    out = root / "runs"
    subprocess.run([sys.executable, "-m", "convsim.cli.main", "run", str(REPO / "configs" /
                    "demo.yaml"), "--seed", str(seed), "--executor", "local", "--out", str(out)],
                   check=True, capture_output=True)
    (run,) = (out / "demo").iterdir()
    even, odd = (lambda i, r: i % 2 == 0), (lambda i, r: i % 2 == 1)
    logs = {"control": (export(run, "v1", root / "control.jsonl", even), "v1"),
            "same": (export(run, "v1", root / "same.jsonl", odd), "v1"),
            "canary": (export(run, "v2", root / "canary.jsonl", odd), "v2")}
    runs = {name: scored(root / f"{name}.jsonl", v, root) for name, (_, v) in logs.items()}
    esc = (pl.read_parquet(runs["control"] / "scores" / "*.parquet")
           .filter((pl.col("metric") == "escalation") & (pl.col("status") == "scored"))
           .group_by("intent").agg(rate=pl.col("passed").mean(), n=pl.len())
           .filter(pl.col("n") >= 10).sort("rate"))
    hard = esc["intent"][0]
    kept = {"n": 0}

    def shifted(i: int, r: dict[str, Any]) -> bool:
        if i % 2 == 0:
            return False
        if r["intent"] == hard:
            return True
        kept["n"] += 1
        return kept["n"] % 3 == 0

    n_shift = export(run, "v1", root / "shifted.jsonl", shifted)
    runs["shifted"] = scored(root / "shifted.jsonl", "v1", root)
    row: dict[str, Any] = {"seed": seed, "hard_intent": hard,
                           "n": {k: v[0] for k, v in logs.items()} | {"shifted": n_shift}}
    for name in ("same", "canary", "shifted"):
        row[name] = gate(runs[name], runs["control"])
    row["shifted_pooled"] = gate(runs["shifted"], runs["control"], stratified=False)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[101, 102, 103, 104, 105])
    args = ap.parse_args()
    rows = []
    for seed in args.seeds:
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            row = one_seed(seed, Path(tmp))
        rows.append(row)
        print(f"seed {seed} ({time.perf_counter() - t0:.0f}s): n {row['n']}; v1 vs v1 exit "
              f"{row['same'][0]} {row['same'][1]}; v2 exit {row['canary'][0]} "
              f"{row['canary'][1]}; mix shift ({row['hard_intent']} over-represented) exit "
              f"{row['shifted'][0]} {row['shifted'][1]}, pooled exit "
              f"{row['shifted_pooled'][0]} {row['shifted_pooled'][1]}", flush=True)
    print(f"false alarms v1 vs v1: {sum(r['same'][0] == 1 for r in rows)}/{len(rows)}; "
          f"v2 caught: {sum(r['canary'][0] == 1 for r in rows)}/{len(rows)}; mix shift "
          f"failed: stratified {sum(r['shifted'][0] == 1 for r in rows)}/{len(rows)}, pooled "
          f"{sum(r['shifted_pooled'][0] == 1 for r in rows)}/{len(rows)}")


if __name__ == "__main__":
    main()
