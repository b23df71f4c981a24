"""Campaigns: plan conversation specs, serve agents, fan out, write results.

`plan_specs` turns a config into a deterministic list of ConversationSpecs
(scenarios x personas x perturbation profiles x repetitions x agent versions);
`run_campaign` runs them with an executor and streams the results to Parquet.
"""

from __future__ import annotations

import contextlib
import platform
import shlex
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from convsim.simulator.config import AgentConfig, CampaignConfig, ConfigError
from convsim.simulator.executors import make_executor
from convsim.simulator.packs.discovery import find_domain
from convsim.simulator.records import ConversationSpec, LLMUsage, Persona, Scenario, stable_hash
from convsim.simulator.registry import generators
from convsim.simulator.results import ResultWriter, write_manifest
from convsim.simulator.summary import write_summary

ProgressFn = Callable[[int, int, Counter[str]], None]


class CampaignError(Exception):
    """A campaign could not run (agent failed to start, bad resume folder...)."""


def load_scenarios(path: str | Path) -> list[Scenario]:
    """Scenarios from a YAML list (as written by `convsim scenarios ...`)."""
    from pydantic import ValidationError

    from convsim.simulator.config import format_validation_error, read_yaml

    data = read_yaml(path)
    if not isinstance(data, list):
        raise ConfigError(f"{path}: expected a list of scenarios")
    try:
        return [Scenario.model_validate(item) for item in data]
    except ValidationError as exc:
        raise ConfigError(format_validation_error(str(path), exc)) from None


def build_population(config: CampaignConfig) -> tuple[list[Scenario], list[Persona]]:
    """The campaign's scenarios and personas, from its domain pack, catalogs and seed."""
    domain = find_domain(config.scenarios.domain)
    scenarios: list[Scenario] = []
    if config.scenarios.n:
        scenarios = generators.get("scenarios")(domain, config.scenarios, config.seed)
    scenarios += [s for f in config.scenarios.files for s in load_scenarios(f)]
    if not scenarios:
        raise ConfigError("the campaign has no scenarios: set scenarios.n above 0 or list "
                          "scenarios.files")
    if config.user_simulator == "replay":
        unplayable = [s.id for s in scenarios if not s.slots.get("customer_turns")]
        if unplayable:
            raise ConfigError(f"user_simulator replay needs scenarios with customer_turns "
                              f"(convsim scenarios from-transcript); {len(unplayable)} have none, "
                              f"e.g. {unplayable[0]} (set scenarios.n: 0 and list files)")
    return scenarios, generators.get("personas")(config.personas, config.seed)


def plan_specs(config: CampaignConfig, scenarios: list[Scenario],
               personas: list[Persona]) -> list[ConversationSpec]:
    """Deterministic specs; the versions of one pair share a seed, so the customer
    behaves the same towards each agent version until their answers differ."""
    specs = []
    for s_idx, scenario in enumerate(scenarios):
        rng = np.random.default_rng([config.seed, 0x91A, s_idx])
        k = min(config.personas_per_scenario, len(personas))
        for p_idx in sorted(int(i) for i in rng.choice(len(personas), size=k, replace=False)):
            persona = personas[p_idx]
            for profile in config.perturbations:
                for rep in range(config.repetitions):
                    # Content, not the campaign's name: renaming a campaign keeps its pairs.
                    pair_id = stable_hash({
                        "seed": config.seed, "scenario": scenario.id,
                        "persona": persona.id, "perturbation": profile.model_dump(),
                        "repetition": rep, "max_turns": config.max_turns,
                        "user_simulator": config.user_simulator})
                    seed = int(pair_id[:12], 16)
                    for agent in config.agents:
                        specs.append(ConversationSpec(
                            id=f"c-{stable_hash({'pair': pair_id, 'agent': agent.version})}",
                            campaign=config.name, scenario=scenario, persona=persona,
                            perturbation=profile, agent_version=agent.version, repetition=rep,
                            seed=seed, pair_id=pair_id, domain=config.scenarios.domain,
                            user_simulator=config.user_simulator,
                            max_turns=config.max_turns))
    return specs


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _agent_command(agent: AgentConfig) -> tuple[list[str], str | None]:
    """The process to start for an agent the campaign serves itself, and its folder."""
    if agent.command is not None:
        argv = shlex.split(agent.command.replace("{port}", str(_free_port())))
        if argv and argv[0] in ("python", "python3"):  # the Python convsim runs in, with its deps
            argv[0] = sys.executable
        return argv, agent.workdir
    assert agent.reference is not None
    return [sys.executable, "-m", "convsim.simulator.cli.main", "agent", "serve",
            "--config", agent.reference, "--port", "0"], None


@contextlib.contextmanager
def serve_agents(agents: list[AgentConfig], startup_timeout_s: float = 60.0
                 ) -> Iterator[list[AgentConfig]]:
    """Start the agents the campaign serves itself: reference agents (`reference:`) and
    the team's own (`command:`), each as its own process on 127.0.0.1.

    A started process must print a line `... listening on http://HOST:PORT`; they are
    all stopped when the block exits.
    """
    procs: list[subprocess.Popen[str]] = []
    resolved = []
    try:
        for agent in agents:
            if agent.connector != "http" or (agent.reference is None and agent.command is None):
                resolved.append(agent)
                continue
            argv, cwd = _agent_command(agent)
            try:
                proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
            except OSError as exc:
                raise CampaignError(f"agent {agent.version}: cannot start {argv[0]!r}: "
                                    f"{exc.strerror}") from None
            procs.append(proc)
            url = _await_listening(proc, agent.version, startup_timeout_s)
            resolved.append(agent.model_copy(update={"url": url}))
        yield resolved
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()


