"""How the sixth, seventh and eighth personal-data probe builders place their clauses: each
builder writes its own frames and value tables (a `Clauses`), this module plants a value of a
kind in one of them, queues the clauses so that every one is placed, and adds a carrier line
with its planted clauses and look-alike clause to the probe.

Every draw takes the builder's random generators in the order the builders always drew, so each
builder still writes its committed probe byte for byte.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stdnum import iban as std_iban

sys.path.append(str(Path(__file__).resolve().parent))  # for pii_probe_common, next to this file
import pii_probe_common as common  # noqa: E402

Spans = list[dict[str, str]]


@dataclass(frozen=True)
class Clauses:
    """A probe's own frames (each with `{n}`, `{f}`, `{v}`, `{cue}` or `{a}`/`{b}` where the value
    goes), the places its values are drawn for, and the odds of its choices."""

    name: list[str]
    possessive: list[str]
    first_possessive: list[str]
    email: list[str]
    phone_cue: list[str]
    phone_bare: list[str]
    address: list[str]
    dob: list[str]
    iban: list[str]
    iban_pair: str
    card: list[str]
    national_cue: list[str]
    national_bare: list[str]
    codes: dict[str, list[str]]
    lookalikes: dict[str, tuple[str, str]]
    """Look-alike kind -> (the kind it resembles, its frame)."""
    id_cues: dict[str, str]
    phone_places: Sequence[str]
    address_places: Sequence[str]
    dob_places: Sequence[str]
    iban_places: Sequence[str]
    national_places: Sequence[str]
    phone_cue_odds: float
    national_cue_odds: float
    user: list[str] = field(default_factory=list)
    swap_pair: bool = False
    """Whether an IBAN pair puts the spaced one first half of the time."""

    def words(self) -> set[str]:
        """The lower-case words of the frames ("Will it ...": a sentence opener may be one)."""
        frames = [f for group in (self.name, self.possessive, self.first_possessive, self.email,
                                  self.phone_cue, self.phone_bare, self.address, self.dob, self.iban,
                                  self.card, self.national_cue, self.national_bare, self.user,
                                  *self.codes.values(), [self.iban_pair],
                                  [f for _, f in self.lookalikes.values()]) for f in group]
        return {w for f in frames for w in re.findall(r"[a-z]+", re.sub(r"\{\w+\}", " ", f).lower())}


FRAME_NAMES = {"name": "NAME_FRAMES", "possessive": "POSSESSIVE_FRAMES",
               "first_possessive": "FIRST_POSSESSIVE_FRAMES", "email": "EMAIL_FRAMES",
               "phone_cue": "PHONE_CUE", "phone_bare": "PHONE_BARE", "address": "ADDRESS_FRAMES",
               "dob": "DOB_FRAMES",
               "iban": "IBAN_FRAMES", "iban_pair": "IBAN_PAIR", "card": "CARD_FRAMES",
               "national_cue": "NATIONAL_CUE", "national_bare": "NATIONAL_BARE", "codes": "CODE_FRAMES",
               "lookalikes": "LOOKALIKE_FRAMES", "id_cues": "ID_CUES", "user": "USER_FRAMES"}
"""Clauses field -> the name a builder gives that table (USER_FRAMES may be missing)."""


def of(tables: dict[str, Any], **rest: Any) -> Clauses:
    """The `Clauses` of a builder whose module globals `tables` hold its frames under the names
    of FRAME_NAMES; `rest` gives the places and odds."""
    return Clauses(**{f: tables[name] for f, name in FRAME_NAMES.items() if name in tables}, **rest)


def places_of(values: Any) -> dict[str, Sequence[str]]:
    """The places of a values module that names them as the seventh's does (PHONE_REGIONS,
    ADDRESS_COUNTRIES, DOB_FORMATS, IBAN_COUNTRIES, ID_MODULES), as `of` takes them."""
    return {"phone_places": sorted(values.PHONE_REGIONS), "address_places": values.ADDRESS_COUNTRIES,
            "dob_places": sorted(values.DOB_FORMATS), "iban_places": values.IBAN_COUNTRIES,
            "national_places": sorted(values.ID_MODULES)}


def plant(maker: Any, job: str, locale: str, clauses: Clauses) -> tuple[str, Spans]:
    """A clause planting a value of kind `job` (drawn by the probe's `maker`), and its spans."""
    rng: random.Random = maker.rng
    if job in ("name", "possessive"):
        return common.name_clause(rng, job, maker.name(locale), clauses.name, clauses.possessive)
    if job == "first_possessive":  # a first name alone, possessive
        first, _, origin = maker.name(locale)
        text = rng.choice(clauses.first_possessive).format(f=first)
        return text, [common.span(first, "name_possessive", origin)]
    if job in ("email", "user_id"):
        first, last, origin = maker.name(locale)
        if job == "email":
            return common.clause(rng, clauses.email, maker.email(first, last, origin), "email", origin)
        return common.clause(rng, clauses.user, maker.user_id(first, last), "user_id", origin)
    if job == "phone":
        where = maker.turn(job, clauses.phone_places)
        frames = clauses.phone_cue if rng.random() < clauses.phone_cue_odds else clauses.phone_bare
        return common.clause(rng, frames, maker.phone(where), "phone", where)
    if job == "address":
        where = maker.turn(job, clauses.address_places)
        whole, street, postcode = maker.address(where)
        text = rng.choice(clauses.address).format(v=whole)
        return text, [common.span(street, "street", where), common.span(postcode, "postcode", where)]
    if job == "dob":
        where = maker.turn(job, clauses.dob_places)
        return common.clause(rng, clauses.dob, maker.dob(where), "dob", where)
    if job == "iban":
        where = maker.turn(job, clauses.iban_places)
        return common.iban_clause(rng, clauses.iban, maker.iban(where), where)
    if job == "iban_pair":  # a compact IBAN in a list next to a spaced one
        a_where, b_where = rng.sample(list(clauses.iban_places), 2)
        a, b = maker.iban(a_where), std_iban.format(maker.iban(b_where))
        if clauses.swap_pair and rng.random() < 0.5:
            (a, a_where), (b, b_where) = (b, b_where), (a, a_where)
        return common.pair_clause(clauses.iban_pair, (a, a_where), (b, b_where))
    if job == "card":
        return common.clause(rng, clauses.card, maker.card(), "card", "en_US")
    if job == "national":
        where = maker.turn(job, clauses.national_places)
        value = maker.national(where)
        if rng.random() < clauses.national_cue_odds:
            text = rng.choice(clauses.national_cue).format(cue=clauses.id_cues[where], v=value)
        else:
            text = rng.choice(clauses.national_bare).format(v=value)
        return text, [common.span(value, "national_id", where)]
    return common.clause(rng, clauses.codes[job], maker.code(job), job, locale)


def sentences(pieces: list[str]) -> str:
    """The carrier text and its clauses as one message: each piece but the last ends a sentence."""
    closed = [p if p.endswith((".", "?", "!")) else p.rstrip(" ;,") + "." for p in pieces[:-1]]
    return " ".join(closed + pieces[-1:])


class Queue:
    """The clauses still to place (planted jobs, look-alike jobs), handed out line by line so
    that every one is placed before the carriers run out."""

    def __init__(self, rng: random.Random, jobs: dict[str, int], looks: dict[str, int]) -> None:
        self.rng = rng
        self.jobs = [k for k, n in jobs.items() for _ in range(n)]
        self.looks = [k for k, n in looks.items() for _ in range(n)]
        rng.shuffle(self.jobs)
        rng.shuffle(self.looks)

    def take(self, remaining: int, has_values: bool) -> tuple[list[str], list[str]]:
        """Planted jobs for this line (two when behind, else one on most lines) and at most
        one look-alike job."""
        if len(self.jobs) > remaining:
            want = 2
        elif self.jobs and (not has_values or self.rng.random() < 0.7):
            want = 1
        else:
            want = 0
        jobs = [self.jobs.pop() for _ in range(min(want, len(self.jobs)))]
        looks = []
        if self.looks and (len(self.looks) >= remaining or self.rng.random() < 0.6):
            looks.append(self.looks.pop())
        return jobs, looks

    def give_back(self, jobs: list[str], looks: list[str]) -> None:
        self.jobs += jobs[::-1]
        self.looks += looks

    def check_done(self) -> None:
        """An error when clauses are left (the carriers ran out before they were placed)."""
        if self.jobs or self.looks:
            raise RuntimeError(f"clauses left unplaced: {len(self.jobs)} planted, "
                               f"{len(self.looks)} look-alike")


@dataclass
class Line:
    """A carrier line being built: its text so far and its planted values."""

    carrier: dict[str, Any]
    locale: str
    text: str
    spans: Spans


def add_line(out: list[dict[str, Any]], prefix: str, line: Line, maker: Any, queue: Queue, clauses: Clauses,
             remaining: int, has_values: bool, lookalikes: Callable[[str, bool], Spans],
             towns: Sequence[str] = ()) -> None:
    """Append `line` with the clauses `queue` hands it (a look-alike clause last, a town drawn
    from `towns`) to `out` as `{prefix}-{n}`, with the look-alikes `lookalikes(text, planted
    address)` finds in it; a line with a value not once is left out and its clauses given back."""
    jobs, looks = queue.take(remaining, has_values)
    pieces, spans = [line.text], list(line.spans)
    for job in jobs:
        clause, planted = plant(maker, job, line.locale, clauses)
        pieces.append(clause)
        spans += planted
    made: Spans = []
    for look in looks:
        value = queue.rng.choice(list(towns)) if look == "town" else maker.lookalike(look)
        resembles, frame = clauses.lookalikes[look]
        pieces.append(frame.format(v=value))
        made.append({"value": value, "kind": look, "resembles": resembles})
    text = sentences(pieces)
    if not common.planted_once(spans, text) or any(text.count(h["value"]) != 1 for h in made):
        queue.give_back(jobs, looks)  # the line is left out; its clauses go to the next lines
        return
    address = any(s["kind"] == "street" for s in spans)
    seen = [h for h in lookalikes(text, address) if all(h["value"] != x["value"] for x in made)]
    harmless = common.clear_of(seen + made, spans, text)
    if spans or harmless:
        out.append(common.held_out_line(f"{prefix}-{len(out) + 1}", line.locale, line.carrier, text, spans,
                                        harmless))


def require(data: Path, folders: Sequence[str]) -> None:
    """Exit with one line when the shared public data lacks one of `folders`."""
    missing = [f for f in folders if not (data / f).is_dir()]
    if missing:
        raise SystemExit(f"error: {data}: no {' or '.join(missing)} folder (the shared public data)")


def write_probe(doc: str | None, out: Path, folders: Sequence[str],
                build: Callable[[Path], list[dict[str, Any]]]) -> tuple[Any, list[dict[str, Any]]]:
    """A builder's command line: `build` over `--data` (which must hold `folders`) written to
    `--out` (default `out`), its kinds printed; the parsed arguments and the probe's lines."""
    args = common.parse_args(doc, out)
    require(args.data, folders)
    lines = build(args.data)
    common.write_jsonl(args.out, lines)
    print_kinds(args.out, lines)
    return args, lines


def unused(lines: list[dict[str, Any]], carriers: list[dict[str, Any]]) -> int:
    """How many of `carriers` no line of the probe took."""
    used = {x["ref"] for x in lines}
    return sum(c["ref"] not in used for c in carriers)


def print_kinds(out: Path, lines: list[dict[str, Any]]) -> None:
    """The probe's size and, per kind, its planted values and the look-alikes resembling it."""
    planted, looks = common.count(lines), common.count(lines, "harmless", "resembles")
    print(f"{out}: {len(lines)} lines; per kind, planted values and look-alikes resembling it:")
    for kind in sorted(set(planted) | set(looks)):
        print(f"  {kind:<16} {planted.get(kind, 0):>5} {looks.get(kind, 0):>6}")
