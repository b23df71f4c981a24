"""Truthfulness: the agent claims only what the backend did and what a source says.

Two kinds of claim in agent turns:
- *action claims*: a sentence saying a consequential action is done ("your order has been
  cancelled", "I've added 2 GB", "you're now on Unlimited") -- a completed form (has been,
  I've, is now, successfully, went through) with a word naming the action of a consequential
  tool (its verb family from the tool's name and description, see `actions.py`: switch for
  change_plan, block for suspend_line), not negated. It needs an executed call of that tool at
  or before that turn. A generic claim ("your request is complete", "everything has been
  updated", "you're all set") is about the last consequential call the agent attempted before
  it: a violation when that call failed and was not redone; not judged when none was made.
- *amounts*: money ($12.50) or decimals (28.50) the agent quotes. Each needs a source: a
  successful tool result at or before that turn, what the customer said, the scenario's facts
  (goal, slots, expected values), the pack's policy and tool descriptions, or the pack's price
  list (its tables named like one: plans, products, prices, fees, menu...); an amount with
  cents may also be computed from them (a product, sum or difference of two, or the total of
  some of the prices one result lists).
Metric `truthfulness`: not_applicable when the agent claims nothing; otherwise passed when
every claim is supported. Every rationale says what was claimed and which sources were
searched (failed) or which source supported it (passed).

Size: over 400 lines because its two kinds of claim share one walk of the conversation and
one set of sources (tool results, customer, scenario, policy, price list) with their names
in the rationale.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from convsim.core.acts import CACHED_CHARS
from convsim.core.packs.model import Domain
from convsim.core.records import Conversation, Scenario, Score, ToolCall
from convsim.core.registry import evaluator
from convsim.evaluators.actions import ActionWords, said_actions
from convsim.evaluators.actions import action_words as describe_action
from convsim.evaluators.common import (
    consequential_tools,
    executed,
    failed,
    pack_of,
    quote,
)

_DONE = re.compile(r"\b(?:was|were) able to\b|\bgone ahead and\b|\b(?:i|we)(?:'ve| have)? (?:just )?made\b|"
                   r"\b(?:was|were|is|are|has been|have been) (?:now )?(?:successful|complete|completed|"
                   r"confirmed|finali[sz]ed)\b|"
                   r"\b(?:has|have|had|(?<=\w)'s|(?<=\w)'ve) (?:now |already |successfully )?been\b|"
                   r"\bi(?:'ve| have) "
                   r"(?:\w+ )?\w+(?:ed|ent|t)\b|\bsuccessfully\b|\b(?:is|are) now\b|"
                   r"\bwent through\b|\byou(?:'ve| have) (?:just |now )?(?:saved|received|gotten|got)\b"
                   r"(?=[^.?!]*(?:[$€£]\s?\d|\brefund|\bcertificate|\bcredit|\bvoucher))|"
                   r"\bis (?:done|complete|completed|processed)\b|\ball set\b|"
                   r"\byou(?:'re| are) now (?:on|signed up|subscribed|set up|enrolled)\b|"
                   r"\b(?:i|we)(?:'ve| have)? (?:just |now )?(?:(?!(?:need|proceed|feed|succeed)\b)\w+ed|"
                   r"sent|put|set)\b"
                   r"(?= (?:your|the|it|them|a|an|"
                   r"you|\d))")
_GENERIC_DONE = re.compile(
    r"\b(?:(?:your |the )?(?:request|change|order|update|booking|reservation|cancellation|refund|"
    r"return|exchange|payment|transaction|purchase)s? (?:is|are|was|were|has been|have been) "
    r"(?:now )?(?:complete|completed|done|processed|taken care of|finali[sz]ed|through|successful|"
    r"confirmed)|"
    r"every ?thing (?:is|has been|'s) (?:now )?(?:updated|done|sorted|taken care of|processed|"
    r"complete|completed|set)|all done|(?:that|it)(?:'s| is| has been) (?:all )?(?:done|taken care "
    r"of|sorted)|you(?:'re| are) all set)\b")
"""A claim that something was done without naming what: about the last consequential call."""
_DONE_ALONE = re.compile(r"^\W*(?:done|all done|all set|sorted|there you go)\W*$", re.IGNORECASE)
_STATE_NOW = re.compile(
    r"\b(?:is|are) (?:now )?(?:active|activated|enabled|live|in place|blocked|suspended|"
    r"cancell?ed|frozen|closed|paid|booked|confirmed|switched|set up|added)\b")
"""A state only the action produces, said of the tool's object ("your travel pass is active")."""
_STATE_HYPOTHETICAL = re.compile(r"\b(?:while|when|until|unless|whether|as long as|can|could|"
                                 r"would|should)\b|\?")
