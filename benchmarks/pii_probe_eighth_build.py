"""Build the eighth personal-data probe (tests/data/pii_probe_eighth.jsonl) from public text.

Written by an engineer who never opened the scrubber (convsim/scenarios/pii*.py), never ran it
and never read any probe's scoring output: the whole file is held out (every line has
``half: "held-out"``), to be scored once by
`benchmarks/pii_probe.py --probe tests/data/pii_probe_eighth.jsonl`.

Carrier text (in ../shared/data; no earlier probe used it):
  - Taskmaster-4 coffee customer turns of `dialogs.part02-04` that neither the fourth probe
    (every sixth dialog) nor the seventh (its `ref`s) took, with the seventh builder's leaving-out
    rule (name cues, first names, e-mails, long numbers);
  - tau2-bench retail `tasks.json` reason-for-call paragraphs whose wording no earlier probe holds
    (no 40-character stretch of them is in an earlier probe), with no personal value in them (no
    e-mail, user id, number of four digits or more, name of a database user or street word).
Every planted value sits in a clause written for this probe; look-alikes are labelled
mechanically from the carrier text and from look-alike clauses around business numbers.
Values: pii_probe_eighth_build_values.py.

    .venv/bin/python benchmarks/pii_probe_eighth_build.py [--data ../shared/data] [--out FILE]
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
import pii_probe_eighth_build_values as values  # noqa: E402
import pii_probe_seventh_build as seventh  # noqa: E402
from pii_probe_eighth_build_values import LINE_LOCALES, SEED, Maker  # noqa: E402

DATA = common.DATA
OUT = common.REPO / "tests" / "data" / "pii_probe_eighth.jsonl"
SEVENTH = common.REPO / "tests" / "data" / "pii_probe_seventh.jsonl"
# the probes written before this one, named (a later probe's file must not change this build)
EARLIER = [common.REPO / "tests" / "data" / f"pii_probe{n}.jsonl"
           for n in ("", "_external", "_public", "_fourth", "_fifth", "_sixth", "_seventh")]

# Frames written for this probe (none of an earlier probe's).
NAME_FRAMES = ["Oh, the order's for {n}.", "My name's {n}, by the way.", "It'll be {n} collecting it.",
               "Sign it from {n}, please."]
POSSESSIVE_FRAMES = ["And one more for {n}'s desk, she's new.", "Please add it to {n}'s tab.",
                     "It's going on {n}'s expense account.", "{n}'s loyalty points should cover it.",
                     "I'm picking up {n}'s usual as well."]
FIRST_POSSESSIVE_FRAMES = ["Also my brother {f}'s order from yesterday was cold.",
                           "Put {f}'s drink in a separate bag."]
EMAIL_FRAMES = ["Send the receipt over to {v} if you can.", "my email for the app is {v}",
                "The e-receipt can go to {v}."]
PHONE_CUE = ["Text me on {v} when it's ready.", "number is {v}", "You can call {v} if there's a problem.",
             "mobile {v}"]
PHONE_BARE = ["{v}, in case the driver gets lost.", "If it's late: {v}."]
ADDRESS_FRAMES = ["Deliver it to {v}, please.", "It's going to {v}.", "My office is at {v}.",
                  "drop it at {v}"]
DOB_FRAMES = ["For the birthday reward, I was born {v}.", "date of birth {v}",
              "My birthday's {v}, if that helps."]
IBAN_FRAMES = ["Refund it to my bank, {v}.", "IBAN {v} for the refund.", "Wire it back to {v}."]
IBAN_PAIR = "I've got {a} and {b}, use whichever works."
CARD_FRAMES = ["Pay with {v}.", "card {v}, expires 04/30", "Put it on {v} instead."]
NATIONAL_CUE = ["The form wants my {cue}, it's {v}.", "{cue} {v}", "My {cue}: {v}."]
NATIONAL_BARE = ["That's {v}.", "{v} is the number on my card."]
USER_FRAMES = ["My app login is {v}.", "member number {v}", "I'm {v} on the app."]
CODE_FRAMES = {
    "pin": ["The pin for the locker is {v}.", "it's {v}", "{v} is my pin"],
    "passcode": ["My passcode is {v}", "Passcode: {v}."],
    "otp": ["The code they texted me is {v}.", "Code's {v}.", "{v}, that's what came through."],
}
LOOKALIKE_FRAMES = {"loyalty_card": ("card", "The stamp card number is {v}."),
                    "ean": ("card", "The bag's barcode is {v}."),
                    "isbn": ("card", "I'll take the cookbook too, ISBN {v}."),
                    "order_dashed": ("phone", "My last order was {v}."),
                    "waybill": ("phone", "The courier ref is {v}."),
                    "receipt": ("national_id", "Receipt no. {v} is the one."),
                    "order_spaced": ("national_id", "The transaction shows {v} on my statement."),
                    "creditor_ref": ("iban", "The bank transfer reference was {v}."),
                    "flight": ("pin", "I'm on {v} later, so make it quick."),
                    "store_number": ("pin", "This is store {v}, right?"),
                    "booking_ref": ("pin", "My pickup code is {v}."),
                    "street_product": ("street", "Do you still sell the {v} roast?"),
                    "capacity": ("postcode", "The {v} charger was out of stock."),
                    "amount": ("postcode", "That came to {v} last time."),
                    "travel_date": ("dob", "I ordered this on {v} too."),
                    "voucher": ("user_id", "Voucher {v} didn't work."),
                    "website": ("email", "It says on {v} that it's in season."),
                    "town": ("name", "Is this the same as the {v} shop?"),
                    "brand_possessive": ("name_possessive", "It's cheaper at {v} though.")}
ID_CUES = {"IE": "PPS number", "AU": "TFN", "PK": "CNIC", "DO": "cédula", "SI": "EMŠO", "LV": "personal code",
           "MX": "RFC", "CR": "cédula", "CU": "carné de identidad"}

JOBS = {"name": 28, "possessive": 16, "first_possessive": 10, "email": 42, "phone": 44, "address": 44,
        "dob": 42, "iban": 24, "iban_pair": 3, "card": 28, "national": 30, "user_id": 28, "pin": 10,
        "passcode": 9, "otp": 12}
LOOKS = {"loyalty_card": 14, "ean": 8, "isbn": 6, "order_dashed": 14, "waybill": 12, "receipt": 14,
         "order_spaced": 12, "creditor_ref": 22, "flight": 10, "store_number": 10, "booking_ref": 8,
         "street_product": 22, "capacity": 10, "amount": 14, "travel_date": 22, "voucher": 22, "website": 12,
         "town": 14, "brand_possessive": 20}
TOWN_COUNTRIES = ("US", "AU", "NZ", "IE", "AT", "BE", "MX", "UY")


# ---------------------------------------------------------------------------- carrier text


def _earlier_texts() -> str:
    return "\n".join(json.loads(x)["text"] for p in EARLIER for x in p.read_text().splitlines() if x.strip())


def coffee_lines(data: Path) -> tuple[list[dict[str, Any]], int]:
    """The seventh builder's usable coffee turns that the seventh probe did not take, whose words
    are in no earlier probe (a short turn such as "Good afternoon." can repeat one), and with no
    capitalised word inside a sentence that is neither a lower-case word of the turns nor a word
    of the dialog's menu ("I'm Marge", "the Mocha for Yeo": a name would go unlabelled)."""
    taken = {json.loads(x)["ref"] for x in SEVENTH.read_text().splitlines() if x.strip()}
    earlier = _earlier_texts()
    turns, dialogs = seventh.coffee_lines(data)
    lower = {w for t in turns for w in re.findall(r"(?<![\w'])[a-z]+", t["text"])}

    def unknown_capital(turn: dict[str, Any]) -> bool:
        menu = {w.lower() for item in turn["menu"] for w in re.findall(r"[A-Za-z]+", item)}
        return any(w.lower() not in lower and w.lower() not in menu
                   for w in re.findall(r"(?<=[\w,] )([A-Z][a-z]+)\b", turn["text"]))

    return [dict(t, source="tm4-dialogs") for t in turns
            if t["ref"] not in taken and t["text"] not in earlier and not unknown_capital(t)], dialogs


