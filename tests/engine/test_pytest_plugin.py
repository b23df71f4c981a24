"""convsim inside a team's tests: the pytest plugin (fixture `convsim_campaign`, the
assertion `assert_gate`), `examples/test_release.py`, and the Python API it builds on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import convsim

REPO = Path(__file__).resolve().parents[2]


def _pytest(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A separate pytest session, as a team's CI would start it (the plugin comes from the
    `pytest11` entry point of the installed convsim)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                           *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=600)


def test_the_example_gates_v2_with_the_gate_summary_and_passes_v1(tmp_path: Path) -> None:
    out = tmp_path / "runs"
    done = _pytest(REPO / "examples" / "test_release.py", "--convsim-out", out, "-rA", cwd=REPO)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 1 passed" in done.stdout
    assert "PASSED examples/test_release.py::test_released_version_meets_the_policy" in done.stdout
    assert "FAILED examples/test_release.py::test_candidate_is_no_worse_than_the_released_version" \
        in done.stdout
    # the failure is the gate's markdown, not a traceback
    assert "## convsim gate: ❌ FAIL" in done.stdout and "process" in done.stdout
    assert "disclosure:refund_timing" in done.stdout and "Traceback" not in done.stdout
    # one campaign for the two tests
    assert len(list((out / "demo").iterdir())) == 1


TEAM_TEST = """\
from convsim import assert_gate

CAMPAIGN = {campaign!r}


def test_cached(convsim_campaign):
    first = convsim_campaign(CAMPAIGN)
    assert convsim_campaign(CAMPAIGN) == first          # cached for the session
    assert convsim_campaign(CAMPAIGN, limit=2) != first  # other options, another run


def test_thresholds_met(convsim_campaign):
    assert_gate(convsim_campaign(CAMPAIGN), policy={lenient!r})


def test_thresholds_missed(convsim_campaign):
    assert_gate(convsim_campaign(CAMPAIGN), policy={strict!r})


def test_no_such_version(convsim_campaign):
    assert_gate(convsim_campaign(CAMPAIGN), candidate="v9")


def test_bad_campaign(convsim_campaign):
    convsim_campaign({bad!r})
"""


TELECOM = """\
name: telecom-plugin
seed: 4
scenarios: {{domain: telecom, n: 6}}
personas: {{n: 4}}
agents: [{{version: scripted, connector: python, reference: "telecom:scripted"}}]
execution: {{executor: local}}
output_dir: {out}
"""


def test_the_plugin_on_another_pack(tmp_path: Path) -> None:
    campaign = tmp_path / "telecom.yaml"
    campaign.write_text(TELECOM.format(out=tmp_path / "unused"))
    lenient, strict = tmp_path / "lenient.yaml", tmp_path / "strict.yaml"
    lenient.write_text("min_conversations: 1\nthresholds: {}\nsegments: []\n")
    strict.write_text("min_conversations: 1000\n")  # 6 conversations cannot give a verdict
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nagents: []\nnot_a_key: 1\n")
    (tmp_path / "test_team.py").write_text(TEAM_TEST.format(
        campaign=str(campaign), lenient=str(lenient), strict=str(strict), bad=str(bad)))
    done = _pytest("test_team.py", "--convsim-out", tmp_path / "runs", "-rA", cwd=tmp_path)
    out = done.stdout
    assert "3 failed, 2 passed" in out, out + done.stderr
    assert "PASSED test_team.py::test_cached" in out
    assert "PASSED test_team.py::test_thresholds_met" in out
    assert "## convsim gate: " in out and "(< 1000)" in out  # test_thresholds_missed: the markdown
    assert "convsim gate: no verdict: " in out and "v9" in out
    assert f"convsim campaign {bad}: not_a_key: unknown key (line 3)" in out
    assert "Traceback" not in out and "During handling" not in out
    assert len(list((tmp_path / "runs" / "telecom-plugin").iterdir())) == 2


def test_importing_the_plugin_imports_no_engine() -> None:
    code = ("import sys, convsim.pytest_plugin; "
            "heavy = [m for m in ('polars', 'ray', 'pyarrow', 'convsim.engine', 'convsim.core') "
            "if m in sys.modules]; print(heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_the_api_is_exported_and_wraps_the_decisions(small_campaign) -> None:
    from convsim.decisions import analytics
    from convsim.decisions.gate import gate_run, load_policy
    from convsim.decisions.summary import summarize_run
    from convsim.engine.campaign import run_campaign

    assert {"load_run", "summarize", "compare", "gate", "assert_gate"} <= set(convsim.__all__)
    info = run_campaign(convsim.load_campaign(small_campaign(n=6)))
    runs = convsim.load_run(info.run_dir)
    assert runs.versions() == ["v1", "v2"]
    assert convsim.load_run(info.run_dir.parent).run_dirs == (info.run_dir,)  # campaign folder
    assert convsim.summarize(info.run_dir).equals(summarize_run(info.run_dir))
    assert convsim.summarize(runs).equals(analytics.pass_rates(runs))
    compared = convsim.compare(info.run_dir, baseline="v1", candidate="v2")
    assert compared.equals(analytics.compare_versions(runs, "v1", "v2"))
    assert "process" in compared["metric"].to_list()
    verdict = convsim.gate(info.run_dir, candidate="v2", baseline="v1")
    direct = gate_run(runs, load_policy(None), candidate="v2", baseline="v1")
    assert verdict.model_dump() == direct.model_dump()
    assert verdict.candidate == "v2" and not verdict.passed  # v2 skips steps v1 takes
    assert isinstance(runs.scores.collect(), pl.DataFrame)


def test_assert_gate_returns_a_passing_verdict(tmp_path: Path) -> None:
    from convsim.engine.campaign import run_campaign

    campaign = tmp_path / "telecom.yaml"
    campaign.write_text(TELECOM.format(out=tmp_path / "runs"))
    info = run_campaign(convsim.load_campaign(campaign))
    policy = tmp_path / "policy.yaml"
    policy.write_text("min_conversations: 1\n")
    verdict = convsim.assert_gate(info.run_dir, policy=policy)
    assert verdict.passed and verdict.candidate == "scripted"
    strict = tmp_path / "strict.yaml"
    strict.write_text("min_conversations: 1000\n")
    with pytest.raises(pytest.fail.Exception, match="## convsim gate: "):
        convsim.assert_gate(info.run_dir, policy=strict)
