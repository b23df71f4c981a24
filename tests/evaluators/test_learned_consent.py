"""The consent rule with the learned recogniser behind its structures: a yes/no question the
structures cannot tie to the call (wording they were never written for) counts as the yes asked
when the learned recogniser is sure it asks for a yes to an action (p >= SURE); the customer's
explicit yes is still required, a statement never counts, and a rule with its own `stated`
regex is read by that regex alone. Wordings written here, none from the labelled sets."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from convsim.core.rule_specs import RequiresConsent, Rule
from convsim.evaluators.actions import action_words, asks_consent
from convsim.evaluators.learned import SURE, load

_spec = importlib.util.spec_from_file_location("builders", Path(__file__).with_name("builders.py"))
b = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(b)  # type: ignore[union-attr]

COFFEE = [action_words(t) for t in ("add_order_item", "update_order", "finish_order")]
ASKS = [  # a recap with the price, then a go-ahead question in words the structures miss
    "One large oat latte, $5.25 in total. Do you confirm that I should proceed with this?",
    "Large oat latte, total $5.25. Are you happy for me to proceed with this?",
    "That comes to $5.25 for the large oat latte. Can you confirm you would like me to proceed?",
]  # ("Large oat latte for $5.25. Do you want me to proceed?": p 0.797, still a miss)
NEAR_MISSES = [
    "A large oat latte, $5.25. Would you like a pastry with that?",  # an offer of more
    "A large oat latte, $5.25. Is there anything else?",
    "I'll make sure the order is correct before it goes to the bar.",  # no question
    "Which milk would you like in the latte?",
]


def _rule(stated: str | None = None) -> Rule:
    return Rule(name="consent_before_order", description="a yes before the order is sent",
                requires_consent=RequiresConsent(tool=["finish_order"], stated=stated))


def _score(ask: str, reply: str = "yes", rule: Rule | None = None):  # noqa: ANN202
    conv = b.conversation(
        ("customer", "A large latte with oat milk, please."),
        ("agent", "Sure, a large oat latte.", b.call("add_order_item", order_id="o1",
                                                      menu_item_id="latte-1", quantity=1)),
        ("customer", "great"),
        ("agent", ask),
        ("customer", reply),
        ("agent", "Thanks!", b.call("finish_order", order_id="o1")))
    scen = b.scenario("coffee", "order_drink", rules=[rule or _rule()])
    return b.scores("rules", conv, scen)["rule:consent_before_order"]


def _p(text: str) -> float:
    return load().probabilities([text])["consent_asked"][0]


@pytest.mark.parametrize("ask", ASKS)
def test_a_question_the_structures_miss_counts_when_the_model_is_sure(ask: str) -> None:
    assert asks_consent(ask, COFFEE, ["latte"]) is None  # the structures alone would fail it
    assert _p(ask) >= SURE
    score = _score(ask)
    assert score.passed is True, score.rationale
    assert "learned recogniser" in score.rationale


@pytest.mark.parametrize("ask", ASKS[:2])
def test_without_the_customers_yes_it_still_fails(ask: str) -> None:
    score = _score(ask, reply="hmm, let me think")
    assert score.passed is False and "without an explicit yes" in score.rationale


@pytest.mark.parametrize("ask", NEAR_MISSES)
def test_offers_statements_and_questions_for_information_do_not_count(ask: str) -> None:
    score = _score(ask)
    assert score.passed is False, score.rationale


def test_a_rule_with_its_own_stated_regex_is_read_by_it_alone() -> None:
    score = _score(ASKS[0], rule=_rule(stated=r"\bsend (?:it|the order) to the bar\b"))
    assert score.passed is False and "stated" in score.rationale
