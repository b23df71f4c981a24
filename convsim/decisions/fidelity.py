"""Fidelity: how much simulated customers look and behave like real ones.

Compares the customer turns of a simulated run with imported real transcripts,
overall and per intent, on style (words per turn, question rate, distinct-1/2,
vocabulary overlap) and behaviour (pieces of information in the opening turn
and per later turn, customer turns to the goal, pushback / repetition /
leaving after an agent failure, asking for a human, patience, self-corrections).
Every distance is a Kolmogorov–Smirnov distance in [0, 1] (for a rate, the gap
between the two rates, which is the KS distance of two Bernoulli variables).

Each distance sits beside a bootstrap band: the same distance between a random
real subsample the size of the simulated side and the rest of the real data,
repeated; the band is its 95th percentile. A feature is out of band when its
distance exceeds 1.5x the band. The fidelity index is 100 x (1 - mean distance)
over the behaviour and style features; the real-vs-real index is the same
formula on the bootstrap medians. See docs/fidelity.md.

Only customer turns (and the act of the agent message each one answers) are
read: agent-driven length (an agent that transfers at once) changes how many
turns are sampled, not the per-turn rates; the one length figure that depends on
the agent (customer turns per conversation) is shown but kept out of the index.

Size: over 400 lines because every feature, its distance and its real-vs-real band are
defined in this one place, so `convsim fidelity`, the campaign summary
(campaign_fidelity) and the benchmarks compute the same index.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

from convsim.core.acts import classify

WORD = re.compile(r"[a-z']+")
IDENTIFIER = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|#?\b[A-Za-z]*\d[\w#-]*\d[\w-]*\b|\b\d{3,}\b")
"""Pieces of information that are identifiers: emails, tokens with 2+ digits (order ids,
zip codes, phone numbers, prices, dates)."""
CORRECTION = re.compile(
    r"\b(sorry,? i meant|i meant|i mean,|correction|i mistyped|typo|my mistake|my bad|oops|"
    r"let me correct|not \w+,? but|wait,|actually,? (?:it's|it is|i meant|make (?:it|that)|"
    r"i want|i'd like|can (?:i|you) (?:change|make))|scratch that|change (?:that|it) to)\b",
    re.IGNORECASE)
PUSHBACK = re.compile(
    r"\b(but|still|again|already|i (?:said|told you|just (?:gave|said|told))|why|that's not|"
    r"not what|are you sure|can you (?:check|try|look)|please (?:check|try)|really\?|"
    r"there must be|it should|doesn't make sense|no,)|\?\s*$", re.IGNORECASE)
HUMAN = re.compile(r"\b(human|real person|representative|manager|supervisor|live agent|"
                   r"someone else|speak to (?:an?|the) (?:agent|person))\b", re.IGNORECASE)
GIVE_UP = re.compile(r"\b(forget it|never ?mind|i'll (?:try|call|come back|go) (?:again |back )?"
                     r"(?:later|elsewhere|somewhere)|not working|waste of time|i give up|bye)\b",
                     re.IGNORECASE)
FAILURE_ACTS = frozenset({"failure"})

INDEX_FEATURES = (
    "words_per_turn_ks", "opening_info_ks", "info_per_turn_ks", "turns_to_goal_ks",
    "question_rate_gap", "self_correction_gap", "pushback_after_failure_gap",
    "repeat_after_failure_gap", "leaves_after_failure_gap", "asks_human_gap", "patience_ks",
    "distinct1_gap", "distinct2_gap", "vocabulary_distance",
)
"""Features in the fidelity index: behaviour and style of the customer, not of the agent
(customer turns per conversation and the intent mix are shown, not indexed)."""
BEHAVIOUR = frozenset({"opening_info_ks", "info_per_turn_ks", "turns_to_goal_ks",
                       "self_correction_gap", "pushback_after_failure_gap",
                       "repeat_after_failure_gap", "leaves_after_failure_gap", "asks_human_gap",
                       "patience_ks"})
OUT_OF_BAND = 1.5
"""A feature whose distance exceeds this multiple of the real-vs-real band is flagged."""


# ----------------------------------------------------------------------------- per conversation


@dataclass
class Customer:
    """What one conversation's customer did, read from its turns."""

    intent: str
    conversation_id: str = ""
    words: list[int] = field(default_factory=list)
    info: list[int] = field(default_factory=list)
    questions: int = 0
    corrections: int = 0
    tokens: list[str] = field(default_factory=list)
    after_failure: list[tuple[bool, bool, bool]] = field(default_factory=list)
    """(pushed back, repeated an earlier turn, left) for each turn answering an agent failure."""
    turns_to_goal: int | None = None
    patience: int | None = None
    asks_human: bool = False
    _ids: np.ndarray | None = field(default=None, init=False, repr=False)

    @property
    def ids(self) -> np.ndarray:
        """The tokens as ids of the process's vocabulary (computed once)."""
        if self._ids is None:
            self._ids = _ids(self.tokens)
        return self._ids


