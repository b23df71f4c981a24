"""The domain pack contract: tools, state, slots, persona binding, scenario templates.

A `Domain` is plain data plus tool implementations. Tools are `Tool` objects
(a JSON-schema'd signature and a function `(state, arguments) -> result`),
written as Python functions with `@tool`, as declarative behaviours in
`domain.yaml`, as responses replayed from transcripts, or as a proxy to the
team's backend. The sandbox calls them; it never knows which kind they are.

Size: over 400 lines because it holds the whole pack contract in one module, so a pack
author reads one file and docs/packs.md is generated from it.
"""

from __future__ import annotations

import copy
import inspect
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from convsim.core.config import ConfigError
from convsim.core.records import Expectations, Persona, Scenario
from convsim.core.rule_specs import Rule

State = dict[str, Any]
"""A conversation's backend state: table name -> {key -> row}, plus free keys."""

ToolFn = Callable[[State, dict[str, Any]], Any | Awaitable[Any]]

_ATOMS = frozenset((str, int, float, bool, type(None)))


def clone_state(value: Any) -> Any:
    """A deep copy of JSON-like data (dicts, lists, scalars), about 5x faster than
    `copy.deepcopy`, which it falls back to for anything else (a set, a tool's own object).
    Every dict and list is a new one (an object found twice is copied twice); scalars are
    shared. States are copied several times per conversation: this is on the engine's hot
    path, so a container is copied whole (C) and only its non-scalar members are replaced."""
    kind = type(value)
    if kind is dict or kind is list:
        return _clone(value)
    if kind in _ATOMS:
        return value
    return copy.deepcopy(value)


def _clone(value: dict[Any, Any] | list[Any]) -> Any:
    out = value.copy()
    for k, v in (value.items() if type(value) is dict else enumerate(value)):
        kind = type(v)
        if kind is dict or kind is list:
            out[k] = _clone(v)
        elif kind not in _ATOMS:
            out[k] = copy.deepcopy(v)
    return out


class ToolError(Exception):
    """A business error the agent should see (unknown order, wrong status, bad arguments)."""


