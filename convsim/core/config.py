"""Campaign configuration: the validated, frozen pydantic models of a campaign file.

Unknown keys are errors. Neighbours: `yaml_files` reads YAML safely and reports every
problem at once, each on one line naming the file, the field path and what was expected;
`campaign_file` loads a campaign file and checks it against its domain pack.

Size: over 400 lines because it holds every model of a campaign file in one module, so its
JSON schema and docs/config.md come from one place.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from convsim.core.records import PerturbationProfile

if TYPE_CHECKING:  # only an annotation here: `convsim validate` and --help skip numpy
    import numpy as np


class ConfigError(Exception):
    """A user error in a config file; the message is ready to print."""


MAX_POPULATION = 100_000
"""Most scenarios or personas a campaign generates."""
MAX_CONVERSATIONS = 1_000_000
"""Most conversations a campaign plans (beyond this, split the campaign)."""


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BetaDist(Frozen):
    """Beta(a, b) distribution over [0, 1] (scaled by `scale`)."""

    a: float = Field(gt=0, le=1e6, allow_inf_nan=False)
    """First shape parameter (larger: values nearer 1)."""
    b: float = Field(gt=0, le=1e6, allow_inf_nan=False)
    """Second shape parameter (larger: values nearer 0)."""
    scale: float = Field(1.0, gt=0, le=1)
    """Drawn values are multiplied by this."""

    def sample(self, rng: np.random.Generator) -> float:
        return round(float(rng.beta(self.a, self.b)) * self.scale, 4)


DEFAULT_DESCRIPTIONS = [
    "polite, organized", "impatient, direct", "confused, anxious", "curious, chatty",
    "logical, independent", "rigid, pessimistic", "friendly, relaxed", "busy, terse",
]


class PersonaGenConfig(Frozen):
    """How personas are sampled (a catalog mined from transcripts replaces the distributions)."""

    n: int = Field(20, ge=1, le=MAX_POPULATION)
    """How many personas to generate."""
    locales: list[str] = Field(default_factory=lambda: ["en_US"], min_length=1)
    """Faker locales for identities, drawn uniformly."""
    verbosity: BetaDist = BetaDist(a=2, b=2)
    """How much a customer says per turn (0 terse .. 1 chatty)."""
    cooperativeness: BetaDist = BetaDist(a=8, b=1.5)
    """How readily a customer answers what the agent asks."""
    typo_rate: BetaDist = BetaDist(a=1, b=30, scale=0.5)
    """Per-word typo probability of a customer's own typing."""
    upfront_info_rate: BetaDist = BetaDist(a=2, b=3)
    """Share of customers who give their details in the first message."""
    patience: tuple[Annotated[int, Field(ge=0, le=1000)], Annotated[int, Field(ge=0, le=1000)]] \
        = (2, 5)
    """Inclusive range of how many repeated questions a customer tolerates."""
    emotions: dict[str, float] = Field(default_factory=lambda: {
        "calm": 0.6, "frustrated": 0.2, "anxious": 0.1, "cheerful": 0.1})
    """Emotion -> weight."""
    descriptions: list[str] = Field(default_factory=lambda: list(DEFAULT_DESCRIPTIONS),
                                    min_length=1)
    """Persona descriptions to draw from."""
    catalog: str | None = None
    """Catalog folder (convsim mine): traits and utterances mined from real transcripts
    replace the distributions above (n and locales stay as set here)."""
    utterances_per_act: int = Field(4, ge=1, le=1000)
    """How many mined utterances of each dialogue act a persona speaks with."""

    @field_validator("locales")
    @classmethod
    def _known_locales(cls, value: list[str]) -> list[str]:
        from faker.config import AVAILABLE_LOCALES

        unknown = [loc for loc in value if loc not in AVAILABLE_LOCALES]
        if unknown:
            raise ValueError(f"unknown Faker locale(s) {unknown} (e.g. en_US, de_DE, fr_FR)")
        return value

    @field_validator("emotions")
    @classmethod
    def _emotion_weights(cls, value: dict[str, float]) -> dict[str, float]:
        return _check_weights(value)

    @model_validator(mode="after")
    def _patience_range(self) -> PersonaGenConfig:
        if self.patience[0] > self.patience[1]:
            raise ValueError(f"patience: the range is reversed ({list(self.patience)}); "
                             "give [low, high]")
        return self


