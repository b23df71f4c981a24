"""Keyword and pattern understanding for the reference agent.

Deliberately simple and deterministic: the reference agent is a test target,
not a product. Each function reads one kind of information from a customer
message and returns None when it is not there.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ORDER_ID = re.compile(r"#?\s?(W\d{7})\b", re.IGNORECASE)
ZIP = re.compile(r"\b(\d{5})\b")
NAME = re.compile(
    r"(?:name is|name's|i am|i'm|this is|it's)\s+([A-Z][a-zA-Z'-]+)\s+([A-Z][a-zA-Z'-]+)",
    re.IGNORECASE,
)
ADDRESS = re.compile(
    r"(\d+\s+[A-Za-z0-9 .'-]+?),\s*(?:((?:apt|suite|unit)\.?\s*[\w-]+),\s*)?([A-Za-z .'-]+),\s*"
    r"([A-Z]{2})\s+(\d{5})",
    re.IGNORECASE,
)

INTENT_KEYWORDS: list[tuple[str, tuple[str, ...]]] = [
    ("human", ("human", "real person", "representative", "manager", "supervisor")),
    ("cancel_order", ("cancel",)),
    ("return_items", ("return", "send back", "send it back", "refund for")),
    ("update_address", ("address", "moved", "moving")),
    ("order_status", ("status", "where is", "where's", "track", "arrive", "shipped")),
]

YES = re.compile(r"\b(yes|yeah|yep|yup|sure|correct|confirm(ed)?|go ahead|please do|ok(ay)?|do it)\b",
                 re.IGNORECASE)
NO = re.compile(r"\b(no|nope|don't|do not|wait|stop)\b", re.IGNORECASE)
DONE = re.compile(r"\b(that's all|that is all|nothing else|no,? thanks?|bye|goodbye|all set)\b",
                  re.IGNORECASE)


def find_email(text: str) -> str | None:
    m = EMAIL.search(text)
    return m.group(0).rstrip(".") if m else None


def find_order_id(text: str) -> str | None:
    m = ORDER_ID.search(text)
    return f"#{m.group(1).upper()}" if m else None


def find_name_zip(text: str) -> tuple[str, str, str] | None:
    name, zip_ = NAME.search(text), ZIP.search(ORDER_ID.sub(" ", text))
    if name and zip_:
        return name.group(1).capitalize(), name.group(2).capitalize(), zip_.group(1)
    return None


def find_address(text: str) -> dict[str, str] | None:
    m = ADDRESS.search(text)
    if not m:
        return None
    return {"address1": m.group(1).strip(), "address2": (m.group(2) or "").strip(),
            "city": m.group(3).strip(), "state": m.group(4).upper(), "country": "USA",
            "zip": m.group(5)}


def find_intent(text: str, out_of_scope: list[str]) -> str | None:
    # "my email address is ..." is identity, not a request to change an address.
    low = re.sub(r"e-?mail address", "email", text.lower())
    if any(k in low for k in out_of_scope):
        return "out_of_scope"
    for intent, keys in INTENT_KEYWORDS:
        if any(k in low for k in keys):
            return intent
    return None


def find_reason(text: str) -> str | None:
    low = text.lower()
    if any(k in low for k in ("no longer", "don't need", "do not need", "not needed")):
        return "no longer needed"
    if any(k in low for k in ("mistake", "accident", "by error", "wrong order")):
        return "ordered by mistake"
    return None


def is_yes(text: str) -> bool:
    return bool(YES.search(text)) and not re.search(r"\b(no|nope|don't)\b", text, re.IGNORECASE)


def is_no(text: str) -> bool:
    return bool(NO.search(text)) and not YES.search(text)


def is_done(text: str) -> bool:
    return bool(DONE.search(text))


DONT_KNOW = re.compile(r"\b(don't|do not|can't|cannot) (remember|recall|know|find)\b|\bforgot\b|"
                       r"\bno idea\b", re.IGNORECASE)


def doesnt_know(text: str) -> bool:
    """The customer says they do not know or remember something."""
    return bool(DONT_KNOW.search(text))