class PackError(ConfigError):
    """A pack is broken or missing; the message names the file and field."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ToolSpec(_Frozen):
    """What the agent sees of a tool."""

    name: str
    """Tool name, as the agent calls it."""
    description: str = ""
    """What the tool does, as the agent reads it."""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    """JSON Schema of the arguments (an object)."""
    returns: dict[str, Any] | None = None
    """JSON Schema of the result, when known."""


@dataclass
class Tool:
    """A tool with its implementation; `kind` says how it was defined."""

    spec: ToolSpec
    """What the agent sees: name, description, argument and result schemas."""
    fn: ToolFn
    """The implementation: `(state, arguments) -> result` (may be async)."""
    kind: Literal["python", "declarative", "replay", "proxy"] = "python"
    """How it was defined: a Python function, a declarative behaviour, replayed responses or a proxy."""
    escalation: bool = False
    """Calling it hands the customer over to a human (a transfer tool)."""

    @property
    def name(self) -> str:
        return self.spec.name

    def check_arguments(self, arguments: Mapping[str, Any]) -> None:
        """Required arguments present, no unknown ones (the schema's top level)."""
        props = self.spec.parameters.get("properties") or {}
        missing = [k for k in self.spec.parameters.get("required") or [] if k not in arguments]
        unknown = [k for k in arguments if props and k not in props]
        if missing or unknown:
            parts = ([f"missing {', '.join(map(repr, missing))}"] if missing else []) + (
                [f"unknown {', '.join(map(repr, unknown))}"] if unknown else [])
            raise ToolError(f"bad arguments for {self.name}: {'; '.join(parts)}")

    def openai_schema(self) -> dict[str, Any]:
        """The tool in OpenAI function-calling format."""
        return {"type": "function", "function": {
            "name": self.name, "description": self.spec.description,
            "parameters": self.spec.parameters}}


_STATE_PARAMS = ("state", "db")


def tool(fn: Callable[..., Any] | None = None, *, name: str | None = None,
         description: str | None = None, escalation: bool = False) -> Any:
    """Make a Python function a pack tool; its JSON Schema comes from the type hints.

    A first parameter named `state` (or `db`) receives the conversation's state;
    the others are the tool's arguments, validated by pydantic before the call.
    The docstring's first paragraph is the description. The function stays
    callable as before; the `Tool` is in its `__convsim_tool__` attribute.

        @tool
        def check_balance(state: dict, line_id: str) -> float:
            '''Current balance of a line, in dollars.'''
    """

    def wrap(f: Callable[..., Any]) -> Callable[..., Any]:
        f.__convsim_tool__ = tool_from_function(  # type: ignore[attr-defined]
            f, name=name, description=description, escalation=escalation)
        return f

    return wrap(fn) if fn is not None else wrap


def tool_from_function(f: Callable[..., Any], *, name: str | None = None,
                       description: str | None = None, escalation: bool = False) -> Tool:
    """A `Tool` from a plain function (see `tool`)."""
    sig = inspect.signature(f)
    try:
        hints = get_type_hints(f)
    except Exception as exc:  # noqa: BLE001 - unresolvable annotations name the function
        raise PackError(f"tool {f.__qualname__}: cannot read its type hints: {exc}") from None
    params = list(sig.parameters.values())
    takes_state = bool(params) and params[0].name in _STATE_PARAMS
    fields: dict[str, Any] = {}
    for p in params[1:] if takes_state else params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise PackError(f"tool {f.__qualname__}: *args/**kwargs cannot be described to an agent")
        default = ... if p.default is inspect.Parameter.empty else p.default
        fields[p.name] = (hints.get(p.name, Any), default)
    args_model = create_model(f"{f.__name__}_arguments", __config__=ConfigDict(extra="forbid"),
                              **fields)
    schema = args_model.model_json_schema()
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    returns = None
    if "return" in hints and hints["return"] is not type(None):
        from pydantic import TypeAdapter

        try:
            returns = TypeAdapter(hints["return"]).json_schema()
        except Exception:  # noqa: BLE001 - an undescribable return type is simply not described
            returns = None
    doc = inspect.getdoc(f) or ""
    spec = ToolSpec(name=name or f.__name__, description=description or doc.split("\n\n")[0],
                    parameters=schema, returns=returns)
    is_async = inspect.iscoroutinefunction(f)

    def call(state: State, arguments: dict[str, Any]) -> Any:
        try:
            parsed = args_model.model_validate(arguments)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}"
                                 for e in exc.errors())
            raise ToolError(f"bad arguments for {spec.name}: {problems}") from None
        kwargs = {k: getattr(parsed, k) for k in fields}
        return f(state, **kwargs) if takes_state else f(**kwargs)

    if is_async:
        async def acall(state: State, arguments: dict[str, Any]) -> Any:
            return await call(state, arguments)

        return Tool(spec=spec, fn=acall, kind="python", escalation=escalation)
    return Tool(spec=spec, fn=call, kind="python", escalation=escalation)


def tools_in(namespace: Any) -> list[Tool]:
    """The `@tool` functions of a module or object, in definition order."""
    found = []
    for value in vars(namespace).values():
        t = getattr(value, "__convsim_tool__", None)
        if isinstance(t, Tool):
            found.append(t)
    return found


# --------------------------------------------------------------------------- vocabulary


class Slot(_Frozen):
    """A piece of information customers and agents talk about (an email, a line number)."""

    name: str
    """Slot name (the key in scenarios and templates)."""
    type: Literal["string", "number", "integer", "boolean", "date", "email", "phone", "id",
                  "choice", "address"] = "string"
    """Kind of value (guides extraction from text and generation)."""
    description: str = ""
    """What the slot is, in words."""
    words: list[str] = Field(default_factory=list)
    """How people say it ('account number', 'customer id'); the name is always one."""
    values: list[str] = Field(default_factory=list)
    """Allowed values (type choice)."""
    identity: str | None = None
    """Persona identity field it comes from (email, phone, first_name, last_name, zip...)."""
    field: str | None = None
    """Field of the customer's row (see PersonaBinding) it comes from, as a dotted path."""
    faker: str | None = None
    """Faker provider for generated values ('phone_number', 'numerify:###-####')."""
    pattern: str | None = None
    """Regular expression of the slot's values (e.g. `KM-4\\d{4}`): pseudonyms given to such
    values when transcripts are imported (`convsim ingest --domain`) keep matching it."""

    def all_words(self) -> list[str]:
        return list(dict.fromkeys([*self.words, self.name.replace("_", " ")]))


