"""Customer style statistics from transcripts, and persona trait distributions fitted to them.

Per conversation, from the customer's turns: words per turn, turns, question
rate, politeness and frustration markers, typo rate, several pieces of
information at once, change of mind, asking for a human. Traits are fitted by
the method of moments (Beta distributions) so generated personas reproduce the
spread of the real customers, not invented constants.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import numpy as np

from convsim.personas.generator import BetaDist, PersonaGenConfig

POLITE = re.compile(r"\b(please|thank(s| you)?|appreciate|kindly)\b", re.I)
FRUSTRATED = re.compile(r"\b(ridiculous|frustrat\w*|annoy\w*|unacceptable|terrible|angry|"
                        r"worst|again\?|still not)\b|!!|\?\?", re.I)
ANXIOUS = re.compile(r"\b(worried|concerned|urgent|asap|nervous|hope)\b", re.I)
CHEERFUL = re.compile(r"\b(great|awesome|perfect|wonderful|love|amazing)\b", re.I)
CHANGE_MIND = re.compile(r"\b(actually|instead|never ?mind|changed my mind|on second thought)\b",
                         re.I)
HUMAN = re.compile(r"\b(human|real person|representative|manager|supervisor|live agent)\b", re.I)
INFO = re.compile(r"[\w.+-]+@[\w-]+\.\w+|#?W\d{7}|\b\d{5}\b|\b[a-z]+_[a-z]+_\d{4}\b|"
                  r"\b\d+\s+\w+\s+(street|st|ave|road|drive|lane)\b", re.I)
WORD = re.compile(r"[A-Za-z']+")
NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")
"""Emails and web addresses: no typo can be read in them."""
ADJECTIVES = re.compile(r"You are ((?:[a-z-]+, )*[a-z-]+)\.")


def conversation_style(texts: Sequence[str], vocabulary: set[str]) -> dict[str, float]:
    """Style figures of one customer's turns; `vocabulary` (see `build_vocabulary`) spots
    typos: words of 4+ letters outside it (emails and web addresses are not words)."""
    words = [w.lower() for t in texts for w in WORD.findall(t)]
    long_words = [w.lower() for t in texts for w in WORD.findall(NOT_WORDS.sub(" ", t))
                  if len(w) >= 4]
    n = max(len(texts), 1)
    return {
        "turns": float(len(texts)),
        "words_per_turn": len(words) / n,
        "question_rate": sum("?" in t for t in texts) / n,
        "politeness_rate": sum(bool(POLITE.search(t)) for t in texts) / n,
        "frustration_rate": sum(bool(FRUSTRATED.search(t)) for t in texts) / n,
        "anxious_rate": sum(bool(ANXIOUS.search(t)) for t in texts) / n,
        "cheerful_rate": sum(bool(CHEERFUL.search(t)) for t in texts) / n,
        "typo_rate": (sum(w not in vocabulary for w in long_words) / len(long_words)
                      if long_words else 0.0),
        "multi_info_rate": sum(len(INFO.findall(t)) >= 2 for t in texts) / n,
        "change_mind": float(any(CHANGE_MIND.search(t) for t in texts)),
        "asks_human": float(any(HUMAN.search(t) for t in texts)),
        "upfront_info": float(bool(texts) and bool(INFO.search(texts[0]))),
    }


@cache
def _dictionary() -> Any:
    from spellchecker import SpellChecker

    return SpellChecker(language="en", distance=1)


def build_vocabulary(texts: Iterable[str], min_count: int = 3) -> set[str]:
    """The words of the transcripts spelled right: known to an English dictionary
    (pyspellchecker), person names, or the domain's own words (seen `min_count` times or
    more: product and brand names). A word outside it is counted as a typo."""
    from convsim.core.names import first_names, last_names

    counts = Counter(w.lower() for t in texts for w in WORD.findall(NOT_WORDS.sub(" ", t)))
    words = _dictionary().word_frequency
    first, last = first_names(), last_names()
    return {w for w, c in counts.items()
            if c >= min_count or w in words or w.strip("'") in words
            or w in first or w in last}


def summarize_style(rows: Sequence[dict[str, float]]) -> dict[str, Any]:
    """Mean, p10, p50, p90 of each figure over conversations."""
    if not rows:
        return {"conversations": 0}
    out: dict[str, Any] = {"conversations": len(rows)}
    for key in rows[0]:
        values = np.array([r[key] for r in rows], dtype=float)
        out[key] = {"mean": round(float(values.mean()), 4),
                    "p10": round(float(np.percentile(values, 10)), 4),
                    "p50": round(float(np.percentile(values, 50)), 4),
                    "p90": round(float(np.percentile(values, 90)), 4)}
    return out


def fit_beta(values: Sequence[float] | np.ndarray, scale: float = 1.0,
             concentration: float = 10.0) -> BetaDist:
    """Method-of-moments Beta fit of values in [0, scale]; falls back to a fixed concentration."""
    x = np.clip(np.asarray(values, dtype=float) / scale, 1e-4, 1 - 1e-4)
    mean = float(x.mean()) if len(x) else 0.5
    var = float(x.var()) if len(x) > 1 else 0.0
    k = mean * (1 - mean) / var - 1 if 0 < var < mean * (1 - mean) else concentration
    k = float(np.clip(k, 2.0, 500.0))
    return BetaDist(a=round(max(mean * k, 0.05), 4), b=round(max((1 - mean) * k, 0.05), 4),
                    scale=min(1.0, scale))


def persona_adjectives(instructions: Iterable[str]) -> Counter[str]:
    """'You are logical, polite.' -> counts of 'logical, polite' (tau-bench task style)."""
    counts: Counter[str] = Counter()
    for text in instructions:
        m = ADJECTIVES.search(text or "")
        if m:
            counts[m.group(1)] += 1
    return counts


def fit_persona_traits(styles: Sequence[dict[str, float]], descriptions: Counter[str],
                       n: int = 50) -> PersonaGenConfig:
    """A persona generator config whose trait distributions follow the mined styles."""
    if not styles:
        return PersonaGenConfig(n=n)
    wpt = np.array([s["words_per_turn"] for s in styles])
    cap = float(max(np.percentile(wpt, 95), 1.0))
    frustrated = float(np.mean([s["frustration_rate"] > 0 for s in styles]))
    anxious = float(np.mean([s["anxious_rate"] > 0 for s in styles]))
    cheerful = float(np.mean([s["cheerful_rate"] > 0 for s in styles]))
    calm = max(0.05, 1 - frustrated - anxious - cheerful)
    typo_cap = 0.5
    return PersonaGenConfig(
        n=n,
        verbosity=fit_beta(np.clip(wpt / cap, 0, 1)),
        typo_rate=fit_beta([min(s["typo_rate"], typo_cap) for s in styles], scale=typo_cap),
        upfront_info_rate=fit_beta([s["upfront_info"] for s in styles]),
        emotions={"calm": round(calm, 4), "frustrated": round(frustrated, 4),
                  "anxious": round(anxious, 4), "cheerful": round(cheerful, 4)},
        descriptions=[d for d, _ in descriptions.most_common(60)] or PersonaGenConfig().descriptions,
    )
