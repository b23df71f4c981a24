"""Build the sixth personal-data probe (tests/data/pii_probe_sixth.jsonl) from public text.

Written by an engineer who never opened the scrubber (convsim/scenarios/pii*.py), never ran it
and never read any probe's scoring output: the whole file is held out (every line has
``half: "held-out"``), to be scored once by
`benchmarks/pii_probe.py --probe tests/data/pii_probe_sixth.jsonl`.

Carrier text (in ../shared/data; no earlier probe used these turns):
  - the simulated customers' turns of the tau-bench (v1) airline trajectories
    (`trajectories/gpt-4o-airline.part*.jsonl`), tasks 8-49 (tasks 0-7 are convsim's own
    sample), leaving out every turn whose text the second probe holds: the names, user ids,
    dates of birth and emails of the airline database (the customer, saved and booked
    passengers) are found in the turn and replaced by planted ones; a turn keeping any other
    personal-looking value (a card's last four, a name of the database, a year not a flight's)
    is left out;
  - Taskmaster-4 coffee customer turns nobody used: the reward examples' contexts
    (`reward.part01-02`) and `dialogs.part01` from its 61st dialog on (convsim's sample is
    the first 60); turns with a name cue are left out (the order names are playing cards).
Most lines get one or two planted clauses (frames written for this probe, none of an earlier
probe's) and some a look-alike clause around a valid business number. Values from Faker in
locales no earlier probe used (id_ID, ja_JP romanised, fr_CH, az_AZ, zu_ZA, yo_NG, ha_NG,
uz_UZ, ga_IE, sw for names; bg_BG, uk_UA, vi_VN, ka_GE and, for phones, addresses and ids,
et_EE, lv_LV, lt_LT) and a few common ones; every number is checked (phonenumbers,
python-stdnum, Luhn).

    .venv/bin/python benchmarks/pii_probe_sixth_build.py [--data ../shared/data] [--out FILE]
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import string
import sys
from pathlib import Path
from typing import Any

import phonenumbers
from faker.providers.person import en_GB as en_gb_person
from faker.providers.person import en_US as en_us_person
from stdnum import ean, isbn, iso11649, luhn
from stdnum import iban as std_iban
from stdnum.bg import egn
from stdnum.ee import ik
from stdnum.id import nik
from stdnum.il import idnr as il_idnr
from stdnum.iso7064 import mod_97_10
from stdnum.jp import in_ as my_number
from stdnum.lt import asmens
from stdnum.my import nric
from stdnum.ua import rntrc
from stdnum.za import idnr as za_idnr

sys.path.append(str(Path(__file__).resolve().parent))  # for pii_probe_common, next to this file
import pii_probe_common as common  # noqa: E402

DATA = common.DATA  # the default --data (the tests read it)
OUT = common.REPO / "tests" / "data" / "pii_probe_sixth.jsonl"
EXTERNAL = common.REPO / "tests" / "data" / "pii_probe_external.jsonl"  # its tau turns are left out
SEED = 20261206

REGION = {
    "id_ID": "ID",
    "ja_JP": "JP",
    "fr_CH": "CH",
    "az_AZ": "AZ",
    "zu_ZA": "ZA",
    "yo_NG": "NG",
    "ha_NG": "NG",
    "uz_UZ": "UZ",
    "ga_IE": "IE",
    "sw": "KE",
    "bg_BG": "BG",
    "uk_UA": "UA",
    "vi_VN": "VN",
    "ka_GE": "GE",
    "et_EE": "EE",
    "lv_LV": "LV",
    "lt_LT": "LT",
    "en_US": "US",
    "en_GB": "GB",
    "de_DE": "DE",
    "fr_FR": "FR",
}
NEW_NAME_LOCALES = ["id_ID", "ja_JP", "fr_CH", "az_AZ", "zu_ZA", "yo_NG", "ha_NG", "uz_UZ", "ga_IE", "sw"]
COMMON = ["en_US", "en_GB", "de_DE", "fr_FR"]
NAME_LOCALES = NEW_NAME_LOCALES + COMMON
LINE_LOCALES = NEW_NAME_LOCALES + NEW_NAME_LOCALES + COMMON  # the new locales twice as often
PHONE_LOCALES = sorted(REGION)
ADDRESS_COUNTRIES = ["US", "GB", "DE", "FR", "CH", "ID", "EE", "LV", "LT", "BG", "JP", "VN", "ZA", "NG"]
IBAN_COUNTRIES = ["BG", "CH", "EE", "LV", "LT", "AZ", "UA", "GE", "DE", "FR", "GB"]
# BBAN layouts (a letter, n digit, c letter or digit), for countries Faker has no IBAN of
BBAN = {
    "BG": "aaaannnnnncccccccc",
    "EE": "n" * 16,
    "LV": "aaaa" + "c" * 13,
    "LT": "n" * 16,
    "GE": "aa" + "n" * 16,
}
IBAN_LOCALE = {"CH": "fr_CH", "AZ": "az_AZ", "UA": "uk_UA", "DE": "de_DE", "FR": "fr_FR", "GB": "en_GB"}
DOB_FORMATS = {
    "US": ["%m/%d/%Y", "%B %d, %Y"],
    "GB": ["%d/%m/%Y", "%d %B %Y"],
    "DE": ["%d.%m.%Y"],
    "FR": ["%d/%m/%Y"],
    "CH": ["%d.%m.%Y"],
    "ID": ["%d-%m-%Y", "%d/%m/%Y"],
    "JP": ["%Y/%m/%d", "%Y-%m-%d"],
    "EE": ["%d.%m.%Y"],
    "LV": ["%d.%m.%Y"],
    "LT": ["%Y-%m-%d"],
    "BG": ["%d.%m.%Y"],
    "VN": ["%d/%m/%Y"],
    "ZA": ["%Y/%m/%d"],
    "NG": ["%d/%m/%Y", "%d %B %Y"],
    "AZ": ["%d.%m.%Y"],
    "UZ": ["%d.%m.%Y"],
    "IE": ["%d/%m/%Y", "%d/%m/%y"],
    "KE": ["%d/%m/%Y"],
    "UA": ["%d.%m.%Y"],
    "GE": ["%d/%m/%Y"],
}
# streets written as the country writes them; several with no street-type word
STREETS = {
    "EE": [
        "Tamme",
        "Kase",
        "Pikk",
        "Lai",
        "Kesk",
        "Aia",
        "Kooli",
        "Lille",
        "Pargi",
        "Männi",
        "Pärnu mnt",
        "Narva mnt",
        "Vabaduse pst",
        "Mustamäe tee",
    ],
    "LV": [
        "Brīvības iela",
        "Elizabetes iela",
        "Tērbatas iela",
        "Dzirnavu iela",
        "Skolas iela",
        "Lāčplēša",
        "Dārza",
        "Meža",
    ],
    "LT": ["Gedimino pr.", "Pylimo g.", "Savanorių pr.", "Laisvės al.", "Sodų g.", "Liepų g.", "Ąžuolų g."],
    "BG": [
        "ul. Shipka",
        "bul. Vitosha",
        "ul. Rakovski",
        "ul. Graf Ignatiev",
        "Tsar Osvoboditel",
        "Oborishte",
        "Solunska",
    ],
    "JP": [
        "Jingumae",
        "Nakamachi",
        "Honcho",
        "Sakuragaoka",
        "Minamiaoyama",
        "Kitahama",
        "Higashiyama",
        "Nishiki",
        "Sannomiya",
        "Tenjin",
    ],
    "VN": ["Hùng Vương", "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "phố Hàng Bạc", "đường Lý Thường Kiệt"],
    "ZA": [
        "Long Street",
        "Jan Smuts Avenue",
        "Voortrekker Road",
        "Church Street",
        "Main Road",
        "Bree Street",
        "Vilakazi",
    ],
    "NG": [
        "Adeola Odeku Street",
        "Awolowo Road",
        "Herbert Macaulay Way",
        "Allen Avenue",
        "Ahmadu Bello Way",
        "Isaac John",
    ],
}
FAKER_ADDRESS = {"US": "en_US", "GB": "en_GB", "DE": "de_DE", "FR": "fr_FR", "CH": "fr_CH", "ID": "id_ID"}

# Frames written for this probe.
NAME_FRAMES = [
    "You can put it under {n}.",
    "{n} speaking.",
    "Name on the booking should read {n}.",
    "Last time it was booked as {n}, maybe that's why.",
    "Please note the contact person is {n}.",
]
POSSESSIVE_FRAMES = [
    "This is about {n}'s booking, she can't call herself.",
    "I'm sorting out {n}'s refund.",
    "{n}'s flight got moved without notice.",
    "Was the receipt sent to {n}'s inbox?",
    "Put it on {n}'s tab, he said that's fine.",
    "Can you check whether {n}'s bag made it?",
]
FIRST_POSSESSIVE_FRAMES = [
    "My husband {f}'s ticket is on the same reservation.",
    "It was {f}'s idea to change it.",
]
EMAIL_FRAMES = [
    "You can reach me by email at {v}.",
    "Send the receipt to {v} please",
    "{v} - that's the address on file.",
    "My new email: {v}",
    "it's {v}, all lowercase",
]
PHONE_CUE = [
    "My mobile is {v}.",
    "Call me back on {v} if the line drops.",
    "Contact number: {v}",
    "Text me at {v} when it's ready.",
]
PHONE_BARE = [
    "{v} is the best way to get hold of me.",
    "Oh and {v}, in case you need it.",
    "Reach me at {v} after six.",
]
ADDRESS_FRAMES = [
    "Ship it to {v}.",
    "Billing address is {v}.",
    "The new address is {v}, since March.",
    "I live at {v} now.",
    "{v} - please update that.",
]
DOB_FRAMES = [
    "My date of birth is {v}.",
    "DOB {v}",
    "I was born on {v}.",
    "Birthdate: {v}",
    "{v} is my birthday, if you need to verify.",
]
IBAN_FRAMES = [
    "Refund to IBAN {v} please.",
    "My bank details: {v}",
    "The account number is {v}.",
    "You can transfer it to {v}.",
]
IBAN_PAIR = "Either {a} or {b} works, both are mine."
CARD_FRAMES = [
    "Charge it to {v}.",
    "Card number {v}, exp 09/28.",
    "The long number on the front is {v}.",
    "Use {v} instead of the gift card.",
]
NATIONAL_CUE = ["My {cue} is {v}.", "{cue}: {v}", "They asked for my {cue}, it's {v}."]
NATIONAL_BARE = ["Here you go: {v}.", "{v}, if you need it for the check."]
CODE_FRAMES = {
    "pin": [
        "My PIN is {v}.",
        "pin {v}",
        "It's {v}, same as my card PIN.",
        "Sorry, the pin's {v}, not what I said.",
    ],
    "passcode": ["Passcode: {v}", "The phone passcode I set is {v}.", "Password for the account is {v}."],
    "otp": [
        "The code they texted me is {v}.",
        "I got {v} by SMS.",
        "Verification code {v}",
        "Just received {v}, does that work?",
    ],
}
LOOKALIKE_FRAMES = {
    "ean": ("card", "Scanned the barcode: {v}."),
    "isbn": ("card", "It's the paperback with ISBN {v}."),
    "tracking": ("card", "Courier tracking: {v}"),
    "creditor_ref": ("iban", "Reference on the bank transfer: {v}."),
    "receipt": ("national_id", "Receipt number {v} is the one with the error."),
    "serial": ("phone", "The serial number of the machine is {v}."),
    "gate": ("street", "We waited at {v} for an hour."),
    "booking_ref": ("pin", "The hotel confirmation was {v}."),
    "loyalty_tier": ("name", "I'm a {v} member, by the way."),
    "travel_date": ("dob", "I'm flying out on {v}."),
    "amount": ("postcode", "It came to {v} in the end."),
    "promo": ("user_id", "I tried the promo code {v} but it didn't apply."),
    "website": ("email", "I saw the offer on {v} yesterday."),
}
PROMO_WORDS = ["latte", "spring", "summer", "lovers", "deal", "fly", "club", "bonus", "welcome", "miles"]
SITES = ["coffeebar.com/offers", "hat-airlines.com", "www.flyhat.com", "deals.coffeebar.com"]
PHRASAL = [
    "go ahead",
    "figure out",
    "look into",
    "check on",
    "pick up",
    "sign up",
    "set up",
    "find out",
    "switch to",
    "move up",
    "hold on",
    "come back",
    "end up",
    "call back",
]
ID_CUES = {
    "BG": "EGN",
    "EE": "isikukood",
    "LT": "asmens kodas",
    "ZA": "ID number",
    "UA": "RNOKPP",
    "JP": "My Number",
    "ID": "NIK",
    "MY": "IC number",
    "IL": "Teudat Zehut number",
}
NATIONAL_MODULES = (egn, ik, asmens, za_idnr, rntrc, my_number, nik, nric, il_idnr)
FIRST_NAMES = set(en_us_person.Provider.first_names) | set(en_gb_person.Provider.first_names)
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


class Maker(common.MakerBase):
    """Planted values: Faker identities, checked against their own systems."""

    def __init__(self, vocabulary: set[str]) -> None:
        super().__init__(SEED, vocabulary)
        self.used_names: set[str] = set()
        self.turns: dict[str, int] = {}

    def turn(self, kind: str, options: list[str]) -> str:
        """Every option in turn, so each kind is spread evenly."""
        self.turns[kind] = self.turns.get(kind, -1) + 1
        return options[self.turns[kind] % len(options)]

    def _name_word(self, origin: str, method: str) -> str:
        if origin == "ja_JP":
            method = method.replace("_name", "_romanized_name")
        return self._word(origin, method, 300, self.used_names)

    def name(self, locale: str) -> tuple[str, str, str]:
        """(first, last, origin); every planted name word is new to the probe."""
        origin = (
            locale if locale in NAME_LOCALES and self.rng.random() < 0.6 else self.rng.choice(NAME_LOCALES)
        )
        first = self._name_word(origin, "first_name")
        last = self._name_word(origin, "last_name")
        while last == first:
            last = self._name_word(origin, "last_name")
        self.used_names.update((first.lower(), last.lower()))
        return first, last, origin

    def phone(self, locale: str) -> str:
        region = REGION[locale]
        number = self.valid_number(locale, region)
        fmt = phonenumbers.PhoneNumberFormat
        style = self.rng.choice(("national", "international", "spaced", "dashed", "paren", "compact"))
        national = phonenumbers.format_number(number, fmt.NATIONAL)
        if style == "international":
            text = phonenumbers.format_number(number, fmt.INTERNATIONAL)
        elif style == "spaced" and region != "US":  # the international form in pairs after the code
            digits = str(number.national_number)
            text = f"+{number.country_code} " + " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))
        elif style == "dashed":
            text = re.sub(r"[ ()]+", "-", national).strip("-")
        elif style == "paren" and national.startswith("0"):  # "+41 (0)79 ...", as Europeans write it
            rest = phonenumbers.format_number(number, fmt.INTERNATIONAL).split(" ", 1)[1]
            text = f"+{number.country_code} (0){rest}"
        elif style == "compact":
            text = re.sub(r"\D", "", national)
        else:
            text = national
        if not phonenumbers.is_valid_number_for_region(phonenumbers.parse(text, region), region):
            text = national
        assert phonenumbers.is_valid_number_for_region(phonenumbers.parse(text, region), region), text
        return text

    def email(self, first: str, last: str, origin: str) -> str:
        first_part, last_part = common.ascii_fold(first).lower(), common.ascii_fold(last).lower()
        shape = self.rng.choice(("{f}.{l}", "{l}.{f}", "{f}{l}{d}", "{i}{l}", "{f}_{d}", "{l}-{f}"))
        local = shape.format(f=first_part, l=last_part, i=first_part[0], d=self.rng.randrange(1, 1000))
        try:
            domain = str(self.faker(origin).free_email_domain())
        except AttributeError:
            domain = self.rng.choice(("gmail.com", "outlook.com", "proton.me", "yahoo.co.uk"))
        return f"{local}@{domain}"

    def dob(self, country: str, iso: bool = False) -> str:
        born = common.birth_date(self.faker("en_US"), 18, 90)
        if iso:
            return born.isoformat()
        fmt = self.rng.choice(DOB_FORMATS[country])
        return born.strftime(fmt).replace(" 0", " ")

    def postcode(self, country: str) -> str:
        rng = self.rng
        if country in FAKER_ADDRESS:
            return str(self.faker(FAKER_ADDRESS[country]).postcode()).strip()
        digits = lambda n: str(rng.randrange(1, 10)) + "".join(str(rng.randrange(10)) for _ in range(n - 1))  # noqa: E731
        return {
            "EE": lambda: digits(5),
            "LV": lambda: "LV-" + digits(4),
            "LT": lambda: "LT-" + digits(5),
            "BG": lambda: digits(4),
            "JP": lambda: f"{digits(3)}-{digits(4)}",
            "VN": lambda: digits(6),
            "ZA": lambda: digits(4),
            "NG": lambda: digits(6),
        }[country]()

    def address(self, country: str) -> tuple[str, str, str]:
        """(whole address, street, postcode) in the country's order, with a real town."""
        rng = self.rng
        town = rng.choice(self.towns[country])
        postcode = self.postcode(country)
        number = str(rng.randrange(1, 180))
        if country in ("US", "GB", "DE", "FR", "ID"):
            street = re.sub(r"\s+", " ", str(self.faker(FAKER_ADDRESS[country]).street_address())).strip()
            if country == "ID" and rng.random() < 0.5:
                street = street.replace("Jalan ", "Jl. ").replace("Gang ", "Gg. ")
        elif country == "CH":
            street = f"{self.faker('fr_CH').street_name()} {number}"
        elif country in ("JP",):  # chome-ban-go, then the district: no street at all
            block = f"{rng.randrange(1, 8)}-{rng.randrange(1, 30)}-{rng.randrange(1, 20)}"
            street = f"{block} {rng.choice(STREETS['JP'])}"
        elif country in ("VN", "ZA", "NG"):  # the number first
            street = f"{number} {rng.choice(STREETS[country])}"
        else:  # EE, LV, LT, BG: the number last
            street = f"{rng.choice(STREETS[country])} {number}"
        if country == "US":
            whole = f"{street}, {town}, {self.faker('en_US').state_abbr()} {postcode}"
        elif country in ("GB", "ID", "ZA", "NG", "JP", "VN", "LV"):  # town, then postcode
            whole = f"{street}, {town} {postcode}" if country != "LV" else f"{street}, {town}, {postcode}"
        else:  # DE, FR, CH, EE, LT, BG: postcode before the town
            whole = f"{street}, {postcode} {town}"
        return whole, street, postcode

    def iban(self, country: str) -> str:
        if country in IBAN_LOCALE:
            return self.valid_iban(IBAN_LOCALE[country], country)
        alphabet = {
            "a": string.ascii_uppercase,
            "n": string.digits,
            "c": string.ascii_uppercase + string.digits,
        }
        for _ in range(50):
            bban = "".join(self.rng.choice(alphabet[c]) for c in BBAN[country])
            value = country + std_iban.calc_check_digits(country + "00" + bban) + bban
            if std_iban.is_valid(value):
                return value
        raise RuntimeError(f"no IBAN for {country}")

    def card(self) -> str:
        number = self.card_number(("visa16", "mastercard", "amex", "discover", "jcb16", "maestro"))
        style = self.rng.choice(("compact", "spaced", "dashed", "spaced"))
        if style == "compact":
            return number
        cut = [4, 10] if len(number) == 15 else list(range(4, len(number), 4))
        groups = [number[a:b] for a, b in zip([0] + cut, cut + [len(number)], strict=True)]
        return (" " if style == "spaced" else "-").join(groups)

    def national(self, country: str) -> str:
        """A valid national id of `country`, with its separators or without."""
        rng = self.rng
        born = common.birth_date(self.faker("en_US"), 18, 80)
        yymmdd = born.strftime("%y%m%d")
        digits = lambda n: "".join(str(rng.randrange(10)) for _ in range(n))  # noqa: E731
        for _ in range(200):
            if country == "BG":
                month = born.month + (40 if born.year >= 2000 else 0)
                body = f"{born:%y}{month:02d}{born:%d}" + digits(3)
                value = body + egn.calc_check_digit(body)
            elif country in ("EE", "LT"):
                body = ("3" if born.year < 2000 else "5") + yymmdd + digits(3)
                body = str(int(body[0]) + rng.randrange(2)) + body[1:]
                value = body + ik.calc_check_digit(body)
            elif country == "ZA":
                body = yymmdd + digits(4) + "08"
                value = body + luhn.calc_check_digit(body)
                if rng.random() < 0.5:
                    value = f"{value[:6]} {value[6:10]} {value[10:]}"
            elif country == "UA":
                body = digits(9)
                value = body + rntrc.calc_check_digit(body)
            elif country == "JP":
                body = str(rng.randrange(1, 10)) + digits(10)
                value = body + my_number.calc_check_digit(body)
                if rng.random() < 0.5:
                    value = f"{value[:4]} {value[4:8]} {value[8:]}"
            elif country == "ID":
                day = born.day + (40 if rng.random() < 0.5 else 0)
                value = (
                    rng.choice(("31", "32", "33", "35", "51", "73"))
                    + digits(4)
                    + f"{day:02d}{born:%m%y}"
                    + digits(4)
                )
            elif country == "MY":
                value = yymmdd + rng.choice(("01", "05", "07", "10", "14")) + digits(4)
                if rng.random() < 0.6:
                    value = f"{value[:6]}-{value[6:8]}-{value[8:]}"
            else:  # IL
                body = str(rng.randrange(1, 4)) + digits(7)
                value = body + luhn.calc_check_digit(body)
            module = {
                "BG": egn,
                "EE": ik,
                "LT": asmens,
                "ZA": za_idnr,
                "UA": rntrc,
                "JP": my_number,
                "ID": nik,
                "MY": nric,
                "IL": il_idnr,
            }[country]
            if module.is_valid(value):
                return value
        raise RuntimeError(f"no national id for {country}")

    def code(self, kind: str) -> str:
        length = self.rng.choice({"pin": (4, 4, 6), "passcode": (6, 8), "otp": (6, 6)}[kind])
        while True:
            value = str(self.rng.randrange(1, 10)) + "".join(
                str(self.rng.randrange(10)) for _ in range(length - 1)
            )
            if not re.fullmatch(r"(19|20)\d\d", value):
                break
        if kind == "otp" and self.rng.random() < 0.4:  # "883 201", as read off a phone
            return f"{value[:3]} {value[3:]}"
        return value

    def lookalike(self, kind: str) -> str:
        rng = self.rng
        digits = lambda n: "".join(str(rng.randrange(10)) for _ in range(n))  # noqa: E731
        if kind == "ean":
            body = str(rng.randrange(1, 10)) + digits(11)
            return body + ean.calc_check_digit(body)
        if kind == "isbn":
            body = "978" + digits(9)
            value = body + ean.calc_check_digit(body)
            return isbn.format(value) if rng.random() < 0.5 else value
        if kind == "tracking":
            if rng.random() < 0.5:
                return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(16))
            body = digits(15)
            return body + luhn.calc_check_digit(body)  # 16 digits that pass Luhn, like a card
        if kind == "creditor_ref":
            body = digits(rng.randrange(9, 17))
            value = "RF" + mod_97_10.calc_check_digits(body + "RF") + body
            return iso11649.format(value) if rng.random() < 0.5 else value
        if kind == "receipt":
            return digits(1 + rng.randrange(9)).lstrip("0") + "0" + digits(10 - 1)  # 10-13 digits
        if kind == "serial":
            return f"{rng.choice(('SN', 'S/N '))}{digits(10)}" if rng.random() < 0.4 else "0" + digits(9)
        if kind == "gate":
            return f"Gate {rng.choice('ABCDE')}{rng.randrange(1, 60)}, Terminal {rng.randrange(1, 6)}"
        if kind == "booking_ref":
            return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
        if kind == "travel_date":
            day = dt.date(2024, 5, 1) + dt.timedelta(days=rng.randrange(500))
            return day.strftime(rng.choice(("%d/%m/%Y", "%B %d, %Y", "%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y")))
        if kind == "amount":
            value = f"{rng.randrange(10, 3000):,}.{rng.randrange(100):02d}"
            return rng.choice(("$", "€", "£", "CHF ")) + value
        if kind == "promo":
            first, second = rng.sample(PROMO_WORDS, 2)
            return f"{first}_{second}_{rng.randrange(2024, 2027)}"
        if kind == "website":
            return rng.choice(SITES)
        return rng.choice(("Gold", "Silver", "Platinum", "Diamond", "Emerald"))


