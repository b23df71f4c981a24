"""Build the fourth personal-data probe (tests/data/pii_probe_fourth.jsonl) from public text.

Written by an engineer who never opened the scrubber (convsim/scenarios/pii*.py) and never
scored this probe: the whole file is held out (every line has ``half: "held-out"``), to be
scored once by `benchmarks/pii_probe.py --probe tests/data/pii_probe_fourth.jsonl`.

Carrier text (written by others, in ../shared/data, none used by an earlier probe):
  - tau2-bench airline tasks.json: reason_for_call, known_info, task_instructions paragraphs
    (the known_info names are replaced by planted ones, user ids rebuilt from them);
  - tau2-bench telecom tasks_small.json: the same fields (name and phone replaced);
  - Taskmaster-4 coffee dialogs.part02-part04 (the third probe used part05-10, convsim's
    sample is part01): customer turns;
  - Taskmaster-1 sample.json: the customer's turns of its one dialog.
Each line is one real paragraph or turn plus one or two planted clauses (names, possessive
names, emails, phones, addresses, dates of birth, IBANs, cards, national ids, PINs,
passcodes, one-time codes) with values from Faker in locales no earlier probe used (en_NZ,
en_IE, de_AT, de_CH, fr_CA, nl_BE, pt_PT, da_DK, pl_PL, es_MX, es_AR, fr_BE, it_CH) and
a few common ones; every number is checked (phonenumbers, python-stdnum, Luhn).
Look-alikes are taken mechanically from the carrier text: reservation ids, flight numbers,
airport codes, prices, times, dates, menu items, tier names, capitalised sentence openers,
phrasal verbs, place names alone.

    .venv/bin/python benchmarks/pii_probe_fourth_build.py [--data ../shared/data] [--out FILE]
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

import phonenumbers
from stdnum import iban as std_iban
from stdnum.ar import cuit
from stdnum.at import vnr
from stdnum.be import nn
from stdnum.ch import ssn as ch_ssn
from stdnum.mx import curp
from stdnum.pl import pesel

sys.path.append(str(Path(__file__).resolve().parent))  # for pii_probe_common, next to this file
import pii_probe_common as common  # noqa: E402

DATA = common.DATA  # the default --data (the tests read it)
OUT = common.REPO / "tests" / "data" / "pii_probe_fourth.jsonl"
BUILT = dt.date(2026, 12, 6)
SEED = 20261206

NEW = ["en_NZ", "en_IE", "de_AT", "de_CH", "fr_CA", "nl_BE", "pt_PT", "da_DK", "pl_PL",
       "es_MX", "es_AR", "fr_BE", "it_CH"]
COMMON = ["en_GB", "en_US", "de_DE", "fr_FR"]
LOCALES = NEW + NEW + COMMON  # new locales twice as often as the common ones
COUNTRY = {"en_NZ": "NZ", "en_IE": "IE", "de_AT": "AT", "de_CH": "CH", "fr_CA": "CA",
           "nl_BE": "BE", "pt_PT": "PT", "da_DK": "DK", "pl_PL": "PL", "es_MX": "MX",
           "es_AR": "AR", "fr_BE": "BE", "it_CH": "CH", "en_GB": "GB", "en_US": "US",
           "de_DE": "DE", "fr_FR": "FR"}
# locales whose Faker address provider is the country's own (others borrow one for addresses)
ADDRESS_LOCALE = {"fr_BE": "nl_BE", "it_CH": "de_CH"}
DOB_FORMAT = {"en_NZ": "%d/%m/%Y", "en_IE": "%d/%m/%Y", "de_AT": "%d.%m.%Y", "de_CH": "%d.%m.%Y",
              "fr_CA": "%Y-%m-%d", "nl_BE": "%d/%m/%Y", "pt_PT": "%d-%m-%Y", "da_DK": "%d-%m-%Y",
              "pl_PL": "%d.%m.%Y", "es_MX": "%d/%m/%Y", "es_AR": "%d/%m/%Y", "fr_BE": "%d/%m/%Y",
              "it_CH": "%d.%m.%Y", "en_GB": "%d/%m/%Y", "en_US": "%m/%d/%Y", "de_DE": "%d.%m.%Y",
              "fr_FR": "%d/%m/%Y"}
IBAN_LOCALES = ["de_AT", "de_CH", "nl_BE", "pt_PT", "da_DK", "pl_PL", "en_IE", "fr_FR", "de_DE",
                "en_GB"]
# national ids written compact after a cue word: (locale, cue, faker method, validator)
NATIONAL = [("de_CH", "my AHV number is", "ssn", ch_ssn),
            ("nl_BE", "my national register number is", "ssn", nn),
            ("pl_PL", "my PESEL is", "ssn", pesel), ("es_MX", "my CURP is", "curp", curp),
            ("es_AR", "my CUIT is", "ssn", cuit), ("de_AT", "my social insurance number is", "ssn", vnr)]
NAME_FRAMES = ["My name is {n}.", "This is {n} speaking.", "The booking is under {n}.",
               "It's {n}, I called yesterday.", "Put it under the name {n}, please.",
               "{n} here, by the way.", "You can note the caller as {n}."]
POSSESSIVE_FRAMES = ["I'm calling for {n}'s account.", "This is about {n}'s booking.",
                     "Can you check {n}'s order too?", "I'm ringing on behalf of {n}'s family.",
                     "Please add it to {n}'s profile."]
EMAIL_FRAMES = ["My email is {v}.", "Send the receipt to {v}, please.", "You can reach me at {v}.",
                "The email on file should be {v}."]
PHONE_FRAMES = ["My number is {v}.", "Call me back on {v}.", "The phone on the account is {v}.",
                "Text me at {v} when it's done."]
ADDRESS_FRAMES = ["I live at {v}.", "Ship it to {v}.", "My address is {v}.",
                  "The billing address is {v}."]
DOB_FRAMES = ["My date of birth is {v}.", "I was born on {v}.", "DOB {v}, if you need it."]
IBAN_FRAMES = ["Refund it to my IBAN {v}.", "The IBAN on file is {v}."]
IBAN_PAIR = "My accounts are {a} and {b}, use the second one."
CARD_FRAMES = ["Charge it to my card {v}.", "The card number is {v}.", "Use the card {v} this time."]
PIN_FRAMES = {"pin": ["My PIN is {v}.", "The PIN I set was {v}."],
              "passcode": ["The passcode on the account is {v}.", "My passcode is {v}."],
              "otp": ["The one-time code you sent me is {v}.", "I got the code {v} by text."]}
PHRASAL = ["sign up for", "signed up for", "pick it up", "pick up", "picked up", "go ahead",
           "show up", "showing up", "set up", "look up", "check in", "check out", "figure out",
           "make up", "made up", "call back", "go for", "come back", "hold on", "go with",
           "cancel out", "find out", "turn off", "turn on", "switch off", "switch on",
           "top up", "log in", "run out", "back up", "carry on", "drop off"]


class Maker(common.MakerBase):
    def __init__(self, vocabulary: set[str]) -> None:
        super().__init__(SEED, vocabulary)

    def name(self, locale: str) -> tuple[str, str, str]:
        """(first, last, origin): half the names from the line's locale, half from another."""
        origin = locale if self.rng.random() < 0.5 else self.rng.choice(LOCALES)
        first, last = self._first_last(origin)
        return first, last, origin

    def phone(self, locale: str) -> str:
        number = self.valid_number(locale, COUNTRY[locale])
        # written as people of that country write it (national or international form)
        fmt = self.rng.choice((phonenumbers.PhoneNumberFormat.NATIONAL,
                               phonenumbers.PhoneNumberFormat.INTERNATIONAL))
        return phonenumbers.format_number(number, fmt)

    def email(self, locale: str) -> str:
        first, last, _ = self.name(locale)
        sep = self.rng.choice((".", "_", ""))
        digits = str(self.rng.randrange(10, 999)) if self.rng.random() < 0.5 else ""
        domain = self.faker(locale).free_email_domain()
        return f"{common.ascii_fold(first).lower()}{sep}{common.ascii_fold(last).lower()}{digits}@{domain}"

    def dob(self, locale: str) -> str:
        # Not Faker's date_of_birth: it counts back from the clock, so the probe changed with
        # the time of day it was built. Ages 18-85 on the probe's fixed build date instead.
        self.faker(locale).date_of_birth(minimum_age=18, maximum_age=85)  # keeps the stream
        self.dobs = getattr(self, "dobs", 0) + 1
        days = random.Random(f"{locale}:{self.dobs}").randint(18 * 365, 85 * 365)
        born = BUILT - dt.timedelta(days=days)
        if self.rng.random() < 0.2:
            return f"{born.day} {born.strftime('%B')} {born.year}"
        return born.strftime(DOB_FORMAT[locale])

    def address(self, locale: str) -> tuple[str, str, str]:
        """(whole address, street, postcode) in the country's order, with a real town."""
        fake = self.faker(ADDRESS_LOCALE.get(locale, locale))
        country = COUNTRY[locale]
        street = re.sub(r"\s+,", ",", re.sub(r"\s*\n\s*", ", ", fake.street_address()))
        town = self.rng.choice(self.towns[country])
        postcode = fake.postcode()
        if country == "MX":
            postcode = postcode[:5]
        if country == "AR":  # the four-digit code people still write before the town
            postcode = postcode[:4]
        if country == "BE":
            postcode = str(self.rng.randrange(1000, 9999))
        if country in ("NZ", "GB"):
            whole = f"{street}, {town} {postcode}"
        elif country == "IE":
            whole = f"{street}, {town}, {postcode}"
        elif country == "CA":
            whole = f"{street}, {town} (Québec) {postcode}"
        elif country == "US":
            whole = f"{street}, {town}, {fake.state_abbr()} {postcode}"
        elif country == "MX":
            whole = f"{street}, C.P. {postcode}, {town}"
        else:  # AT, CH, BE, PT, DK, PL, AR, DE, FR: postcode before the town
            whole = f"{street}, {postcode} {town}"
        return whole, street, postcode

    def iban(self, locale: str) -> tuple[str, str]:
        if locale not in IBAN_LOCALES or self.rng.random() < 0.3:
            locale = self.rng.choice(IBAN_LOCALES)
        return self.valid_iban(locale, COUNTRY[locale]), locale

    def card(self) -> str:
        number = self.card_number(("visa16", "mastercard", "amex", "discover"))
        if self.rng.random() < 0.5:
            return number
        return " ".join(number[i:i + 4] for i in range(0, len(number), 4))

    def national(self, locale: str) -> tuple[str, str, str]:
        own = [x for x in NATIONAL if x[0] == locale]
        locale, cue, method, module = own[0] if own else self.rng.choice(NATIONAL)
        for _ in range(200):
            value = module.compact(getattr(self.faker(locale), method)())
            if module.is_valid(value):
                return cue, value, locale
        raise RuntimeError(f"no valid national id for {locale}")

    def code(self, kind: str) -> str:
        length = 4 if kind == "pin" else self.rng.choice((6, 6, 8)) if kind == "passcode" else 6
        while True:
            value = "".join(str(self.rng.randrange(10)) for _ in range(length))
            if not re.fullmatch(r"(19|20)\d\d", value) and value[0] != "0":
                return value