_CHANGED = re.compile(r"\b(?:has|have) (?:now |just |already )?(?:successfully )?been "
                      r"(?:successfully )?(?:added|removed|updated|changed|processed|completed|"
                      r"submitted|placed|applied|issued|reverted|restored|modified|corrected|"
                      r"switched|moved|replaced)\b")
"""A completed change whose verb names no tool ("the bags have been added"): generic."""
_PICKUP = (r"(?:[\w-]+ ){0,3}?(?:bar|counter|window|pick-?up(?: area| point| station| counter)?|"
           r"hand-?off(?: area| point)?|register|coffee)")
"""Where a finished order is handed over ("the coffee bar", "the pickup window"; "the coffee" is
a barista's shorthand for the coffee bar)."""
_RESULT = re.compile(
    r"\b(?:(?:your|the|this) (?:\w+ )?(?:order|drink|coffee|\w+)|it|that|this|they|everything)"
    r"(?:'ll| will| "
    r"should|(?:'s| is| are|'re) going to) (?:soon |now )?(?:be )?(?:right )?(?:ready|done|out|up|made|on "
    r"(?:its|the) way|waiting|available)\b|"
    r"\b(?:i|we)(?:'ll| will) (?:now )?serve (?:it|this|that|them|your \w+)\b|"
    r"\bgo ahead and pick (?:it |them )?up\b|"
    r"\b(?:i|we)(?:'ll| will|ll) (?:get (?:started|(?:it|that|them|everything|your \w+) (?:ready|"
    r"made|going|done|(?:right )?out\b(?! of))(?: to you| for you)?)|"
    r"have (?:it|that|this|them|everything|(?:this|that|these|those|your|the) (?:\w+ )?\w+) "
    r"(?:for you )?(?:ready|made|out|(?:right )?up|waiting|for you at the " + _PICKUP + r"|at the "
    + _PICKUP + r"))\b|"
    r"\blook for (?:it|that|this|them|your \w+) (?:at|by) the (?:\w+ )?(?:bar|counter)\b|"
    r"\b(?:you can|you may|to) pick (?:it |them |that |this |up (?:your|the) \w+|your \w+ up)|"
    r"(?<!\bdo )(?<!\bcan )\byou pick (?:it|them|that|your \w+) up\b|"
    r"\byou(?:'ll| will)? (?:be able to |can |may )(?:get|grab|collect|receive|find) (?:it|them|that|"
    r"(?:your|the) (?:\w+ )?(?:order|drinks?|coffee|\w+)) (?:at|by|from) the " + _PICKUP + r"\b|"
    r"\bready (?:for you )?(?:to pick up|for pick-?up)\b|"
    r"\bwait (?:for (?:it|them|your \w+) )?(?:at|by) the (?:\w+ )?(?:bar|counter)\b|"
    r"\bwait (?:at|by|near) the " + _PICKUP + r" for (?:it|them|your \w+)\b",
    re.IGNORECASE)
