"""Finding domain packs: by name (entry points `convsim.domains`), `module:attr`, or folder.

An entry point (or `module:attr`) may name a `Domain`, a function returning
one, or a folder path. The bundled packs are registered exactly like a third
party's, in pyproject's `[project.entry-points."convsim.domains"]`.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from convsim.core.packs.declarative import load_domain_folder
from convsim.core.packs.files import DOMAIN_FILE
from convsim.core.packs.model import Domain, PackError

GROUP = "convsim.domains"
_MODULE_ATTR = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


_FOLDERS: dict[str, str] = {}
"""Name -> folder of the packs this process loaded from a folder (scenarios and their
evaluators name a pack by its name)."""


class DomainNotFound(PackError):
    """No pack by that name, module or folder."""


def available() -> dict[str, str]:
    """Pack name -> where it comes from (entry point value), for every installed pack."""
    return {ep.name: ep.value for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name)}


def _from_object(obj: Any, origin: str) -> Domain:
    if callable(obj) and not isinstance(obj, Domain):
        obj = obj()
    if isinstance(obj, str | Path):
        obj = load_domain_folder(obj)
    if not isinstance(obj, Domain):
        raise PackError(f"{origin}: expected a Domain (or a function returning one, or a pack "
                        f"folder), got {type(obj).__name__}")
    if not obj.origin:
        obj.origin = origin
    return obj


def is_folder_ref(ref: str) -> bool:
    return "/" in ref or "\\" in ref or ref.startswith(".") or Path(ref, DOMAIN_FILE).is_file()


@cache
def find_domain(ref: str) -> Domain:
    """The pack named by `ref`: a folder path, `module:attr`, or an installed pack's name.

    Cached per process: a pack is loaded once per worker.
    """
    if is_folder_ref(ref):
        folder = Path(ref).expanduser()
        if not (folder / DOMAIN_FILE).is_file():
            raise DomainNotFound(f"domain {ref!r}: no {DOMAIN_FILE} in {folder.resolve()}")
        domain = load_domain_folder(folder)
        _FOLDERS.setdefault(domain.name, str(folder.resolve()))
        return domain
    if ref in _FOLDERS:  # a scenario names its pack; the campaign loaded it from a folder
        return find_domain(_FOLDERS[ref])
    if _MODULE_ATTR.match(ref):
        module, _, attr = ref.partition(":")
        try:
            obj = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise DomainNotFound(f"domain {ref!r}: cannot import: {exc}") from None
        return _from_object(obj, ref)
    for ep in entry_points(group=GROUP, name=ref):
        try:
            obj = ep.load()
        except Exception as exc:  # noqa: BLE001 - a broken third-party pack names itself
            raise PackError(f"domain {ref!r} ({ep.value}): cannot load: "
                            f"{type(exc).__name__}: {exc}") from None
        domain = _from_object(obj, f"entry point {ep.value}")
        return domain
    names = ", ".join(available()) or "none installed"
    raise DomainNotFound(f"unknown domain {ref!r}; available: {names} "
                         "(or give a pack folder path, or module:attr)")


def load_domain(ref: str | Path) -> Domain:
    """Public alias of `find_domain` accepting a Path."""
    return find_domain(str(ref))
