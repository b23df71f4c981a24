"""acme_hang_up: the agent says goodbye and ends the conversation after its first answer
(a defect Acme once shipped: a timeout setting that closed chats after one reply)."""

from __future__ import annotations

from typing import Any

from convsim.core.records import AgentReply
from convsim.simulator.mutations import MutantContext, MutationOperator, PackFacts, Reply

GOODBYE = "Thank you for contacting us. Goodbye."


class HangUp(MutationOperator):
    name = "acme_hang_up"
    description = "ends the conversation after its first answer"
    evaluators = ("goal",)
    metrics = ("goal", "process")

    def fires_on_reply(self, reply: Reply, facts: PackFacts, state: dict[str, Any]) -> bool:
        state["replies"] = state.get("replies", 0) + 1
        return state["replies"] == 2 and not (reply.handoff or reply.end)

    async def mutate_reply(self, reply: Reply, ctx: MutantContext) -> AgentReply:
        return AgentReply(text=GOODBYE, end=True)

    def exercise_hint(self, facts: PackFacts) -> str:
        return "conversations of more than one agent reply"


def make() -> HangUp:
    return HangUp()