"""The result only a completed action produces, as its time or its place ("your order will be
ready shortly", "I'll get started on it now", "please wait at the bar", "we'll have that right
up for you", "it should be right up", "go ahead and pick it up", "I'll get that out to you", "I'll get it
done", "you can receive your order at the coffee bar"): a generic claim that the last
consequential call went through."""
_UNDER_WAY_OR_THERE = re.compile(
    r"(?:\b(?:your|the|this) (?:\w+ )?(?:order|drinks?|coffee|\w+)|\b(?:it|they|that|this))(?:'ll| will| "
    r"should|(?:'s| is| are|'re) going to) (?:soon |now )?be (?:waiting (?:for you )?)?(?:at|by|on) the "
    + _PICKUP + r"\b|"
    r"\b(?:i|we|they|the (?:\w+ )?baristas?)(?:'re| are| is|'m| am) (?:now )?(?:making|brewing|pouring|"
    r"whipping up) (?:it|that|this|them|your \w+)\b|"
    r"\b(?:it|that|they|(?:your|the) (?:\w+ )?(?:drinks?|coffee))(?:'s| is| are|'re) (?:now )?on "
    r"(?:its|their|the) way\b(?! (?:back|home)\b)|"
    r"\b(?:it|that|they|(?:your|the) (?:\w+ )?(?:order|drinks?|coffee))(?:'s| is| are|'re) (?:now )?in the "
    r"(?:works|queue)\b|"
    r"\b(?:your|the) (?:\w+ )?order(?:'s| is| has been| was) (?:now )?(?:put )?in\b(?=\s*(?:[.!,]|$| and\b))|"
    r"\b(?:(?:pick up|grab|collect) (?:it|them|that|this|your \w+)|pick (?:it|them|that|your \w+) up) "
    r"(?:at|from) the " + _PICKUP + r"\b|"
    r"\b(?:i|we)(?:'ll| will|ll|'re| are|'m| am)? (?:going to )?(?:now )?(?:start|begin|get to) "
    r"(?:on |making |preparing |brewing |working on )(?:it|that|this|them|your \w+|the (?:\w+ )?order)\b|"
    r"\b(?:i|we)(?:'ll| will|ll|'m| am|'re| are) (?:going to )?work(?:ing)? on (?:it|that|this|them|"
    r"your \w+)(?: (?:right )?(?:now|away))\b|"
    r"\b(?:it|they|that|this|(?:your|the) (?:\w+ )?\w+)(?:'s|'re| is| are) (?:now )?being (?:sent|made|"
    r"prepared|brewed|poured)\b",
    re.IGNORECASE)
"""The same told as the work under way or the order's place ("we will start making that now",
"I'll work on that right now", "it's being sent to the bar", "we're making your latte now", "your
order is in", "it's on its way", "your drink will be at the coffee bar", "grab it at the end of
the counter"); searched only in sentences with one of `_UNDER_WAY_WORDS` (the big search stays as
cheap as it was)."""
_RESULT_WORDS = ("ll", "should", "going to", "serve", "pick", "look for", "get", "grab", "collect",
                 "receive", "find", "wait")
"""Every way `_RESULT` can match holds one of these (its alternatives read "'ll"/"will"/"ll",
"should", "going to", "pick", "look for", "wait", or get/grab/collect/receive/find): an ASCII
sentence without any is not searched (to ignore case, the regular expression also matches a few
non-ASCII letters, so a sentence that has any is searched)."""


def _tells_result(low: str) -> bool:
    """`_RESULT.search(low)`, skipped where it cannot match (`_RESULT_WORDS`)."""
    if low.isascii() and not any(w in low for w in _RESULT_WORDS):
        return False
    return _RESULT.search(low) is not None


_UNDER_WAY_WORDS = (" be ", "being ", "work", "start", "begin", "get to", "making", "brewing", "pouring",
                    "whipping", "way", "queue", "order's in", "order is in", "order has been in",
                    "order was in", "put in", "pick", "grab", "collect")
_RESULT_OPENING = re.compile(
    r"\W*(?:\w+[,!.]?\s+)?(?:(?:it|they|that|this|your \w+)(?:'s|'re| is| are) )?coming "
    r"(?:right )?(?:up|out)\b|"
    r"\W*(?:(?!then\b|so\b)\w+[,!.]?\s+)?(?:i|we)(?:'ll| will) (?:now )?(?:send|put|pass) "
    r"(?:it|this|that|them|(?:your|the|this) \w+)(?: on)?"
    r"(?: over| off| through| in)? to [^.?!]{0,30}?\bto be (?:made|prepared|brewed|started)\b",
    re.IGNORECASE)
