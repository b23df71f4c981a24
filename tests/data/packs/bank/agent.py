"""Harbor Bank's support bot (v1): keyword rules over HTTP, the agent under test.

It follows convsim's `http` connector contract: convsim POSTs
`{"conversation_id", "message"}` to `/v1/chat` and reads `{"reply", "end",
"handoff"}`; the bot calls its backend tools at `POST {X-Convsim-Sandbox-Url}/tools/<name>`
with the header `X-Convsim-Conversation`. 200 is a result, 4xx a business error,
5xx/504 a backend failure.

It is decent, not perfect, as a real first version is:
- a customer who opens with "my card ending 1234 was stolen" gets that card frozen
  before they are verified (a security hole the process check should catch);
- a freeze request on a customer with several cards freezes the debit card unless
  the customer named one;
- a balance question that names no account is answered for checking;
- disputes above $1000 are transferred instead of opened;
- a write that fails on the backend side is not retried.

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
READS = {"find_customer", "list_cards", "get_card", "list_transactions", "get_balance"}
DISPUTE_LIMIT = 1000.0

PHONE = re.compile(r"\b(\d{3})[-. ]?(\d{3})[-. ]?(\d{4})\b")
DOB = re.compile(r"\b((?:19|20)\d{2}-\d{2}-\d{2})\b")
NAME = re.compile(r"(?:\bI'?m|\bI am|\bname is|\bthis is|\bit's)\s+([A-Z][a-z'-]+)\s+([A-Z][a-z'-]+)")
FIRST = re.compile(r"first name(?: is)?:?\s+([A-Z][a-z'-]+)", re.IGNORECASE)
LAST = re.compile(r"(?:last name|surname)(?: is)?:?\s+([A-Z][a-z'-]+)", re.IGNORECASE)
LAST4 = re.compile(r"(?:ending(?: in)?|ends in|last (?:four|4)(?: digits)?(?: are| is)?:?)\s*(\d{4})\b",
                   re.IGNORECASE)
DIGITS4 = re.compile(r"(?<![\d-])(\d{4})(?![\d-])")
ACCOUNT = re.compile(r"\b(checking|savings?)\b")

INTENTS = [  # first match wins
    ("human", re.compile(r"(?:talk|speak) (?:to|with) (?:a |an )?(?:person|human|agent|someone)"
                         r"|real person|\bhuman\b")),
    ("close", re.compile(r"\bclos(?:e|ing)\b.{0,30}\baccounts?\b|\baccounts?\b.{0,20}\bclos")),
    ("loan", re.compile(r"\bloans?\b|mortgage")),
    ("lost", re.compile(r"\blost\b|\bstole|\bmissing\b")),
    ("freeze", re.compile(r"\bfreeze|\block\b|\bblock\b|misplac|can'?t find")),
    ("dispute", re.compile(r"disput|recogni[sz]e|unauthori[sz]ed|fraud|never (?:made|shopped)|\bcharge")),
    ("balance", re.compile(r"\bbalance|how much (?:money|is in|do i have)")),
    ("phone", re.compile(r"(?:\bnew\b|chang|updat).{0,25}(?:phone|number|mobile)"
                         r"|(?:phone|mobile|number).{0,25}(?:chang|updat|\bnew\b)")),
]
YES = re.compile(r"\b(?:yes|yeah|yep|sure|correct|right|ok|okay|please do|go ahead|do it|proceed)\b")
NO = re.compile(r"^\W*(?:no|nope|don't|do not|not now|wait)\b")
DONE = re.compile(r"\b(?:thanks|thank you|that's all|that is all|nothing else|bye|goodbye)\b")
ANYTHING_ELSE = "Is there anything else I can help you with?"
ASK_IDENTITY = ("To verify you, could you give me the phone number on your account, or your first "
                "name, last name and date of birth?")


@dataclass
class Conversation:
    """What the bot remembers of one chat."""

    intent: str | None = None
    customer: dict[str, Any] | None = None
    phone: str | None = None
    first: str | None = None
    last: str | None = None
    dob: str | None = None
    last4: str | None = None
    card: dict[str, Any] | None = None
    frozen_early: bool = False
    txn: dict[str, Any] | None = None
    account_type: str | None = None
    new_phone: str | None = None
    awaiting: str | None = None
    done: bool = False
    said: list[str] = field(default_factory=list)


@dataclass
class Result:
    ok: bool
    value: Any = None
    error: str = ""
    backend_down: bool = False


class Tools:
    """The sandbox's tools for one conversation."""

    def __init__(self, session: aiohttp.ClientSession, url: str, conversation_id: str) -> None:
        self.session, self.url = session, url.rstrip("/")
        self.headers = {CONVERSATION_HEADER: conversation_id}

    async def __call__(self, name: str, **arguments: Any) -> Result:
        attempts = 3 if name in READS else 1  # v1 never retries a write
        result = Result(ok=False, backend_down=True)
        for _ in range(attempts):
            result = await self._once(name, arguments)
            if result.ok or not result.backend_down:
                break
        return result

    async def _once(self, name: str, arguments: dict[str, Any]) -> Result:
        try:
            async with self.session.post(f"{self.url}/tools/{name}", json=arguments,
                                         headers=self.headers,
                                         timeout=aiohttp.ClientTimeout(total=5)) as resp:
                status, text = resp.status, await resp.text()
        except (TimeoutError, aiohttp.ClientError) as exc:
            return Result(ok=False, error=str(exc), backend_down=True)
        if status >= 500:
            return Result(ok=False, error=f"HTTP {status}", backend_down=True)
        try:
            value = json.loads(text)
        except ValueError:
            return Result(ok=False, error="unreadable answer", backend_down=True)
        if status >= 400:
            return Result(ok=False, error=str(value.get("error") if isinstance(value, dict) else text))
        return Result(ok=True, value=value)


