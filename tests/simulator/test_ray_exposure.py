"""A local Ray instance started by `convsim run --executor ray` listens on loopback only,
and none of its processes outlives a driver killed with SIGKILL.

One campaign runs in a subprocess (the session's in-process Ray must not be the one
observed): its listening sockets are sampled while Ray's workers run, then the driver is
killed. Processes and sockets are read from /proc, hence Linux only.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

# Long enough to be still running when it is killed: it never runs to the end.
CAMPAIGN = """\
name: exposure
seed: 3
repetitions: 4
scenarios: {{n: 50}}
personas: {{n: 8}}
agents:
  - {{version: v1, connector: http, reference: "retail:v1"}}
execution: {{executor: ray, batch_size: 2, concurrency: 2}}
output_dir: {out}
"""

STARTUP_TIMEOUT_S = 90.0
EXIT_TIMEOUT_S = 30.0

Process = tuple[int, int]
"""A process: its pid and its start time (pids are reused)."""


def _stat(pid: int) -> tuple[str, int, int] | None:
    """State, parent pid and start time of a process, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()  # the name, in parentheses, may hold spaces
    return fields[0], int(fields[1]), int(fields[19])


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def _tree(root: int) -> dict[Process, str]:
    """The root process and its live descendants, each with its command line."""
    stats = {pid: st for pid in _pids() if (st := _stat(pid)) is not None}
    children: dict[int, list[int]] = {}
    for pid, (_, ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in stats and stats[pid][0] != "Z":
            found[(pid, stats[pid][2])] = _cmdline(pid)
        todo.extend(children.get(pid, []))
    return found


def _alive(process: Process) -> bool:
    st = _stat(process[0])
    return st is not None and st[2] == process[1] and st[0] != "Z"


def _address(hex_address: str) -> str:
    """An address of /proc/net/tcp{,6}: 32-bit words in host (little-endian) byte order."""
    raw = bytes.fromhex(hex_address)
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(words))


def _listening() -> dict[str, tuple[str, int]]:
    """Listening TCP sockets by inode: (address, port)."""
    sockets = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                cols = line.split()
                if cols[3] == "0A":  # TCP_LISTEN
                    host, port = cols[1].split(":")
                    sockets[cols[9]] = (_address(host), int(port, 16))
    return sockets


def _listeners(processes: Iterator[int]) -> Iterator[tuple[int, str, int]]:
    sockets = _listening()
    for pid in processes:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and (inode := target[8:-1]) in sockets:
                yield (pid, *sockets[inode])


def _is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


@dataclass
class KilledRun:
    listeners: dict[tuple[int, str, int], str] = field(default_factory=dict)
    """Every socket seen listening in the driver's process tree: (pid, address, port) ->
    the owner's command line."""
    processes: dict[Process, str] = field(default_factory=dict)
    """Every process seen in the driver's tree before it was killed."""
    survivors: dict[Process, str] = field(default_factory=dict)
    """Those still alive EXIT_TIMEOUT_S after the driver was killed."""
    output: str = ""
    """What the driver printed before it was killed."""


@pytest.fixture(scope="module")
def killed_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KilledRun]:
    tmp = tmp_path_factory.mktemp("exposure")
    config = tmp / "exposure.yaml"
    config.write_text(CAMPAIGN.format(out=tmp / "runs"))
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}  # a fresh local Ray
    log = tmp / "driver.log"
    with log.open("wb") as out:
        driver = subprocess.Popen([sys.executable, "-m", "convsim.cli.main", "run",
                                   str(config)], env=env, stdout=out, stderr=subprocess.STDOUT)
    seen = KilledRun()

    def sample() -> None:
        tree = _tree(driver.pid)
        seen.processes.update(tree)
        for pid, host, port in _listeners(pid for pid, _ in tree):
            seen.listeners[(pid, host, port)] = _cmdline(pid)

    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        working_since = None
        while time.monotonic() < deadline and driver.poll() is None:
            sample()
            if working_since is None and any(c.startswith("ray::_WorkerActor")
                                             for c in seen.processes.values()):
                working_since = time.monotonic()  # Ray's workers run batches
            if working_since is not None and time.monotonic() - working_since > 1.5:
                break
            time.sleep(0.1)
        if driver.poll() is not None or working_since is None:
            pytest.fail(f"the driver did not reach its Ray workers while running (exit "
                        f"{driver.poll()}): {log.read_text(errors='replace')[-2000:]}")
        sample()
        driver.send_signal(signal.SIGKILL)
        driver.wait()
        seen.output = log.read_text(errors="replace")
        deadline = time.monotonic() + EXIT_TIMEOUT_S
        while time.monotonic() < deadline:
            seen.survivors = {p: c for p, c in seen.processes.items() if _alive(p)}
            if not seen.survivors:
                break
            time.sleep(0.25)
        yield seen
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
        for process in seen.processes:  # whatever outlived the driver, started by this test
            if process[0] != driver.pid and _alive(process):
                os.kill(process[0], signal.SIGKILL)


def test_local_ray_listens_on_loopback_only(killed_run: KilledRun) -> None:
    owners = " ".join(killed_run.listeners.values())
    assert "gcs_server" in owners and "raylet" in owners  # Ray's own listeners were seen
    exposed = [f"{cmd[:80]} (pid {pid}) on {host}:{port}"
               for (pid, host, port), cmd in killed_run.listeners.items() if not _is_loopback(host)]
    assert not exposed, "listening beyond loopback:\n" + "\n".join(exposed)


def test_no_ray_process_outlives_a_killed_driver(killed_run: KilledRun) -> None:
    assert any("raylet" in c for c in killed_run.processes.values())
    assert not killed_run.survivors, (
        f"alive {EXIT_TIMEOUT_S:.0f} s after SIGKILL of the driver:\n"
        + "\n".join(f"{cmd[:100]} (pid {pid})" for (pid, _), cmd in killed_run.survivors.items()))


def test_a_kept_local_instance_is_loopback_too(ray_local) -> None:
    """`start_local_ray` (notebooks, this test session) starts Ray as campaigns do."""
    assert ray_local.util.get_node_ip_address() == "127.0.0.1"
    assert {n["NodeManagerAddress"] for n in ray_local.nodes() if n["Alive"]} == {"127.0.0.1"}


def test_ray_says_nothing_of_its_own_on_the_console(killed_run: KilledRun) -> None:
    """A new user's run shows convsim's progress, not Ray's log lines (e.g. its warning that
    it turned token authentication on, which it does on every local start)."""
    assert "Token authentication" not in killed_run.output
    assert "ray" not in killed_run.output.lower(), killed_run.output[-1000:]
