"""The retail pack: the demo domain (tau2-bench retail data) and its reference agent.

Tools are `@tool` functions (`tools.py`), the state is the bundled sample of
the tau2-bench retail database, scenarios come from a Python generator
(`scenarios.py`), and the reference agent's versions are `agents/v1.yaml`
(follows the policy), `agents/v2.yaml` (a careless prompt edit) and
`agents/v3.yaml` (v1 that no longer understands voice transcripts).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from convsim.core.config import ScenarioGenConfig
from convsim.core.packs.model import Domain, PersonaBinding, Slot, tools_in
from convsim.core.records import Scenario

HERE = Path(__file__).parent

SLOTS = [
    Slot(name="email", type="email", identity="email",
         words=["email", "e-mail", "email address", "e-mail address"]),
    Slot(name="first_name", identity="first_name", words=["first name", "name", "full name"]),
    Slot(name="last_name", identity="last_name", words=["last name", "surname", "family name"]),
    Slot(name="zip", identity="zip", words=["zip", "zip code", "zipcode", "postal code"]),
    Slot(name="order_id", type="id", words=["order id", "order number", "order #", "which order",
                                            "order"]),
    Slot(name="reason", type="choice", values=["no longer needed", "ordered by mistake"],
         words=["reason", "why"]),
    Slot(name="item_names", words=["item", "items", "which items", "product", "products"]),
    Slot(name="new_address", type="address", words=["new address", "address", "street"]),
]


def _generate(config: ScenarioGenConfig, seed: int,
              intent_mix: dict[str, float] | None) -> Iterator[Scenario]:
    from convsim.domains.retail.scenarios import iter_retail_scenarios, mix_from_catalog

    return iter_retail_scenarios(config, seed, mix_from_catalog(intent_mix) if intent_mix else None)


def load() -> Domain:
    """The retail pack (entry point `convsim.domains: retail`)."""
    from convsim.domains.retail import tools
    from convsim.domains.retail.scenarios import RULES, load_retail_db
    from convsim.domains.retail.utterances import BANK

    db = load_retail_db()
    return Domain(
        name="retail",
        description="Online retail store (tau2-bench data): cancel, return, change address, "
                    "order status; out-of-scope requests go to a human.",
        tools={t.name: t for t in tools_in(tools)},
        tables={k: db[k] for k in ("users", "orders", "products")},
        keys={"users": "user_id", "orders": "order_id", "products": "product_id"},
        slots={s.name: s for s in SLOTS},
        binding=PersonaBinding(
            table="users", slot="user_id",
            fields={"name.first_name": "{first_name}", "name.last_name": "{last_name}",
                    "email": "{email}", "address.address1": "{address1}",
                    "address.city": "{city}", "address.state": "{state}",
                    "address.zip": "{zip}"},
            identify={"email": ["email"], "name_zip": ["first_name", "last_name", "zip"]}),
        policy=(HERE / "data" / "POLICY.md").read_text(encoding="utf-8")
        if (HERE / "data" / "POLICY.md").is_file() else "",
        utterances={k: list(v) for k, v in BANK.items()},
        generate=_generate,
        rules=list(RULES),
        agents={v: str(HERE / "agents" / f"{v}.yaml") for v in ("v1", "v2", "v3")},
        agent_loader="convsim.domains.retail.agent:from_yaml",
        root=HERE,
    )
