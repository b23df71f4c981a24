"""The telecom pack: it loads by name, its tools follow tau2's telecom domain and the policy,
its scenario templates point at real rows and tools, and its scripted agent passes them."""

from __future__ import annotations

import asyncio
import copy
import re
from pathlib import Path
from typing import Any

import pytest

from convsim.core.acts import recognise
from convsim.core.packs.discovery import find_domain
from convsim.core.packs.model import Domain, ScenarioTemplate, fill, get_path
from convsim.core.records import (
    Conversation,
    ConversationSpec,
    Expectations,
    Identity,
    Persona,
    PersonaTraits,
    PerturbationProfile,
    Scenario,
    ToolCall,
)
from convsim.core.sandbox import ToolSandbox
from convsim.engine.loop import run_conversation
from convsim.evaluators.goal import GoalEvaluator
from convsim.evaluators.process import ProcessEvaluator
from convsim.simulator.connectors.http import PythonConnector
from convsim.simulator.customers.agenda import AgendaUser

IDENTIFY = {"get_customer_by_phone", "get_customer_by_id", "get_customer_by_name"}
PERSONA = Persona(
    id="p-telecom", traits=PersonaTraits(cooperativeness=1.0, upfront_info_rate=0.0,
                                         verbosity=0.0, patience=4),
    identity=Identity(first_name="Dana", last_name="Reyes", email="dana.reyes@example.org",
                      phone="415-555-0199", address1="9 Elm St", city="Salem", state="OR",
                      zip="97301"))


@pytest.fixture(scope="module")
def domain() -> Domain:
    return find_domain("telecom")


def call(domain: Domain, tool: str, state: dict[str, Any] | None = None,
         **arguments: Any) -> tuple[ToolCall, ToolSandbox]:
    sandbox = ToolSandbox(domain, domain.tables if state is None else state, PerturbationProfile(),
                          seed=1)
    return asyncio.run(sandbox.call(tool, arguments)), sandbox


def ok(domain: Domain, tool: str, **arguments: Any) -> tuple[Any, dict[str, Any]]:
    import json

    record, sandbox = call(domain, tool, **arguments)
    assert record.status == "ok", record.result
    return json.loads(record.result or "null"), sandbox.state


def refused(domain: Domain, tool: str, **arguments: Any) -> str:
    record, _ = call(domain, tool, **arguments)
    assert record.status == "error", f"{tool}({arguments}) should be refused: {record.result}"
    return record.result or ""


# --------------------------------------------------------------------------- the pack


def test_pack_loads_by_name_with_tools_state_policy_and_binding(domain: Domain) -> None:
    assert domain.name == "telecom"
    assert len(domain.tools) >= 8
    assert domain.escalation_tools == ["transfer_to_human_agents"]
    assert {len(rows) for rows in domain.tables.values()} and len(domain.tables["customers"]) == 4
    assert "Telecom Agent Policy" in domain.policy and "2GB" in domain.policy
    assert domain.binding is not None and domain.binding.table == "customers"
    assert "phone_number" not in domain.binding.fields  # phone numbers identify lines
    assert domain.agents["scripted"] == "convsim.domains.telecom.agent:make"
    assert set(domain.intent_weights()) >= {"suspend_line", "resume_line", "pay_overdue_bill",
                                            "refuel_data", "enable_roaming", "out_of_scope"}
    for name, slot in domain.slots.items():
        if slot.field:
            assert get_path(domain.tables["customers"]["C1001"], slot.field) is not None, name


def test_fixtures_keep_referential_integrity(domain: Domain) -> None:
    t = domain.tables
    for cid, customer in t["customers"].items():
        for line_id in customer["line_ids"]:
            assert t["lines"][line_id]["customer_id"] == cid
        for bill_id in customer["bill_ids"]:
            assert t["bills"][bill_id]["customer_id"] == cid
    for line in t["lines"].values():
        assert line["plan_id"] in t["plans"] and line["device_id"] in t["devices"]


def test_persona_binding_keeps_lookups_working(domain: Domain) -> None:
    scenario = Scenario(id="s", domain="telecom", intent="x", goal="g",
                        slots={"customer_id": "C1001"})
    state = domain.initial_state(scenario, PERSONA)
    row = state["customers"]["C1001"]
    assert row["full_name"] == "Dana Reyes" and row["email"] == "dana.reyes@example.org"
    assert row["phone_number"] == "555-123-2002"  # still the number of its line L1002
    assert domain.tables["customers"]["C1001"]["full_name"] == "John Smith"  # fixtures untouched
    sandbox = ToolSandbox(domain, state, PerturbationProfile(), seed=1)
    found = asyncio.run(sandbox.call("get_customer_by_name",
                                     {"full_name": "dana reyes", "dob": "1985-06-15"}))
    assert '"C1001"' in (found.result or "")


