"""Fidelity of the offline (agenda) customer, before and after fitting, on real data it
was not fitted on: `convsim fidelity` figures per dataset, with a held-out part.

    .venv/bin/python benchmarks/fidelity_datasets.py [--data ../shared/data] [--n 200]

For each dataset the conversations are split by the SHA-256 of "fidelity-split:<id>"
(lower half: tune, upper half: held). The catalog is mined from `tune` only; the
campaign's customers are compared with `held`, which nothing here was fitted or
looked at on.
- Taskmaster-4 coffee (3,500 dialogs written by people): the 300 dialogs the bundled
  coffee pack was built from are left out first; pack `coffee`, its scripted agent.
- τ-bench retail (69 conversations, customers simulated by an LLM, the demo's source):
  pack `retail`, reference agent v1, mining config configs/mining/retail.yaml.
`before` = the same campaign with the tune catalog as convsim read it before fitting
(no styles.parquet: independent traits, a few utterances per persona, identity and
chatter added to the opening) — and for coffee also the pack alone (no catalog), as in
issue 18; `after` = the fitted customer. `tune replayed` is no simulator: as many real
`tune` customers as the campaign has conversations, drawn with replacement and replayed
word for word — the best any simulator that reuses the tune part's utterances can do on
diversity (distinct-1/2): a ceiling, not a competitor. ABCD (3 conversations in
../shared/data, 31 customer turns) and the τ-bench airline trajectories (no airline pack)
cannot be simulated against a held-out part: what can be said of them is printed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from convsim.core.campaign_file import load_campaign
from convsim.decisions.fidelity import (
    INDEX_FEATURES,
    Fidelity,
    InfoCounter,
    compare_customers,
    customers_from_turns,
    measure_fidelity,
    read_customer,
)
from convsim.engine.campaign import run_campaign
from convsim.scenarios.ingest import ingest_transcripts
from convsim.scenarios.mining import MiningConfig, mine_catalog

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
SHOWN = ("words_per_turn_ks", "turns_per_conversation_ks", "distinct2_gap", "vocabulary_distance",
         "opening_info_ks", "info_per_turn_ks", "turns_to_goal_ks", "question_rate_gap",
         "self_correction_gap", "pushback_after_failure_gap", "leaves_after_failure_gap",
         "asks_human_gap")


def split(lines: list[str], key: str) -> tuple[list[str], list[str]]:
    ranked = sorted(lines, key=lambda line: hashlib.sha256(
        f"fidelity-split:{json.loads(line)[key]}".encode()).hexdigest())
    return ranked[:len(ranked) // 2], ranked[len(ranked) // 2:]


def campaign(path: Path, name: str, domain: str, agent: str, catalog: Path | None, n: int,
             out: Path) -> Path:
    cat = f", catalog: {catalog}" if catalog else ""
    path.write_text(f"""name: {name}
