"""The learned recogniser (`convsim.evaluators.learned`): deterministic fit and verdicts, the
bundled weights rebuilt byte for byte, the cross-validated figures of RESULTS.md reproduced,
odd input handled. Accuracy figures appear only as exact reproductions of the reported
cross-validation or as floors labelled as fits (the bundled model on the turns it was fitted on)."""

from __future__ import annotations

import importlib.util
import json
import os
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


LEAVE_ONE_SET_OUT = {  # label -> (tp, fp, fn) of the model alone (probability >= 0.5), five sets,
    # benchmarks/RESULTS.md "A learned recogniser, second round": a reproduction, not a floor
    "consent_asked": (299, 50, 21), "success_claimed": (330, 8, 14),
    "cost_disclosed": (263, 46, 13)}


def test_leave_one_set_out_figures_reproduce() -> None:
    rows = bench.records()
    probs, folds = bench.cross_validate(rows, "set")
    assert sorted(set(folds.values())) == ["fifth", "first", "fourth", "fresh", "holdout"]
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


def test_fit_gives_the_same_bytes_under_any_hash_seed() -> None:
    """Set iteration order changes with PYTHONHASHSEED; the fitted JSON must not."""
    code = ("import importlib.util as u; "
            "s = u.spec_from_file_location('b', 'benchmarks/evaluator_learned.py'); "
            "b = u.module_from_spec(s); s.loader.exec_module(b); "
            "from convsim.evaluators import learned as l; rows = b.read('holdout'); "
            "m = l.fit([r['text'] for r in rows], {k: [bool(r[k]) for r in rows] for k in l.LABELS}, "
            "max_terms=300, features=2); import hashlib; "
            "print(hashlib.sha256(m.to_json().encode()).hexdigest())")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("0", "1", "4242")}
    assert len(outs) == 1 and len(next(iter(outs)).strip()) == 64


def test_sentence_form_terms_and_the_term_set_travel_with_the_weights() -> None:
    """Term set 2 adds each sentence's opening (f:) and the words of a question (q:); a model
    remembers which set it was fitted with, and a file without the key is term set 1."""
    got = learned.terms("Your order is placed. Shall we cancel it?", features=2)
    assert {"f:your", "f:your order", "f:shall", "f:shall we", "q:cancel it", "q:?"} <= set(got)
    assert not any(t.startswith(("f:", "q:")) for t in learned.terms("Shall we cancel it?", features=1))
    assert "q:order" not in got  # a statement's words are not a question's
    rows = bench.read("holdout")
    two = learned.fit([r["text"] for r in rows], _labels(rows), max_terms=300, features=2)
    again = learned.LearnedRecogniser.from_json(two.to_json())
    assert again.features == 2 and again.probabilities(["Shall we cancel it?"]) == \
        two.probabilities(["Shall we cancel it?"])
    assert learned.load().features == learned.FEATURES == 1
    old = json.loads(two.to_json())
    del old["features"]
    assert learned.LearnedRecogniser.from_json(json.dumps(old)).features == 1
