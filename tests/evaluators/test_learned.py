"""The learned recogniser (`convsim.evaluators.learned`): deterministic fit and verdicts, the
bundled weights rebuilt byte for byte, the cross-validated figures of RESULTS.md reproduced,
odd input handled. Accuracy figures appear only as exact reproductions of the reported
cross-validation or as floors labelled as fits (the bundled model on the turns it was fitted on)."""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from pathlib import Path

import pytest

from convsim.evaluators import learned

ROOT = Path(__file__).parents[2]
_spec = importlib.util.spec_from_file_location("evaluator_learned",
                                               ROOT / "benchmarks" / "evaluator_learned.py")
bench = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(bench)  # type: ignore[union-attr]

ODD = ["", "   ", "\n\t", "?", "$", "🙂🙂🙂", "ok", "1234567890", "#W1234567",
       "Ünïcödé wörds ñ 東京", "a" * 5000, "Your total is $" + "9" * 400 + "."]


def _labels(rows: list[dict]) -> dict[str, list[bool]]:
    return {label: [bool(r[label]) for r in rows] for label in learned.LABELS}


def test_odd_text_gets_a_verdict_for_every_label() -> None:
    got = learned.predict(ODD)
    assert set(got) == set(learned.LABELS)
    assert all(len(v) == len(ODD) and all(isinstance(b, bool) for b in v) for v in got.values())
    probs = learned.load().probabilities(ODD)
    assert all(0.0 <= p <= 1.0 for ps in probs.values() for p in ps)
    assert learned.predict([]) == {label: [] for label in learned.LABELS}


def test_verdicts_are_the_same_in_any_batch_and_order() -> None:
    rows = bench.read("holdout")
    texts = [r["text"] for r in rows]
    whole = learned.load().probabilities(texts)
    alone = [learned.load().probabilities([t]) for t in texts[::-1]][::-1]
    for label in learned.LABELS:
        assert whole[label] == [a[label][0] for a in alone]


def test_amounts_ids_and_numbers_do_not_change_the_verdict() -> None:
    """Values are placeholders: the model learns 'a refund of <amount>', not the amount."""
    template = ("I have cancelled reservation {rid}. A refund of {amount} will go back to the "
                "card ending in {card} within {days} business days.")
    values = [("ABC123", "$12.50", "4411", "5"), ("ZZ9Q7K", "$1,980.00", "0007", "10"),
              ("H4T5R2", "€7", "1234", "3")]
    probs = [learned.load().probabilities([template.format(rid=r, amount=a, card=c, days=d)])
             for r, a, c, d in values]
    assert all(p == probs[0] for p in probs)
    assert learned.normalise("Pay $1,234.56 for order #W9876543 by 3:30, mail a.b@c.com") == \
        "pay zamount for order zid by znum , mail zemail"


def test_fit_does_not_depend_on_the_order_of_the_turns() -> None:
    rows = bench.read("holdout") + bench.read("first")
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    one = learned.fit([r["text"] for r in rows], _labels(rows), max_terms=800)
    two = learned.fit([r["text"] for r in shuffled], _labels(shuffled), max_terms=800)
    assert one.to_json() == two.to_json()
    assert len(one.vocabulary) == 800
    again = learned.LearnedRecogniser.from_json(one.to_json())
    texts = [r["text"] for r in rows[:40]]
    assert again.probabilities(texts) == one.probabilities(texts)


def test_bundled_weights_are_what_the_build_gives(tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    bench.build(out)
    assert out.read_bytes() == learned.MODEL_FILE.read_bytes(), \
        "rebuild with `python benchmarks/evaluator_learned.py --build`"


def test_bundled_model_fits_its_training_turns() -> None:
    """A FIT (the turns the bundled model was fitted on), floors against a broken build; the
    held-out figures are the cross-validated ones and the lead's fifth set."""
    rows = bench.records()
    got = learned.predict([r["text"] for r in rows])
    for label in learned.LABELS:
        tp, fp, fn = bench.tally(got[label], [bool(r[label]) for r in rows])
        assert tp / (tp + fp) >= 0.95 and tp / (tp + fn) >= 0.95, label


LEAVE_ONE_SET_OUT = {  # label -> (tp, fp, fn) of the model alone (probability >= 0.5),
    # benchmarks/RESULTS.md "A learned recogniser beside the rules": a reproduction, not a floor
    "consent_asked": (251, 51, 18), "success_claimed": (278, 9, 10),
    "cost_disclosed": (207, 33, 12)}


def test_leave_one_set_out_figures_reproduce() -> None:
    rows = bench.records()
    probs, folds = bench.cross_validate(rows, "set")
    assert sorted(set(folds.values())) == ["first", "fourth", "fresh", "holdout"]
    for label, expected in LEAVE_ONE_SET_OUT.items():
        got = bench.tally([p >= 0.5 for p in probs[label]], [bool(r[label]) for r in rows])
        assert got == expected, label


def test_combinations() -> None:
    assert [learned.combine(True, 0.1, how) for how in learned.COMBINATIONS] == \
        [True, False, True, False, False]
    assert [learned.combine(False, 0.85, how) for how in learned.COMBINATIONS] == \
        [False, True, True, False, True]
    assert [learned.combine(True, 0.3, how) for how in learned.COMBINATIONS] == \
        [True, False, True, True, True]
    with pytest.raises(ValueError, match="unknown combination 'xor'"):
        learned.combine(True, 0.5, "xor")


def test_fit_refuses_what_it_cannot_learn() -> None:
    with pytest.raises(ValueError, match="no labelled turns"):
        learned.fit([], {label: [] for label in learned.LABELS})
    with pytest.raises(ValueError, match="only one class"):
        learned.fit(["yes", "no", "maybe"], {label: [False, False, False]
                                             for label in learned.LABELS})


def test_split_names_a_missing_set_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--split", "nonexistent"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "evaluator_labels_nonexistent.jsonl" in err


def test_importing_it_does_not_import_scikit_learn() -> None:
    code = ("import sys, convsim.evaluators.learned as m; m.predict(['Shall I cancel it?']); "
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_split_scores_a_named_set(capsys: pytest.CaptureFixture[str]) -> None:
    """`--split NAME` (how the lead scores the fifth set), here on a set the model was fitted
    on: every label × combination row is printed."""
    assert bench.main(["--split", "holdout"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("145 agent turns of `holdout`")
    rows = [line for line in out.splitlines() if line.startswith("| ") and "(" in line]
    assert len(rows) == len(learned.LABELS) * len(learned.COMBINATIONS)


def test_split_names_a_bad_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "evaluator_labels_odd.jsonl").write_text(
        '{"id": "a", "source": "s", "text": "hi", "consent_asked": false, '
        '"success_claimed": false, "cost_disclosed": false}\n{"id": "b", "text": "x"}\n')
    monkeypatch.setattr(bench, "DATA", tmp_path)
    assert bench.main(["--split", "odd"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "evaluator_labels_odd.jsonl:2: no source" in err
