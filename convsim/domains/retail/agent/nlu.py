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


DIGIT_WORDS = {w: str(i) for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])}
DIGIT_WORDS["oh"] = "0"
CONNECTORS = {"dot": ".", "underscore": "_", "dash": "-", "hyphen": "-"}


def from_speech(text: str) -> str:
    """Undo what a speech recogniser does to identifiers: spoken digits ("w one two three
    four five six seven" -> "w1234567", "zip zero two one three nine" -> "zip 02139") and
    spoken emails ("john dot smith eight eight at example dot com" -> john.smith88@...)."""
    words = text.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and words[j].lower().strip(".,") in DIGIT_WORDS:
            j += 1
        run = "".join(DIGIT_WORDS[w.lower().strip(".,")] for w in words[i:j])
        if len(run) >= 2 or (run and out and out[-1].lower() in CONNECTORS):
            if out and len(out[-1]) == 1 and out[-1].isalpha():  # "w 1234567" -> "w1234567"
                out[-1] = out[-1] + run
            else:
                out.append(run)
            i = j
            continue
        out.append(words[i])
        i += 1
    # spoken emails: LOCAL at HOST dot TLD, the local part joined by connectors
    k = 0
    while k < len(out):
        host_ok = (out[k].lower() == "at" and k + 3 < len(out) + 1 and k + 2 < len(out)
                   and out[k + 2].lower() == "dot")
        if not host_ok or k == 0:
            k += 1
            continue
        start = k - 1
        if out[start].isdigit() and start > 0 and out[start - 1].isalnum():
            start -= 1
        while start >= 2 and out[start - 1].lower() in CONNECTORS:
            start -= 2
        end = k + 2
        while end + 2 < len(out) + 1 and end < len(out) and out[end].lower() == "dot" \
                and end + 1 < len(out):
            end += 2
        local = "".join(CONNECTORS.get(w.lower(), w) for w in out[start:k])
        host = "".join(CONNECTORS.get(w.lower(), w) for w in out[k + 1:end])
        out[start:end] = [f"{local}@{host}".lower()]
        k = start + 1
    return " ".join(out)
