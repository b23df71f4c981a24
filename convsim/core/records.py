"""Shared records: the nouns every part of convsim speaks.

This is the leaf module of the project: it imports nothing from convsim, and
`personas`, `scenarios`, `evaluators` and the engine all build on it. Every
record is a pydantic v2 model so it can cross files, HTTP, processes and Ray.

Size: over 400 lines because it holds every shared record in the one leaf module, by design:
one import for plug-in authors and no cycles.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from convsim.core.rule_specs import Rule

SCHEMA_VERSION = "3"

LEFT_UNASKED = "customer_left_unasked"
"""Conversation label a customer sets when it left without making its scenario's request (a
fitted customer who asks a real menu question and goes, at its intent's mined rate); the value
says how. The scenario's goal and steps were never asked of the agent: evaluators that judge
them answer not applicable unless the agent acted anyway."""
"""2: run_id and domain on every table; turns.act/unsure; conversations.n_unknown_tool_calls.
3: started_at/ended_at on turns and conversations; turns.latency_ms is the agent's reply time
(request sent to reply received); tool_calls.latency_ms is measured."""

Role = Literal["customer", "agent", "tool", "system"]
ToolStatus = Literal["ok", "error", "timeout", "malformed", "unknown_tool"]
ScoreStatus = Literal["scored", "not_applicable", "unscored"]


class Record(BaseModel):
    """Base for mutable records (results); forbids unknown fields."""

    model_config = ConfigDict(extra="forbid")


class Spec(BaseModel):
    """Base for frozen, re-creatable descriptions (specs, profiles, scenarios)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def stable_hash(payload: Any, length: int = 16) -> str:
    """Hex digest of a JSON-serialisable payload, independent of dict ordering."""
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:length]


# --------------------------------------------------------------------------- turns


class Turn(Record):
    """One message in a conversation."""

    index: int
    """Position in the conversation, from 0."""
    role: Role
    """Who spoke."""
    text: str
    """What the other side received (after perturbations for customer turns)."""
    clean_text: str | None = None
    """The text before perturbations (customer turns only)."""
    perturbations: list[str] = Field(default_factory=list)
    """Names of the perturbations applied to this turn."""
    latency_ms: float | None = None
    """Agent turns: milliseconds from the request sent to the reply received (the agent's
    time, tool calls included; not convsim's queueing before the request)."""
    started_at: datetime | None = None
    """When the speaker started producing the turn (UTC): the request sent, for agent turns."""
    ended_at: datetime | None = None
    """When the turn was complete (UTC): the reply received, for agent turns."""
    interrupted: bool = False
    """The speaker was cut off (barge-in)."""
    act: str | None = None
    """Customer turns: the dialog act the simulated customer recognised in the agent turn it
    answers (request, confirm, success...)."""
    unsure: bool = False
    """Customer turns: the simulator could not tell what the agent wanted and answered
    cooperatively but generically."""


class ToolCall(Record):
    """One call from the agent to a backend tool in the sandbox."""

    seq: int
    """Order of the call within the conversation, from 0."""
    turn_index: int
    """Index of the agent turn this call was made for."""
    tool: str
    """Tool name."""
    arguments: dict[str, Any] = Field(default_factory=dict)
    """Arguments the agent passed."""
    result: str | None = None
    """JSON text of the result the agent received."""
    status: ToolStatus = "ok"
    """ok, error, timeout, malformed, or unknown_tool (the pack defines no such tool)."""
    injected_fault: str | None = None
    """Name of the fault injected by the perturbation profile, if any."""
    latency_ms: float = 0.0
    """Measured time of the call in the sandbox (injected delay included)."""


