"""The agent processes a campaign starts itself: reference agents and the team's `command:`.

`serve_agents` starts each on 127.0.0.1, waits for its `listening on URL` line and stops it
(with its process group) when the campaign ends. Used by `campaign` (run_campaign); the
agents are then reached over HTTP by the `http` connector.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from convsim.core.config import AgentConfig
from convsim.core.errors import CampaignError


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _agent_command(agent: AgentConfig) -> tuple[list[str], str | None]:
    """The process to start for an agent the campaign serves itself, and its folder."""
    if agent.command is not None:
        argv = shlex.split(agent.command.replace("{port}", str(_free_port())))
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
        self.err_tail: deque[str] = deque(maxlen=20)
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines.put, True),
                         daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.err_tail.append, False),
                         daemon=True).start()

    @staticmethod
    def _pump(stream: Any, sink: Callable[[Any], None], mark_end: bool) -> None:
        with contextlib.suppress(ValueError, OSError):
            for line in stream:
                sink(line)
        if mark_end:
            sink(None)

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
def serve_agents(agents: list[AgentConfig], startup_timeout_s: float = 60.0
                 ) -> Iterator[list[AgentConfig]]:
    """Start the agents the campaign serves itself: reference agents (`reference:`) and
    the team's own (`command:`), each as its own process on 127.0.0.1.

    A started process must print a line `... listening on http://HOST:PORT`. They live no
    longer than this process: stopped (with their process group) when the block exits, and
    on Linux killed by the kernel if the driver dies first (PR_SET_PDEATHSIG).
    """
    children: list[_Child] = []
    resolved = []
    try:
        for agent in agents:
            if agent.connector != "http" or (agent.reference is None and agent.command is None):
                resolved.append(agent)
                continue
            argv, cwd = _agent_command(agent)
            try:
                child = _Child(argv, cwd)
            except OSError as exc:
                raise CampaignError(f"agent {agent.version}: cannot start {argv[0]!r}: "
                                    f"{exc.strerror}") from None
            children.append(child)
            url = _await_listening(child, agent.version, startup_timeout_s)
            resolved.append(agent.model_copy(update={"url": url}))
        yield resolved
    finally:
        for child in children:
            child.stop()


def _await_listening(child: _Child, version: str, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = child.lines.get(timeout=min(left, 0.5))
        except queue.Empty:
            continue
        if line is not None and "listening on " in line:
            return line.rsplit("listening on ", 1)[1].strip()
        if line is None:  # stdout closed: the process is gone
            child.proc.wait(timeout=5)
            time.sleep(0.05)  # let the stderr thread catch the last lines
            err = [x.strip() for x in child.err_tail if x.strip()]
            raise CampaignError(f"agent {version} exited at startup: "
                                f"{err[-1] if err else 'no output'}")
    raise CampaignError(f"agent {version} did not print 'listening on URL' within "
                        f"{timeout_s:g}s")
