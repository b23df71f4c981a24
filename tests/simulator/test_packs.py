"""The domain pack contract: Python tools, declarative behaviours, proxy tools, discovery."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
from aiohttp import web

from convsim import Domain, ToolError, tool
from convsim.core.packs.declarative import load_domain_folder
from convsim.core.packs.discovery import DomainNotFound, find_domain
from convsim.core.packs.model import PackError, tools_in
from convsim.core.records import PerturbationProfile, ToolFault
from convsim.core.sandbox import ToolSandbox


@tool
def check_balance(state: dict, line_id: str, include_pending: bool = False) -> float:
    """Current balance of a line, in dollars.

    Second paragraph: not part of the description.
    """
    try:
        return float(state["lines"][line_id]["balance"])
    except KeyError:
        raise ToolError(f"no line {line_id}") from None


def test_python_tool_schema_comes_from_type_hints() -> None:
    (t,) = tools_in(sys.modules[__name__])
    assert t.spec.description == "Current balance of a line, in dollars."
    assert t.spec.parameters["required"] == ["line_id"]
    assert t.spec.parameters["properties"]["include_pending"] == {"default": False,
                                                                  "type": "boolean"}
    assert t.spec.returns == {"type": "number"}
    state = {"lines": {"L1": {"balance": "12.5"}}}
    assert t.fn(state, {"line_id": "L1"}) == 12.5
    with pytest.raises(ToolError, match="line_id"):
        t.fn(state, {"line": "L1"})
    assert check_balance(state, "L1") == 12.5  # still a plain function


DECLARATIVE = """\
name: shop
tables:
  tickets: {key: ticket_id, rows: tickets.json}
tools:
  get_ticket: {parameters: {ticket_id: string}, do: lookup, table: tickets,
               where: {ticket_id: "{ticket_id}"}, error: "no ticket {ticket_id}"}
  open_tickets: {parameters: {}, do: list, table: tickets, where: {status: open},
                 result: "{row.ticket_id}"}
  close_ticket: {parameters: {ticket_id: string}, do: update, table: tickets,
                 where: {ticket_id: "{ticket_id}"}, require: {status: open}, set: {status: closed},
                 error: "ticket {ticket_id} is {row.status}"}
  new_ticket: {parameters: {ticket_id: string, subject: string}, do: insert, table: tickets,
               values: {ticket_id: "{ticket_id}", subject: "{subject}", status: open}}
  drop_ticket: {parameters: {ticket_id: string}, do: delete, table: tickets,
                where: {ticket_id: "{ticket_id}"}}
  hours: {parameters: {}, do: respond, result: "9 to 5"}
  to_human: {parameters: {summary: string}, do: handoff}
