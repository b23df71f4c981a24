"""A customer who left without making its request (it asked a question and went, as real
customers of its intent do) asked nothing of the agent: process and goal are not applicable,
with the reason — unless the agent acted anyway, which is still judged."""

from __future__ import annotations

from convsim.core.records import LEFT_UNASKED, Conversation
from tests.evaluators.builders import call, conversation, scenario, scores

ORDER = {"orders": {"#W1": {"status": "pending"}}}


def _retail(**expectations):
    return scenario("retail", "cancel_order", initial_state=ORDER, **expectations)


def _asked_and_left(*made) -> Conversation:
    conv = conversation(("customer", "Do you ship to Canada?"),
                        ("agent", "Yes, we ship to Canada in 5-7 business days.", *made),
                        final_state=ORDER, outcome="abandoned")
    conv.labels[LEFT_UNASKED] = "asked a question and left"
    return conv


STEPS = dict(process=[{"name": "authenticate", "tools": ["find_user_id_by_email"],
                       "before": ["cancel"]},
                      {"name": "cancel", "tools": ["cancel_pending_order"]}],
             forbidden_tools=["return_delivered_order_items"],
             final_state={"orders.#W1.status": "cancelled"})


def test_nothing_asked_nothing_judged() -> None:
    got = scores("process", _asked_and_left(), _retail(**STEPS))["process"]
    assert got.status == "not_applicable"
    assert "left without making its request (asked a question and left)" in got.rationale
    goal = scores("goal", _asked_and_left(), _retail(**STEPS))["goal"]
    assert goal.status == "not_applicable" and "no goal was asked" in goal.rationale


def test_without_the_label_the_same_conversation_fails() -> None:
    conv = _asked_and_left()
    conv.labels.clear()
    assert scores("process", conv, _retail(**STEPS))["process"].passed is False
    assert scores("goal", conv, _retail(**STEPS))["goal"].passed is False


def test_a_forbidden_call_still_fails_process() -> None:
    conv = _asked_and_left(call("return_delivered_order_items", order_id="#W1"))
    got = scores("process", conv, _retail(**STEPS))["process"]
    assert got.passed is False and "forbidden tool 'return_delivered_order_items'" in got.rationale
    assert "never done" not in got.rationale  # no step was asked: none is missing


def test_an_action_nobody_asked_for_is_still_judged_by_goal() -> None:
    conv = _asked_and_left(call("cancel_pending_order", order_id="#W1", reason="no longer needed"))
    conv.final_state = {"orders": {"#W1": {"status": "cancelled"}}}
    goal = scores("goal", conv, _retail(**STEPS))["goal"]
    assert goal.status == "scored"
