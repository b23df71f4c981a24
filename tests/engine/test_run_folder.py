"""Two runs of one campaign started in the same second get two run folders: the second never
writes into, or resumes, the first."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from pathlib import Path

import pytest

import convsim.engine.campaign as campaign_module
from convsim.core.campaign_file import load_campaign
from convsim.engine.campaign import run_campaign

CAMPAIGN = """\
name: twice
seed: 3
scenarios: {{n: 3}}
personas: {{n: 2}}
agents:
  - {{version: v1, connector: python, reference: "retail:v1"}}
evaluators: [goal]
execution: {{executor: local, batch_size: 3, concurrency: 2}}
output_dir: {out}
"""


class _FrozenClock(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _FrozenClock:
        return cls(2026, 12, 6, 17, 0, 0, tzinfo=UTC)


def test_same_campaign_twice_in_one_second_gets_two_folders(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "campaign.yaml"
    path.write_text(CAMPAIGN.format(out=tmp_path / "runs"))
    monkeypatch.setattr(campaign_module, "datetime", _FrozenClock)
    config = load_campaign(path)
    first = run_campaign(config)
    second = run_campaign(config, limit=2)
    assert first.run_dir != second.run_dir
    assert second.run_dir.name == f"{first.run_dir.name}-2"
    assert sorted(p.name for p in (tmp_path / "runs" / "twice").iterdir()) == [
        first.run_dir.name, second.run_dir.name]
    assert first.written == 3 and second.written == 2
