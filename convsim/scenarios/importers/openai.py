"""OpenAI chat-completions logs: records with a list of messages (tool calls included).

Accepts records holding `messages` or `traj` (tau-bench trajectories), and the
flattened `messages_display` text ("user: ...\\nassistant: ...\\ntool: ...").
Tool calls become ToolCall records with their results (matched by
`tool_call_id`). The outcome is decided from evidence (`outcomes.decide_outcome`);
the record's own marker (`outcome`, `metadata.resolution|outcome|disposition`, or
tau-bench's `reward`: 0 -> failed) is one of the inputs. The agent version that served
the conversation is the record's `agent_version` (or `metadata.agent_version`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from convsim.core.records import Role, ToolCall, Turn
from convsim.scenarios.importers.base import (
    Item,
    Quarantined,
    RawRecord,
    RecordImporter,
    excerpt_of,
)

ROLES: dict[str, Role] = {"user": "customer", "assistant": "agent", "system": "system",
                          "developer": "system"}
DISPLAY_LINE = re.compile(r"^(user|assistant|tool|system): ?(.*)$")


def parse_display(text: str) -> list[dict[str, Any]]:
    """'role: text' lines -> messages; a line without a role continues the previous one."""
    messages: list[dict[str, Any]] = []
    for line in text.split("\n"):
        m = DISPLAY_LINE.match(line)
        if m:
            messages.append({"role": m.group(1), "content": m.group(2)})
        elif messages:
            messages[-1]["content"] += "\n" + line
    for msg in messages:  # "assistant: None" is a tool call whose name was not kept
        if msg["role"] == "assistant" and msg["content"].strip() == "None":
            msg["content"] = None
            msg["tool_calls"] = [{"id": None, "function": {"name": "unknown", "arguments": "{}"}}]
    return messages


def _marker(record: dict[str, Any]) -> str | None:
    """What the record itself says about how it ended, if anything."""
    meta: dict[str, Any] = record["metadata"] if isinstance(record.get("metadata"), dict) else {}
    for value in (record.get("outcome"), meta.get("outcome"), meta.get("resolution"),
                  meta.get("disposition")):
        if isinstance(value, str) and value.strip():
            return value.strip()
    reward = record.get("reward")
    if isinstance(reward, int | float):
        return "resolved" if reward >= 1 else "failed"
    return None


def convert(messages: list[dict[str, Any]], conv_id: str) -> tuple[list[Turn], list[ToolCall]]:
    turns: list[Turn] = []
    calls: list[ToolCall] = []
    by_id: dict[str, ToolCall] = {}
    pending: list[ToolCall] = []  # calls without ids wait for the next tool message
    for i, msg in enumerate(messages):
        role = msg.get("role")
        if role == "tool":
            call = by_id.get(msg.get("tool_call_id") or "") or (pending.pop(0) if pending
                                                                 else None)
            content = msg.get("content")
            if call is None:
                call = ToolCall(seq=len(calls), turn_index=max(len(turns) - 1, 0),
                                tool=msg.get("name") or "unknown")
                calls.append(call)
            call.result = content if isinstance(content, str) else json.dumps(content)
            if isinstance(call.result, str) and call.result.lower().startswith("error"):
                call.status = "error"
            continue
        if role not in ROLES:
            raise ValueError(f"message {i}: unknown role {role!r}")
        for tc in msg.get("tool_calls") or []:
            fn = tc.get("function", {})
            try:
                args = json.loads(fn.get("arguments") or "{}")
            except ValueError:
                args = {"_raw": fn.get("arguments")}
            call = ToolCall(seq=len(calls), turn_index=len(turns), tool=fn.get("name", "unknown"),
                            arguments=args if isinstance(args, dict) else {"_value": args})
            calls.append(call)
            if tc.get("id"):
                by_id[tc["id"]] = call
            else:
                pending.append(call)
        content = msg.get("content")
        if isinstance(content, list):  # content parts
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        if content:
            turns.append(Turn(index=len(turns), role=ROLES[role], text=str(content)))
    return turns, calls


class OpenAIImporter(RecordImporter):
    name = "openai"

    def _convert(self, source: str, n: int, rec: RawRecord) -> Item:
        value = rec.value
        messages = value.get("messages") or value.get("traj")
        if messages is None and isinstance(value.get("messages_display"), str):
            messages = parse_display(value["messages_display"])
        if not isinstance(messages, list):
            return Quarantined(source, rec.location,
                               "no 'messages', 'traj' or 'messages_display' list",
                               excerpt_of(value))
        if "task_id" in value:
            source_id = f"task{value['task_id']}-trial{value.get('trial', 0)}"
        else:
            source_id = str(value.get("id") or f"{Path(source).name}:{n}")
        try:
            turns, calls = convert(messages, source_id)
        except (ValueError, AttributeError, TypeError) as exc:
            return Quarantined(source, rec.location, f"conversation {source_id}: {exc}")
        labels = {"source_id": source_id}
        if "task_id" in value:
            labels["task_id"] = str(value["task_id"])
        if value.get("reward") is not None:
            labels["reward"] = str(value["reward"])
        return self._conversation(f"{Path(source).stem}:{source_id}", source, rec,
                                  marker=_marker(value), turns=turns, tool_calls=calls,
                                  intent=value.get("intent"), labels=labels)