# ---------------------------------------------------------------------------- carrier text


def _names_of(user: dict[str, Any], reservations: list[dict[str, Any]], task: dict[str, Any]
              ) -> list[tuple[str, str, str]]:
    """(first, last, dob) of the customer first, then of their saved, booked and (in the task's
    own actions) newly named passengers, each once."""
    people = [(user["name"]["first_name"], user["name"]["last_name"], user["dob"])]
    people += [(p["first_name"], p["last_name"], p["dob"]) for p in user.get("saved_passengers") or []]
    people += [(p["first_name"], p["last_name"], p["dob"]) for r in reservations for p in r["passengers"]]
    people += [(p["first_name"], p["last_name"], p["dob"]) for a in task.get("actions", [])
               for p in a["kwargs"].get("passengers", []) if {"first_name", "last_name", "dob"} <= set(p)]
    return list(dict.fromkeys(people))


def tau_turns(data: Path, towns: set[str]) -> list[dict[str, Any]]:
    """Customer turns of the airline trajectories, with the database's personal values in them;
    a turn keeping a capitalised word that is no English word of the dialogs, month, day or town
    (a name the database does not hold) is left out."""
    root = data / "tau_bench"
    users = json.loads((root / "airline_db" / "users.json").read_text())
    reservations = json.loads((root / "airline_db" / "reservations.json").read_text())
    by_user: dict[str, list[dict[str, Any]]] = {}
    for r in reservations.values():
        by_user.setdefault(r["user_id"], []).append(r)
    all_name_words = {w for u in users.values() for w in (u["name"]["first_name"], u["name"]["last_name"])}
    all_name_words |= {
        w for r in reservations.values() for p in r["passengers"] for w in (p["first_name"], p["last_name"])
    }
    seen = {json.loads(x)["text"] for x in EXTERNAL.read_text().splitlines() if x.strip()}
    texts = [
        m.get("content") or ""
        for part in sorted((root / "trajectories").glob("*.jsonl"))
        for raw in part.read_text().splitlines()
        for m in json.loads(raw)["traj"][1:]
    ]
    # English words of the dialogs (not the pieces of user ids: "mia_li_3668" holds no word)
    english = {w for x in texts for w in re.findall(r"(?<![\w])[a-z]+(?![\w])", x)}
    town_words = {w for town in towns for w in town.split()}
    months = set(MONTHS.split("|")) | {
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    }
    out: list[dict[str, Any]] = []
    for part in sorted((root / "trajectories").glob("*.jsonl")):
        for raw in part.read_text().splitlines():
            traj = json.loads(raw)
            if traj["task_id"] < 8:
                continue
            uid = traj["info"]["task"]["user_id"]
            user = users.get(uid)
            if user is None:
                continue
            mine = by_user.get(uid, [])
            people = _names_of(user, mine, traj["info"]["task"])
            lasts = {str(p.get("last_four")) for p in user["payment_methods"].values() if p.get("last_four")}
            flight_dates = {f["date"] for r in mine for f in r["flights"]}
            for t, msg in enumerate(traj["traj"]):
                text = msg.get("content")
                if msg["role"] != "user" or not text or text in seen:
                    continue
                seen.add(text)
                text = re.sub(r"\s+", " ", text.replace("###STOP###", "")).strip()
                if len(text) < 12:
                    continue
                found: list[tuple[str, str, int]] = []  # (old value, field, person index)
                rest = text
                if re.search(rf"(?<!\w){re.escape(uid)}(?!\w)", rest):
                    found.append((uid, "user_id", 0))
                    rest = rest.replace(uid, " ")
                if user["email"] in rest:
                    found.append((user["email"], "email", 0))
                    rest = rest.replace(user["email"], " ")
                for k, (first, last, dob) in enumerate(people):
                    born = dt.date.fromisoformat(dob)
                    for written in (dob, f"{born:%B} {born.day}, {born.year}", f"{born:%m/%d/%Y}"):
                        if written in rest:
                            found.append((written, "dob", k))
                            rest = rest.replace(written, " ")
                    if f"{first} {last}" in rest:
                        found.append((f"{first} {last}", "full", k))
                        rest = rest.replace(f"{first} {last}", " ")
                    for word, field in ((first, "first"), (last, "last")):
                        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", rest) and len(word) > 2:
                            found.append((word, field, k))
                            rest = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", " ", rest)
                years = [y for y in re.findall(r"\b(?:19|20)\d\d-\d\d-\d\d\b", rest) if y not in flight_dates]
                if (
                    years
                    or re.search(r"\b(?:19|20)\d\d\b", re.sub(r"\b20\d\d-\d\d-\d\d\b", "", rest))
                    or any(re.search(rf"(?<!\d){x}(?!\d)", rest) for x in lasts)
                    or {w for w in re.findall(r"[A-Z][a-z]+", rest)} & all_name_words
                    or "@" in rest
                    or re.search(r"[a-z]+_[a-z]+_\d{4}", rest)
                    or any(
                        w.lower() not in english and w not in months and w not in town_words
                        for w in re.findall(r"(?<![.!?:] )(?<!^)(?<=\s)[A-Z][a-z]+", rest)
                    )
                    or re.search(r"(?<![\d_])\d{5}(?!\d)", rest)
                    or re.search(
                        r"\b(?:name is|named|I'm|I am|this is|passenger) [A-Z][a-z]+ [A-Z][a-z]+", rest
                    )
                ):
                    continue  # something personal would stay unlabelled
                out.append(
                    {
                        "source": "tau-traj",
                        "ref": f"task {traj['task_id']} trial {traj.get('trial', 0)} message {t}",
                        "text": text,
                        "found": found,
                        "n_people": len(people),
                        "flight_dates": sorted(flight_dates),
                        "menu": [],
                    }
                )
    return out


