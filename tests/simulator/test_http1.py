"""The http connector's keep-alive client against real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from convsim.core.protocols import AgentUnavailable
from convsim.simulator.connectors import http1
from convsim.simulator.connectors.http import HttpConnector


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]


def _agent(seen: dict[str, Any], chunked: bool = False) -> web.Application:
    async def chat(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        peer = request.transport.get_extra_info("peername") if request.transport else None
        seen.setdefault("peers", set()).add(peer)
        seen.setdefault("keys", []).append(request.headers.get("Idempotency-Key"))
        seen.setdefault("auth", []).append(request.headers.get("Authorization"))
        reply = {"reply": f"you said: {body['message']}", "end": False}
        if not chunked:
            return web.json_response(reply)
        resp = web.StreamResponse(headers={"Content-Type": "application/json; charset=utf-8"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        raw = json.dumps(reply).encode()
        for i in range(0, len(raw), 7):
            await resp.write(raw[i:i + 7])
        await resp.write_eof()
        return resp

    async def forget(request: web.Request) -> web.Response:
        seen.setdefault("forgotten", []).append(request.match_info["cid"])
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/v1/chat", chat)
    app.router.add_delete("/v1/conversations/{cid}", forget)
    return app


async def _with_connector(url: str, test: Callable[[HttpConnector], Awaitable[None]],
                          **options: Any) -> None:
    async with aiohttp.ClientSession() as session:
        conn = HttpConnector("v1", url, session, timeout_s=options.pop("timeout_s", 2),
                             retries=1, options=options)
        try:
            await test(conn)
        finally:
            await conn.aclose()


@pytest.mark.parametrize("chunked", [False, True])
def test_turns_reuse_one_connection_and_carry_headers(chunked: bool) -> None:
    seen: dict[str, Any] = {}

    async def main() -> None:
        runner, url = await _serve(_agent(seen, chunked))
        try:
            async def play(conn: HttpConnector) -> None:
                assert conn._pool is not None  # plain http: the keep-alive client
                for i in range(5):
                    reply = await conn.send("c1", f"hello {i}", None, "")  # type: ignore[arg-type]
                    assert reply.text == f"you said: hello {i}" and not reply.end
                await conn.close("c1")

            await _with_connector(url, play, headers={"Authorization": "Bearer t0k"})
        finally:
            await runner.cleanup()

    asyncio.run(main())
    assert len(seen["peers"]) == 1  # five turns and the DELETE on one connection
    assert seen["keys"] == [f"c1:{i}" for i in range(5)]
    assert seen["auth"] == ["Bearer t0k"] * 5
    assert seen["forgotten"] == ["c1"]


def test_interleaved_conversations_carry_their_own_head_lines() -> None:
    """The head lines kept per conversation: two conversations taking turns, one of them
    with a new sandbox URL mid-way, and a conversation id played again after its close."""
    seen: list[tuple[str | None, ...]] = []

    async def chat(request: web.Request) -> web.Response:
        h = request.headers
        seen.append((h.get("X-Convsim-Conversation"), h.get("X-Convsim-Sandbox-Url"),
                     h.get("Idempotency-Key"), h.get("Content-Type")))
        return web.json_response({"reply": "ok"})

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/v1/chat", chat)
        runner, url = await _serve(app)
        try:
            async def play(conn: HttpConnector) -> None:
                assert conn._pool is not None
                await conn.send("a", "1", None, "http://h1")  # type: ignore[arg-type]
                await conn.send("b", "1", None, "http://h2")  # type: ignore[arg-type]
                await conn.send("a", "2", None, "http://h3")  # type: ignore[arg-type]
                await conn.send("b", "2", None, "http://h2")  # type: ignore[arg-type]
                await conn.close("a")
                await conn.send("a", "again", None, "http://h1")  # type: ignore[arg-type]

            await _with_connector(url, play, close_path=None)
        finally:
            await runner.cleanup()

    asyncio.run(main())
    json_type = "application/json"
    assert seen == [("a", "http://h1", "a:0", json_type), ("b", "http://h2", "b:0", json_type),
                    ("a", "http://h3", "a:1", json_type), ("b", "http://h2", "b:1", json_type),
                    ("a", "http://h1", "a:0", json_type)]


def test_aiohttp_client_option_gives_the_same_replies() -> None:
    seen: dict[str, Any] = {}

    async def main() -> list[str]:
        runner, url = await _serve(_agent(seen))
        texts: list[str] = []
        try:
            async def play(conn: HttpConnector) -> None:
                assert conn._pool is None
                for i in range(3):
                    texts.append((await conn.send("c2", f"x{i}", None, "")).text)  # type: ignore[arg-type]

            await _with_connector(url, play, client="aiohttp")
        finally:
            await runner.cleanup()
        return texts

    assert asyncio.run(main()) == ["you said: x0", "you said: x1", "you said: x2"]


async def _raw_server(handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter],
                                       Awaitable[None]]) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


def test_a_reply_cut_mid_body_is_not_sent_again() -> None:
    requests = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal requests
        await reader.readuntil(b"\r\n\r\n")
        requests += 1
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"reply\": ")
        await writer.drain()
        writer.close()

    async def main() -> str:
        server, url = await _raw_server(handle)
        try:
            async def play(conn: HttpConnector) -> None:
                await conn.send("c3", "hi", None, "")  # type: ignore[arg-type]

            with pytest.raises(AgentUnavailable) as err:
                await _with_connector(url, play)
        finally:
            server.close()
            await server.wait_closed()
        return str(err.value)

    message = asyncio.run(main())
    assert "closed the connection before a whole reply" in message
    assert "not sent again" in message
    assert requests == 1


def test_a_refused_connection_is_retried_then_reported() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there

    async def play(conn: HttpConnector) -> None:
        await conn.send("c4", "hi", None, "")  # type: ignore[arg-type]

    with pytest.raises(AgentUnavailable) as err:
        asyncio.run(_with_connector(f"http://127.0.0.1:{port}", play))
    assert "NotConnected: cannot connect to 127.0.0.1" in str(err.value)
    assert "not sent again" not in str(err.value)  # retried: the agent never saw it


def test_no_reply_within_the_timeout() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(5)
        writer.close()

    async def main() -> str:
        server, url = await _raw_server(handle)
        try:
            async def play(conn: HttpConnector) -> None:
                await conn.send("c5", "hi", None, "")  # type: ignore[arg-type]

            with pytest.raises(AgentUnavailable) as err:
                await _with_connector(url, play, timeout_s=0.3)
        finally:
            server.close()
        return str(err.value)

    assert "no reply within 0.3s" in asyncio.run(main())


def test_connection_close_and_http10_replies_are_read_whole() -> None:
    replies = [b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n"
               b"\r\n{\"reply\": \"read to the end\"}",
               b"HTTP/1.0 200 OK\r\nContent-Length: 17\r\n\r\n{\"reply\": \"ten\"}\n"]
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        reply = replies[connections]
        connections += 1
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        await reader.readexactly(length)
        writer.write(reply)
        await writer.drain()
        writer.close()

    async def main() -> list[str]:
        server, url = await _raw_server(handle)
        texts: list[str] = []
        try:
            async def play(conn: HttpConnector) -> None:
                for _ in range(2):
                    texts.append((await conn.send("c6", "hi", None, "")).text)  # type: ignore[arg-type]

            await _with_connector(url, play, close_path=None)
        finally:
            server.close()
        return texts

    assert asyncio.run(main()) == ["read to the end", "ten"]
    assert connections == 2  # neither reply let the connection be kept


def test_what_the_lean_client_takes() -> None:
    from yarl import URL

    assert http1.supports(URL("http://127.0.0.1:8000/v1"))
    assert not http1.supports(URL("https://agent.example.com/v1"))
    assert not http1.supports(URL("http://user:pw@agent.example.com/v1"))
    assert not http1.supports(URL("http://[::1]:8000/v1"))
    with pytest.raises(ValueError, match="newline"):
        http1.encode_headers({"X-Evil": "a\r\nHost: elsewhere"})
