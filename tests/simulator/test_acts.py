"""The agent dialog-act recogniser on real labelled agent utterances and on rephrasings."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from convsim.core.acts import ACTS, AgentAct, classify, recognise, requested_slots

DATA = Path(__file__).resolve().parents[1] / "data" / "agent_acts.jsonl"
ITEMS = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]

VOCABULARY = {
    "email": ["email", "e-mail address"],
    "order_id": ["order id", "order number"],
    "zip": ["zip code", "postal code"],
    "phone": ["phone number", "mobile number"],
    "date": ["date", "day"],
}


def test_labelled_set_is_well_formed() -> None:
    assert len(ITEMS) >= 200
    assert len({item["id"] for item in ITEMS}) == len(ITEMS)
    assert {item["act"] for item in ITEMS} == set(ACTS)
    assert {item["split"] for item in ITEMS} == {"dev", "test"}
    assert len({item["source"] for item in ITEMS}) >= 3
    counts = Counter(item["act"] for item in ITEMS)
    assert min(counts.values()) >= 10, counts


def test_accuracy_on_labelled_agent_utterances() -> None:
    correct = sum(classify(item["text"]) == item["act"] for item in ITEMS)
    assert correct / len(ITEMS) >= 0.85


def test_held_out_split_accuracy() -> None:
    test = [item for item in ITEMS if item["split"] == "test"]
    correct = sum(classify(item["text"]) == item["act"] for item in test)
    assert correct / len(test) >= 0.80


ASK_EMAIL = [
    "What is your email?",
    "Could you please provide your email address?",
    "May I have your e-mail, please?",
    "can you tell me the email on the account",
    "Please share the email address associated with your account.",
    "What's the e-mail address on your profile?",
    "To look you up, I'll need your email.",
    "which email did you use to sign up",
    "Would you mind giving me your email address?",
    "Can I get your email so I can verify your identity?",
]
ASK_PROCEED = [
    "Shall I proceed?",
    "Would you like me to go ahead with the cancellation?",
    "Do you want me to place this order?",
    "Is that correct?",
    "Can you confirm you'd like to cancel order 1234?",
    "Should I go ahead and book it?",
    "I'll refund $20 to your card. OK to proceed (yes/no)?",
    "Please confirm that you want to change your plan.",
    "ok to go ahead",
    "Are you sure you want me to cancel it?",
]


@pytest.mark.parametrize(("phrasings", "act"), [(ASK_EMAIL, "request"), (ASK_PROCEED, "confirm")])
def test_ordinary_rephrasings(phrasings: list[str], act: str) -> None:
    wrong = [text for text in phrasings if classify(text) != act]
    assert len(wrong) <= 1, wrong


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("Could you give me your e-mail and your order number?", ["email", "order_id"]),
        ("What are your order IDs?", ["order_id"]),
        ("Please provide the Order-ID and the zipcode.", ["order_id", "zip"]),
        ("may i have your zip code and phone number", ["zip", "phone"]),
        ("What's your account's email?", ["email"]),
        ("I couldn't find that email. Could you give me your name and zip code?", ["zip"]),
        ("Which date would you like to travel, and what is your mobile number?", ["date", "phone"]),
        ("Can you share your phone numbers and your customer's Emails?", ["phone", "email"]),
    ],
)
def test_requested_slots(text: str, slots: list[str]) -> None:
    assert requested_slots(text, VOCABULARY) == slots


@pytest.mark.parametrize(
    "text",
    ["Your order has been cancelled; a confirmation was sent to your email.", "Have a great day!",
     "Shall I send the receipt to your email?"],
)
def test_no_slots_outside_requests(text: str) -> None:
    assert requested_slots(text, VOCABULARY) == []


def test_recognise_reports_act_slots_and_confidence() -> None:
    assert recognise("Could you provide your order number?", VOCABULARY) == AgentAct(
        act="request", slots=("order_id",), confident=True
    )
    assert recognise("Your refund has been issued. Anything else?") == AgentAct("success", (), True)
    assert recognise("The weather is mild") == AgentAct("inform", (), False)


@pytest.mark.parametrize(
    ("text", "act"),
    [
        ("Your order is cancelled. Anything else?", "success"),
        ("Is there anything else?", "anything_else"),
        ("Your order has been cancelled. Anything else?", "success"),
        ("I couldn't find that email. Could you give me your name and zip code?", "request"),
        ("I'm unable to do that. Would you like me to transfer you to an agent?", "confirm"),
        ("I'm transferring you to a human agent now, please hold.", "transfer"),
        ("Unfortunately I can't change a basic economy ticket.", "failure"),
        ("Is there anything else I can help you with?", "anything_else"),
        ("Thanks for calling, goodbye!", "farewell"),
        ("Please restart your phone and wait a minute.", "inform"),
        ("could you tell me your order number please", "request"),
        ("i have cancelled your order", "success"),
        ("sorry i cannot find an account with that email", "failure"),
    ],
)
def test_priority_and_lowercase_forms(text: str, act: str) -> None:
    assert classify(text) == act
