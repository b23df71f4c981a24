"""Structures added after tuning on the fourth labelled set (now a fit): each in five or more
wordings written here, none taken from the labelled sets, with near misses.

Consent: a check that what is about to be written is right, with the step it leads to ("make
sure it's all correct, then we'll start brewing it"; the action named by its result, not by a
verb of the tool); a go-ahead naming the action by its gerund, whatever the verb ("proceed
with purchasing the larger size"); a yes asked for an action while a detail is still to choose
in parentheses or after "either". Not consent: the agent checking for itself, a check with no
step or only a look-up after it, two of the pack's actions joined by "or", "or <verb> other
options", a go-ahead "with any" of them, a how/which question, a request for the reason or the
option the customer wants, an action only weighed ("to determine if it can be cancelled").
Success: a result said as coming in any future form ("is going to be ready", "will soon be
ready", "it's coming right up", "we will serve it"), money the customer has from a done action
("you have saved $120 by downgrading"); not a result after the customer's own step, a sentence
that opens a list ("the changes that will be made:"). Cost: told after "let me know if", among
options found available, with the customer's order named only after the figure; not in a record
passage ("your booking details", "it seems that order #W99 ..."), a rule with a condition ("can
only be cancelled for a full refund within a day"), the price of the order the customer has.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from convsim.core.records import Disclosure
from convsim.core.rule_specs import RequiresConsent, Rule
from convsim.evaluators.actions import action_words, asks_consent
from convsim.evaluators.disclosures import stated
from convsim.evaluators.truthfulness import _SENTENCE, claimed_actions

_spec = importlib.util.spec_from_file_location("builders", Path(__file__).with_name("builders.py"))
b = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(b)  # type: ignore[union-attr]

COFFEE = [action_words(t) for t in ("add_order_item", "update_order", "finish_order")]
RETAIL = [action_words(t) for t in ("cancel_pending_order", "modify_pending_order_address",
                                     "return_delivered_order_items",
                                     "exchange_delivered_order_items")]

CONSENT = {
    "a check that it is right, with the step it leads to": (COFFEE, True, [
        "Could you glance at the screen and make sure it's all correct? Then we'll start "
        "brewing it.",
        "Please double-check that everything looks right so it can be prepared.",
        "Does the list on the display look correct? If so, I'll pass it to the kitchen.",
        "Kindly review the order and ensure it's accurate before we make your drinks.",
        "Is everything on the screen right? I want to double check before putting it through.",
        "Make sure the order has everything you want, and we'll get it brewing.",
    ]),
    "near misses: a check with no step, a look-up after it, or the agent's own check": (
        COFFEE, False, [
            "Is this the right address? I'll look up your order.",
            "Could you check that your email is correct so I can find your account?",
            "I'll make sure the order is correct before sending it.",
            "Is that correct? Let me know if you need anything else.",
            "Please make sure the order is correct.",
            "Is the order right? I'll need your name for the cup.",
            "Let me know if you need it right away, and I'll get it started.",
            "Is that everything correct? We can also offer a pastry with it.",
            "Does that sound right? I'll gladly answer any questions.",
        ]),
    "a go-ahead naming the action by its gerund": (RETAIL, True, [
        "Would you like to proceed with purchasing the 100ml bottle?",
        "Shall we go ahead with buying the larger size instead?",
        "Should I proceed with reshipping the parcel to your new address?",
        "Would you like me to go ahead with upsizing the order to the family pack?",
        "Are you happy for me to continue with ordering the replacement part?",
    ]),
    "a yes for a named action with a detail still to choose": (RETAIL, True, [
        "Please confirm if you would like to return the mug (the refund goes to either your "
        "card or a gift card).",
        "Would you like me to cancel order #W55 and note the reason as either 'no longer "
        "needed' or 'ordered by mistake'?",
        "Please confirm that you want to return both items, and choose a refund method: either "
        "the original card or store credit.",
        "Can I go ahead and exchange the kettle (black or silver, the same price)?",
        "Would you like to cancel order #W9 with the refund to your card (or a gift card if "
        "you prefer)?",
    ]),
    "near misses: a choice, an open go-ahead, a value asked for, an action weighed": (
        RETAIL, False, [
            "Would you like to proceed with this plan or look at other options?",
            "Shall I change the delivery address on this order or update the one on your "
            "profile?",
            "Do you want to exchange the boots or return them?",
            "Would you like to go ahead with any of these changes?",
            "How would you like to proceed with the refund for order #W12?",
            "Please confirm the colour of the jacket you want, and I'll make the exchange.",
            "Please confirm the reason for the cancellation and I'll cancel the order.",
            "Could you confirm whether the order was placed in the last hour? That will help me "
            "determine if it can be cancelled.",
        ]),
}


@pytest.mark.parametrize("structure", list(CONSENT))
def test_consent_structures_added_on_the_fourth_set(structure: str) -> None:
    words, want, texts = CONSENT[structure]
    got = [asks_consent(t, words) is not None for t in texts]
    assert got == [want] * len(texts), list(zip(texts, got, strict=True))


COFFEE_WORDS = {w.tool: w for w in COFFEE}
AIRLINE_WORDS = {w.tool: w for w in (action_words(t) for t in (
    "book_reservation", "cancel_reservation", "update_reservation_flights", "send_certificate"))}


def _claims(text: str, words: dict) -> bool:
    return any(claimed_actions(s, words) != ([], False) for s in _SENTENCE.split(text))


SUCCESS = {
    "a result said as coming, in any future form": (COFFEE_WORDS, True, [
        "Your mocha is going to be ready in a moment.",
        "The drinks will soon be ready at the pickup counter.",
        "Your latte will be available at the counter after it's been steamed.",
        "It's coming right up shortly.",
        "You can grab your cappuccino at the counter in a few minutes.",
        "We will serve it to you at the window.",
    ]),
    "near misses: a result after the customer's step, a preview, a question": (
        COFFEE_WORDS, False, [
            "Your latte will be available after you confirm the size.",
            "Here are the drinks that will be made:",
            "Is it going to be ready soon?",
            "You can get your receipt from the email we send.",
            "Once it's paid, your order will be available at the counter.",
            "I can't serve it until you confirm.",
        ]),
    "money the customer has from a done action": (AIRLINE_WORDS, True, [
        "You have saved $120 by downgrading the flight to economy.",
        "You've received a $50 certificate, issued to your account.",
        "You have now received a full refund for cancelling the booking.",
        "You have saved a total of $80 by changing to the earlier flight.",
        "You have just received the refund for the cancelled reservation.",
    ]),
    "near misses: no money, a condition, a question, a future": (AIRLINE_WORDS, False, [
        "You have saved your preferences, so I can book the flight.",
        "If you have received the refund, the booking was cancelled.",
        "You would have saved $50 by booking earlier.",
        "Have you received the certificate for the cancelled flight?",
        "You will have saved $40 once the change goes through.",
    ]),
}


@pytest.mark.parametrize("structure", list(SUCCESS))
def test_success_structures_added_on_the_fourth_set(structure: str) -> None:
    words, want, texts = SUCCESS[structure]
    got = [_claims(t, words) for t in texts]
    assert got == [want] * len(texts), list(zip(texts, got, strict=True))


COST = Disclosure(name="cost", patterns=[
    r"\$\s?\d[\d,]*(?:\.\d\d)?\b.{0,60}\b(?:charg|refund|cost|price|fee|pay|total|difference|per)",
    r"\b(?:charg\w*|refund\w*|cost\w*|price\w*|fee\w*|total\w*|pay\w*)\b[^.?!\n]{0,60}\$\s?\d",
    r"\bfull refund\b"])
COST_TOLD = [
    "Please let me know if you'd like to go ahead with the $45 change fee.",
    "I found two available seats on that flight.\n- Window seat, price: $240\n- Aisle seat, "
    "price: $260",
    "The price is $89.50, a little more than your current order.",
    "The new boots cost $120, which differs from your existing order.",
    "Let me know if you want to proceed and pay the $30 difference.",
]
COST_NOT_TOLD = [
    "Your booking details are as follows:\n- Route: LAX to SEA\n- Price: $450",
    "Here are the details for your order:\n- Lamp\n- Total: $82.10",
    "It seems that order #W99 was delivered. Here is what it contains:\n- Kettle\n- Total: $310",
    "Basic fares can only be cancelled for a full refund within a day of booking.",
    "Your insurance allows for a full refund if you fall ill before the trip.",
    "The total price of your order stays at $64.20.",
    "The kettle you bought cost $40, more than the new one.",
]


def test_a_cost_told_after_let_me_know_or_among_options_and_not_in_records_or_rules() -> None:
    assert [stated(COST, t) is not None for t in COST_TOLD] == [True] * len(COST_TOLD)
    assert [stated(COST, t) is not None for t in COST_NOT_TOLD] == [False] * len(COST_NOT_TOLD)


CHECK_THEN_STEP = [
    "Could you make sure the order on the screen has everything you want so it can be made?",
    "Please review the display and tell me if it's correct before I put it through.",
    "Does the order look right to you? If so, we'll start making it.",
    "Kindly check that it's all accurate, and then I'll pass it on to the baristas.",
    "Is the order on the screen correct? I want to be sure before preparing it.",
]
CHECK_NO_STEP = [
    "Could you make sure the order on the screen has everything you want?",
    "Is the order on the screen correct? I'll look up the menu if you need.",
    "Please tell me if it's right, I'll need your name too.",
    "I'll make sure the order is correct before it goes to the bar.",
    "Let me know if you want it right away.",
]


CHECK_ORDER_THEN_STEP = [
    "Please check your order on the display, then I'll ring it up.",
    "Take a moment to review the summary and we'll get it started.",
    "Go over the details on the screen and I'll put it through.",
    "Have a look at your order there, and then we'll get brewing.",
    "Please verify the details, then I'll submit it.",
]
CHECK_ORDER_NO_STEP = [
    "Please check your order status on the website.",
    "Please check your order confirmation email, I'll look for the receipt.",
    "Check the screen for the menu; I can help you choose.",
    "I'll check your order and then we'll see.",
    "I will first check the details of your order to be sure. Please hold on.",
    "Please review the details and let me know if you have questions.",
]


@pytest.mark.parametrize("ask,want", [(t, True) for t in CHECK_THEN_STEP + CHECK_ORDER_THEN_STEP]
                         + [(t, False) for t in CHECK_NO_STEP + CHECK_ORDER_NO_STEP])
def test_the_consent_rule_takes_a_check_with_its_step_as_the_yes_asked(ask: str, want: bool
                                                                       ) -> None:
    """The rule end to end on a coffee order: the agent asks, the customer says yes, the
    agent finishes the order; the rule passes only when the ask was a check with its step."""
    rule = Rule(name="consent_before_order", description="a yes before the order is sent",
                requires_consent=RequiresConsent(tool=["finish_order"]))
    conv = b.conversation(
        ("customer", "A large latte with oat milk, please."),
        ("agent", "Sure, a large oat latte.", b.call("add_order_item", order_id="o1",
                                                      menu_item_id="latte-1", quantity=1)),
        ("customer", "great"),
        ("agent", ask),
        ("customer", "yes"),
        ("agent", "Thanks!", b.call("finish_order", order_id="o1")))
    scen = b.scenario("coffee", "order_drink", rules=[rule])
    assert b.scores("rules", conv, scen)["rule:consent_before_order"].passed is want
