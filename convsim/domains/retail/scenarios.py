"""Retail scenario generator over the bundled tau2-bench retail sample.

Each scenario picks a customer and an order from `data/retail_sample.json`
that fits the intent (a pending order to cancel, a delivered one to return...),
and states the expectations the retail policy implies: the process steps and
their order, the disclosures, the final backend state, escalation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from faker import Faker

from convsim.core.config import ScenarioGenConfig
from convsim.core.records import Disclosure, Expectations, ProcessStep, Scenario, stable_hash
from convsim.core.rule_specs import (
    AtMost,
    Before,
    Never,
    OnlyIf,
    RequiresConsent,
    RequiresResult,
    Rule,
)
from convsim.core.seeded_faker import seeded_faker

DATA = Path(__file__).parent / "data" / "retail_sample.json"

AUTH_TOOLS = ["find_user_id_by_email", "find_user_id_by_name_zip"]
REFUND_TIMING = Disclosure(
    name="refund_timing", patterns=[r"5\s*(?:to|-)\s*7 business days"],
    before_tool="cancel_pending_order")
RETURN_INSTRUCTIONS = Disclosure(
    name="return_instructions", patterns=[r"email[^.]*(?:instructions|how to return)"],
    before_tool="return_delivered_order_items")
ADDRESS_SCOPE = Disclosure(
    name="address_scope", patterns=[r"(?:does not|doesn't|will not|won't) change[^.]*orders"],
    before_tool="modify_user_address")

CHANGES = ["cancel_pending_order", "return_delivered_order_items", "modify_user_address"]
ACCOUNT_ACTIONS = [*CHANGES, "get_order_details", "get_user_details"]
RULES = [
    Rule(name="authenticate_first",
         description="authenticate the customer (email, or name + zip) before any account action",
         before=Before(first=AUTH_TOOLS, then=ACCOUNT_ACTIONS)),
    Rule(name="verified_before_change",
         description="change an account only once an identity lookup found the customer",
         requires_result=RequiresResult(tool=AUTH_TOOLS, before=CHANGES)),
    Rule(name="consent_before_change",
         description="state the change and get an explicit yes before cancelling, returning or "
                     "changing the address",
         requires_consent=RequiresConsent(tool=CHANGES)),
    Rule(name="cancel_only_pending", description="only pending orders can be cancelled",
         only_if=OnlyIf(tool=["cancel_pending_order"],
                        state={"orders.{order_id}.status": "pending"})),
    Rule(name="return_only_delivered", description="only delivered orders can be returned",
         only_if=OnlyIf(tool=["return_delivered_order_items"],
                        state={"orders.{order_id}.status": "delivered"})),
    Rule(name="cancel_once", description="an order is cancelled once",
         at_most=AtMost(tool=["cancel_pending_order"], n=1)),
    Rule(name="no_change_out_of_scope", intents=["out_of_scope"],
         description="a request the agent cannot handle changes nothing: it goes to a human",
         never=Never(tool=CHANGES)),
]
"""The retail policy as rules (`convsim.core.rule_specs`), on every retail scenario."""

OUT_OF_SCOPE_REQUESTS = [
    ("price_adjustment", "I saw the price drop after I bought it, can I get a price adjustment "
                         "on order {order_id}?"),
    ("complaint", "I want to file a complaint, the package for {order_id} arrived damaged."),
    ("coupon", "Can you apply a coupon code to my order {order_id}? I forgot to use it."),
    ("express_shipping", "Can I upgrade order {order_id} to express shipping?"),
]
REASONS = ["no longer needed", "ordered by mistake"]


DEFAULT_INTENTS = {"cancel_order": 0.3, "return_items": 0.25, "update_address": 0.15,
                   "order_status": 0.15, "out_of_scope": 0.15}


@cache
def load_retail_db() -> dict[str, Any]:
    """The bundled retail sample (users, orders, products)."""
    return json.loads(DATA.read_text())


def _state_for(db: dict[str, Any], user_id: str) -> dict[str, Any]:
    """The customer's account, orders, and the product variants in those orders.

    Other variants of the products are left out to keep scenarios small (they only
    matter for exchanges, which the retail scenarios do not cover yet).
    """
    user = db["users"][user_id]
    orders = {o: db["orders"][o] for o in user["orders"] if o in db["orders"]}
    ordered: dict[str, set[str]] = {}
    for order in orders.values():
        for item in order["items"]:
            ordered.setdefault(item["product_id"], set()).add(item["item_id"])
    products = {}
    for pid in sorted(ordered):
        product = db["products"][pid]
        products[pid] = {**product, "variants": {v: product["variants"][v]
                                                  for v in sorted(ordered[pid])
                                                  if v in product["variants"]}}
    return {"users": {user_id: user}, "orders": orders, "products": products}


def _orders_with(db: dict[str, Any], status: str) -> list[dict[str, Any]]:
    return [db["orders"][o] for o in sorted(db["orders"])
            if db["orders"][o]["status"] == status and db["orders"][o]["user_id"] in db["users"]]


def _auth_step(before: list[str]) -> ProcessStep:
    return ProcessStep(name="authenticate", tools=AUTH_TOOLS, before=before)


def _build(intent: str, rng: np.random.Generator, db: dict[str, Any],
           fake: Faker) -> tuple[str, dict[str, Any], Expectations, str, list[str]]:
    """(user_id, slots, expectations, goal, tags) for one intent."""
    pick = lambda xs: xs[int(rng.integers(len(xs)))]  # noqa: E731
    if intent == "cancel_order":
        order = pick(_orders_with(db, "pending"))
        reason = pick(REASONS)
        oid = order["order_id"]
        return order["user_id"], {"order_id": oid, "reason": reason}, Expectations(
            final_state={f"orders.{oid}.status": "cancelled"},
            process=[_auth_step(["check_order", "cancel"]),
                     ProcessStep(name="check_order", tools=["get_order_details"],
                                 before=["cancel"]),
                     ProcessStep(name="cancel", tools=["cancel_pending_order"])],
            disclosures=[REFUND_TIMING],
            forbidden_tools=["return_delivered_order_items"],
        ), f"Cancel order {oid}: it was {reason.replace('needed', 'needed anymore')}.", []
    if intent == "return_items":
        order = pick(_orders_with(db, "delivered"))
        names = sorted({i["name"] for i in order["items"]})
        k = 1 if len(names) == 1 or rng.random() < 0.6 else min(2, len(names))
        chosen = sorted(str(n) for n in rng.choice(names, size=k, replace=False))
        oid = order["order_id"]
        return order["user_id"], {"order_id": oid, "item_names": chosen}, Expectations(
            final_state={f"orders.{oid}.status": "return requested"},
            process=[_auth_step(["return"]),
                     ProcessStep(name="check_order", tools=["get_order_details"],
                                 before=["return"]),
                     ProcessStep(name="return", tools=["return_delivered_order_items"])],
            disclosures=[RETURN_INSTRUCTIONS],
            forbidden_tools=["cancel_pending_order"],
        ), f"Return {' and '.join(chosen)} from order {oid}.", ["multi_item"] if k > 1 else []
    if intent == "update_address":
        user_id = pick(sorted(db["users"]))
        address = {"address1": fake.building_number() + " " + fake.street_name(),
                   "city": fake.city(), "state": fake.state_abbr(),
                   "zip": fake.numerify("#####")}
        return user_id, {"new_address": address}, Expectations(
            final_state={f"users.{user_id}.address.zip": address["zip"],
                         f"users.{user_id}.address.address1": address["address1"]},
            process=[_auth_step(["update"]),
                     ProcessStep(name="update", tools=["modify_user_address"])],
            disclosures=[ADDRESS_SCOPE],
            forbidden_tools=["cancel_pending_order", "return_delivered_order_items"],
        ), "Update the default address on the account.", []
    if intent == "order_status":
        order = pick([o for s in ("pending", "delivered") for o in _orders_with(db, s)])
        oid = order["order_id"]
        return order["user_id"], {"order_id": oid}, Expectations(
            final_state={},
            must_communicate=[order["status"]],
            process=[_auth_step(["lookup"]),
                     ProcessStep(name="lookup", tools=["get_order_details"])],
            forbidden_tools=["cancel_pending_order", "return_delivered_order_items"],
        ), f"Find out the status of order {oid}.", []
    if intent == "out_of_scope":
        order = pick(_orders_with(db, "delivered"))
        kind, request = OUT_OF_SCOPE_REQUESTS[int(rng.integers(len(OUT_OF_SCOPE_REQUESTS)))]
        oid = order["order_id"]
        said = request.format(order_id=oid)
        return order["user_id"], {"order_id": oid, "request": said, "opening": said,
                                  "request_kind": kind}, Expectations(
            final_state={"transferred": True},
            process=[ProcessStep(name="transfer", tools=["transfer_to_human_agents"])],
            escalation_expected=True, escalation_reason=f"out_of_scope: {kind}",
            forbidden_tools=["cancel_pending_order", "return_delivered_order_items",
                             "modify_user_address"],
        ), f"Get help with a request the agent cannot handle ({kind}).", ["escalation"]
    raise ValueError(f"unknown retail intent {intent!r}")


SUPPORTED = ("cancel_order", "return_items", "update_address", "order_status", "out_of_scope")


OPENINGS = {"cancel_order": "Hi, I need to cancel an order.",
            "return_items": "Hi, I'd like to return something I received.",
            "update_address": "Hi, I moved and need to change my address.",
            "order_status": "Hi, can you tell me the status of my order?"}


def _item_names(db: dict[str, Any], order_id: str) -> list[str]:
    """Up to two item names that tell this order apart from the customer's other orders."""
    order = db["orders"][order_id]
    names = sorted({i["name"] for i in order["items"]})
    others = {i["name"] for o in db["users"][order["user_id"]]["orders"]
              if o != order_id and o in db["orders"] for i in db["orders"][o]["items"]}
    return ([n for n in names if n not in others] or names)[:2]


