"""Misbehaving agents, secrets and exposure: the http connector's contract under stress.

Each agent here is an aiohttp server on 127.0.0.1 in a background thread, wrapping the
retail reference policy so the conversations are real ones with tool calls.
"""

from __future__ import annotations

import asyncio
import copy
import json
import threading
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import aiohttp
import polars as pl
import pyarrow.parquet as pq
import pytest
from aiohttp import web
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.core.campaign_file import load_campaign
from convsim.core.config import ConfigError
from convsim.core.packs.discovery import find_domain
from convsim.core.redact import Redactor, redactor_for
from convsim.core.sandbox import SANDBOX_URL_HEADER
from convsim.domains.retail.agent.policy import (
    DialogueState,
    ReferenceAgent,
    load_agent_config,
)
from convsim.domains.retail.agent.server import HttpToolClient, build_app
from convsim.engine.campaign import run_campaign
from convsim.simulator.connectors.http import CircuitBreaker, retry_after_seconds

runner = CliRunner()
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _finish_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what the server left running (a handler of a hanging agent) and let it end, so
    no pending task is destroyed with the loop."""
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


@contextmanager
def serve(handler: Handler) -> Iterator[str]:
    """Serve `handler` for every path on 127.0.0.1 (own event loop, own thread)."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def start() -> None:
        webapp = web.Application()
        webapp.router.add_route("*", "/{tail:.*}", handler)
        holder["runner"] = web.AppRunner(webapp, access_log=None, shutdown_timeout=0.1)
        await holder["runner"].setup()
        site = web.TCPSite(holder["runner"], "127.0.0.1", 0)
        await site.start()
        holder["port"] = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def main() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()
        loop.run_until_complete(holder["runner"].cleanup())
        if hasattr(handler, "aclose"):
            loop.run_until_complete(handler.aclose())
        _finish_tasks(loop)
        loop.close()

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield f"http://127.0.0.1:{holder['port']}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


class PolicyAgent:
    """The retail v1 policy behind HTTP, with knobs to misbehave.

    `fail_after_acting`: the first attempt of a turn in which the agent called a tool
    answers 500 (as if it crashed after acting); without `dedup` it also loses its
    session state, so a re-POST makes it act again. With `dedup`, the reply of a turn
    is kept per Idempotency-Key and a retry gets it without acting twice.
    `rate_limit`: share of first attempts answered 429 (Retry-After 0, the first one an
    HTTP date 2 s ahead). `require`: headers and query values every call must carry.
    """

    def __init__(self, *, fail_after_acting: bool = False, dedup: bool = False,
                 rate_limit: float = 0.0, require: dict[str, str] | None = None,
                 require_query: dict[str, str] | None = None, fail_every: int = 0) -> None:
        self.agent = ReferenceAgent(load_agent_config(find_domain("retail").agents["v1"]))
        self.states: dict[str, DialogueState] = {}
        self.replies: dict[str, dict[str, Any]] = {}
        self.attempts: Counter[str] = Counter()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.fail_after_acting, self.dedup, self.rate_limit = fail_after_acting, dedup, rate_limit
        self.require, self.require_query = require or {}, require_query or {}
        self.fail_every = fail_every
        self.dated = False
        self.session: aiohttp.ClientSession | None = None

    async def aclose(self) -> None:
        if self.session is not None:
            await self.session.close()

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        if request.method == "DELETE":
            return web.json_response({"ok": True})
        for name, value in self.require.items():
            if request.headers.get(name) != value:
                return web.json_response({"error": f"missing {name}"}, status=401)
        for name, value in self.require_query.items():
            if request.query.get(name) != value:
                return web.json_response({"error": f"missing {name}"}, status=401)
        if request.content_type != "application/json":  # as a FastAPI agent would insist
            return web.json_response({"error": "expected JSON"}, status=415)
        body = await request.json()
        conv, key = body["conversation_id"], request.headers["Idempotency-Key"]
        self.attempts[key] += 1
        self.times[key].append(time.monotonic())
        first = self.attempts[key] == 1
        if self.rate_limit and first and zlib.crc32(key.encode()) % 100 < self.rate_limit * 100:
            when = "0"
            if not self.dated:
                self.dated = True
                when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
            return web.json_response({"error": "slow down"}, status=429,
                                     headers={"Retry-After": when})
        if self.fail_every and zlib.crc32(key.encode()) % self.fail_every == 0:
            # Echo what the agent received: the connector must not write it out raw.
            return web.json_response(
                {"error": f"refused {dict(request.headers)} {request.query_string}"},
                status=403 if sum(self.attempts.values()) % 2 else 500)
        if self.dedup and key in self.replies:
            return web.json_response(self.replies[key])
        if self.session is None:
            self.session = aiohttp.ClientSession()
        state = self.states.setdefault(conv, DialogueState())
        before = copy.deepcopy(state)
        calls = 0
        tools = HttpToolClient(self.session, request.headers[SANDBOX_URL_HEADER], conv, 5.0)

        async def counted(tool: str, arguments: dict[str, Any]) -> Any:
            nonlocal calls
            calls += 1
            return await tools(tool, arguments)

        reply = await self.agent.respond(state, body["message"], counted)
        out = {"reply": reply.text, "end": reply.end, "handoff": reply.handoff}
        if self.dedup:
            self.replies[key] = out
        if self.fail_after_acting and calls and first:
            if not self.dedup:
                self.states[conv] = before  # crashed: its session state is lost, not the tool call
            return web.json_response({"error": "crashed after acting"}, status=500)
        return web.json_response(out)


