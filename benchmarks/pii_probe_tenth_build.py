"""Build the tenth personal-data probe (tests/data/pii_probe_tenth.jsonl) from public text.

Written by an engineer who never opened the scrubber (convsim/scenarios/pii*.py), never ran it
and never read any probe's scoring output: the whole file is held out (every line has
``half: "held-out"``), to be scored once by
`benchmarks/pii_probe.py --probe tests/data/pii_probe_tenth.jsonl`.

Carrier text (in ../shared/data; no earlier probe used it): the last customer-side text left,
  - the Taskmaster-4 coffee customer turns of `dialogs.part02-04` that the ninth probe left (the
    ninth builder's usable turns minus the turns it took and any turn whose words it holds);
  - the tau-bench (v1) few-shot customer turns that the ninth probe left, by the same rule.
Every planted value sits in a clause written for this probe; look-alikes are labelled
mechanically from the carrier text (the seventh builder's finder) and from look-alike clauses.
Values: pii_probe_tenth_build_values.py.

    .venv/bin/python benchmarks/pii_probe_tenth_build.py [--data ../shared/data] [--out FILE]
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
import pii_probe_ninth_build as ninth  # noqa: E402
import pii_probe_seventh_build as seventh  # noqa: E402
import pii_probe_tenth_build_values as values  # noqa: E402
from pii_probe_tenth_build_values import ID_SYSTEMS, LINE_LOCALES, SEED, Maker  # noqa: E402

DATA = common.DATA
PROBES = common.REPO / "tests" / "data"
OUT = PROBES / "pii_probe_tenth.jsonl"
NINTH = PROBES / "pii_probe_ninth.jsonl"  # named: a later probe's file must not change this build

# Frames written for this probe (none of an earlier probe's). {n} a full name, {f} a first name,
# {v} the value, {cue} the id system's own word.
NAME_FRAMES = ["It's under {n}.", "Put the name {n} on the cup.", "{n} here, I called yesterday.",
               "The reservation should say {n}."]
POSSESSIVE_FRAMES = ["This is about {n}'s refund.", "I'm using {n}'s login today.",
                     "Could you cancel {n}'s standing order?", "{n}'s latte was the wrong size."]
FIRST_POSSESSIVE_FRAMES = ["My wife {f}'s card is the one on file.", "It goes on {f}'s tab.",
                           "{f}'s drink was missing from the bag."]
EMAIL_FRAMES = ["Send the invoice to {v}.", "You can reach me by email: {v}", "it's {v} for the receipts",
                "Use {v} as my login email."]
PHONE_CUE = ["Text {v} when it's ready.", "my mobile is {v}", "Phone: {v}.", "Reach me on {v}."]
PHONE_BARE = ["{v} if anything goes wrong.", "Here: {v}."]
ADDRESS_FRAMES = ["Drop it off at {v}.", "Mail the refund check to {v}.", "I'm now living at {v}.",
                  "deliver to {v}"]
DOB_FRAMES = ["My birthday is {v}.", "date of birth: {v}", "I was born {v}, if you need it."]
IBAN_FRAMES = ["Transfer it to {v}.", "My bank account: {v}", "the refund can go to IBAN {v}"]
IBAN_PAIR = "Not {a} any more; the new one is {b}."
CARD_FRAMES = ["Bill {v}.", "Card number {v}.", "Let's use {v} this time."]
NATIONAL_CUE = ["For the form, my {cue} is {v}.", "{cue} {v}", "The {cue} on file should be {v}."]
NATIONAL_BARE = ["It's {v}, that's my ID.", "Number {v}."]
USER_FRAMES = ["My user ID is {v}.", "I'm signed in as {v}.", "account {v}"]
CODE_FRAMES = {
    "pin": ["The PIN should be {v}.", "PIN: {v}", "I set it to {v} last week."],
    "passcode": ["The security passcode is {v}.", "password {v}"],
    "otp": ["The code I got is {v}.", "It texted me {v}.", "one-time code {v}"],
}
LOOKALIKE_FRAMES = {
    "word_name": ("name", "Do you still have the {v}?"),
    "town": ("name", "Is there a shop in {v}?"),
    "shop_possessive": ("name_possessive", "{v} had a better deal."),
    "brand_possessive": ("name_possessive", "Is it the one from {v} ad?"),
    "confirmation": ("national_id", "Confirmation {v} came through."),
    "vat": ("national_id", "Our company VAT number is {v}."),
    "receipt": ("national_id", "Receipt {v} is attached."),
    "member_card": ("card", "Member card {v}."),
    "loyalty_card": ("card", "My points card says {v}."),
    "gift_card": ("card", "I have a gift card, {v}."),
    "ean": ("card", "The EAN on the box is {v}."),
    "isbn": ("card", "The cookbook's ISBN is {v}."),
    "price": ("card", "The espresso machine was {v}."),
    "tracking": ("card", "The courier's tracking is {v}."),
    "order_dashed": ("phone", "Order number {v}, placed Monday."),
    "order_dotted": ("phone", "Ref {v} on the invoice."),
    "serial": ("phone", "The grinder's {v} is on the bottom."),
    "waybill": ("phone", "Waybill {v} is stuck."),
    "creditor_ref": ("iban", "The payment reference is {v}."),
    "bic": ("iban", "The bank's BIC is {v}."),
    "time24": ("pin", "Can I pick it up at {v}?"),
    "gift_pin": ("pin", "The scratch code on the gift card is {v}."),
    "flight": ("pin", "I'm on flight {v} tomorrow."),
    "booking_ref": ("pin", "Booking reference {v}."),
    "store_number": ("pin", "It was store {v} downtown."),
    "points": ("postcode", "It says {v} available."),
    "amount": ("postcode", "The refund of {v} hasn't arrived."),
    "capacity": ("postcode", "Do you have the {v} one?"),
    "street_product": ("street", "Is the {v} still sold?"),
    "travel_date": ("dob", "It shipped on {v}."),
    "year_span": ("dob", "I was a member {v}."),
    "voucher": ("user_id", "The voucher code {v} didn't work."),
    "promo": ("user_id", "I entered {v} at checkout."),
    "invoice": ("user_id", "Invoice {v} is wrong."),
    "ticket": ("user_id", "My ticket is {v}."),
    "website": ("email", "I ordered from {v}."),
}
ID_CUES = {country: cue for country, (_, cue) in ID_SYSTEMS.items()}

JOBS = {"name": 16, "possessive": 10, "first_possessive": 10, "email": 31, "phone": 31, "address": 31,
        "dob": 31, "iban": 24, "iban_pair": 2, "card": 26, "national": 27, "user_id": 26, "pin": 12,
        "passcode": 11, "otp": 12}
LOOKS = {kind: 7 for kind in LOOKALIKE_FRAMES} | {
    "word_name": 20, "shop_possessive": 16, "town": 10, "brand_possessive": 6, "street_product": 15,
    "website": 15,
    "capacity": 5, "amount": 5, "points": 5, "order_dotted": 5, "receipt": 5, "confirmation": 5,
    "store_number": 5, "booking_ref": 5}
RESERVATION = r"\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6}\b"
TOWN_COUNTRIES = ("US", "KR", "CN", "TW", "MY", "KZ", "RS", "GB")

CLAUSES = clauses.of(globals(), phone_places=sorted(values.PHONE_REGIONS),
                     address_places=values.ADDRESS_COUNTRIES, dob_places=sorted(values.DOB_FORMATS),
                     iban_places=values.IBAN_COUNTRIES, national_places=sorted(ID_SYSTEMS),
                     phone_cue_odds=0.6, national_cue_odds=0.55, swap_pair=True)


def _left_by_ninth(turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The turns the ninth probe did not take and whose words it does not hold."""
    lines = [json.loads(x) for x in NINTH.read_text().splitlines() if x]
    taken, held = {x["ref"] for x in lines}, "\n".join(x["text"] for x in lines)
    return [t for t in turns if t["ref"] not in taken and t["text"] not in held]


