"""Draw the items of ``evaluator_labels_fresh.jsonl`` (without labels): a third held-out set of
agent turns, none of them in ``evaluator_labels.jsonl`` or ``evaluator_labels_holdout.jsonl``.

Standard library only, deterministic (``random.Random(20261209)``). Turns are chosen by
structure -- tool calls and their position in the dialogue -- never by the agent's wording.
See tests/data/EVALUATOR_LABELS.md, section "evaluator_labels_fresh.jsonl".

    python tests/data/make_evaluator_labels_fresh.py OUT.jsonl [--data /work/shared/data]
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
KNOWN = (HERE / "evaluator_labels.jsonl", HERE / "evaluator_labels_holdout.jsonl")
MAX = 600
SEED = 20261209
AIRLINE_WRITE = {"book_reservation", "cancel_reservation", "update_reservation_flights",
                 "update_reservation_baggages", "update_reservation_passengers",
                 "send_certificate"}
COFFEE_WRITE = {"finish_order", "update_order", "update_order_item"}
# (source, stratum, how many); a stratum smaller than its size is taken whole.
SIZES: list[tuple[str, str, int]] = [
    ("tau_bench", "transfer_call", 99),
    ("tau_bench", "before_transfer_call", 99),
    ("tau_bench", "before_write", 55),
    ("tau_bench", "after_write", 45),
    ("tau_bench", "random", 25),
    ("tau_bench_few_shot", "near_transfer", 99),
    ("tau_bench_few_shot", "before_tool_call", 30),
    ("tau_bench_few_shot", "after_tool_result", 30),
    ("tau_bench_few_shot", "random", 15),
    ("taskmaster4", "before_finish_order", 20),
    ("taskmaster4", "after_write", 22),
    ("taskmaster4", "random", 10),
    ("taskmaster1", "all", 99),
    ("abcd", "all", 99),
]


def _id(file: str, locator: str) -> str:
    return hashlib.sha256(f"{file}|{locator}".encode()).hexdigest()[:8]


def item(source: str, file: str, locator: str, text: str, before: str, stratum: str) -> dict:
    return {"id": f"{source}-{_id(file, locator)}", "source": source, "file": file,
            "locator": locator, "text": text, "customer_before": before, "drawn_as": stratum,
            "split": "fresh"}


def _add(pools: dict[str, list[dict]], stratum: str, it: dict) -> None:
    pools.setdefault(stratum, []).append({**it, "drawn_as": stratum})


def tau_turns(data: Path) -> Iterator[tuple[dict, list[str]]]:
    """Each agent text (assistant message with text, none over MAX) of the tau-bench airline
    trajectories as an item drawn as "random", and the strata it also stands in, in this order:
    "before_write", "after_write", then "transfer_call" or "before_transfer_call"."""
    for part in ("01", "02"):
        file = f"tau_bench/trajectories/gpt-4o-airline.part{part}.jsonl"
        for line_no, line in enumerate((data / file).read_text().splitlines(), 1):
            traj = json.loads(line)["traj"]
            last_user = ""
            texts: list[tuple[int, str, str]] = []
            for i, m in enumerate(traj):
                if m["role"] == "user":
                    last_user = m.get("content") or ""
                if m["role"] == "assistant" and m.get("content") and len(m["content"]) <= MAX:
                    texts.append((i, m["content"], last_user))
            calls = [(i, tc["function"]["name"]) for i, m in enumerate(traj)
                     for tc in m.get("tool_calls") or []]
            for i, text, before in texts:
                strata = []
                # the agent text right before the customer reply after which a write happened
                nxt_user = next((j for j in range(i + 1, len(traj)) if traj[j]["role"] == "user"),
                                None)
                if nxt_user is not None:
                    nxt = next((j for j in range(nxt_user + 1, len(traj))
                                if traj[j]["role"] == "assistant" and traj[j].get("content")),
                               len(traj))
                    if any(nxt_user < j < nxt and n in AIRLINE_WRITE for j, n in calls):
                        strata.append("before_write")
                prev = max((j for j, _, _ in texts if j < i), default=-1)
                if any(prev < j < i and n in AIRLINE_WRITE for j, n in calls):
                    strata.append("after_write")
                if any(i - 2 <= j <= i and n == "transfer_to_human_agents" for j, n in calls):
                    strata.append("transfer_call")
                elif any(i < j <= i + 3 and n == "transfer_to_human_agents" for j, n in calls):
                    strata.append("before_transfer_call")
                yield item("tau_bench", file, f"line {line_no} traj[{i}]", text, before, "random"), strata


def tau_pools(data: Path) -> dict[str, list[dict]]:
    """tau-bench airline trajectories (assistant messages with text)."""
    pools: dict[str, list[dict]] = {}
    for it, strata in tau_turns(data):
        _add(pools, "random", it)
        for stratum in strata:
            _add(pools, stratum, it)
    return pools


def few_shot_turns(data: Path) -> Iterator[tuple[dict, list[str], int]]:
    """The agent turns (``assistant:`` lines of ``messages_display``, none over MAX) of the
    tau-bench few-shot dialogues, each as an item drawn as "random", with its dialogue's
    messages and its index among them."""
    for name in ("MockRetailDomainEnv", "MockAirlineDomainEnv"):
        file = f"tau_bench/few_shot/{name}-few_shot.jsonl"
        for line_no, line in enumerate((data / file).read_text().splitlines(), 1):
            msgs = re.split(r"\n(?=(?:user|assistant|tool): )",
                            json.loads(line)["messages_display"])
            last_user = ""
            for i, m in enumerate(msgs):
                role, _, text = m.partition(": ")
                if role == "user":
                    last_user = text
                if role != "assistant" or text == "None" or len(text) > MAX:
                    continue
                yield item("tau_bench_few_shot", file, f"line {line_no} message {i}", text,
                           last_user, "random"), msgs, i


def few_shot_pools(data: Path) -> dict[str, list[dict]]:
    """tau-bench few-shot dialogues (``assistant:`` lines of ``messages_display``)."""
    pools: dict[str, list[dict]] = {}
    for it, msgs, i in few_shot_turns(data):
        _add(pools, "random", it)
        if i + 2 < len(msgs) and msgs[i + 1].startswith("user: ") \
                and msgs[i + 2] == "assistant: None":
            _add(pools, "before_tool_call", it)
        if i >= 1 and msgs[i - 1].startswith("tool: "):
            _add(pools, "after_tool_result", it)
        if any(m2.startswith("tool: Transfer successful")
               for m2 in msgs[max(0, i - 3):i + 4]):
            _add(pools, "near_transfer", it)
    return pools


def _api_calls(utterance: dict) -> set[str]:
    return {a["value"] for a in utterance.get("annotations", []) if a["name"] == "api_call"}


def tm4_turns(data: Path) -> Iterator[tuple[dict, list[dict], int]]:
    """The agent turns (``assistant`` utterances, none over MAX) of the Taskmaster-4 coffee
    dialogues, each as an item drawn as "random", with its dialogue's utterances and its index
    among them."""
    for path in sorted(glob.glob(str(data / "taskmaster/tm4_coffee/dialogs.part*.jsonl"))):
        rel = str(Path(path).relative_to(data))
        for line in Path(path).read_text().splitlines():
            d = json.loads(line)
            utts = d["utterances"]
            last_user = ""
            for k, u in enumerate(utts):
                if u["speaker"] == "user":
                    last_user = u["text"]
                    continue
                if len(u["text"]) > MAX:
                    continue
                yield item("taskmaster4", rel, f"{d['conversation_id']} utterance {u['index']}",
                           u["text"], last_user, "random"), utts, k


def tm4_pools(data: Path) -> dict[str, list[dict]]:
    """Taskmaster-4 coffee dialogues (``assistant`` utterances)."""
    pools: dict[str, list[dict]] = {}
    for it, utts, k in tm4_turns(data):
        _add(pools, "random", it)
        if k + 1 < len(utts) and utts[k + 1]["speaker"] == "user" \
                and "finish_order" in _api_calls(utts[k + 1]):
            _add(pools, "before_finish_order", it)
        if k >= 1 and utts[k - 1]["speaker"] == "user" \
                and _api_calls(utts[k - 1]) & COFFEE_WRITE:
            _add(pools, "after_write", it)
    return pools


def tm1_pools(data: Path) -> dict[str, list[dict]]:
    """Taskmaster-1 sample (one dialogue, ``ASSISTANT`` utterances): all of them."""
    file = "taskmaster/tm1_sample/sample.json"
    raw = json.loads((data / file).read_text())
    dialogs = raw if isinstance(raw, list) else [raw]
    pools: dict[str, list[dict]] = {}
    for d in dialogs:
        last_user = ""
        for u in d["utterances"]:
            if u["speaker"].upper() == "USER":
                last_user = u["text"]
                continue
            if len(u["text"]) <= MAX:
                _add(pools, "all", item("taskmaster1", file,
                                        f"{d['conversation_id']} utterance {u['index']}",
                                        u["text"], last_user, "all"))
    return pools


def abcd_pools(data: Path) -> dict[str, list[dict]]:
    """ABCD sample (``agent`` turns of ``original``); all of them were drawn before, so this
    stratum is empty after de-duplication unless the sample changes."""
    file = "abcd/abcd_sample.jsonl"
    pools: dict[str, list[dict]] = {}
    for line in (data / file).read_text().splitlines():
        d = json.loads(line)
        last_user = ""
        for i, (role, text) in enumerate(d["original"]):
            if role == "customer":
                last_user = text
            if role == "agent" and len(text) <= MAX:
                _add(pools, "all", item("abcd", file, f"convo {d['convo_id']} original[{i}]",
                                        text, last_user, "all"))
    return pools


def known(paths: tuple[Path, ...] = KNOWN) -> tuple[set[str], set[tuple[str, str]]]:
    """The texts (case-folded) and the (file, locator) places of the turns of `paths`."""
    texts: set[str] = set()
    places: set[tuple[str, str]] = set()
    for path in paths:
        for line in path.read_text().splitlines():
            if line.strip():
                d = json.loads(line)
                texts.add(d["text"].strip().lower())
                places.add((d["file"], d["locator"]))
    return texts, places


def draw(data: Path) -> tuple[list[dict], dict[tuple[str, str], int]]:
    """The fresh items, and the size of each (source, stratum) pool after removing known
    turns."""
    by_source = {"tau_bench": tau_pools(data), "tau_bench_few_shot": few_shot_pools(data),
                 "taskmaster4": tm4_pools(data), "taskmaster1": tm1_pools(data),
                 "abcd": abcd_pools(data)}
    return sample(random.Random(SEED), by_source, SIZES, known())


Sizes = dict[tuple[str, str], int]


def sample(rng: random.Random, by_source: dict[str, dict[str, list[dict]]],
           sizes_wanted: list[tuple[str, str, int]], known_turns: tuple[set[str], set[tuple[str, str]]],
           **extra: str) -> tuple[list[dict], Sizes]:
    """Draw each (source, stratum, how many) of `sizes_wanted` in turn, leaving out the known
    turns and any text drawn already; `extra` fields are added to each item. Returns the items
    and each pool's size after the known turns were removed."""
    seen, places = known_turns
    kept: list[dict] = []
    sizes: dict[tuple[str, str], int] = {}
    for source, stratum, k in sizes_wanted:
        pool = [it for it in by_source[source].get(stratum, [])
                if it["text"].strip().lower() not in seen
                and (it["file"], it["locator"]) not in places]
        sizes[(source, stratum)] = len(pool)
        for it in rng.sample(pool, min(k, len(pool))):
            key = it["text"].strip().lower()
            if key not in seen:
                seen.add(key)
                kept.append({**it, **extra})
    return kept, sizes


def main(argv: list[str] | None = None, doc: str | None = __doc__,
         draw: Callable[[Path], tuple[list[dict], Sizes]] = draw) -> int:
    """`OUT.jsonl [--data DIR]`: write what `draw` gives, and each pool's size and draw."""
    ap = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--data", type=Path,
                    default=Path(__file__).resolve().parents[2].parent / "shared" / "data")
    args = ap.parse_args(argv)
    items, sizes = draw(args.data)
    args.out.write_text("".join(json.dumps(it) + "\n" for it in items))
    for (source, stratum), n in sizes.items():
        took = sum(1 for it in items if it["source"] == source and it["drawn_as"] == stratum)
        print(f"{source:20} {stratum:22} pool {n:5}  drawn {took}")
    print(f"{len(items)} items -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
