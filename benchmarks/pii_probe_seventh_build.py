"""Build the seventh personal-data probe (tests/data/pii_probe_seventh.jsonl) from public text.

Written by an engineer who never opened the scrubber (convsim/scenarios/pii*.py), never ran it
and never read any probe's scoring output: the whole file is held out (every line has
``half: "held-out"``), to be scored once by
`benchmarks/pii_probe.py --probe tests/data/pii_probe_seventh.jsonl`.

Carrier text (in ../shared/data; no earlier probe used it):
  - tau-bench (v1) airline task instructions of tasks 8-49 (`tasks/airline_tasks_test.jsonl`;
    0-7 are convsim's sample): the user id, names, dates of birth and e-mail of the airline
    database found in them and replaced as the sixth probe's builder does for the customers'
    turns (`pii_probe_sixth_build`: finder, leaving-out rule and refill reused);
  - tau-bench (v1) retail task instructions of the test split (`tasks/retail_tasks_test.jsonl`;
    the fifth probe used train and dev): the customer's name, user id, zip code, e-mail and
    street of the retail database (tau2-bench `retail/db.json`) are found in the text ("You are
    Yusuf Rossi in 19122.", "You are mei_kovacs_8020 (zip code 28236)") and replaced by planted
    ones; an instruction keeping any other personal-looking value is left out;
  - Taskmaster-4 coffee customer turns of `dialogs.part02-04` outside every sixth dialog (the
    fourth probe used every sixth, from the first); turns with a name cue, a first name, an
    e-mail or a long number are left out.
Most lines get one or two planted clauses (frames written for this probe) and some a look-alike
clause around a business number. Values: pii_probe_seventh_build_values.py.

    .venv/bin/python benchmarks/pii_probe_seventh_build.py [--data ../shared/data] [--out FILE]
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parent))  # for the helpers next to this file
import pii_probe_clauses as clauses  # noqa: E402
import pii_probe_common as common  # noqa: E402
import pii_probe_seventh_build_values as values  # noqa: E402
import pii_probe_sixth_build as sixth  # noqa: E402
from pii_probe_seventh_build_values import LINE_LOCALES, SEED, Maker  # noqa: E402

DATA = common.DATA
OUT = common.REPO / "tests" / "data" / "pii_probe_seventh.jsonl"
EARLIER = [common.REPO / "tests" / "data" / f"pii_probe{n}.jsonl"  # named: later probes must not change it
           for n in ("", "_external", "_fifth", "_fourth", "_public", "_seventh", "_sixth")]

# Frames written for this probe (none of an earlier probe's).
NAME_FRAMES = ["The account holder is {n}.", "It should be listed under {n}, I think.",
               "{n} here, I rang earlier.", "Put {n} down as the recipient."]
POSSESSIVE_FRAMES = ["I'm ringing about {n}'s order, she's in hospital.",
                     "{n}'s parcel went to the wrong door.", "Could you add it to {n}'s profile instead?",
                     "This was {n}'s present, so no receipt.", "I'm handling {n}'s return for him.",
                     "Cancel {n}'s subscription too while you're at it."]
FIRST_POSSESSIVE_FRAMES = ["My daughter {f}'s mug came chipped.", "Use {f}'s details for the delivery."]
EMAIL_FRAMES = ["Please email the label to {v}.", "My login email is {v}",
                "{v} is where the confirmation should go.", "you can use {v} for updates"]
PHONE_CUE = ["Best number for me is {v}.", "phone {v}", "Please ring {v} when the courier is close.",
             "my cell: {v}", "WhatsApp me on {v}."]
PHONE_BARE = ["{v} if anything comes up.", "Oh, and {v}, that's the one to use.", "Try {v} after lunch."]
ADDRESS_FRAMES = ["Please deliver to {v}.", "I moved, it's {v} now.", "Send the replacement to {v}.",
                  "Address: {v}", "The invoice address should be {v}."]
DOB_FRAMES = ["Born {v}.", "My DOB is {v}.", "Date of birth {v}", "For the age check: {v}."]
IBAN_FRAMES = ["Please refund it to {v}.", "IBAN: {v}", "My account is {v}, that's for the refund.",
               "Pay the difference into {v}."]
IBAN_PAIR = "I have {a} and also {b}, the first is the one to use."
CARD_FRAMES = ["Card: {v}", "The number is {v}, expiry 11/29.", "Please use my other card, {v}.",
               "charge {v} for the difference"]
NATIONAL_CUE = ["My {cue} is {v}.", "{cue} {v}", "Your form wants the {cue}: {v}."]
NATIONAL_BARE = ["Here it is: {v}.", "{v}, that's the ID you asked for."]
USER_FRAMES = ["My username is {v}.", "Customer number {v}", "The account number is {v}.", "Log in as {v}"]
CODE_FRAMES = {
    "pin": ["PIN {v}", "my pin is {v}", "It's {v}.", "{v}, that's the pin"],
    "passcode": ["The passcode is {v}.", "I set the passcode to {v}", "passcode {v}"],
    "otp": ["The code you sent is {v}.", "Got it: {v}", "Okay, {v}.", "One-time code {v}, it expires soon."],
}
LOOKALIKE_FRAMES = {"gift_card": ("card", "The gift card says {v} on the back."),
                    "ean": ("card", "The barcode reads {v}."),
                    "isbn": ("card", "ISBN {v}, the hardback."),
                    "order_dashed": ("phone", "Order number {v} still shows pending."),
                    "waybill": ("phone", "DHL waybill {v} hasn't moved."),
                    "invoice": ("national_id", "Invoice {v} has the wrong total."),
                    "creditor_ref": ("iban", "Payment reference {v}."),
                    "flight": ("pin", "My flight is {v}, so I need it before then."),
                    "booking_ref": ("pin", "Booking code {v}."),
                    "street_product": ("street", "Is the {v} blend back in stock?"),
                    "capacity": ("postcode", "I also want the {v} power bank."),
                    "amount": ("postcode", "I was charged {v} twice."),
                    "travel_date": ("dob", "It was delivered on {v}."),
                    "promo": ("user_id", "The promo code {v} was rejected."),
                    "website": ("email", "I found it on {v}."),
                    "town": ("name", "I'm picking it up at the {v} branch.")}
ID_CUES = {"IS": "kennitala", "DK": "CPR number", "PT": "NIF", "IN": "PAN",
           "KR": "resident registration number", "CN": "resident ID number", "PE": "CUI", "EC": "cédula",
           "TH": "Thai ID number"}
PHRASAL = sixth.PHRASAL + ["send back", "swap out", "top up", "hand over"]

JOBS = {"name": 16, "possessive": 22, "first_possessive": 8, "email": 36, "phone": 46, "address": 46,
        "dob": 44, "iban": 24, "iban_pair": 3, "card": 28, "national": 30, "user_id": 16, "pin": 10,
        "passcode": 8, "otp": 12}
LOOKS = {"gift_card": 16, "ean": 8, "isbn": 6, "order_dashed": 16, "waybill": 14, "invoice": 26,
         "creditor_ref": 24, "flight": 14, "booking_ref": 12, "street_product": 24, "capacity": 12,
         "amount": 14, "travel_date": 24, "promo": 24, "website": 12, "town": 14}


# ---------------------------------------------------------------------------- carrier text


def _earlier_texts() -> str:
    return "\n".join(json.loads(x)["text"] for p in EARLIER if p != OUT
                     for x in p.read_text().splitlines() if x.strip())


def retail_lines(data: Path) -> list[dict[str, Any]]:
    """Retail test-split instructions with the database's personal values of their customer."""
    db = json.loads((data / "tau2_bench" / "domains" / "retail" / "db.json").read_text())
    users = db["users"]
    name_words = {w for u in users.values() for w in u["name"].values()}
    options = {str(v) for p in db["products"].values() for item in p["variants"].values()
               for v in item["options"].values()}
    earlier = _earlier_texts()
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    tasks = (data / "tau_bench" / "tasks" / "retail_tasks_test.jsonl").read_text().splitlines()
    for n, raw in enumerate(tasks):
        task = json.loads(raw)
        text = re.sub(r"\s+", " ", task["instruction"]).strip()
        user = users.get(task["user_id"])
        if user is None or text in seen or text[:60] in earlier:
            continue
        seen.add(text)
        first, last = user["name"]["first_name"], user["name"]["last_name"]
        found: list[tuple[str, str, int]] = []
        rest = text
        for old, field in ((task["user_id"], "user_id"), (user["email"], "email"),
                           (user["address"]["address1"], "street"), (user["address"]["zip"], "zip"),
                           (f"{first} {last}", "full"), (first, "first"), (last, "last")):
            if re.search(sixth._word_at(old), rest):
                found.append((old, field, 0))
                rest = re.sub(sixth._word_at(old), " ", rest)
        rest = re.sub(r"#W\d{7}|\$[\d,]+(?:\.\d\d)?", " ", rest)
        if "@" in rest or re.search(r"[a-z]+_[a-z]+_\d{4}|\d{4,}", rest) \
                or set(re.findall(r"[A-Z][a-z]+", rest)) & name_words \
                or re.search(r"\b(?:Suite|Apt|Street|Avenue|Drive|Lane|Road|Court|Boulevard)\b", rest):
            continue
        products = sorted(o for o in options if o[:1].isupper() and len(o) > 3)
        out.append({"source": "tau-retail-test", "ref": f"retail_tasks_test {n}", "text": text,
                    "found": found, "menu": products})
    return out


