"""How close `convsim run` gets to the wire: a bare aiohttp client vs the engine.

    .venv/bin/python benchmarks/wire_speed.py [--conversations 5000] [--concurrency 256]
        [--latency-ms 50] [--executors local,ray] [--workers 2] [--profile out.prof]
        [--per-process] [--repeat N] [--clients N] [--parts N]

`--executors` takes variants after a '+' to compare them side by side in one run, e.g.
`local,local+aiohttp` (the http connector on aiohttp instead of the lean keep-alive client).

One stand-in agent (aiohttp, answers every turn after `--latency-ms`, in its own
process) serves both sides, in one run:

- the ceiling: a bare aiohttp client keeping `--concurrency` requests in flight;
- `convsim run` (a subprocess, the real CLI) on each executor, the agenda customer, the
  default evaluators, concurrency `--concurrency` in all (split over the Ray workers).

Reported: agent turns/s (steady: first turn sent to last reply, from the turns'
timestamps; and overall: the whole command), the ratio to the ceiling, and the engine's
CPU per agent turn (CPU time of the convsim process tree: driver, and for Ray its
raylet, GCS and actors; read from /proc while it runs, the agent's excluded).
`--profile FILE` runs the local executor in this process under cProfile instead.
`--parts N` times, alone, the per-conversation steps outside the engine's loop (the
conversation's state copy, the simulated customer's set-up, packing results into Arrow, the
final-state JSON) on N conversations of the same campaign played against the stand-in
agent; `--parts-against CHECKOUT` times another checkout's versions of them too, in the same
process, alternately (best of 15 each), to compare two versions on a noisy machine. The
scoring steps (truthfulness's sources, truthfulness and goal alone, all the campaign's
evaluators) take that checkout's evaluators/truthfulness.py and evaluators/goal.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

REPLIES = [
    "Hello, thanks for reaching out. Could you tell me your order number please?",
    "Thanks. Could you confirm the email address on the account?",
    "I have found your order. Should I go ahead with that?",
    "Done, it is taken care of. Is there anything else I can help you with?",
]


# ----------------------------------------------------------------------------- stand-in agent


def serve(port: int, latency_ms: float) -> None:
    """The stand-in agent: replies after `latency_ms`, cycling through REPLIES per conversation."""
    from aiohttp import web

    turns: dict[str, int] = {}

    async def chat(request: web.Request) -> web.Response:
        body = await request.json()
        cid = str(body.get("conversation_id"))
        n = turns.get(cid, 0)
        turns[cid] = n + 1
        await asyncio.sleep(latency_ms / 1000)
        return web.json_response({"reply": REPLIES[n % len(REPLIES)], "end": n >= 12})

    async def forget(request: web.Request) -> web.Response:
        turns.pop(request.match_info["cid"], None)
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/v1/chat", chat)
    app.router.add_delete("/v1/conversations/{cid}", forget)

    async def main() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port, backlog=4096)
        await site.start()
        print(f"stand-in agent listening on http://127.0.0.1:{port}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


def start_agent(latency_ms: float) -> tuple[subprocess.Popen[str], str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port),
                             "--latency-ms", str(latency_ms)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, line.rsplit("listening on ", 1)[1].strip()


# ----------------------------------------------------------------------------- ceiling


async def _bare(url: str, requests: int, concurrency: int) -> float:
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        left = requests

        async def one(i: int) -> None:
            nonlocal left
            while left > 0:
                left -= 1
                async with session.post(f"{url}/v1/chat", json={
                        "conversation_id": f"bare-{i}", "message": "hello"}) as resp:
                    await resp.json()

        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(concurrency)))
        return time.perf_counter() - t0


async def _lean(url: str, requests: int, concurrency: int) -> float:
    """The same requests through the http connector's keep-alive client (http1.Pool)."""
    from yarl import URL

    from convsim.simulator.connectors import http1

    pool = http1.Pool(URL(url))
    head = http1.encode_headers({"Content-Type": "application/json"})
    left = requests

    async def one(i: int) -> None:
        nonlocal left
        while left > 0:
            left -= 1
            got = await pool.request("POST", "/v1/chat", head, json.dumps({
                "conversation_id": f"lean-{i}", "message": "hello"}).encode(), 30)
            json.loads(got.text())

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(concurrency)))
    pool.close()
    return time.perf_counter() - t0


