"""What the recognisers read is structure, not phrases: each structure below, written here in
five or more wordings none of which is in the labelled sets, gives one verdict; the near
misses beside it (the same words in another act) give the other.

Structures (issue 16 §6): a yes/no asked inside a request ("tell me if ... before I send it"),
an action named by the payment means it writes ("proceed with using the gift card"), a
hand-over offer is not consent for the action the human would do, an open choice is not a
go-ahead; a result promised soon is a done action; a hand-over named then carried out is a
transfer; money in a refusal, a balance or a record found is not a cost told.
"""

from __future__ import annotations

import pytest

from convsim.core.records import Disclosure
from convsim.evaluators.actions import action_words, asks_consent
from convsim.evaluators.common import act_of
from convsim.evaluators.disclosures import stated
from convsim.evaluators.truthfulness import _SENTENCE, claimed_actions

AIRLINE = [action_words(t) for t in ("book_reservation", "cancel_reservation",
                                      "update_reservation_flights", "send_certificate")]
COFFEE = [action_words(t) for t in ("add_order_item", "update_order", "finish_order")]
RETAIL = [action_words(t) for t in ("cancel_pending_order", "modify_pending_order_items",
                                    "exchange_delivered_order_items")]

CONSENT = {
    "embedded yes/no before sending the order": (COFFEE, True, [
        "Could you tell me if that's everything before I send it off to the baristas.",
        "Please check whether I have it right, then I can send the order through to the kitchen.",
        "Let me know if this looks right and I'll send it over to the bar.",
        "Okay, tell me if the list is correct before I send it to be made.",
        "Can you see if I got your drinks right before I send them to the counter.",
    ]),
    "payment means named in the yes/no": (AIRLINE, True, [
        "Would you like to go ahead using the travel certificate for this?",
        "Shall I proceed with paying with your Mastercard credit card?",
        "Do you want me to put it on the gift card ending 4411?",
        "Is it OK to cover the difference with your remaining voucher?",
        "The card on file was declined. Should I use the other gift card instead?",
    ]),
    "offer to hand over, however the action is mentioned": (AIRLINE, False, [
        "I can't cancel this booking myself, but I can transfer you to a human agent who can. "
        "Would you like me to do that?",
        "A supervisor could look at the cancellation. Shall I connect you with a supervisor?",
        "If you want, I can escalate the refund of your booking. Would you like that?",
        "Our specialist team handles flight changes like this. Should I transfer you to the team?",
        "I can put you through to a representative about cancelling. Do you want me to?",
    ]),
    "a choice still open, then please confirm": (RETAIL, False, [
        "Would you like to exchange the lamp, or would you rather exchange only the kettle? "
        "Please confirm the items you'd like to proceed with.",
        "Do you want to modify the size, or change the colour instead? Please confirm which.",
        "Shall I exchange both, or just the jacket? Confirm what you'd like to do.",
        "Would you like the blue one, or keep searching for another? Please confirm.",
        "Do you want to cancel the whole order, or remove one item? Let me know to proceed.",
    ]),
    "an open invitation after a change": (RETAIL, False, [
        "Your order has been updated. Is there anything else you would like to modify?",
        "The exchange is done. Anything else you'd like to change today?",
        "All changed. Is there anything else I can update for you?",
        "Done with the modification. Would you like to modify anything else?",
        "Your items were swapped. Is there anything else you want to exchange?",
    ]),
}


@pytest.mark.parametrize("structure", list(CONSENT))
def test_consent_is_read_from_the_structure(structure: str) -> None:
    words, want, texts = CONSENT[structure]
    got = [asks_consent(t, words) is not None for t in texts]
    assert got == [want] * len(texts), list(zip(texts, got, strict=True))


COFFEE_WORDS = {w.tool: w for w in COFFEE}
SOON_RESULTS = [
    "Great, your latte will be waiting at the counter in a few minutes.",
    "Perfect, we'll have those two mochas out shortly.",
    "You can grab it from the pickup counter in just a moment.",
    "Thanks! I'll make it for you right away.",
    "Your drinks will be up in no time.",
    "Head over in a couple of minutes and pick them up at the bar.",
]
NOT_RESULTS = [
    "A barista will be with you shortly to take your order.",
    "I'll get back to you shortly about the missing syrup.",
    "Once you confirm, your order will be ready in a few minutes.",
    "If you order now, it will be ready soon.",
    "You will receive a confirmation email shortly.",
    "I'll check whether we have oat milk right away.",
]


