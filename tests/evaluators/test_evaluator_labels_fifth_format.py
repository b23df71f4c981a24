"""The fifth held-out labelled set (tests/data/evaluator_labels_fifth.jsonl) is well formed: every
line parses with the documented fields and types, it is big and varied enough to give a figure
(>= 300 turns, >= 3 sources), none of its turns is in the four earlier sets (by id, by file and
locator, by text, and by text with digits and whitespace collapsed), a quarter to a half of each
source is drawn at random, and it is exactly what its draw script gives plus the labels (the tests
are label_checks.label_set_tests). Format only -- no recogniser runs here."""

from __future__ import annotations

from tests.evaluators import label_checks as checks

FIFTH = checks.LabelSet(
    "fifth", ("evaluator_labels.jsonl", "evaluator_labels_holdout.jsonl", "evaluator_labels_fresh.jsonl",
              "evaluator_labels_fourth.jsonl"),
    {"consent_asked": 51, "success_claimed": 56, "transfer": 0, "cost_disclosed": 57}, turns=315)
globals().update(checks.label_set_tests(FIFTH))
