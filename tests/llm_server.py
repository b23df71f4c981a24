"""A scripted OpenAI-compatible chat-completions server for tests (127.0.0.1, no network).

`LLMServer().start()` serves `POST /v1/chat/completions` (and `/chat/completions`)
from a background thread with aiohttp. What it answers is scripted by the test:
a queue of replies (`server.push(...)`, taken first) or a rule
(`server.rule = lambda request: ...`, the parsed JSON body in, a reply out).
Replies are built with `text`, `tool_calls`, `error` and `hang`. Every request
body and its headers are kept in `server.requests` / `server.headers`.

Load it from a test module with importlib (tests are not a package):

    spec = importlib.util.spec_from_file_location("llm_server", TESTS / "llm_server.py")
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections.abc import Callable
from typing import Any

from aiohttp import web

Reply = dict[str, Any]
Rule = Callable[[dict[str, Any]], Reply]


def text(content: str, *, prompt_tokens: int = 40, completion_tokens: int = 12) -> Reply:
    """A plain assistant message."""
    return {"kind": "message", "content": content, "tool_calls": [],
            "usage": (prompt_tokens, completion_tokens)}


def tool_calls(*calls: tuple[str, dict[str, Any] | str], content: str | None = None,
               prompt_tokens: int = 60, completion_tokens: int = 20) -> Reply:
    """An assistant message calling tools; several calls are parallel tool calls. Arguments
    given as a string are sent as is (malformed JSON included)."""
    return {"kind": "message", "content": content, "usage": (prompt_tokens, completion_tokens),
            "tool_calls": [(name, args if isinstance(args, str) else json.dumps(args))
                           for name, args in calls]}


def error(status: int, *, retry_after: float | None = None, message: str = "scripted error"
          ) -> Reply:
    """An HTTP error (429 with Retry-After, 500, 503...)."""
    return {"kind": "error", "status": status, "retry_after": retry_after, "message": message}


def hang(seconds: float = 5.0) -> Reply:
    """No answer for `seconds` (the client's timeout should fire first)."""
    return {"kind": "hang", "seconds": seconds}


class LLMServer:
    """OpenAI-compatible chat completions, scripted per test, in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self.rule: Rule | None = None
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._queue: list[Reply] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ scripting

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def count(self) -> int:
        """Requests received so far."""
        with self._lock:
            return len(self.requests)

    def push(self, *replies: Reply) -> None:
        """Queue replies; each request takes the first one (before the rule is asked)."""
        with self._lock:
            self._queue.extend(replies)

    def reset(self, rule: Rule | None = None) -> None:
        """Forget requests and queued replies; set the rule."""
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.headers.clear()
            self.rule = rule

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            if self._queue:
                return self._queue.pop(0)
            rule = self.rule
        if rule is None:
            return error(500, message="no scripted reply left")
        return rule(body)

    # ------------------------------------------------------------------ serving

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": {"message": "bad JSON"}}, status=400)
        with self._lock:
            self.headers.append(dict(request.headers))
        try:
            reply = self._next(body)
        except Exception as exc:  # noqa: BLE001 - a broken rule answers 500, visibly
            reply = error(500, message=f"rule raised {type(exc).__name__}: {exc}")
        if reply["kind"] == "hang":
            await asyncio.sleep(reply["seconds"])
            return web.json_response({"error": {"message": "hung"}}, status=504)
        if reply["kind"] == "error":
            headers = ({"Retry-After": f"{reply['retry_after']:g}"}
                       if reply["retry_after"] is not None else {})
            return web.json_response(
                {"error": {"message": reply["message"], "type": "scripted", "code": None}},
                status=reply["status"], headers=headers)
        prompt, completion = reply["usage"]
        message: dict[str, Any] = {"role": "assistant", "content": reply["content"]}
        if reply["tool_calls"]:
            message["tool_calls"] = [
                {"id": f"call_{next(self._ids)}", "type": "function",
                 "function": {"name": name, "arguments": args}}
                for name, args in reply["tool_calls"]]
        return web.json_response({
            "id": f"chatcmpl-{next(self._ids)}", "object": "chat.completion", "created": 0,
            "model": body.get("model", "scripted"),
            "choices": [{"index": 0, "message": message,
                         "finish_reason": "tool_calls" if reply["tool_calls"] else "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                      "total_tokens": prompt + completion}})

    def start(self) -> LLMServer:
        """Serve in a daemon thread; returns once the port is bound."""
        ready = threading.Event()

        async def serve() -> None:
            app = web.Application()
            for path in ("/v1/chat/completions", "/chat/completions"):
                app.router.add_post(path, self._handle)
            self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
            await self._runner.setup()
            site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            loop.run_until_complete(serve())
            loop.run_forever()
            assert self._runner is not None
            loop.run_until_complete(self._runner.cleanup())
            # What cleanup left running (a handler still answering `hang`) ends here, so no
            # pending task is destroyed with the loop.
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=run, name="llm-server", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the scripted LLM server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop = self._thread = None


def shared_server(key: str) -> tuple[LLMServer, Callable[..., Any]]:
    """One server for a test module, started when the module is collected, its address and
    `key` put in the environment then (Ray workers inherit the environment of `ray.init`,
    which runs after collection); and the module's `server` fixture, which resets it around
    each test and sets the environment again."""
    import os

    import pytest

    server = LLMServer().start()
    os.environ["OPENAI_BASE_URL"] = server.base_url
    os.environ["OPENAI_API_KEY"] = key

    @pytest.fixture
    def fixture(monkeypatch: pytest.MonkeyPatch) -> Any:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", key)
        server.reset()
        yield server
        server.reset()

    return server, fixture
