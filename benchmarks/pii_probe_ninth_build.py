"""Build the ninth personal-data probe (tests/data/pii_probe_ninth.jsonl) from public text.

Written by an engineer who never opened the scrubber (convsim/scenarios/pii*.py), never ran it
and never read any probe's scoring output: the whole file is held out (every line has
``half: "held-out"``), to be scored once by
`benchmarks/pii_probe.py --probe tests/data/pii_probe_ninth.jsonl`.

Carrier text (in ../shared/data; no earlier probe used it):
  - Taskmaster-4 coffee customer turns of `dialogs.part02-04` that the eighth probe left (its
    usable turns, by its own leaving-out rules, minus the turns it took);
  - tau-bench (v1) few-shot customer turns (`few_shot/Mock*DomainEnv`) that the fifth probe did not
    take, by its own leaving-out rule, and with no ###STOP### marker, no first name inside a
    sentence, no number of four digits or more but `#W` order ids, and no wording an earlier probe holds.
Every planted value sits in a clause written for this probe; look-alikes are labelled
mechanically from the carrier text and from look-alike clauses around business numbers, shop
possessives and words that are also first names. Values: pii_probe_ninth_build_values.py.

    .venv/bin/python benchmarks/pii_probe_ninth_build.py [--data ../shared/data] [--out FILE]
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path
from typing import Any

from stdnum import iban as std_iban

sys.path.append(str(Path(__file__).resolve().parent))  # for the helpers next to this file
import pii_probe_common as common  # noqa: E402
import pii_probe_eighth_build as eighth  # noqa: E402
import pii_probe_fifth_build as fifth  # noqa: E402
import pii_probe_seventh_build as seventh  # noqa: E402
import pii_probe_sixth_build as sixth  # noqa: E402
from pii_probe_ninth_build_values import (  # noqa: E402
    ADDRESS_COUNTRIES,
    DOB_FORMATS,
    IBAN_COUNTRIES,
    ID_SYSTEMS,
    LINE_LOCALES,
    PHONE_REGIONS,
    SEED,
    Maker,
)

DATA = common.DATA
PROBES = common.REPO / "tests" / "data"
OUT = PROBES / "pii_probe_ninth.jsonl"
# the probes written before this one, named (a later probe's file must not change this build)
EARLIER = [
    PROBES / f"pii_probe{n}.jsonl"
    for n in ("", "_external", "_public", "_fourth", "_fifth", "_sixth", "_seventh", "_eighth")
]

# Frames written for this probe (none of an earlier probe's). {n} a full name, {f} a first name,
# {v} the value, {cue} the id system's own word.
FRAMES: dict[str, list[str]] = {
    "name": [
        "The account holder is {n}.",
        "You can put {n} down as the contact.",
        "This is {n} speaking, by the way.",
        "I'm ordering on behalf of {n}.",
    ],
    "possessive": [
        "It was {n}'s card that got charged.",
        "I'm calling about {n}'s subscription.",
        "Can you check {n}'s account as well?",
        "{n}'s package never showed up.",
    ],
    "first_possessive": ["My son {f}'s headphones stopped working too.", "Is {f}'s order ready yet?"],
    "email": [
        "Please email me at {v}.",
        "My email on file should be {v}",
        "Reply to {v} instead of the old one.",
    ],
    "phone_cue": ["Ring me at {v}.", "my cell is {v}", "Best number: {v}", "Call back on {v} please."],
    "phone_bare": ["{v} works any time after six.", "Or just {v}."],
    "address": [
        "Ship it to {v}.",
        "The billing address is {v}.",
        "We moved to {v} last month.",
        "send it to {v}",
    ],
    "dob": ["I was born on {v}.", "my DOB is {v}", "Birth date: {v}."],
    "iban": ["Please refund to {v}.", "My account number is {v}.", "the IBAN is {v}"],
    "card": ["Charge {v} please.", "The card is {v}.", "use my other card, {v}"],
    "national_cue": ["My {cue} is {v}.", "{cue}: {v}", "they asked for my {cue}, so {v}"],
    "national_bare": ["Here's the number: {v}.", "{v} - that's it."],
    "user_id": ["My username is {v}.", "customer number {v}", "I log in as {v}."],
    "pin": ["My PIN is {v}.", "Try {v}, I think that's it.", "pin {v}"],
    "passcode": ["The passcode on the account is {v}.", "Passcode {v}"],
    "otp": ["I just got {v} by text.", "The verification code is {v}.", "Okay it says {v}."],
}
IBAN_PAIR = "I used {a} before, but now please use {b}."
LOOKALIKE_FRAMES = {
    "word_name": ("name", "What about the {v}?"),
    "town": ("name", "Do you deliver to {v}?"),
    "shop_possessive": ("name_possessive", "I saw it cheaper at {v} yesterday."),
    "brand_possessive": ("name_possessive", "Is this the same one {v} website sells?"),
    "confirmation": ("national_id", "My confirmation number is {v}."),
    "receipt": ("national_id", "The receipt number reads {v}."),
    "order_spaced": ("national_id", "Transaction {v} shows as pending."),
    "member_card": ("card", "My rewards card is {v}."),
    "loyalty_card": ("card", "The club card on the back says {v}."),
    "gift_card": ("card", "My gift card is {v}."),
    "ean": ("card", "The barcode says {v}."),
    "isbn": ("card", "I also want the book with ISBN {v}."),
    "tracking": ("card", "Tracking shows {v} as delivered."),
    "order_dotted": ("phone", "The order number is {v}."),
    "order_dashed": ("phone", "Order {v} is the one."),
    "waybill": ("phone", "The waybill is {v}."),
    "creditor_ref": ("iban", "Put reference {v} on the transfer."),
    "time24": ("pin", "Pickup at {v} works for me."),
    "flight": ("pin", "My flight {v} lands at noon."),
    "booking_ref": ("pin", "The booking code is {v}."),
    "store_number": ("pin", "I was at store {v}."),
    "points": ("postcode", "I have {v} on my account."),
    "amount": ("postcode", "I was charged {v} twice."),
    "capacity": ("postcode", "The {v} power bank, please."),
    "street_product": ("street", "Is the {v} candle back in stock?"),
    "travel_date": ("dob", "It was delivered on {v}."),
    "voucher": ("user_id", "I tried the voucher {v}."),
    "promo": ("user_id", "Promo code {v} says expired."),
    "website": ("email", "I read about it on {v}."),
}

JOBS = {
    "name": 24,
    "possessive": 14,
    "first_possessive": 12,
    "email": 44,
    "phone": 46,
    "address": 46,
    "dob": 44,
    "iban": 24,
    "iban_pair": 3,
    "card": 28,
    "national": 32,
    "user_id": 30,
    "pin": 11,
    "passcode": 9,
    "otp": 12,
}
LOOKS = {kind: 18 for kind in LOOKALIKE_FRAMES} | {
    "word_name": 30,
    "shop_possessive": 20,
    "creditor_ref": 20,
    "brand_possessive": 12,
    "loyalty_card": 8,
    "gift_card": 8,
}
RESERVATION = r"\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6}\b"
TOWN_COUNTRIES = ("US", "GR", "AR", "PE", "IL", "HU", "VN", "GB")


# ---------------------------------------------------------------------------- carrier text


def _earlier_texts() -> str:
    return "\n".join(json.loads(x)["text"] for p in EARLIER for x in p.read_text().splitlines() if x.strip())


def coffee_lines(data: Path) -> tuple[list[dict[str, Any]], int]:
    """The eighth builder's usable coffee turns that the eighth probe did not take, and whose
    words it does not hold (a short turn can repeat one)."""
    eighth_lines = [json.loads(x) for x in (PROBES / "pii_probe_eighth.jsonl").read_text().splitlines() if x]
    taken, held = {x["ref"] for x in eighth_lines}, "\n".join(x["text"] for x in eighth_lines)
    turns, dialogs = eighth.coffee_lines(data)
    return [t for t in turns if t["ref"] not in taken and t["text"] not in held], dialogs


def few_shot_lines(data: Path) -> list[dict[str, Any]]:
    """The fifth builder's usable few-shot customer turns that it did not take and that hold no
    personal value to replace, no ###STOP### marker, no first name inside a sentence, no
    number of four digits or more but `#W` order ids, and no wording of an earlier probe; the
    retail products of tau2-bench's database are their menu (look-alike product names)."""
    taken = {json.loads(x)["ref"] for x in (PROBES / "pii_probe_fifth.jsonl").read_text().splitlines() if x}
    earlier = _earlier_texts()
    db = json.loads((data / "tau2_bench" / "domains" / "retail" / "db.json").read_text())
    products = sorted({p["name"] for p in db["products"].values()})
    out, seen = [], set()
    for turn in fifth._few_shot_turns(data):
        text = turn["text"]
        mid = re.findall(r"(?<=[\w,] )([A-Z][a-z]+)\b", text)
        if (
            turn["ref"] in taken
            or turn["fields"]
            or turn["name"]
            or "###" in text
            or text in seen
            or text in earlier
            or any(w in sixth.FIRST_NAMES for w in mid)
            or re.search(r"\d{4,}", re.sub(r"#W\d{7}", " ", text))
        ):
            continue
        seen.add(text)
        out.append({"source": "tau-fewshot", "ref": turn["ref"], "text": text, "found": [], "menu": products})
    return out


