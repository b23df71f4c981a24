"""Python tools of the Harbor Bank pack: behaviours that change two tables at once."""

from __future__ import annotations

from typing import Any

from convsim import ToolError, tool


@tool
def dispute_transaction(state: dict[str, Any], customer_id: str, transaction_id: str,
                        reason: str) -> dict[str, Any]:
    """Open a dispute on one of the customer's posted card transactions.

    The transaction is marked disputed and a dispute case is opened; a provisional
    credit follows within 10 business days.
    """
    txn = state.get("transactions", {}).get(transaction_id.strip().upper())
    if txn is None or txn["customer_id"] != customer_id:
        raise ToolError(f"no transaction {transaction_id} for customer {customer_id}")
    if txn["status"] != "posted":
        raise ToolError(f"transaction {transaction_id} is already {txn['status']}")
    dispute_id = f"D-{txn['transaction_id']}"
    state.setdefault("disputes", {})[dispute_id] = {
        "dispute_id": dispute_id, "transaction_id": txn["transaction_id"],
        "customer_id": customer_id, "amount": txn["amount"], "reason": reason, "status": "open"}
    txn["status"] = "disputed"
    return {"dispute_id": dispute_id, "status": "open", "provisional_credit_days": 10}