def retail_lines(data: Path) -> list[dict[str, Any]]:
    """tau2 retail reason-for-call paragraphs no earlier probe holds, with no personal value."""
    root = data / "tau2_bench" / "domains" / "retail"
    db = json.loads((root / "db.json").read_text())
    name_words = {w for u in db["users"].values() for w in u["name"].values()}
    options = sorted({str(v) for p in db["products"].values() for item in p["variants"].values()
                      for v in item["options"].values() if str(v)[:1].isupper() and len(str(v)) > 3})
    earlier = _earlier_texts()
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for task in json.loads((root / "tasks.json").read_text()):
        text = re.sub(r"\s+", " ", task["user_scenario"]["instructions"]["reason_for_call"] or "").strip()
        stretches = (text[i : i + 40] for i in range(0, len(text) - 39, 20))
        if len(text) < 40 or text in seen or any(s in earlier for s in stretches):
            continue
        rest = re.sub(r"#W\d{7}|\$[\d,]+(?:\.\d\d)?", " ", text)
        if "@" in rest or re.search(r"\d{4,}|[a-z]+_[a-z]+_\d", rest) \
                or set(re.findall(r"[A-Z][a-z]+", rest)) & name_words \
                or re.search(r"\b(?:Suite|Apt|Street|Avenue|Drive|Lane|Road|Court|Boulevard)\b", rest):
            continue  # a street of the customer's ("You live on Elm Avenue") would go unlabelled
        seen.add(text)
        out.append({"source": "tau2-retail-tasks", "ref": f"retail tasks.json {task['id']}", "text": text,
                    "found": [], "menu": options})
    return out


