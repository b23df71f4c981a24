"""Agenda-based user simulator (offline default, no LLM), for any domain pack.

The customer holds an agenda from the scenario (its goal, the slots it knows,
what it does not know) and reacts to what the agent's message asks, read by
the domain-general recogniser in `convsim.core.acts` with the pack's slot
vocabulary: it answers requested slots (values from the scenario, the persona's
identity, or the customer's row in the state), says yes to confirmations, ends
on success, transfer or farewell, asks for a human after a refusal, and gives up
when its patience runs out. When it cannot tell what the agent wants, it gives a
cooperative generic reply and marks the turn `unsure`.

Utterances come, in order, from the persona (mined from real customers), the
pack (`Domain.utterances`), and the neutral defaults below.

A persona drawn from a catalog with `styles.parquet` (see `convsim.personas`) is
*fitted*: it opens with an opening of its intent as is (the information real
customers give up front: no identity, mood or chatter added; out of scope, a real
request of an intent the pack has no scenario for), speaks with every real utterance of the
catalog for the intent and key (not a small sample), preferring those whose length
sits where its real customer's did among real customers, and reacts to an agent
failure the way a real customer of the intent did (a real reaction; leaving when
that reaction was the real customer's last turn). Personas without one behave as
before, byte for byte. Keys:
`open_<intent>`, `identify_<way>`, `answer_<slot>` or `answer_<slot>=<value>`,
`dont_know_<slot>`, `hint_<slot>`, and the general ones in DEFAULTS.

A scenario's `adds_later` slots (packs built from transcripts set them: what the real
customer said after its opening) are said at the agent's first summary that lacks them,
instead of a yes: a customer does not accept an order without the add-on it came for.

Size: over 400 lines because it holds one customer's reply policy (a state machine over the
agent's acts) with its utterance choice; the pieces only make sense together.
"""

from __future__ import annotations

import re
import zlib
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from convsim.core.acts import AgentAct, recognise
from convsim.core.packs.model import Domain, Slot, fill, get_path
from convsim.core.protocols import UserReply
from convsim.core.records import LEFT_UNASKED, ConversationSpec
from convsim.core.registry import user_simulator
from convsim.core.seeded_faker import seeded_faker

DEFAULTS: dict[str, list[str]] = {
    "yes": ["Yes, please.", "Yes.", "Yes, go ahead.", "That's right, please proceed."],
    "no": ["No.", "No, that's not right."],
    "ok": ["Okay.", "Alright.", "Okay, thanks."],
    "uncooperative": ["Why do you need that?", "Can't you just look it up?",
                      "Is that really necessary?"],
    "ask_human": ["Then can I talk to a human, please?", "Can you get me a real person?"],
    "thanks_done": ["Great, thanks. That's all.", "Thank you, that's all I needed."],
    "give_up": ["Forget it, I'll try again later.", "This isn't working. Bye."],
    "change_mind": ["Actually, never mind that.", "Sorry, actually I need something else."],
    "dont_know": ["Sorry, I don't know the {slot_words}.", "I'm not sure about the {slot_words}."],
    "answer": ["My {slot_words} is {value}.", "It's {value}.", "{value}"],
    "answer_many": ["Sure: {pairs}.", "{pairs}"],
    "add": ["Could you add {value} to that?", "Can I also get {value}?", "And {value} too, please."],
    "confused": ["Sorry, what do you need from me?", "I'm not sure what you mean."],
    "restate": ["I need help with this: {goal_lower}", "Like I said, {goal_lower}"],
    "open": ["Hi, {goal_lower}", "Hello. {goal}", "Hi there, I need some help. {goal}"],
    "chatter": ["I've been a customer for years.", "I'm in a bit of a hurry today."],
    "side_question": ["By the way, what are your opening hours?",
                      "Oh, quick question first: do you have a phone number I can call?",
                      "Before that, is there a way to get emails instead of texts?"],
    "back_on_topic": ["Anyway, back to my request.", "Sorry, anyway."],
    "correction": ["Sorry, I mistyped that: {value}.", "Wait, correction: it's {value}."],
    "mood_frustrated": ["This is really annoying.", "Honestly, I'm pretty frustrated."],
    "mood_anxious": ["I'm a bit worried about this.", "I hope this can be sorted out quickly."],
    "mood_cheerful": ["Hi there!", "Good morning!"],
}
# Keys of banks mined before packs existed (convsim mine), and their placeholders.
LEGACY_KEYS = {"identity_email": "identify_email", "identity_name_zip": "identify_name_zip",
               "order_id": "answer_order_id", "items": "answer_item_names",
               "address": "answer_new_address", "reason_no_longer": "answer_reason=no longer needed",
               "reason_mistake": "answer_reason=ordered by mistake"}
