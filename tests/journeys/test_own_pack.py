"""Journey: a team brings its OWN domain pack and OWN agent, and uses only the CLI.

The pack is `tests/data/packs/bank` (Harbor Bank: cards, disputes, balances), with
its exported chat logs (`transcripts.jsonl`, written by `make_transcripts.py`) and
its HTTP bot (`agent.py`). As a new user would, the test copies that folder, then:
checks the pack (`convsim domains`), imports the logs (`convsim ingest --format
openai`), mines a catalog (`convsim mine`), generates scenarios from it (`convsim
scenarios generate`) and runs a campaign that starts the team's bot (`convsim run`),
reading the Parquet results. convsim's source is not touched and nothing of
convsim's own is imported but the CLI app.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import yaml

from tests.cli_shell import convsim, folder_with_pack

PACK_SOURCE = Path(__file__).resolve().parents[1] / "data" / "packs" / "bank"
PACK_NAME = "harbor_bank"
PACK_TOOLS = {"find_customer", "list_cards", "get_card", "freeze_card", "order_replacement_card",
              "list_transactions", "get_balance", "update_phone", "transfer_to_agent",
              "dispute_transaction"}

MINING = {
    "domain": PACK_NAME,
    "intent_rules": {
        "report_lost_card": ["lost", "stole", "missing"],
        "freeze_card": ["freeze", "lock", "misplaced", "can't find"],
        "dispute_charge": ["dispute", "recogni", "charge", "fraud", "unauthori", "never made"],
        "check_balance": ["balance", "how much"],
        "update_phone": ["phone", "pohne", "mobile", "new number", "carrier"],
        "close_account": ["close", "closing"],
        "loan_inquiry": ["loan", "mortgage"],
    },
    "slot_patterns": {"phone": r"\d{3}-\d{3}-\d{4}"},
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The user's folder: their pack copied in, transcripts imported, a catalog mined."""
    root, pack = folder_with_pack(tmp_path_factory, "harbor", PACK_SOURCE)
    transcripts, catalog = root / "transcripts", root / "catalog"
    # The team's documented way to re-import reproducibly: a fixed pseudonym salt. Without it
    # the pseudonyms (and so the mined utterances, the personas built from them and every
    # conversation seed) change with each import, and the fault counts below with them.
    imported = convsim("ingest", pack / "transcripts.jsonl", "--format", "openai", "--out", transcripts,
                       env={"CONVSIM_PII_SALT": "harbor-journey"})
    assert imported.exit_code == 0, imported.output
    mining = root / "mining.yaml"
    mining.write_text(yaml.safe_dump(MINING, sort_keys=False))
    mined = convsim("mine", transcripts, "--config", mining, "--out", catalog)
    assert mined.exit_code == 0, mined.output
    return {"root": root, "pack": pack, "transcripts": transcripts, "catalog": catalog}


def test_the_pack_checks_and_lists_its_tools(workspace: dict[str, Path]) -> None:
    shown = convsim("domains", workspace["pack"])
    assert shown.exit_code == 0, shown.output
    assert PACK_NAME in shown.output
    for tool in PACK_TOOLS:
        assert tool in shown.output
    described = convsim("domains", workspace["pack"], "--json")
    assert described.exit_code == 0, described.output
    data = json.loads(described.stdout)
    assert {t["name"] for t in data["tools"]} == PACK_TOOLS
    assert {t["name"]: t["kind"] for t in data["tools"]}["dispute_transaction"] == "python"
    assert [t["name"] for t in data["tools"] if t["escalation"]] == ["transfer_to_agent"]


def test_the_logs_import_with_their_tool_calls(workspace: dict[str, Path]) -> None:
    conversations = pl.read_parquet(workspace["transcripts"] / "conversations" / "*.parquet")
    calls = pl.read_parquet(workspace["transcripts"] / "tool_calls" / "*.parquet")
    assert conversations.height == 44
    assert set(calls["tool"]) <= PACK_TOOLS
    assert {"find_customer", "freeze_card", "update_phone", "transfer_to_agent"} <= set(calls["tool"])
    # the customers' phone numbers were pseudonymised before storage
    raw = (workspace["pack"] / "transcripts.jsonl").read_text()
    phones = set(re.findall(r"\b\d{3}-\d{3}-\d{4}\b", raw))
    stored = " ".join(pl.read_parquet(workspace["transcripts"] / "turns" / "*.parquet")["text"])
    assert len(phones) >= 30 and not {p for p in phones if p in stored}


