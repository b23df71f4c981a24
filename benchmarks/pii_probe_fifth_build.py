"""Build the fifth personal-data probe (tests/data/pii_probe_fifth.jsonl) from public text.

Written by an engineer who never opened the scrubber (convsim/scenarios/pii*.py) and never
scored this probe: the whole file is held out (every line has ``half: "held-out"``), to be
scored once by `benchmarks/pii_probe.py --probe tests/data/pii_probe_fifth.jsonl`.

Carrier text (in ../shared/data, none used by an earlier probe):
  - tau-bench (v1) few-shot dialogs, retail and airline: the customer's turns ("Sure, I'm
    Sofia Hernandez, and my zip code is 98193."), with the names, zip codes, streets, emails
    and user ids of the dialog's own tool records replaced by planted ones; turns keeping
    any other personal-looking value are left out;
  - tau-bench (v1) retail task instructions, train and dev splits ("Your name is X Y and your
    zip code is 19031. ... Return #W6067464 via credit_card_4190576: Electric Kettle; ..."):
    the name, zip code and email are replaced by planted ones;
  - ABCD sample customer turns (three real customer-service chats): the customer's name,
    username, email and phone are replaced by planted ones, the rest kept as typed;
  - tau2-bench telecom db.toml customer records, written out as the customer-details note
    a contact centre pastes (field names and order of the record, values planted).
Each line may get one or two planted clauses (frames written for this probe, none of the
fourth probe's) and one look-alike clause whose value comes from the same task's data
(item ids of the task's own actions, ABCD order ids and amounts) or is a valid business
number (EAN-13, ISBN-13, tracking numbers, ISO 11649 creditor references, invoice numbers).
Values from Faker in locales no earlier probe used for them (tr_TR, el_GR, en_PH, sk_SK,
hr_HR, sl_SI, es_CL, es_CO, et_EE, lt_LT, lv_LV for names; fi_FI, cs_CZ, hu_HU, ro_RO,
no_NO, which the second probe used for names only) and a few common ones; every number is
checked (phonenumbers, python-stdnum, Luhn).

    .venv/bin/python benchmarks/pii_probe_fifth_build.py [--data ../shared/data] [--out FILE]
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import phonenumbers
from stdnum import ean, isbn, iso11649
from stdnum import iban as std_iban
from stdnum.cl import rut
from stdnum.cz import rc
from stdnum.fi import hetu
from stdnum.gr import amka
from stdnum.hr import oib
from stdnum.iso7064 import mod_97_10
from stdnum.no import fodselsnummer
from stdnum.ro import cnp
from stdnum.se import personnummer
from stdnum.tr import tckimlik

sys.path.append(str(Path(__file__).resolve().parent))  # for pii_probe_common, next to this file
import pii_probe_common as common  # noqa: E402

DATA = common.DATA  # the default --data (the tests read it)
OUT = common.REPO / "tests" / "data" / "pii_probe_fifth.jsonl"
SEED = 20261207
# phrasal verbs of these texts ("figure out", "check on", "look forward") and of the frames
PHRASAL = ["figure out", "go ahead", "check on", "look forward", "let me know", "cut off", "set up",
           "sign up", "pick up", "find out", "come back", "end up", "leave for", "moved to"]

REGION = {"tr_TR": "TR", "el_GR": "GR", "en_PH": "PH", "sk_SK": "SK", "hr_HR": "HR", "sl_SI": "SI",
          "es_CL": "CL", "es_CO": "CO", "fi_FI": "FI", "cs_CZ": "CZ", "hu_HU": "HU", "ro_RO": "RO",
          "no_NO": "NO", "sv_SE": "SE", "en_US": "US", "en_GB": "GB", "de_DE": "DE", "fr_FR": "FR",
          "es_ES": "ES", "it_IT": "IT"}
NEW = ["tr_TR", "el_GR", "en_PH", "sk_SK", "hr_HR", "sl_SI", "es_CL", "es_CO"]
NAMES_ONLY_BEFORE = ["fi_FI", "cs_CZ", "hu_HU", "ro_RO", "no_NO"]
COMMON = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT"]
LINE_LOCALES = NEW + NEW + NAMES_ONLY_BEFORE + COMMON  # the new locales twice as often
# names in Latin script only (the carrier text is English): el_GR names come from elsewhere
NAME_LOCALES = [x for x in LINE_LOCALES if x != "el_GR"] + ["et_EE", "lt_LT", "lv_LV", "sv_SE"]
# Faker's address provider is the country's own (tr_TR and el_GR: not, or not in Latin script)
ADDRESS_LOCALES = ["en_PH", "sk_SK", "hr_HR", "sl_SI", "es_CL", "es_CO", "fi_FI", "cs_CZ", "hu_HU",
                   "ro_RO", "no_NO", "sv_SE", "en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT"]
IBAN_LOCALES = ["tr_TR", "el_GR", "sk_SK", "cs_CZ", "fi_FI", "no_NO", "ro_RO", "es_ES", "it_IT",
                "de_DE", "fr_FR", "en_GB"]
DOB_FORMAT = {"tr_TR": "%d.%m.%Y", "el_GR": "%d/%m/%Y", "en_PH": "%m/%d/%Y", "sk_SK": "%d.%m.%Y",
              "hr_HR": "%d.%m.%Y", "sl_SI": "%d.%m.%Y", "es_CL": "%d-%m-%Y", "es_CO": "%d/%m/%Y",
              "fi_FI": "%d.%m.%Y", "cs_CZ": "%d.%m.%Y", "hu_HU": "%Y.%m.%d", "ro_RO": "%d.%m.%Y",
              "no_NO": "%d.%m.%Y", "sv_SE": "%Y-%m-%d", "en_US": "%m/%d/%Y", "en_GB": "%d/%m/%Y",
              "de_DE": "%d.%m.%Y", "fr_FR": "%d/%m/%Y", "es_ES": "%d/%m/%Y", "it_IT": "%d/%m/%Y"}
# national ids after a cue word: (locale, cue, faker method, validator, written with separators?)
NATIONAL = [("sv_SE", "personnummer", "ssn", personnummer), ("fi_FI", "henkilötunnus", "ssn", hetu),
            ("cs_CZ", "rodné číslo", "birth_number", rc), ("ro_RO", "CNP", "ssn", cnp),
            ("tr_TR", "TC kimlik no", "ssn", tckimlik), ("hr_HR", "OIB", "ssn", oib),
            ("no_NO", "fødselsnummer", "ssn", fodselsnummer), ("es_CL", "RUT", "rut", rut),
            ("el_GR", "AMKA", "ssn", amka), ("sk_SK", "birth number", "birth_number", rc)]
NATIONAL_MODULES = (personnummer, hetu, rc, cnp, tckimlik, oib, fodselsnummer, rut, amka)

# Frames written for this probe (none is one of the fourth probe's).
NAME_FRAMES = ["{n} is the name on the account.", "Sure, it's {n}.", "First and last name: {n}.",
               "I'm {n}, I spoke to someone earlier today.", "The order was placed by {n}.",
               "Hi again, {n} here from earlier.", "Account holder: {n}."]
POSSESSIVE_FRAMES = ["It's my partner {n}'s order.", "I need to update {n}'s address.",
                     "The parcel was left at {n}'s door.", "{n}'s card was charged twice.",
                     "Could you look at {n}'s subscription?", "I'm asking on {n}'s behalf."]
EMAIL_FRAMES = ["{v} is my email.", "Email: {v}", "Use {v} for the confirmation.",
                "my e-mail address is {v} if that helps"]
PHONE_FRAMES = ["{v} is the best number to reach me.", "Phone: {v}", "Mobile {v}, text is fine.",
                "If we get cut off, ring me on {v}."]
ADDRESS_FRAMES = ["Deliver to {v} please.", "Address: {v}", "We moved to {v} last month.",
                  "{v} is where I live now."]
DOB_FRAMES = ["Birthday: {v}", "I'm born {v}.", "the date of birth on my ID is {v}",
              "{v} is my birth date."]
IBAN_FRAMES = ["Bank account (IBAN): {v}", "Please pay the refund into {v}.",
               "IBAN {v}, the account holder is me."]
IBAN_PAIR = "I have two accounts, {a} (old) and {b} (new); use the new one."
CARD_FRAMES = ["Card: {v}", "Pay with {v}, the expiry is on the back.",
               "I'd like to use my other card, {v}."]
NATIONAL_FRAMES = ["{cue}: {v}", "My {cue} is {v}", "{cue} {v}, that's the one on file."]
CODE_FRAMES = {"pin": ["PIN: {v}", "the pin is {v} I think", "Security PIN {v}."],
               "passcode": ["Account passcode: {v}", "I set the passcode to {v}."],
               "otp": ["The verification code is {v}.", "Code from the text: {v}",
                       "I just got {v} as the login code."]}
RECORD_FIELDS = ("full_name", "date_of_birth", "email", "phone_number", "address")
UNITS = "inch|inches|hours|degrees|mm|cm|ml|oz|GB|TB|W|V|mAh|pieces|lbs|kg|MP|L"
# look-alike clauses: (kind, resembles, frame)
LOOKALIKE_FRAMES = {
    "item_id": ("phone", "The item number on the packing slip is {v}."),
    "ean": ("card", "The barcode on the box reads {v}."),
    "isbn": ("card", "It was a book, ISBN {v}."),
    "tracking": ("card", "Tracking number {v} still says in transit."),
    "creditor_ref": ("iban", "The payment reference was {v}."),
    "invoice": ("national_id", "Invoice no. {v} shows the wrong total."),
    "amount": ("postcode", "The total came to {v}."),
    "order_date": ("dob", "I ordered it on {v}."),
    "town": ("name", "Will it arrive before I leave for {v}?"),
    "time": ("dob", "I'm free after {v} today."),
}


class Maker(common.MakerBase):
    """Planted values: Faker identities checked against their own systems."""

    def __init__(self, vocabulary: set[str]) -> None:
        super().__init__(SEED, vocabulary)
        self.used_names: set[str] = set()
        self.turns: dict[str, int] = {}

    def pick(self, locale: str, allowed: list[str]) -> str:
        return locale if locale in allowed else self.rng.choice(allowed)

    def turn(self, kind: str, options: list[str]) -> str:
        """The next locale for an appended clause of this kind: every locale in turn, so each
        kind is spread evenly over the locales that have it."""
        self.turns[kind] = self.turns.get(kind, -1) + 1
        return options[self.turns[kind] % len(options)]

    def name(self, locale: str) -> tuple[str, str, str]:
        """(first, last, origin): from the line's locale when it has Latin-script names, else another."""
        own = locale in NAME_LOCALES and self.rng.random() < 0.6
        origin = locale if own else self.rng.choice(NAME_LOCALES)
        first, last = self._first_last(origin, tries=300, taken=self.used_names)
        self.used_names.update((first.lower(), last.lower()))  # every planted name word is new
        return first, last, origin

    def phone(self, locale: str) -> str:
        region = REGION[locale]
        number = self.valid_number(locale, region)
        # the ways people write it: national, international, E.164, dashed, national digits only
        style = self.rng.choice(("national", "international", "e164", "dashed", "compact"))
        if style == "international":
            text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        elif style == "e164":
            text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        else:
            text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            if style == "dashed":
                text = re.sub(r"(?<=\d)[ ]+(?=\d)", "-", text)
            elif style == "compact":
                text = re.sub(r"[^\d+]", "", text)
        assert phonenumbers.is_valid_number_for_region(phonenumbers.parse(text, region), region), text
        return text

    def email(self, first: str, last: str, locale: str, joined: bool = False) -> str:
        """An address built from a name; `joined`: the name is also in the text, so its words
        are joined in the address ("anna_berg", "aberg") rather than split by a dot or dash."""
        sep = self.rng.choice(("_", "") if joined else (".", "_", "-", ""))
        digits = str(self.rng.randrange(1, 99)) if self.rng.random() < 0.5 else ""
        first_part = common.ascii_fold(first).lower()
        if self.rng.random() >= 0.7:
            first_part = first_part[0]
        try:
            domain = self.faker(locale).free_email_domain()
        except AttributeError:
            domain = self.rng.choice(("gmail.com", "yahoo.com", "outlook.com"))
        return f"{first_part}{sep}{common.ascii_fold(last).lower()}{digits}@{domain}"

    def dob(self, locale: str) -> str:
        born = common.birth_date(self.faker(locale), 18, 88)
        if locale in ("en_US", "en_PH") and self.rng.random() < 0.3:
            return f"{born.strftime('%B')} {born.day}, {born.year}"
        if self.rng.random() < 0.15:
            return f"{born.day} {born.strftime('%B')} {born.year}"
        return born.strftime(DOB_FORMAT[locale])

    def postcode(self, locale: str) -> str:
        code = str(self.faker(locale).postcode()).strip()
        region = REGION[locale]
        if region == "HU":
            code = code.removeprefix("H-")
        if region == "SE" and re.fullmatch(r"\d{5}", code):  # Swedes write "123 45"
            code = f"{code[:3]} {code[3:]}"
        return code

    def address(self, locale: str) -> tuple[str, str, str]:
        """(whole address, street, postcode) in the country's order, with a real town."""
        fake = self.faker(locale)
        region = REGION[locale]
        street = re.sub(r"\s+", " ", re.sub(r"\s*\n\s*", ", ", str(fake.street_address()))).strip(" ,")
        town = self.rng.choice(self.towns[region])
        postcode = self.postcode(locale)
        if region in ("GB", "RO", "CL", "CO"):
            whole = f"{street}, {town} {postcode}"
        elif region == "US":
            whole = f"{street}, {town}, {fake.state_abbr()} {postcode}"
        else:  # PH, SK, HR, SI, FI, CZ, HU, NO, SE, DE, FR, ES, IT: postcode before the town
            whole = f"{street}, {postcode} {town}"
        return whole, street, postcode

    def iban(self, locale: str) -> tuple[str, str]:
        locale = self.pick(locale, IBAN_LOCALES)
        return self.valid_iban(locale, REGION[locale]), locale

    def card(self) -> str:
        number = self.card_number(("visa16", "mastercard", "amex", "discover", "jcb16"))
        style = self.rng.choice(("compact", "spaced", "dashed"))
        if style == "compact":
            return number
        if len(number) == 15:  # Amex: 4-6-5
            groups = [number[:4], number[4:10], number[10:]]
        else:
            groups = [number[i:i + 4] for i in range(0, len(number), 4)]
        return (" " if style == "spaced" else "-").join(groups)

    def national(self, locale: str) -> tuple[str, str, str]:
        own = [x for x in NATIONAL if x[0] == locale]
        locale, cue, method, module = own[0] if own else self.rng.choice(NATIONAL)
        for _ in range(200):
            value = str(getattr(self.faker(locale), method)())
            if not module.is_valid(value):
                continue
            compact = module.compact(value)
            if module in (personnummer, rc, rut, fodselsnummer) and self.rng.random() < 0.7:
                value = module.format(compact)  # with its separators ("031114-0933", "7.590.206-9")
            else:
                value = compact
            if module.is_valid(value):
                return cue, value, locale
        raise RuntimeError(f"no valid national id for {locale}")

    def code(self, kind: str) -> str:
        lengths = {"pin": (4, 4, 6), "passcode": (6, 8), "otp": (6,)}[kind]
        length = self.rng.choice(lengths)
        while True:
            value = "".join(str(self.rng.randrange(10)) for _ in range(length))
            if not re.fullmatch(r"(19|20)\d\d", value) and value[0] != "0":
                return value

    def lookalike(self, kind: str, carrier: dict[str, Any]) -> str | None:
        rng = self.rng
        if kind == "item_id":
            return rng.choice(carrier["item_ids"]) if carrier["item_ids"] else None
        if kind == "ean":
            body = "".join(str(rng.randrange(10)) for _ in range(12))
            return body + ean.calc_check_digit(body)
        if kind == "isbn":
            body = rng.choice(("978", "979")) + "".join(str(rng.randrange(10)) for _ in range(9))
            value = body + ean.calc_check_digit(body)  # an ISBN-13 is an EAN-13
            value = isbn.format(value) if rng.random() < 0.5 else value
            return value if isbn.is_valid(value) else None
        if kind == "tracking":
            if rng.random() < 0.5:  # UPS-shaped
                return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(16))
            return "".join(str(rng.randrange(10)) for _ in range(12))  # FedEx-shaped
        if kind == "creditor_ref":
            body = "".join(str(rng.randrange(10)) for _ in range(rng.randrange(8, 16)))
            check = mod_97_10.calc_check_digits(body + "RF")
            value = "RF" + check + body
            assert iso11649.is_valid(value), value
            return iso11649.format(value) if rng.random() < 0.5 else value
        if kind == "invoice":
            return str(rng.randrange(2024, 2027)) + "".join(str(rng.randrange(10)) for _ in range(7))
        if kind == "amount":
            if carrier["amounts"]:
                return f"${rng.choice(carrier['amounts'])}"
            return f"${rng.randrange(12, 2400):,}.{rng.randrange(100):02d}"
        if kind == "order_date":
            if carrier["dates"]:
                return str(rng.choice(carrier["dates"]))
            day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(600))
            return day.strftime(rng.choice(("%d/%m/%Y", "%B %d", "%Y-%m-%d")))
        if kind == "time":
            hour, minute = rng.randrange(1, 13), rng.choice((0, 15, 30, 45))
            return rng.choice((f"{hour}:{minute:02d} pm", f"{hour + 8}:{minute:02d}", f"{hour}pm"))
        country = rng.choice(("US", "GB", "DE", "FR", "ES", "IT", "CZ", "TR", "PH"))
        return rng.choice(self.towns[country])