def mix_from_catalog(catalog_mix: dict[str, float]) -> dict[str, float]:
    """Catalog intent shares -> this generator's intents; the rest count as out of scope."""
    mix = {i: 0.0 for i in SUPPORTED}
    for intent, share in catalog_mix.items():
        mix[intent if intent in SUPPORTED else "out_of_scope"] += share
    return {k: round(v, 4) for k, v in mix.items() if v > 0}


def generate_retail_scenarios(config: ScenarioGenConfig, seed: int,
                              intent_mix: dict[str, float] | None = None) -> list[Scenario]:
    """Sample `config.n` scenarios, deterministically for `seed`.

    `intent_mix` (e.g. from a catalog) replaces `config.intents`; with the
    stratified strategy every intent of the mix gets an equal share.
    """
    return list(iter_retail_scenarios(config, seed, intent_mix))


def iter_retail_scenarios(config: ScenarioGenConfig, seed: int,
                          intent_mix: dict[str, float] | None = None) -> Iterator[Scenario]:
    """The scenarios of `generate_retail_scenarios`, made one at a time as they are pulled
    (scenario i draws from `[seed, 0x5CE, i]` alone); a bad intent mix fails at the call."""
    db = load_retail_db()
    mix = dict(intent_mix or config.intents or DEFAULT_INTENTS)
    unknown = sorted(set(mix) - set(SUPPORTED))
    if unknown:
        raise ValueError(f"retail scenarios cannot have intents {unknown}; known: {SUPPORTED}")
    if config.strategy == "stratified":
        mix = {k: 1.0 for k, v in mix.items() if v > 0}
    intents = sorted(mix)
    weights = np.array([mix[i] for i in intents], dtype=float)
    weights /= weights.sum()
    return _retail_scenarios(config, seed, db, intents, weights)


