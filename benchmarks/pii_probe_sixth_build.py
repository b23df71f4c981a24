"""Build the sixth personal-data probe (tests/data/pii_probe_sixth.jsonl) from public text.

Written by an engineer who never opened the scrubber (convsim/scenarios/pii*.py), never ran it
and never read any probe's scoring output: the whole file is held out (every line has
``half: "held-out"``), to be scored once by
`benchmarks/pii_probe.py --probe tests/data/pii_probe_sixth.jsonl`.

Carrier text (in ../shared/data; no earlier probe used these turns):
  - the simulated customers' turns of the tau-bench (v1) airline trajectories
    (`trajectories/gpt-4o-airline.part*.jsonl`), tasks 8-49 (tasks 0-7 are convsim's own
    sample), leaving out every turn whose text the second probe holds: the names, user ids,
    dates of birth and emails of the airline database (the customer, saved and booked
    passengers, and those the task's own actions name) are found in the turn and replaced by
    planted ones; a turn keeping any other personal-looking value (a card's last four, a name
    of the database, a year not a flight's, a capitalised word that is no word of the dialogs)
    is left out;
  - Taskmaster-4 coffee customer turns nobody used: the reward examples' contexts
    (`reward.part01-02`) and `dialogs.part01` from its 61st dialog on (convsim's sample is
    the first 60); turns with a name cue are left out (the order names are playing cards), a
    first name the customer gives ("The order is for Fred.") is replaced by a planted one.
Most lines get one or two planted clauses (frames written for this probe, none of an earlier
probe's) and some a look-alike clause around a valid business number. Values from Faker in
locales no earlier probe used (id_ID, ja_JP romanised, fr_CH, az_AZ, zu_ZA, yo_NG, ha_NG,
uz_UZ, ga_IE, sw for names; phones, addresses, IBANs and ids also of Bulgaria, Ukraine,
Vietnam, Georgia, Estonia, Latvia, Lithuania, South Africa, Japan, Malaysia, Israel) and a few
common ones; every number is checked (phonenumbers,
python-stdnum, Luhn): the values and their locales are drawn in pii_probe_sixth_values.py; this
file finds the carrier text, labels its look-alikes and places the clauses (about 550 lines: the
two carrier sources each need their own reading and leaving-out rules).

    .venv/bin/python benchmarks/pii_probe_sixth_build.py [--data ../shared/data] [--out FILE]
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

from faker.providers.person import en_GB as en_gb_person
from faker.providers.person import en_US as en_us_person

sys.path.append(str(Path(__file__).resolve().parent))  # for pii_probe_common, next to this file
import pii_probe_clauses as clauses  # noqa: E402
import pii_probe_common as common  # noqa: E402
from pii_probe_sixth_values import (  # noqa: E402
    ADDRESS_COUNTRIES,
    DOB_FORMATS,
    IBAN_COUNTRIES,
    LINE_LOCALES,
    PHONE_LOCALES,
    SEED,
    Maker,
    latin,
)

DATA = common.DATA  # the default --data (the tests read it)
OUT = common.REPO / "tests" / "data" / "pii_probe_sixth.jsonl"
EXTERNAL = common.REPO / "tests" / "data" / "pii_probe_external.jsonl"  # its tau turns are left out

# Frames written for this probe.
NAME_FRAMES = ["You can put it under {n}.", "{n} speaking.", "Name on the booking should read {n}.",
               "Last time it was booked as {n}, maybe that's why.", "Please note the contact person is {n}."]
POSSESSIVE_FRAMES = ["This is about {n}'s booking, she can't call herself.", "I'm sorting out {n}'s refund.",
                     "{n}'s flight got moved without notice.", "Was the receipt sent to {n}'s inbox?",
                     "Put it on {n}'s tab, he said that's fine.", "Can you check whether {n}'s bag made it?"]
FIRST_POSSESSIVE_FRAMES = ["My husband {f}'s ticket is on the same reservation.",
                           "It was {f}'s idea to change it."]
EMAIL_FRAMES = ["You can reach me by email at {v}.", "Send the receipt to {v} please",
                "{v} - that's the address on file.", "My new email: {v}", "it's {v}, all lowercase"]
PHONE_CUE = ["My mobile is {v}.", "Call me back on {v} if the line drops.", "Contact number: {v}",
             "Text me at {v} when it's ready."]
PHONE_BARE = ["{v} is the best way to get hold of me.", "Oh and {v}, in case you need it.",
              "Reach me at {v} after six."]
ADDRESS_FRAMES = ["Ship it to {v}.", "Billing address is {v}.", "The new address is {v}, since March.",
                  "I live at {v} now.", "{v} - please update that."]
DOB_FRAMES = ["My date of birth is {v}.", "DOB {v}", "I was born on {v}.", "Birthdate: {v}",
              "{v} is my birthday, if you need to verify."]
IBAN_FRAMES = ["Refund to IBAN {v} please.", "My bank details: {v}", "The account number is {v}.",
               "You can transfer it to {v}."]
IBAN_PAIR = "Either {a} or {b} works, both are mine."
CARD_FRAMES = ["Charge it to {v}.", "Card number {v}, exp 09/28.", "The long number on the front is {v}.",
               "Use {v} instead of the gift card."]
NATIONAL_CUE = ["My {cue} is {v}.", "{cue}: {v}", "They asked for my {cue}, it's {v}."]
NATIONAL_BARE = ["Here you go: {v}.", "{v}, if you need it for the check."]
CODE_FRAMES = {
    "pin": ["My PIN is {v}.", "pin {v}", "It's {v}, same as my card PIN.",
            "Sorry, the pin's {v}, not what I said."],
    "passcode": ["Passcode: {v}", "The phone passcode I set is {v}.", "Password for the account is {v}."],
    "otp": ["The code they texted me is {v}.", "I got {v} by SMS.", "Verification code {v}",
            "Just received {v}, does that work?"],
}
LOOKALIKE_FRAMES = {"ean": ("card", "Scanned the barcode: {v}."),
                    "isbn": ("card", "It's the paperback with ISBN {v}."),
                    "tracking": ("card", "Courier tracking: {v}"),
                    "creditor_ref": ("iban", "Reference on the bank transfer: {v}."),
                    "receipt": ("national_id", "Receipt number {v} is the one with the error."),
                    "serial": ("phone", "The serial number of the machine is {v}."),
                    "gate": ("street", "We waited at {v} for an hour."),
                    "booking_ref": ("pin", "The hotel confirmation was {v}."),
                    "loyalty_tier": ("name", "I'm a {v} member, by the way."),
                    "travel_date": ("dob", "I'm flying out on {v}."),
                    "amount": ("postcode", "It came to {v} in the end."),
                    "promo": ("user_id", "I tried the promo code {v} but it didn't apply."),
                    "website": ("email", "I saw the offer on {v} yesterday.")}
PHRASAL = ["go ahead", "figure out", "look into", "check on", "pick up", "sign up", "set up", "find out",
           "switch to", "move up", "hold on", "come back", "end up", "call back"]
ID_CUES = {"BG": "EGN", "EE": "isikukood", "LT": "asmens kodas", "ZA": "ID number", "UA": "RNOKPP",
           "JP": "My Number", "ID": "NIK", "MY": "IC number", "IL": "Teudat Zehut number"}
FIRST_NAMES = set(en_us_person.Provider.first_names) | set(en_gb_person.Provider.first_names)
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


# ---------------------------------------------------------------------------- carrier text


def _names_of(user: dict[str, Any], reservations: list[dict[str, Any]], task: dict[str, Any]
              ) -> list[tuple[str, str, str]]:
    """(first, last, dob) of the customer first, then of their saved, booked and (in the task's
    own actions) newly named passengers, each once."""
    people = [(user["name"]["first_name"], user["name"]["last_name"], user["dob"])]
    people += [(p["first_name"], p["last_name"], p["dob"]) for p in user.get("saved_passengers") or []]
    people += [(p["first_name"], p["last_name"], p["dob"]) for r in reservations for p in r["passengers"]]
    people += [(p["first_name"], p["last_name"], p["dob"]) for a in task.get("actions", [])
               for p in a["kwargs"].get("passengers", []) if {"first_name", "last_name", "dob"} <= set(p)]
    return list(dict.fromkeys(people))


def _word_at(word: str) -> str:
    return rf"(?<!\w){re.escape(word)}(?!\w)"


def _find_values(text: str, uid: str, email: str, people: list[tuple[str, str, str]]
                 ) -> tuple[list[tuple[str, str, int]], str]:
    """The database's personal values in a turn, each (old value, field, person index), and the
    turn without them."""
    found: list[tuple[str, str, int]] = []
    rest = text
    if re.search(_word_at(uid), rest):
        found.append((uid, "user_id", 0))
        rest = rest.replace(uid, " ")
    if email in rest:
        found.append((email, "email", 0))
        rest = rest.replace(email, " ")
    for k, (first, last, dob) in enumerate(people):
        born = dt.date.fromisoformat(dob)
        for written in (dob, f"{born:%B} {born.day}, {born.year}", f"{born:%m/%d/%Y}"):
            if written in rest:
                found.append((written, "dob", k))
                rest = rest.replace(written, " ")
        if f"{first} {last}" in rest:
            found.append((f"{first} {last}", "full", k))
            rest = rest.replace(f"{first} {last}", " ")
        for word, field in ((first, "first"), (last, "last")):
            if len(word) > 2 and re.search(_word_at(word), rest):
                found.append((word, field, k))
                rest = re.sub(_word_at(word), " ", rest)
    return found, rest


class Airline:
    """The tau-bench airline database and the words of its dialogs: what a turn may keep."""

    DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

    def __init__(self, root: Path, towns: set[str]) -> None:
        self.users = json.loads((root / "airline_db" / "users.json").read_text())
        reservations = json.loads((root / "airline_db" / "reservations.json").read_text())
        self.by_user: dict[str, list[dict[str, Any]]] = {}
        for r in reservations.values():
            self.by_user.setdefault(r["user_id"], []).append(r)
        people = [u["name"] for u in self.users.values()] + [p for r in reservations.values()
                                                              for p in r["passengers"]]
        self.name_words = {w for p in people for w in (p["first_name"], p["last_name"])}
        texts = [m.get("content") or "" for part in sorted((root / "trajectories").glob("*.jsonl"))
                 for raw in part.read_text().splitlines() for m in json.loads(raw)["traj"][1:]]
        # English words of the dialogs (not the pieces of user ids: "mia_li_3668" holds no word)
        self.english = {w for x in texts for w in re.findall(r"(?<![\w])[a-z]+(?![\w])", x)}
        self.known_caps = set(MONTHS.split("|")) | self.DAYS | {w for town in towns for w in town.split()}

    def unlabelled(self, rest: str, lasts: set[str], flight_dates: set[str]) -> bool:
        """Whether what is left of a turn still holds something personal-looking."""
        capitalised = re.findall(r"(?<![.!?:] )(?<!^)(?<=\s)[A-Z][a-z]+", rest)
        return bool(
            [y for y in re.findall(r"\b(?:19|20)\d\d-\d\d-\d\d\b", rest) if y not in flight_dates]
            or re.search(r"\b(?:19|20)\d\d\b", re.sub(r"\b20\d\d-\d\d-\d\d\b", "", rest))
            or any(re.search(rf"(?<!\d){x}(?!\d)", rest) for x in lasts)
            or set(re.findall(r"[A-Z][a-z]+", rest)) & self.name_words
            or "@" in rest or re.search(r"[a-z]+_[a-z]+_\d{4}", rest)
            or any(w.lower() not in self.english and w not in self.known_caps for w in capitalised)
            or re.search(r"(?<![\d_])\d{5}(?!\d)", rest)
            or re.search(r"\b(?:name is|named|I'm|I am|this is|passenger) [A-Z][a-z]+ [A-Z][a-z]+", rest))


def tau_turns(data: Path, towns: set[str]) -> list[dict[str, Any]]:
    """Customer turns of the airline trajectories, with the database's personal values in them;
    a turn keeping a capitalised word that is no English word of the dialogs, month, day or town
    (a name the database does not hold) is left out."""
    root = data / "tau_bench"
    airline = Airline(root, towns)
    seen = {json.loads(x)["text"] for x in EXTERNAL.read_text().splitlines() if x.strip()}
    out: list[dict[str, Any]] = []
    for part in sorted((root / "trajectories").glob("*.jsonl")):
        for raw in part.read_text().splitlines():
            traj = json.loads(raw)
            uid = traj["info"]["task"]["user_id"]
            user = airline.users.get(uid)
            if traj["task_id"] < 8 or user is None:
                continue
            mine = airline.by_user.get(uid, [])
            people = _names_of(user, mine, traj["info"]["task"])
            lasts = {str(p["last_four"]) for p in user["payment_methods"].values() if p.get("last_four")}
            flight_dates = {f["date"] for r in mine for f in r["flights"]}
            for t, msg in enumerate(traj["traj"]):
                text = msg.get("content")
                if msg["role"] != "user" or not text or text in seen:
                    continue
                seen.add(text)
                text = re.sub(r"\s+", " ", text.replace("###STOP###", "")).strip()
                if len(text) < 12:
                    continue
                found, rest = _find_values(text, uid, user["email"], people)
                if not airline.unlabelled(rest, lasts, flight_dates):
                    out.append({"source": "tau-traj", "text": text, "found": found, "menu": [],
                                "ref": f"task {traj['task_id']} trial {traj.get('trial', 0)} message {t}"})
    return out


def _menu_names(value: Any, into: set[str]) -> None:
    """Menu item names in an API response (any depth)."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if key in ("name", "menu_item_name") and isinstance(sub, str):
                into.add(sub)
            else:
                _menu_names(sub, into)
    elif isinstance(value, list):
        for sub in value:
            _menu_names(sub, into)


