"""What finding plug-ins through the registry costs (per process, per conversation).

    .venv/bin/python benchmarks/plugin_registry.py

Prints: the entry-point scan (once per process), a factory call through the registry
(settings filtered to what the factory names) vs a direct call, and the ability checks the
worker makes per conversation (`has_ability`, cached per class) vs plain runtime-Protocol
isinstance checks.
"""

from __future__ import annotations

import time
import timeit

from convsim.core.protocols import (
    AgentUsesLLM,
    AsyncEvaluator,
    CustomerLabels,
    CustomerUsesLLM,
    has_ability,
)
from convsim.core.registry import customers

ABILITIES = (CustomerLabels, CustomerUsesLLM, AgentUsesLLM, AsyncEvaluator)
N = 100_000


class _Customer:
    def __init__(self, spec: object, domain: object, llm: object = None) -> None:
        self.labels: dict[str, str] = {}


def main() -> None:
    started = time.perf_counter()
    names = customers.names()
    print(f"entry-point scan (first names(), {len(names)} customers): "
          f"{(time.perf_counter() - started) * 1000:.1f} ms")
    customers.register("bench")(_Customer)
    settings = {"llm": None}
    via = timeit.timeit(lambda: customers.create("bench", 1, 2, **settings), number=N) / N
    direct = timeit.timeit(lambda: _Customer(1, 2, **settings), number=N) / N
    print(f"create through the registry: {via * 1e6:.2f} us (direct call {direct * 1e6:.2f} us)")
    user = _Customer(1, 2)
    cached = timeit.timeit(lambda: [has_ability(user, a) for a in ABILITIES], number=N) / N
    plain = timeit.timeit(lambda: [isinstance(user, a) for a in ABILITIES], number=N // 20) / (N // 20)
    print(f"4 ability checks per conversation: has_ability {cached * 1e6:.2f} us, "
          f"isinstance on the Protocols {plain * 1e6:.1f} us")


if __name__ == "__main__":
    main()