# --------------------------------------------------------------------------- the tools


def test_lookups(domain: Domain) -> None:
    assert ok(domain, "get_customer_by_phone", phone_number="555-123-2001")[0]["customer_id"] == "C1001"
    assert ok(domain, "get_customer_by_phone", phone_number="(555) 123 1002")[0]["customer_id"] == "C1002"
    assert "not found" in refused(domain, "get_customer_by_phone", phone_number="555-000-0000")
    assert ok(domain, "get_customer_by_id", customer_id="C1003")[0]["full_name"] == "Michael Lee"
    assert "not found" in refused(domain, "get_customer_by_id", customer_id="C9999")
    found = ok(domain, "get_customer_by_name", full_name="john smith", dob="1985-06-15")[0]
    assert [c["customer_id"] for c in found] == ["C1001"]
    assert ok(domain, "get_customer_by_name", full_name="John Smith", dob="1985-06-16")[0] == []
    for id_, field in [("L1003", "status"), ("D1003", "model"), ("B1005", "total_due"),
                       ("C1004", "account_status"), ("P1002", "data_refueling_price_per_gb")]:
        assert field in ok(domain, "get_details_by_id", id=id_)[0]
    assert "Unknown ID" in refused(domain, "get_details_by_id", id="X1")
    assert "not found" in refused(domain, "get_details_by_id", id="L9999")
    assert "bad arguments" in refused(domain, "get_customer_by_id")


def test_suspend_and_resume(domain: Domain) -> None:
    result, state = ok(domain, "suspend_line", customer_id="C1001", line_id="L1001",
                       reason="travelling")
    assert state["lines"]["L1001"]["status"] == "Suspended"
    assert state["lines"]["L1001"]["suspension_start_date"] == "2025-02-25"
    assert "$5/month" in result["message"]
    assert "must be active" in refused(domain, "suspend_line", customer_id="C1001",
                                       line_id="L1003", reason="x")
    assert "not found for customer" in refused(domain, "suspend_line", customer_id="C1002",
                                               line_id="L1001", reason="x")
    _, state = ok(domain, "resume_line", customer_id="C1003", line_id="L1009")
    assert state["lines"]["L1009"]["status"] == "Active"
    assert state["lines"]["L1009"]["suspension_start_date"] is None
    assert "must be suspended" in refused(domain, "resume_line", customer_id="C1001",
                                          line_id="L1001")


def test_data_usage_and_refuel(domain: Domain) -> None:
    usage = ok(domain, "get_data_usage", customer_id="C1001", line_id="L1001")[0]
    assert usage == {"line_id": "L1001", "data_used_gb": 3.2, "data_limit_gb": 5.0,
                     "data_refueling_gb": 0.0, "cycle_end_date": "2025-02-28"}
    result, state = ok(domain, "refuel_data", customer_id="C1001", line_id="L1001", gb_amount=2)
    assert result["charge"] == 10.0 and state["lines"]["L1001"]["data_refueling_gb"] == 2.0
    draft = state["bills"]["B1003"]  # C1001's draft bill takes the charge
    assert draft["total_due"] == 10.0 and draft["line_items"][-1]["amount"] == 10.0
    _, state = ok(domain, "refuel_data", customer_id="C1002", line_id="L1004", gb_amount=1.5)
    new_bill = state["bills"]["B1007"]  # C1002 has no draft: one is made for next month
    assert new_bill["status"] == "Draft" and new_bill["period_start"] == "2025-03-01"
    assert "B1007" in state["customers"]["C1002"]["bill_ids"]
    assert "At most 2 GB" in refused(domain, "refuel_data", customer_id="C1001", line_id="L1001",
                                     gb_amount=2.5)
    assert "positive" in refused(domain, "refuel_data", customer_id="C1001", line_id="L1001",
                                 gb_amount=0)


