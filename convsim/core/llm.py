"""The LLM seam: every LLM call convsim makes goes through `LLMClient` (litellm).

The simulated customer (`users/llm.py`), the `openai` agent connector
(`openai_agent.py`) and, later, the LLM judge call `complete()`; nothing else
imports litellm (and only inside functions: the import costs ~3 s). One client
per worker process and config (`client_for`) owns:

- an on-disk cache of answers keyed by a hash of the request (model, messages,
  tools, temperature, seed, settings): an unchanged campaign re-run makes no
  calls. It stores the answer's text, tool calls, tokens and cost as JSON, never a
  header or a key, in a `diskcache` store (SQLite: safe across the processes of a
  run, one file instead of one per answer);
- retries with exponential backoff and jitter after 429, 5xx, timeouts and
  connection errors, honouring Retry-After (litellm's own retries are off);
- a limit of calls in flight and an optional rate limit (per process);
- tokens and cost per call, from the config's `prices` or litellm's local price map: a
  model neither prices costs `None` (counted as an unpriced call), never 0;
- a circuit breaker per model (`ModelBreaker`, as an agent endpoint has): after
  BREAKER_FAILURES failed calls in a row the next ones fail at once, so a dead customer
  model stops the campaign within seconds;
- the run's budget (`budget_usd`), checked before every provider call against the spend
  of every process of the run, past sessions included (`SpendLedger`): past it the call is
  refused with `BudgetReached`, and the conversation that asked is marked (`budget_watch`).

Provider endpoints and keys come from the environment the way litellm reads
them (OPENAI_BASE_URL, OPENAI_API_KEY, ...); secrets found there are scrubbed
from every error message this module raises.

Size: over 400 lines because it is the one road to every LLM, and the cache, retries,
rate limit, prices, breaker and budget above share one client's state per process.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import email.utils
import json
import os
import random
import re
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from convsim.core.config import LLMConfig
from convsim.core.records import LLMUsage, stable_hash

CACHE_FORMAT = 2
"""Version of the cache entries' layout (part of every key: a new layout never reads an old
one). 1 was one JSON file per answer; 2 is a diskcache store."""
CACHE_SIZE_LIMIT = 4 * 2**30
"""Bytes the cache may hold; past it the oldest stored answers are evicted."""
BACKOFF_S = 0.5
"""First retry delay; doubled after each failure (capped at MAX_BACKOFF_S), with jitter."""
MAX_BACKOFF_S = 20.0
MAX_RETRY_AFTER_S = 120.0
"""A provider asking to wait longer than this is waited for this long at most."""
_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD)", re.IGNORECASE)
BREAKER_FAILURES = 5
"""A model whose calls fail this many times in a row (each after its retries: connection
refused, 5xx, timeouts) within BREAKER_WINDOW_S opens its circuit: later calls fail at once
with `circuit open: ...` in the message, as an agent endpoint's do (the campaign stops)."""
BREAKER_WINDOW_S = 60.0
CIRCUIT_OPEN = "circuit open"
"""In the message of a call refused by an open circuit (the same words as an agent
endpoint's breaker: `convsim.core.results.cut_by_open_circuit` looks for them)."""


class LLMError(Exception):
    """An LLM call failed after its retries (or could not be retried: a rejected request).

    `transient` is true for rate limits, server errors, timeouts and connection errors.
    """

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(redact(message))
        self.transient = transient


class BudgetReached(LLMError):
    """The run's LLM budget is spent: the call was not made."""

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)


SPEND_DIR = "llm-spend"
"""Folder of a run where each process playing it tallies its LLM spend."""


