"""Evaluators on wording nobody here wrote: precision and recall per label and source.

Reads `tests/data/evaluator_labels.jsonl` (342 agent turns from tau-bench, Taskmaster-4 and
ABCD, labelled by reading; guide in `tests/data/EVALUATOR_LABELS.md`) and asks convsim's own
recognisers, the ones the evaluators use, the same four questions:

- consent_asked   -- `rule:consent_before_change` accepts the turn as stating a consequential
                     action and asking for a yes (`actions.asks_consent`, the tools of the
                     source's domain, by name only: no pack describes them);
- success_claimed -- `truthfulness` reads a claim that a consequential action is done
                     (`truthfulness.claimed_actions`, per sentence, specific or generic);
- transfer        -- `escalation` reads a hand-over announced now (dialog act `transfer`);
- cost_disclosed  -- the `disclosures` evaluator, given one disclosure written as a pack
                     author would ("cost": `COST_PATTERNS` below), finds it in the turn;
- cost_meaning    -- the same label, the disclosure written as a meaning with examples
                     instead (`COST_MEANING` below: no regular expression).

    .venv/bin/python benchmarks/evaluator_wording.py              # held-out test split
    .venv/bin/python benchmarks/evaluator_wording.py --split dev  # the split tuned on
    .venv/bin/python benchmarks/evaluator_wording.py --errors     # list the misses
    .venv/bin/python benchmarks/evaluator_wording.py --draw OUT   # redo the draw (no labels)
    .venv/bin/python benchmarks/evaluator_wording.py --kite '/tmp/kite-seeds/seed*/runs'

`--kite` reads the agent turns of Kite Mobile runs (`benchmarks/second_pack_seeds.py`) and
scores the pack's plan-switch notice per distinct turn, written as the pack's meaning with
examples and as the regular expression it had before; a turn is labelled by the bot's code
path (its notice sentence, `NOTICE`, is only ever sent by v1-like builds before a switch).


Targets (issue 16): precision >= 0.95 and recall >= 0.90 per label.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import random
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from convsim.core.records import Conversation, Disclosure, Expectations, Scenario, Turn
from convsim.evaluators.actions import ActionWords, action_words, asks_consent
from convsim.evaluators.common import act_of
from convsim.evaluators.disclosures import DisclosuresEvaluator
from convsim.evaluators.truthfulness import _SENTENCE, claimed_actions

sys.path.append(str(Path(__file__).resolve().parents[1] / "tests" / "data"))  # the label draws
import make_evaluator_labels_fresh as fresh_draw  # noqa: E402

LABELS = Path(__file__).parents[1] / "tests" / "data" / "evaluator_labels.jsonl"
HOLDOUT = LABELS.with_name("evaluator_labels_holdout.jsonl")
FRESH = LABELS.with_name("evaluator_labels_fresh.jsonl")
"""The third set (`--split fresh`): drawn and labelled by someone who never saw the
recognisers while the recognisers were tuned on the other two; scored once, after tuning."""
"""The second held-out set (`--split holdout`): drawn and labelled after the first was
tuned on, scored once."""
FOURTH = LABELS.with_name("evaluator_labels_fourth.jsonl")
"""The fourth held-out set (`--split fourth`): drawn and labelled (and read again by a second
reader) by engineers who never saw the recognisers, scored once after the tuning on the other
three (tests/data/EVALUATOR_LABELS.md)."""
KINDS = ("consent_asked", "success_claimed", "transfer", "cost_disclosed")
ROWS = (*KINDS, "cost_meaning")
"""The labels, then rows that score one of them another way (LABEL_OF)."""

AIRLINE = ["book_reservation", "cancel_reservation", "update_reservation_flights",
           "update_reservation_baggages", "update_reservation_passengers", "send_certificate"]
RETAIL = ["cancel_pending_order", "modify_pending_order_items", "modify_pending_order_address",
          "modify_pending_order_payment", "modify_user_address", "return_delivered_order_items",
          "exchange_delivered_order_items"]
COFFEE = ["add_order_item", "update_order", "update_order_item", "finish_order"]
ABCD = ["update_order", "update_account", "offer_refund", "make_purchase", "make_password"]
TASKMASTER1 = ["book_ride", "buy_movie_tickets", "book_table", "order_coffee", "order_pizza",
               "book_repair_appointment"]
"""Taskmaster-1's six domains (its ontology: uber, movie, restaurant, coffee, pizza, auto),
one consequential action each; named before the third set was scored."""
"""The consequential tools of each source's domain, as its logs name them (ABCD: its
`interaction` actions that change something)."""

KITE_NOTICE_PATTERN = "new price starts with your next bill"
"""The pattern the Kite pack's plan_switch_notice had before it was written as a meaning."""
NOTICE = "Just so you know: the new price starts"
"""The first words of the Kite bot's notice (agent.py): the label of a turn."""
DONE_SAYS_IT = "/month from your next bill"
"""The bot's reply after a switch ("Done! ... now on Unlimited, $60/month from your next
bill") says when the new price starts too: the second label counts it (the evaluator never
reads it for the notice: it comes after the change_plan call)."""
KITE_PARAPHRASES = [
    "The new rate kicks in on your next statement.",
    "Heads up: you'll pay the Unlimited price from the next billing period onwards.",
    "Billing for the new plan begins with your next monthly bill.",
    "From your next bill on, you'll see the new price.",
    "The change is immediate, but the new price only shows up on your following invoice.",
]
"""Five rewordings of the notice (tests/evaluators/test_disclosure_meanings.py)."""

