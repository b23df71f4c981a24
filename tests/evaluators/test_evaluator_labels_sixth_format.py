"""The sixth held-out labelled set (tests/data/evaluator_labels_sixth.jsonl) is well formed: every
line parses with the documented fields and types, it is big and varied enough to give a figure
(>= 300 turns, >= 3 sources), none of its turns is in the five earlier sets (by id, by file and
locator, by text, and by text with digits and whitespace collapsed), and it is exactly what its
draw script gives plus the labels. Format only -- no recogniser runs here (the lead scores the
set once, after tuning)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("label_checks", Path(__file__).with_name("label_checks.py"))
checks = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(checks)  # type: ignore[union-attr]

SIXTH = checks.DATA / "evaluator_labels_sixth.jsonl"
SCRIPT = checks.DATA / "make_evaluator_labels_sixth.py"
EARLIER = ("evaluator_labels.jsonl", "evaluator_labels_holdout.jsonl",
           "evaluator_labels_fresh.jsonl", "evaluator_labels_fourth.jsonl",
           "evaluator_labels_fifth.jsonl")


def test_every_line_has_the_documented_fields_and_types() -> None:
    records = checks.assert_well_formed(SIXTH, "sixth", 300)
    assert len({r["source"] for r in records}) >= 3


@pytest.mark.parametrize("earlier", EARLIER)
def test_no_turn_of_an_earlier_set_is_in_it(earlier: str) -> None:
    checks.assert_disjoint(checks.records(checks.DATA / earlier), checks.records(SIXTH))


@pytest.mark.parametrize("earlier", EARLIER)
def test_no_near_duplicate_of_an_earlier_turn_is_in_it(earlier: str) -> None:
    """Texts are compared lower-cased with digit runs and whitespace runs collapsed (the fifth
    draw script's `norm`, which the sixth uses): "Flight HAT175 costs $155" repeats "flight hat266
    costs $146"."""
    norm = checks.load("make_evaluator_labels_fifth", checks.DATA / "make_evaluator_labels_fifth.py").norm
    assert norm("Flight  HAT175 costs $155") == norm("flight hat266 costs\n$146")
    old = {norm(r["text"]) for r in checks.records(checks.DATA / earlier)}
    sixth = [norm(r["text"]) for r in checks.records(SIXTH)]
    assert not old & set(sixth)
    assert len(set(sixth)) == len(sixth)


def test_about_a_third_of_each_source_is_drawn_at_random() -> None:
    """At least a quarter of each source is unstratified; τ-bench's near-write strata are used
    up, so its random share is higher (documented), but never more than half."""
    records = checks.records(SIXTH)
    for source in {r["source"] for r in records}:
        drawn = [r["drawn_as"] for r in records if r["source"] == source]
        assert 0.25 <= drawn.count("random") / len(drawn) <= 0.5, source


def test_positives_are_the_documented_counts() -> None:
    """tests/data/EVALUATOR_LABELS.md states these: a relabel must update the document."""
    records = checks.records(SIXTH)
    got = {k: sum(r[k] for r in records) for k in checks.LABELS}
    assert got == {"consent_asked": 51, "success_claimed": 51, "transfer": 0,
                   "cost_disclosed": 19}
    doc = (checks.DATA / "EVALUATOR_LABELS.md").read_text(encoding="utf-8")
    assert "evaluator_labels_sixth.jsonl" in doc and "**313 agent turns**" in doc


def test_the_file_is_what_the_draw_script_gives_plus_labels() -> None:
    checks.assert_drawn_by(SIXTH, SCRIPT)