def coffee_turns(data: Path) -> list[dict[str, Any]]:
    """Taskmaster-4 customer turns no probe used, with the menu items the dialog's API returned."""
    root = data / "taskmaster" / "tm4_coffee"
    out: list[dict[str, Any]] = []
    seen: set[str] = set()

    def keep(source: str, ref: str, text: str, menu: set[str]) -> None:
        text = re.sub(r"\s+", " ", text).strip()
        if len(text) < 12 or text.lower() in seen or re.search(r"\b(?:name|under|call me)\b", text, re.I):
            return  # a name cue: the name would be unlabelled
        menu_words = {w.lower() for m in menu for w in m.split()}
        # a first name the customer gives ("The order is for Fred.") is replaced by a planted one;
        # one typed in lower case ("for jim") is not labelled reliably: the turn is left out
        names = sorted({m.group(1) for m in re.finditer(r"(?<=[\w,] )([A-Z][a-z]+)\b", text)
                        if m.group(1) in FIRST_NAMES and m.group(1).lower() not in menu_words})
        typed = re.findall(r"\b(?:for|to) ([a-z]+)", text)
        if any(w.title() in FIRST_NAMES and w not in menu_words for w in typed):
            return
        seen.add(text.lower())
        found = [(w, "first", k) for k, w in enumerate(names)]
        out.append({"source": source, "ref": ref, "text": text, "found": found,
                    "menu": sorted(m for m in menu if m != "Name")})

    for part in ("reward.part01.jsonl", "reward.part02.jsonl"):
        for i, raw in enumerate((root / part).read_text().splitlines()):
            example = json.loads(raw)
            context = json.loads(example["context"])
            menu: set[str] = set()
            for turn in context:
                _menu_names(turn.get("response"), menu)
            said = [(n, x["text"]) for n, x in enumerate(context)
                    if x.get("role") == "user" and x.get("text")]
            if said:  # the newest customer turn of the example (the others repeat in its siblings)
                n, text = said[-1]
                keep("tm4-reward", f"{part.split('.')[0]}.{part.split('.')[1]} {i} turn {n}", text, menu)
    for i, raw in enumerate((root / "dialogs.part01.jsonl").read_text().splitlines()):
        if i < 60:
            continue
        dialog = json.loads(raw)
        menu = set()
        for utt in dialog["utterances"]:
            for a in utt.get("annotations", []):
                if a["name"] == "response":
                    try:
                        _menu_names(json.loads(a["value"]), menu)
                    except json.JSONDecodeError:
                        pass
        for utt in dialog["utterances"]:
            if utt["speaker"] == "user":
                keep("tm4-dialogs", f"{dialog['conversation_id']} turn {utt['index']}", utt["text"], menu)
    return out


