"""Required disclosures: statements the agent must make before a given action.

A disclosure tied to a tool must appear in an agent turn at or before the turn
of the first successful call to that tool; when the action never happened the
disclosure does not apply (not_applicable, neither pass nor fail). A disclosure is
recognised by its regular expressions (`patterns`) or, when written as a meaning with
examples, by `convsim.evaluators.meanings` (a sentence close to one example, with the same
kinds of figures); either is enough.
"""

from __future__ import annotations

import re
from typing import Any

from convsim.core.records import Conversation, Disclosure, Scenario, Score
from convsim.core.registry import evaluator
from convsim.evaluators.meanings import matcher
from convsim.evaluators.process import first_ok_call


def stated(disc: Disclosure, text: str) -> str | None:
    """How `text` states the disclosure ("pattern ..." or "like the example ..."), or None."""
    for pattern in disc.patterns:
        if re.search(pattern, text, re.IGNORECASE):
            return f"pattern {pattern!r}"
    if disc.examples:
        match = matcher(tuple(disc.examples), tuple(disc.not_examples)).find(text)
        if match is not None:
            return (f"{match.sentence!r} says it like the example {match.example!r} "
                    f"(closeness {match.closeness:.2f})")
    return None


class DisclosuresEvaluator:
    name = "disclosures"

    def evaluate(self, conversation: Conversation, scenario: Scenario) -> list[Score]:
        scores = []
        for disc in scenario.expectations.disclosures:
            metric = f"disclosure:{disc.name}"
            limit = len(conversation.turns)
            if disc.before_tool is not None:
                call = first_ok_call(conversation.tool_calls, [disc.before_tool])
                if call is None:
                    scores.append(Score(
                        conversation_id=conversation.id, evaluator=self.name, metric=metric,
                        status="not_applicable",
                        rationale=f"'{disc.before_tool}' never happened"))
                    continue
                # The agent turn that carried out the call may state it in the same reply
                # only if the statement came before the call; a later turn is too late.
                limit = call.turn_index
            hit, how = None, None
            for turn in conversation.turns[:limit]:
                how = stated(disc, turn.text) if turn.role == "agent" else None
                if how is not None:
                    hit = turn.index
                    break
            where = f" before '{disc.before_tool}'" if disc.before_tool else ""
            said = f" ({disc.meaning})" if disc.meaning else ""
            scores.append(Score(
                conversation_id=conversation.id, evaluator=self.name, metric=metric,
                value=1.0 if hit is not None else 0.0, passed=hit is not None,
                rationale=(f"stated at turn {hit}{where}: {how}" if hit is not None
                           else f"'{disc.name}'{said} not stated{where}"),
                evidence=[hit] if hit is not None else [limit] if limit < len(
                    conversation.turns) else []))
        if not scores:
            scores.append(Score(conversation_id=conversation.id, evaluator=self.name,
                                metric="disclosures", status="not_applicable",
                                rationale="scenario requires no disclosure"))
        return scores


@evaluator("disclosures")
def make(**_: Any) -> DisclosuresEvaluator:
    return DisclosuresEvaluator()
