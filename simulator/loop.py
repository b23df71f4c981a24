"""Run one conversation: the pure core of the engine.

No config parsing, no files, no Ray: a spec, a user simulator, an agent
connector and a sandbox in; a Conversation record out. Infrastructure errors
(agent unreachable, malformed reply) end the conversation with `error` set, so
they are never mistaken for agent failures.
"""

from __future__ import annotations

import time

import numpy as np

from simulator.connectors import AgentProtocolError, AgentUnavailable
from simulator.perturb import apply_noise
from simulator.protocols import AgentConnector, UserSimulator
from simulator.records import Conversation, ConversationSpec, Turn
from simulator.sandbox import ToolSandbox


def conversation_shell(spec: ConversationSpec) -> Conversation:
    """An empty Conversation carrying the spec's metadata."""
    return Conversation(
        id=spec.id, source="simulated", campaign=spec.campaign, agent_version=spec.agent_version,
        scenario_id=spec.scenario.id, persona_id=spec.persona.id,
        perturbation=spec.perturbation.name, repetition=spec.repetition, pair_id=spec.pair_id,
        intent=spec.scenario.intent, seed=spec.seed)


async def run_conversation(spec: ConversationSpec, user: UserSimulator, agent: AgentConnector,
                           sandbox: ToolSandbox, sandbox_url: str = "") -> Conversation:
    """Play the conversation until someone ends it or the turn budget runs out."""
    conv = conversation_shell(spec)
    noise_rng = np.random.default_rng([spec.seed, 0x4015E])
    turns: list[Turn] = []
    outcome = "max_turns"
    # Replayed customers already speak with their own typos; only the profile's noise applies.
    persona_typos = 0.0 if spec.user_simulator == "replay" else spec.persona.traits.typo_rate
    reply = await user.opening()
    try:
        while len(turns) < spec.max_turns:
            text, applied = apply_noise(reply.text, spec.perturbation.text_noise, persona_typos,
                                        noise_rng)
            turns.append(Turn(index=len(turns), role="customer", text=text,
                              clean_text=reply.text, perturbations=applied))
            sandbox.current_turn = len(turns)
            started = time.perf_counter()
            try:
                answer = await agent.send(spec.id, text, sandbox, sandbox_url)
            except AgentUnavailable as exc:
                conv.error, outcome = f"agent {spec.agent_version} unreachable: {exc}", "agent_error"
                break
            except AgentProtocolError as exc:
                conv.error = f"agent {spec.agent_version} sent a malformed reply: {exc}"
                outcome = "agent_error"
                break
            turns.append(Turn(index=len(turns), role="agent", text=answer.text,
                              latency_ms=round((time.perf_counter() - started) * 1000, 3)))
            if answer.handoff:
                outcome = "transferred"
                break
            if reply.end:
                outcome = user.outcome or "completed"
                break
            if answer.end:
                outcome = "agent_ended"
                break
            reply = await user.respond(answer.text)
    finally:
        await agent.close(spec.id)
    conv.turns = turns
    conv.tool_calls = list(sandbox.calls)
    conv.outcome = outcome
    conv.final_state = sandbox.state
    return conv
