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
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _load(name: str) -> Any:
    """A helper module of the tests (tests/NAME.py; tests are not a package)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "tests" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--dies-after", type=int, default=9)
    parser.add_argument("--retries", type=int, default=1)
    args = parser.parse_args()
    llm_server, dead_customer = _load("llm_server"), _load("dead_customer")
    server = llm_server.LLMServer().start()
    died: list[float] = []
    server.rule = dead_customer.customer(server, dies_after=args.dies_after, deaths=died)
    root = Path(tempfile.mkdtemp(prefix="dead-customer-"))
    path = dead_customer.campaign(root, args.n, retries=args.retries, timeout_s=10, batch=4)
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
