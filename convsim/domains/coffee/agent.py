"""A small scripted coffee-bar agent, for tests and demos of the `coffee` pack.

`make()` returns `(agent, new_state)` for the `python` connector. The agent
reads the drink and its options from what the customer says (words of the
pack's slot vocabulary), asks for what it still needs (the drink; the milk of a
milk drink, once), then does what the Taskmaster-4 baristas did: look the drink
up, look up add-ons when there are options, add the item, show the order, and
finish it after a yes. A tool error gets one retry, then a hand-off.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from convsim.core.packs.model import Domain
from convsim.core.protocols import ToolClient, ToolOutcome
from convsim.core.records import AgentReply

DRINKS = ("americano", "cappuccino", "chai latte", "cortado", "espresso", "flat white",
          "hot chocolate", "latte", "macchiato", "matcha latte", "mocha", "tea", "cold brew")
MILK_DRINKS = ("cappuccino", "chai latte", "cortado", "flat white", "latte", "macchiato",
               "matcha latte", "mocha", "hot chocolate")
MILKS = {"oat": "Oat Milk", "almond": "Almond Milk", "2%": "2% Milk", "whole": "Whole Milk",
         "non-fat": "Non-Fat Milk", "non fat": "Non-Fat Milk", "nonfat": "Non-Fat Milk",
         "skim": "Non-Fat Milk", "lactose": "2% Lactose Free Milk", "soy": "Soy Milk"}
SHOTS = {"single": "Single", "double": "Double", "triple": "Triple", "quad": "Quadruple"}
ADDONS = ("caramel", "chocolate", "hazelnut", "vanilla", "sugar-free vanilla", "sugar free vanilla")
NOTES = re.compile(r"\b(?:extra (?:foam(?:y)?|hot|dark|milk|matcha|sugar)|double foam|piping hot"
                   r"|room temperature|(?:just )?a pinch of milk|light on the milk|easy milk)\b")
"""Special requests the Taskmaster baristas wrote into an item's `notes` (after looking them up
with get_addons): "extra foam", "extra hot", "room temperature", "a pinch of milk"."""
NUMBERS = {"one": 1, "two": 2, "three": 3, "a couple": 2, "1": 1, "2": 2, "3": 3}
SPELLINGS = {"cappucino": "cappuccino", "capuccino": "cappuccino", "capucino": "cappuccino",
             "cappuchino": "cappuccino", "expresso": "espresso", "machiato": "macchiato",
             "macchiatto": "macchiato", "machiatto": "macchiato", "americanno": "americano"}
"""Misspellings real Taskmaster-4 customers wrote for drinks their baristas understood."""
YES = re.compile(r"^\W*(?:yes|yeah|yep|yup|sure|correct|right|that's (?:right|correct|it)|looks good"
                 r"|perfect|ok(?:ay)?|go ahead|please do|sounds good|confirm)\b", re.IGNORECASE)
NO = re.compile(r"^\W*(?:no|nope|not quite|that's wrong|wrong|actually)\b", re.IGNORECASE)
BYE = re.compile(r"\b(?:bye|goodbye|that's all|that is all|nothing else|thanks?|thank you)\b",
                 re.IGNORECASE)


MENU_QUESTION = re.compile(r"^\W*(?:\w+[,.!]?\s+){0,3}?(?:what|which|do you|does|have you|are there"
                           r"|is there|can you (?:tell|let)|could you (?:tell|let)|how much)\b",
                           re.IGNORECASE)
"""A question about what the bar has (with a "?"): real customers' "What kinds of tea do you
have?", "Hi, do you serve honey here?"."""


def menu_answer(text: str) -> str | None:
    """What the bar has on the topic of a menu question, from the pack's menu words; None
    when the text is not one."""
    if "?" not in text or not MENU_QUESTION.search(text):
        return None
    low = text.lower()
    if "milk" in low:
        kinds = sorted({m.replace(" Milk", "").lower() for m in MILKS.values()})
        return f"We have {', '.join(kinds[:-1])} and {kinds[-1]} milk."
    if re.search(r"syrup|sweet|flavou?r|sauce|add-?ons?", low):
        return f"We have {', '.join(ADDONS[:-2])} and {ADDONS[-2]} syrups and sauces."
    if re.search(r"\btea|chai", low):
        teas = [d for d in DRINKS if "tea" in d or "chai" in d or "matcha" in d]
        return f"We have {', '.join(teas[:-1])} and {teas[-1]}."
    return f"We have {', '.join(DRINKS[:-1])} and {DRINKS[-1]}."


