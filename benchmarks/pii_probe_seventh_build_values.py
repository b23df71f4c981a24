"""The planted values of the seventh personal-data probe (benchmarks/pii_probe_seventh_build.py):
its locales and countries, and the identities and numbers drawn for them, each checked against
its own system (phonenumbers, python-stdnum, Luhn), and the business numbers of its look-alike
clauses. The name, e-mail, card and code draws and the EAN/ISBN/creditor-reference/amount/date
look-alikes are the sixth probe's (pii_probe_sixth_values.Maker); locales, countries, phones,
addresses, dates of birth, IBANs, national ids and the other look-alikes are this probe's own.
"""

from __future__ import annotations

import re
import string
from typing import Any

import phonenumbers
import pii_probe_common as common
import pii_probe_sixth_values as sixth
from stdnum import luhn
from stdnum.cn import ric
from stdnum.dk import cpr
from stdnum.ec import ci
from stdnum.in_ import pan
from stdnum.is_ import kennitala
from stdnum.kr import rrn
from stdnum.pe import cui
from stdnum.pt import nif
from stdnum.th import pin as th_pin

SEED = 20261207

# line locales: names of their own that no earlier probe drew (Faker falls back to English names
# for mt_MT, lb_LU, sq_AL, es_VE, bs_BA: those are not used for names)
NEW_NAME_LOCALES = ["is_IS", "tw_GH", "ig_NG", "en_PK", "en_KE", "en_TH", "es_CA", "fr_DZ", "en_NG"]
NAME_LOCALES, LINE_LOCALES = common.probe_locales(NEW_NAME_LOCALES)
# phone regions, each with the Faker locale its numbers come from (when Faker has valid ones)
PHONE_REGIONS = {"IS": "is_IS", "GH": "tw_GH", "NG": "ig_NG", "PK": "en_PK", "KE": "en_KE", "TH": "en_TH",
                 "ES": "es_ES", "DZ": "fr_DZ", "LI": "de_CH", "MT": "mt_MT", "LU": "lb_LU", "AL": "sq_AL",
                 "BA": "bs_BA", "PT": "pt_PT", "BR": "pt_BR", "DK": "da_DK", "US": "en_US", "GB": "en_GB",
                 "DE": "de_DE", "FR": "fr_FR"}
ADDRESS_COUNTRIES = ["US", "GB", "DE", "FR", "IS", "DK", "MT", "LU", "AL", "BA", "PT", "BR", "TH"]
FAKER_ADDRESS = {"US": "en_US", "GB": "en_GB", "DE": "de_DE", "FR": "fr_FR", "PT": "pt_PT", "BR": "pt_BR"}
# streets as the country writes them; IS, DK, BA with no street-type word (the number last)
STREETS = {
    "IS": ["Laugavegur", "Hverfisgata", "Skólavörðustígur", "Hafnarstræti", "Strandgata", "Aðalstræti",
           "Túngata", "Brekkugata"],
    "DK": ["Nørregade", "Vestergade", "Algade", "Strandvejen", "Søndergade", "Jernbanegade", "Østerbrogade"],
    "MT": ["Triq il-Kbira", "Triq San Pawl", "Triq il-Kungress Ewkaristiku", "Triq Santa Venera"],
    "LU": ["rue de la Gare", "avenue de la Liberté", "rue du Fossé", "route d'Arlon", "Grand-Rue"],
    "AL": ["Rruga Myslym Shyri", "Rruga e Durrësit", "Rruga Sami Frashëri", "Bulevardi Zogu I"],
    "BA": ["Ferhadija", "Titova", "Zelenih beretki", "Maršala Tita", "Kralja Petra I"],
    "TH": ["Sukhumvit Soi 11", "Silom Road", "Charoen Krung Soi 30", "Nimmanhaemin Soi 7",
           "Thanon Ratchadamnoen"],
}
POSTCODES = {"IS": "###", "DK": "####", "MT": "@@@ ####", "LU": "L-####", "AL": "####", "BA": "#####",
             "TH": "#####"}
MT_PREFIX = {"Birkirkara": "BKR", "Mosta": "MST", "Qormi": "QRM", "San Pawl il-Baħar": "SPB"}
DOB_FORMATS = {"US": ["%m/%d/%Y", "%b %d, %Y"], "GB": ["%d/%m/%Y", "%d %B %Y"], "DE": ["%d.%m.%Y"],
               "FR": ["%d/%m/%Y"], "IS": ["%d.%m.%Y"], "GH": ["%d/%m/%Y", "%d-%b-%Y"], "NG": ["%d-%m-%Y"],
               "PK": ["%d-%m-%Y", "%d/%m/%Y"], "KE": ["%d/%m/%Y"], "TH": ["%d/%m/%Y"], "ES": ["%d/%m/%Y"],
               "DZ": ["%d/%m/%Y"], "LI": ["%d.%m.%Y"], "DK": ["%d-%m-%Y", "%d.%m.%Y"], "PT": ["%d/%m/%Y"],
               "BR": ["%d/%m/%Y"], "KR": ["%Y.%m.%d"], "CN": ["%Y-%m-%d"], "AU": ["%d/%m/%Y", "%d %b %Y"]}
