"""Peak driver RSS of a campaign as it grows: flat memory, not a cost per conversation.

    .venv/bin/python benchmarks/memory_scale.py [--sizes 10000,100000,1000000]

Each size runs in a fresh process: the offline agenda customer, the in-process reference
agent (`python` connector, retail v1), the local executor, evaluators process + goal,
written to Parquet in a temporary folder. The population is fixed (250 scenarios x 50
personas x 4 perturbation profiles); repetitions make the size, so only the planning,
the batches in flight and the results can grow. Prints conversations, wall time, the
peak RSS once every conversation is played and written (VmHWM at the last batch), and
the peak of the whole call (ru_maxrss), which adds the run summary (summary.json, read
from the Parquet tables with polars at the end).

    .venv/bin/python benchmarks/memory_scale.py --distinct generated --sizes 10000,100000,1000000
    .venv/bin/python benchmarks/memory_scale.py --distinct replay --sizes 10000,100000,1000000

Distinct scenarios: every conversation plays its own scenario. `generated`: `scenarios.n`
= size retail scenarios (each with its customer's records in `initial_state`), 1,000
personas, one profile; `replay`: a JSON Lines file of `size` distinct regression scenarios
(the customer's turns of a historical chat and the records it read, as `convsim scenarios
from-transcript` makes them) replayed by the `replay` customer. Both against a fast
stand-in agent (in-process, answers at once and closes the conversation) and the process
evaluator, so the driver's own cost shows: planning, the streamed population, the batches
in flight, the results. The replay file is written by another process before the run and
its size reported; the wall time includes the campaign's checking pass over it.

    .venv/bin/python benchmarks/memory_scale.py --end --sizes 10000,100000,1000000

The end of a run alone (batch part files compacted, then summary.json/summary.md), each size
in a fresh process, on part files copied with fresh ids from one played distinct run.

    .venv/bin/python benchmarks/memory_scale.py --from-transcript --sizes 5000,20000

`convsim scenarios from-transcript --all --domain` to JSON Lines on ingested folders of that
many conversations (the tests' Kite chats, copied with fresh ids).

    .venv/bin/python benchmarks/memory_scale.py --population held --sizes 3000,30000
    .venv/bin/python benchmarks/memory_scale.py --population streamed --sizes 3000,30000

Only the population: the peak RSS of making that many retail scenarios, kept in a list (as
campaigns did before they streamed) or streamed through `build_population`.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one(size: int) -> None:
    from convsim.core.campaign_file import load_campaign
    from convsim.engine.campaign import run_campaign

    per_rep = 250 * 4
    raw = {
        "name": "memory", "seed": 1, "repetitions": max(1, -(-size // per_rep)),
        "scenarios": {"domain": "retail", "n": 250}, "personas": {"n": 50},
        "perturbations": [{"name": "clean"}, {"name": "noisy_text"}, {"name": "impatient"},
                          {"name": "wandering"}],
        "agents": [{"version": "v1", "connector": "python", "reference": "retail:v1"}],
        "evaluators": ["process", "goal"],
        "execution": {"executor": "local", "concurrency": 64, "batch_size": 100},
    }
    with tempfile.TemporaryDirectory() as out:
        path = Path(out) / "campaign.yaml"
        path.write_text(json.dumps(raw))  # JSON is YAML; load_campaign resolves "retail:v1"
        config = load_campaign(path)
        running: list[int] = []

        def progress(done: int, total: int, _: object) -> None:
            if done and done >= total:  # the last batch written, before the run's summary
                running.append(_hwm_mib())

        t0 = time.perf_counter()
        info = run_campaign(config, out_dir=out, limit=size, progress=progress)
        wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"conversations": info.written, "turns": info.turns, "wall_s": round(wall, 1),
                      "peak_rss_mib": round(rss), "running_peak_mib": running[-1]}))


class StandIn:
    """A fast stand-in agent: answers at once and closes the conversation."""

    async def respond(self, state: dict[str, int], text: str, tools: object) -> object:
        from convsim.core.records import AgentReply

        return AgentReply(text="Thanks, that is done for you.", end=True)


def make_stand_in() -> tuple[StandIn, type[dict[str, int]]]:
    return StandIn(), dict


def _replay_file(path: Path, size: int) -> None:
    """`size` distinct regression scenarios, one JSON a line: a retail scenario's customer
    with the records a historical chat read (the user and one order), its turns."""
    from convsim.core.config import ScenarioGenConfig
    from convsim.domains.retail.scenarios import iter_retail_scenarios

    bases = []
    for s in iter_retail_scenarios(ScenarioGenConfig(domain="retail", n=500), 7):
        user_id, order = s.slots["user_id"], s.slots.get("order_id")
        users, orders = s.initial_state.get("users", {}), s.initial_state.get("orders", {})
        base = s.model_dump(mode="json")
        base["initial_state"] = {"users": {user_id: users[user_id]}} | (
            {"orders": {order: orders[order]}} if order in orders else {})
        base["expectations"]["rules"] = []  # the pack's, not the chat's
        said = [s.slots.get("opening") or s.goal, users[user_id].get("email", "x@example.com"),
                order or "the last one"]
        bases.append((base, said))
    with path.open("w", encoding="utf-8") as f:
        for i in range(size):
            base, said = bases[i % len(bases)]
            turns = [f"Hi, this is conversation {i}: {said[0]}", f"My email is {said[1]}",
                     f"The order is {said[2]}, thank you"]
            f.write(json.dumps(base | {
                "id": f"r-{i:07d}",
                "slots": base["slots"] | {"customer_turns": turns, "agent_turns": [
                    "How can I help?", "Which order?", "Done."]},
                "provenance": {"origin": f"historical:chat-{i:07d}", "generator": "benchmark"},
            }) + "\n")


def distinct(size: int, kind: str) -> None:
    """One run of `size` distinct scenarios (see the module's docstring)."""
    from convsim.core.campaign_file import load_campaign
    from convsim.engine.campaign import run_campaign

    agent = {"version": "v1", "connector": "python", "target": "memory_scale:make_stand_in"}
    raw: dict[str, object] = {
        "name": "distinct", "seed": 1, "personas": {"n": 1000},
        "perturbations": [{"name": "clean"}], "agents": [agent], "evaluators": ["process"],
        "execution": {"executor": "local", "concurrency": 64, "batch_size": 100},
    }
    with tempfile.TemporaryDirectory() as out:
        file_mib = 0.0
        if kind == "replay":
            scenarios = Path(out) / "regression.jsonl"
            # Written by another process: its memory is not the campaign's.
            subprocess.run([sys.executable, __file__, "--write-replay", str(scenarios),
                            "--one", str(size)], check=True)
            file_mib = scenarios.stat().st_size / 2**20
            raw |= {"user_simulator": "replay",
                    "scenarios": {"domain": "retail", "n": 0, "files": [str(scenarios)]}}
        else:
            raw |= {"scenarios": {"domain": "retail", "n": size}}
        path = Path(out) / "campaign.yaml"
        path.write_text(json.dumps(raw))
        config = load_campaign(path)
        running: list[int] = []
        start_mib = _hwm_mib()

        def progress(done: int, total: int, _: object) -> None:
            if done and done >= total:
                running.append(_hwm_mib())

        t0, c0 = time.perf_counter(), time.process_time()
        info = run_campaign(config, out_dir=out, progress=progress)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"conversations": info.written, "turns": info.turns, "wall_s": round(wall, 1),
                      "cpu_s": round(cpu, 1), "peak_rss_mib": round(rss),
                      "running_peak_mib": running[-1], "before_run_mib": start_mib,
                      "file_mib": round(file_mib)}))


