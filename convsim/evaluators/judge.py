"""The LLM judge: rubric metrics a rule cannot score (task success in words, groundedness in
the pack's policy, tone, clarity), each decided by a vote of several model answers.

For every metric of `JudgeConfig.metrics` the judge asks the model (through the LLM seam,
`convsim/core/llm.py`: cached, retried, priced) `samples` times for one JSON verdict against a
numbered rubric (`RUBRICS`, versioned by `RUBRIC_VERSION`; docs/judge.md explains them). An
answer counts only if pydantic validates it and it holds up against the transcript: the
rubric line exists, the evidence turns exist, the quote is copied from the conversation.
The majority decides; agreement is the share of all samples that gave the winning verdict.
A majority of unusable answers, a tie, or agreement below `min_agreement` makes the score
`unscored` with a rationale starting "inconclusive:" — never a pass or a fail.

Metric `judge:<name>`: value = share of the samples that said pass, passed = the verdict,
evidence = the deciding answer's turns, rationale = the rubric line, the quote, the reason
and the agreement; judge_model = model|rubric version|temperature|samples; cost_usd = the
spend of this score's calls (None when the model is unpriced, 0 when all were cached).
The judge's calls are also added to the conversation's LLM usage, so `llm.budget_usd` caps
them like the customer's and the agent's.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from convsim.core.config import ConfigError, JudgeConfig, LLMConfig
from convsim.core.llm import LLMError, client_for
from convsim.core.records import Conversation, LLMUsage, Scenario, Score
from convsim.core.registry import evaluator
from convsim.evaluators.common import pack_of

RUBRIC_VERSION = "judge-v1"
"""Version of the rubrics and the prompt; part of every score's judge_model and of the cache
key (through the prompt). Change it with any change of wording below."""
MAX_TOKENS = 400
"""Room for one verdict object."""
TURN_CHARS, TOOL_ARG_CHARS, TOOL_RESULT_CHARS = 800, 200, 400
"""Longer texts are cut in the prompt (the cut is marked)."""
TRANSCRIPT_CHARS = 24_000
"""Past this the middle turns are left out of the prompt (the gap is marked)."""
POLICY_CHARS = 8_000


@dataclass(frozen=True)
class Rubric:
    """What one metric asks and the numbered lines a verdict cites."""

    question: str
    lines: tuple[str, ...]
    policy: bool = False
    """The pack's written policy goes into the prompt."""


RUBRICS: dict[str, Rubric] = {
    "task_success": Rubric(
        "Did the agent achieve the customer's goal?",
        ("The agent did what the customer's goal needed; or, when the policy does not allow it or "
         "it needs a human, the agent said so plainly and took the right next step (such as a "
         "handoff to a human).",
         "The agent told the customer the true outcome: it did not say something was done that "
         "the transcript shows was not done (a tool call that failed or was never made).",
         "The agent solved the customer's actual request, not a different one, and did not leave "
         "it unanswered.")),
    "groundedness": Rubric(
        "Is everything the agent states supported by the business policy and the tool results?",
        ("Every fact the agent states about the customer's account, orders or data (status, "
         "amounts, dates, items) appears in a successful tool result in the transcript or in what "
         "the customer said.",
         "Every rule, fee, deadline or option the agent states agrees with the business policy "
         "(with no written policy: is not contradicted by the tool results).",
         "The agent never says an action succeeded when its tool call failed, timed out or was "
         "never made.",
         "The agent does not invent reference numbers, tools, or promises the business cannot "
         "keep."), policy=True),
    "tone": Rubric(
        "Is the agent courteous and empathetic?",
        ("The agent is courteous: no rudeness, blame, sarcasm or dismissiveness.",
         "When the customer is upset, worried or frustrated, the agent acknowledges it.",
         "The agent stays calm and professional even when the customer is difficult.")),
    "clarity": Rubric(
        "Are the agent's messages clear?",
        ("Each agent message is easy to understand: plain words, no unexplained jargon, internal "
         "codes or raw data dumps.",
         "When the agent needs something, it says exactly what (which detail, in what form).",
         "The agent states outcomes and next steps explicitly: what happened, what happens next, "
         "what the customer must do.",
         "The agent does not repeat itself needlessly or contradict its earlier messages.")),
}