LEGACY_PLACEHOLDERS = {"first": "first_name", "last": "last_name", "items": "item_names",
                       "address": "new_address"}
GENERIC = frozenset({"yes", "no", "ok", "thanks_done"})
"""Acts whose real wording does not depend on the intent."""
GENERIC_MIN = 8
"""Below this many real utterances of the intent, a fitted customer says a generic act with
those of every intent."""
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)\}")


def say_value(value: Any) -> str:
    """A slot value as a customer would say it."""
    if isinstance(value, list):
        return " and the ".join(say_value(v) for v in value)
    if isinstance(value, dict):
        if {"address1", "city"} <= set(value):
            return (f"{value.get('address1', '')}, {value.get('city', '')}, "
                    f"{value.get('state', '')} {value.get('zip', '')}").strip(", ")
        return ", ".join(say_value(v) for v in value.values())
    return str(value)


_NUMBER_WORDS = {"1": "one", "2": "two", "3": "three", "4": "four", "5": "five"}


def _mentioned(value: Any, text: str) -> bool:
    """`value` is said in `text` (lower case), a small number also as a word ("1 latte",
    "one latte")."""
    said = say_value(value).lower()
    return any(re.search(rf"(?<!\w){re.escape(v)}(?!\w)", text)
               for v in (said, _NUMBER_WORDS.get(said, said)))


@cache
def real_reactions(catalog: str) -> dict[tuple[str, str], list[tuple[str, bool]]]:
    """(intent, agent act answered) -> (template, was the customer's last turn) of the
    fillable real customer turns of a catalog (utterances.parquet)."""
    import polars as pl

    path = Path(catalog) / "utterances.parquet"
    out: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    if not path.is_file():
        return out
    bank = pl.read_parquet(path)
    if "last" not in bank.columns:
        return out
    for intent, act, template, last in bank.filter(pl.col("fillable")).sort(
            "conversation_id", "turn_index").select(
            "intent", "answers_act", "template", "last").iter_rows():
        out.setdefault((intent, act), []).append((template, bool(last)))
    return out


_ORDERS = re.compile(r"\b(?:can|could|may) (?:i|we) (?:please |possibly )?(?:get|have|grab|order)\b"
                     r"|\bget me\b|\bi(?:'d| would) like (?:a|an|one|the)\b", re.IGNORECASE)
"""An order put as a question ("Can I get an Americano?"): a real conversation that ended after
one is one the agent ended (it had no Americano), not a customer who only asked."""


@cache
def asks_and_leaves(catalog: str) -> dict[str, tuple[float, list[str]]]:
    """intent -> (share of the intent's real conversations whose one customer turn was a
    question, those questions) of a catalog (utterances.parquet): real customers who ask
    about the menu ("what kinds of tea do you have?"), hear the answer and go. Orders put as
    questions are left out, from the questions and from the share (`_ORDERS`)."""
    import polars as pl

    path = Path(catalog) / "utterances.parquet"
    if not path.is_file():
        return {}
    bank = pl.read_parquet(path)
    if "last" not in bank.columns:
        return {}
    openings = bank.filter(pl.col("key").str.starts_with("open_"))
    out: dict[str, tuple[float, list[str]]] = {}
    for (intent,), rows in sorted(openings.group_by("intent"), key=lambda g: str(g[0][0])):
        asked = [t for t in rows.filter(
            pl.col("last") & pl.col("fillable") & pl.col("template").str.contains(
                "?", literal=True)).sort("conversation_id")["template"] if not _ORDERS.search(t)]
        if asked:
            out[str(intent)] = (len(asked) / rows["conversation_id"].n_unique(), asked)
    return out


@cache
def _full_bank(catalog: str) -> dict[str, list[str]]:
    """Every fillable real utterance of a catalog by bank key (read once per process)."""
    from convsim.core.catalog import load_catalog

    return {k: list(v) for k, v in load_catalog(catalog).bank.items()}


_GOLDEN = (5**0.5 - 1) / 2
"""The fractional golden ratio: consecutive multiples of it spread evenly over [0, 1)."""

