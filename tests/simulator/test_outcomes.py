"""Honest outcomes: convsim's own failures and unknown tools are counted apart, never blamed on
the agent; a missing pack or a catalog of another domain is one clear line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from convsim.cli.main import app

PACK = """\
name: gym
description: A gym's members desk.
tables:
  members:
    key: member_id
    rows:
      - {member_id: M1, name: Ann Lee, email: ann@example.com, status: active}
      - {member_id: M2, name: Bo Kim, email: bo@example.com, status: active}
customer: {table: members, slot: member_id, fields: {name: "{first_name} {last_name}"}}
slots:
  member_id: {type: id, words: [member id, membership number], field: member_id}
  email: {type: email, identity: email, words: [email]}
  birthday: {identity: date_of_birth, words: [birthday, date of birth]}
tools:
  find_member:
    description: Find a member by id.
    parameters: {member_id: string}
    do: lookup
    table: members
    where: {member_id: "{member_id}"}
  freeze_membership:
    description: Freeze an active membership.
    parameters: {member_id: string}
    do: update
    table: members
    where: {member_id: "{member_id}"}
    require: {status: active}
    set: {status: frozen}
scenarios:
  - intent: freeze
    goal: Freeze my membership.
    customer: {table: members}
    expectations:
      process: [{name: find, tools: [find_member], before: [freeze]},
                {name: freeze, tools: [freeze_membership]}]
      final_state: {"members.{member_id}.status": frozen}
"""

AGENT = '''\
"""A test agent: asks for the member id (or whatever `ASK` says), calls a tool the pack lacks,
then does the job."""
import re

from convsim.core.records import AgentReply

ASK = "Could you give me your membership number?"


class Agent:
    async def respond(self, state, text, tools):
        found = re.search(r"\\bM\\d\\b", text)
        if not found:
            return AgentReply(text=ASK)
        await tools("launch_rocket", {"target": "moon"})
        await tools("find_member", {"member_id": found.group(0)})
        await tools("freeze_membership", {"member_id": found.group(0)})
        return AgentReply(text="Your membership has been frozen. Have a nice day!", end=True)


def make():
    return Agent(), dict
'''


def _campaign(tmp_path: Path, domain: str, n: int = 4, agent: str = "gym_agent") -> Path:
    path = tmp_path / "campaign.yaml"
    path.write_text(textwrap.dedent(f"""\
        name: outcomes
        seed: 3
        scenarios: {{domain: {domain}, n: {n}}}
        personas: {{n: 3}}
        agents: [{{version: v1, connector: python, target: "{agent}:make"}}]
        evaluators: [process, goal]
        execution: {{executor: local}}
        output_dir: {tmp_path / 'runs'}
        """))
    return path


@pytest.fixture
def gym(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    pack = tmp_path / "gym"
    pack.mkdir()
    (pack / "domain.yaml").write_text(PACK)
    (tmp_path / "gym_agent.py").write_text(AGENT)
    monkeypatch.syspath_prepend(str(tmp_path))
    return pack


def _tables(tmp_path: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, dict]:
    run = next((tmp_path / "runs" / "outcomes").iterdir())
    return (pl.read_parquet(run / "conversations" / "*.parquet"),
            pl.read_parquet(run / "tool_calls" / "*.parquet"),
            pl.read_parquet(run / "scores" / "*.parquet"),
            json.loads((run / "manifest.json").read_text()))


def test_unknown_tool_is_recorded_counted_and_named(tmp_path: Path, gym: Path) -> None:
    result = CliRunner().invoke(app, ["run", str(_campaign(tmp_path, "gym"))])
    assert result.exit_code == 0, result.output
    assert "launch_rocket (4 calls)" in result.output and "warning" in result.output
    conversations, calls, scores, manifest = _tables(tmp_path)
    unknown = calls.filter(pl.col("status") == "unknown_tool")
    assert unknown["tool"].unique().to_list() == ["launch_rocket"] and unknown.height == 4
    assert conversations["n_unknown_tool_calls"].to_list() == [1] * 4
    assert manifest["counts"]["unknown_tool_calls"] == {"launch_rocket": 4}
    # the agent still did its job: the unknown tool is not an agent failure by itself
    assert scores.filter(pl.col("metric") == "goal")["passed"].all()


def test_binding_failure_is_a_simulator_error_not_an_agent_failure(
        tmp_path: Path, gym: Path) -> None:
    scenario = {"id": "s-ghost", "domain": "gym", "intent": "freeze", "goal": "Freeze it.",
                "slots": {"member_id": "M404"}}
    (tmp_path / "ghost.yaml").write_text(json.dumps([scenario]))
    path = _campaign(tmp_path, "gym", n=2)
    path.write_text(path.read_text().replace("n: 2}", "n: 2, files: [ghost.yaml]}"))
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 simulator errors" in result.output
    conversations, _, scores, manifest = _tables(tmp_path)
    ghost = conversations.filter(pl.col("scenario_id") == "s-ghost")
    assert ghost["outcome"].to_list() == ["simulator_error"]
    assert "M404" in ghost["error"][0] and "not in table 'members'" in ghost["error"][0]
    assert manifest["counts"]["simulator_errors"] == 1 and manifest["counts"]["errors"] == 0
    ghost_scores = scores.filter(pl.col("scenario_id") == "s-ghost")
    assert set(ghost_scores["status"]) == {"unscored"} and ghost_scores["passed"].is_null().all()


def test_a_slot_the_persona_cannot_fill_is_a_simulator_error_with_its_turns(
        tmp_path: Path, gym: Path) -> None:
    # (a module name of its own: the other tests' agent stays imported in this process)
    (tmp_path / "gym_agent_dob.py").write_text(AGENT.replace(
        'ASK = "Could you give me your membership number?"',
        'ASK = "Could you tell me your date of birth?"'))
    result = CliRunner().invoke(app, ["run", str(_campaign(tmp_path, "gym", 2, "gym_agent_dob"))])
    # Every conversation failed on convsim's side: the run is unusable (exit 2), not complete.
    assert result.exit_code == 2, result.output
    assert "not usable as a verdict" in " ".join(result.output.split())
    conversations, _, scores, _ = _tables(tmp_path)
    assert set(conversations["outcome"]) == {"simulator_error"}
    assert all("date_of_birth" in e for e in conversations["error"])
    assert (conversations["n_turns"] >= 2).all()  # what was played is kept
    assert set(scores["status"]) == {"unscored"}


def test_unknown_domain_is_one_line_listing_the_packs(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(_campaign(tmp_path, "nope"))])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "unknown domain 'nope'" in lines[0]
    assert "retail" in lines[0] and "telecom" in lines[0] and "coffee" in lines[0]


def test_a_catalog_of_another_domain_is_refused(tmp_path: Path) -> None:
    catalog = Path(__file__).resolve().parents[2] / "configs" / "catalogs" / "retail"
    result = CliRunner().invoke(app, ["scenarios", "generate", "--catalog", str(catalog),
                                      "--domain", "telecom", "--n", "3"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "mined for domain 'retail'" in result.output
    assert "for 'telecom'" in result.output


def test_a_fault_on_a_tool_the_pack_lacks_is_a_config_error(tmp_path: Path, gym: Path) -> None:
    path = _campaign(tmp_path, "gym")
    path.write_text(path.read_text() + textwrap.dedent("""\
        perturbations:
          - name: flaky
            tool_faults: {freeze_membershp: {error_rate: 0.5}}
        """))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "perturbations.0 (flaky).tool_faults: 'freeze_membershp' is not a tool of domain gym" \
        in result.output.replace("\n", "")
