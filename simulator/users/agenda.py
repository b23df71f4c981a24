"""Agenda-based user simulator (offline default, no LLM).

The customer holds an agenda from the scenario (its goal and the slots it
knows) and reacts to what the agent asks: identity, order id, reason, items,
address, confirmation; it recognises success, refusals and transfers. Persona
traits drive verbosity, patience (how often a repeated question is tolerated),
cooperation (answering exactly what is asked) and emotion. Utterances come from
a small template bank (`templates.py`) re-filled with the persona's values.
"""

from __future__ import annotations

import numpy as np

from simulator.acts import classify
from simulator.protocols import UserReply
from simulator.records import ConversationSpec
from simulator.registry import user_simulator
from simulator.users import templates as T


class AgendaUser:
    """Scripted customer for one conversation spec; deterministic for the spec's seed."""

    def __init__(self, spec: ConversationSpec) -> None:
        self.scenario = spec.scenario
        self.persona = spec.persona
        self.traits = spec.persona.traits
        self.slots = spec.scenario.slots
        self.rng = np.random.default_rng([spec.seed, 0xA6E])
        self.goal_done = False
        self.asks: dict[str, int] = {}
        self.asked_for_human = False
        self.wrong_pending = bool(self.slots.get("wrong_info_first"))
        self.switch_pending = self.slots.get("change_from")
        self.order_unknown = bool(self.slots.get("order_unknown"))
        self._outcome: str | None = None

    @property
    def outcome(self) -> str | None:
        return self._outcome

    def _pick(self, options: list[str]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def _fill(self, template: str) -> str:
        ident = self.persona.identity
        address = self.slots.get("new_address") or {}
        values = {
            "email": ident.email, "first": ident.first_name, "last": ident.last_name,
            "zip": ident.zip, "order_id": self.slots.get("order_id", ""),
            "items": " and the ".join(self.slots.get("item_names") or self._order_items()),
            "address": (f"{address.get('address1', '')}, {address.get('city', '')}, "
                        f"{address.get('state', '')} {address.get('zip', '')}"),
            "request": self.slots.get("request", ""),
        }
        return template.format(**values)

    def _order_items(self) -> list[str]:
        order = self.scenario.initial_state.get("orders", {}).get(self.slots.get("order_id"), {})
        return sorted({i["name"] for i in order.get("items", [])})[:2] or ["order"]

    def _say(self, key: str) -> str:
        """An utterance for a dialogue act: the persona's mined ones first, else templates."""
        options = self.persona.utterances.get(key) or T.BANK[key]
        if self.slots.get("order_unknown"):  # a customer who lacks the order id never says it
            options = [o for o in options if "{order_id}" not in o] or [
                o for o in T.BANK[key] if "{order_id}" not in o] or options
        return self._fill(self._pick(options))

    def _identity(self) -> str:
        key = "identity_email" if self.slots.get("auth_method") == "email" else "identity_name_zip"
        return self._say(key)

    def _reason(self) -> str:
        return self._say("reason_no_longer" if self.slots.get("reason") == "no longer needed"
                         else "reason_mistake")

    def _mistype(self, text: str) -> str:
        """Swap two digits of the first number, or two letters of the email's local part."""
        ident = self.persona.identity
        for value in (self.slots.get("order_id", ""), ident.zip, ident.email):
            if value and value in text:
                chars = list(value)
                idx = [i for i, c in enumerate(chars) if c.isalnum()][1:]
                i = idx[int(self.rng.integers(len(idx) - 1))]
                if chars[i] == chars[i + 1]:
                    chars[i] = "7" if chars[i].isdigit() and chars[i] != "7" else "x"
                else:
                    chars[i], chars[i + 1] = chars[i + 1], chars[i]
                return text.replace(value, "".join(chars), 1)
        return text

    def _end(self, text: str, outcome: str) -> UserReply:
        self._outcome = outcome
        return UserReply(text=text, end=True)

    async def opening(self) -> UserReply:
        intent = self.scenario.intent
        parts = []
        if self.traits.emotion != "calm":
            parts.append(self._say(f"mood_{self.traits.emotion}"))
        parts.append(self._say(f"open_{self.switch_pending or intent}"))
        if intent != "out_of_scope" and self.rng.random() < self.traits.upfront_info_rate:
            parts.append(self._identity())
        if self.rng.random() < self.traits.verbosity * 0.6:
            parts.append(self._say("chatter"))
        return UserReply(text=" ".join(parts))

    async def respond(self, agent_text: str) -> UserReply:
        act = classify(agent_text)
        if act == "transfer":
            return self._end("Okay, I'll wait.", "transferred")
        if act == "farewell":
            return self._end("Bye.", "completed" if self.goal_done else "abandoned")
        if act == "success":
            self.goal_done = True
            return self._end(self._say("thanks_done"), "completed")
        if self.goal_done and act == "anything_else":
            return self._end(self._say("thanks_done"), "completed")

        if self.switch_pending:
            # Edge case: the customer changes their request after the agent's first answer.
            self.switch_pending = None
            return UserReply(text=self._say("change_mind") + " " + self._say(
                f"open_{self.scenario.intent}"))
        if act == "ask_order" and self.order_unknown:
            if "found these orders" in agent_text.lower():
                self.order_unknown = False
                return UserReply(text=self._say("order_by_items"))
            self.asks[act] = self.asks.get(act, 0) + 1
            if self.asks[act] > self.traits.patience:
                return self._end(self._say("give_up"), "abandoned")
            return UserReply(text=self._say("order_unknown"))
        self.asks[act] = self.asks.get(act, 0) + 1
        if self.asks[act] > self.traits.patience:
            return self._end(self._say("give_up"), "abandoned")
        if (act.startswith("ask_") and self.asks[act] == 1
                and self.rng.random() > self.traits.cooperativeness):
            return UserReply(text=self._say("uncooperative"))

        if act == "confirm":
            return UserReply(text=self._say("yes"))
        if act in ("ask_identity", "ask_order") and self.wrong_pending:
            # Edge case: the customer first gives a slightly wrong value (a typo'd email,
            # a transposed order number), then corrects it when the agent cannot find it.
            self.wrong_pending = False
            right = self._identity() if act == "ask_identity" else self._say("order_id")
            return UserReply(text=self._mistype(right))
        if act in ("ask_identity", "auth_failed"):
            return UserReply(text=self._identity())
        if act == "ask_order":
            return UserReply(text=self._say("order_id"))
        if act == "ask_reason":
            return UserReply(text=self._reason())
        if act == "ask_items":
            return UserReply(text=self._say("items"))
        if act == "ask_address":
            if not self.slots.get("new_address"):  # the agent misunderstood the request
                return UserReply(text=self._say("not_that") + " " + self._say(
                    f"open_{self.scenario.intent}"))
            return UserReply(text=self._say("address"))
        if act == "refusal":
            if not self.asked_for_human:
                self.asked_for_human = True
                return UserReply(text=self._say("ask_human"))
            return self._end(self._say("give_up"), "abandoned")
        if act == "anything_else":
            return UserReply(text=self._say(f"open_{self.scenario.intent}"))
        return UserReply(text=self._say("confused"))


@user_simulator("agenda")
def make_agenda_user(spec: ConversationSpec) -> AgendaUser:
    return AgendaUser(spec)
