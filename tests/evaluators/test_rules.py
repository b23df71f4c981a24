"""Rule evaluators on hand-built conversations: each verdict can go both ways."""

from __future__ import annotations

import pytest

from convsim.core.records import (
    Conversation,
    Disclosure,
    Expectations,
    ProcessStep,
    Scenario,
    ToolCall,
    Turn,
)
from convsim.core.registry import evaluators

AUTH = ProcessStep(name="authenticate", tools=["find_user_id_by_email"], before=["cancel"])
CANCEL = ProcessStep(name="cancel", tools=["cancel_pending_order"])
REFUND = Disclosure(name="refund_timing", patterns=[r"5 to 7 business days"],
                    before_tool="cancel_pending_order")
SCENARIO = Scenario(
    id="s1", domain="retail", intent="cancel_order", goal="cancel",
    expectations=Expectations(process=[AUTH, CANCEL], disclosures=[REFUND],
                              final_state={"orders.#W1.status": "cancelled"},
                              forbidden_tools=["return_delivered_order_items"]))


def _conv(agent_texts: list[str], calls: list[tuple[str, int, str]], status: str = "cancelled"
          ) -> Conversation:
    turns = []
    for text in agent_texts:
        turns.append(Turn(index=len(turns), role="customer", text="..."))
        turns.append(Turn(index=len(turns), role="agent", text=text))
    tool_calls = [ToolCall(seq=i, turn_index=t, tool=name, status=st)  # type: ignore[arg-type]
                  for i, (name, t, st) in enumerate(calls)]
    return Conversation(id="c1", turns=turns, tool_calls=tool_calls,
                        final_state={"orders": {"#W1": {"status": status}}})


def _score(name: str, conv: Conversation, metric: str | None = None):
    scores = evaluators.create(name).evaluate(conv, SCENARIO)
    return next(s for s in scores if metric is None or s.metric == metric)


def test_process_passes_in_order() -> None:
    conv = _conv(["a", "b"], [("find_user_id_by_email", 1, "ok"),
                              ("cancel_pending_order", 3, "ok")])
    score = _score("process", conv)
    assert score.passed and score.value == 1.0


def test_process_fails_when_cancel_precedes_auth() -> None:
    conv = _conv(["a", "b"], [("cancel_pending_order", 1, "ok"),
                              ("find_user_id_by_email", 3, "ok")])
    score = _score("process", conv)
    assert score.passed is False and score.evidence == [1]
    assert "'cancel' (turn 1) happened before 'authenticate'" in score.rationale


def test_process_fails_without_auth_and_a_failed_call_does_not_count() -> None:
    conv = _conv(["a", "b"], [("find_user_id_by_email", 1, "error"),
                              ("cancel_pending_order", 3, "ok")])
    score = _score("process", conv)
    assert score.passed is False and "never done" in score.rationale


def test_process_forbidden_tool() -> None:
    conv = _conv(["a", "b"], [("find_user_id_by_email", 1, "ok"),
                              ("return_delivered_order_items", 1, "ok"),
                              ("cancel_pending_order", 3, "ok")])
    assert "forbidden tool" in _score("process", conv).rationale


def test_disclosure_before_action_passes() -> None:
    conv = _conv(["Refund in 5 to 7 business days. Proceed?", "Cancelled."],
                 [("cancel_pending_order", 3, "ok")])
    score = _score("disclosures", conv, "disclosure:refund_timing")
    assert score.passed and score.evidence == [1]


def test_disclosure_after_action_fails() -> None:
    conv = _conv(["Proceed?", "Cancelled. Refund in 5 to 7 business days."],
                 [("cancel_pending_order", 3, "ok")])
    score = _score("disclosures", conv, "disclosure:refund_timing")
    assert score.passed is False


def test_disclosure_not_applicable_without_the_action() -> None:
    conv = _conv(["I can't do that."], [])
    score = _score("disclosures", conv, "disclosure:refund_timing")
    assert score.status == "not_applicable" and score.passed is None


@pytest.mark.parametrize("status,passed", [("cancelled", True), ("pending", False)])
def test_goal_compares_final_state(status: str, passed: bool) -> None:
    score = _score("goal", _conv(["Your order has been cancelled."], [], status=status))
    assert score.passed is passed
    if not passed:
        assert "orders.#W1.status is 'pending', expected 'cancelled'" in score.rationale


def test_unknown_evaluator_lists_known_ones() -> None:
    with pytest.raises(KeyError, match="known"):
        evaluators.create("tone")
