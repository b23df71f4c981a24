"""LLM paths, offline: the seam, the LLM customer and the `openai` connector.

Every call goes through litellm for real, to a scripted OpenAI-compatible server
on 127.0.0.1 (tests/llm_server.py). The server starts when this module is
imported and its address and a fake key go into the environment then: Ray
workers inherit the environment of `ray.init()`, which runs after collection.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.core.campaign_file import load_campaign
from convsim.core.config import LLMConfig
from convsim.core.llm import LLMClient, LLMError
from convsim.core.packs.discovery import find_domain
from convsim.core.protocols import AgentProtocolError
from convsim.core.sandbox import ToolSandbox
from convsim.engine.campaign import build_population, plan_specs, run_campaign
from convsim.simulator.connectors.openai import OpenAIAgent
from convsim.simulator.customers.llm import PROMPT_VERSION, CustomerMisbehaved, LLMUser

_spec = importlib.util.spec_from_file_location(
    "llm_server", Path(__file__).resolve().parents[1] / "llm_server.py")
llm_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(llm_server)

KEY = "sk-test-SECRET123"
SERVER, server = llm_server.shared_server(KEY)
text, tool_calls, error, hang = (llm_server.text, llm_server.tool_calls, llm_server.error,
                                 llm_server.hang)
runner = CliRunner()



def _complete(client: LLMClient, model: str = "openai/scripted", **kwargs: Any):
    messages = kwargs.pop("messages", [{"role": "user", "content": "hi"}])
    return asyncio.run(client.complete(messages, model=model, temperature=0, **kwargs))


def _no_key(*folders: Path, output: str = "") -> None:
    assert KEY not in output
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                assert KEY.encode() not in path.read_bytes(), path


# --------------------------------------------------------------------------- the seam


def test_rate_limit_is_retried_after_the_time_the_server_asks(server) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    server.push(error(429, retry_after=3), error(503), text("hello"))
    client = LLMClient(LLMConfig(cache_dir=None, retries=3), backoff_s=0.01, sleep=sleep)
    result = _complete(client)
    assert result.text == "hello" and server.count == 3
    assert waits[0] >= 3 and waits[1] < 1          # Retry-After honoured, then plain backoff
    assert result.usage.calls == 1 and result.usage.prompt_tokens == 40
    # convsim owns the retries: litellm and the OpenAI SDK made no retries of their own.
    assert {h.get("x-stainless-retry-count") for h in server.headers} == {"0"}


def test_server_errors_and_timeouts_end_in_llm_error(server) -> None:
    client = LLMClient(LLMConfig(cache_dir=None, retries=2, timeout_s=0.3), backoff_s=0.01)
    server.push(error(500), error(500), error(500), text("too late"))
    with pytest.raises(LLMError, match="3 attempts") as failed:
        _complete(client)
    assert failed.value.transient and server.count == 3

    server.reset()
    server.push(hang(3), text("after a timeout"))
    assert _complete(client).text == "after a timeout" and server.count == 2


def test_rejected_request_is_not_retried_and_keys_are_scrubbed(server) -> None:
    server.push(error(401, message=f"Incorrect API key provided: {KEY}"))
    with pytest.raises(LLMError) as failed:
        _complete(LLMClient(LLMConfig(cache_dir=None, retries=3), backoff_s=0.01))
    assert not failed.value.transient and server.count == 1
    assert KEY not in str(failed.value) and "<OPENAI_API_KEY>" in str(failed.value)


def test_cache_answers_an_identical_request_without_a_call(server, tmp_path: Path) -> None:
    server.rule = lambda body: tool_calls(("lookup", {"q": body["messages"][-1]["content"]}),
                                          content="checking")
    client = LLMClient(LLMConfig(cache_dir=str(tmp_path / "cache")))
    first = _complete(client, seed=1)
    again = _complete(client, seed=1)
    assert server.count == 1 and not first.cached and again.cached
    assert again.text == first.text == "checking"
    assert again.tool_calls == first.tool_calls and again.tool_calls[0]["name"] == "lookup"
    assert again.usage.cache_hits == 1 and again.usage.calls == 0
    assert again.usage.prompt_tokens == 0 and again.usage.known_cost_usd == 0
    _complete(client, seed=2)                    # another seed, another request
    _complete(client, seed=1, sample="rep-2")    # another sample of the same request
    assert server.count == 3
    _no_key(tmp_path / "cache")
    import diskcache

    with diskcache.Cache(str(tmp_path / "cache"), disk=diskcache.JSONDisk) as store:
        entries = [store[k] for k in store.iterkeys()]
    assert len(entries) == 3 and all("headers" not in e and "messages" not in e for e in entries)
    # A fresh client (a re-run, another worker process) reads the same store.
    fresh = _complete(LLMClient(LLMConfig(cache_dir=str(tmp_path / "cache"))), seed=2)
    assert fresh.cached and server.count == 3


def test_cost_comes_from_the_local_price_map_and_unknown_models_are_unpriced(server) -> None:
    server.rule = lambda body: text("ok", prompt_tokens=1000, completion_tokens=100)
    client = LLMClient(LLMConfig(cache_dir=None))
    priced = _complete(client, model="openai/gpt-4o-mini").usage
    assert priced.known_cost_usd > 0 and priced.unpriced_calls == 0 and priced.cost_usd
    unknown = _complete(client, model="openai/no-such-model").usage
    assert unknown.unpriced_calls == 1 and unknown.known_cost_usd == 0
    assert unknown.cost_usd is None            # unknown, not free


# --------------------------------------------------------------------------- the connector

RETAIL = find_domain("retail")


def _retail_spec(tmp_path: Path, intent: str = "cancel_order"):
    config = load_campaign(_write(tmp_path, "retail", "local", n=6))
    specs = plan_specs(config, *build_population(config))
    return next(s for s in specs if s.scenario.intent == intent)


def test_openai_agent_runs_parallel_and_malformed_tool_calls(server, tmp_path: Path) -> None:
    spec = _retail_spec(tmp_path)
    order = spec.scenario.slots["order_id"]
    sandbox = ToolSandbox(RETAIL, RETAIL.initial_state(spec.scenario, spec.persona),
                          spec.perturbation, spec.seed)
    agent = OpenAIAgent("v1", "openai/scripted-agent", "Be helpful.",
                        {"temperature": 0, "max_tokens": 200}, LLMConfig(cache_dir=None))
    server.push(
        tool_calls(("find_user_id_by_email", {"email": spec.persona.identity.email}),
                   ("get_order_details", {"order_id": order}), content="Let me check."),
        tool_calls(("get_order_details", '{"order_id": "#W1'), ("get_product_details", "[1]")),
        text(f"Order {order} is pending."),
        tool_calls(("transfer_to_human_agents", {"summary": "wants a human"})),
        text("Transferring you now."))
    reply = asyncio.run(agent.send("c-1", "Where is my order?", sandbox, ""))
    assert reply.text == f"Let me check.\nOrder {order} is pending." and not reply.handoff
    assert [(c.tool, c.status) for c in sandbox.calls] == [
        ("find_user_id_by_email", "ok"), ("get_order_details", "ok"),
        ("get_order_details", "malformed"), ("get_product_details", "malformed")]
    assert sandbox.calls[2].arguments == {"unparsed_arguments": '{"order_id": "#W1'}
    second, third = server.requests[1]["messages"], server.requests[2]["messages"]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "tool", "tool"]
    assert [m["tool_call_id"] for m in second[3:]] == [c["id"] for c in second[2]["tool_calls"]]
    assert '"user_id"' not in second[3]["content"] and order in second[4]["content"]
    assert all("not a valid JSON object" in m["content"] for m in third[-2:])
    assert server.requests[0]["tools"] == RETAIL.tool_schemas()
    assert server.requests[0]["max_tokens"] == 200

    reply = asyncio.run(agent.send("c-1", "Get me a human.", sandbox, ""))
    assert reply.handoff and sandbox.state["transferred"] is True
    usage = agent.usage("c-1")
    assert usage is not None and usage.calls == 5 and agent.usage("c-1") is None
    assert usage.models == [f"openai/scripted-agent#{agent.fingerprint[:8]}"]
    other = OpenAIAgent("v2", "openai/scripted-agent", "Be very helpful.", {},
                        LLMConfig(cache_dir=None))
    server.push(text("Hello."))
    asyncio.run(other.send("c-2", "hi", sandbox, ""))
    assert other.fingerprint != agent.fingerprint


def test_openai_agent_that_never_stops_calling_tools_is_a_protocol_error(server, tmp_path: Path
                                                                         ) -> None:
    server.rule = lambda body: tool_calls(("get_order_details", {"order_id": "#W0000000"}))
    spec = _retail_spec(tmp_path)
    sandbox = ToolSandbox(RETAIL, RETAIL.initial_state(spec.scenario, spec.persona),
                          spec.perturbation, spec.seed)
    agent = OpenAIAgent("v1", "openai/scripted-agent", None, {}, LLMConfig(cache_dir=None))
    with pytest.raises(AgentProtocolError, match="rounds of tool calls"):
        asyncio.run(agent.send("c-1", "hi", sandbox, ""))
    assert server.count == 9 and len(sandbox.calls) == 9
    assert server.requests[0]["messages"][0]["content"].startswith("You are a customer-service")


# --------------------------------------------------------------------------- the customer


def test_customer_prompt_carries_persona_facts_and_rules(tmp_path: Path) -> None:
    config = load_campaign(_write(tmp_path, "telecom", "local", n=6))
    spec = next(s for s in plan_specs(config, *build_population(config))
                if s.scenario.slots.get("unknown"))
    telecom = find_domain("telecom")
    traits = spec.persona.traits.model_copy(update={
        "verbosity": 0.1, "cooperativeness": 0.3, "patience": 2, "emotion": "frustrated"})
    difficult = spec.model_copy(update={"persona": spec.persona.model_copy(
        update={"traits": traits, "style_examples": ["ugh, my phone again", "need this fixed"]})})
    prompt = LLMUser(difficult, telecom, LLMConfig(cache_dir=None)).system_prompt
    slots = spec.scenario.slots
    assert spec.scenario.goal in prompt
    assert f"- customer id: {slots['customer_id']}" in prompt
    assert f"- phone number: {slots['phone_number']}" in prompt
    assert "You do not know your line id" in prompt
    assert "at most 1 piece of information per message" in prompt
    assert "ask why it is needed" in prompt and "After 2 such failures, give up" in prompt
    assert "frustrated" in prompt and '- "ugh, my phone again"' in prompt
    assert all(m in prompt for m in ("###DONE###", "###GIVE_UP###", "###TRANSFER###"))
    easy = LLMUser(spec, telecom, LLMConfig(cache_dir=None))
    assert easy.usage.prompt_version == PROMPT_VERSION == "customer-v1"
    assert easy.messages[0]["content"] != prompt and easy.messages[1]["role"] == "user"


@pytest.mark.parametrize("domain", ["telecom", "retail"])
def test_customer_that_makes_up_an_identifier_contradicts_its_scenario(tmp_path: Path,
                                                                       domain: str) -> None:
    config = load_campaign(_write(tmp_path, domain, "local", n=6))
    spec = next(s for s in plan_specs(config, *build_population(config))
                if not s.scenario.slots.get("wrong_info_first"))
    user = LLMUser(spec, find_domain(domain), LLMConfig(cache_dir=None))
    facts = dict(user.known_facts())
    key = "phone number" if domain == "telecom" else "email"
    mine = facts[key]
    user._check_facts(f"Hi, it's {mine}. I ordered two items.")
    other = ("555-010-9999" if domain == "telecom" else "someone.else@example.net")
    with pytest.raises(CustomerMisbehaved, match=f"contradicted the scenario: said '{other}' "
                       f"where its {key} is"):
        user._check_facts(f"My {key} is {other}.")
    # What the agent said is the customer's to repeat; other numbers (a year) are not facts.
    user._allowed.add(other.replace("-", "").replace(".", "").lower())
    user._check_facts(f"Yes, {other} is right; I have been a customer since 2019.")
    # A scenario that asks for one wrong value first allows one swapped-character slip.
    slip = spec.model_copy(update={"scenario": spec.scenario.model_copy(update={
        "slots": {**spec.scenario.slots, "wrong_info_first": True}})})
    typo_user = LLMUser(slip, find_domain(domain), LLMConfig(cache_dir=None))
    i = next(i for i in range(len(mine) - 1) if mine[i] != mine[i + 1]
             and mine[i].isalnum() and mine[i + 1].isalnum())
    swapped = mine[:i] + mine[i + 1] + mine[i] + mine[i + 2:]
    typo_user._check_facts(f"It is {swapped}")
    with pytest.raises(CustomerMisbehaved):
        typo_user._check_facts(f"Sorry, {swapped} again")


# --------------------------------------------------------------------------- campaigns

CAMPAIGN = """\
name: llm-{domain}
seed: 5
scenarios: {{domain: {domain}, n: {n}}}
personas: {{n: 4}}
user_simulator: llm
agents:
  - version: v1
    connector: openai
    model: {agent_model}
    prompt: You are the support agent. Authenticate the customer, then help.
    settings: {{temperature: 0}}