class SpendLedger:
    """The LLM spend of one run, shared by every process playing it (local workers, Ray
    actors on this machine) and kept across `--resume`: each process keeps its own total
    in a small file of `folder`, rewritten atomically after each priced call; the run's
    spend is the sum of the files."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.own = self.folder / f"{os.getpid()}-{uuid.uuid4().hex[:12]}.json"
        self.spent = 0.0

    def add(self, cost: float) -> None:
        if cost <= 0:
            return
        self.spent += cost
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_atomic(self.own, {"cost_usd": self.spent})
        except OSError:
            pass  # a folder this process cannot write (a remote Ray node): counted locally

    def total(self) -> float:
        """Spend of the run so far: this process's and every other one's."""
        return self.spent + sum(v for p, v in _spend_files(self.folder) if p != self.own)


def _spend_files(folder: Path) -> list[tuple[Path, float]]:
    try:
        paths = [p for p in folder.iterdir() if p.suffix == ".json"]
    except OSError:
        return []
    out = []
    for path in paths:
        try:
            value = json.loads(path.read_text(encoding="utf-8")).get("cost_usd", 0.0)
        except (OSError, ValueError, AttributeError):
            continue  # a file being replaced is read on the next check
        if isinstance(value, int | float) and value >= 0:
            out.append((path, float(value)))
    return out


def run_spend(run_dir: str | Path) -> float:
    """The LLM spend recorded in a run folder (every process, every session)."""
    return sum(v for _, v in _spend_files(Path(run_dir) / SPEND_DIR))


def for_run(config: LLMConfig, run_dir: str | Path) -> LLMConfig:
    """The run's LLM settings: with a budget, the spend is tallied in the run folder. Each run
    has clients of its own (`client_for` keys on the settings), so the circuit breakers of a
    run start closed whatever an earlier run in the same process met."""
    return config.model_copy(update={"spend_dir": str(Path(run_dir).resolve() / SPEND_DIR)})


_REFUSED: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "convsim_budget_refused", default=None)


@contextlib.contextmanager
def budget_watch() -> Iterator[list[str]]:
    """Within the block (one conversation's task), the calls refused by the budget are
    listed in the yielded list, whoever made them (customer, agent, judge)."""
    refused: list[str] = []
    token = _REFUSED.set(refused)
    try:
        yield refused
    finally:
        _REFUSED.reset(token)


def unpriced_models(models: Sequence[str], prices: Mapping[str, Any] | None = None) -> list[str]:
    """The models neither `prices` nor litellm's local price map price (a budget cannot
    see what they cost)."""
    models = [m for m in dict.fromkeys(models) if m not in (prices or {})]
    if not models:
        return []
    litellm = _import_litellm()
    out = []
    for model in models:
        try:
            litellm.cost_per_token(model=model, prompt_tokens=1, completion_tokens=1)
        except Exception:  # noqa: BLE001 - litellm raises assorted errors for unmapped models
            out.append(model)
    return out


def _write_atomic(path: Path, entry: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(entry, f, sort_keys=True)
        os.replace(tmp, path)  # atomic: a reader sees the old file or the whole new one
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class LLMResult:
    """One answer of a model."""

    text: str
    """The message's text ('' when the model only called tools)."""
    tool_calls: list[dict[str, str]] = field(default_factory=list)
    """Tool calls: {id, name, arguments}; `arguments` is the raw JSON text the model wrote."""
    usage: LLMUsage = field(default_factory=LLMUsage)
    """This call alone: a provider call (tokens, cost) or a cache hit (nothing spent)."""
    cached: bool = False


def redact(text: str) -> str:
    """`text` with the values of secret-looking environment variables (…KEY, …TOKEN…) masked."""
    for name, value in os.environ.items():
        if len(value) >= 8 and _SECRET_NAME.search(name) and value in text:
            text = text.replace(value, f"<{name}>")
    return text


_LOGGING_TASKS: set[asyncio.Task[Any]] = set()


def _import_litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm
    from litellm.litellm_core_utils import logging_worker

    litellm.suppress_debug_info = True  # no "Give Feedback / Get Help" banners on stdout
    # litellm runs its success callbacks on a queue worker task that lives as long as the
    # event loop; a loop closed without cancelling its tasks (the local executor's, a Ray
    # actor's) then warns "Event loop is closed". Run each callback as its own short task.
    logging_worker.GLOBAL_LOGGING_WORKER.ensure_initialized_and_enqueue = _run_callback  # type: ignore[method-assign]
    return litellm


