"""Write pii_probe_external.jsonl: a personal-data probe from text nobody on convsim wrote.

Lines (same format as pii_probe.jsonl, scored by `benchmarks/pii_probe.py --probe`):

- `ext-tau-*`: customer and agent turns of the tau-bench airline trajectories
  (/work/shared/data/tau_bench, MIT; tasks 8-49: tasks 0-7 are in convsim's own sample and
  were seen while tuning), labelled with the values of the airline database they contain:
  the customer's and their passengers' first and last names, dates of birth, emails, and
  name-bearing user ids ("mia_kim_4397"). Look-alikes from the same database in the same
  turns: reservation ids, flight numbers, airport codes, flight dates.
- `ext-tau2-*`: the `known_info` of the tau2-bench retail tasks ("You are Yusuf Rossi in
  zip code 19122."), labelled from the retail database (names, zips, emails, user ids).
- `ext-loc-*`: the same turns with their labelled values replaced by identities of Faker
  locales the first probe does not use (pl_PL, pt_PT, da_DK, fi_FI, cs_CZ, no_NO, en_IE,
  en_NZ, ro_RO, hu_HU): names, emails, dates of birth, postcodes, user ids built like the
  dataset's.

Nothing here was used to tune the scrubber: the figures in benchmarks/RESULTS.md are the
first measurement on it. Deterministic (fixed seed, and the clock stopped at BUILT_AT while
Faker draws dates of birth: they count back from today).

    .venv/bin/python tests/data/make_pii_probe_external.py [--data /work/shared/data]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import unicodedata
from pathlib import Path
from typing import Any

import time_machine
from faker import Faker

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1].parent / "shared" / "data"
BUILT_AT = dt.datetime(2026, 12, 6, 20, 0, tzinfo=dt.UTC)
"""The day the committed probe was built: Faker's date_of_birth counts back from the clock."""
LOCALES = ("pl_PL", "pt_PT", "da_DK", "fi_FI", "cs_CZ", "no_NO", "en_IE", "en_NZ", "ro_RO",
           "hu_HU")
HELD_OUT_TASKS = range(8, 1000)
MAX_TAU_LINES = 260
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _word(value: str, text: str) -> bool:
    return re.search(rf"(?<![\w@.]){re.escape(value)}(?![\w@])", text) is not None


def _tau_lines(data: Path) -> list[dict[str, Any]]:
    root = data / "tau_bench"
    users = json.loads((root / "airline_db" / "users.json").read_text())
    reservations = json.loads((root / "airline_db" / "reservations.json").read_text())
    flights = json.loads((root / "airline_db" / "flights.json").read_text())
    airports = {f["origin"] for f in flights.values()} | {f["destination"] for f in flights.values()}
    lines: list[dict[str, Any]] = []
    seen: set[str] = set()
    for part in sorted((root / "trajectories").glob("*.jsonl")):
        for raw in part.read_text().splitlines():
            traj = json.loads(raw)
            if traj["task_id"] not in HELD_OUT_TASKS:
                continue
            uid = traj["info"]["task"]["user_id"]
            user = users.get(uid)
            if user is None:
                continue
            people = [(user["name"]["first_name"], user["name"]["last_name"], user["dob"])]
            mine = [r for r in reservations.values() if r["user_id"] == uid]
            for r in mine:
                people += [(p["first_name"], p["last_name"], p["dob"]) for p in r["passengers"]]
            for p in user.get("saved_passengers") or []:
                people.append((p["first_name"], p["last_name"], p["dob"]))
            dobs = {d for _, _, d in people}
            for msg in traj["traj"][1:]:
                text = msg.get("content")
                if msg["role"] not in ("user", "assistant") or not text or text in seen:
                    continue
                seen.add(text)
                spans: list[dict[str, str]] = []
                if _word(uid, text):
                    spans.append({"value": uid, "kind": "user_id"})
                rest = text.replace(uid, " ")
                for first, last, dob in people:
                    for value, kind in ((first, "name"), (last, "name"), (dob, "dob")):
                        if _word(value, rest) and {"value": value, "kind": kind} not in spans:
                            spans.append({"value": value, "kind": kind})
                if _word(user["email"], text):
                    spans.append({"value": user["email"], "kind": "email"})
                harmless: list[dict[str, str]] = []
                for r in mine:
                    if _word(r["reservation_id"], text):
                        harmless.append({"value": r["reservation_id"], "kind": "reservation",
                                         "resembles": "account"})
                    for f in r["flights"]:
                        if _word(f["flight_number"], text):
                            harmless.append({"value": f["flight_number"], "kind": "flight",
                                             "resembles": "passport"})
                        if _word(f["date"], text) and f["date"] not in dobs:
                            harmless.append({"value": f["date"], "kind": "flight_date",
                                             "resembles": "dob"})
                for code in sorted(airports):
                    if _word(code, text) and not any(s["value"] == code for s in spans):
                        harmless.append({"value": code, "kind": "airport", "resembles": "name"})
                if spans or harmless:
                    lines.append({"source": "tau", "text": text, "spans": spans,
                                  "harmless": _dedupe(harmless)})
    rng = random.Random(17)
    with_pii = [x for x in lines if x["spans"]]
    without = [x for x in lines if not x["spans"]]
    rng.shuffle(with_pii)
    rng.shuffle(without)
    return with_pii[:MAX_TAU_LINES - 60] + without[:60]