def test_mining_learns_the_process_per_intent(workspace: dict[str, Path]) -> None:
    catalog = yaml.safe_load((workspace["catalog"] / "catalog.yaml").read_text())
    assert catalog["domain"] == PACK_NAME
    intents = catalog["intents"]
    assert set(intents) == set(MINING["intent_rules"])  # every log got an intent
    phone = intents["update_phone"]["process"]["proposed_expectations"]
    assert set(phone["required_steps"]) == {"find_customer", "update_phone"}
    assert ["find_customer", "update_phone"] in phone["order_constraints"]
    lost = intents["report_lost_card"]["process"]["proposed_expectations"]
    assert ["freeze_card", "order_replacement_card"] in lost["order_constraints"]


def test_scenarios_come_from_templates_and_from_the_mined_process(workspace: dict[str, Path]) -> None:
    out = workspace["root"] / "scenarios.yaml"
    made = convsim("scenarios", "generate", "--catalog", workspace["catalog"], "--domain",
                   workspace["pack"], "--n", "30", "--seed", "1", "-o", out)
    assert made.exit_code == 0, made.output
    scenarios = yaml.safe_load(out.read_text())
    assert len(scenarios) == 30 and {s["domain"] for s in scenarios} == {PACK_NAME}
    tools_used = {t for s in scenarios for step in s["expectations"]["process"] for t in step["tools"]}
    assert tools_used <= PACK_TOOLS and {"find_customer", "freeze_card"} <= tools_used
    # update_phone has no template: it is built from the process mined from the logs
    phone = [s for s in scenarios if s["intent"] == "update_phone"]
    assert phone and all("mined" in s["tags"] for s in phone)
    steps = {st["name"]: st for st in phone[0]["expectations"]["process"]}
    assert set(steps) == {"find_customer", "update_phone"}
    assert steps["find_customer"]["before"] == ["update_phone"]
    escalations = [s for s in scenarios if s["expectations"]["escalation_expected"]]
    assert {s["intent"] for s in escalations} >= {"close_account"}
    assert all(s["expectations"]["final_state"] == {"transferred": True} for s in escalations
               if s["intent"] == "close_account")


CAMPAIGN = """\
name: harbor
seed: 5
scenarios: {{domain: {pack}, n: 20, catalog: {catalog}}}
personas: {{n: 8, catalog: {catalog}}}
perturbations:
  - name: clean
  - name: card_backend_faults
    text_noise: {{filler_rate: 0.2}}
    tool_faults:
      freeze_card: {{error_rate: 0.4}}
agents:
  - version: v1
    connector: http
    command: python agent.py --port {{port}}
    workdir: {pack}
evaluators: [process, goal]
max_turns: 20
execution: {{executor: local, concurrency: 8, batch_size: 10}}
"""


