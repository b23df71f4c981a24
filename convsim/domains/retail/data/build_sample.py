"""Rebuild `retail_sample.json` from the tau2-bench retail database.

Run from the repository root with the shared data beside it:
    python convsim/scenarios/data/retail/build_sample.py ../shared/data/tau2_bench/domains/retail/db.json
Not imported by convsim; kept so the sample can be re-made and audited.
"""

import json
import sys
from pathlib import Path

N_USERS = 120


def main(db_path: str) -> None:
    db = json.loads(Path(db_path).read_text())
    users = []
    for uid in sorted(db["users"]):
        user = db["users"][uid]
        statuses = {db["orders"][o]["status"] for o in user["orders"] if o in db["orders"]}
        if {"pending", "delivered"} & statuses:
            users.append(user)
        if len(users) == N_USERS:
            break
    order_ids = [o for u in users for o in u["orders"] if o in db["orders"]]
    orders = {o: db["orders"][o] for o in order_ids}
    product_ids = sorted({i["product_id"] for o in orders.values() for i in o["items"]})
    sample = {
        "products": {p: db["products"][p] for p in product_ids},
        "users": {u["user_id"]: u for u in users},
        "orders": orders,
    }
    out = Path(__file__).with_name("retail_sample.json")
    out.write_text(json.dumps(sample, indent=0, sort_keys=True) + "\n")
    print(f"{len(users)} users, {len(orders)} orders, {len(product_ids)} products -> {out}")


if __name__ == "__main__":
    main(sys.argv[1])
