"""Gate an agent release from your own test suite: `pytest examples/test_release.py`.

convsim's pytest plugin (installed with convsim) gives the `convsim_campaign` fixture,
which runs a campaign once per test session, and `assert_gate`, which fails a test with
the gate's summary (the same markdown `convsim gate` writes for a pull request).

Here the bundled demo stands in for your agent: configs/demo.yaml serves the reference
retail agent's v1 (the released version) and v2 (a careless prompt edit). v1 meets the
policy; v2 fails it, and the failure message names the metrics and segments it broke.
Put your campaign, your versions and your policy (configs/gate.yaml is the default) in
their place.
"""

from pathlib import Path

import pytest

from convsim import assert_gate

CAMPAIGN = Path(__file__).resolve().parents[1] / "configs" / "demo.yaml"


@pytest.fixture(scope="session")
def demo_run(convsim_campaign):
    # Both tests share one run: the campaign plays once per session.
    return convsim_campaign(CAMPAIGN, executor="local")


def test_released_version_meets_the_policy(demo_run):
    assert_gate(demo_run, candidate="v1")


def test_candidate_is_no_worse_than_the_released_version(demo_run):
    assert_gate(demo_run, candidate="v2", baseline="v1")
