"""The advice an operator gives when its defect went unseen: a pack rule when `rules` runs
(`rule_hint`), else the evaluators to add or the metrics that did not move."""

from __future__ import annotations

from convsim.simulator.mutations.base import MutationOperator, PackFacts
from convsim.simulator.mutations.operators import DoubleWrite, HideFailure, SkipConsent


def _facts(consent: tuple[str, ...] = ()) -> PackFacts:
    return PackFacts(write_tools=frozenset({"cancel_order", "modify_order"}),
                     consent_tools=frozenset(consent), verification_tools=frozenset({"find_user"}),
                     escalation_tools=frozenset({"transfer_to_human"}))


def test_a_pack_rule_is_suggested_only_when_rules_run() -> None:
    assert DoubleWrite().catch_hint(_facts(), ["rules"]).startswith(
        "add a pack rule `at_most: {tool: cancel_order, n: 1}`")
    assert DoubleWrite().catch_hint(_facts(), ["process"]) == (
        "add the evaluator rules to the campaign's `evaluators:`")


def test_no_consent_rule_is_suggested_when_the_pack_has_one() -> None:
    assert "requires_consent" in SkipConsent().catch_hint(_facts(), ["rules"])
    hint = SkipConsent().catch_hint(_facts(("cancel_order",)), ["rules"])
    assert hint.startswith("the evaluators rules run but none of their metrics")


def test_an_operator_without_a_rule_names_its_evaluators() -> None:
    assert HideFailure().rule_hint(_facts()) is None
    assert HideFailure().catch_hint(_facts(), ["rules"]) == (
        "add the evaluator truthfulness to the campaign's `evaluators:`")


def test_a_third_party_operator_gives_its_rule_through_the_hook() -> None:
    class Refund(MutationOperator):
        name = "refund_twice"
        evaluators = ("rules", "goal")

        def rule_hint(self, facts: PackFacts) -> str | None:
            return "add a pack rule `at_most: {tool: refund, n: 1}`"

    assert Refund().catch_hint(_facts(), ["rules"]) == "add a pack rule `at_most: {tool: refund, n: 1}`"
    assert Refund().catch_hint(_facts(), ["goal"]) == (
        "add the evaluator rules to the campaign's `evaluators:`")
