"""Sandbox, perturbations, agenda user and reference agent server in isolation."""

from __future__ import annotations

import asyncio

import aiohttp
import numpy as np
from aiohttp import web

from convsim.core.acts import classify
from convsim.core.packs.discovery import find_domain
from convsim.core.perturb import apply_noise
from convsim.core.records import PerturbationProfile, TextNoise, ToolFault
from convsim.core.sandbox import CONVERSATION_HEADER, SandboxHub, ToolSandbox
from convsim.domains.retail.agent.policy import ReferenceAgentConfig
from convsim.domains.retail.agent.server import build_app
from convsim.domains.retail.scenarios import load_retail_db

YAML_AGENT = "convsim.domains.retail.agent:from_yaml"  # the retail pack's agent_loader

RETAIL = find_domain("retail")


def _state() -> dict:
    db = load_retail_db()
    order = next(o for o in db["orders"].values() if o["status"] == "pending")
    uid = order["user_id"]
    return {"users": {uid: db["users"][uid]}, "orders": {order["order_id"]: order},
            "products": {}}, order["order_id"]


def test_sandbox_state_is_private_per_conversation() -> None:
    state, oid = _state()
    a = ToolSandbox(RETAIL, state, PerturbationProfile(), 1)
    b = ToolSandbox(RETAIL, state, PerturbationProfile(), 1)
    call = asyncio.run(a.call("cancel_pending_order", {"order_id": oid, "reason": "no longer needed"}))
    assert call.status == "ok"
    assert a.state["orders"][oid]["status"] == "cancelled"
    assert b.state["orders"][oid]["status"] == "pending" == state["orders"][oid]["status"]


def test_sandbox_business_errors_and_bad_arguments() -> None:
    state, oid = _state()
    box = ToolSandbox(RETAIL, state, PerturbationProfile(), 1)
    bad_reason = asyncio.run(box.call("cancel_pending_order", {"order_id": oid, "reason": "meh"}))
    unknown = asyncio.run(box.call("launch_rocket", {}))
    missing = asyncio.run(box.call("get_order_details", {}))
    assert [c.status for c in (bad_reason, unknown, missing)] == ["error", "unknown_tool", "error"]
    assert all(c.injected_fault is None for c in (bad_reason, unknown, missing))
    assert "unknown tool" in unknown.result and "bad arguments" in missing.result


def test_fault_injection_is_deterministic_and_near_its_rate() -> None:
    state, oid = _state()
    profile = PerturbationProfile(tool_faults={"*": ToolFault(error_rate=0.3, malformed_rate=0.1)})

    def statuses(seed: int) -> list[str]:
        box = ToolSandbox(RETAIL, state, profile, seed, timeout_delay_s=0)
        return [asyncio.run(box.call("get_order_details", {"order_id": oid})).status
                for _ in range(400)]

    first = statuses(5)
    assert first == statuses(5) and first != statuses(6)
    assert 0.22 < first.count("error") / 400 < 0.38
    assert 0.05 < first.count("malformed") / 400 < 0.16


def test_noise_never_touches_identifiers() -> None:
    rng = np.random.default_rng(0)
    text = "my email is jo.smith12@example.com and order #W1234567 zip 90210 please cancel it"
    noisy, applied = apply_noise(text, TextNoise(typo_rate=1.0), 0.0, rng)
    assert noisy != text and applied == ["typo"]
    for token in ("jo.smith12@example.com", "#W1234567", "90210"):
        assert token in noisy
    assert apply_noise(text, TextNoise(), 0.0, rng) == (text, [])


def test_classify_agent_acts() -> None:
    assert classify("YOU ARE BEING TRANSFERRED TO A HUMAN AGENT.") == "transfer"
    assert classify("Could you please provide your email address?") == "request"
    assert classify("What is the new address? Please give street, city, state and zip code."
                    ) == "request"
    assert classify("To confirm: I will cancel. Do you want me to proceed (yes/no)?") == "confirm"
    assert classify("Your order #W1 has been cancelled. Anything else?") == "success"
    assert classify("Lovely weather.") == "inform"