SYSTEM_PROMPT = ("You review one customer-service conversation for a single quality metric, "
                 "strictly by the numbered rubric given. You answer with one JSON object and "
                 "nothing else.")


class Verdict(BaseModel):
    """One judge answer, as the model must write it."""

    model_config = ConfigDict(extra="ignore")

    verdict: Literal["pass", "fail"]
    rubric_line: int
    """The rubric line that decided (for a fail: the first line that does not hold)."""
    evidence_turns: list[int]
    quote: str
    """A short passage copied from one of the evidence turns."""
    reason: str


@dataclass
class _Sample:
    verdict: Verdict | None = None
    problem: str | None = None
    usage: LLMUsage = field(default_factory=LLMUsage)


def _clip(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else f"{text[:limit]}… [+{len(text) - limit} chars]"


def render_transcript(conversation: Conversation) -> str:
    """The conversation as the judge reads it: `[i] role: text`, the agent's tool calls under
    the turn they were made for, with status and result; long texts cut, very long
    conversations without their middle turns."""
    calls: dict[int, list[str]] = {}
    for c in sorted(conversation.tool_calls, key=lambda c: c.seq):
        args = _clip(json.dumps(c.arguments, sort_keys=True), TOOL_ARG_CHARS)
        result = _clip(c.result, TOOL_RESULT_CHARS) if c.result else "(no result)"
        calls.setdefault(c.turn_index, []).append(
            f"    tool call #{c.seq} {c.tool}({args}) -> {c.status}: {result}")
    blocks = ["\n".join([f"[{t.index}] {t.role}: {_clip(t.text, TURN_CHARS)}", *calls.get(t.index, [])])
              for t in conversation.turns]
    if sum(len(b) + 1 for b in blocks) > TRANSCRIPT_CHARS and len(blocks) > 2:
        # Keep the start and the end (where the request and the outcome are), alternately.
        budget = TRANSCRIPT_CHARS - len(blocks[0]) - len(blocks[-1])
        lo, hi, head = 1, len(blocks) - 1, True
        while lo < hi:
            block = blocks[lo] if head else blocks[hi - 1]
            if len(block) + 1 > budget:
                break
            budget -= len(block) + 1
            lo, hi = (lo + 1, hi) if head else (lo, hi - 1)
            head = not head
        if lo < hi:
            blocks = [*blocks[:lo], f"[... {hi - lo} turns left out ...]", *blocks[hi:]]
    return "\n".join(blocks)


def build_prompt(metric: str, conversation: Conversation, scenario: Scenario) -> list[dict[str, str]]:
    """The chat messages asking for one verdict on `metric`."""
    rubric = RUBRICS[metric]
    parts = [f"# Metric: {metric}\n{rubric.question}",
             f"# Rubric ({RUBRIC_VERSION})\n"
             + "\n".join(f"{i}. {line}" for i, line in enumerate(rubric.lines, 1))
             + '\nVerdict "pass" only if every line holds; otherwise "fail", citing the first line '
               'that does not hold. For "pass", cite the line the evidence best supports.',
             f"# The customer's goal\n{scenario.goal or '(not stated)'}"
             + (f" (request: {scenario.intent})" if scenario.intent else "")
             + ("\nThis request needs a human: the right outcome is a handoff."
                if scenario.expectations.escalation_expected else "")]
    if rubric.policy:
        domain = pack_of(scenario)
        policy = domain.policy.strip() if domain is not None else ""
        parts.append("# Business policy\n" + (_clip(policy, POLICY_CHARS) if policy else
                     "(the business states no written policy: judge against the tool results and "
                     "what the customer said)"))
    parts.append("# Transcript\nTurns are numbered [i]. The agent's tool calls are listed under "
                 "the turn they were made for, with their status (ok, error, timeout, malformed, "
                 "unknown_tool) and result.\n" + render_transcript(conversation))
    parts.append('# Answer\nOne JSON object, no other text:\n{"verdict": "pass" or "fail", '
                 '"rubric_line": <number of the deciding rubric line>, "evidence_turns": '
                 '[<numbers of the turns that show it>], "quote": "<a short passage copied exactly '
                 'from one of those turns>", "reason": "<one sentence>"}')
    return [{"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": "\n\n".join(parts)}]


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def parse_verdict(text: str, metric: str, conversation: Conversation) -> Verdict | str:
    """The answer as a Verdict, or why it is unusable: not one JSON object, fields missing or of
    the wrong type, a rubric line or turn that does not exist, a quote not in the conversation."""
    body = re.sub(r"^```(?:json)?\s*|\s*```$", "", text.strip())
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        return "no JSON object in the answer"
    try:
        verdict = Verdict.model_validate(json.loads(body[start:end + 1]))
    except ValueError as exc:  # json's JSONDecodeError and pydantic's ValidationError
        if isinstance(exc, ValidationError):
            err = exc.errors()[0]
            return f"invalid answer: {'.'.join(map(str, err['loc'])) or 'object'}: {err['msg'].lower()}"
        return f"invalid JSON: {exc.msg if isinstance(exc, json.JSONDecodeError) else exc}"
    lines = len(RUBRICS[metric].lines)
    if not 1 <= verdict.rubric_line <= lines:
        return f"rubric line {verdict.rubric_line} does not exist (1-{lines})"
    turns = {t.index for t in conversation.turns}
    if not verdict.evidence_turns:
        return "no evidence turn"
    if missing := sorted(set(verdict.evidence_turns) - turns):
        return f"evidence turn(s) {missing} do not exist"
    quote = _norm(verdict.quote)
    said = [t.text for t in conversation.turns] + [
        f"{c.tool} {json.dumps(c.arguments)} {c.result or ''}" for c in conversation.tool_calls]
    if not quote or not any(quote in _norm(s) for s in said):
        return "the quote is not in the conversation"
    verdict.evidence_turns = sorted(set(verdict.evidence_turns))
    return verdict


def decide(metric: str, samples: list[_Sample], min_agreement: float
           ) -> tuple[bool | None, float | None, Verdict | None, str]:
    """The vote: (passed, value, the deciding answer, rationale); passed None = inconclusive."""
    n = len(samples)
    valid = [s.verdict for s in samples if s.verdict is not None]
    votes: Counter[str] = Counter(v.verdict for v in valid)
    tally = f"{votes['pass']} pass, {votes['fail']} fail" + (
        f", {n - len(valid)} unusable" if len(valid) < n else "") + f" of {n}"
    if n - len(valid) > n / 2 or not valid:
        problems = Counter(s.problem for s in samples if s.problem)
        problem, _ = problems.most_common(1)[0]
        return None, None, None, f"inconclusive: the judge's answers are unusable ({tally}): {problem}"
    if votes["pass"] == votes["fail"]:
        return None, None, None, f"inconclusive: the judges split evenly ({tally})"
    winner = "pass" if votes["pass"] > votes["fail"] else "fail"
    agreement = votes[winner] / n
    if agreement < min_agreement:
        return None, None, None, (f"inconclusive: the judges disagree ({tally}; agreement "
                                  f"{agreement:.2f} < {min_agreement:g})")
    chosen = next(v for v in valid if v.verdict == winner)
    line = RUBRICS[metric].lines[chosen.rubric_line - 1]
    turns = ", ".join(map(str, chosen.evidence_turns))
    plural = "s" if len(chosen.evidence_turns) > 1 else ""
    rationale = (f"{winner} by rubric line {chosen.rubric_line} ({_clip(line, 70)}): "
                 f"turn{plural} {turns} {json.dumps(_clip(chosen.quote, 120))}; "
                 f"{_clip(chosen.reason, 240)}; "
                 f"agreement {agreement:.2f} ({tally}) [{RUBRIC_VERSION}]")
    return winner == "pass", round(votes["pass"] / n, 4), chosen, rationale


class JudgeEvaluator:
    """Scores the rubric metrics of a conversation with an LLM, by majority vote."""

    name = "judge"

    def __init__(self, judge: JudgeConfig | None = None, llm: LLMConfig | None = None) -> None:
        self.judge = judge or JudgeConfig()
        unknown = [m for m in self.judge.metrics if m not in RUBRICS]
        if unknown:
            raise ConfigError(f"judge.metrics: unknown metric(s) {', '.join(map(repr, unknown))}; "
                              f"the judge has rubrics for: {', '.join(RUBRICS)}")
        self.llm = llm or LLMConfig()
        self.label = (f"{self.judge.model}|{RUBRIC_VERSION}|t={self.judge.temperature:g}"
                      f"|n={self.judge.samples}")
        """judge_model of every score: model, rubric version, temperature, samples."""

    def _score(self, conversation: Conversation, metric: str, **fields: Any) -> Score:
        return Score(conversation_id=conversation.id, evaluator=self.name,
                     metric=f"judge:{metric}", judge_model=self.label, **fields)

    async def aevaluate(self, conversation: Conversation, scenario: Scenario) -> list[Score]:
        """One score per metric; the metrics' samples are asked concurrently."""
        if conversation.error:
            return [self._score(conversation, m, status="unscored",
                                rationale=f"not scored: {conversation.error}")
                    for m in self.judge.metrics]
        if not any(t.role == "agent" for t in conversation.turns):
            return [self._score(conversation, m, status="not_applicable",
                                rationale="no agent turn to judge") for m in self.judge.metrics]
        results = await asyncio.gather(*(self._metric(conversation, scenario, m)
                                         for m in self.judge.metrics))
        return list(results)

    def evaluate(self, conversation: Conversation, scenario: Scenario) -> list[Score]:
        """`aevaluate` for callers without an event loop (`convsim evaluate`)."""
        return asyncio.run(self.aevaluate(conversation, scenario))

    async def _metric(self, conversation: Conversation, scenario: Scenario, metric: str) -> Score:
        messages = build_prompt(metric, conversation, scenario)
        samples = await asyncio.gather(*(self._ask(messages, metric, conversation, i)
                                         for i in range(self.judge.samples)))
        usage = LLMUsage()
        for s in samples:
            usage.add(s.usage)
        conversation.llm.add(usage)  # counted against the campaign's LLM budget
        passed, value, chosen, rationale = decide(metric, list(samples), self.judge.min_agreement)
        return self._score(conversation, metric, status="scored" if passed is not None else "unscored",
                           passed=passed, value=value, rationale=rationale,
                           evidence=chosen.evidence_turns if chosen else [],
                           cost_usd=usage.cost_usd)

    async def _ask(self, messages: list[dict[str, str]], metric: str, conversation: Conversation,
                   i: int) -> _Sample:
        try:
            # `sample` keeps the answers of the N samples apart in the cache.
            result = await client_for(self.llm).complete(
                messages, model=self.judge.model, temperature=self.judge.temperature,
                sample=f"judge-{i}", max_tokens=MAX_TOKENS)
        except LLMError as exc:
            return _Sample(problem=f"judge call failed: {_clip(str(exc), 200)}")
        parsed = parse_verdict(result.text, metric, conversation)
        if isinstance(parsed, str):
            return _Sample(problem=parsed, usage=result.usage)
        return _Sample(verdict=parsed, usage=result.usage)


@evaluator("judge")
def make(*, judge: JudgeConfig | None = None, llm: LLMConfig | None = None, **_: Any) -> JudgeEvaluator:
    return JudgeEvaluator(judge, llm)
