"""Replay user simulator: feeds a historical conversation's customer turns to the agent.

For regression scenarios made with `convsim scenarios from-transcript`: the
customer says what the real customer said, in order, whatever the agent answers,
and ends when the transcript does. It records where the new agent diverges from
the historical one: the first agent reply whose content words overlap the
historical reply's by less than `DIVERGENCE` (Jaccard), the similarity, and what
the customer had just asked; after a divergence, a replayed customer turn that
answers what the historical agent asked (a different dialog act or slot than the
new agent's) is marked `unsure` — it made sense only in the old conversation.
The findings land in the conversation's labels (divergence_turn, ...).
"""

from __future__ import annotations

import re

from convsim.core.acts import recognise
from convsim.core.protocols import UserReply
from convsim.core.records import ConversationSpec
from convsim.core.registry import user_simulator

DIVERGENCE = 0.35
"""Below this word overlap a reply departs from the historical one."""
_WORD = re.compile(r"[a-z0-9#@.]{3,}")
_STOP = frozenset({"the", "and", "you", "your", "for", "can", "with", "this", "that", "have",
                   "will", "are", "please", "would", "could", "like", "help", "let", "know"})


def overlap(a: str, b: str) -> float:
    """Jaccard similarity of the content words of two replies (1.0 for two empty ones)."""
    wa = {w for w in _WORD.findall(a.lower()) if w not in _STOP}
    wb = {w for w in _WORD.findall(b.lower()) if w not in _STOP}
    if not wa and not wb:
        return 1.0
    return len(wa & wb) / len(wa | wb)


class ReplayUser:
    def __init__(self, spec: ConversationSpec) -> None:
        turns = spec.scenario.slots.get("customer_turns")
        if not isinstance(turns, list) or not turns:
            raise ValueError(f"scenario {spec.scenario.id} has no customer_turns to replay")
        self._turns = [str(t) for t in turns]
        history = spec.scenario.slots.get("agent_turns")
        self._history = [str(t) for t in history] if isinstance(history, list) else []
        self._next = 0
        self._outcome: str | None = None
        self.labels: dict[str, str] = {}
        """Divergence findings, copied into the conversation's labels."""
        self._diverged = False

    @property
    def outcome(self) -> str | None:
        return self._outcome

    def _reply(self, unsure: bool = False, act: str | None = None) -> UserReply:
        text = self._turns[self._next]
        self._next += 1
        end = self._next >= len(self._turns)
        if end:
            self._outcome = "replayed"
        return UserReply(text=text, end=end, unsure=unsure, act=act)

    async def opening(self) -> UserReply:
        return self._reply()

    def _compare(self, agent_text: str) -> bool:
        """Record the first divergence; True when the next replayed turn is out of context."""
        i = self._next - 1  # the customer turn this agent reply answered
        if i >= len(self._history) or not self._history[i]:
            return False
        old = self._history[i]
        if not self._diverged:
            similarity = overlap(agent_text, old)
            if similarity < DIVERGENCE:
                self._diverged = True
                self.labels.update({"divergence_turn": str(i), "divergence_similarity":
                                    f"{similarity:.2f}", "divergence_customer_asked":
                                    self._turns[i][:300], "divergence_agent_then": old[:300],
                                    "divergence_agent_now": agent_text[:300]})
        if not self._diverged:
            return False
        now, then = recognise(agent_text), recognise(old)
        out_of_context = (now.act, now.slots) != (then.act, then.slots)
        if out_of_context:
            count = int(self.labels.get("replayed_out_of_context", "0")) + 1
            self.labels["replayed_out_of_context"] = str(count)
        return out_of_context

    async def respond(self, agent_text: str) -> UserReply:
        if self._next >= len(self._turns):
            self._outcome = "replayed"
            return UserReply(text="", end=True)
        out_of_context = self._compare(agent_text)
        return self._reply(unsure=out_of_context, act=recognise(agent_text).act)


@user_simulator("replay")
def make_replay_user(spec: ConversationSpec, domain: object = None) -> ReplayUser:
    return ReplayUser(spec)