# ---------------------------------------------------------------------------- carrier text

def _paragraphs(text: str | None) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if len(p.strip()) >= 20]


def carriers(data: Path) -> tuple[list[dict[str, Any]], set[str]]:
    """Real paragraphs/turns: {source, ref, text, name (the known_info name to replace),
    phone (telecom known_info phone to replace), menu (menu item names of the dialog)}."""
    out: list[dict[str, Any]] = []
    tau2 = data / "tau2_bench" / "domains"
    for domain, fname in (("airline", "tasks.json"), ("telecom", "tasks_small.json")):
        for task in json.loads((tau2 / domain / fname).read_text()):
            ins = task["user_scenario"]["instructions"]
            known = re.sub(r"\s*\n\s*", " ", (ins.get("known_info") or "").strip())
            if known:
                names = re.findall(r"(?:You are|name is) ([A-Z][a-z]+) ([A-Z][a-z]+)", known)
                phone = re.search(r"\d{3}-\d{3}-\d{4}", known)
                out.append({"source": f"tau2-{domain}", "ref": f"task {task['id']} known_info",
                            "text": known, "name": names or None,
                            "phone": phone.group(0) if phone else None, "menu": []})
            for field in ("reason_for_call", "task_instructions"):
                for i, para in enumerate(_paragraphs(ins.get(field))):
                    out.append({"source": f"tau2-{domain}", "ref": f"task {task['id']} {field} {i}",
                                "text": re.sub(r"\s+", " ", para), "name": None, "phone": None,
                                "menu": []})
    # paragraphs naming a person (a word of a known_info name in a capitalised pair, e.g. a
    # passenger) would carry an unlabelled name: left out
    known_words = {w for c in out if c["name"] for pair in c["name"] for w in pair}
    out = [c for c in out if c["name"] or not known_words & set(re.findall(r"[A-Z][a-z]+", c["text"]))]
    tm4 = data / "taskmaster" / "tm4_coffee"
    for part in ("dialogs.part02.jsonl", "dialogs.part03.jsonl", "dialogs.part04.jsonl"):
        for raw in (tm4 / part).read_text().splitlines()[::6]:
            dialog = json.loads(raw)
            menu: set[str] = set()
            for utt in dialog["utterances"]:
                for ann in utt.get("annotations") or []:
                    if ann.get("name") == "response" and "menu_items" in ann.get("value", ""):
                        try:
                            items = json.loads(ann["value"]).get("menu_items", [])
                        except json.JSONDecodeError:
                            continue
                        menu.update(str(x.get("name", "")).strip() for x in items)
            turns = [u["text"].strip() for u in dialog["utterances"]
                     if u["speaker"].lower() == "user" and len(u["text"].strip()) >= 25]
            # turns where the customer gives a name of their own are left out (unlabelled)
            turns = [t for t in turns if not re.search(r"\bname\b|\bI'm [A-Z]|\bthis is [A-Z]", t)]
            for i, turn in enumerate(turns[:2]):
                out.append({"source": "tm4-coffee", "ref": f"{part} {dialog['conversation_id']} turn {i}",
                            "text": re.sub(r"\s+", " ", turn), "name": None, "phone": None,
                            "menu": sorted(m for m in menu if m)})
    tm1 = json.loads((data / "taskmaster" / "tm1_sample" / "sample.json").read_text())
    for utt in tm1["utterances"]:
        if utt["speaker"] == "USER" and len(utt["text"]) >= 15:
            out.append({"source": "tm1-sample", "ref": f"{tm1['conversation_id']} turn {utt['index']}",
                        "text": utt["text"].strip(), "name": None, "phone": None,
                        "menu": ["Thursday Kitchen"]})
    vocabulary = {w for c in out for w in re.findall(r"[a-z]+", c["text"])}
    return out, vocabulary


