"""Plug-in registries: how the engine finds evaluators, connectors, user simulators.

Plug-ins register with a decorator (`@evaluator("process")`). Built-in plug-ins
are named here with the module that defines them and imported on first lookup,
so the kernel never imports `evaluators` (or any plug-in) at module level.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Name -> factory, with lazily imported built-ins."""

    def __init__(self, kind: str, builtins: dict[str, str]) -> None:
        self.kind = kind
        self._builtins = builtins
        self._factories: dict[str, Callable[..., T]] = {}

    def register(self, name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        def deco(factory: Callable[..., T]) -> Callable[..., T]:
            self._factories[name] = factory
            return factory

        return deco

    def names(self) -> list[str]:
        return sorted(set(self._factories) | set(self._builtins))

    def get(self, name: str) -> Callable[..., T]:
        if name not in self._factories and name in self._builtins:
            importlib.import_module(self._builtins[name])
        try:
            return self._factories[name]
        except KeyError:
            raise KeyError(f"unknown {self.kind} {name!r}; known: {self.names()}") from None

    def create(self, name: str, *args: Any, **kwargs: Any) -> T:
        return self.get(name)(*args, **kwargs)


evaluators: Registry[Any] = Registry("evaluator", {
    "process": "convsim.evaluators.process",
    "disclosures": "convsim.evaluators.disclosures",
    "goal": "convsim.evaluators.goal",
    "rules": "convsim.evaluators.rules",
    "escalation": "convsim.evaluators.escalation",
    "truthfulness": "convsim.evaluators.truthfulness",
    "judge": "convsim.evaluators.judge",
})
connectors: Registry[Any] = Registry("connector", {
    "http": "convsim.simulator.connectors.http",
    "python": "convsim.simulator.connectors.http",
    "openai": "convsim.simulator.connectors.openai",
})
user_simulators: Registry[Any] = Registry("user simulator", {
    "agenda": "convsim.simulator.customers.agenda",
    "replay": "convsim.simulator.customers.replay",
    "llm": "convsim.simulator.customers.llm",
})

generators: Registry[Any] = Registry("generator", {
    "scenarios": "convsim.scenarios.generate",
    "personas": "convsim.personas.generator",
})
"""Population generators: `scenarios(domain, config, seed)`, `personas(config, seed)`."""

evaluator = evaluators.register
generator = generators.register
connector = connectors.register
user_simulator = user_simulators.register