evaluators: [process, goal]
max_turns: 12
llm: {{model: {model}, temperature: 0.7, cache_dir: {cache}, retries: 1{budget}}}
execution: {{executor: {executor}, batch_size: {batch}, concurrency: {concurrency}, workers: 1}}
output_dir: {out}
"""


def _write(tmp_path: Path, domain: str, executor: str, *, n: int = 3,
           model: str = "openai/scripted-customer", agent_model: str = "openai/scripted-agent",
           budget: float | None = None, batch: int = 2, concurrency: int = 4,
           llm_extra: str = "") -> Path:
    path = tmp_path / f"llm-{domain}-{executor}.yaml"
    path.write_text(CAMPAIGN.format(
        domain=domain, n=n, executor=executor, model=model, agent_model=agent_model,
        cache=tmp_path / "cache", batch=batch, concurrency=concurrency, out=tmp_path / "runs",
        budget=("" if budget is None else f", budget_usd: {budget}") + llm_extra))
    return path


FACT = re.compile(r"^- ([^:\n]+): (.+)$", re.MULTILINE)
LOOKUPS = {  # what the scripted agent looks up, from the customer's first message
    "retail": [("find_user_id_by_email", "email", r"[\w.+-]+@[\w-]+\.[\w.]+"),
               ("get_order_details", "order_id", r"#W\d+")],
    "telecom": [("get_customer_by_phone", "phone_number", r"\b\d{3}-\d{3}-\d{4}\b"),
                ("get_customer_by_id", "customer_id", r"\bC\d{4}\b")],
}


def plausible(domain: str, customer: dict[str, str] | None = None):
    """A rule playing both sides: the customer states its goal and facts, then thanks and
    ends; the agent looks up what the customer said (parallel tool calls), answers, and
    says goodbye. `customer` overrides the customer's messages (opening, closing)."""
    lines = {"opening": None, "closing": "Great, thanks. That's all. ###DONE###", **(customer or {})}

    def rule(body: dict[str, Any]) -> dict[str, Any]:
        messages = body["messages"]
        if "tools" not in body:  # the customer (its prompt is the system message)
            if not any(m["role"] == "assistant" for m in messages):
                if lines["opening"] is not None:
                    return text(lines["opening"])
                prompt = messages[0]["content"]
                goal = prompt.split("# Your goal\n", 1)[1].split("\n", 1)[0]
                facts = "; ".join(f"{w}: {v}" for w, v in FACT.findall(prompt))
                return text(f"Hi. {goal} My details: {facts}.")
            return text(lines["closing"])
        if messages[-1]["role"] == "tool":
            return text("I found your account and looked into it: all done. Anything else?")
        if sum(m["role"] == "user" for m in messages) == 1:
            said = messages[-1]["content"]
            calls = [(tool, {arg: m.group(0)}) for tool, arg, pattern in LOOKUPS[domain]
                     if (m := re.search(pattern, said))]
            return tool_calls(*calls) if calls else text("Could you tell me more?")
        return text("You're welcome. Goodbye!")

    return rule


