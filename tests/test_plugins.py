"""A third party's plug-ins, installed as a package, work in a campaign with no convsim edit.

`tests/data/plugins/convsim_acme` is a package of its own (its own pyproject.toml) with a
connector (`acme-rest`: agents on a Rasa-style REST channel) and an evaluator (`greeting`),
registered in the `convsim.connectors` / `convsim.evaluators` entry-point groups. The tests
install it the way a user would (`pip install`, regular, offline) into a folder put on the
path, then use only the CLI: `convsim plugins` lists it, `convsim run` uses it on two packs.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import yaml
from aiohttp import web
from typer.testing import CliRunner

from convsim.cli.main import app

_spec = importlib.util.spec_from_file_location(
    "plugin_site", Path(__file__).resolve().parent / "plugin_site.py")
plugin_site = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(plugin_site)  # type: ignore[union-attr]

PLUGIN_SOURCE = Path(__file__).resolve().parent / "data" / "plugins" / "convsim_acme"
BANK = Path(__file__).resolve().parent / "data" / "packs" / "bank"


@pytest.fixture(scope="module")
def acme_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """convsim-acme installed (regular install, no index) into a folder on sys.path."""
    with plugin_site.installed(PLUGIN_SOURCE, tmp_path_factory.mktemp("acme"),
                               "acme_plugins") as site:
        yield site


class RestChannelAgent:
    """Agents on a REST channel: `polite` greets then hands over, `curt` only hands over."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []
        self.url = ""
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        style = request.match_info["style"]
        self.seen.append((style, body["sender"], request.headers["X-Convsim-Conversation"]))
        said = ("Hello, welcome to Acme support! Let me pass you to a colleague."
                if style == "polite" else "Transferring.")
        return web.json_response([{"text": said}, {"custom": {"handoff": True}}])

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/{style}/webhooks/rest/webhook", self._webhook)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        self._ready.set()
        self._loop.run_forever()

    def __enter__(self) -> RestChannelAgent:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


def _campaign(folder: Path, domain: str, url: str) -> Path:
    agent = {"connector": "acme-rest", "url": url}
    campaign = {
        "name": "acme-plugins", "seed": 5,
        "scenarios": {"domain": domain, "n": 4}, "personas": {"n": 2},
        "agents": [{**agent, "version": "polite",
                    "options": {"path": "/polite/webhooks/rest/webhook"}},
                   {**agent, "version": "curt",
                    "options": {"path": "/curt/webhooks/rest/webhook"}}],
        "evaluators": ["greeting", "escalation"],
        "execution": {"executor": "local", "retries": 0},
        "output_dir": str(folder / "runs"),
    }
    path = folder / "campaign.yaml"
    path.write_text(yaml.safe_dump(campaign, sort_keys=False))
    return path


def test_convsim_plugins_lists_the_package_with_its_distribution(acme_site: Path) -> None:
    result = CliRunner().invoke(app, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    rows = {(r["kind"], r["name"]): r for r in json.loads(result.output)}
    assert rows[("connectors", "acme-rest")]["distribution"] == "convsim-acme 1.2.0"
    assert rows[("connectors", "acme-rest")]["module"] == "acme_plugins.rest_channel"
    assert rows[("evaluators", "greeting")]["value"] == "acme_plugins.greeting:GreetingEvaluator"
    assert rows[("connectors", "http")]["distribution"].startswith("convsim ")
    assert {k for k, _ in rows} == {"domains", "connectors", "customers", "evaluators",
                                    "importers", "executors", "generators", "mutations"}
    for kind in ("connectors", "evaluators"):  # they import, and take only known settings
        checked = CliRunner().invoke(app, ["plugins", kind, "--check", "--json"])
        assert checked.exit_code == 0, checked.output
        assert all(r["problem"] == "" for r in json.loads(checked.output))
    listed = CliRunner().invoke(app, ["plugins", "evaluators"])
    assert listed.exit_code == 0
    assert any(line.split()[:2] == ["greeting", "convsim-acme"] for line in listed.output.splitlines())


@pytest.mark.parametrize("domain", ["retail", str(BANK)], ids=["retail", "bank"])
def test_a_campaign_uses_the_installed_connector_and_evaluator(acme_site: Path, tmp_path: Path,
                                                               domain: str) -> None:
    with RestChannelAgent() as agent:
        campaign = _campaign(tmp_path, domain, agent.url)
        result = CliRunner().invoke(app, ["run", str(campaign)])
    assert result.exit_code in (0, 1), result.output  # 1: a version failed a check
    run = next((tmp_path / "runs" / "acme-plugins").iterdir())
    conversations = pl.read_parquet(run / "conversations" / "*.parquet")
    assert conversations.height == 2 * 4 * 1 * 1  # versions x scenarios (1 persona, 1 profile)
    assert set(conversations["outcome"]) == {"transferred"}
    # Every conversation went through the plug-in's REST channel, under its own id.
    assert {(s, c) for s, c, _ in agent.seen} == {
        (v, c) for v, c in conversations.select("agent_version", "conversation_id").iter_rows()}
    assert all(sender == header for _, sender, header in agent.seen)
    scores = pl.read_parquet(run / "scores" / "*.parquet").filter(pl.col("evaluator") == "greeting")
    by_version = dict(scores.group_by("agent_version").agg(pl.col("passed").mean()).iter_rows())
    assert by_version == {"polite": 1.0, "curt": 0.0}


def test_ray_workers_load_the_installed_plugins_too(acme_site: Path, tmp_path: Path) -> None:
    """In a shell with the package on PYTHONPATH (as a venv's site-packages would be), the
    Ray actors that play the conversations find the entry points and import the plug-ins."""
    with RestChannelAgent() as agent:
        campaign = _campaign(tmp_path, "retail", agent.url)
        data = yaml.safe_load(campaign.read_text())
        data["execution"] = {"executor": "ray", "workers": 1, "retries": 0}
        campaign.write_text(yaml.safe_dump(data))
        env = {**os.environ, "PYTHONPATH": str(acme_site), "RAY_USAGE_STATS_ENABLED": "0"}
        done = subprocess.run([sys.executable, "-m", "convsim.cli.main", "run", str(campaign),
                               "--json"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    run = Path(json.loads(done.stdout)["run_dir"])
    scores = pl.read_parquet(run / "scores" / "*.parquet").filter(pl.col("evaluator") == "greeting")
    assert dict(scores.group_by("agent_version").agg(pl.col("passed").mean()).iter_rows()) == {
        "polite": 1.0, "curt": 0.0}
    assert len(agent.seen) == 8


def test_an_unknown_connector_is_one_line_naming_the_field(tmp_path: Path) -> None:
    campaign = _campaign(tmp_path, "retail", "http://127.0.0.1:9")
    campaign.write_text(campaign.read_text().replace("acme-rest", "acme-rset"))
    result = CliRunner().invoke(app, ["validate", str(campaign)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "connector" in result.output and "unknown connector 'acme-rset'" in result.output
    assert "http" in result.output  # the known ones are listed