# ---------------------------------------------------------------------------- build


def _shuffled(counts: dict[str, int], rng: random.Random) -> list[str]:
    out = [kind for kind, n in counts.items() for _ in range(n)]
    rng.shuffle(out)
    return out


def plant(maker: Maker, job: str, locale: str) -> tuple[str, list[dict[str, str]]]:
    """One clause of `job` for a line of `locale`, and the values planted in it."""
    rng = maker.rng
    if job in ("name", "possessive", "first_possessive"):
        first, last, origin = maker.name(locale)
        kind = "name" if job == "name" else "name_possessive"
        if job == "first_possessive":
            return rng.choice(FRAMES[job]).format(f=first), [common.span(first, kind, origin)]
        text = rng.choice(FRAMES[job]).format(n=f"{first} {last}")
        return text, [common.span(first, kind, origin), common.span(last, kind, origin)]
    if job == "address":
        country = maker.turn(job, ADDRESS_COUNTRIES)
        whole, street, postcode = maker.address(country)
        return rng.choice(FRAMES[job]).format(v=whole), [
            common.span(street, "street", country),
            common.span(postcode, "postcode", country),
        ]
    if job == "iban_pair":  # a compact IBAN before a spaced one
        a, b = rng.sample(IBAN_COUNTRIES, 2)
        return common.pair_clause(IBAN_PAIR, (maker.iban(a), a), (std_iban.format(maker.iban(b)), b))
    if job == "national":
        where = maker.turn(job, sorted(ID_SYSTEMS))
        value, cue = maker.national(where), ID_SYSTEMS[where][1]
        frames = FRAMES["national_cue"] if rng.random() < 0.6 else FRAMES["national_bare"]
        return rng.choice(frames).format(cue=cue, v=value), [common.span(value, "national_id", where)]
    if job == "iban":
        where = maker.turn(job, IBAN_COUNTRIES)
        return common.iban_clause(rng, FRAMES[job], maker.iban(where), where)
    if job == "phone":
        where = maker.turn(job, sorted(PHONE_REGIONS))
        frames = FRAMES["phone_cue"] if rng.random() < 0.6 else FRAMES["phone_bare"]
        return common.clause(rng, frames, maker.phone(where), job, where)
    if job == "dob":
        where = maker.turn(job, sorted(DOB_FORMATS))
        return common.clause(rng, FRAMES[job], maker.dob(where), job, where)
    if job in ("email", "user_id"):
        first, last, origin = maker.name(locale)
        value = maker.email(first, last, origin) if job == "email" else maker.user_id(first, last)
        return common.clause(rng, FRAMES[job], value, job, origin)
    if job == "card":
        return common.clause(rng, FRAMES[job], maker.card(), job, "en_US")
    return common.clause(rng, FRAMES[job], maker.code(job), job, locale)  # pin, passcode, otp