def listen(conv: Conversation, text: str) -> None:
    """Pick up what the customer said: identity, card digits, account, numbers."""
    if (m := DOB.search(text)) is not None:
        conv.dob = m.group(1)
    without_dob = DOB.sub(" ", text)
    phones = [f"{a}-{b}-{c}" for a, b, c in PHONE.findall(without_dob)]
    if phones:
        if conv.awaiting == "new_phone" or (conv.customer is not None and conv.intent == "phone"):
            conv.new_phone = phones[-1]
        elif conv.customer is None:
            conv.phone = phones[0]
    if (m := NAME.search(text)) is not None:
        conv.first, conv.last = m.group(1), m.group(2)
    if (m := FIRST.search(text)) is not None:
        conv.first = m.group(1)
    if (m := LAST.search(text)) is not None:
        conv.last = m.group(1)
    m = LAST4.search(text)
    if m is None and conv.awaiting == "last4":  # "It's 1234." answers the question asked
        m = DIGITS4.search(PHONE.sub(" ", without_dob))
    if m is not None:
        conv.last4 = m.group(1)
    if (m := ACCOUNT.search(text.lower())) is not None:
        conv.account_type = "savings" if m.group(1).startswith("saving") else "checking"


def wanted(text: str) -> str | None:
    lower = text.lower()
    return next((name for name, rule in INTENTS if rule.search(lower)), None)


async def identify(conv: Conversation, tools: Tools) -> str | None:
    """None when the customer is verified, else the reply that asks for what is missing."""
    if conv.phone:
        args = {"phone": conv.phone}
    elif conv.first and conv.last and conv.dob:
        args = {"first_name": conv.first, "last_name": conv.last, "date_of_birth": conv.dob}
    else:
        conv.awaiting = "identity"
        return ASK_IDENTITY
    found = await tools("find_customer", **args)
    if found.ok:
        conv.customer = found.value
        return None
    conv.phone = conv.first = conv.last = conv.dob = None
    conv.awaiting = "identity"
    if found.backend_down:
        return "Sorry, I couldn't reach our records just now. " + ASK_IDENTITY
    return "I couldn't find an account with those details. " + ASK_IDENTITY


