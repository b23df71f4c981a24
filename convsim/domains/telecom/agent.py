"""A scripted telecom agent that follows the pack's policy: a test target for campaigns.

Keyword NLU, no LLM. It finds what the customer wants, identifies them (customer
id, phone number, or full name with date of birth), finds the line concerned,
checks what the policy says to check, asks "Shall I go ahead? (yes/no)" before
any change, acts, reports, and transfers what its tools cannot do. It reaches
the tools only through a `ToolClient`, so it runs in-process (`python`
connector: `make()`) against any sandbox of the telecom pack.

Size: over 400 lines because it holds one scripted reference agent for all the pack's
intents; a policy is easier to audit read top to bottom in one file.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from convsim.core.protocols import ToolClient, ToolOutcome
from convsim.core.records import AgentReply

TODAY = date(2025, 2, 25)
MAX_REFUEL_GB = 2.0
TRANSFER_MESSAGE = "YOU ARE BEING TRANSFERRED TO A HUMAN AGENT. PLEASE HOLD ON."
LINE_INTENTS = ("suspend_line", "resume_line", "refuel_data", "enable_roaming", "disable_roaming")
ANYTHING_ELSE = "Is there anything else I can help you with?"

CUSTOMER_ID = re.compile(r"\b(C\d{4})\b", re.IGNORECASE)
PHONE = re.compile(r"(?<![\d-])\(?(\d{3})\)?[\s.-]?(\d{3})[\s.-]?(\d{4})(?![\d-])")
ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
WORDY_DATE = re.compile(r"\b([A-Z][a-z]+ \d{1,2},? \d{4}|\d{1,2}/\d{1,2}/\d{4})\b")
NAME = re.compile(r"(?i:name is|name's|i am|i'm|this is|it's|it is)\s+"
                  r"([A-Z][\w'-]+(?: [A-Z][\w'-]+){1,2})")
GB = re.compile(r"(\d+(?:\.\d+)?)\s*(?:gb|gigs?|gigabytes?)\b", re.IGNORECASE)
NUMBER = re.compile(r"(?<![\w.-])(\d+(?:\.\d+)?)(?![\w-])")
YES = re.compile(r"\b(yes|yeah|yep|yup|sure|correct|right|go ahead|proceed|please do|ok(?:ay)?|"
                 r"do it|i do|accept|absolutely|of course|definitely|fine)\b", re.IGNORECASE)
NO = re.compile(r"\b(no|nope|not|don't|do not|wait|stop|cancel that)\b", re.IGNORECASE)
DONE = re.compile(r"\b(that's all|that is all|that's everything|nothing else|no,? thanks?|bye|"
                  r"goodbye|all set|never mind)\b", re.IGNORECASE)

CHANGE = re.compile(r"\b(actually|never mind|something else|instead|rather)\b", re.IGNORECASE)

INTENTS: list[tuple[str, re.Pattern[str]]] = [
    ("human", re.compile(r"\b(human|real person|representative|supervisor|manager|live agent)\b")),
    ("resume_line", re.compile(r"\b(resume|reactivate|re-activate|unsuspend|restore|"
                               r"lift the suspension|back on|working again|turn it back)\b")),
    ("suspend_line", re.compile(r"\b(suspend|pause|put my line on hold)\b")),
    ("disable_roaming", re.compile(r"\b(?:turn off|disable|deactivate|switch off|stop)\b.{0,30}"
                                   r"\broaming\b|\broaming\b.{0,20}\b(?:off|disabled)\b")),
    ("enable_roaming", re.compile(r"\broaming\b")),
    ("refuel_data", re.compile(r"\b(refuel|more data|add(?:ing)? (?:some )?data|top (?:it )?up|"
                               r"top-up|out of data|add \d+(?:\.\d+)? ?gb)\b")),
    ("pay_overdue_bill", re.compile(r"\b(pay|overdue|payment)\b")),
    ("out_of_scope", re.compile(
        r"\b(port(?:ing)?|sim(?: card)?|esim|close my account|cancel my account|"
        r"(?:mailing|billing|home|my|the) address|dispute|change (?:my|the) plan|new plan|"
        r"upgrade|new phone)\b")),
]


class TelecomDialogue(BaseModel):
    """What the agent remembers about one conversation."""

    intent: str | None = None
    customer: dict[str, Any] | None = None
    customer_id: str | None = None
    phone: str | None = None
    full_name: str | None = None
    dob: str | None = None
    lookup_failures: int = 0
    line: dict[str, Any] | None = None
    lines_seen: dict[str, dict[str, Any]] = Field(default_factory=dict)
    gb: float | None = None
    reason: str | None = None
    asked: str | None = None
    """What the last agent turn asked for (reason, gb, name, line)."""
    bill: dict[str, Any] | None = None
    pending: str | None = None
    """The yes/no question awaiting an answer: 'act' or 'accept_payment'."""
    completed: list[str] = Field(default_factory=list)
    unclear: int = 0
    ended: bool = False


class _Transfer(Exception):
    def __init__(self, summary: str) -> None:
        self.summary = summary


def _phone(text: str) -> str | None:
    m = PHONE.search(text)
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else None


def _dob(text: str) -> str | None:
    if m := ISO_DATE.search(text):
        return m.group(1)
    if m := WORDY_DATE.search(text):
        for fmt in ("%B %d, %Y", "%B %d %Y", "%b %d, %Y", "%m/%d/%Y"):
            try:
                return datetime.strptime(m.group(1), fmt).date().isoformat()
            except ValueError:
                continue
    return None


def detect_intent(text: str) -> str | None:
    """The first intent whose keywords appear in the text (see INTENTS for the order)."""
    low = text.lower()
    return next((name for name, pattern in INTENTS if pattern.search(low)), None)


def _money(x: float) -> str:
    return f"${x:.2f}"


class TelecomAgent:
    """Deterministic telecom agent; one instance serves many conversations."""

    tool_retries = 1

    async def respond(self, st: TelecomDialogue, text: str, tools: ToolClient) -> AgentReply:
        try:
            return await self._respond(st, text, tools)
        except _Transfer as t:
            await tools("transfer_to_human_agents", {"summary": t.summary})
            st.ended = True
            return AgentReply(text="I'm transferring you to a human agent. " + TRANSFER_MESSAGE,
                              end=True, handoff=True)

    # ----------------------------------------------------------------- plumbing

    async def _tool(self, tools: ToolClient, name: str, **arguments: Any) -> ToolOutcome:
        out = ToolOutcome(ok=False)
        for _ in range(self.tool_retries + 1):
            out = await tools(name, arguments)
            if not out.fault:
                return out
        raise _Transfer(f"backend failure on {name}: {out.error}")

    def _read(self, st: TelecomDialogue, text: str) -> None:
        if m := CUSTOMER_ID.search(text):
            st.customer_id = m.group(1).upper()
        st.phone = _phone(text) or st.phone
        st.dob = _dob(text) or st.dob
        if m := NAME.search(text):
            st.full_name = m.group(1).rstrip(".")
        gb = GB.search(text) or (NUMBER.search(PHONE.sub(" ", text)) if st.asked == "gb" else None)
        if gb:
            st.gb = float(gb.group(1))
        if st.asked == "reason" and st.reason is None:
            st.reason = text.strip()[:200] or "customer request"

    # ----------------------------------------------------------------- the policy

    async def _respond(self, st: TelecomDialogue, text: str, tools: ToolClient) -> AgentReply:
        if st.ended:
            return AgentReply(text="This conversation has ended. Goodbye!", end=True)
        new = detect_intent(text)
        if new == "human":
            raise _Transfer(f"customer asked for a human agent: {text[:200]}")
        if st.intent and new not in (None, st.intent) and CHANGE.search(text):
            self._finish(st, done=False)  # the customer changed their request
        self._read(st, text)
        asked, st.asked = st.asked, None
        if st.pending:
            pending, st.pending = st.pending, None
            yes, no = YES.search(text), NO.search(text)
            if no and (yes is None or no.start() < yes.start()):
                self._finish(st, done=False)
                return AgentReply(text=f"Understood, I won't make any changes. {ANYTHING_ELSE}")
            if yes:
                return await self._act(st, tools, pending)
            st.pending = pending
            return AgentReply(text="Sorry, I need a clear yes or no. Shall I go ahead? (yes/no)")
        if st.intent is None:
            intent = new
            if intent == "out_of_scope":
                raise _Transfer(f"request outside the agent's tools: {text[:200]}")
            if intent is None or intent in st.completed:
                if DONE.search(text) or (st.completed and NO.search(text)):
                    st.ended = True
                    return AgentReply(text="Thank you for contacting us. Have a great day!",
                                      end=True)
                st.unclear += 1
                if st.unclear > 2:
                    raise _Transfer(f"could not understand the customer's request: {text[:200]}")
                return AgentReply(text="How can I help you today? I can suspend or resume a line, "
                                       "help you pay an overdue bill, refuel data, or turn "
                                       "roaming on or off.")
            st.intent = intent
        if st.customer is None:
            reply = await self._identify(st, tools, asked)
            if reply is not None:
                return reply
        if st.intent in LINE_INTENTS and st.line is None:
            reply = await self._find_line(st, tools, asked)
            if reply is not None:
                return reply
        return await self._advance(st, tools)

    async def _identify(self, st: TelecomDialogue, tools: ToolClient,
                        asked: str | None) -> AgentReply | None:
        out: ToolOutcome | None = None
        if st.customer_id:
            out = await self._tool(tools, "get_customer_by_id", customer_id=st.customer_id)
            st.customer_id = None
        elif st.phone:
            out = await self._tool(tools, "get_customer_by_phone", phone_number=st.phone)
            if not out.ok:
                st.phone = None
        elif st.full_name and st.dob:
            out = await self._tool(tools, "get_customer_by_name", full_name=st.full_name,
                                   dob=st.dob)
            if out.ok and isinstance(out.value, list) and len(out.value) == 1:
                out = ToolOutcome(ok=True, value=out.value[0])
            else:
                out = ToolOutcome(ok=False, error="no single match")
            st.full_name = st.dob = None
        elif st.full_name or st.dob:
            st.asked = "name"
            return AgentReply(text="Could you please provide both your full name and your date "
                                   "of birth?")
        if out is not None and out.ok and isinstance(out.value, dict):
            st.customer = out.value
            return None
        if out is not None:
            st.lookup_failures += 1
            if st.lookup_failures >= 3:
                raise _Transfer("the customer could not be identified")
            st.asked = "name"
            return AgentReply(text="I couldn't find an account with that information. Could you "
                                   "please provide your full name and date of birth?")
        if asked == "identity":  # they could not give either: the other way to look them up
            st.asked = "name"
            return AgentReply(text="No problem. Could you please provide your full name and your "
                                   "date of birth instead?")
        st.asked = "identity"
        return AgentReply(text="I can help with that. To look up your account, could you please "
                               "provide your phone number or your customer ID?")

    async def _find_line(self, st: TelecomDialogue, tools: ToolClient,
                         asked: str | None) -> AgentReply | None:
        assert st.customer is not None
        if st.phone:
            wanted = re.sub(r"\D", "", st.phone)
            for line_id in st.customer.get("line_ids", []):
                if line_id not in st.lines_seen:
                    out = await self._tool(tools, "get_details_by_id", id=line_id)
                    if not out.ok:
                        continue
                    st.lines_seen[line_id] = out.value
                line = st.lines_seen[line_id]
                if re.sub(r"\D", "", str(line.get("phone_number", ""))) == wanted:
                    st.line = line
                    return None
            if asked == "line":
                st.phone = None
                st.asked = "line"
                return AgentReply(text="I couldn't find a line with that number on your account. "
                                       "Could you please provide the phone number of the line?")
        st.phone = None
        st.asked = "line"
        return AgentReply(text="Which line is this about? Could you please provide the phone "
                               "number of the line?")

    async def _advance(self, st: TelecomDialogue, tools: ToolClient) -> AgentReply:
        intent = st.intent
        line = st.line or {}
        number = line.get("phone_number", "")
        if intent == "suspend_line":
            if line.get("status") != "Active":
                return self._cannot(st, f"the line {number} is {line.get('status')}, and only "
                                        "active lines can be suspended")
            if st.reason is None:
                st.asked = "reason"
                return AgentReply(text="Could you please tell me the reason for the suspension?")
            return self._confirm(st, f"I can suspend the line {number}. While it is suspended "
                                     "a $5/month holding fee applies, for at most 6 months.")
        if intent == "resume_line":
            if line.get("status") not in ("Suspended", "Pending Activation"):
                return self._cannot(st, f"the line {number} is {line.get('status')}, not "
                                        "suspended")
            if str(line.get("contract_end_date", "9999")) < TODAY.isoformat():
                return self._cannot(st, f"the contract of the line {number} ended on "
                                        f"{line['contract_end_date']}, so the suspension cannot "
                                        "be lifted")
            overdue = await self._overdue_bills(st, tools)
            if overdue:
                return self._cannot(st, f"bill {overdue[0]['bill_id']} "
                                        f"({_money(overdue[0]['total_due'])}) is overdue; the "
                                        "suspension can be lifted once all overdue bills are "
                                        "paid, and I can help you pay it")
            return self._confirm(st, f"You have no overdue bills, so I can resume the line "
                                     f"{number}.")
        if intent == "pay_overdue_bill":
            overdue = await self._overdue_bills(st, tools)
            if not overdue:
                return self._cannot(st, "there is no overdue bill on your account")
            st.bill = overdue[0]
            b = st.bill
            return self._confirm(st, f"Your bill {b['bill_id']} of {_money(b['total_due'])} (due "
                                     f"{b['due_date']}) is overdue. I can send you a payment "
                                     f"request for {_money(b['total_due'])}.")
        if intent == "refuel_data":
            return await self._refuel(st, tools, number)
        if intent in ("enable_roaming", "disable_roaming"):
            on = intent == "enable_roaming"
            if bool(line.get("roaming_enabled")) == on:
                self._finish(st)
                return AgentReply(text=f"Roaming has already been {'enabled' if on else 'disabled'}"
                                       f" on your line {number}. {ANYTHING_ELSE}")
            return self._confirm(st, f"I can {'enable' if on else 'disable'} international roaming"
                                     f" on the line {number}{' at no cost' if on else ''}.")
        return self._cannot(st, "I did not understand the request")

    async def _refuel(self, st: TelecomDialogue, tools: ToolClient, number: str) -> AgentReply:
        assert st.customer is not None and st.line is not None
        if st.gb is not None and st.gb > MAX_REFUEL_GB:
            st.gb = None
            st.asked = "gb"
            return AgentReply(text="I'm sorry, at most 2 GB of data can be refueled. How much data "
                                   "would you like to add, up to 2 GB?")
        if st.gb is None or st.gb <= 0:
            usage = await self._tool(tools, "get_data_usage", customer_id=st.customer["customer_id"],
                                     line_id=st.line["line_id"])
            st.asked = "gb"
            used = (f"The line {number} has used {usage.value['data_used_gb']} GB of its "
                    f"{usage.value['data_limit_gb']} GB limit. ") if usage.ok else ""
            return AgentReply(text=f"{used}How much data would you like to add? You can add up "
                                   "to 2 GB.")
        plan = await self._tool(tools, "get_details_by_id", id=st.line["plan_id"])
        if not plan.ok:
            return self._cannot(st, f"I could not read the plan of the line ({plan.error})")
        price = float(plan.value["data_refueling_price_per_gb"])
        return self._confirm(st, f"Adding {st.gb:g} GB to the line {number} costs "
                                 f"{_money(st.gb * price)} ({_money(price)} per GB on the "
                                 f"{plan.value['name']}), charged to your next bill.")

    async def _overdue_bills(self, st: TelecomDialogue, tools: ToolClient) -> list[dict[str, Any]]:
        assert st.customer is not None
        out = await self._tool(tools, "get_bills_for_customer",
                               customer_id=st.customer["customer_id"])
        bills = out.value if out.ok and isinstance(out.value, list) else []
        return [b for b in bills if b.get("status") == "Overdue"]

    def _confirm(self, st: TelecomDialogue, what: str) -> AgentReply:
        st.pending = "act"
        return AgentReply(text=f"{what} Shall I go ahead? (yes/no)")

    def _cannot(self, st: TelecomDialogue, why: str) -> AgentReply:
        self._finish(st, done=False)
        return AgentReply(text=f"I'm sorry, I can't do that: {why}. {ANYTHING_ELSE}")

    def _finish(self, st: TelecomDialogue, done: bool = True) -> None:
        if done and st.intent:
            st.completed.append(st.intent)
        st.intent, st.line, st.gb, st.reason, st.bill, st.pending = None, None, None, None, None, None

    async def _act(self, st: TelecomDialogue, tools: ToolClient, pending: str) -> AgentReply:
        assert st.customer is not None
        cid = st.customer["customer_id"]
        intent, line = st.intent, st.line or {}
        number, line_id = line.get("phone_number", ""), line.get("line_id", "")
        if intent == "pay_overdue_bill" and st.bill is not None:
            bill_id, amount = st.bill["bill_id"], _money(st.bill["total_due"])
            if pending == "act":
                out = await self._tool(tools, "send_payment_request", customer_id=cid,
                                       bill_id=bill_id)
                if not out.ok:
                    return self._cannot(st, f"the payment request failed ({out.error})")
                st.pending = "accept_payment"
                return AgentReply(text=f"I've sent you a payment request for bill {bill_id}. Do "
                                       f"you accept the payment request of {amount}? (yes/no)")
            out = await self._tool(tools, "make_payment", customer_id=cid, bill_id=bill_id)
            if not out.ok:
                return self._cannot(st, f"the payment failed ({out.error})")
            check = await self._tool(tools, "get_details_by_id", id=bill_id)
            if not (check.ok and check.value.get("status") == "Paid"):
                raise _Transfer(f"payment of bill {bill_id} made but the bill is not marked paid")
            self._finish(st)
            return AgentReply(text=f"Your payment of {amount} went through successfully: bill "
                                   f"{bill_id} is now paid. {ANYTHING_ELSE}")
        if intent == "suspend_line":
            out = await self._tool(tools, "suspend_line", customer_id=cid, line_id=line_id,
                                   reason=st.reason or "customer request")
            done = (f"Your line {number} has been suspended. A $5/month holding fee will "
                    "apply while it is suspended.")
        elif intent == "resume_line":
            out = await self._tool(tools, "resume_line", customer_id=cid, line_id=line_id)
            done = (f"Your line {number} has been resumed. Please reboot your device to get "
                    "service back.")
        elif intent == "refuel_data":
            out = await self._tool(tools, "refuel_data", customer_id=cid, line_id=line_id,
                                   gb_amount=st.gb or 0.0)
            charge = out.value.get("charge", 0.0) if out.ok and isinstance(out.value, dict) else 0
            done = f"I've added {st.gb or 0:g} GB of data to the line {number} for {_money(charge)}."
        elif intent in ("enable_roaming", "disable_roaming"):
            out = await self._tool(tools, intent, customer_id=cid, line_id=line_id)
            word = "enabled" if intent == "enable_roaming" else "disabled"
            done = f"Roaming has been {word} on your line {number}."
        else:
            return AgentReply(text=ANYTHING_ELSE)
        if not out.ok:
            return self._cannot(st, f"the system refused the change ({out.error})")
        self._finish(st)
        return AgentReply(text=f"{done} {ANYTHING_ELSE}")


def make() -> tuple[TelecomAgent, type[TelecomDialogue]]:
    """The scripted agent and its per-conversation state factory (for the python connector)."""
    return TelecomAgent(), TelecomDialogue