# ---------------------------------------------------------------------------- carrier text

def carriers(data: Path) -> tuple[list[dict[str, Any]], set[str]]:
    """Real customer text: {source, ref, text, name (first, last) to replace, fields to replace
    ({"zip"|"email"|"phone"|"username": old value}), item_ids, amounts, dates}."""
    out: list[dict[str, Any]] = []
    tasks = data / "tau_bench" / "tasks"
    for split in ("retail_tasks_train", "retail_tasks_dev"):
        for i, raw in enumerate((tasks / f"{split}.jsonl").read_text().splitlines()):
            task = json.loads(raw)
            text = re.sub(r"\s+", " ", task["instruction"]).strip()
            m = re.match(r"Your name is ([A-Z][a-z]+) ([A-Z][a-z]+) and your (zip code|email) is (\S+?)\.? ",
                         text)
            if not m or "address1" in text:  # a new address in the text would be unlabelled
                continue
            item_ids = sorted({str(x) for a in task["actions"] for key in ("item_ids", "new_item_ids")
                               for x in a["kwargs"].get(key, [])})
            out.append({"source": "tau-retail", "ref": f"{split} {i}", "text": text,
                        "name": (m.group(1), m.group(2)),
                        "fields": {"zip" if m.group(3) == "zip code" else "email": m.group(4)},
                        "item_ids": item_ids, "amounts": [], "dates": []})
    for raw in (data / "abcd" / "abcd_sample.jsonl").read_text().splitlines():
        convo = json.loads(raw)
        personal, order = convo["scenario"]["personal"], convo["scenario"]["order"]
        full = str(personal.get("customer_name", "")).title().split()
        fields = {k: str(personal[k]) for k in ("email", "phone", "username") if personal.get(k)}
        products = convo["scenario"].get("product", {})
        amounts = [str(a) for a in products.get("amounts", [])]
        dates = [order["purchase_date"]] if order.get("purchase_date") else []
        for n, (speaker, turn) in enumerate(convo["original"]):
            if speaker != "customer":
                continue
            turn = turn.strip()
            # the customer's own personal values are replaced; the order id stays (a look-alike)
            name = tuple(full) if len(full) == 2 and " ".join(full).lower() in turn.lower() else None
            out.append({"source": "abcd", "ref": f"convo {convo['convo_id']} turn {n}", "text": turn,
                        "name": name, "fields": {k: v for k, v in fields.items() if v in turn},
                        "item_ids": [order["order_id"]] if order.get("order_id") else [],
                        "amounts": amounts, "dates": dates})
    out += _few_shot_turns(data)
    db = tomllib.loads((data / "tau2_bench" / "domains" / "telecom" / "db.toml").read_text())
    for customer in db["customers"]:
        # the record's fields in its own order, as a customer-details note; every value planted
        out.append({"source": "tau2-telecom-db", "ref": f"customer {customer['customer_id']}",
                    "text": "", "record": [k for k in customer if k in RECORD_FIELDS],
                    "name": None, "fields": {}, "item_ids": [], "amounts": [], "dates": []})
    vocabulary = {w for c in out for w in re.findall(r"[a-z]+", c["text"].lower())}
    return out, vocabulary