def _check_weights(value: dict[str, float]) -> dict[str, float]:
    """Weights of a mix: finite, >= 0, at least one above 0."""
    bad = {k: w for k, w in value.items() if not 0 <= w < float("inf")}
    if bad:
        raise ValueError(f"weights must be finite numbers >= 0, got {bad}")
    if not value or sum(value.values()) <= 0:
        raise ValueError("at least one weight must be above 0")
    return value


class ScenarioGenConfig(Frozen):
    """Which scenarios a campaign runs."""

    domain: str = "retail"
    """Domain pack: an installed pack's name (convsim domains), module:attr, or a pack folder
    (relative to the campaign file)."""
    n: int = Field(40, ge=0, le=MAX_CONVERSATIONS)
    """How many scenarios to generate (0 with `files` runs only those); made as the campaign
    plays them, never all held in memory."""
    files: list[str] = Field(default_factory=list)
    """Scenario files (convsim scenarios generate / from-transcript), added to the generated
    ones; paths relative to the campaign file. A YAML list (up to 64 MiB), or JSON Lines
    (`.jsonl`, one scenario a line, any size: read line by line as the campaign plays)."""
    intents: dict[str, float] | None = None
    """Intent -> weight in the mix (default: the pack's; replaced by a catalog's mix)."""
    catalog: str | None = None
    """Catalog folder (convsim mine): the real intent mix drives the scenarios; intents the
    pack cannot generate become out-of-scope scenarios that must be escalated."""
    strategy: Literal["proportional", "stratified"] = "proportional"
    """proportional reproduces the intent mix; stratified gives every intent an equal share
    and adds edge cases (wrong or missing information, a change of request mid-way, and
    out-of-scope requests that must be escalated)."""
    edge_case_rate: float = Field(0.3, ge=0, le=1)
    """stratified: share of scenarios with an edge case."""
    stratify: Literal["intent", "template"] = "intent"
    """stratified: equal quotas per intent (its templates share it by their weight), or per
    template too (every template of an intent gets the same quota)."""

    @field_validator("intents")
    @classmethod
    def _intent_weights(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        return value if not value else _check_weights(value)

    @model_validator(mode="after")
    def _some_scenarios(self) -> ScenarioGenConfig:
        if self.n == 0 and not self.files:
            raise ValueError("n is 0 and no files are listed: the campaign would have no "
                             "conversations (set n above 0 or list scenario files)")
        return self


ConnectorName = str
"""A connector plug-in's name (an installed entry point or a `module:attr`); checked against
the registry where a campaign file is loaded (`campaign_file.load_campaign`), so these models
stay below the registry."""
CustomerName = str
"""A customer plug-in's name (checked as ConnectorName is)."""
ExecutorName = str
"""An executor plug-in's name (checked as ConnectorName is)."""


class AgentConfig(Frozen):
    """One agent version under test."""

    version: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
    """Label of the version in results (e.g. v1)."""
    connector: ConnectorName = "http"
    """How to talk to it: a black-box HTTP service, an in-process Python agent, or an LLM
    with a system prompt and the pack's tools (any litellm model); or an installed
    plug-in's connector (`convsim plugins`), or its `module:attr`."""
    url: str | None = None
    """Base URL of an already running HTTP agent."""
    reference: str | None = None
    """A reference agent the campaign serves itself: `PACK:VERSION` (a pack's reference
    agent, e.g. retail:v1) or the path of a reference agent YAML."""
    command: str | None = None
    """A command that starts your agent (http): the campaign runs it before the conversations
    (`{port}` becomes a free port), waits until it is ready (see `ready_pattern` and
    `ready_url`), and stops it after. If it exits or is not ready in time, the run stops
    (exit 2) showing the agent's last output lines."""
    workdir: str | None = None
    """Folder `command` runs in, relative to the campaign file (default: its folder)."""
    ready_pattern: str | None = None
    """`command`: a regular expression matched against each line the agent prints; the agent
    is ready at the first match, and its named group `url` is its base URL. Default
    `listening on (?P<url>https?://\\S+)`. With `ready_url`, the group is optional."""
    ready_url: str | None = None
    """`command`: a health URL (`{port}` allowed) polled until it answers 2xx; the agent's
    base URL is then its scheme, host and port (unless `ready_pattern` gives one)."""
    ready_timeout_s: float = Field(60.0, gt=0, le=3600, allow_inf_nan=False)
    """`command`: how long to wait for the agent to be ready."""
    target: str | None = None
    """For the python connector: 'module:attribute' of the agent factory."""
    options: dict[str, Any] = Field(default_factory=dict)
    """Connector options. http: chat_path, request/response field names, bursts;
    `close_path` (the DELETE that lets the agent forget a finished conversation, default
    /v1/conversations/{id}; null sends none),
    `headers` (sent on every call; `${VAR}` is read from the environment at run time),
    `retry_safe` (the agent de-duplicates turns by their Idempotency-Key, so a turn that
    got a 5xx or no reply is sent again), `requests_per_second` (rate limit of this
    endpoint, per worker), `max_retry_after_s` (cap on a 429/503 Retry-After, default 30),
    `rate_limit_retries` (default 8), `breaker_failures` (failed calls in a row that open
    the circuit and stop the campaign, default 8; 0 disables) and `breaker_window_s`
    (within how many seconds, default 60), `client` (`auto`, the default: plain http:// goes
    through convsim's lean keep-alive HTTP/1.1 client, https:// through aiohttp; `aiohttp`
    uses aiohttp for both, e.g. behind a proxy that needs HTTP features the lean client lacks)."""
    model: str | None = None
    """openai connector: the litellm model name (openai/gpt-4o-mini, ollama/llama3...); the
    endpoint and key come from the environment (OPENAI_BASE_URL, OPENAI_API_KEY...)."""
    prompt: str | None = None
    """openai connector: the system prompt, or a .md/.txt file holding it (relative to the
    campaign file)."""
    settings: dict[str, Any] = Field(default_factory=dict)
    """openai connector: litellm settings (temperature, max_tokens, seed, ...)."""

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None:
            _check_url(value)
        return value

    @field_validator("ready_pattern")
    @classmethod
    def _ready_regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression ({exc}): {value!r}") from None
        return value

    @field_validator("ready_url")
    @classmethod
    def _ready_url(cls, value: str | None) -> str | None:
        if value is not None:
            _check_url(value.replace("{port}", "1"))
        return value

    @field_validator("target")
    @classmethod
    def _target_shape(cls, value: str | None) -> str | None:
        if value is not None and not _TARGET.match(value):
            raise ValueError(f"expected 'module:attribute' (e.g. mypkg.agent:make_agent), "
                             f"got {value!r}")
        return value

    @model_validator(mode="after")
    def _one_target(self) -> AgentConfig:
        given = [k for k in ("url", "reference", "command") if getattr(self, k) is not None]
        if self.connector == "http" and len(given) != 1:
            raise ValueError("an http agent needs exactly one of 'url', 'reference' or 'command'"
                             + (f" (got {', '.join(given)})" if given else ""))
        if self.connector == "python" and not (self.target or self.reference):
            raise ValueError("a python agent needs 'target' (module:attribute) or 'reference'")
        if self.connector == "openai" and not self.model:
            raise ValueError("an openai agent needs 'model' (a litellm model name)")
        if self.connector == "http":
            _check_http_options(self.options)
        ready = [k for k in ("ready_pattern", "ready_url") if getattr(self, k) is not None]
        if ready and self.command is None:
            raise ValueError(f"{' and '.join(ready)} only apply to an agent started by 'command'")
        if self.ready_pattern is not None and self.ready_url is None \
                and "url" not in re.compile(self.ready_pattern).groupindex:
            raise ValueError("ready_pattern needs a named group for the agent's URL, e.g. "
                             "'serving on (?P<url>http://\\S+)' (or give ready_url)")
        return self

    def with_environment(self, where: str = "") -> AgentConfig:
        """This agent with `${VAR}` in `options.headers` replaced by the environment's values
        (at run time, never stored); a variable that is not set is a ConfigError naming it."""
        from convsim.core.redact import MissingVariable, expand_env

        headers = self.options.get("headers")
        if not headers:
            return self
        expanded = {}
        for name, value in headers.items():
            try:
                expanded[name] = expand_env(value)
            except MissingVariable as exc:
                raise ConfigError(f"{where}agents.{self.version}.options.headers.{name}: "
                                  f"environment variable {exc.name} is not set") from None
        return self.model_copy(update={"options": {**self.options, "headers": expanded}})


_TARGET = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")


def _check_url(url: str) -> None:
    """An absolute http(s) URL with a host (and a valid port, if any)."""
    from urllib.parse import urlsplit

    if not re.match(r"^https?://", url):
        raise ValueError(f"must start with http:// or https://, got {url!r}")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise ValueError(f"must not contain spaces or control characters, got {url!r}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError as exc:
        raise ValueError(f"not a valid URL ({exc}): {url!r}") from None
    if not parts.hostname:
        raise ValueError(f"has no host name, got {url!r}")


def _check_http_options(options: dict[str, Any]) -> None:
    """Types of the http connector's hardening options (the rest is read by the connector)."""
    headers = options.get("headers")
    if headers is not None and (not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items())):
        raise ValueError("options.headers must map header names to strings")
    if "retry_safe" in options and not isinstance(options["retry_safe"], bool):
        raise ValueError("options.retry_safe must be true or false")
    for key, minimum in (("requests_per_second", 0.0), ("max_retry_after_s", 0.0),
                         ("breaker_window_s", 0.0)):
        value = options.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                  or not minimum < value < float("inf")):
            raise ValueError(f"options.{key} must be a positive number, got {value!r}")
    for key in ("breaker_failures", "rate_limit_retries"):
        value = options.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 0):
            raise ValueError(f"options.{key} must be a whole number >= 0, got {value!r}")