def _frame_words() -> set[str]:
    texts = (
        [f for group in FRAMES.values() for f in group]
        + [IBAN_PAIR]
        + [f for _, f in LOOKALIKE_FRAMES.values()]
    )
    return {w for f in texts for w in re.findall(r"[a-z]+", re.sub(r"\{\w+\}", " ", f).lower())}


def build(data: Path) -> list[dict[str, Any]]:
    coffee, _ = coffee_lines(data)
    few_shot = few_shot_lines(data)
    vocabulary = {
        w for c in coffee + few_shot for w in re.findall(r"[a-z]+", c["text"].lower())
    } | _frame_words()
    maker = Maker(vocabulary)
    towns = {t for c in TOWN_COUNTRIES for t in maker.towns[c] if " " not in t}
    openers_ok = {w for w in vocabulary if len(w) >= 3} - {"you", "your", "the"}
    rng = random.Random(SEED + 1)
    chosen = rng.sample(coffee, min(330, len(coffee))) + rng.sample(few_shot, min(300, len(few_shot)))
    rng.shuffle(chosen)
    queue = sixth.Queue.__new__(sixth.Queue)
    queue.rng, queue.jobs, queue.looks = rng, _shuffled(JOBS, rng), _shuffled(LOOKS, rng)
    town_list = sorted(towns)
    out: list[dict[str, Any]] = []
    for n, carrier in enumerate(chosen):
        locale = LINE_LOCALES[n % len(LINE_LOCALES)]
        jobs, looks = queue.take(len(chosen) - n, False)
        pieces, spans, made = [carrier["text"]], [], []
        for job in jobs:
            text, planted = plant(maker, job, locale)
            pieces.append(text)
            spans += planted
        for look in looks:
            value = rng.choice(town_list) if look == "town" else maker.lookalike(look)
            resembles, frame = LOOKALIKE_FRAMES[look]
            pieces.append(frame.format(v=value))
            made.append({"value": value, "kind": look, "resembles": resembles})
        text = sixth._sentences(pieces)
        if not common.planted_once(spans, text) or any(text.count(h["value"]) != 1 for h in made):
            queue.give_back(jobs, looks)
            continue
        address = any(s["kind"] == "street" for s in spans)
        found = common.Found(seventh.lookalikes(text, carrier, towns, openers_ok, address))
        for m in re.finditer(RESERVATION, carrier["text"]):  # airline reservation ids ("XEHM4B")
            found.add(m.group(0), "reservation", "pin")
        seen = [h for h in found if all(h["value"] != x["value"] for x in made)]
        harmless = common.clear_of(seen + made, spans, text)
        if spans or harmless:
            out.append(common.held_out_line(f"p9-{len(out) + 1}", locale, carrier, text, spans, harmless))
    if queue.jobs or queue.looks:
        raise RuntimeError(f"clauses left unplaced: {len(queue.jobs)} planted, {len(queue.looks)} look-alike")
    return out


def main() -> None:
    args = common.parse_args(__doc__, OUT)
    missing = [f for f in ("tau_bench", "tau2_bench", "taskmaster") if not (args.data / f).is_dir()]
    if missing:
        raise SystemExit(f"error: {args.data}: no {' or '.join(missing)} folder (the shared public data)")
    lines = build(args.data)
    common.write_jsonl(args.out, lines)
    planted, looks = common.count(lines), common.count(lines, "harmless", "resembles")
    print(f"{args.out}: {len(lines)} lines; per kind, planted values and look-alikes resembling it:")
    for kind in sorted(set(planted) | set(looks)):
        print(f"  {kind:<16} {planted.get(kind, 0):>5} {looks.get(kind, 0):>6}")
    (coffee, dialogs), few_shot = coffee_lines(args.data), few_shot_lines(args.data)
    used = {x["ref"] for x in lines}
    print(
        f"unused after this draw: {sum(c['ref'] not in used for c in coffee)} of {len(coffee)} coffee turns "
        f"the eighth probe left ({dialogs} dialogs), "
        f"{sum(c['ref'] not in used for c in few_shot)} of {len(few_shot)} usable few-shot customer turns"
    )


if __name__ == "__main__":
    main()
