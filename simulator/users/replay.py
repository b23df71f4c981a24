"""Replay user simulator: feeds a historical conversation's customer turns to the agent.

For regression scenarios made with `convsim scenarios from-transcript`: the
customer says what the real customer said, in order, whatever the agent answers,
and ends when the transcript does. Shows where a new agent version diverges
from what happened in production.
"""

from __future__ import annotations

from convsim.simulator.protocols import UserReply
from convsim.simulator.records import ConversationSpec
from convsim.simulator.registry import user_simulator


class ReplayUser:
    def __init__(self, spec: ConversationSpec) -> None:
        turns = spec.scenario.slots.get("customer_turns")
        if not isinstance(turns, list) or not turns:
            raise ValueError(f"scenario {spec.scenario.id} has no customer_turns to replay")
        self._turns = [str(t) for t in turns]
        self._next = 0
        self._outcome: str | None = None

    @property
    def outcome(self) -> str | None:
        return self._outcome

    def _reply(self) -> UserReply:
        text = self._turns[self._next]
        self._next += 1
        end = self._next >= len(self._turns)
        if end:
            self._outcome = "replayed"
        return UserReply(text=text, end=end)

    async def opening(self) -> UserReply:
        return self._reply()

    async def respond(self, agent_text: str) -> UserReply:
        if self._next >= len(self._turns):
            self._outcome = "replayed"
            return UserReply(text="", end=True)
        return self._reply()


@user_simulator("replay")
def make_replay_user(spec: ConversationSpec, domain: object = None, **_: object) -> ReplayUser:
    return ReplayUser(spec)
