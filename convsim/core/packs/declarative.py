"""Load a domain pack folder: `domain.yaml` and the files it names.

    name: acme
    policy: policy.md                       # text, or a file in the folder
    tables:                                 # state: fixtures keyed by a field
      customers: {key: customer_id, rows: customers.yaml}
    customer: {table: customers, slot: customer_id,
               fields: {name: "{first_name} {last_name}", email: "{email}"}}
    slots:
      email: {type: email, identity: email, words: [email, e-mail address]}
    tools:
      find_customer:
        description: Find a customer by email.
        parameters: {email: string}         # shorthand, or a full JSON Schema
        do: lookup                          # lookup list insert update delete respond handoff
        table: customers
        where: {email: "{email}"}
        result: "{row.customer_id}"
        error: no customer with that email
    python: [tools.py]                      # @tool functions
    proxy: {base_url: "${ACME_URL}", openapi: openapi.json}
    replay: tool_responses.jsonl            # responses logged in transcripts
    scenarios: scenarios.yaml               # scenario templates
    utterances: utterances.yaml
    agents: {v1: agent.py}

Placeholders `{name}` refer to the call's arguments, `{row.field}` to the row
found. Every problem is reported with the file and the field. The file models and the data
reader are in `files`; the proxy section is `proxy`.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from convsim.core.packs.files import (
    DOMAIN_FILE,
    JSON_TYPES,
    DomainFile,
    ToolFile,
    read_data_file,
)
from convsim.core.packs.model import (
    Domain,
    PackError,
    ScenarioTemplate,
    Slot,
    State,
    Tool,
    ToolError,
    ToolSpec,
    fill,
    get_path,
    set_path,
    tools_in,
)
from convsim.core.rule_specs import check_rules
from convsim.core.yaml_files import format_validation_error, line_of


def _where(source: Path, exc: ValidationError, model: type[BaseModel] | None = None,
           prefix: tuple[str | int, ...] = ()) -> str:
    """Each problem on a line naming the file, the field and its line ("did you mean")."""
    return format_validation_error(str(source), exc, model, prefix)


def _object_schema(tf: ToolFile) -> dict[str, Any]:
    params = tf.parameters
    if params.get("type") == "object" and isinstance(params.get("properties"), dict):
        return dict(params)
    props: dict[str, Any] = {}
    for name, value in params.items():
        props[name] = {"type": value} if isinstance(value, str) else dict(value)
    required = tf.required if tf.required is not None else list(params)
    return {"type": "object", "properties": props, "required": required}


def _matches(value: Any, cond: Any) -> bool:
    if isinstance(cond, dict) and set(cond) <= {"in", "not"} and cond:
        if "in" in cond and not any(_matches(value, c) for c in cond["in"]):
            return False
        return not ("not" in cond and _matches(value, cond["not"]))
    if isinstance(value, str) and isinstance(cond, str):
        return value.strip().lower() == cond.strip().lower()
    if isinstance(value, int | float) and isinstance(cond, str):
        try:
            return float(cond) == float(value)
        except ValueError:
            return False
    return bool(value == cond)


_UNRESOLVED = re.compile(r"\{[A-Za-z_][\w.]*\}")


def _conditions(conds: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """Conditions with the arguments filled in; those naming an absent argument are dropped."""
    out = {}
    for field_path, cond in conds.items():
        value = fill(cond, context)
        if isinstance(value, str) and _UNRESOLVED.search(value):
            continue
        out[field_path] = value
    return out


def _rows(state: State, table: str, where: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    rows = state.get(table) or {}
    return [(k, r) for k, r in rows.items()
            if isinstance(r, dict) and all(_matches(get_path(r, f), c) for f, c in where.items())]


def behaviour(name: str, tf: ToolFile, key_field: str | None) -> Any:
    """The implementation `(state, arguments) -> result` of a declarative tool."""

    def result_of(row: Any, args: dict[str, Any]) -> Any:
        if tf.result is None:
            return copy.deepcopy(row)
        return fill(tf.result, {**args, "args": args, "row": row})

    def run(state: State, args: dict[str, Any]) -> Any:
        context = {**args, "args": args}
        if tf.do == "respond":
            return fill(tf.result, context)
        if tf.do == "handoff":
            state["transferred"] = True
            state["transfer_summary"] = json.dumps(args, sort_keys=True) if args else ""
            return fill(tf.result, context) if tf.result is not None else "Transfer successful"
        table = tf.table or ""
        if tf.do == "insert":
            row = fill(tf.values, context)
            rows = state.setdefault(table, {})
            key = str(row.get(key_field)) if key_field and row.get(key_field) is not None \
                else f"{table}-{len(rows) + 1}"
            if key_field:
                row[key_field] = row.get(key_field, key)
            if key in rows:
                raise ToolError(tf.error or f"{table} {key} already exists")
            rows[key] = row
            return result_of(row, args)
        conditions = _conditions(tf.where, context)
        if tf.where and not conditions:  # every condition named an argument the agent left out
            raise ToolError(f"{name}: no search value given ({', '.join(tf.where)})")
        found = _rows(state, table, conditions)
        if tf.do == "list":
            return [result_of(r, args) for _, r in found]
        if not found:
            raise ToolError(fill(tf.error, context) if tf.error else f"{name}: not found")
        key, row = found[0]
        failed = [f for f, c in _conditions(tf.require, {**context, "row": row}).items()
                  if not _matches(get_path(row, f), c)]
        if failed:
            raise ToolError(fill(tf.error, {**context, "row": row}) if tf.error else
                            f"{name}: {', '.join(f'{f} is {get_path(row, f)!r}' for f in failed)}")
        if tf.do == "update":
            for path, value in fill(tf.set, {**context, "row": row}).items():
                set_path(row, path, value)
        elif tf.do == "delete":
            del state[table][key]
            return result_of(row, args) if tf.result is not None else {"deleted": key}
        return result_of(row, args)

    return run


def _load_tables(root: Path, source: Path, df: DomainFile) -> dict[str, dict[str, Any]]:
    tables: dict[str, dict[str, Any]] = {}
    cache: dict[str, Any] = {}
    for name, t in df.tables.items():
        rows: Any = t.rows
        if isinstance(rows, str):
            if rows not in cache:
                cache[rows] = read_data_file(root / rows)
            rows = cache[rows]
        if t.path:
            rows = get_path(rows, t.path)
            if rows is None:
                raise PackError(f"{source}: tables.{name}.path: {t.path!r} not found in {t.rows}")
        if isinstance(rows, dict):
            tables[name] = {str(k): v for k, v in rows.items()}
            continue
        if not isinstance(rows, list):
            raise PackError(f"{source}: tables.{name}.rows: expected a list or mapping of rows")
        keyed = {}
        for i, row in enumerate(rows):
            if not isinstance(row, dict) or row.get(t.key) is None:
                raise PackError(f"{source}: tables.{name}: row {i} has no key field {t.key!r}")
            keyed[str(row[t.key])] = row
        tables[name] = keyed
    return tables


def _import_file(root: Path, rel: str, pack: str) -> Any:
    path = root / rel
    if not path.is_file():
        raise PackError(f"{root / DOMAIN_FILE}: python: file not found: {path}")
    safe = re.sub(r"\W", "_", pack)
    mod_name = f"convsim_pack_{safe}_{path.stem}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise PackError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    # The pack folder is on the import path while its file loads, so it can import the
    # modules beside it (`from helpers import ...`); they are then forgotten by name, so
    # another pack's module of the same name is its own.
    before = set(sys.modules)
    sys.path.insert(0, str(root))
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - the user's module: say where it failed
        raise PackError(f"{path}: import failed: {type(exc).__name__}: {exc}") from None
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(root))
        for name in set(sys.modules) - before:
            file = getattr(sys.modules[name], "__file__", None) or ""
            if file and Path(file).resolve().is_relative_to(root):
                del sys.modules[name]
    return module


def _env(text: str) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: os.environ.get(m.group(1), ""), text)


def load_domain_folder(folder: str | Path) -> Domain:
    """Load and check a pack folder; every problem raises PackError naming file and field."""
    root = Path(folder).resolve()
    source = root / DOMAIN_FILE
    raw = read_data_file(source)
    if not isinstance(raw, dict):
        raise PackError(f"{source}: expected a mapping of keys at the top level")
    try:
        df = DomainFile.model_validate(raw)
    except ValidationError as exc:
        raise PackError(_where(source, exc, DomainFile)) from None
    tables = _load_tables(root, source, df)
    keys = {name: t.key for name, t in df.tables.items()}
    problems: list[str] = []
    tools: dict[str, Tool] = {}
    for name, tf in df.tools.items():
        where = f"{source}: tools.{name}"
        needs_table = tf.do not in ("respond", "handoff", "replay")
        if needs_table and tf.table not in df.tables:
            problems.append(f"{where}.table: {tf.table!r} is not a table of the pack "
                            f"(tables: {', '.join(df.tables) or 'none'})")
            continue
        schema = _object_schema(tf)
        for pname, prop in schema["properties"].items():
            if isinstance(prop, dict) and prop.get("type") not in JSON_TYPES | {None}:
                problems.append(f"{where}.parameters.{pname}: unknown JSON type {prop.get('type')!r}")
        declared = set(schema["properties"])
        for section in ("where", "require", "set", "values"):
            for ref in _UNRESOLVED.findall(json.dumps(getattr(tf, section))):
                ref_name = ref[1:-1].split(".")[0]
                if ref_name not in declared and ref_name not in ("row", "args"):
                    problems.append(f"{where}.{section}: {ref} is not a parameter of the tool")
        if tf.do == "replay":
            continue  # filled from the replay file below
        tools[name] = Tool(spec=ToolSpec(name=name, description=tf.description, parameters=schema,
                                         returns=tf.returns),
                           fn=behaviour(name, tf, keys.get(tf.table or "")), kind="declarative",
                           escalation=tf.escalation or tf.do == "handoff")
    for rel in df.python:
        for t in tools_in(_import_file(root, rel, df.name)):
            tools[t.name] = t
    if df.replay:
        from convsim.core.packs.replay import replay_tools

        declared_replay = {n: tf for n, tf in df.tools.items() if tf.do == "replay"}
        for t in replay_tools(read_data_file(root / df.replay), root / df.replay,
                              {n: (_object_schema(tf), tf.description, tf.escalation)
                               for n, tf in declared_replay.items()}):
            tools.setdefault(t.name, t)
    if df.proxy is not None:
        from convsim.core.packs.proxy import proxy_tools

        proxy = df.proxy.model_copy(update={"base_url": _env(df.proxy.base_url),
                                            "headers": {k: _env(v) for k, v in
                                                        df.proxy.headers.items()}})
        for t in proxy_tools(proxy, root, source):
            tools.setdefault(t.name, t)
    slots: dict[str, Slot] = {}
    for name, body in df.slots.items():
        try:
            slots[name] = Slot.model_validate({"name": name, **(body or {})})
        except ValidationError as exc:
            problems.append(_where(source, exc, Slot, ("slots", name)))
    if df.customer is not None and df.customer.table not in tables:
        problems.append(f"{source}: customer.table: {df.customer.table!r} is not a table of the pack")
    scenarios: list[ScenarioTemplate] = []
    scenario_source, scenario_loc = source, "scenarios"  # problems name the file they are in
    if isinstance(df.scenarios, str):
        scenario_source, scenario_loc = root / df.scenarios, ""
        data = read_data_file(scenario_source)
        if data is not None and not isinstance(data, list):
            raise PackError(f"{scenario_source}: expected a list of scenario templates")
        try:
            scenarios = TypeAdapter(list[ScenarioTemplate]).validate_python(data or [])
        except ValidationError as exc:
            raise PackError(_where(scenario_source, exc, ScenarioTemplate)) from None
    else:
        scenarios = list(df.scenarios)
    for i, s in enumerate(scenarios):
        label = f"{scenario_loc}[{i}] ({s.intent})"
        where_s = f"{scenario_source}: {label}"
        problems_before = len(problems)
        for pick_name, pick in [("customer", s.customer), *s.picks.items()]:
            if pick is not None and pick.table not in tables:
                problems.append(f"{where_s}.{pick_name}.table: "
                                f"{pick.table!r} is not a table of the pack")
        for step in s.expectations.process:
            for tool_name in step.tools:
                if tool_name not in tools:
                    problems.append(f"{where_s}: process step "
                                    f"{step.name!r} names unknown tool {tool_name!r}")
        problems += [f"{scenario_source}: {p}" for p in check_rules(
            s.expectations.rules, tools, f"{label}.expectations.rules")]
        if len(problems) > problems_before:
            # The line is looked up only for a template with a problem: reading the file's
            # lines for every template made loading a pack quadratic in its templates.
            at = line_of(scenario_source, *([scenario_loc] if scenario_loc else []), i)
            problems[problems_before:] = [f"{p}{at}" for p in problems[problems_before:]]
    problems += [f"{source}: {p}" for p in check_rules(df.rules, tools)]
    utterances = df.utterances
    if isinstance(utterances, str):
        utterances = read_data_file(root / utterances) or {}
    policy = df.policy
    if policy and "\n" not in policy and (root / policy).is_file():
        policy = (root / policy).read_text(encoding="utf-8")
    if problems:
        raise PackError("\n".join(problems))
    return Domain(name=df.name, description=df.description, tools=tools, tables=tables, keys=keys,
                  slots=slots, binding=df.customer, policy=policy, scenarios=scenarios,
                  utterances={k: list(v) for k, v in dict(utterances).items()},
                  agents={v: str(root / p) if not re.match(r"^[\w.]+:\w+$", p) else p
                          for v, p in df.agents.items()},
                  root=root, origin=str(root), rules=list(df.rules))
