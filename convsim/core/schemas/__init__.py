"""JSON Schemas of convsim's YAML files, generated from their pydantic models.

`json_schema(kind)` builds one with every field's docstring as its description (editors
show them as hints); the files beside this module are the shipped copies that YAML editors
point at (`# yaml-language-server: $schema=...`), kept equal to the models by a test.
`model_fields_doc` lists every field of the models reachable from a root model, for the
reference pages in docs/ (tested against the models so they cannot drift).

Core layer: the kinds whose models live above it (the gate policy) are registered by the
caller with `register`.
"""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
import types
import typing
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

HERE = Path(__file__).resolve().parent
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


@cache
def field_docs(cls: type) -> dict[str, str]:
    """Field name -> the docstring written under it in the class body (own fields only)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for node, after in zip(body, [*body[1:], None], strict=True):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)):
            docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs


def doc_of(model: type[BaseModel], name: str) -> str:
    """The docstring of field `name`, looked up along the model's base classes."""
    for cls in model.__mro__:
        if isinstance(cls, type) and issubclass(cls, BaseModel) and name in field_docs(cls):
            return field_docs(cls)[name]
    info = model.model_fields.get(name)
    return (info.description or "") if info is not None else ""


def models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    """The pydantic models named anywhere in a type annotation."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from models_in(arg)
    if isinstance(annotation, types.UnionType):
        for arg in annotation.__args__:
            yield from models_in(arg)


def reachable_models(root: Any) -> list[type[BaseModel]]:
    """`root` (a model or an annotation such as list[Model]) and every model its fields
    use, each once, in the order a reader meets them."""
    seen: list[type[BaseModel]] = []
    todo = list(models_in(root))
    while todo:
        model = todo.pop(0)
        if model in seen:
            continue
        seen.append(model)
        for info in model.model_fields.values():
            todo += [m for m in models_in(info.annotation) if m not in seen]
    return seen


def _describe(schema: dict[str, Any], models: list[type[BaseModel]]) -> None:
    """Fill missing descriptions of properties (and definitions) from the docstrings."""
    by_name = {m.__name__: m for m in models}
    targets = [(schema.get("title"), schema)] + list(schema.get("$defs", {}).items())
    for name, node in targets:
        model = by_name.get(str(name))
        if model is None:
            continue
        if not node.get("description") and model.__doc__:
            node["description"] = inspect.cleandoc(model.__doc__)
        for field, prop in (node.get("properties") or {}).items():
            doc = doc_of(model, field)
            if doc and not prop.get("description"):
                prop["description"] = doc


_KINDS: dict[str, tuple[str, Callable[[], Any]]] = {}


def register(kind: str, what: str, root: Callable[[], Any]) -> None:
    """Make `kind` known: `what` is shown in help, `root()` gives its model or annotation."""
    _KINDS[kind] = (what, root)


def kinds() -> dict[str, str]:
    """Kind -> what file it describes."""
    return {k: v[0] for k, v in _KINDS.items()}


def _campaign() -> Any:
    from convsim.core.config import CampaignConfig

    return CampaignConfig


def _pack() -> Any:
    from convsim.core.packs.files import DomainFile

    return DomainFile


def _pack_scenarios() -> Any:
    from convsim.core.packs.model import ScenarioTemplate

    return list[ScenarioTemplate]


def _scenarios() -> Any:
    from convsim.core.records import Scenario

    return list[Scenario]


register("campaign", "a campaign file (convsim run / validate)", _campaign)
register("pack", "a domain pack's domain.yaml", _pack)
register("pack-scenarios", "a pack's scenario templates (the file `scenarios:` names)",
         _pack_scenarios)
register("scenarios", "a scenario file (campaign scenarios.files, convsim scenarios ...)",
         _scenarios)


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of a file of kind `kind` (see `kinds`); KeyError if unknown."""
    what, root_fn = _KINDS[kind]
    root = root_fn()
    if isinstance(root, type) and issubclass(root, BaseModel):
        schema = root.model_json_schema()
    else:
        schema = TypeAdapter(root).json_schema()
    _describe(schema, reachable_models(root))
    return {"$schema": SCHEMA_DIALECT, "$id": f"convsim:{kind}",
            "title": schema.pop("title", None) or f"convsim {kind}",
            "description": schema.pop("description", None) or f"convsim: {what}", **schema}


def dumps(schema: dict[str, Any]) -> str:
    """The text of a shipped schema file (stable: sorted keys, two-space indent)."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def shipped(kind: str) -> Path:
    """Path of the shipped schema file of `kind`."""
    return HERE / f"{kind}.json"