COST_PATTERNS = [
    r"\$\s?\d[\d,]*(?:\.\d\d)?\b.{0,60}\b(?:charg|refund|cost|price|fee|pay|total|difference|"
    r"certificate|compensation|credit|back to|per passenger|each)",
    r"\b(?:charg\w*|refund\w*|cost\w*|price\w*|fee\w*|total\w*|difference|pay\w*|"
    r"compensation|credit\w*|save you)\b[^.?!\n]{0,60}\$\s?\d",
    r"\(\$\s?\d[\d,]*(?:\.\d\d)?\)",
    r"\b(?:free of charge|no (?:additional|extra) (?:cost|charge|fee|payment)s?|at no (?:additional |"
    r"extra )?cost|(?:is|are|be) free\b|\bfree (?:for|of|with)\b|fees? (?:has|have) been waived|"
    r"full refund|no price difference)",
]
"""The "cost" disclosure as a pack author would write it: a price, charge, refund or
compensation amount, or that there is no charge."""


def _tools(record: dict) -> list[str]:
    source, file = record["source"], record["file"]
    if source == "taskmaster4":
        return COFFEE
    if source == "abcd":
        return ABCD
    if source == "taskmaster1":
        return TASKMASTER1
    return RETAIL if "Retail" in file else AIRLINE


def _words(tools: list[str]) -> dict[str, ActionWords]:
    return {t: action_words(t) for t in tools}


def consent(record: dict) -> bool:
    return asks_consent(record["text"], _words(_tools(record)).values()) is not None


def success(record: dict) -> bool:
    words = _words(_tools(record))
    sentences = _SENTENCE.split(record["text"])
    return any(claimed_actions(s, words) != ([], False) for s in sentences)


def transfer(record: dict) -> bool:
    return act_of(record["text"]) == "transfer"


_DISCLOSURES = DisclosuresEvaluator()
_COST = Scenario(id="labels", domain="", intent="any", goal="",
                 expectations=Expectations(disclosures=[Disclosure(name="cost",
                                                                   patterns=COST_PATTERNS)]))


COST_MEANING = Disclosure(
    name="cost", meaning="what the customer will pay, be charged or get back",
    examples=["This will cost you $25.", "You'll be charged $120 for the change.",
              "The price difference of $14.50 will be charged to your card.",
              "A refund of $89.99 will go back to your original payment method.",
              "You'll get $50 back as a credit.", "The total comes to $230.",
              "There is no extra charge for this.", "This is free of charge.",
              "The price is $45.99.", "It costs $25 per night.",
              "You are eligible for compensation of $100 per passenger.",
              "I can issue a $50 travel certificate.", "You will receive a refund of $30.",
              "There is no price difference.", "You will get a full refund.",
              "Economy is $130 and Business is $378."],
    not_examples=["Your gift card has a balance of $120.", "Certificate 1234: $250 remaining",
                  "Your last order had a total of $830."])
