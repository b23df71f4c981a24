"""A run's conversations as transcripts `convsim ingest` reads back (`convsim export`).

OpenAI chat JSONL, one record per conversation: the customer's turns as `user`
messages, the agent's as `assistant`, the agent's tool calls as an assistant message
with `tool_calls` before the reply they led to, each followed by its `tool` result.
Useful as a stand-in for production logs (a canary and its control played by a
campaign, then ingested, evaluated and gated as production traffic) and to hand
conversations to tools that read that format. Streams one run part at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq


class ExportError(ValueError):
    """Unusable input: not a run folder, an unknown version, a bad slice."""


def _by_conversation(path: Path, ids: set[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    if path.is_file():
        for row in pq.read_table(path).to_pylist():
            if row["conversation_id"] in ids:
                out.setdefault(row["conversation_id"], []).append(row)
    return out


def _messages(turns: list[dict[str, Any]], calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for t in sorted(turns, key=lambda t: t["turn_index"]):
        made = sorted((c for c in calls if c["turn_index"] == t["turn_index"]),
                      key=lambda c: c["seq"])
        if t["role"] == "agent" and made:  # the calls the agent made before this reply
            messages.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": f"call_{c['seq']}", "type": "function",
                 "function": {"name": c["tool"], "arguments": c["arguments_json"] or "{}"}}
                for c in made]})
            messages += [{"role": "tool", "tool_call_id": f"call_{c['seq']}",
                          "content": c["result"] or ""} for c in made]
        if t["role"] in ("customer", "agent"):
            messages.append({"role": "user" if t["role"] == "customer" else "assistant",
                             "content": t["text"] or ""})
    return messages


def _records(run: Path, version: str | None) -> Iterator[dict[str, Any]]:
    for part in sorted((run / "conversations").glob("*.parquet")):
        convs = [c for c in pq.read_table(part).to_pylist()
                 if version is None or c["agent_version"] == version]
        ids = {c["conversation_id"] for c in convs}
        turns = _by_conversation(run / "turns" / part.name, ids)
        calls = _by_conversation(run / "tool_calls" / part.name, ids)
        for c in convs:
            yield {"conversation": c, "messages": _messages(turns.get(c["conversation_id"], []),
                                                            calls.get(c["conversation_id"], []))}


def export_openai(run: str | Path, out: str | Path, *, version: str | None = None,
                  slice_of: tuple[int, int] = (1, 1), name_version: bool = True) -> int:
    """Write the run's conversations (of `version`, or all) to `out` as OpenAI chat JSONL;
    returns how many. `slice_of=(k, n)` keeps the k-th of n alternate slices in
    conversation-id order (disjoint traffic slices: `(1, 2)` and `(2, 2)` are two halves).
    With `name_version`, each record names its agent version (`metadata.agent_version`)."""
    root = Path(run)
    if not (root / "conversations").is_dir():
        raise ExportError(f"{root}: not a run folder (no conversations/)")
    k, n = slice_of
    if not 1 <= k <= n:
        raise ExportError(f"--slice {k}/{n}: need 1 <= K <= N")
    records = sorted(_records(root, version), key=lambda r: r["conversation"]["conversation_id"])
    if not records:
        versions = sorted({str(c["agent_version"]) for p in (root / "conversations").glob(
            "*.parquet") for c in pq.read_table(p, columns=["agent_version"]).to_pylist()})
        raise ExportError(f"{root}: no conversation of version {version!r} (versions: "
                          f"{', '.join(versions) or 'none'})")
    written = 0
    with Path(out).open("w", encoding="utf-8") as fh:
        for i, rec in enumerate(records):
            if i % n != k - 1:
                continue
            c = rec["conversation"]
            record: dict[str, Any] = {"id": c["conversation_id"], "intent": c.get("intent"),
                                      "messages": rec["messages"]}
            if name_version and c.get("agent_version"):
                record["metadata"] = {"agent_version": c["agent_version"]}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
    return written
