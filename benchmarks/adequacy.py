"""What `convsim adequacy` costs, and whether its mutants predict what the gate does with real
defects.

1. Cost. `convsim adequacy` on the demo campaign with all evaluators
   (`configs/adequacy-demo.yaml`) and on the telecom campaign
   (`configs/adequacy-telecom.yaml`), default policy: per operator, the conversations it
   fired in, played and reused, its wall time and its verdict; then the same with
   `--all-specs` (every spec played for every mutant, what a naive mutation run costs).

2. Held out: the Kite Mobile pack (`tests/data/packs/kite`, a user-written pack with its own
   HTTP bot, never run while the operators were written) on seeds nobody read (301..).
   Per seed, one campaign plays v1 and the bot's own one-bug builds that match an operator
   (`agent.py --defect NAME`), each gated against v1 with the default policy
   (`convsim gate`), and `convsim adequacy` mutates v1 on the same campaign. Agreement: the
   operator is caught exactly when its real defect build fails the gate.

    .venv/bin/python benchmarks/adequacy.py --out /tmp/adequacy-bench [--executor local]
        [--kite-seeds 3] [--skip-cost]

Prints markdown tables (those in benchmarks/RESULTS.md) and writes `summary.json` in --out.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from second_pack_seeds import PACK, campaign  # noqa: E402 - the Kite campaign, as the gate bench

CONVSIM = [sys.executable, "-m", "convsim.cli.main"]
REAL = {  # operator -> the Kite bot's own build with that defect
    "drop_disclosure": "skip_notice",
    "skip_consent": "no_consent",
    "hide_failure": "false_success",
    "never_handover": "transfer_no_handoff",
    "act_before_verification": "verify_late",
}


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CONVSIM, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          check=False)


def adequacy(config: Path, out: Path, *extra: str) -> dict[str, Any]:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    done = cli("adequacy", config, "--out", out, *extra, cwd=ROOT)
    if done.returncode not in (0, 1):
        raise SystemExit(f"adequacy {config} exited {done.returncode}: {done.stderr[-2000:]}")
    report: dict[str, Any] = json.loads((out / "adequacy.json").read_text())
    report["process_seconds"] = round(time.perf_counter() - started, 1)
    return report


def cost_table(name: str, fast: dict[str, Any], full: dict[str, Any]) -> str:
    lines = [f"**{name}** ({fast['baseline_conversations']} conversations per version, "
             f"executor {fast['executor']}): baseline {fast['baseline_seconds']:.1f} s; mutation "
             f"score {fast['caught']}/{len(fast['operators'])}", "",
             "| operator | result | fired in | played | reused | seconds | played with --all-specs "
             "| seconds with --all-specs |", "|---|---|---|---|---|---|---|---|"]
    every = {o["name"]: o for o in full["operators"]}
    for o in fast["operators"]:
        f = every[o["name"]]
        by = f" ({o['caught_by'][0]['metric']})" if o["caught_by"] else ""
        lines.append(f"| {o['name']} | {o['status'].replace('_', ' ')}{by} | {o['fired']} | "
                     f"{o['played']} | {o['reused']} | {o['seconds']:.1f} | {f['played']} | "
                     f"{f['seconds']:.1f} |")
    lines.append(f"| **all mutants** | | | {fast['mutants_played']} | | "
                 f"{fast['mutants_seconds']:.1f} | {full['mutants_played']} | "
                 f"{full['mutants_seconds']:.1f} |")
    lines.append(f"\nWhole command: {fast['process_seconds']} s (with --all-specs "
                 f"{full['process_seconds']} s); verdicts with and without --all-specs "
                 + ("identical" if [(o["name"], o["status"], o["fired"]) for o in fast["operators"]]
                    == [(o["name"], o["status"], o["fired"]) for o in full["operators"]]
                    else "DIFFER") + ".")
    return "\n".join(lines)


def kite_seed(seed: int, n: int, out: Path) -> dict[str, Any]:
    folder = out / f"kite-seed{seed}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "campaign.yaml").write_text(yaml.safe_dump(
        campaign(seed, n, PACK, ["v1", *REAL.values()]), sort_keys=False))
    ran = cli("run", "campaign.yaml", "--out", "runs", cwd=folder)
    if ran.returncode != 0:
        raise SystemExit(f"kite seed {seed}: convsim run exited {ran.returncode}: "
                         f"{ran.stderr[-2000:]}")
    (run,) = (folder / "runs" / "kite").iterdir()
    real = {}
    for op, build in REAL.items():
        gated = cli("gate", run, "--baseline", "v1", "--candidate", build, "--out",
                    folder / "gates" / build, cwd=folder)
        verdict = json.loads((folder / "gates" / build / "gate.json").read_text())
        real[op] = {"build": build, "exit": gated.returncode,
                    "findings": [f["metric"] for f in verdict["findings"]]}
    (folder / "v1.yaml").write_text(yaml.safe_dump(campaign(seed, n, PACK, ["v1"]),
                                                   sort_keys=False))
    report = adequacy(folder / "v1.yaml", folder / "adequacy", "--operators", ",".join(REAL))
    ops = {o["name"]: o for o in report["operators"]}
    rows = {}
    for op, r in real.items():
        mutant = ops[op]
        rows[op] = {"real_build": r["build"], "real_gate_exit": r["exit"],
                    "real_caught": r["exit"] == 1, "real_findings": r["findings"],
                    "mutant_status": mutant["status"], "mutant_fired": mutant["fired"],
                    "mutant_caught": mutant["status"] == "caught",
                    "mutant_caught_by": [c["metric"] for c in mutant["caught_by"][:3]],
                    "advice": mutant["advice"]}
    return {"seed": seed, "rows": rows, "adequacy_seconds": report["process_seconds"]}


def kite_table(results: list[dict[str, Any]]) -> str:
    lines = ["| operator | Kite build | build fails the gate | mutant caught | agree | "
             "mutant result when not caught |", "|---|---|---|---|---|---|"]
    agree = total = 0
    for op, build in REAL.items():
        rows = [r["rows"][op] for r in results]
        same = sum(x["real_caught"] == x["mutant_caught"] for x in rows)
        agree, total = agree + same, total + len(rows)
        misses = sorted({x["mutant_status"].replace("_", " ") for x in rows
                         if not x["mutant_caught"]})
        lines.append(f"| {op} | {build} | {sum(x['real_caught'] for x in rows)}/{len(rows)} | "
                     f"{sum(x['mutant_caught'] for x in rows)}/{len(rows)} | {same}/{len(rows)} | "
                     f"{', '.join(misses) or '—'} |")
    lines.append(f"\nAgreement over {len(results)} seeds: {agree}/{total}.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/adequacy-bench"))
    parser.add_argument("--executor", default="local")
    parser.add_argument("--kite-seeds", type=int, default=3)
    parser.add_argument("--kite-first-seed", type=int, default=301)
    parser.add_argument("--kite-n", type=int, default=40, help="Kite scenarios per seed (x2)")
    parser.add_argument("--skip-cost", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {"cost": {}, "kite": []}
    if not args.skip_cost:
        for name, config in (("demo, all evaluators", "configs/adequacy-demo.yaml"),
                             ("telecom", "configs/adequacy-telecom.yaml")):
            slug = Path(config).stem
            fast = adequacy(ROOT / config, args.out / slug, "--executor", args.executor)
            full = adequacy(ROOT / config, args.out / f"{slug}-all", "--executor", args.executor,
                            "--all-specs")
            summary["cost"][config] = {"default": fast, "all_specs": full}
            print(cost_table(f"{name} ({config})", fast, full) + "\n", flush=True)
    for seed in range(args.kite_first_seed, args.kite_first_seed + args.kite_seeds):
        result = kite_seed(seed, args.kite_n, args.out)
        summary["kite"].append(result)
        print(f"kite seed {seed}: " + ", ".join(
            f"{op} real {r['real_caught']} mutant {r['mutant_status']}"
            for op, r in result["rows"].items()), file=sys.stderr, flush=True)
    if summary["kite"]:
        print(kite_table(summary["kite"]))
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))


if __name__ == "__main__":
    main()
