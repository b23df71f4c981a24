"""Draw the items of ``evaluator_labels_fourth.jsonl`` (without labels): a fourth held-out set of
agent turns, none of them in ``evaluator_labels.jsonl``, ``evaluator_labels_holdout.jsonl`` or
``evaluator_labels_fresh.jsonl`` (by file + locator, and by text compared case-insensitively).

Standard library only, deterministic (``random.Random(20261210)``). Turns are chosen by
structure -- tool calls and their position in the dialogue -- never by the agent's wording.
The pools of the third draw are reused (imported from ``make_evaluator_labels_fresh.py``, next
to this file); one stratum is new: ``after_lookup``, τ-bench agent texts right after a read
tool (price look-ups and searches, where amounts are quoted). The strata where the earlier
figures were weak (consent before a write, amounts after a look-up, claims after a write) are
oversampled. See tests/data/EVALUATOR_LABELS.md, section "evaluator_labels_fourth.jsonl".

    python tests/data/make_evaluator_labels_fourth.py OUT.jsonl [--data /work/shared/data]
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_evaluator_labels_fresh as fresh  # noqa: E402  (lives next to this file)

KNOWN = (*fresh.KNOWN, HERE / "evaluator_labels_fresh.jsonl")
SEED = 20261210
AIRLINE_READ = {"get_reservation_details", "search_direct_flight", "search_onestop_flight",
                "get_user_details", "calculate"}
# (source, stratum, how many); a stratum smaller than its size is taken whole.
SIZES: list[tuple[str, str, int]] = [
    ("tau_bench", "transfer_call", 99),
    ("tau_bench", "before_transfer_call", 99),
    ("tau_bench", "before_write", 99),
    ("tau_bench", "after_write", 99),
    ("tau_bench", "after_lookup", 55),
    ("tau_bench", "random", 20),
    ("tau_bench_few_shot", "near_transfer", 99),
    ("tau_bench_few_shot", "before_tool_call", 40),
    ("tau_bench_few_shot", "after_tool_result", 40),
    ("tau_bench_few_shot", "random", 10),
    ("taskmaster4", "before_finish_order", 60),
    ("taskmaster4", "after_write", 35),
    ("taskmaster4", "random", 15),
    ("taskmaster1", "all", 99),
    ("abcd", "all", 99),
]


def random_turns_in_trajectories(data: Path, tau: dict[str, list[dict]]
                                 ) -> Iterator[tuple[dict, list[dict], int]]:
    """Each τ-bench item drawn as "random", with its trajectory and its index there (each
    trajectory read once)."""
    trajs: dict[tuple[str, int], list[dict]] = {}
    for it in tau.get("random", []):
        m = re.fullmatch(r"line (\d+) traj\[(\d+)\]", it["locator"])
        assert m, it["locator"]
        line_no, i = int(m[1]), int(m[2])
        key = (it["file"], line_no)
        if key not in trajs:
            lines = (data / it["file"]).read_text().splitlines()
            trajs[key] = json.loads(lines[line_no - 1])["traj"]
        yield it, trajs[key], i


def after_lookup(data: Path, tau: dict[str, list[dict]]) -> list[dict]:
    """τ-bench agent texts whose previous tool calls (since the agent's last text) include a
    read tool and no write tool."""
    out = []
    for it, traj, i in random_turns_in_trajectories(data, tau):
        names: set[str] = set()
        for j in range(i - 1, -1, -1):
            if traj[j]["role"] == "assistant" and traj[j].get("content"):
                break
            names |= {tc["function"]["name"] for tc in traj[j].get("tool_calls") or []}
        if names & AIRLINE_READ and not names & fresh.AIRLINE_WRITE:
            out.append({**it, "drawn_as": "after_lookup"})
    return out


def draw(data: Path) -> tuple[list[dict], dict[tuple[str, str], int]]:
    """The fourth set's items, and the size of each (source, stratum) pool after removing the
    turns of the three earlier sets."""
    tau = fresh.tau_pools(data)
    tau["after_lookup"] = after_lookup(data, tau)
    by_source = {"tau_bench": tau, "tau_bench_few_shot": fresh.few_shot_pools(data),
                 "taskmaster4": fresh.tm4_pools(data), "taskmaster1": fresh.tm1_pools(data),
                 "abcd": fresh.abcd_pools(data)}
    return fresh.sample(random.Random(SEED), by_source, SIZES, fresh.known(KNOWN), split="fourth")


def main(argv: list[str] | None = None) -> int:
    return fresh.main(argv, __doc__, draw)


if __name__ == "__main__":
    raise SystemExit(main())
