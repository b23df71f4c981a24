"""Shared fixtures: a local Ray instance (num_cpus=2), small campaign configs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"


@pytest.fixture(scope="session")
def ray_local():
    """A real local Ray instance shared by the tests that need one, started as campaigns
    start theirs (listening on 127.0.0.1 only)."""
    import ray

    from convsim.engine.executors.ray import start_local_ray

    stop = start_local_ray(num_cpus=2)
    yield ray
    stop()


SMALL_CAMPAIGN = """\
name: small
seed: 11
repetitions: 1
scenarios: {{n: {n}}}
personas: {{n: 8}}
perturbations:
  - name: clean
  - name: noisy
    text_noise: {{typo_rate: 0.05, filler_rate: 0.3, asr_rate: 0.3}}
    burst_rate: 0.3
    interrupt_rate: 0.2
    topic_switch_rate: 0.3
    correction_rate: 0.3
    tool_faults: {{get_order_details: {{error_rate: 0.2, timeout_rate: 0.05}}}}
agents:
  - {{version: v1, connector: {connector}, reference: "retail:v1"}}
  - {{version: v2, connector: {connector}, reference: "retail:v2"}}
execution: {{executor: {executor}, batch_size: 7, concurrency: 8}}
output_dir: {out}
"""


@pytest.fixture
def small_campaign(tmp_path: Path):
    """Write a small campaign YAML and return its path; keyword args fill the template."""

    def make(n: int = 10, connector: str = "http", executor: str = "local") -> Path:
        path = tmp_path / f"small-{connector}-{executor}-{n}.yaml"
        path.write_text(SMALL_CAMPAIGN.format(n=n, connector=connector, executor=executor,
                                              out=tmp_path / "runs"))
        return path

    return make


def find_chromium() -> str | None:
    """The Chromium the browser checks drive: $CONVSIM_CHROMIUM, else the first of
    chromium / chromium-browser / google-chrome on PATH or /usr/bin/chromium."""
    import shutil

    configured = os.environ.get("CONVSIM_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium"):
        found = shutil.which(name) or (name if Path(name).exists() else None)
        if found:
            return found
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "requires_browser: needs a Chromium (skipped without one, required when "
        "CI=true); the `chromium` fixture gives its path")


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser checks run where a browser is; elsewhere they are skipped with the reason
    said, except under CI=true, where a missing browser fails them (.ci/run installs one)."""
    if find_chromium() is not None or _ci():
        return
    skip = pytest.mark.skip(reason="no Chromium found (install it, e.g. `apt install chromium`, "
                                   "or set CONVSIM_CHROMIUM); required when CI=true")
    for item in items:
        if item.get_closest_marker("requires_browser"):
            item.add_marker(skip)


@pytest.fixture
def chromium() -> str:
    """The path of a Chromium executable; fails (CI=true) or skips when there is none."""
    found = find_chromium()
    if found is None:
        message = ("no Chromium found (apt install chromium, or set CONVSIM_CHROMIUM to its "
                   "path)")
        if _ci():
            pytest.fail(message + "; CI=true requires the browser checks", pytrace=False)
        pytest.skip(message)
    return found
