"""How far a run's LLM spend goes past `llm.budget_usd` (the issue's $0.002 case).

A priced model (openai/gpt-4o-mini, litellm's local price) on the scripted local server
of the tests (127.0.0.1): an LLM customer against an `openai` agent, conversations that
never end before max_turns, `--concurrency` running at once. Prints the budget, the run's
spend, how far past it (in calls of the largest size seen), the conversations stopped
mid-way and those not started.

    .venv/bin/python benchmarks/budget_overshoot.py [--budget 0.002] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import tempfile
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("llm_server", ROOT / "tests" / "llm_server.py")
llm_server = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(llm_server)  # type: ignore[union-attr]

PROMPT, COMPLETION = 40, 12  # tokens of every scripted answer
CALL_USD = PROMPT * 0.15e-6 + COMPLETION * 0.6e-6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=0.002)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--conversations", type=int, default=40)
    args = parser.parse_args()
    server = llm_server.LLMServer().start()
    os.environ["OPENAI_BASE_URL"], os.environ["OPENAI_API_KEY"] = server.base_url, "sk-bench"
    said = itertools.count(1)  # the customer never repeats itself (nor ends)
    server.rule = lambda body: llm_server.text("Could you tell me more about that?"
                                               if "tools" in body else
                                               f"Here is detail number {next(said)}.")
    from convsim.core.campaign_file import load_campaign
    from convsim.core.llm import run_spend
    from convsim.engine.campaign import run_campaign

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "budget.yaml"
        path.write_text(f"""\
name: budget
scenarios: {{domain: retail, n: {args.conversations}}}
personas: {{n: 4}}
user_simulator: llm
agents:
  - {{version: v1, connector: openai, model: openai/gpt-4o-mini, prompt: You help.}}
evaluators: [process]
max_turns: 16
llm: {{model: openai/gpt-4o-mini, cache_dir: null, budget_usd: {args.budget}}}
execution: {{executor: local, concurrency: {args.concurrency}, batch_size: {args.concurrency}}}
output_dir: runs
""")
        info = run_campaign(load_campaign(path))
        spent = run_spend(info.run_dir)
        manifest = json.loads((info.run_dir / "manifest.json").read_text())
    over = spent - args.budget
    print(f"budget ${args.budget:g}, concurrency {args.concurrency}: spent ${spent:.6f} "
          f"({server.count} calls of ${CALL_USD:.7f}); over by ${max(over, 0):.6f} = "
          f"{max(over, 0) / CALL_USD:.1f} calls (bound: {args.concurrency}); "
          f"{info.outcomes.get('budget_stopped', 0)} stopped mid-way, {info.not_started} not "
          f"started, {info.written} written; status {manifest['status']}")


if __name__ == "__main__":
    main()
