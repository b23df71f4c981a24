"""Agent dialogue acts: what an agent message asks of the customer.

Shared by the agenda user simulator (to react) and the transcript miner (to
label what a real customer was answering). Pattern-based, most specific first.
"""

from __future__ import annotations

import re

# Agent dialogue acts, most specific first.
ACTS: list[tuple[str, re.Pattern[str]]] = [
    ("transfer", re.compile(r"transferr|human agent|hold on", re.I)),
    ("success", re.compile(r"has been (cancelled|canceled|requested|updated)|"
                           r"return for order \S+ has been|status of order", re.I)),
    ("confirm", re.compile(r"\(yes/no\)|shall i proceed|do you want me to proceed|"
                           r"would you like me to proceed|please confirm", re.I)),
    ("refusal", re.compile(r"\b(can't|cannot|can not|unable to|not able to)\b", re.I)),
    ("auth_failed", re.compile(r"couldn't find an account|could not find an account|"
                               r"not find your account", re.I)),
    ("ask_address", re.compile(r"new address|which address|what address", re.I)),
    ("ask_identity", re.compile(r"e-?mail|verify your identity|authenticate|zip code", re.I)),
    ("ask_order", re.compile(r"order (id|number)|which order", re.I)),
    ("ask_reason", re.compile(r"\breason\b|why would you like", re.I)),
    ("ask_items", re.compile(r"which items?|what items?", re.I)),
    ("anything_else", re.compile(r"anything else|how can i help|what can i do", re.I)),
    ("farewell", re.compile(r"have a (great|nice|good) day|goodbye", re.I)),
]


def classify(agent_text: str) -> str:
    """The first dialogue act whose pattern matches the agent's text, else 'other'."""
    for act, pattern in ACTS:
        if pattern.search(agent_text):
            return act
    return "other"
