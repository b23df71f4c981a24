"""The planted values of the tenth personal-data probe (benchmarks/pii_probe_tenth_build.py): its
locales and countries and the identities and numbers drawn for them, each checked against its own
system (phonenumbers, python-stdnum, Luhn), and the business numbers of its look-alike clauses.
E-mail and card draws are the sixth probe's and the older look-alike draws the eighth's and ninth's
(through pii_probe_ninth_build_values.Maker); names (Korean romanised here, Chinese in Faker's
pinyin, Taiwanese in Faker's Wade-Giles), phones, addresses, dates of birth, IBANs, national ids,
user ids, codes and the new look-alikes are this probe's own.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from typing import Any

import pii_probe_common as common
import pii_probe_ninth_build_values as ninth
from stdnum import luhn
from stdnum.ad import nrt
from stdnum.ca import sin
from stdnum.co import nit as co_nit
from stdnum.de import vat as de_vat
from stdnum.in_ import epic
from stdnum.ke import pin as ke_pin
from stdnum.mu import nid
from stdnum.py import ruc
from stdnum.ve import rif

SEED = 20261210

# name locales no earlier probe drew names from (Korean romanised here)
NEW_NAME_LOCALES = ["ko_KR", "zh_CN", "zh_TW"]
NAME_LOCALES, LINE_LOCALES = common.probe_locales(NEW_NAME_LOCALES)

# Revised Romanization of Hangul syllables (initial, vowel, final), surnames as their bearers write them
_INITIALS = str.split("g kk n d tt r m b pp s ss - j jj ch k t p h")
_VOWELS = str.split("a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i")
_FINALS = str.split("- k k k n n n t l k m l l l p l m p p t t ng t t k t p t")
SURNAMES = {"김": "Kim", "이": "Lee", "박": "Park", "최": "Choi", "정": "Jung", "강": "Kang", "조": "Cho",
            "윤": "Yoon", "장": "Jang", "임": "Lim", "한": "Han", "신": "Shin", "권": "Kwon", "황": "Hwang",
            "안": "Ahn", "송": "Song", "류": "Ryu", "홍": "Hong", "전": "Jeon", "고": "Ko", "문": "Moon",
            "손": "Son", "양": "Yang", "배": "Bae", "백": "Baek", "허": "Heo", "남": "Nam", "심": "Shim",
            "노": "Noh", "하": "Ha", "곽": "Kwak", "성": "Sung", "차": "Cha", "주": "Joo", "우": "Woo"}


def hangul(word: str) -> str:
    """A Korean name word in Latin letters ("성민" -> "Seongmin"); common surnames as usually written."""
    if word in SURNAMES:
        return SURNAMES[word]
    out = []
    for ch in word:
        code = ord(ch) - 0xAC00
        if not 0 <= code < 11172:
            out.append(ch)
            continue
        parts = (_INITIALS[code // 588], _VOWELS[(code % 588) // 28], _FINALS[code % 28])
        out.append("".join(p for p in parts if p != "-"))
    text = "".join(out)
    return text[:1].upper() + text[1:]


# phone regions no earlier probe used and the Faker locale their numbers come from (a region's own
# mobile shape when Faker's numbers are not valid there)
PHONE_REGIONS = {"KR": "ko_KR", "CN": "zh_CN", "MY": "en_US", "AE": "ar_AE", "SA": "ar_SA", "NP": "ne_NP",
                 "LK": "si_LK", "EC": "es", "BO": "es", "PY": "es", "JM": "en_US", "KZ": "ru_RU",
                 "RS": "en_US", "TN": "fr_FR", "SN": "fr_FR", "US": "en_US", "GB": "en_GB", "DE": "de_DE",
                 "FR": "fr_FR"}
# US, GB, DE and FR addresses are Faker's (the ninth's FAKER_ADDRESS), the others drawn here
ADDRESS_COUNTRIES = ["US", "GB", "DE", "FR", "KR", "CN", "TW", "MY", "KZ", "RS", "EC"]
# streets as written there, most with no street-type word of English ("Abay 150", "Teheran-ro 152")
STREETS = {
    "KR": ["Teheran-ro", "Sejong-daero", "Olympic-ro", "Dosan-daero", "Eulji-ro", "Insadong-gil"],
    "CN": ["Nanjing Xilu", "Huaihai Zhonglu", "Wangfujing Dajie", "Jianguomen Wai", "Renmin Nanlu"],
    "TW": ["Zhongxiao East Road Section 4", "Xinyi Road Section 5", "Roosevelt Road Section 3",
           "Minsheng East Road Section 2"],
    "MY": ["Jalan Bukit Bintang", "Jalan Ampang", "Lorong Kurau", "Jalan Tun Razak", "Persiaran Gurney"],
    "KZ": ["Abay", "Dostyk", "Furmanov", "Zheltoksan", "Kabanbay Batyr", "Tole Bi"],
    "RS": ["Knez Mihailova", "Takovska", "Bulevar kralja Aleksandra", "Njegoševa", "Resavska"],
    "EC": ["Av. Amazonas", "Av. 6 de Diciembre", "Juan León Mera", "Reina Victoria", "Av. de los Shyris"],
}
# the number first in these ("88 Nanjing Xilu", "No. 7, Xinyi Road Section 5"), after the name elsewhere
STREET_LAYOUTS = {"CN": "{number} {name}", "TW": "No. {number}, {name}", "MY": "{number} {name}"}
# the countries that put the town before the postcode (common.lay_out: the postcode first otherwise)
TOWN_FIRST = "{street}, {town} {postcode}"
ADDRESS_LAYOUTS = {"US": common.US_ADDRESS, "GB": TOWN_FIRST, "CN": TOWN_FIRST, "TW": TOWN_FIRST}
POSTCODES: dict[str, Callable[[random.Random], str]] = {
    "KR": lambda rng: f"{rng.randrange(1000, 63645):05d}",
    "CN": lambda rng: f"{rng.randrange(10, 86)}{rng.randrange(10000):04d}",
    "TW": lambda rng: f"{rng.randrange(100, 984)}{rng.randrange(100):02d}",
    "MY": lambda rng: f"{rng.randrange(10000, 98860)}",
    "KZ": lambda rng: f"{rng.randrange(10, 19)}0{rng.randrange(100):02d}0",
    "RS": lambda rng: f"{rng.randrange(11000, 38000)}",
    "EC": lambda rng: f"{rng.randrange(1, 25):02d}{rng.randrange(10000):04d}",
}
# "{o}" is an English ordinal day ("3rd"): a new way of saying a date of birth
DOB_FORMATS = {
    "US": ["%B {o}, %Y", "%b. %d, %Y", "%m/%d/%Y"],
    "GB": ["the {o} of %B %Y", "{o} %B %Y", "%d/%m/%Y"],
    "DE": ["%d.%m.%Y"],
    "FR": ["%d/%m/%Y", "%d %B %Y"],
    "KR": ["%Y.%m.%d", "%Y-%m-%d"],
    "CN": ["%Y-%m-%d", "%Y/%m/%d"],
    "TW": ["%Y/%m/%d"],
    "MY": ["%d/%m/%Y", "%d-%m-%Y"],
    "KZ": ["%d.%m.%Y"],
    "RS": ["%d.%m.%Y."],
    "EC": ["%d/%m/%Y"],
    "SA": ["%d/%m/%Y"],
    "JM": ["%B %d, %Y"],
}
IBAN_COUNTRIES = ["RS", "MD", "KZ", "LB", "TN", "SM", "MC", "AD", "EG", "XK", "MR", "DE", "FR", "GB"]
IBAN_LOCALE = {"DE": "de_DE", "FR": "fr_FR", "GB": "en_GB"}
BBAN = {"RS": "n" * 18, "MD": "c" * 20, "KZ": "nnn" + "c" * 13, "LB": "nnnn" + "c" * 20, "TN": "n" * 20,
        "SM": "a" + "n" * 10 + "c" * 12, "MC": "n" * 10 + "c" * 11 + "nn", "AD": "n" * 8 + "c" * 12,
        "EG": "n" * 25, "XK": "n" * 16, "MR": "n" * 23}
# national id systems no earlier probe used: country -> (stdnum module, cue word)
ID_SYSTEMS: dict[str, tuple[Any, str]] = {
    "CA": (sin, "SIN"), "IN": (epic, "voter ID"), "MU": (nid, "NIC number"), "KE": (ke_pin, "KRA PIN"),
    "AD": (nrt, "NRT"), "CO": (co_nit, "NIT"), "VE": (rif, "RIF"), "PY": (ruc, "RUC")}
BRANDS = ["Wendy's", "Denny's", "Arby's", "Hardee's", "Auntie Anne's", "Nathan's", "Papa John's",
          "Church's", "Famous Dave's", "Ben & Jerry's", "BJ's", "Kellogg's", "Hershey's", "Reese's",
          "Nando's", "Sam's Club", "Lay's", "Moe's", "Steak 'n Shake's", "Dave's Hot Chicken"]
WORD_NAMES = ["Iris tea", "Lily bouquet", "Poppy seed muffin", "Clementine juice", "Barley water",
              "Fern print mug", "Willow basket", "Rosemary focaccia", "Saffron bun", "Cherry danish",
              "Myrtle soap", "Marigold tin", "Penny jar", "Coco powder", "Melody playlist", "Sunny blend",
              "Candy cane mocha", "Brandy snap", "Sherry trifle", "Rocky road", "Jack cheese",
              "Forest roast", "Destiny card", "Patience game", "Harmony tea", "Bliss bar"]
STREET_PRODUCTS = ["Wall Street roast", "Broadway blend", "Oxford Street tote", "Madison Avenue mug",
                   "Portobello Road jam", "Melrose Place candle", "Mulholland Drive blend",
                   "Downing Street tea", "Kings Road scarf", "Electric Avenue lamp"]
OTP_PREFIXES = ["G-", "KP-", ""]


def _dashed_rif(value: str) -> str:
    """A Venezuelan RIF as written: "V-12345678-9"."""
    return f"{value[0]}-{value[1:-1]}-{value[-1]}"


class Maker(ninth.Maker):
    """Planted values of this probe: the ninth's address and list look-alike draws with the tables
    here (SEED, IBANS, ADDRESS_LAYOUTS, CHOICES), its own names, phones, ids, user ids and codes."""

    SEED = SEED
    IBANS = (IBAN_LOCALE, BBAN, common.BBAN_CHARS)
    ADDRESS_LAYOUTS = ADDRESS_LAYOUTS
    CHOICES = {"word_name": WORD_NAMES, "shop_possessive": BRANDS, "street_product": STREET_PRODUCTS}

    def _written(self, origin: str, method: str) -> str:
        """A name word as written in Latin letters: Faker's pinyin or Wade-Giles ("Hsiu-Lan"),
        Hangul romanised, or Faker's own."""
        if origin in ("zh_CN", "zh_TW"):
            raw = str(getattr(self.faker(origin), method.replace("_name", "_romanized_name"))())
            return "-".join(part.capitalize() for part in raw.split("-"))
        word = str(getattr(self.faker(origin), method)())
        return hangul(word) if origin == "ko_KR" else word

    def _name_word(self, origin: str, method: str) -> str:
        return self.fresh_word(lambda: self._written(origin, method), f"{method} for {origin}",
                               self.used_names, shape=r"[^\W\d_]{3,}(-[^\W\d_]+)?")  # "Hsiu-Lan"

    def name(self, locale: str) -> tuple[str, str, str]:
        """(first, last, origin); every planted name word new to the probe."""
        return self.first_new_name([locale, *NAME_LOCALES], NAME_LOCALES, self._name_word, self.used_names)

    def phone(self, region: str) -> str:
        """A number valid for `region`, as people write it: national, international, with the
        00 exit code, dashed after the country code, or in brackets around the code."""
        number, national, intl = self.number_forms(PHONE_REGIONS[region], region)
        style = self.rng.choice(("national", "international", "exit00", "dashed", "bracket"))
        text = {
            "international": intl,
            "exit00": "00" + intl[1:],  # "00 82 10-1234-5678"
            "dashed": re.sub(r"[ ]+", "-", intl),  # "+82-10-1234-5678"
            "bracket": f"(+{number.country_code}) {intl.split(' ', 1)[1]}",  # "(+82) 10-1234-5678"
        }.get(style, national)
        return self.as_written(text, national, region)

    def dob(self, country: str, iso: bool = False) -> str:
        born = common.birth_date(self.faker("en_US"), 18, 90)
        day = born.day
        suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
        return born.strftime(self.rng.choice(DOB_FORMATS[country]).replace("{o}", f"{day}{suffix}"))

    def _street(self, country: str, number: str) -> tuple[str, str]:
        """A street as written in `country` (STREET_LAYOUTS) and a postcode; the Faker countries and
        the address's layout are the ninth's address method's, with this probe's ADDRESS_LAYOUTS."""
        name = self.rng.choice(STREETS[country])
        postcode = POSTCODES[country](self.rng)
        return STREET_LAYOUTS.get(country, "{name} {number}").format(name=name, number=number), postcode

    def national(self, country: str) -> str:
        """A valid id of `country`'s system, its check character found by trying each of the
        system's alphabet (MakerBase.checked_id); a RIF dashed when in its own format."""
        rng = self.rng
        module = ID_SYSTEMS[country][0]
        born = common.birth_date(self.faker("en_US"), 18, 80)
        digits = self.digits
        upper = string.ascii_uppercase
        letters: Callable[[int], str] = lambda n: "".join(rng.choice(upper) for _ in range(n))  # noqa: E731
        shapes: dict[str, tuple[Callable[[], str], str]] = {  # body, check characters
            "CA": (lambda: str(rng.randrange(1, 8)) + digits(7), string.digits),
            "IN": (lambda: letters(3) + digits(6), string.digits),
            "MU": (lambda: letters(1) + f"{born:%d%m%y}" + digits(6), string.digits + upper),
            "KE": (lambda: "A" + digits(9), upper),
            "AD": (lambda: "F" + str(rng.randrange(100000, 699999)), upper),
            "CO": (lambda: str(rng.randrange(10, 99)) + digits(6), string.digits),
            "VE": (lambda: "V" + f"{rng.randrange(5, 30)}" + digits(6), string.digits),
            "PY": (lambda: str(rng.randrange(1, 7)) + digits(6), string.digits),
        }
        shape, checks = shapes[country]
        return self.checked_id(module, shape, checks, 300, f"national id for {country}",
                               _dashed_rif if country == "VE" else None)

    def user_id(self, first: str, last: str) -> str:
        """A handle with an at sign, a dotted login with an underscore, a customer id with a
        dash, or a 9-digit account number starting with 0."""
        rng = self.rng
        first_part, last_part = (re.sub(r"\W", "", common.ascii_fold(w)).lower() for w in (first, last))
        shape = rng.choice(("handle", "login", "customer", "account"))
        if shape == "handle":
            return f"@{first_part}{last_part[:1]}{rng.randrange(100, 1000)}"
        if shape == "login":
            return f"{last_part}_{first_part}.{rng.randrange(1, 10)}"
        if shape == "customer":
            return f"CU-{rng.randrange(100000, 1000000)}"
        return "0" + self.digits(8)

    def code(self, kind: str) -> str:
        """A PIN said digit by digit with dashes or spaces, a passcode of letters and digits, a
        one-time code with its sender's prefix ("G-482913")."""
        rng = self.rng
        while True:
            value = str(rng.randrange(1, 10)) + self.digits(5)
            if not re.search(r"(19|20)\d\d", value):
                break
        if kind == "pin":
            return rng.choice(("-", " ", "")).join(value[:4])
        if kind == "passcode":
            return "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(5)) + value[:2]
        return rng.choice(OTP_PREFIXES) + value

    def lookalike(self, kind: str) -> str:
        rng = self.rng
        digits = self.digits
        if kind == "vat":  # a German VAT number (valid, a business's), like a national id
            while True:
                body = "DE" + str(rng.randrange(1, 10)) + digits(7)
                value = self.first_valid(de_vat, body, string.digits, "")
                if value:
                    return value
        if kind == "invoice":
            return f"INV-{rng.randrange(2023, 2027)}-{digits(5)}"
        if kind == "ticket":  # a support ticket, like a customer id
            return f"CS-{digits(6)}"
        if kind == "serial":  # a serial number in groups, like a phone
            return f"SN {digits(4)}-{digits(4)}-{digits(2)}"
        if kind == "bic":  # a bank's BIC, near an IBAN
            return rng.choice(("DEUTDEFF", "BNPAFRPP", "NWBKGB2L", "COBADEFFXXX", "SOGEFRPP"))
        if kind == "price":  # a card-length price with cents
            return f"${rng.randrange(1, 10)},{digits(3)}.{digits(2)}"
        if kind == "gift_pin":  # a gift card's scratch-off code, like a PIN
            return f"{digits(4)}-{digits(4)}"
        if kind == "year_span":  # a span of years, like a date
            start = rng.randrange(1990, 2020)
            return f"{start}-{start + rng.randrange(1, 6)}"
        if kind == "member_card":  # twelve digits in fours, too short for a card
            return f"8{digits(3)} {digits(4)} {digits(4)}"
        if kind == "loyalty_card":
            while True:
                value = "7" + digits(15)
                if not luhn.is_valid(value):
                    return " ".join(value[i : i + 4] for i in range(0, 16, 4))
        return ninth.Maker.lookalike(self, kind)  # CHOICES, ean, isbn, creditor_ref, tracking, time24, ...