async def respond(conv: Conversation, text: str, tools: Tools) -> tuple[str, bool, bool]:
    """The bot's reply to one customer message: (reply, end, handoff)."""
    conv.said.append(text)
    lower = text.lower()
    intent = wanted(text)
    if conv.done:
        if intent is None and DONE.search(lower):
            return "You're welcome. Thank you for contacting Harbor Bank, have a great day!", True, False
        if intent is None:
            return f"Sorry, I didn't catch that. {ANYTHING_ELSE}", False, False
        conv.intent, conv.done, conv.awaiting = intent, False, None
        conv.card = conv.txn = None
    confirmed = False
    if conv.awaiting == "confirm":
        if YES.search(lower) and not NO.search(lower):
            confirmed = True
        elif NO.search(lower):
            conv.done, conv.awaiting = True, None
            return f"Okay, I won't change anything. {ANYTHING_ELSE}", False, False
    listen(conv, text)
    if intent == "human" or conv.intent is None:
        conv.intent = intent or conv.intent
    conv.awaiting = None
    if conv.intent is None:
        return "Thanks for contacting Harbor Bank. How can I help you today?", False, False

    if conv.intent == "loan" or (conv.intent == "human" and conv.customer is None and len(conv.said) > 3):
        return await transfer(conv, tools, "loan or specialist request")

    # v1's shortcut: a stolen card named by its digits is frozen before anything else.
    if conv.intent == "lost" and conv.customer is None and conv.last4 and not conv.frozen_early:
        card = await tools("get_card", last4=conv.last4)
        if card.ok and card.value.get("status") == "active":
            frozen = await tools("freeze_card", card_id=card.value["card_id"])
            conv.frozen_early = frozen.ok
            conv.card = card.value
    if conv.customer is None:
        ask = await identify(conv, tools)
        if ask is not None:
            prefix = (f"I've frozen the card ending {conv.last4} right away to protect you. "
                      if conv.frozen_early and len(conv.said) == 1 else "")
            return prefix + ask, False, False
    customer_id = conv.customer["customer_id"]

    if conv.intent in ("close", "human"):
        return await transfer(conv, tools, f"{conv.intent}: {conv.said[0]}")
    if conv.intent in ("lost", "freeze"):
        return await card_request(conv, tools, customer_id, confirmed)
    if conv.intent == "dispute":
        return await dispute(conv, tools, customer_id, confirmed)
    if conv.intent == "balance":
        kind = conv.account_type or "checking"
        got = await tools("get_balance", customer_id=customer_id, account_type=kind)
        conv.done = True
        if not got.ok:
            return f"Unfortunately I couldn't get that balance ({got.error}). {ANYTHING_ELSE}", False, False
        return f"The balance of your {kind} account is ${got.value['balance']}. {ANYTHING_ELSE}", False, False
    if conv.intent == "phone":
        if not conv.new_phone:
            conv.awaiting = "new_phone"
            return "Thanks, you're verified. What is the new phone number you'd like on the account?", \
                False, False
        done = await tools("update_phone", customer_id=customer_id, new_phone=conv.new_phone)
        conv.done = True
        if not done.ok:
            return f"I'm sorry, I couldn't update your phone number just now. {ANYTHING_ELSE}", False, False
        return f"I've updated your phone number to {conv.new_phone}. {ANYTHING_ELSE}", False, False
    return "Thanks for contacting Harbor Bank. How can I help you today?", False, False


async def transfer(conv: Conversation, tools: Tools, summary: str) -> tuple[str, bool, bool]:
    args: dict[str, Any] = {"summary": summary}
    if conv.customer is not None:
        args["customer_id"] = conv.customer["customer_id"]
    handed = await tools("transfer_to_agent", **args)
    if not handed.ok:
        return "I'm sorry, I can't reach a specialist right now. Please call us later.", True, False
    return ("I'm transferring you to a specialist now; they will see a summary of your request.",
            True, True)


async def card_request(conv: Conversation, tools: Tools, customer_id: str,
                       confirmed: bool) -> tuple[str, bool, bool]:
    replace = conv.intent == "lost"
    if conv.card is None or conv.card.get("customer_id") != customer_id:
        listed = await tools("list_cards", customer_id=customer_id)
        if not listed.ok:
            return "Sorry, I can't see your cards right now. Could you try again in a moment?", False, False
        active = [c for c in listed.value if c.get("status") == "active"]
        named = [c for c in active if c.get("last4") == conv.last4]
        if named or len(active) == 1:
            conv.card = (named or active)[0]
        elif not active:
            conv.done = True
            return f"Unfortunately I can't see an active card on your account. {ANYTHING_ELSE}", False, False
        elif not replace:  # v1 assumes the debit card
            conv.card = next((c for c in active if c.get("type") == "debit"), active[0])
        else:
            conv.awaiting = "last4"
            return "I see more than one card. Could you tell me the last four digits of the card?", \
                False, False
    card = conv.card
    if not confirmed:
        conv.awaiting = "confirm"
        what = (f"keep your {card['type']} card ending {card['last4']} frozen" if conv.frozen_early
                else f"freeze your {card['type']} card ending {card['last4']}")
        extra = " and order a replacement to your address on file" if replace else ""
        return f"To confirm: I'll {what}{extra}. Shall I go ahead?", False, False
    if not conv.frozen_early:
        frozen = await tools("freeze_card", card_id=card["card_id"])
        if not frozen.ok:
            conv.done = True
            return ("I'm sorry, something went wrong on our side and I couldn't freeze the card. "
                    f"Please try again later. {ANYTHING_ELSE}"), False, False
    if replace:
        ordered = await tools("order_replacement_card", card_id=card["card_id"], customer_id=customer_id)
        conv.done = True
        if not ordered.ok:
            return ("Your card is frozen, but I couldn't order the replacement card just now. "
                    f"{ANYTHING_ELSE}"), False, False
        return (f"Your card ending {card['last4']} has been frozen and a replacement has been ordered; "
                f"it arrives in 5-7 business days. {ANYTHING_ELSE}"), False, False
    conv.done = True
    return (f"Your card ending {card['last4']} has been frozen; you can unfreeze it any time. "
            f"{ANYTHING_ELSE}"), False, False