def clients(url: str, requests: int, concurrency: int, rounds: int) -> None:
    """--clients: CPU per request of aiohttp and of the lean client, alternating."""
    for rnd in range(rounds):
        for name, run in (("aiohttp", _bare), ("lean keep-alive", _lean)):
            cpu0 = time.process_time()
            wall = asyncio.run(run(url, requests, concurrency))
            cpu = time.process_time() - cpu0
            print(f"[{rnd + 1}/{rounds}] {name}: {requests / wall:,.0f} req/s, "
                  f"{cpu / requests * 1000:.3f} ms CPU/request", flush=True)


def bare_client(url: str, requests: int, concurrency: int) -> dict[str, float]:
    cpu0 = time.process_time()
    wall = asyncio.run(_bare(url, requests, concurrency))
    cpu = time.process_time() - cpu0
    return {"turns": requests, "wall": wall, "rate": requests / wall,
            "cpu_ms_per_turn": cpu / requests * 1000}


# ----------------------------------------------------------------------------- convsim


NAMES: dict[int, str] = {}
"""pid -> the start of its command line (Ray actors show their class), for --per-process."""


def _tree_cpu(root: int, seen: dict[int, float]) -> None:
    """Record the CPU seconds (user + system) of `root` and its descendants into `seen`."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    stats: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        stats[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    for pid in tree:
        if pid in stats:
            seen[pid] = max(seen.get(pid, 0.0), stats[pid])
            if "_WorkerActor" not in NAMES.get(pid, ""):  # a Ray worker may become an actor
                try:
                    NAMES[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(
                        b"\0", b" ").decode(errors="replace")[:60].strip()
                except OSError:
                    pass


PER_PROCESS = False
"""--per-process: print the CPU of the busiest processes of each convsim run (driver, actors)."""
EVALUATORS: list[str] | None = None
"""--evaluators (None: the campaign default)."""


def _at(samples: list[tuple[float, float]], when: float) -> float:
    """CPU seconds used by `when`, interpolated between the samples around it."""
    before = [s for s in samples if s[0] <= when] or samples[:1]
    after = [s for s in samples if s[0] >= when] or samples[-1:]
    (t0, c0), (t1, c1) = before[-1], after[0]
    return c0 if t1 == t0 else c0 + (c1 - c0) * (when - t0) / (t1 - t0)


def campaign_yaml(url: str, conversations: int, concurrency: int, executor: str,
                  workers: int) -> str:
    """`executor` may carry variants after a '+': `local+aiohttp` (the http connector on
    aiohttp instead of the lean keep-alive client), `ray+asyncio` (Ray's actors on the standard
    event loop; Ray takes uvloop's whenever uvloop is installed), to compare them side by
    side."""
    executor, *variants = executor.split("+")
    options = {"client": "aiohttp"} if "aiohttp" in variants else {}
    per_worker = concurrency if executor == "local" else max(1, concurrency // workers)
    # 4 perturbation profiles x 1 persona x repetitions: conversations = scenarios x 4.
    scenarios = max(1, conversations // 4)
    return json.dumps({
        "name": f"wire-{executor}",  # without the variants "seed": 3, "repetitions": 1,
        "scenarios": {"domain": "retail", "n": scenarios},
        "personas": {"n": 50}, "personas_per_scenario": 1,
        "perturbations": [{"name": "clean"}, {"name": "clean2"}, {"name": "clean3"},
                          {"name": "clean4"}],
        "agents": [{"version": "standin", "connector": "http", "url": url,
                    "options": options}],
        "max_turns": 30,
        **({"evaluators": EVALUATORS} if EVALUATORS is not None else {}),
        "execution": {"executor": executor, "workers": workers if executor == "ray" else None,
                      "concurrency": per_worker, "batch_size": 50, "turn_timeout_s": 30,
                      "retries": 0},
    })


def convsim_run(url: str, conversations: int, concurrency: int, executor: str,
                workers: int, extra: Sequence[str] = ()) -> dict[str, float]:
    """One `convsim run` (`extra`: more CLI arguments, e.g. --ray-address)."""
    import polars as pl

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "campaign.yaml"
        config.write_text(campaign_yaml(url, conversations, concurrency, executor, workers))
        convsim = Path(sys.executable).parent / "convsim"
        t0 = time.perf_counter()
        env = dict(os.environ)
        if "+asyncio" in executor:
            env["RAY_USE_UVLOOP"] = "0"  # Ray's actors (uvloop whenever it is installed)
        proc = subprocess.Popen([str(convsim), "run", str(config), "--out", f"{tmp}/runs",
                                 *extra],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=env)
        seen: dict[int, float] = {}
        samples: list[tuple[float, float]] = []  # (epoch, CPU seconds of the tree so far)
        stop = threading.Event()

        def poll() -> None:
            while not stop.wait(0.1):
                _tree_cpu(proc.pid, seen)
                samples.append((time.time(), sum(seen.values())))

        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        out, _ = proc.communicate()
        wall = time.perf_counter() - t0
        stop.set()
        thread.join()
        if proc.returncode != 0:
            raise SystemExit(f"convsim run failed ({proc.returncode}):\n{out[-3000:]}")
        # The driver's own CPU, whole (it has exited: its children's totals come via rusage).
        [run_dir] = list((Path(tmp) / "runs" / f"wire-{executor.split('+')[0]}").iterdir())
        turns = pl.read_parquet(run_dir / "turns" / "*.parquet")
        agent = turns.filter(pl.col("role") == "agent")
        n = agent.height
        cpu = sum(seen.values())
        steady, steady_cpu = None, cpu
        if "started_at" in turns.columns:
            first = agent["started_at"].min().timestamp()  # type: ignore[union-attr]
            last = agent["ended_at"].max().timestamp()  # type: ignore[union-attr]
            steady = last - first
            steady_cpu = _at(samples, last) - _at(samples, first)
        conv = pl.read_parquet(run_dir / "conversations" / "*.parquet")
        if PER_PROCESS:
            for pid, secs in sorted(seen.items(), key=lambda kv: -kv[1])[:6]:
                print(f"  {executor}: {secs:6.2f} s CPU  {NAMES.get(pid, pid)}")
        return {"conversations": conv.height, "turns": n, "wall": wall,
                "driver_cpu_ms_per_turn": seen.get(proc.pid, 0.0) / n * 1000,
                "actor_cpu_ms_per_turn": sum(v for pid, v in seen.items()
                                             if "_WorkerActor" in NAMES.get(pid, "")) / n * 1000,
                "rate": n / wall, "steady_wall": steady or wall,
                "steady_rate": n / (steady or wall), "cpu_s": cpu,
                "cpu_ms_per_turn": cpu / n * 1000,
                "steady_cpu_ms_per_turn": steady_cpu / n * 1000,
                "latency_p50_ms": float(agent["latency_ms"].median() or 0),
                "errors": int(conv["error"].is_not_null().sum())}


def profile_local(url: str, conversations: int, concurrency: int, path: str) -> None:
    import cProfile
    import pstats

    import yaml

    from convsim.core.config import CampaignConfig
    from convsim.engine.campaign import run_campaign

    raw = yaml.safe_load(campaign_yaml(url, conversations, concurrency, "local", 1))
    config = CampaignConfig.model_validate(raw)
    with tempfile.TemporaryDirectory() as tmp:
        prof = cProfile.Profile()
        prof.enable()
        info = run_campaign(config, out_dir=tmp)
        prof.disable()
    prof.dump_stats(path)
    print(f"{info.written} conversations, {info.turns} turns in {info.seconds:.1f}s")
    pstats.Stats(path).sort_stats("tottime").print_stats(25)


def _best_us(fn: Callable[[], object], n: int, rounds: int = 5) -> float:
    """Best of `rounds` timings of `fn` (which handles `n` items), in µs per item."""
    import timeit

    return min(timeit.repeat(fn, number=1, repeat=rounds)) / n * 1e6


def _set_up(make: Callable[..., Any], spec: Any, domain: Any) -> Any:
    """The simulated customer as a conversation starts it: made, its placeholder values (made
    up ones drawn) and a first draw of its generator."""
    user = make(spec, domain)
    user._context()
    user.rng.random()
    return user


def _module_from(checkout: str, module: str) -> Any:
    """`module` (convsim.a.b) as another checkout has it, loaded beside this one's."""
    import importlib.util

    path = Path(checkout) / (module.replace(".", "/") + ".py")
    spec = importlib.util.spec_from_file_location(f"_other_{module.replace('.', '_')}", path)
    assert spec is not None and spec.loader is not None, path
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = loaded  # dataclasses look their module up
    spec.loader.exec_module(loaded)
    return loaded


def parts(url: str, conversations: int, concurrency: int, other: str | None = None,
          rounds: int = 5, only: str | None = None) -> None:
    """--parts: each per-conversation step timed alone (µs per conversation and per agent
    turn, best of `rounds`), on conversations played against the stand-in agent. With
    `other` (--parts-against CHECKOUT), the same steps as that checkout's
    core/packs/model.py, core/results.py and simulator/customers/agenda.py do them, timed
    in the same process, alternately with this checkout's, on the same data."""
    import yaml

    from convsim.core.config import CampaignConfig
    from convsim.core.packs.discovery import find_domain
    from convsim.core.packs.model import clone_state
    from convsim.core.registry import evaluators, user_simulators
    from convsim.core.results import Packing, conversation_rows, pack_results
    from convsim.engine.plan import RunPlan
    from convsim.engine.worker import ConversationWorker, _engine_gc
    from convsim.simulator.customers.agenda import AgendaUser

    raw = yaml.safe_load(campaign_yaml(url, conversations, concurrency, "local", 1))
    config = CampaignConfig.model_validate(raw)
    specs = list(RunPlan.of(config).specs)
    worker = ConversationWorker(config.agents, config.evaluators, config.execution, config.llm)
    results = worker.play(specs)
    by_id = {s.id: s for s in specs}
    n = len(specs)
    turns = sum(t.role == "agent" for r in results for t in r.conversation.turns)
    domains = {s.id: find_domain(s.domain) for s in specs}
    packing = Packing(run_id="parts")
    batches = [results[i:i + 50] for i in range(0, n, 50)]
    steps: dict[str, Callable[[], object]] = {
        "clone_state (scenario state)": lambda: [clone_state(s.scenario.initial_state)
                                                 for s in specs],
        "Domain.initial_state": lambda: [domains[s.id].initial_state(s.scenario, s.persona)
                                         for s in specs],
        "customer set-up (AgendaUser + context)": lambda: [_set_up(
            lambda s, d: user_simulators.create(s.user_simulator, s, d, llm=config.llm),
            s, domains[s.id]) for s in specs],
        "pack_results (batches of 50)": lambda: [pack_results(b, by_id, packing)
                                                 for b in batches],
        "conversation_rows (incl. state JSON)": lambda: [
            conversation_rows(r.conversation, by_id[r.conversation.id], "parts")
            for r in results],
    }
    from convsim.evaluators import goal as goal_mod
    from convsim.evaluators import truthfulness as truth_mod

    scored = [(r.conversation, by_id[r.conversation.id].scenario) for r in results]
    named = list(zip(worker._evaluator_names, worker._evaluators, strict=True))

    def scoring(truth: Any, goal: Any) -> Callable[[], object]:
        """The campaign's evaluators on every conversation, truthfulness and goal as given."""
        evs = [truth if n == "truthfulness" else goal if n == "goal" else ev for n, ev in named]
        return lambda: [ev.evaluate(c, sc) for c, sc in scored for ev in evs]

    steps.update({
        "truthfulness sources (_Sources)": lambda: [truth_mod._Sources(s.scenario, domains[s.id])
                                                    for s in specs],
        "truthfulness evaluate": lambda: [truth_mod.TruthfulnessEvaluator().evaluate(c, sc)
                                          for c, sc in scored],
        "goal evaluate": lambda: [goal_mod.GoalEvaluator().evaluate(c, sc) for c, sc in scored],
        f"scoring ({len(named)} evaluators)": scoring(truth_mod.TruthfulnessEvaluator(),
                                                      goal_mod.GoalEvaluator()),
    })
    others: dict[str, Callable[[], object]] = {}
    if other:
        registered = dict(evaluators._registered)  # its modules register their factories again
        other_truth = _module_from(other, "convsim.evaluators.truthfulness")
        other_goal = _module_from(other, "convsim.evaluators.goal")
        evaluators._registered.update(registered)
        others.update({
            "truthfulness sources (_Sources)": lambda: [other_truth._Sources(
                s.scenario, domains[s.id]) for s in specs],
            "truthfulness evaluate": lambda: [other_truth.TruthfulnessEvaluator().evaluate(c, sc)
                                              for c, sc in scored],
            "goal evaluate": lambda: [other_goal.GoalEvaluator().evaluate(c, sc)
                                      for c, sc in scored],
            f"scoring ({len(named)} evaluators)": scoring(other_truth.TruthfulnessEvaluator(),
                                                          other_goal.GoalEvaluator()),
        })
        model = _module_from(other, "convsim.core.packs.model")
        packed = _module_from(other, "convsim.core.results")
        agenda = _module_from(other, "convsim.simulator.customers.agenda")
        other_packing = packed.Packing(run_id="parts")
        others |= {
            "clone_state (scenario state)": lambda: [model.clone_state(s.scenario.initial_state)
                                                     for s in specs],
            "Domain.initial_state": lambda: [model.Domain.initial_state(
                domains[s.id], s.scenario, s.persona) for s in specs],
            "customer set-up (AgendaUser + context)": lambda: [_set_up(agenda.AgendaUser, s, domains[s.id])
                                                     for s in specs],
            "pack_results (batches of 50)": lambda: [packed.pack_results(b, by_id,
                                                                         other_packing)
                                                     for b in batches],
            "conversation_rows (incl. state JSON)": lambda: [
                packed.conversation_rows(r.conversation, by_id[r.conversation.id], "parts")
                for r in results],
        }
        steps["customer set-up (AgendaUser + context)"] = lambda: [_set_up(AgendaUser, s, domains[s.id])
                                                         for s in specs]
    print(f"{n:,} conversations, {turns:,} agent turns ({turns / n:.1f} per conversation); "
          f"best of {rounds}" + (f"; 'other' = {other}, alternately" if other else "")
          + "; the collector tuned as a worker tunes it", flush=True)
    _engine_gc(True)
    for name, fn in steps.items():
        if only is not None and only not in name:
            continue
        fn()  # warm: first-use imports and caches
        if name not in others:
            us = _best_us(fn, n, rounds)
            print(f"  {name:40s} {us:8.1f} µs/conversation  {us * n / turns / 1000:7.4f} "
                  "ms/agent turn", flush=True)
            continue
        others[name]()
        best = [float("inf"), float("inf")]
        for _ in range(rounds):  # alternately: the machine's load hits both alike
            best[0] = min(best[0], _best_us(others[name], n, 1))
            best[1] = min(best[1], _best_us(fn, n, 1))
        print(f"  {name:40s} other {best[0]:8.1f} → this {best[1]:8.1f} µs/conversation "
              f"({(best[0] - best[1]) * n / turns / 1000:+.4f} ms/agent turn saved, "
              f"{best[1] / best[0]:.2f}x)", flush=True)
    _engine_gc(False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--executors", default="local,ray")
    parser.add_argument("--workers", type=int, default=2, help="Ray actors")
    parser.add_argument("--clients", type=int, metavar="N",
                        help="only compare the HTTP clients: N requests each, --repeat rounds")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds (each: every executor, then the bare client); medians")
    parser.add_argument("--profile", help="cProfile the local executor in-process to FILE")
    parser.add_argument("--parts", type=int, metavar="N",
                        help="time the per-conversation steps alone on N conversations")
    parser.add_argument("--parts-against", metavar="CHECKOUT",
                        help="--parts: also time another checkout's versions, alternately")
    parser.add_argument("--parts-only", metavar="TEXT",
                        help="--parts: only the steps whose name contains TEXT")
    parser.add_argument("--evaluators", help="comma-separated (default: the campaign default; "
                        "'' for none), to see what scoring costs")
    parser.add_argument("--per-process", action="store_true",
                        help="print the CPU seconds of the busiest convsim processes")
    args = parser.parse_args()
    global EVALUATORS, PER_PROCESS
    PER_PROCESS = args.per_process
    if args.evaluators is not None:
        EVALUATORS = [e for e in args.evaluators.split(",") if e]
    if args.serve:
        serve(args.serve, args.latency_ms)
        return
    agent, url = start_agent(args.latency_ms)
    try:
        if args.profile:
            profile_local(url, args.conversations, args.concurrency, args.profile)
            return
        if args.parts:
            parts(url, args.parts, args.concurrency, args.parts_against,
                  rounds=15 if args.parts_against else 5, only=args.parts_only)
            return
        if args.clients:
            clients(url, args.clients, args.concurrency, args.repeat)
            return
        print(f"machine: {os.cpu_count()} cpus; agent latency {args.latency_ms:g} ms; "
              f"concurrency {args.concurrency}; ideal {args.concurrency / args.latency_ms * 1000:,.0f}"
              " turns/s", flush=True)
        ratios: dict[str, list[tuple[float, float, float, float]]] = {}
        for rep in range(args.repeat):
            rows = []
            for executor in args.executors.split(","):
                r = convsim_run(url, args.conversations, args.concurrency, executor,
                                args.workers)
                rows.append((executor, r))
            ceiling = bare_client(url, max(r["turns"] for _, r in rows) if rows else 20000,
                                  args.concurrency)
            print(f"[{rep + 1}/{args.repeat}] bare aiohttp: {ceiling['turns']:,} requests in "
                  f"{ceiling['wall']:.2f}s = {ceiling['rate']:,.0f} req/s, "
                  f"{ceiling['cpu_ms_per_turn']:.3f} ms CPU/request")
            for executor, r in rows:
                ratios.setdefault(executor, []).append((
                    r["steady_rate"] / ceiling["rate"], r["rate"] / ceiling["rate"],
                    r["steady_cpu_ms_per_turn"], r["wall"]))
                print(f"convsim {executor}: {r['conversations']:,} conversations, "
                      f"{r['turns']:,} agent turns; steady {r['steady_rate']:,.0f} turns/s over "
                      f"{r['steady_wall']:.2f}s (ratio {r['steady_rate'] / ceiling['rate']:.2f});"
                      f" whole command {r['rate']:,.0f} turns/s in {r['wall']:.2f}s (ratio "
                      f"{r['rate'] / ceiling['rate']:.2f}); engine CPU {r['cpu_s']:.1f}s = "
                      f"{r['cpu_ms_per_turn']:.3f} ms/agent turn (steady: "
                      f"{r['steady_cpu_ms_per_turn']:.3f}); agent latency p50 "
                      f"{r['latency_p50_ms']:.1f} ms; errors {r['errors']}", flush=True)
        if args.repeat > 1:
            print(f"medians over {args.repeat} rounds:")
            for executor, got in ratios.items():
                steady, whole, cpu, wall = (statistics.median(x) for x in zip(*got, strict=True))
                print(f"  {executor}: steady ratio {steady:.2f}, whole-command ratio {whole:.2f}"
                      f" ({wall:.1f} s), steady CPU {cpu:.3f} ms/agent turn")
    finally:
        agent.terminate()
        agent.wait()


if __name__ == "__main__":
    main()