class ExecutionConfig(Frozen):
    """How conversations are fanned out."""

    executor: ExecutorName = "ray"
    """local: asyncio in this process; ray: async actors on a Ray cluster (or an installed
    plug-in's executor)."""
    ray_address: str | None = None
    """Address of an existing Ray cluster; empty starts a local one."""
    workers: int | None = Field(None, ge=1, le=10_000)
    """Ray actors (default: the cluster's CPU count)."""
    concurrency: int = Field(32, ge=1, le=100_000)
    """Conversations in flight per worker."""
    batch_size: int = Field(25, ge=1, le=1_000_000)
    """Conversations per batch (the unit of work and of checkpointing)."""
    turn_timeout_s: float = Field(10.0, gt=0, le=86_400, allow_inf_nan=False)
    """Timeout of one agent call."""
    retries: int = Field(2, ge=0, le=100)
    """Retries of an agent call after a connection error or 5xx (with backoff)."""
    max_reply_chars: int = Field(100_000, ge=1, le=100_000_000)
    """Agent replies longer than this are cut (turn perturbation `truncated`)."""


class ModelPrice(Frozen):
    """What a model costs, for models litellm's price list does not know (or to override it)."""

    input_usd_per_mtok: float = Field(ge=0, le=1e6, allow_inf_nan=False)
    """US dollars per million prompt (input) tokens."""
    output_usd_per_mtok: float = Field(ge=0, le=1e6, allow_inf_nan=False)
    """US dollars per million completion (output) tokens."""


