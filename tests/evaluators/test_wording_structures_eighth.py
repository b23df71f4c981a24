"""Structures changed after tuning on the eighth labelled set (now a fit): each in five or more
wordings written here, none taken from the labelled sets, with near misses.

Precision first. Success: a promise made conditional on a confirmation asked just before it
("Could you confirm the order? Then I'll have it made.") or in the same sentence ("confirm it and
I'll send it over") is not a claim; neither is a sentence opening with a time clause ("After the
return is processed, you can ..."). Transfer: a hand-over the agent says it has no ability or
authority to do ("I don't have the ability to make exceptions or escalate this") is not one done
now. Consent: the agent's own look-up ("I'll first need to check the details of your
reservation") asks nothing.

Recall. Consent: a check said as "looks right" / "input it right" ahead of the step ("right
before" is not only "just before"); the step said as the order going on ("before it goes to the
bar"); a check, then "are you ready to order?"; a go-ahead naming the action by its gerund with an
open offer beside it ("if you'd like to proceed with cancelling it or need further assistance,
let me know"). Success: the order got out or done ("I'll get that out to you", "I'll get it
done"), collected at its place by the customer ("you can receive your order at the bar", "you
pick it up at the counter"), the bar to check in a while ("check the bar in three minutes", "in
a few"), and a done action after a rule ("I can only help one user, and I've already helped you
with the cancellation").

And the coffee pack's `finish_order` is now a consequential tool (read from its name and its
description's first word), so a coffee success claim is checked against it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from convsim.evaluators.common import act_of
from tests.evaluators.test_wording_structures_seventh import (
    ASKS_COFFEE,
    ASKS_TRAVEL_RETAIL,
    CLAIMS,
    b,
)
from tests.evaluators.test_wording_structures_sixth import RETAIL_TOOLS, _claims

CLAIMS_RETAIL = _claims(RETAIL_TOOLS)


def _transfer(text: str) -> bool:
    return act_of(text) == "transfer"


Structure = tuple[Callable[[str], bool], bool, list[str]]
"""The recogniser, the verdict every wording must get, the wordings."""
STRUCTURES: dict[str, Structure] = {
    "not claimed: a promise after a confirmation asked just before it": (CLAIMS, False, [
        "Can you confirm the drinks are right? Then I'll have them made.",
        "Does this look correct? Then we will get it started.",
        "Please confirm everything is right. Then I will send it to the bar.",
        "Is that the right order? And then I'll get it made for you.",
        "Please confirm your order and I'll have it ready at the bar.",
        "Just confirm the size and we'll get that right out for you.",
    ]),
    "claimed: a result after 'then' that is not the agent's next step": (CLAIMS, True, [
        "Then your latte will be ready at the bar in a minute.",
        "Okay then, your drink will be up shortly.",
        "Then we'll have that in just a moment over at the counter.",
        "Then it's coming right up.",
        "Great, then it'll be at the pickup counter.",
    ]),
    "not claimed: a sentence opening with a time clause": (CLAIMS_RETAIL, False, [
        "After the return is processed, you can order a new one.",
        "When the exchange is completed, you will get an email.",
        "Until the order is cancelled, you will see it in your account.",
        "After your address is updated, the order ships as usual.",
        "When the cancellation is processed, the refund goes to your card.",
    ]),
    "transfer: not done: no ability or authority to escalate": (_transfer, False, [
        "I don't have the ability to make exceptions or escalate this. If you'd like, I can "
        "transfer you to a human agent. Would you like that?",
        "I do not have the authority to escalate this request.",
        "Unfortunately I don't have the option to transfer you to another department.",
        "I don't have the means to override or escalate the policy here.",
        "I'm sorry, I do not have the power to escalate your case.",
    ]),
    "transfer: still done now after a refusal of something else": (_transfer, True, [
        "I don't have the authority to waive the fee. I am transferring you to a human agent now.",
        "I'm escalating this to my supervisor now.",
        "I'll transfer you to a human agent now.",
        "I'm now connecting you with a specialist.",
        "You are being transferred to a representative.",
    ]),
    "consent: near misses: the agent's own look-up before an action": (ASKS_TRAVEL_RETAIL, False, [
        "To help you cancel the reservation, I'll first need to check the details of your "
        "reservation. Please hold on.",
        "To change your flight, I'll first need to review the details of your booking.",
        "Before modifying the order, we'll first need to check the details of your order.",
        "To return the item, I will first have to look at the details of the order.",
        "To update your address, I'll also need to verify the details of your account.",
    ]),
    "consent: a check said as 'looks right' or 'input it right' ahead of the step": (ASKS_COFFEE, True, [
        "Tell me if that looks right before I send it over.",
        "Let me know if this looks right before we make it.",
        "Please make sure I got it right before I place the order.",
        "Check that I entered it right before I send it in.",
        "See if the order sounds right before we get it going.",
    ]),
    "consent: the step said as the order going on": (ASKS_COFFEE, True, [
        "Please check it over and tell me if it is correct before it goes to the bar.",
        "Let me know if everything is right before it gets sent to the baristas.",
        "Can you make sure it's accurate before the order goes over?",
        "Look over your order to be sure it's correct before it is sent.",
        "Verify that your drinks are right before your order goes through.",
    ]),
    "consent: a check, then: are you ready to order?": (ASKS_COFFEE, True, [
        "Ok, so is everything correct on the screen? Are you ready to order?",
        "Please look over the drinks to make sure they're right. Are you ready to order?",
        "Alright, so does everything look good? Are we ready to order?",
        "Check the screen and let me know if it's correct. Are we ready to order?",
        "Well, okay, is the order right? Are you all ready to order?",
    ]),
    "consent: near misses: ready to order, with no check": (ASKS_COFFEE, False, [
        "Hi there! Are you ready to order?",
        "Welcome in. Are you ready to order?",
        "Take your time. Are you ready to order yet?",
        "Good morning, are you ready to order?",
        "Whenever you are ready to order, just let me know.",
    ]),
    "consent: a go-ahead naming the action by its gerund, with an open offer": (ASKS_TRAVEL_RETAIL, True, [
        "If you would like to proceed with canceling the reservation or need further assistance, "
        "please let me know.",
        "If you'd like to proceed with returning the keyboard, or need more help, let me know.",
        "If you wish to go ahead with modifying the order or have other questions, please let "
        "me know.",
        "If you would like to proceed with booking this flight, please confirm.",
        "If you want to continue with exchanging the item or need additional help, let me know.",
    ]),
    "consent: near misses: a go-ahead with something unnamed, with an open offer": (
        ASKS_TRAVEL_RETAIL, False, [
            "If you would like to proceed with something else or need further assistance, let "
            "me know.",
            "If you want to go ahead with anything else, please let me know.",
            "If you'd like to continue with nothing at all, or need more help, let me know.",
            "If you wish to proceed with everything as it is, please let me know.",
            "If you would like to proceed with checking other flights, please let me know.",
        ]),
    "claimed: the order got out or done": (CLAIMS, True, [
        "Great. I'll get that out to you in no time.",
        "We'll get it right out for you.",
        "Okay, I'll get it done!",
        "Sure, we'll get your latte out to you right away.",
        "I'll get them done for you.",
    ]),
    "not claimed: out of something, or done asked": (CLAIMS, False, [
        "I'll get that out of the way first.",
        "Can I get it done without whip?",
        "Will you get it done yourself?",
        "I'll get the menu out of the system.",
        "Would you like to get it done differently?",
    ]),
    "claimed: collected at its place by the customer": (CLAIMS, True, [
        "You can receive your order at the coffee bar.",
        "You will be able to get your drinks by the pickup counter.",
        "OK, you pick it up at the end of the counter.",
        "You'll be able to collect your latte at the hand-off window.",
        "You may grab your order from the bar.",
    ]),
    "not claimed: collected asked or conditional": (CLAIMS, False, [
        "Do you pick it up at the counter?",
        "Can you pick it up at the bar?",
        "If you can get your order at the counter, that would help.",
        "Where do you pick it up?",
        "You can receive a receipt by email.",
    ]),
    "claimed: the bar to check in a while": (CLAIMS, True, [
        "Okay, check the bar in three minutes.",
        "Please check the counter in a few minutes.",
        "Check with the bar in a couple of minutes.",
        "Your order will be at the coffee bar in a few.",
        "You can grab it in a few.",
    ]),
    "not claimed: checks that are not a result": (CLAIMS, False, [
        "Let me check on that in a few minutes.",
        "I'll check if we have oat milk.",
        "Please check the menu board.",
        "I can check whether the bar is open.",
        "Could you check the screen?",
    ]),
    "claimed: a done action after a rule": (CLAIMS_RETAIL, True, [
        "I can only help one user per chat, and I've already helped you with the cancellation "
        "of the charger order.",
        "I can only assist with one order at a time, and I have already helped you with the "
        "return of the lamp.",
        "We can only take one request per conversation, and I've cancelled the order.",
        "You can only return delivered items, and I've returned the mug for you.",
        "I can only change one address, and I have updated your address.",
    ]),
    "not claimed: a rule alone": (CLAIMS_RETAIL, False, [
        "You can only return items from orders that have been delivered.",
        "I can only cancel orders that are pending.",
        "You can only modify an order once, and only if it is pending.",
        "We can only exchange items that have been delivered, and only once.",
        "I can only assist with one user per conversation.",
    ]),
}
"""Each structure by its name."""
CASES = [pytest.param(recognise, want, text, id=f"{structure}: {text[:60]}")
         for structure, (recognise, want, texts) in STRUCTURES.items() for text in texts]


@pytest.mark.parametrize("recognise,want,text", CASES)
def test_every_wording_of_a_structure_gets_its_verdict(recognise: Callable[[str], bool],
                                                        want: bool, text: str) -> None:
    assert recognise(text) is want


@pytest.mark.parametrize("status,passed", [("ok", True), ("error", False)])
def test_a_coffee_success_claim_is_judged_against_finish_order(status: str, passed: bool) -> None:
    """`finish_order` changes something for the customer (it sends the order to be made): a
    claim after it is about it, not about the item added before it."""
    conv = b.conversation(
        ("customer", "A latte, please."),
        ("agent", "Added. Anything else?", b.call("add_order_item", "ok", {"ok": True},
                                                   item="latte")),
        ("customer", "No, that's it."),
        ("agent", "Great, your order will be ready shortly.",
         b.call("finish_order", status, {"ok": True} if status == "ok" else None)))
    score = b.scores("truthfulness", conv, b.scenario("coffee", "order_drink"))["truthfulness"]
    assert score.passed is passed
    if not passed:
        assert "finish_order" in score.rationale


def _barista_ticket(state: dict, drink: str) -> str:
    """Places the drink order with the bar."""
    return drink


def _ticket_status(state: dict, drink: str) -> str:
    """Returns the status of a drink order."""
    return drink


def test_a_tool_named_for_its_object_is_read_by_its_description() -> None:
    """The consequential-tool test reads the description's first word ("Places the order")
    when the name says no verb; a description that says what a tool answers ("Returns the
    status") is not a write."""
    from convsim.core.packs.model import Domain, tool_from_function
    from convsim.evaluators.common import consequential_tools

    tools = {n: tool_from_function(f, name=n) for n, f in
             (("barista_ticket", _barista_ticket), ("ticket_status", _ticket_status))}
    domain = Domain(name="cafe", tools=tools)
    scenario = b.scenario("coffee", "order_drink")
    assert consequential_tools(scenario, domain) == ["barista_ticket"]