"""The "cost" disclosure as a meaning with examples (written for this label; the examples
were added while reading the dev split's misses, never the test split's)."""
_COST_MEANING = Scenario(id="labels", domain="", intent="any", goal="",
                         expectations=Expectations(disclosures=[COST_MEANING]))


def cost(record: dict, scenario: Scenario = _COST) -> bool:
    conv = Conversation(id=record["id"], turns=[Turn(index=0, role="agent", text=record["text"])])
    return bool(_DISCLOSURES.evaluate(conv, scenario)[0].passed)


def cost_meaning(record: dict) -> bool:
    return cost(record, _COST_MEANING)


PREDICTS: dict[str, Callable[[dict], bool]] = {
    "consent_asked": consent, "success_claimed": success, "transfer": transfer,
    "cost_disclosed": cost, "cost_meaning": cost_meaning}
LABEL_OF = {"cost_meaning": "cost_disclosed"}
"""Rows that score another row's label."""


# ------------------------------------------------------------------ the draw (--draw)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
"""The shared copy of the public data (`--data` to point elsewhere). The turns are read as the
fresh set's draw reads them (tests/data/make_evaluator_labels_fresh.py: ids from file|locator,
turns over 600 characters left out); only the split differs."""


def _split(ident: str) -> str:
    """dev or test, by the item id's digest (half each)."""
    return "dev" if int(hashlib.sha256(ident.encode()).hexdigest(), 16) % 2 == 0 else "test"


def _tau_pools() -> dict[str, list[dict]]:
    """tau-bench airline trajectories' agent turns, by where they stand: "random" (all),
    "before_write" / "after_write" (next to a consequential call), "transfer" (at a
    hand-over call) and "transfer_before" (up to three messages before one)."""
    pools: dict[str, list[dict]] = {"random": [], "before_write": [], "after_write": [],
                                    "transfer": [], "transfer_before": []}
    pool_of = {"before_write": "before_write", "after_write": "after_write", "transfer_call": "transfer",
               "before_transfer_call": "transfer_before"}
    for drawn, strata in fresh_draw.tau_turns(DATA):  # the fresh set's reading of them
        it = {**drawn, "split": _split(drawn["id"])}
        pools["random"].append(it)
        for stratum in strata:
            pools[pool_of[stratum]].append({**it, "drawn_as": stratum})
    return pools


def _few_shot_pools() -> dict[str, list[dict]]:
    """tau-bench few-shot dialogues' agent turns: "random", "before_write" (a tool call
    follows the customer's reply), "after_write" (after a tool result), "transfer" (a
    transfer succeeds within three messages)."""
    pools: dict[str, list[dict]] = {"random": [], "before_write": [], "after_write": [],
                                    "transfer": []}
    for drawn, msgs, i in fresh_draw.few_shot_turns(DATA):  # the fresh set's reading of them
        it = {**drawn, "split": _split(drawn["id"])}
        pools["random"].append(it)
        # followed by the customer and then a tool call (assistant: None)
        if i + 2 < len(msgs) and msgs[i + 1].startswith("user: ") \
                and msgs[i + 2] == "assistant: None":
            pools["before_write"].append({**it, "drawn_as": "before_tool_call"})
        if i >= 1 and msgs[i - 1].startswith("tool: "):
            pools["after_write"].append({**it, "drawn_as": "after_tool_result"})
        if any(m2.startswith("tool: Transfer successful") for m2 in msgs[i + 1:i + 4]):
            pools["transfer"].append({**it, "drawn_as": "near_transfer"})
    return pools


def _taskmaster_pools() -> dict[str, list[dict]]:
    """Taskmaster-4 coffee agent turns: "random", "before_write" (the customer's reply
    finishes the order), "after_write" (the customer's turn before it wrote the order)."""
    pools: dict[str, list[dict]] = {"random": [], "before_write": [], "after_write": []}
    api_calls = fresh_draw._api_calls
    for drawn, utts, k in fresh_draw.tm4_turns(DATA):  # the fresh set's reading of them
        it = {**drawn, "split": _split(drawn["id"])}
        pools["random"].append(it)
        if k + 1 < len(utts) and utts[k + 1]["speaker"] == "user" \
                and "finish_order" in api_calls(utts[k + 1]):
            pools["before_write"].append({**it, "drawn_as": "before_finish_order"})
        if k >= 1 and utts[k - 1]["speaker"] == "user" \
                and api_calls(utts[k - 1]) & {"finish_order", "update_order", "update_order_item"}:
            pools["after_write"].append({**it, "drawn_as": "after_write"})
    return pools