# BBAN layouts (a letter, n digit, c letter or digit) of the IBAN countries Faker has none of
BBAN = {"IS": "n" * 22, "MT": "aaaa" + "n" * 5 + "c" * 18, "LU": "nnn" + "c" * 13, "LI": "n" * 5 + "c" * 12,
        "AL": "n" * 8 + "c" * 16, "BA": "n" * 16, "PK": "aaaa" + "n" * 16, "BR": "n" * 23 + "ac"}
IBAN_LOCALE = {"PT": "pt_PT", "DK": "da_DK", "DE": "de_DE", "FR": "fr_FR", "GB": "en_GB"}
IBAN_COUNTRIES = ["IS", "MT", "LU", "LI", "AL", "BA", "PK", "BR", "PT", "DK", "DE", "FR", "GB"]
ID_MODULES: dict[str, Any] = {"IS": kennitala, "DK": cpr, "PT": nif, "IN": pan, "KR": rrn, "CN": ric,
                              "PE": cui, "EC": ci, "TH": th_pin}
STREET_PRODUCTS = ["Baker Street", "Abbey Road", "Park Avenue", "Fifth Avenue", "Carnaby Street",
                   "Penny Lane", "Sunset Boulevard", "Bourbon Street"]
PROMO_WORDS = ["tote", "autumn", "cozy", "fresh", "brew", "friends", "refer", "flash", "vip", "save"]
SITES = ["shop.example.org/returns", "www.bean-and-leaf.com", "help.example-store.net", "retailhub.io/deals"]