def airline_lines(data: Path, towns: set[str]) -> list[dict[str, Any]]:
    """tau-bench airline task instructions (test split) from task 8 on (tasks 0-7 are convsim's
    sample), with the airline database's personal values in them (the sixth probe's finder)."""
    root = data / "tau_bench"
    airline = sixth.Airline(root, towns)
    earlier = _earlier_texts()
    out: list[dict[str, Any]] = []
    for n, raw in enumerate((root / "tasks" / "airline_tasks_test.jsonl").read_text().splitlines()):
        task = json.loads(raw)
        user = airline.users.get(task["user_id"])
        text = re.sub(r"\s+", " ", task["instruction"]).strip()
        if n < 8 or user is None or text[:60] in earlier:
            continue
        mine = airline.by_user.get(task["user_id"], [])
        people = sixth._names_of(user, mine, task)
        lasts = {str(p["last_four"]) for p in user["payment_methods"].values() if p.get("last_four")}
        flight_dates = {f["date"] for r in mine for f in r["flights"]}
        found, rest = sixth._find_values(text, task["user_id"], user["email"], people)
        if found and not airline.unlabelled(rest, lasts, flight_dates):
            out.append({"source": "tau-airline-test", "ref": f"airline_tasks_test {n}", "text": text,
                        "found": found, "menu": []})
    return out


