"""Tool sandbox: per-conversation backend state, tool calls, fault injection.

One `ToolSandbox` per conversation holds the state initialised from the
scenario, records every call and injects the faults of the perturbation
profile, deterministically for the conversation's seed. `SandboxHub` serves many
sandboxes over HTTP (for black-box agents): `POST /tools/{name}` with the
conversation id in the `X-Convsim-Conversation` header.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
import zlib
from typing import Any

import numpy as np
from aiohttp import web

from convsim.core.packs.model import Domain, ToolError
from convsim.core.records import PerturbationProfile, ToolCall, ToolFault

CONVERSATION_HEADER = "X-Convsim-Conversation"
SANDBOX_URL_HEADER = "X-Convsim-Sandbox-Url"


class ToolSandbox:
    """Backend state and tool log of one conversation."""

    def __init__(self, domain: Domain, initial_state: dict[str, Any],
                 profile: PerturbationProfile, seed: int, timeout_delay_s: float = 0.05) -> None:
        self.domain = domain
        self.state: dict[str, Any] = copy.deepcopy(initial_state)
        self.calls: list[ToolCall] = []
        self.current_turn = 0
        self._faults = profile.tool_faults
        # Each fault draw is keyed by (seed, tool, n-th call of that tool): the n-th
        # get_order_details fails the same way whichever agent version makes it, so
        # paired conversations see the same backend.
        self._seed = seed
        self._per_tool: dict[str, int] = {}
        self._timeout_delay_s = timeout_delay_s

    def _fault_for(self, tool: str) -> ToolFault | None:
        return self._faults.get(tool) or self._faults.get("*")

    async def call(self, tool: str, arguments: dict[str, Any]) -> ToolCall:
        """Run one tool call, maybe with an injected fault, and record it.

        A tool the pack does not define is recorded with status `unknown_tool`
        (the agent gets an error; no fault is drawn for it).
        """
        if tool not in self.domain.tools:
            record = ToolCall(seq=len(self.calls), turn_index=self.current_turn, tool=tool,
                              arguments=arguments, status="unknown_tool",
                              result=json.dumps({"error": f"unknown tool: {tool}"}))
            self.calls.append(record)
            return record
        fault = self._fault_for(tool)
        status, injected, latency = "ok", None, 0.0
        if fault is not None:
            latency = fault.latency_ms
            n = self._per_tool.get(tool, 0)
            self._per_tool[tool] = n + 1
            draw = float(np.random.default_rng(
                [self._seed, 0x70015, zlib.crc32(tool.encode()), n]).random())
            if draw < fault.error_rate:
                status, injected = "error", "error"
            elif draw < fault.error_rate + fault.timeout_rate:
                status, injected = "timeout", "timeout"
            elif draw < fault.error_rate + fault.timeout_rate + fault.malformed_rate:
                status, injected = "malformed", "malformed"
        if status == "timeout":
            await asyncio.sleep(self._timeout_delay_s)
        elif latency:
            await asyncio.sleep(latency / 1000)

        if status == "ok" or status == "malformed":
            impl = self.domain.tools[tool]
            try:
                impl.check_arguments(arguments)
                value = impl.fn(self.state, arguments)
                if inspect.isawaitable(value):
                    value = await value
                result = json.dumps(value, sort_keys=True, default=str)
            except ToolError as exc:
                status, result = "error", json.dumps({"error": str(exc)})
            if injected == "malformed":
                result = (result or "")[: max(1, len(result or "") // 3)] + "\x00<<garbled"
        elif status == "error":
            result = json.dumps({"error": "503 Service Unavailable"})
        else:
            result = None
        record = ToolCall(seq=len(self.calls), turn_index=self.current_turn, tool=tool,
                          arguments=arguments, result=result, status=status,
                          injected_fault=injected, latency_ms=latency)
        self.calls.append(record)
        return record


def http_status_for(call: ToolCall) -> int:
    """HTTP status the sandbox's HTTP face answers for a recorded call."""
    if call.status == "timeout":
        return 504
    if call.status == "unknown_tool":
        return 404
    if call.status == "error":
        return 503 if call.injected_fault else 400
    return 200


class SandboxHub:
    """Serves the sandboxes of many conversations on one local HTTP port."""

    def __init__(self) -> None:
        self.sandboxes: dict[str, ToolSandbox] = {}
        self._runner: web.AppRunner | None = None
        self.url: str = ""

    def open(self, conversation_id: str, sandbox: ToolSandbox) -> None:
        self.sandboxes[conversation_id] = sandbox

    def close(self, conversation_id: str) -> None:
        self.sandboxes.pop(conversation_id, None)

    async def _handle(self, request: web.Request) -> web.Response:
        conv = request.headers.get(CONVERSATION_HEADER, "")
        sandbox = self.sandboxes.get(conv)
        if sandbox is None:
            return web.json_response({"error": f"unknown conversation {conv!r}"}, status=404)
        try:
            arguments = await request.json()
            if not isinstance(arguments, dict):
                raise ValueError("arguments must be a JSON object")
        except ValueError as exc:
            return web.json_response({"error": f"bad request body: {exc}"}, status=400)
        call = await sandbox.call(request.match_info["name"], arguments)
        return web.Response(text=call.result or "", status=http_status_for(call),
                            content_type="application/json")

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving; returns the base URL."""
        app = web.Application()
        app.router.add_post("/tools/{name}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        self.url = f"http://{host}:{sockets[0].getsockname()[1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