# ---------------------------------------------------------------------------- look-alikes


class Known:
    """What the look-alike labeller knows of the carrier data: reservation ids, airports, towns."""

    def __init__(self, data: Path, towns: set[str]) -> None:
        root = data / "tau_bench" / "airline_db"
        self.reservations = set(json.loads((root / "reservations.json").read_text()))
        flights = json.loads((root / "flights.json").read_text())
        self.airports = {f["origin"] for f in flights.values()} | {f["destination"] for f in flights.values()}
        self.towns = towns


# (pattern, look-alike kind, personal kind it resembles, the set a match must belong to, if any)
SHAPES: list[tuple[str, str, str, str | None]] = [
    (r"(?<!\w)[A-Z0-9]{6}(?!\w)", "reservation_id", "pin", "reservations"),
    (r"\bHAT\d{3}\b", "flight_number", "pin", None),
    (r"\b[A-Z]{3}\b", "airport", "name", "airports"),
    (r"\b(?:credit_card|gift_card|certificate)_\d{7}\b", "payment_id", "user_id", None),
    (r"\b2024-\d\d-\d\d\b", "flight_date", "dob", None),
    (rf"\b(?:{MONTHS}) \d{{1,2}}(?:st|nd|rd|th)?\b(?!,? \d)", "date", "dob", None),
    (r"\$\d+(?:,\d{3})*(?:\.\d\d)?", "price", "postcode", None),
    (r"\b\d{1,2}(?::\d\d)? ?(?:am|pm|AM|PM)\b", "time", "dob", None),
    (r"\b\d{1,2} ?(?:oz|ounces?)\b", "size", "postcode", None),
]


