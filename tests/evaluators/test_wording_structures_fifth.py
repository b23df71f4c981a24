"""Structures changed after tuning on the fifth labelled set (now a fit): each in five or more
wordings written here, none taken from the labelled sets, with near misses.

Consent, precision first. Not a yes asked for an action: a request to name a choice ("could
you confirm which booking you want to change?"), even with an action after the "which"; a
question about a fact ("check if there is another order that has the lamp you want to send
back", "confirm whether the problem was with booking X"); options offered to explore or to
pick from ("explore other options, such as booking a new flight?", "go ahead with switching
to one of these flights?", "change it to a different option"); a request for what the
customer wants, also when written "you'd like". Consent, recall: a go-ahead with the one
option just set out ("proceed with this option?"), a yes/no question about what is to be
written behind the step it comes before ("before I send this to the bar, does it look the
way you like?"), a confirmation asked as a condition of the next step ("if you can confirm
your order, I'll send it over"), and a yes/no question with "or any other requests" tacked
on (an open invitation, not a second choice).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from convsim.core.records import Disclosure
from convsim.core.rule_specs import RequiresConsent, Rule
from convsim.evaluators.actions import action_words, asks_consent
from convsim.evaluators.disclosures import stated

_spec = importlib.util.spec_from_file_location("builders", Path(__file__).with_name("builders.py"))
b = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(b)  # type: ignore[union-attr]

COFFEE = [action_words(t) for t in ("add_order_item", "update_order", "finish_order")]
RETAIL = [action_words(t) for t in ("cancel_pending_order", "modify_pending_order_address",
                                     "modify_pending_order_items", "return_delivered_order_items",
                                     "exchange_delivered_order_items")]
AIRLINE = [action_words(t) for t in ("book_reservation", "cancel_reservation",
                                      "update_reservation_flights", "send_certificate")]

CONSENT = {
    "near misses: a request to name a choice, whatever action follows the which": (
        AIRLINE, False, [
            "Could you confirm which booking you want to change?",
            "Please tell me which of the trips you would like to cancel.",
            "Can you let me know what flight you'd like to book instead?",
            "Would you clarify which passenger should be updated on the booking?",
            "Kindly confirm what date you want to move the flight to.",
            "I see four bookings. Please indicate which reservation you wish to cancel.",
        ]),
    "still consent: a which asked beside a yes for the action or a check that it is right": (
        AIRLINE + COFFEE, True, [
            "Please confirm if you'd like to proceed with cancelling booking 8KQ2LM, and tell "
            "me which card should get the refund.",
            "Please confirm whether you want to go ahead with the change and let me know what "
            "seat you prefer.",
            "Just confirm what I have on the screen is correct and I'll send it to the bar.",
            "Can you tell me what you see is right? Then I'll put the order through.",
            "Could you confirm that the new flight is what you want, so I can book it?",
        ]),
    "near misses: a question about a fact, not a step": (RETAIL + AIRLINE, False, [
        "Could you check if there is another order that has the lamp you want to return?",
        "Can you see whether there might be a second account where you wish to cancel "
        "something?",
        "Please confirm whether the problem was with booking 4TRQ9Z for your trip to Denver.",
        "Could you tell me if the delay happened on the flight you want to cancel?",
        "Would you verify if there are other orders you'd like to exchange items from?",
    ]),
    "still consent: a check that what is to be written is right": (COFFEE, True, [
        "Please check if the order is correct before I send it to the bar.",
        "Could you see whether everything looks right, so it can be made?",
        "Can you confirm whether that is all correct? Then I'll place it.",
        "Tell me if this was the right size and I'll have it made.",
        "Check that the order on the screen is accurate and we'll start brewing.",
    ]),
    "near misses: options offered to explore or to pick from": (RETAIL + AIRLINE, False, [
        "This fare cannot be changed. Would you like to explore other options, such as "
        "booking a new flight?",
        "Would you like to consider some alternatives, like cancelling the trip?",
        "Would you like to proceed with switching to one of these flights?",
        "Shall I go ahead and book any of the flights above?",
        "Do you want to proceed with changing the item to a different available option?",
        "Would you like to look into other possibilities, for example exchanging the lamp?",
        "Would you like to continue with modifying the speaker to another option?",
    ]),
    "a go-ahead with the one option just set out": (AIRLINE + RETAIL, True, [
        "I found a pair of flights under your budget: HAT100 and HAT200, $640 in all. Would "
        "you like to proceed with this option?",
        "The vinyl hose is in stock for $95.08. Shall we go ahead with that option?",
        "Economy on both legs comes to $410. Would you like to move forward with this "
        "combination?",
        "The blue speaker is available for $120.50. Would you like to continue with this "
        "choice?",
        "Business on the first leg only costs $159 more. Can I proceed with that selection?",
    ]),
    "near misses: an option not yet the one, or one of two": (AIRLINE + RETAIL, False, [
        "Would you like to proceed with this option or explore other possibilities?",
        "Would you like to go ahead with this option instead of the refund, or keep the item?",
        "Here is one option: HAT300 at 9:00. Which of the flights do you prefer?",
        "Would you like me to look up this option in more detail?",
        "I found one option. Let me check the seats on it.",
    ]),
    "a yes/no question about the order behind the step it comes before": (COFFEE, True, [
        "Ok, before I send this order over to the bar, does it look the way you like?",
        "Before we start making it, is everything the way you wanted?",
        "Alright, before I ring this up, is the order what you had in mind?",
        "Before I pass your drinks to the barista, do they sound good to you?",
        "Great, before I put it through, is your order how you like it?",
    ]),
    "near misses: a question behind a look-up, or not about the order": (COFFEE, False, [
        "Before I look it up, is this the name on the account?",
        "Before I send it over, is there anything else you would like?",
        "Before I send it over, would you like a pastry?",
        "Before I check the menu, does the store near you have oat milk?",
        "Before I ask the barista, what size would you like?",
    ]),
    "a confirmation asked as the condition of the next step": (COFFEE, True, [
        "Sure, if you can confirm your order I'll send it over to the coffee bar.",
        "If you could confirm the drinks, I will get them started.",
        "If you can approve the order, we'll have it made right away.",
        "If you confirm everything, then I'll pass it to the kitchen.",
        "Once more: if you can confirm this, we will start brewing it.",
    ]),
    "near misses: a confirmation for a look-up, or the agent's own": (COFFEE, False, [
        "If you can confirm your phone number, I'll look up your order.",
        "If you could confirm your name, I will check the rewards account.",
        "I'll confirm your order with the bar once it's placed.",
        "If you can confirm the store, I'll find the menu for you.",
        "If you can confirm your email, I can help you with the receipt.",
    ]),
    "a yes asked for an action, with 'or any other requests' tacked on": (RETAIL, True, [
        "Would you like to proceed with modifying the item, or do you have any other "
        "requests?",
        "Shall I cancel order #W1234567, or are there any other questions first?",
        "Would you like me to return the lamp, or do you have any other concerns?",
        "Can I go ahead and exchange the kettle, or do you have any other needs?",
        "Should I update the address on order #W7654321, or is there anything else?",
    ]),
    "near misses: a second choice is still a choice": (RETAIL, False, [
        "Would you like to modify the item, or would you like to keep it as it is?",
        "Shall I cancel the order, or would you like to return the items instead?",
        "Would you like to exchange it, or do you want a refund?",
        "Would you like to proceed with modifying the item, or choose another color?",
        "Do you want me to cancel it, or keep the order?",
    ]),
    "a request for what the customer wants, written with you'd": (AIRLINE, False, [
        "If so, please confirm the flight number you'd like to switch to and give a payment "
        "method.",
        "Please confirm the cabin you'd like for the new flight.",
        "Could you confirm the date you'd prefer for the return leg?",
        "Please confirm the certificate you'd like to use for the booking.",
        "Kindly confirm the seat class you'd like on both legs.",
    ]),
    "still consent: the spec asked, then the action confirmed": (RETAIL, True, [
        "Please confirm the new options you'd like for the bottle and confirm the exchange "
        "for the lamp.",
        "Confirm the colour you'd like and please confirm the exchange of the kettle.",
        "Please confirm the address you'd like used and confirm the modification of order "
        "#W1111111.",
        "Confirm the size you'd like, and confirm the return of the shoes.",
        "Please confirm the item you'd like and confirm you want to cancel order #W2222222.",
    ]),
}


@pytest.mark.parametrize("structure", list(CONSENT))
def test_consent_structures_changed_on_the_fifth_set(structure: str) -> None:
    words, want, texts = CONSENT[structure]
    got = [asks_consent(t, words) is not None for t in texts]
    assert got == [want] * len(texts), list(zip(texts, got, strict=True))


ASKS = [
    "Before I send the order over to the bar, does it look the way you like?",
    "Sure, if you can confirm your order I'll send it over to the coffee bar.",
]
NOT_ASKS = [
    "Could you confirm which drink you want me to add?",
    "Could you check if there is another order you want to finish?",
    "Would you like to explore other options, such as finishing the order later?",
]


@pytest.mark.parametrize("ask,want", [(t, True) for t in ASKS] + [(t, False) for t in NOT_ASKS])
def test_the_consent_rule_end_to_end_on_a_coffee_order(ask: str, want: bool) -> None:
    """The rule end to end: the agent asks, the customer says yes, the agent finishes the
    order; it passes only when the ask was a yes asked for that step."""
    rule = Rule(name="consent_before_order", description="a yes before the order is sent",
                requires_consent=RequiresConsent(tool=["finish_order"]))
    conv = b.conversation(
        ("customer", "A small mocha, please."),
        ("agent", "Sure, a small mocha.", b.call("add_order_item", order_id="o1",
                                                  menu_item_id="mocha-1", quantity=1)),
        ("customer", "thanks"),
        ("agent", ask),
        ("customer", "yes"),
        ("agent", "Done!", b.call("finish_order", order_id="o1")))
    scen = b.scenario("coffee", "order_drink", rules=[rule])
    assert b.scores("rules", conv, scen)["rule:consent_before_order"].passed is want


COST = Disclosure(name="cost", patterns=[
    r"\b(?:charg\w*|refund\w*|cost\w*|price\w*|fee\w*|total\w*|difference)\b[^.?!\n]{0,60}\$\s?\d"])
COST_TOLD = {
    "a price among offers found, not records": [
        "I found a direct flight from BOS to ORD:\n\n- **Flight:** HAT310\n- **Price:** $212",
        "I found two nonstop flights you could take:\n- HAT001, price $140\n- HAT002, price $155",
        "I found an option that fits:\n\n- **Total cost:** $640 for both legs",
        "I've found a cheaper model of the kettle.\n- **Price:** $48.20",
        "I found several itineraries:\n1. Via DEN, total $388\n2. Via ORD, total $402",
    ],
    "a price beside a limit": [
        "The total cost for three seats is $228, well within your budget of $500.",
        "I found a combination under $1,000:\n- **Total Additional Cost:** $897",
        "To keep it below $300, the cheapest fare costs $279.",
        "The price is $95, under the $100 you mentioned.",
        "Your budget is $400; the total for the upgrade is $350.",
    ],
}
COST_NOT_TOLD = {
    "near misses: records found": [
        "I found your reservation:\n- **Flight:** HAT310\n- **Price:** $212",
        "I found two reservations on your profile:\n- 8KQ2LM, total $440\n- ZZ9TQ1, total $120",
        "I found a reservation under your name.\n- **Total cost:** $350",
        "I've located your order:\n- **Price:** $48.20",
        "I found the following orders:\n1. #W1, total $38\n2. #W2, total $40",
    ],
    "near misses: only a limit": [
        "Let's look for flights to bring the cost under $1,000.",
        "I'll search for items below $100.",
        "I can look for seats within your budget of $600.",
        "We can try to keep the total under $250.",
        "Let me find an option that brings the price difference below $50.",
    ],
    "near misses: a rule with 'only', the price of an order the customer has": [
        "The policy allows a full refund only within 24 hours of booking.",
        "A refund of the fare is given only if the airline cancels the flight, and the fee "
        "is $0 then.",
        "The total price of your modified order is $1,288.65.",
        "The most expensive item in your pending order is the camera, priced at $481.50.",
        "The total cost of your delivered order was $310.",
    ],
}


@pytest.mark.parametrize("structure", list(COST_TOLD) + list(COST_NOT_TOLD))
def test_cost_structures_changed_on_the_fifth_set(structure: str) -> None:
    want = structure in COST_TOLD
    texts = COST_TOLD.get(structure) or COST_NOT_TOLD[structure]
    got = [stated(COST, t) is not None for t in texts]
    assert got == [want] * len(texts), list(zip(texts, got, strict=True))