class PersonaBinding(_Frozen):
    """Where the simulated customer lives in the state, and which fields carry their identity."""

    table: str
    """Table of customers (users, accounts, customers)."""
    slot: str
    """Scenario slot holding the customer's key in that table (user_id, customer_id)."""
    fields: dict[str, str] = Field(default_factory=dict)
    """Dotted field path in the row -> template over the persona identity,
    e.g. {'email': '{email}', 'name': '{first_name} {last_name}'}."""
    identify: dict[str, list[str]] = Field(default_factory=dict)
    """Ways a customer can identify themselves: name -> slots given together
    ({'email': ['email'], 'name_zip': ['first_name', 'last_name', 'zip']}); the
    scenario slot `identify_with` says which one this customer prefers."""


class RowPick(_Frozen):
    """Pick one row of a table for a scenario (the customer's account, their order)."""

    table: str
    """Table to pick from."""
    where: dict[str, Any] = Field(default_factory=dict)
    """field -> value (dotted paths into the row); all must match."""


class ScenarioTemplate(_Frozen):
    """A kind of scenario a pack can generate; strings are templates over slots.

    `{slot}` is a slot value, `{customer.field}` a field of the picked customer
    row, `{pick.name.field}` a field of another picked row. A string that is only
    one placeholder keeps the value's type.
    """

    intent: str
    """The intent (e.g. cancel_order); scenarios and the mix are counted per intent."""
    weight: float = Field(1.0, ge=0)
    """Share in the default intent mix."""
    goal: str
    """The customer's goal in natural language (template)."""
    opening: list[str] = Field(default_factory=list)
    """How the customer opens (templates); default: from the goal."""
    customer: RowPick | None = None
    """Which row of the binding table is the customer (their key fills the binding slot)."""
    picks: dict[str, RowPick] = Field(default_factory=dict)
    """Other rows to pick: name -> RowPick (e.g. an order of that customer)."""
    slots: dict[str, Any] = Field(default_factory=dict)
    """Slot values: literal, template, {choice: [...]}, or {faker: provider}."""
    unknown: list[str] = Field(default_factory=list)
    """Slots the customer does not know (they say so when asked)."""
    expectations: Expectations = Field(default_factory=Expectations)
    """What a correct agent does: process steps, disclosures, escalation, final state, rules."""
    difficulty: Literal["easy", "medium", "hard"] = "easy"
    """How hard the scenario is (a label for reports and filters)."""
    tags: list[str] = Field(default_factory=list)
    """Free labels, for reports and filters."""


# --------------------------------------------------------------------------- the pack


