"""Required disclosures: statements the agent must make before a given action.

A disclosure tied to a tool must appear in an agent turn at or before the turn
of the first successful call to that tool; when the action never happened the
disclosure does not apply (not_applicable, neither pass nor fail). A disclosure is
recognised by its regular expressions (`patterns`) or, when written as a meaning with
examples, by `convsim.evaluators.meanings` (a sentence close to one example, with the same
kinds of figures); either is enough. A match counts where it tells the customer: not in a
refusal, a condition still to be found out, the customer's request restated, a balance, or a
passage reporting records found (`_told`; measured on real agent turns by
`benchmarks/evaluator_wording.py`).
"""

from __future__ import annotations

import re
from typing import Any

from convsim.core.records import Conversation, Disclosure, Scenario, Score
from convsim.core.registry import evaluator
from convsim.evaluators.meanings import matcher, sentences
from convsim.evaluators.process import first_ok_call

_NOT_TOLD = re.compile(
    r"\b(?:unable to|cannot|can't|can not|not (?:eligible|possible|able)|"
    r"non-refundable|(?:determine|decide|check|see|(?<!me )know|find out|verify) (?:if|whether)|"
    r"can only be\b[^.?!]*\b(?:if|within|when|unless)|(?:allows?|permits?) (?:for )?[^.?!]{0,40}"
    r"\bif\b|"
    r"(?:confirm|check|verify|determine) (?:the |your )?eligibility|your request for|"
    r"you (?:asked|requested|wanted) (?:for|about)|only (?:within|if|when|before|up to))\b",
    re.IGNORECASE)
"""Said of money, not told as what the customer will pay or get: refused ("unable to process a
refund"; bad news is not a refusal: "unfortunately, the certificate is fixed at $50" tells it),
still to be found out ("these details will help determine if a full refund is
possible"; "let me know if" asks nothing of the kind), a rule with a condition ("can only be
cancelled for a full refund within 24 hours", "allows for a full refund if ..."), or the
customer's own request restated ("your request for a full refund")."""
_BALANCE = re.compile(
    r"\bbalances?\b(?:(?!cost|price|total|fee|charg|fare|amount)[^$.?!\n]){0,40}?(?:\bof|\bis|"
    r"\bwill be|:|\bat|\bremaining)\W*$|^\W*\d[\d,.]*\s*(?:remaining )?balance\b", re.IGNORECASE)
_LIMIT = re.compile(r"(?:\b(?:under|below|within|beneath|less than|no more than)|\bbudget(?: of| is|:)?)"
                    r"\s+(?:a |the |your )?$", re.IGNORECASE)