def lookalikes(text: str, carrier: dict[str, Any], known: Known, openers_ok: set[str],
               planted_address: bool) -> list[dict[str, str]]:
    """The look-alikes of a line's text, found mechanically: SHAPES, towns alone, the dialog's
    own menu items, phrasal verbs, sentence openers that are English words."""
    found = common.Found()
    for pattern, kind, resembles, among in SHAPES:
        members = getattr(known, among) if among else None
        for m in re.finditer(pattern, text):
            if members is None or m.group(0) in members:
                found.add(m.group(0), kind, resembles)
    if not planted_address:  # a town of a planted address is neither personal nor a look-alike
        found.places(text, r"\b([A-Z][a-z]+(?: [A-Z][a-z]+)?)\b", known.towns)
    menu = [w for item in carrier["menu"] for w in (item, item.lower()) if len(w) > 3]
    found.words(text, menu, "menu_item")
    found.words(text, PHRASAL, "phrasal_verb")
    found.openers(text, r"(?:^|[.!?;] )([A-Z][a-z]{2,})(?=[\s,!])", openers_ok)
    return found


# ---------------------------------------------------------------------------- build


# how many clauses of each kind the probe holds (planted values; look-alikes)
JOBS = {"name": 24, "possessive": 24, "first_possessive": 8, "email": 46, "phone": 48, "address": 48,
        "dob": 44, "iban": 22, "iban_pair": 5, "card": 30, "national": 32, "pin": 12, "passcode": 9,
        "otp": 12}
