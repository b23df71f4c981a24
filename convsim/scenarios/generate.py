"""Scenarios for any domain pack: from its templates, its own generator, or a mined catalog.

`scenario_stream(domain, config, seed)` is what campaigns call (through the
registry): the scenarios made one at a time as the plan pulls them, never all
held; `generate_scenarios` is the same as a list (`convsim scenarios generate`). The intent mix is
the config's, else a catalog's (mined from the team's transcripts), else the
pack's template weights. An intent the pack has no template for becomes:
- a mined scenario when the catalog learned its process from the pack's own
  tools (required steps and order constraints, escalation from the outcomes);
- else an out-of-scope scenario that must be escalated, if the pack has a
  transfer tool; else it is left out (and said so in the provenance).
Sampling is by quotas (see `_allocate`): the shares asked for are the shares drawn.
Deterministic: scenario i draws from `[seed, 0x5CE, i]` alone, so it is made without
the others.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sized
from typing import Any

import numpy as np
from faker import Faker

from convsim.core.catalog import CatalogError, load_catalog
from convsim.core.config import ConfigError, ScenarioGenConfig
from convsim.core.packs.model import Domain, ScenarioTemplate, fill, get_path
from convsim.core.records import Expectations, ProcessStep, Scenario, stable_hash
from convsim.core.registry import generator
from convsim.core.seeded_faker import seeded_faker

_LEFTOVER = re.compile(r"\{(?:customer|pick)\.[\w.]+\}|\{[a-z_]+\.[\w.]+\}")
ESCALATED_OUTCOMES = ("transferred", "escalated", "handoff", "transfer")


class ScenarioGenError(ConfigError):
    """Scenarios cannot be generated (catalog/pack mismatch, empty table...)."""


def _pick_row(domain: Domain, table: str, where: dict[str, Any], rng: np.random.Generator,
              what: str) -> tuple[str, dict[str, Any]]:
    rows = domain.tables.get(table) or {}
    matches = [k for k in sorted(rows) if all(
        str(get_path(rows[k], f)).lower() == str(v).lower() if not isinstance(v, list)
        else get_path(rows[k], f) in v for f, v in where.items())]
    if not matches:
        raise ScenarioGenError(f"domain {domain.name}: {what}: no row of {table!r} matches {where}")
    key = matches[int(rng.integers(len(matches)))]
    return key, rows[key]


def _slot_value(spec: Any, ctx: dict[str, Any], rng: np.random.Generator, fake: Faker) -> Any:
    if isinstance(spec, dict) and set(spec) == {"choice"}:
        options = fill(spec["choice"], ctx)
        return options[int(rng.integers(len(options)))]
    if isinstance(spec, dict) and set(spec) == {"faker"}:
        provider, _, arg = str(spec["faker"]).partition(":")
        method = getattr(fake, provider)
        return method(arg) if arg else method()
    return fill(spec, ctx)


def from_template(domain: Domain, t: ScenarioTemplate, rng: np.random.Generator,
                  fake: Faker) -> tuple[dict[str, Any], str, Expectations]:
    """(slots, goal, expectations) for one template draw."""
    ctx: dict[str, Any] = {}
    slots: dict[str, Any] = {}
    if t.customer is not None:
        key, row = _pick_row(domain, t.customer.table, t.customer.where, rng, f"{t.intent}.customer")
        ctx["customer"] = row
        if domain.binding is not None:
            slots[domain.binding.slot] = key
            ctx[domain.binding.slot] = key
    for name, pick in t.picks.items():
        key, row = _pick_row(domain, pick.table, fill(pick.where, ctx), rng, f"{t.intent}.{name}")
        ctx[name] = {**row, "_key": key}
        ctx.setdefault("pick", {})[name] = ctx[name]
    for name, spec in t.slots.items():
        slots[name] = ctx[name] = _slot_value(spec, ctx, rng, fake)
    if t.opening:
        slots["opening"] = fill(t.opening[int(rng.integers(len(t.opening)))], ctx)
    if t.unknown:
        slots["unknown"] = list(t.unknown)
    expectations = Expectations.model_validate(fill(t.expectations.model_dump(), ctx))
    goal = str(fill(t.goal, ctx))
    said = goal + " " + str(slots.get("opening", ""))
    left = sorted(set(_LEFTOVER.findall(json.dumps([slots, goal, expectations.model_dump()])))
                  | set(re.findall(r"\{[A-Za-z_]\w*\}", said)))
    if left:
        raise ScenarioGenError(f"domain {domain.name}: scenario template {t.intent!r}: "
                               f"{', '.join(left)} could not be filled (known: "
                               f"{', '.join(sorted(ctx)) or 'nothing'})")
    return slots, goal, expectations


def _mined_expectations(domain: Domain, info: dict[str, Any],
                        step_groups: dict[str, list[str]]) -> Expectations | None:
    """The mined process among the pack's tools (a step group names its real tools), in the
    mined order; escalation when most conversations ended with a human or called a transfer."""
    proposed = ((info.get("process") or {}).get("proposed_expectations") or {})
    tools_of = {s: [t for t in step_groups.get(s, [s]) if t in domain.tools]
                for s in proposed.get("required_steps") or []}
    steps = [s for s, tools in tools_of.items() if tools]
    if not steps:
        return None
    after: dict[str, list[str]] = {}
    for first, then in proposed.get("order_constraints") or []:
        if first in steps and then in steps:
            after.setdefault(first, []).append(then)
    ordered: list[str] = []
    while len(ordered) < len(steps):  # earliest first: a step no remaining step must precede
        ready = [s for s in steps if s not in ordered
                 and not any(s in after.get(o, []) for o in steps if o not in ordered)]
        ordered.append((ready or [s for s in steps if s not in ordered])[0])
    outcomes = Counter({str(k): v for k, v in (info.get("outcomes") or {}).items()})
    top = outcomes.most_common(1)[0][0] if outcomes else ""
    escalates = top in ESCALATED_OUTCOMES or any(
        t in domain.escalation_tools for s in steps for t in tools_of[s])
    return Expectations(process=[ProcessStep(name=s, tools=tools_of[s], before=after.get(s, []))
                                 for s in ordered],
                        escalation_expected=escalates)


def _escalation_expectations(domain: Domain) -> Expectations:
    return Expectations(
        process=[ProcessStep(name="transfer", tools=domain.escalation_tools)],
        escalation_expected=True,
        forbidden_tools=[n for n, t in domain.tools.items()
                         if not t.escalation and t.kind != "replay"
                         and any(w in n for w in ("cancel", "delete", "update", "modify",
                                                  "change", "suspend", "refund"))])


def quotas(weights: dict[str, float], n: int, rng: np.random.Generator) -> dict[str, int]:
    """`n` split in proportion to `weights` (largest remainder; ties broken by `rng`): every
    key gets floor(n * share) and the remainder goes to the largest fractions."""
    keys = [k for k in sorted(weights) if weights[k] > 0]
    if not keys or n <= 0:
        return {k: 0 for k in keys}
    total = sum(weights[k] for k in keys)
    exact = {k: n * weights[k] / total for k in keys}
    out = {k: int(exact[k]) for k in keys}
    tiebreak = {k: float(x) for k, x in zip(keys, rng.random(len(keys)), strict=True)}
    for k in sorted(keys, key=lambda k: (-(exact[k] - out[k]), tiebreak[k]))[:n - sum(out.values())]:
        out[k] += 1
    return out


def _allocate(plan: dict[str, tuple[str, Any]], mix: dict[str, float],
              config: ScenarioGenConfig, seed: int) -> tuple[list[tuple[str, int]], np.ndarray]:
    """(intent, template index) of each of the `config.n` scenarios, in a seeded order: the
    distinct draws, and per scenario the index of its draw (a compact array, 4 bytes a
    scenario, so a million scenarios are planned without a million tuples).

    Quotas, not independent draws, so a sample of 40 holds the shares it is asked for:
    proportional follows the intent mix, stratified gives every intent the same quota
    (within one of each other); inside an intent the templates share its quota by their
    `weight` (equally with `stratify: template`).
    """
    rng = np.random.default_rng([seed, 0x5CE, 0xA110C])
    intent_weights = {i: float(mix[i] > 0) if config.strategy == "stratified" else float(mix[i])
                      for i in plan}
    if not any(intent_weights.values()):
        intent_weights = {i: 1.0 for i in plan}
    kinds: list[tuple[str, int]] = []
    counts: list[int] = []
    for intent, count in quotas(intent_weights, config.n, rng).items():
        kind, payload = plan[intent]
        if kind != "template":
            kinds.append((intent, 0))
            counts.append(count)
            continue
        equal = config.strategy == "stratified" and config.stratify == "template"
        by_template = {str(j): 1.0 if equal else float(t.weight) for j, t in enumerate(payload)}
        if not any(by_template.values()):
            by_template = {str(j): 1.0 for j in range(len(payload))}
        for j, m in quotas(by_template, count, rng).items():
            kinds.append((intent, int(j)))
            counts.append(m)
    draws = np.repeat(np.arange(len(kinds), dtype=np.int32), counts)
    order = rng.permutation(len(draws))
    return kinds, draws[order]


class ScenarioStream:
    """A campaign's scenarios, made one at a time as they are iterated (never all held):
    `len()` is known up front, every iteration makes the same scenarios in the same order."""

    def __init__(self, count: int, make: Callable[[], Iterable[Scenario]],
                 first: Iterable[Scenario] | None = None) -> None:
        self._count = count
        self._make = make
        self._first = first

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Scenario]:
        made, self._first = self._first, None  # a pack generator's first call is reused once
        n = 0
        for scenario in made if made is not None else self._make():
            n += 1
            yield scenario
        if n != self._count:
            raise ScenarioGenError(f"the scenario generator made {n} scenarios, not the "
                                   f"{self._count} asked for (scenarios.n)")


def _generation(domain: Domain, config: ScenarioGenConfig
                ) -> tuple[dict[str, Any], dict[str, list[str]], dict[str, float]]:
    """The catalog's intents and step groups, and the intent mix (config, else catalog)."""
    catalog_intents: dict[str, Any] = {}
    step_groups: dict[str, list[str]] = {}
    mix = dict(config.intents or {})
    if config.catalog:
        try:
            catalog = load_catalog(config.catalog)
        except CatalogError as exc:
            raise ScenarioGenError(str(exc)) from None
        mined_for = catalog.data.get("domain")
        if mined_for and mined_for != domain.name:
            raise ScenarioGenError(
                f"catalog {config.catalog} was mined for domain {mined_for!r}, but the scenarios "
                f"are for {domain.name!r}: mine the {domain.name} transcripts, or set "
                f"scenarios.domain: {mined_for}")
        catalog_intents = dict(catalog.data.get("intents") or {})
        step_groups = dict(catalog.data.get("step_groups") or {})
        mix = mix or catalog.intent_mix
    return catalog_intents, step_groups, mix


