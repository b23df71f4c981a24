"""Scoring side by side: two checkouts' evaluators timed alternately, each in its own process.

Each checkout is put on PYTHONPATH of its own long-lived process (so every module is that
checkout's: rules, actions, truthfulness, goal...), both get the same conversations, and each
step is timed in turn on one side then the other (best of --rounds). Data: `wire` -- N
conversations played against wire_speed.py's stand-in agent (played once, here, and shipped
to both), `scale` -- evaluators_scale.py's synthetic conversations, `labels` -- every labelled
agent turn of tests/data/evaluator_labels*.jsonl, read with the scoring caches emptied first
(no text seen before: what an agent that never repeats itself costs). Scores of `wire` and
`scale` are hashed on both sides first (all fields of every score, in order).

    .venv/bin/python benchmarks/scoring_against.py BASE_CHECKOUT NEW_CHECKOUT [--rounds 15]
        [--wire 1000] [--scale 3000] [--steps wire:truthfulness,scale:all,labels:claims]

A step is DATA:EVALUATOR (or DATA:all), or labels:claims / labels:consent.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

CHILD = r'''
import hashlib, json, pickle, sys, time, gc
from pathlib import Path
import convsim
root = Path(convsim.__file__).parents[1]
sys.path.insert(0, str(root / "benchmarks"))
from convsim.core.registry import evaluators
wire, nscale = sys.argv[1], int(sys.argv[2])
d = pickle.load(open(wire, "rb"))
names = d["evaluators"]
sets = {"wire": d["data"]}
if nscale:
    import evaluators_scale as es
    sets["scale"] = list(es.conversations(nscale))
inst = {n: evaluators.create(n) for n in names}
import glob as _g
import evaluator_wording as ew
from convsim.core.records import Conversation, Turn
from convsim.evaluators import actions as A, truthfulness as T
LAB = []
for f in sorted(_g.glob(str(root / "tests/data/evaluator_labels*.jsonl"))):
    for line in open(f):
        if line.strip() and "text" in (r := json.loads(line)):
            LAB.append((r["text"], ew._words(ew._tools(r))))
LABCONV = [(Conversation(id="c", turns=[Turn(index=0, role="customer", text="hi"),
                                        Turn(index=1, role="agent", text=t)]), w)
           for t, w in LAB]
sets["labels"] = LAB
def clear():
    for mod, name in ((A, "_cached_questions"), (A, "_cached_consent"), (T, "_cached_turn_claims")):
        if hasattr(mod, name): getattr(mod, name).cache_clear()
def lab(kind):
    if kind == "claims":
        return lambda: [T.action_claims(c, w) for c, w in LABCONV]
    return lambda: [(A.asks_yes(t), A.asks_consent(t, w.values()), A.goes_ahead(t)) for t, w in LAB]
def step(name):
    data, _, ev = name.partition(":")
    evs = list(inst.values()) if ev == "all" else [inst[ev]]
    return lambda: [e.evaluate(c, s) for c, s in sets[data] for e in evs]
gc.freeze()
print(json.dumps({"root": str(root), "n": {k: len(v) for k, v in sets.items()},
                  "turns": {k: (len(v) if k == "labels" else
                                sum(t.role == "agent" for c, _ in v for t in c.turns))
                            for k, v in sets.items()}}), flush=True)
for line in sys.stdin:
    cmd = line.strip()
    if cmd.startswith("hash "):
        fn = step(cmd[5:]); h = hashlib.sha256()
        for out in fn():
            for sc in out: h.update(sc.model_dump_json().encode())
        print(json.dumps(h.hexdigest()), flush=True); continue
    if cmd.startswith("labels:"):
        fn = lab(cmd[7:]); clear(); fn(); clear()
        t0 = time.perf_counter(); fn(); print(json.dumps(time.perf_counter() - t0), flush=True); continue
    fn = step(cmd); fn()
    t0 = time.perf_counter(); fn(); print(json.dumps(time.perf_counter() - t0), flush=True)
'''

def play_wire(n: int, out: Path) -> None:
    """N wire_speed conversations played against its stand-in agent, pickled to `out`."""
    import yaml

    sys.path.insert(0, str(Path(__file__).parent))
    import wire_speed as ws

    from convsim.core.config import CampaignConfig
    from convsim.engine.plan import RunPlan
    from convsim.engine.worker import ConversationWorker

    agent, url = ws.start_agent(50.0)
    try:
        config = CampaignConfig.model_validate(yaml.safe_load(ws.campaign_yaml(url, n, 256,
                                                                               "local", 1)))
        specs = list(RunPlan.of(config).specs)
        worker = ConversationWorker(config.agents, config.evaluators, config.execution,
                                    config.llm)
        results = worker.play(specs)
        by_id = {s.id: s for s in specs}
        data = [(r.conversation, by_id[r.conversation.id].scenario) for r in results]
        out.write_bytes(pickle.dumps({"evaluators": list(worker._evaluator_names),
                                      "data": data}))
    finally:
        agent.terminate()
        agent.wait()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("base")
    p.add_argument("new")
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--wire", type=int, default=1000, help="wire conversations")
    p.add_argument("--scale", type=int, default=3000, help="evaluators_scale conversations")
    p.add_argument("--steps", default="")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wire = Path(tmp) / "wire.pkl"
        play_wire(a.wire, wire)
        compare(a, str(wire))


def compare(a: argparse.Namespace, wire: str) -> None:
    procs = {}
    for side, path in (("base", a.base), ("new", a.new)):
        env = dict(os.environ, PYTHONPATH=str(Path(path).resolve()))
        procs[side] = subprocess.Popen([sys.executable, "-c", CHILD, wire, str(a.scale)],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                       env=env)
    info = {s: json.loads(p.stdout.readline()) for s, p in procs.items() if p.stdout}
    print({s: i["root"] for s, i in info.items()}, info["base"]["n"], info["base"]["turns"])

    def ask(side: str, cmd: str) -> Any:
        proc = procs[side]
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(cmd + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    names = ["process", "disclosures", "goal", "rules", "escalation", "truthfulness", "all"]
    sets = ["wire"] + (["scale"] if a.scale else [])
    steps = a.steps.split(",") if a.steps else [f"{d}:{n}" for d in sets for n in names]
    try:
        for d in sets:
            hb, hn = ask("base", f"hash {d}:all"), ask("new", f"hash {d}:all")
            print(f"scores {d}: {'EQUAL' if hb == hn else 'DIFFERENT'} {hb[:16]} {hn[:16]}")
        print(f"load {os.getloadavg()[0]:.1f}")
        for st in steps:
            d = st.split(":")[0]
            best = {"base": 1e9, "new": 1e9}
            for r in range(a.rounds):  # alternately, each side first in turn
                for side in (("base", "new") if r % 2 == 0 else ("new", "base")):
                    best[side] = min(best[side], ask(side, st))
            n, turns = info["base"]["n"][d], info["base"]["turns"][d]
            b, nw = best["base"] / n * 1e6, best["new"] / n * 1e6
            print(f"  {st:22s} base {b:8.1f} → new {nw:8.1f} µs/conversation "
                  f"({(b - nw) * n / turns / 1000:+.4f} ms/agent turn saved, {nw / b:.2f}x)",
                  flush=True)
        print(f"load {os.getloadavg()[0]:.1f}")
    finally:
        for p in procs.values():
            if p.stdin is not None:
                p.stdin.close()
            p.wait()


if __name__ == "__main__":
    main()