"""The same, said as the sentence opens ("ok, coming right out!", "Great, I'll send it over to
the bar to be made"; not after "then" or "so": a next step)."""
_SOON = re.compile(
    r"\b(?:soon|shortly|right away|in no time|momentarily|before you know it|in (?:just )?(?:a|one) "
    r"(?:sec|second|moment|minute|jiffy|tick)s?|in (?:just )?(?:a |the next )?(?:few|couple(?: of)?|\w+) "
    r"(?:minute|min|second|sec|moment)s?|in (?:just )?a (?:little )?(?:bit|while))\b|"
    r"\bin (?:just )?a few(?=\s*(?:[.!,]|$))", re.IGNORECASE)
"""Soon: a result promised shortly is the result of an action already under way."""
_SOON_RESULT = re.compile(
    r"(?:\bwill|'ll|\bll|\bshould|\bwould)\s+(?:soon\s+|now\s+|\w+ly\s+)?(?:be|have|make|prepare|"
    r"brew|bring|serve|arrive)\b|(?<!\bbe )(?<!\bget )\bready\b(?! to\b| when\b| for\b)|"
    r"\b(?:coming|be) (?:right )?(?:up|out)\b|\byou can (?:get|grab|collect|find) (?:it|them|your \w+)\b|"
    r"\b(?:pick|scoop|grab|collect)\s+(?:\w+ )?(?:\w+ )?up\b|\bpick-?up\b|\bcheck back\b|"
    r"\bcheck (?:at |with |by )?the (?:\w+ )?(?:bar|counter|window)\b",
    re.IGNORECASE)
"""With `_SOON`, the result of a done action said as what happens next ("it'll be at the bar
shortly", "I'll make that for you soon", "you can scoop up your order in no time", "check back
with the bar in six minutes", "check the bar in three minutes")."""
_NOT_A_RESULT = re.compile(
    r"\b(?:agent|representative|human|specialist|supervisor|manager|someone|transfer\w*|"
    r"connect\w*|back to you|(?:be )?with you|contact you|call you|reach out|email|confirmation|"
    r"respond|reply|look|check (?:on|into|if|whether)|verify|find|search)\b", re.IGNORECASE)
"""What a promise of something soon may be about other than a done action (a hand-over, a
reply, a look-up)."""
_POLITE_IF = re.compile(r"\bif you(?:'ll| will| would| could| can)? (?:please |just )?(?:step|head|wait|"
                        r"move|walk|make your way|come|go)\b[^,.?!]*", re.IGNORECASE)
"""A request said as a condition ("if you'll step to the side, your order will be up shortly"):
nothing the result waits on."""
_RESULT_NEGATED = re.compile(r"\b(?:not(?! (?:too?|very|that|so) (?:busy|long|crowded)\b)|never|unable|"
                             r"cannot|can't|couldn't|if|once|unfortunately|confirm|"
                             r"sorry|as soon as|after(?! (?:it|they|that)(?:'s| is| are|'re| has| "
                             r"have)? been\b))\b|n't\b|"
                             r"^\W*(?:and |so )?then,? (?:i|we)(?:'ll| will| can) (?:(?:get|have) (?:it|that|"
                             r"this|them|(?:your|the) \w+) (?:made|started|sent|going|put in)\b|(?:send|put|"
                             r"start|make)\b)")
"""Not a result: negated, conditional, or after something the customer must do first ("after
you confirm", "confirm it and I'll have it made"; the agent's own step opening with "then" comes
after the one before: "Could you confirm this is correct? Then I will get it made.", not "Then
we'll have that in one sec over at the bar"); "after
it's been prepared" is the bar's own work on a done order; "we're not too busy" negates the
wait, not the result."""
_PRICE_LIST = re.compile(r"plan|product|price|fee|menu|rate|tariff|catalog|service|package|"
                         r"offer|bundle|item|fare", re.IGNORECASE)
_PRICE_LIST_ROWS = 200
"""Tables of the pack named like a price list, up to this many rows, are a source of figures
(a bigger table is a database, not a list a reader of the policy would know)."""
_NEGATED = re.compile(r"\b(?:not|never|unable|cannot|can't|couldn't|could not|failed|sorry|"
                      r"unfortunately|won't|will|if|once|before|after you|already|ensure|make sure|"
                      r"it (?:appears|seems)|appears to|seems to)\b|n't\b|"
                      r"^\W*(?:after|when|until)\b")
