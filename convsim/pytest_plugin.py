"""convsim in a team's own pytest suite (registered as the `pytest11` plugin `convsim`).

Fixture `convsim_campaign`: runs a campaign once per test session (the same file, content
and options give the same run folder to every test that asks) and returns the run folder.
`assert_gate` (also `from convsim import assert_gate`) gates a candidate agent version on
that run and fails the test with the gate's markdown summary:

    from convsim import assert_gate

    def test_release(convsim_campaign):
        run = convsim_campaign("configs/demo.yaml", executor="local")
        assert_gate(run, candidate="v2", baseline="v1")

`pytest --convsim-out DIR` keeps the run folders (default: the session's temporary folder).
pytest imports this module in every session of anyone who installs convsim, so it imports
nothing of convsim's engine until a fixture or the assertion is used (`-p no:convsim`
turns it off).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from convsim.decisions.gate import GatePolicy, GateVerdict
    from convsim.engine.api import RunsLike


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("convsim", "convsim campaigns")
    group.addoption("--convsim-out", default=None, metavar="DIR",
                    help="Write the run folders of convsim_campaign here (default: the "
                         "session's temporary folder).")


class CampaignRunner:
    """Runs campaigns for a test session, each (file, content, options) once."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self._runs: dict[tuple[Any, ...], Path] = {}

    def __call__(self, campaign: str | Path, *, limit: int | None = None,
                 seed: int | None = None, executor: str | None = None) -> Path:
        """Run `campaign` (a YAML file) unless this session already did; return its run
        folder. Fails the test (no traceback) on an invalid campaign, or a run the agents'
        infrastructure errors make unusable (the message names the run folder)."""
        path = Path(campaign).resolve()
        try:
            content = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            pytest.fail(f"convsim campaign {campaign}: {exc.strerror or exc}", pytrace=False)
        key = (str(path), content, limit, seed, executor)
        if key not in self._runs:
            self._runs[key] = self._run(path, limit, seed, executor)
        return self._runs[key]

    def _run(self, path: Path, limit: int | None, seed: int | None,
             executor: str | None) -> Path:
        from convsim.core.campaign_file import load_campaign
        from convsim.core.config import CampaignConfig, ConfigError
        from convsim.core.errors import CampaignError
        from convsim.engine.campaign import run_campaign

        problem: str | None = None
        try:
            config = load_campaign(path)
            update: dict[str, Any] = {}
            if seed is not None:
                update["seed"] = seed
            if executor is not None:
                update["execution"] = {**config.execution.model_dump(), "executor": executor}
            if update:
                config = CampaignConfig.model_validate({**config.model_dump(), **update})
            info = run_campaign(config, out_dir=self.out_dir, limit=limit)
        except (ConfigError, CampaignError, ValueError) as exc:
            problem = str(exc)
        if problem is not None:  # failed outside the except: no chained traceback shown
            where = "" if str(path) in problem else f"{path}: "
            pytest.fail(f"convsim campaign {where}{problem}", pytrace=False)
        if info.stopped_by_breaker is not None:
            pytest.fail(f"convsim campaign {path}: agent endpoint unusable, circuit open: "
                        f"{info.stopped_by_breaker} (run folder {info.run_dir})", pytrace=False)
        if info.written and info.errors * 2 >= info.written:
            pytest.fail(f"convsim campaign {path}: {info.errors} of {info.written} "
                        "conversations hit infrastructure errors (agent unreachable, timing out "
                        f"or answering garbage; run folder {info.run_dir})", pytrace=False)
        return info.run_dir


@pytest.fixture(scope="session")
def convsim_campaign(request: pytest.FixtureRequest,
                     tmp_path_factory: pytest.TempPathFactory) -> CampaignRunner:
    """Run a campaign once per session: `convsim_campaign("campaign.yaml", limit=None,
    seed=None, executor=None)` returns its run folder."""
    out = request.config.getoption("--convsim-out")
    return CampaignRunner(Path(out) if out else tmp_path_factory.mktemp("convsim-runs"))


def assert_gate(runs: RunsLike, candidate: str | None = None, baseline: str | None = None,
                policy: str | Path | GatePolicy | None = None,
                baseline_run: RunsLike | None = None) -> GateVerdict:
    """Gate `candidate` on the run(s) (as `convsim gate` does); fail the test with the gate's
    markdown summary when the verdict is FAIL or the runs cannot give one. Returns the
    verdict when it passes."""
    from convsim.core.config import ConfigError
    from convsim.decisions.analytics import AnalyticsError
    from convsim.decisions.gate import GateInputError, verdict_markdown
    from convsim.engine.api import gate

    problem: str | None = None
    try:
        verdict = gate(runs, candidate=candidate, baseline=baseline, policy=policy,
                       baseline_run=baseline_run)
    except (GateInputError, AnalyticsError, ConfigError) as exc:
        problem = str(exc)
    if problem is not None:  # failed outside the except: no chained traceback shown
        pytest.fail(f"convsim gate: no verdict: {problem}", pytrace=False)
    if not verdict.passed:
        pytest.fail(verdict_markdown(verdict), pytrace=False)
    return verdict