def coffee_lines(data: Path) -> tuple[list[dict[str, Any]], int]:
    """Taskmaster-4 customer turns of dialogs.part02-04 outside every sixth dialog, with the menu
    items the dialog's API returned; and how many such dialogs there are."""
    root = data / "taskmaster" / "tm4_coffee"
    earlier = _earlier_texts()
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    dialogs = 0
    for part in ("dialogs.part02.jsonl", "dialogs.part03.jsonl", "dialogs.part04.jsonl"):
        for i, raw in enumerate((root / part).read_text().splitlines()):
            if i % 6 == 0:  # the fourth probe's dialogs
                continue
            dialogs += 1
            dialog = json.loads(raw)
            menu: set[str] = set()
            for utt in dialog["utterances"]:
                for a in utt.get("annotations", []):
                    if a["name"] == "response":
                        try:
                            sixth._menu_names(json.loads(a["value"]), menu)
                        except json.JSONDecodeError:
                            pass
            for utt in dialog["utterances"]:
                text = re.sub(r"\s+", " ", utt["text"]).strip()
                if utt["speaker"] != "user" or len(text) < 12 or text.lower() in seen or text in earlier:
                    continue
                mid = re.findall(r"(?<=[\w,] )([A-Z][a-z]+)\b", text)
                if re.search(r"\b(?:name|under|call me|for [a-z]+\b\.?$)", text, re.I) or "@" in text \
                        or re.search(r"\d{4,}", text) or any(w in sixth.FIRST_NAMES for w in mid) \
                        or any(w.title() in sixth.FIRST_NAMES
                               for w in re.findall(r"\b(?:for|to) ([a-z]+)", text)):
                    continue
                seen.add(text.lower())
                items = sorted(m.strip() for m in menu if m.strip() != "Name")
                ref = f"{dialog['conversation_id']} turn {utt['index']}"
                out.append({"source": "tm4-dialogs", "ref": ref, "text": text, "found": [], "menu": items})
    return out, dialogs


# ---------------------------------------------------------------------------- look-alikes

SHAPES = [(r"#W\d{7}", "order_id", "phone"),
          (r"\bHAT\d{3}\b", "flight_number", "pin"),
          (rf"\b(?:{sixth.MONTHS}) \d{{1,2}}(?:st|nd|rd|th)?\b(?!,? \d)", "date", "dob"),
          (r"\b(?:credit_card|gift_card|paypal)_\d{7}\b", "payment_id", "user_id"),
          (r"\$\d+(?:,\d{3})*(?:\.\d\d)?", "price", "postcode"),
          (r"\b\d{1,2}(?::\d\d)? ?(?:am|pm|AM|PM)\b", "time", "dob"),
          (r"\b\d{1,2} ?(?:oz|ounces?)\b", "size", "postcode")]


