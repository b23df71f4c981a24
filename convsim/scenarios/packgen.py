"""Build a domain pack from ingested transcripts whose agents logged their tool calls.

Input: folders written by `convsim ingest` (conversations/, turns/, tool_calls/).
Output: a pack folder `convsim.core.packs` can load at once:
- `tool_responses.jsonl`: every logged call `{tool, arguments, result, status}`,
  answered again by replay (`convsim/core/packs/replay.py`);
- `domain.yaml`: the tools (`do: replay`, schemas inferred from the arguments
  seen), the slot vocabulary, one scenario template per sampled successful
  conversation (its opening, what the customer asked for, the process mined for
  its intent with `scenarios.mining.mine_process`), and the real openings as
  utterances.
Nothing here knows a business: intents come from the labels, else from what the
customer asked (their opening request, clustered and named by the clusters' salient
words: "data_used", "lost_phone"), never from the tools; slots from the argument
names, one slot per entity (two argument names whose values are the same records,
e.g. `account` and `account_number`, are one slot shared by the tools that use it);
the customer's knowledge from which argument values were not read off an earlier
tool result. The output is
a function of the input and the seed only (sorted, no timestamps, no paths).

Size: over 400 lines because it holds one generator from transcripts to a pack: tool
schemas, slots, templates and intents, a section each.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field

from convsim.core.acts import recognise
from convsim.core.packs.declarative import load_domain_folder
from convsim.core.packs.model import PackError
from convsim.scenarios.importers.taskmaster import json_or_raw
from convsim.scenarios.mining import mine_process

RESPONSES_FILE = "tool_responses.jsonl"
NOT_TOOLS = frozenset({"unknown", "unknown_action"})
"""Importer placeholders for calls whose tool was not logged."""
GOOD_OUTCOMES = frozenset({"resolved", "completed", "escalated", "transferred"})
ESCALATED_OUTCOMES = frozenset({"escalated", "transferred"})
ESCALATION_TOOL = re.compile(r"transfer|escalat|handoff|hand_off|human", re.IGNORECASE)
NUMBER_WORDS = {"1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six",
                "7": "seven", "8": "eight", "9": "nine", "10": "ten"}
OFF_VALUES = frozenset({"no", "false", "0", "none", "remove", "off"})
GENERIC_WORDS = frozenset({"id", "ids", "query", "options", "option", "type", "value", "values",
                           "name", "the", "and", "or", "of", "get", "items", "item"})
_WORD = re.compile(r"[a-z0-9%']+")
_ID_LIKE = re.compile(r"[A-Za-z]\w*[-_#]\s*\d|\d{4,}|^#?\w*\d\w*$")
"""A record id (letters and digits, no spaces): the agent's, unless the customer said it."""


class PackgenError(ValueError):
    """The transcripts cannot make a pack (no folder, no tool calls); the message says which."""


@dataclass
class _Call:
    tool: str
    arguments: dict[str, Any]
    result: Any
    status: str


@dataclass
class _Conv:
    id: str
    intent: str
    outcome: str | None
    escalated: bool
    customer: list[str]
    calls: list[_Call] = field(default_factory=list)
    prompted: list[bool] = field(default_factory=list)
    """Per customer turn: the agent's turn before it asked for something (an answer, not an
    addition of the customer's own)."""
    slot_names: set[str] = field(default_factory=set)


# ----------------------------------------------------------------------------- reading


def _read_table(folder: Path, table: str) -> pl.DataFrame:
    files = sorted((folder / table).glob("*.parquet"))
    return pl.concat([pl.read_parquet(f) for f in files], how="vertical_relaxed") if files \
        else pl.DataFrame()


