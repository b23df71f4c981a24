"""The conversation loop with the in-process reference agent and over real HTTP."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from convsim.core.packs.discovery import find_domain
from convsim.core.records import PerturbationProfile
from convsim.core.sandbox import SandboxHub, ToolSandbox
from convsim.domains.retail.agent.policy import load_agent_config
from convsim.domains.retail.agent.server import build_app
from convsim.engine.loop import run_conversation
from convsim.simulator.connectors.http import HttpConnector, make_python
from convsim.simulator.customers.agenda import AgendaUser

YAML_AGENT = "convsim.domains.retail.agent:from_yaml"  # the retail pack's agent_loader

RETAIL = find_domain("retail")

_spec = importlib.util.spec_from_file_location("helpers", Path(__file__).with_name("helpers.py"))
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)
AGENTS = RETAIL.root / "agents"


def _sandbox(spec, profile: PerturbationProfile | None = None) -> ToolSandbox:
    state = RETAIL.initial_state(spec.scenario, spec.persona)
    return ToolSandbox(RETAIL, state, profile or spec.perturbation, spec.seed)


def _run_python(spec, version: str):
    agent = make_python(version, target=YAML_AGENT, reference=str(AGENTS / f"{version}.yaml"))
    return asyncio.run(run_conversation(spec, AgendaUser(spec, RETAIL), agent, _sandbox(spec)))


def _tools(conv) -> list[str]:
    return [c.tool for c in conv.tool_calls]


def test_v1_authenticates_discloses_and_cancels() -> None:
    spec = helpers.demo_specs("cancel_order")[0]
    conv = _run_python(spec, "v1")
    tools = _tools(conv)
    assert conv.outcome == "completed" and conv.error is None
    assert tools[0].startswith("find_user_id_by_")
    assert tools.index("get_order_details") < tools.index("cancel_pending_order")
    order = spec.scenario.slots["order_id"]
    assert conv.final_state["orders"][order]["status"] == "cancelled"
    assert any("5 to 7 business days" in t.text for t in conv.turns if t.role == "agent")
    assert [t.index for t in conv.turns] == list(range(len(conv.turns)))
    assert conv.turns[0].role == "customer" and conv.turns[1].role == "agent"


def test_v2_cancels_without_authentication_or_disclosure() -> None:
    spec = helpers.demo_specs("cancel_order")[0]
    conv = _run_python(spec, "v2")
    assert "cancel_pending_order" in _tools(conv)
    assert not any(t.startswith("find_user_id") for t in _tools(conv))
    assert not any("business days" in t.text for t in conv.turns if t.role == "agent")


def test_out_of_scope_is_transferred() -> None:
    spec = helpers.demo_specs("out_of_scope")[0]
    conv = _run_python(spec, "v1")
    assert conv.outcome == "transferred"
    assert conv.final_state.get("transferred") is True


def test_same_spec_same_conversation() -> None:
    spec = helpers.demo_specs("return_items", perturbation="noisy")[0]
    a, b = _run_python(spec, "v1"), _run_python(spec, "v1")
    assert [t.text for t in a.turns] == [t.text for t in b.turns]
    assert a.tool_calls == b.tool_calls


def test_persistent_tool_failure_leads_to_transfer() -> None:
    spec = helpers.demo_specs("cancel_order")[0]
    broken = PerturbationProfile(name="broken",
                                 tool_faults={"get_order_details": {"error_rate": 1.0}})
    agent = make_python("v1", target=YAML_AGENT, reference=str(AGENTS / "v1.yaml"))
    conv = asyncio.run(run_conversation(spec, AgendaUser(spec, RETAIL), agent, _sandbox(spec, broken)))
    faults = [c for c in conv.tool_calls if c.tool == "get_order_details"]
    assert len(faults) == 2 and all(c.injected_fault == "error" for c in faults)  # one retry
    assert conv.outcome == "transferred"


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"


async def _over_http(spec, agent_app: web.Application | None, url: str | None = None):
    hub = SandboxHub()
    await hub.start()
    runner = None
    if agent_app is not None:
        runner, url = await _serve(agent_app)
    try:
        async with aiohttp.ClientSession() as session:
            connector = HttpConnector("v1", url, session, timeout_s=2, retries=1)
            sandbox = _sandbox(spec)
            hub.open(spec.id, sandbox)
            return await run_conversation(spec, AgendaUser(spec, RETAIL), connector, sandbox, hub.url)
    finally:
        await hub.stop()
        if runner is not None:
            await runner.cleanup()


def test_http_agent_matches_in_process_agent() -> None:
    spec = helpers.demo_specs("return_items")[0]
    app = build_app(load_agent_config(AGENTS / "v1.yaml"))
    over_http = asyncio.run(_over_http(spec, app))
    in_process = _run_python(spec, "v1")
    assert over_http.error is None
    assert [t.text for t in over_http.turns] == [t.text for t in in_process.turns]
    assert _tools(over_http) == _tools(in_process)


def test_unreachable_agent_is_an_infrastructure_error() -> None:
    spec = helpers.demo_specs("cancel_order")[0]
    conv = asyncio.run(_over_http(spec, None, url="http://127.0.0.1:9"))
    assert conv.outcome == "agent_error"
    assert "unreachable" in conv.error


@pytest.mark.parametrize("body,status", [("not json at all", 200), ('{"text": "hi"}', 200),
                                         ("boom", 500)])
def test_garbage_replies_are_recorded_not_raised(body: str, status: int) -> None:
    app = web.Application()

    async def chat(request: web.Request) -> web.Response:
        return web.Response(text=body, status=status)

    app.router.add_post("/v1/chat", chat)
    spec = helpers.demo_specs("cancel_order")[0]
    conv = asyncio.run(_over_http(spec, app))
    assert conv.outcome == "agent_error"
    assert conv.error and spec.agent_version in conv.error
    assert len(conv.turns) == 1  # the customer's opening is kept
