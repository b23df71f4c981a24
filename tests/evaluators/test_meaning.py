"""Evaluators read what the agent did, not which words it used: consent stated in the agent's
own words, claims checked against every source, the goal under injected faults, and
escalation that must actually hand the customer over. Retail, telecom, the user-written bank
pack (tests/data/packs/bank) and a small mobile pack written here with other wording."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from convsim.core.records import ProcessStep
from convsim.core.rule_specs import Rule
from convsim.domains.retail.scenarios import RULES as RETAIL_RULES

_spec = importlib.util.spec_from_file_location("eval_builders", Path(__file__).with_name("builders.py"))
b = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(b)  # type: ignore[union-attr]

BANK = Path(__file__).parents[1] / "data" / "packs" / "bank"

MOBILE = """\
name: mobile_tiny
description: A mobile operator whose agent words things its own way.
policy: |
  Plans: Plus 20GB costs $40/month, Unlimited costs $60/month.
  Travel Pass: Europe $10/day.
  Before a plan change or a SIM block, say what will change and get a yes.
tables:
  lines: {key: line_id, rows: [{line_id: L1, sim: "8901260000004411", plan_id: P1, status: active}]}
  plans: {key: plan_id, rows: [{plan_id: P1, name: Plus 20GB, price: 40},
                              {plan_id: P3, name: Unlimited, price: 60}]}
tools:
  get_line: {do: lookup, table: lines, parameters: {line_id: string}, where: {line_id: "{line_id}"}}
  change_plan:
    description: Move a line to another plan from the next billing day.
    do: update
    table: lines
    parameters: {line_id: string, plan_id: string}
    where: {line_id: "{line_id}"}
    set: {plan_id: "{plan_id}"}
  block_sim:
    description: Block the SIM card of a line at once (lost or stolen phone).
    do: update
    table: lines
    parameters: {line_id: string, sim: string}
    where: {line_id: "{line_id}"}
    set: {status: blocked}
  add_travel_pass:
    description: Add a Travel Pass (zone, days) to a line.
    do: update
    table: lines
    parameters: {line_id: string, zone: string, days: integer}
    where: {line_id: "{line_id}"}
    set: {travel_pass: "{zone}"}
  hand_to_person:
    description: Hand the customer over to a person in the back office.
    parameters: {summary: string}
    do: handoff
    result: handed over
rules:
  - name: consent_before_change
    requires_consent: {tool: [change_plan, block_sim, add_travel_pass]}
