"""Fidelity on every campaign: the customers of a run against its catalog's real ones.

A campaign whose scenarios (or personas) come from a catalog (`convsim mine`) is
compared, when its summary is written, with the real transcripts the catalog was
mined from: the same features, band and index as `convsim fidelity`
(`convsim.decisions.fidelity`), overall, on the customers of the run's first agent
version. The catalog carries those transcripts' turns in `fidelity_reference.parquet`
(written by `convsim mine`, at most MAX_REFERENCE conversations), so a campaign needs
nothing but its catalog. Each feature beyond 1.5x the real-vs-real band is named in
words ("customers give 1.8 pieces of information in their opening turn vs 3.1 real").
`summary.py` saves the result in summary.json and summary.md, `convsim run` prints it,
the report shows it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from convsim.decisions.fidelity import (
    OUT_OF_BAND,
    Customer,
    InfoCounter,
    _real_intents,
    catalog_values,
    compare_customers,
    customers_from_turns,
    simulated_customers,
)

REFERENCE = "fidelity_reference.parquet"
"""File of a catalog with the real turns its campaigns' fidelity is measured against."""
MAX_REFERENCE = 2000
"""Real conversations kept in a catalog's reference at most (a seeded sample beyond): the
band is measured on subsamples of the simulated side's size anyway."""
N_BOOT = 20
"""Bootstrap draws of the band (`convsim fidelity` makes 40): the cost of a campaign's fidelity
is mostly these."""
MAX_SIMULATED = 500
"""Simulated conversations read at most (a sample by conversation id beyond): the cost of a
campaign's fidelity stays under a second whatever its size."""

_PHRASES: dict[str, tuple[str, str]] = {
    "words_per_turn_ks": ("customers write {s} words per turn vs {r} real", "num"),
    "opening_info_ks": ("customers give {s} pieces of information in their opening turn vs {r} "
                        "real", "num"),
    "info_per_turn_ks": ("customers give {s} pieces of information per later turn vs {r} real",
                         "num"),
    "turns_to_goal_ks": ("customers take {s} turns to reach their goal vs {r} real", "num"),
    "question_rate_gap": ("{s} of customer turns ask a question vs {r} real", "pct"),
    "self_correction_gap": ("{s} of customer turns correct something said before vs {r} real",
                            "pct"),
    "pushback_after_failure_gap": ("customers push back on {s} of agent failures vs {r} real",
                                   "pct"),
    "repeat_after_failure_gap": ("customers repeat themselves after {s} of agent failures vs {r} "
                                 "real", "pct"),
    "leaves_after_failure_gap": ("customers leave after {s} of agent failures vs {r} real", "pct"),
    "asks_human_gap": ("{s} of customers ask for a human vs {r} real", "pct"),
    "patience_ks": ("customers ask for a human or give up after {s} turns vs {r} real", "num"),
    "distinct1_gap": ("customers' words are {s} distinct (distinct-1) vs {r} real", "num"),
    "distinct2_gap": ("customers reuse phrasings: {s} of their word pairs are distinct "
                      "(distinct-2) vs {r} real", "num"),
}


def describe(feature: str, real: float | None, simulated: float | None, distance: float,
             band: float, real_vs_real: float | None = None) -> str:
    """One sentence saying how the simulated customers differ from the real ones."""
    ratio = f"distance {distance:.2f}, {distance / band:.1f}x the real-vs-real band" \
        if band and band > 0 else f"distance {distance:.2f}, real-vs-real band 0"
    if feature == "vocabulary_distance":
        same = "" if real_vs_real is None or not math.isfinite(real_vs_real) \
            else f" vs {1 - real_vs_real:.0%} between real customers"
        return f"customers share {1 - distance:.0%} of their vocabulary with real ones{same} " \
               f"({ratio})"
    phrase, kind = _PHRASES.get(feature, (feature + ": simulated {s} vs {r} real", "num"))

    def fmt(x: float | None) -> str:
        if x is None or not math.isfinite(x):
            return "-"
        return f"{x:.0%}" if kind == "pct" else f"{x:.2f}" if abs(x) < 1 else f"{x:.1f}"

    return phrase.format(s=fmt(simulated), r=fmt(real)) + f" ({ratio})"


