"""An evaluator: does the agent greet the customer in its first message?"""

from __future__ import annotations

import re

from convsim import Conversation, Scenario, Score

GREETING = re.compile(r"\b(hi|hello|good (morning|afternoon|evening)|welcome)\b", re.I)


class GreetingEvaluator:
    name = "greeting"

    def evaluate(self, conversation: Conversation, scenario: Scenario) -> list[Score]:
        first = next(((i, t) for i, t in enumerate(conversation.turns) if t.role == "agent"),
                     None)
        if first is None:
            return [Score(conversation_id=conversation.id, evaluator=self.name,
                          metric="greeting", rationale="the agent never spoke")]
        index, turn = first
        passed = bool(GREETING.search(turn.text))
        return [Score(conversation_id=conversation.id, evaluator=self.name, metric="greeting",
                      value=float(passed), passed=passed, evidence=[index],
                      rationale="greets the customer" if passed else
                      f"first agent message does not greet: {turn.text[:80]!r}")]