class InfoCounter:
    """Counts pieces of information in a customer turn: identifiers, person names, and the
    categorical slot values a catalog mined from the tool calls (sizes, products...)."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        from convsim.core.names import first_names, last_names

        words = sorted({v.lower().strip() for v in values if len(v.strip()) >= 3
                        and not v.strip().isdigit() and v.lower() not in ("true", "false", "none")},
                       key=len, reverse=True)
        self.values = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b") \
            if words else None
        self.first = first_names()
        self.last = last_names()

    def __call__(self, text: str) -> int:
        n = len(IDENTIFIER.findall(text))
        rest = IDENTIFIER.sub(" ", text)
        n += self._names(rest)
        if self.values is not None:
            n += len(self.values.findall(rest.lower()))
        return n


    def _names(self, text: str) -> int:
        """Person names: a run of adjacent capitalised words with a first name in it is one
        piece of information ("Eira Tule", "Catarina Raymonde" and "Raymonde" alike), so the
        pseudonyms chosen at ingest do not change the figure. A lone capitalised first word
        ("Will you...", "Mark it") is not a name; a run of two or more there is, and so is a
        run of two or more with a family name in it ("Platini Crawford")."""
        runs: list[tuple[bool, list[str]]] = []  # (starts the turn, its words)
        end = -1
        for i, m in enumerate(_WORD.finditer(text)):
            w = m.group(0)
            if not w[0].isupper():
                end = -1
            elif end >= 0 and not text[end:m.start()].strip():
                runs[-1][1].append(w.lower())
                end = m.end()
            else:
                runs.append((i == 0, [w.lower()]))
                end = m.end()
        return sum(1 for first, words in runs if (len(words) > 1 or not first)
                   and any(w in self.first or (len(words) > 1 and w in self.last)
                           for w in words))


_WORD = re.compile(r"[A-Za-z][a-z'-]+")


def _overlap(a: list[str], b: list[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def read_customer(turns: Sequence[tuple[str, str]], intent: str, info: InfoCounter) -> Customer:
    """The customer of one conversation from its (role, text) turns in order."""
    c = Customer(intent=intent)
    agent: list[str] = []
    said: list[list[str]] = []
    customer_idx = [i for i, (role, _) in enumerate(turns) if role == "customer" and _.strip()]
    last = customer_idx[-1] if customer_idx else -1
    for i, (role, text) in enumerate(turns):
        if role == "agent":
            agent.append(text)
            continue
        if role != "customer" or not text.strip():
            continue
        act = classify(" ".join(agent)) if agent and said else "opening"
        agent = []
        if act == "success" and c.turns_to_goal is None:
            c.turns_to_goal = len(said)
        toks = WORD.findall(text.lower())
        c.words.append(len(toks))
        c.info.append(info(text))
        c.questions += "?" in text
        c.corrections += bool(CORRECTION.search(text)) and bool(said)
        human = bool(HUMAN.search(text))
        if act in FAILURE_ACTS:
            repeated = any(_overlap(toks, s) >= 0.5 for s in said if len(s) >= 3)
            c.after_failure.append((bool(PUSHBACK.search(text)) or human or repeated, repeated,
                                    i == last))
        if c.patience is None and (human or (GIVE_UP.search(text) and act in FAILURE_ACTS)):
            c.patience = len(said) + 1
        c.asks_human = c.asks_human or human
        c.tokens.extend(toks)
        said.append(toks)
    if c.turns_to_goal is None and agent and said and classify(" ".join(agent)) == "success":
        c.turns_to_goal = len(said)
    return c


# ----------------------------------------------------------------------------- distances


def ks(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov–Smirnov statistic."""
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    grid = np.union1d(a, b)
    fa = np.searchsorted(np.sort(a), grid, side="right") / len(a)
    fb = np.searchsorted(np.sort(b), grid, side="right") / len(b)
    return float(np.max(np.abs(fa - fb)))


