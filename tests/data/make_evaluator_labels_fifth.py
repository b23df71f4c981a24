"""Draw the items of ``evaluator_labels_fifth.jsonl`` (without labels): a fifth held-out set of
agent turns, none of them in the four earlier sets (``evaluator_labels.jsonl``, ``_holdout``,
``_fresh``, ``_fourth``) by file + locator, nor a near-duplicate of one of their texts (compared
lower-cased, with every run of digits and of whitespace collapsed: ``norm``).

Standard library only, deterministic (``random.Random(20261211)``). Turns are chosen by
structure -- tool calls, tool results and their position in the dialogue -- never by the agent's
wording. The pools of the earlier draws are imported (``make_evaluator_labels_fresh.py`` and
``make_evaluator_labels_fourth.py``, next to this file); new strata oversample where the earlier
figures were weak: τ-bench texts right after a ``calculate`` call (price differences, refunds)
or a flight search (options with prices, either/or choices); few-shot texts right after a write's
result (an order now cancelled / return or exchange requested / modified), after a calculation
or a result with prices; Taskmaster-4 texts right before the customer's reply that added or
changed an item (option questions: either/or offers). About a third of each source is drawn at
random (unstratified). See tests/data/EVALUATOR_LABELS.md, section
"evaluator_labels_fifth.jsonl".

    python tests/data/make_evaluator_labels_fifth.py OUT.jsonl [--data /work/shared/data]
"""

from __future__ import annotations

import glob
import json
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_evaluator_labels_fourth as fourth  # noqa: E402  (lives next to this file)
import make_evaluator_labels_fresh as fresh  # noqa: E402

KNOWN = (*fourth.KNOWN, HERE / "evaluator_labels_fourth.jsonl")
SEED = 20261211
SEARCH = {"search_direct_flight", "search_onestop_flight"}
ITEM_WRITE = {"add_order_item", "update_order_item", "update_order"}
WRITE_STATUS = {"cancelled", "return requested", "exchange requested", "pending (item modified)"}
# (source, stratum, how many); a stratum smaller than its size is taken whole. Strata are drawn
# in this order and a turn is kept once (first stratum wins); `random` comes last per source.
SIZES: list[tuple[str, str, int]] = [
    ("tau_bench", "transfer_call", 99),
    ("tau_bench", "before_transfer_call", 99),
    ("tau_bench", "before_write", 99),
    ("tau_bench", "after_write", 99),
    ("tau_bench", "after_calculate", 30),
    ("tau_bench", "after_search", 30),
    ("tau_bench", "after_lookup", 25),
    ("tau_bench", "random", 45),
    ("tau_bench_few_shot", "near_transfer", 99),
    ("tau_bench_few_shot", "after_write_result", 25),
    ("tau_bench_few_shot", "before_tool_call", 25),
    ("tau_bench_few_shot", "after_price_result", 15),
    ("tau_bench_few_shot", "random", 40),
    ("taskmaster4", "before_finish_order", 35),
    ("taskmaster4", "before_item_write", 20),
    ("taskmaster4", "after_write", 15),
    ("taskmaster4", "random", 40),
    ("taskmaster1", "all", 99),
    ("abcd", "all", 99),
]


def norm(text: str) -> str:
    """The text compared for near-duplicates: lower-cased, digit runs and whitespace runs
    collapsed (``"Flight HAT123  costs $250"`` and ``"flight hat9 costs $1"`` are the same)."""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "0", text.lower())).strip()


def _calls_since_last_text(traj: list[dict], i: int) -> set[str]:
    names: set[str] = set()
    for j in range(i - 1, -1, -1):
        if traj[j]["role"] == "assistant" and traj[j].get("content"):
            break
        names |= {tc["function"]["name"] for tc in traj[j].get("tool_calls") or []}
    return names


def tau_extra(data: Path, tau: dict[str, list[dict]]) -> None:
    """Adds `after_calculate` (a `calculate` call since the agent's last text, no write) and
    `after_search` (a flight search since then, no write, no calculation) to `tau`."""
    for it, traj, i in fourth.random_turns_in_trajectories(data, tau):
        names = _calls_since_last_text(traj, i)
        if names & fresh.AIRLINE_WRITE:
            continue
        if "calculate" in names:
            tau.setdefault("after_calculate", []).append({**it, "drawn_as": "after_calculate"})
        elif names & SEARCH:
            tau.setdefault("after_search", []).append({**it, "drawn_as": "after_search"})