"""


def _pack(tmp_path: Path, text: str = DECLARATIVE) -> Path:
    (tmp_path / "domain.yaml").write_text(text)
    (tmp_path / "tickets.json").write_text(json.dumps([
        {"ticket_id": "T1", "subject": "wifi", "status": "open"},
        {"ticket_id": "T2", "subject": "bill", "status": "closed"}]))
    return tmp_path


def test_declarative_behaviours(tmp_path: Path) -> None:
    domain = load_domain_folder(_pack(tmp_path))
    box = ToolSandbox(domain, domain.tables, PerturbationProfile(), seed=1)
    call = lambda name, **args: asyncio.run(box.call(name, args))  # noqa: E731
    assert json.loads(call("get_ticket", ticket_id="t1").result)["subject"] == "wifi"
    assert call("get_ticket", ticket_id="T9").result == '{"error": "no ticket T9"}'
    assert json.loads(call("open_tickets").result) == ["T1"]
    refused = call("close_ticket", ticket_id="T2")
    assert refused.status == "error" and "T2 is closed" in refused.result
    assert call("close_ticket", ticket_id="T1").status == "ok"
    assert box.state["tickets"]["T1"]["status"] == "closed"
    assert call("new_ticket", ticket_id="T3", subject="tv").status == "ok"
    assert call("new_ticket", ticket_id="T3", subject="tv").status == "error"  # exists
    assert call("drop_ticket", ticket_id="T2").status == "ok" and "T2" not in box.state["tickets"]
    assert json.loads(call("hours").result) == "9 to 5"
    assert call("to_human", summary="angry").status == "ok" and box.state["transferred"]
    assert domain.escalation_tools == ["to_human"]
    assert call("get_ticket").status == "error"  # missing argument
    assert domain.tables["tickets"]["T1"]["status"] == "open"  # fixtures untouched


@pytest.mark.parametrize(("edit", "needle"), [
    (lambda t: t.replace("table: tickets,\n               where: {ticket_id",
                         "table: tikets,\n               where: {ticket_id", 1),
     "tools.get_ticket.table: 'tikets' is not a table"),
    (lambda t: t.replace('where: {ticket_id: "{ticket_id}"}, error',
                         'where: {ticket_id: "{ticket}"}, error', 1),
     "tools.get_ticket.where: {ticket} is not a parameter"),
    (lambda t: t.replace("{ticket_id: string}, do: lookup", "{ticket_id: strng}, do: lookup", 1),
     "tools.get_ticket.parameters.ticket_id: unknown JSON type 'strng'"),
    (lambda t: t.replace("do: respond", "do: reply"), "tools.hours.do"),
    (lambda t: t + "colour: blue\n", "colour: unknown key"),
])
def test_a_broken_pack_names_file_and_field(tmp_path: Path, edit, needle: str) -> None:
    _pack(tmp_path, edit(DECLARATIVE))
    with pytest.raises(PackError) as err:
        load_domain_folder(tmp_path)
    assert str(tmp_path / "domain.yaml") in str(err.value) and needle in str(err.value)


def make_pack() -> Domain:
    """A pack built in Python, found by `module:attr`."""
    return Domain(name="inline", tools={t.name: t for t in tools_in(sys.modules[__name__])})


def test_discovery_by_name_module_attr_and_folder(tmp_path: Path) -> None:
    assert find_domain("retail").name == "retail"
    assert find_domain(f"{__name__}:make_pack").tools.keys() == {"check_balance"}
    assert find_domain(str(_pack(tmp_path))).name == "shop"
    with pytest.raises(DomainNotFound, match="unknown domain 'nope'; available: .*retail"):
        find_domain("nope")
    with pytest.raises(DomainNotFound, match="no domain.yaml"):
        find_domain(str(tmp_path / "empty") + "/")


OPENAPI = {
    "openapi": "3.0.0", "info": {"title": "staging", "version": "1"},
    "paths": {
        "/accounts/{account_id}": {"get": {
            "operationId": "get_account", "summary": "Read an account.",
            "parameters": [{"name": "account_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}]}},
        "/accounts/{account_id}/freeze": {"post": {
            "operationId": "freeze_account", "summary": "Freeze an account.",
            "parameters": [{"name": "account_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "requestBody": {"content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Freeze"}}}}}},
    },
    "components": {"schemas": {"Freeze": {"type": "object", "required": ["reason"],
                                          "properties": {"reason": {"type": "string"}}}}},
}


async def _proxy_roundtrip(tmp_path: Path) -> tuple[list, list, dict]:
    seen: list[tuple[str, str, dict | None, str]] = []

    async def get_account(request: web.Request) -> web.Response:
        seen.append(("GET", request.path, None, request.headers.get("X-Convsim-Conversation", "")))
        if request.match_info["account_id"] != "A1":
            return web.json_response({"error": "no such account"}, status=404)
        return web.json_response({"id": "A1", "status": "active"})

    async def freeze(request: web.Request) -> web.Response:
        seen.append(("POST", request.path, await request.json(), ""))
        return web.json_response({"id": request.match_info["account_id"], "status": "frozen"})

    app = web.Application()
    app.router.add_get("/accounts/{account_id}", get_account)
    app.router.add_post("/accounts/{account_id}/freeze", freeze)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        (tmp_path / "openapi.json").write_text(json.dumps(OPENAPI))
        (tmp_path / "domain.yaml").write_text(
            f"name: staging\nproxy: {{base_url: 'http://127.0.0.1:{port}', openapi: openapi.json}}\n")
        domain = load_domain_folder(tmp_path)
        profile = PerturbationProfile(tool_faults={"freeze_account": ToolFault(error_rate=1.0)})
        box = ToolSandbox(domain, {}, profile, seed=1)
        calls = [await box.call("get_account", {"account_id": "A1"}),
                 await box.call("get_account", {"account_id": "A2"}),
                 await box.call("freeze_account", {"account_id": "A1", "reason": "lost"})]
        clean = ToolSandbox(domain, {}, PerturbationProfile(), seed=1)
        calls.append(await clean.call("freeze_account", {"account_id": "A1", "reason": "lost"}))
        schema = domain.tools["freeze_account"].spec.parameters
        return calls, seen, schema
    finally:
        await runner.cleanup()


def test_proxy_tools_forward_to_the_backend_with_faults_and_records(tmp_path: Path) -> None:
    calls, seen, schema = asyncio.run(_proxy_roundtrip(tmp_path))
    assert schema["required"] == ["account_id", "reason"]
    assert [c.status for c in calls] == ["ok", "error", "error", "ok"]
    assert json.loads(calls[0].result) == {"id": "A1", "status": "active"}
    assert "HTTP 404" in calls[1].result
    assert calls[2].injected_fault == "error"  # injected: never reached the backend
    assert [s[:3] for s in seen] == [("GET", "/accounts/A1", None), ("GET", "/accounts/A2", None),
                                     ("POST", "/accounts/A1/freeze", {"reason": "lost"})]


BANK = Path(__file__).resolve().parents[1] / "data" / "packs" / "bank"
TELECOM = Path(__file__).resolve().parents[2] / "convsim" / "domains" / "telecom"


def _copy_pack(src: Path, dest: Path) -> Path:
    import shutil

    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    return dest


@pytest.mark.parametrize("src", [BANK, TELECOM], ids=["bank", "telecom"])
def test_scenario_file_errors_name_that_file_and_line(tmp_path: Path, src: Path) -> None:
    pack = _copy_pack(src, tmp_path / src.name)
    path = pack / "scenarios.yaml"
    text = path.read_text()
    first = text.index("- intent:")
    second = text.index("- intent:", first + 1)
    text = text[:second] + text[second:].replace("  goal:", "  goall:", 1)
    path.write_text(text)
    line = text[:second].count("\n") + 1 + text[second:].split("goall:")[0].count("\n")
    with pytest.raises(PackError) as err:
        load_domain_folder(pack)
    message = str(err.value)
    assert "domain.yaml" not in message
    import re

    assert re.search(rf"{re.escape(str(path))}: \d+\.goall: unknown key; did you mean 'goal'\? "
                     rf"\(line {line}\)", message), message


def test_scenario_semantic_errors_name_the_scenario_file(tmp_path: Path) -> None:
    pack = _copy_pack(BANK, tmp_path / "bank")
    path = pack / "scenarios.yaml"
    path.write_text(path.read_text().replace("tools: [freeze_card]", "tools: [frieze_card]", 1))
    with pytest.raises(PackError) as err:
        load_domain_folder(pack)
    assert str(err.value).startswith(f"{path}: [")
    assert "names unknown tool 'frieze_card' (line " in str(err.value)


def test_domain_file_typo_gets_a_suggestion_and_line(tmp_path: Path) -> None:
    pack = _copy_pack(BANK, tmp_path / "bank")
    path = pack / "domain.yaml"
    text = path.read_text().replace("\ntables:", "\ntabels:", 1)
    path.write_text(text)
    line = text[:text.index("tabels:")].count("\n") + 1
    with pytest.raises(PackError) as err:
        load_domain_folder(pack)
    assert f"{path}: tabels: unknown key; did you mean 'tables'? (line {line})" in str(err.value)


def _pack_with_helper(folder: Path, value: str) -> Path:
    folder.mkdir()
    (folder / "helpers.py").write_text(f"GREETING = {value!r}\n")
    (folder / "tools.py").write_text(
        "from helpers import GREETING\nfrom convsim import tool\n\n\n"
        "@tool\ndef greet(name: str) -> str:\n    '''Greet.'''\n"
        "    return f'{GREETING}, {name}'\n")
    (folder / "domain.yaml").write_text(f"name: helper_{folder.name}\npython: [tools.py]\n")
    return folder


def test_pack_python_files_import_modules_beside_them(tmp_path: Path) -> None:
    first = load_domain_folder(_pack_with_helper(tmp_path / "one", "Hello"))
    second = load_domain_folder(_pack_with_helper(tmp_path / "two", "Howdy"))
    # Each pack gets its own `helpers`, and the import path is left as it was.
    assert first.tools["greet"].fn({}, {"name": "Ann"}) == "Hello, Ann"
    assert second.tools["greet"].fn({}, {"name": "Ann"}) == "Howdy, Ann"
    assert str(tmp_path / "one") not in sys.path and "helpers" not in sys.modules
