"""Retail scenarios are consistent with the bundled data and their intent."""

from collections import Counter

from scenarios import ScenarioGenConfig, generate_retail_scenarios


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
