"""A dead customer model stops the run (its circuit breaker, like an agent endpoint's), and a
run dominated by simulator errors is unusable (exit 2), never `complete` with exit 0.

The customer's model is the scripted OpenAI-compatible server of tests/llm_server.py on
127.0.0.1, stopped mid-run; the agent is the bundled retail reference agent.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import threading
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.core.config import LLMConfig
from convsim.core.llm import BREAKER_FAILURES, CIRCUIT_OPEN, LLMClient, LLMError

_spec = importlib.util.spec_from_file_location(
    "llm_server", Path(__file__).resolve().parents[1] / "llm_server.py")
llm_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(llm_server)

runner = CliRunner()
CAMPAIGN = """\
name: dead-customer
seed: 3
scenarios: {{domain: retail, n: {n}}}
personas: {{n: 6}}
user_simulator: llm
agents:
  - {{version: v1, connector: http, reference: "retail:v1"}}
evaluators: [process, goal]
max_turns: 10
llm: {{model: openai/scripted-customer, cache_dir: null, retries: 0, timeout_s: 5}}
execution: {{executor: local, batch_size: 2, concurrency: 2}}
output_dir: {out}
"""


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch):
    server = llm_server.LLMServer().start()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-dead-customer")
    yield server
    server.stop()


def _campaign(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "campaign.yaml"
    path.write_text(CAMPAIGN.format(n=n, out=tmp_path / "runs"))
    return path


def _customer(opening: str | None = None, dies_after: int | None = None,
              server: Any = None):
    """The customer's side: it says its goal and facts, then thanks and leaves. With
    `dies_after`, the server stops after that many requests (connections refused then)."""
    seen = [0]

    def rule(body: dict[str, Any]) -> dict[str, Any]:
        seen[0] += 1
        if dies_after is not None and seen[0] == dies_after:
            threading.Thread(target=server.stop, daemon=True).start()
        messages = body["messages"]
        if not any(m["role"] == "assistant" for m in messages):
            if opening is not None:
                return llm_server.text(opening)
            prompt = messages[0]["content"]
            goal = prompt.split("# Your goal\n", 1)[1].split("\n", 1)[0]
            facts = [line[2:] for line in prompt.splitlines()
                     if line.startswith("- ") and ": " in line][:4]
            return llm_server.text(f"Hi. {goal} My details: {'; '.join(facts)}.")
        return llm_server.text("Okay, thanks, that is all. ###DONE###")

    return rule


def test_a_model_failing_in_a_row_opens_its_circuit_and_calls_fail_at_once(model) -> None:
    model.rule = lambda body: llm_server.error(500)
    client = LLMClient(LLMConfig(cache_dir=None, retries=0), backoff_s=0.0)

    def call() -> None:
        asyncio.run(client.complete([{"role": "user", "content": "hi"}],
                                    model="openai/scripted", temperature=0))

    for _ in range(BREAKER_FAILURES):
        with pytest.raises(LLMError) as failed:
            call()
        assert CIRCUIT_OPEN not in str(failed.value)
    assert model.count == BREAKER_FAILURES
    with pytest.raises(LLMError, match=f"{CIRCUIT_OPEN}: openai/scripted: {BREAKER_FAILURES} "
                                       "calls in a row failed") as refused:
        call()
    assert refused.value.transient and model.count == BREAKER_FAILURES  # no request sent
    # Another model of the same client has its own circuit.
    model.rule = lambda body: llm_server.text("fine")
    result = asyncio.run(client.complete([{"role": "user", "content": "hi"}],
                                         model="openai/other", temperature=0))
    assert result.text == "fine"


def test_a_success_closes_the_count(model) -> None:
    replies = iter([llm_server.error(500)] * (BREAKER_FAILURES - 1) + [llm_server.text("ok")]
                   + [llm_server.error(500)] * (BREAKER_FAILURES - 1))
    model.rule = lambda body: next(replies)
    client = LLMClient(LLMConfig(cache_dir=None, retries=0), backoff_s=0.0)
    outcomes = []
    for _ in range(2 * BREAKER_FAILURES - 1):
        try:
            asyncio.run(client.complete([{"role": "user", "content": "hi"}],
                                        model="openai/scripted", temperature=0))
            outcomes.append("ok")
        except LLMError as exc:
            outcomes.append("open" if CIRCUIT_OPEN in str(exc) else "failed")
    assert "open" not in outcomes and outcomes.count("ok") == 1
    assert model.count == 2 * BREAKER_FAILURES - 1


def test_customer_model_dying_mid_run_stops_the_run_with_exit_2(model, tmp_path: Path) -> None:
    model.rule = _customer(dies_after=7, server=model)
    result = runner.invoke(app, ["run", str(_campaign(tmp_path, n=30))])
    output = " ".join(result.output.split())
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert ("simulated customers unusable, circuit open: the simulated customer's model "
            f"openai/scripted-customer: {BREAKER_FAILURES} calls in a row failed") in output
    assert "fix the model and continue with --resume" in output
    [run_dir] = list((tmp_path / "runs" / "dead-customer").iterdir())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "stopped_by_circuit_breaker"
    assert "the simulated customer's model" in manifest["stop_reason"]
    conv = pl.read_parquet(run_dir / "conversations" / "*.parquet")
    # Stopped early: most of the 30 conversations were never started (--resume plays them),
    # none written was cut by the open circuit, and none of them is blamed on the agent.
    assert conv.height < 15 and manifest["counts"]["not_started"] > 15
    assert not conv["error"].fill_null("").str.contains(CIRCUIT_OPEN).any()
    assert set(conv["outcome"]) <= {"completed", "simulator_error"}
    assert "agent_error" not in set(conv["outcome"])


def test_a_run_dominated_by_simulator_errors_is_unusable(model, tmp_path: Path) -> None:
    # Every customer talks as the agent: every conversation is a simulator error.
    model.rule = _customer(opening="Hello! How can I help you today?")
    result = runner.invoke(app, ["run", str(_campaign(tmp_path, n=4))])
    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())
    assert "4 of 4 conversations failed on convsim's side" in output
    assert "not usable as a verdict" in output and "Traceback" not in result.output
