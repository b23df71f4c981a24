"""The scrubber on sentence structures any contact centre sees, written here (not taken from the
probes in tests/data): names in possessive form, names called at the end of a clause, joined by
"and", after "you are" or a relative; national ids written without separators after a cue word;
a compact IBAN listed next to a spaced one; PINs, passcodes, one-time codes and security
answers; postcodes of other countries before or after their town. And look-alikes that must come
out unchanged: product names, phrasal verbs, sentence openers, "Earl Grey", business codes."""

from __future__ import annotations

import re

import pytest
from stdnum import iban

from convsim.scenarios.pii import Scrubber


def _scrub(text: str) -> str:
    scrubber = Scrubber("generalise")
    scrubber.begin([], [text])
    return scrubber.scrub(text)


def _left(value: str, out: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", out, re.IGNORECASE) is not None


# (sentence, the personal values in it)
POSSESSIVE = [
    ("Could you pull up Ignatius's booking?", ["Ignatius"]),
    ("I want to close Wenonah's account, she passed away.", ["Wenonah"]),
    ("The refund went to Sunniva's card by mistake.", ["Sunniva"]),
    ("Please verify Oyelaran's membership before we proceed.", ["Oyelaran"]),
    ("Can I check Olusegun's order from last week?", ["Olusegun"]),
    ("This is regarding Thandiwe's booking for Friday.", ["Thandiwe"]),
    ("I need to update Nilufar's address please.", ["Nilufar"]),
]
CONTEXT_NAMES = [
    ("Thanks for sorting that out, Ngaio.", ["Ngaio"]),
    ("Appreciate it, Tjarda!", ["Tjarda"]),
    ("Thank you for your patience, Yuki.", ["Yuki"]),
    ("My grandson, Ruairidh, set up the app for me.", ["Ruairidh"]),
    ("Our neighbour Xochitl picked up the parcel.", ["Xochitl"]),
    ("my companion, Károly, wants business class.", ["Károly"]),
    ("The travellers are Oren Bialik and Sefa Tuilagi.", ["Oren", "Bialik", "Sefa", "Tuilagi"]),
    ("Book it for Amara Nwosu and Lars Ekdahl please.", ["Amara", "Nwosu", "Lars", "Ekdahl"]),
    ("You are Daisy Moon in zipcode 80202.", ["Daisy", "Moon", "80202"]),
    ("Name: Talgat Nurlanovich | Account: 55120943", ["Talgat", "Nurlanovich", "55120943"]),
    ("Is Tarquin still dealing with my claim?", ["Tarquin"]),
    ("Was Eilidh handling the escalation yesterday?", ["Eilidh"]),
    ("Persona: Joy Adeyemi, a 41-year-old nurse from Leeds.", ["Joy", "Adeyemi"]),
    ("Current guests on this booking:\n\n1. Ilse Vandamme\n2. Mei Lee\n", ["Ilse", "Vandamme", "Mei", "Lee"]),
]
NATIONAL_IDS = [
    ("My citizen id is 9001014800086.", ["9001014800086"]),
    ("Personal code 39001010000 was rejected.", ["39001010000"]),
    ("My NRIC is S1234567D.", ["S1234567D"]),
    ("My cédula is 1234567890.", ["1234567890"]),
    ("My personal number is 198507124539.", ["198507124539"]),
    ("her ID is 87010112345 but the form says otherwise", ["87010112345"]),
    ("My social is 078051120", ["078051120"]),
]
SECRETS = [
    ("My security PIN is 7302", ["7302"]),
    ("the one-time password I received is 881 204", ["881 204"]),
    ("Answer to my security question: Marmalade", ["Marmalade"]),
    ("The code I got by text is 7741", ["7741"]),
    ("the passcode is 0912", ["0912"]),
    ("my memorable word is lighthouse", ["lighthouse"]),
    ("My PIN's 2468", ["2468"]),
]
POSTCODES = [
    ("The address is Stephansplatz 1, 1010 Wien.", ["1010"]),
    ("Send it to Bahnhofstrasse 10, 8001 Zürich.", ["8001"]),
    ("Address: Ermou 10, 105 57 Athens", ["105 57"]),
    ("Calle Florida 100, C1005AAD Buenos Aires", ["C1005AAD"]),
    ("I moved from Texas (75001) to Ohio (43004).", ["75001", "43004"]),
    ("We moved to Sydney NSW 2000 in March.", ["2000"]),
    ("I'm in Tokyo 150-0002.", ["150-0002"]),
    ("It goes to São Paulo, SP, 01310-100.", ["01310-100"]),
    ("I live in Oulu 90100.", ["90100"]),
]
IBANS = ["DE89370400440532013000", "GB29NWBK60161331926819", "FR1420041010050500013M02606",
         "NL91ABNA0417164300", "ES9121000418450200051332", "BE71096123456769", "AT611904300234573201"]


def _spaced(value: str) -> str:
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4))


@pytest.mark.parametrize(("text", "values"), POSSESSIVE + CONTEXT_NAMES + NATIONAL_IDS + SECRETS + POSTCODES)
def test_personal_value_is_removed(text: str, values: list[str]) -> None:
    out = _scrub(text)
    assert [v for v in values if _left(v, out)] == [], out


@pytest.mark.parametrize("i", range(len(IBANS) - 1))
def test_compact_iban_listed_next_to_a_spaced_one(i: int) -> None:
    compact, spaced = IBANS[i], _spaced(IBANS[i + 1])
    assert iban.is_valid(compact) and iban.is_valid(spaced)
    for text in (f"IBANs: {compact}, {spaced}", f"Refund to {spaced} or {compact} please",
                 f"- {compact}\n- {spaced}"):
        out = _scrub(text)
        assert compact not in out and spaced not in out, out
        found = [iban.compact(m) for m in re.findall(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4})+", out)]
        assert len(found) == 2 and all(iban.is_valid(v) for v in found), out  # shape kept


LOOK_ALIKES = [
    "Earl Grey is my favourite tea.",
    "Earl Grey and Darjeeling, please.",
    "I'd like a Stanley Cup and a Dyson Airwrap.",
    "Please add the Sunset Orange colour.",
    "Kitchen and Bath collection is on sale.",
    "Let me sign up for the newsletter.",
    "Can you call me back later?",
    "I signed up for the trial and then signed out.",
    "Will you ship to Canada?",
    "Grace period ends on Friday.",
    "Thanks, that works.",
    "Thank you for your patience, everyone.",
    "Sorry for the wait, Support.",
    "Is Netflix still charging me?",
    "Was Hulu included in the bundle?",
    "Apple's warranty covers it.",
    "I'd like to check Amazon's return policy.",
    "The Garmin Fenix's battery died.",
    "My order code I received is AB1234",
    "Your promo code is SAVE2024",
    "I ordered 2000 Lumens floodlights.",
    "I bought it in London, 2019.",
    "We have 1500 Points on the card.",
    "Version 2.3, 1000 Lumens mode",
    "My tracking number is 1Z999AA10123456784.",
    "Do you sell spare parts for Anker Soundcore?",
    "I need a charger compatible with Xiaomi Redmi.",
    "Are there refills for Sodastream Terra?",
    "I want replacement heads for Oral-B Pro please.",
    "Do you sell spare parts for Lowa Renegade?",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alike_is_kept(text: str) -> None:
    assert _scrub(text) == text