def _few_shot_turns(data: Path) -> list[dict[str, Any]]:
    """Customer turns of the tau-bench few-shot dialogs ("Sure, I'm Sofia Hernandez, and my zip
    code is 98193."): the personal values the dialog's own tool results hold (names, zip codes,
    streets, emails, user ids) are found in the turn and replaced; a turn keeping any other
    personal-looking value (another name of the records, a second email, a date with a year,
    a card's last four, a five-digit number) is left out, as it would be unlabelled."""
    out: list[dict[str, Any]] = []
    for fname in ("MockRetailDomainEnv-few_shot.jsonl", "MockAirlineDomainEnv-few_shot.jsonl"):
        for d, raw in enumerate((data / "tau_bench" / "few_shot" / fname).read_text().splitlines()):
            dialog = json.loads(raw)["messages_display"]
            tools = dialog  # the records are in the tool results; the turns are looked up in them
            names = re.findall(r'"first_name": "([A-Z][a-z]+)", "last_name": "([A-Z][a-z]+)"', tools)
            name_words = {w for pair in names for w in pair}
            zips = set(re.findall(r'"zip": "(\d{5})"', tools))
            streets = set(re.findall(r'"address1": "(\d+ [A-Z][A-Za-z ]+)"', tools))
            lasts = set(re.findall(r'"last_four": "(\d{4})"', tools))
            item_ids = sorted(set(re.findall(r'"(?:item_id|product_id)": "(\d{10})"', tools)))
            messages = re.split(r"\n(?=(?:user|assistant|tool): )", dialog)
            turns = [m[len("user: "):].strip() for m in messages if m.startswith("user: ")]
            for t, turn in enumerate(turns):
                turn = re.sub(r"\s+", " ", turn)
                if len(turn) < 15:
                    continue
                fields: dict[str, str] = {}
                name = next((pair for pair in names if f"{pair[0]} {pair[1]}" in turn), None)
                rest = turn.replace(f"{name[0]} {name[1]}", " ") if name else turn
                emails = re.findall(r"[\w.+-]+@[\w-]+\.[\w.]*\w", rest)
                if len(emails) == 1:
                    fields["email"] = emails[0]
                    rest = rest.replace(emails[0], " ")
                ids = re.findall(r"\b[a-z]+_[a-z]+_\d{4}\b", rest)
                if len(ids) == 1:
                    fields["user_id"] = ids[0]
                    rest = rest.replace(ids[0], " ")
                for street in sorted(streets):
                    if street in rest:
                        fields["street_us"] = street
                        rest = rest.replace(street, " ")
                for z in sorted(zips):
                    if re.search(rf"(?<!\d){z}(?!\d)", rest):
                        fields["zip_us"] = z
                        rest = rest.replace(z, " ")
                # anything personal left would be unlabelled: the turn is left out
                if (set(re.findall(r"[A-Z][a-z]+", rest)) & name_words or "@" in rest
                        or re.search(r"\b[a-z]+_[a-z]+_\d+|(?<![\d#W])\d{5}(?!\d)|\b(?:19|20)\d\d\b", rest)
                        or any(x in rest for x in lasts)
                        or re.search(r"\b(?:name is|name's|I'm|I am|this is|it's) [A-Z][a-z]+ [A-Z][a-z]+",
                                     rest)
                        or re.search(r"\bending in \d", rest)):
                    continue
                out.append({"source": "tau-fewshot", "ref": f"{fname.split('-')[0]} line {d} turn {t}",
                            "text": turn, "name": name, "fields": fields, "item_ids": item_ids,
                            "amounts": [], "dates": []})
    return out


