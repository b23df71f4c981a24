"""The agent processes a campaign starts itself: reference agents and the team's `command:`.

`serve_agents` starts each on 127.0.0.1, waits until it is ready (a line matching its
`ready_pattern`, default `listening on URL`, or its `ready_url` answering) and stops it
(with its process group) when the campaign ends. An agent that exits or is not ready in
time stops the campaign with its last output lines. Used by `campaign` (run_campaign); the
agents are then reached over HTTP by the `http` connector.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from convsim.core.config import AgentConfig
from convsim.core.errors import CampaignError


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


DEFAULT_READY = re.compile(r"listening on (?P<url>https?://\S+)")
"""The line a started agent prints when it is ready, unless its `ready_pattern` says."""
TAIL_LINES = 10
"""Output lines of an agent shown when it fails to start."""


def _agent_command(agent: AgentConfig, port: int) -> tuple[list[str], str | None]:
    """The process to start for an agent the campaign serves itself, and its folder."""
    if agent.command is not None:
        argv = shlex.split(agent.command.replace("{port}", str(port)))
        if argv and argv[0] in ("python", "python3"):  # the Python convsim runs in, with its deps
            argv[0] = sys.executable
        return argv, agent.workdir
    assert agent.reference is not None
    return [sys.executable, "-m", "convsim.cli.main", "agent", "serve",
            "--config", agent.reference, "--port", "0"], None


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """A preexec_fn tying a child to this process (Linux): the kernel sends it SIGTERM when
    the thread that started it dies, even on SIGKILL of the driver."""
    if not sys.platform.startswith("linux"):
        return None

    def preexec() -> None:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the driver died before the line above ran
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


class _Child:
    """A started agent process: its own process group, output drained in the background (a
    chatty agent must never block on a full pipe), the last lines kept for messages."""

    def __init__(self, argv: list[str], cwd: str | None) -> None:
        self.proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True,
                                     preexec_fn=_die_with_parent(os.getpid()))
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        """The last lines the agent printed (stdout and stderr, in arrival order)."""
        self._pumps = [threading.Thread(target=self._pump, args=(stream, mark), daemon=True)
                       for stream, mark in ((self.proc.stdout, True), (self.proc.stderr, False))]
        for pump in self._pumps:
            pump.start()

    def _pump(self, stream: Any, stdout: bool) -> None:
        with contextlib.suppress(ValueError, OSError):
            for line in stream:
                if line.strip():
                    self.tail.append(line.rstrip())
                if stdout:
                    self.lines.put(line)
        if stdout:
            self.lines.put(None)

    def last_output(self) -> str:
        """The agent's last output lines, indented, for an error message."""
        for pump in self._pumps:  # a process that exited: let the pumps read its last lines
            if self.proc.poll() is not None:
                pump.join(timeout=1)
        lines = list(self.tail)
        if not lines:
            return "; it printed nothing"
        return "; its last output lines:\n" + "\n".join(f"  | {ln}" for ln in lines)

    def stop(self) -> None:
        for sig, wait_s in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, sig)  # the agent and whatever it started
            try:
                self.proc.wait(timeout=wait_s)
                break
            except subprocess.TimeoutExpired:
                continue
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


@contextlib.contextmanager
def serve_agents(agents: list[AgentConfig], startup_timeout_s: float | None = None
                 ) -> Iterator[list[AgentConfig]]:
    """Start the agents the campaign serves itself: reference agents (`reference:`) and
    the team's own (`command:`), each as its own process on 127.0.0.1.

    A started process is ready when it prints a line matching its `ready_pattern` (default
    `... listening on http://HOST:PORT`) or when its `ready_url` answers 2xx, within its
    `ready_timeout_s` (or `startup_timeout_s`, if given). They live no longer than this
    process: stopped (with their process group) when the block exits, and on Linux killed
    by the kernel if the driver dies first (PR_SET_PDEATHSIG).
    """
    children: list[_Child] = []
    resolved = []
    try:
        for agent in agents:
            if agent.connector != "http" or (agent.reference is None and agent.command is None):
                resolved.append(agent)
                continue
            port = _free_port()
            argv, cwd = _agent_command(agent, port)
            try:
                child = _Child(argv, cwd)
            except OSError as exc:
                where = f" in {cwd}" if cwd else ""
                raise CampaignError(f"agent {agent.version}: cannot start {argv[0]!r}{where}: "
                                    f"{exc.strerror}") from None
            children.append(child)
            timeout_s = startup_timeout_s or agent.ready_timeout_s
            url = _await_ready(child, agent, port, timeout_s)
            resolved.append(agent.model_copy(update={"url": url}))
        yield resolved
    finally:
        for child in children:
            child.stop()


def _answers(url: str) -> bool:
    """The health URL answers 2xx (a refused connection or another status: not yet)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (http(s) only)
            return 200 <= int(response.status) < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _base_url(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _await_ready(child: _Child, agent: AgentConfig, port: int, timeout_s: float) -> str:
    """The agent's base URL once it is ready; CampaignError (with its last output lines)
    when it exits first or the time runs out."""
    pattern = re.compile(agent.ready_pattern) if agent.ready_pattern else DEFAULT_READY
    health = agent.ready_url.replace("{port}", str(port)) if agent.ready_url else None
    url: str | None = None
    printed = False  # the pattern has matched (when there is a health URL, it may not)
    stdout_open = True
    deadline = time.monotonic() + timeout_s
    next_poll = 0.0
    while time.monotonic() < deadline:
        try:
            line = child.lines.get(timeout=0.1) if stdout_open else None
        except queue.Empty:
            line = ""
        if line is None and stdout_open:
            stdout_open = False
        if line:
            match = pattern.search(line)
            if match:
                printed = True
                found = match.groupdict().get("url")
                url = found.strip() if found else url
                if health is None or agent.ready_pattern:
                    return url or _base_url(health or "")
        if health is not None and time.monotonic() >= next_poll:
            next_poll = time.monotonic() + 0.2
            if _answers(health):
                return url or _base_url(health)
        if child.proc.poll() is not None:
            raise CampaignError(f"agent {agent.version} exited at startup (exit code "
                                f"{child.proc.returncode}){child.last_output()}")
        if not stdout_open:
            time.sleep(0.1)
    waited = (f"{health} to answer" if health is not None and not printed else
              f"a line matching '{pattern.pattern}'")
    raise CampaignError(f"agent {agent.version} was not ready within {timeout_s:g}s (waited "
                        f"for {waited}){child.last_output()}")
