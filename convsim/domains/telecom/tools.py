"""Telecom pack tools: the agent-side tools of tau2-bench's telecom domain.

Re-implemented over plain JSON state (tables `customers`, `lines`, `devices`,
`bills`, `plans`, keyed by id) with the same names, arguments and checks as
tau2's `TelecomTools`; a `ValueError` there is a `ToolError` here. Two
differences, both from the written policy: `refuel_data` refuses more than 2 GB
("the maximum amount of data that can be refueled is 2GB"), and `make_payment`
is an agent tool (the policy tells the agent to use it once the customer accepts
the payment request; in tau2 it sits on the user's device). As in tau2, the
tools do not enforce the agent's duties (checking a bill is overdue before
requesting payment, not resuming a line with overdue bills or an ended
contract), so an agent that skips them can be caught.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from convsim.core.packs.model import ToolError, tool

TODAY = date(2025, 2, 25)
"""The policy's "current time" (2025-02-25 12:08 EST)."""
MAX_REFUEL_GB = 2.0
SUSPENSION_FEE = 5.0

State = dict[str, Any]


def _digits(phone_number: str) -> str:
    """Digits only, so '555-123-2002', '5551232002' and '(555) 123 2002' meet."""
    return "".join(ch for ch in phone_number if ch.isdigit())


def _row(db: State, table: str, key: str, what: str) -> dict[str, Any]:
    row = (db.get(table) or {}).get(key.strip())
    if not isinstance(row, dict):
        raise ToolError(f"{what} with ID {key} not found")
    return row


def _customer(db: State, customer_id: str) -> dict[str, Any]:
    return _row(db, "customers", customer_id, "Customer")


def _target_line(db: State, customer_id: str, line_id: str) -> dict[str, Any]:
    customer = _customer(db, customer_id)
    if line_id.strip() not in customer.get("line_ids", []):
        raise ToolError(f"Line {line_id} not found for customer {customer_id}")
    return _row(db, "lines", line_id, "Line")


def _customer_bills(db: State, customer: dict[str, Any]) -> list[dict[str, Any]]:
    return [_row(db, "bills", b, "Bill") for b in customer.get("bill_ids", [])]


def _apply_one_time_charge(db: State, customer: dict[str, Any], amount: float,
                           description: str) -> str:
    """Add a charge to the customer's draft bill (made for next month if there is none)."""
    draft = next((b for b in _customer_bills(db, customer) if b["status"] == "Draft"), None)
    if draft is None:
        bills = db.setdefault("bills", {})
        numbers = [int(k[1:]) for k in bills if k[1:].isdigit()]
        bill_id = f"B{max(numbers, default=1000) + 1}"
        start = (TODAY.replace(day=1) + timedelta(days=32)).replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        draft = {"bill_id": bill_id, "customer_id": customer["customer_id"],
                 "period_start": start.isoformat(), "period_end": end.isoformat(),
                 "issue_date": start.isoformat(), "total_due": 0.0,
                 "due_date": (start + timedelta(days=14)).isoformat(), "status": "Draft",
                 "line_items": []}
        bills[bill_id] = draft
        customer.setdefault("bill_ids", []).append(bill_id)
    draft.setdefault("line_items", []).append({
        "description": description, "amount": amount, "date": TODAY.isoformat(),
        "item_type": "Credit" if amount < 0 else "Charge"})
    draft["total_due"] = round(draft.get("total_due", 0.0) + amount, 2)
    return str(draft["bill_id"])


# --------------------------------------------------------------------------- lookup


@tool
def get_customer_by_phone(db: State, phone_number: str) -> dict[str, Any]:
    """Find a customer by their primary contact phone number or the phone number of one of
    their lines."""
    wanted = _digits(phone_number)
    lines = db.get("lines") or {}
    for customer in (db.get("customers") or {}).values():
        if not wanted:
            break
        if _digits(customer.get("phone_number", "")) == wanted:
            return copy.deepcopy(customer)
        for line_id in customer.get("line_ids", []):
            line = lines.get(line_id)
            if line and _digits(line.get("phone_number", "")) == wanted:
                return copy.deepcopy(customer)
    raise ToolError(f"Customer with phone number {phone_number} not found")


