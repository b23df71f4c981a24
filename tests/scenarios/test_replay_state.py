"""Backend state rebuilt from tool logs of other formats and packs: a tau-bench retail
trajectory (`traj`, OpenAI tool calls) on the bundled retail pack, and the Kite chats
exported as a CSV with tool columns through a generic mapping."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from convsim.cli.main import app

DATA = Path(__file__).resolve().parents[1] / "data"
KITE = DATA / "packs" / "kite"


def run(*args: str | Path) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"CONVSIM_PII_SALT": "state"})
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.output


def _tool(cid: str, name: str, args: dict, result: object) -> list[dict]:
    return [{"role": "assistant", "content": None, "tool_calls": [
                {"id": cid, "type": "function",
                 "function": {"name": name, "arguments": json.dumps(args)}}]},
            {"role": "tool", "tool_call_id": cid, "name": name, "content": json.dumps(result)}]


def test_tau_bench_trajectory_on_the_retail_pack(tmp_path: Path) -> None:
    """A production customer of the retail store (not in the pack's sample db) cancels a
    pending order: the user and the order become the initial state, the cancellation the
    expected state; the order's items stay inside the order."""
    user = {"user_id": "noor_haddad_5521", "name": {"first_name": "Noor", "last_name": "Haddad"},
            "email": "noor.haddad5521@example.com", "orders": ["#W5500001"],
            "address": {"address1": "12 Elm Street", "city": "Denver", "state": "CO",
                        "zip": "80203", "country": "USA", "address2": ""},
            "payment_methods": {"credit_card_55": {"id": "credit_card_55",
                                                   "source": "credit_card"}}}
    item = {"item_id": "4982943126", "name": "Pet Bed", "price": 214.33,
            "product_id": "2747247837", "options": {"size": "small"}}
    order = {"order_id": "#W5500001", "user_id": "noor_haddad_5521", "status": "pending",
             "items": [item], "address": user["address"], "fulfillments": [],
             "payment_history": [{"amount": 214.33, "payment_method_id": "credit_card_55",
                                  "transaction_type": "payment"}]}
    traj = [{"role": "system", "content": "You are a retail agent."},
            {"role": "user", "content": "Hi, I want to cancel my order #W5500001, my email is "
                                        "noor.haddad5521@example.com"},
            *_tool("c1", "find_user_id_by_email", {"email": user["email"]}, user["user_id"]),
            *_tool("c2", "get_user_details", {"user_id": user["user_id"]}, user),
            *_tool("c3", "get_order_details", {"order_id": "#W5500001"}, order),
            {"role": "assistant", "content": "Your order #W5500001 is pending. Shall I cancel "
                                             "it because you no longer need it? (yes/no)"},
            {"role": "user", "content": "yes"},
            *_tool("c4", "cancel_pending_order", {"order_id": "#W5500001",
                                                  "reason": "no longer needed"},
                   {**order, "status": "cancelled"}),
            {"role": "assistant", "content": "Your order has been cancelled."},
            {"role": "user", "content": "thanks!"}]
    source = tmp_path / "traj.jsonl"
    source.write_text(json.dumps({"task_id": 7, "trial": 0, "reward": 1.0, "traj": traj}) + "\n")
    transcripts = tmp_path / "t"
    run("ingest", source, "--format", "openai", "--domain", "retail", "--out", transcripts)
    out = tmp_path / "s.yaml"
    said = run("scenarios", "from-transcript", "task7-trial0", "-t", transcripts,
               "--domain", "retail", "--out", out)
    assert "state from tool log: users " in said and "; orders #W5500001" in said
    [scenario] = yaml.safe_load(out.read_text())
    key = scenario["slots"]["user_id"]
    assert key != "noor_haddad_5521"  # pseudonymised, and the same in state and slots
    assert scenario["initial_state"]["users"][key]["orders"] == ["#W5500001"]
    placed = scenario["initial_state"]["orders"]["#W5500001"]
    assert placed["status"] == "pending" and placed["user_id"] == key
    assert scenario["expectations"]["final_state"] == {"orders.#W5500001.status": "cancelled"}
    # the item inside the order did not replace the catalogue's product record
    product = scenario["initial_state"]["products"]["2747247837"]
    assert "variants" in product
    assert scenario["provenance"]["state"]["missing"] == []


def test_generic_csv_with_tool_columns_on_the_kite_pack(tmp_path: Path) -> None:
    source = tmp_path / "kite.csv"
    with source.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["chat", "who", "said", "api", "api_args", "api_answer"])
        for line in (DATA / "replay" / "kite_chats.jsonl").read_text().splitlines():
            chat = json.loads(line)
            answers = {m["tool_call_id"]: m["content"] for m in chat["messages"]
                       if m["role"] == "tool"}
            for m in chat["messages"]:
                for tc in m.get("tool_calls") or []:
                    writer.writerow([chat["id"], "", "", tc["function"]["name"],
                                     tc["function"]["arguments"], answers[tc["id"]]])
                if m["role"] in ("user", "assistant") and m.get("content"):
                    writer.writerow([chat["id"], m["role"], m["content"], "", "", ""])
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("layout: turns\nconversation_id: chat\nspeaker: who\ntext: said\n"
                       "tool: api\narguments: api_args\nresult: api_answer\n"
                       "speakers: {customer: [user], agent: [assistant]}\n")
    transcripts = tmp_path / "t"
    run("ingest", source, "--format", "generic", "--mapping", mapping, "--domain", KITE,
        "--out", transcripts)
    out = tmp_path / "s.yaml"
    said = run("scenarios", "from-transcript", "--all", "-t", transcripts, "--domain", KITE,
               "--out", out)
    assert "backend state rebuilt for 14 of 14 conversations without anything missing" in said
    scenarios = yaml.safe_load(out.read_text())
    assert all(s["provenance"]["state"]["source"] == "tool log" for s in scenarios)
    # four plan switches, three SIM blocks, two travel passes
    assert sum(bool(s["expectations"]["final_state"]) for s in scenarios) == 9
    assert sum(s["expectations"]["escalation_expected"] for s in scenarios) == 2


def test_missing_state_is_told_from_the_agents_own_mistakes() -> None:
    from convsim.core.records import ToolCall
    from convsim.core.replay_check import missing_state_failure

    state = {"source": "tool log", "missing": [],
             "found": [{"tool": "get_usage", "arguments": {"line_id": "L1"}}]}

    def call(args: dict[str, str], status: str = "error", result: str = "no line L1",
             fault: str | None = None) -> ToolCall:
        return ToolCall(seq=0, turn_index=1, tool="get_usage", arguments=args, status=status,
                        result=result, injected_fault=fault)

    # the call the chat made, failing now: the rebuilt state lacks the line
    assert "get_usage(line_id=L1) found it then" in str(
        missing_state_failure([call({"line_id": "L1"})], state))
    # another line than the chat's: the agent's mistake, not convsim's
    assert missing_state_failure([call({"line_id": "L9"}, result="no line L9")], state) is None
    # a fault the campaign injected is never missing state
    assert missing_state_failure([call({"line_id": "L1"}, fault="error")], state) is None
    # without a tool log the state is known to be partial: "not found" or nothing listed
    partial = {"source": "persona binding", "missing": ["lines: no tool log"], "found": []}
    assert "missing lines: no tool log" in str(
        missing_state_failure([call({"line_id": "L9"}, result="no line L9")], partial))
    assert "found nothing" in str(
        missing_state_failure([call({"account": "A"}, status="ok", result="[]")], partial))
    assert missing_state_failure([call({"line_id": "L9"}, result="line L9 is not active")],
                                 partial) is None