@dataclass
class Domain:
    """Everything convsim knows about one business."""

    name: str
    """Pack name (convsim domains lists it)."""
    description: str = ""
    """What business the pack describes (the LLM customer reads its first clause)."""
    tools: dict[str, Tool] = field(default_factory=dict)
    """Tools by name."""
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Fixtures: table -> {key -> row}; a scenario without its own state starts from them."""
    keys: dict[str, str] = field(default_factory=dict)
    """Table -> name of its key field."""
    slots: dict[str, Slot] = field(default_factory=dict)
    """Slots by name: the vocabulary customers and agents use."""
    binding: PersonaBinding | None = None
    """Where the simulated customer lives in the state (`customer:` in domain.yaml)."""
    policy: str = ""
    """The written policy the agent follows (text)."""
    scenarios: list[ScenarioTemplate] = field(default_factory=list)
    """Scenario templates the pack generates."""
    utterances: dict[str, list[str]] = field(default_factory=dict)
    """Customer utterance templates by key (open_<intent>, answer_<slot>, yes, thanks_done...)."""
    generate: Callable[..., Iterable[Scenario]] | None = None
    """Optional Python scenario generator `(config, seed, intent_mix) -> scenarios`: a list,
    or an iterator that yields `config.n` scenarios lazily (campaigns then never hold them
    all)."""
    agents: dict[str, str] = field(default_factory=dict)
    """Reference agent versions of the pack: version -> agent config file or module:attr."""
    agent_loader: str | None = None
    """`module:attr` that runs one of the pack's agent YAML files in-process: called with the
    file's path, returns (agent, new_state). Used when `reference:` names a YAML and the
    connector is `python`."""
    rules: list[Rule] = field(default_factory=list)
    """Rules every scenario of the pack follows (see `rules_model`), scored by the `rules`
    evaluator next to the scenario's own."""
    root: Path | None = None
    """Folder the pack was loaded from, if any."""
    origin: str = ""
    """Where the pack was found (entry point, module, folder)."""

    @property
    def escalation_tools(self) -> list[str]:
        return [n for n, t in self.tools.items() if t.escalation]

    def vocabulary(self) -> dict[str, list[str]]:
        """Slot name -> the words people use for it (built once: every simulated customer
        reads it, and its compiled patterns are cached by identity): do not change it."""
        cached = self.__dict__.get("_vocabulary")
        if cached is None:
            cached = {name: slot.all_words() for name, slot in self.slots.items()}
            self.__dict__["_vocabulary"] = cached
        return cached

    def tool_schemas(self) -> list[dict[str, Any]]:
        return [t.openai_schema() for t in self.tools.values()]

    def intent_weights(self) -> dict[str, float]:
        weights: dict[str, float] = {}
        for t in self.scenarios:
            weights[t.intent] = weights.get(t.intent, 0.0) + t.weight
        return weights

    def customer_row(self, state: State, slots: Mapping[str, Any]) -> dict[str, Any] | None:
        """The simulated customer's row in `state`, if the pack binds one."""
        if self.binding is None:
            return None
        key = slots.get(self.binding.slot)
        row = state.get(self.binding.table, {}).get(str(key)) if key is not None else None
        return row if isinstance(row, dict) else None

    def initial_state(self, scenario: Scenario, persona: Persona) -> State:
        """The scenario's state (or the pack's fixtures), with the customer's row given the
        persona's identity. Raises PackError when the scenario names a customer that is not there."""
        state = clone_state(scenario.initial_state or self.tables)
        row = self._customer_of(state, scenario)
        if row is not None:
            self._bind(row, persona)
        return state

    def initial_customer(self, scenario: Scenario, persona: Persona) -> dict[str, Any] | None:
        """The customer's row as `initial_state` binds it, without copying the whole state
        (the simulated customer reads it; the conversation's own state lives in the sandbox)."""
        row = self._customer_of(scenario.initial_state or self.tables, scenario)
        if row is None:
            return None
        row = clone_state(row)
        self._bind(row, persona)
        return row

    def _customer_of(self, state: State, scenario: Scenario) -> dict[str, Any] | None:
        if self.binding is None or self.binding.slot not in scenario.slots:
            return None
        row = self.customer_row(state, scenario.slots)
        if row is None:
            raise PackError(
                f"domain {self.name}: scenario {scenario.id}: customer "
                f"{scenario.slots.get(self.binding.slot)!r} not in table {self.binding.table!r}")
        return row

    def _bind(self, row: dict[str, Any], persona: Persona) -> None:
        assert self.binding is not None
        identity = persona.identity.model_dump()
        for path, template in self.binding.fields.items():
            set_path(row, path, fill(template, identity))

    def describe(self) -> dict[str, Any]:
        """Summary for `convsim domains`."""
        return {"name": self.name, "origin": self.origin, "description": self.description,
                "tools": list(self.tools), "slots": list(self.slots),
                "tables": {t: len(rows) for t, rows in self.tables.items()},
                "intents": list(self.intent_weights()), "agents": list(self.agents)}


# --------------------------------------------------------------------------- small helpers

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)\}")
_MISSING = object()


def get_path(obj: Any, path: str) -> Any:
    """Dotted lookup in nested dicts/lists; `_MISSING`-safe (returns None when absent)."""
    node = obj
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def set_path(obj: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = obj
    for part in parts[:-1]:
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            nxt = node[part] = {}
        node = nxt
    node[parts[-1]] = value


def fill(template: Any, context: Mapping[str, Any]) -> Any:
    """Fill `{name}` / `{a.b}` placeholders, recursively in lists and dicts.

    A string that is exactly one placeholder takes the value's own type.
    Unknown placeholders are left as they are.
    """
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template)
        if whole:
            value = get_path(context, whole.group(1))
            return template if value is None else copy.deepcopy(value)

        def sub(m: re.Match[str]) -> str:
            value = get_path(context, m.group(1))
            return m.group(0) if value is None else str(value)

        return _PLACEHOLDER.sub(sub, template)
    if isinstance(template, list):
        return [fill(t, context) for t in template]
    if isinstance(template, dict):
        return {fill(k, context): fill(v, context) for k, v in template.items()}
    return template