class CoffeeOrder(BaseModel):
    """One conversation's state: what the customer wants and where the order is."""

    stage: Literal["collect", "confirm", "done"] = "collect"
    drink: str | None = None
    quantity: int = 1
    milk: str | None = None
    caffeine: str | None = None
    hot_or_iced: str | None = None
    espresso_shots: str | None = None
    here_or_to_go: str | None = None
    addons: list[str] = Field(default_factory=list)
    notes: str | None = None
    asked: list[str] = Field(default_factory=list)
    """Slots already asked for (each at most twice: the agent never nags)."""
    order_id: str | None = None
    menu_item_id: str | None = None
    order_item_id: str | None = None
    unclear: int = 0


@cache
def _pack() -> Domain:
    from convsim.core.packs.declarative import load_domain_folder

    return load_domain_folder(Path(__file__).resolve().parent)


def _slot_words() -> dict[str, list[str]]:
    """The pack's words for its slots (how the agent names what it asks for)."""
    return _pack().vocabulary()


@cache
def _drinks() -> tuple[str, ...]:
    """Drink names: the common ones, and those the pack's scenarios order."""
    named = {" ".join(str(t.slots["drink"]).lower().split()) for t in _pack().scenarios
             if isinstance(t.slots.get("drink"), str)}
    return tuple(sorted(set(DRINKS) | {d for d in named if d and " and " not in d},
                        key=lambda d: (-len(d), d)))


def _word(slot: str) -> str:
    words = _slot_words().get(slot) or [slot.replace("_", " ")]
    return words[0]


def read_order(text: str, order: CoffeeOrder) -> None:
    """Fill the order from what the customer said (the longest drink name wins)."""
    low = " " + " ".join(text.lower().replace("-", " - ").split()) + " "
    low = low.replace(" - ", "-")
    for wrong, right in SPELLINGS.items():
        low = low.replace(wrong, right)
    for drink in _drinks():
        if re.search(rf"\b{re.escape(drink)}(?:e?s)?\b", low):
            order.drink = drink
            break
    for key, milk in MILKS.items():
        if key in low and ("milk" in low or order.drink in MILK_DRINKS or "milk" in order.asked):
            order.milk = milk
            break
    if re.search(r"\bdecaf", low):
        order.caffeine = "Decaf"
    if re.search(r"\biced?\b", low):
        order.hot_or_iced = "Iced"
    for key, shots in SHOTS.items():
        if re.search(rf"\b{key}", low):
            order.espresso_shots = shots
    if re.search(r"\bto go\b|\btake ?away\b", low):
        order.here_or_to_go = "To go"
    note = NOTES.search(low)
    if note:
        order.notes = note.group(0)
    for addon in ADDONS:
        if addon in low and addon not in order.addons and not any(addon in a for a in order.addons):
            order.addons.append(addon)
    for word, n in NUMBERS.items():
        if order.drink and re.search(rf"\b{re.escape(word)} (?:[\w%-]+ ){{0,3}}"
                                     rf"{re.escape(order.drink)}", low):
            order.quantity = n


def _summary(order: CoffeeOrder) -> str:
    options = [o for o in (order.caffeine, order.hot_or_iced, order.espresso_shots) if o]
    drink = " ".join([*(o.lower() for o in options), order.drink or "drink"])
    head = f"{order.quantity} {drink}{'s' if order.quantity > 1 else ''}"
    extras = [e for e in ([order.milk] if order.milk else []) + order.addons]
    text = head + (f" with {' and '.join(extras)}" if extras else "")
    text += f", {order.notes}" if order.notes else ""
    return text + (f", {order.here_or_to_go.lower()}" if order.here_or_to_go else "")


ATTRIBUTES = (("milk-options", "milk"), ("caffeine", "caffeine"), ("hot-or-iced", "hot_or_iced"),
              ("espresso-shots", "espresso_shots"))
"""The menu's attribute ids and the order fields they hold."""
AMENDABLE = ("quantity", "milk", "caffeine", "hot_or_iced", "espresso_shots", "here_or_to_go", "addons",
             "notes")
"""What a customer can still change at the summary (the drink itself is a new order)."""