@generator("scenario_stream")
def scenario_stream(domain: Domain, config: ScenarioGenConfig, seed: int) -> ScenarioStream:
    """`config.n` scenarios of the pack, deterministically for `seed`, made lazily: what
    campaigns plan from. A pack's own generator may return a list or yield its scenarios
    (then it must yield `config.n`)."""
    catalog_intents, step_groups, mix = _generation(domain, config)
    if domain.generate is not None:
        pack_generate = domain.generate
        made = pack_generate(config, seed, mix or None)
        if isinstance(made, Sized):
            return ScenarioStream(len(made), lambda: made, None)
        return ScenarioStream(config.n, lambda: pack_generate(config, seed, mix or None), made)
    templates: dict[str, list[ScenarioTemplate]] = {}
    for t in domain.scenarios:
        templates.setdefault(t.intent, []).append(t)
    mix = mix or domain.intent_weights()
    if not mix:
        raise ScenarioGenError(f"domain {domain.name} has no scenario templates and no catalog "
                               "was given: add scenarios to the pack or mine transcripts")
    plan: dict[str, tuple[str, Any]] = {}
    for intent in mix:
        if intent in templates:
            plan[intent] = ("template", templates[intent])
        elif (exp := _mined_expectations(domain, catalog_intents.get(intent) or {},
                                         step_groups)) is not None:
            plan[intent] = ("mined", exp)
        elif domain.escalation_tools:
            plan[intent] = ("out_of_scope", _escalation_expectations(domain))
    left_out = sorted(set(mix) - set(plan))
    if not plan:
        raise ScenarioGenError(f"domain {domain.name}: none of the intents {sorted(mix)} has a "
                               "template, a mined process with the pack's tools, or a transfer tool")
    kinds, draws = _allocate(plan, mix, config, seed)

    def make() -> Iterator[Scenario]:
        for i in range(config.n):
            intent, which = kinds[int(draws[i])]
            yield _scenario(domain, config, seed, plan, left_out, i, intent, which)

    return ScenarioStream(config.n, make)