def _run_callback(async_coroutine: Any) -> None:
    try:
        task = asyncio.get_running_loop().create_task(async_coroutine)
    except RuntimeError:  # no loop: nothing can run it
        async_coroutine.close()
        return
    _LOGGING_TASKS.add(task)
    task.add_done_callback(_LOGGING_TASKS.discard)


def _cost(litellm: Any, response: Any, price: Any = None, prompt_tokens: int = 0,
          completion_tokens: int = 0) -> float | None:
    """The call's cost: from the config's price of the model if given, else from litellm's
    local price map; None when neither prices the model."""
    if price is not None:
        return (prompt_tokens * price.input_usd_per_mtok
                + completion_tokens * price.output_usd_per_mtok) / 1e6
    try:
        cost = litellm.completion_cost(completion_response=response)
    except Exception:  # noqa: BLE001 - litellm raises assorted errors for unmapped models
        return None
    return None if cost is None else float(cost)


def _retry_after(exc: BaseException) -> float | None:
    """Seconds the provider asked to wait (Retry-After / retry-after-ms), if it said."""
    for headers in (getattr(exc, "litellm_response_headers", None),
                    getattr(getattr(exc, "response", None), "headers", None)):
        if not headers:
            continue
        try:
            if headers.get("retry-after-ms"):
                return float(headers["retry-after-ms"]) / 1000
            value = headers.get("retry-after")
        except (TypeError, ValueError, AttributeError):
            continue
        if not value:
            continue
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            if when is not None:
                return max(0.0, when.timestamp() - time.time())
    return None


def _transient(litellm: Any, exc: BaseException) -> bool:
    """Worth retrying: rate limits, server errors, timeouts, connection errors."""
    retryable = tuple(getattr(litellm, name) for name in (
        "RateLimitError", "APIConnectionError", "Timeout", "InternalServerError",
        "ServiceUnavailableError", "BadGatewayError") if hasattr(litellm, name))
    if isinstance(exc, (*retryable, TimeoutError, ConnectionError)):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and (status in (408, 409, 429) or status >= 500)


class ModelBreaker:
    """The circuit breaker of one model in one process, like an agent endpoint's: opens after
    `failures` failed calls in a row within `window_s` seconds. Open, it refuses calls for
    `window_s` seconds (a campaign stops long before), then lets them through again."""

    def __init__(self, model: str, failures: int = BREAKER_FAILURES,
                 window_s: float = BREAKER_WINDOW_S) -> None:
        self.model = model
        self.failures = failures
        self.window_s = window_s
        self._recent: list[float] = []
        self.reason: str | None = None
        self._opened = 0.0

    def check(self) -> None:
        """LLMError (transient, `circuit open: ...`) while the circuit is open."""
        if self.reason is None:
            return
        if time.monotonic() - self._opened > self.window_s:
            self.reason, self._recent = None, []
            return
        raise LLMError(f"{self.model}: {CIRCUIT_OPEN}: {self.reason}", transient=True)

    def success(self) -> None:
        self._recent.clear()

    def failure(self, why: str) -> None:
        if self.reason is not None:
            return
        now = time.monotonic()
        self._recent = [t for t in self._recent if now - t <= self.window_s] + [now]
        if len(self._recent) >= self.failures:
            self.reason = (f"{self.model}: {self.failures} calls in a row failed within "
                           f"{max(now - self._recent[0], 0.1):.1f}s (last: {why})")
            self._opened = now