def js(p: Counter[str], q: Counter[str]) -> float:
    """Jensen–Shannon divergence (base 2, in [0, 1]) of two categorical distributions."""
    keys = sorted(set(p) | set(q))
    a = np.array([p[k] for k in keys], dtype=float)
    b = np.array([q[k] for k in keys], dtype=float)
    if a.sum() == 0 or b.sum() == 0:
        return float("nan")
    a, b = a / a.sum(), b / b.sum()
    m = (a + b) / 2

    def kl(x: np.ndarray, y: np.ndarray) -> float:
        mask = x > 0
        return float(np.sum(x[mask] * np.log2(x[mask] / y[mask])))

    return (kl(a, m) + kl(b, m)) / 2


def distinct(tokens: list[str], n: int, size: int) -> float:
    """Distinct n-grams over n-grams in the first `size` tokens."""
    sample = tokens[:size]
    grams = list(zip(*(sample[i:] for i in range(n)), strict=False))
    return len(set(grams)) / len(grams) if grams else float("nan")


_VOCAB: dict[str, int] = {}
"""Token -> id, shared by every side of the process (distinct n-grams are counted on ids)."""


def _ids(tokens: list[str]) -> np.ndarray:
    return np.fromiter((_VOCAB.setdefault(t, len(_VOCAB)) for t in tokens), dtype=np.int64,
                       count=len(tokens))


