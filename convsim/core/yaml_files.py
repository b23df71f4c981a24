"""Reading YAML safely and turning validation errors into lines a user can act on.

Every problem becomes one line naming the file, the field path, the line in the file and
what was expected (an unknown key gets a "did you mean"), raised as `config.ConfigError`.
Used by `campaign_file` (campaign files) and every other settings file's loader.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from convsim.core.config import ConfigError

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]


def _describe(err: dict[str, Any], loc_text: str) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"{loc_text}: unknown key"
    if kind == "missing":
        return f"{loc_text}: required key is missing"
    msg = str(err["msg"])
    if kind == "value_error":  # our own validators' messages say what they got
        return f"{loc_text}: {msg.removeprefix('Value error, ')}"
    got = err.get("input")
    got_text = f" (got {_short(got)})" if not isinstance(got, dict | list) else ""
    return f"{loc_text}: {msg[:1].lower()}{msg[1:]}{got_text}"


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def key_lines(path: str | Path) -> dict[Loc, int]:
    """Line (1-based) of every key and list item of a YAML file, by its path of keys and
    indexes; {} when the file is not YAML or cannot be read (only error messages use it)."""
    p = Path(path)
    if p.suffix.lower() not in (".yaml", ".yml") or not p.is_file():
        return {}
    try:
        if p.stat().st_size > MAX_YAML_BYTES:
            return {}
        root = yaml.compose(p.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (safe)
    except (yaml.YAMLError, OSError, UnicodeDecodeError, RecursionError):
        return {}
    lines: dict[Loc, int] = {(): 1}
    stack: list[tuple[yaml.Node | None, Loc]] = [(root, ())]
    seen: set[int] = set()
    while stack:
        node, loc = stack.pop()
        if node is None or id(node) in seen or len(loc) > MAX_YAML_DEPTH:
            continue
        seen.add(id(node))  # an alias is listed once, where it was defined
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    lines.setdefault((*loc, key.value), key.start_mark.line + 1)
                    stack.append((value, (*loc, key.value)))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines.setdefault((*loc, i), item.start_mark.line + 1)
                stack.append((item, (*loc, i)))
    return lines


_UNION_TAG = re.compile(r"^(\w+(-\w+)*\[.*\]|str|int|float|bool|list|dict|none)$")
"""Parts pydantic adds to an error's location for the member of a union it tried."""
_SCALARS = {"str", "int", "float", "bool", "none"}


def _in_file(lines: dict[Loc, int], loc: Sequence[str | int]) -> tuple[Loc, bool]:
    """The part of a pydantic error location that is in the file (pydantic adds union tags
    such as `list[ScenarioTemplate]` or `str`), and whether all of it was found."""
    found: Loc = ()
    complete = True
    for part in loc:
        key = int(part) if isinstance(part, str) and part.isdigit() else part
        if (*found, key) in lines:
            found = (*found, key)
        elif (*found, str(key)) in lines:
            found = (*found, str(key))
        else:
            complete = False
    return found, complete


def _schema_nodes(schema: dict[str, Any], loc: Iterable[str | int]) -> list[dict[str, Any]]:
    """The JSON Schema nodes describing the value at `loc` ($ref and unions expanded)."""
    defs = schema.get("$defs", {})

    def expand(node: Any) -> list[dict[str, Any]]:
        if not isinstance(node, dict):
            return []
        if "$ref" in node:
            return expand(defs.get(str(node["$ref"]).rsplit("/", 1)[-1]))
        out = [node]
        for union in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(union, []):
                out += expand(sub)
        return out

    nodes = expand(schema)
    for part in loc:
        step: list[dict[str, Any]] = []
        for node in nodes:
            if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
                step += expand(node.get("items"))
            if isinstance(part, str):
                props = node.get("properties") or {}
                step += expand(props[part]) if part in props else expand(
                    node.get("additionalProperties"))
        if step:  # a part that matches nothing is a union tag of pydantic's: skipped
            nodes = step
    return nodes