async def dispute(conv: Conversation, tools: Tools, customer_id: str,
                  confirmed: bool) -> tuple[str, bool, bool]:
    if conv.txn is None:
        listed = await tools("list_transactions", customer_id=customer_id)
        if not listed.ok:
            return "Sorry, I can't see your transactions right now. Could you try again in a moment?", \
                False, False
        said = " ".join(conv.said).lower()
        posted = list(listed.value)
        match = [t for t in posted if t["merchant"].lower() in said] or \
            [t for t in posted if f"{t['amount']}" in said]
        if not match:
            conv.awaiting = "merchant"
            return "I can see your recent transactions. Could you tell me the merchant name on the charge?", \
                False, False
        conv.txn = match[0]
    txn = conv.txn
    if txn["status"] != "posted":
        conv.done = True
        return (f"That charge is already {txn['status']}; nothing more is needed. {ANYTHING_ELSE}",
                False, False)
    if float(txn["amount"]) > DISPUTE_LIMIT:
        return await transfer(conv, tools, f"dispute {txn['transaction_id']} over the limit")
    if not confirmed:
        conv.awaiting = "confirm"
        return (f"I found the charge of ${txn['amount']} at {txn['merchant']} on {txn['date']}. "
                "Shall I open a dispute on it?"), False, False
    opened = await tools("dispute_transaction", customer_id=customer_id,
                         transaction_id=txn["transaction_id"], reason="not recognised by the customer")
    conv.done = True
    if not opened.ok:
        return f"I'm sorry, I couldn't open the dispute: {opened.error}. {ANYTHING_ELSE}", False, False
    return (f"Your dispute {opened.value['dispute_id']} has been opened; you'll get a provisional credit "
            f"within 10 business days. {ANYTHING_ELSE}"), False, False


def build_app() -> web.Application:
    conversations: dict[str, Conversation] = {}
    app = web.Application()
    session_key = web.AppKey("session", aiohttp.ClientSession)

    async def session_ctx(app: web.Application) -> Any:
        app[session_key] = aiohttp.ClientSession()
        yield
        await app[session_key].close()

    async def chat(request: web.Request) -> web.Response:
        try:
            body = await request.json()
            conversation_id, message = str(body["conversation_id"]), str(body["message"])
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": "expected JSON {conversation_id, message}"}, status=400)
        sandbox = request.headers.get(SANDBOX_URL_HEADER)
        if not sandbox:
            return web.json_response({"error": f"missing header {SANDBOX_URL_HEADER}"}, status=400)
        conv = conversations.setdefault(conversation_id, Conversation())
        reply, end, handoff = await respond(conv, message, Tools(app[session_key], sandbox, conversation_id))
        if end:
            conversations.pop(conversation_id, None)
        return web.json_response({"reply": reply, "end": end, "handoff": handoff})

    async def forget(request: web.Request) -> web.Response:
        conversations.pop(request.match_info["id"], None)
        return web.json_response({"ok": True})

    app.cleanup_ctx.append(session_ctx)
    app.router.add_post("/v1/chat", chat)
    app.router.add_delete("/v1/conversations/{id}", forget)
    return app


async def main(host: str, port: int) -> None:
    runner = web.AppRunner(build_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"Harbor Bank bot listening on http://{host}:{bound}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8800, help="0 picks a free port")
    args = parser.parse_args()
    try:
        asyncio.run(main(args.host, args.port))
    except KeyboardInterrupt:
        pass
