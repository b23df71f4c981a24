"""Example agent for the {{name}} pack: a tiny keyword-rule customer-service bot over HTTP.

REPLACE THIS WITH YOUR AGENT. It is here so that `convsim run campaign.yaml`
works right after `convsim new domain`. To test your own agent, start it and, in
campaign.yaml, set `url: http://HOST:PORT` (your agent's address) instead of
`command: python agent.py --port {port}`.

The contract your agent follows is the one this file shows (convsim's `http`
connector):
- convsim POSTs `{"conversation_id", "message"}` to `/v1/chat` and reads
  `{"reply", "end", "handoff"}` (paths and field names are configurable in the
  campaign's agent `options:`); `DELETE /v1/conversations/<id>` ends one.
- The agent calls its tools on the sandbox whose URL comes in the
  `X-Convsim-Sandbox-Url` header: `POST <url>/tools/<name>` with the JSON
  arguments and the header `X-Convsim-Conversation: <id>`. The answer is 200
  with the JSON result, 4xx with `{"error"}` for a business error (no such
  customer), 5xx or 504 for an injected fault (retry it), 404 for an unknown tool.

Run alone: `python agent.py --port 8800` (it prints `listening on http://...`).
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
READ_TOOLS = {"find_customer", "list_subscriptions"}  # safe to call again after a garbled answer

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SUBSCRIPTION_ID = re.compile(r"\bS-?(\d{3})\b", re.IGNORECASE)
# Keyword rules for what the customer wants; the first match wins.
INTENTS = [
    ("transfer", re.compile(r"charged twice|double charge|dispute|complain|lawyer|refund my charge"
                            r"|(?:talk|speak) (?:to|with) (?:a |an )?(?:person|human|manager|supervisor)")),
    ("cancel", re.compile(r"\bcancel|terminate|close my account")),
    ("pause", re.compile(r"\bpause|on (?:\w+,? )?hold\b|\bsuspend|take a break")),
    ("ticket", re.compile(r"problem|issue|not working|doesn't work|broken|\berror|can't|cannot|keeps")),
]
YES = re.compile(r"\b(?:yes|yeah|yep|sure|correct|right|ok|okay|please do|go ahead|do it|confirm)\b")
# "I don't want to cancel it" is not a request to cancel.
NEGATED = re.compile(r"(?:\bnot|n't|\bnever) (?:\w+ )?(?:to )?(?:cancel|pause|suspend|close)\w*")
NO = re.compile(r"\b(?:no|nope|don't|do not|not now|wait)\b")
DONE = re.compile(r"\b(?:thanks|thank you|that's all|that is all|nothing else|no|bye|goodbye)\b")


@dataclass
class Conversation:
    """What the agent remembers of one conversation."""

    intent: str | None = None
    email: str | None = None
    customer: dict[str, Any] | None = None
    subscription: dict[str, Any] | None = None
    subscription_id: str | None = None
    reason: str | None = None
    problem: str | None = None
    awaiting: str | None = None  # what the last reply asked for
    asked_email: bool = False
    done: bool = False
    history: list[str] = field(default_factory=list)


@dataclass
class ToolResult:
    ok: bool
    value: Any = None
    error: str = ""
    fault: bool = False  # the backend failed (5xx, timeout): not the customer's fault


class Tools:
    """Calls the pack's tools on convsim's sandbox for one conversation."""

    def __init__(self, session: aiohttp.ClientSession, url: str, conversation_id: str) -> None:
        self.session, self.url = session, url.rstrip("/")
        self.headers = {CONVERSATION_HEADER: conversation_id}

    async def __call__(self, name: str, **arguments: Any) -> ToolResult:
        result = ToolResult(ok=False, fault=True)
        for _attempt in range(3):  # injected faults are transient: retry them
            result = await self._once(name, arguments)
            if result.ok or not result.fault:
                return result
            if result.error == "garbled" and name not in READ_TOOLS:
                # A write whose answer was garbled did happen: do not do it twice.
                return ToolResult(ok=True, value={})
        return result

    async def _once(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        try:
            async with self.session.post(f"{self.url}/tools/{name}", json=arguments,
                                         headers=self.headers,
                                         timeout=aiohttp.ClientTimeout(total=5)) as resp:
                text = await resp.text()
                status = resp.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            return ToolResult(ok=False, error=str(exc), fault=True)
        if status >= 500:
            return ToolResult(ok=False, error=f"HTTP {status}", fault=True)
        try:
            value = json.loads(text)
        except ValueError:
            return ToolResult(ok=False, error="garbled", fault=True)
        if status >= 400:
            message = value.get("error") if isinstance(value, dict) else None
            return ToolResult(ok=False, error=str(message or text))
        return ToolResult(ok=True, value=value)


SYSTEM_DOWN = "I'm sorry, our system is not responding right now. Shall I try again?"
ANYTHING_ELSE = "Is there anything else I can help you with?"


def failed(conv: Conversation, result: ToolResult, what: str) -> tuple[str, bool, bool]:
    """The reply to a failed action: offer a retry after a fault (the backend did not answer),
    report a business error honestly and end the request."""
    if result.fault:
        conv.awaiting = "confirm"
        return SYSTEM_DOWN, False, False
    conv.done = True
    return f"Unfortunately I couldn't {what}: {result.error}. {ANYTHING_ELSE}", False, False


async def respond(conv: Conversation, text: str, tools: Tools) -> tuple[str, bool, bool]:
    """The agent's reply to one customer message: (reply, end, handoff)."""
    lower = text.lower()
    conv.history.append(text)
    if (email := EMAIL.search(text)) is not None:
        conv.email = email.group(0)
    if (sub := SUBSCRIPTION_ID.search(text)) is not None:
        conv.subscription_id = f"S{sub.group(1)}"
    wanted = next((name for name, rule in INTENTS if rule.search(NEGATED.sub("", lower))), None)

    if conv.done:  # the request is handled: a new one, or goodbye
        if wanted is None and YES.search(lower) and not DONE.search(lower):
            return "Sure, what else can I help you with?", False, False
        if wanted is None or DONE.search(lower):
            return "You're welcome. Thank you for contacting {{name}}, have a great day!", True, False
        conv.intent, conv.done, conv.awaiting = wanted, False, None
        conv.subscription = conv.reason = conv.problem = None
    if conv.intent is None:
        conv.intent = wanted
        if wanted == "ticket":
            conv.problem = text.strip()
    if conv.awaiting == "reason" and conv.reason is None and not email:
        conv.reason = text.strip()
    elif conv.awaiting == "problem" and conv.problem is None and not email:
        conv.problem = text.strip()
    confirmed = False
    if conv.awaiting == "confirm":
        if YES.search(lower) and not re.match(r"\W*(?:no|nope)\b", lower):
            confirmed = True
        elif NO.search(lower):
            conv.intent, conv.awaiting, conv.done = None, None, True
            return f"Okay, I won't change anything. {ANYTHING_ELSE}", False, False
    conv.awaiting = None

    if conv.intent is None:
        return "Thanks for contacting {{name}}. Could you tell me what you need help with today?", \
            False, False

    # 1. Identify the customer (the policy: always first).
    if conv.customer is None:
        if conv.email is None:
            first, conv.awaiting, conv.asked_email = not conv.asked_email, "email", True
            return ("I can help with that. " if first else "") + \
                "Could you give me the email address on your account?", False, False
        found = await tools("find_customer", email=conv.email)
        if not found.ok:
            conv.email, conv.awaiting = None, "email"
            if found.fault:  # the backend still fails after retries: ask again, do not give up
                return ("Sorry, I couldn't reach our records just now. Could you give me your "
                        "email address again?"), False, False
            return ("I couldn't find an account with that email. Could you give me the email "
                    "address on your account?"), False, False
        conv.customer = found.value
    customer_id = conv.customer["customer_id"]

    # 2. Hand over what a bot must not handle.
    if conv.intent == "transfer":
        summary = f"Customer {customer_id} disputes a charge: {conv.history[0]}"
        handed = await tools("transfer_to_human", customer_id=customer_id, summary=summary)
        if not handed.ok:
            conv.awaiting = "confirm"
            return SYSTEM_DOWN, False, False
        return "I'm transferring you to a human agent now; they will see a summary of your request.", \
            True, True

    # 3. Technical problem: open a ticket.
    if conv.intent == "ticket":
        if not conv.problem:
            conv.awaiting = "problem"
            return "Could you describe the problem you are having?", False, False
        opened = await tools("open_ticket", customer_id=customer_id, summary=conv.problem)
        if not opened.ok:
            return failed(conv, opened, "open a ticket")
        conv.done = True
        ticket = (opened.value or {}).get("ticket_id", "")
        return (f"Your ticket {ticket} has been opened; our technicians will look into it within a "
                f"day. {ANYTHING_ELSE}"), False, False

    # 4. Pause or cancel a subscription: find it, get what is needed, confirm, act, report.
    if conv.subscription is None:
        listed = await tools("list_subscriptions", customer_id=customer_id)
        if not listed.ok:
            conv.awaiting = "confirm"
            return SYSTEM_DOWN, False, False
        usable = {"pause": ("active",), "cancel": ("active", "paused")}[conv.intent]
        candidates = [s for s in listed.value if s.get("status") in usable]
        chosen = [s for s in candidates if s.get("subscription_id") == conv.subscription_id]
        if chosen or len(candidates) == 1:
            conv.subscription = (chosen or candidates)[0]
        elif not candidates:
            conv.done = True
            return f"Unfortunately I can't see a subscription that can be changed. {ANYTHING_ELSE}", \
                False, False
        else:
            conv.awaiting = "subscription"
            ids = ", ".join(f"{s['subscription_id']} ({s['plan']})" for s in candidates)
            return f"You have several subscriptions: {ids}. Could you tell me the subscription id?", \
                False, False
    sub = conv.subscription
    verb, past = {"pause": ("pause", "paused"), "cancel": ("cancel", "cancelled")}[conv.intent]
    if conv.intent == "cancel" and not conv.reason:
        conv.awaiting = "reason"
        return "I'm sorry to see you go. Could you tell me the reason for cancelling?", False, False
    if not confirmed:
        conv.awaiting = "confirm"
        what = ("billing stops until you resume it" if verb == "pause"
                else "it ends today and the unused days are refunded")
        return (f"To confirm: {verb} your {sub['plan']} subscription {sub['subscription_id']} "
                f"(${sub['monthly_price']}/month); {what}. Shall I go ahead?"), False, False
    if verb == "pause":
        done = await tools("pause_subscription", subscription_id=sub["subscription_id"])
    else:
        done = await tools("cancel_subscription", subscription_id=sub["subscription_id"],
                           reason=conv.reason)
    if not done.ok:
        return failed(conv, done, f"{verb} it")
    conv.done = True
    refund = (done.value or {}).get("refund")
    note = f" A refund of ${refund} will reach your card within 5 days." if refund else ""
    return (f"Your subscription {sub['subscription_id']} has been {past}.{note} "
            f"{ANYTHING_ELSE}"), False, False


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
        reply, end, handoff = await respond(conv, message,
                                            Tools(app[session_key], sandbox, conversation_id))
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
    # convsim waits for this line before it starts the conversations.
    print(f"{{name}} example agent listening on http://{host}:{bound}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8800, help="0 picks a free port")
    args = parser.parse_args()
    try:
        asyncio.run(main(args.host, args.port))
    except KeyboardInterrupt:
        pass