@tool
def get_customer_by_id(db: State, customer_id: str) -> dict[str, Any]:
    """Retrieve a customer by their customer ID (e.g. C1001)."""
    return copy.deepcopy(_customer(db, customer_id))


@tool
def get_customer_by_name(db: State, full_name: str, dob: str) -> list[dict[str, Any]]:
    """Search customers by full name and date of birth (YYYY-MM-DD); the date of birth is
    required for verification. May return several matches, or none."""
    wanted = " ".join(full_name.split()).casefold()
    return [copy.deepcopy(c) for c in (db.get("customers") or {}).values()
            if " ".join(c.get("full_name", "").split()).casefold() == wanted
            and c.get("date_of_birth") == dob.strip()]


@tool
def get_details_by_id(db: State, id: str) -> dict[str, Any]:
    """Details of a customer (C...), line (L...), device (D...), bill (B...) or plan (P...)
    by its ID."""
    tables = {"L": ("lines", "Line"), "D": ("devices", "Device"), "B": ("bills", "Bill"),
              "C": ("customers", "Customer"), "P": ("plans", "Plan")}
    key = id.strip()
    if not key or key[0].upper() not in tables:
        raise ToolError(f"Unknown ID format or type: {id}")
    table, what = tables[key[0].upper()]
    return copy.deepcopy(_row(db, table, key, what))


# --------------------------------------------------------------------------- lines


@tool
def suspend_line(db: State, customer_id: str, line_id: str, reason: str) -> dict[str, Any]:
    """Suspend an active line of the customer (max 6 months; a $5/month holding fee applies)."""
    line = _target_line(db, customer_id, line_id)
    if line.get("status") != "Active":
        raise ToolError("Line must be active to suspend")
    line["status"] = "Suspended"
    line["suspension_start_date"] = TODAY.isoformat()
    line["suspension_reason"] = reason
    return {"message": "Line suspended successfully. $5/month holding fee will apply.",
            "line": copy.deepcopy(line)}


@tool
def resume_line(db: State, customer_id: str, line_id: str) -> dict[str, Any]:
    """Resume a suspended (or pending activation) line of the customer."""
    line = _target_line(db, customer_id, line_id)
    if line.get("status") not in ("Suspended", "Pending Activation"):
        raise ToolError("Line must be suspended to resume")
    line["status"] = "Active"
    line["suspension_start_date"] = None
    return {"message": "Line resumed successfully", "line": copy.deepcopy(line)}


