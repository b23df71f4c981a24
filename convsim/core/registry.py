"""Plug-in registries: how the engine finds domain packs, connectors, customers, evaluators,
importers, executors and population generators.

One way to plug in, the same for the bundled plug-ins and a third party's: an entry point
in the group `convsim.<kind>` (see pyproject's `[project.entry-points."convsim.connectors"]`)
naming a factory as `module:attr`. A registry reads the entry points' names from the
installed distributions' metadata and imports a plug-in only when it is first asked for, so
nothing is imported at start. A plug-in may also be named by its `module:attr` path (no
packaging needed), or registered in-process with a decorator (`@evaluator("tone")`), which
is how a notebook or a test adds one. Domain packs are found by `core.packs.discovery`
(which also takes folders); they are listed here with the other kinds.

A factory takes explicit keyword arguments, each one a setting of its kind (`SETTINGS`,
documented in `core.protocols`); the registry passes a factory only the settings it names,
and refuses at load time a factory that requires anything else.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Generic, TypeVar

from convsim.core.protocols import SETTINGS

T = TypeVar("T")

KINDS = ("domains", "connectors", "customers", "evaluators", "importers", "executors",
         "generators", "mutations")
"""Plug-in kinds, each with its entry-point group `convsim.<kind>`."""
MODULE_ATTR = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
"""A plug-in named by its import path, `package.module:attribute`."""


class PluginError(KeyError):
    """A plug-in is unknown, cannot be imported, or its factory takes settings its kind has
    not got. The message names the plug-in and where it comes from."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class PluginSource:
    """Where one plug-in comes from, as `convsim plugins` lists it."""

    kind: str
    name: str
    value: str
    """`module:attr` of the factory (entry points, paths) or the registering module."""
    distribution: str
    """`name version` of the installed distribution; empty when registered in-process."""
    shadowed_by: str = ""
    """Another distribution's plug-in of the same kind and name that is used instead."""

    @property
    def module(self) -> str:
        return self.value.partition(":")[0]


