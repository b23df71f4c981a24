"""LLM user simulator: a customer played by a model (through `convsim.core.llm`).

The system prompt (versioned: PROMPT_VERSION, documented in docs/llm.md) carries
the persona (traits turned into explicit behaviour: how much to reveal per
message, when to push back, how patient, in which mood), the customer's
identity and the facts it knows — resolved through the pack exactly as the
agenda customer resolves them (scenario slots, persona identity, the customer's
row in the backend state) — the facts it does not know, the goal, and a few
real style examples. In the model's own chat the agent's turns are `user`
messages and the customer's are `assistant` messages.

The customer ends with a marker (###DONE###, ###GIVE_UP###, ###TRANSFER###),
stripped from what the agent sees; it sets the reply's `end` flag and the
outcome (completed, abandoned, transferred). Misbehaviour raises
`CustomerMisbehaved` with the reason, which the loop records as outcome
`simulator_error` — never as an agent failure: an empty message, talking as the
agent or offering help, parroting the agent's message, repeating its previous
message, another name than its own or a fact in another form (`off_role`, measured
in benchmarks/fidelity_offrole.py), a marker inside the text, ending in the first
message, an identifier that contradicts its facts (another email or order number
than its own, one the agent never said), or an LLM error after retries. When the
customer's model has failed several calls in a row (its circuit breaker, in
`convsim.core.llm`, is open), `CustomerModelDown` says `circuit open`: the campaign
stops as it does for a dead agent endpoint.

Size: over 400 lines because the prompt and the validity checks of each customer turn read
the same persona, facts and history; splitting them would pass that state around.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from convsim.core.config import LLMConfig
from convsim.core.llm import CIRCUIT_OPEN, LLMError, client_for
from convsim.core.packs.model import Domain, fill
from convsim.core.protocols import UserReply
from convsim.core.records import ConversationSpec, LLMUsage, PersonaTraits
from convsim.core.registry import user_simulator
from convsim.simulator.customers.agenda import AgendaUser, MissingSlotValue, say_value

PROMPT_VERSION = "customer-v1"
"""Version of the prompt below; recorded on every conversation (llm_prompt_version)."""

MARKERS = {"###DONE###": "completed", "###GIVE_UP###": "abandoned",
           "###TRANSFER###": "transferred"}
START = "(The chat with customer service has just opened. Write your first message.)"
"""The first `user` message of the customer's chat: the customer speaks first."""
META_SLOTS = {"unknown", "opening", "opening_intent", "identify_with", "first_request",
              "wrong_info_first", "hint", "customer_turns", "adds_later"}
"""Scenario slots that steer the customer rather than being facts it knows."""
AGENT_TALK = [re.compile(p, re.IGNORECASE) for p in (
    r"\bhow (can|may|could) i (help|assist)\b",
    r"\bhow may i\b",
    r"\bwhat can i (help you with|do for you)\b",
    r"\banything else (i|we) can (help|assist|do)\b",
    r"\bas an ai\b", r"\bi(?:'m| am) (an?|the) (ai|assistant|language model|virtual assistant|chatbot|bot)\b",
    r"\bthank(s| you) for (contacting|reaching out to|calling|choosing|shopping with) (us|our)\b",
    r"\bthank(s| you) for being a (loyal|valued) customer\b",
    r"\bwould you like (something|anything) else\b",
    r"\bwhat (else )?can i get (for )?you\b",
    r"\bwe (do not|don't) (have|sell|carry|offer)\b",
    r"\byour (order|drink|coffee|food|items?|package|refund|exchange|flight|reservation) "
    r"(will be|is going to be|should be|is being) (ready|up|on its way|waiting|delivered|"
    r"processed|made|prepared)\b",
    r"\bis (this|the (displayed )?order|the order displayed) (correct|accurate|right)\b",
    r"\bis this (what you (ordered|wanted)|correct order)\b",
    r"\bdoes (everything|the order) look (good|right|correct)\b",
    r"\bi (just )?(punched|put|rang|entered) (in )?your order\b",
    r"\bplease (check|review|look at) the (display|screen)\b",
    r"\bhere are (some|the) (available|options|details of your)\b",
    r"\b(has|have) been issued to you\b",
    r"\byou can (pick|obtain|collect) (it|your order|your drink)\b",
    r"\b(let me|i'll|i will) (retrieve|look up|pull up) (your|the details)\b",
    r"\byour (order|reservation|refund|booking|flight|items?|package|"
    r"return|exchange|payment|total|balance)\b(?! number)",
    r"\bwould you like\b(?! (my|me|the number|to know))",
    r"\bplease confirm\b",
    r"\b(i'?m|i am|we're|we are) (here|happy|glad) to (help|assist)\b",
    r"\bi(?:'d| would) be (happy|glad) to (help|assist)\b",
    r"\bi can help you (with|to)\b",
    r"\b(i'?m|i am|this is) [\w ]{0,25}\b(customer service|customer support|support) "
    r"(agent|representative|rep|assistant|team)\b",
    r"\b(let me|i'll|i will) (check|look up|look into|pull up|verify|process|cancel|update|"
    r"review) (that|this|your|the)\b.{0,40}\bfor you\b",
    r"\b(please|could you|can you|would you) (kindly )?(provide|confirm|verify|share) your "
    r"(email|order|name|zip|account|phone|full name|user)",
    r"\byour (order|request|refund|return|account|exchange|reservation|booking) (has been|is now|"
    r"was successfully)\b",
    r"\b(dear|valued) customer\b",
    r"(^|\n)\s*(agent|assistant|customer service|support|representative)\s*:",
    r"\n\s*(customer|user)\s*:",
)]
"""Phrases only the agent says (offering help, being an AI, confirming the agent's own
actions, asking the customer for their details) or a transcript of several turns: the
model stopped playing the customer. Measured on real customer turns and off-role ones
(benchmarks/fidelity_offrole.py)."""
_WORDS = re.compile(r"[a-z0-9']+")
_INTRO = re.compile(r"\b(?i:my name is|my name's|name is|this is|i'm|i am)\s+([A-Z][\w'-]+)"
                    r"(?:\s+([A-Z][\w'-]+))?")