# ---------------------------------------------------------------------------- look-alikes

def lookalikes(text: str, products: list[str], openers_ok: set[str], towns: set[str]) -> list[dict[str, str]]:
    found = common.Found()
    add = found.add
    for m in re.finditer(r"#?\bW\d{7}\b", text):
        add(m.group(0), "order_id", "phone")
    for m in re.finditer(r"\b(?:credit_card|gift_card|paypal)_\d{7}\b", text):
        add(m.group(0), "payment_id", "phone")
    for m in re.finditer(r"(?<!\d)\d{10}(?!\d)", text):
        add(m.group(0), "order_id", "phone")
    for m in re.finditer(r"(?<![\d#\w])\d{7}(?!\d)", text):  # an order id said without its "#W"
        add(m.group(0), "order_id", "phone")
    for m in re.finditer(r"(?<!\w)(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6}(?!\w)", text):
        add(m.group(0), "reservation_id", "pin")
    months = "January|February|March|April|May|June|July|August|September|October|November|December"
    for m in re.finditer(rf"\b(?:{months}) \d{{1,2}}(?:st|nd|rd|th)?\b(?!,? \d)", text):
        add(m.group(0), "date", "dob")
    found.places(text, r"(?<!^)(?<![.!?] )\b([A-Z][a-z]+(?: [A-Z][a-z]+)?)\b", towns)
    for m in re.finditer(rf"'(\d+(?:\.\d+)? ?(?:{UNITS}))'", text):
        add(m.group(1), "size", "postcode")
    for m in re.finditer(r"'(\d{3,4})'", text):  # attribute values: '500' pieces, '1000' lumens
        add(m.group(1), "attribute_value", "pin")
    for m in re.finditer(r"\$\d+(?:,\d{3})*(?:\.\d\d)?", text):
        add(m.group(0), "price", "postcode")
    found.words(text, products, "product_name")
    found.words(text, PHRASAL, "phrasal_verb")
    found.openers(text, r"(?:^|[.!?;] )([A-Z][a-z]{2,})(?=[\s,])", openers_ok)
    return found