@tool
def get_data_usage(db: State, customer_id: str, line_id: str) -> dict[str, Any]:
    """Current billing cycle data usage of a line: data used, plan limit, data refueled and
    cycle end date."""
    line = _target_line(db, customer_id, line_id)
    plan = _row(db, "plans", line["plan_id"], "Plan")
    cycle_end = (TODAY.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return {"line_id": line["line_id"], "data_used_gb": line.get("data_used_gb", 0.0),
            "data_limit_gb": plan["data_limit_gb"],
            "data_refueling_gb": line.get("data_refueling_gb", 0.0),
            "cycle_end_date": cycle_end.isoformat()}


@tool
def refuel_data(db: State, customer_id: str, line_id: str, gb_amount: float) -> dict[str, Any]:
    """Add data (at most 2 GB) to a line, charged to the customer's next bill at the plan's
    refueling price per GB."""
    line = _target_line(db, customer_id, line_id)
    if gb_amount <= 0:
        raise ToolError("Refuel amount must be positive")
    if gb_amount > MAX_REFUEL_GB:
        raise ToolError(f"At most {MAX_REFUEL_GB:g} GB of data can be refueled")
    plan = _row(db, "plans", line["plan_id"], "Plan")
    price = plan["data_refueling_price_per_gb"]
    charge = round(gb_amount * price, 2)
    line["data_refueling_gb"] = round(line.get("data_refueling_gb", 0.0) + gb_amount, 3)
    _apply_one_time_charge(db, _customer(db, customer_id), charge,
                           f"Data refueling: {gb_amount} GB at ${price}/GB")
    return {"message": f"Successfully added {gb_amount} GB of data for line {line['line_id']} "
                       f"for ${charge:.2f}",
            "new_data_refueling_gb": line["data_refueling_gb"], "charge": charge}


@tool
def enable_roaming(db: State, customer_id: str, line_id: str) -> str:
    """Enable international data roaming on a line (no cost)."""
    line = _target_line(db, customer_id, line_id)
    if line.get("roaming_enabled"):
        return "Roaming was already enabled"
    line["roaming_enabled"] = True
    return "Roaming enabled successfully"


@tool
def disable_roaming(db: State, customer_id: str, line_id: str) -> str:
    """Disable international data roaming on a line."""
    line = _target_line(db, customer_id, line_id)
    if not line.get("roaming_enabled"):
        return "Roaming was already disabled"
    line["roaming_enabled"] = False
    return "Roaming disabled successfully"


# --------------------------------------------------------------------------- bills


@tool
def get_bills_for_customer(db: State, customer_id: str, limit: int = 12) -> list[dict[str, Any]]:
    """The customer's bills, most recent first (issue date)."""
    bills = _customer_bills(db, _customer(db, customer_id))
    bills.sort(key=lambda b: b.get("issue_date", ""), reverse=True)
    return copy.deepcopy(bills[:max(limit, 0)])


@tool
def send_payment_request(db: State, customer_id: str, bill_id: str) -> str:
    """Send the customer a payment request for a bill; the bill becomes Awaiting Payment.
    It does not check that the bill is overdue: check its status first. A customer can have
    only one bill awaiting payment."""
    customer = _customer(db, customer_id)
    if any(b["status"] == "Awaiting Payment" for b in _customer_bills(db, customer)):
        raise ToolError("A bill is already awaiting payment for this customer")
    if bill_id.strip() not in customer.get("bill_ids", []):
        raise ToolError(f"Bill {bill_id} not found for customer {customer_id}")
    bill = _row(db, "bills", bill_id, "Bill")
    bill["status"] = "Awaiting Payment"
    return f"Payment request sent to the customer for bill {bill['bill_id']}"


@tool
def make_payment(db: State, customer_id: str, bill_id: str) -> dict[str, Any]:
    """Pay a bill the customer accepted a payment request for (status Awaiting Payment), with
    the customer's payment method on file; the bill becomes Paid."""
    customer = _customer(db, customer_id)
    if bill_id.strip() not in customer.get("bill_ids", []):
        raise ToolError(f"Bill {bill_id} not found for customer {customer_id}")
    bill = _row(db, "bills", bill_id, "Bill")
    if bill["status"] != "Awaiting Payment":
        raise ToolError(f"No payment request is pending for bill {bill_id} "
                        f"(status: {bill['status']})")
    methods = customer.get("payment_methods") or []
    if not methods:
        raise ToolError(f"Customer {customer_id} has no payment method on file")
    bill["status"] = "Paid"
    method = methods[0]
    return {"message": f"Payment of ${bill['total_due']:.2f} for bill {bill['bill_id']} made with "
                       f"{method['method_type']} ending in {method['account_number_last_4']}",
            "bill_id": bill["bill_id"], "amount": bill["total_due"], "status": bill["status"]}


# --------------------------------------------------------------------------- handoff


@tool(escalation=True)
def transfer_to_human_agents(db: State, summary: str) -> str:
    """Transfer the customer to a human agent, with a summary of the issue. Only when the
    customer explicitly asks for one, or the request cannot be handled with these tools."""
    db["transferred"] = True
    db["transfer_summary"] = summary
    return "Transfer successful"
