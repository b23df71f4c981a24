"""Transcript importers: source formats -> normalised Conversation records.

Each importer reads one file lazily and yields `Imported` conversations or
`Quarantined` items (bad line, empty conversation, unknown speaker...), never
raising for bad data. Formats are found through `convsim.core.registry.importers`:
the entry-point group `convsim.importers` (the bundled ones are registered there
like a third party's) names each format's importer class or factory.
"""

from __future__ import annotations

from convsim.core.registry import PluginError, importers
from convsim.scenarios.importers.base import Imported, Importer, MappingError, Quarantined

__all__ = ["Imported", "Importer", "MappingError", "Quarantined", "make_importer"]


def make_importer(fmt: str, mapping: object = None) -> Importer:
    """The importer of format `fmt`; `mapping` (--mapping) only for formats that take one."""
    try:
        if mapping is not None and not importers.accepts(fmt, "mapping"):
            takes = [n for n in importers.names() if importers.accepts(n, "mapping")]
            raise MappingError(f"--mapping is only for --format {' or '.join(takes)}, not {fmt}")
        imp: Importer = importers.create(fmt, mapping=mapping)
    except PluginError as exc:
        if fmt in importers.names() or ":" in fmt:
            raise MappingError(str(exc)) from None
        raise MappingError(f"unknown format {fmt!r}; known: {', '.join(importers.names())}, "
                           "tau2 (tasks -> scenarios)") from None
    return imp
