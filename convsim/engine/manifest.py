"""A run's manifest: what a run records about itself (what is done), and the checks
before `--resume` appends to it.

`Manifest` is one run folder's manifest.json: `Manifest.new` for a new run,
`Manifest.open` to resume one (the plan must be the same and no live driver may hold it),
`begin` / `save` / `finish` as the run goes (status running -> complete,
stopped_by_budget, stopped_by_circuit_breaker, interrupted or failed; counts and totals).
Also here: the plan (`plan_of`) and its differences, versions and git sha, the driver
process (to tell a live run from a killed one). Used by `campaign` (run_campaign);
`results.write_manifest` writes the file atomically.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from convsim.core.config import CampaignConfig
from convsim.core.errors import CampaignError
from convsim.core.records import SCHEMA_VERSION, LLMUsage, stable_hash
from convsim.core.redact import REDACT
from convsim.core.results import write_manifest


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("convsim", "ray", "polars", "pyarrow", "pydantic", "aiohttp"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def git_sha() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5, cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


PLAN_KEYS = ("seed", "scenarios", "personas", "personas_per_scenario", "perturbations",
             "repetitions", "user_simulator", "max_turns")
"""Config keys that decide which conversations a run holds (with the agents' versions)."""


def plan_of(config: dict[str, Any]) -> dict[str, Any]:
    """The planning-relevant part of a config snapshot (`model_dump(mode="json")`)."""
    plan = {k: config.get(k) for k in PLAN_KEYS}
    plan["agent_versions"] = [a.get("version") for a in config.get("agents") or []]
    return plan


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(_flat(v, f"{prefix}.{i}"))
        return out | {f"{prefix}.count": len(value)}
    return {prefix: value}


def plan_differences(run: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """`key: run X, this config Y` for every planning key that differs."""
    a, b = _flat(run), _flat(config)
    return [f"{k}: run {a.get(k)!r}, this config {b.get(k)!r}"
            for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def process_start(pid: int) -> str | None:
    """The start time of a process (Linux /proc), to tell a live driver from a reused pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def driver_alive(driver: dict[str, Any]) -> bool:
    """The process a manifest's `driver` names still runs (same host, pid and start)."""
    pid = driver.get("pid")
    if not isinstance(pid, int) or driver.get("host") != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    started = process_start(pid)
    return started is None or started == driver.get("process_start")


def current_driver() -> dict[str, Any]:
    """This process as a manifest's `driver` (pid, host, process start)."""
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "process_start": process_start(os.getpid())}






def folder_totals(run_dir: Path) -> dict[str, Any]:
    """Counts over every conversation written in the run folder (all sessions)."""
    import pyarrow.parquet as pq

    return totals_of(pq.read_table(part, columns=["outcome", "error", "n_turns"]).to_pydict()
                     for part in sorted((run_dir / "conversations").glob("part-*.parquet")))


def totals_of(tables: Iterable[dict[str, list[Any]]]) -> dict[str, Any]:
    """Counts over conversations tables (columns outcome, error, n_turns)."""
    outcomes: Counter[str] = Counter()
    errors = simulator_errors = turns = written = 0
    for table in tables:
        for outcome, error, n in zip(table["outcome"], table["error"], table["n_turns"],
                                     strict=True):
            written += 1
            outcomes[outcome or "unknown"] += 1
            simulator_errors += outcome == "simulator_error"
            errors += error is not None and outcome not in ("simulator_error", "budget_stopped")
            turns += n or 0
    return {"written": written, "errors": errors, "simulator_errors": simulator_errors,
            "turns": turns, "outcomes": dict(outcomes)}


STATUSES = ("running", "complete", "stopped_by_budget", "stopped_by_circuit_breaker",
            "interrupted", "failed")
"""A run's status: running while a driver plays it, then how its last session ended."""

SAVE_EVERY_S = 1.0
"""The manifest of a running campaign is rewritten at most this often (`due`)."""


class Manifest:
    """manifest.json of one run folder: the run's identity and plan, its sessions, status
    and counts. Nothing is written before `begin`; every write is atomic.

    A new run's manifest holds the config, plan, versions and the session's counts (the
    totals read from the folder). A resumed run keeps its identity (run id, seed, config,
    start) and appends each session to `resumes`; its counts are totals over the folder,
    with LLM usage and unknown tool calls summed over the sessions that closed it."""

    def __init__(self, run_dir: Path, run_id: str, config: dict[str, Any], *,
                 previous: dict[str, Any] | None = None, original: str | None = None) -> None:
        self.run_dir = run_dir
        self.run_id = run_id
        self.config = config
        """The config snapshot of this session (`model_dump(mode="json")`)."""
        self.plan = plan_of(config)
        self.fingerprint = stable_hash(self.plan)
        self.previous = previous
        """The manifest as the resumed run left it (None for a new run)."""
        self._original = original
        self.data: dict[str, Any] = {}
        """What is written (run-level keys may be set between saves)."""
        self._session: dict[str, Any] = {}
        self._base = totals_of([])
        self._t0 = time.perf_counter()
        self._last_save = time.monotonic()
        self._redact = REDACT

    @property
    def path(self) -> Path:
        return self.run_dir / "manifest.json"

    @property
    def resumed(self) -> bool:
        return self.previous is not None

    @classmethod
    def new(cls, run_dir: Path, run_id: str, config: dict[str, Any]) -> Manifest:
        """The manifest of a new run (written by `begin`)."""
        return cls(run_dir, run_id, config)

    @classmethod
    def open(cls, run_dir: Path, config: dict[str, Any], notes: list[str]) -> Manifest:
        """Check that `run_dir` is a run of this config's plan and nobody is running it, and
        return its manifest; a note says so when a killed driver left it 'running'.
        Touches nothing."""
        path = run_dir / "manifest.json"
        if not path.is_file():
            raise CampaignError(f"{run_dir}: not a run folder (no manifest.json)")
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            previous = json.loads(text)
            if not isinstance(previous, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            raise CampaignError(f"{path}: unreadable manifest ({exc})") from None
        manifest = cls(run_dir, str(previous.get("run_id") or run_dir.name), config,
                       previous=previous, original=text)
        manifest._require_same_plan()
        manifest._require_no_live_driver(notes)
        return manifest

    def _require_same_plan(self) -> None:
        previous, plan = self.previous or {}, self.plan
        stored_fp = previous.get("plan_fingerprint")
        stored_plan = previous.get("plan") or plan_of(previous.get("config") or {})
        same = stored_fp == self.fingerprint if stored_fp else \
            json.loads(json.dumps(stored_plan, default=str)) == json.loads(json.dumps(plan))
        if not same:
            diffs = plan_differences(stored_plan, json.loads(json.dumps(plan)))
            shown = "; ".join(diffs[:8]) + (f"; and {len(diffs) - 8} more"
                                            if len(diffs) > 8 else "")
            raise CampaignError(
                f"{self.run_dir}: this config plans other conversations than the run (seed "
                f"{previous.get('seed')!r}); resuming would mix two plans. Differences: "
                f"{shown or 'the plan fingerprint'}. Resume with the run's config, or start a "
                "new run")

    def _require_no_live_driver(self, notes: list[str]) -> None:
        previous = self.previous or {}
        if previous.get("status") != "running":
            return
        driver = previous.get("driver") or {}
        if driver_alive(driver):
            raise CampaignError(f"{self.run_dir}: the run is in progress (process "
                                f"{driver['pid']} on this host); stop it before resuming")
        who = f"process {driver['pid']}" if driver.get("pid") else "a previous process"
        last = previous.get("updated_at") or previous.get("started_at")
        notes.append(f"the run's manifest said 'running' but {who} is gone (killed or "
                     f"crashed; last update {last}); resuming it")

    def check_schema(self) -> None:
        """A resumed run's results must be in the results schema this convsim writes."""
        found = (self.previous or {}).get("schema_version")
        if found not in (None, SCHEMA_VERSION):
            raise CampaignError(f"{self.run_dir}: written by another convsim (results schema "
                                f"{found}, this one writes {SCHEMA_VERSION}); start a new run")

    def begin(self, config: CampaignConfig, *, limit: int | None, planned: int,
              started_at: datetime, t0: float, redact: Any = REDACT) -> None:
        """Write the manifest of a session that starts: status running, this process as
        its driver. The run folder must exist. `t0` (perf_counter) times the session;
        `redact` masks credentials in what is written."""
        self._t0, self._redact = t0, redact
        previous = self.previous
        session: dict[str, Any] = {
            "started_at": started_at.isoformat(), "limit": limit, "versions": versions(),
            "git_sha": git_sha(), "executor": config.execution.executor,
            "previous_status": (previous or {}).get("status")}
        if previous is None:
            data: dict[str, Any] = {
                "campaign": config.name, "run_id": self.run_id, "status": "running",
                "config": self.config, "seed": config.seed, "limit": limit,
                "plan": self.plan, "plan_fingerprint": self.fingerprint,
                "versions": session["versions"], "git_sha": session["git_sha"],
                "started_at": started_at.isoformat(),
                "agent_versions": [a.version for a in config.agents],
                "domain": config.scenarios.domain,
                "executor": config.execution.executor, "counts": {"planned": planned},
            }
        else:
            # The run's identity stays as it was; this session is appended to its history.
            data = dict(previous)
            data.setdefault("plan", self.plan)
            data.setdefault("plan_fingerprint", self.fingerprint)
            data["status"] = "running"
            data["resumes"] = [*(previous.get("resumes") or []), session]
        data["driver"] = current_driver()
        data["updated_at"] = started_at.isoformat()
        self.data, self._session = data, session
        # Totals over the run folder: read once here, then kept up to date from the session's
        # counts; the final save reads the folder again (it is the truth).
        self._base = folder_totals(self.run_dir) if previous is not None else totals_of([])
        write_manifest(self.run_dir, data, redact=self._redact)

    def record(self, **fields: Any) -> None:
        """Set run-level keys (agent URLs, loop lag, a stop reason, ...), written at the next
        save."""
        self.data.update(fields)

    def due(self) -> bool:
        """A running save is due (the last one is `SAVE_EVERY_S` old)."""
        return time.monotonic() - self._last_save >= SAVE_EVERY_S

    def counts(self, session: dict[str, Any], final: bool) -> dict[str, Any]:
        """The manifest's counts from this session's (`session`): totals over the run folder
        (read from it when `final`, else the folder at `begin` plus the session)."""
        if final:
            totals = folder_totals(self.run_dir)
        else:
            base = self._base
            outcomes = Counter(base["outcomes"])
            outcomes.update(session["outcomes"])
            totals = {"written": base["written"] + session["written"],
                      "errors": base["errors"] + session["errors"],
                      "simulator_errors": base["simulator_errors"] + session["simulator_errors"],
                      "turns": base["turns"] + session["turns"], "outcomes": dict(outcomes)}
        if self.previous is None:
            # The folder is the truth (a signal may land between a write and the tally).
            return session | totals
        # Totals over the whole run folder; LLM and unknown tools summed over the sessions
        # that closed the manifest (a killed session's are missing).
        previous_counts = dict(self.previous.get("counts") or {})
        unknown = Counter(previous_counts.get("unknown_tool_calls") or {})
        unknown.update(session["unknown_tool_calls"])
        llm = LLMUsage.model_validate({k: v for k, v in (previous_counts.get("llm") or {}).items()
                                       if k in LLMUsage.model_fields})
        llm.add(LLMUsage.model_validate({k: v for k, v in session["llm"].items()
                                         if k in LLMUsage.model_fields}))
        return session | totals | {
            "unknown_tool_calls": dict(unknown),
            "llm": llm.model_dump() | {"cost_usd": llm.cost_usd},
            "this_session": session}

    def save(self, status: str, session: dict[str, Any]) -> None:
        """Write the manifest with `status` and the counts of this session (`session`, as
        `counts` takes them); a status other than running ends the session (no driver)."""
        if status not in STATUSES:
            raise ValueError(f"unknown run status {status!r}")
        self._last_save = time.monotonic()
        data = self.data
        data["status"] = status
        data["updated_at"] = datetime.now(UTC).isoformat()
        data["counts"] = self.counts(session, final=status != "running")
        data["seconds"] = round(time.perf_counter() - self._t0, 3)
        if self.previous is not None:
            self._session.update(ended_at=data["updated_at"], status=status,
                                 written=session["written"], seconds=data["seconds"])
        else:
            data["ended_at"] = data["updated_at"]
        if status != "running":
            data.pop("driver", None)
        write_manifest(self.run_dir, data, redact=self._redact)

    def finish(self, status: str, session: dict[str, Any]) -> None:
        """End the session with `status`. A resume that failed or was interrupted before
        writing anything leaves the run exactly as it was."""
        if self._original is not None and not session["written"] \
                and status in ("failed", "interrupted"):
            self.path.write_text(self._original, encoding="utf-8")
        else:
            self.save(status, session)