# ---------------------------------------------------------------------------- build

def plan() -> tuple[list[str], list[str]]:
    """Planted-clause jobs and look-alike-clause jobs, in a fixed order."""
    jobs = (["name"] * 21 + ["possessive"] * 24 + ["email"] * 24 + ["phone"] * 44
            + ["address"] * 46 + ["dob"] * 44 + ["iban"] * 16 + ["iban_pair"] * 6
            + ["card"] * 26 + ["national"] * 28 + ["pin"] * 10 + ["passcode"] * 8 + ["otp"] * 8)
    looks = (["item_id"] * 30 + ["ean"] * 14 + ["isbn"] * 12 + ["tracking"] * 24 + ["creditor_ref"] * 26
             + ["invoice"] * 28 + ["amount"] * 20 + ["order_date"] * 22 + ["town"] * 22 + ["time"] * 14)
    return jobs, looks


def _record(maker: Maker, keys: list[str], locale: str) -> tuple[str, list[dict[str, str]]]:
    """A customer-details note with the telecom record's fields, every value planted."""
    parts, spans = [], []
    address_locale = maker.pick(locale, ADDRESS_LOCALES)
    first, last, origin = maker.name(locale)
    for key in keys:
        label = key.replace("_", " ")
        if key == "full_name":
            parts.append(f"{label}: {first} {last}")
            spans += [common.span(first, "name", origin), common.span(last, "name", origin)]
        elif key == "date_of_birth":
            v = maker.dob(locale)
            parts.append(f"{label}: {v}")
            spans.append(common.span(v, "dob", locale))
        elif key == "email":
            v = maker.email(first, last, origin)
            parts.append(f"{label}: {v}")
            spans.append(common.span(v, "email", origin))
        elif key == "phone_number":
            v = maker.phone(locale)
            parts.append(f"{label}: {v}")
            spans.append(common.span(v, "phone", locale))
        elif key == "address":
            whole, street, postcode = maker.address(address_locale)
            parts.append(f"{label}: {whole}")
            spans += [common.span(street, "street", address_locale),
                      common.span(postcode, "postcode", address_locale)]
    return "Customer details; " + "; ".join(parts), spans