def test_roaming(domain: Domain) -> None:
    result, state = ok(domain, "enable_roaming", customer_id="C1001", line_id="L1001")
    assert result == "Roaming enabled successfully" and state["lines"]["L1001"]["roaming_enabled"]
    assert ok(domain, "enable_roaming", customer_id="C1001", line_id="L1002")[0] == \
        "Roaming was already enabled"
    result, state = ok(domain, "disable_roaming", customer_id="C1002", line_id="L1005")
    assert state["lines"]["L1005"]["roaming_enabled"] is False
    assert "not found for customer" in refused(domain, "enable_roaming", customer_id="C1003",
                                               line_id="L1001")


def test_bills_payment_request_and_payment(domain: Domain) -> None:
    bills = ok(domain, "get_bills_for_customer", customer_id="C1001")[0]
    assert [b["bill_id"] for b in bills] == ["B1003", "B1002", "B1001"]
    assert len(ok(domain, "get_bills_for_customer", customer_id="C1001", limit=1)[0]) == 1
    assert "not found for customer" in refused(domain, "send_payment_request",
                                               customer_id="C1001", bill_id="B1005")
    assert "No payment request" in refused(domain, "make_payment", customer_id="C1002",
                                           bill_id="B1005")
    state = copy.deepcopy(domain.tables)
    record, sandbox = call(domain, "send_payment_request", state, customer_id="C1002",
                           bill_id="B1005")
    assert record.status == "ok" and sandbox.state["bills"]["B1005"]["status"] == "Awaiting Payment"
    again = asyncio.run(sandbox.call("send_payment_request",
                                     {"customer_id": "C1002", "bill_id": "B1004"}))
    assert again.status == "error" and "already awaiting payment" in (again.result or "")
    paid = asyncio.run(sandbox.call("make_payment", {"customer_id": "C1002", "bill_id": "B1005"}))
    assert paid.status == "ok" and sandbox.state["bills"]["B1005"]["status"] == "Paid"
    assert "$425.00" in (paid.result or "")


def test_transfer_is_an_escalation(domain: Domain) -> None:
    result, state = ok(domain, "transfer_to_human_agents", summary="wants to port out")
    assert result == "Transfer successful" and state["transferred"] is True
    assert domain.tools["transfer_to_human_agents"].escalation


# --------------------------------------------------------------------------- scenario templates


def _matching(domain: Domain, table: str, where: dict[str, Any]) -> list[tuple[str, dict]]:
    return [(key, row) for key, row in sorted(domain.tables[table].items())
            if all(get_path(row, f) == v for f, v in where.items())]


def expand(domain: Domain, template: ScenarioTemplate) -> list[Scenario]:
    """Every scenario a template can make (one per picked-row combination), filled the way
    the scenario generator fills them (`{customer.x}`, `{<pick>.x}`, `{slot}`)."""
    assert template.customer is not None and domain.binding is not None
    out = []
    for key, customer in _matching(domain, template.customer.table, template.customer.where):
        combos: list[dict[str, Any]] = [{}]
        for name, pick in template.picks.items():
            combos = [{**c, name: {**row, "_key": k}} for c in combos
                      for k, row in _matching(domain, pick.table, pick.where)]
        for picks in combos:
            context: dict[str, Any] = {"customer": customer, domain.binding.slot: key, **picks}
            slots: dict[str, Any] = {domain.binding.slot: key}
            for name, value in template.slots.items():
                if isinstance(value, dict) and "choice" in value:
                    value = value["choice"][len(out) % len(value["choice"])]
                slots[name] = context[name] = fill(value, context)
            slots["opening"] = fill(template.opening[len(out) % len(template.opening)], context)
            slots["unknown"] = list(template.unknown)
            expectations = Expectations.model_validate(
                fill(template.expectations.model_dump(), context))
            out.append(Scenario(
                id=f"{template.intent}-{key}-{len(out)}", domain="telecom", intent=template.intent,
                goal=fill(template.goal, context), slots=slots, expectations=expectations))
    return out


def all_scenarios(domain: Domain) -> list[Scenario]:
    return [s for t in domain.scenarios for s in expand(domain, t)]