async def _chat_server_roundtrip() -> tuple[int, dict, int]:
    state, oid = _state()
    hub = SandboxHub()
    await hub.start()
    hub.open("c1", ToolSandbox(RETAIL, state, PerturbationProfile(), 1))
    runner = web.AppRunner(build_app(ReferenceAgentConfig(version="vT"), sandbox_url=hub.url))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    try:
        async with aiohttp.ClientSession() as s:
            async with s.post(f"{url}/v1/chat", data="{oops") as bad:
                bad_status = bad.status
            email = state["users"][next(iter(state["users"]))]["email"]
            async with s.post(f"{url}/v1/chat", json={
                    "conversation_id": "c1",
                    "message": f"Where is my order {oid}? My email is {email}"}) as ok:
                body = await ok.json()
            async with s.post(f"{hub.url}/tools/get_order_details", json={"order_id": oid},
                              headers={CONVERSATION_HEADER: "nobody"}) as unknown:
                unknown_status = unknown.status
    finally:
        await runner.cleanup()
        await hub.stop()
    return bad_status, body, unknown_status


def test_reference_agent_http_api() -> None:
    bad_status, body, unknown_status = asyncio.run(_chat_server_roundtrip())
    assert bad_status == 400
    assert "status of order" in body["reply"] and body["end"] is False
    assert unknown_status == 404


def _edge_conversations(case: str, n: int = 3):
    from convsim.core.config import ScenarioGenConfig
    from convsim.core.packs.discovery import find_domain
    from convsim.core.records import ConversationSpec
    from convsim.core.registry import evaluators
    from convsim.domains.retail.scenarios import generate_retail_scenarios
    from convsim.engine.loop import run_conversation
    from convsim.personas import PersonaGenConfig, generate_personas
    from convsim.simulator.connectors.http import make_python
    from convsim.simulator.customers.agenda import AgendaUser

    config = ScenarioGenConfig(n=120, strategy="stratified", edge_case_rate=1.0)
    scenarios = [s for s in generate_retail_scenarios(config, 2) if case in s.tags][:n]
    persona = generate_personas(PersonaGenConfig(
        n=1, cooperativeness={"a": 50, "b": 0.1}, upfront_info_rate={"a": 0.01, "b": 50},
        typo_rate={"a": 0.01, "b": 1000}), 0)[0]
    domain = find_domain("retail")
    out = []
    for i, s in enumerate(scenarios):
        spec = ConversationSpec(id=f"e{i}", campaign="t", scenario=s, persona=persona,
                                perturbation=PerturbationProfile(), agent_version="v1",
                                repetition=0, seed=i, pair_id=f"e{i}")
        box = ToolSandbox(domain, domain.initial_state(s, persona), spec.perturbation, i)
        agent = make_python("v1", target=YAML_AGENT, reference=domain.agents["v1"])
        conv = asyncio.run(run_conversation(spec, AgendaUser(spec, domain), agent, box))
        out.append((conv, evaluators.create("goal").evaluate(conv, s)[0].passed))
    assert len(out) == n
    return out


def test_edge_case_wrong_information_is_corrected() -> None:
    results = _edge_conversations("wrong_info")
    assert all(passed for _, passed in results)
    for conv, _ in results:
        lookups = [c for c in conv.tool_calls if c.tool.startswith(("find_user", "get_order"))]
        assert lookups[0].status == "error" and lookups[1].status == "ok"


def test_edge_case_missing_order_id_is_found_from_the_account() -> None:
    for conv, passed in _edge_conversations("missing_info"):
        assert "get_user_details" in [c.tool for c in conv.tool_calls]
        assert any("found these orders" in t.text for t in conv.turns) and passed


def test_edge_case_change_of_request_mid_way() -> None:
    results = _edge_conversations("change_mind", n=6)
    for conv, _ in results:
        assert any(t.role == "customer" and ("never mind" in (t.clean_text or "").lower()
                                             or "changed my mind" in (t.clean_text or "").lower()
                                             or "something else" in (t.clean_text or "").lower())
                   for t in conv.turns)
    assert sum(passed for _, passed in results) >= 4