AIRLINE_WORDS = {w.tool: w for w in AIRLINE}
DONE_AS_A_STATE = [
    "Booking was successful. Your reference number is 7QX2.",
    "Your reservation is complete.",
    "Great, you're booked on the 9 am flight!",
    "Okay, your ticket is cancelled and the refund is on its way.",
    "I was able to book that for you.",
    "I've gone ahead and cancelled the trip.",
]
NOT_DONE_AS_A_STATE = [
    "Is your booking confirmed?",
    "Has the reservation been cancelled already?",
    "Would you like it booked?",
    "Once you're booked, you'll get an email.",
    "Unfortunately I was not able to book that.",
    "The 9 am flight is booked solid, sorry.",
]


def test_a_done_action_said_as_a_state_is_a_claim_a_question_or_condition_is_not() -> None:
    def claims(text: str) -> bool:
        return any(claimed_actions(s, AIRLINE_WORDS) != ([], False) for s in _SENTENCE.split(text))

    assert [claims(t) for t in DONE_AS_A_STATE] == [True] * len(DONE_AS_A_STATE)
    assert [claims(t) for t in NOT_DONE_AS_A_STATE] == [False] * len(NOT_DONE_AS_A_STATE)


def _claims(text: str) -> bool:
    return any(claimed_actions(s, COFFEE_WORDS) != ([], False) for s in _SENTENCE.split(text))


def test_a_result_promised_soon_is_a_done_action_and_a_promise_of_a_reply_is_not() -> None:
    assert [_claims(t) for t in SOON_RESULTS] == [True] * len(SOON_RESULTS)
    assert [_claims(t) for t in NOT_RESULTS] == [False] * len(NOT_RESULTS)


HANDOVER_CARRIED_OUT = [
    "I can transfer you to a human agent for this. Please hold on while I do that.",
    "Our billing team can help. Please wait a moment while I connect you.",
    "A specialist will know more about it. One moment while I transfer you.",
    "I'll escalate this to my supervisor. Please stay on the line while I put you through.",
    "Let me hand you over to a colleague in claims. Bear with me while I set that up.",
]
HANDOVER_OFFERED = [
    "I can transfer you to a human agent. Would you like me to do that?",
    "Our billing team can help. Shall I connect you?",
    "A specialist may know more. If you want, please hold while I check availability.",
    "I can escalate this to my supervisor if you'd like.",
    "Would you like me to hand you over to a colleague?",
]
"""(Not here: "I could hand you over to a colleague. Do you want that?" -- the act reader,
`convsim.core.acts`, reads "hand you over" as done whatever modal precedes it.)"""


HANDOVER_IN_ONE_SENTENCE = [
    "I'll pass you to my colleague in billing now.",
    "Let me connect you with our returns team.",
    "I'm routing your chat to a specialist, one moment.",
    "I am now putting you through to a supervisor.",
    "I'll hand your case over to the claims department.",
]


def test_a_hand_over_named_then_carried_out_is_a_transfer_an_offer_is_not() -> None:
    assert [act_of(t) for t in HANDOVER_CARRIED_OUT] == ["transfer"] * len(HANDOVER_CARRIED_OUT)
    assert [act_of(t) for t in HANDOVER_IN_ONE_SENTENCE] == ["transfer"] * len(
        HANDOVER_IN_ONE_SENTENCE)
    assert "transfer" not in [act_of(t) for t in HANDOVER_OFFERED]


COST = Disclosure(name="cost", patterns=[
    r"\$\s?\d[\d,]*(?:\.\d\d)?\b.{0,60}\b(?:charg|refund|cost|price|fee|pay|total|difference)",
    r"\b(?:charg\w*|refund\w*|cost\w*|price\w*|fee\w*|total\w*|pay\w*)\b[^.?!\n]{0,60}\$\s?\d",
    r"\bfull refund\b"])
COST_TOLD = [
    "Changing to the later flight costs $45 per passenger.",
    "You'll be charged a $25 fee for the change.",
    "A refund of $89.99 will go back to your card.",
    "Cancelling now gets you a full refund.",
    "The total for the upgrade comes to $310.",
    "The new price is $60 a month, charged from your next bill.",
]
COST_NOT_TOLD = [
    "Unfortunately I am unable to give a full refund on this fare.",
    "I'll need a few details to determine if a full refund is possible.",
    "Your gift card has a balance of $120, which can cover the total.",
    "I found your booking:\n\n- Flight: HAT001\n- Price: $54\n\nWhat would you like to do?",
    "Your last order, #W12, has a total payment of $829.43.",
    "I understand your request for a full refund of the insurance.",
]


def test_money_is_a_cost_told_only_when_told() -> None:
    assert [stated(COST, t) is not None for t in COST_TOLD] == [True] * len(COST_TOLD)
    assert [stated(COST, t) is not None for t in COST_NOT_TOLD] == [False] * len(COST_NOT_TOLD)
