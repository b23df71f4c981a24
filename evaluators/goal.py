"""Goal completion: the backend ended in the expected state and the customer was told.

Compares dotted paths of the sandbox's final state with the scenario's expected
values (e.g. `orders.#W123.status == cancelled`), and checks that values the
agent must communicate appear in an agent turn.
"""

from __future__ import annotations

from typing import Any

from convsim.simulator.records import Conversation, Scenario, Score
from convsim.simulator.registry import evaluator

_MISSING = object()


def lookup(state: dict[str, Any], path: str) -> Any:
    node: Any = state
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


class GoalEvaluator:
    name = "goal"

    def evaluate(self, conversation: Conversation, scenario: Scenario) -> list[Score]:
        exp = scenario.expectations
        if not exp.final_state and not exp.must_communicate:
            return [Score(conversation_id=conversation.id, evaluator=self.name, metric="goal",
                          status="not_applicable",
                          rationale="scenario states no expected final state or message")]
        problems = []
        for path, want in exp.final_state.items():
            got = lookup(conversation.final_state, path)
            if got is _MISSING:
                got = None
            if got != want:
                problems.append(f"{path} is {got!r}, expected {want!r}")
        agent_text = " ".join(t.text.lower() for t in conversation.turns if t.role == "agent")
        for value in exp.must_communicate:
            if value.lower() not in agent_text:
                problems.append(f"agent never said {value!r}")
        checks = max(1, len(exp.final_state) + len(exp.must_communicate))
        return [Score(conversation_id=conversation.id, evaluator=self.name, metric="goal",
                      value=round(1 - len(problems) / checks, 4), passed=not problems,
                      rationale="; ".join(problems) or f"goal met: {scenario.goal}")]


@evaluator("goal")
def make() -> GoalEvaluator:
    return GoalEvaluator()