FIGURES_VERSION = 2
"""Version of what `read_customer` reads from a conversation; a reference written with
another version is not used (mine the catalog again)."""
_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "conversation_id": pl.String, "intent": pl.String, "words": pl.List(pl.Int32),
            "info": pl.List(pl.Int32), "questions": pl.Int32, "corrections": pl.Int32,
            "tokens": pl.List(pl.String), "pushed_back": pl.List(pl.Boolean),
            "repeated": pl.List(pl.Boolean), "left": pl.List(pl.Boolean),
            "turns_to_goal": pl.Int32, "patience": pl.Int32, "asks_human": pl.Boolean}


def write_reference(transcripts: Sequence[str | Path], catalog: str | Path,
                    max_conversations: int = MAX_REFERENCE, seed: int = 0) -> int:
    """Save what the real customers of `transcripts` (folders of `convsim ingest`) did, one
    row per conversation, in the catalog (REFERENCE), for the fidelity of its campaigns;
    returns how many conversations."""
    cat = Path(catalog)
    values = catalog_values(cat)
    info = InfoCounter(values)
    turns, intents = [], {}
    for folder in map(Path, transcripts):
        if (folder / "turns").is_dir():
            intents.update(_real_intents(folder, cat, None))
            turns.append(pl.read_parquet(folder / "turns" / "*.parquet",
                                         columns=["conversation_id", "turn_index", "role",
                                                  "text"]))
    if not turns:
        return 0
    ref = pl.concat(turns)
    ids = sorted(set(ref["conversation_id"].cast(pl.String).to_list()))
    if len(ids) > max_conversations:  # a seeded sample
        rng = np.random.default_rng([seed, 0x2EF])
        ids = sorted(ids[i] for i in rng.choice(len(ids), size=max_conversations, replace=False))
        ref = ref.filter(pl.col("conversation_id").is_in(ids))
    customers = customers_from_turns(ref, intents, info)
    rows = [{"conversation_id": c.conversation_id, "intent": c.intent, "words": c.words,
             "info": c.info, "questions": c.questions, "corrections": c.corrections,
             "tokens": c.tokens, "pushed_back": [a[0] for a in c.after_failure],
             "repeated": [a[1] for a in c.after_failure], "left": [a[2] for a in c.after_failure],
             "turns_to_goal": c.turns_to_goal, "patience": c.patience,
             "asks_human": c.asks_human} for c in customers]
    table = pl.DataFrame(rows, schema=_COLUMNS).to_arrow()
    table = table.replace_schema_metadata({"convsim_fidelity": json.dumps(
        {"version": FIGURES_VERSION, "catalog_values": values,
         "sources": [str(t) for t in transcripts]})})
    import pyarrow.parquet as pq

    pq.write_table(table, cat / REFERENCE)
    return len(rows)


def read_reference(catalog: Path) -> tuple[list[Customer], list[str]] | str:
    """The real customers saved in a catalog and its slot values, or why they cannot be used."""
    import pyarrow.parquet as pq

    path = catalog / REFERENCE
    if not path.is_file():
        return (f"the catalog has no real customers to compare with ({REFERENCE}); mine it "
                "again with convsim mine")
    table = pq.read_table(path)
    meta = json.loads((table.schema.metadata or {}).get(b"convsim_fidelity", b"{}"))
    if meta.get("version") != FIGURES_VERSION:
        return (f"{path} was written by another convsim (figures version {meta.get('version')},"
                f" this one reads {FIGURES_VERSION}); mine the catalog again")
    real = []
    for r in pl.from_arrow(table).iter_rows(named=True):  # type: ignore[union-attr]
        real.append(Customer(
            intent=r["intent"], words=r["words"], info=r["info"], questions=r["questions"],
            corrections=r["corrections"], tokens=r["tokens"],
            after_failure=list(zip(r["pushed_back"], r["repeated"], r["left"], strict=True)),
            turns_to_goal=r["turns_to_goal"], patience=r["patience"],
            asks_human=r["asks_human"]))
    return real, list(meta.get("catalog_values") or [])