class LLMUsage(Record):
    """LLM calls of one conversation, summed (customer and agent)."""

    calls: int = 0
    """Calls answered by a provider (cache hits excluded)."""
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    known_cost_usd: float = 0.0
    """Sum of the costs litellm's local price map knows."""
    unpriced_calls: int = 0
    """Calls to a model with no known price."""
    models: list[str] = Field(default_factory=list)
    """Models called (customer, agent)."""
    prompt_version: str | None = None
    """Version of convsim's customer prompt, when the LLM customer spoke."""

    @property
    def cost_usd(self) -> float | None:
        """Total cost; None (not 0) when some call's price is unknown."""
        return None if self.unpriced_calls else round(self.known_cost_usd, 8)

    def add(self, other: LLMUsage) -> None:
        """Sum another usage into this one."""
        self.calls += other.calls
        self.cache_hits += other.cache_hits
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.known_cost_usd += other.known_cost_usd
        self.unpriced_calls += other.unpriced_calls
        self.models = sorted(set(self.models) | set(other.models))
        self.prompt_version = self.prompt_version or other.prompt_version


class Conversation(Record):
    """A conversation, historical or simulated: the same record for both."""

    id: str
    """Stable id (the spec id for simulated conversations)."""
    source: Literal["historical", "simulated"] = "simulated"
    """Where the conversation comes from."""
    turns: list[Turn] = Field(default_factory=list)
    tool_calls: list[ToolCall] = Field(default_factory=list)
    campaign: str | None = None
    agent_version: str | None = None
    scenario_id: str | None = None
    persona_id: str | None = None
    perturbation: str | None = None
    repetition: int = 0
    pair_id: str | None = None
    """Id shared by the specs that differ only by agent version (for paired comparison)."""
    intent: str | None = None
    channel: str = "chat"
    outcome: str | None = None
    """How it ended: completed, transferred, abandoned, max_turns, agent_ended, agent_error
    (the agent failed: infrastructure), simulator_error (convsim's side failed)."""
    error: str | None = None
    """Infrastructure or simulator error (agent unreachable, a simulator exception): never
    an agent failure."""
    final_state: dict[str, Any] = Field(default_factory=dict)
    """Sandbox state at the end (for goal evaluation)."""
    escalated: bool = False
    """The customer was handed to a human (handoff flag or a transfer tool of the pack)."""
    llm: LLMUsage = Field(default_factory=lambda: LLMUsage())
    """LLM calls made for this conversation (simulated customer and openai agent)."""
    seed: int = 0
    labels: dict[str, str] = Field(default_factory=dict)
    """Other labels from the source (flow, scenario title, reward...)."""
    origin: str | None = None
    """Where a historical conversation came from (file and line/record)."""
    started_at: datetime | None = None
    """When the conversation started (UTC; simulated conversations)."""
    ended_at: datetime | None = None
    """When it ended, its last turn played (UTC; simulated conversations)."""


# --------------------------------------------------------------------------- personas


class PersonaTraits(Spec):
    """Behavioural traits of a simulated customer; rates are probabilities in [0, 1]."""

    verbosity: float = Field(0.5, ge=0, le=1)
    """How much the customer says beyond what is asked."""
    patience: int = Field(3, ge=1)
    """How many times the customer tolerates a repeated question before giving up."""
    cooperativeness: float = Field(0.9, ge=0, le=1)
    """Probability of answering exactly what the agent asked."""
    emotion: Literal["calm", "frustrated", "anxious", "cheerful"] = "calm"
    typo_rate: float = Field(0.0, ge=0, le=1)
    """Per-word probability of a typo in the customer's text."""
    upfront_info_rate: float = Field(0.3, ge=0, le=1)
    """Probability of giving identifying information in the first message."""
    interrupt_rate: float = Field(0.0, ge=0, le=1)
    topic_switch_rate: float = Field(0.0, ge=0, le=1)


class Identity(Spec):
    """Who the customer is (faker-generated, locale-aware)."""

    first_name: str
    last_name: str
    email: str
    phone: str
    address1: str
    city: str
    state: str
    zip: str
    country: str = "USA"
    locale: str = "en_US"


class Persona(Spec):
    """A simulated customer: identity, traits, style examples, provenance."""

    id: str
    identity: Identity
    traits: PersonaTraits
    description: str = ""
    """Adjectives or a sentence describing the persona."""
    style_examples: list[str] = Field(default_factory=list)
    """A few real customer utterances in this persona's voice."""
    utterances: dict[str, list[str]] = Field(default_factory=dict)
    """Mined utterance templates by dialogue act (identity_email, open_cancel_order...)."""
    provenance: dict[str, Any] = Field(default_factory=dict)


