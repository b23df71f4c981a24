"""The planted values of the ninth personal-data probe (benchmarks/pii_probe_ninth_build.py): its
locales and countries and the identities and numbers drawn for them, each checked against its own
system (phonenumbers, python-stdnum, Luhn), and the business numbers of its look-alike clauses.
E-mail, card and code draws are the sixth probe's and the eighth's look-alike draws are reused
(through pii_probe_eighth_build_values.Maker); names (Greek, Armenian and Georgian romanised,
Vietnamese), phones, addresses, dates of birth, IBANs, national ids, user ids and the new
look-alikes are this probe's own.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from typing import Any

import phonenumbers
import pii_probe_common as common
import pii_probe_eighth_build_values as eighth
from stdnum.ar import dni as ar_dni
from stdnum.be import bis
from stdnum.bg import pnf
from stdnum.gb import nhs
from stdnum.nz import ird
from stdnum.ru import inn
from stdnum.sv import nit
from stdnum.us import itin

SEED = 20261209

# name locales no earlier probe drew names from (Greek, Armenian and Georgian romanised here)
NEW_NAME_LOCALES = ["el_GR", "hy_AM", "ka_GE", "vi_VN"]
NAME_LOCALES, LINE_LOCALES = common.probe_locales(NEW_NAME_LOCALES)


def _table(spec: str) -> dict[str, str]:
    """A table written "α=a β=v ..." as a dict."""
    return dict(pair.split("=") for pair in spec.split())


_GREEK = _table(
    "α=a β=v γ=g δ=d ε=e ζ=z η=i θ=th ι=i κ=k λ=l μ=m ν=n ξ=x ο=o π=p ρ=r σ=s ς=s τ=t "
    "υ=y φ=f χ=ch ψ=ps ω=o ά=a έ=e ή=i ί=i ό=o ύ=y ώ=o ϊ=i ΐ=i ϋ=y ΰ=y "
)
_ARMENIAN = _table(
    "ա=a բ=b գ=g դ=d ե=e զ=z է=e ը=y թ=t ժ=zh ի=i լ=l խ=kh ծ=ts կ=k հ=h ձ=dz ղ=gh ճ=ch "
    "մ=m յ=y ն=n շ=sh ո=o չ=ch պ=p ջ=j ռ=r ս=s վ=v տ=t ր=r ց=ts ւ=v փ=p ք=k օ=o ֆ=f "
)
_GEORGIAN = _table(
    "ა=a ბ=b გ=g დ=d ე=e ვ=v ზ=z თ=t ი=i კ=k ლ=l მ=m ნ=n ო=o პ=p ჟ=zh რ=r ს=s ტ=t უ=u "
    "ფ=p ქ=k ღ=gh ყ=q შ=sh ჩ=ch ც=ts ძ=dz წ=ts ჭ=ch ხ=kh ჯ=j ჰ=h "
)
ROMAN = {
    "el_GR": ({"ου": "ou", "ού": "ou", "αι": "ai", "ει": "ei", "μπ": "mp", "ντ": "nt"}, _GREEK),
    "hy_AM": ({"ու": "u", "և": "ev"}, _ARMENIAN),
    "ka_GE": ({}, _GEORGIAN),
}
# Vietnamese Faker's `first_name` is "John"/"Jane": the gendered lists hold the real ones
NAME_METHODS = {"vi_VN": ("first_name_male", "first_name_female")}

# phone regions and the Faker locale their numbers come from (a region's own mobile shape otherwise)
PHONE_REGIONS = {
    "GR": "el_GR",
    "AM": "hy_AM",
    "GE": "ka_GE",
    "VN": "vi_VN",
    "AR": "es_AR",
    "PE": "es_ES",
    "HK": "zh_TW",
    "TW": "zh_TW",
    "IL": "he_IL",
    "CY": "el_CY",
    "MA": "fr_FR",
    "EG": "ar_EG",
    "PA": "es_ES",
    "GT": "es_ES",
    "HU": "hu_HU",
    "SV": "es_ES",
    "US": "en_US",
    "GB": "en_GB",
    "DE": "de_DE",
    "FR": "fr_FR",
}
FAKER_ADDRESS = {"US": "en_US", "GB": "en_GB", "DE": "de_DE", "FR": "fr_FR"}
# the countries that put the town before the postcode (common.lay_out: the postcode first otherwise)
ADDRESS_LAYOUTS = {"US": common.US_ADDRESS, "GB": "{street}, {town}, {postcode}",
                   "PE": "{street}, {town} {postcode}"}
ADDRESS_COUNTRIES = ["US", "GB", "DE", "FR", "GR", "AR", "AM", "PE", "CY", "IL", "HU"]
# street, then the number (GR, AM, CY, IL, HU) or Spanish-style "Av. X 1234" (AR, PE); many with no
# street-type word at all
STREETS = {
    "GR": ["Ermou", "Stadiou", "Panepistimiou", "Odos Tsimiski", "Egnatia", "Leoforos Kifisias", "Patision"],
    "AM": ["Abovyan", "Tumanyan", "Mashtots Avenue", "Sayat-Nova", "Teryan", "Koghbatsi"],
    "CY": ["Makariou III", "Ledras", "Onasagorou", "Archiepiskopou Kyprianou", "Agiou Andreou"],
    "IL": ["Herzl", "Rothschild Boulevard", "Dizengoff", "Ben Yehuda", "Jabotinsky", "Allenby"],
    "HU": ["Váci utca", "Andrássy út", "Kossuth Lajos utca", "Petőfi Sándor utca", "Rákóczi út", "Fő utca"],
    "AR": ["Av. Corrientes", "Calle Florida", "Av. Santa Fe", "Lavalle", "Tucumán", "San Martín"],
    "PE": [
        "Jr. de la Unión",
        "Av. Arequipa",
        "Calle Las Begonias",
        "Jr. Ucayali",
        "Av. Larco",
        "Malecón Cisneros",
    ],
}
DOB_FORMATS = {
    "US": ["%B %d, %Y", "%m/%d/%Y"],
    "GB": ["%d %B %Y", "%d/%m/%Y"],
    "DE": ["%d.%m.%Y"],
    "FR": ["%d/%m/%Y", "%d %B %Y"],
    "GR": ["%d/%m/%Y"],
    "AM": ["%d.%m.%Y"],
    "GE": ["%d.%m.%Y"],
    "VN": ["%d/%m/%Y", "%d-%m-%Y"],
    "AR": ["%d/%m/%Y"],
    "PE": ["%d/%m/%Y"],
    "HK": ["%d/%m/%Y"],
    "TW": ["%Y/%m/%d"],
    "IL": ["%d.%m.%Y", "%d/%m/%Y"],
    "CY": ["%d/%m/%Y"],
    "HU": ["%Y. %m. %d.", "%Y.%m.%d."],
    "SV": ["%d/%m/%Y"],
    "EG": ["%d-%m-%Y"],
    "MA": ["%d/%m/%Y"],
    "NZ": ["%d %b %Y"],
    "RU": ["%d.%m.%Y"],
}
IBAN_COUNTRIES = ["GR", "CY", "IL", "JO", "QA", "SA", "AE", "KW", "BH", "DE", "FR", "GB"]
IBAN_LOCALE = {"DE": "de_DE", "FR": "fr_FR", "GB": "en_GB"}
BBAN = {
    "GR": "n" * 7 + "c" * 16,
    "CY": "n" * 8 + "c" * 16,
    "IL": "n" * 19,
    "JO": "aaaa" + "n" * 4 + "c" * 18,
    "QA": "aaaa" + "c" * 21,
    "SA": "nn" + "c" * 18,
    "AE": "n" * 19,
    "KW": "aaaa" + "c" * 22,
    "BH": "aaaa" + "c" * 14,
}
# national id systems no earlier probe used: country -> (stdnum module, cue word)
ID_SYSTEMS: dict[str, tuple[Any, str]] = {
    "AR": (ar_dni, "DNI"),
    "NZ": (ird, "IRD number"),
    "US": (itin, "ITIN"),
    "GB": (nhs, "NHS number"),
    "RU": (inn, "INN"),
    "BE": (bis, "BIS number"),
    "BG": (pnf, "foreigner's personal number"),
    "SV": (nit, "NIT"),
}
BRANDS = [
    "Domino's",
    "Claire's",
    "Dillard's",
    "Chili's",
    "Applebee's",
    "Casey's",
    "Carrabba's",
    "Fazoli's",
    "Bojangles'",
    "Raising Cane's",
    "Zaxby's",
    "Freddy's",
    "Culver's",
    "Jersey Mike's",
    "Jason's Deli",
    "Marshall's",
    "Ollie's",
    "Wegman's",
    "Aldi's",
    "Boots's",
]
WORD_NAMES = [
    "Grace period",
    "Summer menu",
    "Autumn blend",
    "Honey oat latte",
    "Ginger shot",
    "Rose syrup",
    "Hazel roast",
    "Amber ale",
    "Ruby grapefruit",
    "Olive bread",
    "Violet macaron",
    "Sage butter",
    "Basil pesto",
    "Jasmine tea",
    "Heather honey",
    "Ivy planter",
    "Pearl tapioca",
    "Holly wreath",
    "Daisy mug",
    "Crystal glass",
    "Sky blue lid",
    "Dawn roast",
    "Faith bracelet",
    "Hope candle",
    "Victoria sponge",
    "Florence fennel",
    "Georgia peach",
    "Carolina reaper",
    "Charlotte russe",
]
STREET_PRODUCTS = [
    "Sunset Boulevard",
    "Rodeo Drive",
    "Bourbon Street",
    "Lombard Street",
    "Abbey Lane",
    "Harbour Road",
    "Canal Street",
    "Beacon Hill",
]


# postcodes in each country's own form, drawn with the probe's generator
POSTCODES: dict[str, Callable[[random.Random], str]] = {
    "GR": lambda rng: f"{rng.randrange(100, 856)} {rng.randrange(100):02d}",  # "105 63"
    "AR": lambda rng: (
        rng.choice("BCDHKMNSTUVXY")  # CPA: "C1043AAB"
        + f"{rng.randrange(1000, 9500)}"
        + "".join(rng.choice(string.ascii_uppercase) for _ in range(3))
    ),
    "AM": lambda rng: f"{rng.randrange(1, 42):02d}{rng.randrange(100):02d}",
    "PE": lambda rng: f"{rng.randrange(1, 26):02d}{rng.randrange(1000):03d}",
    "IL": lambda rng: f"{rng.randrange(1000000, 9999999)}",
    "CY": lambda rng: f"{rng.randrange(1000, 9900)}",
    "HU": lambda rng: f"{rng.randrange(1000, 9900)}",
}


def romanise(word: str, locale: str) -> str:
    """A Greek, Armenian or Georgian name word in Latin letters (other words unchanged)."""
    if locale not in ROMAN:
        return word
    pairs, letters = ROMAN[locale]
    low = word.lower()
    for pair, latin in pairs.items():
        low = low.replace(pair, latin)
    out = "".join(letters.get(ch, ch) for ch in low)
    return out[:1].upper() + out[1:]


class Maker(eighth.Maker):
    """Planted values of this probe: the eighth's draws (and so the sixth's) for e-mails, cards,
    codes and the older look-alikes; its own, from the tables here, for the rest."""

    SEED = SEED
    IBANS = (IBAN_LOCALE, BBAN, common.BBAN_CHARS)
    ADDRESS_LAYOUTS = ADDRESS_LAYOUTS
    USER_NUMBERS = (("3", 7), ("MBR", 7))  # an 8-digit customer number starting with 3, a member number
    # look-alikes drawn from a list: a first name that is also a word in its ordinary sense, a
    # shop's name in the possessive, a street's name in a product's
    CHOICES = {"word_name": WORD_NAMES, "shop_possessive": BRANDS, "street_product": STREET_PRODUCTS}

    def _name_word(self, origin: str, method: str) -> str:
        methods = NAME_METHODS.get(origin, (method,)) if method == "first_name" else (method,)
        draw = lambda: romanise(str(getattr(self.faker(origin), self.rng.choice(methods))()), origin)  # noqa: E731
        return self.fresh_word(draw, f"{method} for {origin}", self.used_names)

    def name(self, locale: str) -> tuple[str, str, str]:
        """(first, last, origin): the line's locale most of the time, every word new to the probe;
        a locale whose names run out (Vietnamese has few surnames) gives way to the next."""
        wanted = (
            locale if locale in NAME_LOCALES and self.rng.random() < 0.6 else self.rng.choice(NAME_LOCALES)
        )
        return self.first_new_name([wanted, *NAME_LOCALES], None, self._name_word, self.used_names)

    def phone(self, region: str) -> str:
        """A number valid for `region`, written as people write it."""
        number, national, intl = self.number_forms(PHONE_REGIONS[region], region)
        raw = re.sub(r"\D", "", national)
        style = self.rng.choice(("national", "international", "e164", "dotted", "bare", "pairs", "slash"))
        text = {
            "international": intl,
            "e164": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            "dotted": re.sub(r"[ ()-]+", ".", national).strip("."),  # "210.123.4567"
            "bare": raw,  # no separators, as typed after a cue
            "pairs": f"+{number.country_code} "
            + " ".join(  # "+30 69 12 34 56 78"
                re.findall(r"\d{1,2}", str(number.national_number))
            ),
            "slash": re.sub(r"^(0\d+)[ -]", r"\1/", national),  # "0151/23456789" (a trunk 0 only)
        }.get(style, national)
        if style == "pairs" and (len(str(number.national_number)) % 2 or number.country_code == 1):
            text = national  # pairs only outside North America, whole pairs
        return self.as_written(text, national, region)

    def dob(self, country: str, iso: bool = False) -> str:
        return self.written_dob(DOB_FORMATS, country)  # always written out (iso unused here)

    def address(self, country: str) -> tuple[str, str, str]:
        """(whole address, street, postcode) in the country's order (ADDRESS_LAYOUTS), with a real town."""
        town, number = self.town_number(country, 300)
        if country in FAKER_ADDRESS:
            return self.faker_address(country, FAKER_ADDRESS, town, self.ADDRESS_LAYOUTS)
        street, postcode = self._street(country, number)
        return common.lay_out(self.ADDRESS_LAYOUTS, country, street=street, postcode=postcode, town=town)

    def _street(self, country: str, number: str) -> tuple[str, str]:
        """A street of `country` with the house `number`, and a postcode, drawn in that order."""
        street = f"{self.rng.choice(STREETS[country])} {number}"
        return street, POSTCODES[country](self.rng)

    def national(self, country: str) -> str:
        """A valid id of `country`'s system, its check digits (none, one or two) found by trying
        each (MakerBase.checked_id)."""
        rng = self.rng
        module = ID_SYSTEMS[country][0]
        born = common.birth_date(self.faker("en_US"), 18, 80)
        digits = self.digits
        shapes = {
            "AR": lambda: str(rng.randrange(10, 45)) + digits(6),
            "NZ": lambda: str(rng.randrange(10, 150)) + digits(5),
            "US": lambda: "9" + digits(2) + str(rng.randrange(70, 89)) + digits(4),
            "GB": lambda: str(rng.randrange(4, 7)) + digits(8),
            "RU": lambda: str(rng.randrange(10, 92)) + digits(8),
            "BE": lambda: f"{born:%y}{born.month + rng.choice((20, 40)):02d}{born:%d}" + digits(3),
            "BG": lambda: digits(9),
            "SV": lambda: "0" + str(rng.randrange(1, 10)) + digits(2) + f"{born:%d%m%y}" + digits(3),
        }
        width = {"US": 0, "AR": 0, "RU": 2, "BE": 2}.get(country, 1)
        checks = [""] if width == 0 else [str(n).zfill(width) for n in range(10**width)]
        return self.checked_id(module, shapes[country], checks, 3000, f"national id for {country}")

    @staticmethod
    def _login_name(first: str, last: str) -> str:
        """A web login: the first initial and the surname (the eighth's user_id adds two digits)."""
        return f"{common.ascii_fold(first)[:1]}{common.ascii_fold(last)}".lower()

    def lookalike(self, kind: str) -> str:
        rng = self.rng
        digits = self.digits
        if kind in self.CHOICES:  # a name that is a word, a shop's possessive, a street in a product
            return rng.choice(self.CHOICES[kind])
        if kind == "confirmation":  # nine digits in threes, like a spaced national number
            return f"{rng.randrange(100, 1000)} {digits(3)} {digits(3)}"
        if kind == "member_card":  # twelve digits in fours: shaped like a card, too short for one
            return f"6{digits(3)} {digits(4)} {digits(4)}"
        if kind == "order_dotted":  # like a phone number written with dots
            return f"{rng.randrange(100, 1000)}.{digits(3)}.{digits(4)}"
        if kind == "time24":  # a four-digit time, like a PIN
            return f"{rng.randrange(6, 23):02d}{rng.choice(('00', '15', '30', '45'))}"
        if kind == "points":  # a five-digit quantity, like a postcode
            return f"{rng.randrange(10, 99) * 1000:,}".replace(",", "") + " points"
        return eighth.Maker.lookalike(self, kind)  # ean, isbn, creditor_ref, tracking, voucher, ...
