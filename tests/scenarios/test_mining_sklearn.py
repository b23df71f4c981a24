"""Mining on scikit-learn: the catalog does not depend on PYTHONHASHSEED nor on the
pseudonym salt; typos are read with a real spell checker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from convsim.personas.mining import build_vocabulary, conversation_style
from convsim.scenarios.mining import cluster_openings, neutral_text

ROOT = Path(__file__).resolve().parents[2]
TRANSCRIPTS = ROOT / "convsim" / "scenarios" / "data" / "transcripts" / "tau_bench" / "retail_few_shot.jsonl"
MINING = ROOT / "configs" / "mining" / "retail.yaml"
TAU2_TASKS = ROOT / "convsim" / "scenarios" / "data" / "transcripts" / "tau2" / "retail_tasks.json"


def _mine(tmp: Path, hash_seed: str, salt: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "CONVSIM_PII_SALT": salt}
    cli = [sys.executable, "-m", "convsim.cli.main"]
    subprocess.run([*cli, "ingest", str(TRANSCRIPTS), "-f", "openai", "-o", str(tmp / "t")],
                   env=env, check=True, capture_output=True)
    # the mining config reads the tau2 tasks that build_retail.sh ingests: do the same here
    subprocess.run([*cli, "ingest", str(TAU2_TASKS), "-f", "tau2", "-o", str(tmp / "tau2")],
                   env=env, check=True, capture_output=True)
    mining = yaml.safe_load(MINING.read_text())
    mining["task_scenarios"] = [str(tmp / "tau2" / "scenarios.jsonl")]
    mining["persona_tasks"] = [str((MINING.parent / p).resolve()) for p in mining["persona_tasks"]]
    (tmp / "mining.yaml").write_text(yaml.safe_dump(mining))
    subprocess.run([*cli, "mine", str(tmp / "t"), "-c", str(tmp / "mining.yaml"),
                    "-o", str(tmp / "cat")], env=env, check=True, capture_output=True, cwd=ROOT)
    lines = (tmp / "cat" / "catalog.yaml").read_text().splitlines()
    return "\n".join(line.replace(str(tmp), "TMP") for line in lines
                     if not line.startswith("created_at:"))


def test_same_catalog_whatever_hash_seed_and_salt(tmp_path: Path) -> None:
    a = _mine(tmp_path / "a", "1", "one salt")
    b = _mine(tmp_path / "b", "2", "another salt")
    assert "intent_clustering" in a and "scikit-learn" in a
    assert a == b


def test_pseudonyms_do_not_reach_the_clustering() -> None:
    text = ("Hi, I'm Maria Jensen, djackson763@example.com, I moved to 5243 Douglas "
            "Trafficway, Springfield and want to change my shipping address")
    words = neutral_text(text).lower()
    for fake in ("jensen", "djackson", "douglas", "trafficway"):
        assert fake not in words
    assert "shipping address" in words


def test_clusters_are_stable_and_named_after_their_words() -> None:
    docs = ["cancel my order please"] * 6 + ["where is my package tracking"] * 6 + \
        ["refund for a broken item"] * 6
    names, info = cluster_openings(docs, max_k=5, seed=3)
    again, _ = cluster_openings(docs, max_k=5, seed=3)
    assert names == again and info["k"] == 3
    assert len(set(names[:6])) == len(set(names[6:12])) == len(set(names[12:])) == 1
    assert any("cancel" in n for n in names)


def test_typo_rate_counts_misspellings_not_rare_words() -> None:
    texts = ["I would like to exchange my headphones", "The recieve date was wrong",
             "My wireless keyboard arrived damaged"]
    vocabulary = build_vocabulary(texts)
    # "recieve" is a typo; "headphones", "wireless", "keyboard" are each seen once but spelled right.
    style = conversation_style(texts, vocabulary)
    long_words = [w for t in texts for w in t.lower().split() if len(w) >= 4]
    assert style["typo_rate"] == 1 / len(long_words)