# --------------------------------------------------------------------------- scenarios


class ProcessStep(Spec):
    """A required step of the agent process, satisfied by any of the named tools."""

    name: str
    """Step name, e.g. 'authenticate'."""
    tools: list[str]
    """Tool calls (status ok) that count as doing this step."""
    before: list[str] = Field(default_factory=list)
    """Names of steps this one must precede."""
    required: bool = True
    """If false, the step only constrains order when it happens."""


class Disclosure(Spec):
    """A statement the agent must make before a given action: regular expressions, or a
    meaning with examples (recognised in the agent's own wording), or both (either counts)."""

    name: str
    patterns: list[str] = Field(default_factory=list)
    """Regular expressions (case-insensitive); one match in an agent turn is enough."""
    meaning: str | None = None
    """What the statement says, in a few words (e.g. 'when the refund reaches the customer');
    recognised from `examples` without a regular expression."""
    examples: list[str] = Field(default_factory=list)
    """Ways an agent may say it (at least two with `meaning`): a sentence of an agent turn
    that says the same, with the same kind of figures (an amount, a duration), counts."""
    not_examples: list[str] = Field(default_factory=list)
    """Sentences that come close but do not say it (e.g. the price without when it
    starts): a sentence nearer to one of these than to every example does not count."""
    before_tool: str | None = None
    """The tool call the disclosure must precede; None means anywhere."""

    @model_validator(mode="after")
    def _stated_somehow(self) -> Disclosure:
        if not self.patterns and not self.examples:
            raise ValueError(f"disclosure '{self.name}' needs `patterns` or `meaning` with "
                             "`examples`")
        if self.meaning is not None and len(self.examples) < 2:
            raise ValueError(f"disclosure '{self.name}': `meaning` needs at least two "
                             "`examples` (ways an agent may say it)")
        return self


class Expectations(Spec):
    """What a correct agent does in this scenario."""

    final_state: dict[str, Any] = Field(default_factory=dict)
    """Expected sandbox values, as dotted paths, e.g. {'orders.#W1.status': 'cancelled'}."""
    process: list[ProcessStep] = Field(default_factory=list)
    disclosures: list[Disclosure] = Field(default_factory=list)
    must_communicate: list[str] = Field(default_factory=list)
    """Values the agent must tell the customer (case-insensitive substrings)."""
    escalation_expected: bool = False
    escalation_reason: str | None = None
    """Why a human must take over (out_of_scope, policy, ...), when escalation is expected."""
    escalation_within: int = Field(1, ge=1)
    """Agent turns the handoff may take once it is due (1: the agent's next reply hands over
    after the out-of-scope request, the second ask for a human, the second failed call)."""
    forbidden_tools: list[str] = Field(default_factory=list)
    turn_budget: int = 30
    rules: list[Rule] = Field(default_factory=list)
    """Rules of this scenario (see `rules_model`), on top of the pack's own."""


class Scenario(Spec):
    """A customer goal in a domain, with what the customer knows and what is expected."""

    id: str
    domain: str
    intent: str
    goal: str
    """The goal in natural language."""
    slots: dict[str, Any] = Field(default_factory=dict)
    """What the customer knows: order id, reason, items, new address..."""
    initial_state: dict[str, Any] = Field(default_factory=dict)
    """Sandbox state at the start (users, orders, products)."""
    expectations: Expectations = Field(default_factory=Expectations)
    difficulty: Literal["easy", "medium", "hard"] = "easy"
    tags: list[str] = Field(default_factory=list)
    provenance: dict[str, Any] = Field(default_factory=dict)


# --------------------------------------------------------------------------- perturbations