# ---------------------------------------------------------------------------- look-alikes

def lookalikes(text: str, menu: list[str], openers_ok: set[str], towns: set[str]) -> list[dict[str, str]]:
    found = common.Found()
    add = found.add
    for m in re.finditer(r"(?<![\w$])[A-Z]{3}\d{3}(?!\w)", text):
        add(m.group(0), "flight_number", "pin")
    for m in re.finditer(r"(?<!\w)(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6}(?!\w)", text):
        if not re.fullmatch(r"[A-Z]{3}\d{3}", m.group(0)):
            add(m.group(0), "reservation_id", "pin")
    for m in re.finditer(r"#?W\d{7}\b|\b(?:certificate|gift_card|credit_card)_\d{7}\b", text):
        add(m.group(0), "payment_or_order_id", "phone")
    for m in re.finditer(r"\b\d{1,2}%", text):
        add(m.group(0), "percentage", "pin")
    for m in re.finditer(r"\$\d+(?:,\d{3})*(?:\.\d\d)?", text):
        add(m.group(0), "price", "postcode")
    for m in re.finditer(r"\b\d{1,2}(?::\d\d)? ?(?:am|pm|AM|PM)\b|\b\d{1,2}:\d\d\b", text):
        add(m.group(0), "time", "dob")
    for m in re.finditer(r"\b\d{4}-\d\d-\d\d\b|\b(?:January|February|March|April|May|June|July|August|"
                         r"September|October|November|December) \d{1,2}(?:st|nd|rd|th)?\b", text):
        add(m.group(0), "date", "dob")
    for m in re.finditer(r"\b\d+(?:\.\d+)? ?(?:GB|MB|oz|ounces?)\b", text):
        add(m.group(0), "size", "postcode")
    for m in re.finditer(r"(?<!\w)(?:to|from|in|at|and) ([A-Z]{3})(?!\w)", text):
        add(m.group(1), "airport_code", "name")
    tiers = r"\b(Gold|Silver|Regular|Basic Economy|Business|Economy)\b(?= (?:member|class|cabin))"
    for m in re.finditer(tiers, text):
        add(m.group(1), "tier", "name")
    found.words(text, [item for item in menu if item and item[0].isupper()], "menu_item")
    found.words(text, PHRASAL, "phrasal_verb")
    found.openers(text, r"(?:^|[.!?] )([A-Z][a-z]{2,})(?=[\s,])", openers_ok)
    found.places(text, r"(?<![.!?] )(?<!^)\b([A-Z][a-z]+(?: [A-Z][a-z]+)?)\b", towns)
    return found