class LLMConfig(Frozen):
    """LLM calls of a campaign (the `llm` customer, the `openai` connector), all through litellm."""

    model: str = "openai/gpt-4o-mini"
    """litellm model of the simulated customer (user_simulator: llm); the endpoint and key come
    from the environment the way litellm reads them (OPENAI_BASE_URL, OPENAI_API_KEY...)."""
    temperature: float = Field(0.7, ge=0, le=2)
    """Sampling temperature of the simulated customer."""
    cache_dir: str | None = ".convsim/llm-cache"
    """On-disk cache of LLM answers keyed by the request's hash; an unchanged campaign re-run
    makes no calls. Written in a campaign file, a relative path is relative to the file's
    folder; the default is in the working directory. Empty disables it."""
    budget_usd: float | None = Field(None, gt=0, allow_inf_nan=False)
    """Most the run may spend on LLM calls (customer, agent, judge), over every session of
    the run (`--resume` continues the same budget). Checked before every call: once the
    spend reaches it, no call is made, running conversations stop with outcome
    `budget_stopped` (kept, not scored) and none is started; exit 3 if anything was left
    undone. A model without a price (see `prices`) is warned about at start."""
    prices: dict[str, ModelPrice] = Field(default_factory=dict)
    """litellm model name -> its price, for models litellm does not price (a local or
    fine-tuned model) or to use your contract's prices instead of litellm's."""
    spend_dir: SkipJsonSchema[str | None] = None
    """Set by the engine, not in campaign files: the run's folder where every process
    tallies its LLM spend (so the budget spans workers and resumes)."""
    max_concurrency: int = Field(8, ge=1, le=100_000)
    """LLM calls in flight per worker process."""
    requests_per_minute: float | None = Field(None, gt=0, allow_inf_nan=False)
    """Rate limit of LLM calls per worker process."""
    timeout_s: float = Field(60.0, gt=0, le=86_400, allow_inf_nan=False)
    """Timeout of one LLM call."""
    retries: int = Field(3, ge=0, le=100)
    """Retries after a 429/5xx/timeout, with backoff (Retry-After honoured)."""