# ---------------------------------------------------------------------------- build


CLAUSES = clauses.of(globals(), **clauses.places_of(values), phone_cue_odds=0.6, national_cue_odds=0.6)


def plant(maker: Maker, job: str, locale: str) -> tuple[str, list[dict[str, str]]]:
    return clauses.plant(maker, job, locale, CLAUSES)


def build(data: Path) -> list[dict[str, Any]]:
    coffee, _ = coffee_lines(data)
    retail = retail_lines(data)
    vocabulary = {w for c in retail + coffee for w in re.findall(r"[a-z]+", c["text"].lower())}
    maker = Maker(vocabulary | CLAUSES.words())
    towns = {t for c in TOWN_COUNTRIES for t in maker.towns[c] if " " not in t}
    openers_ok = {w for w in vocabulary | CLAUSES.words() if len(w) >= 3} - {"you", "your", "the"}
    rng = random.Random(SEED + 1)
    chosen = retail + rng.sample(coffee, min(340, len(coffee)))
    rng.shuffle(chosen)
    queue = clauses.Queue(rng, JOBS, LOOKS)
    town_list = sorted(towns)
    out: list[dict[str, Any]] = []
    for n, carrier in enumerate(chosen):
        locale = LINE_LOCALES[n % len(LINE_LOCALES)]
        def seen(text: str, address: bool, c: dict[str, Any] = carrier) -> list[dict[str, str]]:
            return seventh.lookalikes(text, c, towns, openers_ok, address)

        clauses.add_line(out, "p8", clauses.Line(carrier, locale, carrier["text"], []), maker, queue, CLAUSES,
                         len(chosen) - n, False, seen, town_list)
    queue.check_done()
    return out


def main() -> None:
    args, lines = clauses.write_probe(__doc__, OUT, ("tau2_bench", "taskmaster"), build)
    (coffee, dialogs), retail = coffee_lines(args.data), retail_lines(args.data)
    print(f"unused after this draw: {clauses.unused(lines, coffee)} of {len(coffee)} coffee turns "
          f"left by the seventh probe ({dialogs} dialogs), "
          f"{clauses.unused(lines, retail)} of {len(retail)} usable tau2 retail paragraphs")


if __name__ == "__main__":
    main()
