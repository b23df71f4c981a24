"""Accuracy of the agent dialog-act recogniser on real, labelled agent utterances.

    .venv/bin/python benchmarks/act_recognition.py [--json] [--errors dev|test|all] [--data FILE]

The labelled set (tests/data/AGENT_ACTS.md) holds agent messages from tau-bench,
Taskmaster and ABCD, split dev/test by a hash of the id. The recogniser is tuned
on dev only; test is the held-out figure. Prints, for dev, test and overall, a
markdown table act | n | correct | accuracy, then the most frequent confusions.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from convsim.core.acts import ACTS, classify

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "agent_acts.jsonl"


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-act and overall accuracy plus confusions (gold -> predicted) for items."""
    per: dict[str, dict[str, int]] = {act: {"n": 0, "correct": 0} for act in ACTS}
    confusions: Counter[tuple[str, str]] = Counter()
    for item in items:
        predicted = classify(item["text"])
        per[item["act"]]["n"] += 1
        if predicted == item["act"]:
            per[item["act"]]["correct"] += 1
        else:
            confusions[(item["act"], predicted)] += 1
    n = sum(row["n"] for row in per.values())
    correct = sum(row["correct"] for row in per.values())
    return {
        "n": n, "correct": correct, "accuracy": correct / n if n else 0.0,
        "per_act": {act: {**row, "accuracy": row["correct"] / row["n"] if row["n"] else None}
                    for act, row in per.items()},
        "confusions": [{"gold": g, "predicted": p, "count": c} for (g, p), c in confusions.most_common()],
    }


def table(name: str, result: dict[str, Any]) -> str:
    lines = [f"**{name}** — {result['correct']}/{result['n']} = {result['accuracy']:.1%}", "",
             "| act | n | correct | accuracy |", "|---|---:|---:|---:|"]
    for act, row in result["per_act"].items():
        acc = "–" if row["accuracy"] is None else f"{row['accuracy']:.1%}"
        lines.append(f"| {act} | {row['n']} | {row['correct']} | {acc} |")
    lines.append(f"| **all** | {result['n']} | {result['correct']} | {result['accuracy']:.1%} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", action="store_true", help="machine-readable results on stdout")
    parser.add_argument("--errors", choices=["dev", "test", "all"], help="also list misclassified items")
    args = parser.parse_args()
    items = load(args.data)
    parts = {"dev": [i for i in items if i["split"] == "dev"],
             "test": [i for i in items if i["split"] == "test"], "overall": items}
    results = {name: score(part) for name, part in parts.items()}
    if args.json:
        print(json.dumps({"data": str(args.data), **results}, indent=2))
        return
    print("\n\n".join(table(name, result) for name, result in results.items()))
    print("\nTop confusions (overall, gold -> predicted):\n")
    for row in results["overall"]["confusions"][:10]:
        print(f"- {row['gold']} -> {row['predicted']}: {row['count']}")
    if args.errors:
        print(f"\nMisclassified ({args.errors}):\n")
        for item in parts["overall" if args.errors == "all" else args.errors]:
            predicted = classify(item["text"])
            if predicted != item["act"]:
                print(f"- [{item['act']} -> {predicted}] {item['id']}: {item['text'][:300]!r}")


if __name__ == "__main__":
    main()