def _await_listening(proc: subprocess.Popen[str], version: str, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "listening on " in line:
            return line.rsplit("listening on ", 1)[1].strip()
        if not line and proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            raise CampaignError(f"agent {version} exited at startup: "
                                f"{err.strip().splitlines()[-1] if err.strip() else 'no output'}")
    raise CampaignError(f"agent {version} did not print 'listening on URL' within "
                        f"{timeout_s:g}s")


@dataclass
class RunInfo:
    """Where a run landed and what it did."""

    run_dir: Path
    run_id: str
    planned: int
    written: int
    skipped: int
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    """Infrastructure errors (agent unreachable, malformed replies)."""
    simulator_errors: int = 0
    """Conversations convsim's own side failed (never scored as agent failures)."""
    unknown_tools: Counter[str] = field(default_factory=Counter)
    """Tools the agent called that the pack does not define -> calls."""
    llm: LLMUsage = field(default_factory=LLMUsage)
    """LLM calls of the run (customers and agents), summed."""
    stopped_by_budget: bool = False
    """The LLM budget was reached before every planned conversation started."""
    seconds: float = 0.0
    turns: int = 0


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("convsim", "ray", "polars", "pyarrow", "pydantic", "aiohttp"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _git_sha() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5, cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def run_campaign(config: CampaignConfig, *, out_dir: str | Path | None = None,
                 limit: int | None = None, resume: str | Path | None = None,
                 progress: ProgressFn | None = None) -> RunInfo:
    """Plan, run and write a campaign; returns where the results are.

    With `resume` (an existing run folder), conversations already written there
    are skipped and the rest are appended.
    """
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    scenarios, personas = build_population(config)
    specs = plan_specs(config, scenarios, personas)
    if limit is not None:
        specs = specs[:limit]
    if resume is not None:
        run_dir = Path(resume)
        if not (run_dir / "manifest.json").is_file():
            raise CampaignError(f"{run_dir}: not a run folder (no manifest.json)")
        run_id = run_dir.name
    else:
        run_id = f"{started:%Y%m%dT%H%M%SZ}-{stable_hash(config.model_dump(), 6)}"
        run_dir = Path(out_dir or config.output_dir) / config.name / run_id
    writer = ResultWriter(run_dir, run_id)
    done = writer.done_ids() if resume is not None else set()
    todo = [s for s in specs if s.id not in done]
    by_id = {s.id: s for s in todo}
    size = config.execution.batch_size
    batches = [todo[i:i + size] for i in range(0, len(todo), size)]
    info = RunInfo(run_dir=run_dir, run_id=run_id, planned=len(specs), written=0,
                   skipped=len(specs) - len(todo))
    manifest: dict[str, Any] = {
        "campaign": config.name, "run_id": run_id, "status": "running",
        "config": config.model_dump(mode="json"), "seed": config.seed, "limit": limit,
        "versions": _versions(), "git_sha": _git_sha(), "started_at": started.isoformat(),
        "agent_versions": [a.version for a in config.agents],
        "domain": config.scenarios.domain,
        "executor": config.execution.executor, "counts": {"planned": len(specs)},
    }
    write_manifest(run_dir, manifest)
    if progress:
        progress(0, len(todo), info.outcomes)
    try:
        with serve_agents(list(config.agents)) as agents:
            manifest["agent_urls"] = {a.version: a.url for a in agents if a.url}
            executor = make_executor(config.execution.executor, agents, config.evaluators,
                                     config.execution, config.llm)
            budget = config.llm.budget_usd
            for results in executor.run(batches):
                writer.write_batch(results, by_id)
                for r in results:
                    c = r.conversation
                    info.outcomes[c.outcome or "unknown"] += 1
                    info.simulator_errors += c.outcome == "simulator_error"
                    info.errors += c.error is not None and c.outcome != "simulator_error"
                    info.unknown_tools.update(t.tool for t in c.tool_calls
                                              if t.status == "unknown_tool")
                    info.turns += len(r.conversation.turns)
                    info.llm.add(c.llm)
                info.written += len(results)
                if progress:
                    progress(info.written, len(todo), info.outcomes)
                if budget is not None and info.llm.known_cost_usd >= budget:
                    # Stop starting conversations; batches in flight are cancelled, what is
                    # written stays, and --resume continues later.
                    info.stopped_by_budget = True
                    break
        manifest["status"] = "stopped_by_budget" if info.stopped_by_budget else "complete"
        if info.written or info.skipped:
            write_summary(run_dir)
    except BaseException:
        manifest["status"] = "interrupted"
        raise
    finally:
        info.seconds = time.perf_counter() - t0
        manifest["ended_at"] = datetime.now(UTC).isoformat()
        manifest["counts"] = {"planned": len(specs), "written": info.written,
                              "skipped_already_done": info.skipped, "errors": info.errors,
                              "simulator_errors": info.simulator_errors,
                              "unknown_tool_calls": dict(info.unknown_tools),
                              "llm": info.llm.model_dump() | {"cost_usd": info.llm.cost_usd},
                              "turns": info.turns, "outcomes": dict(info.outcomes)}
        manifest["seconds"] = round(info.seconds, 3)
        write_manifest(run_dir, manifest)
    return info
