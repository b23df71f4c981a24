"""The sixth held-out labelled set (tests/data/evaluator_labels_sixth.jsonl) is well formed: every
line parses with the documented fields and types, it is big and varied enough to give a figure
(>= 300 turns, >= 3 sources), none of its turns is in the five earlier sets (by id, by file and
locator, by text, and by text with digits and whitespace collapsed: the fifth draw script's `norm`,
which the sixth uses), a quarter to a half of each source is drawn at random (tau-bench's near-write
strata are used up, so its random share is higher, documented, but never more than half), and it is
exactly what its draw script gives plus the labels (the tests are label_checks.label_set_tests).
Format only -- no recogniser runs here (the lead scores the set once, after tuning)."""

from __future__ import annotations

from tests.evaluators import label_checks as checks

SIXTH = checks.LabelSet(
    "sixth", ("evaluator_labels.jsonl", "evaluator_labels_holdout.jsonl", "evaluator_labels_fresh.jsonl",
              "evaluator_labels_fourth.jsonl", "evaluator_labels_fifth.jsonl"),
    {"consent_asked": 51, "success_claimed": 51, "transfer": 0, "cost_disclosed": 19}, turns=313)
globals().update(checks.label_set_tests(SIXTH))