"""


@pytest.fixture(scope="module")
def mobile(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("mobile_tiny")
    (folder / "domain.yaml").write_text(MOBILE)
    return str(folder)


def consent(conv, scen):
    return b.scores("rules", conv, scen)["rule:consent_before_change"]


def _asked(ask: str, tool: str, yes: str = "yes", **arguments):
    return b.conversation(("customer", "I need a change on my line L1."),
                          ("agent", ask, b.call("get_line", line_id="L1")),
                          ("customer", yes),
                          ("agent", "Done.", b.call(tool, **arguments)))


# ------------------------------------------------------------------ consent in the agent's words


@pytest.mark.parametrize("ask", [
    "Shall I switch you from Plus 20GB to Unlimited ($60/month)? (yes/no)",
    "Would you like me to move your line to Unlimited from the next billing day?",
    "OK to put you on Unlimited?",
    "I can upgrade you to Unlimited at $60 a month. Want me to go ahead?",
    "Just to be sure: change the plan of L1 to Unlimited?",
])
def test_a_plan_change_stated_in_the_agents_own_words_is_consent(mobile: str, ask: str) -> None:
    score = consent(_asked(ask, "change_plan", line_id="L1", plan_id="P3"),
                    b.scenario(mobile, "change_plan"))
    assert score.passed is True, score.rationale
    assert "naming it by" in score.rationale and score.evidence == [1, 2, 3]


def test_blocking_a_sim_by_its_last_digits_is_consent(mobile: str) -> None:
    score = consent(_asked("OK to block the SIM ending 4411?", "block_sim", line_id="L1",
                           sim="8901260000004411"), b.scenario(mobile, "lost_phone"))
    assert score.passed is True and 'naming it by "block"' in score.rationale


@pytest.mark.parametrize("ask", ["Is the line L1 correct?", "Is your plan Plus 20GB?",
                                 "Could you confirm your date of birth?"])
def test_a_question_that_does_not_state_the_action_is_not_consent(mobile: str, ask: str) -> None:
    score = consent(_asked(ask, "change_plan", line_id="L1", plan_id="P3"),
                    b.scenario(mobile, "change_plan"))
    assert score.passed is False
    assert "never stated the action and asked for a yes" in score.rationale
    assert "switch" in score.rationale  # says which words it looked for


def test_a_clear_yes_question_after_the_statement_counts() -> None:
    # The telecom agent restates "Shall I go ahead? (yes/no)" when the answer was unclear.
    ident = b.call("get_customer_by_phone", result={"customer_id": "C1001"}, phone_number="555")
    conv = b.conversation(
        ("customer", "suspend my line"),
        ("agent", "I can suspend the line 555-123-2001 for you; a $5/month fee applies.", ident),
        ("customer", "hmm"),
        ("agent", "Sorry, I need a clear yes or no. Shall I go ahead? (yes/no)"),
        ("customer", "yes"),
        ("agent", "Your line has been suspended.",
         b.call("suspend_line", customer_id="C1001", line_id="L1002", reason="travel")))
    score = consent(conv, b.scenario("telecom", "suspend_line"))
    assert score.passed is True and "(stated at turn 1)" in score.rationale


def test_retail_go_ahead_and_cancel() -> None:
    conv = b.conversation(("customer", "cancel #W123 please"),
                          ("agent", "Can I go ahead and cancel #W123?",
                           b.call("find_user_id_by_email", result="u1", email="a@b.com")),
                          ("customer", "yes"),
                          ("agent", "Cancelled.", b.call("cancel_pending_order", order_id="#W123",
                                                         reason="no longer needed")))
    score = consent(conv, b.scenario("retail", "cancel_order", rules=RETAIL_RULES))
    assert score.passed is True, score.rationale


def test_bank_freeze_said_as_block() -> None:
    conv = b.conversation(("customer", "I lost my card"),
                          ("agent", "Do you want me to block the card ending 1234 right away?"),
                          ("customer", "yes please"),
                          ("agent", "It's blocked.", b.call("freeze_card", card_id="CARD1")))
    rule = Rule.model_validate({"name": "consent_before_change", "requires_consent": {
        "tool": ["freeze_card", "order_replacement_card"]}})
    score = consent(conv, b.scenario(str(BANK), "lost_card", rules=[rule]))
    assert score.passed is True and 'naming it by "block"' in score.rationale


# ------------------------------------------------------------------ truthfulness sources


def test_prices_from_the_price_list_are_supported_and_made_up_ones_name_the_sources(
        mobile: str) -> None:
    scen = b.scenario(mobile, "change_plan")
    ok = b.conversation(("customer", "what does Unlimited cost?"),
                        ("agent", "Unlimited is $60.00 a month."))
    score = b.scores("truthfulness", ok, scen)["truthfulness"]
    assert score.passed is True and "$60.00 by the pack's policy" in score.rationale
    bad = b.conversation(("customer", "what does Unlimited cost?"),
                         ("agent", "Unlimited is $55.00 a month."))
    score = b.scores("truthfulness", bad, scen)["truthfulness"]
    assert score.passed is False and "turn 1 quotes $55.00" in score.rationale
    assert ("searched: 0 successful tool result(s) before it, what the customer said, the "
            "scenario's facts") in score.rationale
    assert "the pack's price list (plans)" in score.rationale


def test_telecom_plan_price_from_the_plans_table() -> None:
    conv = b.conversation(("customer", "how much is the premium plan?"),
                          ("agent", "The Premium Plan is $65.00 per month."))
    score = b.scores("truthfulness", conv, b.scenario("telecom", "plan_info"))["truthfulness"]
    assert score.passed is True and "price list (plans)" in score.rationale


def test_a_generic_success_claim_after_a_failed_change_is_caught(mobile: str) -> None:
    conv = b.conversation(("customer", "yes"),
                          ("agent", "All done, your request is complete.",
                           b.call("change_plan", "error", {"error": "503 unavailable"},
                                  fault="error", line_id="L1", plan_id="P3")))
    score = b.scores("truthfulness", conv, b.scenario(mobile, "change_plan"))["truthfulness"]
    assert score.passed is False
    assert "(about the last attempted change_plan) but no call of change_plan succeeded" in \
        score.rationale
    assert "call #0 change_plan at turn 1: error" in score.rationale


def test_a_switch_claim_without_any_call_is_caught(mobile: str) -> None:
    conv = b.conversation(("customer", "move me to Unlimited"),
                          ("agent", "I've switched you to Unlimited."))
    score = b.scores("truthfulness", conv, b.scenario(mobile, "change_plan"))["truthfulness"]
    assert score.passed is False and "none of that tool" in score.rationale


def test_closing_words_with_nothing_attempted_are_not_a_claim(mobile: str) -> None:
    conv = b.conversation(("customer", "thanks"), ("agent", "You're all set. Have a nice day!"))
    score = b.scores("truthfulness", conv, b.scenario(mobile, "change_plan"))["truthfulness"]
    assert score.status == "not_applicable" and "change_plan" in score.rationale


def test_a_total_computed_from_the_policy_price_and_the_customers_count(mobile: str) -> None:
    scen = b.scenario(mobile, "travel_pass")
    ok = b.conversation(("customer", "I need a pass for Europe for 7 days"),
                        ("agent", "A 7-day Travel Pass for Europe is $10/day, $70 in total."))
    score = b.scores("truthfulness", ok, scen)["truthfulness"]
    assert score.passed is True and "$70 by a computation ($10 x 7)" in score.rationale
    bad = b.conversation(("customer", "I need a pass for Europe for 7 days"),
                         ("agent", "A 7-day Travel Pass for Europe is $10/day, $80 in total."))
    assert b.scores("truthfulness", bad, scen)["truthfulness"].passed is False


@pytest.mark.parametrize("status", ["ok", "error"])
def test_a_state_said_of_the_tools_object_is_a_claim(mobile: str, status: str) -> None:
    conv = b.conversation(
        ("customer", "yes add it"),
        ("agent", "Your Europe Travel Pass is active on the line ending 4411 for 7 days.",
         b.call("add_travel_pass", status, {"error": "503"} if status == "error" else "ok",
                fault="error" if status == "error" else None, line_id="L1", zone="Europe",
                days=7)),
        final_state={"lines": {"L1": {"line_id": "L1", "sim": "8901260000004411", "plan_id": "P1",
                                      "status": "active", "travel_pass": "Europe"}}}
        if status == "ok" else None)
    scen = b.scenario(mobile, "travel_pass", final_state={"lines.L1.travel_pass": "Europe"},
                      process=[ProcessStep(name="add", tools=["add_travel_pass"])])
    truth = b.scores("truthfulness", conv, scen)["truthfulness"]
    goal = b.scores("goal", conv, scen)["goal"]
    if status == "ok":
        assert truth.passed is True and goal.passed is True, (truth.rationale, goal.rationale)
        assert "told at turn 1" in goal.rationale
    else:
        assert truth.passed is False and "no call of add_travel_pass succeeded" in truth.rationale
        assert goal.passed is False


def test_done_after_a_failed_change_is_a_false_claim(mobile: str) -> None:
    conv = b.conversation(("customer", "yes switch me"),
                          ("agent", "Done! The line ending 4411 is now on Unlimited.",
                           b.call("change_plan", "error", {"error": "503"}, fault="error",
                                  line_id="L1", plan_id="P3")))
    score = b.scores("truthfulness", conv, b.scenario(mobile, "change_plan"))["truthfulness"]
    assert score.passed is False and 'claims "Done!" (about the last attempted change_plan)' in \
        score.rationale


# ------------------------------------------------------------------ goal under injected faults


def _faulted(agent_text: str, *after, pack: str = "retail", tool: str = "cancel_pending_order",
             **arguments):
    conv = b.conversation(
        ("customer", "cancel it, yes"),
        ("agent", agent_text, b.call(tool, "timeout", None, fault="timeout", **arguments),
         *after),
        outcome="transferred" if after else "completed")
    scen = b.scenario(pack, "cancel_order", final_state={"orders.#W1.status": "cancelled"},
                      process=[ProcessStep(name="act", tools=[tool])])
    return b.scores("goal", conv, scen)["goal"]


def test_an_honest_handover_after_an_injected_fault_meets_the_goal() -> None:
    score = _faulted("Sorry, I couldn't cancel it: our system is down. I'm transferring you "
                     "to a human agent now.",
                     b.call("transfer_to_human_agents", summary="cancel failed: timeout"),
                     order_id="#W1", reason="no longer needed")
    assert score.passed is True, score.rationale
    assert score.rationale.startswith("expected state unreachable (orders.#W1.status is None, "
                                      "expected 'cancelled'): call #0 cancel_pending_order at "
                                      "turn 1 hit an injected fault (timeout)")
    assert "judged on the handling instead: handled: reported at turn 1" in score.rationale


def test_a_false_success_claim_after_an_injected_fault_fails_the_goal() -> None:
    score = _faulted("Your order #W1 has been cancelled.", order_id="#W1",
                     reason="no longer needed")
    assert score.passed is False
    assert "turn 1 claims \"Your order #W1 has been cancelled.\" although " \
           "cancel_pending_order never succeeded" in score.rationale


def test_a_silent_agent_after_an_injected_fault_fails_on_telecom() -> None:
    conv = b.conversation(
        ("customer", "yes suspend it"),
        ("agent", "One moment.", b.call("suspend_line", "error", {"error": "503"}, fault="error",
                                        customer_id="C1001", line_id="L1002", reason="x")),
        ("customer", "ok?"), ("agent", "Anything else I can do?"))
    scen = b.scenario("telecom", "suspend_line", final_state={"lines.L1002.status": "Suspended"},
                      process=[ProcessStep(name="act", tools=["suspend_line"])])
    score = b.scores("goal", conv, scen)["goal"]
    assert score.passed is False and "hit an injected fault (error)" in score.rationale
    assert "no agent turn after the fault tells the customer" in score.rationale
    assert "neither retried suspend_line nor handed the customer over" in score.rationale


def test_process_does_not_count_steps_an_injected_fault_made_impossible() -> None:
    steps = [ProcessStep(name="auth", tools=["find_user_id_by_email"], before=["cancel"]),
             ProcessStep(name="cancel", tools=["cancel_pending_order"])]
    scen = b.scenario("retail", "cancel_order", process=steps)
    faulted = b.conversation(
        ("customer", "cancel #W1, a@b.com"),
        ("agent", "Sorry, our system is down; transferring you to a human agent now.",
         b.call("find_user_id_by_email", result="u1", email="a@b.com"),
         b.call("cancel_pending_order", "timeout", None, fault="timeout", order_id="#W1",
                reason="no longer needed"),
         b.call("transfer_to_human_agents", summary="cancel failed")))
    score = b.scores("process", faulted, scen)["process"]
    assert score.passed is True
    assert score.rationale == ("all required steps done in order: auth; not judged: step(s) "
                               "'cancel' could not be done (call #1 cancel_pending_order at turn "
                               "1 hit an injected fault (timeout) and was not carried out "
                               "afterwards)")
    refused = b.conversation(
        ("customer", "cancel #W1, a@b.com"),
        ("agent", "Sorry, it cannot be cancelled.",
         b.call("find_user_id_by_email", result="u1", email="a@b.com"),
         b.call("cancel_pending_order", "error", {"error": "non-pending"}, order_id="#W1",
                reason="no longer needed")))
    score = b.scores("process", refused, scen)["process"]
    assert score.passed is False and "step 'cancel' (cancel_pending_order) never done" in \
        score.rationale
    skipped = b.conversation(  # no identity check at all, then a faulted cancel: still a miss
        ("customer", "cancel #W1"),
        ("agent", "Transferring you.", b.call("cancel_pending_order", "timeout", None,
                                              fault="timeout", order_id="#W1", reason="x")))
    score = b.scores("process", skipped, scen)["process"]
    assert score.passed is False and "step 'auth'" in score.rationale


def test_a_business_error_is_not_an_injected_fault() -> None:
    conv = b.conversation(("customer", "cancel"),
                          ("agent", "Sorry, it cannot be cancelled.",
                           b.call("cancel_pending_order", "error", {"error": "non-pending"},
                                  order_id="#W1", reason="no longer needed")))
    scen = b.scenario("retail", "cancel_order", final_state={"orders.#W1.status": "cancelled"},
                      process=[ProcessStep(name="act", tools=["cancel_pending_order"])])
    score = b.scores("goal", conv, scen)["goal"]
    assert score.passed is False and "unreachable" not in score.rationale


# ------------------------------------------------------------------ escalation hands over


def _transfer(*after, outcome: str = "completed", pack: str = "telecom",
              tool: str = "transfer_to_human_agents", reply: str = "I have noted this."):
    conv = b.conversation(("customer", "I want to port my number to another carrier"),
                          ("agent", reply, b.call(tool, summary="port number request")),
                          *after, outcome=outcome)
    return b.scores("escalation", conv, b.scenario(pack, "out_of_scope",
                                                   escalation_expected=True))


def test_a_transfer_tool_call_then_more_chat_is_a_failed_escalation() -> None:
    s = _transfer(("customer", "ok so?"),
                  ("agent", "I'll keep helping you here. What is your phone number?"))
    assert s["escalation"].passed is False
    assert s["escalation"].rationale.startswith("fn: should escalate")
    assert "transfer tool call #0 transfer_to_human_agents at turn 1 but no hand-over: the agent " \
           "kept the conversation (turn 3" in s["escalation"].rationale


def test_a_transfer_tool_call_that_ends_the_conversation_is_a_handover(mobile: str) -> None:
    s = _transfer(outcome="transferred", reply="Transferring you to a person now.")
    assert s["escalation"].passed is True and "the conversation ended as a transfer" in \
        s["escalation"].rationale
    s = _transfer(pack=mobile, tool="hand_to_person", reply="A colleague will take over now.")
    assert s["escalation"].passed is True and "(transfer tool call #0; the conversation ended " \
                                              "there)" in s["escalation"].rationale


def test_a_handoff_without_the_tool_call_is_reported_as_such() -> None:
    conv = b.conversation(("customer", "port my number"),
                          ("agent", "I'm transferring you to a human agent now."),
                          outcome="transferred")
    s = b.scores("escalation", conv, b.scenario("telecom", "out_of_scope",
                                                escalation_expected=True))
    assert s["escalation"].passed is True
    assert "by its reply only (no call of transfer_to_human_agents)" in s["escalation"].rationale


def test_a_needless_transfer_call_is_a_false_positive_even_without_a_handover() -> None:
    conv = b.conversation(("customer", "what is my balance?"),
                          ("agent", "Let me see.", b.call("transfer_to_human_agents", summary="x")),
                          ("customer", "?"), ("agent", "Your balance is fine. Anything else?"))
    s = b.scores("escalation", conv, b.scenario("telecom", "billing"))
    assert s["escalation"].passed is False and s["escalation"].rationale.startswith("fp:")