LOOKS = {"ean": 14, "isbn": 12, "tracking": 22, "creditor_ref": 26, "receipt": 26, "serial": 26, "gate": 26,
         "booking_ref": 20, "loyalty_tier": 14, "travel_date": 26, "amount": 26, "promo": 26, "website": 12}


CLAUSES = clauses.of(globals(), phone_places=PHONE_LOCALES, address_places=ADDRESS_COUNTRIES,
                     dob_places=sorted(DOB_FORMATS), iban_places=IBAN_COUNTRIES,
                     national_places=sorted(ID_CUES), phone_cue_odds=0.55, national_cue_odds=0.7,
                     swap_pair=True)


def plant(maker: Maker, job: str, locale: str) -> tuple[str, list[dict[str, str]]]:
    return clauses.plant(maker, job, locale, CLAUSES)


def _replace_word(text: str, old: str, new: str) -> str | None:
    """`old` replaced by `new` where it stands as a word (case kept: "May" is not "may"), once."""
    pattern = re.compile(rf"(?<!\w){re.escape(old)}(?!\w)")
    if len(pattern.findall(text)) != 1:
        return None
    return pattern.sub(lambda _: new, text)


def _refill(maker: Maker, carrier: dict[str, Any], locale: str) -> tuple[str, list[dict[str, str]]] | None:
    """The carrier's own personal values replaced by planted ones (None: a value is not once)."""
    text: str | None = carrier["text"]
    spans: list[dict[str, str]] = []
    people: dict[int, tuple[str, str, str]] = {}
    for old, field, k in carrier["found"]:
        if k not in people:
            people[k] = maker.name(locale)
        first, last, origin = people[k]
        if field == "user_id":
            new = common.user_id(latin(first), latin(last), old)
            spans_new = [common.span(new, "user_id", origin)]
        elif field == "email":
            new = maker.email(first, last, origin)
            spans_new = [common.span(new, "email", origin)]
        elif field == "dob":
            born = dt.date.fromisoformat(maker.dob("US", iso=True))
            if re.fullmatch(r"\d{4}-\d\d-\d\d", old):  # written as the customer wrote the old one
                new = born.isoformat()
            else:
                new = born.strftime("%m/%d/%Y") if "/" in old else f"{born:%B} {born.day}, {born.year}"
            spans_new = [common.span(new, "dob", "US")]
        elif field == "full":
            new = f"{first} {last}"
            spans_new = [common.span(first, "name", origin), common.span(last, "name", origin)]
        else:
            new = first if field == "first" else last
            spans_new = [common.span(new, "name", origin)]
        text = _replace_word(text, old, new) if text is not None else None
        if field in ("full", "first", "last") and text is not None and re.search(
                rf"(?<!\w){re.escape(new)}['’]s\b", text):  # the customer's own "Denis Luthuli's details"
            spans_new = [{**x, "kind": "name_possessive"} for x in spans_new]
        spans += spans_new
    return (text, spans) if text is not None else None