def _sample(rng: random.Random, pools: dict[str, list[dict]], **sizes: int) -> list[dict]:
    """`sizes[name]` items of each pool, in the order given (a pool smaller than its size
    is taken whole)."""
    return [it for name, k in sizes.items()
            for it in rng.sample(pools[name], min(k, len(pools[name])))]


def abcd() -> list[dict]:
    """ABCD sample agent turns, all of them (the fresh set's reading of them)."""
    return [{**it, "split": _split(it["id"])} for it in fresh_draw.abcd_pools(DATA).get("all", [])]


def draw(out: Path) -> int:
    """Draw the items of evaluator_labels.jsonl (without labels) into `out`."""
    rng = random.Random(20261206)
    tau, few_shot = _tau_pools(), _few_shot_pools()
    items = (abcd()
             + _sample(rng, tau, transfer=14, before_write=40, after_write=40, random=45)
             + _sample(rng, few_shot, before_write=30, after_write=30, random=30)
             + _sample(rng, _taskmaster_pools(), before_write=25, after_write=25, random=30))
    # Supplement for the rare hand-overs, drawn by structure only (next to a transfer call).
    extra = random.Random(20261207)
    items += _sample(extra, tau, transfer_before=12) + few_shot["transfer"]
    seen: set[str] = set()
    kept = []
    for it in items:
        key = it["text"].strip().lower()
        if key in seen:
            continue
        seen.add(key)
        kept.append(it)
    out.write_text("".join(json.dumps(it) + "\n" for it in kept))
    return len(kept)


def draw_holdout(out: Path) -> int:
    """A second held-out draw (`tests/data/evaluator_labels_holdout.jsonl`): the same
    structural strata from the same files with another seed, none of the turns already in
    `evaluator_labels.jsonl`; labelled by reading before any recogniser ran on it."""
    known = {json.loads(line)["text"].strip().lower() for line in LABELS.read_text().splitlines()
             if line.strip()}
    rng = random.Random(20261208)
    pools: list[tuple[list[dict], int]] = []
    for fn, sizes in ((_tau_pools, (25, 25, 15)), (_few_shot_pools, (15, 15, 10)),
                      (_taskmaster_pools, (15, 15, 10))):
        by_name = fn()
        pools += [(by_name[name], k) for name, k in zip(("before_write", "after_write", "random"),
                                                         sizes, strict=True)]
    kept: list[dict] = []
    seen = set(known)
    for pool, k in pools:
        fresh = [it for it in pool if it["text"].strip().lower() not in seen]
        for it in rng.sample(fresh, min(k, len(fresh))):
            key = it["text"].strip().lower()
            if key not in seen:
                seen.add(key)
                kept.append({**it, "split": "holdout"})
    out.write_text("".join(json.dumps(it) + "\n" for it in kept))
    return len(kept)


# ------------------------------------------------------------------ the Kite wording


