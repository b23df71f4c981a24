"""The reference agent's dialogue policy: deterministic, configured per version.

A small retail customer-service agent that follows (or, per its version's YAML,
fails to follow) the retail policy: authenticate before account actions, state
the required disclosure, ask for explicit confirmation before a consequential
action, transfer to a human when out of scope. It reaches its tools through a
`ToolClient`, so it runs in-process or behind HTTP unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from convsim.core.protocols import ToolClient, ToolOutcome, parse_tool_body
from convsim.core.records import AgentReply

__all__ = ["DialogueState", "ReferenceAgent", "ReferenceAgentConfig", "ToolClient", "ToolOutcome",
           "load_agent_config", "parse_tool_body"]
from convsim.domains.retail.agent import nlu

Intent = Literal["cancel_order", "return_items", "update_address", "order_status"]
ACTION_INTENTS: tuple[Intent, ...] = ("cancel_order", "return_items", "update_address")
ALL_INTENTS: tuple[Intent, ...] = (*ACTION_INTENTS, "order_status")


class ReferenceAgentConfig(BaseModel):
    """Behaviour of one version of the reference agent (configs/agents/*.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    """Agent version label, e.g. v1."""
    description: str = ""
    """What changed in this version, in words."""
    authenticate_before: list[Intent] = Field(default_factory=lambda: list(ALL_INTENTS))
    """Intents for which the customer is authenticated first."""
    disclosures: dict[Intent, str] = Field(default_factory=dict)
    """Statement the agent makes before acting, per intent."""
    confirm_before: list[Intent] = Field(default_factory=lambda: list(ACTION_INTENTS))
    """Intents whose action waits for an explicit yes."""
    transfer_out_of_scope: bool = True
    """Transfer to a human when the request is outside the agent's actions."""
    out_of_scope_keywords: list[str] = Field(default_factory=lambda: [
        "price match", "price adjustment", "coupon", "discount", "complaint", "damaged",
        "warranty", "loyalty", "gift wrap", "express shipping"])
    """Phrases that mark a request the agent cannot handle."""
    tool_retries: int = Field(1, ge=0)
    """Retries after a failed tool call before giving up and transferring."""
    understands_speech: bool = True
    """Reads identifiers as a speech recogniser writes them (spoken emails and numbers)."""
    transfer_message: str = "YOU ARE BEING TRANSFERRED TO A HUMAN AGENT. PLEASE HOLD ON."
    # Defect knobs: the default is the policy-following behaviour; each True/False flip
    # seeds one defect the evaluators must catch (tests/evaluators/test_defects.py).
    transfer_at_first_hurdle: bool = False
    """Defect: transfer to a human at the first hurdle (a failed tool call, an identity lookup
    that found no one, an order it cannot find, a message it does not understand, a request
    it must refuse) instead of retrying or asking again."""
    claims_success_after_failure: bool = False
    """Defect: when the tool carrying out the change fails (an error or a backend fault), tell
    the customer it is done anyway."""
    checks_verification: bool = True
    """Acts only once the identity lookup found the customer; false (a defect) takes a failed
    lookup as verified and carries on."""


def load_agent_config(path: str | Path) -> ReferenceAgentConfig:
    """Load and validate an agent version YAML (errors name the file and field)."""
    from convsim.core.yaml_files import load_model

    return load_model(path, ReferenceAgentConfig)


class DialogueState(BaseModel):
    """What the agent remembers about one conversation."""

    user_id: str | None = None
    intent: str | None = None
    order_id: str | None = None
    order: dict[str, Any] | None = None
    reason: str | None = None
    item_ids: list[str] = Field(default_factory=list)
    address: dict[str, str] | None = None
    email: str | None = None
    name_zip: tuple[str, str, str] | None = None
    awaiting_confirmation: bool = False
    auth_failures: int = 0
    completed: list[str] = Field(default_factory=list)
    unclear: int = 0
    ended: bool = False
    order_unknown: bool = False
    """The customer does not know the order id: find it from their account."""
    listed_orders: dict[str, list[str]] = Field(default_factory=dict)
    """Orders shown to the customer (id -> item names), to pick one by its items."""
    said: list[str] = Field(default_factory=list)
    """The customer's messages so far (items may be named before the order is known)."""


class _Transfer(Exception):
    def __init__(self, summary: str) -> None:
        self.summary = summary


class ReferenceAgent:
    """Deterministic retail agent; one instance serves many conversations."""

    def __init__(self, config: ReferenceAgentConfig) -> None:
        self.config = config

    async def respond(self, st: DialogueState, text: str, tools: ToolClient) -> AgentReply:
        if self.config.understands_speech:
            text = nlu.from_speech(text)
        try:
            return await self._respond(st, text, tools)
        except _Transfer as t:
            return await self._transfer(st, t.summary, tools)

    # ----------------------------------------------------------------- plumbing

    async def _tool(self, tools: ToolClient, name: str, **arguments: Any) -> ToolOutcome:
        retries = 0 if self.config.transfer_at_first_hurdle else self.config.tool_retries
        for _ in range(retries + 1):
            out = await tools(name, arguments)
            if not out.fault:
                return out
        raise _Transfer(f"backend failure on {name}: {out.error}")

    async def _transfer(self, st: DialogueState, summary: str, tools: ToolClient) -> AgentReply:
        # What the human picking it up needs: the request, who the customer is, what was done.
        note = (f"{summary}. Request: {(st.intent or 'unclear').replace('_', ' ')}"
                + (f" (order {st.order_id})" if st.order_id else "")
                + f". Identity verified: {'yes, user ' + st.user_id if st.user_id else 'no'}."
                + f" Tried: {', '.join(st.completed) if st.completed else 'nothing completed'}.")
        await tools("transfer_to_human_agents", {"summary": note})
        st.ended = True
        return AgentReply(text=self.config.transfer_message, end=True, handoff=True)

    def _read(self, st: DialogueState, text: str) -> None:
        st.said.append(text)
        st.email = nlu.find_email(text) or st.email
        st.name_zip = nlu.find_name_zip(text) or st.name_zip
        st.order_id = nlu.find_order_id(text) or st.order_id
        st.reason = nlu.find_reason(text) or st.reason
        st.address = nlu.find_address(text) or st.address
        if st.order_id is None and nlu.doesnt_know(text):
            st.order_unknown = True
        if st.order_id is None and st.listed_orders:
            low = text.lower()
            hits = [o for o, names in st.listed_orders.items()
                    if any(n.lower() in low for n in names)]
            if len(hits) == 1:
                st.order_id = hits[0]

    # ----------------------------------------------------------------- policy

    async def _respond(self, st: DialogueState, text: str, tools: ToolClient) -> AgentReply:
        self._read(st, text)
        if st.awaiting_confirmation:
            st.awaiting_confirmation = False
            if nlu.is_yes(text):
                return await self._act(st, tools)
            if nlu.is_no(text):
                st.intent = None
                return AgentReply(text="Understood, I will not make that change. "
                                       "Is there anything else I can help you with?")
            st.awaiting_confirmation = True
            return AgentReply(text="Sorry, I need an explicit yes or no: shall I proceed?")

        intent = nlu.find_intent(text, self.config.out_of_scope_keywords)
        if intent == "human" or (intent == "out_of_scope" and self.config.transfer_out_of_scope):
            raise _Transfer(f"customer request outside the agent's scope: {text[:200]}")
        if intent == "out_of_scope":
            return AgentReply(text="I'm afraid I can't help with that. "
                                   "Is there anything else I can do for you?")
        if intent is not None and intent != st.intent and intent not in st.completed:
            st.intent = intent
        if st.intent is None:
            if st.completed and nlu.is_done(text):
                st.ended = True
                return AgentReply(text="Thank you for contacting us. Have a great day!", end=True)
            st.unclear += 1
            if st.unclear > (0 if self.config.transfer_at_first_hurdle else 2):
                raise _Transfer("could not understand the customer's request")
            return AgentReply(text="How can I help you today? I can cancel or return orders, "
                                   "update your address, or check an order's status.")

        if st.intent in self.config.authenticate_before and st.user_id is None:
            reply = await self._authenticate(st, tools)
            if reply is not None:
                return reply
        return await self._advance(st, tools)

    async def _authenticate(self, st: DialogueState, tools: ToolClient) -> AgentReply | None:
        out: ToolOutcome | None = None
        try:
            if st.email:
                st.email, email = None, st.email
                out = await self._tool(tools, "find_user_id_by_email", email=email)
            elif st.name_zip:
                (first, last, zip_), st.name_zip = st.name_zip, None
                out = await self._tool(tools, "find_user_id_by_name_zip", first_name=first,
                                       last_name=last, zip=zip_)
        except _Transfer:
            if self.config.checks_verification:
                raise
            out = ToolOutcome(ok=False, error="backend failure", fault=True)
        if out is not None and out.ok:
            st.user_id = str(out.value)
            return None
        if out is not None and not self.config.checks_verification:
            st.user_id = ""  # the defect: carries on as if the lookup had found the customer
            return None
        if out is not None:
            st.auth_failures += 1
            if st.auth_failures >= (1 if self.config.transfer_at_first_hurdle else 3):
                raise _Transfer("customer could not be authenticated")
            return AgentReply(text="I couldn't find an account with those details. Could you "
                                   "check your email address, or give me your full name and "
                                   "zip code?")
        return AgentReply(text="Before I can help, I need to verify your identity. Could you "
                               "please provide your email address, or your full name and "
                               "zip code?")

    async def _advance(self, st: DialogueState, tools: ToolClient) -> AgentReply:
        if st.intent == "update_address":
            if st.address is None:
                return AgentReply(text="What is the new address? Please give street, city, "
                                       "state and zip code.")
            return await self._confirm(st, "update your default address to "
                                       f"{st.address['address1']}, {st.address['city']}, "
                                       f"{st.address['state']} {st.address['zip']}", tools)
        if st.order_id is None and st.order_unknown:
            return await self._find_order(st, tools)
        if st.order_id is None:
            return AgentReply(text="Could you tell me the order id? It starts with #W.")
        if st.order is None or st.order.get("order_id") != st.order_id:
            out = await self._tool(tools, "get_order_details", order_id=st.order_id)
            if not out.ok:
                st.order_id = None
                if self.config.transfer_at_first_hurdle:
                    raise _Transfer(f"order not found: {out.error}")
                return AgentReply(text="I couldn't find that order. Could you double-check the "
                                       "order id?")
            st.order = out.value
            if st.user_id and st.order.get("user_id") != st.user_id:
                st.order, st.order_id = None, None
                return AgentReply(text="That order is not on your account, so I can't act on "
                                       "it. Could you check the order id?")
        order = st.order
        assert order is not None
        status = order["status"]
        if st.intent == "order_status":
            st.completed.append("order_status")
            st.intent = None
            tracking = [t for f in order.get("fulfillments", []) for t in f.get("tracking_id", [])]
            extra = f" Tracking number: {tracking[0]}." if tracking else ""
            return AgentReply(text=f"The status of order {st.order_id} is {status}.{extra} "
                                   "Is there anything else I can help you with?")
        if st.intent == "cancel_order":
            if status != "pending":
                return self._cannot(st, f"order {st.order_id} is {status}, and only pending "
                                        "orders can be cancelled")
            if st.reason is None:
                return AgentReply(text="What is the reason for the cancellation: "
                                       "'no longer needed' or 'ordered by mistake'?")
            return await self._confirm(st, f"cancel order {st.order_id} (reason: {st.reason})",
                                       tools)
        # return_items
        if status != "delivered":
            return self._cannot(st, f"order {st.order_id} is {status}, and only delivered "
                                    "orders can be returned")
        self.select_items(st, " ".join(st.said))
        if not st.item_ids:
            return AgentReply(text="Which items would you like to return? The order has: "
                                   + ", ".join(i["name"] for i in order["items"]) + ".")
        names = [i["name"] for i in order["items"] if i["item_id"] in st.item_ids]
        return await self._confirm(st, f"return {', '.join(names)} from order {st.order_id}, "
                                       "refunded to the original payment method", tools)

    async def _find_order(self, st: DialogueState, tools: ToolClient) -> AgentReply:
        """The customer does not know the order id: list the orders on their account."""
        if st.user_id is None:
            reply = await self._authenticate(st, tools)
            if reply is not None:
                return reply
        if not st.listed_orders:
            user = await self._tool(tools, "get_user_details", user_id=st.user_id)
            for order_id in (user.value or {}).get("orders", []) if user.ok else []:
                order = await self._tool(tools, "get_order_details", order_id=order_id)
                if order.ok:
                    st.listed_orders[order_id] = [i["name"] for i in order.value["items"]]
            if not st.listed_orders:
                raise _Transfer("could not find the customer's orders")
        listing = "; ".join(f"{o} ({', '.join(names)})" for o, names in st.listed_orders.items())
        return AgentReply(text=f"I found these orders on your account: {listing}. "
                               "Which order is it?")

    def select_items(self, st: DialogueState, text: str) -> None:
        """Pick the order's items named in the text ('all' picks every item)."""
        if st.order is None or st.item_ids:
            return
        low = text.lower()
        items = st.order["items"]
        chosen = [i["item_id"] for i in items
                  if "all" in low.split() or "everything" in low or i["name"].lower() in low]
        if chosen:
            st.item_ids = chosen

    def _cannot(self, st: DialogueState, why: str) -> AgentReply:
        if self.config.transfer_at_first_hurdle:
            raise _Transfer(f"could not serve the request: {why}")
        st.intent = None
        return AgentReply(text=f"I'm sorry, I can't do that: {why}. "
                               "Is there anything else I can help you with?")

    async def _confirm(self, st: DialogueState, action: str, tools: ToolClient) -> AgentReply:
        intent = st.intent
        assert intent is not None
        disclosure = self.config.disclosures.get(intent)  # type: ignore[call-overload]
        if intent not in self.config.confirm_before:
            # No yes awaited: state the action and carry it out in the same reply.
            done = await self._act(st, tools)
            return AgentReply(text=(disclosure + " " if disclosure else "")
                                   + f"I will {action} now. {done.text}")
        st.awaiting_confirmation = True
        text = f"To confirm: I will {action}."
        if disclosure:
            text += f" {disclosure}"
        return AgentReply(text=text + " Do you want me to proceed (yes/no)?")

    async def _act(self, st: DialogueState, tools: ToolClient) -> AgentReply:
        try:
            return await self._act_on(st, tools)
        except _Transfer:
            if not self.config.claims_success_after_failure:
                raise
            return self._done(st, {"cancel_order": f"Your order {st.order_id} has been cancelled.",
                                   "return_items": f"The return for order {st.order_id} has been "
                                                   "requested.",
                                   "update_address": "Your default address has been updated."}
                              .get(st.intent or "", "It has been done."))

    def _done(self, st: DialogueState, done: str) -> AgentReply:
        if st.intent:
            st.completed.append(st.intent)
        st.intent, st.order, st.item_ids, st.reason = None, None, [], None
        return AgentReply(text=f"{done} Is there anything else I can help you with?")

    async def _act_on(self, st: DialogueState, tools: ToolClient) -> AgentReply:
        intent = st.intent
        if intent == "cancel_order":
            out = await self._tool(tools, "cancel_pending_order", order_id=st.order_id,
                                   reason=st.reason)
            done = f"Your order {st.order_id} has been cancelled."
        elif intent == "return_items":
            assert st.order is not None
            payment = st.order["payment_history"][0]["payment_method_id"]
            out = await self._tool(tools, "return_delivered_order_items", order_id=st.order_id,
                                   item_ids=st.item_ids, payment_method_id=payment)
            done = f"The return for order {st.order_id} has been requested."
        elif intent == "update_address":
            assert st.address is not None
            out = await self._tool(tools, "modify_user_address", user_id=st.user_id or "",
                                   **st.address)
            done = "Your default address has been updated."
        else:
            return AgentReply(text="Is there anything else I can help you with?")
        if not out.ok and not self.config.claims_success_after_failure:
            return self._cannot(st, f"the system refused the change ({out.error})")
        return self._done(st, done)