def _dist(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else "?"


def installed(kind: str) -> list[PluginSource]:
    """Every entry point of the group `convsim.<kind>`, first on sys.path first; a later one
    with a name already taken is listed as shadowed. Reads metadata only, imports nothing."""
    seen: dict[str, PluginSource] = {}
    out: list[PluginSource] = []
    for ep in entry_points(group=f"convsim.{kind}"):
        first = seen.get(ep.name)
        if first is not None and first.value == ep.value:
            continue  # the same distribution seen twice on sys.path
        source = PluginSource(kind, ep.name, ep.value, _dist(ep),
                              shadowed_by=first.distribution if first else "")
        seen.setdefault(ep.name, source)
        out.append(source)
    return sorted(out, key=lambda s: (s.name, bool(s.shadowed_by)))


def import_path(path: str) -> Any:
    """The object at `module:attr` (attr may be dotted), or PluginError naming the path."""
    module, _, attr = path.partition(":")
    try:
        obj: Any = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except Exception as exc:  # noqa: BLE001 - a broken plug-in names itself
        raise PluginError(f"{path}: cannot import: {type(exc).__name__}: {exc}") from None
    return obj


@dataclass(frozen=True)
class _Factory:
    call: Callable[..., Any]
    names: frozenset[str] | None
    """The settings the factory takes by keyword; None: all of them (`**kwargs`)."""


class Registry(Generic[T]):
    """Name -> factory for one plug-in kind: entry points, `module:attr` paths, and
    factories registered in-process."""

    def __init__(self, kind: str, noun: str, positional: int = 0) -> None:
        self.kind = kind
        self.noun = noun
        self.group = f"convsim.{kind}"
        self.settings = frozenset(SETTINGS.get(kind, ()))
        self._positional = positional
        """Arguments every factory of this kind receives by position (a customer: spec, domain)."""
        self._registered: dict[str, tuple[Callable[..., T], str]] = {}
        self._loaded: dict[str, _Factory] = {}
        self._installed: dict[str, PluginSource] | None = None

    def register(self, name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator: `factory` answers to `name` in this process (before entry points)."""
        def deco(factory: Callable[..., T]) -> Callable[..., T]:
            where = f"{getattr(factory, '__module__', '?')}:{getattr(factory, '__qualname__', '?')}"
            self._registered[name] = (factory, where)
            self._loaded.pop(name, None)
            return factory

        return deco

    def unregister(self, name: str) -> None:
        """Forget a factory registered in-process (entry points stay)."""
        self._registered.pop(name, None)
        self._loaded.pop(name, None)

    def _entry_points(self) -> dict[str, PluginSource]:
        if self._installed is None:
            self._installed = {s.name: s for s in installed(self.kind) if not s.shadowed_by}
        return self._installed

    def refresh(self) -> None:
        """Read the entry points again (after installing a distribution in this process)."""
        self._installed = None
        self._loaded = {n: f for n, f in self._loaded.items() if n in self._registered}

    def names(self) -> list[str]:
        """Every name known without importing anything (entry points and registered)."""
        return sorted(set(self._registered) | set(self._entry_points()))

    def sources(self) -> list[PluginSource]:
        """Where each name comes from: entry points, and factories registered in-process
        (a module that registers the very factory its entry point names is the entry point)."""
        entry_points = installed(self.kind)
        named = {(s.name, s.value) for s in entry_points}
        out = [PluginSource(self.kind, n, where, "") for n, (_, where) in self._registered.items()
               if (n, where) not in named]
        taken = {s.name for s in out}
        out += [s if s.name not in taken else PluginSource(s.kind, s.name, s.value, s.distribution,
                                                         shadowed_by="(registered in-process)")
                for s in entry_points]
        return sorted(out, key=lambda s: (s.name, bool(s.shadowed_by)))

    def knows(self, name: str) -> bool:
        """True for a known name, or a `module:attr` path that imports as a valid factory."""
        if name in self._registered or name in self._entry_points():
            return True
        if not MODULE_ATTR.match(name):
            return False
        try:
            self._factory(name)
        except PluginError:
            return False
        return True

    def describe_unknown(self, name: str) -> str:
        """Why `name` cannot be used: unknown (with the known names), or its import error."""
        if MODULE_ATTR.match(name):
            try:
                self._factory(name)
            except PluginError as exc:
                return str(exc)
        return f"unknown {self.noun} {name!r}; known: {', '.join(self.names()) or 'none'}"

    def _factory(self, name: str) -> _Factory:
        found = self._loaded.get(name)
        if found is not None:
            return found
        if name in self._registered:
            obj, origin = self._registered[name][0], f"{self.noun} {name!r}"
        elif name in self._entry_points():
            source = self._entry_points()[name]
            origin = f"{self.noun} {name!r} ({source.value}, from {source.distribution})"
            try:
                obj = EntryPoint(source.name, source.value, self.group).load()
            except Exception as exc:  # noqa: BLE001 - a broken third-party plug-in names itself
                raise PluginError(f"{origin}: cannot import: {type(exc).__name__}: {exc}"
                                  ) from None
        elif MODULE_ATTR.match(name):
            obj, origin = import_path(name), f"{self.noun} {name!r}"
        else:
            raise PluginError(self.describe_unknown(name))
        if not callable(obj):
            raise PluginError(f"{origin}: not a factory (got {type(obj).__name__})")
        found = _Factory(obj, self._settings_of(obj, origin))
        self._loaded[name] = found
        return found

    def _settings_of(self, factory: Callable[..., Any], origin: str) -> frozenset[str] | None:
        if not self.settings:
            return None  # a kind called with positional arguments only (generators)
        try:
            params = list(inspect.signature(factory).parameters.values())
        except (TypeError, ValueError):
            return None  # no signature to read (a builtin): give it every setting
        if any(p.kind is p.VAR_KEYWORD for p in params):
            return None
        keyword = [p for p in params if p.kind is not p.VAR_POSITIONAL][self._positional:]
        missing = [p.name for p in keyword
                   if p.name not in self.settings and p.default is p.empty]
        if missing:
            raise PluginError(
                f"{origin}: its factory requires {', '.join(map(repr, missing))}, which "
                f"{'is' if len(missing) == 1 else 'are'} not a {self.noun} setting; settings: "
                f"{', '.join(sorted(self.settings))}")
        return frozenset(p.name for p in keyword if p.name in self.settings)

    def get(self, name: str) -> Callable[..., T]:
        """The factory of `name` (imported on first use). Raises PluginError."""
        return self._factory(name).call

    def accepts(self, name: str, setting: str) -> bool:
        """Whether the factory of `name` takes `setting`."""
        names = self._factory(name).names
        return names is None or setting in names

    def create(self, name: str, *args: Any, **settings: Any) -> T:
        """A new instance: the factory gets `args` and the settings it names."""
        found = self._factory(name)
        if found.names is not None:
            settings = {k: v for k, v in settings.items() if k in found.names}
        result: T = found.call(*args, **settings)
        return result


def all_sources(kinds: Iterable[str] = KINDS) -> list[PluginSource]:
    """Every plug-in of every kind, with where it comes from (imports nothing)."""
    out: list[PluginSource] = []
    for kind in kinds:
        registry = REGISTRIES.get(kind)
        out += registry.sources() if registry is not None else installed(kind)
    return out


def create_plugin(kind: str, name: str, *args: Any, **settings: Any) -> Any:
    """A new instance of the plug-in `name` of `kind` (e.g. an executor that wraps `local`):
    its factory gets `args` and the settings it names."""
    if kind not in REGISTRIES:
        raise PluginError(f"unknown plug-in kind {kind!r}; kinds: {', '.join(REGISTRIES)}")
    return REGISTRIES[kind].create(name, *args, **settings)


connectors: Registry[Any] = Registry("connectors", "connector")
customers: Registry[Any] = Registry("customers", "customer", positional=2)
evaluators: Registry[Any] = Registry("evaluators", "evaluator")
importers: Registry[Any] = Registry("importers", "importer")
executors: Registry[Any] = Registry("executors", "executor")
generators: Registry[Any] = Registry("generators", "generator", positional=1)
"""Population generators: `scenarios(domain, config, seed)`, `personas(config, seed)`."""
mutations: Registry[Any] = Registry("mutations", "mutation operator")
"""Mutation operators of `convsim adequacy`: each factory makes one operator (one defect)."""
REGISTRIES: dict[str, Registry[Any]] = {r.kind: r for r in (
    connectors, customers, evaluators, importers, executors, generators, mutations)}

user_simulators = customers
"""The customers' registry under its engine name (a customer is a user simulator)."""

evaluator = evaluators.register
connector = connectors.register
customer = customers.register
user_simulator = customers.register
generator = generators.register
mutation = mutations.register
