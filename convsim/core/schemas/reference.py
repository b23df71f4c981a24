"""Markdown reference of convsim's file formats, generated from the models.

`reference(roots)` writes one section per model reachable from `roots` (pydantic models
and dataclasses): its docstring and a table of its fields (name, type, default, meaning
from the field's docstring). docs/packs.md and docs/config.md hold the output between
`<!-- reference:start -->` and `<!-- reference:end -->`; a test keeps it equal to the
models. Regenerate with `python -m convsim.core.schemas.reference`.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import inspect
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from convsim.core.schemas import field_docs, models_in

START, END = "<!-- reference:start -->", "<!-- reference:end -->"


def type_text(annotation: Any) -> str:
    """A readable type: `list[str]`, `str | None`, `dict[str, TableFile]`, `a | b`."""
    if annotation is type(None):
        return "null"
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_text(args[0])
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_text(a) for a in args)
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join(type_text(a) for a in args)}]"
    return re.sub(r"\btyping\.", "", str(annotation))


def _fields(cls: type) -> list[tuple[str, Any, str]]:
    """(name, annotation, default text) of a pydantic model or a dataclass."""
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        out = []
        for name, info in cls.model_fields.items():
            if info.default_factory is not None:
                default = repr(info.default_factory())  # type: ignore[call-arg]
            elif info.default is PydanticUndefined:
                default = "required"
            else:
                default = repr(info.default)
            out.append((name, info.annotation, default))
        return out
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]  # a dataclass (see reachable)
        if f.name.startswith("_"):
            continue
        if f.default is not dataclasses.MISSING:
            default = repr(f.default)
        elif f.default_factory is not dataclasses.MISSING:
            default = repr(f.default_factory())
        else:
            default = "required"
        out.append((f.name, hints.get(f.name, f.type), default))
    return out


MEANINGS = {
    # Fields whose model has no docstring under them (models owned elsewhere); a field's
    # own docstring, when it gets one, is used instead.
    "DomainFile.name": "Pack name (`convsim domains` lists it; `scenarios.domain` may name it).",
    "DomainFile.description": "What business the pack describes (the LLM customer reads "
                              "its first clause).",
    "DomainFile.policy": "The written policy the agent follows: text, or a file of the folder.",
    "DomainFile.tables": "State tables: name -> its key field and rows (fixtures).",
    "DomainFile.customer": "Where the simulated customer lives in the state and which fields "
                           "carry the persona's identity.",
    "DomainFile.slots": "Slots by name (see Slot): the vocabulary customers and agents use.",
    "DomainFile.tools": "Declarative tools by name (see ToolFile).",
    "DomainFile.python": "Python files of the folder whose `@tool` functions are tools "
                         "(they may import modules beside them).",
    "DomainFile.proxy": "Tools forwarded to the team's own backend (see ProxyFile).",
    "DomainFile.replay": "A JSONL file of tool calls logged in transcripts, replayed as tools.",
    "DomainFile.scenarios": "Scenario templates inline, or a YAML file of them "
                            "(see ScenarioTemplate).",
    "DomainFile.utterances": "Customer utterance templates by key (open_<intent>, "
                             "answer_<slot>, yes, thanks_done...), inline or a YAML file.",
    "DomainFile.agents": "Reference agent versions: version -> agent file (YAML or .py, "
                         "relative to the folder) or module:attr.",
    "ToolFile.description": "What the tool does, as the agent reads it.",
    "ToolFile.do": "The behaviour: lookup/list/insert/update/delete rows of `table`, "
                   "respond with `result`, handoff to a human, or replay logged responses.",
    "ToolFile.table": "The state table the behaviour works on.",
    "ProxyFile.timeout_s": "Timeout of one backend call, in seconds.",
    "Rule.before": "`first` tools must have succeeded before any `then` tool is called.",
    "Rule.requires_result": "A `before` tool only after `tool` returned the right thing.",
    "Rule.requires_consent": "`tool` only after an explicit yes to the stated action.",
    "Rule.never": "`tool` is never called.",
    "Rule.at_most": "`tool` is called at most `n` times.",
    "Rule.within_first": "Within the first `n` agent turns: a tool, an act or a phrase.",
    "Rule.only_if": "`tool` only when the state has the given values.",
    "RequiresResult.tool": "The tool (or tools, globs allowed) whose result counts.",
    "RequiresResult.before": "Tools that may be called only after that result.",
    "RequiresResult.field": "Dotted path of the result field to check.",
    "RequiresResult.equals": "Value the field must equal (default: truthy).",
    "RequiresConsent.tool": "Tools (globs allowed) that need the customer's explicit yes.",
    "Never.tool": "Tools (globs allowed) the agent must never call.",
    "AtMost.tool": "Tools (globs allowed) counted.",
    "AtMost.n": "Most calls allowed.",
    "WithinFirst.n": "Agent turns.",
    "WithinFirst.tool": "A tool the agent calls within them.",
    "WithinFirst.act": "A dialog act the agent makes within them.",
    "OnlyIf.tool": "Tools (globs allowed) constrained.",
    "OnlyIf.state": "Dotted state path (with `{argument}` placeholders) -> required value "
                    "(a list: any of them).",
    "Expectations.process": "Required steps of the agent process, with their order (see "
                            "ProcessStep).",
    "Expectations.disclosures": "Statements the agent must make before a tool call (see "
                                "Disclosure).",
    "Expectations.escalation_expected": "A human must take over (the agent hands over, or "
                                        "calls a tool marked escalation).",
    "Expectations.forbidden_tools": "Tools the agent must not call in this scenario.",
    "Expectations.turn_budget": "Agent turns a good agent needs at most.",
    "Disclosure.name": "Disclosure name: the metric is `disclosure:<name>`.",
    "PerturbationProfile.name": "Profile name (a bundled one's settings are its defaults).",
    "PerturbationProfile.text_noise": "Noise applied to customer text (see TextNoise).",
    "ToolFault.error_rate": "Share of calls answered with an error.",
    "ToolFault.timeout_rate": "Share of calls that time out.",
    "ToolFault.malformed_rate": "Share of calls answered with a malformed result.",
}


def _docs(cls: type) -> dict[str, str]:
    docs: dict[str, str] = {key.split(".", 1)[1]: text for key, text in MEANINGS.items()
                            if key.split(".", 1)[0] == cls.__name__}
    for base in reversed(cls.__mro__):
        if base is not object:
            docs.update(field_docs(base))
    return docs


def reachable(roots: list[Any]) -> list[type]:
    """The models and dataclasses of `roots` and of their fields, each once, in reading order."""
    seen: list[type] = []
    todo: list[Any] = list(roots)
    while todo:
        item = todo.pop(0)
        found = [item] if dataclasses.is_dataclass(item) else list(models_in(item))
        for cls in found:
            if cls in seen or not isinstance(cls, type):
                continue
            seen.append(cls)
            for _name, annotation, _default in _fields(cls):
                if any(typing.get_origin(a) is collections.abc.Callable
                       for a in (annotation, *typing.get_args(annotation))):
                    continue  # a function's signature (Domain.generate): not a file format
                todo.append(annotation)
                todo += [a for a in typing.get_args(annotation) if dataclasses.is_dataclass(a)]
    return seen


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def reference(roots: list[Any], level: int = 3) -> str:
    """Markdown: a section per model reachable from `roots`, with a table of its fields."""
    parts = []
    for cls in reachable(roots):
        doc = inspect.cleandoc(cls.__doc__ or "")
        lines = [f"{'#' * level} {cls.__name__}", "", doc, "",
                 "| field | type | default | meaning |", "|---|---|---|---|"]
        docs = _docs(cls)
        for name, annotation, default in _fields(cls):
            lines.append(f"| `{name}` | `{_cell(type_text(annotation))}` | "
                         f"`{_cell(default)}` | {_cell(docs.get(name, ''))} |")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def pack_roots() -> list[Any]:
    """What docs/packs.md documents: domain.yaml, a pack's scenario templates, its slots,
    and the Python pack object."""
    from convsim.core.packs.files import DomainFile
    from convsim.core.packs.model import Domain, ScenarioTemplate, Slot

    return [DomainFile, Slot, ScenarioTemplate, Domain]


def config_roots() -> list[Any]:
    """What docs/config.md documents: a campaign file."""
    from convsim.core.config import CampaignConfig

    return [CampaignConfig]


DOCS = {"packs.md": pack_roots, "config.md": config_roots}


def with_reference(text: str, generated: str) -> str:
    """`text` with the part between the markers replaced by `generated`."""
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n\n{generated}\n{END}{tail}"


def main(docs_dir: str = "docs") -> None:
    for name, roots in DOCS.items():
        path = Path(docs_dir) / name
        path.write_text(with_reference(path.read_text(encoding="utf-8"), reference(roots())),
                        encoding="utf-8")
        print(f"updated {path}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:])