def lookalikes(text: str, carrier: dict[str, Any], towns: set[str], openers_ok: set[str],
               planted_address: bool) -> list[dict[str, str]]:
    found = common.Found()
    for pattern, kind, resembles in SHAPES:
        for m in re.finditer(pattern, text):
            found.add(m.group(0), kind, resembles)
    if not planted_address:
        found.places(text, r"\b([A-Z][a-z]+(?: [A-Z][a-z]+)?)\b", towns)
    found.words(text, [w for item in carrier["menu"] for w in (item, item.lower()) if len(w) > 3], "product")
    found.words(text, PHRASAL, "phrasal_verb")
    found.openers(text, r"(?:^|[.!?;] )([A-Z][a-z]{2,})(?=[\s,!])", openers_ok)
    return found


# ---------------------------------------------------------------------------- build


CLAUSES = clauses.of(globals(), **clauses.places_of(values), phone_cue_odds=0.55, national_cue_odds=0.65)


def plant(maker: Maker, job: str, locale: str) -> tuple[str, list[dict[str, str]]]:
    return clauses.plant(maker, job, locale, CLAUSES)


def refill(maker: Maker, carrier: dict[str, Any], locale: str) -> tuple[str, list[dict[str, str]]] | None:
    """The carrier's own personal values replaced by planted ones (None: a value is not once)."""
    text: str | None = carrier["text"]
    spans: list[dict[str, str]] = []
    if not carrier["found"]:
        return carrier["text"], []
    first, last, origin = maker.name(locale)
    for old, field, _ in carrier["found"]:
        if field == "user_id":
            new = common.user_id(first, last, old)
            new = common.ascii_fold(new)
            planted = [common.span(new, "user_id", origin)]
        elif field == "email":
            new = maker.email(first, last, origin)
            planted = [common.span(new, "email", origin)]
        elif field == "street":
            new = re.sub(r"\s+", " ", str(maker.faker("en_US").street_address())).strip()
            planted = [common.span(new, "street", "US")]
        elif field == "zip":
            new = str(maker.faker("en_US").postcode())
            planted = [common.span(new, "postcode", "US")]
        elif field == "full":
            new = f"{first} {last}"
            planted = [common.span(first, "name", origin), common.span(last, "name", origin)]
        else:
            new = first if field == "first" else last
            planted = [common.span(new, "name", origin)]
        text = sixth._replace_word(text, old, new) if text is not None else None
        spans += planted
    return (text, spans) if text is not None else None


def build(data: Path) -> list[dict[str, Any]]:
    retail = retail_lines(data) + airline_lines(data, set(common.read_towns()["US"]))
    coffee, _ = coffee_lines(data)
    vocabulary = {w for c in retail + coffee for w in re.findall(r"[a-z]+", c["text"].lower())}
    maker = Maker(vocabulary | CLAUSES.words())
    towns = {t for c in ("US", "IS", "DK", "PT", "GH", "KE", "PK") for t in maker.towns[c] if " " not in t}
    openers_ok = {w for w in vocabulary | CLAUSES.words() if len(w) >= 3} - {"you", "your", "the"}
    rng = random.Random(SEED + 1)
    chosen = retail + rng.sample(coffee, min(270, len(coffee)))
    order = list(range(len(chosen)))
    rng.shuffle(order)
    queue = clauses.Queue(rng, JOBS, LOOKS)
    town_list = sorted(towns)
    out: list[dict[str, Any]] = []
    for n, idx in enumerate(order):
        carrier, locale = chosen[idx], LINE_LOCALES[n % len(LINE_LOCALES)]
        if carrier["source"] == "tau-airline-test":  # people, dates of birth: the sixth probe's refill
            refilled = sixth._refill(maker, carrier, locale)
        else:
            refilled = refill(maker, carrier, locale)
        if refilled is None:
            continue
        clauses.add_line(out, "p7", clauses.Line(carrier, locale, *refilled), maker, queue, CLAUSES,
                         len(order) - n, bool(refilled[1]),
                         lambda text, address, c=carrier: lookalikes(text, c, towns, openers_ok, address),
                         town_list)
    queue.check_done()
    return out


def main() -> None:
    args, lines = clauses.write_probe(__doc__, OUT, ("tau_bench", "tau2_bench", "taskmaster"), build)
    retail, (coffee, dialogs) = retail_lines(args.data), coffee_lines(args.data)
    airline = airline_lines(args.data, set(common.read_towns()["US"]))
    print(f"unused after this draw: {clauses.unused(lines, retail)} of {len(retail)} usable retail test "
          f"instructions, {clauses.unused(lines, airline)} of {len(airline)} usable airline test "
          f"instructions, {clauses.unused(lines, coffee)} of {len(coffee)} usable coffee turns "
          f"({dialogs} dialogs)")


if __name__ == "__main__":
    main()