class JudgeConfig(Frozen):
    """The LLM judge (evaluator `judge`): rubric metrics scored by a model through litellm."""

    model: str = "openai/gpt-4o-mini"
    """litellm model of the judge (endpoint and key from the environment)."""
    metrics: list[str] = Field(default_factory=lambda: ["task_success", "groundedness",
                                                        "tone", "clarity"])
    """Rubric metrics to score (see convsim/evaluators/judge.py for the rubrics)."""
    samples: int = Field(3, ge=1, le=9)
    """Judgements per metric; the majority decides, the agreement is recorded."""
    temperature: float = Field(0.7, ge=0, le=2)
    """Sampling temperature of the judge (several samples need some)."""
    min_agreement: float = Field(0.6, gt=0, le=1)
    """Below this share of agreeing samples the verdict is inconclusive."""


def _profile_names_schema(schema: dict[str, Any]) -> None:
    """In the JSON Schema, a perturbation profile may be a bundled profile's name."""
    from convsim.core.profiles import PROFILES

    prop = schema.get("properties", {}).get("perturbations", {})
    if "items" in prop:
        prop["items"] = {"anyOf": [prop["items"], {"enum": sorted(PROFILES)}]}


class CampaignConfig(Frozen):
    """A simulation campaign: who talks to which agent versions, how often, scored how."""

    model_config = ConfigDict(extra="forbid", frozen=True,
                              json_schema_extra=_profile_names_schema)

    name: str = Field(max_length=100)
    """Campaign name (the folder under the output directory): a plain folder name."""
    description: str = ""
    """What the campaign is for (kept in the manifest)."""
    seed: int = Field(0, ge=0, lt=2**63)
    """Root seed: every conversation's randomness derives from it."""
    repetitions: int = Field(1, ge=1, le=1000)
    """Times each (scenario, persona, perturbation, version) is run, for pass^k."""
    scenarios: ScenarioGenConfig = Field(default_factory=ScenarioGenConfig)
    """Which scenarios run: the domain pack, how many, the intent mix, scenario files."""
    personas: PersonaGenConfig = Field(default_factory=PersonaGenConfig)
    """Which simulated customers play them."""
    personas_per_scenario: int = Field(1, ge=1, le=MAX_POPULATION)
    """Personas that play each scenario."""
    perturbations: list[PerturbationProfile] = Field(
        default_factory=lambda: [PerturbationProfile()], min_length=1)
    """Perturbation profiles; every scenario runs under each. A bundled name (clean,
    noisy_text, noisy_voice, impatient, wandering, backend_outage) or a full profile."""

    @field_validator("perturbations", mode="before")
    @classmethod
    def _named_profiles(cls, value: Any) -> Any:
        from convsim.core.profiles import expand_profile

        return [expand_profile(v) for v in value] if isinstance(value, list) else value
    agents: list[AgentConfig]
    """Agent versions under test (the first one is the baseline)."""
    evaluators: list[str] = Field(default_factory=lambda: [
        "process", "disclosures", "goal", "rules", "escalation", "truthfulness"])
    """Evaluators by name (convsim's: process, disclosures, goal, rules, escalation,
    truthfulness; or a plug-in's)."""
    user_simulator: CustomerName = "agenda"
    """agenda: scripted customers with goals; replay: the customer turns of regression
    scenarios (convsim scenarios from-transcript), in order; llm: an LLM plays the customer;
    or an installed plug-in's customer (`convsim plugins`), or its `module:attr`."""
    max_turns: int = Field(30, ge=2, le=10_000)
    """Turns after which a conversation ends (outcome max_turns)."""
    execution: ExecutionConfig = Field(default_factory=ExecutionConfig)
    """How conversations are fanned out (local asyncio or Ray) and agent-call limits."""
    llm: LLMConfig = Field(default_factory=LLMConfig)
    """LLM settings (simulated customer model, cache, budget, limits)."""
    judge: JudgeConfig = Field(default_factory=JudgeConfig)
    """The LLM judge's settings, used when `judge` is among the evaluators."""
    output_dir: str = "runs"
    """Where runs are written. Written in the file, a relative path is relative to the
    campaign file's folder (like every path of a campaign); the default `runs` is in the
    working directory."""

    @field_validator("name")
    @classmethod
    def _folder_name(cls, value: str) -> str:
        # The name becomes a folder under the output directory: it must stay inside it.
        if not value.strip():
            raise ValueError("must not be empty")
        if value in (".", "..") or any(c in value for c in "/\\") or \
                any(ord(c) < 32 or ord(c) == 127 for c in value) or value != value.strip():
            raise ValueError("must be a plain folder name (no '/', '\\', '.', '..', control "
                             f"characters or surrounding spaces), got {value!r}")
        return value

    @model_validator(mode="after")
    def _plan_size(self) -> CampaignConfig:
        planned = (self.scenarios.n * min(self.personas_per_scenario, self.personas.n)
                   * len(self.perturbations) * self.repetitions * max(len(self.agents), 1))
        if planned > MAX_CONVERSATIONS:
            raise ValueError(
                f"the plan has {planned:,} conversations (scenarios.n x personas_per_scenario x "
                f"perturbations x repetitions x agents), more than {MAX_CONVERSATIONS:,}")
        return self

    @model_validator(mode="after")
    def _replayable(self) -> CampaignConfig:
        if self.user_simulator == "replay" and self.scenarios.n:
            raise ValueError("user_simulator replay needs scenarios with customer_turns (convsim "
                             "scenarios from-transcript); generated scenarios have none: set "
                             "scenarios.n: 0 and list the files in scenarios.files")
        return self

    @model_validator(mode="after")
    def _unique(self) -> CampaignConfig:
        versions = [a.version for a in self.agents]
        if len(set(versions)) != len(versions):
            raise ValueError(f"agent versions must be unique, got {versions}")
        names = [p.name for p in self.perturbations]
        if len(set(names)) != len(names):
            raise ValueError(f"perturbation profile names must be unique, got {names}")
        if not self.agents:
            raise ValueError("at least one agent is needed")
        return self
