"""Python tools of the {{name}} pack: for behaviours that need more than a table lookup.

Each `@tool` function becomes a tool the agent can call. The first parameter,
`state`, is the conversation's backend state (table name -> {key -> row}); the
other parameters are the tool's arguments, and their type hints are its JSON
Schema. The docstring's first paragraph is the description the agent sees.
Raise `ToolError` for a business error the agent should see.
"""

from __future__ import annotations

from typing import Any

from convsim import ToolError, tool

BILLING_DAYS = 30


@tool
def cancel_subscription(state: dict[str, Any], subscription_id: str, reason: str) -> dict[str, Any]:
    """Cancel a subscription now and refund the unused days of the current period.

    Works on active and paused subscriptions; the refund is prorated.
    """
    subscription = state.get("subscriptions", {}).get(subscription_id.strip().upper())
    if subscription is None:
        raise ToolError(f"no subscription {subscription_id}")
    if subscription["status"] == "cancelled":
        raise ToolError(f"subscription {subscription_id} is already cancelled")
    refund = round(subscription["monthly_price"] * subscription["days_left"] / BILLING_DAYS, 2)
    subscription.update(status="cancelled", cancel_reason=reason, days_left=0)
    return {"subscription_id": subscription["subscription_id"], "status": "cancelled",
            "refund": refund}
