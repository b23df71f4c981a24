"""The scrubber on the kinds of gap the seventh probe showed, in sentences written here (none taken
from a probe): shop codes after "promo", "voucher", "coupon" are no user ids, while a handle
after "log in as" is; national ids with letters (Indian PAN) after their cue, ids written with
their country's separators (Thai id, Danish CPR, Icelandic kennitala), an id named after the
value ("..., that's the ID you asked for"); postcodes after "CEP", Maltese and Icelandic
postcodes next to their town, "You are <person> in 12345"; Portuguese and Brazilian streets
("Ladeira da Gloria, 88", "R. do Bonjardim, 1042"); a number said on its own as an answer
("It's 4471.", "Okay, 305 118."); phones after "ring" or before "if anything comes up"; dates of
birth written "19-Aug-1990"; a name owning a parcel. And look-alikes that must come out unchanged."""

from __future__ import annotations

import re

import pytest

from convsim.scenarios.pii import Scrubber


def _scrub(text: str) -> str:
    scrubber = Scrubber("generalise-seventh")
    scrubber.begin([], [text])
    return scrubber.scrub(text)


def _left(value: str, out: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", out, re.IGNORECASE) is not None


# checksum-valid values made with python-stdnum for this file (random, kept if valid)
USER_IDS = [
    ("Please log in as KT90412277 and check the refund.", ["KT90412277"]),
    ("You can sign in as rosalind_ferreira_3321 to see it.", ["rosalind_ferreira_3321"]),
    ("I logged in as tomasz.wierzba88 this morning.", ["tomasz.wierzba88"]),
    ("My user id is vip_gomes_4410, the promo code was different.", ["vip_gomes_4410"]),
    ("Account holder oyelaran_adewale_1187 asked for a callback.", ["oyelaran_adewale_1187"]),
]
PAN_IDS = [
    ("My PAN is CAVPG7516S, the one on my tax card.", ["CAVPG7516S"]),
    ("PAN number: ASKPH8294N. Anything else?", ["ASKPH8294N"]),
    ("The permanent account number is DWPPR3650T.", ["DWPPR3650T"]),
    ("Here is my PAN JJWPF4416X for the invoice.", ["JJWPF4416X"]),
    ("My tax id is CAVPG7516S if the form asks.", ["CAVPG7516S"]),
]
SEPARATED_IDS = [
    ("Sure, 5-6626-48656-49-4 is on my card.", ["5-6626-48656-49-4"]),  # Thai id
    ("Take 6-5581-62276-71-2 for the check.", ["6-5581-62276-71-2"]),
    ("Okay so 080860-1512 then.", ["080860-1512"]),  # Danish CPR
    ("Write down 220867-7549 for the form.", ["220867-7549"]),
    ("It should be 200794-5910 on file.", ["200794-5910"]),  # Icelandic kennitala
    ("Use 180862-7140, please.", ["180862-7140"]),
]
ID_NAMED_AFTER = [
    ("9307171832635, that's my ID number.", ["9307171832635"]),  # Korean RRN
    ("Right, 5805052354277 - that is the national id.", ["5805052354277"]),
    ("6711252853247 is my identity number.", ["6711252853247"]),
    ("3-9288-80495-99-9, this is the ID you wanted.", ["3-9288-80495-99-9"]),
    ("Sure: 190379-7600, that's my personal id.", ["190379-7600"]),
    ("7830002293 (my national ID) is on the form.", ["7830002293"]),
    ("My INN is 500100732259, for the invoice.", ["500100732259"]),
    ("The CNIC is 3520212345671 if you need it.", ["3520212345671"]),
    ("IRD number 49091850 is mine.", ["49091850"]),
    ("Her NID: A0101901234567.", ["A0101901234567"]),
]
POSTCODES = [
    ("Send it to Rua das Flores, 12, Campinas, CEP 13010-101 please.", ["13010-101"]),
    ("My CEP is 04538133, São Paulo.", ["04538133"]),
    ("The address is 14, Triq San Pawl, Birkirkara BKR 1203.", ["BKR 1203"]),
    ("Ship to 3 Triq il-Merkanti, Valletta VLT 1171, thanks.", ["VLT 1171"]),
    ("Deliver to 22 Hafnarstraeti, 600 Akureyri please.", ["600 Akureyri"]),
    ("My address: 8 Laugavegur, 101 Reykjavík.", ["101"]),
    ("You are Tomasina Ruel in 60612. You want a refund.", ["60612"]),
    ("I am Dario Vukovic in 33139, and I need help.", ["33139"]),
    ("Send it to 45 Ngerulmud Road, Melekeok, PW 96939.", ["96939"]),
    ("Mail it to 4 Lagoon Way, Majuro, MH 96960.", ["96960"]),
]
PT_STREETS = [  # Portuguese and Brazilian place types, then ", number"
    ("Send it to Ladeira da Gloria, 88, Salvador.", ["Ladeira da Gloria, 88"]),
    ("Deliver to Vila Madalena, 230, São Paulo.", ["Vila Madalena, 230"]),
    ("My address is Beco das Cruzes, 7, Lisboa.", ["Beco das Cruzes, 7"]),
    ("Ship it to Quinta do Lago, 19, Faro.", ["Quinta do Lago, 19"]),
    ("The flat is at Calçada do Combro, 40, Lisboa.", ["Calçada do Combro, 40"]),
    ("Please use R. do Bonjardim, 1042, Porto.", ["R. do Bonjardim, 1042"]),
]
LONE_ANSWERS = [
    ("Okay, 305 118. Did it go through?", ["305 118"]),
    ("It's 4471. I set it last week.", ["4471"]),
    ("Got it: 882910.", ["882910"]),
    ("Oh, and 0412 555 019, that's the one to use.", ["0412 555 019"]),
    ("Sure, 771203. Let me know if it works.", ["771203"]),
    ("5562, that's the pin.", ["5562"]),
    ("Yes, 0660 291 844.", ["0660 291 844"]),
]
PHONES = [
    ("Please ring 0207 946 0321 when you arrive.", ["0207 946 0321"]),
    ("0612345678 if anything comes up, thanks.", ["0612345678"]),
    ("Give me a ring on 415 555 0174.", ["415 555 0174"]),
    ("0151 496 0732 is the best way to get hold of me.", ["0151 496 0732"]),
    ("Try 07700 900 461 if something comes up.", ["07700 900 461"]),
]
BIRTH_DATES = [
    ("My DOB is 19-Aug-1990, if that helps.", ["19-Aug-1990"]),
    ("Date of birth: 03-Mar-1971.", ["03-Mar-1971"]),
    ("born 7-jun-1985 in Leeds", ["7-jun-1985"]),
    ("DOB 28/Feb/1962 on the passport.", ["28/Feb/1962"]),
    ("Birthday 11-Nov-2001.", ["11-Nov-2001"]),
]
POSSESSIVES = [
    ("Ifeoma Chukwuemeka's parcel never arrived.", ["Ifeoma", "Chukwuemeka"]),
    ("Can you check Jurgita Paulauskaite's package?", ["Jurgita", "Paulauskaite"]),
    ("Tariq Hamdani's parcels went to the old address.", ["Tariq", "Hamdani"]),
    ("Where is Noriko Hasegawa's shipment?", ["Noriko", "Hasegawa"]),
    ("Siosaia Fifita's package was left outside.", ["Siosaia", "Fifita"]),
]
LOOKALIKES = [
    "The promo code spring_tea_2026 did not work.",
    "Voucher code autumn_latte_2025 expired yesterday.",
    "The coupon gold_member_2024 was rejected twice.",
    "I tried the discount code fresh_start_2026 at checkout.",
    "Promo: bright_deal_2025, is it still valid?",
    "Referral code super_saver_30 gave nothing.",
    "The voucher code autumn_vip_2025 failed.",  # name-like words: a user id to the old rule
    "The promo code summer_vip_2024 is expired.",
    "My gift code holly_xmas_2025 is wrong.",
    "I left the frying pan on the stove.",
    "It's 2019. That was the year we moved.",
    "Yes, 12 ounces.",
    "The total? It's 1500.",
    "Order number? It's 12345678.",
    "How many? Okay, 2500.",
    "I am in 2 minds about it.",
    "We are interested in 10000 mAh power banks.",
    "The ring size is 7, please.",
    "I want 2, 250 Grams of beans.",
    "The parcel arrived on 12-Aug-2024 at noon.",
    "12345678, that's the order ID.",
    "12345678, that is the ID of the order.",
    "The holiday inn 2 stars, 3 nights.",
    "Invoice 556677, that's the one with the error.",
    "Ticket 77881, it's the one I opened.",
    "Flight 2041 leaves at 6.",
    "Tracking: 220867-7549 still pending.",
    "The box holds 6-2604-9 cups.",
    "Here you go: 7730214458.",
    "Parque Ibirapuera, 2 hours walk.",
    "We loved Praia Grande, 3 times now.",
    "Jardim Botânico, 1.5 km away.",
    "Feira Nova, 12 stalls.",  # ten digits said alone, no cue: could be an order number
]


def _cases(*groups: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    return [case for group in groups for case in group]


@pytest.mark.parametrize(("text", "values"),
                         _cases(USER_IDS, PAN_IDS, SEPARATED_IDS, ID_NAMED_AFTER, POSTCODES, PT_STREETS,
                                LONE_ANSWERS, PHONES, BIRTH_DATES, POSSESSIVES))
def test_planted_values_are_replaced(text: str, values: list[str]) -> None:
    out = _scrub(text)
    for value in values:
        assert not _left(value, out), (value, out)


@pytest.mark.parametrize("text", LOOKALIKES)
def test_lookalikes_survive(text: str) -> None:
    assert _scrub(text) == text


def test_capital_prefixed_handle_keeps_its_letters_and_shape() -> None:
    out = _scrub("Please log in as KT90412277 and check the refund.")
    handle = out.split("log in as ")[1].split()[0]
    assert re.fullmatch(r"KT\d{8}", handle) and handle != "KT90412277", out


def test_lone_answer_keeps_its_grouping() -> None:
    out = _scrub("Okay, 305 118. Did it go through?")
    assert re.fullmatch(r"Okay, \d{3} \d{3}\. Did it go through\?", out) and "305 118" not in out, out


def test_promo_code_survives_next_to_a_scrubbed_user_id() -> None:
    out = _scrub("My user id is ilse_brandt_7781 and the promo code bold_brew_2026 failed.")
    assert "bold_brew_2026" in out and "ilse_brandt_7781" not in out, out
