"""The third held-out labelled set (tests/data/evaluator_labels_fresh.jsonl) is well formed:
every line parses, has the documented fields and types, and none of its turns is in the two
earlier sets. Format only -- no recogniser runs here (the lead scores the set once)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("label_checks", Path(__file__).with_name("label_checks.py"))
checks = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(checks)  # type: ignore[union-attr]

FRESH = checks.DATA / "evaluator_labels_fresh.jsonl"


def test_every_line_has_the_documented_fields_and_types() -> None:
    checks.assert_well_formed(FRESH, "fresh", 250)


def test_no_turn_of_the_earlier_sets_is_in_it() -> None:
    earlier = checks.records(checks.DATA / "evaluator_labels.jsonl") + checks.records(
        checks.DATA / "evaluator_labels_holdout.jsonl")
    checks.assert_disjoint(earlier, checks.records(FRESH))


def test_positives_are_the_documented_counts() -> None:
    """tests/data/EVALUATOR_LABELS.md states these (>= 40 for the three frequent labels; no
    hand-over announced in words is left in the data): a relabel must update the document."""
    records = checks.records(FRESH)
    got = {k: sum(r[k] for r in records) for k in checks.LABELS}
    assert got == {"consent_asked": 74, "success_claimed": 81, "transfer": 0,
                   "cost_disclosed": 67}
    assert "**74**" in (checks.DATA / "EVALUATOR_LABELS.md").read_text(encoding="utf-8")


def test_the_file_is_what_the_draw_script_gives_plus_labels() -> None:
    checks.assert_drawn_by(FRESH, checks.DATA / "make_evaluator_labels_fresh.py")
