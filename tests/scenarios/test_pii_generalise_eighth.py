"""The scrubber on the kinds of gap the eighth probe showed, in sentences written here (none taken
from a probe). Precision first: a shop named after its founder ("at Sainsbury's", "the Dillard's
website") is no person; a number in spaced groups after "the transaction shows" or "the receipt
says" is no phone or id; a loyalty, stamp or member card's number is no payment card even when
Luhn-valid, and its head is no id; a creditor reference "RF.. ...." is no card. Recall: a
possessive owning a drink, a usual or loyalty points; phones after "if it's late", "Number is" or
before "in case the driver gets lost"; one-time codes before "that's what came through" or after
"Code's"; who the customer is "on the app"; national ids after "carné de identidad" or "TFN", a
Latvian "DDMMYY-NNNNN" and a Mexican RFC said alone, and a checksum-valid id "is the number on my
card". Values are random, made for this file with python-stdnum and phonenumbers."""

from __future__ import annotations

import re

import pytest

from convsim.scenarios.pii import Scrubber


def _scrub(text: str) -> str:
    scrubber = Scrubber("generalise-eighth")
    scrubber.begin([], [text])
    return scrubber.scrub(text)


def _left(value: str, out: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", out, re.IGNORECASE) is not None


POSSESSIVES = [
    ("Please put Oksana's coffee in its own bag.", ["Oksana"]),
    ("Bogdan Melnyk's loyalty points should pay for this one.", ["Bogdan", "Melnyk"]),
    ("Can you add Svetlana's usual to the order?", ["Svetlana"]),
    ("It's for Dmytro's desk on the third floor.", ["Dmytro"]),
    ("Make Zlatko's drinks without sugar.", ["Zlatko"]),
    ("I'm staying at Irina Volkova's this week.", ["Irina", "Volkova"]),
    ("I'm calling about Yaroslava's account.", ["Yaroslava"]),
]
PHONES = [
    ("A flat white please. If it's late: 06 12 34 72 17.", ["06 12 34 72 17"]),
    ("Two mochas. 0412 343 828, in case the driver gets lost.", ["0412 343 828"]),
    ("Okay. Number is 8123 8505, thanks.", ["8123 8505"]),
    ("If it's late, 085 012 4819 is fine.", ["085 012 4819"]),
    ("Tea for two. 0038972343200, in case the courier can't find me.", ["0038972343200"]),
    ("Sure. Number is 050 123 0075.", ["050 123 0075"]),
]
CODES = [
    ("A latte to go. 482913, that's what came through.", ["482913"]),
    ("Fine. 552 019, that's what came through on my phone.", ["552 019"]),
    ("Hello again. Code's 730 264.", ["730 264"]),
    ("Got it. Code's 918407, by the way.", ["918407"]),
    ("Okay, 640 381 is what just came through.", ["640 381"]),
]
USER_IDS = [
    ("I'm KL-448812 on the app, can you check?", ["KL-448812"]),
    ("Hi, I'm 5091337286 on the app.", ["5091337286"]),
    ("I'm marta.kovac77 on the app if that helps.", ["marta.kovac77"]),
    ("Hey, I am RX-90817 on the app.", ["RX-90817"]),
    ("I'm oleh_sirko on the website, not the app.", ["oleh_sirko"]),
]
NATIONAL_IDS = [
    ("The form wants my carné de identidad, it's 82121926400.", ["82121926400"]),
    ("My carnet de identidad: 76120105463.", ["76120105463"]),
    ("They asked for my TFN, it's 317451028.", ["317451028"]),
    ("TFN 751512486, if the form needs it.", ["751512486"]),
    ("My TFN is 783048244.", ["783048244"]),
    ("Okay, 140256-21872 then.", ["140256-21872"]),  # Latvian personal code
    ("Sure, that's 120987-25930.", ["120987-25930"]),
    ("Write 110950-13713 on it, please.", ["110950-13713"]),
    ("It's 090679-25878.", ["090679-25878"]),
    ("Use 150256-15231 for the check.", ["150256-15231"]),
    ("That's HMMP540723SL6.", ["HMMP540723SL6"]),  # Mexican RFC
    ("Put LPZD750428RN4 on the invoice.", ["LPZD750428RN4"]),
    ("Sure, TCDZ680815MJ8.", ["TCDZ680815MJ8"]),
    ("Mine is TRSC790823LX0 for the receipt.", ["TRSC790823LX0"]),
    ("The invoice goes to CTNN570407449 please.", ["CTNN570407449"]),
    ("8686604I is the number on my card.", ["8686604I"]),  # Irish PPS
    ("Okay, 7801743B is the number on my card.", ["7801743B"]),
    ("2203972500289 is the number on my card.", ["2203972500289"]),  # Slovenian EMŠO
    ("Sure. 0905968500000 is the number on my ID card.", ["0905968500000"]),
    ("Hi. 4099128S is the number on my card, I think.", ["4099128S"]),
]
CARDS = [
    ("Put it on 3597 8778 9328 7924 instead.", ["3597 8778 9328 7924"]),
    ("Put that on 3591 7421 8096 7925, please.", ["3591 7421 8096 7925"]),
    ("Charge 4042 6858 6552 4250 and the stamp card is 9737 2172 8981 9311.", ["4042 6858 6552 4250"]),
    ("Pay with 5044 7360 2499 6148. My loyalty card is 6958 0231 3931 6526.", ["5044 7360 2499 6148"]),
    ("Put the rest on 3589 0810 0339 0757.", ["3589 0810 0339 0757"]),
]
LOOKALIKES = [
    # shops named after a person
    "I usually get my beans from Sainsbury's.",
    "Is this cheaper than at Macy's?",
    "The Dillard's website says it's in stock.",
    "I picked it up at Casey's yesterday.",
    "Culver's app shows a different price.",
    "We stopped in at Denny's and then came here.",
    "It was cheaper at Ollie's though.",
    "My sister works at Arby's now.",
    # spaced business numbers
    "The transaction shows 354 220 4815 on my bank app.",
    "My receipt says 321 245 9912 at the top.",
    "The order reads 829 979 0736 on the confirmation.",
    "Reference shows 586 935 9607 here.",
    "The invoice was 717 441 0590.",
    # loyalty, stamp and member cards (Luhn-valid numbers)
    "My rewards card number is 4042 6858 6552 4250.",
    "Stamp card: 9737 2172 8981 9311.",
    "The loyalty card is 5044 7360 2499 6148, can you add the points?",
    "Here's my coffee card 6958 0231 3931 6526 for the stamps.",
    "My membership card number, 4171 6502 5768 3141.",
    "Ok. 9737 2172 8981 9311 is the number on my stamp card.",
    # creditor references
    "The bank transfer reference is RF95 3982 5979 1907 4833.",
    "Use RF23 7887 6232 8601 2904 as the payment reference.",
    "Creditor reference RF77 0479 6669 7251 0273, due Friday.",
    "It says RF26 4646 8695 8969 3504 on the bill.",
    "Reference RF08 9258 9913 9441 1771 was rejected.",
    # near misses of the new cues
    "I'm new on the app.",
    "I'm 12 on the app, is that allowed?",
    "If it's late, I'll wait.",
    "The promo code's 55555.",
    "It was 2019 when I joined.",
]


PLANTED = POSSESSIVES + PHONES + CODES + USER_IDS + NATIONAL_IDS + CARDS


@pytest.mark.parametrize(("text", "values"), PLANTED + [(text, []) for text in LOOKALIKES])
def test_each_sentence_scrubs_exactly_its_planted_values(text: str, values: list[str]) -> None:
    """Planted values leave the sentence; a sentence without any comes out unchanged."""
    out = _scrub(text)
    assert [v for v in values if _left(v, out)] == [], out
    assert values or out == text


def test_loyalty_card_survives_next_to_a_scrubbed_payment_card() -> None:
    out = _scrub("Charge 4042 6858 6552 4250 and the stamp card is 9737 2172 8981 9311.")
    assert out.endswith("the stamp card is 9737 2172 8981 9311.") and "4042 6858 6552 4250" not in out, out


def test_dashed_prefix_handle_keeps_its_letters_and_shape() -> None:
    out = _scrub("I'm KL-448812 on the app, can you check?")
    handle = out.split("I'm ")[1].split()[0]
    assert re.fullmatch(r"KL-\d{6}", handle) and handle != "KL-448812", out


def test_shop_and_person_possessives_in_one_line() -> None:
    out = _scrub("Put Oksana's coffee on the tab, it's cheaper at Sainsbury's though.")
    assert "Oksana" not in out and out.endswith("it's cheaper at Sainsbury's though."), out
