"""Statements recognised by meaning: a disclosure written as a meaning with examples.

A pack author may write a disclosure as what it says and a few ways an agent may say it
(`meaning`, `examples`, optionally `not_examples`) instead of a regular expression. A
sentence of an agent turn states it when it is close to one example (the nearest
neighbour) and carries the same kinds of figures that example carries:

- closeness: how much of the example's content the sentence contains (its word stems; a
  word of the same concept, which customer-care agents use interchangeably -- price/cost/fee,
  bill/invoice/statement, day/week/business day -- counts 0.8), and the cosine of character 3-5-grams
  (scikit-learn TF-IDF over the content words: plural, tense and typos still match);
- figures: an example with an amount of money, a duration, a percentage or a date needs
  one of the same kind in the sentence ("refunds take 5-7 business days" needs a duration;
  "there is no fee" needs none);
- a sentence at least as close to a `not_examples` entry as to every example does not count.

No network, no model download, no randomness: the same words give the same verdict. The
`disclosures` evaluator (`convsim.evaluators.disclosures`) asks `StatementMatcher.find`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

THRESHOLD = 0.5
"""Closeness from which a sentence says what an example says (0..1)."""

_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+|\s+[-–—]\s+")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:[.,]\d+)?")

_NUM_WORD = (r"(?:\d+(?:[.,]\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|"
             r"twelve|fourteen|fifteen|twenty|thirty|few|couple of|several)")
FIGURES: dict[str, re.Pattern[str]] = {
    "money": re.compile(
        r"[$€£¥]\s?\d|\b\d[\d,]*(?:\.\d+)?\s?(?:dollars?|bucks|usd|eur|euros?|pounds?|gbp|"
        r"cents?)\b|\b(?:a|one|two|three|four|five|ten|twenty|fifty|hundred) (?:dollars?|"
        r"euros?|pounds?)\b", re.I),
    "duration": re.compile(
        rf"\b{_NUM_WORD}(?:\s?(?:-|to|or|–)\s?{_NUM_WORD})?[\s-]+(?:full\s+|more\s+)?"
        r"(?:business\s+|working\s+|calendar\s+|bank\s+)?(?:minutes?|mins?|hours?|hrs?|days?|"
        r"weeks?|months?|years?|fortnight)\b|\bwithin (?:a|the) (?:day|week|month)\b|"
        r"\b(?:overnight|tomorrow|next (?:day|week|month))\b", re.I),
    "percent": re.compile(r"\d\s?%|\bper ?cent\b", re.I),
    "negation": re.compile(r"\b(?:no|not|never|without|none|nothing|free|waived?)\b|n't\b",
                           re.I),
    "date": re.compile(
        r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}\b|"
        r"\b\d{1,2}(?:st|nd|rd|th)?(?: of)? (?:jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)"
        r"[a-z]*\b|\b\d{4}-\d\d-\d\d\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b", re.I),
}
"""Kinds of figure an example may carry (a negation counts: "there is no fee" is not "there
is a fee"); a sentence must carry the same kinds."""

_STOP_WORDS = """
a an the and or but if so of to in on at by for with from as is are was were be been being
am do does did have has had having it its it's this that these those there here i i'm i'll
i've me my we we'll we're our ours you you'll you're you've your yours he she they them
their what which who whom whose when where how just also very really please thanks thank
can could would should will shall may might must let let's okay ok sure great well
"""
_STOP = frozenset(_STOP_WORDS.split())
"""Words that carry no content (negations, 'next', 'before' and 'no' do: they stay)."""

_CONCEPTS: dict[str, tuple[str, ...]] = {
    "money": ("price", "cost", "charge", "fee", "rate", "pay", "paid", "payment", "amount",
              "total", "dollar", "expense", "spend", "money", "sum"),
    "refund": ("refund", "reimburs", "repay", "credit", "reversal", "revers", "back"),
    "bill": ("bill", "billing", "invoice", "statement", "cycle", "account"),
    "start": ("start", "begin", "effect", "effective", "apply", "kick", "onward", "onwards",
              "from", "until"),
    "next": ("next", "upcoming", "following", "coming", "subsequent"),
    "period": ("day", "week", "month", "hour", "minute", "year", "business", "working",
               "fortnight"),
    "extra": ("extra", "additional", "added", "surcharge"),
    "free": ("free", "waiv", "complimentary", "nothing", "zero"),
    "cancel": ("cancel", "terminat", "end", "stop", "close"),
    "carry": ("roll", "rollover", "carry", "transfer", "keep"),
    "lose": ("lose", "lost", "forfeit", "expire", "unused"),
    "card": ("card", "bank", "original", "method"),
    "receive": ("receive", "see", "get", "reach", "arrive", "land", "appear", "show"),
    "take": ("take", "takes", "need", "within", "up", "about", "around", "approximately"),
    "immediate": ("immediate", "immediately", "now", "right", "instantly", "instant"),
    "give": ("give", "offer", "issu", "grant", "provid"),
    "no": ("no", "not", "never", "without", "won't", "don't", "doesn't", "cannot", "can't"),
}
"""Words a customer-care agent uses for the same thing: a shared concept counts as half a
shared word (the stems themselves count too)."""

_STEM_CONCEPT = {stem: concept for concept, stems in _CONCEPTS.items() for stem in stems}


def _stem(word: str) -> str:
    """A crude English stem: enough for plural, tense and -ly to meet."""
    for suffix in ("ations", "ation", "ings", "ing", "edly", "ed", "ies", "es", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word[:-1] if len(word) > 4 and word.endswith("e") else word


def _content(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


_IDIOMS = re.compile(r"\bfeel free\b|\bfree to (?:ask|reach|contact|let)\b|\bat any time\b|"
                     r"\bhave a (?:great|good|nice) (?:day|week)\b|\bno (?:problem|worries)\b|"
                     r"\bnot a problem\b", re.I)
"""Phrases whose words mean nothing here ("feel free to ask" is not about a fee)."""


_FIGURE_WORDS = re.compile(r"\b(?:no|not|never|without|none|nothing)\b|n't\b", re.I)


def _units(text: str) -> list[tuple[str, str | None]]:
    """The content of a text: (word stem, its concept or None) per content word, and
    ("#kind", None) per kind of figure."""
    text = _IDIOMS.sub(" ", text)
    out: list[tuple[str, str | None]] = [("#" + kind, None) for kind in sorted(figures(text))]
    for word in _content(_FIGURE_WORDS.sub(" ", text)):
        if word[0].isdigit():
            continue  # figures are matched by kind, not by value
        stem = _stem(word)
        out.append((stem, _concept(word, stem)))
    return list(dict.fromkeys(out))


@lru_cache(maxsize=16384)
def _concept(word: str, stem: str) -> str | None:
    concept = _STEM_CONCEPT.get(stem) or _STEM_CONCEPT.get(word)
    if concept is None:
        concept = next((c for s, c in _STEM_CONCEPT.items() if len(s) >= 5
                        and stem.startswith(s)), None)
    return None if concept is None else "§" + concept


_NEGATION = re.compile(r"\b(?:not|never|without|cannot)\b|n't\b", re.I)


def _negated_stems(text: str) -> set[str]:
    """Stems of the three content words after each negation ("not allow for a full refund":
    allow, full, refund)."""
    text = _IDIOMS.sub(" ", text)
    return {_stem(w) for m in _NEGATION.finditer(text)
            for w in _content(text[m.end():])[:3] if not w[0].isdigit()}


def _features(text: str) -> set[str]:
    """Stems, concepts and figure kinds of a text, as one set."""
    return {f for unit in _units(text) for f in unit if f is not None}


@lru_cache(maxsize=4096)
def figures(text: str) -> frozenset[str]:
    """The kinds of figure a text carries (money, duration, percent, date)."""
    return frozenset(kind for kind, pattern in FIGURES.items() if pattern.search(text))


def sentences(text: str) -> list[str]:
    """An agent turn's sentences (and clauses after a dash), stripped, non-empty."""
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


@dataclass(frozen=True)
class Match:
    sentence: str
    example: str
    closeness: float


Units = list[tuple[str, str | None]]


@lru_cache(maxsize=1)
def _char_ngrams() -> Callable[[str], list[str]]:
    """scikit-learn's character 3-5-grams within word boundaries (imported on first use: most
    packs write disclosures as patterns, and scikit-learn costs a campaign's driver and every
    Ray actor a noticeable share of its start-up)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyzer: Callable[[str], list[str]] = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), lowercase=True).build_analyzer()
    return analyzer


def _char_vector(text: str, vocabulary: set[str] | None = None) -> dict[str, float]:
    """Sublinear-tf, L2-normalised character n-grams of a text's content words, only those
    of `vocabulary` when given (what TfidfVectorizer(analyzer="char_wb", use_idf=False,
    sublinear_tf=True) fitted on the examples gives, without its per-call overhead: a
    matcher reads every sentence of every agent turn)."""
    counts: dict[str, int] = {}
    for gram in _char_ngrams()(" ".join(_content(text))):
        if vocabulary is None or gram in vocabulary:
            counts[gram] = counts.get(gram, 0) + 1
    weights = {g: 1.0 + math.log(c) for g, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {g: w / norm for g, w in weights.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(b) < len(a):
        a, b = b, a
    return sum(w * b.get(g, 0.0) for g, w in a.items())


_WORDS_WEIGHT, _CHARS_WEIGHT = 0.6, 0.4


class StatementMatcher:
    """Nearest-example recogniser of one statement (a disclosure's examples)."""

    def __init__(self, examples: tuple[str, ...], not_examples: tuple[str, ...] = (),
                 threshold: float = THRESHOLD) -> None:
        self.examples = examples
        self.not_examples = not_examples
        self.threshold = threshold
        self._figures = [figures(e) for e in examples]
        self._units = [_units(e) for e in examples]
        self._not_units = [_units(e) for e in not_examples]
        self._vecs = [_char_vector(e) for e in examples]
        self._not_vecs = [_char_vector(e) for e in not_examples]
        self._vocabulary = {g for t in (*examples, *not_examples)
                            for g in _char_ngrams()(" ".join(_content(t)))}
        self._seen: dict[str, Match | None] = {}

    @staticmethod
    def _overlap(example: Units, sentence: set[str]) -> float:
        """Share of the example's content in the sentence: a word (or figure kind) it has
        counts 1, a word of the same concept (cost for price) 0.8; 0 when fewer than two
        of them are there (one shared word is chance)."""
        got = [1.0 if stem in sentence else 0.8 if concept in sentence else 0.0
               for stem, concept in example]
        if not example or sum(g > 0 for g in got) < min(2, len(example)):
            return 0.0
        return sum(got) / len(example)

    def closeness(self, sentence: str, at_least: float = 0.0) -> tuple[float, int]:
        """(closeness to the nearest example whose figures the sentence carries, its index);
        (0, -1) when no example qualifies, none can reach `at_least`, or a not-example is at
        least as close."""
        has = figures(_IDIOMS.sub(" ", sentence))
        # An example's own words said right after a negation it does not carry say the
        # opposite ("does not allow for a full refund" is not "you will get a full refund").
        negated = _negated_stems(sentence) if "negation" in has else set()
        allowed = [i for i, need in enumerate(self._figures) if need <= has and (
            "negation" in need or not negated & {stem for stem, _ in self._units[i]})]
        if not allowed:
            return 0.0, -1
        mine = _features(sentence)
        overlap = {i: self._overlap(self._units[i], mine) for i in allowed}
        # Characters add at most _CHARS_WEIGHT: skip the examples that cannot reach the bar.
        overlap = {i: o for i, o in overlap.items()
                   if _WORDS_WEIGHT * o + _CHARS_WEIGHT >= at_least}
        if not overlap:
            return 0.0, -1
        vec = _char_vector(sentence, self._vocabulary)
        scores = {i: _WORDS_WEIGHT * o + _CHARS_WEIGHT * _cosine(self._vecs[i], vec)
                  for i, o in overlap.items()}
        best = max(scores, key=lambda i: (scores[i], -i))
        for units, nvec in zip(self._not_units, self._not_vecs, strict=True):
            words = self._overlap(units, mine)
            near = _WORDS_WEIGHT * words + _CHARS_WEIGHT * _cosine(nvec, vec)
            # Letters alone do not veto: the not-example must share as much content too.
            if near >= scores[best] and words >= overlap[best]:
                return 0.0, -1
        return scores[best], best

    def find(self, text: str) -> Match | None:
        """The first sentence of `text` that says the statement, or None (remembered per
        text: agents repeat their sentences)."""
        if text in self._seen:
            return self._seen[text]
        found = None
        for sentence in sentences(text):
            score, index = self.closeness(sentence, self.threshold)
            if index >= 0 and score >= self.threshold:
                found = Match(sentence, self.examples[index], round(score, 3))
                break
        if len(self._seen) >= 4096:
            self._seen.clear()
        self._seen[text] = found
        return found


@lru_cache(maxsize=256)
def matcher(examples: tuple[str, ...], not_examples: tuple[str, ...] = ()) -> StatementMatcher:
    """One fitted matcher per disclosure wording (scenarios of a template share it)."""
    return StatementMatcher(examples, not_examples)