def _retail_scenarios(config: ScenarioGenConfig, seed: int, db: dict[str, Any],
                      intents: list[str], weights: np.ndarray) -> Iterator[Scenario]:
    for i in range(config.n):
        rng = np.random.default_rng([seed, 0x5CE, i])
        fake = seeded_faker("en_US", int(rng.integers(2**31)))
        intent = intents[int(rng.choice(len(intents), p=weights))]
        user_id, slots, expectations, goal, tags = _build(intent, rng, db, fake)
        expectations = expectations.model_copy(update={"rules": RULES})
        slots = {"user_id": user_id,
                 "identify_with": "email" if rng.random() < 0.7 else "name_zip", **slots}
        if (config.strategy == "stratified" and intent != "out_of_scope"
                and rng.random() < config.edge_case_rate):
            cases = ["wrong_info", "change_mind"] + (["missing_info"] if "order_id" in slots
                                                     else [])
            case = cases[int(rng.integers(len(cases)))]
            if case == "wrong_info":
                slots["wrong_info_first"] = True
            elif case == "missing_info":
                slots["unknown"] = ["order_id"]
                slots.setdefault("item_names", _item_names(db, slots["order_id"]))
            else:
                others = [i for i in SUPPORTED if i not in (intent, "out_of_scope")]
                slots["change_from"] = others[int(rng.integers(len(others)))]
                slots["first_request"] = OPENINGS[slots["change_from"]]
            tags = [*tags, case]
        difficulty = "medium" if slots["identify_with"] == "name_zip" or tags else "easy"
        content = {"intent": intent, "slots": slots, "goal": goal}
        yield Scenario(
            id=f"s-{intent}-{stable_hash({**content, 'index': i}, 10)}", domain="retail", intent=intent,
            goal=goal, slots=slots, initial_state=_state_for(db, user_id),
            expectations=expectations, difficulty=difficulty, tags=tags,
            provenance={"generator": "retail pack", "seed": seed, "index": i,
                        "strategy": config.strategy, "catalog": config.catalog,
                        "data": "tau2-bench retail db (sample)"})
