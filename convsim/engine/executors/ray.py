"""Ray executor: async actors, each running whole batches of conversations.

The only module that imports ray. By default it starts a local Ray instance that listens
on 127.0.0.1 only and does not outlive this process, or joins an existing cluster at
`ray_address` (`ray://host:10001` needs the Ray client: `pip install "ray[client]"`).
Each actor hosts one `ConversationWorker` (its own sandbox hub and HTTP session) and runs a
batch's conversations concurrently on its event loop: one Ray call per batch, never
one per turn.

A batch's results come back whole or not at all, so a lost actor (its process killed,
its node gone) loses only batches nobody wrote: they are played again on a new actor,
and every conversation is written once.

Size: over 400 lines because it holds the only module that imports ray: start or join,
actors, batch dispatch, recovery of lost actors and per-node counts stay together so ray
stays out of everything else.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from convsim.core.config import (
    AgentConfig,
    ConfigError,
    ExecutionConfig,
    JudgeConfig,
    LLMConfig,
)
from convsim.core.records import ConversationSpec
from convsim.core.redact import REDACT
from convsim.core.results import Packing, ResultBatch
from convsim.engine.executors import ExecutorError, batches_in_flight

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

MAX_ATTEMPTS = 3
"""Times a batch is played before its loss stops the campaign (a batch that kills every
actor it reaches, e.g. out of memory, must not loop forever)."""


class WorkerLost(ExecutorError):
    """A batch was lost with its actor MAX_ATTEMPTS times."""


class _WorkerActor:
    def __init__(self, agents: list[AgentConfig], evaluators: list[str],
                 execution: ExecutionConfig, llm: LLMConfig | None = None,
                 judge: JudgeConfig | None = None) -> None:
        from convsim.engine.worker import ConversationWorker

        self._worker = ConversationWorker(agents, evaluators, execution, llm, judge)

    async def run_packed(self, specs: list[ConversationSpec], packing: Packing) -> ResultBatch:
        return await self._worker.run_packed(specs, packing)

    async def stop(self) -> dict[int, int]:
        """Stops the worker; returns its event-loop lag histogram (ms -> samples)."""
        counts = dict(self._worker.lag.counts)
        await self._worker.stop()
        return counts

    def pid(self) -> int:
        return os.getpid()

    def node_id(self) -> str:
        """The Ray node this actor runs on (conversations are counted per node)."""
        import ray

        return str(ray.get_runtime_context().get_node_id())


def _lost_errors() -> tuple[type[BaseException], ...]:
    import ray.exceptions as rex

    # OutOfMemoryError: Ray's memory monitor killed the actor (the node, not the batch, may
    # be short of memory); MAX_ATTEMPTS bounds a batch that is itself too big.
    names = ("RayActorError", "ActorDiedError", "ActorUnavailableError", "WorkerCrashedError",
             "ObjectLostError", "OwnerDiedError", "NodeDiedError", "LocalRayletDiedError",
             "OutOfMemoryError")
    return tuple(getattr(rex, n) for n in names if hasattr(rex, n))


# Ray binds its gRPC servers (GCS, raylet, object manager, workers, this driver) and its agents
# on 127.0.0.1 only when the node's IP is exactly "127.0.0.1"; otherwise on 0.0.0.0/::. But
# ray.init swaps a loopback `_node_ip_address` for the machine's routable IP
# (services.resolve_ip_for_localhost -> get_node_ip_address) unless
# ray_constants.ENABLE_RAY_CLUSTER is off, as it is by default on macOS and Windows.
_SINGLE_NODE_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}

# Run by a separate Python (stdlib only). The driver sends it the pids of the processes
# ray.init started; it keeps a list of them and of their descendants, and once the driver
# has exited (end of file on its stdin, however the driver died) kills those still alive.
_REAPER = """
import os, select, signal, sys, time

me = os.getpid()
roots, seen = set(), {}