class TextNoise(Spec):
    """Noise applied to customer text on its way to the agent."""

    typo_rate: float = Field(0.0, ge=0, le=1)
    """Per-word typo probability, added to the persona's own."""
    filler_rate: float = Field(0.0, ge=0, le=1)
    """Probability of a filler word ('um', 'uh', 'like') per message."""
    drop_rate: float = Field(0.0, ge=0, le=1)
    """Per-word probability that an ordinary word is lost (ASR-style drop)."""
    asr_rate: float = Field(0.0, ge=0, le=1)
    """Probability that a message reaches the agent as a speech-recognition transcript:
    lower case, no punctuation, emails and numbers spoken ("john dot smith at gmail dot
    com", "w one two three"), homophones, the odd digit misheard."""


class ToolFault(Spec):
    """Fault rates for one tool; they must sum to at most 1."""

    error_rate: float = Field(0.0, ge=0, le=1)
    timeout_rate: float = Field(0.0, ge=0, le=1)
    malformed_rate: float = Field(0.0, ge=0, le=1)
    latency_ms: float = Field(0.0, ge=0, allow_inf_nan=False)
    """Simulated latency added to every call."""

    @model_validator(mode="after")
    def _at_most_one(self) -> ToolFault:
        total = self.error_rate + self.timeout_rate + self.malformed_rate
        if total > 1:
            raise ValueError(f"error_rate + timeout_rate + malformed_rate is {total:g}; "
                             "they must sum to at most 1")
        return self


class PerturbationProfile(Spec):
    """The mess of production applied to a conversation."""

    name: str = "clean"
    text_noise: TextNoise = Field(default_factory=TextNoise)
    interrupt_rate: float = Field(0.0, ge=0, le=1)
    """Per agent reply: the customer barges in; the reply is cut where they interrupt (the
    customer reacts to what they heard) and the agent receives the interruption."""
    burst_rate: float = Field(0.0, ge=0, le=1)
    """Per customer message: it arrives as 2-4 short messages before the customer waits for
    the answer (delivered one by one, or batched: see the http connector's `bursts`)."""
    topic_switch_rate: float = Field(0.0, ge=0, le=1)
    """Per conversation: the customer asks something unrelated mid-goal, then comes back."""
    correction_rate: float = Field(0.0, ge=0, le=1)
    """Per conversation: the customer gets a value wrong, then corrects it in the next
    message ("sorry, I meant ...")."""
    tool_faults: dict[str, ToolFault] = Field(default_factory=dict)
    """Faults per tool name; the key '*' applies to every tool."""


# --------------------------------------------------------------------------- specs & scores


class AgentEndpoint(Spec):
    """How to reach one agent version (resolved at run time, not part of the spec id)."""

    version: str
    connector: str = "http"
    url: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class ConversationSpec(Spec):
    """Everything needed to re-create one simulated conversation."""

    id: str
    campaign: str
    scenario: Scenario
    persona: Persona
    perturbation: PerturbationProfile
    agent_version: str
    repetition: int
    seed: int
    pair_id: str
    domain: str = "retail"
    """The domain pack: an installed pack's name, module:attr, or a pack folder path."""
    user_simulator: str = "agenda"
    max_turns: int = 30


class Score(Record):
    """One evaluator's verdict on one metric of one conversation."""

    conversation_id: str
    evaluator: str
    metric: str
    value: float | None = None
    passed: bool | None = None
    """None when the metric does not apply or could not be scored."""
    status: ScoreStatus = "scored"
    rationale: str = ""
    evidence: list[int] = Field(default_factory=list)
    """Turn indices supporting the verdict."""
    judge_model: str | None = None
    cost_usd: float | None = None


class ConversationResult(Record):
    """A finished conversation and its scores, as shipped back from a worker."""

    conversation: Conversation
    scores: list[Score] = Field(default_factory=list)


class AgentReply(Record):
    """What an agent answers to one customer turn."""

    text: str
    end: bool = False
    """The agent closed the conversation."""
    handoff: bool = False
    """The agent handed the customer over to a human."""


def left_unasked(conversation: Conversation) -> str | None:
    """Why nothing was asked of the agent: the customer left without making its scenario's
    request (its `LEFT_UNASKED` label), or None."""
    how = conversation.labels.get(LEFT_UNASKED)
    return f"the customer left without making its request ({how})" if how else None
