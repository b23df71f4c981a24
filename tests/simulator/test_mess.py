"""Production mess: speech transcripts, bursts, barge-in, topic switches, corrections —
seeded, recorded per turn, and visible per profile in the summary."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.core.perturb import cut_reply, speech_transcript, split_burst
from convsim.core.profiles import PROFILES
from convsim.domains.retail.agent.nlu import find_email, find_order_id, from_speech

runner = CliRunner()
MESS = Path(__file__).resolve().parents[2] / "configs" / "mess-demo.yaml"


def test_speech_transcript_speaks_identifiers_and_v1_reads_them_back() -> None:
    text = "Sure, my email is john.smith88@example.com and the order is #W1234567."
    heard = speech_transcript(text, np.random.default_rng(0), misheard=0.0)
    assert "@" not in heard and "#" not in heard and heard == heard.lower()
    assert "john dot smith eight eight at example dot com" in heard
    assert "w one two three four five six seven" in heard
    back = from_speech(heard)
    assert find_email(back) == "john.smith88@example.com" and find_order_id(back) == "#W1234567"
    assert find_email(heard) is None  # a chat-only reader (v3) gets nothing


def test_bursts_and_barge_in_are_seeded_cuts() -> None:
    text = "Hi. I need to cancel an order. It was a mistake. My email is a@b.co."
    parts = split_burst(text, np.random.default_rng(3))
    assert 2 <= len(parts) <= 4 and " ".join(parts) == text
    assert split_burst("hello", np.random.default_rng(3)) == ["hello"]
    reply = "To confirm: I will cancel order #W1 now. Do you want me to proceed (yes/no)?"
    cut = cut_reply(reply, np.random.default_rng(5))
    assert cut is not None and cut.endswith(" —") and reply.startswith(cut[:-2])
    assert cut_reply("Okay, done.", np.random.default_rng(5)) is None
    assert cut_reply(reply, np.random.default_rng(5)) == cut


def test_mess_is_recorded_per_turn_and_the_weak_version_is_caught(tmp_path: Path) -> None:
    config = MESS.read_text().replace("n: 40", "n: 16").replace("n: 20}", "n: 8}")
    path = tmp_path / "mess.yaml"
    path.write_text(config)
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    assert "Pass rate per agent version, perturbation profile and metric" in result.output
    [run] = list((tmp_path / "runs" / "mess-demo").iterdir())
    turns = pl.read_parquet(run / "turns" / "*.parquet")
    conversations = pl.read_parquet(run / "conversations" / "*.parquet")
    labels = turns.join(conversations.select("conversation_id", "perturbation"),
                        on="conversation_id").explode("perturbations")
    seen = {(r["perturbation"], r["perturbations"]) for r in labels.iter_rows(named=True)}
    assert {("noisy_voice", "asr"), ("impatient", "burst"), ("impatient", "barge_in")} <= seen
    # the persona's own typos apply everywhere; the profile's mess only where it is asked for
    assert not any(p == "clean" and tag in ("asr", "burst", "barge_in") for p, tag in seen)
    cut = turns.filter(pl.col("interrupted"))
    assert cut.height and (cut["role"] == "agent").all()
    assert all(c.startswith(t[:-2]) for t, c in zip(cut["text"], cut["clean_text"], strict=True))
    wandering = turns.join(conversations.filter(pl.col("perturbation") == "wandering")
                           .select("conversation_id"), on="conversation_id")
    said = " ".join(wandering.filter(pl.col("role") == "customer")["text"].to_list())
    assert "By the way" in said or "quick question" in said or "Before that" in said
    assert "correction" in said or "mistyped" in said
    scores = pl.read_parquet(run / "scores" / "*.parquet").filter(pl.col("metric") == "goal")
    rate = (scores.join(conversations.select("conversation_id", "perturbation"),
                        on="conversation_id")
            .group_by("agent_version", "perturbation").agg(pl.col("passed").mean()))
    rates = {(r["agent_version"], r["perturbation"]): r["passed"] for r in rate.iter_rows(named=True)}
    assert rates[("v3", "noisy_voice")] < rates[("v1", "noisy_voice")] - 0.3
    assert rates[("v3", "clean")] == rates[("v1", "clean")]
    summary = (run / "summary.md").read_text()
    assert "| v1 | goal |" in summary


def test_named_profiles_and_batched_bursts(tmp_path: Path) -> None:
    assert {"clean", "noisy_voice", "impatient", "backend_outage"} <= set(PROFILES)
    path = tmp_path / "c.yaml"
    path.write_text(f"""\
name: batched
seed: 2
scenarios: {{n: 6}}
personas: {{n: 3}}
perturbations: [{{name: impatient, burst_rate: 1.0, interrupt_rate: 0.0}}, nope]
agents: [{{version: v1, reference: "retail:v1", options: {{bursts: batched}}}}]
execution: {{executor: local}}
output_dir: {tmp_path / 'runs'}
""")
    bad = runner.invoke(app, ["validate", str(path)])
    assert bad.exit_code == 2 and "unknown perturbation profile 'nope'" in bad.output
    path.write_text(path.read_text().replace(", nope]", "]"))
    result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code == 0, result.output
    [run] = list((tmp_path / "runs" / "batched").iterdir())
    turns = pl.read_parquet(run / "turns" / "*.parquet")
    bursts = turns.filter(pl.col("perturbations").list.contains("burst"))
    assert bursts.height and bursts["text"].str.contains("\n").all()
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["config"]["perturbations"][0]["burst_rate"] == 1.0


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_bundled_profiles_validate(name: str) -> None:
    from convsim.core.config import CampaignConfig

    config = CampaignConfig.model_validate({"name": "x", "perturbations": [name],
                                            "agents": [{"version": "v1", "url": "http://h:1"}]})
    assert config.perturbations[0].name == name
