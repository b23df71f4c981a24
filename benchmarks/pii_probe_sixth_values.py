"""The planted values of the sixth personal-data probe (benchmarks/pii_probe_sixth_build.py):
its locales and countries, and the Faker identities and numbers drawn for them, each checked
against its own system (phonenumbers, python-stdnum, Luhn), and the business numbers of its
look-alike clauses. Split from the builder so that each stays one concern: what is planted
here, where and around which text there.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator

import phonenumbers
import pii_probe_common as common
from stdnum import ean, isbn, iso11649, luhn
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

SEED = 20261206

REGION = {"id_ID": "ID", "ja_JP": "JP", "fr_CH": "CH", "az_AZ": "AZ", "zu_ZA": "ZA", "yo_NG": "NG",
          "ha_NG": "NG", "uz_UZ": "UZ", "ga_IE": "IE", "sw": "KE", "bg_BG": "BG", "uk_UA": "UA",
          "vi_VN": "VN", "ka_GE": "GE", "et_EE": "EE", "lv_LV": "LV", "lt_LT": "LT", "en_US": "US",
          "en_GB": "GB", "de_DE": "DE", "fr_FR": "FR"}
NEW_NAME_LOCALES = ["id_ID", "ja_JP", "fr_CH", "az_AZ", "zu_ZA", "yo_NG", "ha_NG", "uz_UZ", "ga_IE", "sw"]
NAME_LOCALES, LINE_LOCALES = common.probe_locales(NEW_NAME_LOCALES)
PHONE_LOCALES = sorted(REGION)
ADDRESS_COUNTRIES = ["US", "GB", "DE", "FR", "CH", "ID", "EE", "LV", "LT", "BG", "JP", "VN", "ZA", "NG"]
IBAN_COUNTRIES = ["BG", "CH", "EE", "LV", "LT", "AZ", "UA", "GE", "DE", "FR", "GB"]
# BBAN layouts (a letter, n digit, c letter or digit), for countries Faker has no IBAN of
BBAN = {"BG": "aaaannnnnncccccccc", "EE": "n" * 16, "LV": "aaaa" + "c" * 13, "LT": "n" * 16,
        "GE": "aa" + "n" * 16}
IBAN_LOCALE = {"CH": "fr_CH", "AZ": "az_AZ", "UA": "uk_UA", "DE": "de_DE", "FR": "fr_FR", "GB": "en_GB"}
DOB_FORMATS = {"US": ["%m/%d/%Y", "%B %d, %Y"], "GB": ["%d/%m/%Y", "%d %B %Y"], "DE": ["%d.%m.%Y"],
               "FR": ["%d/%m/%Y"], "CH": ["%d.%m.%Y"], "ID": ["%d-%m-%Y", "%d/%m/%Y"],
               "JP": ["%Y/%m/%d", "%Y-%m-%d"], "EE": ["%d.%m.%Y"], "LV": ["%d.%m.%Y"], "LT": ["%Y-%m-%d"],
               "BG": ["%d.%m.%Y"], "VN": ["%d/%m/%Y"], "ZA": ["%Y/%m/%d"], "NG": ["%d/%m/%Y", "%d %B %Y"],
               "AZ": ["%d.%m.%Y"], "UZ": ["%d.%m.%Y"], "IE": ["%d/%m/%Y", "%d/%m/%y"], "KE": ["%d/%m/%Y"],
               "UA": ["%d.%m.%Y"], "GE": ["%d/%m/%Y"]}
# streets written as the country writes them; several with no street-type word
STREETS = {
    "EE": ["Tamme", "Kase", "Pikk", "Lai", "Kesk", "Aia", "Kooli", "Lille", "Pargi", "Männi", "Pärnu mnt",
           "Narva mnt", "Vabaduse pst", "Mustamäe tee"],
    "LV": ["Brīvības iela", "Elizabetes iela", "Tērbatas iela", "Dzirnavu iela", "Skolas iela", "Lāčplēša",
           "Dārza", "Meža"],
    "LT": ["Gedimino pr.", "Pylimo g.", "Savanorių pr.", "Laisvės al.", "Sodų g.", "Liepų g.", "Ąžuolų g."],
    "BG": ["ul. Shipka", "bul. Vitosha", "ul. Rakovski", "ul. Graf Ignatiev", "Tsar Osvoboditel",
           "Oborishte", "Solunska"],
    "JP": ["Jingumae", "Nakamachi", "Honcho", "Sakuragaoka", "Minamiaoyama", "Kitahama", "Higashiyama",
           "Nishiki", "Sannomiya", "Tenjin"],
    "VN": ["Hùng Vương", "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "phố Hàng Bạc", "đường Lý Thường Kiệt"],
    "ZA": ["Long Street", "Jan Smuts Avenue", "Voortrekker Road", "Church Street", "Main Road",
           "Bree Street", "Vilakazi"],
    "NG": ["Adeola Odeku Street", "Awolowo Road", "Herbert Macaulay Way", "Allen Avenue", "Ahmadu Bello Way",
           "Isaac John"],
}
FAKER_ADDRESS = {"US": "en_US", "GB": "en_GB", "DE": "de_DE", "FR": "fr_FR", "CH": "fr_CH", "ID": "id_ID"}

PROMO_WORDS = ["latte", "spring", "summer", "lovers", "deal", "fly", "club", "bonus", "welcome", "miles"]
SITES = ["coffeebar.com/offers", "hat-airlines.com", "www.flyhat.com", "deals.coffeebar.com"]
ID_MODULES = {"BG": egn, "EE": ik, "LT": asmens, "ZA": za_idnr, "UA": rntrc, "JP": my_number, "ID": nik,
              "MY": nric, "IL": il_idnr}
# postcodes of the countries Faker has none for (# a digit)
POSTCODES = {"EE": "#####", "LV": "LV-####", "LT": "LT-#####", "BG": "####", "JP": "###-####", "VN": "######",
             "ZA": "####", "NG": "######"}


# letters with no ASCII decomposition, written as their owners write them in addresses
LATIN = str.maketrans({"ə": "e", "Ə": "E", "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss"})


def latin(word: str) -> str:
    """A name word as it goes into an email address or user id ("Əhmədzadə" -> "Ehmedzade")."""
    return common.ascii_fold(word.translate(LATIN))


class Maker(common.MakerBase):
    """Planted values: Faker identities, checked against their own systems. A later probe's Maker
    sets its own SEED and IBAN tables (IBANS, as iban_of takes them)."""

    SEED = SEED
    IBANS = (IBAN_LOCALE, BBAN, common.BBAN_CHARS)

    def __init__(self, vocabulary: set[str]) -> None:
        super().__init__(self.SEED, vocabulary)
        self.used_names: set[str] = set()  # every planted name word is new to the probe
        self.rounds: dict[str, Iterator[str]] = {}

    def turn(self, kind: str, options: list[str]) -> str:
        """The next of `options` for this kind of clause, round after round: each kind is
        spread evenly over its locales or countries."""
        return next(self.rounds.setdefault(kind, itertools.cycle(options)))

    def _name_word(self, origin: str, method: str) -> str:
        if origin == "ja_JP":
            method = method.replace("_name", "_romanized_name")
        return self._word(origin, method, 300, self.used_names)

    def name(self, locale: str) -> tuple[str, str, str]:
        """(first, last, origin); every planted name word is new to the probe."""
        return self.new_name(locale, NAME_LOCALES, self._name_word, self.used_names)

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
        return self.as_written(text, national, region)

    def email(self, first: str, last: str, origin: str) -> str:
        first_part, last_part = latin(first).lower(), latin(last).lower()
        shape = self.rng.choice(("{f}.{l}", "{l}.{f}", "{f}{l}{d}", "{i}{l}", "{f}_{d}", "{l}-{f}"))
        local = shape.format(f=first_part, l=last_part, i=first_part[0], d=self.rng.randrange(1, 1000))
        try:
            domain = str(self.faker(origin).free_email_domain())
        except AttributeError:
            domain = self.rng.choice(("gmail.com", "outlook.com", "proton.me", "yahoo.co.uk"))
        return f"{local}@{domain}"

    def dob(self, country: str, iso: bool = False) -> str:
        return self.written_dob(DOB_FORMATS, country, iso)

    def postcode(self, country: str) -> str:
        rng = self.rng
        if country in FAKER_ADDRESS:
            return str(self.faker(FAKER_ADDRESS[country]).postcode()).strip()
        # each run of # is a group of digits, the first not 0
        return re.sub("#+", lambda m: str(rng.randrange(1, 10)) + "".join(
            str(rng.randrange(10)) for _ in m.group()[1:]), POSTCODES[country])

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
        return self.iban_of(country, *self.IBANS)

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
        digits = self.digits
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
                province = rng.choice(("31", "32", "33", "35", "51", "73"))
                value = province + digits(4) + f"{day:02d}{born:%m%y}" + digits(4)
            elif country == "MY":
                value = yymmdd + rng.choice(("01", "05", "07", "10", "14")) + digits(4)
                if rng.random() < 0.6:
                    value = f"{value[:6]}-{value[6:8]}-{value[8:]}"
            else:  # IL
                body = str(rng.randrange(1, 4)) + digits(7)
                value = body + luhn.calc_check_digit(body)
            if ID_MODULES[country].is_valid(value):
                return value
        raise RuntimeError(f"no national id for {country}")

    def code(self, kind: str) -> str:
        length = self.rng.choice({"pin": (4, 4, 6), "passcode": (6, 8), "otp": (6, 6)}[kind])
        while True:
            first = str(self.rng.randrange(1, 10))
            value = first + "".join(str(self.rng.randrange(10)) for _ in range(length - 1))
            if not re.fullmatch(r"(19|20)\d\d", value):
                break
        if kind == "otp" and self.rng.random() < 0.4:  # "883 201", as read off a phone
            return f"{value[:3]} {value[3:]}"
        return value

    def lookalike(self, kind: str) -> str:
        rng = self.rng
        digits = self.digits
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
            return digits(1 + rng.randrange(9)).lstrip("0") + "0" + digits(10 - 1)  # 10 to 19 digits
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