class Distinct:
    """`distinct(tokens, n, size)` on the tokens' ids (hashing ints, not tuples of strings)."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids

    def __call__(self, n: int, size: int) -> float:
        count = min(size, len(self.ids)) - n + 1
        if count <= 0:
            return float("nan")
        ids = self.ids[:count + n - 1]
        codes = ids if n == 1 else ids[:-1] * (len(_VOCAB) + 1) + ids[1:]
        return len(set(codes.tolist())) / count


def _mean(x: Sequence[float] | np.ndarray) -> float:
    return float(np.mean(x)) if len(x) else float("nan")


@dataclass
class Side:
    """Customer figures of a set of conversations."""

    customers: list[Customer]

    def __post_init__(self) -> None:
        cs = self.customers
        self.words = np.array([w for c in cs for w in c.words], dtype=float)
        self.opening_info = np.array([c.info[0] for c in cs if c.info], dtype=float)
        self.info_later = np.array([x for c in cs for x in c.info[1:]], dtype=float)
        self.turns = np.array([len(c.words) for c in cs], dtype=float)
        self.to_goal = np.array([c.turns_to_goal for c in cs if c.turns_to_goal], dtype=float)
        self.patience = np.array([c.patience for c in cs if c.patience], dtype=float)
        after = [x for c in cs for x in c.after_failure]
        self.after = np.array(after, dtype=float).reshape(-1, 3)
        n_turns = max(len(self.words), 1)
        self.question_rate = sum(c.questions for c in cs) / n_turns if len(self.words) else np.nan
        self.correction_rate = (sum(c.corrections for c in cs) / n_turns
                                if len(self.words) else np.nan)
        self.asks_human = _mean([c.asks_human for c in cs])
        self.tokens = [w for c in cs for w in c.tokens]
        self.ids = np.concatenate([c.ids for c in cs]) if cs else np.zeros(0, dtype=np.int64)
        self.vocab = np.unique(self.ids)
        self.distinct = Distinct(self.ids)
        self.intents = Counter(c.intent for c in cs)

    def values(self) -> dict[str, float]:
        """The figure each feature's distance is about, on this side (a mean or a rate)."""
        size = len(self.tokens)
        after = self.after
        return {
            "words_per_turn_ks": _mean(self.words), "opening_info_ks": _mean(self.opening_info),
            "info_per_turn_ks": _mean(self.info_later), "turns_to_goal_ks": _mean(self.to_goal),
            "turns_per_conversation_ks": _mean(self.turns),
            "question_rate_gap": float(self.question_rate),
            "self_correction_gap": float(self.correction_rate),
            "pushback_after_failure_gap": _mean(after[:, 0]),
            "repeat_after_failure_gap": _mean(after[:, 1]),
            "leaves_after_failure_gap": _mean(after[:, 2]),
            "asks_human_gap": self.asks_human, "patience_ks": _mean(self.patience),
            "distinct1_gap": self.distinct(1, size),
            "distinct2_gap": self.distinct(2, size),
        }


def compare(a: Side, b: Side) -> dict[str, float]:
    """Distances between two sides (a: real, b: simulated or another real part)."""
    size = min(len(a.ids), len(b.ids))
    common = len(np.intersect1d(a.vocab, b.vocab, assume_unique=True))
    union = len(a.vocab) + len(b.vocab) - common
    jac = common / union if union else float("nan")

    def gap(x: float, y: float) -> float:
        return abs(x - y)

    return {
        "words_per_turn_ks": ks(a.words, b.words),
        "opening_info_ks": ks(a.opening_info, b.opening_info),
        "info_per_turn_ks": ks(a.info_later, b.info_later),
        "turns_to_goal_ks": ks(a.to_goal, b.to_goal),
        "turns_per_conversation_ks": ks(a.turns, b.turns),
        "question_rate_gap": gap(a.question_rate, b.question_rate),
        "self_correction_gap": gap(a.correction_rate, b.correction_rate),
        "pushback_after_failure_gap": gap(_mean(a.after[:, 0]), _mean(b.after[:, 0])),
        "repeat_after_failure_gap": gap(_mean(a.after[:, 1]), _mean(b.after[:, 1])),
        "leaves_after_failure_gap": gap(_mean(a.after[:, 2]), _mean(b.after[:, 2])),
        "asks_human_gap": gap(a.asks_human, b.asks_human),
        "patience_ks": ks(a.patience, b.patience),
        "distinct1_gap": gap(a.distinct(1, size), b.distinct(1, size)),
        "distinct2_gap": gap(a.distinct(2, size), b.distinct(2, size)),
        "vocabulary_distance": 1 - jac,
        "intent_mix_js": js(a.intents, b.intents),
        "vocabulary_jaccard": jac,
        "token_coverage": (float(np.isin(b.ids, a.vocab).mean())
                           if len(b.ids) else float("nan")),
    }


# ----------------------------------------------------------------------------- the comparison


