"""HTTP face of the reference agent (`convsim agent serve`).

API (the `http` connector's default mapping):
- `POST /v1/chat` `{"conversation_id", "message"}` -> `{"reply", "end", "handoff"}`;
  the agent calls its tools at the sandbox URL given in the
  `X-Convsim-Sandbox-Url` header (or `--sandbox-url`), passing the
  conversation id in `X-Convsim-Conversation`. Only a loopback sandbox URL
  (127.0.0.0/8, ::1, localhost) is used: convsim's sandbox always listens on
  127.0.0.1 next to the agent, and a request naming any other host is refused
  (400), so a client cannot make the agent send requests elsewhere.
- `DELETE /v1/conversations/{id}` forgets a conversation.
- `GET /health` -> `{"status": "ok", "version"}`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import sys
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from convsim.core.config import ConfigError
from convsim.core.sandbox import CONVERSATION_HEADER, SANDBOX_URL_HEADER
from convsim.domains.retail.agent.policy import (
    DialogueState,
    ReferenceAgent,
    ReferenceAgentConfig,
    ToolOutcome,
    parse_tool_body,
)

SESSION = web.AppKey("session", aiohttp.ClientSession)


def is_loopback_url(url: str) -> bool:
    """An http(s) URL whose host is this machine's loopback (127.0.0.0/8, ::1, localhost)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or parts.username or parts.password:
        return False
    return is_loopback_host(host)


def is_loopback_host(host: str) -> bool:
    """A bind address reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HttpToolClient:
    """Calls the sandbox's HTTP face for one conversation."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, conversation_id: str,
                 timeout_s: float) -> None:
        self._session, self._base = session, base_url.rstrip("/")
        self._headers = {CONVERSATION_HEADER: conversation_id}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def __call__(self, tool: str, arguments: dict[str, Any]) -> ToolOutcome:
        try:
            async with self._session.post(f"{self._base}/tools/{tool}", json=arguments,
                                          headers=self._headers, timeout=self._timeout) as resp:
                return parse_tool_body(resp.status, await resp.text())
        except (TimeoutError, aiohttp.ClientError) as exc:
            return ToolOutcome(ok=False, error=f"{type(exc).__name__}: {exc}", fault=True)


def build_app(config: ReferenceAgentConfig, sandbox_url: str | None = None,
              tool_timeout_s: float = 5.0) -> web.Application:
    """The agent's aiohttp application (usable in tests with a runner)."""
    if sandbox_url is not None and not is_loopback_url(sandbox_url):
        raise ConfigError(f"--sandbox-url must be a loopback URL (http://127.0.0.1:PORT), got "
                          f"{sandbox_url!r}")
    agent = ReferenceAgent(config)
    states: dict[str, DialogueState] = {}
    app = web.Application()

    async def session_ctx(app: web.Application):
        app[SESSION] = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=False))
        yield
        await app[SESSION].close()

    async def chat(request: web.Request) -> web.Response:
        try:
            body = await request.json()
            conv = str(body["conversation_id"])
            message = str(body["message"])
        except (ValueError, KeyError, TypeError):
            return web.json_response(
                {"error": "body must be JSON with 'conversation_id' and 'message'"}, status=400)
        url = request.headers.get(SANDBOX_URL_HEADER) or sandbox_url
        if not url:
            return web.json_response({"error": "no sandbox URL (header or --sandbox-url)"},
                                     status=400)
        if not is_loopback_url(url):
            return web.json_response(
                {"error": f"{SANDBOX_URL_HEADER} must be a loopback URL (the agent calls no "
                          "other host)"}, status=400)
        state = states.setdefault(conv, DialogueState())
        tools = HttpToolClient(app[SESSION], url, conv, tool_timeout_s)
        reply = await agent.respond(state, message, tools)
        if reply.end:
            states.pop(conv, None)
        return web.json_response({"reply": reply.text, "end": reply.end,
                                  "handoff": reply.handoff})

    async def forget(request: web.Request) -> web.Response:
        states.pop(request.match_info["id"], None)
        return web.json_response({"ok": True})

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "version": config.version,
                                  "conversations": len(states)})

    app.cleanup_ctx.append(session_ctx)
    app.router.add_post("/v1/chat", chat)
    app.router.add_delete("/v1/conversations/{id}", forget)
    app.router.add_get("/health", health)
    return app


async def serve(config: ReferenceAgentConfig, host: str, port: int,
                sandbox_url: str | None = None) -> None:
    """Serve until cancelled; prints one 'listening on URL' line once ready (and a warning
    on stderr when bound to an address other machines can reach)."""
    if not is_loopback_host(host):
        print(f"warning: the reference agent listens on {host}, reachable from other machines; "
              "it has no authentication (use --host 127.0.0.1 unless you mean it)",
              file=sys.stderr, flush=True)
    runner = web.AppRunner(build_app(config, sandbox_url), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"convsim reference agent {config.version} listening on http://{host}:{bound}",
          flush=True)
    sys.stdout.flush()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
