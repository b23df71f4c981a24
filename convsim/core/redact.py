"""Secrets: `${VAR}` from the environment, and credentials kept out of what convsim writes.

Core layer (imports nothing of convsim). Agent credentials reach convsim as
`${VAR}` references in `options.headers` (expanded at run time by `expand_env`)
or inside URLs (`https://user:token@host/?api_key=...`). `Redactor` removes them
from text before it is written anywhere — the manifest, Parquet error strings,
the console: it masks URL userinfo, credential-like query parameters and
`Authorization`-style header values by pattern, plus every literal secret it was
told about (the expanded header values, the passwords in the agents' URLs).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MASK = "***"

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

# https://user:token@host -> https://***@host (userinfo never survives).
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@?#\"']+@")
# ?token=... &api_key=... (names that usually carry a credential).
_CRED_NAME = r"[\w.-]*(?:token|key|secret|pass|pwd|auth|sig|credential|session)[\w.-]*"
_QUERY = re.compile(rf"(?i)(?P<name>[?&;]{_CRED_NAME}=)[^&#\s\"']+")
# Authorization: Bearer abc / "X-Api-Key": "abc" / Bearer abc in free text.
_HEADER = re.compile(
    r"(?i)(?P<name>\b(?:authorization|proxy-authorization|x-api-key|api-key|x-auth-token)\b"
    r"[\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic|token|digest)\s+)?[^\s\"',}]+")
# "Bearer <token>" in free text; a token holds a digit or a symbol ("basic questions" stays).
_SCHEME_TOKEN = re.compile(
    r"(?i)\b(?P<name>bearer|basic)\s+(?=[A-Za-z0-9._~+/=-]*[0-9_~+/=.-])[A-Za-z0-9._~+/=-]{8,}")

SECRET_HEADER_WORDS = ("authorization", "token", "key", "secret", "cookie", "password", "auth")
"""A header whose name contains one of these carries a credential: its value is masked."""


class MissingVariable(KeyError):
    """`${VAR}` names a variable the environment does not define."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def expand_env(text: str, environ: Mapping[str, str] | None = None) -> str:
    """Replace every `${VAR}` with the environment's value; raises MissingVariable."""
    env = os.environ if environ is None else environ

    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in env:
            raise MissingVariable(m.group(1))
        return env[m.group(1)]

    return _VAR.sub(sub, text)


def env_references(text: str) -> list[str]:
    """The variable names a text refers to as `${VAR}`."""
    return _VAR.findall(text)


def url_secrets(url: str) -> list[str]:
    """The credentials inside a URL: userinfo (user and password) and credential-like
    query values."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = [s for s in (parts.username, parts.password) if s]
    for name, value in parse_qsl(parts.query, keep_blank_values=False):
        if re.fullmatch(_CRED_NAME, name, flags=re.IGNORECASE) and value:
            found.append(value)
    return found


class Redactor:
    """Masks credentials in text: by pattern, and every literal secret it was given."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self._seen: dict[str, str] = {}  # rationales repeat across conversations: mask once
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        # Very short values (e.g. a user name "a") would mask half the text; the patterns
        # still catch them where they sit in a URL or a header.
        self._secrets.update(s for s in secrets if s and len(s) >= 4)
        self._seen.clear()

    def __call__(self, text: str) -> str:
        if not text:
            return text
        if len(text) > 2_000:
            return self._mask(text)
        done = self._seen.get(text)
        if done is None:
            done = self._mask(text)
            if len(self._seen) < 20_000:  # at most ~40 MB of short texts
                self._seen[text] = done
        return done

    def _mask(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        text = _USERINFO.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)
        text = _QUERY.sub(lambda m: f"{m.group('name')}{MASK}", text)
        text = _HEADER.sub(lambda m: f"{m.group('name')}{MASK}", text)
        return _SCHEME_TOKEN.sub(lambda m: f"{m.group('name')} {MASK}", text)

    def obj(self, value: Any, key: str = "") -> Any:
        """A JSON-like value with every string redacted; the values of credential headers
        (under a `headers` mapping) are masked whole unless they are only `${VAR}`
        references, which name a secret without holding it."""
        if isinstance(value, Mapping):
            return {k: (self._header_value(v) if key.lower().endswith("headers")
                        and _secret_header(str(k)) else self.obj(v, str(k)))
                    for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.obj(v, key) for v in value]
        if isinstance(value, str):
            return self(value)
        return value

    def _header_value(self, value: Any) -> Any:
        if not isinstance(value, str):
            return MASK
        rest = _VAR.sub("", value).strip()
        if not rest or rest.lower() in ("bearer", "basic", "token"):
            return value  # only a reference to the environment: no secret in it
        return MASK


def _secret_header(name: str) -> bool:
    low = name.lower()
    return any(word in low for word in SECRET_HEADER_WORDS)


def redactor_for(agents: Iterable[Any], environ: Mapping[str, str] | None = None) -> Redactor:
    """A Redactor that knows the secrets of the campaign's agents: passwords and tokens in
    their URLs, and the values of their `options.headers` that carry a credential (by name)
    or come from the environment (`${VAR}`)."""
    red = Redactor()
    for agent in agents:
        url = getattr(agent, "url", None)
        if url:
            red.add(*url_secrets(url))
        headers = (getattr(agent, "options", None) or {}).get("headers") or {}
        if isinstance(headers, Mapping):
            for name, value in headers.items():
                # Credential-named headers, and anything read from the environment.
                if not isinstance(value, str) or not (_secret_header(str(name))
                                                      or env_references(value)):
                    continue
                try:
                    expanded = expand_env(value, environ)
                except MissingVariable:
                    continue
                red.add(expanded)
                # "Bearer abc": the token alone may appear elsewhere too.
                red.add(*[w for w in expanded.split() if w.lower() not in ("bearer", "basic")])
    return red


REDACT = Redactor()
"""Pattern-only redaction, for text whose secrets nobody registered."""