def test_templates_point_at_real_rows_tools_and_slots(domain: Domain) -> None:
    placeholder = re.compile(r"\{[\w.]+\}")
    scenarios = all_scenarios(domain)
    assert {s.intent for s in scenarios} == set(domain.intent_weights())
    for t in domain.scenarios:
        assert expand(domain, t), f"{t.intent}: no row matches its picks"
        assert set(t.slots) | set(t.unknown) <= set(domain.slots), t.intent
        assert t.opening and t.expectations.process
    for s in scenarios:
        text = repr((s.goal, s.slots, s.expectations.model_dump()))
        assert not placeholder.search(text), f"{s.id}: unfilled placeholder in {text}"
        for path in s.expectations.final_state:
            if path == "transferred":  # set by transfer_to_human_agents, not a fixture
                continue
            assert get_path(domain.tables, path) is not None, f"{s.id}: {path} not in the state"
        for step in s.expectations.process:
            assert set(step.tools) <= set(domain.tools), step
        assert set(s.expectations.forbidden_tools) <= set(domain.tools)
        assert s.expectations.escalation_expected == (s.intent == "out_of_scope")
        if s.intent != "out_of_scope":  # identify the customer before acting on the account
            identify = next(p for p in s.expectations.process if set(p.tools) == IDENTIFY)
            assert identify.before
    for key, options in domain.utterances.items():
        for text in options:
            assert {m[1:-1] for m in placeholder.findall(text)} <= set(domain.slots), key


# --------------------------------------------------------------------------- the scripted agent


def converse(domain: Domain, scenario: Scenario, state: dict[str, Any] | None = None
             ) -> Conversation:
    """One conversation of the scripted agent with the agenda customer (a patient,
    cooperative persona, so a failure is the agent's or the pack's)."""
    from convsim.domains.telecom.agent import make

    state = state if state is not None else domain.initial_state(scenario, PERSONA)
    spec = ConversationSpec(id=scenario.id, campaign="t", scenario=scenario, persona=PERSONA,
                            perturbation=PerturbationProfile(), agent_version="scripted",
                            repetition=0, seed=3, pair_id=scenario.id, domain="telecom",
                            max_turns=40)
    sandbox = ToolSandbox(domain, state, PerturbationProfile(), seed=3)
    agent, new_state = make()
    return asyncio.run(run_conversation(spec, AgendaUser(spec, domain),
                                        PythonConnector("scripted", agent, new_state), sandbox))


@pytest.mark.parametrize("identify_with", ["phone", "customer_id", "name_dob"])
def test_scripted_agent_passes_every_template_scenario(domain: Domain, identify_with: str) -> None:
    failures = []
    for base in all_scenarios(domain):
        scenario = base.model_copy(update={"slots": {**base.slots, "identify_with": identify_with}})
        conv = converse(domain, scenario)
        scores = [*GoalEvaluator().evaluate(conv, scenario),
                  *ProcessEvaluator().evaluate(conv, scenario)]
        if scenario.expectations.escalation_expected != (conv.outcome == "transferred"):
            failures.append(f"{scenario.id}: outcome {conv.outcome}")
        bad = [f"{s.metric}: {s.rationale}" for s in scores if s.passed is not True]
        acts = [recognise(t.text).act for t in conv.turns if t.role == "agent"]
        if "success" not in acts and not scenario.expectations.escalation_expected:
            bad.append(f"no agent turn reads as a success: {acts}")
        if bad:
            failures.append(f"{scenario.id}: {bad}\n" + "\n".join(
                f"  {t.role}: {t.text}" for t in conv.turns))
    assert not failures, "\n".join(failures)


def test_agent_transfers_out_of_scope_requests(domain: Domain) -> None:
    scenario = next(s for s in all_scenarios(domain) if s.intent == "out_of_scope")
    conv = converse(domain, scenario)
    assert conv.outcome == "transferred"
    assert [c.tool for c in conv.tool_calls] == ["transfer_to_human_agents"]
    assert conv.final_state["transferred"] is True


def test_agent_identifies_by_name_and_birth_date_when_no_number_is_known(domain: Domain) -> None:
    base = next(s for s in all_scenarios(domain) if s.intent == "pay_overdue_bill")
    scenario = base.model_copy(update={"slots": {
        **base.slots, "unknown": ["customer_id", "phone_number", "bill_id"]}})
    conv = converse(domain, scenario)
    tools = [c.tool for c in conv.tool_calls]
    assert tools[0] == "get_customer_by_name" and conv.tool_calls[0].arguments["full_name"] == \
        "Dana Reyes"  # the persona's name, bound onto the customer's row
    assert conv.final_state["bills"]["B1005"]["status"] == "Paid"
    assert tools.index("get_bills_for_customer") < tools.index("send_payment_request") < \
        tools.index("make_payment")


