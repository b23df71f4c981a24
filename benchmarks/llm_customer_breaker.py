"""How fast a dead customer model stops a run: the scripted OpenAI-compatible server of the
tests (127.0.0.1) plays the LLM customers of a retail campaign against the reference agent
and is stopped after `--dies-after` requests; reported: seconds from its death to the end
of `convsim run`, the exit code, conversations written and not started.

    .venv/bin/python benchmarks/llm_customer_breaker.py [--n 40] [--dies-after 9] [--retries 1]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
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
llm: {{model: openai/scripted-customer, cache_dir: null, retries: {retries}, timeout_s: 10}}
execution: {{executor: local, batch_size: 4, concurrency: 4}}
output_dir: {out}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--dies-after", type=int, default=9)
    parser.add_argument("--retries", type=int, default=1)
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("llm_server", REPO / "tests" / "llm_server.py")
    assert spec is not None and spec.loader is not None
    llm_server = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(llm_server)
    server = llm_server.LLMServer().start()
    died: list[float] = []
    seen = [0]

    def rule(body: dict[str, Any]) -> dict[str, Any]:
        seen[0] += 1
        if seen[0] == args.dies_after:
            died.append(time.time())
            threading.Thread(target=server.stop, daemon=True).start()
        if not any(m["role"] == "assistant" for m in body["messages"]):
            prompt = body["messages"][0]["content"]
            goal = prompt.split("# Your goal\n", 1)[1].split("\n", 1)[0]
            facts = [ln[2:] for ln in prompt.splitlines() if ln.startswith("- ") and ": " in ln]
            return llm_server.text(f"Hi. {goal} My details: {'; '.join(facts[:4])}.")
        return llm_server.text("Okay, thanks, that is all. ###DONE###")

    server.rule = rule
    root = Path(tempfile.mkdtemp(prefix="dead-customer-"))
    path = root / "campaign.yaml"
    path.write_text(CAMPAIGN.format(n=args.n, retries=args.retries, out=root / "runs"))
    env = dict(os.environ, OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-local")
    start = time.time()
    done = subprocess.run([sys.executable, "-m", "convsim.cli.main", "run", str(path)],
                          env=env, capture_output=True, text=True, check=False)
    end = time.time()
    [run_dir] = list((root / "runs" / "dead-customer").iterdir())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    counts = manifest["counts"]
    print(f"exit {done.returncode}; status {manifest['status']}; written {counts['written']}, "
          f"not started {counts['not_started']} of {args.n}; run {end - start:.1f}s; "
          f"from the model's death to the end of convsim run: "
          f"{end - died[0]:.1f}s" if died else "the model never died")
    print(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "")


if __name__ == "__main__":
    main()
