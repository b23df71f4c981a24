"""A domain pack from transcripts with logged tool calls: coffee (TM-4), airline (tau-bench), ABCD."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from convsim.cli.domain_build import from_transcripts
from convsim.core.packs.declarative import load_domain_folder
from convsim.scenarios.ingest import ingest_transcripts
from convsim.scenarios.packgen import PackgenConfig, PackgenError, pack_from_transcripts

DATA = Path(__file__).resolve().parents[2] / "convsim" / "scenarios" / "data" / "transcripts"
SOURCES = {
    "coffee": ("taskmaster", DATA / "taskmaster" / "tm4_coffee_sample.jsonl"),
    "airline": ("openai", DATA / "tau_bench" / "airline_trajectories_sample.jsonl"),
    "abcd": ("abcd", DATA / "abcd" / "abcd_sample.jsonl"),
    "no_calls": ("openai", DATA / "tau_bench" / "retail_few_shot.jsonl"),
}
COFFEE_TOOLS = {"get_menu_items", "add_order_item", "get_order_details", "finish_order",
                "get_addons"}

cli = typer.Typer()
cli.command()(from_transcripts)
runner = CliRunner()


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ingested")
    for name, (fmt, path) in SOURCES.items():
        ingest_transcripts([path], fmt, root / name, salt="packgen-test")
    return {name: root / name for name in SOURCES}


def test_coffee_pack_from_taskmaster(ingested: dict[str, Path], tmp_path: Path) -> None:
    summary = pack_from_transcripts([ingested["coffee"]], tmp_path / "pack", "coffee_sample")
    assert set(summary["tools"]) >= COFFEE_TOOLS
    assert summary["calls"] == sum(summary["tools"].values()) > 200
    pack = load_domain_folder(tmp_path / "pack")
    assert set(pack.tools) == set(summary["tools"])
    assert {t.kind for t in pack.tools.values()} == {"replay"}
    menu = pack.tools["get_menu_items"].spec.parameters
    assert menu["required"] == ["query"] and menu["properties"]["query"]["type"] == "string"
    assert pack.tools["add_order_item"].spec.parameters["properties"]["quantity"]["enum"] == ["1", "2"]

    # One intent from the labels; its process uses the real tool names, in order.
    [intent] = summary["intents"]
    assert intent == "coffee_order"
    steps = summary["intents"][intent]["required_steps"]
    assert steps[0] == "get_menu_items" and steps[-1] == "finish_order"
    assert steps.index("add_order_item") < steps.index("get_order_details")
    full = max(pack.scenarios, key=lambda s: len(s.expectations.process))
    order = {s.name: s.before for s in full.expectations.process}
    assert "finish_order" in order["get_order_details"]

    # The customer knows what they asked for, not the ids the agent read off earlier results.
    assert {"get_menu_items_query", "milk_options"} <= set(pack.slots)
    assert not {"menu_item_id", "order_id", "order_item_id"} & set(pack.slots)
    assert pack.slots["milk_options"].all_words()[:2] == ["milk options", "milk"]
    for s in pack.scenarios:
        assert s.slots.get("get_menu_items_query"), s
        for placeholder in {p for o in s.opening for p in _placeholders(o)}:
            assert placeholder in s.slots
        assert not s.expectations.escalation_expected
    openings = pack.utterances["open_coffee_order"]
    assert any("{get_menu_items_query}" in o for o in openings)


def _placeholders(text: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", text)


def test_replayed_tools_answer_with_the_logged_responses(ingested: dict[str, Path],
                                                         tmp_path: Path) -> None:
    pack_from_transcripts([ingested["coffee"]], tmp_path, "coffee_sample")
    first = json.loads((tmp_path / "tool_responses.jsonl").read_text().splitlines()[0])
    pack = load_domain_folder(tmp_path)
    state: dict = {}
    assert pack.tools[first["tool"]].fn(state, first["arguments"]) == first["result"]
    assert isinstance(first["result"], dict | list)  # logged JSON is replayed as JSON
    assert state["replayed_calls"] == [first["tool"]]


def test_second_source_tau_bench_airline(ingested: dict[str, Path], tmp_path: Path) -> None:
    summary = pack_from_transcripts([ingested["airline"]], tmp_path, "airline")
    pack = load_domain_folder(tmp_path)
    assert {"get_reservation_details", "update_reservation_flights"} <= set(pack.tools)
    assert pack.escalation_tools == ["transfer_to_human_agents"]
    # no intent labels: the intents are named by what the customers asked, never by a tool
    assert summary["intents"] and not set(summary["intents"]) & set(pack.tools)
    # the resolved trajectory and the transferred one (outcomes from evidence)
    assert len(pack.scenarios) == 2
    for template in pack.scenarios:
        assert template.slots and template.expectations.process
        assert all(t in pack.tools for step in template.expectations.process for t in step.tools)


def test_abcd_intents_and_escalation_from_outcomes(ingested: dict[str, Path], tmp_path: Path
                                                   ) -> None:
    summary = pack_from_transcripts([ingested["abcd"]], tmp_path, "abcd")
    pack = load_domain_folder(tmp_path)
    assert set(summary["intents"]) == {"refund_status", "return_size", "timing_4"}
    assert sorted(s.expectations.escalation_expected for s in pack.scenarios) == [False, False, True]
    assert "pull-up-account" in pack.tools


def test_output_is_deterministic(ingested: dict[str, Path], tmp_path: Path) -> None:
    config = PackgenConfig(max_templates=10, seed=5)
    for run in ("a", "b"):
        pack_from_transcripts([ingested["coffee"], ingested["airline"]], tmp_path / run, "mixed",
                              config)
    for file in ("domain.yaml", "tool_responses.jsonl"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
    other = pack_from_transcripts([ingested["coffee"]], tmp_path / "c", "mixed",
                                  PackgenConfig(max_templates=10, seed=6))
    assert other["scenario_templates"] == 10


def test_renames_and_overrides(ingested: dict[str, Path], tmp_path: Path) -> None:
    config = PackgenConfig(
        slot_names={"get_menu_items.query": "drink", "milk_options": "milk",
                    "get_addons.query": None},
        domain={"slots": {"drink": {"words": ["drink", "beverage"]}}, "policy": "Be kind."})
    summary = pack_from_transcripts([ingested["coffee"]], tmp_path, "coffee", config)
    assert {"drink", "milk"} <= set(summary["slots"])
    assert not {"get_menu_items_query", "get_addons_query", "milk_options"} & set(summary["slots"])
    pack = load_domain_folder(tmp_path)
    assert pack.slots["drink"].words == ["drink", "beverage"] and pack.policy == "Be kind."
    assert all("{drink}" in s.goal or "drink" in s.slots for s in pack.scenarios)
    broken = PackgenConfig(domain={"tools": {"get_menu_items": {"do": "lookup"}}})
    with pytest.raises(PackgenError, match="does not load"):
        pack_from_transcripts([ingested["coffee"]], tmp_path / "broken", "coffee", broken)


def test_cli_writes_and_reports(ingested: dict[str, Path], tmp_path: Path) -> None:
    config = tmp_path / "packgen.yaml"
    config.write_text(yaml.safe_dump({"max_templates": 5, "slot_names": {"get_menu_items.query":
                                                                          "drink"}}))
    result = runner.invoke(cli, [str(ingested["coffee"]), "--out", str(tmp_path / "pack"),
                                 "--name", "coffee", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "tool_responses.jsonl" in result.output and "get_menu_items" in result.output
    assert "coffee_order: 58 conversations, 5 templates" in result.output
    assert load_domain_folder(tmp_path / "pack").name == "coffee"


@pytest.mark.parametrize("case", ["missing", "no_calls", "bad_config"])
def test_cli_user_errors_are_one_line(case: str, ingested: dict[str, Path], tmp_path: Path
                                      ) -> None:
    source = {"missing": tmp_path / "nowhere", "no_calls": ingested["no_calls"],
              "bad_config": ingested["coffee"]}[case]
    args = [str(source), "--out", str(tmp_path / "pack"), "--name", "x"]
    if case == "bad_config":
        (tmp_path / "c.yaml").write_text("max_templatez: 3\n")
        args += ["--config", str(tmp_path / "c.yaml")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    expected = {"missing": "not an ingested transcripts folder", "no_calls": "no logged tool calls",
                "bad_config": "max_templatez"}[case]
    assert expected in " ".join(result.output.split())
    assert not (tmp_path / "pack" / "domain.yaml").exists()


def test_intents_from_requests_and_one_slot_per_entity(tmp_path: Path) -> None:
    """Kite's chats (no intent labels): intents named by the customers' words, not by
    verify_caller (called first in every chat); `list_lines` logged its account argument as
    `account` and `verify_caller` as `account_number`: one slot, shared by both tools."""
    raw = (Path(__file__).resolve().parents[1] / "data" / "replay" / "kite_chats.jsonl")
    chats = [json.loads(line) for line in raw.read_text().splitlines()]
    for chat in chats:
        for m in chat["messages"]:
            for tc in m.get("tool_calls") or []:
                if tc["function"]["name"] == "list_lines":
                    args = json.loads(tc["function"]["arguments"])
                    tc["function"]["arguments"] = json.dumps({"account": args["account_number"]})
    source = tmp_path / "kite.jsonl"
    source.write_text("".join(json.dumps(c) + "\n" for c in chats))
    ingest_transcripts([source], "openai", tmp_path / "t", salt="packgen-test")
    summary = pack_from_transcripts([tmp_path / "t"], tmp_path / "pack", "kite_mined")
    intents = summary["intents"]
    assert len(intents) >= 3 and "verify_caller" not in intents
    assert not set(intents) & set(summary["tools"])
    requests = " ".join(m["content"].lower() for c in chats for m in c["messages"][:1])
    for name in intents:  # every word of a name is a word the customers used
        assert all(w in requests for w in name.split("_") if not w.isdigit()), name
    assert "account_number" in summary["slots"] and "account" not in summary["slots"]
    assert not [s for s in summary["slots"] if "account" in s and s != "account_number"]
    pack = load_domain_folder(tmp_path / "pack")
    lines = pack.tools["list_lines"].spec.parameters["properties"]
    assert "account" in lines  # the tool keeps its own argument name