def plant(maker: Maker, job: str, locale: str) -> tuple[str, list[dict[str, str]]]:
    rng = maker.rng
    if job in ("name", "possessive"):
        return common.name_clause(rng, job, maker.name(locale), NAME_FRAMES, POSSESSIVE_FRAMES)
    if job == "email":
        first, last, origin = maker.name(locale)
        return common.clause(rng, EMAIL_FRAMES, maker.email(first, last, origin), "email", origin)
    if job == "phone":
        where = maker.turn(job, list(REGION))
        return common.clause(rng, PHONE_FRAMES, maker.phone(where), "phone", where)
    if job == "address":
        where = maker.turn(job, ADDRESS_LOCALES)
        whole, street, postcode = maker.address(where)
        return rng.choice(ADDRESS_FRAMES).format(v=whole), [common.span(street, "street", where),
                                                            common.span(postcode, "postcode", where)]
    if job == "dob":
        where = maker.turn(job, list(REGION))
        return common.clause(rng, DOB_FRAMES, maker.dob(where), "dob", where)
    if job == "iban":
        return common.iban_clause(rng, IBAN_FRAMES, *maker.iban(maker.turn(job, IBAN_LOCALES)))
    if job == "iban_pair":  # a compact IBAN in a list next to a spaced one, either order
        a, oa = maker.iban(locale)
        b, ob = maker.iban(rng.choice(IBAN_LOCALES))
        if rng.random() < 0.5:
            b = std_iban.format(b)
        else:
            a = std_iban.format(a)
        return common.pair_clause(IBAN_PAIR, (a, oa), (b, ob))
    if job == "card":
        return common.clause(rng, CARD_FRAMES, maker.card(), "card", "en_US")
    if job == "national":
        cue, v, origin = maker.national(maker.turn(job, [x[0] for x in NATIONAL]))
        text = rng.choice(NATIONAL_FRAMES).format(cue=cue, v=v)
        return text[0].upper() + text[1:], [common.span(v, "national_id", origin)]
    return common.clause(rng, CODE_FRAMES[job], maker.code(job), job, locale)


