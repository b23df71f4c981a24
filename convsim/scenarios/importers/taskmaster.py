"""Taskmaster (TM-1 and TM-4) dialogs: utterances, with TM-4's API-call annotations.

TM-4 `api_call` / `request` / `api_response` / `response` annotations on a turn
become ToolCall records made by the agent at that point of the dialog; a dialog
with API calls that never reaches `finish_order` is abandoned, else the outcome is
decided from evidence (`outcomes.decide_outcome`).
"""

from __future__ import annotations

import json
from typing import Any

from convsim.core.records import ToolCall, Turn
from convsim.scenarios.importers.base import Item, Quarantined, RawRecord, RecordImporter

SPEAKERS = {"user": "customer", "assistant": "agent"}


def json_or_raw(text: Any) -> Any:
    """Parsed JSON when `text` is JSON text, else `text` as it is."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _calls(utt: dict[str, Any], turn_index: int, start_seq: int) -> list[ToolCall]:
    by_context: dict[str, ToolCall] = {}
    order: list[ToolCall] = []
    for ann in utt.get("annotations") or []:
        ctx = str(ann.get("context", ""))
        key = ctx.replace("api_response_", "").replace("api_call_", "")
        name, value = ann.get("name"), ann.get("value")
        call = by_context.get(key)
        if name == "api_call":
            call = ToolCall(seq=start_seq + len(order), turn_index=turn_index, tool=str(value))
            by_context[key] = call
            order.append(call)
        elif call is not None and name == "request":
            args = json_or_raw(value)
            call.arguments = args if isinstance(args, dict) else {"_value": args}
        elif call is not None and name == "response":
            call.result = value if isinstance(value, str) else json.dumps(value)
    return order


class TaskmasterImporter(RecordImporter):
    name = "taskmaster"
    list_field = "utterances"

    def _convert(self, source: str, _n: int, rec: RawRecord) -> Item:
        value = rec.value
        conv_id = str(value.get("conversation_id") or rec.location)
        turns: list[Turn] = []
        calls: list[ToolCall] = []
        for i, utt in enumerate(value["utterances"]):
            if not isinstance(utt, dict):
                return Quarantined(source, rec.location, f"conversation {conv_id}: utterance "
                                   f"{i} is not an object")
            role = SPEAKERS.get(str(utt.get("speaker", "")).lower())
            if role is None:
                return Quarantined(source, rec.location, f"conversation {conv_id}: unknown "
                                   f"speaker {utt.get('speaker')!r}")
            calls.extend(_calls(utt, len(turns), len(calls)))
            text = str(utt.get("text") or "").strip()
            if text:
                turns.append(Turn(index=len(turns), role=role, text=text))
        labels = {"source_id": conv_id}
        for key in ("vertical", "scenario", "instruction_id"):
            if value.get(key):
                labels[key] = str(value[key])
        intent = value.get("instruction_id") or value.get("scenario")
        if value.get("instruction_id"):
            intent = str(value["instruction_id"]).rsplit("-", 1)[0]
        elif value.get("vertical"):
            intent = f"{str(value['vertical']).lower()}_order"
        marker = None
        if calls and not any(c.tool == "finish_order" for c in calls):
            marker = "abandoned"
        return self._conversation(conv_id, source, rec, marker=marker, turns=turns,
                                  tool_calls=calls, intent=intent, labels=labels)