@dataclass
class Fidelity:
    """Result of a comparison: one row per (intent, feature), and the index."""

    features: pl.DataFrame
    """intent ("all" or an intent), feature, real, simulated, sim_vs_real, real_vs_real
    (bootstrap median), band (bootstrap 95th percentile), ratio (sim_vs_real / band),
    out_of_band, in_index."""
    index: float
    """100 x (1 - mean sim-vs-real distance) over INDEX_FEATURES, overall."""
    real_index: float
    """The same on the real-vs-real bootstrap medians: the ceiling on this data."""
    conversations: dict[str, int]
    """real, simulated: conversations compared."""

    def out_of_band(self) -> list[str]:
        """One sentence per overall feature beyond OUT_OF_BAND x the band."""
        rows = self.features.filter((pl.col("intent") == "all") & pl.col("out_of_band"))
        return [f"{r['feature']}: simulated {_fmt(r['simulated'])} vs real {_fmt(r['real'])} "
                f"(distance {r['sim_vs_real']:.3f}, band {r['band']:.3f})"
                for r in rows.iter_rows(named=True)]


def _fmt(x: float | None) -> str:
    return "-" if x is None or not np.isfinite(x) else f"{x:.2f}"


def _index(dist: dict[str, float]) -> float:
    vals = [dist[f] for f in INDEX_FEATURES if np.isfinite(dist.get(f, np.nan))]
    return 100 * (1 - float(np.mean(vals))) if vals else float("nan")


