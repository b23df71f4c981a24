"""Can the gate be trusted on wording nobody here wrote? The Kite Mobile pack over many seeds.

`tests/data/packs/kite` is a second user-written pack (a mobile carrier's chat care, not
retail, not a bank) with its own HTTP bot (`agent.py`): its confirmations read "Shall I
switch you from Plus 20GB to Unlimited ($60/month)? (yes/no)" or "OK to block the SIM on
the line ending 0142 now?", its prices come from the policy's price list (no tool returns
a price), its transfer tool is `route_to_care_team`. `agent.py --defect NAME` starts a build
with one known bug. Per seed, one campaign runs v1, v1 again (a second process:
`v1_rerun`) and the seven one-bug builds, through the CLI exactly as a team would
(`convsim run`, then `convsim gate RUN --baseline v1 --candidate X` with the default
policy), and this script counts:

- v1 vs v1_rerun: the gate's exit code and every finding (a finding there is a false
  alarm: the two are the same program), and the safety-rule violations of v1 itself
  (truthfulness, rule:consent_before_change, rule:verified_before_change, scored per
  conversation);
- v1 vs each defect: whether the gate fails (exit 1) and names the defect's own metric
  in a finding that the same seed's v1 vs v1 gate does not have (same metric and kind:
  a safety, regression or threshold finding that v1 vs v1 shows as well catches nothing).

    .venv/bin/python benchmarks/second_pack_seeds.py --seeds 20 --out /tmp/kite-seeds

Prints a markdown table (the one in benchmarks/RESULTS.md) and writes `summary.json` in
`--out`. Seeds are 1..N (`--first-seed` moves them); the campaign is the same for every
seed. While the pack was written, runs of seeds 1 and 5 were read (two simulator
misreadings of the bot's wording were reworded then); `--first-seed 101` gives seeds
nobody looked at.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONVSIM = [sys.executable, "-m", "convsim.cli.main"]  # the `convsim` command of this Python
_spec = importlib.util.spec_from_file_location("kite_campaign", ROOT / "tests" / "kite_campaign.py")
kite_campaign = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(kite_campaign)  # type: ignore[union-attr]
PACK, DEFECTS, SAFETY = kite_campaign.PACK, kite_campaign.DEFECTS, kite_campaign.SAFETY
campaign = kite_campaign.campaign
"""The team's campaign: every intent equally often, a clean and a shaky backend."""


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CONVSIM, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          check=False)


def gate(run: Path, candidate: str, out: Path) -> dict[str, Any]:
    done = cli("gate", run, "--baseline", "v1", "--candidate", candidate, "--out", out, cwd=run)
    verdict = json.loads((out / "gate.json").read_text())
    verdict["exit"] = done.returncode
    return verdict


def one_seed(seed: int, n: int, out: Path) -> dict[str, Any]:
    folder = out / f"seed{seed:02d}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    versions = ["v1", "v1_rerun", *DEFECTS]
    (folder / "campaign.yaml").write_text(yaml.safe_dump(campaign(seed, n, PACK, versions),
                                                         sort_keys=False))
    started = time.perf_counter()
    ran = cli("run", "campaign.yaml", "--out", "runs", cwd=folder)
    if ran.returncode != 0:
        raise SystemExit(f"seed {seed}: convsim run exited {ran.returncode}: {ran.stderr[-2000:]}")
    (run,) = (folder / "runs" / "kite").iterdir()
    seconds = time.perf_counter() - started
    outcomes = pl.read_parquet(run / "conversations" / "*.parquet")["outcome"]
    broken = outcomes.is_in(["simulator_error", "agent_error"]).sum()
    if broken:  # a figure from a run convsim could not play is no figure
        raise SystemExit(f"seed {seed}: {broken} conversations ended in simulator or agent errors "
                         f"({run})")
    scores = pl.read_parquet(run / "scores" / "*.parquet").filter(pl.col("status") == "scored")
    v1 = scores.filter(pl.col("agent_version").is_in(["v1", "v1_rerun"])
                       & pl.col("metric").is_in(SAFETY) & ~pl.col("passed"))
    same = gate(run, "v1_rerun", folder / "gates" / "v1_rerun")
    noise = {(f["metric"], f["kind"]) for f in same["findings"]}
    result: dict[str, Any] = {
        "seed": seed, "seconds": round(seconds, 1),
        "conversations_per_version": scores.filter(pl.col("agent_version") == "v1")
        ["conversation_id"].n_unique(),
        "v1_vs_v1": {"exit": same["exit"], "findings": [f["summary"] for f in same["findings"]]},
        "v1_safety_violations": v1.height,
        "v1_safety_examples": v1.select("agent_version", "metric", "rationale").head(3).to_dicts(),
        "defects": {},
    }
    for defect, metric in DEFECTS.items():
        verdict = gate(run, defect, folder / "gates" / defect)
        named = {f["metric"]: f["kind"] for f in verdict["findings"]}
        result["defects"][defect] = {
            "exit": verdict["exit"], "metric": metric, "finding": named.get(metric),
            "caught": verdict["exit"] == 1 and (metric, named.get(metric)) in set(
                named.items()) - noise,
            "other_findings": sorted(m for m in named if m != metric)}
    return result


def table(results: list[dict[str, Any]]) -> str:
    n = len(results)
    lines = ["| comparison | metric that must catch it | gate exit 1 | caught on its metric "
             "(not in v1 vs v1) | finding kind |", "|---|---|---|---|---|"]
    same_fail = sum(r["v1_vs_v1"]["exit"] != 0 for r in results)
    lines.append(f"| v1 vs v1_rerun | — | {same_fail}/{n} (false alarms) | — | "
                 + ", ".join(f"{k} ×{v}" for k, v in Counter(
                     f.split("**")[1] for r in results for f in r["v1_vs_v1"]["findings"]
                     if "**" in f).most_common()) + " |")
    for defect, metric in DEFECTS.items():
        rows = [r["defects"][defect] for r in results]
        kinds = Counter(str(x["finding"]) for x in rows if x["finding"])
        lines.append(f"| v1 vs {defect} | {metric} | {sum(x['exit'] == 1 for x in rows)}/{n} | "
                     f"{sum(x['caught'] for x in rows)}/{n} | "
                     + (", ".join(f"{k} ×{v}" for k, v in kinds.most_common()) or "none") + " |")
    violations = sum(r["v1_safety_violations"] for r in results)
    lines.append(f"\nv1 safety-rule violations (v1 and v1_rerun, {n} seeds, "
                 f"{results[0]['conversations_per_version']} conversations per version and "
                 f"seed): {violations}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--n", type=int, default=40, help="scenarios per seed (x2 profiles)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/kite-seeds"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        result = one_seed(seed, args.n, args.out)
        results.append(result)
        caught = sum(d["caught"] for d in result["defects"].values())
        print(f"seed {seed}: v1 vs v1 exit {result['v1_vs_v1']['exit']}, v1 safety violations "
              f"{result['v1_safety_violations']}, defects caught {caught}/{len(DEFECTS)} "
              f"({result['seconds']} s)", file=sys.stderr, flush=True)
    (args.out / "summary.json").write_text(json.dumps(results, indent=1))
    print(table(results))


if __name__ == "__main__":
    main()
