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
   operator is caught exactly when its real defect build fails the gate. Two campaigns:
   `full` (the gate benchmark's: all six evaluators, clean and a shaky backend) and `weak`
   (the demo's three evaluators, clean only), where some real builds get through.

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


def advice_applied(out: Path, executor: str) -> dict[str, Any]:
    """The demo (all evaluators) with what its report says to add for hide_failure: the
    bundled backend_outage profile."""
    config = yaml.safe_load((ROOT / "configs" / "adequacy-demo.yaml").read_text())
    for part in ("scenarios", "personas"):
        config[part]["catalog"] = str(ROOT / "configs" / config[part]["catalog"])
    config["perturbations"].append("backend_outage")
    config["output_dir"] = str(out / "runs")
    path = out / "adequacy-demo-outage.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return adequacy(path, out / "adequacy-demo-outage", "--executor", executor,
                    "--operators", "hide_failure")


VARIANTS = {
    "full": {},  # the gate benchmark's campaign: all six evaluators, clean + shaky backend
    "weak": {"evaluators": ["process", "disclosures", "goal"],  # the demo's three, no faults
             "perturbations": [{"name": "clean"}]},
}


def kite_campaign(seed: int, n: int, versions: list[str], variant: str) -> dict[str, Any]:
    # One profile instead of two: twice the scenarios, the same conversations per version.
    profiles = len(VARIANTS[variant].get("perturbations", [None, None]))
    return {**campaign(seed, n * 2 // profiles, PACK, versions), **VARIANTS[variant]}


def kite_seed(seed: int, n: int, out: Path, variant: str = "full") -> dict[str, Any]:
    folder = out / f"kite-{variant}-seed{seed}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "campaign.yaml").write_text(yaml.safe_dump(
        kite_campaign(seed, n, ["v1", *REAL.values()], variant), sort_keys=False))
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
    (folder / "v1.yaml").write_text(yaml.safe_dump(kite_campaign(seed, n, ["v1"], variant),
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
    return {"seed": seed, "variant": variant, "rows": rows,
            "adequacy_seconds": report["process_seconds"]}


def kite_table(results: list[dict[str, Any]], variant: str) -> str:
    lines = [f"**Kite, campaign `{variant}`**", "",
             "| operator | Kite build | build fails the gate | mutant caught | agree | "
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
    parser.add_argument("--kite-variants", default="full,weak",
                        help="campaigns: full (all evaluators, shaky backend), weak (the "
                             "demo's three evaluators, clean only)")
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
        applied = advice_applied(args.out, args.executor)
        summary["advice_applied"] = applied
        (hide,) = applied["operators"]
        print(f"Demo + `backend_outage` (what the report advised for hide_failure): "
              f"hide_failure {hide['status'].replace('_', ' ')}, fired in {hide['fired']} of "
              f"{hide['pairs']}, caught by "
              f"{', '.join(sorted({c['metric'] for c in hide['caught_by']})) or 'nothing'} "
              f"({applied['process_seconds']} s)\n", flush=True)
    variants = [v for v in args.kite_variants.split(",") if v]
    for variant in variants:
        for seed in range(args.kite_first_seed, args.kite_first_seed + args.kite_seeds):
            result = kite_seed(seed, args.kite_n, args.out, variant)
            summary["kite"].append(result)
            print(f"kite {variant} seed {seed}: " + ", ".join(
                f"{op} real {r['real_caught']} mutant {r['mutant_status']}"
                for op, r in result["rows"].items()), file=sys.stderr, flush=True)
        rows = [r for r in summary["kite"] if r["variant"] == variant]
        if rows:
            print(kite_table(rows, variant) + "\n", flush=True)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))


if __name__ == "__main__":
    main()