# ---------------------------------------------------------------------------- build

def plan() -> list[str]:
    """One job per line, in a fixed order; some lines get a second job."""
    jobs = (["name"] * 45 + ["possessive"] * 24 + ["email"] * 48 + ["phone"] * 45
            + ["address"] * 48 + ["dob"] * 48 + ["iban"] * 12 + ["iban_pair"] * 6
            + ["card"] * 22 + ["national"] * 22 + ["pin"] * 15 + ["passcode"] * 10 + ["otp"] * 10)
    return jobs


@common.at_build_time
def build(data: Path) -> list[dict[str, Any]]:
    lines_in, vocabulary = carriers(data)
    maker = Maker(vocabulary)
    # an opener is an English word: it also occurs in lower case somewhere in the carrier text
    openers_ok = {w for w in vocabulary if len(w) >= 3} - {"you", "your", "the"}
    towns = {t for c in ("US", "GB", "CA", "AU") for t in maker.towns.get(c, [])}
    rng = random.Random(SEED + 1)
    order = list(range(len(lines_in)))
    rng.shuffle(order)
    jobs = plan()
    rng.shuffle(jobs)
    out: list[dict[str, Any]] = []
    for n, idx in enumerate(order):
        carrier = lines_in[idx]
        locale = LOCALES[n % len(LOCALES)]
        text = carrier["text"]
        spans: list[dict[str, str]] = []
        for k, (old_first, old_last) in enumerate(carrier["name"] or []):
            new_first, new_last, new_origin = maker.name(locale)
            text = text.replace(f"{old_first} {old_last}", f"{new_first} {new_last}")
            spans += [common.span(new_first, "name", new_origin), common.span(new_last, "name", new_origin)]
            if k == 0:  # the user id is the first name's
                first, last, origin = new_first, new_last, new_origin
        for m in re.finditer(r"(?<!\w)[a-z]+_[a-z]+_\d{4}(?!\w)", carrier["text"]):
            # a user id built from the customer's name: rebuilt from a planted name when the
            # text gives none (the ids of named customers were rebuilt above)
            if not carrier["name"]:
                first, last, origin = maker.name(locale)
            new = common.user_id(first, last, m.group(0))
            text = text.replace(m.group(0), new)
            spans.append(common.span(new, "user_id", origin))
        if carrier["phone"]:
            phone = maker.phone(locale)
            text = text.replace(carrier["phone"], phone)
            spans.append(common.span(phone, "phone", locale))
        harmless = lookalikes(text, carrier["menu"], openers_ok, towns)
        count = 1 if not jobs else (2 if len(jobs) > len(order) - n else 1)
        added: list[str] = []
        for _ in range(count):
            if not jobs:
                break
            job = jobs.pop()
            clause, planted = plant(maker, job, locale)
            added.append(clause)
            spans += planted
        if not added and not spans and not harmless:
            continue
        text = " ".join([text] + added)
        # every planted value occurs exactly once as a word; look-alikes never overlap one
        if not common.planted_once(spans, text):
            continue
        out.append(common.held_out_line(f"p4-{len(out) + 1}", locale, carrier, text, spans,
                                 common.clear_of(harmless, spans, text)))
    return out


