"""ABCD (Action-Based Conversations Dataset) chats: flow/subflow intents, action turns.

`original` turns of speaker `action` are the agent's button clicks: they become
ToolCall records named by the button from the aligned `delexed` targets.
The customer's name, email, phone, username and address in `scenario` are
known personal data, scrubbed wherever they appear.
"""

from __future__ import annotations

from typing import Any

from convsim.core.records import ToolCall, Turn
from convsim.scenarios.importers.base import Item, Quarantined, RawRecord, RecordImporter

SPEAKERS = {"customer": "customer", "agent": "agent"}
ESCALATION = ("manager has been notified", "escalat")


class AbcdImporter(RecordImporter):
    name = "abcd"
    list_field = "original"

    def _convert(self, source: str, _n: int, rec: RawRecord) -> Item:
        v: Any = rec.value
        conv_id = str(v.get("convo_id", rec.location))
        delexed = v.get("delexed") or []
        turns: list[Turn] = []
        calls: list[ToolCall] = []
        for i, pair in enumerate(v["original"]):
            if not isinstance(pair, list) or len(pair) != 2:
                return Quarantined(source, rec.location,
                                   f"conversation {conv_id}: turn {i} is not [speaker, text]")
            speaker, text = pair
            if speaker == "action":
                targets = delexed[i].get("targets") if i < len(delexed) else None
                button = targets[2] if targets and len(targets) > 2 and targets[2] else None
                values = targets[3] if targets and len(targets) > 3 else []
                calls.append(ToolCall(seq=len(calls), turn_index=max(len(turns) - 1, 0),
                                      tool=str(button or "unknown_action"),
                                      arguments={"values": [str(x) for x in values]},
                                      result=str(text)))
                continue
            role = SPEAKERS.get(speaker) if isinstance(speaker, str) else None
            if role is None:
                return Quarantined(source, rec.location, f"conversation {conv_id}: unknown "
                                   f"speaker {speaker!r} at turn {i}")
            turns.append(Turn(index=len(turns), role=role, text=str(text)))
        scenario = v.get("scenario") or {}
        personal = scenario.get("personal") or {}
        labels = {"source_id": conv_id}
        if scenario.get("flow"):
            labels["flow"] = str(scenario["flow"])
        escalated = next((c.result for c in calls
                          if any(k in (c.result or "").lower() for k in ESCALATION)), None)
        names = [str(personal[k]) for k in ("customer_name", "username") if personal.get(k)]
        return self._conversation(conv_id, source, rec, names=names,
                                  transfer_marker=f"action {escalated!r}" if escalated else None,
                                  turns=turns, tool_calls=calls, intent=scenario.get("subflow"),
                                  labels=labels)