class Maker(sixth.Maker):
    """Planted values of this probe (the sixth probe's draws for names, e-mails, cards, codes)."""

    SEED = SEED
    IBANS = (IBAN_LOCALE, BBAN, common.BBAN_CHARS)

    def name(self, locale: str) -> tuple[str, str, str]:
        """(first, last, origin): every planted name word is new to the probe."""
        own = locale in NAME_LOCALES and self.rng.random() < 0.6
        wanted = locale if own else self.rng.choice(NAME_LOCALES)
        for origin in [wanted] + NAME_LOCALES:  # a locale whose names are all planted: the next one
            try:
                first = self._name_word(origin, "first_name")
                last = self._name_word(origin, "last_name")
                while last == first:
                    last = self._name_word(origin, "last_name")
            except RuntimeError:
                continue
            self.used_names.update((first.lower(), last.lower()))
            return first, last, origin
        raise RuntimeError("no name left")

    def phone(self, region: str) -> str:
        """A number valid for `region`, written one of the ways people write it."""
        number = self.valid_number(PHONE_REGIONS[region], region)
        fmt = phonenumbers.PhoneNumberFormat
        national = phonenumbers.format_number(number, fmt.NATIONAL)
        style = self.rng.choice(("national", "international", "e164", "dashed", "dotted", "digits", "spaced"))
        if style == "international":
            text = phonenumbers.format_number(number, fmt.INTERNATIONAL)
        elif style == "e164":
            text = phonenumbers.format_number(number, fmt.E164)
        elif style in ("dashed", "dotted"):
            text = re.sub(r"[ ()-]+", "-" if style == "dashed" else ".", national).strip("-.")
        elif style == "digits":
            text = re.sub(r"\D", "", national)
        elif style == "spaced":  # "00" and the country code, digits in threes
            digits = str(number.national_number)
            text = f"00{number.country_code} " + " ".join(digits[i : i + 3] for i in range(0, len(digits), 3))
        else:
            text = national
        return self.as_written(text, national, region)

    def dob(self, country: str, iso: bool = False) -> str:
        return self.written_dob(DOB_FORMATS, country, iso)

    def _digits(self, pattern: str) -> str:
        """# a digit (the first of a run not 0), @ a capital letter."""
        rng = self.rng
        out = re.sub("#+", lambda m: str(rng.randrange(1, 10)) + "".join(
            str(rng.randrange(10)) for _ in m.group()[1:]), pattern)
        return re.sub("@", lambda _: rng.choice(string.ascii_uppercase), out)

    def address(self, country: str) -> tuple[str, str, str]:
        """(whole address, street, postcode) in the country's order, with a real town."""
        rng = self.rng
        town, number = self.town_number(country, 160)
        if country in FAKER_ADDRESS:
            fake = self.faker(FAKER_ADDRESS[country])
            postcode = str(fake.postcode()).strip()
            street = re.sub(r"\s+", " ", str(fake.street_address())).strip()
            if country == "US":
                return f"{street}, {town}, {fake.state_abbr()} {postcode}", street, postcode
            if country == "GB":
                return f"{street}, {town} {postcode}", street, postcode
            if country == "BR":
                return f"{street}, {town}, CEP {postcode}", street, postcode
            return f"{street}, {postcode} {town}", street, postcode
        postcode = self._digits(POSTCODES[country])
        if country == "MT":
            postcode = MT_PREFIX.get(town, "VLT") + postcode[3:]
            street = f"{number}, {rng.choice(STREETS['MT'])}"
            return f"{street}, {town} {postcode}", street, postcode
        if country == "LU":  # the number first, with a comma
            street = f"{number}, {rng.choice(STREETS['LU'])}"
            return f"{street}, {postcode} {town}", street, postcode
        if country == "TH":  # "99/1 Sukhumvit Soi 11"
            street = f"{number}/{rng.randrange(1, 9)} {rng.choice(STREETS['TH'])}"
            return f"{street}, {town} {postcode}", street, postcode
        street = f"{rng.choice(STREETS[country])} {number}"  # IS, DK, AL, BA: the number last
        return f"{street}, {postcode} {town}", street, postcode

    def national(self, country: str) -> str:
        """A valid national id of `country` (the check character found by trying each), with its
        own separators about half the time."""
        rng = self.rng
        born = common.birth_date(self.faker("en_US"), 18, 80)
        digits = self.digits
        module = ID_MODULES[country]
        extra = {"IN": string.ascii_uppercase, "PE": string.ascii_uppercase, "CN": "X"}
        checks = string.digits + extra.get(country, "")
        for _ in range(300):
            if country == "IS":
                century = "9" if born.year < 2000 else "0"
                body, tail = f"{born:%d%m%y}" + str(rng.randrange(2, 10)) + digits(1), century
            elif country == "DK":
                body, tail = f"{born:%d%m%y}" + digits(3), ""
            elif country == "PT":
                body, tail = str(rng.choice((1, 2, 3))) + digits(7), ""
            elif country == "IN":
                letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(3))
                body, tail = letters + "P" + rng.choice(string.ascii_uppercase) + digits(4), ""
            elif country == "KR":
                sex = rng.choice((1, 2)) + (2 if born.year >= 2000 else 0)
                body, tail = f"{born:%y%m%d}" + str(sex) + digits(5), ""
            elif country == "CN":
                area = rng.choice(("110101", "310104", "440305", "510107"))
                body, tail = area + f"{born:%Y%m%d}" + digits(3), ""
            elif country == "PE":
                body, tail = str(rng.randrange(1, 10)) + digits(7), ""
            elif country == "EC":
                body, tail = f"{rng.randrange(1, 25):02d}" + str(rng.randrange(6)) + digits(6), ""
            else:  # TH
                body, tail = str(rng.randrange(1, 9)) + digits(11), ""
            value = self.first_valid(module, body, checks, tail)
            if value is not None:
                return self._separated(country, value)
        raise RuntimeError(f"no national id for {country}")

    def _separated(self, country: str, value: str) -> str:
        if self.rng.random() < 0.5 or country == "IN":
            return value
        if country in ("IS", "DK", "KR"):
            return f"{value[:6]}-{value[6:]}"
        if country == "PT":
            return f"{value[:3]} {value[3:6]} {value[6:]}"
        if country == "PE":
            return f"{value[:8]}-{value[8:]}"
        if country == "TH":
            return th_pin.format(value)
        if country == "EC":
            return f"{value[:9]}-{value[9:]}"
        return value  # CN: always compact

    def user_id(self, first: str, last: str) -> str:
        """A store handle made from a name, or a customer account number."""
        def handle() -> str:
            number = self.rng.randrange(1000, 10000)
            return common.user_id(sixth.latin(first), sixth.latin(last), f"x_{number}")

        return self.login_or_number(handle, ("4", 7), ("CU", 8))

    def lookalike(self, kind: str) -> str:
        rng = self.rng
        digits = self.digits
        if kind == "gift_card":  # 16 digits in fours that fail Luhn: shaped like a card, not one
            while True:
                value = "6" + digits(15)
                if not luhn.is_valid(value):
                    return " ".join(value[i : i + 4] for i in range(0, 16, 4))
        if kind == "order_dashed":  # shaped like a North American phone number
            return f"{rng.randrange(200, 999)}-{digits(3)}-{digits(4)}"
        if kind == "waybill":  # ten digits, like a phone number without separators
            return str(rng.randrange(1, 10)) + digits(9)
        if kind == "invoice":
            return str(rng.randrange(1, 10)) + digits(rng.randrange(8, 12))
        if kind == "flight":
            return f"{rng.choice(('TP', 'FI', 'LH', 'KQ', 'TG', 'ET'))}{rng.randrange(100, 9999)}"
        if kind == "street_product":
            return rng.choice(STREET_PRODUCTS)
        if kind == "capacity":  # a five-digit quantity, like a postcode
            return f"{rng.choice((10000, 20000, 12000, 25000, 30000))} mAh"
        if kind == "promo":
            first, second = rng.sample(PROMO_WORDS, 2)
            return f"{first}_{second}_{rng.randrange(2024, 2027)}"
        if kind == "website":
            return rng.choice(SITES)
        return sixth.Maker.lookalike(self, kind)  # ean, isbn, creditor_ref, amount, travel_date, booking_ref
