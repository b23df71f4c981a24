"""The seventh held-out labelled set (tests/data/evaluator_labels_seventh.jsonl) is well formed:
documented fields and types, >= 300 turns from >= 3 sources, no turn of the six earlier sets in it
(by id, place, text, or near-duplicate text), the positives its section of EVALUATOR_LABELS.md
states, and exactly what its draw script gives plus the labels. Format only -- no recogniser runs
here (the lead scores the set once, after tuning)."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("label_checks", Path(__file__).with_name("label_checks.py"))
checks = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(checks)  # type: ignore[union-attr]

SEVENTH = checks.DATA / "evaluator_labels_seventh.jsonl"
EARLIER = ["evaluator_labels.jsonl", *(f"evaluator_labels_{name}.jsonl" for name in
                                       ("holdout", "fresh", "fourth", "fifth", "sixth"))]


def test_fields_types_size_and_sources() -> None:
    records = checks.assert_well_formed(SEVENTH, "seventh", 300)
    assert Counter(r["source"] for r in records) == {"taskmaster4": 195, "tau_bench": 67,
                                                    "tau_bench_few_shot": 41}


@pytest.mark.parametrize("earlier", EARLIER)
def test_shares_no_turn_and_no_near_duplicate_with(earlier: str) -> None:
    """Same id, place or case-folded text, and texts equal once lower-cased with digit runs and
    whitespace runs collapsed (the fifth draw script's `norm`), are all left out."""
    old, new = checks.records(checks.DATA / earlier), checks.records(SEVENTH)
    checks.assert_disjoint(old, new)
    norm = checks.load("make_evaluator_labels_fifth", checks.DATA / "make_evaluator_labels_fifth.py").norm
    assert norm("Your order  #W12 costs $5") == norm("your order #w9 costs\n$310")
    seventh = [norm(r["text"]) for r in new]
    assert not {norm(r["text"]) for r in old} & set(seventh)
    assert len(set(seventh)) == len(seventh)


def test_random_share_and_documented_positives() -> None:
    """Each source is at least a quarter unstratified; τ-bench's and the few-shot dialogues'
    stratified pools are nearly used up, so theirs is about half (documented). The positives are
    those EVALUATOR_LABELS.md states: a relabel must update the document."""
    records = checks.records(SEVENTH)
    for source in {r["source"] for r in records}:
        drawn = [r["drawn_as"] for r in records if r["source"] == source]
        assert 0.25 <= drawn.count("random") / len(drawn) <= 0.55, source
    got = {k: sum(r[k] for r in records) for k in checks.LABELS}
    assert got == {"consent_asked": 47, "success_claimed": 69, "transfer": 0, "cost_disclosed": 6}
    doc = (checks.DATA / "EVALUATOR_LABELS.md").read_text(encoding="utf-8")
    assert "evaluator_labels_seventh.jsonl" in doc and "**303 agent turns**" in doc


def test_the_file_is_what_the_draw_script_gives_plus_labels() -> None:
    checks.assert_drawn_by(SEVENTH, checks.DATA / "make_evaluator_labels_seventh.py")
