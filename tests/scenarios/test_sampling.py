"""Sampling of scenarios: stratified gives equal quotas per intent, template weights count.

Through `convsim scenarios generate` on two packs worded differently: the bundled
telecom pack and the user-written bank pack (tests/data/packs/bank), the latter
copied with three weighted templates for one intent.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from convsim.cli.main import app

BANK = Path(__file__).resolve().parents[1] / "data" / "packs" / "bank"


def generate(tmp_path: Path, *args: str) -> list[dict]:
    out = tmp_path / f"scenarios-{abs(hash(args))}.yaml"
    result = CliRunner().invoke(app, ["scenarios", "generate", *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return yaml.safe_load(out.read_text())


@pytest.fixture(scope="module")
def weighted_bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bank pack with check_balance split into three templates weighted 0.7 / 2.0 / 0.3."""
    pack = tmp_path_factory.mktemp("bank") / "bank"
    shutil.copytree(BANK, pack)
    templates = yaml.safe_load((pack / "scenarios.yaml").read_text())
    balance = next(t for t in templates if t["intent"] == "check_balance")
    templates.remove(balance)
    for weight, tag in ((0.7, "t_low"), (2.0, "t_high"), (0.3, "t_rare")):
        templates.append({**balance, "weight": weight, "tags": [tag]})
    (pack / "scenarios.yaml").write_text(yaml.safe_dump(templates, sort_keys=False))
    return pack


@pytest.mark.parametrize("seed", ["0", "1", "7"])
def test_stratified_gives_equal_quotas_per_intent_on_telecom(tmp_path: Path, seed: str) -> None:
    scenarios = generate(tmp_path, "--domain", "telecom", "--n", "40", "--seed", seed,
                         "--strategy", "stratified")
    per_intent = Counter(s["intent"] for s in scenarios)
    assert len(per_intent) == 7 and sum(per_intent.values()) == 40
    # 40 over 7 intents: every intent 5 or 6 (was 16 vs 4, or 2, with independent draws)
    assert set(per_intent.values()) <= {5, 6}, per_intent


def test_proportional_follows_the_mix_exactly_on_telecom(tmp_path: Path) -> None:
    scenarios = generate(tmp_path, "--domain", "telecom", "--n", "73", "--seed", "3")
    per_intent = Counter(s["intent"] for s in scenarios)
    # the pack's templates (two each for suspend, resume and refuel) summed per intent
    weights = {"suspend_line": 0.2, "resume_line": 0.15, "pay_overdue_bill": 0.15,
               "refuel_data": 0.2, "enable_roaming": 0.1, "disable_roaming": 0.05,
               "out_of_scope": 0.15}
    total = sum(weights.values())
    for intent, w in weights.items():
        assert abs(per_intent[intent] - 73 * w / total) < 1, (intent, per_intent)


def test_template_weights_are_honoured_inside_an_intent(weighted_bank: Path,
                                                        tmp_path: Path) -> None:
    scenarios = generate(tmp_path, "--domain", str(weighted_bank), "--n", "150", "--seed", "5",
                         "--strategy", "stratified")
    per_intent = Counter(s["intent"] for s in scenarios)
    assert set(per_intent.values()) == {30}, per_intent  # 5 intents, 150 scenarios
    tags = Counter(t for s in scenarios if s["intent"] == "check_balance" for t in s["tags"]
                   if t.startswith("t_"))
    assert tags == {"t_low": 7, "t_high": 20, "t_rare": 3}, tags  # 30 x 0.7/3.0, 2.0/3.0, 0.3/3.0


def test_stratify_by_template_gives_each_template_the_same_quota(weighted_bank: Path,
                                                                 tmp_path: Path) -> None:
    scenarios = generate(tmp_path, "--domain", str(weighted_bank), "--n", "150", "--seed", "5",
                         "--strategy", "stratified", "--stratify", "template")
    tags = Counter(t for s in scenarios if s["intent"] == "check_balance" for t in s["tags"]
                   if t.startswith("t_"))
    assert tags == {"t_low": 10, "t_high": 10, "t_rare": 10}, tags


def test_sampling_is_deterministic_per_seed_and_differs_across_seeds(weighted_bank: Path,
                                                                     tmp_path: Path) -> None:
    args = ("--domain", str(weighted_bank), "--n", "30", "--strategy", "stratified")
    first = generate(tmp_path, *args, "--seed", "11")
    again = generate(tmp_path / "again", *args, "--seed", "11")
    other = generate(tmp_path / "other", *args, "--seed", "12")
    assert first == again
    assert [s["id"] for s in first] != [s["id"] for s in other]


def test_a_bad_stratify_value_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["scenarios", "generate", "--domain", "telecom",
                                      "--stratify", "turns"])
    assert result.exit_code == 2
    assert "--stratify: expected intent or template" in result.output
    assert "Traceback" not in result.output
