"""Rebuild the telecom pack's state sample and policy from the tau2-bench telecom domain.

Run from the repository root with the shared data beside it:
    python convsim/domains/telecom/data/build_sample.py [../shared/data/tau2_bench/domains/telecom]
Not imported by convsim; kept so the sample can be re-made and audited.

The sample takes the first customers by id (all of them: tau2's telecom db.toml
holds only a handful), every line, device and bill they reference, and every
plan (the plan catalogue). Records are unchanged except that each line gets a
`customer_id` back-reference (tau2 links lines only from `customers.line_ids`),
so a scenario can pick a line of a given customer.
"""

import json
import shutil
import sys
import tomllib
from pathlib import Path

MAX_CUSTOMERS = 40
HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[3].parent / "shared/data/tau2_bench/domains/telecom"


def main(source: Path) -> None:
    db = tomllib.loads((source / "db.toml").read_text(encoding="utf-8"))
    customers = sorted(db["customers"], key=lambda c: c["customer_id"])[:MAX_CUSTOMERS]
    by_id = {table: {row[key]: row for row in db[table]}
             for table, key in (("lines", "line_id"), ("devices", "device_id"),
                                ("bills", "bill_id"), ("plans", "plan_id"))}
    lines: list[dict] = []
    bills: list[dict] = []
    for c in customers:
        for line_id in c["line_ids"]:
            lines.append({**by_id["lines"][line_id], "customer_id": c["customer_id"]})
        bills.extend(by_id["bills"][b] for b in c["bill_ids"])
    device_ids = sorted({ln["device_id"] for ln in lines if ln.get("device_id")})
    missing = [ln["plan_id"] for ln in lines if ln["plan_id"] not in by_id["plans"]]
    if missing or any(b["customer_id"] not in {c["customer_id"] for c in customers} for b in bills):
        raise SystemExit(f"broken references in {source / 'db.toml'}: plans {missing}")
    sample = {
        "customers": customers,
        "lines": lines,
        "devices": [by_id["devices"][d] for d in device_ids],
        "bills": bills,
        "plans": sorted(db["plans"], key=lambda p: p["plan_id"]),
    }
    (HERE / "telecom_sample.json").write_text(json.dumps(sample, indent=1, sort_keys=True) + "\n")
    shutil.copyfile(source / "main_policy.md", HERE.parent / "main_policy.md")
    shutil.copyfile(source.parents[1] / "LICENSE", HERE / "LICENSE")
    print(f"{len(customers)} customers, {len(lines)} lines, {len(device_ids)} devices, "
          f"{len(bills)} bills, {len(sample['plans'])} plans -> {HERE / 'telecom_sample.json'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE)