_CONTENT = re.compile(r"\d|(?<![.!?] )(?<!^)\b(?!I\b|I')[A-Z]")
"""Digits or a capitalised word inside a sentence: a real reaction that names something
(a product, a date) another customer's scenario does not have."""


class MissingSlotValue(Exception):
    """The pack says where a slot's value comes from, and it is not there (convsim's side)."""


class AgendaUser:
    """Scripted customer for one conversation spec; deterministic for the spec's seed."""

    def __init__(self, spec: ConversationSpec, domain: Domain) -> None:
        self.spec, self.domain = spec, domain
        self.scenario, self.persona = spec.scenario, spec.persona
        self.traits = spec.persona.traits
        self.slots = dict(spec.scenario.slots)
        self.vocabulary = domain.vocabulary()
        self._rng: np.random.Generator | None = None  # seeded on first draw (`rng`)
        self.row = domain.initial_customer(spec.scenario, spec.persona) or {}
        self.unknown = set(self.slots.get("unknown") or [])
        self.goal_done = False
        self.asks: dict[str, int] = {}
        self.told: set[str] = set()
        self.asked_for_human = False
        self.wrong_pending = bool(self.slots.get("wrong_info_first"))
        self.first_request = self.slots.get("first_request")
        self._outcome: str | None = None
        self.labels: dict[str, str] = {}  # findings copied into the conversation (CustomerLabels)
        self._invented: dict[str, Any] = {}
        self._ctx: dict[str, Any] | None = None
        # Production mess from the perturbation profile, drawn once per conversation (a
        # profile without it needs no draw: random() < 0 is never true).
        profile = spec.perturbation
        self.switch_at: int | None = None
        self.correction_pending = False
        if profile.topic_switch_rate > 0 or profile.correction_rate > 0:
            mess = np.random.default_rng([spec.seed, 0x70B1C])
            if mess.random() < profile.topic_switch_rate:
                self.switch_at = int(mess.integers(1, 4))
            self.correction_pending = bool(mess.random() < profile.correction_rate)
        self.correct_next: str | None = None
        self.resume_after_switch: UserReply | None = None
        self.replies = 0
        bank: dict[str, list[str]] = {}
        for key, options in self.persona.utterances.items():
            base, at, intent = key.partition("@")
            bank.setdefault(LEGACY_KEYS.get(base, base) + at + intent, []).extend(options)
        self._bank = bank
        # Fitted to a catalog's real customers (see the module docstring).
        self.fitted = str(spec.persona.provenance.get("fitted_from") or "")
        self.length_q = float(spec.persona.provenance.get("length_quantile", 0.5))
        if self.fitted:
            self._bank = _full_bank(self.fitted)
        # A fitted customer's place in the campaign (its scenario's index): utterance choices
        # follow a low-discrepancy sequence over it, so a campaign uses the real utterances
        # evenly instead of drawing the same few again by chance (see `_pick`).
        index = spec.scenario.provenance.get("index")
        self._position = (int(index) + 7919 * spec.repetition
                          if isinstance(index, int) and self.fitted else None)
        self._said: set[str] = set()
        self._request: tuple[str, str] | None = None
        self._opened = ""  # the opening as said (lower case): what it carried is not added later

    @property
    def outcome(self) -> str | None:
        return self._outcome

    @property
    def rng(self) -> np.random.Generator:
        """The conversation's generator, seeded on first draw (seeding one costs ~15-40 µs,
        and a conversation may draw nothing from it): the draws are those of a generator
        seeded at the start."""
        if self._rng is None:
            self._rng = np.random.default_rng([self.spec.seed, 0xA6E])
        return self._rng

    # ------------------------------------------------------------------ values and words

    def value(self, slot: str) -> Any:
        """What the customer knows of a slot, or None."""
        if slot in self.unknown:
            return None
        if slot in self.slots and slot not in ("unknown", "opening"):
            return self.slots[slot]
        spec = self.domain.slots.get(slot)
        if spec is not None and spec.identity:
            if spec.identity not in type(self.persona.identity).model_fields:
                raise MissingSlotValue(f"slot {slot!r}: the persona identity has no field "
                                       f"{spec.identity!r} (domain {self.domain.name})")
            return getattr(self.persona.identity, spec.identity)
        if spec is not None and spec.field:
            value = get_path(self.row, spec.field)
            if value is None:
                raise MissingSlotValue(
                    f"slot {slot!r}: the customer's row has no field {spec.field!r} "
                    f"(domain {self.domain.name}, scenario {self.scenario.id})")
            return value
        identity = getattr(self.persona.identity, slot, None)
        if identity is not None or spec is None:
            return identity
        return self._made_up(slot, spec)

    def _made_up(self, slot: str, spec: Slot) -> Any:
        """A value the customer can make up (a new phone number, a preferred date): from the
        slot's faker provider or its allowed values, deterministic for the conversation."""
        if slot in self._invented:
            return self._invented[slot]
        def rng() -> np.random.Generator:  # seeded only where a value is drawn
            return np.random.default_rng([self.spec.seed, 0xFA4, zlib.crc32(slot.encode())])

        value: Any = None
        if spec.faker:
            fake = seeded_faker(self.persona.identity.locale, int(rng().integers(2**31)))
            provider, _, arg = spec.faker.partition(":")
            method = getattr(fake, provider, None)
            if method is None:
                raise MissingSlotValue(f"slot {slot!r}: faker has no provider {provider!r}")
            value = method(arg) if arg else method()
        elif spec.values:
            value = spec.values[int(rng().integers(len(spec.values)))]
        self._invented[slot] = value
        return value

    def _context(self) -> dict[str, Any]:
        """Placeholder values: the same for the whole conversation (slots do not change and
        made-up values are drawn once), so computed once."""
        if self._ctx is None:
            self._ctx = self._build_context()
        return self._ctx

    def _build_context(self) -> dict[str, Any]:
        ctx: dict[str, Any] = dict(self.persona.identity.model_dump())
        for name in sorted(set(self.domain.slots) | set(self.slots)):
            try:
                v = self.value(name)
            except MissingSlotValue:
                continue  # only an error when the agent asks for it
            if v is not None:
                ctx[name] = say_value(v)
        for old, new in LEGACY_PLACEHOLDERS.items():
            if new in ctx:
                ctx[old] = ctx[new]
        goal = self.scenario.goal.strip()
        ctx["goal"] = goal
        ctx["goal_lower"] = (goal[:1].lower() + goal[1:]) if goal else ""
        return ctx

    def _options(self, key: str) -> list[str]:
        """Real customers of this intent first, then the pack's, then real customers of any
        intent (their answers may carry another intent's words), then neutral defaults."""
        intent = self.slots.get("opening_intent") or self.scenario.intent
        own = self._bank.get(f"{key}@{intent}")
        if own and self.fitted and key in GENERIC and len(own) < GENERIC_MIN:
            # a few real "yes"/"thanks" of the intent: every real customer's (they include
            # these), not the same two again in every conversation of the intent
            return self._bank.get(key) or own
        return (own or self.domain.utterances.get(key)
                or self._bank.get(key) or DEFAULTS.get(key, []))

    def _say(self, key: str, extra: dict[str, Any] | None = None, avoid: set[str] | None = None
             ) -> str | None:
        """A filled utterance for `key`, or None when no template can be filled."""
        ctx = {**self._context(), **(extra or {})}
        options = self._options(key)
        ok = [o for o in options if all(p in ctx for p in _PLACEHOLDER.findall(o))
              and not (avoid and any(p in avoid for p in _PLACEHOLDER.findall(o)))]
        if not ok:
            return None
        return str(fill(self._pick(ok), ctx))

    def _pick(self, options: list[str]) -> str:
        """One option; a fitted persona prefers those whose length sits where its real
        customer's length sat among real customers, does not say again what it said in
        this conversation while another option is left, and draws by its campaign position
        (`u = frac(salt + position * golden ratio)`, inverted through the weights): over
        consecutive scenarios the real utterances of a key are used evenly, each in
        proportion to its weight, where independent draws would repeat a few by chance."""
        if not self.fitted or len(options) == 1:
            return options[int(self.rng.integers(len(options)))]
        order = np.argsort([len(o.split()) for o in options], kind="stable")
        rank = np.empty(len(options))
        rank[order] = np.arange(len(options)) / (len(options) - 1)
        weights = np.exp(-np.abs(rank - self.length_q) / 0.25)
        fresh = np.array([o not in self._said for o in options])
        if fresh.any():
            weights = weights * fresh
        cdf = np.cumsum(weights / weights.sum())
        if self._position is None:
            u = float(self.rng.random())
        else:
            salt = zlib.crc32(options[0].encode()) / 2**32
            u = (salt + self._position * _GOLDEN) % 1.0
        choice = options[min(int(np.searchsorted(cdf, u, side="right")), len(options) - 1)]
        self._said.add(choice)
        return choice

    def _real_reaction(self, act: str) -> tuple[str, bool] | None:
        """A real customer's turn of this intent answering the agent act, filled with this
        customer's values, and whether it was that customer's last turn."""
        intent = self.slots.get("opening_intent") or self.scenario.intent
        ctx = self._context()
        rows = [(t, last) for t, last in real_reactions(self.fitted).get((intent, act), [])
                if all(p in ctx for p in _PLACEHOLDER.findall(t))]
        if not rows:
            return None
        text = self._pick([t for t, _ in rows])
        last = next(last for t, last in rows if t == text)
        return str(fill(text, ctx)), last

    def _real_yes(self) -> tuple[str, bool] | None:
        """A real "yes" of the intent to an agent's confirmation, filled, and whether real
        customers who said it were done (their last turn: most Taskmaster coffee customers
        confirm the order and leave; τ-bench retail ones go on)."""
        intent = self.slots.get("opening_intent") or self.scenario.intent
        yes = set(self._options("yes"))
        ctx = self._context()
        rows = [(t, last) for t, last in real_reactions(self.fitted).get((intent, "confirm"), [])
                if t in yes and all(p in ctx for p in _PLACEHOLDER.findall(t))]
        if not rows:
            return None
        # as often as real customers said each ("Yes." most), not each distinct yes alike
        text = self._pick(sorted(t for t, _ in rows))
        lasts = [last for t, last in rows if t == text]
        return str(fill(text, ctx)), 2 * sum(lasts) > len(lasts)

    def _real_answer(self, slot: str) -> str | None:
        """A fitted customer's answer for one slot: a real order of the intent that names just
        that slot (real customers say "Can I get a {drink}?", not "My drink is ...")."""
        if not self.fitted:
            return None
        intent = self.slots.get("opening_intent") or self.scenario.intent
        key = f"open_{intent}"
        ctx = self._context()
        pool = sorted({t for t in (*self.domain.utterances.get(key, []),
                                   *self._bank.get(f"{key}@{intent}", []))
                       if _PLACEHOLDER.findall(t) == [slot] and slot in ctx})
        return str(fill(self._pick(pool), ctx)) if pool else None

    def _words(self, slot: str) -> str:
        spec = self.domain.slots.get(slot)
        return (spec.words[0] if spec is not None and spec.words else slot.replace("_", " "))

    # ------------------------------------------------------------------ answers

    def _answer_slot(self, slot: str, default: str = "answer") -> str:
        value = self.value(slot)
        if value is None:
            n = self.asks.get(f"unknown:{slot}", 0) + 1
            self.asks[f"unknown:{slot}"] = n
            if n > 1:
                hint = self._say(f"hint_{slot}", avoid={slot}) or self.slots.get("hint")
                if hint:
                    return str(hint)
            return (self._say(f"dont_know_{slot}", avoid={slot})
                    or self._say("dont_know", {"slot_words": self._words(slot)}) or "I don't know.")
        self.told.add(slot)
        spoken = say_value(value)
        return (self._say(f"answer_{slot}={spoken}") or self._say(f"answer_{slot}")
                # a real order naming the slot answers "which drink?", not the summary
                or (self._real_answer(slot) if default == "answer" else None)
                or self._say(default, {"slot_words": self._words(slot), "value": spoken})
                or spoken)

    def _adds_later(self, agent_text: str) -> str | None:
        """Before agreeing to the agent's summary: what the customer wants and has not said
        yet (the scenario's `adds_later` slots, as its real customer added them: "Can I add
        Hazelnut?"), unless the summary or the customer's opening already holds it."""
        low = agent_text.lower()
        slots = [s for s in self.slots.get("adds_later") or [] if s not in self.told
                 and s not in self.unknown and self.value(s) is not None
                 and not _mentioned(self.value(s), low) and not _mentioned(self.value(s), self._opened)]
        if not slots:
            return None
        return " ".join(self._answer_slot(s, "add") for s in slots)

    def _identify_way(self, requested: list[str]) -> list[str] | None:
        """The identity slots to give: the preferred way if it covers a requested slot."""
        binding = self.domain.binding
        if binding is None or not binding.identify:
            return None
        ways = binding.identify
        covering = {w: len(set(s) & set(requested)) for w, s in ways.items()}
        if not any(covering.values()):
            return None
        preferred = self.slots.get("identify_with")
        if preferred in ways and covering[preferred]:
            way = preferred
        else:
            way = max(sorted(covering), key=lambda w: covering[w])
        self._way = way
        return list(ways[way])

    def _answer(self, requested: list[str]) -> str:
        identity = self._identify_way(requested)
        parts = []
        if identity is not None:
            said = self._say(f"identify_{self._way}")
            if said is not None and all(self.value(s) is not None for s in identity):
                parts.append(said)
                self.told.update(identity)
            else:
                parts.append(self._many(identity))
            every_way = {s for way in self.domain.binding.identify.values() for s in way}  # type: ignore[union-attr]
            requested = [s for s in requested if s not in every_way]
        if len(requested) > 1 and all(self.value(s) is not None for s in requested):
            parts.append(self._many(requested))
        else:
            parts.extend(self._answer_slot(s) for s in requested)
        return " ".join(parts)

    def _many(self, slots: list[str]) -> str:
        known = [(s, self.value(s)) for s in slots if self.value(s) is not None]
        self.told.update(s for s, _ in known)
        pairs = ", ".join(f"{self._words(s)} {say_value(v)}" for s, v in known)
        missing = [s for s in slots if self.value(s) is None]
        text = (self._say("answer_many", {"pairs": pairs}) or pairs) if known else ""
        return " ".join([text, *(self._answer_slot(s) for s in missing)]).strip()

    def _generic(self) -> str:
        """A cooperative reply when the agent's wish is unclear: what it has not said yet."""
        untold = [s for s in self.slots if s in self.domain.slots and s not in self.told
                  and s not in self.unknown and self.value(s) is not None]
        if self.domain.binding is not None and self.domain.binding.identify and not (
                self.told & {s for way in self.domain.binding.identify.values() for s in way}):
            return self._answer(list(next(iter(self.domain.binding.identify.values()))))
        if untold:
            return self._many(untold[:2])
        return self._say("restate") or self._say("confused") or "Sorry?"

    def _mistype(self, text: str) -> str:
        """Swap two neighbouring characters of the first value with digits or an @."""
        for slot in sorted(self.told):
            value = say_value(self.value(slot))
            if value and value in text and (any(c.isdigit() for c in value) or "@" in value):
                chars = list(value)
                idx = [i for i, c in enumerate(chars) if c.isalnum()][1:]
                if len(idx) < 2:
                    continue
                i = idx[int(self.rng.integers(len(idx) - 1))]
                if chars[i] == chars[i + 1]:
                    chars[i] = "7" if chars[i].isdigit() and chars[i] != "7" else "x"
                else:
                    chars[i], chars[i + 1] = chars[i + 1], chars[i]
                return text.replace(value, "".join(chars), 1)
        return text

    def _end(self, text: str | None, outcome: str, act: AgentAct) -> UserReply:
        self._outcome = outcome
        return UserReply(text=text or "Bye.", end=True, act=act.act)

    def _real_out_of_scope(self) -> str | None:
        """A real opening of an intent the pack has no scenario for (what real customers
        asked that the agent must hand over), for a fitted out-of-scope customer."""
        if not self.fitted or self.scenario.intent != "out_of_scope":
            return None
        played = ({s.intent for s in self.domain.scenarios} | {"out_of_scope"}
                  | {str(k)[5:] for k in self.domain.utterances if str(k).startswith("open_")})
        if len(played) < 2:  # the pack says nothing of what it plays
            return None
        ctx = self._context()
        if self._request is None:
            pool = sorted((t, key[5:]) for key, options in self._bank.items()
                          if key.startswith("open_") and key[5:] not in played for t in options
                          if all(p in ctx for p in _PLACEHOLDER.findall(t)))
            if not pool:
                return None
            text = self._pick([t for t, _ in pool])
            self._request = (text, next(i for t, i in pool if t == text))
        return str(fill(self._request[0], ctx))

    def _restate(self) -> str:
        """The request again after the agent did not take it up: a fitted out-of-scope
        customer keeps to its own real request (real customers repeat theirs; before, each
        restatement was another customer's request)."""
        if self._request is None:
            return self._opening_text()
        return str(fill(self._request[0], self._context()))

    def _opening_text(self, intent: str | None = None) -> str:
        if intent is None and self.slots.get("opening"):
            return self._real_out_of_scope() or str(self.slots["opening"])
        intent = intent or self.slots.get("opening_intent") or self.scenario.intent
        avoid = self.unknown or None
        return (self._say(f"open_{intent}", avoid=avoid) or self._say("open") or
                self.scenario.goal)

    def _answered_then_offered(self, agent_text: str) -> bool:
        """A statement, then an offer of more help: the agent thinks the request is served.

        Not at the start (the customer has not been heard yet) and not after a greeting."""
        if self.first_request or not self.asks and not self.told:
            return False
        sentences = [x for x in re.split(r"(?<=[.!?])\s+", agent_text.strip()) if x]
        if len(sentences) < 2:
            return False
        said = " ".join(sentences[:-1]).lower()
        greeting = re.match(r"^(hi|hello|hey|good (morning|afternoon|evening)|welcome|"
                            r"thanks? (you )?for)", said)
        negative = re.search(r"\b(not|no|never|unable|cannot)\b|n't\b", said)
        informative = re.search(r"\b(is|are|was|were)\b|\d", said)
        return bool(informative) and not greeting and not negative and "?" not in said

    # ------------------------------------------------------------------ the protocol

    def _question_only(self) -> str | None:
        """A fitted customer's real menu question, when its intent's real customers asked one
        and left at this rate (drawn on the campaign's low-discrepancy sequence, or per seed)."""
        if (not self.fitted or self.first_request or self.scenario.intent == "out_of_scope"
                or self.slots.get("opening_intent")):
            return None
        rate, asked = asks_and_leaves(self.fitted).get(self.scenario.intent, (0.0, []))
        if not asked:
            return None
        draw = ((self._position * _GOLDEN + 0.5) % 1.0 if self._position is not None
                else float(np.random.default_rng([self.spec.seed, 0x9A5]).random()))
        if draw >= rate:
            return None
        ctx = self._context()
        ok = [t for t in asked if all(p in ctx for p in _PLACEHOLDER.findall(t))]
        # draw / rate is uniform over the customers who ask: their questions spread evenly
        return str(fill(ok[min(int(draw / rate * len(ok)), len(ok) - 1)], ctx)) if ok else None

    async def opening(self) -> UserReply:
        reply = self._open()
        self._opened = reply.text.lower()
        return reply

    def _open(self) -> UserReply:
        question = self._question_only()
        if question is not None:  # asks, hears the answer, goes: the scenario is not pursued
            self._outcome = "abandoned"
            self.labels[LEFT_UNASKED] = "asked a menu question and left"
            return UserReply(text=question, end=True)
        if self.fitted and not self.first_request:
            # A real opening as is: it carries what real customers of the intent say first.
            return UserReply(text=self._opening_text())
        parts = []
        if self.traits.emotion != "calm":
            parts.append(self._say(f"mood_{self.traits.emotion}") or "")
        parts.append(str(self.first_request) if self.first_request else self._opening_text())
        binding = self.domain.binding
        if (binding is not None and binding.identify and self.rng.random()
                < self.traits.upfront_info_rate and self.scenario.intent != "out_of_scope"):
            way = self.slots.get("identify_with") or sorted(binding.identify)[0]
            parts.append(self._answer(list(binding.identify.get(way, []))))
        if self.rng.random() < self.traits.verbosity * 0.6:
            parts.append(self._say("chatter") or "")
        return UserReply(text=" ".join(p for p in parts if p))

    async def respond(self, agent_text: str) -> UserReply:
        """The reply to the agent, with the profile's topic switch and correction applied."""
        self.replies += 1
        if self.resume_after_switch is not None:  # back from the side question
            pending, self.resume_after_switch = self.resume_after_switch, None
            back = self._say("back_on_topic") or "Anyway."
            return UserReply(text=f"{back} {pending.text}", end=pending.end, act=pending.act,
                             unsure=pending.unsure)
        reply = self._respond(agent_text)
        if self.correct_next is not None and not reply.end:
            fix = self._say("correction", {"value": self.correct_next}) or self.correct_next
            self.correct_next = None
            return UserReply(text=f"{fix} {reply.text}", act=reply.act, unsure=reply.unsure)
        if (self.switch_at is not None and self.replies >= self.switch_at and not reply.end
                and not self.goal_done):
            self.switch_at = None
            self.resume_after_switch = reply
            return UserReply(text=self._say("side_question") or "By the way, a question.",
                             act=reply.act)
        if self.correction_pending and reply.act == "request" and not reply.end:
            wrong = self._mistype(reply.text)
            if wrong != reply.text:
                self.correction_pending = False
                self.correct_next = self._corrected_value(reply.text, wrong)
                return UserReply(text=wrong, act=reply.act, unsure=reply.unsure)
        return reply

    def _corrected_value(self, right: str, wrong: str) -> str:
        """The value that differs between the right and the mistyped answer."""
        for r, w in zip(right.split(), wrong.split(), strict=False):
            if r != w:
                return r.rstrip(".,")
        return right

    def _respond(self, agent_text: str) -> UserReply:
        a = recognise(agent_text, self.vocabulary)
        if a.act == "transfer":
            return self._end("Okay, I'll wait.", "transferred", a)
        if a.act == "farewell":
            return self._end("Bye.", "completed" if self.goal_done else "abandoned", a)
        if a.act == "success" and not self.first_request:
            self.goal_done = True
            return self._end(self._say("thanks_done"), "completed", a)
        if a.act == "anything_else" and (self.goal_done or self._answered_then_offered(agent_text)):
            # "Your balance is $28.50. Anything else?": the agent gave what was asked.
            self.goal_done = True
            return self._end(self._say("thanks_done"), "completed", a)
        if self.first_request:
            # Edge case: the customer changes their request after the agent's first answer.
            self.first_request = None
            return UserReply(text=f"{self._say('change_mind') or ''} {self._opening_text()}".strip(),
                             act=a.act)
        key = f"{a.act}:{','.join(a.slots)}"
        self.asks[key] = self.asks.get(key, 0) + 1
        if self.asks[key] > self.traits.patience:
            return self._end(self._say("give_up"), "abandoned", a)
        if a.act == "request":
            if a.slots and self.asks[key] == 1 and self.rng.random() > self.traits.cooperativeness:
                return UserReply(text=self._say("uncooperative") or "Why?", act=a.act)
            if not a.slots:
                return UserReply(text=self._generic(), act=a.act, unsure=True)
            text = self._answer(list(a.slots))
            if self.wrong_pending:
                # Edge case: a slightly wrong value first (a typo'd email, swapped digits);
                # the correct one when the agent cannot find it.
                mistyped = self._mistype(text)
                if mistyped != text:
                    self.wrong_pending = False
                    return UserReply(text=mistyped, act=a.act)
            return UserReply(text=text, act=a.act)
        if a.act == "confirm":
            added = self._adds_later(agent_text)
            if added is not None:
                return UserReply(text=added, act=a.act)
            real_yes = self._real_yes() if self.fitted and not self.first_request else None
            if real_yes is not None:
                text, last = real_yes
                if last:  # real customers of the intent said this and were done
                    self.goal_done = True
                    return self._end(text, "completed", a)
                return UserReply(text=text, act=a.act, unsure=not a.confident)
            return UserReply(text=self._say("yes") or "Yes.", act=a.act, unsure=not a.confident)
        if a.act == "failure":
            if a.slots:  # "I couldn't find that email; could you give me your name and zip?"
                return UserReply(text=self._answer(list(a.slots)), act=a.act)
            if self.told and self.asks[key] == 1 and self.slots.get("wrong_info_first"):
                return UserReply(text=self._answer(sorted(self.told)), act=a.act)
            real = self._real_reaction("failure") if self.fitted else None
            if real is not None:  # as a real customer of the intent reacted, leaving or not
                text, last = real
                if last:
                    return self._end(text, "abandoned", a)
                if not _CONTENT.search(text):  # only a reaction that names nothing of its own
                    return UserReply(text=text, act=a.act)
            if not self.asked_for_human:
                self.asked_for_human = True
                return UserReply(text=self._say("ask_human") or "Can I talk to a human?",
                                 act=a.act)
            return self._end(self._say("give_up"), "abandoned", a)
        if a.act == "success":  # success of the request the customer then withdrew
            return UserReply(text=self._restate(), act=a.act)
        if a.act == "anything_else":
            return UserReply(text=self._restate(), act=a.act)
        return UserReply(text=self._generic() if not a.confident else self._say("ok") or "Okay.",
                         act=a.act, unsure=not a.confident)


@user_simulator("agenda")
def make_agenda_user(spec: ConversationSpec, domain: Domain) -> AgendaUser:
    return AgendaUser(spec, domain)
