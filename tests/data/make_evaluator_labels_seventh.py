"""Draw the items of ``evaluator_labels_seventh.jsonl`` (without labels): a seventh held-out set
of agent turns, none of them in the six earlier sets (``evaluator_labels.jsonl``, ``_holdout``,
``_fresh``, ``_fourth``, ``_fifth``, ``_sixth``) by file + locator, nor a near-duplicate of one
of their texts (``fifth.norm``: lower-cased, digit runs and whitespace runs collapsed), nor of
another turn of this draw.

Standard library only, deterministic (``random.Random(20261213)``). Turns are chosen by
structure -- tool calls, tool results and their position in the dialogue -- never by the
agent's wording; the pools are those of the earlier draws (``make_evaluator_labels_sixth.py``
and the scripts it imports, next to this file). What is left of every stratified pool is taken
whole or oversampled: Taskmaster-4 turns right before the customer's reply that sent the order
(how a barista asks to confirm it) or added / changed an item, and right after a write (success
claims); τ-bench few-shot turns before a tool call and after a tool result; τ-bench trajectory
texts after a look-up and the last text of each trajectory. Roughly a third of each source is
drawn at random (unstratified). See tests/data/EVALUATOR_LABELS.md, section
"evaluator_labels_seventh.jsonl".

    python tests/data/make_evaluator_labels_seventh.py OUT.jsonl [--data ../shared/data]
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_evaluator_labels_sixth as sixth  # noqa: E402  (lives next to this file)

fresh, fourth, fifth = sixth.fresh, sixth.fourth, sixth.fifth  # the pool functions it imports
KNOWN = (*sixth.KNOWN, HERE / "evaluator_labels_sixth.jsonl")
SEED = 20261213
# How many turns each (source, stratum) of the sixth draw's list gives here, where it differs
# from the sixth draw; the order (first stratum wins, `random` last per source) is the sixth's.
# A stratum smaller than its size is taken whole.
RESIZED = {("tau_bench", "final_text"): 99, ("tau_bench", "random"): 34,
           ("tau_bench_few_shot", "before_tool_call"): 99,
           ("tau_bench_few_shot", "after_tool_result"): 99, ("tau_bench_few_shot", "random"): 20,
           ("taskmaster4", "before_finish_order"): 75, ("taskmaster4", "after_write"): 35,
           ("taskmaster4", "random"): 65}
SIZES = [(source, stratum, RESIZED.get((source, stratum), k)) for source, stratum, k in sixth.SIZES]


def draw(data: Path) -> tuple[list[dict], fresh.Sizes]:
    """The seventh set's items, and the size of each (source, stratum) pool after removing the
    turns (and near-duplicate texts) of the six earlier sets."""
    items, sizes = fifth.sample(random.Random(SEED), _pools(data), SIZES, fresh.known(KNOWN))
    return [{**it, "split": "seventh"} for it in items], sizes


def _pools(data: Path) -> dict[str, dict[str, list[dict]]]:
    """Every source's strata, as the sixth draw builds them."""
    tau = fresh.tau_pools(data)
    tau["after_lookup"] = fourth.after_lookup(data, tau)
    fifth.tau_extra(data, tau)
    tau["final_text"] = sixth.final_text(tau)
    few = fresh.few_shot_pools(data)
    fifth.few_shot_extra(data, few)
    tm4 = fresh.tm4_pools(data)
    fifth.tm4_extra(data, tm4)
    return {"tau_bench": tau, "tau_bench_few_shot": few, "taskmaster4": tm4,
            "taskmaster1": fresh.tm1_pools(data), "abcd": fresh.abcd_pools(data)}


def main(argv: list[str] | None = None) -> int:
    return fresh.main(argv, __doc__, draw)


if __name__ == "__main__":
    raise SystemExit(main())
