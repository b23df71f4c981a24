"""The shipped CI example, verbatim, against a regular install run from the repository root.

`examples/github-actions.yml` installs with `pip install .` and runs from the root of a
checkout, where the `convsim/` folder sits beside the installed package and the reference
agents are started as `python -m ...` processes. This test does what the runner does: a
checkout (the repository's files, copied), a regular (non-editable) install of it
(`--target`, offline, on PYTHONPATH as site-packages would be), then every `run:` step of
the job in order from the checkout's root with the job's env and GITHUB_ENV, agent start-up
included. The demo campaign completes and the gate gives its verdict (v2 regresses: exit 1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / "examples" / "github-actions.yml"
NEEDS_GITHUB = ("gh pr comment",)
"""Steps that talk to GitHub itself: not run here."""


def _checkout(dest: Path) -> None:
    """The repository's files as `actions/checkout` gives them (tracked and new, not ignored)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout
    for rel in filter(None, listed.split("\0")):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def _runs_here(step: dict[str, str]) -> bool:
    condition = str(step.get("if", ""))
    return "run" in step and "${{ false }}" not in condition and \
        not any(marker in step["run"] for marker in NEEDS_GITHUB)


def test_the_github_actions_example_runs_on_a_regular_install_from_the_root(tmp_path: Path) -> None:
    job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["gate"]
    steps = [s for s in job["steps"] if _runs_here(s)]
    install, rest = steps[0], steps[1:]
    assert install["name"] == "Install convsim" and install["run"].split("#")[0].strip() == \
        "pip install ."  # the step this test replays as a --target install below
    root, site = tmp_path / "checkout", tmp_path / "site"
    _checkout(root)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--no-index", "--target", str(site), "."],
                   cwd=root, check=True, capture_output=True, timeout=600)
    assert not (site / "convsim" / "__init__.py").is_symlink()
    github_env = tmp_path / "github.env"
    github_env.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONVSIM_", "RAY_ADDRESS"))}
    env.update({k: str(v) for k, v in job["env"].items()})
    env.update({"PYTHONPATH": str(site), "GITHUB_ENV": str(github_env), "CI": "true",
                "PATH": os.pathsep.join([str(site / "bin"), str(Path(sys.executable).parent),
                                         os.environ.get("PATH", "")])})
    codes: dict[str, int] = {}
    for step in rest:
        for line in github_env.read_text().splitlines():  # what earlier steps exported
            key, _, value = line.partition("=")
            env[key] = value
        if "RUN_DIR" in step.get("if", "") and not env.get("RUN_DIR"):
            continue
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", step["run"]], cwd=root,
                              env=env, capture_output=True, text=True, timeout=1200)
        codes[step["name"]] = done.returncode
        if step["name"] == "Run the campaign":
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert codes["Gate the candidate against the baseline"] == 1  # v2 regresses: the gate fails
    assert codes["HTML report"] == 0
    run_dir = root / env["RUN_DIR"]
    assert shutil.which("convsim", path=env["PATH"]) == str(site / "bin" / "convsim")
    # Every conversation was played: the agents started and answered.
    conversations = list((run_dir / "conversations").glob("*.parquet"))
    assert conversations
    import polars as pl

    table = pl.read_parquet(conversations)
    assert table.height == 400 and table.filter(pl.col("outcome") == "agent_error").height == 0
    junit = ET.parse(root / "gate.junit.xml").getroot()
    assert int(junit.get("failures", junit[0].get("failures", "0"))) >= 1
    assert "v2" in (root / "gate.md").read_text()
    assert (run_dir / "report.html").is_file()
