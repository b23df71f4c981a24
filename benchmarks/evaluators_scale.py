"""Rule evaluators at scale: N synthetic retail conversations scored in bounded memory.

Conversations are generated one at a time (a cancellation, a return, an address change or an
out-of-scope request; with or without authentication, consent, a failed call, a false claim,
a handoff), scored by every rule evaluator (process, disclosures, goal, rules, escalation,
truthfulness) against a retail scenario with the pack's rules, and the scores are written
to Parquet part files every 5,000 conversations, as a campaign does. Nothing is kept in
memory but the current part. Prints a markdown row: conversations, scores, seconds,
conversations/s, peak RSS.

    .venv/bin/python benchmarks/evaluators_scale.py [--conversations 100000]
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from convsim.core.records import (
    Conversation,
    Expectations,
    ProcessStep,
    Scenario,
    ToolCall,
    Turn,
)
from convsim.core.registry import evaluators
from convsim.core.results import ResultWriter
from convsim.domains.retail.scenarios import REFUND_TIMING, RULES, load_retail_db

EVALUATORS = ("process", "disclosures", "goal", "rules", "escalation", "truthfulness")
AUTH = ProcessStep(name="authenticate", tools=["find_user_id_by_email"], before=["cancel"])


def _scenarios() -> list[tuple[Scenario, str, str]]:
    db = load_retail_db()
    out = []
    for oid in sorted(o for o, r in db["orders"].items() if r["status"] == "pending")[:20]:
        uid = db["orders"][oid]["user_id"]
        state = {"users": {uid: db["users"][uid]},
                 "orders": {o: db["orders"][o] for o in db["users"][uid]["orders"]
                            if o in db["orders"]}}
        for intent in ("cancel_order", "out_of_scope"):
            exp = Expectations(
                final_state={f"orders.{oid}.status": "cancelled"} if intent == "cancel_order"
                else {"transferred": True},
                process=[AUTH, ProcessStep(name="cancel", tools=["cancel_pending_order"])]
                if intent == "cancel_order" else
                [ProcessStep(name="transfer", tools=["transfer_to_human_agents"])],
                disclosures=[REFUND_TIMING] if intent == "cancel_order" else [],
                escalation_expected=intent == "out_of_scope", rules=RULES)
            out.append((Scenario(id=f"s-{intent}-{oid}", domain="retail", intent=intent,
                                 goal=f"{intent} {oid}", initial_state=state,
                                 expectations=exp), oid, uid))
    return out


def conversations(n: int, seed: int = 7) -> Iterator[tuple[Conversation, Scenario]]:
    """N synthetic conversations, generated lazily."""
    rng = np.random.default_rng(seed)
    scenarios = _scenarios()
    for i in range(n):
        scen, oid, uid = scenarios[int(rng.integers(len(scenarios)))]
        auth, consent, fail, claim = (rng.random() < p for p in (0.9, 0.85, 0.2, 0.5))
        turns = [Turn(index=0, role="customer", text=f"Cancel {oid}, email a@b.com")]
        calls: list[ToolCall] = []
        state = copy.deepcopy(scen.initial_state)

        def agent(text: str, *made: tuple[str, str, object], turns: list[Turn] = turns,
                  calls: list[ToolCall] = calls, oid: str = oid) -> None:
            for tool, status, result in made:
                calls.append(ToolCall(seq=len(calls), turn_index=len(turns), tool=tool,
                                      status=status, result=json.dumps(result),
                                      injected_fault="error" if status == "error" else None,
                                      arguments={"order_id": oid, "email": "a@b.com"}))
            turns.append(Turn(index=len(turns), role="agent", text=text))

        if scen.intent == "out_of_scope":
            if rng.random() < 0.8:
                agent("YOU ARE BEING TRANSFERRED TO A HUMAN AGENT.",
                      ("transfer_to_human_agents", "ok", "Transfer successful"))
                state["transferred"] = True
            else:
                agent("I'm afraid I can't help with that. Anything else?")
        else:
            agent("Could you give me your order id?",
                  *([("find_user_id_by_email", "ok", uid)] if auth else []))
            turns.append(Turn(index=len(turns), role="customer", text=oid))
            agent(f"To confirm: I will cancel order {oid}. Refund in 5 to 7 business days. "
                  "Shall I proceed (yes/no)?" if consent else "One moment.",
                  ("get_order_details", "ok", {"status": "pending"}))
            turns.append(Turn(index=len(turns), role="customer", text="yeah go ahead"))
            status = "error" if fail else "ok"
            if not fail:
                state["orders"][oid]["status"] = "cancelled"
            agent(f"Your order {oid} has been cancelled." if claim or not fail
                  else "Sorry, the cancellation failed.",
                  ("cancel_pending_order", status, {"status": "cancelled"}))
        yield Conversation(id=f"c{i}", turns=turns, tool_calls=calls, final_state=state,
                           outcome="completed", intent=scen.intent), scen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--part", type=int, default=5_000)
    args = parser.parse_args()
    instances = [evaluators.create(n) for n in EVALUATORS]
    n_scores = 0
    rows: list[dict[str, object]] = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        writer = ResultWriter(Path(tmp), "bench")
        for k, (conv, scen) in enumerate(conversations(args.conversations), 1):
            for ev in instances:
                for s in ev.evaluate(conv, scen):
                    rows.append({"conversation_id": conv.id, "run_id": "bench",
                                 "domain": "retail", "intent": scen.intent,
                                 "scenario_id": scen.id, "evaluator": s.evaluator,
                                 "metric": s.metric, "value": s.value, "passed": s.passed,
                                 "status": s.status, "rationale": s.rationale,
                                 "evidence": s.evidence})
            if k % args.part == 0:
                n_scores += len(rows)
                writer.write_part({"scores": rows})
                rows = []
        if rows:
            n_scores += len(rows)
            writer.write_part({"scores": rows})
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("| conversations | scores | seconds | conversations/s | peak RSS |")
    print("|---|---|---|---|---|")
    print(f"| {args.conversations:,} | {n_scores:,} | {seconds:.1f} | "
          f"{args.conversations / seconds:,.0f} | {rss:.0f} MiB |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