def plant(maker: Maker, job: str, locale: str) -> tuple[str, list[dict[str, str]]]:
    rng = maker.rng
    if job in ("name", "possessive"):
        return common.name_clause(rng, job, maker.name(locale), NAME_FRAMES, POSSESSIVE_FRAMES)
    if job == "email":
        return common.clause(rng, EMAIL_FRAMES, maker.email(locale), "email", locale)
    if job == "phone":
        return common.clause(rng, PHONE_FRAMES, maker.phone(locale), "phone", locale)
    if job == "address":
        whole, street, postcode = maker.address(locale)
        return rng.choice(ADDRESS_FRAMES).format(v=whole), [common.span(street, "street", locale),
                                                            common.span(postcode, "postcode", locale)]
    if job == "dob":
        return common.clause(rng, DOB_FRAMES, maker.dob(locale), "dob", locale)
    if job == "iban":
        return common.iban_clause(rng, IBAN_FRAMES, *maker.iban(locale))
    if job == "iban_pair":  # a compact IBAN in a list next to a spaced one
        a = maker.iban(locale)
        b, ob = maker.iban(locale)
        return common.pair_clause(IBAN_PAIR, a, (std_iban.format(b), ob))
    if job == "card":
        return common.clause(rng, CARD_FRAMES, maker.card(), "card", "en_US")
    if job == "national":
        cue, v, origin = maker.national(locale)
        frame = rng.choice(("{c} {v}.", "For the record, {c} {v}."))
        text = frame.format(c=cue if frame.startswith("For") else cue[0].upper() + cue[1:], v=v)
        return text, [common.span(v, "national_id", origin)]
    return common.clause(rng, PIN_FRAMES[job], maker.code(job), job, locale)


def main() -> None:
    args = common.parse_args(__doc__, OUT)
    if not (args.data / "tau2_bench").is_dir():
        raise SystemExit(f"error: {args.data}: no tau2_bench folder (the shared public data)")
    lines = build(args.data)
    common.write_jsonl(args.out, lines)
    counts = common.count(lines)
    print(f"{len(lines)} lines, {sum(len(x['harmless']) for x in lines)} look-alikes, "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