def stat(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    fields = raw[raw.rindex(b")") + 2:].split()
    return int(fields[1]), int(fields[19])  # parent, start time (a pid may be reused)


def track():
    children = {}
    for name in os.listdir("/proc"):
        st = stat(name) if name.isdigit() else None
        if st:
            children.setdefault(st[0], []).append((int(name), st[1]))
    todo = list(roots)
    while todo:
        pid, start = todo.pop()
        if pid != me and seen.setdefault(pid, start) == start:
            todo.extend(children.get(pid, []))


buf = b""
while True:
    if select.select([0], [], [], 1.0)[0]:
        data = os.read(0, 4096)
        if not data:
            break
        *lines, buf = (buf + data).split(b"\\n")
        roots.update((int(pid), st[1]) for pid in lines if (st := stat(int(pid))))
    if roots:
        track()
track()
for _ in range(2):
    for pid, start in seen.items():
        st = stat(pid)
        if st and st[1] == start:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    time.sleep(0.2)
"""


def _children() -> set[int]:
    """This process's children (Linux /proc)."""
    me, found = os.getpid(), set()
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                raw = f.read()
        except OSError:
            continue
        if int(raw[raw.rindex(b")") + 2:].split()[1]) == me:
            found.add(int(name))
    return found


class _Reaper:
    """Kills what is left of a local Ray instance once this process is gone (Linux).

    ray.init ties the processes it starts itself (GCS, raylet, monitors) to the driver with
    PR_SET_PDEATHSIG, but not the agents the raylet starts: after a SIGKILL of the driver
    the dashboard and runtime-env agents notice their raylet is gone, then spend 60 s
    trying to report it to the dead GCS (ray._private.utils.publish_error_to_driver).
    """

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._before: set[int] = set()
        if sys.platform.startswith("linux"):
            # Its own session: a Ctrl-C or hang-up for the driver's terminal must not end it.
            self._proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", _REAPER],
                                          stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, start_new_session=True)
            self._before = _children()

    def track_new_children(self) -> None:
        """Hand the reaper the processes this one started since it was: ray.init's (nothing
        else starts processes while ray.init runs)."""
        if self._proc is None or self._proc.stdin is None:
            return
        started = _children() - self._before
        with contextlib.suppress(OSError):
            self._proc.stdin.write(b"".join(b"%d\n" % pid for pid in started))
            self._proc.stdin.flush()

    def stop(self) -> None:
        """Kill the leftovers now (after ray.shutdown, normally none) and wait for the reaper."""
        if self._proc is None:
            return
        if self._proc.stdin is not None:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc = None


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the processes ray.init starts, then restore them."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _single_node() -> Iterator[None]:
    """Ray on loopback: its addresses stay 127.0.0.1 rather than the machine's network address.

    Read by services.get_node_ip_address in this process (ray_constants read the variable
    when ray was imported, maybe long before) and by the processes Ray starts."""
    try:
        import ray._private.ray_constants as ray_constants
    except ImportError:  # another Ray: the environment variables alone
        ray_constants = None
    cluster = getattr(ray_constants, "ENABLE_RAY_CLUSTER", None)
    if cluster is not None:
        ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        with _environ(_SINGLE_NODE_ENV):
            yield
    finally:
        if cluster is not None:
            ray_constants.ENABLE_RAY_CLUSTER = cluster


@contextlib.contextmanager
def _lean_head() -> Iterator[None]:
    """A local instance without the processes a campaign never uses: the dashboard's API
    server (ray.init waits for it to publish its URL), the autoscaler's monitor and the
    log monitor (logs stay in the session folder; `log_to_driver` is off). Each is a
    Python process importing Ray: ray.init 17.6-18.0 s -> 11.6-12.4 s on a loaded 2-core
    machine (benchmarks/RESULTS.md)."""
    # Ray's private API: pinned in constraints.txt and tested there; with another Ray that
    # lacks these names, the head simply starts in full (slower, never broken).
    try:
        from ray._private.node import Node
    except ImportError:
        yield
        return
    names = ("start_api_server", "start_monitor", "start_log_monitor")
    saved = {name: getattr(Node, name) for name in names if callable(getattr(Node, name, None))}

    def skip(self: Any, *args: Any, **kwargs: Any) -> None:
        return None

    for name in saved:
        setattr(Node, name, skip)
    try:
        yield
    finally:
        for name, method in saved.items():
            setattr(Node, name, method)