def _dedupe(items: list[dict[str, str]]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _tau2_lines(data: Path) -> list[dict[str, Any]]:
    root = data / "tau2_bench" / "domains" / "retail"
    users = json.loads((root / "db.json").read_text())["users"]
    by_name = {(u["name"]["first_name"], u["name"]["last_name"]): u for u in users.values()}
    lines, seen = [], set()
    for task in json.loads((root / "tasks.json").read_text()):
        text = (task.get("user_scenario") or {}).get("instructions", {}).get("known_info")
        if not isinstance(text, str) or text in seen:
            continue
        seen.add(text)
        spans: list[dict[str, str]] = []
        for uid in users:
            if _word(uid, text):
                spans.append({"value": uid, "kind": "user_id"})
        for (first, last), u in by_name.items():
            if _word(f"{first} {last}", text):
                spans += [{"value": first, "kind": "name"}, {"value": last, "kind": "name"}]
                for value, kind in ((u["address"]["zip"], "postcode"), (u["email"], "email"),
                                    (u["address"]["address1"], "street")):
                    if _word(value, text):
                        spans.append({"value": value, "kind": kind})
        for u in users.values():
            if _word(u["address"]["zip"], text) and not any(
                    s["value"] == u["address"]["zip"] for s in spans):
                spans.append({"value": u["address"]["zip"], "kind": "postcode"})
            if _word(u["email"], text) and not any(s["value"] == u["email"] for s in spans):
                spans.append({"value": u["email"], "kind": "email"})
        if spans:
            lines.append({"source": "tau2", "text": text, "spans": spans, "harmless": []})
    return lines


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _relocalised(lines: list[dict[str, Any]], seed: int = 23) -> list[dict[str, Any]]:
    """Each line's labelled values replaced by a held-out locale's identity (same kinds)."""
    rng = random.Random(seed)
    out = []
    fakers = {locale: Faker(locale) for locale in LOCALES}
    for i, line in enumerate(lines):
        locale = LOCALES[i % len(LOCALES)]
        fake = fakers[locale]
        fake.seed_instance(seed * 1000 + i)
        text, spans = line["text"], []
        names: dict[str, str] = {}
        for span in sorted(line["spans"], key=lambda s: -len(s["value"])):
            value, kind = span["value"], span["kind"]
            if kind == "name":
                new = names.get(value) or (fake.first_name() if rng.random() < 0.5
                                           else fake.last_name())
                names[value] = new
            elif kind == "user_id":
                first, last = fake.first_name(), fake.last_name()
                new = f"{_ascii(first)}_{_ascii(last)}_{rng.randint(1000, 9999)}"
            elif kind == "email":
                new = fake.email()
            elif kind == "dob":
                new = fake.date_of_birth(minimum_age=18, maximum_age=90).isoformat()
            elif kind == "postcode":
                new = fake.postcode()
            elif kind == "street":
                new = fake.street_address()
            else:
                continue
            if not _word(value, text):
                continue
            text = re.sub(rf"(?<![\w@.]){re.escape(value)}(?![\w@])", new.replace("\\", ""), text)
            spans.append({"value": new, "kind": kind})
        if spans:
            harmless = [h for h in line["harmless"] if h["value"] in text]
            out.append({"source": f"loc:{locale}", "locale": locale, "text": text,
                        "spans": spans, "harmless": harmless})
    return out


def build(data: Path) -> list[dict[str, Any]]:
    tau, tau2 = _tau_lines(data), _tau2_lines(data)
    with time_machine.travel(BUILT_AT, tick=False):
        local = _relocalised([x for x in tau + tau2 if x["spans"]])
    lines = []
    for prefix, group in (("ext-tau", tau), ("ext-tau2", tau2), ("ext-loc", local)):
        for n, line in enumerate(group, 1):
            lines.append({"id": f"{prefix}-{n}", "locale": line.get("locale", "en_US"), **{
                k: v for k, v in line.items() if k != "locale"}})
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    lines = build(args.data)
    target = HERE / "pii_probe_external.jsonl"
    target.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    print(f"wrote {len(lines)} lines to {target}")


if __name__ == "__main__":
    main()
