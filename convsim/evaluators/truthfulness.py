"""Truthfulness: the agent claims only what the backend did and returned.

Two kinds of claim in agent turns:
- *action claims*: a sentence saying a consequential action is done ("your order
  has been cancelled", "I've added 2 GB", "the payment went through") — a
  completed form (has been, I've, is now, successfully, went through) next to a
  word of a consequential tool's name (cancel, return, address, suspend...), not
  negated. It needs an executed call of one of those tools at or before that turn.
- *amounts*: money ($12.50) or decimals (28.50) the agent quotes. Each needs to
  appear in a successful tool result at or before that turn, in what the customer
  said, in the scenario, or in the pack's policy; an amount with cents may also be
  computed from them (a product, sum or difference of two, or the total of some of
  the prices one result lists).
Metric `truthfulness`: not_applicable when the agent claims nothing; otherwise
passed when every claim is supported. The rationale quotes the first unsupported
claim and the failed call, if any, that it contradicts.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from convsim.core.records import Conversation, Scenario, Score, ToolCall
from convsim.core.registry import evaluator
from convsim.evaluators.common import (
    action_words,
    consequential_tools,
    executed,
    failed,
    pack_of,
    quote,
)

_DONE = re.compile(r"\b(?:has|have|had) (?:now |already |successfully )?been\b|\bi(?:'ve| have) "
                   r"(?:\w+ )?\w+ed\b|\bsuccessfully\b|\b(?:is|are) now\b|\bwent through\b|"
                   r"\bis (?:done|complete|completed|processed)\b|\ball set\b")
_NEGATED = re.compile(r"\b(?:not|never|unable|cannot|can't|couldn't|could not|failed|sorry|"
                      r"unfortunately|won't|will|if|once|before|after you|already)\b|n't\b")
"""Not an action claim: negated, future, conditional, or a state found ("already")."""
_AMOUNT = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)|\b(\d+\.\d{2})\b")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_PRICE = re.compile(r"(?<![\w.])\d+\.\d{1,2}(?![\d])")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def _numbers(text: str | None) -> frozenset[float]:
    """Cached for texts up to 2,000 characters, and the pack's policy: they are read for
    every conversation."""
    if text is None or len(text) <= 2_000:
        return _cached_numbers(text)
    return _find_numbers(text)


def _find_numbers(text: str | None) -> frozenset[float]:
    found = set()
    for m in _NUMBER.findall(text or ""):
        try:
            found.add(round(float(m), 2))
        except ValueError:
            continue
    return frozenset(found)


_cached_numbers = functools.lru_cache(maxsize=4096)(_find_numbers)


def _derived(value: float, numbers: set[float], results: list[str]) -> bool:
    """An amount with cents computed from known figures: the product, sum or difference of
    two (2 GB at $0.10 per GB is $0.20; a price difference), or the total of some of the
    prices one tool result lists (the refund for the returned items). Whole amounts must be
    quoted as they are."""
    if value == int(value):
        return False
    small = sorted(n for n in numbers if n not in (0.0, 1.0) and abs(n) < 1e7)[:300]
    for i, a in enumerate(small):
        for b in small[i:]:
            if value in (round(a * b, 2), round(a + b, 2), round(abs(a - b), 2)):
                return True
    for text in results:
        prices = sorted({round(float(m), 2) for m in _PRICE.findall(text)})[:10]
        for mask in range(1, 1 << len(prices)):
            if round(sum(p for k, p in enumerate(prices) if mask >> k & 1), 2) == value:
                return True
    return False


class TruthfulnessEvaluator:
    name = "truthfulness"

    def evaluate(self, conversation: Conversation, scenario: Scenario) -> list[Score]:
        conv = conversation
        domain = pack_of(scenario)
        called = sorted({c.tool for c in conv.tool_calls})
        stems = {t: action_words(t) for t in consequential_tools(scenario, domain, called)}
        stems = {t: s for t, s in stems.items() if s}
        calls = sorted(conv.tool_calls, key=lambda c: c.seq)
        # A transcript that logged calls without their tool names (or with tools the pack
        # lacks) may have done the action under another name: its action claims are not judged.
        known_tools = set(domain.tools) if domain is not None else set(stems)
        opaque = any(executed(c) and c.tool not in known_tools for c in calls)
        if opaque:
            stems = {}
        known = _cached_numbers(domain.policy if domain is not None else "") | _numbers(
            scenario.goal) | _numbers(str(scenario.slots))
        claims = 0
        problems: list[tuple[str, list[int]]] = []
        for turn in conv.turns:
            if turn.role == "customer":
                known |= _numbers(turn.text)
                continue
            if turn.role != "agent":
                continue
            done = [c for c in calls if c.turn_index <= turn.index]
            for sentence in _SENTENCE.split(turn.text):
                low = sentence.lower()
                if not _DONE.search(low) or _NEGATED.search(low):
                    continue
                claimed = [t for t, ss in stems.items()
                           if any(re.search(rf"\b{re.escape(s)}", low) for s in ss)]
                if not claimed:
                    continue
                claims += 1
                if any(c.tool in claimed and executed(c) for c in done):
                    continue
                tried = [c for c in done if c.tool in claimed and failed(c)]
                problems.append((self._claim(turn.index, sentence, claimed, tried),
                                 [turn.index, *(c.turn_index for c in tried[-1:])]))
            texts = [c.result or "" for c in done if executed(c)]
            results = set().union(*(_numbers(t) for t in texts)) if texts else set()
            for m in _AMOUNT.finditer(turn.text):
                raw = (m.group(1) or m.group(2)).replace(",", "")
                claims += 1
                value = round(float(raw), 2)
                if value in results or value in known or _derived(value, results | known, texts):
                    continue
                problems.append((f"turn {turn.index} quotes {m.group(0).strip()} "
                                 f"({quote(turn.text, 80)}), a figure no tool result before it "
                                 "contained", [turn.index]))
        unjudged = " (action claims not judged: calls logged under tools the pack does not " \
                   "have)" if opaque else ""
        if not claims:
            return [Score(conversation_id=conv.id, evaluator=self.name, metric="truthfulness",
                          status="not_applicable",
                          rationale="the agent claimed no action and quoted no amount" + unjudged)]
        if problems:
            text, evidence = problems[0]
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            return [Score(conversation_id=conv.id, evaluator=self.name, metric="truthfulness",
                          value=round(1 - len(problems) / claims, 4), passed=False,
                          rationale=text + more + unjudged,
                          evidence=sorted({i for _, ev in problems for i in ev}))]
        return [Score(conversation_id=conv.id, evaluator=self.name, metric="truthfulness",
                      value=1.0, passed=True,
                      rationale=f"{claims} claim(s), each backed by a successful tool call or "
                                "result before it" + unjudged)]

    @staticmethod
    def _claim(index: int, sentence: str, claimed: list[str], tried: list[ToolCall]) -> str:
        base = (f"turn {index} claims {quote(sentence, 80)} but no call of "
                f"{'/'.join(claimed)} succeeded before it")
        if tried:
            c = tried[-1]
            base += f" (call #{c.seq} {c.tool} at turn {c.turn_index}: {c.status}" + (
                f", {quote(c.result, 50)})" if c.result else ")")
        return base


@evaluator("truthfulness")
def make(**_: Any) -> TruthfulnessEvaluator:
    return TruthfulnessEvaluator()