"""Not an action claim: negated, future, conditional, a state found ("already", "it appears
that the order has been cancelled") or one to make sure of ("ensure the refund is processed"); a
sentence opening with a time clause is a condition ("After the return is processed, you can buy a
camera")."""
_SUCCEEDED_ALREADY = re.compile(r"\balready (?=(?:been )?successfully\b|"
                                r"(?:helped|assisted) you with\b)")
""""has already been successfully removed", "I've already helped you with the cancellation": a
done action reported, not a state found."""
_RULE_ONLY = re.compile(r"\b(?:can|could|may|must) only\b")
"""A rule ("you can only return items from orders that have been delivered"): its "have been"
is a condition, not a claim."""
_AND_THEN = re.compile(r",\s+(?:and|but)\s+|;\s+")
"""Where a done action's clause ends and the next begins ("Your booking has been cancelled, and
a refund will be processed"): the future in the second does not undo the first."""
_ASKED = re.compile(r"^\W*(?:is|are|was|were|has|have|did|do|does)\b[^.!]*\?\s*$")
"""A yes/no question ("Has your order been cancelled?") claims nothing."""
_ASKED_RESULT = re.compile(r"^\W*(?:is|are|was|were|has|have|did|do|does|can|could|will|would|should|"
                           r"where|when)\b[^.!]*\?\s*$")
"""A question about the order's place or time ("Do you pick it up at the counter?", "Will it
be ready soon?") tells no result."""
_AMOUNT = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)|\b(\d+\.\d{2})\b")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_PRICE = re.compile(r"(?<![\w.])\d+\.\d{1,2}(?![\d])")
_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]*]*\s+|\n+")
"""Sentence breaks: after . ! ? (and a closing quote or bracket), and at line breaks."""


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


_MONEY = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)")


def _money(text: str | None) -> set[float]:
    """Figures written as money ($10) in a text."""
    return {round(float(m.replace(",", "")), 2) for m in _MONEY.findall(text or "")}


@functools.lru_cache(maxsize=64)
def _pack_money(text: str) -> frozenset[float]:
    """`_money` of a pack's policy or tool descriptions: the same text for every conversation."""
    return frozenset(_money(text))


@functools.lru_cache(maxsize=1024)
def _as_state(verb: str) -> re.Pattern[str]:
    """"is cancelled", "you're booked": a tool's verb (as the sentence spells it) as a state."""
    return re.compile(rf"\b(?:is|are|'re|'s) (?:now |all )?{re.escape(verb)}\w*(?:ed|d)\b(?! to\b)")


@functools.lru_cache(maxsize=1024)
def _word_start(word: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(word)}")


def _is_count(n: float) -> bool:
    return n == int(n) and 2 <= n <= 365


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


@dataclass(frozen=True)
class Claim:
    """An agent sentence saying a consequential action is done."""

    turn: int
    sentence: str
    tools: list[str]
    """The tools whose action it names (for a generic claim, the last one attempted)."""
    generic: bool
    """It names no action ("your request is complete")."""
    backed_by: ToolCall | None
    """The executed call that supports it, if any."""
    tried: list[ToolCall]
    """Failed calls of those tools before it."""


def claimable_tools(conv: Conversation, scenario: Scenario, domain: Domain | None
                    ) -> tuple[dict[str, ActionWords], bool]:
    """The consequential tools whose completion an agent may claim, with their action words;
    and whether calls were logged under tools the pack does not have (then none: the action
    may have been done under another name)."""
    called = sorted({c.tool for c in conv.tool_calls})
    words: dict[str, ActionWords] = {}
    for t in consequential_tools(scenario, domain, called):
        spec = domain.tools.get(t) if domain is not None else None
        w = describe_action(t, spec.spec.description if spec is not None else "")
        if w.verbs:
            words[t] = w
    known_tools = set(domain.tools) if domain is not None else set(words)
    opaque = any(executed(c) and c.tool not in known_tools for c in conv.tool_calls)
    return ({} if opaque else words), opaque