def _start_local(num_cpus: int | None, kwargs: dict[str, Any]) -> _Reaper:
    import ray

    reaper = _Reaper()
    try:
        # ray.init turns token authentication on for a local instance and logs a warning
        # saying so on every run: kept on, not said.
        logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(
            logging.ERROR)
        # address="local": always a new instance, never a cluster found through RAY_ADDRESS
        # or /tmp/ray (another run's, a test's).
        with _single_node(), _lean_head():
            ray.init(address="local", num_cpus=num_cpus, _node_ip_address="127.0.0.1",
                     **kwargs)
        reaper.track_new_children()
        node_ip = ray.util.get_node_ip_address()
        if node_ip != "127.0.0.1":
            ray.shutdown()
            raise ExecutorError(f"the local Ray instance would listen on {node_ip} (all "
                                "interfaces), not 127.0.0.1 only; refusing to run. Start Ray "
                                "yourself and pass its address as ray_address")
    except BaseException:
        reaper.stop()
        raise
    return reaper


_QUIET = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}


def start_local_ray(num_cpus: int | None = None) -> Callable[[], None]:
    """Start the local Ray instance a campaign would (127.0.0.1 only, nothing left behind
    if this process dies), for callers that keep one across campaigns (a notebook, a test
    session); returns the function that stops it."""
    import ray

    reaper = _start_local(num_cpus, dict(_QUIET))

    def stop() -> None:
        ray.shutdown()
        reaper.stop()

    return stop


def _init(address: str | None, num_cpus: int | None) -> _Reaper | None:
    """Start a local Ray instance (returns its reaper) or join the cluster at `address`."""
    import ray

    kwargs: dict[str, Any] = dict(_QUIET)
    if not address:
        return _start_local(num_cpus, kwargs)
    shown = REDACT(address)
    loopback = address.removeprefix("ray://").rsplit(":", 1)[0] in ("127.0.0.1", "localhost")
    try:
        if loopback:
            # A cluster on loopback (its nodes on this machine): the driver joins it there,
            # not at the machine's network address, where Ray would otherwise look for it.
            with _single_node():
                ray.init(address=address, _node_ip_address="127.0.0.1", **kwargs)
        else:
            ray.init(address=address, **kwargs)
    except ValueError as exc:
        if "ray[client]" in str(exc):
            raise ConfigError(f"ray_address {shown}: a ray:// address needs the Ray client; "
                              "install it with pip install \"ray[client]\" (the same Ray "
                              "version as the cluster)") from None
        raise ConfigError(f"ray_address {shown}: {exc}") from None
    except ConnectionError as exc:
        raise ConfigError(f"ray_address {shown}: cannot join the Ray cluster ({exc})") from None
    return None


