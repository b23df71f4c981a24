"""LLM answer cache: cost of a cached answer and of storing one, on a few thousand calls.

Offline: the answers come from litellm's `mock_response` (no server, no network), so
the figures are the cache's own cost plus `LLMClient.complete`'s bookkeeping.

    .venv/bin/python benchmarks/llm_cache.py [N]

Prints, for N distinct requests: seconds to answer and store them (first pass), seconds
to answer them again from the cache (second pass, in a fresh client as a re-run would),
files and bytes on disk.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from convsim.core.config import LLMConfig  # noqa: E402
from convsim.core.llm import LLMClient  # noqa: E402


async def _pass(client: LLMClient, n: int) -> tuple[float, int]:
    hits = 0
    start = time.perf_counter()
    for i in range(n):
        result = await client.complete(
            [{"role": "system", "content": "You are a customer. " * 20},
             {"role": "user", "content": f"Request number {i}: where is my order?"}],
            model="openai/gpt-4o-mini", temperature=0.0, sample=i,
            mock_response=f"Answer {i}: your order ships tomorrow. " * 3)
        hits += result.cached
    return time.perf_counter() - start, hits


def main(n: int = 3000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        config = LLMConfig(cache_dir=str(cache))
        asyncio.run(_pass(LLMClient(config), 20))  # warm-up: imports litellm
        first, _ = asyncio.run(_pass(LLMClient(config.model_copy(update={
            "cache_dir": str(cache) + "-run"})), n))
        second, hits = asyncio.run(_pass(LLMClient(config.model_copy(update={
            "cache_dir": str(cache) + "-run"})), n))
        files = [p for p in Path(str(cache) + "-run").rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        blocks = sum(p.stat().st_blocks * 512 for p in files)  # what the disk gives them
    print(f"{n} requests: store {first:.2f}s ({first / n * 1000:.2f} ms/call, litellm mock "
          f"included); cached {second:.2f}s ({second / n * 1000:.3f} ms/call, {hits} hits); "
          f"{len(files)} files, {size / 1024:.0f} KiB ({blocks / 1024:.0f} KiB allocated)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