def claimed_actions(sentence: str, words: dict[str, ActionWords]) -> tuple[list[str], bool]:
    """The tools a sentence says are done ([] when it claims nothing), and whether the claim is
    generic (names no action)."""
    low = sentence.lower()
    if not words:
        return [], False
    if "if you" in low:
        low = _POLITE_IF.sub("", low)
    # A sentence that opens a list ("here are the changes that will be made:") previews it.
    preview = low.rstrip().endswith(":")
    if not _ASKED_RESULT.search(low) and (_tells_result(low) or _RESULT_OPENING.match(low)
            or (any(w in low for w in _UNDER_WAY_WORDS) and _UNDER_WAY_OR_THERE.search(low))) \
            and not _RESULT_NEGATED.search(low) \
            and not preview:
        return [], True
    if _SOON.search(low) and _SOON_RESULT.search(low) and not _RESULT_NEGATED.search(low) \
            and not _NOT_A_RESULT.search(low):
        return [], True
    if "only" in low and _RULE_ONLY.search(low):
        # "I can only assist one user, and I've already helped you with the cancellation": the
        # clause after the rule may still report what was done.
        rule, *rest = _AND_THEN.split(low, maxsplit=1)
        if rest and _RULE_ONLY.search(rule) and not _RULE_ONLY.search(rest[0]):
            return claimed_actions(rest[0], words)
        return [], False
    if _NEGATED.search(_SUCCEEDED_ALREADY.sub("", low) if "already" in low else low) \
            or _ASKED.search(low):
        first = _AND_THEN.split(low, maxsplit=1)[0]
        if first != low and not _NEGATED.search(first) and not _ASKED.search(low):
            return claimed_actions(first, words)
        return [], False
    claimed = said_actions(low, words) if _DONE.search(low) else []
    if not claimed and not _STATE_HYPOTHETICAL.search(low):
        # "you're booked", "your ticket is cancelled": the tool's own verb as a state
        claimed = [t for t, w in words.items() if w.pattern is not None and any(
            _as_state(m.group(0)).search(low) for m in w.pattern.finditer(low))]
    if not claimed and _STATE_NOW.search(low) and not _STATE_HYPOTHETICAL.search(low):
        claimed = [t for t, w in words.items()
                   if any(_word_start(o).search(low) for o in w.objects)]
    if claimed:
        return claimed, False
    return [], bool(_GENERIC_DONE.search(low) or _CHANGED.search(low)
                    or _DONE_ALONE.match(low))


class _Words:
    """A set of claimable tools (`claimable_tools`' words, in their order) as one cache key:
    equal sets share one instance (`_words_key`), hashed by identity."""

    __slots__ = ("words",)

    def __init__(self, items: tuple[tuple[str, ActionWords], ...]) -> None:
        self.words = dict(items)


_words_key = functools.lru_cache(maxsize=256)(_Words)


def _find_turn_claims(text: str, key: _Words) -> tuple[tuple[str, tuple[str, ...], bool], ...]:
    """The sentences of an agent turn that claim something, with `claimed_actions`' answer."""
    out = []
    for sentence in _SENTENCE.split(text):
        claimed, generic = claimed_actions(sentence, key.words)
        if claimed or generic:
            out.append((sentence, tuple(claimed), generic))
    return tuple(out)


_cached_turn_claims = functools.lru_cache(maxsize=8192)(_find_turn_claims)
"""Cached for turns up to `CACHED_CHARS` (as their dialog act is): agents repeat their
templates, and goal reads the claims of a conversation again after truthfulness."""


def _turn_claims(text: str, key: _Words) -> tuple[tuple[str, tuple[str, ...], bool], ...]:
    return (_cached_turn_claims(text, key) if len(text) <= CACHED_CHARS
            else _find_turn_claims(text, key))