class RayExecutor:
    def __init__(self, agents: Sequence[AgentConfig], evaluators: Sequence[str],
                 execution: ExecutionConfig, llm: LLMConfig | None = None,
                 judge: JudgeConfig | None = None, num_cpus: int | None = None) -> None:
        self._args = (list(agents), list(evaluators), execution, llm, judge)
        self._execution = execution
        self._num_cpus = num_cpus
        self.retried_batches = 0
        """Batches played again because their actor was lost."""
        self.lag_counts: dict[int, int] = {}
        """Event-loop lag of the actors while conversations ran (ms -> samples, merged)."""
        self.replaced_actors = 0
        self.retired_actors = 0
        """Lost actors not replaced because the cluster had no room left (a node gone for
        good): their batches go to the actors that remain."""
        self.node_conversations: dict[str, int] = {}
        """Ray node id -> conversations played there (written once each)."""

    def run(self, batches: Iterable[Sequence[ConversationSpec]], packing: Packing
            ) -> Iterator[ResultBatch]:
        import ray

        started_here = not ray.is_initialized()
        # ray.init puts its own SIGTERM handlers in place (sys.exit, and a C++ one that dumps
        # a stack); the caller's (e.g. the CLI's clean stop) comes back once Ray is up.
        term_handler = signal.getsignal(signal.SIGTERM)
        reaper = _init(self._execution.ray_address, self._num_cpus) if started_here else None
        if threading.current_thread() is threading.main_thread() and term_handler is not None:
            signal.signal(signal.SIGTERM, term_handler)
        lost = _lost_errors()
        cpus = int(ray.cluster_resources().get("CPU", 1))
        n_workers = self._execution.workers or max(1, cpus)
        actor_cls = ray.remote(num_cpus=min(1.0, cpus / n_workers))(_WorkerActor)
        actors: list[Any] = [actor_cls.remote(*self._args) for _ in range(n_workers)]
        per_actor = batches_in_flight(self._execution)
        todo = iter(batches)  # pulled lazily: the caller may stop the batches mid-run
        packing_ref = ray.put(packing)  # once, not with every batch
        again: deque[tuple[list[ConversationSpec], int]] = deque()  # lost batches to replay
        # ref -> (actor slot, the actor, the batch, attempts so far)
        in_flight: dict[Any, tuple[int, Any, list[ConversationSpec], int]] = {}

        node_of: dict[Any, str] = {}  # actor -> its node id, asked once per actor
        cpus_each = min(1.0, cpus / n_workers)

        def submit(slot: int) -> None:
            actor = actors[slot]
            if actor is None:  # retired: its node is gone and nothing can take its place
                return
            while sum(v[0] == slot for v in in_flight.values()) < per_actor:
                if again:
                    batch, attempts = again.popleft()
                else:
                    nxt = next(todo, None)
                    if nxt is None:
                        return
                    batch, attempts = list(nxt), 0
                in_flight[actor.run_packed.remote(batch, packing_ref)] = (slot, actor, batch,
                                                                         attempts)

        def replace(slot: int, actor: Any) -> None:
            """A lost actor's slot gets a new actor if the cluster has room, else retires."""
            ray.kill(actor, no_restart=True)
            if ray.available_resources().get("CPU", 0.0) + 1e-9 >= cpus_each:
                actors[slot] = actor_cls.remote(*self._args)
                self.replaced_actors += 1
                return
            actors[slot] = None
            self.retired_actors += 1
            if all(a is None for a in actors):
                raise WorkerLost("every Ray worker was lost and the cluster has no room for a "
                                 "new one; stopping")

        try:
            for slot in range(n_workers):
                submit(slot)
            while in_flight:
                ready, _ = ray.wait(list(in_flight), num_returns=1)
                slot, actor, batch, attempts = in_flight.pop(ready[0])
                try:
                    results = ray.get(ready[0])
                except lost as exc:
                    if attempts + 1 >= MAX_ATTEMPTS:
                        raise WorkerLost(f"a batch of {len(batch)} conversations was lost with "
                                         f"its Ray worker {attempts + 1} times (last: "
                                         f"{type(exc).__name__}); stopping") from None
                    self.retried_batches += 1
                    again.append((batch, attempts + 1))
                    if actors[slot] is actor:  # first news of this actor's loss: replace it
                        replace(slot, actor)
                    for other in [slot, *range(n_workers)]:  # the batch goes where there is room
                        submit(other)
                    continue
                if actor not in node_of:
                    try:
                        node_of[actor] = ray.get(actor.node_id.remote())
                    except lost:  # the actor died after returning this batch: still counted
                        node_of[actor] = "unknown"
                node = node_of[actor]
                self.node_conversations[node] = self.node_conversations.get(node, 0) + len(batch)
                submit(slot)
                yield results
        finally:
            for ref in in_flight:
                ray.cancel(ref)
            try:
                for counts in ray.get([a.stop.remote() for a in actors if a is not None],
                                      timeout=10):
                    for ms, n in counts.items():
                        self.lag_counts[ms] = self.lag_counts.get(ms, 0) + n
            except Exception:  # noqa: BLE001 - best effort while tearing down
                pass
            for actor in actors:
                if actor is not None:
                    ray.kill(actor)
            if started_here:
                ray.shutdown()
            if reaper is not None:
                reaper.stop()
