"""Retail pack tools: the backend the reference agent (or any agent) works on.

Modelled on the tau2-bench retail domain (users, orders, products). Plain
`@tool` functions: the state comes first, the arguments' JSON Schema comes from
the type hints, and `ToolError` is a business error the agent sees.
"""

from __future__ import annotations

import copy
from typing import Any

from convsim.core.packs.model import ToolError, tool


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


@tool(description="Find a user id by email address.")
def find_user_id_by_email(db: dict[str, Any], email: str) -> str:
    for uid, user in db.get("users", {}).items():
        if user["email"].lower() == email.strip().lower():
            return uid
    raise ToolError("user not found")


@tool(description="Find a user id by first name, last name and zip code.")
def find_user_id_by_name_zip(db: dict[str, Any], first_name: str, last_name: str,
                             zip: str) -> str:
    for uid, user in db.get("users", {}).items():
        name = user["name"]
        if (name["first_name"].lower() == first_name.strip().lower()
                and name["last_name"].lower() == last_name.strip().lower()
                and user["address"]["zip"] == zip.strip()):
            return uid
    raise ToolError("user not found")


@tool(description="Get a user's profile: name, address, email, payment methods, orders.")
def get_user_details(db: dict[str, Any], user_id: str) -> dict[str, Any]:
    return copy.deepcopy(_user(db, user_id))


@tool(description="Get an order's status, items, address, fulfilments and payments.")
def get_order_details(db: dict[str, Any], order_id: str) -> dict[str, Any]:
    return copy.deepcopy(_order(db, order_id))


@tool(description="Get a product's variants, availability and prices.")
def get_product_details(db: dict[str, Any], product_id: str) -> dict[str, Any]:
    try:
        return copy.deepcopy(db.get("products", {})[product_id])
    except KeyError:
        raise ToolError(f"product not found: {product_id}") from None


@tool(description="Cancel a pending order. Reason: 'no longer needed' or 'ordered by mistake'.")
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


@tool(description="Request the return of items of a delivered order; refund to a payment method.")
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


@tool(description="Change a user's default address.")
def modify_user_address(db: dict[str, Any], user_id: str, address1: str, address2: str,
                        city: str, state: str, country: str, zip: str) -> dict[str, Any]:
    user = _user(db, user_id)
    user["address"] = {"address1": address1, "address2": address2, "city": city,
                       "state": state, "country": country, "zip": zip}
    return copy.deepcopy(user)


@tool(description="Transfer the customer to a human agent, with a summary of the issue.",
      escalation=True)
def transfer_to_human_agents(db: dict[str, Any], summary: str) -> str:
    db["transferred"] = True
    db["transfer_summary"] = summary
    return "Transfer successful"
