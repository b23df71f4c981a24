"""A dead customer model stops the run (its circuit breaker, like an agent endpoint's), and a
run dominated by simulator errors is unusable (exit 2), never `complete` with exit 0.

The customer's model is the scripted OpenAI-compatible server of tests/llm_server.py on
127.0.0.1, stopped mid-run; the agent is the bundled retail reference agent.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
from pathlib import Path

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

_spec = importlib.util.spec_from_file_location(
    "dead_customer", Path(__file__).resolve().parents[1] / "dead_customer.py")
dead_customer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dead_customer)

runner = CliRunner()


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch):
    server = llm_server.LLMServer().start()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-dead-customer")
    yield server
    server.stop()


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
    model.rule = dead_customer.customer(model, dies_after=7)
    result = runner.invoke(app, ["run", str(dead_customer.campaign(tmp_path, n=30))])
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
    model.rule = dead_customer.customer(model, opening="Hello! How can I help you today?")
    result = runner.invoke(app, ["run", str(dead_customer.campaign(tmp_path, n=4))])
    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())
    assert "4 of 4 conversations failed on convsim's side" in output
    assert "not usable as a verdict" in output and "Traceback" not in result.output