class _Limits:
    """Concurrency and rate limits of one event loop (asyncio primitives are loop-bound)."""

    def __init__(self, max_concurrency: int, requests_per_minute: float | None) -> None:
        self.slots = asyncio.Semaphore(max_concurrency)
        self.interval = 60.0 / requests_per_minute if requests_per_minute else 0.0
        self.next_start = 0.0
        self.lock = asyncio.Lock()

    async def pace(self) -> None:
        """Space call starts `interval` apart (a token bucket of size one)."""
        if not self.interval:
            return
        async with self.lock:
            loop = asyncio.get_running_loop()
            wait = self.next_start - loop.time()
            self.next_start = max(self.next_start, loop.time()) + self.interval
        if wait > 0:
            await asyncio.sleep(wait)


class LLMClient:
    """litellm behind a cache, retries and limits; one per worker process (see `client_for`)."""

    def __init__(self, config: LLMConfig, *, backoff_s: float = BACKOFF_S,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.config = config
        self.cache_dir = (Path(config.cache_dir).expanduser().resolve()
                          if config.cache_dir else None)
        self._backoff_s = backoff_s
        self._sleep = sleep
        self._limits: dict[int, _Limits] = {}
        self._cache: Any = None
        self.ledger = (SpendLedger(config.spend_dir)
                       if config.budget_usd is not None and config.spend_dir else None)
        self._spent = 0.0  # without a run folder, the budget holds for this process
        self.breakers: dict[str, ModelBreaker] = {}
        """One circuit breaker per model."""

    # ------------------------------------------------------------------ cache

    def _store(self) -> Any:
        """The diskcache store of this client, opened on first use (None: no cache)."""
        if self._cache is None and self.cache_dir is not None:
            import diskcache

            self._cache = diskcache.Cache(str(self.cache_dir), disk=diskcache.JSONDisk,
                                          size_limit=CACHE_SIZE_LIMIT)
        return self._cache

    def _read(self, key: str) -> dict[str, Any] | None:
        store = self._store()
        if store is None:
            return None
        try:
            data = store.get(key)
        except (OSError, ValueError):
            return None  # a damaged entry is a miss; the next answer overwrites it
        return data if isinstance(data, dict) and data.get("format") == CACHE_FORMAT else None

    def _write(self, key: str, entry: dict[str, Any]) -> None:
        store = self._store()
        if store is not None:
            store.set(key, entry)  # one SQLite transaction: a reader sees all of it or nothing

    # ------------------------------------------------------------------ calls

    def _loop_limits(self) -> _Limits:
        loop_id = id(asyncio.get_running_loop())
        if loop_id not in self._limits:
            self._limits = {loop_id: _Limits(self.config.max_concurrency,
                                             self.config.requests_per_minute)}
        return self._limits[loop_id]

    async def complete(self, messages: Sequence[dict[str, Any]], *, model: str,
                       temperature: float | None = None,
                       tools: Sequence[dict[str, Any]] | None = None, seed: int | None = None,
                       sample: str | int | None = None, **settings: Any) -> LLMResult:
        """One chat completion, from the cache or the provider.

        `sample` is not sent: it only separates cache entries of identical requests that
        must not share an answer (two repetitions of a conversation). Other keyword
        arguments are litellm settings (max_tokens, top_p, ...). Raises LLMError.
        """
        request = {"model": model, "messages": list(messages), "tools": list(tools or []),
                   "temperature": temperature, "seed": seed, "settings": settings}
        key = stable_hash({"format": CACHE_FORMAT, "sample": sample, **request}, length=40)
        hit = self._read(key)
        if hit is not None:
            return LLMResult(text=hit["text"], tool_calls=hit["tool_calls"], cached=True,
                             usage=LLMUsage(cache_hits=1, models=[model]))
        self._check_budget(model)
        breaker = self.breakers.setdefault(model, ModelBreaker(model))
        breaker.check()
        litellm = _import_litellm()
        kwargs: dict[str, Any] = {k: v for k, v in request.items()
                                  if k not in ("settings", "tools", "seed", "temperature")}
        kwargs.update(settings)
        if tools:
            kwargs["tools"] = list(tools)
            # litellm 1.106 imports its MCP proxy handler (and the `mcp` package, not a
            # dependency) whenever tools are passed, unless told to skip it.
            kwargs["_skip_mcp_handler"] = True
        if seed is not None:
            kwargs["seed"] = seed
        if temperature is not None:
            kwargs["temperature"] = temperature
        try:
            response = await self._call(litellm, kwargs)
        except LLMError as exc:
            if exc.transient:  # the model's server is down, failing or hanging
                breaker.failure(str(exc).split(": ", 1)[-1][:200])
            raise
        breaker.success()
        message = response.choices[0].message
        calls = [{"id": str(c.id or f"call_{i}"), "name": str(c.function.name or ""),
                  "arguments": str(c.function.arguments or "")}
                 for i, c in enumerate(getattr(message, "tool_calls", None) or [])]
        text = str(message.content or "")
        usage = getattr(response, "usage", None)
        prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        cost = _cost(litellm, response, self.config.prices.get(model), prompt_tokens,
                     completion_tokens)
        if cost:
            self._spent += cost
            if self.ledger is not None:
                self.ledger.add(cost)
        self._write(key, {"format": CACHE_FORMAT, "model": model, "text": text,
                          "tool_calls": calls, "prompt_tokens": prompt_tokens,
                          "completion_tokens": completion_tokens, "cost_usd": cost})
        return LLMResult(text=text, tool_calls=calls, usage=LLMUsage(
            calls=1, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
            known_cost_usd=cost or 0.0, unpriced_calls=int(cost is None), models=[model]))

    def budget_spent(self) -> str | None:
        """Why no call may be made any more (the run's budget is spent), or None."""
        budget = self.config.budget_usd
        if budget is None:
            return None
        spent = self.ledger.total() if self.ledger is not None else self._spent
        return f"LLM budget reached (spent ${spent:.4f} of ${budget:g})" if spent >= budget \
            else None

    def _check_budget(self, model: str) -> None:
        """BudgetReached when the run has spent its budget (nothing is sent then)."""
        reached = self.budget_spent()
        if reached is not None:
            message = f"{model}: {reached}; call not made"
            refused = _REFUSED.get()
            if refused is not None:
                refused.append(message)
            raise BudgetReached(message)

    async def _call(self, litellm: Any, kwargs: dict[str, Any]) -> Any:
        limits = self._loop_limits()
        timeout = float(kwargs.pop("timeout", None) or self.config.timeout_s)
        for own in ("num_retries", "max_retries"):  # convsim's retries, not the settings'
            kwargs.pop(own, None)
        last = ""
        for attempt in range(self.config.retries + 1):
            await limits.pace()
            try:
                async with limits.slots:
                    # litellm's and the OpenAI SDK's own retries are off: convsim owns them.
                    async with asyncio.timeout(timeout + 5):
                        return await litellm.acompletion(**kwargs, timeout=timeout,
                                                         num_retries=0, max_retries=0)
            except Exception as exc:  # noqa: BLE001 - sorted below: retried, or LLMError
                last = f"{type(exc).__name__}: {exc or f'no answer within {timeout:g}s'}"
                if not _transient(litellm, exc):
                    raise LLMError(f"{kwargs['model']}: {last}", transient=False) from None
                if attempt == self.config.retries:
                    break
                delay = min(MAX_BACKOFF_S, self._backoff_s * 2**attempt) * (0.5 + random.random())
                asked = _retry_after(exc)
                if asked is not None:
                    delay = max(delay, min(asked, MAX_RETRY_AFTER_S))
                await self._sleep(delay)
        raise LLMError(f"{kwargs['model']}: failed after {self.config.retries + 1} attempts: "
                       f"{last}", transient=True)


_CLIENTS: dict[str, LLMClient] = {}


def client_for(config: LLMConfig | None) -> LLMClient:
    """The process's client for `config` (created on first use, shared after)."""
    config = config or LLMConfig()
    key = config.model_dump_json()  # (its `prices` mapping makes the model unhashable)
    if key not in _CLIENTS:
        _CLIENTS[key] = LLMClient(config)
    return _CLIENTS[key]
