"""Scale: a lost Ray worker loses nothing, lazy planning, reply cap, honest timing, lazy CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest

from convsim.core.campaign_file import load_campaign
from convsim.engine.campaign import (
    build_population,
    iter_specs,
    plan_specs,
    planned_count,
    run_campaign,
)

DEMO = Path(__file__).resolve().parents[2] / "configs" / "demo.yaml"


def _frame(run_dir: Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(run_dir / table / "*.parquet")


def _worker_actor_pids() -> list[int]:
    """Processes of live Ray actors running convsim's worker (their title names the class)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if b"_WorkerActor" in cmdline:
                pids.append(int(entry))
    return sorted(pids)


def _campaign(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "campaign.yaml"
    path.write_text(textwrap.dedent(body).format(out=tmp_path / "runs"))
    return path


def test_a_killed_ray_worker_loses_and_duplicates_nothing(tmp_path: Path, ray_local) -> None:
    config = load_campaign(_campaign(tmp_path, """\
        name: killed
        seed: 5
        scenarios: {{n: 30}}
        personas: {{n: 6}}
        perturbations: [{{name: clean}}, {{name: noisy_text}}]
        repetitions: 2
        agents: [{{version: v1, connector: python, reference: "retail:v1"}}]
        evaluators: [process, goal]
        execution: {{executor: ray, workers: 2, batch_size: 4, concurrency: 4}}
        output_dir: {out}
        """))
    killed: list[int] = []

    def progress(done: int, total: int, _: object) -> None:
        if done and not killed:  # mid-campaign: batches in flight on both actors
            pid = _worker_actor_pids()[0]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    info = run_campaign(config, progress=progress)
    assert killed, "no worker was killed: the test did not test anything"
    planned = [s.id for s in plan_specs(config, *build_population(config))]
    ids = _frame(info.run_dir, "conversations")["conversation_id"].to_list()
    assert len(ids) == len(set(ids)), "a conversation was written twice"
    assert sorted(ids) == sorted(planned), "a conversation was lost"
    assert info.written == len(planned) == 120
    assert any("played again after a Ray worker was lost" in n for n in info.notes)
    turns = _frame(info.run_dir, "turns")
    assert turns.group_by("conversation_id", "turn_index").len()["len"].max() == 1
    manifest = json.loads((info.run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["counts"]["written"] == 120


def test_specs_are_planned_lazily_in_plan_order() -> None:
    config = load_campaign(DEMO)
    scenarios, personas = build_population(config)
    lazy = iter_specs(config, scenarios, personas)
    assert not isinstance(lazy, list)
    first = [next(lazy).id for _ in range(3)]
    every = plan_specs(config, scenarios, personas)
    assert first == [s.id for s in every[:3]]
    assert planned_count(config, scenarios, personas) == len(every) == 400


AGENT = '''
import asyncio

from convsim.core.records import AgentReply


class Agent:
    async def respond(self, state, text, tools):
        await asyncio.sleep(0.03)
        await tools("get_order_details", {"order_id": "#W0000000"})
        state["n"] = state.get("n", 0) + 1
        return AgentReply(text="Could you tell me your order number? " + "x" * 5000,
                          end=state["n"] >= 3)


def make():
    return Agent(), dict
'''


@pytest.fixture
def slow_talker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "slow_talker.py").write_text(AGENT)
    monkeypatch.syspath_prepend(str(tmp_path))
    return _campaign(tmp_path, """\
        name: timing
        seed: 2
        scenarios: {{n: 3}}
        personas: {{n: 3}}
        perturbations:
          - name: slow_tools
            tool_faults: {{get_order_details: {{latency_ms: 20}}}}
        agents: [{{version: v1, connector: python, target: "slow_talker:make"}}]
        evaluators: [process]
        execution: {{executor: local, max_reply_chars: 1000}}
        output_dir: {out}
        """)


def test_long_replies_are_cut_and_marked(slow_talker: Path) -> None:
    info = run_campaign(load_campaign(slow_talker))
    agent = _frame(info.run_dir, "turns").filter(pl.col("role") == "agent")
    assert agent.height > 0
    assert agent["text"].str.len_chars().max() == 1000
    assert all("truncated" in p for p in agent["perturbations"].to_list())


def test_timings_are_measured_not_configured(slow_talker: Path) -> None:
    info = run_campaign(load_campaign(slow_talker))
    turns = _frame(info.run_dir, "turns").sort("conversation_id", "turn_index")
    agent = turns.filter(pl.col("role") == "agent")
    # The agent sleeps 30 ms and calls a tool that waits 20 ms: its reply takes 50 ms or more.
    assert agent["latency_ms"].min() >= 50
    span_ms = (agent["ended_at"] - agent["started_at"]).dt.total_microseconds() / 1000
    assert ((span_ms - agent["latency_ms"]).abs() <= 1).all()
    assert turns["started_at"].null_count() == 0
    assert (turns["ended_at"] >= turns["started_at"]).all()
    calls = _frame(info.run_dir, "tool_calls")
    assert calls.height and calls["latency_ms"].min() >= 20
    assert (calls["latency_ms"] != 20.0).all()  # measured, not the configured value
    conv = _frame(info.run_dir, "conversations")
    first = turns.group_by("conversation_id").agg(pl.col("started_at").min().alias("first"),
                                                  pl.col("ended_at").max().alias("last"))
    both = conv.join(first, on="conversation_id")
    assert (both["started_at"] <= both["first"]).all()
    assert (both["ended_at"] >= both["last"]).all()


def test_help_imports_no_engine_and_version_is_shown() -> None:
    code = ("import sys\n"
            "from typer.testing import CliRunner\n"
            "from convsim.cli.main import app\n"
            "r = CliRunner().invoke(app, ['--help'])\n"
            "assert r.exit_code == 0 and 'plan-size' in r.output, r.output\n"
            "heavy = [m for m in ('convsim.core.config', 'pydantic', 'numpy', 'polars')\n"
            "         if m in sys.modules]\n"
            "print(heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
    version = subprocess.run([sys.executable, "-m", "convsim.cli.main", "--version"],
                             capture_output=True, text=True, check=True)
    assert version.stdout.startswith("convsim ")


def test_lazy_help_texts_match_the_commands() -> None:
    import typer

    from convsim.cli import main

    for name, (short, _) in main.COMMANDS.items():
        command = main._load(name)
        real = (command.help or "").strip().split("\n\n")[0].replace("\n", " ")
        assert isinstance(command, typer.core.TyperCommand | typer.core.TyperGroup)
        assert real.startswith(short.rstrip(".").rstrip(".").removesuffix("..")[:40]), name


LAG_AGENT = '''\
import asyncio
import time

from convsim.core.records import AgentReply


class Agent:
    def __init__(self, blocking):
        self.blocking = blocking

    async def respond(self, state, text, tools):
        if self.blocking:
            time.sleep(0.03)  # holds the event loop, as a CPU-bound engine does
            await asyncio.sleep(0)
        else:
            await asyncio.sleep(0.03)
        return AgentReply(text="Done. Anything else?", end=len(state) > 2 or state.update(
            {len(state): 1}) or False)


def busy():
    return Agent(True), dict


def polite():
    return Agent(False), dict
'''


@pytest.mark.parametrize("factory", ["busy", "polite"])
def test_event_loop_lag_is_measured_and_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 factory: str) -> None:
    """Agent latency includes the time a reply waits for convsim's event loop: the run
    measures that lag, keeps it in the manifest, and says so when it is large."""
    (tmp_path / "lag_agent.py").write_text(LAG_AGENT)
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "campaign.yaml"
    path.write_text(textwrap.dedent(f"""\
        name: lag
        seed: 1
        scenarios: {{domain: telecom, n: 4}}
        personas: {{n: 2}}
        agents: [{{version: v1, connector: python, target: "lag_agent:{factory}"}}]
        evaluators: [process]
        execution: {{executor: local, concurrency: 8}}
        output_dir: {tmp_path / 'runs'}
        """))
    info = run_campaign(load_campaign(path))
    lag = json.loads((info.run_dir / "manifest.json").read_text())["loop_lag_ms"]
    assert lag == info.loop_lag and lag["samples"] > 0
    noted = info.timing_note and "CPU-bound" in info.timing_note
    if factory == "busy":
        assert lag["p50_ms"] >= 10 and noted
    else:
        assert lag["p50_ms"] < 10 and not noted


def test_loop_lag_percentiles() -> None:
    from convsim.engine.worker import LoopLag

    counts = {0: 50, 5: 40, 20: 9, 300: 1}
    assert LoopLag.summary(counts) == {"samples": 100, "max_ms": 300, "p50_ms": 0,
                                       "p90_ms": 5, "p99_ms": 20}
    assert LoopLag.summary({}) == {"samples": 0}


def test_collector_settings_come_back_after_a_run(small_campaign) -> None:
    """Workers tune the garbage collector while they run (rarer young collections, start-up
    objects frozen): the process gets its own settings back afterwards."""
    import gc

    before = gc.get_threshold()
    run_campaign(load_campaign(small_campaign(n=2)))
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