def _menu_names(value: Any, into: set[str]) -> None:
    """Menu item names in an API response (any depth)."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if key in ("name", "menu_item_name") and isinstance(sub, str):
                into.add(sub)
            else:
                _menu_names(sub, into)
    elif isinstance(value, list):
        for sub in value:
            _menu_names(sub, into)


def coffee_turns(data: Path) -> list[dict[str, Any]]:
    """Taskmaster-4 customer turns no probe used, with the menu items the dialog's API returned."""
    root = data / "taskmaster" / "tm4_coffee"
    out: list[dict[str, Any]] = []
    seen: set[str] = set()

    def keep(source: str, ref: str, text: str, menu: set[str]) -> None:
        text = re.sub(r"\s+", " ", text).strip()
        if len(text) < 12 or text.lower() in seen or re.search(r"\b(?:name|under|call me)\b", text, re.I):
            return  # a name cue: the name would be unlabelled
        menu_words = {w.lower() for m in menu for w in m.split()}
        # a first name the customer gives ("The order is for Fred.") is replaced by a planted one;
        # one typed in lower case ("for jim") is not labelled reliably: the turn is left out
        names = sorted({m.group(1) for m in re.finditer(r"(?<=[\w,] )([A-Z][a-z]+)\b", text)
                        if m.group(1) in FIRST_NAMES and m.group(1).lower() not in menu_words})
        typed = re.findall(r"\b(?:for|to) ([a-z]+)", text)
        if any(w.title() in FIRST_NAMES and w not in menu_words for w in typed):
            return
        seen.add(text.lower())
        out.append(
            {
                "source": source,
                "ref": ref,
                "text": text,
                "found": [(w, "first", k) for k, w in enumerate(names)],
                "n_people": 0,
                "flight_dates": [],
                "menu": sorted(m for m in menu if m != "Name"),
            }
        )

    for part in ("reward.part01.jsonl", "reward.part02.jsonl"):
        for i, raw in enumerate((root / part).read_text().splitlines()):
            example = json.loads(raw)
            context = json.loads(example["context"])
            menu: set[str] = set()
            for turn in context:
                _menu_names(turn.get("response"), menu)
            last_user = [
                (n, x["text"]) for n, x in enumerate(context) if x.get("role") == "user" and x.get("text")
            ]
            if last_user:  # the newest customer turn of the example (the others repeat in its siblings)
                n, text = last_user[-1]
                keep("tm4-reward", f"{part.split('.')[0]}.{part.split('.')[1]} {i} turn {n}", text, menu)
    for i, raw in enumerate((root / "dialogs.part01.jsonl").read_text().splitlines()):
        if i < 60:
            continue
        dialog = json.loads(raw)
        menu = set()
        for utt in dialog["utterances"]:
            for a in utt.get("annotations", []):
                if a["name"] == "response":
                    try:
                        _menu_names(json.loads(a["value"]), menu)
                    except json.JSONDecodeError:
                        pass
        for utt in dialog["utterances"]:
            if utt["speaker"] == "user":
                keep("tm4-dialogs", f"{dialog['conversation_id']} turn {utt['index']}", utt["text"], menu)
    return out


