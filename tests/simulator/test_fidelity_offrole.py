"""Validity checks on every LLM customer turn: off-role turns (talking as the agent,
parroting it, repeating itself, another name, a fact in another form) are caught and make
the conversation a simulator_error; real customers' turns pass. Figures on the labelled
set: benchmarks/fidelity_offrole.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from convsim.core.campaign_file import load_campaign
from convsim.engine.campaign import run_campaign
from convsim.scenarios.ingest import ingest_transcripts
from convsim.simulator.customers.llm import off_role
from tests import llm_server
from tests.llm_server import text

SERVER, server = llm_server.shared_server("sk-offrole-test")
REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "convsim" / "scenarios" / "data" / "transcripts"
AGENT = ("I have found your order #W1234567. It contains a desk lamp and a backpack, and it "
         "is still pending. Would you like to cancel it?")
ME = ("Ann", "Lee")
FACTS = [("email", "ann.lee1234@example.com"), ("zip code", "60601")]


@pytest.mark.parametrize(("said", "reason"), [
    ("I'm Karen, customer service agent. How can I help?", "talked as the agent"),
    ("I'm here to assist with any requests", "talked as the agent"),
    ("Thanks for contacting us! Is there anything else I can help you with?",
     "talked as the agent"),
    ("Your order has been cancelled and the refund is on its way.", "talked as the agent"),
    (AGENT, "talked as the agent"),
    ("It contains a desk lamp and a backpack, and it is still pending.", "parroted the agent"),
    ("Okay, it contains a desk lamp and a backpack, and it is still pending.",
     "parroted the agent"),
    ("My name is Karen Smith and I want to cancel.", "gave another name"),
    ("Sure, my zip code is 6061.", "gave its zip code in another form"),
    ("My email is ann.lee1234 at example dot com", "gave its email in another form"),
    ("I already told you I want to cancel the lamp order", "repeated its previous message"),
])
def test_off_role_turns_are_named(said: str, reason: str) -> None:
    why = off_role(said, AGENT, ["I already told you I want to cancel the lamp order"], ME, FACTS)
    assert why is not None and why.startswith(reason), why


@pytest.mark.parametrize("said", [
    "Yes, please cancel it. My name is Ann Lee and my zip code is 60601.",
    "Yes, cancel the desk lamp and the backpack, please.",   # confirms with the agent's words
    "Thanks for your help! Could you tell me how long the refund takes?",
    "That's not what I asked. Can I talk to a human?",
    "Yes",
])
def test_customer_turns_pass(said: str) -> None:
    assert off_role(said, AGENT, ["Yes"], ME, FACTS) is None


def test_real_customer_turns_of_two_datasets_pass(tmp_path: Path) -> None:
    """Every customer turn of the bundled τ-bench retail and Taskmaster-4 samples, checked
    with the agent message it answers and its previous turns."""
    flagged, total = [], 0
    for files, fmt in (([SAMPLES / "tau_bench" / "retail_few_shot.jsonl"], "openai"),
                       ([SAMPLES / "taskmaster" / "tm4_coffee_sample.jsonl"], "taskmaster")):
        out = tmp_path / fmt
        ingest_transcripts(files, fmt, out, salt="t")
        turns = pl.read_parquet(out / "turns" / "*.parquet").sort("conversation_id", "turn_index")
        for _, group in turns.group_by("conversation_id", maintain_order=True):
            agent, said = "", []
            for role, t in zip(group["role"], group["text"], strict=True):
                if role == "agent":
                    agent = t
                elif role == "customer" and t.strip():
                    total += 1
                    if off_role(t, agent, said) is not None:
                        flagged.append(t)
                    said.append(t)
    assert total > 500 and len(flagged) <= 0.02 * total, flagged


CAMPAIGN = """\
name: offrole
seed: 5
scenarios: {{domain: retail, n: 1}}
personas: {{n: 1}}
user_simulator: llm
agents:
  - {{version: v1, connector: python, target: "offrole_agent:make"}}
evaluators: [process, goal]
max_turns: 8
llm: {{model: openai/scripted-customer, cache_dir: {cache}, retries: 1}}
execution: {{executor: local}}
output_dir: {out}
"""


AGENT_MODULE = """\
class Agent:
    async def respond(self, state, text, tools):
        state["n"] += 1
        if state["n"] == 1:
            return {"text": "Could you provide your email address?"}
        return {"text": "Unfortunately the order system is not available at the moment."}


def make():
    return Agent(), lambda: {"n": 0}
"""


def test_a_parroting_llm_customer_is_a_simulator_error(server, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "offrole_agent.py").write_text(AGENT_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))

    def rule(body: dict[str, Any]) -> dict[str, Any]:
        agent = [m["content"] for m in body["messages"] if m["role"] == "user"][1:]
        if not agent:
            return text("Hi, I need help with my order.")
        if len(agent) == 1:
            return text("Sorry, I don't remember which one I used.")
        return text(f"Okay. {agent[-1]}")  # the customer copies the agent's message

    server.rule = rule
    path = tmp_path / "c.yaml"
    path.write_text(CAMPAIGN.format(cache=tmp_path / "cache", out=tmp_path / "runs"))
    info = run_campaign(load_campaign(path))
    conv = pl.read_parquet(info.run_dir / "conversations" / "*.parquet")
    assert info.outcomes == {"simulator_error": 1}
    assert "parroted the agent" in conv["error"][0]
    scores = pl.read_parquet(info.run_dir / "scores" / "*.parquet")
    assert set(scores["status"]) == {"unscored"}  # never for or against the agent
    turns = pl.read_parquet(info.run_dir / "turns" / "*.parquet")
    assert turns.height == 4  # the turns before the parroting are kept
