"""The evaluators' per-conversation set-up, made cheaper, reads the same sources as before.

- truthfulness: the pack's part of its sources (policy, tool descriptions, price lists) is
  built once per Domain; it equals the sources built the old way from scratch, and a scenario
  carrying its own price list is still read (its figures, not the pack's);
- goal: with nothing to replay the initial state is read without a copy; no reader changes
  it (a state that refuses every change is read as a plain one), and a replayed call's change
  does not leak into the next conversation or the pack's fixtures.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
from pathlib import Path
from typing import Any

import pytest

from convsim.core.packs.discovery import find_domain
from convsim.core.packs.model import Domain
from convsim.core.records import ProcessStep, Scenario
from convsim.evaluators import truthfulness as tr
from convsim.evaluators.goal import GoalEvaluator

_spec = importlib.util.spec_from_file_location("eval_builders", Path(__file__).with_name("builders.py"))
b = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(b)  # type: ignore[union-attr]

PACKS = ("retail", "telecom", "coffee")


def _old_sources(scenario: Scenario, domain: Domain) -> tuple[list[tuple[str, frozenset[float]]],
                                                              set[float]]:
    """The sources as `_Sources.__init__` built them before the cache: everything per call."""
    exp = scenario.expectations
    facts = " ".join([scenario.goal, str(scenario.slots), str(exp.final_state),
                      " ".join(exp.must_communicate)])
    fixed = [("the scenario's facts (goal, slots, expected values)", tr._find_numbers(facts))]
    money = set(tr._money(facts))
    described = " ".join(t.spec.description for t in domain.tools.values())
    fixed.append(("the pack's policy and tool descriptions",
                  tr._find_numbers(domain.policy) | tr._find_numbers(described)))
    money |= tr._money(domain.policy) | tr._money(described)
    tables = [t for t, rows in sorted(domain.tables.items())
              if tr._PRICE_LIST.search(t) and isinstance(rows, dict)
              and len(rows) <= tr._PRICE_LIST_ROWS]
    state = scenario.initial_state or {}
    for name in tables:
        rows = state.get(name) if isinstance(state.get(name), dict) else domain.tables[name]
        fixed.append((f"the pack's price list ({name})", tr._find_numbers(str(rows))))
        money |= tr._find_numbers(str(rows))
    return fixed, money


def _own_plans(domain: Domain) -> dict[str, Any]:
    plans = copy.deepcopy(domain.tables["plans"])
    first = sorted(plans)[0]
    plans[first]["price_per_month"] = 77.77
    return {"plans": plans}


@pytest.mark.parametrize("pack", PACKS)
def test_the_cached_pack_part_equals_one_built_afresh(pack: str) -> None:
    domain = find_domain(pack)
    scenarios = [b.scenario(pack, "any"),
                 b.scenario(pack, "any", initial_state={"notes": {"a": 1}},
                            final_state={"x.y.z": 12.5}, must_communicate=["$9.99"])]
    if "plans" in domain.tables:
        scenarios.append(b.scenario(pack, "any", initial_state=_own_plans(domain)))
    for scen in scenarios:
        for _ in range(2):  # the second built from the cache the first left on the Domain
            got = tr._Sources(scen, domain)
            fixed, money = _old_sources(scen, domain)
            assert got.fixed == fixed and got.money == money
    assert "_truthfulness_sources" in domain.__dict__
    # A fresh Domain (same fields, no cache) builds the same pack part.
    fresh = dataclasses.replace(domain)
    assert "_truthfulness_sources" not in fresh.__dict__
    assert tr._pack_sources(fresh) == tr._pack_sources(domain)


def test_a_scenario_with_its_own_price_list_is_still_read() -> None:
    domain = find_domain("telecom")
    own = b.scenario("telecom", "ask_price", initial_state=_own_plans(domain))
    plain = b.scenario("telecom", "ask_price")
    quote = b.conversation(("customer", "how much is the basic plan?"),
                           ("agent", "The Basic Plan is $77.77 a month."))
    pack_price = b.conversation(("customer", "how much is the basic plan?"),
                                ("agent", "The Basic Plan is $40.00 a month."))
    for _ in range(2):  # in either order, the cache holds the pack's rows only
        assert b.scores("truthfulness", quote, own)["truthfulness"].passed is True
        assert b.scores("truthfulness", quote, plain)["truthfulness"].passed is False
        assert b.scores("truthfulness", pack_price, plain)["truthfulness"].passed is True
        # the scenario's rows replace the pack's for that table: $40 no longer listed there
        assert b.scores("truthfulness", pack_price, own)["truthfulness"].passed is False
    assert 77.77 not in dict(tr._pack_sources(domain).price_lists)["plans"]


class _ReadOnlyDict(dict):
    def _refuse(self, *_: Any, **__: Any) -> None:
        raise AssertionError("a reader changed the initial state")

    __setitem__ = __delitem__ = update = pop = popitem = setdefault = clear = _refuse  # type: ignore[assignment]
    __ior__ = _refuse  # type: ignore[assignment]


class _ReadOnlyList(list):
    def _refuse(self, *_: Any, **__: Any) -> None:
        raise AssertionError("a reader changed the initial state")

    __setitem__ = __delitem__ = append = extend = insert = pop = remove = clear = _refuse
    sort = reverse = __iadd__ = _refuse  # type: ignore[assignment]


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return _ReadOnlyDict({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return _ReadOnlyList(_frozen(v) for v in value)
    return value


def _refuel_scenario(domain: Domain) -> Scenario:
    return b.scenario("telecom", "refuel_data", initial_state=copy.deepcopy(domain.tables),
                      final_state={"lines.L1001.data_refueling_gb": 2.0},
                      process=[ProcessStep(name="refuel", tools=["refuel_data"])])


def test_with_nothing_to_replay_no_reader_changes_the_initial_state() -> None:
    domain = find_domain("telecom")
    scen = _refuel_scenario(domain)
    frozen = _frozen(scen.initial_state)
    with pytest.raises(AssertionError):  # the guard works: a change is refused
        frozen["lines"]["L1001"]["status"] = "Suspended"
    changed = copy.deepcopy(scen.initial_state)
    changed["lines"]["L1001"]["status"] = "Suspended"
    for final in (scen.initial_state, changed):
        # no call, a failed call of the process tool, a call of another tool: nothing replayed
        for calls in ((), (b.call("refuel_data", "error", {"error": "no"}, customer_id="C1001",
                                  line_id="L1001", gb_amount=2.0),),
                      (b.call("suspend_line", customer_id="C1001", line_id="L1001"),)):
            conv = b.conversation(("customer", "hi"), ("agent", "Hello.", *calls),
                                  final_state=copy.deepcopy(final))
            plain = GoalEvaluator._side_effects(conv, scen, domain, scen.initial_state)
            assert GoalEvaluator._side_effects(conv, scen, domain, frozen) == plain
            assert plain == ([] if final is scen.initial_state
                             else ["lines.L1001.status"])
        # the pack's fixtures as the initial state (a scenario without its own)
        bare = b.scenario("telecom", "refuel_data",
                          final_state={"lines.L1001.data_refueling_gb": 2.0},
                          process=[ProcessStep(name="refuel", tools=["refuel_data"])])
        frozen_pack = dataclasses.replace(domain, tables=_frozen(domain.tables))
        conv = b.conversation(("customer", "hi"), ("agent", "Hello."),
                              final_state=copy.deepcopy(final))
        assert GoalEvaluator._side_effects(conv, bare, frozen_pack, frozen_pack.tables) == \
            GoalEvaluator._side_effects(conv, bare, domain, domain.tables)


def test_a_replayed_change_does_not_leak_into_the_next_conversation() -> None:
    domain = find_domain("telecom")
    tables = copy.deepcopy(domain.tables)
    scen = _refuel_scenario(domain)
    initial = copy.deepcopy(scen.initial_state)
    refuelled = copy.deepcopy(initial)
    refuelled["lines"]["L1001"]["data_refueling_gb"] = 2.0
    refuel = b.call("refuel_data", customer_id="C1001", line_id="L1001", gb_amount=2.0)
    untouched = b.conversation(("customer", "hi"), ("agent", "Hello."),
                               final_state=copy.deepcopy(initial))
    before = b.scores("goal", untouched, scen)["goal"]
    done = b.conversation(("customer", "add 2 GB"), ("agent", "Done: 2 GB added.", refuel),
                          final_state=refuelled)
    b.scores("goal", done, scen)  # replays refuel_data on a copy
    assert scen.initial_state == initial and domain.tables == tables
    after = b.scores("goal", untouched, scen)["goal"]
    assert after == before
    # the untouched conversation is judged against the unchanged state: its final state, had
    # the refuel leaked into the initial one, would show no change; here the missing refuel
    # is the problem and nothing else changed
    assert "unexpected change" not in after.rationale and after.passed is False