def _frame(run_dir: Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(run_dir / table / "*.parquet")


@pytest.mark.parametrize(("domain", "executor"), [("retail", "local"), ("telecom", "ray")])
def test_llm_customer_against_openai_agent(server, tmp_path: Path, request: pytest.FixtureRequest,
                                           domain: str, executor: str) -> None:
    if executor == "ray":
        request.getfixturevalue("ray_local")
    server.rule = plausible(domain)
    # Two batches reach the fresh Ray worker at once: they must share its connectors.
    config = load_campaign(_write(tmp_path, domain, executor, batch=2))
    first = run_campaign(config, out_dir=tmp_path / "first")
    calls = server.count
    assert first.written == 3 and first.outcomes == {"completed": 3}, first.outcomes
    conv = _frame(first.run_dir, "conversations")
    assert conv["llm_calls"].to_list() == [5, 5, 5], conv.select(  # customer 2 + agent 3
        "conversation_id", "llm_calls", "llm_cache_hits", "llm_tokens", "llm_models").to_dicts()
    assert calls == 15 and conv["llm_cache_hits"].to_list() == [0, 0, 0]
    assert conv["llm_tokens"].to_list() == [288, 288, 288]
    assert conv["llm_cost_usd"].null_count() == 3             # scripted models have no price
    assert set(conv["llm_prompt_version"]) == {PROMPT_VERSION}
    models = conv["llm_models"].to_list()[0]
    assert "openai/scripted-customer" in models
    assert any(m.startswith("openai/scripted-agent#") for m in models)
    tools = _frame(first.run_dir, "tool_calls")
    expected = {t for t, _, _ in LOOKUPS[domain]}
    assert set(tools["tool"]) <= expected and tools["status"].to_list().count("ok") >= 3
    assert tools.group_by("conversation_id", "turn_index").len()["len"].max() == 2  # parallel
    turns = _frame(first.run_dir, "turns").sort("conversation_id", "turn_index")
    customer = turns.filter(pl.col("role") == "customer")["clean_text"].to_list()
    assert not any("###" in t for t in turns["text"].to_list())      # markers stripped
    assert customer.count("Great, thanks. That's all.") == 3

    # The same campaign again: every answer comes from the cache, no request is made.
    again = run_campaign(config, out_dir=tmp_path / "again")
    assert server.count == calls and again.outcomes == {"completed": 3}
    conv2 = _frame(again.run_dir, "conversations")
    assert conv2["llm_calls"].to_list() == [0, 0, 0] and conv2["llm_cache_hits"].to_list() == [5] * 3
    same = _frame(again.run_dir, "turns").sort("conversation_id", "turn_index")
    assert same["text"].to_list() == turns["text"].to_list()
    _no_key(tmp_path)


@pytest.mark.parametrize(("customer", "reason"), [
    ({"opening": "Hello! How can I help you today?"}, "talked as the agent"),
    ({"opening": "   "}, "empty message"),
    ({"closing": "Thanks ###DONE### oh and one more thing"}, "leaked the end marker"),
    ({"opening": "Hi, never mind. ###DONE###"}, "ended in its first message"),
    ({"opening": "Cancel my order please, my email is nobody.known@example.org"},
     "contradicted the scenario"),
    ({"closing": "That did not answer me."}, "same message three times"),
])
def test_customer_misbehaviour_is_a_simulator_error(server, tmp_path: Path,
                                                    customer: dict[str, str], reason: str) -> None:
    server.rule = plausible("retail", customer)
    info = run_campaign(load_campaign(_write(tmp_path, "retail", "local", n=1)))
    conv = _frame(info.run_dir, "conversations")
    assert info.outcomes == {"simulator_error": 1} and info.simulator_errors == 1
    assert reason in conv["error"][0] and "agent" not in conv["outcome"][0]
    scores = _frame(info.run_dir, "scores")
    assert set(scores["status"]) == {"unscored"}              # never an agent failure
    turns = _frame(info.run_dir, "turns")
    # The turns played before the misbehaviour are kept.
    assert turns.height == (0 if "opening" in customer else 6 if reason.startswith("same") else 2)


def test_budget_stops_the_run_with_exit_3_and_keeps_results(server, tmp_path: Path) -> None:
    server.rule = plausible("retail")
    path = _write(tmp_path, "retail", "local", n=6, model="openai/gpt-4o-mini",
                  agent_model="openai/gpt-4o-mini", budget=0.0001, batch=1,
                  concurrency=1)  # one conversation at a time: the budget is seen before all start
    result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code == 3, result.output
    assert "LLM budget reached" in result.output
    [run_dir] = list((tmp_path / "runs" / "llm-retail").iterdir())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "stopped_by_budget"
    written = manifest["counts"]["written"]
    assert 0 < written < 6 and _frame(run_dir, "conversations").height == written
    assert manifest["counts"]["llm"]["known_cost_usd"] >= 0.0001
    _no_key(tmp_path, output=result.output)


GPT_4O_MINI = (0.15e-6, 0.6e-6)
"""litellm's local price of openai/gpt-4o-mini per prompt and completion token."""
MAX_CALL_USD = max(40 * GPT_4O_MINI[0] + 12 * GPT_4O_MINI[1],  # the scripted replies' usage
                   60 * GPT_4O_MINI[0] + 20 * GPT_4O_MINI[1])


@pytest.mark.parametrize(("domain", "executor"), [("retail", "local"), ("telecom", "ray")])
def test_budget_holds_within_one_call_per_running_conversation(
        server, tmp_path: Path, request: pytest.FixtureRequest, domain: str, executor: str) -> None:
    """Four conversations in flight when the budget is crossed: each makes at most one more
    call; they stop as budget_stopped (kept, unscored); --resume spends nothing more."""
    if executor == "ray":
        request.getfixturevalue("ray_local")
    server.rule = plausible(domain)
    budget, running = 0.0001, 4
    path = _write(tmp_path, domain, executor, n=12, model="openai/gpt-4o-mini",
                  agent_model="openai/gpt-4o-mini", budget=budget, batch=running,
                  concurrency=running)
    before = server.count
    result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code == 3, result.output
    [run_dir] = list((tmp_path / "runs" / f"llm-{domain}").iterdir())
    from convsim.core.llm import run_spend

    spent = run_spend(run_dir)
    assert budget <= spent <= budget + running * MAX_CALL_USD, (spent, server.count - before)
    conv = _frame(run_dir, "conversations")
    stopped = conv.filter(pl.col("outcome") == "budget_stopped")
    assert 1 <= stopped.height <= running and conv.height < 12
    assert all(e.startswith("budget: ") for e in stopped["error"])
    scores = _frame(run_dir, "scores").join(stopped.select("conversation_id"), on="conversation_id")
    assert scores.height and set(scores["status"]) == {"unscored"}
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "stopped_by_budget" and manifest["counts"]["errors"] == 0
    assert "LLM spend of the run (every session)" in " ".join(result.output.split())

    # The budget spans the run: a resume with the same budget makes no call, exit 3.
    calls = server.count
    again = runner.invoke(app, ["run", str(path), "--resume", str(run_dir)])
    assert again.exit_code == 3, again.output
    assert server.count == calls and run_spend(run_dir) == spent


def test_a_budget_on_an_unpriced_model_is_warned_and_prices_fix_it(server, tmp_path: Path
                                                                     ) -> None:
    server.rule = plausible("retail")
    path = _write(tmp_path, "retail", "local", n=2, budget=1.0)
    result = runner.invoke(app, ["run", str(path)])
    output = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert ("llm.budget_usd is $1 but openai/scripted-customer, openai/scripted-agent have no "
            "known price") in output
    # Said at start (before any conversation's progress), and again in the end report.
    assert output.count("no known price") == 2
    assert output.index("no known price") < output.index(" conversations (")
    # With a price per million tokens, the same models are counted and the budget holds.
    priced = _write(tmp_path, "retail", "local", n=6, budget=0.0002, batch=1, concurrency=1,
                    llm_extra=", prices: {openai/scripted-customer: {input_usd_per_mtok: 1.0, "
                              "output_usd_per_mtok: 4.0}, openai/scripted-agent: "
                              "{input_usd_per_mtok: 1.0, output_usd_per_mtok: 4.0}}")
    result = runner.invoke(app, ["run", str(priced), "--out", str(tmp_path / "priced")])
    assert result.exit_code == 3, result.output
    assert "no known price" not in result.output
    [run_dir] = list((tmp_path / "priced" / "llm-retail").iterdir())
    conv = _frame(run_dir, "conversations")
    tokens = conv.select(pl.col("llm_tokens").sum()).item()
    assert 0.0002 <= conv["llm_cost_usd"].sum() <= tokens * 4.0 / 1e6
