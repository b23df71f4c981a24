"""Fidelity: how much simulated customers look like real ones.

Compares the customer turns of a simulated run with imported real transcripts:
words per turn and turns per conversation (Kolmogorov–Smirnov distance), intent
mix (Jensen–Shannon divergence), vocabulary (Jaccard overlap, share of simulated
tokens known to the real vocabulary) and diversity (distinct-1/2 on equal-size
token samples). Each distance is printed beside the same distance between two
random halves of the real data: a simulator can do no better than that baseline.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

WORD = re.compile(r"[a-z']+")


@dataclass
class Side:
    """Customer turns of one set of conversations."""

    words_per_turn: np.ndarray
    turns_per_conversation: np.ndarray
    intents: Counter[str]
    tokens: list[str]


def _side(turns: pl.DataFrame, intents: dict[str, str]) -> Side:
    customer = turns.filter(pl.col("role") == "customer")
    texts = customer["text"].to_list()
    tokens_per = [WORD.findall(t.lower()) for t in texts]
    per_conv = customer.group_by("conversation_id").len()
    return Side(
        words_per_turn=np.array([len(t) for t in tokens_per], dtype=float),
        turns_per_conversation=per_conv["len"].to_numpy().astype(float),
        intents=Counter(intents.get(c, "unknown") for c in per_conv["conversation_id"]),
        tokens=[w for toks in tokens_per for w in toks])


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
    sample = tokens[:size]
    grams = list(zip(*(sample[i:] for i in range(n)), strict=False))
    return len(set(grams)) / len(grams) if grams else float("nan")


def compare(a: Side, b: Side) -> dict[str, float]:
    va, vb = set(a.tokens), set(b.tokens)
    size = min(len(a.tokens), len(b.tokens))
    return {
        "words_per_turn_ks": ks(a.words_per_turn, b.words_per_turn),
        "turns_per_conversation_ks": ks(a.turns_per_conversation, b.turns_per_conversation),
        "intent_mix_js": js(a.intents, b.intents),
        "vocabulary_jaccard": len(va & vb) / len(va | vb) if va | vb else float("nan"),
        "token_coverage": (sum(t in va for t in b.tokens) / len(b.tokens)
                           if b.tokens else float("nan")),
        "distinct1_gap": abs(distinct(a.tokens, 1, size) - distinct(b.tokens, 1, size)),
        "distinct2_gap": abs(distinct(a.tokens, 2, size) - distinct(b.tokens, 2, size)),
    }


def describe(side: Side) -> dict[str, float]:
    size = len(side.tokens)
    return {"conversations": float(len(side.turns_per_conversation)),
            "customer_turns": float(len(side.words_per_turn)),
            "mean_words_per_turn": float(side.words_per_turn.mean()) if size else float("nan"),
            "mean_turns_per_conversation": float(side.turns_per_conversation.mean())
            if len(side.turns_per_conversation) else float("nan"),
            "distinct1": distinct(side.tokens, 1, size), "distinct2": distinct(side.tokens, 2, size)}


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


def fidelity_report(real: str | Path, simulated: str | Path, catalog: str | Path | None = None,
                    agent_version: str | None = None, seed: int = 0) -> pl.DataFrame:
    """One row per figure: real, simulated, distance sim-vs-real, baseline real-vs-real.

    Only one agent version of the run is used (default: the first in sort order), so
    paired conversations are not counted twice.
    """
    real_dir, sim_dir = Path(real), Path(simulated)
    for d in (real_dir, sim_dir):
        if not (d / "turns").is_dir():
            raise FileNotFoundError(f"{d}: no turns/ folder (an ingest output or a run folder)")
    sim_conv = pl.read_parquet(sim_dir / "conversations" / "*.parquet",
                               columns=["conversation_id", "intent", "agent_version"])
    versions = sorted(v for v in sim_conv["agent_version"].unique().to_list() if v)
    if versions:
        version = agent_version or versions[0]
        if version not in versions:
            raise ValueError(f"{sim_dir}: no agent version {version!r} (have {versions})")
        sim_conv = sim_conv.filter(pl.col("agent_version") == version)
    sim_intents = dict(sim_conv.select("conversation_id", "intent").iter_rows())
    sim_turns = pl.read_parquet(sim_dir / "turns" / "*.parquet").filter(
        pl.col("conversation_id").is_in(list(sim_intents)))
    real_turns = pl.read_parquet(real_dir / "turns" / "*.parquet")
    real_intents = _real_intents(real_dir, Path(catalog) if catalog else None,
                                 set(sim_intents.values()))
    real_side, sim_side = _side(real_turns, real_intents), _side(sim_turns, sim_intents)

    ids = real_turns["conversation_id"].unique().sort().to_list()
    rng = np.random.default_rng(seed)
    half = set(rng.choice(ids, size=len(ids) // 2, replace=False).tolist())
    in_half = pl.col("conversation_id").is_in(list(half))
    base_a = _side(real_turns.filter(in_half), real_intents)
    base_b = _side(real_turns.filter(~in_half), real_intents)

    dist, base = compare(real_side, sim_side), compare(base_a, base_b)
    rows = []
    for key, value in describe(real_side).items():
        rows.append({"figure": key, "real": value, "simulated": describe(sim_side)[key],
                     "sim_vs_real": None, "real_vs_real_baseline": None})
    for key in dist:
        rows.append({"figure": key, "real": None, "simulated": None,
                     "sim_vs_real": dist[key], "real_vs_real_baseline": base[key]})
    return pl.DataFrame(rows, schema={"figure": pl.String, "real": pl.Float64,
                                      "simulated": pl.Float64, "sim_vs_real": pl.Float64,
                                      "real_vs_real_baseline": pl.Float64})
