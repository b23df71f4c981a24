"""`convsim new domain` scaffolds a pack that loads and runs; `convsim domains` lists and checks packs."""

from __future__ import annotations

import asyncio
import fnmatch
import json
import tomllib
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from convsim.core.packs.discovery import find_domain
from convsim.core.records import PerturbationProfile
from convsim.core.sandbox import ToolSandbox

PACK_TOOLS = {"find_customer", "list_subscriptions", "pause_subscription", "open_ticket",
              "transfer_to_human", "cancel_subscription"}


def _app() -> typer.Typer:
    """The convsim CLI; with `domains` / `new domain` added if main.py does not register them yet."""
    from convsim.cli import main

    if any(c.name == "domains" for c in main.app.registered_commands):
        return main.app
    from convsim.cli.domains_list import domains, new_domain

    app = typer.Typer()
    app.command("domains")(domains)
    app.command("run")(main.run.run)
    new_app = typer.Typer()
    new_app.command("domain")(new_domain)
    app.add_typer(new_app, name="new")
    return app


def invoke(*args: str) -> Any:
    return CliRunner().invoke(_app(), list(args))


@pytest.fixture()
def pack(tmp_path: Path) -> Path:
    result = invoke("new", "domain", "acme", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    return tmp_path / "acme"


def test_new_domain_writes_a_pack_that_loads(pack: Path) -> None:
    assert sorted(p.name for p in pack.iterdir()) == [
        "README.md", "agent.py", "campaign.yaml", "domain.yaml", "scenarios.yaml", "tools.py"]
    text = "".join(p.read_text() for p in pack.iterdir())
    assert "{{name}}" not in text and "acme" in text
    domain = find_domain(str(pack))
    assert domain.name == "acme"
    assert set(domain.tools) == PACK_TOOLS
    assert domain.tools["cancel_subscription"].kind == "python"
    assert domain.escalation_tools == ["transfer_to_human"]
    assert {t: len(rows) for t, rows in domain.tables.items()} == {
        "customers": 10, "subscriptions": 12, "tickets": 2}
    assert domain.binding is not None and domain.binding.slot in domain.slots
    assert {s.intent for s in domain.scenarios} == {
        "pause_subscription", "cancel_subscription", "report_problem", "billing_dispute"}
    assert any(s.expectations.escalation_expected for s in domain.scenarios)


def test_scaffolded_tools_work_on_the_fixtures(pack: Path) -> None:
    domain = find_domain(str(pack))
    sandbox = ToolSandbox(domain, domain.tables, PerturbationProfile(), seed=1)

    def call(tool: str, **arguments: Any) -> tuple[str, Any]:
        record = asyncio.run(sandbox.call(tool, arguments))
        return record.status, json.loads(record.result or "null")

    assert call("find_customer", email="ADA@example.com ") == (
        "ok", {"customer_id": "C001", "name": "Ada Lovelace"})
    status, body = call("find_customer", email="nobody@example.com")
    assert status == "error" and "no customer" in body["error"]
    status, subs = call("list_subscriptions", customer_id="C010")
    assert status == "ok" and sorted(s["subscription_id"] for s in subs) == ["S010", "S012"]
    assert call("pause_subscription", subscription_id="S001")[0] == "ok"
    assert sandbox.state["subscriptions"]["S001"]["status"] == "paused"
    status, body = call("pause_subscription", subscription_id="S001")  # require: status active
    assert status == "error" and "not active" in body["error"]
    status, body = call("cancel_subscription", subscription_id="S002", reason="too expensive")
    assert status == "ok" and body == {"subscription_id": "S002", "status": "cancelled",
                                       "refund": round(19.99 * 25 / 30, 2)}
    assert call("cancel_subscription", subscription_id="S011", reason="x")[0] == "error"
    status, body = call("open_ticket", customer_id="C004", summary="app crashes")
    assert status == "ok" and sandbox.state["tickets"]["T-C004"]["status"] == "open"
    assert call("open_ticket", customer_id="C004", summary="again")[0] == "error"
    assert call("transfer_to_human", customer_id="C005", summary="double charge")[0] == "ok"
    assert sandbox.state["transferred"] is True
    assert domain.tables["subscriptions"]["S001"]["status"] == "active"  # fixtures untouched


def test_scaffold_templates_are_package_data() -> None:
    """Without a package-data glob, `pip install convsim` would ship a `new domain` with no templates."""
    from convsim.cli.domains_list import SCAFFOLD_DIR

    pyproject = tomllib.loads((SCAFFOLD_DIR.parents[2] / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"].get("convsim.cli", [])
    files = [p.relative_to(SCAFFOLD_DIR.parent).as_posix() for p in SCAFFOLD_DIR.rglob("*")
             if p.is_file() and "__pycache__" not in p.parts]
    assert files and not (SCAFFOLD_DIR / "__init__.py").exists()
    assert [f for f in files if not any(fnmatch.fnmatch(f, g) for g in globs)] == []


def test_new_domain_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "notes.txt").write_text("mine")
    result = invoke("new", "domain", "acme", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "already exists" in result.output and "Traceback" not in result.output
    assert [p.name for p in (tmp_path / "acme").iterdir()] == ["notes.txt"]
    assert invoke("new", "domain", "a/b", "--out", str(tmp_path)).exit_code == 2


def test_domains_lists_installed_and_folder_packs(pack: Path, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    monkeypatch.chdir(pack.parent)
    result = invoke("domains", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.output)}
    assert rows["retail"]["ok"] and rows["retail"]["tools"] > 0
    assert rows["acme"]["where"] == "./acme" and rows["acme"]["tools"] == len(PACK_TOOLS)
    table = invoke("domains")
    assert table.exit_code == 0 and "retail" in table.output and "./acme" in table.output


def test_domains_shows_one_pack(pack: Path) -> None:
    result = invoke("domains", str(pack))
    assert result.exit_code == 0, result.output
    for word in ("transfer_to_human", "handoff", "subscriptions", "billing_dispute",
                 "e-mail address", "ok: acme loads"):
        assert word in result.output
    details = json.loads(invoke("domains", str(pack), "--json").output)
    assert {t["name"]: t["kind"] for t in details["tools"]}["cancel_subscription"] == "python"
    assert {t["name"]: t["rows"] for t in details["tables"]}["customers"] == 10
    assert details["warnings"] == []


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda text: text + "\ncolour: red\n", "colour: unknown key"),
    (lambda text: text.replace("table: tickets", "table: tikets"),
     "tools.open_ticket.table: 'tikets' is not a table"),
    (lambda text: text.replace("tools:\n", "tools: [\n", 1), "invalid YAML at line"),
])
def test_a_broken_pack_is_reported_with_file_and_field(pack: Path, edit: Any, expected: str
                                                       ) -> None:
    source = pack / "domain.yaml"
    source.write_text(edit(source.read_text()))
    result = invoke("domains", str(pack))
    assert result.exit_code == 2
    assert f"error: {source}: {expected}" in result.output
    assert "Traceback" not in result.output


