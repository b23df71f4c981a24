"""Write kite_chats.jsonl and kite_chats_notools.csv: Kite Mobile's exported chat history.

Fourteen production chats of the Kite Mobile care desk (the user pack in
tests/data/packs/kite), in the OpenAI chat format with the bot's tool calls and the
backend's answers, as Kite's logging exports them. The callers are production
subscribers the pack's fixtures do not hold (accounts KM-4xxxx with their PINs), so a
replay needs the state each chat read. Two chats end with a hand-over to a person
(a $340 billing dispute, a number port); one chat's export says "resolved" for it.

The same chats without the tool log (agent and customer turns only) go to
kite_chats_notools.csv, the way a contact-centre platform exports them.

    python tests/data/replay/make_kite_chats.py
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ASK_ID = "Could you give me your Kite account number and your 4-digit account PIN?"
MORE = "Anything else I can help with?"
PRICES = {"Starter 5GB": 25, "Plus 20GB": 40, "Unlimited": 60, "Unlimited Max": 75}
PASS = {"Canada & Mexico": 5, "Europe": 10, "Rest of world": 15}

CALLERS = {
    "priya": {"subscriber_id": "S7781", "account_number": "KM-48812", "pin": "5590",
              "first_name": "Priya", "last_name": "Raman",
              "lines": [("L8811", "773-555-0191", "Plus 20GB", 14.2),
                        ("L8812", "773-555-0278", "Starter 5GB", 3.9)]},
    "tomasz": {"subscriber_id": "S7302", "account_number": "KM-47305", "pin": "1184",
               "first_name": "Tomasz", "last_name": "Nowak",
               "lines": [("L7301", "773-555-0833", "Unlimited", 41.0)]},
    "grace": {"subscriber_id": "S9021", "account_number": "KM-49021", "pin": "6043",
              "first_name": "Grace", "last_name": "Okafor",
              "lines": [("L9011", "773-555-0457", "Starter 5GB", 4.4)]},
    "diego": {"subscriber_id": "S5560", "account_number": "KM-45560", "pin": "3371",
              "first_name": "Diego", "last_name": "Marin",
              "lines": [("L5561", "773-555-0612", "Unlimited Max", 55.3),
                        ("L5562", "773-555-0699", "Plus 20GB", 9.8)]},
    "hannah": {"subscriber_id": "S6118", "account_number": "KM-46118", "pin": "9025",
               "first_name": "Hannah", "last_name": "Becker",
               "lines": [("L6111", "773-555-0745", "Plus 20GB", 18.9)]},
    "samuel": {"subscriber_id": "S4790", "account_number": "KM-44790", "pin": "2468",
               "first_name": "Samuel", "last_name": "Adeyemi",
               "lines": [("L4791", "773-555-0926", "Unlimited", 22.7)]},
}


class Chat:
    def __init__(self, chat_id: str, who: str) -> None:
        self.id, self.caller = chat_id, CALLERS[who]
        self.messages: list[dict[str, Any]] = []
        self.n = 0

    def user(self, text: str) -> None:
        self.messages.append({"role": "user", "content": text})

    def bot(self, text: str) -> None:
        self.messages.append({"role": "assistant", "content": text})

    def call(self, tool: str, args: dict[str, Any], result: Any) -> None:
        self.n += 1
        cid = f"call_{self.id}_{self.n}"
        self.messages.append({"role": "assistant", "content": None, "tool_calls": [
            {"id": cid, "type": "function",
             "function": {"name": tool, "arguments": json.dumps(args)}}]})
        self.messages.append({"role": "tool", "tool_call_id": cid, "content": json.dumps(result)})

    def lines(self) -> list[dict[str, Any]]:
        c = self.caller
        return [{"line_id": lid, "subscriber_id": c["subscriber_id"],
                 "account_number": c["account_number"], "number": number, "last4": number[-4:],
                 "plan": plan, "status": "active"} for lid, number, plan, _ in c["lines"]]

    def identify(self, how: str) -> None:
        c = self.caller
        self.bot(ASK_ID)
        self.user(how.format(account=c["account_number"], pin=c["pin"]))
        self.call("verify_caller", {"account_number": c["account_number"], "pin": c["pin"]},
                  {"subscriber_id": c["subscriber_id"], "first_name": c["first_name"],
                   "account_number": c["account_number"]})

    def pick_line(self, which: int, say: str = "The one ending {last4}.") -> dict[str, Any]:
        lines = self.lines()
        self.call("list_lines", {"account_number": self.caller["account_number"]}, lines)
        if len(lines) > 1:
            self.bot("Which line is this about? Please give me the last 4 digits of its number.")
            self.user(say.format(last4=lines[which]["last4"]))
        return lines[which]

    def record(self, **meta: Any) -> dict[str, Any]:
        return {"id": self.id, "channel": "chat", "messages": self.messages,
                "metadata": {"queue": "kite-care", **meta}}


def usage(chat_id: str, who: str, opening: str, which: int = 0) -> dict[str, Any]:
    c = Chat(chat_id, who)
    c.user(opening)
    c.identify("{account}, PIN {pin}")
    line = c.pick_line(which)
    _, _, plan, used = c.caller["lines"][which]
    c.call("get_usage", {"line_id": line["line_id"]},
           {"line_id": line["line_id"], "plan": plan, "data_used_gb": str(used),
            "resets_on": "2026-11-18"})
    c.bot(f"You've used {used} GB on the line ending {line['last4']} this cycle ({plan}); it "
          f"resets on 2026-11-18. {MORE}")
    c.user("No, that's all, thanks!")
    c.bot("Thanks for chatting with Kite Mobile. Bye for now!")
    return c.record(resolution="resolved")


def switch(chat_id: str, who: str, opening: str, new: str, which: int = 0) -> dict[str, Any]:
    c = Chat(chat_id, who)
    c.user(opening)
    c.identify("sure - {account}, pin {pin}")
    line = c.pick_line(which)
    old = line["plan"]
    c.bot(f"{new} is ${PRICES[new]}/month (you pay ${PRICES[old]}/month on {old} today). Just so "
          "you know: the new price starts with your next bill, and unused data does not roll "
          f"over. Shall I switch you from {old} to {new} (${PRICES[new]}/month)? (yes/no)")
    c.user("Yes please.")
    c.call("change_plan", {"line_id": line["line_id"], "plan": new},
           {"line_id": line["line_id"], "plan": new, "previous_plan": old})
    c.bot(f"Done! The line ending {line['last4']} is now on {new}, ${PRICES[new]}/month from "
          f"your next bill. {MORE}")
    c.user("Great, thank you.")
    c.bot("Thanks for chatting with Kite Mobile. Bye for now!")
    return c.record(resolution="resolved")


def lost(chat_id: str, who: str, opening: str, which: int = 0) -> dict[str, Any]:
    c = Chat(chat_id, who)
    c.user(opening)
    c.identify("It's {account} and the PIN is {pin}")
    line = c.pick_line(which)
    c.bot(f"I'm sorry to hear that. OK to block the SIM on the line ending {line['last4']} now? "
          "Calls, texts and data on it stop right away. (yes/no)")
    c.user("yes, go ahead")
    c.call("block_sim", {"line_id": line["line_id"], "reason": "lost or stolen phone"},
           {"line_id": line["line_id"], "status": "blocked"})
    c.bot(f"The SIM on the line ending {line['last4']} has been blocked. You can pick up a "
          f"replacement SIM in any Kite store. {MORE}")
    c.user("that's all, thanks")
    c.bot("Thanks for chatting with Kite Mobile. Bye for now!")
    return c.record(resolution="resolved")


def travel(chat_id: str, who: str, opening: str, zone: str, days: int) -> dict[str, Any]:
    c = Chat(chat_id, who)
    c.user(opening)
    c.identify("Account number {account}, PIN {pin}.")
    line = c.pick_line(0)
    rate = PASS[zone]
    c.bot(f"A {days}-day Travel Pass for {zone} is ${rate}/day, ${rate * days} in total on your "
          f"next bill. Want me to add it to the line ending {line['last4']}? (yes/no)")
    c.user("Yes")
    pass_id = f"TP-{line['line_id']}"
    c.call("add_travel_pass", {"line_id": line["line_id"], "zone": zone, "days": days},
           {"pass_id": pass_id, "zone": zone, "days": days, "status": "active"})
    c.bot(f"Your {zone} Travel Pass is active on the line ending {line['last4']} for {days} "
          f"days. {MORE}")
    c.user("Perfect, thanks")
    c.bot("Thanks for chatting with Kite Mobile. Bye for now!")
    return c.record(resolution="resolved")


def dispute(chat_id: str, who: str, opening: str, marker: str) -> dict[str, Any]:
    c = Chat(chat_id, who)
    c.user(opening)
    c.identify("{account}, PIN {pin}")
    c.call("route_to_care_team", {"team": "Billing Care", "account_number":
                                  c.caller["account_number"],
                                  "note": f"Billing dispute: {opening}"},
           {"queued": True, "team": "Billing Care"})
    c.bot("Disputed charges are handled by our Billing Care team, so I'm transferring you to our "
          "Billing Care team now; they'll see a note of your request.")
    return c.record(resolution=marker)


def porting(chat_id: str, who: str) -> dict[str, Any]:
    """A number port: no tool for it; the agent hands over to the care team."""
    c = Chat(chat_id, who)
    c.user("Hi, I'm moving to another carrier and want to port my number out. What do I need?")
    c.identify("{account}, PIN {pin}")
    c.bot("Number ports are done by our care team: let me connect you with a porting "
          "specialist who can give you the transfer code.")
    c.call("route_to_care_team", {"team": "care team", "account_number":
                                  c.caller["account_number"], "note": "number port out"},
           {"queued": True, "team": "care team"})
    return c.record(resolution="escalated")


CHATS = [
    usage("kc-0001", "priya", "how much data have I used this month?", which=0),
    switch("kc-0002", "tomasz", "I'd like to switch my plan to Plus 20GB", "Plus 20GB"),
    lost("kc-0003", "grace", "I lost my phone on the bus, please block it"),
    travel("kc-0004", "diego", "I'm off to Europe for 7 days, I need a travel pass",
           "Europe", 7),
    dispute("kc-0005", "hannah", "There's a $340 charge on my November bill that's wrong, I "
            "want to dispute it", marker="resolved"),
    porting("kc-0006", "samuel"),
    switch("kc-0007", "diego", "Can I upgrade the second line to Unlimited?", "Unlimited",
           which=1),
    usage("kc-0008", "tomasz", "what's my data usage so far?"),
    lost("kc-0009", "priya", "my phone was stolen last night", which=1),
    travel("kc-0010", "hannah", "going to Mexico for 4 days, need roaming", "Canada & Mexico", 4),
    switch("kc-0011", "grace", "Please move me onto Unlimited", "Unlimited"),
    usage("kc-0012", "samuel", "how much data have I used?"),
    switch("kc-0013", "priya", "I want to downgrade the line ending 0191 to Starter 5GB",
           "Starter 5GB"),
    lost("kc-0014", "samuel", "Someone stole my phone, block the SIM please"),
]


def main() -> None:
    with (HERE / "kite_chats.jsonl").open("w") as fh:
        for chat in CHATS:
            fh.write(json.dumps(chat) + "\n")
    with (HERE / "kite_chats_notools.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["chat_id", "speaker", "message", "disposition"])
        for chat in CHATS:
            for m in chat["messages"]:
                if m["role"] in ("user", "assistant") and m.get("content"):
                    writer.writerow([chat["id"], "customer" if m["role"] == "user" else "agent",
                                     m["content"], chat["metadata"]["resolution"]])
    print(f"wrote {len(CHATS)} chats to {HERE}")


if __name__ == "__main__":
    main()
