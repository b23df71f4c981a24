"""A customer adds at the summary what it came for and had not said yet (`adds_later`).

Taskmaster-4 coffee customers often open with the drink and add the rest later ("Can I get a
latte?" ... "Can I add Hazelnut?"); the pack built from them lists those slots in the
scenario's `adds_later`. Before, the simulated customer said yes to a summary without its
add-on, so the agent was failed for a `get_addons` step nobody had asked for (24 of 171
scored conversations of a fitted coffee campaign). Now the customer adds it, and the coffee
agent updates the order item as the real baristas did. Checked on the coffee pack (built
from transcripts) and on Kite Mobile (a pack another team wrote, in its own words).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from convsim.core.acts import recognise
from convsim.core.packs.declarative import load_domain_folder
from convsim.core.packs.discovery import find_domain
from convsim.core.packs.model import Domain, ScenarioTemplate, fill
from convsim.core.records import (
    ConversationSpec,
    Identity,
    Persona,
    PersonaTraits,
    PerturbationProfile,
    Scenario,
)
from convsim.core.sandbox import ToolSandbox
from convsim.domains.coffee.agent import make
from convsim.engine.loop import run_conversation
from convsim.evaluators.process import ProcessEvaluator
from convsim.scenarios.packgen import adds_later
from convsim.simulator.connectors.http import PythonConnector, _SandboxTools
from convsim.simulator.customers.agenda import AgendaUser
from tests.cli_shell import convsim

KITE = Path(__file__).resolve().parents[1] / "data" / "packs" / "kite"
PERSONA = Persona(
    id="p-adds", traits=PersonaTraits(cooperativeness=1.0, upfront_info_rate=0.0, verbosity=0.0,
                                      patience=4),
    identity=Identity(first_name="Ada", last_name="Moss", email="ada.moss@example.org",
                      phone="415-555-0123", address1="1 Oak St", city="Salem", state="OR",
                      zip="97301"))


def _spec(scenario: Scenario, seed: int = 3) -> ConversationSpec:
    return ConversationSpec(id=scenario.id, campaign="t", scenario=scenario, persona=PERSONA,
                            perturbation=PerturbationProfile(), agent_version="v1", repetition=0,
                            seed=seed, pair_id=scenario.id, domain=scenario.domain, max_turns=20)


def _coffee_scenario(t: ScenarioTemplate, i: int) -> Scenario:
    slots = dict(t.slots)
    slots["opening"] = fill(t.opening[0], slots)
    return Scenario(id=f"coffee-{i}", domain="coffee", intent=t.intent, goal=fill(t.goal, slots),
                    slots=slots, expectations=t.expectations)


def test_packgen_lists_what_the_real_customer_said_after_its_opening() -> None:
    slots = {"addons": "hazelnut sweetener", "drink": "Latte", "quantity": "1"}
    later = ["What kind of sweeteners do you have?", "Can I add Hazelnut?", "Sure, it's good."]
    assert adds_later(slots, "Can I get a {drink}?", later) == ["addons"]
    # said in the opening: not added again; a quantity of 1 nobody spoke: never added
    assert adds_later(slots, "Can I get a {drink} with {addons}?", later) == []
    assert adds_later({**slots, "quantity": "2"}, "Can I get a {drink}?",
                      ["Make that two, please."]) == ["quantity"]
    # 'adds_later' is what the customer adds: the scenario's real customer said each one
    pack = find_domain("coffee")
    listed = [t for t in pack.scenarios if t.slots.get("adds_later")]
    assert len(listed) >= 10
    for t in listed:
        assert set(t.slots["adds_later"]) <= set(t.slots) - {"adds_later"}
        assert not any("{" + s + "}" in t.opening[0] for s in t.slots["adds_later"])


def test_coffee_customers_add_what_they_came_for_and_the_agent_updates_the_order() -> None:
    pack = find_domain("coffee")
    templates = [t for t in pack.scenarios if t.slots.get("adds_later")]
    agent, new_state = make()
    failed = []
    for i, t in enumerate(templates):
        scenario = _coffee_scenario(t, i)
        spec = _spec(scenario)
        conv = asyncio.run(run_conversation(
            spec, AgendaUser(spec, pack), PythonConnector("v1", agent, new_state),
            ToolSandbox(pack, {}, PerturbationProfile(), seed=3)))
        tools = [c.tool for c in conv.tool_calls if c.status == "ok"]
        # each added value was said by the customer or is in the order the agent read back
        said = " ".join(x.text.lower() for x in conv.turns)
        score = ProcessEvaluator().evaluate(conv, scenario)[0]
        values = [str(scenario.slots[s]).lower() for s in t.slots["adds_later"]]
        if not (conv.outcome == "completed" and score.passed and "finish_order" in tools
                and all(v.split()[0] in said for v in values)):
            failed.append((scenario.slots["opening"], values, tools, score.rationale))
        elif "update_order_item" in tools:  # added after the first summary: read back again
            assert tools.index("update_order_item") < tools.index("finish_order")
            assert tools[tools.index("update_order_item") + 1] == "get_order_details"
    assert not failed, failed[:3]
    assert len(templates) >= 10


def test_the_summary_already_holding_the_value_gets_a_plain_yes() -> None:
    pack = find_domain("coffee")
    t = next(t for t in pack.scenarios if t.slots.get("adds_later") == ["caffeine"])
    user = AgendaUser(_spec(_coffee_scenario(t, 0)), pack)
    asyncio.run(user.opening())
    reply = asyncio.run(user.respond(f"I have 1 decaf {t.slots['drink']} on your order. "
                                     "Does this look correct?"))
    assert "decaf" not in reply.text.lower() and not reply.unsure


@pytest.fixture(scope="module")
def kite() -> Domain:
    return load_domain_folder(KITE)


def _kite_user(kite: Domain, later: list[str] | None) -> AgendaUser:
    slots = {"line_last4": "4821", "zone": "Europe", "days": 5,
             "opening": "I'm off to Europe next week, can I get a travel pass?"}
    if later is not None:
        slots["adds_later"] = later
    scenario = Scenario(id="kite-travel", domain=kite.name, intent="travel_pass",
                        goal="You travel to Europe for 5 days and want a Travel Pass.",
                        slots=slots)
    user = AgendaUser(_spec(scenario), kite)
    asyncio.run(user.opening())
    return user


@pytest.mark.parametrize("summary", [
    "Okay, a Europe Travel Pass is $10/day. Shall I add it to your line?",
    "The Europe pass runs $10 a day. Do you want me to go ahead and put it on the line?",
])
def test_another_teams_pack_and_wording(kite: Domain, summary: str) -> None:
    assert recognise(summary, kite.vocabulary()).act == "confirm"
    # the days were never said and the summary has none: they come before any yes
    added = asyncio.run(_kite_user(kite, ["days"]).respond(summary))
    assert "5" in added.text and not added.end
    # no `adds_later` (every hand-written scenario so far): the yes as before
    plain = asyncio.run(_kite_user(kite, None).respond(summary))
    assert "5" not in plain.text
    # the summary names the days (as a word): nothing to add
    told = asyncio.run(_kite_user(kite, ["days"]).respond(
        summary.replace("$10", "five days at $10")))
    assert "5" not in told.text


def test_the_coffee_agent_updates_the_item_like_the_baristas() -> None:
    """At the summary "Can I add hazelnut?": get_addons, update_order_item on the item that
    add_order_item made, the order read back with the add-on; then the yes finishes it."""
    sandbox = ToolSandbox(find_domain("coffee"), {}, PerturbationProfile(), seed=3)
    agent, new_state = make()
    state = new_state()
    tools = _SandboxTools(sandbox)

    async def go() -> list[str]:
        return [(await agent.respond(state, line, tools)).text
                for line in ("Can I get a latte?", "Whole milk", "Can I add hazelnut?", "yes")]

    texts = asyncio.run(go())
    assert "latte with Whole Milk" in texts[1] and "hazelnut" not in texts[1]
    assert "hazelnut" in texts[2] and "correct" in texts[2]
    assert texts[3].startswith("Your order has been placed")
    calls = [(c.tool, c.arguments) for c in sandbox.calls]
    assert [t for t, _ in calls] == ["get_menu_items", "get_addons", "add_order_item",
                                     "get_order_details", "get_addons", "update_order_item",
                                     "get_order_details", "finish_order"]
    item = json.loads(sandbox.calls[2].result)["order_item_id"]
    update = calls[5][1]
    assert update["order_item_id"] == item and "attributes" not in update  # only what changed
    assert [a["addon_id"] for a in update["addons"]] and "hazelnut" in update["addons"][0]["addon_id"]


def test_what_the_agent_asked_for_is_an_answer_not_an_addition(tmp_path: Path) -> None:
    """The bank team's chat logs: its customers give their phone or name and date of birth
    after the agent asks ("Could you please provide your phone number...?"); those are
    answers, so no scenario of the pack built from them lists them to add unasked."""
    from convsim.core.packs.declarative import load_domain_folder as load
    from convsim.scenarios.ingest import ingest_transcripts
    from convsim.scenarios.packgen import PackgenConfig, pack_from_transcripts

    logs = KITE.parent / "bank" / "transcripts.jsonl"
    ingest_transcripts([logs], "openai", tmp_path / "ingested", salt="adds")
    pack_from_transcripts([tmp_path / "ingested"], tmp_path / "bankish", "bankish", PackgenConfig())
    bank = load(tmp_path / "bankish")
    assert len(bank.scenarios) >= 20
    assert not [t.slots["adds_later"] for t in bank.scenarios if t.slots.get("adds_later")]


NO_AMEND = '''"""A coffee agent v2 that hears the add-on at the summary and drops it."""
from convsim.domains.coffee.agent import CoffeeOrder, ScriptedCoffeeAgent


class NoAmend(ScriptedCoffeeAgent):
    async def _amend(self, state, amended, tools):
        return await self._read_back(state, tools)


def make():
    return NoAmend(), CoffeeOrder
'''


def test_the_gate_blocks_an_agent_that_drops_the_added_add_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before `adds_later` no customer added anything at the summary, so this regression could
    not show; now v2 fails the gate on process, and v1 against itself passes."""
    (tmp_path / "noamend.py").write_text(NO_AMEND)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "gate.yaml").write_text(f"""name: coffee-gate
seed: 4
scenarios: {{domain: coffee, n: 240}}
personas: {{n: 40}}
agents:
  - {{version: v1, connector: python, reference: coffee:scripted}}
  - {{version: v1_rerun, connector: python, reference: coffee:scripted}}
  - {{version: v2, connector: python, target: "noamend:make"}}
execution: {{executor: local}}
output_dir: {tmp_path / "runs"}
""")
    assert convsim("run", tmp_path / "gate.yaml").exit_code == 0
    [run] = (tmp_path / "runs" / "coffee-gate").iterdir()
    blocked = convsim("gate", run, "--baseline", "v1", "--candidate", "v2", "--out", tmp_path / "g2")
    verdict = json.loads((tmp_path / "g2" / "gate.json").read_text())
    assert blocked.exit_code == 1 and [f["metric"] for f in verdict["findings"]] == ["process"]
    same = convsim("gate", run, "--baseline", "v1", "--candidate", "v1_rerun", "--out", tmp_path / "g1")
    assert same.exit_code == 0, same.output
