"""Recall and precision of the PII scrubber on the labelled probe (tests/data/pii_probe.jsonl).

Each probe line is scrubbed as its own conversation. Recall: planted values that appear
nowhere in the output as a word (case-insensitive; "Li" inside "eligible" is not a leak).
Precision of a kind: 1 - harmless look-alikes of that kind that were changed / look-alikes
of that kind. Prints markdown tables. The second probe (--probe
tests/data/pii_probe_external.jsonl) is split: --half tune (odd lines, read while fixing)
and --half held-out (even lines, never read: the figures to report). The third
(--probe tests/data/pii_probe_public.jsonl, built by benchmarks/pii_probe_build.py from
public data) carries its half on each line.

    .venv/bin/python benchmarks/pii_probe.py [--salt S] [--misses] [--probe FILE]
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from convsim.scenarios.pii import Scrubber

PROBE = Path(__file__).resolve().parents[1] / "tests" / "data" / "pii_probe.jsonl"
FAMILY = {"name_cue": "name", "name_lower": "name", "name_nocue": "name", "email_spoken": "email",
          "phone_spoken": "phone", "nino": "national_id", "dni": "national_id", "nie": "national_id",
          "nir": "national_id", "idnr": "national_id", "codice_fiscale": "national_id",
          "bsn": "national_id", "cpf": "national_id", "aadhaar": "national_id", "ipv4": "ip",
          "ipv6": "ip", "passcode": "pin", "otp": "pin"}


def load_probe(path: Path = PROBE) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def half_of(line: dict[str, Any]) -> str:
    """"tune" or "held-out": the line's own `half` (the third probe, by a hash of its id),
    else by the number ending its id (the second probe: odd lines tune, even lines held out)."""
    if "half" in line:
        return str(line["half"])
    number = line["id"].rsplit("-", 1)[-1]
    return "held-out" if number.isdigit() and int(number) % 2 == 0 else "tune"


def evaluate(probe: list[dict[str, Any]], salt: str = "probe") -> dict[str, Any]:
    """Per-kind counts: planted/removed (by fine and family kind), look-alikes/changed."""
    scrubber = Scrubber(salt)
    planted: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    lookalike: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    harmless_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses, changed = [], []
    for line in probe:
        scrubber.begin([], [line["text"]])
        out = scrubber.scrub(line["text"])
        for span in line["spans"]:
            # a value is left when it is still a word of the output ("Li" in "eligible" is not)
            removed = re.search(rf"(?<!\w){re.escape(span['value'])}(?!\w)", out, re.I) is None
            for table, kind in ((planted, span["kind"]), (family, FAMILY.get(span["kind"], span["kind"]))):
                table[kind][0] += 1
                table[kind][1] += removed
            if not removed:
                misses.append((span["kind"], span["value"], out))
        for h in line["harmless"]:
            kept = h["value"] in out
            for table, kind in ((lookalike, h["resembles"]), (harmless_kind, h["kind"])):
                table[kind][0] += 1
                table[kind][1] += not kept
            if not kept:
                changed.append((h["kind"], h["value"], out))
    return {"planted": planted, "family": family, "lookalike": lookalike,
            "harmless": harmless_kind, "misses": misses, "changed": changed}


def _ratio(num: int, den: int) -> str:
    return f"{num / den:.2f}" if den else "–"


def render(result: dict[str, Any], show_misses: bool = False) -> str:
    fam, look = result["family"], result["lookalike"]
    lines = ["| kind | planted | removed | recall | look-alikes | changed | precision |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for kind in sorted(set(fam) | set(look)):
        n, r = fam.get(kind, [0, 0])
        m, c = look.get(kind, [0, 0])
        lines.append(f"| {kind} | {n} | {r} | {_ratio(r, n)} | {m} | {c} | {_ratio(m - c, m)} |")
    tot_n = sum(v[0] for v in fam.values())
    tot_r = sum(v[1] for v in fam.values())
    tot_m = sum(v[0] for v in look.values())
    tot_c = sum(v[1] for v in look.values())
    lines.append(f"| **all** | {tot_n} | {tot_r} | {_ratio(tot_r, tot_n)} | {tot_m} | {tot_c} | "
                 f"{_ratio(tot_m - tot_c, tot_m)} |")
    lines += ["", "| planted kind (fine) | planted | recall |", "| --- | ---: | ---: |"]
    lines += [f"| {k} | {n} | {_ratio(r, n)} |" for k, (n, r) in sorted(result["planted"].items())]
    lines += ["", "| look-alike kind | values | changed |", "| --- | ---: | ---: |"]
    lines += [f"| {k} | {n} | {c} |" for k, (n, c) in sorted(result["harmless"].items())]
    lines.append(f"\nfalse positives: {tot_c} of {tot_m} harmless values changed; "
                 f"{len(result['planted'])} planted kinds")
    if show_misses:
        lines += ["", "misses:"] + [f"- {k}: {v!r} -> {o!r}" for k, v, o in result["misses"]]
        lines += ["", "changed:"] + [f"- {k}: {v!r} -> {o!r}" for k, v, o in result["changed"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--salt", default="probe")
    parser.add_argument("--misses", action="store_true", help="list misses and changed values")
    parser.add_argument("--probe", type=Path, default=PROBE,
                        help="probe file (default: tests/data/pii_probe.jsonl; the second one, "
                             "written from public data nobody here wrote: "
                             "tests/data/pii_probe_external.jsonl)")
    parser.add_argument("--half", choices=("all", "tune", "held-out"), default="all",
                        help="tune: lines whose misses may be read while fixing the scrubber; "
                             "held-out: lines never read, the figures to report (see half_of)")
    args = parser.parse_args()
    if args.half == "held-out" and args.misses:
        parser.error("--misses is not shown for the held-out half (its lines stay unread)")
    probe = [x for x in load_probe(args.probe) if args.half in ("all", half_of(x))]
    print(render(evaluate(probe, args.salt), args.misses))


if __name__ == "__main__":
    main()
