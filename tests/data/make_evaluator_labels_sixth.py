"""Draw the items of ``evaluator_labels_sixth.jsonl`` (without labels): a sixth held-out set of
agent turns, none of them in the five earlier sets (``evaluator_labels.jsonl``, ``_holdout``,
``_fresh``, ``_fourth``, ``_fifth``) by file + locator, nor a near-duplicate of one of their
texts (lower-cased, digit runs and whitespace runs collapsed: ``fifth.norm``), nor of another
turn of this draw.

Standard library only, deterministic (``random.Random(20261212)``). Turns are chosen by
structure -- tool calls, tool results and their position in the dialogue -- never by the
agent's wording. The pool functions of the earlier draws are imported
(``make_evaluator_labels_fresh.py``, ``_fourth.py``, ``_fifth.py``, next to this file). The
strata where the earlier figures were weak are oversampled (every unused τ-bench turn before
or after a write, after a calculation or a flight search, and the last agent text of each
trajectory (new stratum `final_text`); few-shot turns after a write's result or a result with
prices, and before a tool call; Taskmaster-4 turns right before the customer's reply that sent
the order or added / changed an item, and right after a write); roughly a third of each source
is drawn at random (unstratified). See tests/data/EVALUATOR_LABELS.md, section
"evaluator_labels_sixth.jsonl".

    python tests/data/make_evaluator_labels_sixth.py OUT.jsonl [--data ../shared/data]
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_evaluator_labels_fifth as fifth  # noqa: E402  (lives next to this file)
import make_evaluator_labels_fourth as fourth  # noqa: E402
import make_evaluator_labels_fresh as fresh  # noqa: E402

KNOWN = (*fifth.KNOWN, HERE / "evaluator_labels_fifth.jsonl")
SEED = 20261212
# (source, stratum, how many); a stratum smaller than its size is taken whole. Strata are drawn
# in this order and a turn is kept once (first stratum wins); `random` comes last per source.
SIZES: list[tuple[str, str, int]] = [
    ("tau_bench", "transfer_call", 99),
    ("tau_bench", "before_transfer_call", 99),
    ("tau_bench", "before_write", 99),
    ("tau_bench", "after_write", 99),
    ("tau_bench", "after_calculate", 99),
    ("tau_bench", "after_search", 99),
    ("tau_bench", "after_lookup", 99),
    ("tau_bench", "final_text", 15),
    ("tau_bench", "random", 45),
    ("tau_bench_few_shot", "near_transfer", 99),
    ("tau_bench_few_shot", "after_write_result", 99),
    ("tau_bench_few_shot", "after_price_result", 99),
    ("tau_bench_few_shot", "before_tool_call", 30),
    ("tau_bench_few_shot", "after_tool_result", 15),
    ("tau_bench_few_shot", "random", 35),
    ("taskmaster4", "before_finish_order", 45),
    ("taskmaster4", "before_item_write", 20),
    ("taskmaster4", "after_write", 20),
    ("taskmaster4", "random", 45),
    ("taskmaster1", "all", 99),
    ("abcd", "all", 99),
]


def final_text(tau: dict[str, list[dict]]) -> list[dict]:
    """New τ-bench stratum `final_text`: the last agent text of each trajectory (closings, and
    what the agent says after its last action)."""
    last: dict[tuple[str, int], tuple[int, dict]] = {}
    for it in tau.get("random", []):
        m = re.fullmatch(r"line (\d+) traj\[(\d+)\]", it["locator"])
        assert m, it["locator"]
        key, i = (it["file"], int(m[1])), int(m[2])
        if key not in last or last[key][0] < i:
            last[key] = (i, it)
    return [{**it, "drawn_as": "final_text"} for _, (_, it) in sorted(last.items())]


def draw(data: Path) -> tuple[list[dict], fresh.Sizes]:
    """The sixth set's items, and the size of each (source, stratum) pool after removing the
    turns (and near-duplicate texts) of the five earlier sets."""
    tau = fresh.tau_pools(data)
    tau["after_lookup"] = fourth.after_lookup(data, tau)
    fifth.tau_extra(data, tau)
    tau["final_text"] = final_text(tau)
    few = fresh.few_shot_pools(data)
    fifth.few_shot_extra(data, few)
    tm4 = fresh.tm4_pools(data)
    fifth.tm4_extra(data, tm4)
    by_source = {"tau_bench": tau, "tau_bench_few_shot": few, "taskmaster4": tm4,
                 "taskmaster1": fresh.tm1_pools(data), "abcd": fresh.abcd_pools(data)}
    items, sizes = fifth.sample(random.Random(SEED), by_source, SIZES, fresh.known(KNOWN))
    return [{**it, "split": "sixth"} for it in items], sizes


def main(argv: list[str] | None = None) -> int:
    return fresh.main(argv, __doc__, draw)


if __name__ == "__main__":
    raise SystemExit(main())
