"""The fourth held-out labelled set (tests/data/evaluator_labels_fourth.jsonl) is well formed: every
line parses with the documented fields and types, it is big and varied enough to give a figure
(>= 300 turns, >= 3 sources), none of its turns is in the three earlier sets, and it is exactly what
its draw script gives plus the labels (the tests are label_checks.label_set_tests). Format only --
no recogniser runs here."""

from __future__ import annotations

from tests.evaluators import label_checks as checks

FOURTH = checks.LabelSet(
    "fourth", ("evaluator_labels.jsonl", "evaluator_labels_holdout.jsonl", "evaluator_labels_fresh.jsonl"),
    {"consent_asked": 86, "success_claimed": 86, "transfer": 0, "cost_disclosed": 64}, turns=324,
    near_duplicates=False)
globals().update(checks.label_set_tests(FOURTH))