def write_campaign(tmp_path: Path, url: str, *, n: int = 6, options: str = "{}",
                   execution: str = "", executor: str = "local", name: str = "hard") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"""\
name: {name}
seed: 5
scenarios: {{n: {n}}}
personas: {{n: 4}}
agents:
  - {{version: v1, url: "{url}", options: {options}}}
execution: {{executor: {executor}, batch_size: 5, concurrency: 8{execution}}}
output_dir: {tmp_path / 'runs'}
""")
    return path


def frame(run_dir: Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(run_dir / table / "*.parquet")


def duplicated_tool_calls(run_dir: Path) -> int:
    calls = frame(run_dir, "tool_calls")
    return int(calls.select("conversation_id", "turn_index", "tool", "arguments_json")
               .is_duplicated().sum())


# --- retries ------------------------------------------------------------------------------

def test_a_turn_the_agent_may_have_processed_is_not_sent_again(tmp_path: Path) -> None:
    agent = PolicyAgent(fail_after_acting=True)
    with serve(agent) as url:
        info = run_campaign(load_campaign(write_campaign(tmp_path, url)))
    conv = frame(info.run_dir, "conversations")
    errors = [e for e in conv["error"].to_list() if e]
    assert errors and all("HTTP 500" in e and "not sent again" in e for e in errors)
    assert max(agent.attempts.values()) == 1  # no turn was POSTed twice
    assert duplicated_tool_calls(info.run_dir) == 0


def test_retry_safe_agent_gets_the_same_key_and_acts_once(tmp_path: Path) -> None:
    agent = PolicyAgent(fail_after_acting=True, dedup=True)
    with serve(agent) as url:
        info = run_campaign(load_campaign(
            write_campaign(tmp_path, url, options="{retry_safe: true}")))
    conv = frame(info.run_dir, "conversations")
    assert conv["error"].null_count() == conv.height == 6  # every conversation completed
    assert max(agent.attempts.values()) == 2  # retried turns, same Idempotency-Key
    assert duplicated_tool_calls(info.run_dir) == 0
    # The same retries against an agent that does not de-duplicate act twice: the reason
    # retry_safe is the agent's to declare.
    naive = PolicyAgent(fail_after_acting=True)
    with serve(naive) as url:
        again = run_campaign(load_campaign(
            write_campaign(tmp_path, url, options="{retry_safe: true}", name="naive")))
    assert duplicated_tool_calls(again.run_dir) > 0


def test_rate_limited_calls_are_retried_after_retry_after(tmp_path: Path) -> None:
    agent = PolicyAgent(rate_limit=0.3)
    with serve(agent) as url:
        info = run_campaign(load_campaign(write_campaign(tmp_path, url, n=10)))
    conv = frame(info.run_dir, "conversations")
    limited = [k for k, n in agent.attempts.items() if n > 1]
    assert len(limited) > 5
    assert conv["error"].null_count() == conv.height == 10
    assert set(conv["outcome"].to_list()) <= {"completed", "transferred", "agent_ended"}
    # The HTTP-date Retry-After (2 s ahead, 1 s resolution) was waited for.
    dated = next(k for k in limited if agent.times[k][1] - agent.times[k][0] > 0.9)
    assert dated


def test_an_agent_that_keeps_rate_limiting_is_counted_as_such(tmp_path: Path) -> None:
    async def always_429(request: web.Request) -> web.Response:
        return web.json_response({"error": "busy"}, status=429, headers={"Retry-After": "0"})

    with serve(always_429) as url:
        path = write_campaign(tmp_path, url, n=2,
                              options="{rate_limit_retries: 1, breaker_failures: 0}")
        result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code == 2, result.output
    [run_dir] = list((tmp_path / "runs" / "hard").iterdir())
    errors = frame(run_dir, "conversations")["error"].to_list()
    assert errors and all("rate limited: HTTP 429" in e and "malformed" not in e for e in errors)
    assert "kept rate-limiting" in result.output


def test_retry_after_seconds_and_dates_are_capped() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after_seconds("3", cap=30) == 3
    assert retry_after_seconds("3600", cap=30) == 30
    assert retry_after_seconds("-5", cap=30) == 0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=12), usegmt=True),
                               cap=30, now=now) == 12
    assert retry_after_seconds("soon", cap=30) is None and retry_after_seconds(None, 30) is None


