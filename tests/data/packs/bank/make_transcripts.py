"""Write `transcripts.jsonl`: Harbor Bank support chats in OpenAI chat-completions form.

Stands in for a team's exported chat logs: one JSON record per conversation, the
agent's backend calls logged as `tool_calls` with the pack's tool names and the
results as `tool` messages. Seeded, so the file is the same on every run:

    python make_transcripts.py                 # writes transcripts.jsonl beside this file
    python make_transcripts.py --out other.jsonl

Intents and their share mimic a real queue: lost cards and disputes dominate, a
few customers change their phone number (an intent the pack has no scenario
template for), closures and loan questions are transferred to a specialist.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

SEED = 2026
# intent -> number of conversations
MIX = {"report_lost_card": 10, "dispute_charge": 9, "check_balance": 7, "update_phone": 6,
       "freeze_card": 5, "close_account": 4, "loan_inquiry": 3}

FIRST = ["Maria", "James", "Linh", "Robert", "Aisha", "Peter", "Sofia", "Daniel", "Hannah",
         "Carlos", "Grace", "Owen", "Nadia", "Tom", "Priya", "Victor", "Elena", "Marcus"]
LAST = ["Alvarez", "Okafor", "Tran", "Keller", "Rahman", "Novak", "Rossi", "Brooks", "Weiss",
        "Mendes", "Kim", "Price", "Fischer", "Hughes", "Patel", "Moreau", "Silva", "Young"]
MERCHANTS = ["Corner Grocery", "Metro Fuel", "Bluebird Cafe", "City Pharmacy", "Sunset Hotel",
             "Northwind Electronics", "QuickRide Taxi", "Atlas Airlines", "Pixel Games"]

OPEN = {
    "report_lost_card": [
        "Hi, I lost my debit card yesterday.", "my card got stolen, what do I do",
        "Hello, I think I've lost my credit card somewhere downtown.",
        "I lost my wallet with my Harbor card in it, please help!",
        "Someone stole my purse and my card was in it.", "My card is missing and I'm worried.",
        "hi i lost my card at the gym i think",
    ],
    "freeze_card": [
        "Can you freeze my card for now? I can't find it.", "I'd like to lock my debit card please.",
        "I misplaced my card somewhere at home, can it be frozen until I find it?",
        "Please freeze my credit card temporarily.",
    ],
    "dispute_charge": [
        "There's a charge on my statement I don't recognize.",
        "I want to dispute a transaction from {merchant}.",
        "Hello, I see a payment of ${amount} to {merchant} that I never made.",
        "someone made an unauthorized charge on my card",
        "Hi, I think there is a fraudulent charge on my account.",
    ],
    "check_balance": [
        "What's my checking balance?", "Hi, can you tell me how much is in my savings?",
        "I'd like to know my account balance please.", "how much money do i have in checking",
        "Could you check the balance of my savings account?",
    ],
    "update_phone": [
        "Hi, I got a new phone number and need to update it.",
        "I need to change the phone number on my account.",
        "Hello, my mobile changed, can you put my new number on file?",
        "I switched carriers and have a new phone number now.",
    ],
    "close_account": [
        "I want to close my account.", "Hi, I'd like to close all my accounts with you.",
        "Please help me with closing my checking account, I'm moving abroad.",
    ],
    "loan_inquiry": [
        "Hi, I'd like to ask about a personal loan.", "Do you offer mortgage refinancing?",
        "What rates do you have on car loans?",
    ],
}
ASK_ID = [
    "I can help with that. Could you give me the phone number on your account, or your first "
    "name, last name and date of birth?",
    "Sure. First I need to verify you: what is the phone number on the account? Or your full "
    "name and date of birth.",
    "Happy to help. Could you please provide your phone number, or your first name, last name "
    "and date of birth?",
]
GIVE_PHONE = ["It's {phone}.", "{phone}", "my number is {phone}", "Sure, {phone}."]
GIVE_NAME = ["I'm {first} {last}, born {dob}.", "{first} {last}, date of birth {dob}",
             "My name is {first} {last} and my birthday is {dob}."]
YES = ["Yes, please.", "yes go ahead", "Yes.", "Please do.", "Yes, that's right."]
THANKS = ["Thanks, that's all.", "Great, thank you!", "thank you so much", "Perfect, thanks. Bye."]
ANYTHING = ["Is there anything else I can help you with?", "Anything else I can do for you today?"]
BYE = "Thank you for contacting Harbor Bank. Have a great day!"


class Chat:
    """One conversation being written."""

    def __init__(self, rng: random.Random, n: int) -> None:
        self.rng, self.messages, self.calls = rng, [], 0
        self.n = n

    def user(self, text: str) -> None:
        if self.rng.random() < 0.15:  # real customers type fast
            words = text.split()
            i = self.rng.randrange(len(words))
            if len(words[i]) > 3:
                w = words[i]
                words[i] = w[:1] + w[2] + w[1] + w[3:]
            text = " ".join(words)
        self.messages.append({"role": "user", "content": text})

    def agent(self, text: str) -> None:
        self.messages.append({"role": "assistant", "content": text})

    def tool(self, name: str, arguments: dict[str, Any], result: Any, error: bool = False) -> None:
        self.calls += 1
        call_id = f"call_{self.n:03d}_{self.calls}"
        self.messages.append({"role": "assistant", "content": None, "tool_calls": [{
            "id": call_id, "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)}}]})
        content = f"Error: {result}" if error else json.dumps(result)
        self.messages.append({"role": "tool", "tool_call_id": call_id, "content": content})


def person(rng: random.Random, n: int) -> dict[str, str]:
    return {"first": rng.choice(FIRST), "last": rng.choice(LAST),
            "phone": f"{rng.randint(201, 989)}-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
            "dob": f"{rng.randint(1950, 2002)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "customer_id": f"C{1000 + n}"}


def identify(chat: Chat, who: dict[str, str]) -> None:
    rng = chat.rng
    chat.agent(rng.choice(ASK_ID))
    if rng.random() < 0.6:
        chat.user(rng.choice(GIVE_PHONE).format(**who))
        args = {"phone": who["phone"]}
    else:
        chat.user(rng.choice(GIVE_NAME).format(**who))
        args = {"first_name": who["first"], "last_name": who["last"], "date_of_birth": who["dob"]}
    chat.tool("find_customer", args, {"customer_id": who["customer_id"], "first_name": who["first"],
                                      "last_name": who["last"]})


def cards_of(rng: random.Random, who: dict[str, str]) -> list[dict[str, str]]:
    kinds = ["debit"] + (["credit"] if rng.random() < 0.4 else [])
    return [{"card_id": f"K{rng.randint(100, 999)}", "customer_id": who["customer_id"], "type": k,
             "last4": f"{rng.randint(1000, 9999)}", "status": "active"} for k in kinds]


def pick_card(chat: Chat, cards: list[dict[str, str]]) -> dict[str, str]:
    if len(cards) == 1:
        return cards[0]
    chat.agent("I see a debit and a credit card. Could you tell me the last four digits of the "
               "card?")
    card = chat.rng.choice(cards)
    chat.user(chat.rng.choice(["It ends in {}.", "{}", "last four are {}"]).format(card["last4"]))
    return card


def finish(chat: Chat, text: str) -> None:
    chat.agent(f"{text} {chat.rng.choice(ANYTHING)}")
    chat.user(chat.rng.choice(THANKS))
    chat.agent(BYE)


def lost_card(chat: Chat, who: dict[str, str]) -> str:
    identify(chat, who)
    cards = cards_of(chat.rng, who)
    chat.tool("list_cards", {"customer_id": who["customer_id"]}, cards)
    card = pick_card(chat, cards)
    chat.agent(f"To confirm: I'll freeze your {card['type']} card ending {card['last4']} right away "
               "and order a replacement to your address on file. Shall I go ahead?")
    chat.user(chat.rng.choice(YES))
    chat.tool("freeze_card", {"card_id": card["card_id"]}, {"card_id": card["card_id"],
                                                             "status": "frozen"})
    chat.tool("order_replacement_card", {"card_id": card["card_id"],
                                         "customer_id": who["customer_id"]},
              {"replacement_id": f"R-{card['card_id']}", "status": "ordered", "arrives_in_days": 7})
    finish(chat, "Your card has been frozen and a replacement is on its way; it arrives in 5-7 "
                 "business days.")
    return "resolved"


def freeze(chat: Chat, who: dict[str, str]) -> str:
    identify(chat, who)
    cards = cards_of(chat.rng, who)
    chat.tool("list_cards", {"customer_id": who["customer_id"]}, cards)
    card = pick_card(chat, cards)
    chat.agent(f"I can freeze the card ending {card['last4']}; you can unfreeze it any time. "
               "Shall I go ahead?")
    chat.user(chat.rng.choice(YES))
    chat.tool("freeze_card", {"card_id": card["card_id"]}, {"card_id": card["card_id"],
                                                             "status": "frozen"})
    finish(chat, "Done, the card is now frozen.")
    return "resolved"


def dispute(chat: Chat, who: dict[str, str], merchant: str, amount: float) -> str:
    rng = chat.rng
    identify(chat, who)
    txns = [{"transaction_id": f"T{rng.randint(1000, 9999)}", "date": f"2026-10-{d:02d}",
             "merchant": m, "amount": a, "status": "posted"}
            for d, m, a in [(rng.randint(1, 28), rng.choice(MERCHANTS), round(rng.uniform(5, 80), 2)),
                            (rng.randint(1, 28), merchant, amount)]]
    chat.tool("list_transactions", {"customer_id": who["customer_id"]}, txns)
    if merchant.lower() not in " ".join(m["content"] or "" for m in chat.messages
                                        if m["role"] == "user").lower():
        chat.agent("I can see your recent transactions. Which merchant is the charge from?")
        chat.user(rng.choice(["It's {}.", "{} I think", "the one from {}"]).format(merchant))
    txn = txns[1]
    if amount > 1000:
        chat.agent(f"That charge of ${amount} is above what I can dispute here, so I'm transferring "
                   "you to our disputes team now; they will see a summary.")
        chat.tool("transfer_to_agent", {"customer_id": who["customer_id"],
                                        "summary": f"dispute {txn['transaction_id']} ${amount}"},
                  "Transfer successful")
        return "transferred"
    chat.agent(f"I found the charge of ${amount} at {merchant} on {txn['date']}. Do you want me to "
               "open a dispute on it?")
    chat.user(rng.choice(YES))
    chat.tool("dispute_transaction", {"customer_id": who["customer_id"],
                                      "transaction_id": txn["transaction_id"],
                                      "reason": "not recognised by the customer"},
              {"dispute_id": f"D-{txn['transaction_id']}", "status": "open",
               "provisional_credit_days": 10})
    finish(chat, "The dispute has been opened and you'll get a provisional credit within 10 "
                 "business days.")
    return "resolved"


def balance(chat: Chat, who: dict[str, str], opening: str) -> str:
    rng = chat.rng
    identify(chat, who)
    kind = "savings" if "saving" in opening.lower() else "checking" if "checking" in opening.lower() \
        else None
    if kind is None:
        chat.agent("Which account would you like the balance of, checking or savings?")
        kind = rng.choice(["checking", "savings"])
        chat.user(rng.choice(["{}", "The {} one.", "my {} please"]).format(kind))
    amount = f"{rng.randint(100, 20000)}.{rng.randint(0, 99):02d}"
    chat.tool("get_balance", {"customer_id": who["customer_id"], "account_type": kind},
              {"account_id": f"A{rng.randint(100, 999)}", "type": kind, "balance": amount})
    finish(chat, f"The balance of your {kind} account is ${amount}.")
    return "resolved"


def new_phone(chat: Chat, who: dict[str, str]) -> str:
    rng = chat.rng
    identify(chat, who)
    number = f"{rng.randint(201, 989)}-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}"
    chat.agent("Thanks, you're verified. What is the new phone number you'd like on the account?")
    chat.user(rng.choice(["It's {}.", "{}", "the new one is {}"]).format(number))
    chat.tool("update_phone", {"customer_id": who["customer_id"], "new_phone": number},
              {"customer_id": who["customer_id"], "phone": number})
    finish(chat, f"I've updated your phone number to {number}.")
    return "resolved"


def close(chat: Chat, who: dict[str, str]) -> str:
    identify(chat, who)
    chat.agent("Account closures are handled by our specialists. I'm transferring you now; they "
               "will have a summary of your request.")
    chat.tool("transfer_to_agent", {"customer_id": who["customer_id"], "summary": "account closure"},
              "Transfer successful")
    return "transferred"


def loan(chat: Chat, who: dict[str, str]) -> str:
    if chat.rng.random() < 0.5:
        identify(chat, who)
    chat.agent("Loans are handled by our lending team; I'm connecting you with a loan officer now.")
    chat.tool("transfer_to_agent", {"summary": "loan inquiry"}, "Transfer successful")
    return "transferred"


def conversation(rng: random.Random, n: int, intent: str) -> dict[str, Any]:
    chat = Chat(rng, n)
    who = person(rng, n)
    merchant, amount = rng.choice(MERCHANTS), round(rng.choice([rng.uniform(12, 300),
                                                                rng.uniform(1100, 1800)]), 2)
    opening = rng.choice(OPEN[intent]).format(merchant=merchant, amount=amount)
    if rng.random() < 0.3 and not opening.lower().startswith(("hi", "hello")):
        opening = rng.choice(["Hello. ", "Hi there, ", "Good morning! "]) + opening
    chat.user(opening)
    handler = {"report_lost_card": lambda: lost_card(chat, who), "freeze_card": lambda: freeze(chat, who),
               "dispute_charge": lambda: dispute(chat, who, merchant, amount),
               "check_balance": lambda: balance(chat, who, opening),
               "update_phone": lambda: new_phone(chat, who), "close_account": lambda: close(chat, who),
               "loan_inquiry": lambda: loan(chat, who)}[intent]
    resolution = handler()
    return {"id": f"hb-{n:04d}", "channel": "chat",
            "created": f"2026-10-{1 + n % 28:02d}T10:{n % 60:02d}:00Z",
            "metadata": {"resolution": resolution, "queue": "cards-and-accounts"},
            "messages": chat.messages}


def build(seed: int = SEED) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    intents = [i for i, k in MIX.items() for _ in range(k)]
    rng.shuffle(intents)
    return [conversation(rng, n, intent) for n, intent in enumerate(intents, 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("transcripts.jsonl"))
    args = parser.parse_args()
    records = build()
    args.out.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in records),
                        encoding="utf-8")
    print(f"wrote {len(records)} conversations to {args.out}")


if __name__ == "__main__":
    main()
