"""Kite Mobile's care bot: keyword rules over HTTP, the agent under test.

It speaks convsim's `http` contract: convsim POSTs `{"conversation_id", "message"}`
to `/v1/chat` and reads `{"reply", "end", "handoff"}`; the bot calls its backend at
`POST {X-Convsim-Sandbox-Url}/tools/<name>` with the header `X-Convsim-Conversation`
(200 a result, 4xx a business error, 5xx/504 the backend is down).

`--defect NAME` starts a build with one known bug, to check that the release gate
catches it (each is one line of the `Defects` switch below):

  skip_notice          reads no plan-switch notice before switching a plan
  no_consent           makes a change as soon as it knows what to do, without asking
  false_success        a change the backend refused is reported as done (and never retried)
  transfer_no_handoff  calls route_to_care_team but keeps chatting instead of handing over
  verify_late          changes a line first and checks the account PIN afterwards
  never_escalate       keeps billing disputes and repeated failures instead of handing over
  wrong_line           always acts on the account's first line, whichever the caller named

Run alone: `python agent.py --port 8800` (prints `listening on http://127.0.0.1:8800`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

SANDBOX_URL_HEADER = "X-Convsim-Sandbox-Url"
CONVERSATION_HEADER = "X-Convsim-Conversation"
DEFECTS = ("skip_notice", "no_consent", "false_success", "transfer_no_handoff", "verify_late",
           "never_escalate", "wrong_line")

# The price list of policy rev. 7 (the bot's prompt carries the same table).
PLAN_PRICES = {"Starter 5GB": 25, "Plus 20GB": 40, "Unlimited": 60, "Unlimited Max": 75}
PASS_PRICES = {"Canada & Mexico": 5, "Europe": 10, "Rest of world": 15}
REQUESTS = {"change_plan": "Plan switch", "block_sim": "Lost/stolen phone, SIM block",
            "add_travel_pass": "Travel Pass"}

ACCOUNT = re.compile(r"\bkm[-\s]?(\d{5})\b", re.IGNORECASE)
PIN = re.compile(r"\bpin\b\D{0,15}(\d{4})\b", re.IGNORECASE)
LAST4 = re.compile(r"(?:ending(?: in)?|ends in|last (?:4|four)(?: digits)?(?: are| is)?:?|"
                   r"number ending)\s*(\d{4})\b", re.IGNORECASE)
FOUR = re.compile(r"(?<![\d-])(\d{4})(?![\d-])")
DAYS = re.compile(r"\b(\d{1,2})\s*-?\s*days?\b", re.IGNORECASE)
PLANS = [("Unlimited Max", re.compile(r"unlimited\s*max", re.I)),
         ("Unlimited", re.compile(r"unlimited", re.I)),
         ("Plus 20GB", re.compile(r"\bplus(?:\s*20\s*gb)?\b", re.I)),
         ("Starter 5GB", re.compile(r"\bstarter(?:\s*5\s*gb)?\b", re.I))]
NOT_THE_TARGET = re.compile(r"\b(?:instead of|from|currently on|i'?m on)\s+(?:the\s+)?"
                            r"(unlimited\s*max|unlimited|plus(?:\s*20\s*gb)?|starter(?:\s*5\s*gb)?)",
                            re.I)
ZONES = [("Canada & Mexico", re.compile(r"canada|mexico", re.I)),
         ("Europe", re.compile(r"europe", re.I)),
         ("Rest of world", re.compile(r"rest of (?:the )?world", re.I))]

INTENTS = [  # first match wins
    ("human", re.compile(r"\b(?:human|real person|a person|representative|someone)\b")),
    ("dispute", re.compile(r"disput|don'?t agree|not agree|charged me|why was i charged|"
                           r"wrong charge|overcharg|that'?s wrong")),
    ("lost", re.compile(r"\blost\b|stole|\bblock\b")),
    ("travel", re.compile(r"travel|roaming|abroad|\btrip\b|off to|going to")),
    ("usage", re.compile(r"how much data|data usage|usage|data have i used")),
    ("switch", re.compile(r"switch|\bplan\b|move|onto|upgrade|downgrade|chang")),
]
YES = re.compile(r"\b(?:yes|yeah|yep|yup|sure|ok|okay|please do|go ahead|do it|proceed|correct)\b")
NO = re.compile(r"^\W*(?:no|nope|don'?t|do not|not now|wait|hold on)\b")
BYE = re.compile(r"\b(?:thanks|thank you|that'?s all|that is all|nothing else|bye)\b")
MORE = "Anything else I can help with?"
ASK_ID = "Could you give me your Kite account number and your 4-digit account PIN?"


@dataclass
class Chat:
    """What the bot remembers of one chat."""

    intent: str | None = None
    first: str = ""
    account: str | None = None
    pin: str | None = None
    caller: dict[str, Any] | None = None
    last4: str | None = None
    line: dict[str, Any] | None = None
    plan: str | None = None
    zone: str | None = None
    days: int | None = None
    awaiting: str | None = None
    done: bool = False
    said: list[str] = field(default_factory=list)


@dataclass
class Answer:
    ok: bool
    value: Any = None
    error: str = ""
    down: bool = False


@dataclass(frozen=True)
class Reply:
    text: str
    end: bool = False
    handoff: bool = False


class Backend:
    """Kite's backend for one chat (through convsim's sandbox)."""

    def __init__(self, session: aiohttp.ClientSession, url: str, chat_id: str) -> None:
        self.session, self.url = session, url.rstrip("/")
        self.headers = {CONVERSATION_HEADER: chat_id}

    async def call(self, name: str, tries: int = 3, **arguments: Any) -> Answer:
        answer = Answer(ok=False, down=True)
        for _ in range(tries):
            answer = await self._once(name, arguments)
            if answer.ok or not answer.down:
                break
        return answer

    async def _once(self, name: str, arguments: dict[str, Any]) -> Answer:
        try:
            async with self.session.post(f"{self.url}/tools/{name}", json=arguments,
                                         headers=self.headers,
                                         timeout=aiohttp.ClientTimeout(total=5)) as resp:
                status, text = resp.status, await resp.text()
        except (TimeoutError, aiohttp.ClientError) as exc:
            return Answer(ok=False, error=str(exc), down=True)
        if status >= 500:
            return Answer(ok=False, error=f"HTTP {status}", down=True)
        try:
            value = json.loads(text)
        except ValueError:
            return Answer(ok=False, error="unreadable answer", down=True)
        if status >= 400:
            return Answer(ok=False, error=str(value.get("error") if isinstance(value, dict) else text))
        return Answer(ok=True, value=value)


class Bot:
    """The rules of the care bot; `defect` switches on one known bug."""

    def __init__(self, defect: str | None = None) -> None:
        if defect is not None and defect not in DEFECTS:
            raise SystemExit(f"unknown defect {defect!r} (one of: {', '.join(DEFECTS)})")
        self.defect = defect

    # ----------------------------------------------------------------- reading the caller

    @staticmethod
    def wanted(text: str) -> str | None:
        low = text.lower()
        return next((name for name, rule in INTENTS if rule.search(low)), None)

    @staticmethod
    def listen(chat: Chat, text: str) -> None:
        if (m := ACCOUNT.search(text)) is not None:
            chat.account = f"KM-{m.group(1)}"
        rest = ACCOUNT.sub(" ", text)
        if (m := PIN.search(rest)) is not None:
            chat.pin = m.group(1)
            rest = rest.replace(m.group(0), " ")
        # "ending 0142", or a bare "0142" when the bot has just asked which line
        m = LAST4.search(rest) or (FOUR.search(rest) if chat.awaiting == "line" else None)
        if m is not None:
            chat.last4 = m.group(1)
        target = NOT_THE_TARGET.sub(" ", text)
        for name, rule in PLANS:
            if rule.search(target):
                chat.plan = name
                break
        for name, rule in ZONES:
            if rule.search(text):
                chat.zone = name
                break
        m = DAYS.search(text) or (re.search(r"\b(\d{1,2})\b", rest)
                                  if chat.awaiting == "trip" and chat.zone else None)
        if m is not None:
            chat.days = int(m.group(1))

    # ----------------------------------------------------------------- one turn

    async def respond(self, chat: Chat, text: str, backend: Backend) -> Reply:
        chat.said.append(text)
        low = text.lower()
        intent = self.wanted(text)
        if chat.done:
            if intent is None and BYE.search(low):
                return Reply("Thanks for chatting with Kite Mobile. Bye for now!", end=True)
            if intent is None:
                return Reply(f"Sorry, I didn't get that. {MORE}")
            chat.intent, chat.done, chat.awaiting = intent, False, None
            chat.line, chat.last4, chat.plan, chat.zone, chat.days = None, None, None, None, None
        confirmed = False
        if chat.awaiting == "confirm":
            if NO.search(low):
                chat.done, chat.awaiting = True, None
                return Reply(f"No problem, I've left everything as it is. {MORE}")
            confirmed = bool(YES.search(low))
        self.listen(chat, text)
        if chat.intent is None or intent == "human":
            chat.intent = intent or chat.intent
            chat.first = chat.first or text
        chat.awaiting = None
        if chat.intent is None:
            return Reply("Hi, you're chatting with Kite Mobile care. What can I do for you today?")
        if chat.intent == "human":
            return await self.hand_over(chat, backend, "care team",
                                        f"caller asked for a person: {chat.said[0]}")

        writes = chat.intent in ("switch", "lost", "travel")
        if chat.caller is None and not (self.defect == "verify_late" and writes and chat.account):
            asked = await self.verify(chat, backend)
            if asked is not None:
                return asked
        if chat.intent == "dispute":
            return await self.dispute(chat, backend)
        line = await self.pick_line(chat, backend)
        if isinstance(line, Reply):
            return line
        if chat.intent == "usage":
            return await self.usage(chat, backend, line)
        if chat.intent == "switch":
            return await self.switch(chat, backend, line, confirmed)
        if chat.intent == "lost":
            return await self.block(chat, backend, line, confirmed)
        return await self.travel(chat, backend, line, confirmed)

    async def verify(self, chat: Chat, backend: Backend) -> Reply | None:
        if not (chat.account and chat.pin):
            chat.awaiting = "identity"
            return Reply(ASK_ID if not chat.account else
                         "Thanks. Could you give me your 4-digit account PIN as well?")
        found = await backend.call("verify_caller", account_number=chat.account, pin=chat.pin)
        if found.ok:
            chat.caller = found.value
            return None
        chat.account = chat.pin = None
        chat.awaiting = "identity"
        if found.down:
            return Reply("Sorry, I can't reach our account system right now. " + ASK_ID)
        return Reply("That account number and PIN don't match our records. " + ASK_ID)

    async def pick_line(self, chat: Chat, backend: Backend) -> dict[str, Any] | Reply:
        if chat.line is not None:
            return chat.line
        listed = await backend.call("list_lines", account_number=chat.account)
        if not listed.ok:
            return Reply("Sorry, I can't see the lines on your account right now. Could you try "
                         "again in a moment?")
        active = [ln for ln in listed.value if ln.get("status") == "active"]
        if not active:
            chat.done = True
            return Reply(f"I can't see an active line on this account. {MORE}")
        named = [ln for ln in active if ln.get("last4") == chat.last4]
        if self.defect == "wrong_line":
            chat.line = active[0]
        elif named or len(active) == 1:
            chat.line = (named or active)[0]
        else:
            chat.awaiting = "line"
            miss = (f"I can't find an active line ending {chat.last4} on this account. "
                    if chat.last4 else "")
            return Reply(miss + "Which line is this about? Please give me the last 4 digits of "
                         "its number.")
        return chat.line

    # ----------------------------------------------------------------- requests

    async def usage(self, chat: Chat, backend: Backend, line: dict[str, Any]) -> Reply:
        got = await backend.call("get_usage", line_id=line["line_id"])
        chat.done = True
        if not got.ok:
            return Reply(f"Sorry, I can't read your usage right now. {MORE}")
        u = got.value
        return Reply(f"You've used {u['data_used_gb']} GB on the line ending {line['last4']} "
                     f"this cycle ({u['plan']}); it resets on {u['resets_on']}. {MORE}")

    async def switch(self, chat: Chat, backend: Backend, line: dict[str, Any],
                     confirmed: bool) -> Reply:
        if chat.plan is None:
            chat.awaiting = "plan"
            return Reply("Which plan would you like to switch to? We have Starter 5GB, Plus 20GB, "
                         "Unlimited and Unlimited Max.")
        old, new = line["plan"], chat.plan
        if old == new:
            chat.done = True
            return Reply(f"Good news: the line ending {line['last4']} is already on {new}. {MORE}")
        if not confirmed and self.defect != "no_consent":
            chat.awaiting = "confirm"
            notice = ("" if self.defect == "skip_notice" else
                      " Just so you know: the new price starts with your next bill, and unused "
                      "data does not roll over.")
            return Reply(f"{new} is ${PLAN_PRICES[new]}/month (you pay ${PLAN_PRICES[old]}/month "
                         f"on {old} today).{notice} Shall I switch you from {old} to {new} "
                         f"(${PLAN_PRICES[new]}/month)? (yes/no)")
        done = await self.write(chat, backend, "change_plan", line_id=line["line_id"], plan=new)
        if isinstance(done, Reply):
            return done
        return Reply(f"Done! The line ending {line['last4']} is now on {new}, "
                     f"${PLAN_PRICES[new]}/month from your next bill. {MORE}")

    async def block(self, chat: Chat, backend: Backend, line: dict[str, Any],
                    confirmed: bool) -> Reply:
        if not confirmed and self.defect != "no_consent":
            chat.awaiting = "confirm"
            return Reply(f"I'm sorry to hear that. OK to block the SIM on the line ending "
                         f"{line['last4']} now? Calls, texts and data on it stop right away. (yes/no)")
        done = await self.write(chat, backend, "block_sim", line_id=line["line_id"],
                                reason="lost or stolen phone")
        if isinstance(done, Reply):
            return done
        return Reply(f"The SIM on the line ending {line['last4']} has been blocked. You can pick "
                     f"up a replacement SIM in any Kite store. {MORE}")

    async def travel(self, chat: Chat, backend: Backend, line: dict[str, Any],
                     confirmed: bool) -> Reply:
        if chat.zone is None or chat.days is None:
            chat.awaiting = "trip"
            return Reply("Where are you travelling, and for how many days?" if chat.zone is None
                         else "How many days do you need the pass for?")
        rate = PASS_PRICES[chat.zone]
        if not confirmed and self.defect != "no_consent":
            chat.awaiting = "confirm"
            return Reply(f"A {chat.days}-day Travel Pass for {chat.zone} is ${rate}/day, "
                         f"${rate * chat.days} in total on your next bill. Want me to add it to the "
                         f"line ending {line['last4']}? (yes/no)")
        done = await self.write(chat, backend, "add_travel_pass", line_id=line["line_id"],
                                zone=chat.zone, days=chat.days)
        if isinstance(done, Reply):
            return done
        return Reply(f"Your {chat.zone} Travel Pass is active on the line ending {line['last4']} "
                     f"for {chat.days} days. {MORE}")

    async def dispute(self, chat: Chat, backend: Backend) -> Reply:
        if self.defect == "never_escalate":
            chat.done = True
            return Reply("I've noted your dispute on the account; our billing team will review it "
                         f"and get back to you within 5 business days. {MORE}")
        return await self.hand_over(
            chat, backend, "Billing Care",
            f"Billing dispute: the caller disputes a charge on their bill ({chat.first}). "
            f"Identity verified with account number and PIN ({chat.account}).")

    async def write(self, chat: Chat, backend: Backend, tool: str, **arguments: Any) -> Answer | Reply:
        """One change on the backend: tried twice (once under false_success); a refusal is told
        as it is, a second failure hands the chat over."""
        tries = 1 if self.defect == "false_success" else 2
        done = await backend.call(tool, tries=tries, **arguments)
        chat.done = True
        if self.defect == "verify_late" and chat.caller is None and chat.pin:
            checked = await backend.call("verify_caller", account_number=chat.account, pin=chat.pin)
            chat.caller = checked.value if checked.ok else None
        if done.ok or self.defect == "false_success":
            return done
        if not done.down:
            return Reply(f"I couldn't do that: {done.error}. Nothing was changed. {MORE}")
        if self.defect == "never_escalate":
            return Reply("Sorry, our system didn't accept that just now and nothing was changed. "
                         f"Please try again later. {MORE}")
        return await self.hand_over(
            chat, backend, "care team",
            f"{REQUESTS[tool]} on the line ending {chat.line['last4'] if chat.line else '?'}: "
            f"{tool} failed twice (backend error), nothing changed. Identity verified with "
            f"account number and PIN ({chat.account}).",
            lead="Sorry, our system didn't accept that change twice, so nothing was changed on "
                 "your line. ")

    async def hand_over(self, chat: Chat, backend: Backend, team: str, note: str,
                        lead: str = "") -> Reply:
        args: dict[str, Any] = {"team": team, "note": note}
        if chat.account:
            args["account_number"] = chat.account
        queued = await backend.call("route_to_care_team", **args)
        if not queued.ok:
            return Reply(lead + "I'm sorry, I can't reach the team right now. Please chat with us "
                                "again later.", end=True)
        if self.defect == "transfer_no_handoff":
            chat.done = True
            return Reply(lead + f"I've passed your case on to our {team} team. I'll keep helping "
                                "you here in the meantime - is there anything else I can do?")
        why = ("Disputed charges are handled by our Billing Care team, so "
               if team == "Billing Care" else "")
        return Reply(lead + why + f"I'm transferring you to our {team} team now; they'll see a "
                                  "note of your request.", end=True, handoff=True)


def build_app(bot: Bot) -> web.Application:
    chats: dict[str, Chat] = {}
    app = web.Application()
    session_key = web.AppKey("session", aiohttp.ClientSession)

    async def session_ctx(app: web.Application) -> Any:
        app[session_key] = aiohttp.ClientSession()
        yield
        await app[session_key].close()

    async def chat(request: web.Request) -> web.Response:
        try:
            body = await request.json()
            chat_id, message = str(body["conversation_id"]), str(body["message"])
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": "expected JSON {conversation_id, message}"}, status=400)
        sandbox = request.headers.get(SANDBOX_URL_HEADER)
        if not sandbox:
            return web.json_response({"error": f"missing header {SANDBOX_URL_HEADER}"}, status=400)
        state = chats.setdefault(chat_id, Chat())
        reply = await bot.respond(state, message, Backend(app[session_key], sandbox, chat_id))
        if reply.end:
            chats.pop(chat_id, None)
        return web.json_response({"reply": reply.text, "end": reply.end, "handoff": reply.handoff})

    async def forget(request: web.Request) -> web.Response:
        chats.pop(request.match_info["id"], None)
        return web.json_response({"ok": True})

    app.cleanup_ctx.append(session_ctx)
    app.router.add_post("/v1/chat", chat)
    app.router.add_delete("/v1/conversations/{id}", forget)
    return app


async def main(host: str, port: int, defect: str | None) -> None:
    runner = web.AppRunner(build_app(Bot(defect)), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"Kite care bot ({defect or 'v1'}) listening on http://{host}:{bound}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8800, help="0 picks a free port")
    parser.add_argument("--defect", choices=DEFECTS, default=None, help="start a build with one known bug")
    args = parser.parse_args()
    try:
        asyncio.run(main(args.host, args.port, args.defect))
    except KeyboardInterrupt:
        pass