# ---------------------------------------------------------------------------- look-alikes


class Known:
    """What the look-alike labeller knows of the carrier data: reservation ids, airports, towns."""

    def __init__(self, data: Path, towns: set[str]) -> None:
        root = data / "tau_bench" / "airline_db"
        self.reservations = set(json.loads((root / "reservations.json").read_text()))
        flights = json.loads((root / "flights.json").read_text())
        self.airports = {f["origin"] for f in flights.values()} | {f["destination"] for f in flights.values()}
        self.towns = towns


def lookalikes(
    text: str, carrier: dict[str, Any], known: Known, openers_ok: set[str], planted_address: bool
) -> list[dict[str, str]]:
    found = common.Found()
    add = found.add
    for m in re.finditer(r"(?<!\w)[A-Z0-9]{6}(?!\w)", text):
        if m.group(0) in known.reservations:
            add(m.group(0), "reservation_id", "pin")
    for m in re.finditer(r"\bHAT\d{3}\b", text):
        add(m.group(0), "flight_number", "pin")
    for m in re.finditer(r"\b[A-Z]{3}\b", text):
        if m.group(0) in known.airports:
            add(m.group(0), "airport", "name")
    for m in re.finditer(r"\b(?:credit_card|gift_card|certificate)_\d{7}\b", text):
        add(m.group(0), "payment_id", "user_id")
    for m in re.finditer(r"\b2024-\d\d-\d\d\b", text):
        add(m.group(0), "flight_date", "dob")
    for m in re.finditer(rf"\b(?:{MONTHS}) \d{{1,2}}(?:st|nd|rd|th)?\b(?!,? \d)", text):
        add(m.group(0), "date", "dob")
    for m in re.finditer(r"\$\d+(?:,\d{3})*(?:\.\d\d)?", text):
        add(m.group(0), "price", "postcode")
    for m in re.finditer(r"\b\d{1,2}(?::\d\d)? ?(?:am|pm|AM|PM)\b", text):
        add(m.group(0), "time", "dob")
    for m in re.finditer(r"\b\d{1,2} ?(?:oz|ounces?)\b", text):
        add(m.group(0), "size", "postcode")
    if not planted_address:  # a town of a planted address is neither personal nor a look-alike
        found.places(text, r"\b([A-Z][a-z]+(?: [A-Z][a-z]+)?)\b", known.towns)
    for item in carrier["menu"]:
        for written in (item, item.lower()):
            if len(written) > 3 and re.search(rf"(?<!\w){re.escape(written)}(?!\w)", text):
                add(written, "menu_item", "name")
    found.words(text, PHRASAL, "phrasal_verb")
    found.openers(text, r"(?:^|[.!?;] )([A-Z][a-z]{2,})(?=[\s,!])", openers_ok)
    return found