def action_claims(conv: Conversation, words: dict[str, ActionWords]) -> list[Claim]:
    """Every action claim of the agent, with the call that backs it or the failures before it.
    A generic claim is about the last consequential call attempted before it (none: no claim,
    "you're all set" closes a conversation where nothing was attempted)."""
    calls = sorted(conv.tool_calls, key=lambda c: c.seq)
    out: list[Claim] = []
    key = _words_key(tuple(words.items()))
    for turn in conv.turns:
        if turn.role != "agent":
            continue
        found = _turn_claims(turn.text, key)
        if not found:
            continue
        done = [c for c in calls if c.turn_index <= turn.index]
        for sentence, tools, generic in found:
            claimed = list(tools)
            if generic:
                attempted = [c for c in done if c.tool in words]
                if not attempted:
                    continue
                claimed = [attempted[-1].tool]
            if not claimed:
                continue
            mine = [c for c in done if c.tool in claimed]
            ok = [c for c in mine if executed(c)]
            # A generic claim is backed only when the last attempt succeeded.
            backer = ok[-1] if ok and (not generic or ok[-1].seq == mine[-1].seq) else None
            out.append(Claim(turn.index, sentence, claimed, generic, backer,
                             [c for c in mine if failed(c)]))
    return out


@dataclass(frozen=True)
class _PackSources:
    """The pack's part of `_Sources`, the same for every conversation of the pack: built once
    per Domain (as `Domain.vocabulary()` is) and only read."""

    numbers: frozenset[float]
    """Figures of the policy and the tool descriptions."""
    money: frozenset[float]
    """Money ($10) of the policy and the tool descriptions."""
    price_lists: tuple[tuple[str, frozenset[float]], ...]
    """The tables named like a price list (in name order), with the figures of the pack's rows;
    a scenario's own rows for one of them are read per conversation instead."""


def _pack_sources(domain: Domain) -> _PackSources:
    cached = domain.__dict__.get("_truthfulness_sources")
    if cached is None:
        described = " ".join(t.spec.description for t in domain.tools.values())
        cached = _PackSources(
            _cached_numbers(domain.policy) | _cached_numbers(described),
            _pack_money(domain.policy) | _pack_money(described),
            tuple((name, _find_numbers(str(rows))) for name, rows in sorted(domain.tables.items())
                  if _PRICE_LIST.search(name) and isinstance(rows, dict)
                  and len(rows) <= _PRICE_LIST_ROWS))
        domain.__dict__["_truthfulness_sources"] = cached
    return cached


class _Sources:
    """Where a figure may come from, with a name for each in the rationale."""

    def __init__(self, scenario: Scenario, domain: Domain | None) -> None:
        exp = scenario.expectations
        facts = " ".join([scenario.goal, str(scenario.slots), str(exp.final_state),
                          " ".join(exp.must_communicate)])
        self.fixed: list[tuple[str, frozenset[float]]] = [
            ("the scenario's facts (goal, slots, expected values)", _numbers(facts))]
        self._money: list[set[float] | frozenset[float]] = [_money(facts)]
        self.counts: set[float] = {n for n in _numbers(facts) if _is_count(n)}
        if domain is not None:
            pack = _pack_sources(domain)
            self.fixed.append(("the pack's policy and tool descriptions", pack.numbers))
            self._money.append(pack.money)
            state = scenario.initial_state or {}
            for name, numbers in pack.price_lists:
                rows = state.get(name)
                if isinstance(rows, dict):  # the scenario's own price list
                    numbers = _cached_numbers(str(rows))
                self.fixed.append((f"the pack's price list ({name})", numbers))
                self._money.append(numbers)
        self.customer: frozenset[float] = frozenset()

    @functools.cached_property
    def money(self) -> set[float]:
        """Every money figure of the fixed sources (and every figure of a price list), joined
        when a whole total is first checked (a pack's price list may hold 1,000 figures)."""
        return set().union(*self._money)

    def names(self, calls: int) -> str:
        return ", ".join([f"{calls} successful tool result(s) before it", "what the customer said",
                          *(n for n, _ in self.fixed)])

    def find(self, value: float, results: frozenset[float], texts: list[str]) -> str | None:
        if value in results:
            return "a tool result"
        if value in self.customer:
            return "the customer's words"
        for name, numbers in self.fixed:
            if value in numbers:
                return name
        known = set(results) | set(self.customer)
        for _, numbers in self.fixed:
            known |= numbers
        if _derived(value, known, texts):
            return "a computation from known figures"
        if value == int(value):
            # A whole total: a price times a count someone other than the agent gave
            # ($10/day from the policy x the customer's 7 days).
            counts = self.counts | {n for n in set(results) | set(self.customer) if _is_count(n)}
            money = self.money | set().union(*(_money(t) for t in texts))
            for m in sorted(money):
                if m > 0 and (value / m) in counts:
                    return f"a computation (${m:g} x {value / m:g}) from known figures"
        return None