def test_agent_refuses_to_resume_a_line_with_an_overdue_bill_or_ended_contract(
        domain: Domain) -> None:
    base = next(s for s in all_scenarios(domain)
                if s.intent == "resume_line" and s.slots["customer_id"] == "C1001")
    for change in ("overdue", "contract"):
        state = domain.initial_state(base, PERSONA)
        if change == "overdue":
            state["bills"]["B1002"]["status"] = "Overdue"
        else:
            state["lines"]["L1003"]["contract_end_date"] = "2025-01-31"
        conv = converse(domain, base, state)
        assert "resume_line" not in [c.tool for c in conv.tool_calls], change
        assert conv.final_state["lines"]["L1003"]["status"] == "Suspended"
        assert any("can't" in t.text for t in conv.turns if t.role == "agent"), change


def test_agent_asks_before_acting_and_respects_a_no(domain: Domain) -> None:
    from convsim.domains.telecom.agent import make

    agent, new_state = make()
    sandbox = ToolSandbox(domain, domain.tables, PerturbationProfile(), seed=1)
    connector = PythonConnector("scripted", agent, new_state)

    async def talk(*texts: str) -> list[str]:
        return [(await connector.send("c", t, sandbox, "")).text for t in texts]

    replies = asyncio.run(talk("I want to suspend my line 555-123-2001", "Going abroad.", "no"))
    assert "Shall I go ahead? (yes/no)" in replies[-2]
    assert "won't make any changes" in replies[-1]
    assert "suspend_line" not in [c.tool for c in sandbox.calls]
    assert sandbox.state["lines"]["L1001"]["status"] == "Active"


# --------------------------------------------------------------------------- campaigns

CAMPAIGN = """\
name: telecom-{executor}
seed: 5
repetitions: 1
scenarios: {{domain: telecom, n: 14}}
personas: {{n: 6}}
agents:
  - {{version: v1, connector: python, target: "convsim.domains.telecom.agent:make"}}
execution: {{executor: {executor}, batch_size: 5, concurrency: 4}}
output_dir: {out}
"""


def run_telecom_campaign(tmp_path: Path, executor: str) -> Path:
    from convsim.core.campaign_file import load_campaign
    from convsim.engine.campaign import run_campaign

    path = tmp_path / f"telecom-{executor}.yaml"
    path.write_text(CAMPAIGN.format(executor=executor, out=tmp_path / "runs"))
    return Path(run_campaign(load_campaign(path)).run_dir)


def check_run(run_dir: Path, domain: Domain) -> None:
    import polars as pl

    conversations = pl.read_parquet(run_dir / "conversations" / "*.parquet")
    calls = pl.read_parquet(run_dir / "tool_calls" / "*.parquet")
    scores = pl.read_parquet(run_dir / "scores" / "*.parquet")
    assert conversations.height == 14 and set(conversations["domain"]) == {"telecom"}
    tools = set(calls["tool"])
    assert tools <= set(domain.tools) and tools & IDENTIFY
    assert tools & {"suspend_line", "resume_line", "refuel_data", "enable_roaming",
                    "disable_roaming", "make_payment"}
    for metric in ("process", "goal"):
        rows = scores.filter((pl.col("metric") == metric) & pl.col("passed").is_not_null())
        assert rows.height == 14, metric
        assert rows["passed"].mean() >= 0.7, (metric, rows.select("rationale").to_series().to_list())


def test_campaign_runs_the_scripted_agent_locally(tmp_path: Path, domain: Domain) -> None:
    check_run(run_telecom_campaign(tmp_path, "local"), domain)


def test_campaign_runs_the_scripted_agent_on_ray(tmp_path: Path, domain: Domain, ray_local) -> None:
    check_run(run_telecom_campaign(tmp_path, "ray"), domain)


def test_generator_fills_every_template(domain: Domain) -> None:
    from convsim.core.config import ScenarioGenConfig
    from convsim.scenarios.generate import generate_scenarios

    scenarios = generate_scenarios(domain, ScenarioGenConfig(domain="telecom", n=60), 7)
    assert {s.intent for s in scenarios} == set(domain.intent_weights())
    for s in scenarios:
        text = repr((s.goal, s.slots, s.expectations.model_dump()))
        assert not re.search(r"\{[\w.]+\}", text), f"{s.id}: unfilled placeholder in {text}"
        for path in s.expectations.final_state:
            if path == "transferred":  # set by transfer_to_human_agents, not a fixture
                continue
            assert get_path(domain.tables, path) is not None, f"{s.id}: {path} not in the state"
