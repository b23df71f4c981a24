"""The planted values of the eighth personal-data probe (benchmarks/pii_probe_eighth_build.py):
its locales and countries and the identities and numbers drawn for them, each checked against
its own system (phonenumbers, python-stdnum, Luhn), and the business numbers of its look-alike
clauses. E-mail, card, code and the EAN/ISBN/creditor-reference/amount/date look-alike draws are
the sixth probe's (pii_probe_sixth_values.Maker, through the seventh's); names (Cyrillic locales
romanised), phones, addresses, dates of birth, IBANs, national ids, user ids and the other
look-alikes are this probe's own.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Any

import pii_probe_common as common
import pii_probe_seventh_build_values as seventh
from stdnum import luhn
from stdnum.au import tfn
from stdnum.cr import cpf as cr_cpf
from stdnum.cu import ni as cu_ni
from stdnum.do import cedula
from stdnum.ie import pps
from stdnum.lv import pvn
from stdnum.mx import rfc
from stdnum.pk import cnic
from stdnum.si import emso

SEED = 20261208

# name locales no earlier probe drew names from; the Cyrillic ones are romanised
NEW_NAME_LOCALES = ["ru_RU", "uk_UA", "bg_BG", "mk_MK", "de", "es"]
NAME_LOCALES, LINE_LOCALES = common.probe_locales(NEW_NAME_LOCALES)
CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяєіїґђјљњћџѓќѕ",
                    ["a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
                     "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya",
                     "ye", "i", "yi", "g", "dj", "j", "lj", "nj", "c", "dz", "gj", "kj", "dz"], strict=True))
# phone regions and the Faker locale their numbers come from (a region's own mobile shape otherwise)
PHONE_REGIONS = {"AU": "en_AU", "NZ": "en_NZ", "IE": "en_IE", "SG": "en_US", "SI": "sl_SI", "LV": "lv_LV",
                 "MX": "es_MX", "DO": "es_ES", "CR": "es_ES", "UY": "es_AR", "RU": "ru_RU", "UA": "uk_UA",
                 "BG": "bg_BG", "MK": "mk_MK", "AT": "de_AT", "BE": "nl_BE", "US": "en_US", "GB": "en_GB",
                 "DE": "de_DE", "FR": "fr_FR"}
FAKER_ADDRESS = {"US": "en_US", "GB": "en_GB", "AU": "en_AU", "NZ": "en_NZ", "AT": "de_AT", "BE": "nl_BE",
                 "MX": "es_MX"}
ADDRESS_COUNTRIES = ["US", "GB", "AU", "NZ", "AT", "BE", "MX", "IE", "SG", "SI", "UY"]
STREETS = {
    # number first; some with no street-type word ("14 Ard na Gréine")
    "IE": ["Main Street", "Shop Street", "Oliver Plunkett Street", "Church Road", "Ard na Gréine",
           "Bóthar na Trá", "Cois Abhann", "The Crescent"],
    "SG": ["Ang Mo Kio Avenue 3", "Jalan Besar", "Tampines Street 21", "Orchard Road", "Lorong Chuan",
           "Bukit Timah Road"],
    # number last; most with no street-type word
    "SI": ["Prešernova", "Trubarjeva", "Celovška", "Dunajska", "Slovenska cesta", "Gosposvetska",
           "Kidričeva"],
    "UY": ["Sarandí", "Av. 18 de Julio", "Bulevar Artigas", "Rincón", "Colonia", "Ejido", "Río Negro"],
}
EIRCODE_KEYS = ["D02", "D08", "T12", "H91", "V94", "A65", "F92", "X91", "R95"]
EIRCODE_CHARS = "ACDEFHKNPRTVWXY0123456789"
DOB_FORMATS = {"US": ["%B %d, %Y", "%m-%d-%Y"], "GB": ["%d %B %Y", "%d/%m/%Y"], "DE": ["%d.%m.%Y"],
               "FR": ["%d/%m/%Y"], "AU": ["%d/%m/%Y", "%d %b %Y"], "NZ": ["%d/%m/%Y"],
               "IE": ["%d/%m/%Y", "%d %b %Y"], "SG": ["%d %b %Y"], "SI": ["%d. %m. %Y"], "LV": ["%d.%m.%Y."],
               "MX": ["%d/%m/%Y"], "DO": ["%d-%m-%Y"], "CR": ["%d/%m/%Y"], "UY": ["%d/%m/%Y"],
               "RU": ["%d.%m.%Y"], "UA": ["%d.%m.%Y"], "BG": ["%d.%m.%Y"], "MK": ["%d.%m.%Y"],
               "AT": ["%d.%m.%Y"], "BE": ["%d/%m/%Y"], "CU": ["%Y-%m-%d"], "PK": ["%d-%b-%Y"]}
IBAN_COUNTRIES = ["IE", "AT", "BE", "SI", "MK", "DO", "CR", "NL", "DE", "FR", "GB"]
IBAN_LOCALE = {"AT": "de_AT", "BE": "nl_BE", "NL": "nl_NL", "DE": "de_DE", "FR": "fr_FR", "GB": "en_GB"}
BBAN = {"IE": "aaaa" + "n" * 14, "SI": "n" * 15, "MK": "nnn" + "c" * 10 + "nn", "DO": "cccc" + "n" * 20,
        "CR": "z" + "n" * 17}
BBAN_CHARS = common.BBAN_CHARS | {"z": "0"}
ID_MODULES: dict[str, Any] = {"IE": pps, "AU": tfn, "PK": cnic, "DO": cedula, "SI": emso, "LV": pvn,
                              "MX": rfc, "CR": cr_cpf, "CU": cu_ni}
VOUCHER_WORDS = ["brew", "bean", "cup", "welcome", "loyal", "barista", "mug", "roast", "treat", "gift"]
BRAND_POSSESSIVES = ["Peet's", "Trader Joe's", "McDonald's", "Macy's", "Kohl's", "Lowe's", "Sainsbury's",
                     "Wendy's", "Denny's", "Dunkin's", "Arby's", "Hardee's"]
SITES = ["order.beanhouse.example", "www.mugs-and-more.net/faq", "coffee.example.org/menu",
         "help.shop.example"]


def romanise(word: str) -> str:
    """A Cyrillic name word in Latin letters (other scripts unchanged)."""
    out = "".join(CYRILLIC.get(ch.lower(), ch.lower()) if ch.lower() in CYRILLIC else ch for ch in word)
    return out[:1].upper() + out[1:] if word[:1].isupper() else out


class Maker(seventh.Maker):
    """Planted values of this probe."""

    SEED = SEED
    IBANS = (IBAN_LOCALE, BBAN, BBAN_CHARS)
    USER_NUMBERS = (("7", 9), ("CX-", 6))  # a 10-digit account number, a "CX-" member number

    def _name_word(self, origin: str, method: str) -> str:
        draw = lambda: romanise(str(getattr(self.faker(origin), method)()))  # noqa: E731
        return self.fresh_word(draw, f"{method} for {origin}", self.used_names)

    def name(self, locale: str) -> tuple[str, str, str]:
        """(first, last, origin): the line's locale most of the time, every word new to the probe."""
        return self.new_name(locale, NAME_LOCALES, self._name_word, self.used_names)

    def phone(self, region: str) -> str:
        """A number valid for `region`, written as people write it."""
        number, national, intl = self.number_forms(PHONE_REGIONS[region], region)
        digits = str(number.national_number)
        style = self.rng.choice(("national", "international", "paren_cc", "double_zero", "bare", "fours",
                                 "dashed_intl"))
        if style == "international":
            text = intl
        elif style == "paren_cc":  # "(+61) 412 345 678"
            text = f"(+{number.country_code}) {intl.split(' ', 1)[1]}"
        elif style == "double_zero":  # "0061412345678"
            text = f"00{number.country_code}{digits}"
        elif style == "bare":  # no separators at all, as typed after a cue
            text = re.sub(r"\D", "", national)
        elif style == "fours":  # the national number in groups of four from the end
            raw = re.sub(r"\D", "", national)
            head = len(raw) % 4 or 4
            text = " ".join([raw[:head]] + [raw[i : i + 4] for i in range(head, len(raw), 4)])
        elif style == "dashed_intl":
            text = f"+{number.country_code}-" + re.sub(r"[ ()]+", "-", intl.split(" ", 1)[1]).strip("-")
        else:
            text = national
        return self.as_written(text, national, region)

    def dob(self, country: str, iso: bool = False) -> str:
        return self.written_dob(DOB_FORMATS, country)  # always written out (iso unused here)

    def address(self, country: str) -> tuple[str, str, str]:
        """(whole address, street, postcode) in the country's order, with a real town."""
        rng = self.rng
        town, number = self.town_number(country, 200)
        if country in FAKER_ADDRESS:
            fake = self.faker(FAKER_ADDRESS[country])
            street = re.sub(r"\s+,", ",", re.sub(r"\s+", " ", str(fake.street_address()))).strip()
            postcode = str(fake.postcode()).strip()
            if country == "US":
                return f"{street}, {town}, {fake.state_abbr()} {postcode}", street, postcode
            if country == "AU":
                return f"{street}, {town} {fake.state_abbr()} {postcode}", street, postcode
            if country in ("GB", "NZ"):
                return f"{street}, {town} {postcode}", street, postcode
            if country == "MX":
                return f"{street}, C.P. {postcode}, {town}", street, postcode
            return f"{street}, {postcode} {town}", street, postcode  # AT, BE
        if country == "IE":
            street = f"{number} {rng.choice(STREETS['IE'])}"
            postcode = rng.choice(EIRCODE_KEYS) + " " + "".join(rng.choice(EIRCODE_CHARS) for _ in range(4))
            return f"{street}, {town}, {postcode}", street, postcode
        if country == "SG":
            street = f"{'Blk ' if rng.random() < 0.5 else ''}{number} {rng.choice(STREETS['SG'])}"
            postcode = f"{rng.randrange(1, 83):02d}{rng.randrange(10000):04d}"
            return f"{street}, Singapore {postcode}", street, postcode
        street = f"{rng.choice(STREETS[country])} {number}"  # SI, UY: the number last
        postcode = str(rng.randrange(1000, 9300)) if country == "SI" else str(rng.randrange(11000, 97000))
        return f"{street}, {postcode} {town}", street, postcode

    def national(self, country: str) -> str:
        """A valid national id of `country` (its check character found by trying each), written
        with the country's separators about half the time."""
        rng = self.rng
        born = common.birth_date(self.faker("en_US"), 18, 80)
        digits = self.digits
        letters: Callable[[int], str] = lambda n: "".join(rng.choice("BCDFGHJLMNPRSTVZ") for _ in range(n))  # noqa: E731
        module = ID_MODULES[country]
        for _ in range(400):
            if country == "IE":
                body, checks, tail = digits(7), "ABCDEFGHIJKLMNOPQRSTUVW", rng.choice(("", "", "A"))
            elif country == "AU":
                body, checks, tail = str(rng.randrange(1, 10)) + digits(7), string.digits, ""
            elif country == "PK":
                body, checks, tail = str(rng.randrange(1, 8)) + digits(11), string.digits, ""
            elif country == "DO":
                body, checks, tail = "0" + str(rng.randrange(1, 10)) + digits(8), string.digits, ""
            elif country == "SI":
                body, checks, tail = f"{born:%d%m}{born.year % 1000:03d}50" + digits(3), string.digits, ""
            elif country == "LV":
                century = "1" if born.year < 2000 else "2"
                body, checks, tail = f"{born:%d%m%y}{century}" + digits(3), string.digits, ""
            elif country == "MX":
                body = letters(1) + rng.choice("AEIOU") + letters(2) + f"{born:%y%m%d}" + \
                    rng.choice(string.ascii_uppercase) + str(rng.randrange(1, 10))
                checks, tail = string.digits + "A", ""
            elif country == "CR":
                body, checks, tail = str(rng.randrange(1, 8)) + "0" + digits(6), string.digits, ""
            else:  # CU: birth date, then a century digit (0-5 for the 1900s, 6-8 for the 2000s)
                century = str(rng.randrange(6, 9) if born.year >= 2000 else rng.randrange(0, 6))
                body, checks, tail = f"{born:%y%m%d}{century}" + digits(3), string.digits, ""
            value = self.first_valid(module, body, checks, tail)
            if value is not None:
                return self._separated(country, value)
        raise RuntimeError(f"no national id for {country}")

    def _separated(self, country: str, value: str) -> str:
        if self.rng.random() < 0.5 or country in ("IE", "MX", "CU"):
            return value
        if country == "AU":
            return f"{value[:3]} {value[3:6]} {value[6:]}"
        if country == "PK":
            return f"{value[:5]}-{value[5:12]}-{value[12:]}"
        if country == "DO":
            return f"{value[:3]}-{value[3:10]}-{value[10:]}"
        if country == "SI":
            return f"{value[:7]} {value[7:]}"
        if country == "LV":
            return f"{value[:6]}-{value[6:]}"
        return f"{value[0]}-{value[1:5]}-{value[5:]}"  # CR: "1-0345-0678"

    def user_id(self, first: str, last: str) -> str:
        """A login made from the name (_login_name) and two digits, or one of USER_NUMBERS."""
        name = self._login_name(first, last)
        return self.login_or_number(lambda: f"{name}{self.rng.randrange(10, 100)}", *self.USER_NUMBERS)

    @staticmethod
    def _login_name(first: str, last: str) -> str:
        """A shop login: "first.last"."""
        return f"{common.ascii_fold(first)}.{common.ascii_fold(last)}".lower()

    def lookalike(self, kind: str) -> str:
        rng = self.rng
        digits = self.digits
        if kind == "voucher":  # shaped like a shop login
            first, second = rng.sample(VOUCHER_WORDS, 2)
            return f"{first}.{second}{rng.randrange(10, 100)}"
        if kind == "loyalty_card":  # 16 digits in fours that fail Luhn
            while True:
                value = "9" + digits(15)
                if not luhn.is_valid(value):
                    return " ".join(value[i : i + 4] for i in range(0, 16, 4))
        if kind == "order_spaced":  # shaped like a national number in groups
            return f"{rng.randrange(100, 999)} {digits(3)} {digits(4)}"
        if kind == "receipt":
            return str(rng.randrange(1, 10)) + digits(rng.randrange(9, 13))
        if kind == "store_number":  # four digits, like a PIN
            return f"#{rng.randrange(1000, 9999)}"
        if kind == "website":
            return rng.choice(SITES)
        if kind == "brand_possessive":  # a shop's name in possessive form, like "X's"
            return rng.choice(BRAND_POSSESSIVES)
        return seventh.Maker.lookalike(self, kind)  # ean, isbn, creditor_ref, amount, travel_date, ...
