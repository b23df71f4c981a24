"""The retail pack: found like any pack; its scenarios fit its data and intent."""

from collections import Counter

from convsim.core.config import ScenarioGenConfig
from convsim.core.packs.discovery import available, find_domain
from convsim.domains.retail.scenarios import generate_retail_scenarios


def test_retail_is_an_installed_pack_like_any_other() -> None:
    assert available()["retail"] == "convsim.domains.retail:load"
    domain = find_domain("retail")
    assert "cancel_pending_order" in domain.tools
    assert domain.escalation_tools == ["transfer_to_human_agents"]
    schema = domain.tools["return_delivered_order_items"].spec.parameters
    assert schema["properties"]["item_ids"] == {"items": {"type": "string"}, "type": "array"}
    assert set(domain.agents) == {"v1", "v2", "v3"}


def test_scenarios_match_their_data() -> None:
    scenarios = generate_retail_scenarios(ScenarioGenConfig(n=200), seed=1)
    for s in scenarios:
        orders = s.initial_state["orders"]
        if s.intent == "cancel_order":
            assert orders[s.slots["order_id"]]["status"] == "pending"
        if s.intent == "return_items":
            names = {i["name"] for i in orders[s.slots["order_id"]]["items"]}
            assert set(s.slots["item_names"]) <= names
        if s.intent == "out_of_scope":
            assert s.expectations.escalation_expected
        assert s.slots["user_id"] in s.initial_state["users"]
    mix = Counter(s.intent for s in scenarios)
    assert 40 < mix["cancel_order"] < 80 and mix["out_of_scope"] > 15


def test_seeded() -> None:
    config = ScenarioGenConfig(n=20)
    assert generate_retail_scenarios(config, 3) == generate_retail_scenarios(config, 3)
    assert generate_retail_scenarios(config, 3) != generate_retail_scenarios(config, 4)
