"""Agent connectors: how the simulator talks to an agent version.

- `http`: a black-box agent service. POST a turn, read the reply (and optional
  end / handoff flags); field names are configurable. Every call carries the
  headers of `options.headers` (`${VAR}` expanded from the environment at run
  time) and `Idempotency-Key: <conversation id>:<turn index>` (the n-th message
  convsim sends in that conversation, from 0; a retry of the same turn carries the
  same key). Retries are safe by construction:
  - a connection that could not be opened (refused, DNS, connect timeout) is
    retried with backoff and jitter: the agent never saw the turn;
  - 429, and 503 with Retry-After, are rate limiting: retried after Retry-After
    (seconds or an HTTP date, capped by `max_retry_after_s`) or a backoff, up to
    `rate_limit_retries` times;
  - a 5xx, a dropped connection or no reply within the timeout may come after the
    agent acted on the turn (called a tool): the turn is sent again only if the
    agent declares `options: {retry_safe: true}` (it de-duplicates by
    Idempotency-Key); otherwise the conversation ends with an infrastructure error.
  Plain `http://` agents are reached through a lean keep-alive HTTP/1.1 client
  (`http1.py`); `options: {client: aiohttp}` uses aiohttp, as https URLs do.
  `requests_per_second` rate-limits the endpoint (token bucket, per worker). A
  circuit breaker per endpoint, shared by the worker's conversations, opens after
  `breaker_failures` failed calls in a row within `breaker_window_s` seconds: every
  later call fails at once with `AgentUnavailable("circuit open: ...")`, which the
  campaign reads as "stop starting conversations". Error messages never carry the
  credentials of the URL or the headers.
- `python`: an in-process agent (the reference agent, or any object with an
  async `respond(state, text, tools)`), for unit tests and notebooks.

Size: over 400 lines because the retry, rate-limit and circuit-breaker rules above are one
policy per endpoint that both HTTP clients (lean keep-alive and aiohttp) go through.
"""

from __future__ import annotations

import asyncio
import email.utils
import importlib
import json
import math
import random
import time
import weakref
from collections import deque
from datetime import UTC, datetime
from typing import Any

import aiohttp
from yarl import URL

from convsim.core.protocols import (
    AgentProtocolError,
    AgentUnavailable,
    ToolOutcome,
    parse_tool_body,
)
from convsim.core.records import AgentReply
from convsim.core.redact import Redactor, expand_env, url_secrets
from convsim.core.registry import connector
from convsim.core.sandbox import CONVERSATION_HEADER, SANDBOX_URL_HEADER, ToolSandbox
from convsim.simulator.connectors import http1

IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_LINE = IDEMPOTENCY_HEADER.encode("latin-1") + b": %s:%d\r\n"
CIRCUIT_OPEN = "circuit open"
"""Prefix of the AgentUnavailable message of an open breaker (the campaign looks for it)."""


def retry_after_seconds(value: str | None, cap: float, now: datetime | None = None
                        ) -> float | None:
    """Seconds to wait from a Retry-After header (delay in seconds or an HTTP date), clamped
    to [0, cap]; None when absent or unreadable."""
    if not value or not value.strip():
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds):
        return None
    return min(max(0.0, seconds), cap)


class CircuitBreaker:
    """Opens after `failures` failed calls in a row within `window_s` seconds; stays open."""

    def __init__(self, endpoint: str, failures: int = 8, window_s: float = 60.0) -> None:
        self.endpoint = endpoint
        self.failures = failures
        self.window_s = window_s
        self._recent: deque[float] = deque(maxlen=max(1, failures))
        self.reason: str | None = None

    @property
    def is_open(self) -> bool:
        return self.reason is not None

    def check(self) -> None:
        if self.reason is not None:
            raise AgentUnavailable(f"{CIRCUIT_OPEN}: {self.reason}")

    def success(self) -> None:
        self._recent.clear()

    def failure(self, why: str) -> None:
        if not self.failures or self.reason is not None:
            return
        now = time.monotonic()
        self._recent.append(now)
        if len(self._recent) == self.failures and now - self._recent[0] <= self.window_s:
            self.reason = (f"{self.endpoint}: {self.failures} calls in a row failed within "
                           f"{max(now - self._recent[0], 0.1):.1f}s (last: {why})")