"""An amount that is a limit, not a price ("to bring the cost under $1,000", "your budget of
$500"): the customer is told what they will pay only by the figure inside it."""
_AMOUNT = re.compile(r"[$€£]\s?\d[\d,]*(?:\.\d+)?")
_LOOKUP = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|great|sure|thanks?(?: you)?)[,!.]?\s+)?(?:i(?:'ve| have)? (?:found|see|"
    r"located|checked|looked up|retrieved|pulled up)\b(?![^.?!\n]*\bavailable\b)"
    r"(?!\s+(?:a|an|one|two|three|several|some)\s+(?:(?:[\w-]+|[\w-]+,) ){0,3}?(?:flights?|options?|"
    r"combinations?|alternatives?|routes?|fares?|itinerar(?:y|ies)|models?|versions?|products?)\b)|"
    r"here(?: are|'s| "
    r"is) (?:the details (?:of|for) )?your (?:order|reservation|booking)s?\b|your (?:order|"
    r"reservation|booking) details\b|it (?:seems|appears) (?:that )?(?:the |your |this )?(?:order|"
    r"reservation|booking)\b|you (?:have|currently have) (?:\w+ )?(?:\w+ )?"
    r"(?:orders?|reservations?|bookings?|flights?|items?)\b|(?:your |the )?(?:order|reservation|"
    r"booking)\b[^.?!\n]{0,60}\b(?:contains|includes|has a total|with a total)|(?:your|the) (?:most "
    r"recent|last|previous|current|existing|other) (?:order|reservation|booking|flight|purchase)s?\b|"
    r"regarding your\b)", re.IGNORECASE)
"""A passage that reports records found (an order, a reservation and its price): the price of
what the customer already has is not a cost to disclose. Options found available to buy ("I found
two available flights: ... $323") are offers, not records."""
_FUTURE_MONEY = re.compile(
    r"\b(?:will|would|'ll)\b[^.?!\n]{0,40}\b(?:charg|refund|cost|pay|receiv|get back|credit|"
    r"reimburs)|\b(?:price|fare|cost) difference\b|\bdifference of\b|"
    r"\b(?:can|could|will|'ll|would) (?:\w+ )?(?:offer|issue|give|grant|provide)\b|\beligible for\b",
    re.IGNORECASE)
_OWNED = re.compile(
    r"\byou (?:already )?(?:purchased|bought|paid|spent|ordered)\b|\byour (?:upcoming|existing|current|"
    r"booked|previous|past|pending|delivered|recent) (?:flights?|reservations?|bookings?|orders?|"
    r"trips?|items?)\b|"
    r"\bit (?:appears|seems) (?:that )?(?:this|the|your) (?:order|reservation|booking)s? "
    r"(?:has|had|have|was|were)\b|\b(?:price|cost|total|amount) of (?:the|your|this) (?:[\w-]+ )?(?:order|"
    r"reservation|booking)\b", re.IGNORECASE)
_BAD_NEWS = re.compile(r"\bunfortunately\b", re.IGNORECASE)
"""Bad news refuses unless it gives a figure ("Unfortunately, this is beyond the window for a
full refund" refuses; "Unfortunately, the certificate is fixed at $50" tells)."""
"""Money said of what the customer already has ("the speaker you purchased is priced at
$302.67", "the total cost of your upcoming flights is $17,645"): not a cost to disclose."""
_BREAK = re.compile(r"[.!?](?=\s)|\n")
_LIST_LINE = re.compile(r"^\s*(?:[-*•]|\d+[.)]|#+)\s")


def _span(text: str, start: int, end: int) -> str:
    """The sentence(s) or list line(s) around text[start:end]."""
    left = max([m.end() for m in _BREAK.finditer(text, 0, start)], default=0)
    right = _BREAK.search(text, max(start, end - 1))
    return text[left:right.start() + 1 if right else len(text)]


def _header(text: str, start: int) -> str:
    """The first sentence of the passage a position belongs to: its paragraph, or for a list
    item, the nearest paragraph above it that is not a list."""
    paragraphs = [(m.start(), m.group(0)) for m in re.finditer(r"(?:[^\n]|\n(?!\s*\n))+", text)]
    mine = [i for i, (at, _) in enumerate(paragraphs) if at <= start] or [0]
    k = mine[-1]
    while k > 0 and _LIST_LINE.match(paragraphs[k][1]):
        k -= 1
    if not paragraphs:
        return ""
    return re.split(r"(?<=[.!?:])\s+|\n", paragraphs[k][1].strip(), maxsplit=1)[0]


def _told(text: str, start: int, end: int) -> bool:
    """Whether what matched at text[start:end] tells the customer something (a cost: what
    they will pay or get) rather than refusing it, asking it, restating the customer's request,
    quoting a balance, or reporting records found."""
    span = _span(text, start, end)
    if _NOT_TOLD.search(span):
        return False
    amounts = list(_AMOUNT.finditer(text, start, end))
    if amounts and all(_BALANCE.search(text[max(0, a.start() - 60):a.start()])
                       or _BALANCE.search(text[a.end():a.end() + 12])
                       or _LIMIT.search(text[max(0, a.start() - 30):a.start()]) for a in amounts):
        return False
    if _BAD_NEWS.search(span) and not _AMOUNT.search(span):
        return False
    owned, figure = _OWNED.search(span), _AMOUNT.search(span)
    # Said of what the customer has when it is the subject of the figure ("the speaker you
    # purchased is $302"), not a comparison after it ("is $253, slightly different from your
    # current order").
    if owned and not _FUTURE_MONEY.search(span) and (figure is None or owned.start() < figure.start()):
        return False
    return not (_LOOKUP.search(_header(text, start)) and not _FUTURE_MONEY.search(span))


def stated(disc: Disclosure, text: str) -> str | None:
    """How `text` states the disclosure ("pattern ..." or "like the example ..."), or None.

    A match counts when its sentence tells the customer something: not a refusal ("unable to
    process a refund"), a condition still to be found out ("to determine if a full refund is
    possible"), the customer's request restated, a balance ("a gift card with a balance of
    $200"), or a record found ("I found your order ... Price: $54")."""
    for pattern in disc.patterns:
        for m in re.finditer(pattern, text, re.IGNORECASE):
            if _told(text, m.start(), m.end()):
                return f"pattern {pattern!r}"
    if disc.examples:
        found = matcher(tuple(disc.examples), tuple(disc.not_examples))
        for sentence in sentences(text):
            match = found.find(sentence)
            at = text.find(sentence)
            if match is not None and _told(text, max(at, 0), max(at, 0) + len(sentence)):
                return (f"{match.sentence!r} says it like the example {match.example!r} "
                        f"(closeness {match.closeness:.2f})")
    return None


class DisclosuresEvaluator:
    name = "disclosures"

    def evaluate(self, conversation: Conversation, scenario: Scenario) -> list[Score]:
        scores = []
        for disc in scenario.expectations.disclosures:
            metric = f"disclosure:{disc.name}"
            limit = len(conversation.turns)
            if disc.before_tool is not None:
                call = first_ok_call(conversation.tool_calls, [disc.before_tool])
                if call is None:
                    scores.append(Score(
                        conversation_id=conversation.id, evaluator=self.name, metric=metric,
                        status="not_applicable",
                        rationale=f"'{disc.before_tool}' never happened"))
                    continue
                # The agent turn that carried out the call may state it in the same reply
                # only if the statement came before the call; a later turn is too late.
                limit = call.turn_index
            hit, how = None, None
            for turn in conversation.turns[:limit]:
                how = stated(disc, turn.text) if turn.role == "agent" else None
                if how is not None:
                    hit = turn.index
                    break
            where = f" before '{disc.before_tool}'" if disc.before_tool else ""
            said = f" ({disc.meaning})" if disc.meaning else ""
            scores.append(Score(
                conversation_id=conversation.id, evaluator=self.name, metric=metric,
                value=1.0 if hit is not None else 0.0, passed=hit is not None,
                rationale=(f"stated at turn {hit}{where}: {how}" if hit is not None
                           else f"'{disc.name}'{said} not stated{where}"),
                evidence=[hit] if hit is not None else [limit] if limit < len(
                    conversation.turns) else []))
        if not scores:
            scores.append(Score(conversation_id=conversation.id, evaluator=self.name,
                                metric="disclosures", status="not_applicable",
                                rationale="scenario requires no disclosure"))
        return scores


@evaluator("disclosures")
def make(**_: Any) -> DisclosuresEvaluator:
    return DisclosuresEvaluator()