# ---------------------------------------------------------------------------- build


def plan() -> tuple[list[str], list[str]]:
    """Planted-clause jobs and look-alike-clause jobs, in a fixed order."""
    jobs = (
        ["name"] * 24
        + ["possessive"] * 24
        + ["first_possessive"] * 8
        + ["email"] * 46
        + ["phone"] * 48
        + ["address"] * 48
        + ["dob"] * 44
        + ["iban"] * 22
        + ["iban_pair"] * 5
        + ["card"] * 30
        + ["national"] * 32
        + ["pin"] * 12
        + ["passcode"] * 9
        + ["otp"] * 12
    )
    looks = (
        ["ean"] * 14
        + ["isbn"] * 12
        + ["tracking"] * 22
        + ["creditor_ref"] * 26
        + ["receipt"] * 26
        + ["serial"] * 26
        + ["gate"] * 26
        + ["booking_ref"] * 20
        + ["loyalty_tier"] * 14
        + ["travel_date"] * 26
        + ["amount"] * 26
        + ["promo"] * 26
        + ["website"] * 12
    )
    return jobs, looks


def plant(maker: Maker, job: str, locale: str) -> tuple[str, list[dict[str, str]]]:
    rng = maker.rng
    if job in ("name", "possessive"):
        return common.name_clause(rng, job, maker.name(locale), NAME_FRAMES, POSSESSIVE_FRAMES)
    if job == "first_possessive":  # a first name alone, possessive
        first, _, origin = maker.name(locale)
        return rng.choice(FIRST_POSSESSIVE_FRAMES).format(f=first), [
            common.span(first, "name_possessive", origin)
        ]
    if job == "email":
        first, last, origin = maker.name(locale)
        return common.clause(rng, EMAIL_FRAMES, maker.email(first, last, origin), "email", origin)
    if job == "phone":
        where = maker.turn(job, PHONE_LOCALES)
        frames = PHONE_CUE if rng.random() < 0.55 else PHONE_BARE
        return common.clause(rng, frames, maker.phone(where), "phone", where)
    if job == "address":
        where = maker.turn(job, ADDRESS_COUNTRIES)
        whole, street, postcode = maker.address(where)
        return rng.choice(ADDRESS_FRAMES).format(v=whole), [
            common.span(street, "street", where),
            common.span(postcode, "postcode", where),
        ]
    if job == "dob":
        where = maker.turn(job, sorted(DOB_FORMATS))
        return common.clause(rng, DOB_FRAMES, maker.dob(where), "dob", where)
    if job == "iban":
        where = maker.turn(job, IBAN_COUNTRIES)
        return common.iban_clause(rng, IBAN_FRAMES, maker.iban(where), where)
    if job == "iban_pair":  # a compact IBAN in a list next to a spaced one
        a_where, b_where = rng.sample(IBAN_COUNTRIES, 2)
        a, b = maker.iban(a_where), std_iban.format(maker.iban(b_where))
        if rng.random() < 0.5:
            (a, a_where), (b, b_where) = (b, b_where), (a, a_where)
        return common.pair_clause(IBAN_PAIR, (a, a_where), (b, b_where))
    if job == "card":
        return common.clause(rng, CARD_FRAMES, maker.card(), "card", "en_US")
    if job == "national":
        where = maker.turn(job, sorted(ID_CUES))
        value = maker.national(where)
        if rng.random() < 0.7:
            text = rng.choice(NATIONAL_CUE).format(cue=ID_CUES[where], v=value)
        else:
            text = rng.choice(NATIONAL_BARE).format(v=value)
        return text, [common.span(value, "national_id", where)]
    return common.clause(rng, CODE_FRAMES[job], maker.code(job), job, locale)