def end_of_run(sizes: list[int]) -> None:
    """The end of a run alone — its batch part files compacted, then its summary
    (summary.json, summary.md) — on runs of `sizes` distinct conversations, each in a fresh
    process: a 10,000-conversation `--distinct generated` run is played once and left as its
    batch part files (100 conversations each), which are written again with fresh
    conversation, scenario and pair ids as the part files of a run of that size."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from convsim.core.results import TABLES

    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample"
        subprocess.run([sys.executable, __file__, "--keep-run", str(sample), "--one", "10000"],
                       check=True)
        (run,) = [p.parent for p in sample.glob("*/*/conversations")]
        parts = {t: sorted((run / t).glob("part-*.parquet")) for t in TABLES}
        print("| conversations | batch part files per table | files after | compaction + summary "
              "wall | peak RSS before | peak RSS, compaction | peak RSS, with the summary |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for size in sizes:
            folder = Path(tmp) / "big" / run.name
            shutil.rmtree(folder.parent, ignore_errors=True)
            copies = -(-size // 10_000)
            for table in TABLES:
                (folder / table).mkdir(parents=True)
                for j, part in enumerate(parts[table]):
                    data = pq.read_table(part)
                    for i in range(copies):
                        fresh = data
                        for c in ("conversation_id", "scenario_id", "pair_id"):
                            if c in data.column_names:
                                k = data.column_names.index(c)
                                fresh = fresh.set_column(k, data.schema.field(k), pc.binary_join_element_wise(
                                    data.column(c), pa.scalar(f"-{i}"), ""))
                        pq.write_table(fresh, folder / table /
                                       f"part-{i * len(parts[table]) + j:05d}.parquet")
            out = subprocess.run([sys.executable, __file__, "--end-of", str(folder)],
                                 check=True, capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(f"| {copies * 10_000:,} | {copies * len(parts['conversations']):,} | "
                  f"{r['files']} | {r['wall_s']:.0f} s | {r['before_mib']} MiB | "
                  f"{r['compaction_mib']} MiB | {r['peak_mib']} MiB |", flush=True)


def end_of(folder: Path) -> None:
    """What `run_campaign` does once the last batch is written: compact, then summarise."""
    import convsim.engine.campaign  # noqa: F401  (what a driver has loaded at the end of a run)
    from convsim.core.results import ResultWriter
    from convsim.decisions.summary import write_summary

    before = _hwm_mib()
    t0 = time.perf_counter()
    ResultWriter(folder, folder.name).compact()
    compaction = _hwm_mib()
    write_summary(folder)
    print(json.dumps({"wall_s": time.perf_counter() - t0, "before_mib": before,
                      "compaction_mib": compaction, "peak_mib": _hwm_mib(),
                      "files": len(list((folder / "turns").glob("*.parquet")))}))


def keep_run(size: int, out: Path) -> None:
    """A `--distinct generated` run of `size` conversations left in `out`."""
    from convsim.core.campaign_file import load_campaign
    from convsim.engine.campaign import run_campaign

    out.mkdir(parents=True)
    agent = {"version": "v1", "connector": "python", "target": "memory_scale:make_stand_in"}
    path = out / "campaign.yaml"
    path.write_text(json.dumps({
        "name": "distinct", "seed": 1, "personas": {"n": 1000}, "perturbations": [{"name": "clean"}],
        "agents": [agent], "evaluators": ["process"], "scenarios": {"domain": "retail", "n": size},
        "execution": {"executor": "local", "concurrency": 64, "batch_size": 100}}))
    from convsim.core.results import ResultWriter

    ResultWriter.compact = lambda self, max_conversations=0: 0  # type: ignore[method-assign]
    run_campaign(load_campaign(path), out_dir=out)  # left as its batch part files


def from_transcripts(sizes: list[int]) -> None:
    """`convsim scenarios from-transcript --all --domain` to JSON Lines on ingested folders of
    `sizes` conversations, each in a fresh process: the Kite chats of the tests (14, with
    their tool log) ingested once and written again with fresh conversation ids, in part
    files of 500 conversations as `convsim ingest` writes them."""
    import polars as pl

    from convsim.core.packs.discovery import find_domain
    from convsim.scenarios.ingest import ingest_transcripts

    tests = Path(__file__).resolve().parents[1] / "tests"
    pack = tests / "data" / "packs" / "kite"
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample"
        ingest_transcripts([tests / "data" / "replay" / "kite_chats.jsonl"], "openai", sample,
                           salt="s", domain=find_domain(str(pack)))
        tables = {t.name: pl.read_parquet(t / "*.parquet") for t in sample.iterdir()
                  if t.is_dir() and any(t.glob("*.parquet"))}
        tables = {n: f for n, f in tables.items() if "conversation_id" in f.columns}
        ids = tables["conversations"]["conversation_id"].to_list()
        by_id = {n: f.partition_by("conversation_id", as_dict=True) for n, f in tables.items()}
        print("| ingested conversations | scenarios written | wall | peak RSS |")
        print("|---:|---:|---:|---:|")
        for size in sizes:
            folder = Path(tmp) / f"ingested-{size}"
            for name in tables:
                (folder / name).mkdir(parents=True)
                for part, start in enumerate(range(0, size, 500)):
                    copies = [by_id[name][(ids[i % len(ids)],)].with_columns(
                        conversation_id=pl.lit(f"c{i:08d}"))
                        for i in range(start, min(size, start + 500))
                        if (ids[i % len(ids)],) in by_id[name]]
                    pl.concat(copies).write_parquet(folder / name / f"part-{part:05d}.parquet")
            for extra in sample.iterdir():
                if extra.is_file():
                    shutil.copy(extra, folder / extra.name)
                elif extra.name not in tables:
                    shutil.copytree(extra, folder / extra.name)
            out = Path(tmp) / f"regression-{size}.jsonl"
            t0 = time.perf_counter()
            run = subprocess.run([sys.executable, __file__, "--from-transcript-of", str(folder),
                                  "--one", str(size), "--write-replay", str(out)],
                                 check=True, capture_output=True, text=True)
            r = json.loads(run.stdout.strip().splitlines()[-1])
            print(f"| {size:,} | {r['written']:,} | {time.perf_counter() - t0:.0f} s | "
                  f"{r['peak_mib']} MiB |", flush=True)
            shutil.rmtree(folder)
            out.unlink()


def from_transcript_of(folder: Path, out: Path) -> None:
    """The command as a user runs it: its per-conversation lines go to stderr (here /dev/null),
    not into a buffer held in memory as typer's CliRunner would hold them."""
    import os

    from convsim.cli.main import app

    pack = Path(__file__).resolve().parents[1] / "tests" / "data" / "packs" / "kite"
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 2)
        sys.stderr = null
        try:
            app(["scenarios", "from-transcript", "--all", "-t", str(folder), "--domain", str(pack),
                 "--out", str(out)], standalone_mode=False)
        finally:
            sys.stderr = sys.__stderr__
    with out.open("rb") as f:
        written = sum(1 for _ in f)
    print(json.dumps({"written": written, "peak_mib": _hwm_mib()}))


