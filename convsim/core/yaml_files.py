"""Safe YAML files: read a YAML file and validate it as a pydantic model.

`read_yaml` refuses duplicate keys, alias bombs and documents past the size and depth
limits; `format_validation_error` reports every problem at once, each on one line naming
the file, the field path and what was expected. Problems are `config.ConfigError`.
Used by `campaign_file` (campaign files) and every other settings file's loader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from convsim.core.config import ConfigError

M = TypeVar("M", bound=BaseModel)


def _describe(err: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"{loc}: unknown key"
    if kind == "missing":
        return f"{loc}: required key is missing"
    msg = str(err["msg"])
    if kind == "value_error":  # our own validators' messages say what they got
        return f"{loc}: {msg.removeprefix('Value error, ')}"
    got = err.get("input")
    got_text = f" (got {_short(got)})" if not isinstance(got, dict | list) else ""
    return f"{loc}: {msg[:1].lower()}{msg[1:]}{got_text}"


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def format_validation_error(source: str, exc: ValidationError) -> str:
    """One line per problem, each prefixed with the source file."""
    return "\n".join(f"{source}: {_describe(e)}" for e in exc.errors())  # type: ignore[arg-type]


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
        raise ConfigError(format_validation_error(str(path), exc)) from None