_sentences = clauses.sentences  # the seventh and eighth builders use it by this name


class Queue(clauses.Queue):
    """This probe's clauses still to place."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__(rng, JOBS, LOOKS)


def build(data: Path) -> list[dict[str, Any]]:
    tau = tau_turns(data, set(common.read_towns()["US"]))
    coffee = coffee_turns(data)
    vocabulary = {w for c in tau + coffee for w in re.findall(r"[a-z]+", c["text"].lower())}
    maker = Maker(vocabulary)
    known = Known(data, set(maker.towns["US"]))
    openers_ok = {w for w in vocabulary | CLAUSES.words() if len(w) >= 3} - {"you", "your", "the"}
    rng = random.Random(SEED + 1)
    valued = [c for c in tau if c["found"]]
    plain = [c for c in tau if not c["found"]]
    chosen = valued + rng.sample(plain, min(200, len(plain))) + rng.sample(coffee, min(200, len(coffee)))
    order = list(range(len(chosen)))
    rng.shuffle(order)
    queue = Queue(rng)
    out: list[dict[str, Any]] = []
    for n, idx in enumerate(order):
        carrier, locale = chosen[idx], LINE_LOCALES[n % len(LINE_LOCALES)]
        refilled = _refill(maker, carrier, locale)
        if refilled is None:
            continue
        clauses.add_line(out, "p6", clauses.Line(carrier, locale, *refilled), maker, queue, CLAUSES,
                         len(order) - n, bool(refilled[1]),
                         lambda text, address, c=carrier: lookalikes(text, c, known, openers_ok, address))
    queue.check_done()
    return out


def main() -> None:
    clauses.write_probe(__doc__, OUT, ("tau_bench", "taskmaster"), build)


if __name__ == "__main__":
    main()