def _attributes(order: CoffeeOrder, since: CoffeeOrder | None = None) -> list[dict[str, str]]:
    """The order's attributes (those changed since `since`, when given)."""
    return [{"attribute_id": a, "option": getattr(order, f)} for a, f in ATTRIBUTES
            if getattr(order, f) and (since is None or getattr(order, f) != getattr(since, f))]


def _first(value: Any, key: str) -> Any:
    """`value[key]`, or the first item's when the value is a list of records."""
    if isinstance(value, dict):
        inner = value.get(key)
        if isinstance(inner, list):
            return inner[0] if inner else None
        return inner
    return None


class ScriptedCoffeeAgent:
    """Deterministic coffee-bar agent; `respond` is one turn. `ask_milk=False` is the
    Taskmaster-4 baristas' way: a milk drink ordered without a milk goes on with the house
    milk (of 680 tune-part dialogs whose opening named a milk drink and no milk, the barista
    asked for the milk next in 1; `benchmarks/fidelity_datasets.py`)."""

    def __init__(self, ask_milk: bool = True) -> None:
        self.ask_milk = ask_milk

    async def _call(self, tools: ToolClient, name: str, args: dict[str, Any]) -> ToolOutcome:
        outcome = await tools(name, args)
        if not outcome.ok and outcome.fault:  # infrastructure hiccup: one retry
            outcome = await tools(name, args)
        return outcome

    def _handoff(self, tool: str, outcome: ToolOutcome) -> AgentReply:
        return AgentReply(text=f"I'm sorry, I could not complete that ({tool}: "
                               f"{outcome.error or 'no answer'}). I'm transferring you to a "
                               "barista who can help.", end=True, handoff=True)

    async def respond(self, state: CoffeeOrder, text: str, tools: ToolClient) -> AgentReply:
        if state.stage == "done":
            return AgentReply(text="You're welcome! Have a great day, goodbye.", end=True)
        if state.stage == "confirm":
            return await self._confirm(state, text, tools)
        read_order(text, state)
        if state.drink is None:
            if state.asked.count("drink") >= 2 or (BYE.search(text) and state.asked):
                return AgentReply(text="Sorry I could not help with an order today. Goodbye!",
                                  end=True)
            state.asked.append("drink")
            answer = menu_answer(text)
            if answer is not None:  # a menu question: what the bar has, then the order
                return AgentReply(text=f"{answer} Which {_word('drink')} would you like?")
            return AgentReply(text=f"Which {_word('drink')} would you like? We have lattes, "
                                   "mochas, cappuccinos, cortados, macchiatos and americanos.")
        if (self.ask_milk and state.drink in MILK_DRINKS and state.milk is None
                and "milk" not in state.asked):
            state.asked.append("milk")
            return AgentReply(text=f"What kind of {_word('milk')} would you like in your "
                                   f"{state.drink}: whole, 2%, oat, almond or non-fat?")
        return await self._place(state, tools)

    async def _place(self, state: CoffeeOrder, tools: ToolClient) -> AgentReply:
        found = await self._call(tools, "get_menu_items", {"query": state.drink})
        if not found.ok:
            return self._handoff("get_menu_items", found)
        item = _first(found.value, "menu_items")
        item_id = item.get("menu_item_id") if isinstance(item, dict) else None
        if not item_id:
            drink, state.drink = state.drink, None
            state.asked.append("drink")
            return AgentReply(text=f"Sorry, we don't have {drink} on the menu. Which other "
                                   f"{_word('drink')} would you like?")
        state.menu_item_id = str(item_id)
        args: dict[str, Any] = {"menu_item_id": item_id, "quantity": str(state.quantity)}
        extras = await self._extras(tools, item_id, _attributes(state), state.addons,
                                    state.here_or_to_go, state.notes)
        if isinstance(extras, AgentReply):
            return extras
        args.update(extras)
        added = await self._call(tools, "add_order_item", args)
        if not added.ok:
            return self._handoff("add_order_item", added)
        order_id = added.value.get("order_id") if isinstance(added.value, dict) else None
        if not order_id:
            return self._handoff("add_order_item", ToolOutcome(ok=False, error="no order id"))
        state.order_id = str(order_id)
        item = added.value.get("order_item_id")
        state.order_item_id = str(item) if item else None
        return await self._read_back(state, tools)

    async def _extras(self, tools: ToolClient, item_id: Any, attributes: list[dict[str, str]],
                      addons: list[str], to_go: str | None, notes: str | None = None
                      ) -> dict[str, Any] | AgentReply:
        """The `attributes`, `addons` and `notes` arguments for the drink: the add-ons looked up
        on the menu (get_addons) when anything beyond the plain drink is wanted."""
        if not (attributes or addons or to_go or notes):
            return {}
        wanted = [a["option"] for a in attributes] + addons + ([to_go.lower()] if to_go else []) \
            + ([notes] if notes else [])
        found = await self._call(tools, "get_addons", {"query": " OR ".join(wanted),
                                                       "menu_item_id": item_id})
        if not found.ok:
            return self._handoff("get_addons", found)
        offered = found.value.get("addons") if isinstance(found.value, dict) else None
        ids = [{"addon_id": a["addon_id"], "option": "ADD"} for a in offered or []
               if isinstance(a, dict) and a.get("addon_id")
               and any(w in str(a.get("name", "")).lower() for w in addons)]
        return ({"attributes": attributes} if attributes else {}) | ({"addons": ids} if ids else {}) \
            | ({"notes": notes} if notes else {})

    async def _read_back(self, state: CoffeeOrder, tools: ToolClient) -> AgentReply:
        details = await self._call(tools, "get_order_details", {"order_id": state.order_id})
        if not details.ok:
            return self._handoff("get_order_details", details)
        state.stage = "confirm"
        return AgentReply(text=f"I have {_summary(state)} on your order. Does this look correct?")

    async def _amend(self, state: CoffeeOrder, amended: CoffeeOrder,
                     tools: ToolClient) -> AgentReply:
        """The customer adds to the order at the summary ("Can I add hazelnut?", "Can I get
        that decaf?"): the Taskmaster baristas' way, the add-ons looked up, the order item
        updated, the order read back."""
        new_addons = [a for a in amended.addons if a not in state.addons]
        to_go = amended.here_or_to_go if amended.here_or_to_go != state.here_or_to_go else None
        note = amended.notes if amended.notes != state.notes else None
        extras = await self._extras(tools, state.menu_item_id, _attributes(amended, since=state),
                                    new_addons, to_go, note)
        if isinstance(extras, AgentReply):
            return extras
        args: dict[str, Any] = {"order_item_id": state.order_item_id, **extras}
        if amended.quantity != state.quantity:
            args["quantity"] = str(amended.quantity)
        updated = await self._call(tools, "update_order_item", args)
        if not updated.ok:
            return self._handoff("update_order_item", updated)
        for name in AMENDABLE:
            setattr(state, name, getattr(amended, name))
        return await self._read_back(state, tools)

    async def _confirm(self, state: CoffeeOrder, text: str, tools: ToolClient) -> AgentReply:
        if YES.search(text):
            done = await self._call(tools, "finish_order", {"order_id": state.order_id})
            if not done.ok:
                return self._handoff("finish_order", done)
            state.stage = "done"
            return AgentReply(text="Your order has been placed. You can pick it up at the bar in "
                                   "a few minutes.")
        if NO.search(text):
            state.stage, state.order_id = "collect", None
            fresh = CoffeeOrder(asked=["drink"])
            read_order(text, fresh)
            if fresh.drink is None:
                state.drink = None
                return AgentReply(text=f"Sorry about that. Which {_word('drink')} would you like "
                                       "instead?")
            for name in CoffeeOrder.model_fields:
                setattr(state, name, getattr(fresh, name))
            return await self._place(state, tools)
        amended = state.model_copy(deep=True)
        read_order(text, amended)
        if state.order_item_id and amended.drink == state.drink and any(
                getattr(amended, f) != getattr(state, f) for f in AMENDABLE):
            return await self._amend(state, amended, tools)
        state.unclear += 1
        if state.unclear > 2:
            return AgentReply(text="I'll leave the order open for now. Goodbye!", end=True)
        return AgentReply(text=f"Just to confirm: {_summary(state)}. Is that correct (yes/no)?")


def make() -> tuple[ScriptedCoffeeAgent, type[CoffeeOrder]]:
    """The agent and its per-conversation state factory (for the `python` connector)."""
    return ScriptedCoffeeAgent(), CoffeeOrder


def make_like_taskmaster() -> tuple[ScriptedCoffeeAgent, type[CoffeeOrder]]:
    """The agent as the Taskmaster-4 baristas were: it does not ask for the milk."""
    return ScriptedCoffeeAgent(ask_milk=False), CoffeeOrder
