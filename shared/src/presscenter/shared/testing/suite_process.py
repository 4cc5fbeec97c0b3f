"""`make run`'s launcher (scripts/run_suite.py) as a subprocess, for tests that need the whole platform.

    with suite_process(ROOT, amqp_uri, tmp_path / "run", {"LOG_LEVEL": "WARNING"}) as suite:
        httpx.get(f"{suite.gateway_url}/readyz")

The launcher gets free ports (a block of four for the services, one for the gateway and one for the
embedded datastore), its own RUN_DIR and the given AMQP URI; with `wait` the block starts once it
printed that everything is up. Everything it prints is kept (`lines`, `output()`) and written to
`<run_dir>/suite.log`. On leaving, the launcher is asked to stop its children in order (SIGINT, as
Ctrl-C), then whatever is left of its process tree is killed.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from presscenter.shared.testing.embedded_mongo import free_port

UP_LINE = "Capital Press Center is up"
FAST_TEST_ENVIRONMENT = {
    "PASSWORD_HASH_TIME_COST": "1",  # fast argon2 for the test accounts' logins
    "PASSWORD_HASH_MEMORY_KIB": "1024",
    "PASSWORD_HASH_PARALLELISM": "1",
    "RATE_LIMIT_IP_PER_SECOND": "0",  # every client of a test comes from 127.0.0.1
    "RATE_LIMIT_TOKEN_PER_SECOND": "0",
    "PYTHONUNBUFFERED": "1",
}


def free_port_block(size: int) -> int:
    """A base port such that base+1 .. base+size are free now."""
    for _ in range(100):
        base = random.randint(20_000, 40_000)
        try:
            for port in range(base + 1, base + size + 1):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError(f"no block of {size} free loopback ports")


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children run in sessions of their own: the group is not enough)."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    children = [int(p) for p in out.stdout.split()]
    return children + [d for child in children for d in descendants(child)]


def alive(pids: list[int]) -> list[int]:
    found = []
    for pid in pids:
        try:
            os.kill(pid, 0)
            found.append(pid)
        except ProcessLookupError:
            pass
    return found


@dataclass
class SuiteProcess:
    """The launcher's process, where it serves, and what it printed."""

    process: subprocess.Popen[str]
    service_port_base: int
    gateway_port: int
    amqp_uri: str
    run_dir: Path
    environment: dict[str, str] = field(repr=False)
    lines: list[str] = field(default_factory=list, repr=False)
    up: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def log_file(self) -> Path:
        return self.run_dir / "suite.log"

    def output(self, last: int = 120) -> str:
        return "".join(self.lines[-last:])

    def of(self, name: str) -> str:
        """The lines the launcher prefixed with `name |` (one child's output)."""
        return "".join(line for line in self.lines if line.strip().startswith(f"{name} |"))

    def wait_up(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.up.wait(0.3):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the suite did not come up within {timeout:.0f} s:\n{self.output()}")

    def stop(self, grace: float = 60.0) -> None:
        """Ctrl-C to the launcher (it stops its children in order), then kill whatever is left."""
        leftovers = descendants(self.process.pid)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        for pid in alive(leftovers):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def _read(self) -> None:
        assert self.process.stdout
        with self.log_file.open("a", encoding="utf-8") as log:
            for line in self.process.stdout:
                self.lines.append(line)
                log.write(line)
                log.flush()
                if UP_LINE in line:
                    self.up.set()


@contextmanager
def suite_process(
    root: Path,
    amqp_uri: str,
    run_dir: Path,
    environment: Mapping[str, str] | None = None,
    *,
    wait: bool = True,
    timeout: float = 120.0,
    fast: bool = True,
) -> Iterator[SuiteProcess]:
    """`<root>/scripts/run_suite.py` on free ports with `environment` on top of this process's (and,
    with `fast`, FAST_TEST_ENVIRONMENT; `{gateway_url}` in a value is replaced by the gateway's URL);
    the embedded datastore always (MONGO_URI is dropped)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    base, gateway_port = free_port_block(4), free_port()
    env = {
        **os.environ,
        **(FAST_TEST_ENVIRONMENT if fast else {}),
        "AMQP_URI": amqp_uri,
        "RUN_DIR": str(run_dir),
        "EMBEDDED_MONGO_PORT": str(free_port()),
        "SERVICE_PORT_BASE": str(base),
        "GATEWAY_PORT": str(gateway_port),
    }
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    env.update({key: value.replace("{gateway_url}", gateway_url) for key, value in (environment or {}).items()})
    env.pop("MONGO_URI", None)
    process = subprocess.Popen(
        [sys.executable, str(root / "scripts" / "run_suite.py")],
        env=env,
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    suite = SuiteProcess(process, base, gateway_port, amqp_uri, run_dir, env)
    threading.Thread(target=suite._read, name="suite-output", daemon=True).start()
    try:
        if wait:
            suite.wait_up(timeout)
        yield suite
    finally:
        suite.stop()
