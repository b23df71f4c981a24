"""Retail domain tools: the backend the reference agent (or any agent) works on.

Modelled on the tau2-bench retail domain (users, orders, products). Each tool
takes the conversation's sandbox state (a plain dict) and keyword arguments,
returns a JSON-serialisable result, and raises `ToolError` for a business error
the agent should see (unknown order, wrong status...).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

ToolFn = Callable[..., Any]


class ToolError(Exception):
    """A business error returned to the agent (not an injected fault)."""


TOOLS: dict[str, ToolFn] = {}
"""Tool name -> implementation."""

TOOL_SCHEMAS: dict[str, dict[str, Any]] = {}
"""Tool name -> JSON schema of its arguments (for LLM agents and validation)."""


def tool(description: str, **params: str) -> Callable[[ToolFn], ToolFn]:
    """Register a retail tool; `params` maps argument name to JSON type."""

    def register(fn: ToolFn) -> ToolFn:
        TOOLS[fn.__name__] = fn
        TOOL_SCHEMAS[fn.__name__] = {
            "name": fn.__name__,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": {
                    k: ({"type": "array", "items": {"type": "string"}} if v == "array"
                        else {"type": v})
                    for k, v in params.items()
                },
                "required": list(params),
            },
        }
        return fn

    return register


def _user(db: dict[str, Any], user_id: str) -> dict[str, Any]:
    try:
        return db.get("users", {})[user_id]
    except KeyError:
        raise ToolError(f"user not found: {user_id}") from None


def _order(db: dict[str, Any], order_id: str) -> dict[str, Any]:
    order_id = order_id if order_id.startswith("#") else f"#{order_id}"
    try:
        return db.get("orders", {})[order_id]
    except KeyError:
        raise ToolError(f"order not found: {order_id}") from None


@tool("Find a user id by email address.", email="string")
def find_user_id_by_email(db: dict[str, Any], email: str) -> str:
    for uid, user in db.get("users", {}).items():
        if user["email"].lower() == email.strip().lower():
            return uid
    raise ToolError("user not found")


@tool("Find a user id by first name, last name and zip code.",
      first_name="string", last_name="string", zip="string")
def find_user_id_by_name_zip(db: dict[str, Any], first_name: str, last_name: str,
                             zip: str) -> str:
    for uid, user in db.get("users", {}).items():
        name = user["name"]
        if (name["first_name"].lower() == first_name.strip().lower()
                and name["last_name"].lower() == last_name.strip().lower()
                and user["address"]["zip"] == zip.strip()):
            return uid
    raise ToolError("user not found")


@tool("Get a user's profile: name, address, email, payment methods, orders.", user_id="string")
def get_user_details(db: dict[str, Any], user_id: str) -> dict[str, Any]:
    return copy.deepcopy(_user(db, user_id))


@tool("Get an order's status, items, address, fulfilments and payments.", order_id="string")
def get_order_details(db: dict[str, Any], order_id: str) -> dict[str, Any]:
    return copy.deepcopy(_order(db, order_id))


@tool("Get a product's variants, availability and prices.", product_id="string")
def get_product_details(db: dict[str, Any], product_id: str) -> dict[str, Any]:
    try:
        return copy.deepcopy(db.get("products", {})[product_id])
    except KeyError:
        raise ToolError(f"product not found: {product_id}") from None


@tool("Cancel a pending order. Reason: 'no longer needed' or 'ordered by mistake'.",
      order_id="string", reason="string")
def cancel_pending_order(db: dict[str, Any], order_id: str, reason: str) -> dict[str, Any]:
    order = _order(db, order_id)
    if order["status"] != "pending":
        raise ToolError(f"non-pending order cannot be cancelled (status: {order['status']})")
    if reason not in ("no longer needed", "ordered by mistake"):
        raise ToolError("invalid reason")
    order["status"] = "cancelled"
    order["cancel_reason"] = reason
    refund = {"transaction_type": "refund", "amount": round(sum(i["price"] for i in order["items"]), 2),
              "payment_method_id": order["payment_history"][0]["payment_method_id"]}
    order["payment_history"].append(refund)
    return copy.deepcopy(order)


@tool("Request the return of items of a delivered order; refund to a payment method.",
      order_id="string", item_ids="array", payment_method_id="string")
def return_delivered_order_items(db: dict[str, Any], order_id: str, item_ids: list[str],
                                 payment_method_id: str) -> dict[str, Any]:
    order = _order(db, order_id)
    if order["status"] != "delivered":
        raise ToolError(f"non-delivered order cannot be returned (status: {order['status']})")
    in_order = [i["item_id"] for i in order["items"]]
    missing = [i for i in item_ids if i not in in_order]
    if missing or not item_ids:
        raise ToolError(f"items not in order: {missing}")
    user = _user(db, order["user_id"])
    if payment_method_id not in user["payment_methods"]:
        raise ToolError("payment method not found")
    order["status"] = "return requested"
    order["return_items"] = sorted(item_ids)
    order["return_payment_method_id"] = payment_method_id
    return copy.deepcopy(order)


@tool("Change a user's default address.", user_id="string", address1="string",
      address2="string", city="string", state="string", country="string", zip="string")
def modify_user_address(db: dict[str, Any], user_id: str, address1: str, address2: str,
                        city: str, state: str, country: str, zip: str) -> dict[str, Any]:
    user = _user(db, user_id)
    user["address"] = {"address1": address1, "address2": address2, "city": city,
                       "state": state, "country": country, "zip": zip}
    return copy.deepcopy(user)


@tool("Transfer the customer to a human agent, with a summary of the issue.", summary="string")
def transfer_to_human_agents(db: dict[str, Any], summary: str) -> str:
    db["transferred"] = True
    db["transfer_summary"] = summary
    return "Transfer successful"


def call_tool(db: dict[str, Any], name: str, arguments: dict[str, Any]) -> Any:
    """Run a tool on the sandbox database; unknown tools and bad arguments are ToolErrors."""
    fn = TOOLS.get(name)
    if fn is None:
        raise ToolError(f"unknown tool: {name}")
    try:
        return fn(db, **arguments)
    except TypeError as exc:
        raise ToolError(f"bad arguments for {name}: {exc}") from None
