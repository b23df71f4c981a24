"""Run one conversation: the pure core of the engine.

No config parsing, no files, no Ray: a spec, a user simulator, an agent
connector and a sandbox in; a Conversation record out. Infrastructure errors
(agent unreachable, malformed reply) end the conversation with `error` set, so
they are never mistaken for agent failures.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, cast

import numpy as np

from convsim.core.perturb import apply_noise, apply_speech, cut_reply, split_burst
from convsim.core.protocols import (
    AgentBatchesBursts,
    AgentConnector,
    AgentMarks,
    AgentProtocolError,
    AgentUnavailable,
    UserReply,
    UserSimulator,
    has_ability,
)
from convsim.core.records import Conversation, ConversationSpec, Turn
from convsim.core.sandbox import ToolSandbox


class SimulatorFailure(Exception):
    """The simulated customer failed (a bug, a missing slot value): convsim's fault."""


async def _user_turn(call: Awaitable[UserReply]) -> UserReply:
    try:
        return await call
    except Exception as exc:  # noqa: BLE001 - whatever the simulator raises is on our side
        raise SimulatorFailure(f"user simulator: {type(exc).__name__}: {exc}") from exc


def _at(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


class _LazyRng:
    """A numpy Generator seeded on first use (seeding one costs ~40 µs, two per conversation):
    a clean profile with a typo-free customer never draws. The draws are those of
    `np.random.default_rng(seed)`; its methods are kept on the instance once looked up."""

    def __init__(self, seed: list[int]) -> None:
        self._seed = seed
        self._rng: np.random.Generator | None = None

    def __getattr__(self, name: str) -> Any:
        if self._rng is None:
            self._rng = np.random.default_rng(self._seed)
        value = getattr(self._rng, name)
        self.__dict__[name] = value
        return value


def _lazy_rng(seed: list[int]) -> np.random.Generator:
    return cast(np.random.Generator, _LazyRng(seed))


MAX_REPLY_CHARS = 100_000
"""Default cap on an agent reply (`ExecutionConfig.max_reply_chars`): longer replies are cut
(perturbation "truncated" on the turn), so a runaway agent cannot fill the driver's memory."""


def conversation_shell(spec: ConversationSpec) -> Conversation:
    """An empty Conversation carrying the spec's metadata."""
    return Conversation(
        id=spec.id, source="simulated", campaign=spec.campaign, agent_version=spec.agent_version,
        scenario_id=spec.scenario.id, persona_id=spec.persona.id,
        perturbation=spec.perturbation.name, repetition=spec.repetition, pair_id=spec.pair_id,
        intent=spec.scenario.intent, seed=spec.seed)


async def run_conversation(spec: ConversationSpec, user: UserSimulator, agent: AgentConnector,
                           sandbox: ToolSandbox, sandbox_url: str = "",
                           max_reply_chars: int = MAX_REPLY_CHARS) -> Conversation:
    """Play the conversation until someone ends it or the turn budget runs out.

    The perturbation profile acts on the way: customer text noise or a speech transcript,
    bursts of short messages (one by one, or batched when the connector says
    `batches_bursts`), and barge-in (the customer cuts the agent's reply and reacts to what
    they heard; the agent receives the interruption as the next message).
    """
    conv = conversation_shell(spec)
    conv.started_at = _at(time.time())
    profile = spec.perturbation
    noise_rng = _lazy_rng([spec.seed, 0x4015E])
    mess_rng = _lazy_rng([spec.seed, 0x3E55])
    turns: list[Turn] = []
    outcome = "max_turns"
    # Replayed customers already speak with their own typos; only the profile's noise applies.
    persona_typos = 0.0 if spec.user_simulator == "replay" else spec.persona.traits.typo_rate
    batched = has_ability(agent, AgentBatchesBursts) and cast(AgentBatchesBursts, agent).batches_bursts
    marking = has_ability(agent, AgentMarks)
    try:
        said = time.time()
        reply = await _user_turn(user.opening())
        heard_at = time.time()
        while len(turns) < spec.max_turns:
            text, applied = apply_speech(reply.text, profile.text_noise, noise_rng)
            if not applied:
                text, applied = apply_noise(reply.text, profile.text_noise, persona_typos,
                                            noise_rng)
            parts = [text]
            if profile.burst_rate and mess_rng.random() < profile.burst_rate:
                parts = split_burst(text, mess_rng)
            if len(parts) > 1 and batched:
                parts = ["\n".join(parts)]
            answer = None
            for i, part in enumerate(parts):
                # Built without validation (hot path): every value here is typed by us.
                turns.append(Turn.model_construct(
                    index=len(turns), role="customer", text=part,
                    clean_text=reply.text if i == 0 else None,
                    perturbations=applied + (["burst"] if len(parts) > 1
                                             or "\n" in part and batched else []),
                    act=reply.act, unsure=reply.unsure, started_at=_at(said),
                    ended_at=_at(heard_at)))
                sandbox.current_turn = len(turns)
                sent = time.time()
                started = time.perf_counter()
                try:
                    answer = await agent.send(spec.id, part, sandbox, sandbox_url)
                except AgentUnavailable as exc:
                    conv.error = f"agent {spec.agent_version} unreachable: {exc}"
                    outcome = "agent_error"
                    break
                except AgentProtocolError as exc:
                    conv.error = f"agent {spec.agent_version} sent a malformed reply: {exc}"
                    outcome = "agent_error"
                    break
                except Exception as exc:  # noqa: BLE001 - an in-process agent that raises
                    conv.error = f"agent {spec.agent_version} raised {type(exc).__name__}: {exc}"
                    outcome = "agent_error"
                    break
                latency = round((time.perf_counter() - started) * 1000, 3)
                received = sent + latency / 1000
                marks: list[str] = []
                said_by_agent = answer.text
                if len(said_by_agent) > max_reply_chars:
                    said_by_agent, marks = said_by_agent[:max_reply_chars], ["truncated"]
                if marking:  # e.g. the operator of a mutant that changed this reply
                    marks += cast(AgentMarks, agent).turn_marks(spec.id)
                heard = None
                if (i == len(parts) - 1 and profile.interrupt_rate and not answer.end
                        and not answer.handoff and mess_rng.random() < profile.interrupt_rate):
                    heard = cut_reply(said_by_agent, mess_rng)
                turns.append(Turn.model_construct(
                    index=len(turns), role="agent", text=heard or said_by_agent,
                    clean_text=said_by_agent if heard else None,
                    perturbations=marks + (["barge_in"] if heard else []),
                    interrupted=heard is not None, latency_ms=latency, act=None, unsure=False,
                    started_at=_at(sent), ended_at=_at(received)))
                if answer.handoff or answer.end:
                    break
            if outcome == "agent_error" or answer is None:
                break
            if answer.handoff:
                outcome = "transferred"
                break
            if reply.end:
                outcome = user.outcome or "completed"
                break
            if answer.end:
                outcome = "agent_ended"
                break
            said = time.time()
            reply = await _user_turn(user.respond(turns[-1].text))
            heard_at = time.time()
    except SimulatorFailure as exc:  # keep the turns played so far, blame convsim
        conv.error, outcome = f"simulator: {exc}", "simulator_error"
    finally:
        await agent.close(spec.id)
    conv.ended_at = _at(time.time())
    conv.turns = turns
    conv.tool_calls = list(sandbox.calls)
    conv.outcome = outcome
    conv.final_state = sandbox.state
    return conv