def test_unknown_domain_names_the_available_ones() -> None:
    result = invoke("domains", "no-such-pack")
    assert result.exit_code == 2
    assert "unknown domain 'no-such-pack'" in result.output and "retail" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("executor", ["local", "ray"])
def test_scaffolded_campaign_runs_offline(pack: Path, monkeypatch: pytest.MonkeyPatch,
                                          request: pytest.FixtureRequest, executor: str) -> None:
    if executor == "ray":
        request.getfixturevalue("ray_local")  # the session's local Ray (num_cpus=2)
    # A bare `python` on PATH may lack aiohttp: the campaign runs `python agent.py` with the
    # interpreter convsim runs in, whatever PATH says.
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.chdir(pack.parent)
    result = invoke("run", "acme/campaign.yaml", "--executor", executor)
    assert result.exit_code == 0, result.output
    calls = pl.read_parquet("runs/acme/*/tool_calls/*.parquet")
    assert set(calls["tool"]) <= PACK_TOOLS
    assert {"find_customer", "pause_subscription", "cancel_subscription", "open_ticket",
            "transfer_to_human"} <= set(calls["tool"])
    scores = pl.read_parquet("runs/acme/*/scores/*.parquet")
    conversations = pl.read_parquet("runs/acme/*/conversations/*.parquet")
    assert conversations.height == 24 and conversations["error"].is_null().all()
    passed = scores.group_by("metric").agg(pl.col("passed").sum(), pl.len())
    rates = {r["metric"]: r["passed"] / r["len"] for r in passed.iter_rows(named=True)}
    assert set(rates) == {"process", "goal"}
    assert rates["process"] > 0.8 and rates["goal"] > 0.9


def test_domains_warns_of_faker_slots_that_follow_the_clock(pack: Path) -> None:
    """A `faker:` date provider counts from today: the same seed plays other values another
    day. `convsim domains` names such slots; a `numerify:` shape is not named."""
    domain_yaml = pack / "domain.yaml"
    domain_yaml.write_text(domain_yaml.read_text().replace(
        "  problem: {type: string",
        "  born: {type: string, faker: date_of_birth, words: [date of birth]}\n"
        "  card_expiry: {type: string, faker: credit_card_expire, words: [expiry]}\n"
        "  ticket_ref: {type: string, faker: 'numerify:TK-####', words: [ticket]}\n"
        "  problem: {type: string"))
    result = invoke("domains", str(pack))
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    warning = said[said.index("faker slots follow"):]
    assert warning.startswith("faker slots follow today's date: born (date_of_birth), "
                              "card_expiry (credit_card_expire); the same seed")
    plain = invoke("domains", "--json")
    assert not [w for r in json.loads(plain.output) if r["name"] in ("retail", "telecom", "coffee")
                for w in r.get("warnings", []) if "today's date" in w]
