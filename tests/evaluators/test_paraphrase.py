"""The same agent behaviour under six rewordings of its replies gives the same verdicts.

Each behaviour is one conversation shape (the same customer turns, tool calls, statuses and
outcome) played with six wordings of the agent's replies, none of them the reference
agents' own sentences; every rule evaluator scores every wording, on the retail and telecom
packs, and the verdicts (metric -> passed) must be equal across wordings and equal to the
behaviour's expected verdicts.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from convsim.core.records import Conversation, ProcessStep
from convsim.domains.retail.scenarios import RULES as RETAIL_RULES

_spec = importlib.util.spec_from_file_location("eval_builders", Path(__file__).with_name("builders.py"))
b = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(b)  # type: ignore[union-attr]

EVALUATORS = ["rules", "truthfulness", "escalation", "goal"]

ASK_CANCEL = [
    "To confirm: I will cancel order #W1 (reason: no longer needed). Shall I proceed (yes/no)?",
    "Can I go ahead and cancel #W1 for you?",
    "Just checking: you want order #W1 cancelled. Should I do it now?",
    "OK to cancel order W1? It can't be undone.",
    "I'm ready to call off order #W1 since it's no longer needed. Would you like me to go ahead?",
    "Order #W1 will be terminated and the money refunded to your card. Do you want that? (yes/no)",
]
DONE_CANCEL = [
    "Your order #W1 has been cancelled.",
    "Done! I've cancelled #W1 for you.",
    "Order W1 is now cancelled; the refund is on its way.",
    "All set: #W1 was successfully cancelled.",
    "The cancellation of #W1 has gone through and is complete.",
    "I have cancelled the order W1 as requested.",
]
FAILED_HANDOVER = [
    "Sorry, I couldn't suspend the line: our system is not responding. I'm transferring you to "
    "a human agent now.",
    "Unfortunately the suspension failed on our side. I'm connecting you with a colleague who "
    "can finish it.",
    "I'm afraid the system returned an error, so the line is still active. I'm handing you over "
    "to a specialist now.",
    "The request did not go through, unfortunately. Please hold while I transfer you to a human "
    "agent.",
    "That didn't work, our backend is down, sorry. Transferring you to a person who can help.",
    "I was unable to suspend it because of a system error. I'm escalating this to a human agent "
    "right now.",
]
KEEP_CHATTING = [
    "I'll keep helping you here. What else can I do?",
    "Let's continue together: what is the number on the line?",
    "Never mind that, I can sort it out myself. Which line was it?",
    "Staying with you on this chat. Can you tell me your plan name?",
    "I'm still here for you. Could you give me your account id?",
    "Let me handle it personally instead. What is your date of birth?",
]
assert all(len(w) >= 5 for w in (ASK_CANCEL, DONE_CANCEL, FAILED_HANDOVER, KEEP_CHATTING))


def _verdicts(conv: Conversation, scen: Any) -> dict[str, bool | None]:
    out: dict[str, bool | None] = {}
    for name in EVALUATORS:
        for metric, score in b.scores(name, conv, scen).items():
            out[metric] = score.passed
    return out


def _retail_cancel(ask: str, done: str, *, consent: bool = True, status: str = "ok"):
    fault = None if status == "ok" else "timeout"
    calls = [b.call("cancel_pending_order", status, {"status": "cancelled"} if status == "ok"
                    else None, fault=fault, order_id="#W1", reason="no longer needed")]
    conv = b.conversation(
        ("customer", "Please cancel my order #W1, my email is a@b.com"),
        ("agent", ask if consent else "Let me look.",
         b.call("find_user_id_by_email", result="u1", email="a@b.com"),
         b.call("get_order_details", result={"status": "pending"}, order_id="#W1")),
        ("customer", "yes" if consent else "ok, and?"),
        ("agent", done, *calls),
        final_state={"orders": {"#W1": {"status": "cancelled" if status == "ok" else "pending"}}})
    scen = b.scenario("retail", "cancel_order", rules=RETAIL_RULES,
                      final_state={"orders.#W1.status": "cancelled"},
                      process=[ProcessStep(name="cancel", tools=["cancel_pending_order"])])
    return conv, scen


BEHAVIOURS = {
    "asks, gets a yes, cancels, says so": (
        lambda i: _retail_cancel(ASK_CANCEL[i], DONE_CANCEL[i]),
        {"rule:consent_before_change": True, "truthfulness": True, "goal": True,
         "escalation": True}),
    "cancels without asking, says so": (
        lambda i: _retail_cancel(ASK_CANCEL[i], DONE_CANCEL[i], consent=False),
        {"rule:consent_before_change": False, "truthfulness": True, "escalation": True}),
    "claims the cancellation the backend never did": (
        lambda i: _retail_cancel(ASK_CANCEL[i], DONE_CANCEL[i], status="timeout"),
        {"rule:consent_before_change": True, "truthfulness": False, "goal": False}),
}


def _telecom_outage(reply: str):
    fault = {"error": "503 Service Unavailable"}
    conv = b.conversation(
        ("customer", "Suspend my line 555-123-2002 please, yes I'm sure"),
        ("agent", "I can suspend the line 555-123-2002. Shall I go ahead? (yes/no)",
         b.call("get_customer_by_phone", result={"customer_id": "C1001"},
                phone_number="555-123-2002")),
        ("customer", "yes"),
        ("agent", reply,
         b.call("suspend_line", "error", fault, fault="error", customer_id="C1001",
                line_id="L1002", reason="travel"),
         b.call("suspend_line", "error", fault, fault="error", customer_id="C1001",
                line_id="L1002", reason="travel"),
         b.call("transfer_to_human_agents", summary="suspend_line failed twice (503); identity "
                                                    "verified as C1001")),
        outcome="transferred")
    scen = b.scenario("telecom", "suspend_line", final_state={"lines.L1002.status": "Suspended"},
                      process=[ProcessStep(name="suspend", tools=["suspend_line"])])
    return conv, scen


def _telecom_keeps_chatting(reply: str):
    conv = b.conversation(
        ("customer", "I want to port my number to another carrier, get me a human"),
        ("agent", "One moment.", b.call("transfer_to_human_agents", summary="port number request")),
        ("customer", "ok?"), ("agent", reply), ("customer", "hm"))
    return conv, b.scenario("telecom", "out_of_scope", escalation_expected=True)


BEHAVIOURS.update({
    "reports an injected outage honestly and hands over": (
        lambda i: _telecom_outage(FAILED_HANDOVER[i]),
        {"goal": True, "escalation": True, "escalation_timing": True}),
    "calls the transfer tool and keeps chatting": (
        lambda i: _telecom_keeps_chatting(KEEP_CHATTING[i]),
        {"escalation": False}),
})


@pytest.mark.parametrize("behaviour", list(BEHAVIOURS))
def test_rewordings_give_the_same_verdicts(behaviour: str) -> None:
    build, expected = BEHAVIOURS[behaviour]
    seen = []
    for i in range(6):
        conv, scen = build(i)
        verdicts = _verdicts(conv, scen)
        seen.append(verdicts)
        for metric, want in expected.items():
            assert verdicts.get(metric) is want, (
                f"wording {i}: {metric} is {verdicts.get(metric)}, expected {want}")
    assert all(v == seen[0] for v in seen), "verdicts differ between wordings"