def read_conversations(transcripts: Sequence[str | Path]) -> list[_Conv]:
    """Conversations with their customer turns and logged tool calls, sorted by id."""
    convs: dict[str, _Conv] = {}
    for folder in map(Path, transcripts):
        if not (folder / "conversations").is_dir():
            raise PackgenError(f"{folder}: not an ingested transcripts folder (no conversations/; "
                               "run convsim ingest first)")
        meta = _read_table(folder, "conversations")
        turns = _read_table(folder, "turns")
        calls = _read_table(folder, "tool_calls")
        customer: dict[str, list[str]] = defaultdict(list)
        prompted: dict[str, list[bool]] = defaultdict(list)
        if turns.height:
            agent_said: dict[str, str] = {}
            for cid, _i, role, text in turns.sort("conversation_id", "turn_index").select(
                    "conversation_id", "turn_index", "role", "text").iter_rows():
                if role == "customer" and text and text.strip():
                    customer[cid].append(text.strip())
                    prompted[cid].append(recognise(agent_said.pop(cid, "")).act == "request")
                elif role == "agent" and text and text.strip():
                    agent_said[cid] = text
        for row in meta.iter_rows(named=True):
            cid = row["conversation_id"]
            convs.setdefault(cid, _Conv(
                id=cid, intent=row.get("intent") or "", outcome=row.get("outcome"),
                escalated=bool(row.get("escalated")) or row.get("outcome") in ESCALATED_OUTCOMES,
                customer=customer.get(cid, []), prompted=prompted.get(cid, [])))
        if calls.height:
            seen = {cid for cid, c in convs.items() if c.calls}
            for cid, tool, args, result, status in calls.sort("conversation_id", "seq").select(
                    "conversation_id", "tool", "arguments_json", "result", "status").iter_rows():
                if cid not in convs or cid in seen or tool in NOT_TOOLS:
                    continue
                parsed = json_or_raw(args or "{}")
                if not isinstance(parsed, dict) or "_value" in parsed or "_raw" in parsed:
                    parsed = None  # an unparseable request: replayable, not a schema example
                convs[cid].calls.append(_Call(tool, parsed if parsed is not None else {},
                                              json_or_raw(result), status or "ok"))
    out = sorted(convs.values(), key=lambda c: c.id)
    _intents_from_requests([c for c in out if not c.intent])
    for c in out:
        if any(ESCALATION_TOOL.search(k.tool) and k.status == "ok" for k in c.calls):
            c.escalated = True
    return out


REQUEST_WORDS = 4
"""A first customer turn with fewer content words (a greeting) is read with the next one."""


def request_of(customer: list[str]) -> str:
    """What the customer asked for: their first turn, with the next when the first is only a
    greeting ("hi there" -> "hi there. I lost my phone")."""
    from convsim.scenarios.mining import STOP, TOKEN

    text = ""
    for turn in customer[:3]:
        text = f"{text}. {turn}" if text else turn
        if sum(w not in STOP for w in TOKEN.findall(text.lower())) >= REQUEST_WORDS:
            break
    return text


def _intents_from_requests(convs: list[_Conv], max_intents: int = 8, seed: int = 0) -> None:
    """Intent names for unlabelled conversations from the customers' requests: TF-IDF and
    k-means over the requests (`mining.cluster_openings`), each cluster named by its two
    most salient words; too few conversations to cluster: each one by its own request's
    first content words."""
    from convsim.scenarios.mining import STOP, TOKEN, cluster_openings, neutral_text

    if not convs:
        return
    requests = [request_of(c.customer) for c in convs]
    labels, _how = cluster_openings(requests, max_intents, seed)
    words = [{w for w in TOKEN.findall(neutral_text(r).lower())
              if w not in STOP and len(w) > 2 and "'" not in w} for r in requests]
    df = Counter(w for ws in words for w in ws)
    named: dict[str, str] = {}
    for label in sorted(set(labels) - {"unlabelled"}):
        members = [ws for ws, lab in zip(words, labels, strict=True) if lab == label]
        inside = Counter(w for ws in members for w in ws)
        # salient: frequent in the cluster, rare outside it (ties: alphabetical)
        ranked = sorted(inside, key=lambda w: (-(inside[w] / len(members))
                                               * np.log(1 + len(requests) / df[w]), w))
        name = "_".join(ranked[:2]) if ranked else "request"
        base, n = name, 2
        while name in named.values():
            name, n = f"{base}_{n}", n + 1
        named[label] = name
    for c, ws, label in zip(convs, words, labels, strict=True):
        c.intent = named.get(label) or "_".join(sorted(ws)[:2]) or "other"