# --- circuit breaker -----------------------------------------------------------------------

def test_breaker_opens_on_consecutive_failures_only() -> None:
    breaker = CircuitBreaker("http://x", failures=3, window_s=60)
    for _ in range(2):
        breaker.failure("boom")
    breaker.success()
    breaker.failure("boom")
    assert not breaker.is_open
    breaker.failure("boom")
    breaker.failure("boom")
    assert breaker.is_open and "3 calls in a row failed" in (breaker.reason or "")


def _stopped_by_breaker(tmp_path: Path, result: Any, planned: int) -> None:
    assert result.exit_code == 2, result.output
    out = result.output.replace("\n", " ")
    assert "circuit open" in out and "Traceback" not in out and "--resume" in out
    [run_dir] = list((tmp_path / "runs" / "hard").iterdir())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "stopped_by_circuit_breaker"
    assert manifest["stop_reason"].startswith("circuit open: ")
    written = manifest["counts"]["written"]
    assert written == frame(run_dir, "conversations").height < planned
    assert manifest["counts"]["not_started"] == planned - written


def test_a_hanging_agent_stops_the_campaign_within_seconds(tmp_path: Path) -> None:
    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(3600)
        raise AssertionError

    with serve(hang) as url:
        path = write_campaign(tmp_path, url, n=80, execution=", turn_timeout_s: 1")
        t0 = time.monotonic()
        result = runner.invoke(app, ["run", str(path)])
        seconds = time.monotonic() - t0
    _stopped_by_breaker(tmp_path, result, planned=80)
    # Without the breaker: 80 conversations x 1 s timeout / 8 in flight >= 10 s, and
    # three attempts of 1 s plus a hanging close each before this change (40 s).
    assert seconds < 15


def test_a_dead_agent_stops_the_campaign_at_once(tmp_path: Path) -> None:
    with serve(lambda r: asyncio.sleep(0)) as url:  # type: ignore[arg-type,return-value]
        pass  # the port is free again: nothing listens there any more
    path = write_campaign(tmp_path, url, n=80)
    t0 = time.monotonic()
    result = runner.invoke(app, ["run", str(path)])
    _stopped_by_breaker(tmp_path, result, planned=80)
    assert time.monotonic() - t0 < 15


# --- secrets -------------------------------------------------------------------------------

TOKEN, PASSWORD, QUERY_KEY = "tok-9f8e7d6c5b4a", "pw-1a2b3c4d9z", "qk-5e6f7a8b3y"


def _strings(path: Path) -> str:
    if path.suffix == ".parquet":
        return json.dumps(pq.read_table(path).to_pylist(), default=str)
    return path.read_bytes().decode("utf-8", errors="replace")