def _scenario(domain: Domain, config: ScenarioGenConfig, seed: int,
              plan: dict[str, tuple[str, Any]], left_out: list[str], i: int, intent: str,
              which: int) -> Scenario:
    """Scenario `i` of the pack's templates (its own rng: `[seed, 0x5CE, i]`)."""
    intents = sorted(plan)
    rng = np.random.default_rng([seed, 0x5CE, i])
    fake = seeded_faker("en_US", int(rng.integers(2**31)))
    kind, payload = plan[intent]
    tags: list[str] = []
    difficulty = "easy"
    if kind == "template":
        t = payload[which]
        slots, goal, expectations = from_template(domain, t, rng, fake)
        tags, difficulty = list(t.tags), t.difficulty
        scenario_intent = intent
    else:
        slots, expectations = {"opening_intent": intent}, payload
        if domain.binding is not None and domain.binding.table in domain.tables:
            key, _ = _pick_row(domain, domain.binding.table, {}, rng, intent)
            slots[domain.binding.slot] = key
        goal = f"Get help with: {intent.replace('_', ' ')}"
        scenario_intent = intent if kind == "mined" else "out_of_scope"
        tags = ["mined"] if kind == "mined" else ["escalation"]
    if domain.binding is not None and domain.binding.identify:
        ways = sorted(domain.binding.identify)
        slots.setdefault("identify_with", ways[int(rng.integers(len(ways)))])
    if config.strategy == "stratified" and rng.random() < config.edge_case_rate:
        case = ["wrong_info", "change_mind"][int(rng.integers(2))]
        # a first request that must be escalated would be handed over before the change
        others = [o for o in intents if o != intent and plan[o][0] == "template"
                  and not plan[o][1][0].expectations.escalation_expected]
        if case == "change_mind" and others:
            other = plan[others[int(rng.integers(len(others)))]][1][0]
            other_slots, other_goal, _ = from_template(domain, other, rng, fake)
            slots["first_request"] = other_slots.get("opening") or other_goal
            tags.append("change_mind")
        else:
            slots["wrong_info_first"] = True
            tags.append("wrong_info")
        difficulty = "medium"
    content = {"domain": domain.name, "intent": scenario_intent, "slots": slots, "goal": goal}
    return Scenario(
        id=f"s-{scenario_intent}-{stable_hash({**content, 'index': i}, 10)}", domain=domain.name,
        intent=scenario_intent, goal=goal, slots=slots, expectations=expectations,
        difficulty=difficulty, tags=tags,
        provenance={"generator": f"{kind} ({domain.name} pack)", "seed": seed, "index": i,
                    "strategy": config.strategy, "catalog": config.catalog,
                    "intents_left_out": left_out})


@generator("scenarios")
def generate_scenarios(domain: Domain, config: ScenarioGenConfig, seed: int) -> list[Scenario]:
    """`config.n` scenarios of the pack, deterministically for `seed` (a list; campaigns
    use the lazy `scenario_stream`)."""
    return list(scenario_stream(domain, config, seed))