_SLOT_VALUE = r"\b{words}\b(?: (?:is|was|are))?\s*[:,-]?\s*(?:it's |its )?([\w.+@#-]*\d[\w.+@#-]*)"
PARROT_RUN = 8
"""A customer turn of which this many words in a row, and at least PARROT_SHARE of its words,
come from the agent's message parrots it (a confirmation may repeat the agent's proposal:
"Yes, please use my credit card ending in 7334 for the upgrade")."""
PARROT_SHARE = 0.8


def _common_run(a: list[str], b: list[str]) -> int:
    """Longest run of words in a row shared by a and b."""
    best, prev = 0, [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def off_role(text: str, agent_text: str = "", said: Sequence[str] = (),
             name: tuple[str, str] | None = None,
             facts: Sequence[tuple[str, str]] = ()) -> str | None:
    """Why a customer turn is not a customer's (None when it is): talks as the agent or
    offers help, parrots the agent's last message, repeats its own previous message,
    introduces itself with another name than its own (`name`: first, last), or gives one
    of its facts (`facts`: words, value) in another form (a 4-digit zip code where its
    zip has 5)."""
    for pattern in AGENT_TALK:
        m = pattern.search(text)
        if m:
            return f"talked as the agent ({m.group(0).strip()!r})"
    words = _WORDS.findall(text.lower())
    if agent_text and len(words) >= PARROT_RUN:
        run = _common_run(words, _WORDS.findall(agent_text.lower()))
        if run >= PARROT_RUN and run >= PARROT_SHARE * len(words):
            return f"parroted the agent ({run} words in a row of its message)"
    if said and len(words) >= 6 and words == _WORDS.findall(said[-1].lower()):
        return "repeated its previous message"
    if name is not None:
        from convsim.core.names import first_names

        own = {n.lower() for n in name}
        for m in _INTRO.finditer(text):
            given = [g for g in m.groups() if g]
            if given[0].lower() in first_names() and not own & {g.lower() for g in given}:
                return f"gave another name ({' '.join(given)!r}) than its own ({' '.join(name)!r})"
    for fact_words, value in facts:
        ids = _identifiers(value)
        if not ids:
            continue
        pattern = re.compile(_SLOT_VALUE.format(words=re.escape(fact_words)), re.IGNORECASE)
        for m in pattern.finditer(text):
            token = m.group(1).rstrip(".,")
            if _norm(token) != _norm(ids[0]) and _shape(token) != _shape(ids[0]):
                return (f"gave its {fact_words} in another form ({token!r}, its {fact_words} "
                        f"is {ids[0]!r})")
    return None


_LABEL = re.compile(r"^\s*(customer|me|user)\s*:\s*", re.IGNORECASE)
_IDENT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|#?[A-Za-z]*\d[\w#-]*")
"""Identifier-like tokens: emails, and words with digits (ids, phone numbers, postcodes)."""
_MARKER = re.compile(r"#{2,}\s*[A-Z_ ]{2,}\s*#{0,}|#{3,}", re.IGNORECASE)


class CustomerMisbehaved(Exception):
    """The model did not play the customer properly (convsim's side, not the agent's)."""


class CustomerModelDown(Exception):
    """The customer's model failed BREAKER_FAILURES calls in a row: its circuit is open
    (`circuit open: ...`); the conversation is not written and the campaign stops."""


def _identifiers(text: str) -> list[str]:
    """Emails, and tokens holding at least 4 digits, as written."""
    return [t.rstrip(".-") for t in _IDENT.findall(text)
            if "@" in t or sum(c.isdigit() for c in t) >= 4]


def _shape(token: str) -> str:
    """What kind of identifier a token is: "email", or its letters/digits pattern with the
    separators dropped ("#W1234567" -> "#a9999999", "555-123-4567" -> "9999999999")."""
    if "@" in token:
        return "email"
    return "".join("9" if c.isdigit() else "a" if c.isalpha() else c for c in token
                   if c not in "-.")


def _norm(token: str) -> str:
    return token.lower().replace("-", "").replace(".", "")


def _words(domain: Domain, slot: str) -> str:
    spec = domain.slots.get(slot)
    return spec.words[0] if spec is not None and spec.words else slot.replace("_", " ")


def behaviour(traits: PersonaTraits, upfront: bool, identify: str | None) -> list[str]:
    """The persona's traits as explicit instructions (the point: not an over-cooperative,
    front-loading, endlessly patient customer)."""
    facts = 1 if traits.verbosity < 0.4 else 2 if traits.verbosity < 0.75 else 3
    length = ("one short sentence" if traits.verbosity < 0.3 else
              "one or two sentences" if traits.verbosity < 0.7 else
              "two to four sentences; you chat a little")
    lines = [f"Write like a real customer in a chat: {length} per message.",
             f"Give at most {facts} piece{'s' if facts > 1 else ''} of information per message,"
             " and only what the agent asked for (unless it is needed to state your request)."]
    if upfront and identify:
        lines.append(f"In your first message, say what you need and give your {identify}.")
    else:
        lines.append("In your first message, say only what you need; give details when asked.")
    if identify:
        lines.append(f"When asked who you are, identify yourself with your {identify}.")
    if traits.cooperativeness < 0.5:
        lines.append("You are reluctant to share personal details: the first time the agent "
                     "asks for one, ask why it is needed before you give it.")
    elif traits.cooperativeness < 0.8:
        lines.append("You sometimes answer only part of what the agent asked.")
    else:
        lines.append("You answer the agent's questions directly.")
    lines.append(
        "If the agent does not make progress (asks again for something you already gave, fails, "
        "misunderstands, or offers something you did not ask for), push back: say again what you "
        "need. Do not quietly accept an alternative you did not ask for. "
        f"After {traits.patience} such failure{'s' if traits.patience > 1 else ''}, give up.")
    lines.append({
        "calm": "You are calm and polite.",
        "frustrated": "You are frustrated (this has already cost you time) and it shows, "
                      "briefly and without insults.",
        "anxious": "You are anxious about this and want reassurance.",
        "cheerful": "You are cheerful and friendly.",
    }[traits.emotion])
    return lines


class LLMUser:
    """A customer played by an LLM for one conversation spec."""

    def __init__(self, spec: ConversationSpec, domain: Domain, llm: LLMConfig | None = None
                 ) -> None:
        self.spec, self.domain = spec, domain
        self.config = llm or LLMConfig()
        self.client = client_for(self.config)
        # Facts come from the pack exactly as the agenda customer finds them.
        self._facts = AgendaUser(spec, domain)
        self.rng = np.random.default_rng([spec.seed, 0x11A])
        self.system_prompt = self._prompt()
        self.messages: list[dict[str, Any]] = [
            {"role": "system", "content": self.system_prompt}, {"role": "user", "content": START}]
        self.usage = LLMUsage(prompt_version=PROMPT_VERSION)
        self._said: list[str] = []
        self._last_agent = ""
        self._outcome: str | None = None
        # The identifiers the customer may say: its facts, its goal and scenario, and what
        # the agent says; another of the same shape as a fact is made up.
        self._facts_by_shape: dict[str, list[tuple[str, str]]] = {}
        for words, value in self.known_facts():
            for token in _identifiers(value):
                self._facts_by_shape.setdefault(_shape(token), []).append((words, token))
        self._allowed = {_norm(t) for t in _identifiers(
            " ".join([spec.scenario.goal, str(spec.scenario.slots),
                      *[v for _, v in self.known_facts()]]))}
        self._slips = 1 if spec.scenario.slots.get("wrong_info_first") else 0

    @property
    def outcome(self) -> str | None:
        return self._outcome

    # ------------------------------------------------------------------ the prompt

    def known_facts(self) -> list[tuple[str, str]]:
        """(words, value) of what the customer knows: the scenario's slots and the pack's
        slots about the customer (identity, their row), resolved like the agenda user."""
        slots = self.spec.scenario.slots
        binding = self.domain.binding
        names = [s for s in slots if s not in META_SLOTS and not (
            binding is not None and s == binding.slot and s not in self.domain.slots)]
        names += [s for s, spec in self.domain.slots.items()
                  if (spec.identity or spec.field) and s not in names]
        facts = []
        for name in names:
            try:
                value = self._facts.value(name)
            except MissingSlotValue:
                continue  # the pack cannot say it; the customer does not know it
            if value is not None and value != "":
                facts.append((_words(self.domain, name), say_value(value)))
        return facts

    def style_examples(self, k: int = 3) -> list[str]:
        """Real customer utterances in this persona's voice (mined), filled with its facts:
        those real customers wrote for the scenario's own intent first (few-shot of its
        request), then others."""
        persona = self.spec.persona
        intent = self.spec.scenario.intent
        context = self._facts._context()
        own: list[str] = []
        pool = list(persona.style_examples)
        for key, options in persona.utterances.items():
            mine = key.endswith(f"@{intent}") or key == f"open_{intent}"
            for template in options:
                filled = str(fill(template, context))
                if "{" not in filled:
                    (own if mine else pool).append(filled)
        own = list(dict.fromkeys(p.strip() for p in own if p.strip()))
        pool = [p for p in dict.fromkeys(p.strip() for p in pool if p.strip()) if p not in own]
        picked: list[str] = []
        for options, want in ((own, k), (pool, k - min(k, len(own)))):
            if len(options) <= want:
                picked += options
            elif want:
                picks = sorted(int(i) for i in self.rng.choice(len(options), size=want,
                                                                replace=False))
                picked += [options[i] for i in picks]
        return picked

    def _prompt(self) -> str:
        spec, domain = self.spec, self.domain
        persona, slots = spec.persona, spec.scenario.slots
        who = f"{persona.identity.first_name} {persona.identity.last_name}"
        # The pack's description up to its first colon: "Online retail store", not its tools.
        business = re.split(r"[:;(]", domain.description)[0].strip().rstrip(".") or domain.name
        identify = None
        if domain.binding is not None and domain.binding.identify:
            way = slots.get("identify_with") or sorted(domain.binding.identify)[0]
            identify = " and ".join(_words(domain, s) for s in domain.binding.identify.get(way, []))
        upfront = bool(self.rng.random() < persona.traits.upfront_info_rate)
        parts = [
            f"You are {who}, a customer chatting with the customer service of a business "
            f"({business}). "
            "You play the CUSTOMER only; the other side of the chat is the company's agent.",
            "", "# Your goal", spec.scenario.goal.strip()]
        if slots.get("first_request"):
            parts += [f"But first ask for this: {slots['first_request']}. After the agent's first "
                      "answer, change your mind and ask for your real goal instead."]
        if slots.get("opening"):
            parts += [f"You might open with something like: \"{slots['opening']}\""]
        parts += ["", "# What you know (use these exact values; never change them)"]
        parts += [f"- your name: {who}"] + [f"- {w}: {v}" for w, v in self.known_facts()]
        unknown = [_words(domain, s) for s in slots.get("unknown") or []]
        if unknown:
            parts += ["", "# What you do not know",
                      f"You do not know your {', '.join(unknown)}. If asked, say you don't know."]
            if slots.get("hint"):
                parts += [f"What you can say instead: {slots['hint']}"]
        parts += ["Anything not listed above you do not know: say so, never make it up."]
        if slots.get("wrong_info_first") and identify:
            parts += [f"The first time you give your {identify}, make a small typo (two swapped "
                      "characters); give the correct value if the agent cannot find it."]
        parts += ["", "# How you behave", f"You are: {persona.description}."
                  if persona.description else ""]
        parts += [f"- {line}" for line in behaviour(persona.traits, upfront, identify)]
        examples = self.style_examples()
        if examples:
            parts += ["", "# How customers like you write (match the tone, not the content)"]
            parts += [f"- \"{e}\"" for e in examples]
        parts += [
            "", "# Rules",
            "1. Write only your next message as the customer: one message, no name or label in "
            "front, no stage directions, no quotes around it.",
            "2. Never act as the agent: do not offer help, do not say \"How can I help you\", "
            "never say you are an AI.",
            "3. Never invent facts beyond those above; never contradict them.",
            "4. When the agent has done what you wanted and you need nothing else, write a short "
            "closing message ending with ###DONE###. If you give up, write a short message ending "
            "with ###GIVE_UP###. If the agent transfers you to a human, reply briefly and end "
            "with ###TRANSFER###. The marker goes at the very end, nowhere else.",
            "5. Never end the conversation in your first message: pursue your goal first."]
        return "\n".join(p for p in parts if p is not None)

    # ------------------------------------------------------------------ turns

    async def _next(self) -> UserReply:
        try:
            result = await self.client.complete(
                self.messages, model=self.config.model, temperature=self.config.temperature,
                seed=self.spec.seed)
        except LLMError as exc:
            if f"{CIRCUIT_OPEN}: " in str(exc):  # the campaign stops, as for a dead agent
                raise CustomerModelDown(f"{CIRCUIT_OPEN}: the simulated customer's model "
                                        f"{str(exc).split(f'{CIRCUIT_OPEN}: ', 1)[1]}") from None
            raise
        self.usage.add(result.usage)
        raw = result.text
        text, outcome = self._parse(raw)
        first = not self._said
        if outcome is not None and first:
            raise CustomerMisbehaved(f"ended in its first message, before pursuing the goal: "
                                     f"{raw[:120]!r}")
        if len(self._said) >= 2 and text == self._said[-1] == self._said[-2]:
            raise CustomerMisbehaved(f"repeated the same message three times: {text[:120]!r}")
        identity = self.spec.persona.identity
        why = off_role(text, self._last_agent, self._said,
                       (identity.first_name, identity.last_name), self.known_facts())
        if why is not None:
            raise CustomerMisbehaved(f"{why}: {text[:160]!r}")
        self._check_facts(text)
        self._said.append(text)
        self.messages.append({"role": "assistant", "content": raw})
        if outcome is not None:
            self._outcome = outcome
            return UserReply(text=text, end=True)
        return UserReply(text=text)

    def _parse(self, raw: str) -> tuple[str, str | None]:
        """(what the agent sees, outcome if the customer ended); raises CustomerMisbehaved."""
        text = _LABEL.sub("", raw.strip()).strip()
        outcome = None
        upper = text.upper()
        found = [m for m in MARKERS if m in upper]
        if len(found) > 1:
            raise CustomerMisbehaved(f"wrote several end markers: {raw[:120]!r}")
        if found:
            at = upper.index(found[0])
            after = text[at + len(found[0]):].strip()
            if re.search(r"\w", after):
                raise CustomerMisbehaved(f"leaked the end marker mid-text: {raw[:160]!r}")
            text, outcome = text[:at].strip(), MARKERS[found[0]]
        if _MARKER.search(text):
            raise CustomerMisbehaved(f"leaked a malformed end marker: {raw[:160]!r}")
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
            text = text[1:-1].strip()
        if not text:
            if outcome is None:
                raise CustomerMisbehaved("wrote an empty message")
            text = self._closing(outcome)  # a bare marker: the customer just leaves
        return text, outcome

    def _check_facts(self, text: str) -> None:
        """Raises CustomerMisbehaved when the customer states an identifier of the same kind
        as one of its facts (an email, an order number, a phone number) that is neither its
        own, nor in its scenario, nor said by the agent: it made a fact up, and the agent
        would be judged on a customer that does not exist. A scenario whose customer first
        gives a wrong value (wrong_info_first) may slip once."""
        for token in _identifiers(text):
            facts = self._facts_by_shape.get(_shape(token))
            if not facts or _norm(token) in self._allowed:
                continue
            if self._slips and any(sorted(_norm(token)) == sorted(_norm(v)) for _, v in facts):
                self._slips -= 1  # the typo the scenario asked for (two swapped characters)
                continue
            words, value = facts[0]
            raise CustomerMisbehaved(f"contradicted the scenario: said {token!r} where its "
                                     f"{words} is {value!r}")

    def _closing(self, outcome: str) -> str:
        key = {"completed": "thanks_done", "abandoned": "give_up"}.get(outcome)
        said = self._facts._say(key) if key else None
        return said or ("Okay, I'll wait." if outcome == "transferred" else "Bye.")

    async def opening(self) -> UserReply:
        return await self._next()

    async def respond(self, agent_text: str) -> UserReply:
        self.messages.append({"role": "user", "content": agent_text})
        self._last_agent = agent_text
        self._allowed.update(_norm(t) for t in _identifiers(agent_text))
        return await self._next()


@user_simulator("llm")
def make_llm_user(spec: ConversationSpec, domain: Domain, llm: LLMConfig | None = None
                  ) -> LLMUser:
    return LLMUser(spec, domain, llm)
