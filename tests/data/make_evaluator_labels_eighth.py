"""Draw the items of ``evaluator_labels_eighth.jsonl`` (without labels): an eighth held-out set
of agent turns, none of them in the seven earlier sets (``evaluator_labels.jsonl``, ``_holdout``,
``_fresh``, ``_fourth``, ``_fifth``, ``_sixth``, ``_seventh``) by file + locator, nor a
near-duplicate of one of their texts (``fifth.norm``: lower-cased, digit runs and whitespace runs
collapsed), nor of another turn of this draw.

Standard library only, deterministic (``random.Random(20261214)``). Turns are chosen by
structure -- tool calls, tool results and their position in the dialogue -- never by the
agent's wording; the pools are those of the earlier draws (``make_evaluator_labels_seventh.py``
and the scripts it imports, next to this file). Taskmaster-4 oversamples the turns right before
the customer's reply that sent the order (how a barista asks to confirm it), right after a write
(success claims, and turns that are not claims) and before an item change (taken whole); about a
third of it is random. τ-bench trajectories and the few-shot dialogues have no stratified turn
left: τ-bench gives a random sample, the few-shot dialogues every turn left. See
tests/data/EVALUATOR_LABELS.md, section "evaluator_labels_eighth.jsonl".

    python tests/data/make_evaluator_labels_eighth.py OUT.jsonl [--data ../shared/data]
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_evaluator_labels_seventh as seventh  # noqa: E402  (lives next to this file)

fresh, fifth = seventh.fresh, seventh.fifth  # the pool functions it imports
KNOWN = (*seventh.KNOWN, HERE / "evaluator_labels_seventh.jsonl")
SEED = 20261214
# How many turns each (source, stratum) of the sixth draw's list gives here, where it differs
# from the seventh draw; the order (first stratum wins, `random` last per source) is the sixth's.
# A stratum smaller than its size is taken whole.
RESIZED = {("tau_bench", "random"): 50, ("tau_bench_few_shot", "random"): 99,
           ("taskmaster4", "before_finish_order"): 80, ("taskmaster4", "before_item_write"): 99,
           ("taskmaster4", "after_write"): 50, ("taskmaster4", "random"): 80}
SIZES = [(source, stratum, RESIZED.get((source, stratum), k)) for source, stratum, k in seventh.SIZES]


def draw(data: Path) -> tuple[list[dict], fresh.Sizes]:
    """The eighth set's items, and the size of each (source, stratum) pool after removing the
    turns (and near-duplicate texts) of the seven earlier sets."""
    items, sizes = fifth.sample(random.Random(SEED), seventh._pools(data), SIZES, fresh.known(KNOWN))
    return [{**it, "split": "eighth"} for it in items], sizes


def main(argv: list[str] | None = None) -> int:
    return fresh.main(argv, __doc__, draw)


if __name__ == "__main__":
    raise SystemExit(main())
