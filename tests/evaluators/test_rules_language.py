"""The rule language: validation with clear errors, and every rule kind scored both ways on
hand-written conversations in two packs (retail, telecom) and a declarative one, with evidence."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from pydantic import ValidationError

from convsim.core.acts import ACTS
from convsim.core.packs.declarative import load_domain_folder
from convsim.core.packs.discovery import find_domain
from convsim.core.packs.model import PackError
from convsim.core.rule_specs import Act, Rule, check_rules
from convsim.domains.retail.scenarios import RULES as RETAIL_RULES
from convsim.evaluators.consent import is_explicit_yes

_spec = importlib.util.spec_from_file_location("eval_builders", Path(__file__).with_name("builders.py"))
b = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(b)  # type: ignore[union-attr]

AUTH = "find_user_id_by_email"
ASK = "To confirm: I will cancel order #W1 (reason: no longer needed). Shall I proceed (yes/no)?"
DONE = "Your order #W1 has been cancelled. Anything else?"


def retail(intent: str = "cancel_order", **exp):
    return b.scenario("retail", intent, rules=RETAIL_RULES, **exp)


def rule_scores(conv, scen):
    return b.scores("rules", conv, scen)


# ------------------------------------------------------------------ validation


def test_a_rule_has_exactly_one_kind() -> None:
    with pytest.raises(ValidationError, match="give exactly one of before, requires_result"):
        Rule.model_validate({"name": "x", "never": {"tool": "a"}, "at_most": {"tool": "a", "n": 1}})
    with pytest.raises(ValidationError, match="give exactly one of"):
        Rule.model_validate({"name": "x"})
    with pytest.raises(ValidationError, match="extra"):
        Rule.model_validate({"name": "x", "never": {"tool": "a", "tools": "b"}})
    with pytest.raises(ValidationError, match="exactly one of 'tool', 'act' or 'says'"):
        Rule.model_validate({"name": "x", "within_first": {"n": 2}})
    rule = Rule.model_validate({"name": "x", "never": {"tool": "a"}})
    assert rule.never is not None and rule.never.tool == ["a"]  # one name or a list


def test_unknown_tools_are_named_with_their_field() -> None:
    rules = [Rule.model_validate({"name": "ok", "before": {"first": "find_*", "then": ["b"]}}),
             Rule.model_validate({"name": "typo", "requires_consent": {"tool": ["b", "cancle"]}})]
    problems = check_rules(rules, ["find_user", "b"])
    assert problems == ["rules[1] (typo).requires_consent.tool: unknown tool 'cancle' "
                        "(tools: b, find_user)"]
    assert check_rules(RETAIL_RULES, find_domain("retail").tools) == []


TINY = """\
name: tiny
tables:
  items: {key: id, rows: [{id: A, status: open}, {id: B, status: closed}]}
tools:
  close_item: {do: update, table: items, parameters: {id: string}, where: {id: "{id}"},
               set: {status: closed}}
  get_item: {do: lookup, table: items, parameters: {id: string}, where: {id: "{id}"}}