def _replace_word(text: str, old: str, new: str) -> str | None:
    """`old` replaced by `new` where it stands as a word (case kept: "May" is not "may"), once."""
    pattern = re.compile(rf"(?<!\w){re.escape(old)}(?!\w)")
    if len(pattern.findall(text)) != 1:
        return None
    return pattern.sub(lambda _: new, text)


def _refill(maker: Maker, carrier: dict[str, Any], locale: str) -> tuple[str, list[dict[str, str]]] | None:
    """The carrier's own personal values replaced by planted ones (None: a value is not once)."""
    text: str | None = carrier["text"]
    spans: list[dict[str, str]] = []
    people: dict[int, tuple[str, str, str]] = {}
    for old, field, k in carrier["found"]:
        if k not in people:
            people[k] = maker.name(locale)
        first, last, origin = people[k]
        if field == "user_id":
            new, spans_new = (
                common.user_id(first, last, old),
                [common.span(common.user_id(first, last, old), "user_id", origin)],
            )
        elif field == "email":
            new = maker.email(first, last, origin)
            spans_new = [common.span(new, "email", origin)]
        elif field == "dob":
            born = dt.date.fromisoformat(maker.dob("US", iso=True))
            new = (
                born.isoformat()
                if re.fullmatch(r"\d{4}-\d\d-\d\d", old)
                else (born.strftime("%m/%d/%Y") if "/" in old else f"{born:%B} {born.day}, {born.year}")
            )
            spans_new = [common.span(new, "dob", "US")]
        elif field == "full":
            new = f"{first} {last}"
            spans_new = [common.span(first, "name", origin), common.span(last, "name", origin)]
        else:
            new = first if field == "first" else last
            spans_new = [common.span(new, "name", origin)]
        text = _replace_word(text, old, new) if text is not None else None
        if field in ("full", "first", "last") and text is not None and re.search(
                rf"(?<!\w){re.escape(new)}['’]s\b", text):  # the customer's own "Denis Luthuli's details"
            spans_new = [{**x, "kind": "name_possessive"} for x in spans_new]
        spans += spans_new
    return (text, spans) if text is not None else None


