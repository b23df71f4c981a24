"""The fourth held-out labelled set (tests/data/evaluator_labels_fourth.jsonl) is well formed:
every line parses with the documented fields and types, it is big and varied enough to give a
figure (>= 300 turns, >= 3 sources), none of its turns is in the three earlier sets, and it is
exactly what its draw script gives plus the labels. Format only -- no recogniser runs here (the
lead scores the set once, after tuning)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("label_checks", Path(__file__).with_name("label_checks.py"))
checks = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(checks)  # type: ignore[union-attr]

FOURTH = checks.DATA / "evaluator_labels_fourth.jsonl"
EARLIER = ("evaluator_labels.jsonl", "evaluator_labels_holdout.jsonl",
           "evaluator_labels_fresh.jsonl")


def test_every_line_has_the_documented_fields_and_types() -> None:
    records = checks.assert_well_formed(FOURTH, "fourth", 300)
    assert len({r["source"] for r in records}) >= 3


@pytest.mark.parametrize("earlier", EARLIER)
def test_no_turn_of_an_earlier_set_is_in_it(earlier: str) -> None:
    checks.assert_disjoint(checks.records(checks.DATA / earlier), checks.records(FOURTH))


def test_positives_are_the_documented_counts() -> None:
    """tests/data/EVALUATOR_LABELS.md states these: a relabel must update the document."""
    records = checks.records(FOURTH)
    got = {k: sum(r[k] for r in records) for k in checks.LABELS}
    assert got == {"consent_asked": 86, "success_claimed": 86, "transfer": 0,
                   "cost_disclosed": 64}
    doc = (checks.DATA / "EVALUATOR_LABELS.md").read_text(encoding="utf-8")
    assert "evaluator_labels_fourth.jsonl" in doc and "**324 agent turns**" in doc


def test_the_file_is_what_the_draw_script_gives_plus_labels() -> None:
    checks.assert_drawn_by(FOURTH, checks.DATA / "make_evaluator_labels_fourth.py")
