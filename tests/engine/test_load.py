"""`convsim load`: a ramp against a stand-in agent whose capacity is known finds its knee."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.engine.load import LoadStep, convsim_bound, find_knee, parse_ramp

_spec = importlib.util.spec_from_file_location(
    "standin_agent", Path(__file__).resolve().parents[1] / "standin_agent.py")
standin_agent = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(standin_agent)  # type: ignore[union-attr]

CAPACITY = 4
"""The stand-in agent serves this many requests at once; the rest queue."""
SERVICE_MS = 100


@pytest.fixture(scope="module")
def agent_url() -> Iterator[str]:
    """An HTTP agent (its own process) with CAPACITY workers: beyond that, requests queue."""
    with standin_agent.started(CAPACITY, SERVICE_MS) as url:
        yield url


def _campaign(tmp: Path, url: str, domain: str = "retail") -> Path:
    return standin_agent.ramp_campaign(tmp, url, domain=domain, scenarios=20, personas=10,
                                       version="v1", turn_timeout_s=20)


@pytest.mark.parametrize("domain", ["retail", "telecom"])
def test_ramp_names_the_knee_within_one_step_of_the_agents_capacity(
        tmp_path: Path, agent_url: str, domain: str) -> None:
    result = CliRunner().invoke(app, ["load", str(_campaign(tmp_path, agent_url, domain)),
                                      "--ramp", "1,2,4,8,16", "--json"])
    assert result.exit_code == 0, result.output
    ramp = json.loads(result.stdout[result.stdout.index("{"):])
    steps = {s["concurrency"]: s for s in ramp["steps"]}
    assert list(steps) == [1, 2, 4, 8, 16]
    assert all(s["error_rate"] == 0 and s["agent_turns"] > 0 for s in steps.values())
    # Under capacity the agent answers in about its service time; beyond it, requests queue.
    assert steps[1]["latency_p50_ms"] < 2 * SERVICE_MS
    assert steps[16]["latency_p50_ms"] > 2 * SERVICE_MS
    # The knee is the first level beyond capacity, or the one after it (within one step).
    assert ramp["knee"] in (2 * CAPACITY, 4 * CAPACITY), ramp
    out = Path(ramp["out_dir"])
    assert {"load.json", "load.md", "load.html"} <= {p.name for p in out.iterdir()}
    assert "<svg" in (out / "load.html").read_text(encoding="utf-8")
    assert "◀ knee" in (out / "load.md").read_text(encoding="utf-8")
    # Each step is an ordinary run folder of the one agent version, unscored.
    import polars as pl

    conv = pl.read_parquet(out / "c4" / "ramp-load" / "*" / "conversations" / "*.parquet")
    assert conv["agent_version"].unique().to_list() == ["v1"] and conv.height == 30  # max(3 x 8, 30)
    assert not list((out / "c4").glob("ramp-load/*/scores/*.parquet")) or pl.read_parquet(
        out / "c4" / "ramp-load" / "*" / "scores" / "*.parquet").height == 0


def _step(c: int, p95: float, err: float = 0.0, lag: float | None = 1.0,
          breaker: str | None = None) -> LoadStep:
    return LoadStep(concurrency=c, conversations=10, agent_turns=50, latency_p50_ms=p95 / 2,
                    latency_p95_ms=p95, latency_p99_ms=p95, error_rate=err, timeout_rate=0.0,
                    turns_per_s=100.0, loop_lag_p50_ms=lag, loop_lag_p90_ms=lag,
                    loop_lag_p99_ms=lag, run_dir="x",
                    breaker=breaker, convsim_bound=lag is not None and lag >= 10)


def test_knee_is_latency_or_errors_never_convsims_own_lag() -> None:
    assert find_knee([_step(8, 50), _step(16, 60), _step(32, 140)])[0] == 32
    assert find_knee([_step(8, 50), _step(16, 55, err=0.2)])[0] == 16
    assert find_knee([_step(8, 50), _step(16, 55)]) == (None, "")
    # convsim's event loop lagged at 32: that step says nothing about the agent.
    assert find_knee([_step(8, 50), _step(32, 400, lag=40.0), _step(64, 60)])[0] is None
    # ... nor is a first step that was convsim-bound the baseline.
    assert find_knee([_step(8, 500, lag=40.0), _step(16, 50), _step(32, 120)])[0] == 32
    assert convsim_bound(2.0, 60.0, 200.0) and not convsim_bound(2.0, 5.0, 200.0)
    knee, why = find_knee([_step(8, 50), _step(16, 50, breaker="8 calls failed in a row")])
    assert knee == 16 and "circuit breaker" in why


def test_a_bad_ramp_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="rising"):
        parse_ramp("32,8")
    result = CliRunner().invoke(app, ["load", str(_campaign(tmp_path, "http://127.0.0.1:9")),
                                      "--ramp", "8,x"])
    assert result.exit_code == 2 and "not a list of integers" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(app, ["load", str(_campaign(tmp_path, "http://127.0.0.1:9")),
                                      "--ramp", "8", "--agent", "v9"])
    assert result.exit_code == 2 and "v9" in result.output