def build(data: Path) -> list[dict[str, Any]]:
    tau = tau_turns(data, set(common.read_towns()["US"]))
    coffee = coffee_turns(data)
    vocabulary = {w for c in tau + coffee for w in re.findall(r"[a-z]+", c["text"].lower())}
    maker = Maker(vocabulary)
    known = Known(data, set(maker.towns["US"]))
    frames = (
        NAME_FRAMES
        + POSSESSIVE_FRAMES
        + FIRST_POSSESSIVE_FRAMES
        + EMAIL_FRAMES
        + PHONE_CUE
        + PHONE_BARE
        + ADDRESS_FRAMES
        + DOB_FRAMES
        + IBAN_FRAMES
        + CARD_FRAMES
        + NATIONAL_CUE
        + NATIONAL_BARE
        + [f for fs in CODE_FRAMES.values() for f in fs]
        + [IBAN_PAIR]
        + [f for _, f in LOOKALIKE_FRAMES.values()]
    )
    frame_words = {w for f in frames for w in re.findall(r"[a-z]+", re.sub(r"\{\w+\}", " ", f).lower())}
    openers_ok = {w for w in vocabulary | frame_words if len(w) >= 3} - {"you", "your", "the"}
    rng = random.Random(SEED + 1)
    valued = [c for c in tau if c["found"]]
    plain = [c for c in tau if not c["found"]]
    chosen = valued + rng.sample(plain, min(200, len(plain))) + rng.sample(coffee, min(200, len(coffee)))
    order = list(range(len(chosen)))
    rng.shuffle(order)
    jobs, looks = plan()
    rng.shuffle(jobs)
    rng.shuffle(looks)
    out: list[dict[str, Any]] = []
    for n, idx in enumerate(order):
        carrier = chosen[idx]
        locale = LINE_LOCALES[n % len(LINE_LOCALES)]
        refilled = _refill(maker, carrier, locale)
        if refilled is None:
            continue
        text, spans = refilled
        remaining = len(order) - n
        count = 2 if len(jobs) > remaining else (1 if jobs and (not spans or rng.random() < 0.7) else 0)
        taken = [jobs.pop() for _ in range(min(count, len(jobs)))]
        added: list[str] = []
        for job in taken:
            clause, planted = plant(maker, job, locale)
            added.append(clause)
            spans += planted
        look_taken: list[str] = []
        harmless: list[dict[str, str]] = []
        look_clause = ""
        if looks and (len(looks) >= remaining or rng.random() < 0.6):
            look_taken.append(looks.pop())
            made = maker.lookalike(look_taken[0])
            resembles, frame = LOOKALIKE_FRAMES[look_taken[0]]
            look_clause = frame.format(v=made)
            harmless.append({"value": made, "kind": look_taken[0], "resembles": resembles})
        pieces = [text] + added + ([look_clause] if look_clause else [])
        text = " ".join(
            p if p.endswith((".", "?", "!")) or k == len(pieces) - 1 else p.rstrip(" ;,") + "."
            for k, p in enumerate(pieces)
            if p
        )
        if not common.planted_once(spans, text) or (harmless and text.count(harmless[0]["value"]) != 1):
            jobs += taken[::-1]  # the line is left out; its jobs go to the next lines
            looks += look_taken
            continue
        address = any(s["kind"] == "street" for s in spans)
        harmless = [
            h
            for h in lookalikes(text, carrier, known, openers_ok, address)
            if all(h["value"] != x["value"] for x in harmless)
        ] + harmless
        harmless = common.clear_of(harmless, spans, text)
        if not spans and not harmless:
            continue
        out.append(common.held_out_line(f"p6-{len(out) + 1}", locale, carrier, text, spans, harmless))
    if jobs or looks:
        raise RuntimeError(f"not every clause was placed: {len(jobs)} planted, {len(looks)} look-alike")
    return out


def main() -> None:
    args = common.parse_args(__doc__, OUT)
    if not (args.data / "tau_bench").is_dir() or not (args.data / "taskmaster").is_dir():
        raise SystemExit(f"error: {args.data}: no tau_bench or taskmaster folder (the shared public data)")
    lines = build(args.data)
    common.write_jsonl(args.out, lines)
    counts, looks = common.count(lines), common.count(lines, "harmless", "resembles")
    print(
        f"{len(lines)} lines, {sum(looks.values())} look-alikes ("
        + ", ".join(f"{k} {v}" for k, v in sorted(looks.items()))
        + "); planted: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )


if __name__ == "__main__":
    main()
