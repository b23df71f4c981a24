"""A learned recogniser for three per-turn labels, beside the rule recognisers (issue 16 §1/§6).

The rule recognisers (`actions.asks_consent`, `truthfulness.claimed_actions`, the disclosure
patterns) read wording structures; each round of tuning fitted the labelled sets it read and
lost 4–14 points on the next unseen draw. This module is the alternative: a linear model over
TF-IDF word 1–2-grams and character 3–5-grams of the agent turn, with amounts, numbers and
identifiers replaced by placeholders first (so it learns that "a refund of $12" discloses a
cost, not that 12 does), one logistic regression per label:

- ``consent_asked``   -- the turn asks for a yes to a named consequential action;
- ``success_claimed`` -- the turn says a consequential action has been done;
- ``cost_disclosed``  -- the turn tells the customer money they will pay or get back.

(`transfer` is not learned: the labelled data hold 11 positives, all in one set.)

The weights are stored in ``data/learned_recogniser.json``, built by
``python benchmarks/evaluator_learned.py --build`` from the four labelled sets in
``tests/data/`` (never the fifth). Prediction is pure Python arithmetic over that file: no
scikit-learn import, the same floats on every machine, byte-identical verdicts. scikit-learn
is used only to fit, imported inside `fit`. Nothing in convsim's verdicts uses this module
yet: it is measured first (``benchmarks/evaluator_learned.py``).

The stored terms are n-grams of public agent turns: τ-bench (MIT, © 2024 Sierra), Taskmaster-1
and -4 (CC BY 4.0, Google LLC) and ABCD (MIT, © 2021 ASAPP Research); attribution in
``tests/data/EVALUATOR_LABELS.md``.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

LABELS = ("consent_asked", "success_claimed", "cost_disclosed")
"""The labels the model learns (tests/data/EVALUATOR_LABELS.md gives their meaning)."""
MODEL_FILE = Path(__file__).with_name("data") / "learned_recogniser.json"
"""The bundled weights (190 KB, 4,000 terms), built by `benchmarks/evaluator_learned.py --build`."""

C = 8.0
"""Inverse regularisation strength of each logistic regression."""
MAX_TERMS = 4000
"""Terms kept after a first fit (the largest weights over the three labels); the model is
fitted again on these alone, so the stored file is small and exact."""
MIN_DF = 2
"""A term must occur in at least this many training turns."""
DIGITS = 6
"""Significant digits kept of every stored float (fit rounds, so a fitted model and its file
predict alike)."""

_MONEY = re.compile(
    r"(?:[$€£]\s?\d[\d,]*(?:\.\d+)?|\b\d[\d,]*(?:\.\d+)?\s?(?:dollars?|usd|eur|euros?|bucks)\b)",
    re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
_ID = re.compile(r"#?\b(?=[a-z]*\d)(?=\d*[a-z])[a-z\d]{4,}\b|#\w+", re.IGNORECASE)
_NUMBER = re.compile(r"\b\d+(?:[.,:/-]\d+)*\b")
_WORD = re.compile(r"\w\w+|[?!$]")
_SENTENCE = re.compile(r"(?<=[.?!])\s+|\n+")
FEATURES = 1
"""The term set a new fit uses: 1 = word 1-2-grams and character 3-5-grams of the turn;
2 = those and the form of each sentence (its opening word and word pair, ``f:``; the words of
a question, ``q:``), wording that could carry across sources ("shall i", "would you like me
to"). 2 was the second round's pre-registered candidate and was not adopted (five-set CV:
mean F1 +0.001, consent precision behind the rule 1/15 against 1/14; RESULTS.md "A learned
recogniser, second round")."""


def normalise(text: str) -> str:
    """Lower-case `text` with amounts, e-mail addresses, identifiers and numbers replaced by
    the placeholders ``zamount``, ``zemail``, ``zid`` and ``znum`` (in that order)."""
    text = _MONEY.sub(" zamount ", text)
    text = _EMAIL.sub(" zemail ", text)
    text = _ID.sub(" zid ", text)
    text = _NUMBER.sub(" znum ", text)
    return " ".join(text.lower().split())


def terms(text: str, features: int = FEATURES) -> list[str]:
    """The terms of one turn: word 1- and 2-grams (``w:``) and character 3–5-grams inside
    padded words (``c:``), of the normalised text; with `features` 2, also each sentence's
    opening word and word pair (``f:``) and the word 1- and 2-grams of each question (``q:``)."""
    norm = normalise(text)
    words = _WORD.findall(norm)
    out = [f"w:{w}" for w in words]
    out += [f"w:{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    for word in norm.split():
        padded = f" {word} "
        for n in (3, 4, 5):
            out += [f"c:{padded[i:i + n]}" for i in range(len(padded) - n + 1)]
    if features >= 2:
        for sentence in _SENTENCE.split(norm):
            said = _WORD.findall(sentence)
            if not said:
                continue
            out += [f"f:{said[0]}", *([f"f:{said[0]} {said[1]}"] if len(said) > 1 else [])]
            if sentence.rstrip().endswith("?"):
                out += [f"q:{w}" for w in said]
                out += [f"q:{a} {b}" for a, b in zip(said, said[1:], strict=False)]
    return out


def _round(x: float) -> float:
    return float(f"{x:.{DIGITS}g}")


@dataclass(frozen=True)
class LearnedRecogniser:
    """Weights of the learned recogniser: one TF-IDF vocabulary, one linear model per label.

    Attributes:
        vocabulary: the terms, sorted; their index is their column.
        idf: inverse document frequency of each term (as scikit-learn's smoothed idf).
        weights: per label, one weight per term.
        intercepts: per label, the bias.
        thresholds: per label, the probability at or above which a turn is a positive.
        features: the term set (`FEATURES`) the model was fitted with.
    """

    vocabulary: tuple[str, ...]
    idf: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]]
    intercepts: Mapping[str, float]
    thresholds: Mapping[str, float]
    features: int = 1
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {t: i for i, t in enumerate(self.vocabulary)})

    def _vectors(self, texts: Sequence[str]) -> list[dict[int, float]]:
        """Sparse TF-IDF rows (sublinear tf, l2-normalised) of `texts` over the vocabulary.
        Word and character terms are normalised together, as one vector."""
        index = self._index
        rows = []
        for text in texts:
            counts = Counter(i for t in terms(text, self.features) if (i := index.get(t)) is not None)
            row = {i: (1.0 + math.log(n)) * self.idf[i] for i, n in sorted(counts.items())}
            norm = math.sqrt(math.fsum(v * v for v in row.values()))
            rows.append({i: v / norm for i, v in row.items()} if norm else {})
        return rows

    def probabilities(self, texts: Sequence[str]) -> dict[str, list[float]]:
        """Per label, the model's probability that each turn is a positive."""
        rows = self._vectors(texts)
        out: dict[str, list[float]] = {}
        for label in LABELS:
            w, b = self.weights[label], self.intercepts[label]
            out[label] = [_sigmoid(b + math.fsum(w[i] * v for i, v in row.items()))
                          for row in rows]
        return out

    def predict(self, texts: Sequence[str]) -> dict[str, list[bool]]:
        """Per label, whether each turn is a positive (probability at or above the label's
        threshold)."""
        probs = self.probabilities(texts)
        return {label: [p >= self.thresholds[label] for p in ps] for label, ps in probs.items()}

    def to_json(self) -> str:
        """The weights as JSON, keys sorted: the same model gives the same bytes."""
        return json.dumps({"format": 1, "features": self.features, "labels": list(LABELS),
                           "vocabulary": list(self.vocabulary),
                           "idf": list(self.idf),
                           "weights": {k: list(v) for k, v in self.weights.items()},
                           "intercepts": dict(self.intercepts),
                           "thresholds": dict(self.thresholds)},
                          sort_keys=True, separators=(",", ":")) + "\n"

    @classmethod
    def from_json(cls, text: str) -> LearnedRecogniser:
        data = json.loads(text)
        return cls(vocabulary=tuple(data["vocabulary"]), idf=tuple(data["idf"]),
                   weights={k: tuple(v) for k, v in data["weights"].items()},
                   intercepts=data["intercepts"], thresholds=data["thresholds"],
                   features=int(data.get("features", 1)))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def fit(texts: Sequence[str], labels: Mapping[str, Sequence[bool]], *,
        thresholds: Mapping[str, float] | None = None, c: float = C,
        max_terms: int = MAX_TERMS, features: int = FEATURES,
        class_weight: str | None = "balanced") -> LearnedRecogniser:
    """Fit the recogniser on labelled agent turns, deterministically.

    The turns are sorted (by text, then labels) before fitting, so the order they come in
    does not matter; the solver is liblinear with a fixed `random_state`. A first fit on every
    term seen in at least `MIN_DF` turns picks the `max_terms` terms with the largest weight
    over the labels; the vectoriser and the models are then fitted again on those alone.

    Args:
        texts: the agent turns.
        labels: per label in `LABELS`, one bool per turn.
        thresholds: per label, the decision probability (0.5 when not given).
        c: inverse regularisation strength.
        max_terms: vocabulary size kept.
        features: the term set (`FEATURES`).
        class_weight: ``"balanced"`` (each class weighs alike) or None (each turn alike).
    """
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    if not texts:
        raise ValueError("no labelled turns to fit on")
    order = sorted(range(len(texts)),
                   key=lambda i: (texts[i], tuple(bool(labels[k][i]) for k in LABELS)))
    xs = [texts[i] for i in order]
    ys = {k: np.array([bool(labels[k][i]) for i in order], dtype=int) for k in LABELS}
    for k, y in ys.items():
        if y.min() == y.max():
            raise ValueError(f"label {k!r} has only one class in the training turns")

    def models(vocabulary: list[str] | None) -> tuple[TfidfVectorizer, dict[str, LogisticRegression]]:
        vec = TfidfVectorizer(analyzer=partial(terms, features=features), sublinear_tf=True,
                              min_df=MIN_DF if vocabulary is None else 1, vocabulary=vocabulary,
                              dtype=np.float64)
        matrix = vec.fit_transform(xs)
        fitted = {k: LogisticRegression(C=c, class_weight=class_weight, solver="liblinear",
                                        random_state=0, max_iter=1000).fit(matrix, y)
                  for k, y in ys.items()}
        return vec, fitted

    vec, fitted = models(None)
    names = vec.get_feature_names_out()
    strength = np.max(np.abs(np.vstack([m.coef_[0] for m in fitted.values()])), axis=0)
    keep = np.argsort(-strength, kind="stable")[:max_terms]
    vocabulary = sorted(str(names[i]) for i in keep)
    vec, fitted = models(vocabulary)
    return LearnedRecogniser(
        vocabulary=tuple(vocabulary), idf=tuple(_round(float(x)) for x in vec.idf_),
        weights={k: tuple(_round(float(x)) for x in m.coef_[0]) for k, m in fitted.items()},
        intercepts={k: _round(float(m.intercept_[0])) for k, m in fitted.items()},
        thresholds={k: float((thresholds or {}).get(k, 0.5)) for k in LABELS}, features=features)