seed: 7
scenarios: {{domain: {domain}, n: {n}{cat}}}
personas: {{n: 50{cat}}}
agents: [{{version: v1, connector: python, {agent}}}]
execution: {{executor: local}}
output_dir: {out}
""")
    return run_campaign(load_campaign(path)).run_dir


def replayed(tmp: Path, prefix: str, catalog: Path, n: int) -> Fidelity:
    """`n` real tune customers (drawn with replacement, seed 0) replayed word for word,
    compared with the held-out part: the diversity ceiling of reusing the tune part."""
    import numpy as np
    import polars as pl

    from convsim.decisions.fidelity import catalog_values

    info = InfoCounter(catalog_values(catalog))
    tune, held = (customers_from_turns(pl.read_parquet(tmp / f"{prefix}_{part}" / "turns"
                                                       / "*.parquet"), {}, info)
                  for part in ("tune", "held"))
    pick = np.random.default_rng(0).integers(len(tune), size=n)
    return compare_customers(held, [tune[int(i)] for i in pick], by_intent=False)


def table(title: str, fits: dict[str, Fidelity]) -> None:
    print(f"\n### {title}\n")
    names = list(fits)
    first = fits[names[0]]
    conv = ", ".join(f"{k} {v.conversations['simulated']}" for k, v in fits.items())
    print(f"real (held-out) conversations: {first.conversations['real']}; simulated: {conv}\n")
    print("| feature | real | " + " | ".join(f"{k} | {k} vs real" for k in names)
          + " | real vs real (median / band p95) |")
    print("|---|---:|" + "---:|---:|" * len(names) + "---:|")
    rows = {k: {r["feature"]: r for r in f.features.iter_rows(named=True) if r["intent"] == "all"}
            for k, f in fits.items()}

    def f(x: float | None) -> str:
        return "" if x is None or x != x else f"{x:.3f}"

    for feature in SHOWN:
        r0 = rows[names[0]][feature]
        cells = []
        for k in names:
            r = rows[k][feature]
            flag = " OUT" if r["out_of_band"] else ""
            cells.append(f"{f(r['simulated'])} | {f(r['sim_vs_real'])}{flag}")
        note = "" if feature in INDEX_FEATURES else " (not in index)"
        print(f"| {feature}{note} | {f(r0['real'])} | " + " | ".join(cells)
              + f" | {f(r0['real_vs_real'])} / {f(r0['band'])} |")
    print("| **fidelity index** | | " + " | ".join(f"**{v.index:.1f}** | " for v in fits.values())
          + f" {first.real_index:.1f} (real vs real) |")
    for k, v in fits.items():
        out = [line.split(":")[0] for line in v.out_of_band()]
        print(f"\n{k}: {len(out)} of {len(INDEX_FEATURES)} indexed features beyond 1.5x the band"
              + (f" ({', '.join(out)})" if out else ""))


def coffee(data: Path, tmp: Path, n: int, quick: bool = False, score: str = "held") -> None:
    from convsim.domains.coffee.build import sample_dialogs

    source = data / "taskmaster" / "tm4_coffee"
    pack = {json.loads(line)["conversation_id"] for line in sample_dialogs(source)}
    lines = [line for part in sorted(source.glob("dialogs.part*.jsonl"))
             for line in part.read_text().splitlines()
             if line.strip() and json.loads(line)["conversation_id"] not in pack]
    tune, held = split(lines, "conversation_id")
    for name, part in (("tune", tune), ("held", held)):
        (tmp / f"tm4_{name}.jsonl").write_text("\n".join(part) + "\n")
        ingest_transcripts([tmp / f"tm4_{name}.jsonl"], "taskmaster", tmp / f"tm4_{name}",
                           salt="fidelity")
    catalog = tmp / "tm4_catalog"
    mine_catalog([tmp / "tm4_tune"], catalog, MiningConfig(domain="coffee"))
    unfitted = tmp / "tm4_catalog_unfitted"
    shutil.copytree(catalog, unfitted)
    (unfitted / "styles.parquet").unlink()
    agent = 'target: "convsim.domains.coffee.agent:make"'
    # the agent as the Taskmaster-4 baristas were (no milk question: 1 of 680 tune dialogs)
    barista = 'target: "convsim.domains.coffee.agent:make_like_taskmaster"'
    runs = {"after": campaign(tmp / "c2.yaml", "c2", "coffee", agent, catalog, n, tmp / "runs"),
            "after, barista agent": campaign(tmp / "c3.yaml", "c3", "coffee", barista, catalog,
                                             n, tmp / "runs")}
    if not quick:
        runs = {"pack only": campaign(tmp / "c0.yaml", "c0", "coffee", agent, None, n,
                                      tmp / "runs"),
                "before": campaign(tmp / "c1.yaml", "c1", "coffee", agent, unfitted, n,
                                   tmp / "runs"), **runs}
    if score == "tune":  # while tuning: the part the catalog was mined from, never `held`
        table(f"Taskmaster-4 coffee, scored on the TUNE part ({len(tune)} dialogs)",
              {k: measure_fidelity(tmp / "tm4_tune", r, catalog) for k, r in runs.items()})
        return
    table(f"Taskmaster-4 coffee: tune {len(tune)}, held out {len(held)} dialogs",
          {**{k: measure_fidelity(tmp / "tm4_held", r, catalog) for k, r in runs.items()},
           "tune replayed": replayed(tmp, "tm4", catalog, n)})


def retail(data: Path, tmp: Path, n: int) -> None:
    source = data / "tau_bench" / "few_shot" / "MockRetailDomainEnv-few_shot.jsonl"
    lines = [json.dumps({"i": i, "line": line}) for i, line in
             enumerate(source.read_text().splitlines()) if line.strip()]
    tune, held = split(lines, "i")
    for name, part in (("tune", tune), ("held", held)):
        (tmp / f"retail_{name}.jsonl").write_text(
            "\n".join(json.loads(x)["line"] for x in part) + "\n")
        ingest_transcripts([tmp / f"retail_{name}.jsonl"], "openai", tmp / f"retail_{name}",
                           salt="fidelity")
    cfg = yaml.safe_load((REPO / "configs" / "mining" / "retail.yaml").read_text())
    cfg["persona_tasks"] = [str(REPO / "convsim" / "scenarios" / "data" / "transcripts"
                                / "tau_bench" / "retail_tasks_train.jsonl")]
    cfg["task_scenarios"] = []
    catalog = tmp / "retail_catalog"
    mine_catalog([tmp / "retail_tune"], catalog, MiningConfig(**cfg))
    unfitted = tmp / "retail_catalog_unfitted"
    shutil.copytree(catalog, unfitted)
    (unfitted / "styles.parquet").unlink()
    agent = 'reference: "retail:v1"'
    runs = {"before": campaign(tmp / "r1.yaml", "r1", "retail", agent, unfitted, n, tmp / "runs"),
            "after": campaign(tmp / "r2.yaml", "r2", "retail", agent, catalog, n, tmp / "runs")}
    table(f"τ-bench retail: tune {len(tune)}, held out {len(held)} conversations",
          {**{k: measure_fidelity(tmp / "retail_held", r, catalog) for k, r in runs.items()},
           "tune replayed": replayed(tmp, "retail", catalog, n)})


def abcd(data: Path, tmp: Path) -> None:
    """What ../shared/data holds of ABCD and why no fidelity figure can be made from it."""
    import polars as pl

    source = data / "abcd" / "abcd_sample.jsonl"
    rows = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    ingest_transcripts([source], "abcd", tmp / "abcd", salt="fidelity")  # it imports
    assert pl.read_parquet(tmp / "abcd" / "conversations" / "*.parquet").height == len(rows)
    customers = [read_customer([(r, t) for r, t in row["original"] if r != "action"],
                               row["scenario"]["subflow"], InfoCounter()) for row in rows]
    print("\n### ABCD (human-human customer service, ../shared/data/abcd)\n")
    print("| conversation | flow / subflow | customer turns | words per turn | questions |"
          "\n|---|---|---:|---:|---:|")
    for row, c in zip(rows, customers, strict=True):
        sc = row["scenario"]
        print(f"| {row['convo_id']} | {sc['flow']} / {sc['subflow']} | {len(c.words)} | "
              f"{sum(c.words) / max(len(c.words), 1):.1f} | {c.questions} |")
    print(f"\n{len(customers)} conversations, {sum(len(c.words) for c in customers)} customer "
          "turns: a tune part to mine and a held-out part to compare need at least 4 real "
          "conversations on the compared side (a bootstrap band of real vs real needs two "
          "halves of it) — no ABCD fidelity figure can be made from this sample. The full "
          "corpus (10,042 conversations) is not in ../shared/data (see its README).")


def bands_only(data: Path, tmp: Path) -> None:
    print("\n### Real-vs-real only (no pack to simulate them)\n")
    print("| dataset | conversations | real vs real index | words/turn KS band | "
          "opening info KS band |\n|---|---:|---:|---:|---:|")
    for name, files, fmt in (
            ("ABCD sample", [data / "abcd" / "abcd_sample.jsonl"], "abcd"),
            ("τ-bench airline trajectories",
             sorted((data / "tau_bench" / "trajectories").glob("*.jsonl")), "openai")):
        out = tmp / name.replace(" ", "_")
        ingest_transcripts(files, fmt, out, salt="fidelity")
        import polars as pl

        customers = customers_from_turns(pl.read_parquet(out / "turns" / "*.parquet"), {},
                                         InfoCounter())
        if len(customers) < 8:
            print(f"| {name} | {len(customers)} | too few to split | | |")
            continue
        half = len(customers) // 2
        fid = compare_customers(customers[:half], customers[half:], seed=0)
        rows = {r["feature"]: r for r in fid.features.iter_rows(named=True)}
        print(f"| {name} | {len(customers)} | {fid.index:.1f} | "
              f"{rows['words_per_turn_ks']['band']:.3f} | {rows['opening_info_ks']['band']:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--n", type=int, default=200, help="scenarios per campaign")
    parser.add_argument("--quick", action="store_true",
                        help="coffee: only the fitted customer's campaigns (no pack-only/before)")
    parser.add_argument("--score", choices=["held", "tune"], default="held",
                        help="coffee: compare with the held-out part (default) or, while "
                             "tuning, with the tune part the catalog was mined from")
    parser.add_argument("--only", choices=["coffee", "retail", "abcd", "bands"], default=None)
    args = parser.parse_args()
    if not (args.data / "taskmaster").is_dir():
        sys.exit(f"{args.data}: no shared datasets (taskmaster/, tau_bench/, abcd/)")
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "coffee"):
            coffee(args.data, Path(tmp), args.n, args.quick, args.score)
        if args.only in (None, "retail"):
            retail(args.data, Path(tmp), args.n)
        if args.only in (None, "abcd"):
            abcd(args.data, Path(tmp))
        if args.only in (None, "bands"):
            bands_only(args.data, Path(tmp))


if __name__ == "__main__":
    main()