def _bootstrap(real: list[Customer], size: int, rng: np.random.Generator, n_boot: int
               ) -> dict[str, np.ndarray]:
    """Distances between a random real subsample of `size` conversations and the rest."""
    size = max(1, min(size, len(real) // 2))
    runs: dict[str, list[float]] = {}
    for _ in range(n_boot):
        pick = np.zeros(len(real), dtype=bool)
        pick[rng.choice(len(real), size=size, replace=False)] = True
        a = Side([c for c, p in zip(real, pick, strict=True) if not p])
        b = Side([c for c, p in zip(real, pick, strict=True) if p])
        for k, v in compare(a, b).items():
            runs.setdefault(k, []).append(v)
    return {k: np.array(v, dtype=float) for k, v in runs.items()}


def _nanq(x: np.ndarray, q: float) -> float:
    x = x[np.isfinite(x)]
    return float(np.quantile(x, q)) if len(x) else float("nan")


def _rows(intent: str, real: list[Customer], sim: list[Customer], rng: np.random.Generator,
          n_boot: int) -> tuple[list[dict[str, Any]], float, float]:
    real_side, sim_side = Side(real), Side(sim)
    dist = compare(real_side, sim_side)
    boot = _bootstrap(real, len(sim), rng, n_boot)
    rv, sv = real_side.values(), sim_side.values()
    size = min(len(real_side.ids), len(sim_side.ids))  # distinct-n on equal-size samples,
    for n in (1, 2):                                    # as its distance is
        rv[f"distinct{n}_gap"] = real_side.distinct(n, size)
        sv[f"distinct{n}_gap"] = sim_side.distinct(n, size)
    rows = []
    for feature, d in dist.items():
        similarity = feature in ("vocabulary_jaccard", "token_coverage")
        median = _nanq(boot[feature], 0.5)
        band = _nanq(boot[feature], 0.05 if similarity else 0.95)
        ratio = (d / band if band > 0 else float("inf") if d > 0 else 1.0) \
            if np.isfinite(d) and np.isfinite(band) and not similarity else float("nan")
        rows.append({"intent": intent, "feature": feature, "real": rv.get(feature),
                     "simulated": sv.get(feature), "sim_vs_real": d, "real_vs_real": median,
                     "band": band, "ratio": ratio,
                     "out_of_band": bool(not np.isnan(ratio) and ratio > OUT_OF_BAND
                                         and feature in INDEX_FEATURES),
                     "in_index": feature in INDEX_FEATURES})
    medians = {k: _nanq(v, 0.5) for k, v in boot.items()}
    return rows, _index(dist), _index(medians)


SCHEMA = {"intent": pl.String, "feature": pl.String, "real": pl.Float64,
          "simulated": pl.Float64, "sim_vs_real": pl.Float64, "real_vs_real": pl.Float64,
          "band": pl.Float64, "ratio": pl.Float64, "out_of_band": pl.Boolean,
          "in_index": pl.Boolean}


def compare_customers(real: list[Customer], sim: list[Customer], seed: int = 0,
                      n_boot: int = 40, min_per_intent: int = 5, by_intent: bool = True
                      ) -> Fidelity:
    """Compare two lists of customers, overall and (`by_intent`) per intent (both sides with
    at least `min_per_intent` conversations)."""
    if len(real) < 4 or not sim:
        raise ValueError(f"too few conversations to compare ({len(real)} real, {len(sim)} "
                         "simulated; need 4 real and 1 simulated)")
    rng = np.random.default_rng([seed, 0xF1D])
    rows, index, real_index = _rows("all", real, sim, rng, n_boot)
    for intent in sorted({c.intent for c in sim}) if by_intent else ():
        r = [c for c in real if c.intent == intent]
        s = [c for c in sim if c.intent == intent]
        if len(r) >= max(min_per_intent, 4) and len(s) >= min_per_intent:
            rows += [x for x in _rows(intent, r, s, rng, n_boot)[0]
                     if x["feature"] != "intent_mix_js"]
    return Fidelity(features=pl.DataFrame(rows, schema=SCHEMA), index=index,
                    real_index=real_index, conversations={"real": len(real), "simulated": len(sim)})


# ----------------------------------------------------------------------------- from Parquet


def customers_from_turns(turns: pl.DataFrame, intents: dict[str, str], info: InfoCounter
                         ) -> list[Customer]:
    """One Customer per conversation of a turns table (conversation_id, turn_index, role, text)."""
    out = []
    ordered = turns.select("conversation_id", "turn_index", "role", "text").sort(
        "conversation_id", "turn_index")
    ids = ordered["conversation_id"].cast(pl.String).to_list()
    roles = ordered["role"].to_list()
    texts = ordered["text"].fill_null("").to_list()
    start = 0
    for end in range(1, len(ids) + 1):
        if end < len(ids) and ids[end] == ids[start]:
            continue
        rows = list(zip(roles[start:end], texts[start:end], strict=True))
        if any(r == "customer" for r, _ in rows):
            out.append(read_customer(rows, intents.get(ids[start], "unknown"), info))
            out[-1].conversation_id = ids[start]
        start = end
    return out


def catalog_values(catalog: Path | None) -> list[str]:
    """Categorical slot values a catalog mined from tool calls (pieces of information)."""
    if catalog is None or not (catalog / "catalog.yaml").is_file():
        return []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the pure-Python one takes ~1 s
    data = yaml.load((catalog / "catalog.yaml").read_text(), Loader=loader) or {}  # noqa: S506
    values = [v for slot in (data.get("slots_overall") or {}).values() for v in slot]
    for intent in (data.get("intents") or {}).values():
        values += [v for slot in (intent.get("slots") or {}).values() for v in slot]
    return [str(v) for v in values]


def _real_intents(real_dir: Path, catalog: Path | None, map_to: set[str] | None
                  ) -> dict[str, str]:
    conv = pl.read_parquet(real_dir / "conversations" / "*.parquet",
                           columns=["conversation_id", "intent"])
    intents = {c: i for c, i in conv.iter_rows() if i}
    if catalog is not None and (catalog / "assignments.parquet").is_file():
        intents.update(dict(pl.read_parquet(catalog / "assignments.parquet")
                            .select("conversation_id", "intent").iter_rows()))
    if map_to:  # intents the simulator cannot play are its out-of-scope scenarios
        intents = {c: (i if i in map_to else "out_of_scope") for c, i in intents.items()}
    return intents


def measure_fidelity(real: str | Path, simulated: str | Path, catalog: str | Path | None = None,
                     agent_version: str | None = None, seed: int = 0, n_boot: int = 40
                     ) -> Fidelity:
    """Fidelity of a run's customers (one agent version: default the first in sort order, so
    paired conversations are not counted twice) against imported real transcripts."""
    real_dir, sim_dir = Path(real), Path(simulated)
    cat = Path(catalog) if catalog else None
    for d in (real_dir, sim_dir):
        if not (d / "turns").is_dir():
            raise FileNotFoundError(f"{d}: no turns/ folder (an ingest output or a run folder)")
    info = InfoCounter(catalog_values(cat))
    sim, _ = simulated_customers(sim_dir, info, agent_version)
    real_turns = pl.read_parquet(real_dir / "turns" / "*.parquet")
    real_intents = _real_intents(real_dir, cat, {c.intent for c in sim})
    return compare_customers(customers_from_turns(real_turns, real_intents, info), sim, seed,
                             n_boot)


def simulated_customers(run_dir: Path, info: InfoCounter, agent_version: str | None = None,
                        max_conversations: int | None = None
                        ) -> tuple[list[Customer], str | None]:
    """The customers of one agent version of a run (default: the first in sort order, so
    paired conversations are not counted twice), without simulator errors; and the version.
    With `max_conversations`, the first ones by conversation id (ids are content hashes:
    a sample)."""
    sim_conv = pl.read_parquet(run_dir / "conversations" / "*.parquet",
                               columns=["conversation_id", "intent", "agent_version", "outcome"])
    versions = sorted(v for v in sim_conv["agent_version"].unique().to_list() if v)
    version = None
    if versions:
        version = agent_version or versions[0]
        if version not in versions:
            raise ValueError(f"{run_dir}: no agent version {version!r} (have {versions})")
        sim_conv = sim_conv.filter(pl.col("agent_version") == version)
    # A simulator failure is convsim's, not a customer's behaviour.
    sim_conv = sim_conv.filter(pl.col("outcome").fill_null("") != "simulator_error")
    if max_conversations is not None:
        sim_conv = sim_conv.sort("conversation_id").head(max_conversations)
    sim_intents = {c: i or "unknown" for c, i in
                   sim_conv.select("conversation_id", "intent").iter_rows()}
    sim_turns = (pl.scan_parquet(run_dir / "turns" / "*.parquet")
                 .select("conversation_id", "turn_index", "role", "text")
                 .filter(pl.col("conversation_id").is_in(list(sim_intents))).collect())
    return customers_from_turns(sim_turns, sim_intents, info), version


def fidelity_report(real: str | Path, simulated: str | Path, catalog: str | Path | None = None,
                    agent_version: str | None = None, seed: int = 0) -> pl.DataFrame:
    """The overall rows of `measure_fidelity`, with the counts first: figure, real, simulated,
    sim_vs_real, real_vs_real_baseline (bootstrap median), band, out_of_band."""
    fid = measure_fidelity(real, simulated, catalog, agent_version, seed)
    rows: list[dict[str, Any]] = [
        {"figure": "conversations", "real": float(fid.conversations["real"]),
         "simulated": float(fid.conversations["simulated"])},
        {"figure": "fidelity_index", "real": fid.real_index, "simulated": fid.index}]
    for r in fid.features.filter(pl.col("intent") == "all").iter_rows(named=True):
        rows.append({"figure": r["feature"], "real": r["real"], "simulated": r["simulated"],
                     "sim_vs_real": r["sim_vs_real"], "real_vs_real_baseline": r["real_vs_real"],
                     "band": r["band"], "out_of_band": r["out_of_band"]})
    return pl.DataFrame(rows, schema={
        "figure": pl.String, "real": pl.Float64, "simulated": pl.Float64,
        "sim_vs_real": pl.Float64, "real_vs_real_baseline": pl.Float64, "band": pl.Float64,
        "out_of_band": pl.Boolean})