def test_planted_secrets_are_sent_but_never_written(tmp_path: Path, monkeypatch,
                                                     ray_local) -> None:
    monkeypatch.setenv("AGENT_TOKEN", TOKEN)
    agent = PolicyAgent(require={"Authorization": f"Bearer {TOKEN}"},
                        require_query={"api_key": QUERY_KEY}, fail_every=5)
    with serve(agent) as url:
        secret_url = url.replace("http://", f"http://bot:{PASSWORD}@") + f"/?api_key={QUERY_KEY}"
        path = write_campaign(
            tmp_path, secret_url, n=8, executor="ray",
            options='{headers: {Authorization: "Bearer ${AGENT_TOKEN}"}, breaker_failures: 0}')
        result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code in (0, 2), result.output
    [run_dir] = list((tmp_path / "runs" / "hard").iterdir())
    conv = frame(run_dir, "conversations")
    errors = [e for e in conv["error"].to_list() if e]
    assert errors and conv["error"].null_count() > 0  # some failed, the header got through
    assert any("HTTP 403" in e for e in errors) and any("HTTP 500" in e for e in errors)
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert {p.parent.name for p in files} >= {"conversations", "scores", run_dir.name}
    for secret in (TOKEN, PASSWORD, QUERY_KEY):
        assert secret not in result.output
        for p in files:
            assert secret not in _strings(p), (secret, p)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["config"]["agents"][0]["options"]["headers"]["Authorization"] == \
        "Bearer ${AGENT_TOKEN}"


def test_a_missing_variable_is_a_config_error_naming_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("CONVSIM_NO_SUCH_TOKEN", raising=False)
    path = write_campaign(tmp_path, "http://127.0.0.1:9", options=(
        '{headers: {Authorization: "Bearer ${CONVSIM_NO_SUCH_TOKEN}"}}'))
    result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "CONVSIM_NO_SUCH_TOKEN is not set" in result.output
    assert "options.headers.Authorization" in result.output
    assert not (tmp_path / "runs").exists()
    with pytest.raises(ConfigError):
        load_campaign(path).agents[0].with_environment()


def test_redaction_masks_urls_queries_and_headers() -> None:
    red = redactor_for([type("A", (), {"url": f"https://u:{PASSWORD}@h/?key={QUERY_KEY}",
                                       "options": {"headers": {"X-Api-Key": TOKEN}}})()])
    text = (f"ClientConnectorError: https://u:{PASSWORD}@h/x?token=abc123&key={QUERY_KEY} "
            f"Authorization: Bearer {TOKEN} and {TOKEN} again")
    out = red(text)
    assert PASSWORD not in out and QUERY_KEY not in out and TOKEN not in out
    assert "abc123" not in out and "https://***@h/x" in out
    assert Redactor()("Answer basic questions; 2 items for key lime pie") == \
        "Answer basic questions; 2 items for key lime pie"


# --- exposure ------------------------------------------------------------------------------

async def _chat(client: Any, sandbox_url: str) -> tuple[int, dict[str, Any]]:
    resp = await client.post("/v1/chat", json={"conversation_id": "c1", "message": "hi"},
                             headers={SANDBOX_URL_HEADER: sandbox_url})
    return resp.status, await resp.json()


def test_reference_agent_refuses_an_external_sandbox_url() -> None:
    from aiohttp.test_utils import TestClient, TestServer

    async def main() -> None:
        config = load_agent_config(find_domain("retail").agents["v1"])
        async with TestClient(TestServer(build_app(config))) as client:
            for url in ("http://169.254.169.254/latest", "http://example.com:80",
                        "http://user:x@127.0.0.1:1", "file:///etc/passwd"):
                status, body = await _chat(client, url)
                assert status == 400 and "loopback" in body["error"], url
            status, body = await _chat(client, "http://127.0.0.1:9")
            assert status == 200 and body["reply"]
        with pytest.raises(ConfigError):
            build_app(config, sandbox_url="http://10.0.0.1:8000")

    asyncio.run(main())


def test_agent_serve_on_all_interfaces_warns(tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "convsim.cli.main", "agent",
                             "serve", "--version", "v1", "--host", "0.0.0.0", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and "listening on" in proc.stdout.readline()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "warning: the reference agent listens on 0.0.0.0" in err