def test_a_campaign_runs_the_teams_own_agent(workspace: dict[str, Path]) -> None:
    root = workspace["root"]
    campaign = root / "campaign.yaml"
    campaign.write_text(CAMPAIGN.format(pack=workspace["pack"], catalog=workspace["catalog"]))
    checked = convsim("validate", campaign)
    assert checked.exit_code == 0, checked.output
    ran = convsim("run", campaign, "--out", root / "runs")
    assert ran.exit_code == 0, ran.output
    (run,) = (root / "runs" / "harbor").iterdir()

    conversations = pl.read_parquet(run / "conversations" / "*.parquet")
    calls = pl.read_parquet(run / "tool_calls" / "*.parquet")
    scores = pl.read_parquet(run / "scores" / "*.parquet")
    assert conversations.height == 40
    assert not set(conversations["outcome"]) & {"simulator_error", "agent_error"}
    assert conversations["error"].is_null().all()
    assert conversations["n_unknown_tool_calls"].sum() == 0
    assert "unknown_tool" not in set(calls["status"])
    assert set(calls["tool"]) <= PACK_TOOLS
    assert {"find_customer", "freeze_card", "update_phone", "transfer_to_agent"} <= set(calls["tool"])
    # the fault profile hit the one tool it names, and only that one
    faulted = calls.filter(pl.col("injected_fault").is_not_null())
    assert faulted.height > 0 and set(faulted["tool"]) == {"freeze_card"}
    assert set(calls.join(conversations.select("conversation_id", "perturbation"),
                          on="conversation_id").filter(pl.col("injected_fault").is_not_null())
               ["perturbation"]) == {"card_backend_faults"}
    assert {"update_phone", "close_account"} <= set(conversations["intent"])
    transferred = conversations.filter(pl.col("outcome") == "transferred")
    assert transferred.height > 0 and transferred["escalated"].all()

    scored = scores.filter(pl.col("status") == "scored")
    # mined scenarios state no final state: their goal is not applicable, never a free pass
    na = scores.filter((pl.col("metric") == "goal") & (pl.col("status") == "not_applicable"))
    assert set(na["intent"]) <= {"update_phone", "loan_inquiry"}
    for metric in ("process", "goal"):
        passed = scored.filter(pl.col("metric") == metric)["passed"]
        assert passed.len() == (40 if metric == "process" else 40 - na.height)
        assert passed.any() and not passed.all(), f"{metric}: {passed.sum()}/{passed.len()}"
    # v1's known flaw: a stolen card named by its digits is frozen before the customer is verified
    process = scored.filter(pl.col("metric") == "process")
    assert process["rationale"].str.contains("happened before 'identify'").any()


def test_an_unknown_pack_is_one_line_naming_the_packs(tmp_path: Path) -> None:
    campaign = tmp_path / "campaign.yaml"
    campaign.write_text("name: x\nscenarios: {domain: nope}\n"
                        "agents: [{version: v1, url: 'http://127.0.0.1:9'}]\n")
    checked = convsim("validate", campaign)
    assert checked.exit_code == 2
    lines = [line for line in checked.output.splitlines() if line.strip()]
    assert len(lines) == 1, checked.output
    assert "scenarios.domain" in lines[0] and "'nope'" in lines[0] and "retail" in lines[0]


def test_the_transcripts_file_is_what_the_generator_writes(tmp_path: Path) -> None:
    out = tmp_path / "transcripts.jsonl"
    subprocess.run([sys.executable, str(PACK_SOURCE / "make_transcripts.py"), "--out", str(out)],
                   check=True, capture_output=True)
    assert out.read_bytes() == (PACK_SOURCE / "transcripts.jsonl").read_bytes()


def test_a_production_transcript_becomes_a_regression_scenario_of_the_pack(
        workspace: dict[str, Path]) -> None:
    """`scenarios from-transcript --domain`: the process uses the pack's tools, the customer's key
    from the logged calls binds the state, and a conversation handed to a human expects it."""
    calls = pl.read_parquet(workspace["transcripts"] / "tool_calls" / "*.parquet")
    handed = set(calls.filter(pl.col("tool") == "transfer_to_agent")["conversation_id"])
    identified = set(calls.filter(pl.col("arguments_json").str.contains('"customer_id"'))
                     ["conversation_id"])
    transferred = sorted(handed & identified)[0]
    out = workspace["root"] / "regression.yaml"
    made = convsim("scenarios", "from-transcript", transferred, "-t", workspace["transcripts"],
                   "--catalog", workspace["catalog"], "--domain", workspace["pack"], "-o", out)
    assert made.exit_code == 0, made.output
    [scenario] = yaml.safe_load(out.read_text())
    assert scenario["domain"] == PACK_NAME
    assert scenario["expectations"]["escalation_expected"] is True
    tools = {t for step in scenario["expectations"]["process"] for t in step["tools"]}
    assert tools and tools <= PACK_TOOLS
    logged = [json.loads(a) for a in calls.filter(pl.col("conversation_id") == transferred)
              ["arguments_json"]]
    keys = {a["customer_id"] for a in logged if "customer_id" in a}
    key = scenario["slots"]["customer_id"]
    assert key in keys
    # a production customer the fixtures lack: their logged record joins the scenario's state
    assert scenario["initial_state"]["customers"][key]["customer_id"] == key