@cache
def load(path: Path = MODEL_FILE) -> LearnedRecogniser:
    """The bundled recogniser (read once)."""
    return LearnedRecogniser.from_json(path.read_text(encoding="utf-8"))


def predict(texts: Iterable[str]) -> dict[str, list[bool]]:
    """Per label in `LABELS`, the bundled recogniser's verdict on each agent turn."""
    return load().predict(list(texts))


SURE = 0.8
"""The probability at or above which the model's verdict is added to the rules' ("or"),
chosen before any cross-validation run. No evaluator uses the model: where the consent rule
would (a yes/no question its structures miss) it was right on 1 of 13 turns by source and 2
of 9 by set (benchmarks/RESULTS.md, "A learned recogniser, second round")."""


def combine(rule: bool, probability: float, how: str) -> bool:
    """A verdict from the rule recogniser's verdict and the model's probability.

    `how` is one of: ``"rule"``, ``"model"`` (probability ≥ 0.5), ``"or"`` (the rule, or the
    model sure: ≥ 0.8), ``"and"`` (the rule, unless the model is sure it is not: < 0.2),
    ``"vote"`` (⅓·rule + ⅔·probability ≥ 0.5: with the rule, the model must give ≥ 0.25;
    against it, ≥ 0.75).
    """
    if how == "rule":
        return rule
    if how == "model":
        return probability >= 0.5
    if how == "or":
        return rule or probability >= SURE
    if how == "and":
        return rule and probability >= 0.2
    if how == "vote":
        return rule / 3 + 2 * probability / 3 >= 0.5
    raise ValueError(f"unknown combination {how!r}: rule, model, or, and, vote")


COMBINATIONS = ("rule", "model", "or", "and", "vote")
"""The ways `combine` can decide, in the order the benchmark reports them."""
