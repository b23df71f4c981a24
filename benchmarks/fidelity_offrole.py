"""Off-role detection of LLM customer turns (`convsim.simulator.customers.llm.off_role`),
measured on a labelled set: real customer turns (must pass) and off-role turns (must be
caught), tuned on one half of the conversations and reported on the other.

    .venv/bin/python benchmarks/fidelity_offrole.py [--data ../shared/data] [--part held|tune]
        [--misses]

In-role turns: every customer turn of Taskmaster-4 coffee (3,500 dialogs written by
people), the ABCD sample (3 human chats), the τ-bench retail few-shot conversations
(69) and the τ-bench airline trajectories (200; their customers are GPT-4o simulators,
reported apart). Each is checked with its context: the agent message it answers, the
customer's previous turns, and the name and facts the same customer states elsewhere
in the conversation (so a customer correcting itself counts against precision).

Off-role turns, made from the same conversations (never from convsim's own prompts):
- `agent_turn`: a real agent message of another conversation, said as the customer;
- `parrot`: the agent message being answered, copied (alone, or after "Okay, ");
- `repeat`: the customer's previous turn again (6+ words);
- `other_name`: the real turn after "This is <another first and last name>.";
- `other_format`: the customer's zip code or email said in another form;
- `written`: off-role lines written for this benchmark (OFF_ROLE_LINES) in the style
  of the small local models' outputs reported in issue 18.
The split: a conversation is in `tune` when the SHA-256 of its id is even, else `held`;
the written lines alternate tune / held. The patterns were written looking at `tune`
only; RESULTS.md reports `held`.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import polars as pl

from convsim.core.names import first_names
from convsim.scenarios.ingest import ingest_transcripts
from convsim.simulator.customers.llm import _INTRO, off_role

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
OFF_ROLE_LINES = [
    "Hello! I'm Karen, customer service agent. How can I help you today?",
    "I'm here to assist with any requests you have regarding your order.",
    "Thank you for your patience. I have updated your order as requested.",
    "Is there anything else I can help you with today?",
    "Sure! Could you please provide your email address so I can look up your account?",
    "Hi there! Welcome to our store. What can I do for you?",
    "As an AI language model, I don't have an order, but I can help you cancel one.",
    "Your order has been cancelled and the refund will arrive in 5 to 7 business days.",
    "Let me check that for you right away.",
    "I'd be happy to help you with your return.",
    "Customer: I want to cancel my order.\nAgent: Sure, what is your order number?",
    "Thanks for contacting us! Have a great day.",
    "Please confirm your full name and zip code to proceed.",
    "I can help you with that. Which item would you like to return?",
    "Agent: Your refund is on its way.",
    "I am a virtual assistant and cannot place orders myself.",
    "How may I assist you further?",
    "Let me look into your account for you and see what went wrong.",
    "Dear customer, we apologize for the inconvenience.",
    "Thank you for shopping with us, your exchange was successfully processed.",
    "Hi, this is Sam from the support team, how can I help?",
    "What can I help you with today?",
    "I'm happy to assist. Can you share your order number?",
    "Would you kindly provide your email so I can verify the account?",
    "Thank you for reaching out to our support team!",
    "I will process the cancellation for you now.",
    "I'm an assistant, so I can walk you through the steps.",
    "Your request has been submitted and you'll get an email soon.",
    "Glad to help! Anything else I can do for you?",
    "I'll update the address for you in our system right now.",
    "Can you confirm your order number for me so I can pull it up?",
    "We're happy to help with your coffee order today!",
    "Of course! Let me verify that order for you.",
    "I am the customer support representative handling your case.",
    "Thanks for calling our store, how may I help?",
    "Could you please share your phone number so I can find your reservation?",
    "I'm the assistant here; tell me what you need.",
    "Your account was successfully updated with the new address.",
    "Is there anything else we can assist you with?",
    "Let me review the order for you before we continue.",
]
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ZIP = re.compile(r"\bzip(?: code)?(?: is)?[\s:]*(\d{5})\b", re.IGNORECASE)


def part_of(cid: str) -> str:
    return "tune" if int(hashlib.sha256(cid.encode()).hexdigest(), 16) % 2 == 0 else "held"


def ingest(data: Path, tmp: Path) -> dict[str, Path]:
    sources = {
        "taskmaster": ([*sorted((data / "taskmaster" / "tm4_coffee").glob("dialogs.part*.jsonl"))],
                       "taskmaster"),
        "abcd": ([data / "abcd" / "abcd_sample.jsonl"], "abcd"),
        "tau_retail": ([data / "tau_bench" / "few_shot" / "MockRetailDomainEnv-few_shot.jsonl"],
                       "openai"),
        "tau_airline_sim": ([*sorted((data / "tau_bench" / "trajectories").glob("*.jsonl"))],
                            "openai"),
    }
    out = {}
    for name, (files, fmt) in sources.items():
        if not (tmp / name / "turns").is_dir():
            ingest_transcripts(files, fmt, tmp / name, salt="offrole")
        out[name] = tmp / name
    return out


def _facts(customer: list[str]) -> tuple[tuple[str, str] | None, list[tuple[str, str]]]:
    name = None
    lexicon = first_names()
    for text in customer:
        for m in _INTRO.finditer(text):
            if m.group(1).lower() in lexicon and m.group(2):
                name = name or (m.group(1), m.group(2))
    facts = []
    emails = [e for t in customer for e in EMAIL.findall(t)]
    zips = [z for t in customer for z in ZIP.findall(t)]
    if emails:
        facts.append(("email", emails[0]))
    if zips:
        facts.append(("zip code", zips[0]))
    return name, facts


def cases(folder: Path, source: str, rng: np.random.Generator) -> list[dict[str, object]]:
    """Labelled cases of one ingested source: (part, source, kind, off_role, text, context)."""
    turns = pl.read_parquet(folder / "turns" / "*.parquet").sort("conversation_id", "turn_index")
    convs = [(str(cid), list(zip(g["role"], g["text"].fill_null(""), strict=True)))
             for (cid,), g in turns.group_by("conversation_id", maintain_order=True)]
    agent_pool = [t for _, ts in convs for r, t in ts if r == "agent" and len(t.split()) >= 4]
    lexicon = sorted(first_names())
    out: list[dict[str, object]] = []
    for cid, ts in convs:
        part = part_of(cid)
        customer_all = [t for r, t in ts if r == "customer" and t.strip()]
        name, facts = _facts(customer_all)
        agent = ""
        said: list[str] = []
        for role, text in ts:
            if role == "agent":
                agent = text
                continue
            if role != "customer" or not text.strip():
                continue
            ctx = {"agent_text": agent, "said": list(said), "name": name, "facts": facts}
            base = {"part": part, "source": source, "conversation_id": cid, **ctx}
            out.append({**base, "kind": "real", "off_role": False, "text": text})
            # one off-role variant per turn, of a kind drawn at random
            kind = ["agent_turn", "parrot", "repeat", "other_name", "other_format"][
                int(rng.integers(5))]
            fake = None
            if kind == "agent_turn" and agent_pool:
                fake = agent_pool[int(rng.integers(len(agent_pool)))]
                if fake == agent:
                    fake = None
            elif kind == "parrot" and len(agent.split()) >= 10:
                fake = agent if rng.random() < 0.5 else f"Okay, {agent[:1].lower()}{agent[1:]}"
            elif kind == "repeat" and said and len(said[-1].split()) >= 6:
                fake = said[-1]
            elif kind == "other_name":
                first = lexicon[int(rng.integers(len(lexicon)))].title()
                last = lexicon[int(rng.integers(len(lexicon)))].title()
                if not name or first.lower() != name[0].lower():
                    fake = f"This is {first} {last}. {text}"
                    base = {**base, "name": name or ("Alex", "Moreau")}
            elif kind == "other_format" and facts:
                words, value = facts[int(rng.integers(len(facts)))]
                wrong = (value[:4] if words == "zip code" else value.replace("@", " at ", 1))
                fake = f"My {words} is {wrong}."
            if fake:
                out.append({**base, "kind": kind, "off_role": True, "text": fake})
            said.append(text)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--part", choices=["tune", "held"], default="held")
    parser.add_argument("--misses", action="store_true", help="print missed/flagged turns")
    parser.add_argument("--work", type=Path, default=None,
                        help="keep the ingested datasets here (reused when present)")
    args = parser.parse_args()
    rng = np.random.default_rng(18)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        folders = ingest(args.data, work)
        labelled = [c for name, f in folders.items() for c in cases(f, name, rng)]
    for i, line in enumerate(OFF_ROLE_LINES):
        labelled.append({"part": "tune" if i % 2 == 0 else "held", "source": "written",
                         "kind": "written", "off_role": True, "text": line, "agent_text": "",
                         "said": [], "name": ("Alex", "Moreau"), "facts": []})
    rows = [c for c in labelled if c["part"] == args.part]
    hits: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for c in rows:
        why = off_role(str(c["text"]), str(c["agent_text"]), list(c["said"]),  # type: ignore[call-overload]
                       c["name"], c["facts"])  # type: ignore[arg-type]
        key = (str(c["source"]), str(c["kind"]))
        hits[key]["n"] += 1
        hits[key]["flagged"] += why is not None
        if args.misses and (why is None) == bool(c["off_role"]):
            print(f"{'MISSED' if c['off_role'] else 'FLAGGED'} {key} {why}: "
                  f"{str(c['text'])[:140]!r}", file=sys.stderr)
    print(f"part: {args.part}\n| source | kind | turns | flagged | rate |\n|---|---|---:|---:|---:|")
    for (source, kind), h in sorted(hits.items()):
        print(f"| {source} | {kind} | {h['n']} | {h['flagged']} | {h['flagged'] / h['n']:.3f} |")
    real = [h for (s, k), h in hits.items() if k == "real"]
    off = [h for (s, k), h in hits.items() if k != "real"]
    fp, n_real = sum(h["flagged"] for h in real), sum(h["n"] for h in real)
    tp, n_off = sum(h["flagged"] for h in off), sum(h["n"] for h in off)
    precision = tp / (tp + fp) if tp + fp else float("nan")
    print(f"\nreal customer turns flagged: {fp}/{n_real} = {fp / n_real:.4f}")
    print(f"off-role recall: {tp}/{n_off} = {tp / n_off:.4f}; precision {precision:.4f}")


if __name__ == "__main__":
    main()
