"""The per-conversation steps made cheaper for throughput (issue 21 §1) give what they gave
before: `pack_results` builds the same Arrow tables as `from_pylist` of `result_rows`, a
conversation's state copy is its own (tools of one conversation never change another's),
and the simulated customer draws the same values when its generators are seeded lazily."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from convsim.core.campaign_file import load_campaign
from convsim.core.packs.discovery import find_domain
from convsim.core.packs.model import clone_state
from convsim.core.records import ConversationResult, ConversationSpec, Score
from convsim.core.redact import Redactor
from convsim.core.results import (
    _REDACTED_COLUMNS,
    SCHEMAS,
    TABLES,
    Packing,
    cut_by_open_circuit,
    pack_results,
    result_rows,
)
from convsim.engine.plan import RunPlan
from convsim.engine.worker import ConversationWorker
from convsim.simulator.customers.agenda import AgendaUser

CAMPAIGN = {
    "name": "packing", "seed": 11, "repetitions": 1,
    "scenarios": {"domain": "retail", "n": 12}, "personas": {"n": 6},
    "personas_per_scenario": 1,
    "perturbations": [{"name": "clean"}, {
        "name": "noisy", "text_noise": {"typo_rate": 0.05, "filler_rate": 0.2},
        "tool_faults": {"get_order_details": {"error_rate": 0.3, "timeout_rate": 0.1},
                        "*": {"malformed_rate": 0.1}}}],
    "agents": [{"version": "v1", "connector": "python", "reference": "retail:v1"}],
    "execution": {"executor": "local", "concurrency": 8, "batch_size": 50},
}


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[list[ConversationSpec], list[ConversationResult]]:
    """Retail conversations played by the reference agent, scored by the default evaluators."""
    path = tmp_path_factory.mktemp("packing") / "campaign.json"
    path.write_text(json.dumps(CAMPAIGN))
    config = load_campaign(path)
    specs = list(RunPlan.of(config).specs)
    worker = ConversationWorker(config.agents, config.evaluators, config.execution, config.llm)
    return specs, worker.play(specs)


def _from_rows(results: list[ConversationResult], specs: dict[str, ConversationSpec],
               packing: Packing) -> dict[str, pa.Table]:
    """The tables as pack_results built them before it built columns (row dicts)."""
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    for res in sorted(results, key=lambda r: r.conversation.id):
        if cut_by_open_circuit(res.conversation):
            continue
        for table, part in result_rows(res, specs[res.conversation.id], packing.run_id).items():
            for row in part:
                for column in _REDACTED_COLUMNS.get(table, ()):
                    if row.get(column):
                        row[column] = packing.redact(row[column])
            rows[table].extend(part)
    return {t: pa.Table.from_pylist(rows[t], schema=SCHEMAS[t]) for t in TABLES}


def _edge_cases(results: list[ConversationResult]) -> list[ConversationResult]:
    """Copies with what the played ones lack: an error carrying a secret, labels, LLM use,
    a judge score with a cost, no turns at all, one cut by an open circuit breaker."""
    a, b, c, d = (r.model_copy(deep=True) for r in results[:4])
    a.conversation.outcome, a.conversation.error = "agent_error", "agent: HTTP 500 token=s3cr3t"
    a.conversation.labels = {"source": "csv", "divergence": "3"}
    a.conversation.llm.calls, a.conversation.llm.known_cost_usd = 2, 0.01
    a.conversation.llm.models = ["gpt-x"]
    b.scores.append(Score(conversation_id=b.conversation.id, evaluator="judge", metric="judge:tone",
                          value=None, passed=None, status="unscored",
                          rationale="judge said token=s3cr3t", judge_model="m", cost_usd=0.5))
    b.conversation.started_at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    c.conversation.turns, c.conversation.tool_calls, c.scores = [], [], []
    c.conversation.final_state = {}
    d.conversation.error = "agent: circuit open: 5 failures"
    return [a, b, c, d]


def test_pack_results_builds_the_tables_the_row_dicts_built(
        played: tuple[list[ConversationSpec], list[ConversationResult]]) -> None:
    specs, results = played
    by_id = {s.id: s for s in specs}
    assert sum(len(r.conversation.tool_calls) for r in results) > 10
    assert any(tc.injected_fault for r in results for tc in r.conversation.tool_calls)
    edge = _edge_cases(results)
    packing = Packing(run_id="r1", redact=Redactor(["s3cr3t"]))
    for batch in (results, edge, results[::-1] + edge):
        got = pack_results(batch, by_id, packing)
        want = _from_rows(batch, by_id, packing)
        assert set(got.tables) == set(TABLES)
        for table in TABLES:
            assert got.tables[table].schema.equals(SCHEMAS[table], check_metadata=True)
            assert got.tables[table].equals(want[table], check_metadata=True), table
    everything = pack_results(results, by_id, packing).tables
    states = {r.conversation.id: r.conversation.final_state for r in results}
    for row in everything["conversations"].to_pylist():  # the JSON text json.dumps writes
        assert row["final_state_json"] == json.dumps(states[row["conversation_id"]],
                                                     sort_keys=True)
    arguments = [json.dumps(tc.arguments, sort_keys=True)
                 for r in sorted(results, key=lambda r: r.conversation.id)
                 for tc in r.conversation.tool_calls]
    assert everything["tool_calls"].column("arguments_json").to_pylist() == arguments
    packed = pack_results(edge, by_id, packing)
    conversations = packed.tables["conversations"].to_pylist()
    assert len(conversations) == 3  # the cut one is counted, not written
    assert [p.written for p in packed.played].count(False) == 1
    errors = [row["error"] for row in conversations if row["error"]]
    assert errors and all("s3cr3t" not in e for e in errors)
    assert "s3cr3t" not in str(packed.tables["scores"].column("rationale").to_pylist())
    assert any(row["labels"] for row in conversations)
    state = next(row["final_state_json"] for row in conversations if row["final_state_json"])
    assert json.loads(state) and state == json.dumps(json.loads(state), sort_keys=True)


def test_a_batch_of_only_cut_conversations_has_no_tables(
        played: tuple[list[ConversationSpec], list[ConversationResult]]) -> None:
    specs, results = played
    cut = results[0].model_copy(deep=True)
    cut.conversation.error = "circuit open: agent down"
    packed = pack_results([cut], {s.id: s for s in specs}, Packing(run_id="r1"))
    assert packed.tables == {} and not packed.played[0].written


def test_clone_state_copies_every_container_and_keeps_types_and_order() -> None:
    source: dict[str, Any] = {
        "orders": {"#1": {"items": [{"id": 1, "price": 9.5, "tags": ["a"]}], "paid": True,
                          "note": None, "when": datetime(2026, 1, 1, tzinfo=UTC)},
                   "#2": {"items": [], "codes": {3, 4}, "pair": (1, [2])}},
        "zeta": 1, "alpha": [[1, 2], {"b": 1.0}],
    }
    shared = {"x": [1]}
    source["a1"], source["a2"] = shared, shared  # one object twice: two copies
    copied = clone_state(source)
    assert copied == source and json.dumps(copied, default=str) == json.dumps(source, default=str)
    assert list(copied) == list(source) and list(copied["orders"]) == ["#1", "#2"]

    def containers(value: Any) -> list[Any]:
        if isinstance(value, dict):
            return [value, *(c for v in value.values() for c in containers(v))]
        if isinstance(value, list | set | tuple):
            return [value, *(c for v in value for c in containers(v))]
        return []

    originals = {id(c) for c in containers(source) if not isinstance(c, tuple)}
    assert not originals & {id(c) for c in containers(copied) if not isinstance(c, tuple)}
    assert type(copied["orders"]["#2"]["codes"]) is set
    assert copied["orders"]["#2"]["pair"][1] is not source["orders"]["#2"]["pair"][1]
    copied["a1"]["x"].append(2)
    assert copied["a2"] == {"x": [1]} and shared == {"x": [1]}


def test_tools_of_one_conversation_never_change_another_conversations_state(
        played: tuple[list[ConversationSpec], list[ConversationResult]]) -> None:
    specs, _ = played
    spec = specs[0]
    domain = find_domain(spec.domain)
    pristine = copy.deepcopy(spec.scenario.initial_state or domain.tables)
    fixtures = copy.deepcopy(domain.tables)
    first = domain.initial_state(spec.scenario, spec.persona)
    second = domain.initial_state(spec.scenario, spec.persona)
    assert first == second
    order_id = next(iter(first["orders"]))
    user_id = next(iter(first["users"]))
    domain.tools["modify_user_address"].fn(first, {  # the pack's own tool, as the sandbox calls it
        "user_id": user_id, "address1": "1 New Road", "address2": "", "city": "Newtown",
        "state": "NY", "country": "USA", "zip": "10001"})
    assert first["users"][user_id]["address"]["address1"] == "1 New Road"
    first["orders"][order_id]["status"] = "changed by a tool"
    first["orders"][order_id].setdefault("items", []).append({"item_id": "new"})
    first["users"][user_id]["address"]["city"] = "Elsewhere"
    first["users"][user_id]["name"]["first_name"] = "Someone"
    first["users"][user_id]["payment_methods"].clear()
    assert second == domain.initial_state(spec.scenario, spec.persona)
    assert second["orders"][order_id]["status"] != "changed by a tool"
    assert (spec.scenario.initial_state or domain.tables) == pristine
    assert domain.tables == fixtures


@pytest.mark.parametrize(("switch", "correction"), [(0.0, 0.0), (0.5, 0.0), (0.0, 0.5), (0.4, 0.7)])
def test_the_customer_draws_what_generators_seeded_at_the_start_drew(
        played: tuple[list[ConversationSpec], list[ConversationResult]],
        switch: float, correction: float) -> None:
    """The customer's generators are seeded on first draw (and the mess one only when the
    profile has mess): its draws are those of generators seeded when it was made."""
    specs, _ = played
    switches = corrections = 0
    for spec in specs:
        profile = spec.perturbation.model_copy(update={"topic_switch_rate": switch,
                                                       "correction_rate": correction})
        spec = spec.model_copy(update={"perturbation": profile})
        user = AgendaUser(spec, find_domain(spec.domain))
        mess = np.random.default_rng([spec.seed, 0x70B1C])  # as seeded before: always
        want_switch = int(mess.integers(1, 4)) if mess.random() < switch else None
        assert user.switch_at == want_switch
        assert user.correction_pending == bool(mess.random() < correction)
        switches += user.switch_at is not None
        corrections += user.correction_pending
        reference = np.random.default_rng([spec.seed, 0xA6E])
        assert [user.rng.random() for _ in range(3)] == [reference.random() for _ in range(3)]
    assert (switches > 0) == (switch > 0) and (corrections > 0) == (correction > 0)
