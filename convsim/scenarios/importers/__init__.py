"""Transcript importers: source formats -> normalised Conversation records.

Each importer reads one file lazily and yields `Imported` conversations or
`Quarantined` items (bad line, empty conversation, unknown speaker...), never
raising for bad data. `IMPORTERS` maps a format name to its importer factory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from convsim.scenarios.importers.base import Imported, Importer, MappingError, Quarantined

__all__ = ["IMPORTERS", "Imported", "Importer", "MappingError", "Quarantined", "make_importer"]


def _generic(mapping: Any) -> Importer:
    from convsim.scenarios.importers.generic import GenericImporter

    return GenericImporter(mapping)


def _simple(module: str, cls: str) -> Callable[[Any], Importer]:
    def make(mapping: Any) -> Importer:
        import importlib

        if mapping is not None:
            raise MappingError(f"--mapping is only for --format generic, not {module}")
        return getattr(importlib.import_module(f"convsim.scenarios.importers.{module}"), cls)()

    return make


IMPORTERS: dict[str, Callable[[Any], Importer]] = {
    "generic": _generic,
    "openai": _simple("openai", "OpenAIImporter"),
    "taskmaster": _simple("taskmaster", "TaskmasterImporter"),
    "abcd": _simple("abcd", "AbcdImporter"),
}


def make_importer(fmt: str, mapping: Any = None) -> Importer:
    if fmt not in IMPORTERS:
        raise MappingError(f"unknown format {fmt!r}; known: {sorted([*IMPORTERS, 'tau2'])}")
    return IMPORTERS[fmt](mapping)
