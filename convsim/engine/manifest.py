"""A run's manifest and safe resume: what a run records about itself, and the checks
before `--resume` appends to it.

The plan (`plan_of`) and its differences, versions and git sha, the driver process (to tell
a live run from a killed one), and `_open_resume`. Used by `campaign` (run_campaign);
`results.write_manifest` writes the file.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
from pathlib import Path
from typing import Any

from convsim.core.config import CampaignConfig
from convsim.core.errors import CampaignError


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


def _process_start(pid: int) -> str | None:
    """The start time of a process (Linux /proc), to tell a live driver from a reused pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _driver_alive(driver: dict[str, Any]) -> bool:
    pid = driver.get("pid")
    if not isinstance(pid, int) or driver.get("host") != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    started = _process_start(pid)
    return started is None or started == driver.get("process_start")


def _driver() -> dict[str, Any]:
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "process_start": _process_start(os.getpid())}


def _open_resume(run_dir: Path, config: CampaignConfig, plan: dict[str, Any],
                 fingerprint: str, info_notes: list[str]) -> tuple[str, dict[str, Any]]:
    """Check that `run_dir` is a run of this config's plan, nobody is running it, and return
    its manifest (text and parsed). Touches nothing."""
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
    stored_fp = previous.get("plan_fingerprint")
    stored_plan = previous.get("plan") or plan_of(previous.get("config") or {})
    same = stored_fp == fingerprint if stored_fp else \
        json.loads(json.dumps(stored_plan, default=str)) == json.loads(json.dumps(plan))
    if not same:
        diffs = plan_differences(stored_plan, json.loads(json.dumps(plan)))
        shown = "; ".join(diffs[:8]) + (f"; and {len(diffs) - 8} more" if len(diffs) > 8 else "")
        raise CampaignError(
            f"{run_dir}: this config plans other conversations than the run (seed "
            f"{previous.get('seed')!r}); resuming would mix two plans. Differences: "
            f"{shown or 'the plan fingerprint'}. Resume with the run's config, or start a new run")
    if previous.get("status") == "running":
        driver = previous.get("driver") or {}
        if _driver_alive(driver):
            raise CampaignError(f"{run_dir}: the run is in progress (process {driver['pid']} "
                                "on this host); stop it before resuming")
        who = f"process {driver['pid']}" if driver.get("pid") else "a previous process"
        last = previous.get("updated_at") or previous.get("started_at")
        info_notes.append(f"the run's manifest said 'running' but {who} is gone (killed or "
                          f"crashed; last update {last}); resuming it")
    return text, previous
