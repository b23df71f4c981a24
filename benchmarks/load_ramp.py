"""Does `convsim load` find the knee of an agent whose capacity is known?

    .venv/bin/python benchmarks/load_ramp.py [--capacity 64] [--service-ms 50]
        [--ramp 8,16,32,64,128,256,512] [--domain retail]

A stand-in agent (its own process, aiohttp) serves `--capacity` requests at a time, each
taking `--service-ms`; beyond that, requests queue. `convsim load` (the real CLI) plays the
campaign at each level of `--ramp`; the knee should be the first level past the capacity
(or the one after it), and convsim's own event-loop lag is printed beside every step so a
CPU-bound convsim is never mistaken for the agent.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

AGENT = """
import asyncio, sys
from aiohttp import web

CAPACITY, SERVICE_MS = int(sys.argv[1]), float(sys.argv[2])
REPLIES = ["Hello, could you give me your order number please?",
           "Thanks. Could you confirm the email address on the account?",
           "I found it. Should I go ahead with that? (yes/no)",
           "Done. Is there anything else I can help you with?"]
turns = {}

async def main():
    workers = asyncio.Semaphore(CAPACITY)

    async def chat(request):
        body = await request.json()
        cid = str(body.get("conversation_id"))
        n = turns[cid] = turns.get(cid, 0) + 1
        async with workers:
            await asyncio.sleep(SERVICE_MS / 1000)
        return web.json_response({"reply": REPLIES[(n - 1) % len(REPLIES)], "end": n > 5})

    app = web.Application()
    app.router.add_post("/v1/chat", chat)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
    await site.start()
    print(f"listening on http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--capacity", type=int, default=64)
    ap.add_argument("--service-ms", type=float, default=50)
    ap.add_argument("--ramp", default="8,16,32,64,128,256,512")
    ap.add_argument("--domain", default="retail")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "agent.py"
        script.write_text(AGENT, encoding="utf-8")
        agent = subprocess.Popen([sys.executable, str(script), str(args.capacity),
                                  str(args.service_ms)], stdout=subprocess.PIPE, text=True)
        try:
            assert agent.stdout is not None
            url = agent.stdout.readline().rsplit("listening on ", 1)[1].strip()
            campaign = Path(tmp) / "campaign.yaml"
            campaign.write_text(json.dumps({
                "name": "ramp", "seed": 1, "output_dir": str(Path(tmp) / "runs"),
                "scenarios": {"domain": args.domain, "n": 200}, "personas": {"n": 50},
                "agents": [{"version": "standin", "connector": "http", "url": url,
                            "options": {"close_path": None}}],
                "max_turns": 12,
                "execution": {"executor": "local", "turn_timeout_s": 30, "retries": 0}}))
            out = subprocess.run([sys.executable, "-m", "convsim.cli.main", "load",
                                  str(campaign), "--ramp", args.ramp], capture_output=True,
                                 text=True, check=False)
            print(out.stdout or out.stderr)
        finally:
            agent.terminate()
            agent.wait(10)


if __name__ == "__main__":
    main()