def suggest(name: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest of `choices`, or ''."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def format_validation_error(source: str, exc: ValidationError,
                            model: type[BaseModel] | None = None, prefix: Loc = ()) -> str:
    """One line per problem: the file, the field path, what is wrong, a suggestion for an
    unknown key (when `model` is given) and the line in the file (when `source` is a YAML
    file). `prefix` is where the validated value sits in the file (e.g. its list index)."""
    lines = key_lines(source)
    schema: dict[str, Any] = {}
    if model is not None:
        try:
            schema = model.model_json_schema()
        except Exception:  # noqa: BLE001 - a model without a JSON Schema: no suggestions
            schema = {}
    out: list[tuple[int, str]] = []
    errors = exc.errors()
    structured = {tuple(e["loc"][:i]) for e in errors for i, p in enumerate(e["loc"])
                  if isinstance(p, str) and _UNION_TAG.match(p) and p not in _SCALARS}
    for err in errors:
        tags = [i for i, p in enumerate(err["loc"]) if isinstance(p, str) and p in _SCALARS]
        if tags and tuple(err["loc"][:tags[-1]]) in structured \
                and isinstance(err.get("input"), dict | list):
            continue  # "not a string" for a mapping that matched the other member of a union
        loc: Loc = (*prefix, *err["loc"])
        shown = [p for p in loc if not (isinstance(p, str) and _UNION_TAG.match(p))]
        loc_text = ".".join(str(p) for p in shown) or "(top level)"
        text = _describe(dict(err), loc_text)
        if err["type"] == "extra_forbidden" and schema:
            allowed: set[str] = set()
            for node in _schema_nodes(schema, list(err["loc"])[:-1]):
                allowed.update(node.get("properties") or {})
            text += suggest(str(loc[-1]), allowed)
        line = 0
        if lines:
            found, _ = _in_file(lines, loc)
            if found or err["type"] == "missing":
                line = lines.get(found, 1)
                text += f" (line {line})"
        out.append((line, f"{source}: {text}"))
    return "\n".join(text for _, text in sorted(out, key=lambda x: x[0]))


def line_of(path: str | Path, *loc: str | int) -> str:
    """' (line N)' for the deepest part of `loc` found in the YAML file, or ''."""
    lines = key_lines(path)
    found, _ = _in_file(lines, loc)
    return f" (line {lines[found]})" if found else ""


MAX_YAML_BYTES = 64 * 2**20
"""Largest YAML file read (configs are kilobytes; scenario files a few megabytes)."""
MAX_CONFIG_BYTES = 4 * 2**20
"""Largest settings file (campaign, mapping, PII...) `load_model` reads."""
MAX_YAML_VALUES = 2_000_000
"""Most values a YAML document may hold once its aliases are expanded (an alias bomb
of a few lines expands to billions)."""
MAX_YAML_DEPTH = 100
"""Deepest nesting of lists and mappings in a YAML document."""


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: yaml.Node) -> None:
    """Values and depth of the document with aliases expanded, counted without expanding
    them (each node once); a recursive alias is refused too."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            where = node.start_mark
            if size[key] > MAX_YAML_VALUES:
                raise yaml.constructor.ConstructorError(
                    None, None, f"more than {MAX_YAML_VALUES:,} values once aliases are "
                    "expanded (anchors repeated too often)", where)
            if depth[key] > MAX_YAML_DEPTH:
                raise yaml.constructor.ConstructorError(
                    None, None, f"nested deeper than {MAX_YAML_DEPTH} levels", where)
            continue
        if key in size:
            continue
        if key in on_path:
            raise yaml.constructor.ConstructorError(
                None, None, "an alias refers to a value that contains it", node.start_mark)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if id(k) not in size)


class _Loader(yaml.SafeLoader):
    """safe_load that bounds alias expansion and nesting and refuses duplicate keys."""

    def compose_document(self) -> yaml.Node:
        node: yaml.Node = super().compose_document()
        _check_expansion(node)
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key_node.value!r}", key_node.start_mark)
                seen.add(key_node.value)
        return super().construct_mapping(node, deep)


def read_yaml(path: str | Path, max_bytes: int = MAX_YAML_BYTES) -> Any:
    """Parse a YAML file; missing or unreadable files, syntax errors, duplicate keys, alias
    bombs and documents past the limits above become ConfigError."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: file not found")
    try:
        if p.stat().st_size > max_bytes:
            raise ConfigError(f"{p}: file is larger than {max_bytes // 2**20} MiB")
        return yaml.load(p.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (safe)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{p}: invalid YAML{where}: {problem}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text ({exc.reason})") from None
    except RecursionError:
        raise ConfigError(f"{p}: invalid YAML: nested too deeply") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror or exc}") from None


def load_model(path: str | Path, model: type[M]) -> M:
    """Read a YAML file and validate it as `model`."""
    data = read_yaml(path, max_bytes=MAX_CONFIG_BYTES)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(str(path), exc, model)) from None
