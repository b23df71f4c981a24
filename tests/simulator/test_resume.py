"""Safe resume and clean stops: the run's identity is kept, signals leave a resumable run,
and no agent process outlives the driver."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.core.campaign_file import load_campaign
from convsim.core.errors import CampaignError
from convsim.engine.campaign import run_campaign

runner = CliRunner()

CAMPAIGN = """\
name: {name}
seed: 11
scenarios: {{n: {n}}}
personas: {{n: 4}}
agents:
{agents}
execution: {{executor: local, batch_size: {batch}, concurrency: {concurrency}}}
output_dir: {out}
"""
REFERENCE = '  - {version: v1, reference: "retail:v1"}'

SLOW_AGENT = """\
import asyncio, sys
from aiohttp import web
from convsim.core.packs.discovery import find_domain
from convsim.domains.retail.agent.policy import load_agent_config
from convsim.domains.retail.agent.server import build_app

port = int(sys.argv[sys.argv.index("--port") + 1])
app = build_app(load_agent_config(find_domain("retail").agents["v1"]))

@web.middleware
async def slow(request, handler):
    await asyncio.sleep(0.2)
    return await handler(request)

app.middlewares.append(slow)

async def main():
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print(f"slow agent listening on http://127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def campaign(tmp_path: Path, *, name: str = "res", n: int = 6, agents: str = REFERENCE,
             batch: int = 3, concurrency: int = 8) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(CAMPAIGN.format(name=name, n=n, agents=agents, batch=batch,
                                    concurrency=concurrency, out=tmp_path / "runs"))
    return path


def manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text())


def written(run_dir: Path) -> int:
    return sum(pq.read_metadata(p).num_rows for p in (run_dir / "conversations").glob("*.parquet"))


# --- resume --------------------------------------------------------------------------------

def test_resume_with_another_seed_is_refused_and_the_run_untouched(tmp_path: Path) -> None:
    path = campaign(tmp_path)
    first = run_campaign(load_campaign(path), limit=3)
    before = (first.run_dir / "manifest.json").read_bytes()
    result = runner.invoke(app, ["run", str(path), "--resume", str(first.run_dir), "--seed", "3"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    out = result.output.replace("\n", " ")
    assert "seed: run 11, this config 3" in out and "other conversations" in out
    assert (first.run_dir / "manifest.json").read_bytes() == before
    assert written(first.run_dir) == 3


def test_resume_keeps_the_identity_and_counts_the_whole_run(tmp_path: Path) -> None:
    path = campaign(tmp_path)
    first = run_campaign(load_campaign(path), limit=3)
    identity = {k: manifest(first.run_dir)[k] for k in ("run_id", "seed", "started_at", "config",
                                                        "plan_fingerprint")}
    again = run_campaign(load_campaign(path), resume=first.run_dir)
    assert again.skipped == 3 and again.written == 3
    after = manifest(first.run_dir)
    assert {k: after[k] for k in identity} == identity
    assert after["status"] == "complete" and after["counts"]["written"] == written(first.run_dir) == 6
    assert after["counts"]["this_session"]["written"] == 3
    [session] = after["resumes"]
    assert session["previous_status"] == "complete" and session["status"] == "complete"
    assert "driver" not in after


def test_a_failed_resume_leaves_the_run_as_it_was(tmp_path: Path) -> None:
    path = campaign(tmp_path)
    first = run_campaign(load_campaign(path), limit=3)
    before = (first.run_dir / "manifest.json").read_bytes()
    # Same plan, but the agent cannot start.
    broken = campaign(tmp_path, name="res", agents=(
        '  - {version: v1, command: "python -c \'import sys; sys.exit(3)\'"}'))
    result = runner.invoke(app, ["run", str(broken), "--resume", str(first.run_dir)])
    assert result.exit_code == 2 and "exited at startup" in result.output
    assert (first.run_dir / "manifest.json").read_bytes() == before
    assert manifest(first.run_dir)["status"] == "complete"


def test_a_stale_running_manifest_is_recognised(tmp_path: Path) -> None:
    path = campaign(tmp_path)
    first = run_campaign(load_campaign(path), limit=3)
    dead = subprocess.Popen(["true"])
    dead.wait()
    data = manifest(first.run_dir)
    data["status"] = "running"
    data["driver"] = {"pid": dead.pid, "host": os.uname().nodename, "process_start": "1"}
    (first.run_dir / "manifest.json").write_text(json.dumps(data))
    result = runner.invoke(app, ["run", str(path), "--resume", str(first.run_dir)])
    assert result.exit_code == 0, result.output
    assert f"process {dead.pid} is gone" in result.output.replace("\n", " ")
    assert manifest(first.run_dir)["status"] == "complete"
    assert manifest(first.run_dir)["resumes"][0]["previous_status"] == "running"
    # A driver that is alive (this process) is not a stale one: the resume is refused.
    from convsim.engine.manifest import current_driver

    data["driver"] = current_driver()
    (first.run_dir / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(CampaignError, match="in progress"):
        run_campaign(load_campaign(path), resume=first.run_dir)


# --- signals and child processes -----------------------------------------------------------

def _children(pid: int) -> dict[int, str]:
    """Processes whose parent is `pid` -> command line (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = cmd
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start_slow_run(tmp_path: Path) -> tuple[subprocess.Popen[str], Path, dict[int, str]]:
    """`convsim run` (a subprocess) on two served agents, one of them slow; returns once a
    first part is written, with the driver's agent processes."""
    (tmp_path / "slow_agent.py").write_text(SLOW_AGENT)
    path = campaign(tmp_path, name="slow", n=40, batch=2, concurrency=4, agents=(
        REFERENCE + '\n  - {version: v2, command: "python slow_agent.py --port {port}"}'))
    driver = subprocess.Popen([sys.executable, "-m", "convsim.cli.main", "run",
                               str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        parts = list((tmp_path / "runs" / "slow").glob("*/conversations/part-*.parquet"))
        if parts:
            agents = {p: c for p, c in _children(driver.pid).items()
                      if "agent serve" in c or "slow_agent.py" in c}
            assert len(agents) == 2, agents
            return driver, parts[0].parent.parent, agents
        assert driver.poll() is None, driver.communicate()
        time.sleep(0.1)
    driver.kill()
    raise AssertionError("no part written in 90 s")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_run_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    driver, run_dir, agents = _start_slow_run(tmp_path)
    driver.send_signal(sig)
    _, err = driver.communicate(timeout=60)
    assert driver.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err and "--resume" in err
    data = manifest(run_dir)
    assert data["status"] == "interrupted"
    assert 0 < written(run_dir) == data["counts"]["written"] < 80
    assert not any(_alive(p) for p in agents)


def test_no_agent_outlives_a_killed_driver(tmp_path: Path) -> None:
    driver, run_dir, agents = _start_slow_run(tmp_path)
    driver.kill()
    driver.communicate(timeout=30)
    deadline = time.monotonic() + 20
    while any(_alive(p) for p in agents) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [cmd for p, cmd in agents.items() if _alive(p)]
    assert manifest(run_dir)["status"] == "running"  # recognised as stale on --resume