def coffee_lines(data: Path) -> tuple[list[dict[str, Any]], int]:
    turns, dialogs = ninth.coffee_lines(data)
    return _left_by_ninth(turns), dialogs


def few_shot_lines(data: Path) -> list[dict[str, Any]]:
    return _left_by_ninth(ninth.few_shot_lines(data))


def build(data: Path) -> list[dict[str, Any]]:
    coffee, _ = coffee_lines(data)
    few_shot = few_shot_lines(data)
    vocabulary = {w for c in coffee + few_shot for w in re.findall(r"[a-z]+", c["text"].lower())}
    maker = Maker(vocabulary | CLAUSES.words())
    towns = {t for c in TOWN_COUNTRIES for t in maker.towns[c] if " " not in t}
    openers_ok = {w for w in vocabulary | CLAUSES.words() if len(w) >= 3} - {"you", "your", "the"}
    rng = random.Random(SEED + 1)
    chosen = coffee + few_shot  # every line left
    rng.shuffle(chosen)
    queue = clauses.Queue(rng, JOBS, LOOKS)
    town_list = sorted(towns)
    out: list[dict[str, Any]] = []
    for n, carrier in enumerate(chosen):
        def seen(text: str, address: bool, c: dict[str, Any] = carrier) -> list[dict[str, str]]:
            found = common.Found(seventh.lookalikes(text, c, towns, openers_ok, address))
            for m in re.finditer(RESERVATION, c["text"]):  # airline reservation ids ("XEHM4B")
                found.add(m.group(0), "reservation", "pin")
            return found

        line = clauses.Line(carrier, LINE_LOCALES[n % len(LINE_LOCALES)], carrier["text"], [])
        clauses.add_line(out, "p10", line, maker, queue, CLAUSES, len(chosen) - n, False, seen, town_list)
    queue.check_done()
    return out


def main() -> None:
    args, lines = clauses.write_probe(__doc__, OUT, ("tau_bench", "tau2_bench", "taskmaster"), build)
    (coffee, dialogs), few_shot = coffee_lines(args.data), few_shot_lines(args.data)
    print(f"unused after this draw: {clauses.unused(lines, coffee)} of {len(coffee)} coffee turns the ninth "
          f"probe left ({dialogs} dialogs), {clauses.unused(lines, few_shot)} of {len(few_shot)} few-shot "
          "turns it left")


if __name__ == "__main__":
    main()
