"""The scrubber on the kinds of gap the sixth probe showed, in sentences written here (none taken
from a probe): national ids of any country python-stdnum knows after their cue word, and the
few bare shapes distinctive enough to stand alone; names of locales the first dictionary lacked
(Hausa, Yoruba, Zulu, Uzbek, Azerbaijani, romanised Japanese...); a name owning an idea, a
flight or a refund; cards after "charge it to" with any issuer prefix, but no Luhn-valid
tracking or order number; PINs said before their cue, one-time codes "just received"; streets
of Indonesia, Japan and other places without a street-type word. And look-alikes that must come
out unchanged."""

from __future__ import annotations

import re

import pytest

from convsim.scenarios.pii import Scrubber


def _scrub(text: str) -> str:
    scrubber = Scrubber("generalise-sixth")
    scrubber.begin([], [text])
    return scrubber.scrub(text)


def _left(value: str, out: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", out, re.IGNORECASE) is not None


# checksum-valid values made with python-stdnum for this file (random digits, kept if valid)
CUED_IDS = [
    ("For the record my EGN is 9801230317.", ["9801230317"]),  # Bulgaria
    ("The isikukood on my card is 55509115345, I think.", ["55509115345"]),  # Estonia
    ("asmens kodas: 38512138127", ["38512138127"]),  # Lithuania
    ("They need my RNOKPP, it is 9972676220.", ["9972676220"]),  # Ukraine
    ("My Number is 096438293067 if the form needs it.", ["096438293067"]),  # Japan
    ("Mispar zehut 117591446, please note it.", ["117591446"]),  # Israel
    ("my resident registration number is 7903162845297", ["7903162845297"]),  # Korea
    ("The NIK on the KTP is 3171984403983982.", ["3171984403983982"]),  # Indonesia
    ("His IC number: 971027-10-7154.", ["971027-10-7154"]),  # Malaysia
    ("My national id is 110101197702255673.", ["110101197702255673"]),  # China
    ("ID number 3638451749114, Karachi branch.", ["3638451749114"]),  # Pakistan
]
BARE_IDS = [
    ("Here it is: 7202224225180.", ["7202224225180"]),  # South African ID
    ("7905138138188, in case you need it.", ["7905138138188"]),
    ("Use 3578590207586662 for the check please.", ["3578590207586662"]),  # Indonesian NIK
    ("You can take 3273612109515336 for verification.", ["3273612109515336"]),
    ("Here you are: 860506-08-4001.", ["860506-08-4001"]),  # MyKad, hyphenated
    ("It is 551213-01-8932 on the card.", ["551213-01-8932"]),
]
NEW_LOCALE_NAMES = [
    ("Hauwa Abubakar here, calling about a refund.", ["Hauwa", "Abubakar"]),
    ("This is Morayo Sobowale from the Lagos office.", ["Morayo", "Sobowale"]),
    ("Mthokozisi Mzulwini speaking, I have a question.", ["Mthokozisi", "Mzulwini"]),
    ("Humoyun Mahdiev speaking.", ["Humoyun", "Mahdiev"]),
    ("Please add Tamilla Qasımov to the booking.", ["Tamilla", "Qasımov"]),
    ("Taichi Matsuda speaking, about my seat.", ["Taichi", "Matsuda"]),
    ("The passengers are me, Ogechi and Zenzele.", ["Ogechi", "Zenzele"]),
    ("Could you upgrade Nonhlanhla as well?", ["Nonhlanhla"]),
]
POSSESSIVE = [
    ("It was Yetunde's idea to book the red-eye.", ["Yetunde"]),
    ("Honestly it was Tsubasa's fault, not mine.", ["Tsubasa"]),
    ("Ruqayya Sishiya's flight was cancelled twice.", ["Ruqayya", "Sishiya"]),
    ("I'm sorting out Zaituni Kipkemei's refund today.", ["Zaituni", "Kipkemei"]),
    ("We moved Akinwale Ojua's booking to Friday.", ["Akinwale", "Ojua"]),
    ("It was Oysha's decision to cancel.", ["Oysha"]),
]
CARDS = [
    ("Charge it to 3530111333300000 please.", ["3530111333300000"]),  # JCB test number
    ("The long number on the front is 6011000990139424.", ["6011000990139424"]),
    ("I'd rather pay with 5555555555554444 this time.", ["5555555555554444"]),
    ("Charge that to 4012888888881881, thanks.", ["4012888888881881"]),
    ("Just charge it to 378282246310005.", ["378282246310005"]),
]
SECRETS = [
    ("It's 5821, same as my card PIN.", ["5821"]),
    ("Try 604417, the same as my PIN code.", ["604417"]),
    ("I got 512 880 by SMS a minute ago.", ["512 880"]),
    ("Just received 903 114, does it still work?", ["903 114"]),
    ("I've just got 771402.", ["771402"]),
    ("They sent 448 120 via text.", ["448 120"]),
]
STREETS = [
    ("Send it to Jl. Merdeka Barat No. 12, Bandung 40115.", ["Merdeka Barat", "40115"]),
    ("My address is Gg. Melati No. 7, Bogor.", ["Melati"]),
    ("I live at Jalan Ampang 88 now.", ["Ampang"]),
    ("4-12-8 Shibuya, Tokyo 150-0002 is the new one.", ["4-12-8 Shibuya", "150-0002"]),
    ("Ship it to 1-3-5 Umeda, Osaka.", ["1-3-5 Umeda"]),
    ("I live at 42 Nguyễn Huệ, Quận 1 700000 now.", ["Nguyễn Huệ"]),
    ("Billing address is 88 Mandela, Soweto 1804.", ["88 Mandela", "1804"]),
]
# Look-alikes: nothing in these may change
LOOKALIKES = [
    "Courier tracking: 4111111111111111",  # Luhn-valid with a card prefix, after a tracking cue
    "Parcel number 5555555555554444 is stuck in Leipzig.",
    "Order number: 4012888888881881",
    "Receipt 6011000990139424 shows the wrong total.",
    "Shipment reference 378282246310005, please check.",
    "I got 2 lattes and a muffin.",
    "I just got 150000 points on my account.",
    "We received 250 000 dollars in refunds last year.",
    "It was my sister's idea to fly early.",
    "It was the manager's decision, not ours.",
    "Heathrow's new terminal is confusing.",
    "I'd like two Chai Lattes, please.",
    "Leider, the delivery was late again.",
    "Departing for Atlanta to Las Vegas on Friday.",
    "Gate 2-5 Terminal, boarding at 10:30.",
    "Order 3171984403983982 shipped yesterday.",
    "Tracking number 7202224225180 was not found.",
    "Invoice 860506-08-4001 is overdue.",
    "Here you go: 8404085535.",  # ten digits with no cue: no distinctive shape
    "The ISBN is 978-0-306-40615-7.",
]


def _cases(*groups: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    return [case for group in groups for case in group]


@pytest.mark.parametrize(("text", "values"),
                         _cases(CUED_IDS, BARE_IDS, NEW_LOCALE_NAMES, POSSESSIVE, CARDS, SECRETS, STREETS))
def test_planted_values_are_replaced(text: str, values: list[str]) -> None:
    out = _scrub(text)
    left = [v for v in values if _left(v, out)]
    assert not left, f"{text!r} -> {out!r} keeps {left}"


@pytest.mark.parametrize("text", LOOKALIKES)
def test_lookalikes_survive(text: str) -> None:
    assert _scrub(text) == text


def test_card_pseudonym_keeps_length_and_luhn() -> None:
    from stdnum import luhn

    out = _scrub("Charge it to 3530111333300000 please.")
    fake = re.search(r"\d{16}", out)
    assert fake is not None and fake.group(0) != "3530111333300000" and luhn.is_valid(fake.group(0))


def test_every_personal_id_module_is_used_after_a_cue() -> None:
    """Not a list of the countries a probe had: python-stdnum's personal-id modules, found by
    their descriptions; company and VAT numbers stay out."""
    from convsim.scenarios.pii_detect import _personal_id_modules

    modules = set(_personal_id_modules())
    assert {"bg.egn", "ee.ik", "lt.asmens", "za.idnr", "ua.rntrc", "jp.in_", "id.nik", "my.nric",
            "il.idnr", "kr.rrn", "cn.ric", "pk.cnic"} <= modules
    assert not modules & {"jp.cn", "be.vat", "ua.edrpou", "kr.brn", "isin", "imei"}
