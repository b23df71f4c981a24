"""Utterance bank: real customer turns, labelled by dialogue act, slots as placeholders.

A customer turn's act is read from the agent turn it answers (see
`simulator.acts`): the answer to "what is your email?" is an identity
utterance, the first customer turn is the opening of its intent. Slot values are
replaced by the placeholders the agenda user simulator re-fills: {email}
{first} {last} {zip} {order_id} {items} {address}. A turn that still holds an
unplaceable identifier (a long number) is kept but marked not fillable. Each row says
whether it was the customer's last turn (`last`): a real reaction to an agent failure
that was the last turn is a customer leaving.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from convsim.core.acts import classify

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
ADDRESS = re.compile(r"\b\d{1,6}\s+[A-Za-z0-9 .'-]+?,\s*(?:(?:apt|suite|unit)\.?\s*[\w-]+,\s*)?"
                     r"[A-Za-z .'-]+,\s*[A-Z]{2}\s*,?\s*(?:USA\s*,?\s*)?\d{5}\b", re.IGNORECASE)
NAME = re.compile(r"\b(my name is|name's|i am|i'm|this is|name is)\s+([A-Z][a-z'-]+)\s+"
                  r"([A-Z][a-z'-]+)")
ZIP = re.compile(r"\b(zip(?:\s*code)?(?:\s*is)?[\s:]*)(\d{5})\b", re.IGNORECASE)
ARTIFACT = re.compile(r"###[A-Z_]+###")  # simulator stop markers in model-vs-model data
LEFTOVER_ID = re.compile(r"\d{4,}|\b[a-z]+_[a-z]+_\d+\b")
YES = re.compile(r"^\W*(yes|yeah|yep|sure|correct|that's correct|confirm|please proceed|go ahead)"
                 r"\b", re.IGNORECASE)
THANKS = re.compile(r"\bthank", re.IGNORECASE)

# Answers to a request (or to a failure that asks again), keyed by the placeholders they
# carry, most specific first: the agenda simulator's keys (see convsim/simulator/customers/agenda.py).
ANSWER_KEYS: list[tuple[str, set[str]]] = [
    ("identify_email", {"email"}), ("identify_name_zip", {"first", "zip"}),
    ("answer_order_id", {"order_id"}), ("answer_item_names", {"items"}),
    ("answer_new_address", {"address"}),
]
PLACEHOLDERS = ("email", "first", "last", "zip", "order_id", "items", "address")


def templatize(text: str, slot_patterns: dict[str, re.Pattern[str]],
               slot_values: dict[str, list[str]]) -> tuple[str, list[str], bool]:
    """(template, placeholders used, fillable) for one customer utterance."""
    out = ARTIFACT.sub("", text).strip()
    out = ADDRESS.sub("{address}", out)
    out = EMAIL.sub("{email}", out)
    out = NAME.sub(lambda m: f"{m.group(1)} {{first}} {{last}}", out)
    out = ZIP.sub(lambda m: f"{m.group(1)}{{zip}}", out)
    for slot, pattern in slot_patterns.items():
        out = pattern.sub("{" + slot + "}", out)
    for slot, values in slot_values.items():
        for value in sorted(values, key=len, reverse=True):
            out = re.sub(rf"\b{re.escape(value)}s?\b", "{" + slot + "}", out, flags=re.IGNORECASE)
        token = re.escape("{" + slot + "}")
        out = re.sub(token + r"(?:,? (?:and )?(?:the |a |an )?" + token + ")+", "{" + slot + "}", out)
    known = [*PLACEHOLDERS, *(k for k in (*slot_patterns, *slot_values) if k not in PLACEHOLDERS)]
    used = [p for p in known if "{" + p + "}" in out]
    stray_braces = re.sub(r"\{(" + "|".join(map(re.escape, known)) + r")\}", "", out)
    fillable = not LEFTOVER_ID.search(stray_braces) and "{" not in stray_braces \
        and "}" not in stray_braces
    return out, used, fillable


def bank_key(act: str, template: str, used: Sequence[str], is_first: bool, intent: str) -> str:
    """The agenda simulator's key for an utterance, or 'other'."""
    if is_first:
        return f"open_{intent}"
    if act in ("request", "failure"):
        for key, needs in ANSWER_KEYS:
            if needs <= set(used):
                return key
        if len(used) == 1:  # a slot of the mining config (slot_patterns / slot_values)
            return f"answer_{used[0]}"
    words = len(template.split())
    if act == "confirm" and YES.search(template) and words <= 12:
        return "yes"
    if act == "request" and not used and words <= 15:
        low = template.lower()
        if any(k in low for k in ("no longer", "don't need", "do not need", "not needed")):
            return "answer_reason=no longer needed"
        if any(k in low for k in ("mistake", "accident")):
            return "answer_reason=ordered by mistake"
    if act in ("success", "anything_else", "farewell") and THANKS.search(template) and words <= 15:
        return "thanks_done"
    return "other"


def mine_utterances(conversation_id: str, intent: str, turns: list[dict[str, Any]],
                    slot_patterns: dict[str, re.Pattern[str]],
                    slot_values: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Bank rows for the customer turns of one conversation (turns sorted by index)."""
    rows = []
    last_agent = ""
    seen_customer = False
    spoken = [t["turn_index"] for t in turns if t["role"] == "customer" and t["text"].strip()]
    final = spoken[-1] if spoken else None
    for turn in turns:
        if turn["role"] == "agent":
            last_agent = turn["text"]
            continue
        if turn["role"] != "customer":
            continue
        text = " ".join(turn["text"].split())
        if not text:
            continue
        act = classify(last_agent) if seen_customer else "opening"
        template, used, fillable = templatize(text, slot_patterns, slot_values)
        key = bank_key(act, template, used, not seen_customer, intent)
        seen_customer = True
        rows.append({"intent": intent, "key": key, "answers_act": act, "template": template,
                     "placeholders": used, "fillable": fillable,
                     "conversation_id": conversation_id, "turn_index": turn["turn_index"],
                     "last": turn["turn_index"] == final})
    return rows
