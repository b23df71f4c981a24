"""Agent dialog acts: what a customer-service agent's message asks of the customer.

The agenda user simulator (`convsim/simulator/customers/agenda.py`) reacts to the act and to
the slots the agent asks for; transcript mining (`convsim/scenarios/utterances.py`)
labels which agent act a real customer utterance answered. The recogniser is
domain-general: cues are generic English forms (questions, modal requests,
confirmation forms, perfect/passive success verbs, refusals, hand-offs, offers,
closings), never one agent's sentences; the domain comes in only through the
slot vocabulary of a domain pack. Measured on real agent utterances that convsim
did not write: `tests/data/agent_acts.jsonl` (labelling guide and priority in
`tests/data/AGENT_ACTS.md`, figures from `benchmarks/act_recognition.py`).

When a message does several things, the act is the one the customer must react
to, by priority: transfer > request > confirm > failure > success > farewell >
anything_else > inform.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

ACTS: tuple[str, ...] = (
    "request", "confirm", "success", "failure", "transfer", "anything_else", "farewell", "inform",
)


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(parts))


# Cues run on normalised text: lower case, straight quotes, single spaces.
_YOU = r"(?:could|can|would|will|may) you(?: please| kindly| also)?"
_ASK_VERB = r"(?:provide|give|share|tell|send|specify|enter|spell|let me know|check (?:if|whether) there)"
_REQUEST = _rx(
    rf"\b{_YOU} {_ASK_VERB}\b",
    rf"\bplease(?: \w+)? {_ASK_VERB}\b(?! (?:if|how|when|whether)\b)",
    r"\byou (?:would|could|can) (?:give|send|tell|provide) me\b",
    r"\bwould you mind (?:giving|providing|sharing|telling|sending|spelling)\b",
    r"\b(?:may|can|could) (?:i|we) (?:have|get|ask|know|take)\b(?! (?:you|a moment)\b)",
    r"\b(?:i|we)(?:'ll| will|'d| would)? (?:just |first |also |still )?need "
    r"(?:your|the|to know|to get|you to provide|you to confirm the \w+(?: \w+)? and)\b",
    r"\bi need\b(?! to (?:confirm|check|retrieve|verify|look|calculate|authenticate|gather|find))"
    r".{0,40}\b(?:ids?|number|details|information)\b",
    rf"\b{_YOU} \w+.{{0,80}}\band (?:provide|give|share|tell me|send)\b",
    r"\bdo you have (?:a|an|any) (?:second|other|preferred|specific)\b",
    r"\b(?:would|do) you (?:like|want|prefer) (?:to \w+ )?(?:something|another|a different|anything) "
    r"(?:else|item|one|drink|product)\b(?!.*\banything else i can)",
    r"\bor would you (?:prefer|rather|like)\b",
    r"\b(?:would you like|do you want) to \w+ (?:a|an|the) [\w ]{1,30} or \w+ (?:a|an|the)\b",
    r"\b(?:let me know|tell me) (?:which|what|where|when|who)\b(?! (?:i|else)\b)",
    r"\b(?:was|were) (?:the|your) \w+ (?:\w+ed|made|bought)\b(?=.*\?)",
    r"\bwhat (?:is|are|was) (?:your|the)\b",
)
# Wh-questions ask for information, but only in a question ("..., which was used" is not one).
_REQUEST_Q = re.compile(
    r"(?:^|[,.!?;] |\b(?:so|and|ok|okay|then|now|sure|great) )"
    r"(?:what|which|where|when|who|why|how many|how much|what's)\b"
    r"(?! (?:can|may|could) (?:i|we) (?:do|get|help|assist|start))(?! else)"
)
_CONFIRM = _rx(
    r"\((?:yes/no|y/n)\)",
    r"\b(?:shall|should) (?:i|we)\b",
    r"\b(?:would|do|you) (?:like|want) (?:me|us) to\b", r"\bare you sure\b",
    r"\b(?:ok|okay|alright|all right) (?:for me )?to (?:proceed|go ahead|continue)\b",
    r"\b(?:would|do) you (?:like|want|wish) to "
    r"(?:proceed|go ahead|continue|explore|try|use|do that|search)\b",
    r"\bwould you like (?:this|that|it)\b",
    r"\bif you(?:'d| would) like\b",
    r"\b(?:is|does|did|are|was) (?:this|that|it|everything|these|i|"
    r"the (?:\w+ )?(?:order|details?|information))"
    r"(?: \w+){0,5} (?:correct|right|ok|okay|alright|all right|accurate|what you|your order|acceptable|it|all"
    r"|get it)\b",
    r"\b(?:can|could|will|would) you (?:please )?(?:confirm|verify|double[- ]?check|check)\b",
    r"(?:^|[.!?,] |\bplease |\bjust |\band |\bkindly |\byou to )(?:confirm|verify|double[- ]?check)\b"
    r"(?! (?:the|your) (?:reason|payment|\w+ id))",
    r"(?:^|[.!?,] |\bplease |\bjust |\bnow,? |\band |\bokay |\bok )"
    r"(?:check|look over|look at|take a look at|review)\b.{0,40}\b(?:order|details|screen|display|monitor)\b",
    r"(?:^|[.!?] )to confirm,", r"\bi can (?:proceed|go ahead)\b.*\blet me know\b",
    r"\b(?:did|do) you mean\b", r"^you(?:'d| would)? (?:want|like)\b.*\?$", r"\bis that (?:it|all)\b",
    r"\bready to (?:send|proceed|place|submit|order)\b",
    r"\blet me know how (?:this|that|it) looks\b",
    r"\bjust to (?:verify|confirm|double[- ]check)\b", r"\byour confirmation\b",
    r"\bi can (?:escalate|transfer)\b.{0,40}\bif you(?:'d| would)? (?:like|want)\b",
)
# Yes/no forms that only confirm inside a question ("cats deserve to look good too" is not one).
_CONFIRM_Q = re.compile(r"\b(?:look|looks|sound|sounds) (?:correct|right|good|ok|okay|alright|all right)\b")
_FAILURE = _rx(
    r"\b(?:unable to|not able to|cannot|can't|can not|couldn't|could not|won't be able)\b",
    r"\bunfortunately\b", r"\bi'?m afraid\b", r"\bsorry,? but\b", r"\b(?:i )?don't know\b",
    r"\b(?:do|does|did) not (?:have|offer|carry|see|find|match|allow)\b",
    r"\b(?:don't|doesn't|didn't) (?:have|offer|carry|see|find|match|allow)\b",
    r"\bno (?:\w+ )?(?:\w+ )?(?:flights?|availability|options?|results?|records?|seats?) "
    r"(?:are |is )?available\b",
    r"\bnot (?:available|eligible|possible|allowed|permitted|found|refundable)\b",
    r"\bnon-?refundable\b", r"\bnothing (?:that )?match", r"\berror\b", r"\bfailed\b",
    r"\bthere (?:are|is|were|was) no\b",
)
_SUCCESS = _rx(
    r"\b(?:has|have) (?:already )?(?:been )?(?:successfully )?(?:\w+ed|been \w+(?:ed|en|t))\b(?! more than)",
    r"\bsuccessfully\b", r"\bis now\b",
    r"\b(?:is|are) (?:now |all )?(?:cancell?ed|updated|changed|booked|processed|issued|refunded|placed|"
    r"activated|submitted|approved|completed|done|fixed|resolved|restored)\b", r"\byou(?:'re| are) all set\b",
    r"\bi(?:'ve| have) (?:\w+ )?(?:updated|cancell?ed|booked|changed|processed|issued|added|removed|placed|"
    r"located|found|sent|made|let)\b",
    r"\b(?:will be|is|are) (?:up|ready|being (?:made|prepared|sent|processed))\b",
    r"\bready (?:for you|at|soon|shortly|in)\b", r"\bpick up\b", r"\bretrieve your order\b",
    r"\bon (?:its|the) way\b", r"\bcurrently (?:in|\"|being|listed)\b", r"\bstatus is\b", r"\blisted as\b",
    r"\byou will (?:get|receive) a confirmation\b", r"\byou have received\b",
    r"\b(?:was|were) paid (?:using|with|by)\b", r"\btotal (?:price|refund|cost) of your\b",
    r"\btotal refund of\b",
    r"\bwill be done\b", r"\bbeing sent\b", r"\bbalance is\b",
)
_TRANSFER = re.compile(
    r"\b(?:transferr?(?:ing|ed)? (?:you|your (?:call|request|chat))|connect(?:ing)? you|put(?:ting)? you "
    r"through|escalat\w*|hand(?:ing)? (?:you )?over|(?:let|told|informed|notified) my (?:manager|supervisor)|"
    r"(?:manager|supervisor|specialist|representative|human agent)s? (?:will|is going to) "
    r"(?:call|contact|reach|be with))\b|\bproceed with the transfer\b|"
    r"\b(?:being|been|now) transferred\b"
)
_TRANSFER_NOT = re.compile(
    r"\bif\b|\bwould you like\b|\bdo you want\b|\bcan transfer you\b(?!.*hold)|\brecommend\b(?!.*now)"
)
_FAREWELL = _rx(
    r"\bhave a (?:great|nice|good|wonderful|lovely|pleasant|safe|fantastic|blessed) (?:\w+ )?"
    r"(?:day|night|evening|weekend|one|trip|flight|journey|afternoon|morning)\b",
    r"\b(?:good ?bye|bye|take care|safe travels|talk to you soon|get well soon|see you)\b",
    r"\b(?:a |my )?pleasure (?:to help|helping|assisting)\b",
    r"\bthank(?:s| you) for (?:choosing|contacting|calling)\b",
    r"\bsafe and pleasant journey\b",
)
# "Thanks for contacting us" also opens a conversation: with an offer of help it is a greeting.
_WEAK_FAREWELL = re.compile(r"\bthank(?:s| you) for (?:choosing|contacting|calling)\b")
_ANYTHING_ELSE = _rx(
    r"\banything else\b", r"\bany other (?:requests?|questions?|concerns?)\b",
    r"\bhow (?:can|may|could) (?:i|we) (?:help|assist|be of)\b",
    r"\bwhat (?:else )?(?:can|may) (?:i|we) (?:do|get|help|start|make)\b",
    r"\b(?:can|may) i help you\b", r"\bhelp you with\b.*\?", r"\bget you anything\b",
    r"\bfeel free to (?:ask|reach out|let me know|contact)\b", r"\bdon't hesitate to\b",
    r"\bif you (?:have|need) (?:any )?(?:other|more|further|additional)\b",
    r"\blet me know what i can do\b",
)
_QUESTION_START = re.compile(
    r"^(?:ok(?:ay)?,? |so,? |and |sure,? |great,? )?"
    r"(?:is|are|does|do|did|was|were|can|could|would|will|shall|should|may|what|which|where|when|who|why|how)\b"
)
_SUGGESTION = re.compile(r"\b(?:may|can|could) i (?:suggest|recommend)\b|\bwhy not\b")
_SENTENCE = re.compile(r"(?<=[.?!])\s+|\n+")


def _normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"[ \t]+", " ", text.lower().replace("*", "")).strip()


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def _is_question(sentence: str) -> bool:
    return sentence.endswith("?") or ("?" not in sentence and bool(_QUESTION_START.match(sentence)))


def _is_transfer(sentences: list[str]) -> bool:
    """A hand-off that happens now: not offered, not conditional, not asked."""
    return any(
        _TRANSFER.search(s) and not _is_question(s) and not _TRANSFER_NOT.search(s) for s in sentences
    )


def _request_sentences(sentences: list[str]) -> list[str]:
    # A trailing "if you have other questions, let me know" is an offer, not a request.
    return [s for s in sentences if (_REQUEST.search(s) or (_is_question(s) and _REQUEST_Q.search(s)))
            and not _ANYTHING_ELSE.search(s)]


CACHED_CHARS = 2_000
"""Texts up to this long are cached (a bounded cache of short texts: long LLM replies are
rarely repeated and would hold memory)."""


def _act_and_cue(text: str) -> tuple[str, bool]:
    """Cached for short texts: agents repeat their templates, and each reply is read by the
    customer and again by the evaluators."""
    return _cached_act(text) if len(text) <= CACHED_CHARS else _find_act(text)


def _find_act(text: str) -> tuple[str, bool]:
    norm = _normalise(text)
    sentences = _sentences(norm)
    if _is_transfer(sentences):
        return "transfer", True
    if _request_sentences(sentences):
        return "request", True
    if _CONFIRM.search(norm) or any(_is_question(s) and _CONFIRM_Q.search(s) for s in sentences):
        return "confirm", True
    for act, pattern in (("failure", _FAILURE), ("success", _SUCCESS), ("farewell", _FAREWELL),
                         ("anything_else", _ANYTHING_ELSE)):
        if pattern.search(norm):
            if (act == "farewell" and _ANYTHING_ELSE.search(norm)
                    and not _FAREWELL.search(_WEAK_FAREWELL.sub("", norm))):
                return "anything_else", True
            return act, True
    if any(_is_question(s) and not _SUGGESTION.search(s) for s in sentences):
        return "confirm", False  # an unmatched question is most often a yes/no check
    return "inform", False


_cached_act = functools.lru_cache(maxsize=8192)(_find_act)


def classify(agent_text: str) -> str:
    """The main dialog act of an agent message (one of ACTS)."""
    return _act_and_cue(agent_text)[0]


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    # Hyphens and underscores are dropped on both sides; a space between words is optional,
    # so "e-mail"/"email"/"e mail" and "zip code"/"zipcode"/"zip-code" meet.
    words = re.sub(r"[-_]", "", phrase.lower()).split()
    body = r"\s?".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![\w]){body}(?:e?s)?(?:'s|')?(?![\w])")


_PATTERNS: dict[int, tuple[Mapping[str, Sequence[str]], list[tuple[re.Pattern[str], str]]]] = {}
"""id(vocabulary) -> (the vocabulary, kept alive so its id stays its own; its patterns)."""


def _slot_patterns(vocabulary: Mapping[str, Sequence[str]]) -> list[tuple[re.Pattern[str], str]]:
    """One pattern per phrase, longest phrases first: they claim their words first ("email
    address" is the email, not an address). Compiled once per vocabulary object."""
    hit = _PATTERNS.get(id(vocabulary))
    if hit is not None and hit[0] is vocabulary:
        return hit[1]
    phrases = sorted({(p, slot) for slot, words in vocabulary.items()
                      for p in (slot.replace("_", " "), *words)},
                     key=lambda ps: (-len(ps[0]), ps[0], ps[1]))
    patterns = [(_phrase_pattern(phrase), slot) for phrase, slot in phrases]
    if len(_PATTERNS) >= 256:
        _PATTERNS.clear()
    _PATTERNS[id(vocabulary)] = (vocabulary, patterns)
    return patterns


def requested_slots(agent_text: str, vocabulary: Mapping[str, Sequence[str]]) -> list[str]:
    """Slots (keys of vocabulary) the agent asks the customer for, in order of appearance.

    Only the sentences that carry a request cue are searched, so "I couldn't find that
    email. Could you give me your name?" asks for the name, not the email.
    """
    if classify(agent_text) != "request":
        return []
    norm = _normalise(agent_text)
    text = re.sub(r"[-_]", "", " ".join(_request_sentences(_sentences(norm))) or norm)
    claimed: list[tuple[int, int]] = []
    first: dict[str, int] = {}
    for pattern, slot in _slot_patterns(vocabulary):
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in claimed):
                continue
            claimed.append((m.start(), m.end()))
            first[slot] = min(first.get(slot, m.start()), m.start())
    return [slot for slot, _ in sorted(first.items(), key=lambda kv: (kv[1], kv[0]))]


@dataclass(frozen=True)
class AgentAct:
    """What an agent message asks of the customer."""

    act: str
    """One of ACTS."""
    slots: tuple[str, ...]
    """Slots asked for (empty unless act == "request" and a vocabulary was given)."""
    confident: bool
    """False when no cue matched and the act is a default."""


def recognise(agent_text: str, vocabulary: Mapping[str, Sequence[str]] | None = None) -> AgentAct:
    """The act of an agent message and the slots it requests; confident=False when no cue matched."""
    act, confident = _act_and_cue(agent_text)
    slots = tuple(requested_slots(agent_text, vocabulary)) if vocabulary and act == "request" else ()
    return AgentAct(act=act, slots=slots, confident=confident)