class TokenBucket:
    """At most `rate` calls per second on average, bursts of up to `rate` calls."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self._tokens = self.capacity
        self._last = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:  # first come, first served
            while True:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)


# One breaker and one rate limiter per endpoint and worker (a worker owns one HTTP session):
# two agent versions served at the same URL share them.
_ENDPOINTS: weakref.WeakKeyDictionary[aiohttp.ClientSession, dict[str, Any]] = \
    weakref.WeakKeyDictionary()


def _shared(session: aiohttp.ClientSession, kind: str, endpoint: str, make: Any) -> Any:
    per_session = _ENDPOINTS.setdefault(session, {})
    key = f"{kind}:{endpoint}"
    if key not in per_session:
        per_session[key] = make()
    return per_session[key]


def _backoff(conversation_id: str, attempt: int) -> float:
    # Jitter seeded by the conversation so runs stay reproducible.
    jitter = random.Random(f"{conversation_id}:{attempt}").random()
    return min(2.0, 0.05 * 2**attempt) * (0.5 + jitter)


class HttpConnector:
    """Black-box HTTP agent (see the module docstring for the contract)."""

    def __init__(self, version: str, url: str, session: aiohttp.ClientSession,
                 timeout_s: float = 10.0, retries: int = 2, options: dict[str, Any] | None = None
                 ) -> None:
        opts = options or {}
        self.version = version
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=timeout_s)
        # Forgetting a conversation is best effort: never wait on it as long as on a turn.
        self._close_timeout = aiohttp.ClientTimeout(total=min(timeout_s, 2.0))
        self._retries = retries
        headers = {str(k): expand_env(str(v)) for k, v in (opts.get("headers") or {}).items()}
        self._headers = headers
        base = URL(url)
        if any(k.lower() == "authorization" for k in headers) and base.user:
            base = base.with_user(None)  # the header wins over credentials in the URL
        self._base = base
        secrets = url_secrets(url) + [v for v in headers.values()]
        secrets += [w for v in headers.values() for w in v.split()[1:]]  # "Bearer <token>"
        self._redact = Redactor(secrets)
        self.endpoint = self._redact(str(base.with_query(None).with_fragment(None)))
        """The endpoint as it may be shown (no credentials)."""
        self._chat_url = self._url(opts.get("chat_path", "/v1/chat"))
        self._close_path: str | None = opts.get("close_path", "/v1/conversations/{id}")
        """DELETE path that lets the agent forget a finished conversation; null: none sent."""
        self._id_field = opts.get("conversation_id_field", "conversation_id")
        self._message_field = opts.get("message_field", "message")
        self._reply_field = opts.get("reply_field", "reply")
        self._end_field = opts.get("end_field", "end")
        self._handoff_field = opts.get("handoff_field", "handoff")
        self.retry_safe = bool(opts.get("retry_safe", False))
        """The agent de-duplicates turns by Idempotency-Key: ambiguous failures are retried."""
        self._max_retry_after = float(opts.get("max_retry_after_s", 30.0))
        self._rate_limit_retries = int(opts.get("rate_limit_retries", 8))
        key = str(base.with_query(None).with_user(None))
        self.breaker: CircuitBreaker = _shared(session, "breaker", key, lambda: CircuitBreaker(
            self.endpoint, int(opts.get("breaker_failures", 8)),
            float(opts.get("breaker_window_s", 60.0))))
        rps = opts.get("requests_per_second")
        self._bucket: TokenBucket | None = None if rps is None else _shared(
            session, "bucket", key, lambda: TokenBucket(float(rps)))
        self._turns: dict[str, int] = {}
        self._heads: dict[str, tuple[str, bytes]] = {}
        """Per conversation (lean client): the sandbox URL and the encoded head lines that
        stay the same on every turn (checking and encoding them cost ~10 µs a turn)."""
        # Plain http:// goes through the lean keep-alive client (one per worker and
        # host:port); anything else (https, credentials in the URL) through aiohttp.
        self._pool: http1.Pool | None = None
        client = opts.get("client", "auto")
        if client not in ("auto", "aiohttp"):
            raise ValueError(f"options.client: expected auto or aiohttp, got {client!r}")
        if client == "auto" and http1.supports(self._chat_url):
            try:
                static = {k: v for k, v in headers.items() if k.lower() != "content-type"}
                self._head = http1.encode_headers({**static, "Content-Type": "application/json"})
                self._close_head = http1.encode_headers(headers)
            except (ValueError, UnicodeEncodeError):
                pass  # refused by aiohttp at the first call, as before
            else:
                self._pool = _shared(session, "pool", f"{base.raw_host}:{base.port}",
                                     lambda: http1.Pool(self._chat_url))
        bursts = opts.get("bursts", "sequential")
        if bursts not in ("sequential", "batched"):
            raise ValueError(f"options.bursts: expected sequential or batched, got {bursts!r}")
        self.batches_bursts = bursts == "batched"
        """A burst of short customer messages arrives as one message, parts on their own
        lines (batched), or as one POST per part, the agent answering each (sequential)."""

    def _url(self, path: str) -> URL:
        return self._base.with_path(self._base.path.rstrip("/") + path).with_query(
            self._base.query)

    async def send(self, conversation_id: str, text: str, sandbox: ToolSandbox,
                   sandbox_url: str) -> AgentReply:
        turn = self._turns.get(conversation_id, 0)
        self._turns[conversation_id] = turn + 1
        headers: dict[str, str] | bytes
        if self._pool is not None:
            known = self._heads.get(conversation_id)
            if known is None or known[0] != sandbox_url:
                known = self._heads[conversation_id] = (
                    sandbox_url, self._head + http1.encode_headers({
                        SANDBOX_URL_HEADER: sandbox_url, CONVERSATION_HEADER: conversation_id}))
            # The id was checked (no CR/LF) and encoded with the lines above; the turn is a number.
            headers = known[1] + _IDEMPOTENCY_LINE % (conversation_id.encode("latin-1"), turn)
        else:
            headers = {**self._headers, "Content-Type": "application/json",
                       SANDBOX_URL_HEADER: sandbox_url, CONVERSATION_HEADER: conversation_id,
                       IDEMPOTENCY_HEADER: f"{conversation_id}:{turn}"}
        # Encoded once here (aiohttp's json= builds a payload object per attempt).
        body = json.dumps({self._id_field: conversation_id, self._message_field: text})
        try:
            reply = await self._post(conversation_id, body, headers)
        except (AgentUnavailable, AgentProtocolError) as exc:
            if not str(exc).startswith(CIRCUIT_OPEN):
                self.breaker.failure(str(exc))
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. a bad URL: never leak a raw message
            message = self._redact(f"{type(exc).__name__}: {exc}")
            self.breaker.failure(message)
            raise AgentUnavailable(message) from None
        self.breaker.success()
        return reply

    async def _post(self, conversation_id: str, body: str,
                    headers: dict[str, str] | bytes) -> AgentReply:
        failures = limited = 0
        while True:
            self.breaker.check()
            if self._bucket is not None:
                await self._bucket.acquire()
            retryable = self.retry_safe
            try:
                if self._pool is not None and isinstance(headers, bytes):
                    got = await self._pool.request("POST", self._chat_url.raw_path_qs, headers,
                                                   body.encode(), self._timeout.total or 0)
                    raw, status = got.text(), got.status
                    retry_after = got.headers.get("retry-after")
                else:
                    async with self._session.post(
                            self._chat_url, data=body, timeout=self._timeout,
                            headers=headers if isinstance(headers, dict) else None) as resp:
                        raw = await resp.text()
                        status, retry_after = resp.status, resp.headers.get("Retry-After")
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError,
                    http1.NotConnected) as exc:
                # The connection never opened: the agent did not see the turn.
                last, retryable = self._redact(f"{type(exc).__name__}: {exc}"), True
            except TimeoutError:
                last = f"no reply within {self._timeout.total:g}s from {self.endpoint}"
            except http1.Broken as exc:
                last = self._redact(f"{type(exc).__name__}: {exc}")
            except aiohttp.ClientError as exc:
                last = self._redact(f"{type(exc).__name__}: {exc}")
            else:
                if status == 429 or (status == 503 and retry_after is not None):
                    limited += 1
                    if limited > self._rate_limit_retries:
                        raise AgentUnavailable(
                            f"rate limited: HTTP {status} from {self.endpoint} "
                            f"{limited} times in a row")
                    wait = retry_after_seconds(retry_after, self._max_retry_after)
                    await asyncio.sleep(_backoff(conversation_id, limited) if wait is None
                                        else wait)
                    continue
                if status < 400:
                    return self._parse(raw)
                if status < 500:
                    raise AgentProtocolError(f"HTTP {status}: {self._redact(raw[:200])}")
                last = f"HTTP {status} from {self.endpoint}"
            failures += 1
            if not retryable:
                raise AgentUnavailable(
                    f"{last} (not sent again: the agent may have acted on the turn; an agent "
                    "that de-duplicates by Idempotency-Key can declare options.retry_safe)")
            if failures > self._retries:
                raise AgentUnavailable(last)
            await asyncio.sleep(_backoff(conversation_id, failures))

    def _parse(self, raw: str) -> AgentReply:
        try:
            data = json.loads(raw)
        except ValueError:
            raise AgentProtocolError(
                f"reply is not JSON: {self._redact(raw[:120])!r}") from None
        if not isinstance(data, dict) or not isinstance(data.get(self._reply_field), str):
            raise AgentProtocolError(
                f"reply has no text field {self._reply_field!r}: {self._redact(raw[:120])!r}")
        # Checked above, field by field: no second validation on the hot path.
        return AgentReply.model_construct(text=data[self._reply_field],
                                          end=bool(data.get(self._end_field)),
                                          handoff=bool(data.get(self._handoff_field)))

    async def close(self, conversation_id: str) -> None:
        self._turns.pop(conversation_id, None)
        self._heads.pop(conversation_id, None)
        if self.breaker.is_open or not self._close_path:
            return
        try:
            url = self._url(self._close_path.format(id=conversation_id))
            if self._pool is not None and http1.supports(url):
                await self._pool.request("DELETE", url.raw_path_qs, self._close_head, b"",
                                         self._close_timeout.total or 0)
            else:
                async with self._session.delete(url, headers=self._headers,
                                                timeout=self._close_timeout):
                    pass
        except (TimeoutError, aiohttp.ClientError, ValueError, http1.NotConnected,
                http1.Broken):
            pass  # forgetting state is best effort

    async def aclose(self) -> None:
        """Close the keep-alive connections (the worker calls it when it stops)."""
        if self._pool is not None:
            self._pool.close()


class _SandboxTools:
    """In-process tool client for python agents."""

    def __init__(self, sandbox: ToolSandbox) -> None:
        self._sandbox = sandbox

    async def __call__(self, tool: str, arguments: dict[str, Any]) -> ToolOutcome:
        from convsim.core.sandbox import http_status_for

        call = await self._sandbox.call(tool, arguments)
        return parse_tool_body(http_status_for(call), call.result or "")


class PythonConnector:
    """In-process agent: `agent.respond(state, text, tools)`, one state per conversation."""

    def __init__(self, version: str, agent: Any, new_state: Any) -> None:
        self.version = version
        self._agent = agent
        self._new_state = new_state
        self._states: dict[str, Any] = {}

    async def send(self, conversation_id: str, text: str, sandbox: ToolSandbox,
                   sandbox_url: str) -> AgentReply:
        state = self._states.setdefault(conversation_id, self._new_state())
        reply = await self._agent.respond(state, text, _SandboxTools(sandbox))
        return reply if isinstance(reply, AgentReply) else AgentReply.model_validate(reply)

    async def close(self, conversation_id: str) -> None:
        self._states.pop(conversation_id, None)


@connector("http")
def make_http(version: str, url: str, session: aiohttp.ClientSession, timeout_s: float,
              retries: int, options: dict[str, Any]) -> HttpConnector:
    """An agent served over HTTP (settings: `core.protocols.ConnectorSettings`)."""
    return HttpConnector(version, url, session, timeout_s, retries, options)


@connector("python")
def make_python(version: str, target: str | None = None, reference: str | None = None
                ) -> PythonConnector:
    """From a 'module:factory' returning (agent, new_state); with `reference` (an agent
    YAML, e.g. a pack's reference agent version), the factory is called with its path."""
    if target is None:
        raise ValueError(f"agent {version}: a python agent needs target 'module:factory' (a "
                         "reference YAML runs through its pack's agent_loader)")
    module, _sep, attr = target.partition(":")
    factory = getattr(importlib.import_module(module), attr)
    agent, new_state = factory(reference) if reference else factory()
    return PythonConnector(version, agent, new_state)
