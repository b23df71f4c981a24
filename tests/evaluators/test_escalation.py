"""Escalation: should vs did (confusion-matrix cell first in the rationale), timing, and the
handoff note, on hand-written retail and telecom conversations."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("eval_builders", Path(__file__).with_name("builders.py"))
b = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(b)  # type: ignore[union-attr]

TRANSFER = "YOU ARE BEING TRANSFERRED TO A HUMAN AGENT. PLEASE HOLD ON."
NOTE = "Customer (identity verified, user u1) asks for a price adjustment on order #W1."


def esc(conv, scen):
    return b.scores("escalation", conv, scen)


@pytest.mark.parametrize("pack,intent", [("retail", "out_of_scope"), ("telecom", "out_of_scope")])
def test_expected_handoff_in_the_next_reply_is_a_true_positive(pack: str, intent: str) -> None:
    conv = b.conversation(("customer", "Can I get a price adjustment on #W1?"),
                          ("agent", TRANSFER, b.call("transfer_to_human_agents", summary=NOTE)),
                          outcome="transferred", escalated=True)
    s = esc(conv, b.scenario(pack, intent, escalation_expected=True,
                             escalation_reason="out_of_scope"))
    assert s["escalation"].passed and s["escalation"].rationale.startswith("tp: should escalate")
    assert s["escalation"].evidence == [0, 1]
    assert s["escalation_timing"].value == 1.0 and s["escalation_timing"].passed
    note = s["escalation_handoff"]
    assert note.passed and note.evidence == [1], note.rationale


def test_a_handoff_only_after_the_customer_insists_is_late() -> None:
    conv = b.conversation(("customer", "Can I get a price adjustment on #W1?"),
                          ("agent", "I'm afraid I can't help with that. Anything else?"),
                          ("customer", "Then can I talk to a human, please?"),
                          ("agent", TRANSFER, b.call("transfer_to_human_agents",
                                                     summary="customer request outside scope")),
                          outcome="transferred")
    s = esc(conv, b.scenario("retail", "out_of_scope", escalation_expected=True))
    assert s["escalation"].passed is False
    assert s["escalation"].rationale.startswith("tp: late: 2 agent turns after it was due")
    assert s["escalation_timing"].value == 2.0 and s["escalation_timing"].passed is False
    note = s["escalation_handoff"]
    assert note.passed is False and "lacks whether the identity was verified" in note.rationale


def test_missed_escalation_is_a_false_negative() -> None:
    conv = b.conversation(("customer", "I want to file a complaint"),
                          ("agent", "I'm afraid I can't help with that."),
                          ("customer", "Can you get me a real person?"),
                          ("agent", "Sorry, I can only cancel or return orders."),
                          ("customer", "I said I want a human agent!"),
                          ("agent", "Is there anything else I can help with?"), outcome="abandoned")
    s = esc(conv, b.scenario("retail", "out_of_scope"))  # not expected, but asked twice
    assert s["escalation"].passed is False
    assert s["escalation"].rationale.startswith("fn: should escalate: the customer asked for a "
                                                "human 2 times")
    assert s["escalation"].evidence == [2, 4] and "escalation_timing" not in s


def test_needless_escalation_at_the_first_hurdle_is_a_false_positive() -> None:
    conv = b.conversation(("customer", "cancel my order, email a@b.com"),
                          ("agent", TRANSFER,
                           b.call("find_user_id_by_email", "error", {"error": "503"}, fault="error",
                                  email="a@b.com"),
                           b.call("transfer_to_human_agents", summary="backend failure")),
                          outcome="transferred")
    s = esc(conv, b.scenario("retail", "cancel_order"))
    assert s["escalation"].passed is False and s["escalation"].rationale.startswith("fp: needless")
    assert "(agent turn 1)" in s["escalation"].rationale


def test_repeated_backend_faults_make_a_handoff_right() -> None:
    fault = b.call("find_user_id_by_email", "timeout", None, fault="timeout", email="a@b.com")
    conv = b.conversation(("customer", "cancel my order, email a@b.com"),
                          ("agent", TRANSFER, fault, fault,
                           b.call("transfer_to_human_agents",
                                  summary="cancel_order: could not verify the customer, "
                                          "lookup timed out twice")),
                          outcome="transferred")
    s = esc(conv, b.scenario("retail", "cancel_order"))
    assert s["escalation"].passed and s["escalation"].rationale.startswith(
        "tp: should escalate: find_user_id_by_email hit a backend fault twice")
    assert s["escalation_handoff"].passed, s["escalation_handoff"].rationale


@pytest.mark.parametrize("pack", ["retail", "telecom"])
def test_staying_in_scope_is_a_true_negative(pack: str) -> None:
    conv = b.conversation(("customer", "status of my order?"),
                          ("agent", "It is pending. Anything else?"), ("customer", "no thanks"))
    s = esc(conv, b.scenario(pack, "order_status"))
    assert s["escalation"].passed and s["escalation"].rationale.startswith("tp" if False else "tn:")
    assert set(s) == {"escalation"}


def test_a_reply_level_transfer_counts_without_a_tool() -> None:
    conv = b.conversation(("customer", "I need to port my number"),
                          ("agent", "I'm transferring you to a human agent now."),
                          outcome="transferred")
    s = esc(conv, b.scenario("telecom", "out_of_scope", escalation_expected=True))
    assert s["escalation"].passed and "said \"I'm transferring you" in s["escalation"].rationale
    assert "escalation_handoff" not in s
