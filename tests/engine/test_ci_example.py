"""examples/github-actions.yml against a dead agent: the run step still sets RUN_DIR, so
the gate, report and upload steps (`if: always() && env.RUN_DIR != ''`) have a run folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / "examples" / "github-actions.yml"


def _steps() -> dict[str, dict[str, str]]:
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    return {step["name"]: step for step in jobs["gate"]["steps"] if "name" in step}


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A `run:` step as GitHub's runner runs it (bash -e -o pipefail)."""
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_a_dead_agent_still_gives_the_upload_a_run_folder_and_the_gate_files(tmp_path: Path) -> None:
    steps = _steps()
    run, find = steps["Run the campaign"], steps["Find the run folder"]
    gate = steps["Gate the candidate against the baseline"]
    upload = next(s for name, s in steps.items() if name.startswith("Upload"))
    assert "always()" in find["if"] and "always()" in gate["if"]
    assert "always()" in upload["if"] and "RUN_DIR" in upload["if"]
    assert "${{ env.RUN_DIR }}" in upload["with"]["path"] and "gate.md" in upload["with"]["path"]
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "gate.yaml").write_text((REPO / "configs" / "gate.yaml").read_text())
    campaign = tmp_path / "down.yaml"
    campaign.write_text("name: down\nscenarios: {n: 6}\npersonas: {n: 3}\n"
                        "agents: [{version: v1, url: 'http://127.0.0.1:9'}, "
                        "{version: v2, url: 'http://127.0.0.1:9'}]\n"
                        "execution: {executor: local, retries: 0, turn_timeout_s: 2}\n")
    github_env = tmp_path / "github.env"
    env = {**os.environ, "CAMPAIGN": str(campaign), "BASELINE": "v1", "CANDIDATE": "v2",
           "GITHUB_ENV": str(github_env),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("CI", None)
    ran = _bash(run["run"], tmp_path, env)
    assert ran.returncode == 2, ran.stdout + ran.stderr  # the job fails here...
    log = (tmp_path / "run.log").read_text()
    assert log.startswith("run folder: ") and "progress down: " in log  # the CI log
    summary = json.loads((tmp_path / "run.json").read_text())
    assert summary["exit_code"] == 2 and summary["run_dir"]
    found = _bash(find["run"], tmp_path, env)  # if: always()
    assert found.returncode == 0, found.stderr
    run_dir = github_env.read_text().strip().removeprefix("RUN_DIR=")
    assert run_dir == summary["run_dir"]  # ...with RUN_DIR set all the same
    assert (tmp_path / run_dir / "conversations").is_dir()
    gated = _bash(gate["run"], tmp_path, {**env, "RUN_DIR": run_dir})
    assert gated.returncode == 2, gated.stdout + gated.stderr  # no verdict
    for name in ("gate.md", "gate.junit.xml"):
        assert (tmp_path / name).is_file(), gated.stdout + gated.stderr
    assert "infrastructure errors" in (tmp_path / "gate.md").read_text()