rules:
"""


def _tiny(tmp_path: Path, rules: str) -> Path:
    (tmp_path / "domain.yaml").write_text(TINY + rules)
    return tmp_path


def test_a_pack_rule_naming_an_unknown_tool_is_a_pack_error(tmp_path: Path) -> None:
    folder = _tiny(tmp_path, "  - {name: consent, requires_consent: {tool: close_itme}}\n")
    with pytest.raises(PackError) as err:
        load_domain_folder(folder)
    assert str(err.value).startswith(f"{folder / 'domain.yaml'}: rules[0] (consent)"
                                     ".requires_consent.tool: unknown tool 'close_itme'")
    folder = _tiny(tmp_path, "  - {name: two, never: {tool: get_item}, at_most: {tool: get_item, n: 1}}\n")
    with pytest.raises(PackError, match=r"domain.yaml: rules.0: .*give exactly one of"):
        load_domain_folder(folder)


def test_telecom_rules_load_from_domain_yaml() -> None:
    telecom = find_domain("telecom")
    assert {r.name for r in telecom.rules} >= {"identify_first", "consent_before_change",
                                              "resume_only_suspended"}
    assert check_rules(telecom.rules, telecom.tools) == []


def test_act_names_match_the_recogniser() -> None:
    assert set(Act.__args__) == set(ACTS)  # type: ignore[attr-defined]


# ------------------------------------------------------------------ consent


@pytest.mark.parametrize("text", ["Yes, please.", "yeah go ahead", "yes please proceed", "ya",
                                  "um yeah do it", "Yse, please.", "ok", "sure thing",
                                  "yep", "that's right go ahead", "absolutley", "No problem, go ahead"])
def test_consent_recognises_noisy_yes(text: str) -> None:
    assert is_explicit_yes(text)


@pytest.mark.parametrize("text", ["no", "No, that's not right.", "not yet", "wait", "hold on",
                                  "what will it cost?", "yes but wait", "My email is a@b.com",
                                  "hmm", "I want to cancel my order", "maybe", ""])
def test_consent_rejects_anything_else(text: str) -> None:
    assert not is_explicit_yes(text)


# ------------------------------------------------------------------ retail: each kind, both ways


def _cancel_flow(yes: str = "yes go ahead", auth_status: str = "ok", ask: str = ASK):
    return b.conversation(
        ("customer", "Cancel order #W1, my email is a@b.com"),
        ("agent", "What is the reason?", b.call(AUTH, auth_status,
                                               "u1" if auth_status == "ok" else {"error": "user not found"},
                                               email="a@b.com")),
        ("customer", "no longer needed"),
        ("agent", ask, b.call("get_order_details", result={"status": "pending"}, order_id="#W1")),
        ("customer", yes),
        ("agent", DONE, b.call("cancel_pending_order", order_id="#W1", reason="no longer needed")),
    )


def test_a_correct_retail_cancellation_passes_every_rule() -> None:
    s = rule_scores(_cancel_flow(), retail())
    assert {m: x.passed for m, x in s.items()} == {
        "rule:authenticate_first": True, "rule:verified_before_change": True,
        "rule:consent_before_change": True, "rule:cancel_only_pending": None,
        "rule:return_only_delivered": None, "rule:cancel_once": True}
    consent = s["rule:consent_before_change"]
    assert consent.evidence == [3, 4, 5]
    assert 'the customer said "yes go ahead" (turn 4)' in consent.rationale
    assert consent.rationale.startswith("rule consent_before_change (requires_consent")


def test_consent_fails_without_a_yes_and_quotes_the_reply() -> None:
    s = rule_scores(_cancel_flow(yes="hmm what does that mean"), retail())
    consent = s["rule:consent_before_change"]
    assert consent.passed is False and consent.evidence == [3, 4, 5]
    assert "call #2 cancel_pending_order at turn 5 without an explicit yes" in consent.rationale
    assert '"hmm what does that mean" (turn 4)' in consent.rationale


def test_consent_needs_the_action_stated_not_any_question() -> None:
    conv = _cancel_flow(ask="Could you check your email address?")
    consent = rule_scores(conv, retail())["rule:consent_before_change"]
    assert consent.passed is False and "never stated the action" in consent.rationale


def test_acting_after_a_failed_verification_breaks_requires_result_and_before() -> None:
    s = rule_scores(_cancel_flow(auth_status="error"), retail())
    verified = s["rule:verified_before_change"]
    assert verified.passed is False and verified.evidence == [1, 5]
    assert "call #0 find_user_id_by_email at turn 1 returned error" in verified.rationale
    assert s["rule:authenticate_first"].passed is False


def test_requires_result_reads_a_result_field() -> None:
    rule = Rule.model_validate({"name": "verified", "requires_result": {
        "tool": "verify_identity", "field": "verified", "equals": True, "before": "refund"}})
    scen = b.scenario("nopack", "refund", rules=[rule])
    for verified, passed in ((False, False), (True, True)):
        conv = b.conversation(("customer", "refund me"),
                              ("agent", "ok", b.call("verify_identity", result={"verified": verified}),
                               b.call("refund")))
        score = rule_scores(conv, scen)["rule:verified"]
        assert score.passed is passed, score.rationale


def test_only_if_replays_the_state_before_the_call() -> None:
    state = {"users": {"u1": {"orders": ["#W1"]}},
             "orders": {"#W1": {"order_id": "#W1", "status": "delivered", "items": [],
                                "payment_history": [{"payment_method_id": "pm"}]}}}
    scen = retail(initial_state=state)
    conv = b.conversation(("customer", "cancel #W1"),
                          ("agent", DONE, b.call("cancel_pending_order", "error",
                                                 {"error": "non-pending"}, order_id="#W1",
                                                 reason="no longer needed")))
    score = rule_scores(conv, scen)["rule:cancel_only_pending"]
    assert score.passed is False and score.evidence == [1]
    assert "orders.#W1.status was 'delivered' (needs 'pending'" in score.rationale
    pending = {**state, "orders": {"#W1": {**state["orders"]["#W1"], "status": "pending"}}}
    # The first cancel succeeds on a pending order; the second finds it already cancelled.
    conv = b.conversation(("customer", "cancel W1"),
                          ("agent", DONE, b.call("cancel_pending_order", order_id="W1",
                                                 reason="no longer needed"),
                           b.call("cancel_pending_order", order_id="W1", reason="no longer needed")))
    s = rule_scores(conv, retail(initial_state=pending))
    assert s["rule:cancel_only_pending"].passed is False
    assert "call #1 cancel_pending_order at turn 1 while orders.W1.status was 'cancelled'" in \
        s["rule:cancel_only_pending"].rationale
    assert s["rule:cancel_once"].passed is False  # at_most 1, both executed


def test_never_applies_only_to_its_intents() -> None:
    conv = b.conversation(("customer", "price match please"),
                          ("agent", "Done.", b.call("modify_user_address", user_id="u1")))
    s = rule_scores(conv, retail("out_of_scope"))
    assert s["rule:no_change_out_of_scope"].passed is False
    assert "call #0 modify_user_address at turn 1 (ok)" in s["rule:no_change_out_of_scope"].rationale
    assert "rule:no_change_out_of_scope" not in rule_scores(conv, retail("update_address"))


# ------------------------------------------------------------------ telecom and a declarative pack


def test_telecom_pack_rules_apply_without_scenario_rules() -> None:
    ident = b.call("get_customer_by_phone", result={"customer_id": "C1001"}, phone_number="555")
    ask = "I can suspend the line 555-123-2001. Shall I go ahead? (yes/no)"
    ok = b.conversation(("customer", "suspend my line 555"), ("agent", ask, ident),
                        ("customer", "ya"),
                        ("agent", "Your line has been suspended.",
                         b.call("suspend_line", customer_id="C1001", line_id="L1002", reason="x")))
    s = rule_scores(ok, b.scenario("telecom", "suspend_line"))
    assert s["rule:identify_first"].passed and s["rule:consent_before_change"].passed
    assert s["rule:suspend_only_active"].passed, s["rule:suspend_only_active"].rationale
    bad = b.conversation(("customer", "resume line L1002"),
                         ("agent", "Done.", b.call("resume_line", customer_id="C1001",
                                                   line_id="L1002")))
    s = rule_scores(bad, b.scenario("telecom", "resume_line"))
    assert s["rule:identify_first"].passed is False
    assert s["rule:consent_before_change"].passed is False
    assert "lines.L1002.status was 'Active' (needs 'Suspended'" in \
        s["rule:resume_only_suspended"].rationale


def test_within_first_and_at_most_on_a_declarative_pack(tmp_path: Path) -> None:
    folder = _tiny(tmp_path, """\
  - {name: greet, within_first: {says: 'how can i help', n: 1}}
  - {name: look_once, at_most: {tool: get_item, n: 1, count: attempted}}
  - {name: close_open_only, only_if: {tool: close_item, state: {"items.{id}.status": open}}}
""")
    scen = b.scenario(str(folder), "close")
    conv = b.conversation(("customer", "hi"), ("agent", "Hello! How can I help?"),
                          ("customer", "close B"),
                          ("agent", "Closed.", b.call("get_item", id="B"), b.call("get_item", id="B"),
                           b.call("close_item", id="B")))
    s = rule_scores(conv, scen)
    assert s["rule:greet"].passed and s["rule:greet"].evidence == [1]
    assert s["rule:look_once"].passed is False and s["rule:look_once"].evidence == [3]
    assert s["rule:close_open_only"].passed is False  # B was already closed (fixtures)
    late = b.conversation(("customer", "hi"), ("agent", "Which item?"), ("customer", "A"),
                          ("agent", "How can I help?", b.call("close_item", id="A")))
    s = rule_scores(late, scen)
    assert s["rule:greet"].passed is False and "at agent turn 2 (turn 3), limit 1" in \
        s["rule:greet"].rationale
    assert s["rule:close_open_only"].passed is True
