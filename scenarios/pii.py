"""Personal data scrubbing: detect and consistently pseudonymise before storage.

Detected: emails, phone numbers, card numbers (Luhn-checked), configured
identifiers (regexes, e.g. order or account ids), street addresses, zip codes
(next to a state or after "zip"), and person names (given as known values from
transcript fields, and found in the text after "my name is", "I'm"...).

Pseudonymisation is consistent: a value maps to the same fake value everywhere
in a dataset, through a salted hash that seeds faker. The salt is never stored
with the data; pass the same salt (CONVSIM_PII_SALT) to re-import reproducibly.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Iterable
from typing import Any

from faker import Faker
from pydantic import BaseModel, ConfigDict, Field

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(r"(?<![\w#])(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\w)")
CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
STREET = re.compile(
    r"\b\d{1,6}\s+(?:[A-Za-z0-9'.-]+\s+){0,3}(?:street|st|avenue|ave|road|rd|drive|dr|lane|ln|"
    r"boulevard|blvd|way|court|ct|place|pl|terrace|circle|parkway|pkwy)\b\.?"
    r"(?:,?\s*(?:apt|suite|unit|#)\.?\s*[\w-]+)?",
    re.IGNORECASE)
ZIP_CONTEXT = re.compile(r"(?:\b(?:zip|zip code|zipcode|postal code|postcode)\b[\s:#is]*|"
                         r"\b[A-Z]{2}\s+)(\d{5})(?:-\d{4})?\b", re.IGNORECASE)
NAME_CUE = re.compile(
    r"\b(?:my name is|name's|i am|i'm|this is|name:)\s+([A-Z][a-z'-]+)(?:\s+([A-Z][a-z'-]+))?")
NOT_NAMES = {"Sorry", "Looking", "Trying", "Calling", "Having", "Just", "Not", "Here", "Good",
             "Fine", "Sure", "Happy", "Glad", "Ready", "Still", "Also", "So", "Very", "Really",
             "Hoping", "Wondering", "Interested", "Going", "Done", "Okay", "Ok", "Afraid",
             "The", "A", "An", "In", "On", "At", "With", "From", "Your", "My", "That", "It"}


def luhn_ok(digits: str) -> bool:
    """Luhn checksum of a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


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
    scrub_addresses: bool = True


class Scrubber:
    """Consistent pseudonymiser for one dataset (one salt)."""

    def __init__(self, salt: str, config: PiiConfig | None = None) -> None:
        self._salt = salt.encode()
        self.config = config or PiiConfig()
        rules = [IdentifierRule(pattern=r) if isinstance(r, str) else r
                 for r in self.config.identifiers.values()]
        self._identifiers = [(re.compile(r.pattern), r.keep_letters) for r in rules]
        self._names: dict[str, str] = {}
        self._names_re: re.Pattern[str] | None = None
        self.counts: dict[str, int] = {}

    # ---------------------------------------------------------------- fakes

    def _seed(self, kind: str, value: str) -> int:
        digest = hashlib.sha256(self._salt + kind.encode() + b"\0" + value.lower().encode())
        return int.from_bytes(digest.digest()[:8], "big")

    def _faker(self, kind: str, value: str) -> Faker:
        fake = Faker("en_US")
        fake.seed_instance(self._seed(kind, value))
        return fake

    def _count(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def _shape(self, kind: str, value: str, keep_letters: bool = False) -> str:
        """Same shape: digits -> digits, letters -> letters (case kept), rest unchanged."""
        seed = self._seed(kind, value)
        out = []
        for i, ch in enumerate(value):
            h = (seed >> (i % 56)) + i * 7919 + seed % 97
            if ch.isdigit():
                out.append(str((int(ch) + 1 + h) % 10))
            elif ch.isalpha() and not keep_letters:
                letter = string.ascii_lowercase[(ord(ch.lower()) - 97 + 1 + h) % 26]
                out.append(letter.upper() if ch.isupper() else letter)
            else:
                out.append(ch)
        return "".join(out)

    def fake_name_part(self, part: str) -> str:
        fake = self._faker("name", part)
        return fake.first_name() if self._seed("which", part) % 2 else fake.last_name()

    # ---------------------------------------------------------------- known names

    def begin(self, names: Iterable[str], texts: Iterable[str] = ()) -> None:
        """Start a conversation: its known names, plus names introduced in its texts
        ("my name is ..."), are replaced wherever they appear in it."""
        self._names, self._names_re = {}, None
        found = list(names)
        if self.config.scrub_names:
            for text in texts:
                for m in NAME_CUE.finditer(text or ""):
                    if m.group(1) not in NOT_NAMES:
                        found.extend(g for g in m.groups() if g and g not in NOT_NAMES)
        self.add_names(found)

    def add_names(self, names: Iterable[str]) -> None:
        """Register person names; each word is replaced wherever it appears."""
        changed = False
        for name in names:
            for part in re.findall(r"[A-Za-z][\w'-]+", name or ""):
                key = part.lower()
                if len(key) > 1 and key not in self._names:
                    self._names[key] = self.fake_name_part(key)
                    changed = True
        if changed:
            words = sorted(self._names, key=len, reverse=True)
            self._names_re = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b",
                                        re.IGNORECASE)

    def _replace_name(self, m: re.Match[str]) -> str:
        self._count("name")
        fake = self._names[m.group(0).lower()]
        word = m.group(0)
        return fake.lower() if word.islower() else fake.upper() if word.isupper() else fake

    # ---------------------------------------------------------------- scrub

    def scrub(self, text: str) -> str:
        """Text with every detected personal value replaced by its pseudonym."""
        if not text:
            return text

        def sub(kind: str, fn: Any) -> Any:
            def repl(m: re.Match[str]) -> str:
                out = fn(m)
                if out != m.group(0):
                    self._count(kind)
                return out
            return repl

        text = EMAIL.sub(sub("email", lambda m: self._email(m.group(0))), text)
        text = CARD.sub(sub("card", self._card), text)
        for pattern, keep in self._identifiers:
            text = pattern.sub(sub("identifier", lambda m, k=keep: self._shape(
                "id", m.group(0), keep_letters=k)), text)
        text = PHONE.sub(sub("phone", lambda m: self._shape("phone", m.group(0))), text)
        if self.config.scrub_addresses:
            text = STREET.sub(sub("address", lambda m: self._faker(
                "street", m.group(0)).street_address()), text)
            text = ZIP_CONTEXT.sub(sub("zip", self._zip), text)
        if self.config.scrub_names and self._names_re is not None:
            text = self._names_re.sub(self._replace_name, text)
        return text

    def _email(self, value: str) -> str:
        fake = self._faker("email", value)
        return f"{fake.user_name()}{self._seed('n', value) % 1000}@example.com"

    def _card(self, m: re.Match[str]) -> str:
        raw = m.group(0)
        digits = re.sub(r"\D", "", raw)
        if not 13 <= len(digits) <= 19 or not luhn_ok(digits):
            return raw
        body = self._shape("card", digits[:-1])
        check = next(str(d) for d in range(10) if luhn_ok(body + str(d)))
        fake_digits = iter(body + check)
        return "".join(next(fake_digits) if ch.isdigit() else ch for ch in raw)

    def _zip(self, m: re.Match[str]) -> str:
        zip_ = m.group(1)
        return m.group(0).replace(zip_, self._shape("zip", zip_), 1)

    def scrub_value(self, value: Any) -> Any:
        """Scrub strings inside any JSON-like value."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.scrub_value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.scrub_value(v) for k, v in value.items()}
        return value