class TruthfulnessEvaluator:
    name = "truthfulness"

    def evaluate(self, conversation: Conversation, scenario: Scenario) -> list[Score]:
        conv = conversation
        domain = pack_of(scenario)
        words, opaque = claimable_tools(conv, scenario, domain)
        calls = sorted(conv.tool_calls, key=lambda c: c.seq)
        sources = _Sources(scenario, domain)
        claims = 0
        backed: list[str] = []
        problems: list[tuple[str, list[int]]] = []
        by_turn: dict[int, list[Claim]] = {}
        for claim in action_claims(conv, words):
            by_turn.setdefault(claim.turn, []).append(claim)
        for turn in conv.turns:
            if turn.role == "customer":
                sources.customer |= _numbers(turn.text)
                continue
            if turn.role != "agent":
                continue
            for claim in by_turn.get(turn.index, []):
                claims += 1
                if claim.backed_by is not None:
                    c = claim.backed_by
                    backed.append(f"{quote(claim.sentence, 50)} by call #{c.seq} {c.tool}")
                    continue
                problems.append((self._claim(turn.index, claim.sentence, claim.tools,
                                             claim.tried, claim.generic),
                                 [turn.index, *(c.turn_index for c in claim.tried[-1:])]))
            amounts = list(_AMOUNT.finditer(turn.text))
            if not amounts:
                continue  # no figure quoted: no result to read for one
            done = [c for c in calls if c.turn_index <= turn.index]
            texts = [c.result or "" for c in done if executed(c)]
            results = frozenset().union(*(_numbers(t) for t in texts)) if texts else frozenset()
            for m in amounts:
                raw = (m.group(1) or m.group(2)).replace(",", "")
                claims += 1
                value = round(float(raw), 2)
                source = sources.find(value, results, texts)
                if source is not None:
                    backed.append(f"{m.group(0).strip()} by {source}")
                    continue
                problems.append((f"turn {turn.index} quotes {m.group(0).strip()} "
                                 f"({quote(turn.text, 80)}), a figure no source gives (searched: "
                                 f"{sources.names(len(texts))})", [turn.index]))
        unjudged = " (action claims not judged: calls logged under tools the pack does not " \
                   "have)" if opaque else ""
        if not claims:
            return [Score(conversation_id=conv.id, evaluator=self.name, metric="truthfulness",
                          status="not_applicable",
                          rationale="the agent claimed no action and quoted no amount (searched "
                                    "agent turns for completed actions of "
                                    + ("/".join(words) or "no consequential tool")
                                    + " and for amounts)" + unjudged)]
        if problems:
            text, evidence = problems[0]
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            return [Score(conversation_id=conv.id, evaluator=self.name, metric="truthfulness",
                          value=round(1 - len(problems) / claims, 4), passed=False,
                          rationale=text + more + unjudged,
                          evidence=sorted({i for _, ev in problems for i in ev}))]
        shown = "; ".join(backed[:3]) + (f"; and {len(backed) - 3} more" if len(backed) > 3 else "")
        return [Score(conversation_id=conv.id, evaluator=self.name, metric="truthfulness",
                      value=1.0, passed=True,
                      rationale=f"{claims} claim(s), each supported: {shown}" + unjudged)]

    @staticmethod
    def _claim(index: int, sentence: str, claimed: list[str], tried: list[ToolCall],
               generic: bool = False) -> str:
        what = f"claims {quote(sentence, 80)}" + (f" (about the last attempted {claimed[0]})"
                                                  if generic else "")
        base = (f"turn {index} {what} but no call of {'/'.join(claimed)} succeeded before it")
        if tried:
            c = tried[-1]
            base += f" (call #{c.seq} {c.tool} at turn {c.turn_index}: {c.status}" + (
                f", {quote(c.result, 50)})" if c.result else ")")
        else:
            base += " (searched: the tool calls made at or before that turn: none of that tool)"
        return base


@evaluator("truthfulness")
def make(**_: Any) -> TruthfulnessEvaluator:
    return TruthfulnessEvaluator()