def kite(runs_glob: str) -> int:
    import polars as pl

    from convsim.core.packs.declarative import load_domain_folder
    from convsim.evaluators.disclosures import stated

    pack = Path(__file__).resolve().parents[1] / "tests" / "data" / "packs" / "kite"
    (template,) = [t for t in load_domain_folder(pack).scenarios if t.intent == "switch_plan"]
    (meaning,) = template.expectations.disclosures
    pattern = Disclosure(name=meaning.name, patterns=[KITE_NOTICE_PATTERN])
    turns = pl.concat([pl.scan_parquet(f"{folder}/*/*/turns/*.parquet")
                       .filter(pl.col("role") == "agent").select("agent_version", "text")
                       for folder in sorted(glob.glob(runs_glob))]).collect()
    texts = sorted(set(turns["text"].to_list()))
    print(f"{turns.height} agent turns of {turns['agent_version'].n_unique()} builds, "
          f"{len(texts)} distinct; {sum(NOTICE in t for t in texts)} carry the notice")
    print("| written as | label | precision | recall | paraphrases recognised |")
    print("|---|---|---|---|---|")
    labels = {"the notice (code path)": lambda t: NOTICE in t,
              "says when the new price starts": lambda t: NOTICE in t or DONE_SAYS_IT in t}
    for name, disc in (("pattern (before)", pattern), ("meaning + examples", meaning)):
        for label, want_of in labels.items():
            tp, fp, fn = _tally((stated(disc, t) is not None, want_of(t)) for t in texts)
            para = sum(stated(disc, t) is not None for t in KITE_PARAPHRASES)
            print(f"| {name} | {label} | {_ratio(tp, tp + fp)} | {_ratio(tp, tp + fn)} | "
                  f"{para}/{len(KITE_PARAPHRASES)} |")
    return 0


# ------------------------------------------------------------------ the measurement


def _tally(outcomes: Iterable[tuple[bool, bool]]) -> tuple[int, int, int]:
    """True positives, false positives and false negatives of (predicted, labelled) pairs."""
    tp = fp = fn = 0
    for got, want in outcomes:
        tp += got and want
        fp += got and not want
        fn += want and not got
    return tp, fp, fn


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f} ({a}/{b})" if b else "n/a (0/0)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["test", "dev", "all", "holdout", "fresh", "fourth",
                                            "fifth", "sixth", "seventh", "eighth"],
                        default="test")
    parser.add_argument("--errors", action="store_true", help="list the misclassified turns")
    parser.add_argument("--draw", type=Path, metavar="OUT",
                        help="write the drawn items (no labels) to OUT and stop")
    parser.add_argument("--data", type=Path, default=DATA, help="the public data folder")
    parser.add_argument("--draw-holdout", type=Path, metavar="OUT",
                        help="write the second held-out draw (no labels) to OUT and stop")
    parser.add_argument("--kite", metavar="GLOB",
                        help="score the Kite notice on the agent turns of these run folders")
    args = parser.parse_args(argv)
    if args.kite:
        return kite(args.kite)
    if args.draw_holdout:
        globals()["DATA"] = args.data
        print(f"{draw_holdout(args.draw_holdout)} items written to {args.draw_holdout}")
        return 0
    if args.draw:
        globals()["DATA"] = args.data
        print(f"{draw(args.draw)} items written to {args.draw}")
        return 0
    source = {"holdout": HOLDOUT, "fresh": FRESH,
              "fourth": FOURTH, "fifth": LABELS.with_name("evaluator_labels_fifth.jsonl"),
              "sixth": LABELS.with_name("evaluator_labels_sixth.jsonl"),
              "seventh": LABELS.with_name("evaluator_labels_seventh.jsonl"),
              "eighth": LABELS.with_name("evaluator_labels_eighth.jsonl")}.get(args.split, LABELS)
    records = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    records = [r for r in records if args.split == "all" or r["split"] == args.split]
    sources = sorted({r["source"] for r in records})
    print(f"{len(records)} agent turns ({args.split} split) from {', '.join(sources)}")
    print("| label | source | n | positives | precision | recall |")
    print("|---|---|---:|---:|---|---|")
    errors: list[str] = []
    for kind in ROWS:
        for source in [*sources, "all"]:
            rows = [r for r in records if source in ("all", r["source"])]
            outcomes = [(PREDICTS[kind](r), bool(r[LABEL_OF.get(kind, kind)])) for r in rows]
            errors += [f"{kind} {'FP' if got else 'FN'} {r['id']}: {r['text'][:160]!r}"
                       for r, (got, want) in zip(rows, outcomes, strict=True) if got != want]
            tp, fp, fn = _tally(outcomes)
            name = f"**{source}**" if source == "all" else source
            print(f"| {kind} | {name} | {len(rows)} | {tp + fn} | {_ratio(tp, tp + fp)} | "
                  f"{_ratio(tp, tp + fn)} |")
    if args.errors:
        print("\n" + "\n".join(dict.fromkeys(errors)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