# ----------------------------------------------------------------------------- values


def _norm(value: Any) -> str:
    if isinstance(value, str):
        return " ".join(value.lower().split())
    return json.dumps(value, sort_keys=True)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("-", " ").replace("_", " "))


def _leaves(obj: Any, out: set[str]) -> None:
    if isinstance(obj, dict):
        for v in obj.values():
            _leaves(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _leaves(v, out)
    elif obj is not None:
        out.add(_norm(obj if isinstance(obj, str) else str(obj)))


def _said(value: str, customer_words: set[str]) -> bool:
    """Most words of the value are in the customer's turns (digits also as words)."""
    words = _words(value)
    said = sum(w in customer_words or NUMBER_WORDS.get(w) in customer_words for w in words)
    return bool(words) and said * 2 >= len(words)


def _slug(text: str) -> str:
    return "_".join(_words(re.sub(r"\d+", " ", text))) or "value"


def _humanize_id(ident: str) -> str:
    return " ".join(_words(re.sub(r"\d+", " ", ident)))


def _flatten(arg: str, value: Any) -> list[tuple[str, Any]]:
    """(slot key, value) pairs an argument value says about the customer's request.

    Lists of `{x_id, option}` pairs become one slot per category id
    (`milk-options: Oat Milk` -> milk_options), or, when the ids are instance ids
    (with digits), the argument slot with the humanized ids ("caramel sauce").
    """
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        pairs: list[tuple[str, Any]] = []
        for item in value:
            ids = [k for k in item if k == "id" or k.endswith("_id")]
            rest = [k for k in item if k not in ids and not k.endswith("_name")
                    and isinstance(item[k], str | int | float | bool)]
            if len(ids) != 1 or len(rest) > 1 or not isinstance(item[ids[0]], str):
                continue
            ident, option = item[ids[0]], item[rest[0]] if rest else None
            if re.search(r"\d", ident):
                if option is None or _norm(str(option)) not in OFF_VALUES:
                    pairs.append((arg, _humanize_id(ident)))
            elif option is not None and str(option).strip():
                pairs.append((_slug(ident), " ".join(str(option).split())
                              if isinstance(option, str) else option))
        return pairs
    if isinstance(value, list):
        scalars = [v for v in value if isinstance(v, str | int | float | bool)]
        return [(arg, ", ".join(map(str, scalars)))] if scalars else []
    if isinstance(value, dict):
        return [(arg, value)] if all(not isinstance(v, dict | list) for v in value.values()) else []
    if isinstance(value, str):
        value = " ".join(value.split())
    return [(arg, value)] if value is not None and value != "" else []


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


SAME_ENTITY = 0.5
"""Two argument names whose value sets overlap this much (Jaccard) name the same entity."""


def _entities(values: dict[str, dict[str, set[str]]]) -> dict[str, str]:
    """Argument name -> the name of its entity: names whose values are the same records
    (`account` and `account_number`, both 3+ values) are one entity, named by the name
    the most tools use (then the shortest, then alphabetically)."""
    pooled = {k: set().union(*by_tool.values()) for k, by_tool in values.items()}
    keys = sorted(k for k, v in pooled.items() if len(v) >= 3)
    parent = {k: k for k in keys}

    def root(k: str) -> str:
        while parent[k] != k:
            k = parent[k]
        return k

    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            if _jaccard(pooled[a], pooled[b]) >= SAME_ENTITY:
                parent[root(b)] = root(a)
    groups: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        groups[root(k)].append(k)
    out: dict[str, str] = {}
    for members in groups.values():
        best = min(members, key=lambda k: (-len(values[k]), len(k), k))
        out.update({k: best for k in members})
    return out


def slot_names(convs: list[_Conv], renames: dict[str, str | None]
               ) -> dict[tuple[str, str], str]:
    """(tool, slot key) -> slot name: the key, qualified by the tool when two tools use the
    same argument name for different things (values barely overlap); `renames` maps a
    generated name or `tool.key` to the name wanted."""
    values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for c in convs:
        for call in c.calls:
            for arg, v in call.arguments.items():
                for key, val in _flatten(arg, v):
                    values[key][call.tool].add(_norm(val))
    canonical = _entities(values)
    names: dict[tuple[str, str], str] = {}
    for key, by_tool in values.items():
        if canonical.get(key, key) != key:  # another name of the same entity
            for tool in by_tool:
                names[(tool, key)] = canonical[key]
            continue
        tools = sorted(by_tool)
        shared = len(tools) > 1 and any(
            _jaccard(by_tool[a], by_tool[b]) < 0.2 for a in tools for b in tools if a < b)
        for tool in tools:
            generated = f"{tool}_{key}" if shared else key
            name = renames.get(f"{tool}.{key}", renames.get(generated, generated))
            if name:  # renamed to null: dropped
                names[(tool, key)] = re.sub(r"\W", "_", name)
    return names


def customer_slots(conv: _Conv, names: dict[tuple[str, str], str]) -> dict[str, Any]:
    """What the customer asked for: argument values of the conversation's calls that the
    customer said, or that were not read off an earlier tool result."""
    said = {w for t in conv.customer for w in _words(t)}
    spoken = _norm(" ".join(conv.customer))
    said |= {NUMBER_WORDS[w] for w in list(said) if w in NUMBER_WORDS}
    earlier: set[str] = set()
    found: dict[str, list[Any]] = defaultdict(list)
    for call in conv.calls:
        if call.status == "ok":
            for arg, v in sorted(call.arguments.items()):
                for key, val in _flatten(arg, v):
                    name = names.get((call.tool, key))
                    if not name:
                        continue
                    text = val if isinstance(val, str) else json.dumps(val)
                    if _ID_LIKE.search(text) and len(text) >= 4:  # a record id: known only if said as such
                        known = _norm(text) in spoken
                    else:
                        known = (isinstance(val, str) and _said(val, said)) \
                            or _norm(text) not in earlier
                    if known and _norm(val) not in {_norm(x) for x in found[name]}:
                        found[name].append(val)
        _leaves(call.result, earlier)
    out: dict[str, Any] = {}
    for name in sorted(found):
        vals = found[name]
        out[name] = vals[0] if len(vals) == 1 else " and ".join(map(str, vals))
    return out


# ----------------------------------------------------------------------------- schemas

_TYPE = {str: "string", bool: "boolean", int: "integer", float: "number", list: "array",
         dict: "object"}


def _categorical(values: list[Any]) -> list[Any] | None:
    """The values, if they look like a closed set (few distinct, each repeating)."""
    if not values or not all(isinstance(v, str) for v in values):
        return None
    counts = Counter(_norm(v) for v in values)
    if len(values) < 5 or len(counts) > 12 or len(counts) > len(values) / 3:
        return None
    spelling: dict[str, Counter[str]] = defaultdict(Counter)
    for v in values:
        spelling[_norm(v)][v.strip()] += 1
    return sorted(min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for c in spelling.values())


def _examples(values: list[Any], k: int = 3) -> str:
    counts = Counter(json.dumps(v, sort_keys=True) for v in values)
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return ", ".join(t if len(t) <= 60 else t[:57] + "..." for t, _ in top)


def _value_schema(values: list[Any]) -> dict[str, Any]:
    types = Counter(_TYPE.get(type(v), "string") for v in values)
    kind = sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    schema: dict[str, Any] = {"type": kind}
    if kind == "array":
        items = [i for v in values if isinstance(v, list) for i in v]
        if items:
            schema["items"] = _value_schema(items)
    elif kind == "object":
        objs = [v for v in values if isinstance(v, dict)]
        schema.update(_object_schema(objs, describe=False))
    elif (enum := _categorical(values)) is not None:
        schema["enum"] = enum
    return schema


def _object_schema(calls: list[dict[str, Any]], describe: bool = True) -> dict[str, Any]:
    by_arg: dict[str, list[Any]] = defaultdict(list)
    for args in calls:
        for k, v in args.items():
            by_arg[k].append(v)
    props = {}
    for k in sorted(by_arg):
        props[k] = _value_schema(by_arg[k])
        if describe:
            props[k]["description"] = (f"{k.replace('_', ' ')} (in {len(by_arg[k])} of "
                                       f"{len(calls)} logged calls; e.g. {_examples(by_arg[k])})")
    required = sorted(k for k, v in by_arg.items() if len(v) == len(calls))
    return {"type": "object", "properties": props, "required": required}


# ----------------------------------------------------------------------------- the pack


def _templatize(text: str, slots: dict[str, Any]) -> str:
    """The text with the slot values it contains replaced by `{slot}` (longest first)."""
    out = text.replace("{", "(").replace("}", ")")
    pairs = sorted(((str(v), k) for k, v in slots.items() if isinstance(v, str | int | float)
                    and len(str(v)) >= 2), key=lambda p: (-len(p[0]), p[1]))
    for value, name in pairs:
        out = re.sub(rf"(?<![\w{{]){re.escape(value)}(?=(?:e?s)?(?![\w}}]))", "{" + name + "}", out,
                     count=1, flags=re.IGNORECASE)
    return out


def _humanize(name: str) -> str:
    return " ".join(_words(name)) or name


def _process(seqs: list[tuple[str, list[str]]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    mined = mine_process(seqs)
    proposed = mined.get("proposed_expectations") or {}
    position: dict[str, list[float]] = defaultdict(list)
    for _, seq in seqs:
        for i, t in enumerate(seq):
            position[t].append(i / max(len(seq) - 1, 1))
    required = sorted(proposed.get("required_steps") or [],
                      key=lambda t: (float(np.median(position[t])), t))
    order = [tuple(p) for p in proposed.get("order_constraints") or []]
    steps = [{"name": t, "tools": [t],
              "before": sorted(b for a, b in order if a == t and b in required)}
             for t in required]
    return steps, mined


def _steps_taken(steps: list[dict[str, Any]], conv: _Conv) -> list[dict[str, Any]]:
    """The intent's steps this conversation's agent took: a step its (successful) agent
    did without is not required of the simulated one either."""
    done = {k.tool for k in conv.calls if k.status == "ok"}
    kept = [s for s in steps if set(s["tools"]) & done]
    names = {s["name"] for s in kept}
    return [{**s, "before": [b for b in s["before"] if b in names]} for s in kept]


def adds_later(slots: dict[str, Any], opening: str, later_turns: list[str]) -> list[str]:
    """The slots the real customer did not open with but said in a later turn of its own
    (`later_turns`: those not answering an agent's request, "Can I add Hazelnut?" after "Can
    I get a latte?" ... "Is this correct?"): the simulated customer adds them before agreeing
    to the order (`adds_later`, read by the agenda customer). A value never said (a quantity
    of 1 nobody spoke) is not added; an identity the agent asked for is not an addition."""
    said = {w for t in later_turns for w in _words(t)}
    said |= {NUMBER_WORDS[w] for w in list(said) if w in NUMBER_WORDS}
    return [k for k, v in slots.items() if "{" + k + "}" not in opening
            and isinstance(v, str) and _said(v, said)]


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) \
            else v
    return out


def _slot_defs(convs: list[_Conv], slot_values: dict[str, list[Any]]) -> dict[str, Any]:
    defs: dict[str, Any] = {}
    texts = {c.id: {w for t in c.customer for w in _words(t)} for c in convs}
    for name in sorted(slot_values):
        values = slot_values[name]
        body: dict[str, Any] = {"type": "string"}
        enum = _categorical(values)
        if enum is not None:
            body = {"type": "choice", "values": enum}
        elif values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            body = {"type": "integer"}
        elif values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            body = {"type": "number"}
        # words: the name spaced, plus its own words that the customers use
        spaced = _humanize(name)
        owners = [c for c in convs if name in c.slot_names]
        extra = []
        for w in dict.fromkeys(_words(name)):
            if len(w) < 3 or w in GENERIC_WORDS or w == spaced:
                continue
            share = sum(w in texts[c.id] for c in owners) / max(len(owners), 1)
            if share >= 0.3:
                extra.append(w)
        body["words"] = [spaced, *extra]
        body["description"] = f"{spaced} (e.g. {_examples(values)})"
        defs[name] = body
    return defs


class PackgenConfig(BaseModel):
    """Choices of `pack_from_transcripts` (YAML: `convsim domain from-transcripts --config`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    description: str = ""
    """One line for `convsim domains` (default: says what the pack was built from)."""
    max_templates: int = Field(40, ge=1)
    """Scenario templates per intent (a seeded sample of its successful conversations)."""
    max_openings: int = Field(40, ge=1)
    """Real openings kept per intent in the utterances."""
    seed: int = 0
    """Seed of the samples."""
    slot_names: dict[str, str | None] = Field(default_factory=dict)
    """Generated slot name, or `tool.argument`, -> the name wanted; null drops the slot."""
    domain: dict[str, Any] = Field(default_factory=dict)
    """Merged into domain.yaml last (mappings deep, other values replaced): words, policy..."""


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def pack_from_transcripts(transcripts: Sequence[str | Path], out: str | Path, name: str,
                          config: PackgenConfig | None = None) -> dict[str, Any]:
    """Write a pack folder (domain.yaml + tool_responses.jsonl) to `out`; return a summary.

    Args:
        transcripts: folders written by `convsim ingest`.
        out: the pack folder (created; the two files are overwritten).
        name: the pack's name.
        config: samples, slot renames and domain.yaml overrides (see `PackgenConfig`).

    Raises:
        PackgenError: a folder is not ingested transcripts, or no conversation logged a call.
    """
    config = config or PackgenConfig()
    convs = read_conversations(transcripts)
    with_calls = [c for c in convs if c.calls]
    if not with_calls:
        raise PackgenError(f"no logged tool calls in {', '.join(map(str, transcripts))} "
                           f"({len(convs)} conversations): a pack needs transcripts whose "
                           "agent's tool calls were logged")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = slot_names(with_calls, config.slot_names)

    # tool_responses.jsonl: every logged call, in conversation order
    lines = []
    for c in with_calls:
        for call in c.calls:
            entry: dict[str, Any] = {"tool": call.tool, "arguments": call.arguments,
                                     "result": call.result}
            if call.status != "ok":
                entry["status"] = "error" if call.status == "error" else call.status
            lines.append(json.dumps(entry, sort_keys=True, ensure_ascii=False))
    (out / RESPONSES_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")

    # tools: schemas from the arguments seen in ok calls
    by_tool: dict[str, list[_Call]] = defaultdict(list)
    for c in with_calls:
        for call in c.calls:
            by_tool[call.tool].append(call)
    conv_count = Counter(t for c in with_calls for t in {k.tool for k in c.calls})
    tools: dict[str, Any] = {}
    for tool in sorted(by_tool):
        calls = by_tool[tool]
        ok_args = [k.arguments for k in calls if k.status == "ok"] or [k.arguments for k in calls]
        body: dict[str, Any] = {
            "description": f"{_humanize(tool).capitalize()} (replayed from {len(calls)} logged "
                           f"calls in {conv_count[tool]} conversations).",
            "do": "replay", "parameters": _object_schema(ok_args)}
        if ESCALATION_TOOL.search(tool):
            body["escalation"] = True
        tools[tool] = body

    # per conversation: the customer's slots
    slot_values: dict[str, list[Any]] = defaultdict(list)
    per_conv: dict[str, dict[str, Any]] = {}
    for c in with_calls:
        per_conv[c.id] = customer_slots(c, names)
        c.slot_names = set(per_conv[c.id])
        for k, v in per_conv[c.id].items():
            slot_values[k].append(v)

    rng = np.random.default_rng(config.seed)
    intents: dict[str, list[_Conv]] = defaultdict(list)
    for c in with_calls:
        intents[c.intent].append(c)
    total = len(with_calls)
    scenarios: list[dict[str, Any]] = []
    utterances: dict[str, list[str]] = {}
    summary_intents: dict[str, Any] = {}
    for intent in sorted(intents):
        members = intents[intent]
        good = [c for c in members if c.outcome is None or c.outcome in GOOD_OUTCOMES] or members
        seqs = [(c.id, list(dict.fromkeys(k.tool for k in c.calls if k.status == "ok")))
                for c in good]
        steps, _mined = _process([s for s in seqs if s[1]])
        usable = [c for c in good if c.customer]
        picked = sorted(rng.choice(len(usable), size=min(config.max_templates, len(usable)),
                                   replace=False).tolist()) if usable else []
        weight = round(len(members) / total / max(len(picked), 1), 6)
        for i in picked:
            c = usable[i]
            slots = per_conv[c.id]
            opening = _templatize(c.customer[0], slots)
            later = adds_later(slots, opening, [t for t, asked in zip(
                c.customer[1:], c.prompted[1:], strict=False) if not asked])
            if later:
                slots = {**slots, "adds_later": later}
            scenarios.append({
                "intent": intent, "weight": weight,
                "goal": f"{_humanize(intent).capitalize()}: {opening}",
                "opening": [opening], "slots": slots,
                "expectations": {"process": _steps_taken(steps, c),
                                 "escalation_expected": c.escalated},
                "difficulty": "easy" if len(c.calls) <= 4 else "medium",
                "tags": ["from_transcripts", f"source:{c.id}"]})
        openings = sorted({_templatize(c.customer[0], per_conv[c.id]) for c in members
                           if c.customer})
        if len(openings) > config.max_openings:
            openings = sorted(openings[i] for i in rng.choice(len(openings),
                                                              size=config.max_openings,
                                                              replace=False).tolist())
        if openings:
            utterances[f"open_{intent}"] = openings
        summary_intents[intent] = {"conversations": len(members), "templates": len(picked),
                                   "required_steps": [s["name"] for s in steps]}

    domain: dict[str, Any] = {
        "name": name,
        "description": config.description or (
            f"Built from {total} transcripts with logged tool calls ({len(by_tool)} tools, "
            f"{len(lines)} calls); tools answer with the logged responses."),
        "replay": RESPONSES_FILE,
        "tools": tools,
        "slots": _slot_defs(with_calls, slot_values),
        "scenarios": scenarios,
        "utterances": utterances,
    }
    if config.domain:
        domain = _deep_merge(domain, config.domain)
    (out / "domain.yaml").write_text(
        yaml.dump(domain, Dumper=_NoAliases, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8")
    try:  # what was written must load (overrides can break it)
        load_domain_folder(out)
    except PackError as exc:
        raise PackgenError(f"the pack written to {out} does not load: {exc}") from None
    return {"name": name, "out": str(out), "conversations": len(convs),
            "conversations_with_calls": total, "calls": len(lines),
            "tools": {t: len(by_tool[t]) for t in sorted(by_tool)},
            "slots": sorted(domain["slots"]), "intents": summary_intents,
            "scenario_templates": len(scenarios),
            "files": sorted(p.name for p in out.iterdir() if p.name in (RESPONSES_FILE,
                                                                         "domain.yaml"))}
