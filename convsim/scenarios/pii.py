"""Personal data scrubbing: detect and consistently pseudonymise before storage.

Detected (see tests/data/PII_PROBE.md for the measured recall and precision):
person names (a names dictionary, cue words, capitalisation and context, a
gazetteer of places in `pii_places`; names known from transcript fields), emails
(written and spoken), phone numbers of many countries (`phonenumbers`) and spoken
digits, cards, IBANs, SSNs and national ids (`python-stdnum`), dates of birth, IP
addresses, street addresses and postcodes (`pii_address`), passport and account
numbers after a cue word, configured identifiers (regexes, e.g. order ids), and
values under personal keys of tool arguments and results ("email", "first_name", "dob"...).

Pseudonymisation is consistent: a value maps to the same fake value everywhere in a
dataset, through a salted hash (`pii_fake`), whatever kind it was found as (the account
number a customer types and the one in a tool's arguments get one pseudonym). Fakes keep
the shape: an id its length, digit/letter layout, letters (fixed prefixes), Luhn check
digit, and any identifier pattern it matched (a pack's slot pattern, `identifiers`); a
phone number stays valid for its country. PINs, passcodes, one-time codes and security
answers after their cue words are replaced too. The salt is never stored with the
data; pass the same salt (CONVSIM_PII_SALT) to re-import reproducibly.

Size: just over 400 lines because the one pass that gathers every detector's spans, settles
their overlaps and fits each fake to its value reads best in one class.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from stdnum import luhn

from convsim.scenarios.pii_address import find_postcodes, find_streets
from convsim.scenarios.pii_detect import (
    LOYALTY_CUE,
    PHONE_REGIONS,
    Span,
    cue_before,
    find_birth_dates,
    find_cued,
    find_emails,
    find_ips,
    find_numbers,
    find_phones,
)
from convsim.scenarios.pii_fake import Pseudonyms
from convsim.scenarios.pii_names import (
    find_names,
    find_user_ids,
    lexicon,
    looks_like_person,
    name_parts,
)
from convsim.scenarios.pii_secrets import find_answers, find_secrets

# Overlapping detections: the more specific kind wins.
PRIORITY = {"identifier": 100, "secret": 98, "user_id": 96, "known": 95, "email": 90, "iban": 85, "card": 80,
            "national_id": 75, "ssn": 75, "passport": 70, "account": 70, "ip": 65, "phone": 60,
            "dob": 55, "street": 45, "postcode": 40, "name": 30}
KEY_KINDS = {
    "name": ("name", "first_name", "last_name", "full_name", "customer_name", "firstname", "lastname",
             "given_name", "family_name", "surname", "customer", "contact_name", "holder_name",
             "cardholder"),
    "email": ("email", "email_address", "mail", "e_mail"),
    "phone": ("phone", "phone_number", "mobile", "telephone", "tel", "cell", "phonenumber"),
    "street": ("address", "street", "address1", "address2", "address_line1", "address_line_1",
               "address_line2", "street_address", "home_address", "shipping_address"),
    "postcode": ("zip", "zipcode", "zip_code", "postcode", "postal_code", "post_code"),
    "dob": ("dob", "date_of_birth", "birthdate", "birth_date", "birthday"),
    "ssn": ("ssn", "social_security_number", "national_id", "nino", "tax_id"),
    "card": ("card_number", "credit_card", "cc_number", "card"),
    "iban": ("iban", "bank_account"),
    "account": ("account_number", "account_no", "acct", "routing_number", "sort_code"),
    "passport": ("passport", "passport_number", "license_number", "licence_number"),
    "ip": ("ip", "ip_address", "ipv4", "ipv6"),
    "secret": ("pin", "pin_code", "passcode", "password", "otp", "one_time_code",
               "verification_code", "security_answer", "security_code", "secret", "memorable_word"),
}
KIND_OF_KEY = {k: kind for kind, keys in KEY_KINDS.items() for k in keys}
KEYED = re.compile(r"""["']?(?P<key>[A-Za-z_]+)["']?\s*[:=]\s*(?:(?P<q>["'])"""
                   r"""(?P<value>[^"'\n]{1,80}?)(?P=q)|(?P<bare>[^\s"',;{}\[\]]{1,40}))""")


SHARED_KINDS = frozenset({"identifier", "user_id", "account", "passport", "national_id", "ssn", "secret"})
"""Id-like kinds: one value found as any of them gets one pseudonym (same characters)."""
MEMO_SIZE = 2_000_000
"""Most distinct values whose pseudonyms are remembered across kinds (bounded memory)."""


def _refill(value: str, compact_fake: str) -> str:
    """`value`'s layout (separators, case) with the characters of `compact_fake`."""
    chars = iter(compact_fake)
    out = []
    for ch in value:
        if ch.isalnum():
            c = next(chars, ch)
            out.append(c.upper() if ch.isupper() else c)
        else:
            out.append(ch)
    return "".join(out)


def _luhn_ok(number: str) -> bool:
    return number.isdigit() and luhn.is_valid(number)


def _luhn_digit(body: str) -> str:
    return luhn.calc_check_digit(body) if body.isdigit() else body[-1:]


class IdentifierRule(BaseModel):
    """An identifier to pseudonymise, keeping its shape."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    pattern: str
    """Regular expression of the identifier."""
    keep_letters: bool = False
    """Keep letters (fixed prefixes like '#W'); only digits are replaced."""


class PiiConfig(BaseModel):
    """What to scrub beyond the built-in detectors."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    identifiers: dict[str, IdentifierRule | str] = Field(default_factory=dict)
    """Name -> identifier rule (or just its regex) to pseudonymise keeping the shape."""
    scrub_names: bool = True
    """Replace person names (dictionary, cue words, names known from fields)."""
    scrub_addresses: bool = True
    """Replace street addresses and postcodes."""
    phone_regions: tuple[str, ...] = PHONE_REGIONS
    """Countries (ISO codes) whose national phone formats are recognised."""
    keep: tuple[str, ...] = ()
    """Words never replaced (product or agent names the dictionary mistakes for people)."""


GENERIC_NAME_KEYS = ("name", "customer", "cardholder", "holder_name", "contact_name")
PERSON_KEY = re.compile(r"user|customer|person|member|passenger|contact|client|holder|employee|"
                        r"patient|guest|traveller|traveler")


def _key_kind(key: str | None, value: Any = None) -> str | None:
    """Kind of personal value stored under `key`; a generic key ("name") holds a person
    only if the value looks like one ("Zelda Quixote", not "Desk Lamp" or a tool name)."""
    norm = re.sub(r"[\s.-]", "_", key.strip().lower()) if key else ""
    kind = KIND_OF_KEY.get(norm)
    if kind == "name" and norm in GENERIC_NAME_KEYS and not looks_like_person(str(value or "")):
        return None
    return kind


class Scrubber:
    """Consistent pseudonymiser for one dataset (one salt)."""

    def __init__(self, salt: str, config: PiiConfig | None = None,
                 shapes: Iterable[str] = ()) -> None:
        """`shapes`: regexes a pseudonym keeps matching when its value matched (a pack's
        slot patterns, see `pii_pack`); they detect nothing by themselves."""
        self.config = config or PiiConfig()
        self._shapes = [re.compile(p) for p in shapes]
        self._fakes = Pseudonyms(salt.encode())
        rules = [IdentifierRule(pattern=r) if isinstance(r, str) else r
                 for r in self.config.identifiers.values()]
        self._identifiers = [(re.compile(r.pattern), r.keep_letters) for r in rules]
        self._memo: dict[str, str] = {}
        """Compact value -> compact pseudonym, for the whole dataset (see `_consistent`)."""
        self._keep = {w.lower() for w in self.config.keep}
        self._names: dict[str, str] = {}
        self._full_names: set[str] = set()
        self._names_re: re.Pattern[str] | None = None
        self._known: dict[str, tuple[str, str]] = {}
        self._known_re: re.Pattern[str] | None = None
        self.counts: dict[str, int] = {}

    # ---------------------------------------------------------------- conversation

    def begin(self, names: Iterable[str], texts: Iterable[str] = (), records: Iterable[Any] = ()
              ) -> None:
        """Start a conversation: its known names, the names found in its texts, and the
        values under personal keys of its `records` (tool arguments, JSON results) are
        replaced wherever they appear in it."""
        self._names, self._names_re, self._known, self._known_re = {}, None, {}, None
        self._full_names = set()
        self.add_names(names)
        for record in records:
            self._harvest(record)
        if self.config.scrub_names:
            for text in texts:
                self.add_names(text[s:e] for s, e in find_names(text or ""))

    def add_names(self, names: Iterable[str]) -> None:
        """Register person names; each word is replaced wherever it appears."""
        lex = lexicon()
        added = False
        for name in names:
            parts = name_parts(str(name))
            if len(parts) > 1 and " ".join(parts).lower() not in self._full_names:
                self._full_names.add(" ".join(parts).lower())
                added = True
            for part in parts:
                key = part.lower()
                if key not in self._names and key not in self._keep:
                    self._names[key] = self._fakes.name_part(key)
                    added = True
        if added:
            # A name that is also a word ("Grace", "Mark") is replaced only when capitalised.
            plain = [w for w in self._names if not lex.ambiguous(w)]
            words = [w for w in self._names if lex.ambiguous(w)]
            alts = [f"(?i:{re.escape(w)})" for w in plain] + [re.escape(w.capitalize()) for w in words]
            alts.sort(key=len, reverse=True)
            full = sorted(self._full_names, key=len, reverse=True)  # "crystal minh": any case
            alts = [r"(?i:" + r"\s+".join(map(re.escape, n.split())) + ")" for n in full] + alts
            # "_" separates too: user ids like "isabella_lopez_6490" hold names.
            self._names_re = re.compile(r"(?<![^\W_]|[@.])(?:" + "|".join(alts) + r")(?![^\W_]|@)")

    def _harvest(self, record: Any, key: str | None = None, thing: bool = False) -> None:
        if isinstance(record, str) and key is None and record[:1] in "{[":
            try:
                record = json.loads(record)
            except ValueError:
                return
        if isinstance(record, dict):
            keys = [str(k).lower() for k in record]
            # {"menu_item_id": "cortado-1234", "name": "Cortado"} names a thing, not a person
            thing = any(k.endswith("_id") and not PERSON_KEY.search(k) for k in keys) and not any(
                PERSON_KEY.search(k) or KIND_OF_KEY.get(k) not in (None, "name") for k in keys)
            for k, v in record.items():
                self._harvest(v, str(k), thing)
        elif isinstance(record, list):
            for v in record:
                self._harvest(v, key, thing)
        elif isinstance(record, str | int) and not isinstance(record, bool):
            value = str(record).strip()
            kind = _key_kind(key, value)
            if thing and kind == "name" and (key or "").lower() in GENERIC_NAME_KEYS:
                kind = None
            if kind == "name":
                self.add_names([value])
            elif kind and len(value) >= 4:
                spans = list(self._spans(value, known=False))
                whole = next((s for s in spans if s.end - s.start == len(value)), None)
                self._known[value.lower()] = (whole.kind, whole.key) if whole else (kind, value.lower())
                alts = sorted(map(re.escape, self._known), key=len, reverse=True)
                self._known_re = re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)", re.I)

    # ---------------------------------------------------------------- detection

    def _spans(self, text: str, known: bool = True) -> Iterator[Span]:
        for pattern, _ in self._identifiers:
            for m in pattern.finditer(text):
                yield Span(m.start(), m.end(), "identifier", m.group(0))
        if known and self._known_re is not None:
            for m in self._known_re.finditer(text):
                kind, key = self._known[m.group(0).lower()]
                yield Span(m.start(), m.end(), kind, key)
        yield from find_emails(text)
        yield from find_numbers(text)
        yield from find_cued(text)
        yield from find_secrets(text)
        yield from find_answers(text)
        yield from find_ips(text)
        yield from find_phones(text, self.config.phone_regions)
        yield from find_birth_dates(text)
        if self.config.scrub_addresses:
            yield from find_streets(text)
            yield from find_postcodes(text)
        for m in KEYED.finditer(text):
            group = "value" if m.group("value") is not None else "bare"
            value = m.group(group) or ""
            keyed = _key_kind(m.group("key"), value)
            if keyed and value.strip():
                start, end = m.span(group)
                if keyed == "card" and cue_before(LOYALTY_CUE, text, start):
                    continue  # "Stamp card: 9737 ...": no payment card
                yield Span(start, end, keyed, value.strip().lower())
        if self.config.scrub_names:
            for s, e in find_user_ids(text):
                yield Span(s, e, "user_id", text[s:e].lower())
            for s, e in find_names(text):
                yield Span(s, e, "name", text[s:e].lower())
            if self._names_re is not None:
                for m in self._names_re.finditer(text):
                    if m.group(0).isupper() and len(m.group(0)) <= 4:
                        continue  # "MIA", "BOS": a code, not the name Mia
                    yield Span(m.start(), m.end(), "name", m.group(0).lower())

    def _fake(self, span: Span, value: str) -> str:
        if span.kind == "name":
            return re.sub(r"[^\W\d_](?:[\w'’-]*[^\W\d_])?", lambda m: self._name_part(m.group(0)), value)
        compact = re.sub(r"[\W_]", "", value).lower()
        shared = span.kind in SHARED_KINDS and len(compact) > 3
        known = self._memo.get(compact) if shared else None
        if known is not None and len(known) == len(compact):
            return _refill(value, known)
        if span.kind == "user_id":  # names stay names (the same fakes), digits change
            # a capital prefix glued to digits ("CU54156970") is no name: its letters are kept
            prefix = re.fullmatch(r"[A-Z]{1,4}-?\d{4,}", value) is not None  # "CX-306676" too
            fake = re.sub(r"\d+", lambda m: self._fakes.shape("id", span.key, m.group(0)),
                          value if prefix else
                          re.sub(r"[^\W\d_]+", lambda m: self._name_part(m.group(0)), value))
        elif span.kind == "identifier":
            keep = next((k for p, k in self._identifiers if p.fullmatch(value)), False)
            fake = self._fakes.shape("id", value, value, keep_letters=keep)
        elif span.kind in ("account", "passport") and any(c.isdigit() for c in value):
            # letters of an id are its fixed prefix or suffix ("ACC-", "#W"): kept
            fake = self._fakes.shape(span.kind, span.key, value, keep_letters=True)
        else:
            fake = self._fakes.fake(span.kind, span.key, value)
        fake = self._fit(span, value, fake)
        if shared and len(self._memo) < MEMO_SIZE and span.kind != "user_id":
            self._memo[compact] = re.sub(r"[\W_]", "", fake).lower()
        return fake

    def _fit(self, span: Span, value: str, fake: str) -> str:
        """`fake`, or another pseudonym that matches every identifier pattern `value` matches
        and keeps a Luhn check digit `value` has (long numeric ids): first other draws, then
        keeping a growing prefix of `value` (a pack's "4" + seven digits keeps its "4")."""
        patterns = [p for p in [*(p for p, _ in self._identifiers), *self._shapes]
                    if p.fullmatch(value)]
        digits = re.sub(r"\D", "", value)
        luhn_kept = span.kind in ("account", "identifier", "national_id") and len(digits) >= 8 \
            and digits == re.sub(r"[\s-]", "", value) and _luhn_ok(digits)

        def good(candidate: str) -> bool:
            return candidate.lower() != value.lower() and all(
                p.fullmatch(candidate) for p in patterns) and (
                not luhn_kept or _luhn_ok(re.sub(r"\D", "", candidate)))

        if good(fake):
            return fake
        for keep in range(len(value)):
            for attempt in range(6):
                body = self._fakes.shape(span.kind, f"{span.key}#{keep}.{attempt}", value[keep:],
                                         keep_letters=True)
                candidate = value[:keep] + body
                if luhn_kept and not _luhn_ok(candidate):
                    candidate = candidate[:-1] + _luhn_digit(candidate[:-1])
                if good(candidate):
                    return candidate
        return fake

    def _name_part(self, word: str) -> str:
        if word.lower() in self._keep or len(word) < 2:
            return word
        fake = self._names.get(word.lower()) or self._fakes.name_part(word.lower())
        return fake.upper() if word.isupper() and len(word) > 1 else \
            fake.lower() if word.islower() else fake.capitalize()

    # ---------------------------------------------------------------- scrub

    def scrub(self, text: str) -> str:
        """Text with every detected personal value replaced by its pseudonym."""
        if not text:
            return text
        chosen: list[Span] = []
        for span in sorted(self._spans(text), key=lambda s: (-PRIORITY[s.kind], s.start - s.end)):
            if span.end > span.start and all(span.end <= c.start or span.start >= c.end for c in chosen):
                value = text[span.start:span.end]
                if value.lower() not in self._keep:
                    chosen.append(span)
        for span in sorted(chosen, key=lambda s: s.start, reverse=True):
            value = text[span.start:span.end]
            fake = self._fake(span, value)
            if fake != value:
                self.counts[span.kind] = self.counts.get(span.kind, 0) + 1
                text = text[:span.start] + fake + text[span.end:]
        return text

    def scrub_excerpt(self, text: str, limit: int = 200) -> str:
        """Scrub a (possibly truncated) excerpt: a value cut at the end is dropped."""
        if len(text) >= limit - 1:
            text = re.sub(r"[^\s,;:{}\[\]\"']*$", "", text) + "…"
        return self.scrub(text)

    def scrub_value(self, value: Any, key: str | None = None, thing: bool = False) -> Any:
        """Scrub strings inside any JSON-like value; values under personal keys
        ("email", "phone", "first_name"...) are replaced whole."""
        if isinstance(value, dict):
            keys = [str(k).lower() for k in value]
            thing = any(k.endswith("_id") and not PERSON_KEY.search(k) for k in keys) and not any(
                PERSON_KEY.search(k) or KIND_OF_KEY.get(k) not in (None, "name") for k in keys)
            return {k: self.scrub_value(v, str(k), thing) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub_value(v, key, thing) for v in value]
        kind = _key_kind(key, value)
        if thing and kind == "name" and (key or "").lower() in GENERIC_NAME_KEYS:
            kind = None
        if isinstance(value, int) and not isinstance(value, bool) and kind and kind != "name":
            fake = self._fakes.shape(kind, str(value), str(value))
            return int(fake) if fake[:1] != "0" else int("9" + fake[1:])
        if not isinstance(value, str):
            return value
        scrubbed = self.scrub(value)
        if kind is None or scrubbed != value or not value.strip():
            return scrubbed
        span = Span(0, len(value), kind, value.strip().lower())
        if kind == "name":
            self.add_names([value])
        elif kind in ("dob", "ip"):
            span = Span(0, len(value), "identifier", value)  # no parsed key: keep the shape
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return self._fake(span, value)