def _result_kind(tool_text: str) -> str | None:
    """`write` for an order whose status a write sets, `price` for a calculation, a list, or a
    record with prices and no status; None otherwise."""
    try:
        value = json.loads(tool_text)
    except ValueError:
        return None
    if isinstance(value, dict) and value.get("status") in WRITE_STATUS:
        return "write"
    if isinstance(value, (float, int, list)) or (
            isinstance(value, dict) and "status" not in value and '"price"' in tool_text):
        return "price"
    return None


def few_shot_extra(data: Path, pools: dict[str, list[dict]]) -> None:
    """Adds `after_write_result` and `after_price_result` (the agent text right after such a
    tool result) to the few-shot `pools`."""
    by_place = {(it["file"], it["locator"]): it for it in pools.get("random", [])}
    for name in ("MockRetailDomainEnv", "MockAirlineDomainEnv"):
        file = f"tau_bench/few_shot/{name}-few_shot.jsonl"
        for line_no, line in enumerate((data / file).read_text().splitlines(), 1):
            msgs = re.split(r"\n(?=(?:user|assistant|tool): )",
                            json.loads(line)["messages_display"])
            for i in range(1, len(msgs)):
                it = by_place.get((file, f"line {line_no} message {i}"))
                if it is None or not msgs[i - 1].startswith("tool: "):
                    continue
                kind = _result_kind(msgs[i - 1][len("tool: "):])
                if kind:
                    stratum = f"after_{kind}_result"
                    pools.setdefault(stratum, []).append({**it, "drawn_as": stratum})


def tm4_extra(data: Path, pools: dict[str, list[dict]]) -> None:
    """Adds `before_item_write` to the Taskmaster-4 `pools`: the assistant utterance right
    before a customer turn that added or changed an item or the order (not `finish_order`)."""
    by_place = {(it["file"], it["locator"]): it for it in pools.get("random", [])}
    for path in sorted(glob.glob(str(data / "taskmaster/tm4_coffee/dialogs.part*.jsonl"))):
        rel = str(Path(path).relative_to(data))
        for line in Path(path).read_text().splitlines():
            d = json.loads(line)
            utts = d["utterances"]
            for k, u in enumerate(utts[:-1]):
                it = by_place.get((rel, f"{d['conversation_id']} utterance {u['index']}"))
                nxt = utts[k + 1]
                if it is None or nxt["speaker"] != "user":
                    continue
                calls = fresh._api_calls(nxt)
                if calls & ITEM_WRITE and "finish_order" not in calls:
                    pools.setdefault("before_item_write", []).append(
                        {**it, "drawn_as": "before_item_write"})


def sample(rng: random.Random, by_source: dict[str, dict[str, list[dict]]],
           sizes_wanted: list[tuple[str, str, int]],
           known_turns: tuple[set[str], set[tuple[str, str]]]) -> tuple[list[dict], fresh.Sizes]:
    """Like `fresh.sample`, with near-duplicates (`norm`) left out, against the known turns and
    within the draw."""
    texts, places = known_turns
    seen = {norm(t) for t in texts}
    kept: list[dict] = []
    sizes: dict[tuple[str, str], int] = {}
    for source, stratum, k in sizes_wanted:
        pool = [it for it in by_source[source].get(stratum, [])
                if norm(it["text"]) not in seen and (it["file"], it["locator"]) not in places]
        sizes[(source, stratum)] = len(pool)
        for it in rng.sample(pool, min(k, len(pool))):
            if norm(it["text"]) not in seen:
                seen.add(norm(it["text"]))
                kept.append({**it, "split": "fifth"})
    return kept, sizes


def draw(data: Path) -> tuple[list[dict], fresh.Sizes]:
    """The fifth set's items, and the size of each (source, stratum) pool after removing the
    turns (and near-duplicate texts) of the four earlier sets."""
    tau = fresh.tau_pools(data)
    tau["after_lookup"] = fourth.after_lookup(data, tau)
    tau_extra(data, tau)
    few = fresh.few_shot_pools(data)
    few_shot_extra(data, few)
    tm4 = fresh.tm4_pools(data)
    tm4_extra(data, tm4)
    by_source = {"tau_bench": tau, "tau_bench_few_shot": few, "taskmaster4": tm4,
                 "taskmaster1": fresh.tm1_pools(data), "abcd": fresh.abcd_pools(data)}
    return sample(random.Random(SEED), by_source, SIZES, fresh.known(KNOWN))


def main(argv: list[str] | None = None) -> int:
    return fresh.main(argv, __doc__, draw)


if __name__ == "__main__":
    raise SystemExit(main())