def run_catalog(run_dir: str | Path) -> Path | None:
    """The catalog a run's scenarios (else personas) came from, per its manifest."""
    path = Path(run_dir) / "manifest.json"
    if not path.is_file():
        return None
    config = json.loads(path.read_text(encoding="utf-8")).get("config") or {}
    for part in ("scenarios", "personas"):
        catalog = (config.get(part) or {}).get("catalog")
        if catalog:
            return Path(catalog)
    return None


def _clean(x: Any) -> Any:
    return None if isinstance(x, float) and not math.isfinite(x) else x


def campaign_fidelity(run_dir: str | Path, seed: int = 0, n_boot: int = N_BOOT,
                      max_simulated: int = MAX_SIMULATED) -> dict[str, Any] | None:
    """The run's customers against its catalog's real ones (None: no catalog). Keys: catalog,
    agent_version, index, real_vs_real_index, conversations, out_of_band (sentences),
    features (one row per feature); or catalog and `note` when it cannot be measured."""
    catalog = run_catalog(run_dir)
    if catalog is None:
        return None
    found = read_reference(catalog)
    if isinstance(found, str):
        return {"catalog": str(catalog), "note": f"not measured: {found}"}
    reference, values = found
    sim, version = simulated_customers(Path(run_dir), InfoCounter(values),
                                       max_conversations=max_simulated)
    played = {c.intent for c in sim}
    real = [c if c.intent in played else replace(c, intent="out_of_scope") for c in reference]
    if len(real) < 4 or not sim:
        return {"catalog": str(catalog), "agent_version": version,
                "note": f"not measured: {len(sim)} simulated conversations without a simulator "
                        f"error and {len(real)} real ones (need 1 and 4)"}
    fid = compare_customers(real, sim, seed, n_boot, by_intent=False)
    rows = fid.features.filter(pl.col("intent") == "all").drop("intent").to_dicts()
    out = [describe(r["feature"], r["real"], r["simulated"], r["sim_vs_real"], r["band"],
                    r["real_vs_real"]) for r in rows if r["out_of_band"]]
    return {"catalog": str(catalog), "agent_version": version, "index": _clean(fid.index),
            "real_vs_real_index": _clean(fid.real_index), "conversations": fid.conversations,
            "out_of_band_factor": OUT_OF_BAND, "out_of_band": out,
            "features": [{k: _clean(v) for k, v in r.items()} for r in rows]}


def fidelity_lines(fidelity: dict[str, Any] | None) -> list[str]:
    """The fidelity of a run in a few lines (the printed summary, summary.md)."""
    if not fidelity:
        return []
    head = f"Fidelity of the customers vs the real ones of {fidelity['catalog']}"
    if fidelity.get("note"):
        return [f"{head}: {fidelity['note']}"]
    n = fidelity["conversations"]
    index, real = fidelity.get("index"), fidelity.get("real_vs_real_index")
    lines = [f"{head} ({n['simulated']} simulated conversations of "
             f"{fidelity['agent_version']}, {n['real']} real): fidelity index "
             f"{'-' if index is None else f'{index:.1f}'} (real vs real "
             f"{'-' if real is None else f'{real:.1f}'}); "
             + (f"{len(fidelity['out_of_band'])} features beyond "
                f"{fidelity['out_of_band_factor']:g}x the real-vs-real band:"
                if fidelity["out_of_band"] else "every feature within "
                f"{fidelity['out_of_band_factor']:g}x the real-vs-real band")]
    lines += [f"  - {s}" for s in fidelity["out_of_band"]]
    return lines