def _replace_once(text: str, old: str, new: str) -> str | None:
    pattern = common.word_re(old)
    if len(pattern.findall(text)) != 1:
        return None
    return pattern.sub(lambda _: new, text)


@common.at_build_time
def build(data: Path) -> list[dict[str, Any]]:
    lines_in, vocabulary = carriers(data)
    maker = Maker(vocabulary)
    products = sorted({str(p["name"]) for p in json.loads(
        (data / "tau2_bench" / "domains" / "retail" / "db.json").read_text())["products"].values()},
        key=lambda s: (-len(s), s))
    # an opener is an English word: it also occurs in lower case somewhere in the carrier text
    # (the words of this probe's own frames count too: "Will it arrive ...", "Deliver to ...")
    frames = NAME_FRAMES + POSSESSIVE_FRAMES + EMAIL_FRAMES + PHONE_FRAMES + ADDRESS_FRAMES + DOB_FRAMES \
        + IBAN_FRAMES + CARD_FRAMES + NATIONAL_FRAMES + [f for fs in CODE_FRAMES.values() for f in fs] \
        + [IBAN_PAIR] + [f for _, f in LOOKALIKE_FRAMES.values()]
    frame_words = {w for f in frames for w in re.findall(r"[a-z]+", re.sub(r"\{\w+\}", " ", f).lower())}
    words = vocabulary | frame_words
    openers_ok = {w for w in words if len(w) >= 3} - {"you", "your", "the"}
    us_towns = set(maker.towns["US"])  # places named in the tau-bench turns: US towns
    rng = random.Random(SEED + 1)
    # the retail instructions are many and alike: a fixed sample of them, all the rest
    retail = [c for c in lines_in if c["source"] == "tau-retail"]
    turns = [c for c in lines_in if c["source"] == "tau-fewshot"]
    valued = [c for c in turns if c["name"] or c["fields"]]
    plain = [c for c in turns if not (c["name"] or c["fields"])]
    others = [c for c in lines_in if c["source"] not in ("tau-retail", "tau-fewshot")]
    chosen = others + valued + rng.sample(plain, 150) + rng.sample(retail, 200)
    order = list(range(len(chosen)))
    rng.shuffle(order)
    jobs, looks = plan()
    rng.shuffle(jobs)
    rng.shuffle(looks)
    out: list[dict[str, Any]] = []
    for n, idx in enumerate(order):
        carrier = chosen[idx]
        locale = LINE_LOCALES[n % len(LINE_LOCALES)]
        text = carrier["text"]
        spans: list[dict[str, str]] = []
        ok = True
        if "record" in carrier:
            text, spans = _record(maker, carrier["record"], locale)
        first = last = origin = ""
        if carrier["name"]:
            first, last, origin = maker.name(locale)
            old = " ".join(carrier["name"])
            new = _replace_once(text, old, f"{first} {last}") if old in text else \
                _replace_once(text, old.lower(), f"{first} {last}".lower())
            ok = ok and new is not None
            text = new or text
            written = (first, last) if f"{first} {last}" in text else (first.lower(), last.lower())
            spans += [common.span(written[0], "name", origin), common.span(written[1], "name", origin)]
        for field, old in carrier["fields"].items():
            if field in ("email", "username"):
                if not first:
                    first, last, origin = maker.name(locale)
                value = maker.email(first, last, origin, joined=bool(carrier["name"]))
                if field == "username":
                    value = value.split("@")[0]
                kind, where = ("email" if field == "email" else "user_id"), origin
            elif field == "user_id":  # a tau-bench id is built from the customer's name
                if not first:
                    first, last, origin = maker.name(locale)
                value = common.user_id(first, last, old)
                kind, where = "user_id", origin
            elif field == "zip":
                where = maker.pick(locale, ADDRESS_LOCALES)
                value, kind = maker.postcode(where), "postcode"
            elif field in ("zip_us", "street_us"):  # the turn names a US town and state
                where = "en_US"
                if field == "zip_us":
                    value, kind = maker.postcode(where), "postcode"
                else:
                    value, kind = maker.address(where)[1], "street"
            else:
                where = locale
                value, kind = maker.phone(locale), "phone"
            new = _replace_once(text, old, value)
            ok = ok and new is not None
            text = new or text
            spans.append(common.span(value, kind, where))
        if not ok:
            continue
        # one planted clause on most lines, two on some, so every job is placed
        remaining = len(order) - n
        count = 2 if len(jobs) > remaining else (1 if jobs and (not spans or rng.random() < 0.75) else 0)
        added: list[str] = []
        taken = [jobs.pop() for _ in range(min(count, len(jobs)))]
        for job in taken:
            clause, planted = plant(maker, job, locale)
            added.append(clause)
            spans += planted
        look_clause, look_taken, harmless = None, [], []
        if looks and (len(looks) >= remaining or rng.random() < 0.6):
            made = maker.lookalike(looks[-1], carrier)
            if made and made not in text:
                look_taken.append(looks.pop())
                resembles, frame = LOOKALIKE_FRAMES[look_taken[0]]
                look_clause = frame.format(v=made)
                harmless.append({"value": made, "kind": look_taken[0], "resembles": resembles})
        pieces = [text] + added + ([look_clause] if look_clause else [])
        # a clause follows a finished sentence ("Headphones; Hiking Boots;" ends with a period)
        text = " ".join(p if p.endswith((".", "?", "!")) or k == len(pieces) - 1 else p.rstrip(" ;,") + "."
                        for k, p in enumerate(pieces) if p)
        # every planted value occurs exactly once as a word; look-alikes never overlap one
        if not common.planted_once(spans, text):
            jobs += taken[::-1]  # the line is left out; its jobs go to the next lines
            looks += look_taken
            continue
        # look-alikes of the whole line (the clauses' openers too: "Will it arrive ..."; places
        # only from a carrier text with no planted address: never an address's town), then the look-alike
        # clause's own value
        harmless = [h for h in lookalikes(text, products, openers_ok, us_towns)
                    if all(h["value"] != x["value"] for x in harmless)
                    and (h["kind"] != "place" or (h["value"] in carrier["text"]
                                                  and all(x["kind"] != "street" for x in spans)))] + harmless
        harmless = common.clear_of(harmless, spans, text)
        if not spans and not harmless:
            continue
        out.append(common.held_out_line(f"p5-{len(out) + 1}", locale, carrier, text, spans, harmless))
    return out


def main() -> None:
    args = common.parse_args(__doc__, OUT)
    if not (args.data / "tau_bench").is_dir() or not (args.data / "abcd").is_dir():
        raise SystemExit(f"error: {args.data}: no tau_bench or abcd folder (the shared public data)")
    lines = build(args.data)
    common.write_jsonl(args.out, lines)
    counts, looks = common.count(lines), common.count(lines, "harmless", "resembles")
    print(f"{len(lines)} lines, {sum(looks.values())} look-alikes ("
          + ", ".join(f"{k} {v}" for k, v in sorted(looks.items())) + "); planted: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
