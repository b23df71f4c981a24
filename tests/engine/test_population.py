"""A population that streams: scenarios and personas are made or read as the plan pulls
them (a batch at a time), never all held, and the plan is the one a list would give."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from convsim.core.campaign_file import load_campaign
from convsim.core.config import ConfigError, PersonaGenConfig, ScenarioGenConfig
from convsim.core.packs.discovery import find_domain
from convsim.core.records import Scenario, stable_hash
from convsim.core.registry import generators
from convsim.engine.campaign import (
    ScenarioFile,
    build_population,
    iter_specs,
    plan_specs,
    planned_count,
    run_campaign,
)
from convsim.engine.executors import batches_in_flight
from convsim.engine.plan import SpecBatches
from convsim.personas import generate_personas
from convsim.personas.generator import PersonaPool
from convsim.scenarios.generate import generate_scenarios, scenario_stream

AGENT = '''
import itertools

from convsim.core.records import AgentReply

STARTED: set[int] = set()
_conversations = itertools.count()


class Agent:
    async def respond(self, state, text, tools):
        STARTED.add(state["id"])
        return AgentReply(text="Done, thank you.", end=True)


def make():
    return Agent(), lambda: {"id": next(_conversations)}
'''


def _campaign(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "campaign.yaml"
    path.write_text(textwrap.dedent(body).format(out=tmp_path / "runs"))
    return path


class Watched:
    """A scenario source that counts what was pulled from it and fails the plan when more
    than `ahead` scenarios are pulled beyond those the agent has started playing."""

    def __init__(self, inner: Any, started: set[int], ahead: int) -> None:
        self.inner, self.started, self.ahead = inner, started, ahead
        self.pulled = 0
        self.most_ahead = 0

    def __len__(self) -> int:
        return len(self.inner)

    def __iter__(self) -> Iterator[Scenario]:
        for scenario in self.inner:
            self.pulled += 1
            self.most_ahead = max(self.most_ahead, self.pulled - len(self.started))
            if self.pulled - len(self.started) > self.ahead:
                raise AssertionError(f"{self.pulled} scenarios made, {len(self.started)} "
                                     f"conversations started: the plan ran ahead")
            yield scenario


@pytest.fixture
def instant_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    (tmp_path / "instant_agent.py").write_text(AGENT)
    monkeypatch.syspath_prepend(str(tmp_path))
    import instant_agent

    instant_agent.STARTED.clear()
    return instant_agent


def test_a_campaign_makes_scenarios_a_batch_ahead_of_what_it_plays(
        tmp_path: Path, instant_agent: Any) -> None:
    config = load_campaign(_campaign(tmp_path, """\
        name: streamed
        seed: 3
        scenarios: {{n: 120}}
        personas: {{n: 5000}}
        agents: [{{version: v1, connector: python, target: "instant_agent:make"}}]
        evaluators: [process]
        execution: {{executor: local, batch_size: 5, concurrency: 4}}
        output_dir: {out}
        """))
    # What may be made before it is played: the batches in flight and the one being planned.
    ahead = (batches_in_flight(config.execution) + 1) * config.execution.batch_size
    assert ahead < 120 / 4, "the population must be much larger than what may run ahead"
    watched: list[Watched] = []
    made_personas: list[int] = []
    real_make = PersonaPool._make

    def stream(domain: Any, gen: ScenarioGenConfig, seed: int) -> Watched:
        watched.append(Watched(scenario_stream(domain, gen, seed), instant_agent.STARTED, ahead))
        return watched[-1]

    def pool(config: PersonaGenConfig, seed: int) -> PersonaPool:
        made = PersonaPool(config, seed)

        def counted(i: int) -> Any:
            made_personas.append(i)
            return real_make(made, i)

        made._make = counted  # type: ignore[method-assign]
        return made

    generators.register("scenario_stream")(stream)
    generators.register("persona_pool")(pool)
    try:
        info = run_campaign(config)
    finally:
        generators.unregister("scenario_stream")
        generators.unregister("persona_pool")
    assert info.written == 120 and watched[0].pulled == 120
    assert 0 < watched[0].most_ahead <= ahead
    # 5,000 personas, 120 conversations: only those picked were ever made.
    assert 0 < len(set(made_personas)) <= 120
    ids = pl.read_parquet(info.run_dir / "conversations" / "*.parquet")["conversation_id"]
    assert sorted(ids.to_list()) == sorted(s.id for s in plan_specs(config,
                                                                    *build_population(config)))


def test_batches_pull_one_batch_of_specs_at_a_time() -> None:
    config = load_campaign(Path(__file__).resolve().parents[2] / "configs" / "demo.yaml")
    scenarios, personas = build_population(config)
    pulled: list[str] = []

    def counted() -> Iterator[Scenario]:
        for s in scenarios:
            pulled.append(s.id)
            yield s

    per_scenario = planned_count(config, [None], personas)  # specs of one scenario
    batches = iter(SpecBatches(iter_specs(config, counted(), personas), size=3 * per_scenario))
    first = next(batches)
    assert len(first) == 3 * per_scenario and len(pulled) == 3
    next(batches)
    assert len(pulled) == 6 < len(scenarios)


def test_the_streamed_plan_is_the_one_before_streaming() -> None:
    """The demo plans the same 400 conversations as before the population streamed (ids of
    the demo run made with the list-building code, commit c813fca), and scenarios of a
    template pack are the ones the list-building generator made."""
    config = load_campaign(Path(__file__).resolve().parents[2] / "configs" / "demo.yaml")
    population = build_population(config)
    ids = [s.id for s in plan_specs(config, *population)]
    assert len(ids) == planned_count(config, *population) == 400
    assert stable_hash(sorted(ids)) == "69e0f7f00b6fb212"
    assert ids == [s.id for s in plan_specs(config, *population)]  # iterated again: the same
    telecom = find_domain("telecom")
    made = generate_scenarios(telecom, ScenarioGenConfig(domain="telecom", n=300), 7)
    assert stable_hash([s.model_dump(mode="json") for s in made]) == "efe933c5526207d5"
    stratified = ScenarioGenConfig(domain="telecom", n=300, strategy="stratified",
                                   stratify="template")
    stream = scenario_stream(telecom, stratified, 7)
    assert len(stream) == 300
    assert stable_hash([s.model_dump(mode="json") for s in stream]) == "ae7a4bbc04fce044"


def test_a_persona_is_made_alone_and_is_the_one_of_the_list() -> None:
    config = PersonaGenConfig(n=40, locales=["en_US", "fr_FR"])
    every = generate_personas(config, 9)
    pool = PersonaPool(config, 9)
    assert len(pool) == 40
    assert pool[17] == every[17] and pool[-1] == every[-1] and pool[3:6] == every[3:6]
    assert PersonaPool(config, 9)[39] == every[39]  # made without making the 39 before it
    assert list(pool) == every
    with pytest.raises(IndexError):
        pool[40]


def _regression(i: int, turns: bool = True) -> dict[str, Any]:
    return {"id": f"r-{i}", "domain": "retail", "intent": "order_status",
            "goal": "Find out where my order is",
            "slots": {"user_id": "daiki_muller_8062", "order_id": "#W7822344"}
            | ({"customer_turns": [f"Where is my order? ({i})", "Thanks"]} if turns else {})}


def test_a_jsonl_scenario_file_is_read_line_by_line_and_plans_as_its_yaml(
        tmp_path: Path, instant_agent: Any) -> None:
    rows = [_regression(i) for i in range(12)]
    (tmp_path / "regression.jsonl").write_text(
        "\n".join(json.dumps(r) for r in rows[:5]) + "\n\n"
        + "\n".join(json.dumps(r) for r in rows[5:]) + "\n")
    (tmp_path / "regression.yaml").write_text(yaml.safe_dump(rows))
    plans = {}
    for suffix in ("jsonl", "yaml"):
        config = load_campaign(_campaign(tmp_path, f"""\
            name: replayed
            seed: 4
            user_simulator: replay
            scenarios: {{{{n: 0, files: [regression.{suffix}]}}}}
            agents: [{{{{version: v1, connector: python, target: "instant_agent:make"}}}}]
            evaluators: [process]
            execution: {{{{executor: local, batch_size: 4}}}}
            output_dir: {{out}}
            """))
        scenarios, personas = build_population(config)
        assert len(scenarios) == 12
        plans[suffix] = [s.id for s in iter_specs(config, scenarios, personas)]
    assert plans["jsonl"] == plans["yaml"] and len(plans["jsonl"]) == 12
    info = run_campaign(config)
    assert info.written == 12 and len(instant_agent.STARTED) == 12 and info.simulator_errors == 0


def test_a_bad_line_of_a_scenario_file_is_named_before_anything_runs(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(_regression(1)) + "\n" + json.dumps(
        {**_regression(2), "goal": 5}) + "\n")
    with pytest.raises(ConfigError, match=r"bad\.jsonl, line 2: goal"):
        ScenarioFile(path).check()
    path.write_text(json.dumps(_regression(1)) + "\n{not json\n")
    with pytest.raises(ConfigError, match=r"bad\.jsonl, line 2"):
        len(ScenarioFile(path))
    path.write_text(json.dumps(_regression(1)) + "\n" + json.dumps(_regression(2, turns=False))
                    + "\n")
    config = load_campaign(_campaign(tmp_path, """\
        name: replayed
        user_simulator: replay
        scenarios: {{n: 0, files: [bad.jsonl]}}
        agents: [{{version: v1, connector: python, reference: "retail:v1"}}]
        output_dir: {out}
        """))
    with pytest.raises(ConfigError, match="1 have none, e.g. r-2"):
        build_population(config)


def test_scenarios_written_as_json_lines_are_read_by_a_campaign(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from convsim.cli.main import app

    out = tmp_path / "made.jsonl"
    result = CliRunner().invoke(app, ["scenarios", "generate", "--domain", "retail", "--n", "7",
                                      "--seed", "3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 7
    config = load_campaign(_campaign(tmp_path, """\
        name: from_file
        scenarios: {{n: 0, files: [made.jsonl]}}
        agents: [{{version: v1, connector: python, reference: "retail:v1"}}]
        output_dir: {out}
        """))
    scenarios, _ = build_population(config)
    made = generate_scenarios(find_domain("retail"), ScenarioGenConfig(domain="retail", n=7), 3)
    assert list(scenarios) == made