def population(size: int, held: bool) -> None:
    """Peak RSS of making `size` retail scenarios: all held in a list (as campaigns did), or
    streamed through the campaign's population (what they do now)."""
    from convsim.core.config import CampaignConfig
    from convsim.engine.campaign import build_population

    config = CampaignConfig.model_validate({
        "name": "population", "scenarios": {"domain": "retail", "n": size},
        "agents": [{"version": "v1", "connector": "python", "reference": "retail:v1"}]})
    start = _hwm_mib()
    scenarios, _ = build_population(config)
    kept = list(scenarios) if held else None
    made = len(kept) if kept is not None else sum(1 for _ in scenarios)
    print(json.dumps({"scenarios": made, "held": held, "start_mib": start,
                      "peak_mib": _hwm_mib()}))


def _hwm_mib() -> int:
    """Peak RSS so far (VmHWM), MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--distinct", choices=["generated", "replay"],
                        help="Every conversation its own scenario (generated, or replayed "
                             "from a JSON Lines file of regression scenarios).")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--write-replay", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--population-one", help=argparse.SUPPRESS)
    parser.add_argument("--population", choices=["held", "streamed"],
                        help="Only make the scenarios (no campaign): held in a list, or streamed.")
    parser.add_argument("--end", action="store_true",
                        help="Only the end of a run (compaction, summary) on runs of --sizes "
                             "distinct conversations made from a played one.")
    parser.add_argument("--from-transcript", action="store_true",
                        help="Only `convsim scenarios from-transcript --all` to JSON Lines, on "
                             "ingested folders of --sizes conversations.")
    parser.add_argument("--from-transcript-of", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep-run", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--end-of", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.from_transcript_of:
        from_transcript_of(args.from_transcript_of, args.write_replay)
        return
    if args.from_transcript:
        from_transcripts([int(s) for s in args.sizes.split(",")])
        return
    if args.keep_run:
        keep_run(args.one, args.keep_run)
        return
    if args.end_of:
        end_of(args.end_of)
        return
    if args.end:
        end_of_run([int(s) for s in args.sizes.split(",")])
        return
    if args.population:
        for size in (int(s) for s in args.sizes.split(",")):
            subprocess.run([sys.executable, __file__, "--population-one", args.population,
                            "--one", str(size)], check=True)
        return
    if args.population_one:
        population(args.one, args.population_one == "held")
        return
    if args.write_replay:
        _replay_file(args.write_replay, args.one)
        return
    if args.one:
        if args.distinct:
            distinct(args.one, args.distinct)
        else:
            one(args.one)
        return
    if args.distinct:
        print(f"| distinct scenarios ({args.distinct}) | turns | wall | driver CPU | scenario "
              "file | peak RSS, conversations played | peak RSS, with the run summary |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for size in (int(s) for s in args.sizes.split(",")):
            out = subprocess.run([sys.executable, __file__, "--one", str(size), "--distinct",
                                  args.distinct], check=True, capture_output=True,
                                 text=True).stdout.strip().splitlines()[-1]
            r = json.loads(out)
            print(f"| {r['conversations']:,} | {r['turns']:,} | {r['wall_s']:.0f} s | "
                  f"{r['cpu_s']:.0f} s | "
                  f"{str(r['file_mib']) + ' MiB' if r['file_mib'] else '–'} | "
                  f"{r['running_peak_mib']} MiB | {r['peak_rss_mib']} MiB |", flush=True)
        return
    print("| conversations | turns | wall | conv/s | peak RSS, conversations played | "
          "peak RSS, with the run summary |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--one", str(size)], check=True,
                             capture_output=True, text=True).stdout.strip().splitlines()[-1]
        r = json.loads(out)
        print(f"| {r['conversations']:,} | {r['turns']:,} | {r['wall_s']:.0f} s | "
              f"{r['conversations'] / r['wall_s']:,.0f} | {r['running_peak_mib']} MiB | "
              f"{r['peak_rss_mib']} MiB |", flush=True)


if __name__ == "__main__":
    main()
