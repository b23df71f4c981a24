"""Pseudonyms: a fake value for each personal value, derived from a salted hash.

The same (kind, normalised value) gives the same pseudonym for a given salt, so
pseudonyms are consistent within a conversation and across a dataset, and differ
for another salt. Fakes keep the shape people rely on when reading transcripts
(digit groups, a Luhn-valid card, a valid IBAN, a date in the same format).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import string
from functools import cache

import phonenumbers
from faker import Faker
from stdnum import iban, luhn

from convsim.core.names import first_names, last_names
from convsim.scenarios.pii_names import lexicon

STREET_LOCALES = (
    (re.compile(r"\b(?:rue|avenue|boulevard|bd|allée|allee|chemin|impasse|quai|cours)\b", re.I), "fr_FR"),
    (re.compile(r"(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm)\b", re.I), "de_DE"),
    (re.compile(r"(?:straat|laan|plein|gracht|kade|singel|dijk)\b", re.I), "nl_NL"),
    (re.compile(r"\b(?:calle|c/|avenida|avda|plaza|paseo|camino)\b", re.I), "es_ES"),
    (re.compile(r"\b(?:via|viale|piazza|corso|largo)\b", re.I), "it_IT"),
)
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@cache
def _faker(locale: str) -> Faker:
    return Faker(locale)


@cache
def _fake_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    lex = lexicon()

    def usable(words: frozenset[str]) -> tuple[str, ...]:
        return tuple(sorted(w for w in words if len(w) > 3 and w.isalpha() and w.isascii()
                            and not lex.ambiguous(w)))
    return usable(first_names()), usable(last_names())  # not the extra locales: pseudonyms stay as they were


def _valid_phone(number: str, region: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, region))
    except phonenumbers.NumberParseException:
        return False


def _phone_region(number: str) -> str | None:
    """The country a written phone number is valid for (None: valid nowhere we know)."""
    from convsim.scenarios.pii_detect import PHONE_REGIONS

    for region in ("ZZ",) if number.startswith("+") else PHONE_REGIONS:
        if _valid_phone(number, region):
            return region
    return None


class Pseudonyms:
    """Fake values for one salt."""

    def __init__(self, salt: bytes) -> None:
        self._salt = salt

    def seed(self, kind: str, key: str) -> int:
        digest = hashlib.sha256(self._salt + kind.encode() + b"\0" + key.lower().encode())
        return int.from_bytes(digest.digest()[:8], "big")

    def fake(self, kind: str, key: str, original: str) -> str:
        """Pseudonym of `original` (normalised as `key`); never equal to it."""
        maker = getattr(self, f"_{kind}", None)
        for attempt in range(8):
            tag = key if attempt == 0 else f"{key}#{attempt}"
            try:
                out = maker(tag, original) if maker else self.shape(kind, tag, original)
            except (ValueError, IndexError, KeyError):  # a keyed value of an unexpected form
                out = self.shape(kind, tag, original)
            if out.lower() != original.lower() and key.lower() not in out.lower():
                return out
        return "[redacted]"

    def shape(self, kind: str, key: str, value: str, keep_letters: bool = False) -> str:
        """Same shape: digits -> digits, letters -> letters (case kept), the rest unchanged.
        A secret (PIN, one-time code) changes in every character: no digit of a short code
        survives by chance."""
        seed = self.seed(kind, key)
        every = kind == "secret"
        out = []
        for i, ch in enumerate(value):
            h = (seed >> (i % 56)) + i * 7919 + seed % 97
            if ch.isdigit():
                out.append(str((int(ch) + 1 + (h % 9 if every else h)) % 10))
            elif ch.isascii() and ch.isalpha() and not keep_letters:
                letter = string.ascii_lowercase[(ord(ch.lower()) - 97 + 1
                                                 + (h % 25 if every else h)) % 26]
                out.append(letter.upper() if ch.isupper() else letter)
            else:
                out.append(ch)
        return "".join(out)

    # ------------------------------------------------------------------ per kind

    def name_part(self, part: str) -> str:
        """A fake first or last name for one word of a name, in the same case style."""
        firsts, lasts = _fake_names()
        seed = self.seed("name", part)
        pool = firsts if part.lower() in first_names() or seed % 3 == 0 else lasts
        fake = pool[seed % len(pool)]
        if fake == part.lower():
            fake = pool[(seed + 1) % len(pool)]
        if part.isupper() and len(part) > 1:
            return fake.upper()
        return fake if part.islower() else fake.capitalize()

    def _email(self, key: str, original: str) -> str:
        fake = _faker("en_US")
        fake.seed_instance(self.seed("email", key))
        return f"{fake.user_name()}{self.seed('n', key) % 1000}@example.com"

    def _phone(self, key: str, original: str) -> str:
        if any(c.isalpha() for c in original):  # spoken: answer in words
            fake = self.shape("phone", key, "".join(c for c in original if c.isdigit()) or "0" * 10)
            if not fake.strip("0"):
                fake = self.shape("phone", key, key)
            return " ".join(DIGIT_WORDS[int(d)] for d in fake)
        head = re.match(r"\+\d{1,3}[\s.-]|\+", original)
        keep = head.group(0) if head else ""
        region = _phone_region(original)
        fake = keep + self.shape("phone", key, original[len(keep):])
        for attempt in range(1, 40):  # a number valid where the original was
            if region is None or _valid_phone(fake, region):
                return fake
            fake = keep + self.shape("phone", f"{key}#v{attempt}", original[len(keep):])
        return fake

    def _card(self, key: str, original: str) -> str:
        digits = re.sub(r"\D", "", original)
        body = digits[0] + self.shape("card", key, digits[1:-1])
        fake = iter(body + luhn.calc_check_digit(body))
        return "".join(next(fake) if ch.isdigit() else ch for ch in original)

    def _iban(self, key: str, original: str) -> str:
        compact = iban.compact(original)
        for attempt in range(1000):  # a national check inside the BBAN too (BE, ES, FR, NL...)
            bban = self.shape("iban", key if not attempt else f"{key}#{attempt}", compact[4:],
                              keep_letters=True)
            number = compact[:2] + iban.calc_check_digits(compact[:2] + "00" + bban) + bban
            if not iban.is_valid(compact) or iban.is_valid(number):
                break
        fake = iter(number)
        return "".join(next(fake) if ch.isalnum() else ch for ch in original)

    def _dob(self, key: str, original: str) -> str:
        seed = self.seed("dob", key)
        year_shift = 1 + seed % 7
        small = iter((1 + (seed >> 8) % 12, 1 + (seed >> 16) % 12))

        def repl(m: re.Match[str]) -> str:
            token = m.group(0)
            if len(token) == 4:
                return str(int(token) - year_shift)
            return str(next(small, 1)).zfill(len(token))
        numbers = re.findall(r"\d+", original)
        if len(numbers) == 3 and len(numbers[-1]) == 2 and len(numbers[0]) <= 2:  # dd/mm/yy
            out = re.sub(r"\d+", repl, original[:original.rfind(numbers[-1])], count=2)
            return out + str((int(numbers[-1]) - year_shift) % 100).zfill(2)
        return re.sub(r"\d+", repl, original)

    def _ip(self, key: str, original: str) -> str:
        seed = self.seed("ip", key)
        if ipaddress.ip_address(key).version == 6:
            return f"2001:db8::{seed % 65536:x}:{(seed >> 16) % 65536:x}"
        net = ("192.0.2", "198.51.100", "203.0.113")[seed % 3]
        return f"{net}.{1 + (seed >> 8) % 254}"

    def _street(self, key: str, original: str) -> str:
        locale = next((loc for pattern, loc in STREET_LOCALES if pattern.search(original)), "en_US")
        fake = _faker(locale)
        fake.seed_instance(self.seed("street", key))
        return str(fake.street_address())
