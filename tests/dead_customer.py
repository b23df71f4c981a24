"""An LLM-customer campaign whose customer model can die mid-run (127.0.0.1, no network).

The customer's model is the scripted server of tests/llm_server.py; the agent is the
bundled retail reference agent. Shared by tests/simulator/test_customer_model_down.py and
benchmarks/llm_customer_breaker.py; load it with importlib, tests are not a package.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_spec = importlib.util.spec_from_file_location("llm_server", Path(__file__).with_name("llm_server.py"))
llm_server = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(llm_server)  # type: ignore[union-attr]

def campaign(folder: Path, n: int, *, retries: int = 0, timeout_s: float = 5,
             batch: int = 2) -> Path:
    """`folder/campaign.yaml`: `n` retail conversations played by LLM customers (the
    scripted model `openai/scripted-customer`, no cache) against the retail reference agent,
    the run written to `folder/runs/dead-customer/`."""
    path = folder / "campaign.yaml"
    path.write_text(json.dumps({
        "name": "dead-customer", "seed": 3, "scenarios": {"domain": "retail", "n": n},
        "personas": {"n": 6}, "user_simulator": "llm",
        "agents": [{"version": "v1", "connector": "http", "reference": "retail:v1"}],
        "evaluators": ["process", "goal"], "max_turns": 10,
        "llm": {"model": "openai/scripted-customer", "cache_dir": None, "retries": retries,
                "timeout_s": timeout_s},
        "execution": {"executor": "local", "batch_size": batch, "concurrency": batch},
        "output_dir": str(folder / "runs")}, indent=1), encoding="utf-8")
    return path


def customer(server: Any, opening: str | None = None, dies_after: int | None = None,
             deaths: list[float] | None = None) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A rule for `server` (an `LLMServer`): the customer says its goal and facts (or
    `opening`), then thanks and leaves. With `dies_after`, the server stops after that many
    requests (connections refused then), and the time it did is appended to `deaths`."""
    seen = [0]

    def rule(body: dict[str, Any]) -> dict[str, Any]:
        seen[0] += 1
        if dies_after is not None and seen[0] == dies_after:
            if deaths is not None:
                deaths.append(time.time())
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

