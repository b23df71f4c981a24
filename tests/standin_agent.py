"""A stand-in HTTP agent whose capacity is known, for `convsim load` (127.0.0.1, no network).

Run as a script, `python tests/standin_agent.py CAPACITY SERVICE_MS [BACKLOG]` serves
`POST /v1/chat` on a free port and prints `listening on http://127.0.0.1:PORT`: CAPACITY
requests at a time, each taking SERVICE_MS; beyond that, requests queue. Its replies walk
the retail order-lookup flow and end the conversation after five turns.

Imported (tests/engine/test_load.py, benchmarks/load_ramp.py: load it with importlib, tests
are not a package), `started(...)` runs it in its own process and `ramp_campaign(...)` writes
the campaign a load ramp plays against it.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPLIES = ["Hello, could you give me your order number please?",
           "Thanks. Could you confirm the email address on the account?",
           "I found it. Should I go ahead with that? (yes/no)",
           "Done. Is there anything else I can help you with?"]


@contextmanager
def started(capacity: int, service_ms: float, backlog: int = 2048) -> Iterator[str]:
    """The stand-in agent in its own process, for as long as the block runs: its URL."""
    proc = subprocess.Popen([sys.executable, "-P", __file__, str(capacity), str(service_ms),
                             str(backlog)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().rsplit("listening on ", 1)[1].strip()
    finally:
        proc.terminate()
        proc.wait(10)


def ramp_campaign(folder: Path, url: str, *, domain: str, scenarios: int, personas: int,
                  version: str, turn_timeout_s: float) -> Path:
    """`folder/campaign.yaml`: the domain's conversations against the stand-in, unscored
    load only (no close call, no retries)."""
    path = folder / "campaign.yaml"
    path.write_text(json.dumps({
        "name": "ramp", "seed": 1, "output_dir": str(folder / "runs"),
        "scenarios": {"domain": domain, "n": scenarios}, "personas": {"n": personas},
        "agents": [{"version": version, "connector": "http", "url": url,
                    "options": {"close_path": None}}],
        "max_turns": 12,
        "execution": {"executor": "local", "turn_timeout_s": turn_timeout_s, "retries": 0},
    }), encoding="utf-8")
    return path


async def _serve(capacity: int, service_ms: float, backlog: int) -> None:
    from aiohttp import web

    workers = asyncio.Semaphore(capacity)
    turns: dict[str, int] = {}

    async def chat(request: web.Request) -> web.Response:
        body = await request.json()
        cid = str(body.get("conversation_id"))
        n = turns[cid] = turns.get(cid, 0) + 1
        async with workers:  # `capacity` requests at a time; the rest wait their turn
            await asyncio.sleep(service_ms / 1000)
        return web.json_response({"reply": REPLIES[(n - 1) % len(REPLIES)], "end": n > 5})

    app = web.Application()
    app.router.add_post("/v1/chat", chat)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=backlog)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(_serve(int(sys.argv[1]), float(sys.argv[2]),
                       int(sys.argv[3]) if len(sys.argv) > 3 else 2048))
