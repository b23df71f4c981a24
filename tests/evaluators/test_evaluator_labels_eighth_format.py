"""The eighth held-out labelled set (tests/data/evaluator_labels_eighth.jsonl) is well formed: the
checks every set gets (label_checks.label_set_tests: documented fields and types, >= 300 turns
from >= 3 sources, no turn or near-duplicate text of the seven earlier sets, the positives
EVALUATOR_LABELS.md states, exactly what its draw script gives plus the labels). Its random share
differs: τ-bench's and the few-shot dialogues' stratified pools are used up, so those two sources
are wholly random (documented) and only Taskmaster-4 is a quarter to a half random. Format only --
no recogniser runs here (the lead scores the set once, after tuning)."""

from __future__ import annotations

from tests.evaluators import label_checks as checks

EIGHTH = checks.LabelSet(
    "eighth", ("evaluator_labels.jsonl", *(f"evaluator_labels_{name}.jsonl" for name in
                                          ("holdout", "fresh", "fourth", "fifth", "sixth", "seventh"))),
    {"consent_asked": 42, "success_claimed": 87, "transfer": 0, "cost_disclosed": 3}, turns=310)
_tests = checks.label_set_tests(EIGHTH)
del _tests["test_about_a_third_of_each_source_is_drawn_at_random"]
globals().update(_tests)


def test_taskmaster4_is_a_quarter_to_a_half_random_and_the_used_up_sources_all_random() -> None:
    rows = checks.records(checks.DATA / "evaluator_labels_eighth.jsonl")
    drawn = [r["drawn_as"] for r in rows if r["source"] == "taskmaster4"]
    assert 0.25 <= drawn.count("random") / len(drawn) <= 0.5
    assert {r["drawn_as"] for r in rows if r["source"] != "taskmaster4"} == {"random"}
