"""Does a small trained model beat convsim's hand-written recognisers on a source it never saw?

Leave-one-source-out over the two labelled sets of real agent turns
(`tests/data/evaluator_labels.jsonl` and `evaluator_labels_holdout.jsonl`, 487 turns from
tau-bench trajectories, tau-bench few-shot dialogs, Taskmaster-4 and ABCD): for each label and
each source, a TF-IDF (word 1-2-grams + character 3-5-grams) logistic regression is trained on
the other sources and scored on that one, next to the recognisers the evaluators use
(`benchmarks/evaluator_wording.py`'s PREDICTS, which are not trained: their figure on a source
is the same whichever sources are "training"). Deterministic (liblinear, no sampling).

    .venv/bin/python benchmarks/evaluator_sources_cv.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from evaluator_wording import HOLDOUT, KINDS, LABELS, PREDICTS  # noqa: E402


def _ratio(tp: int, fp: int, fn: int) -> tuple[str, str]:
    p = f"{tp / (tp + fp):.2f} ({tp}/{tp + fp})" if tp + fp else "n/a"
    r = f"{tp / (tp + fn):.2f} ({tp}/{tp + fn})" if tp + fn else "n/a"
    return p, r


def main() -> int:
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    records = [json.loads(line) for path in (LABELS, HOLDOUT)
               for line in path.read_text().splitlines() if line.strip()]
    sources = sorted({r["source"] for r in records})
    print(f"{len(records)} labelled agent turns; leave one source out")
    print("| label | held-out source | positives | model P | model R | rules P | rules R |")
    print("|---|---|---:|---|---|---|---|")
    for kind in KINDS:
        for source in sources:
            train = [r for r in records if r["source"] != source]
            test = [r for r in records if r["source"] == source]
            y = [bool(r[kind]) for r in train]
            want = [bool(r[kind]) for r in test]
            if not any(want):
                continue
            if len(set(y)) < 2:
                got = [False] * len(test)
            else:
                words = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)
                chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
                texts = [r["text"] for r in train]
                x = hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
                model = LogisticRegression(solver="liblinear", C=10.0, class_weight="balanced")
                model.fit(x, y)
                t = [r["text"] for r in test]
                got = list(model.predict(hstack([words.transform(t), chars.transform(t)]).tocsr()))
            rules = [PREDICTS[kind](r) for r in test]
            m = _ratio(sum(g and w for g, w in zip(got, want, strict=True)),
                       sum(g and not w for g, w in zip(got, want, strict=True)),
                       sum(w and not g for g, w in zip(got, want, strict=True)))
            h = _ratio(sum(g and w for g, w in zip(rules, want, strict=True)),
                       sum(g and not w for g, w in zip(rules, want, strict=True)),
                       sum(w and not g for g, w in zip(rules, want, strict=True)))
            print(f"| {kind} | {source} | {sum(want)} | {m[0]} | {m[1]} | {h[0]} | {h[1]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
