"""What the benchmarks share: real processes (the embedded datastore, `nameko run` services, the gateway
under uvicorn), their resident memory from /proc, percentiles, the scale switch and the result file.

Every benchmark imports this module from `bench/` (it is run as a script, so `bench/` is on sys.path).
A benchmark's result file holds `figures` (rows of the one table `make bench` prints) and `memory`
(resident memory of each process it started, idle and under its load).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from presscenter.shared.testing.embedded_mongo import EmbeddedMongo, free_port
from presscenter.shared.testing.vhosts import amqp_url, create_vhost, delete_vhost

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
MiB = 1024 * 1024
JWT_SECRET = "bench-jwt-secret-0123456789abcdef0123456789"
ADMIN = ("bench.admin", "bench admin password 0001")


def smoke() -> bool:
    """`BENCH_SCALE=smoke`: every benchmark tiny, to prove it still runs (figures meaningless)."""
    return os.environ.get("BENCH_SCALE", "full").lower() == "smoke"


def scaled(full: float, tiny: float) -> Any:
    return tiny if smoke() else full


# --- figures ---------------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of `values`."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def figure(
    name: str,
    unit: str,
    value: float,
    baseline: float | None,
    baseline_is: str | None,
    goal: str | None = None,
    met: bool | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One row of the table; `ratio` is always value / baseline (the goal says which way is good)."""
    ratio = round(value / baseline, 3) if baseline else None
    return {"figure": name, "unit": unit, "value": round(value, 2), "baseline": baseline and round(baseline, 2),
            "baseline_is": baseline_is, "ratio": ratio, "goal": goal, "met": met, **extra}  # fmt: skip


def write_result(name: str, result: dict[str, Any], out: Path | None = None) -> Path:
    path = out or RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    result = {"benchmark": name, "scale": "smoke" if smoke() else "full", "machine": machine(), **result}
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def machine() -> str:
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, 1-min load average {load:.1f}"


def print_figures(title: str, rows: Sequence[dict[str, Any]]) -> None:
    print(f"{title:<52}{'value':>16}{'baseline':>12}{'ratio':>8}  {'goal':<12}met")
    for row in rows:
        value = f"{row['value']} {row['unit']}"
        base = "" if row["baseline"] is None else str(row["baseline"])
        ratio = "" if row["ratio"] is None else str(row["ratio"])
        met = "" if row["met"] is None else ("yes" if row["met"] else "NO")
        print(f"{row['figure']:<52}{value:>16}{base:>12}{ratio:>8}  {row['goal'] or '':<12}{met}")


# --- memory ----------------------------------------------------------------------------------------


def rss_mib(pid: int) -> float:
    """Resident memory of a process (VmRSS), in MiB; NaN once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


@dataclass
class MemoryWatch:
    """Idle RSS of named processes (`idle()`), then their highest RSS while `under_load()` runs,
    sampled every `interval` seconds from /proc."""

    pids: dict[str, int]
    interval: float = 0.1
    idle_mib: dict[str, float] = field(default_factory=dict)
    load_mib: dict[str, float] = field(default_factory=dict)

    def idle(self) -> None:
        self.idle_mib = {name: rss_mib(pid) for name, pid in self.pids.items()}

    @contextmanager
    def under_load(self) -> Iterator[None]:
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                for name, pid in self.pids.items():
                    self.load_mib[name] = max(self.load_mib.get(name, 0.0), rss_mib(pid))
                stop.wait(self.interval)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def rows(self, load: str) -> list[dict[str, Any]]:
        return [{"process": name, "idle_mib": round(self.idle_mib.get(name, math.nan), 1),
                 "load_mib": round(self.load_mib.get(name, math.nan), 1), "load": load}
                for name in self.pids]  # fmt: skip


# --- processes -------------------------------------------------------------------------------------


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def wait_http(url: str, process: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not become ready at {url} (exit code {process.poll()})")


@dataclass
class Stack:
    """A fresh vhost and embedded datastore; processes started on them are stopped at the end."""

    work: Path
    vhost: str
    mongo: EmbeddedMongo
    exits: ExitStack
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def amqp_uri(self) -> str:
        return amqp_url(self.vhost)

    @property
    def mongo_uri(self) -> str:
        return self.mongo.uri

    def pids(self, *names: str) -> dict[str, int]:
        """Pids by name of the processes started (all when no names), the datastore's included."""
        found = {name: process.pid for name, process in self.processes.items()}
        if self.mongo.process is not None:
            found["datastore (nx-27017)"] = self.mongo.process.pid
        return {name: pid for name, pid in found.items() if not names or name in names}

    def start(self, name: str, argv: list[str], env: Mapping[str, str], cwd: Path = ROOT) -> subprocess.Popen[bytes]:
        log = (self.work / f"{name}.log").open("wb")
        process = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        self.exits.callback(stop, process)
        self.exits.callback(log.close)
        return process

    def nameko(self, service: str, extra: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        """`nameko run` of a platform service, ready once its /health/ready answers 200."""
        port = free_port()
        env = {"AMQP_URI": self.amqp_uri, "MONGO_URI": self.mongo_uri, "HEALTH_ADDRESS": f"127.0.0.1:{port}",
               "LOG_LEVEL": "WARNING", **(extra or {})}  # fmt: skip
        argv = [str(BIN / "nameko"), "run", "--config", "config.yaml", f"presscenter.{service}.service"]
        process = self.start(service, argv, env, cwd=ROOT / "services" / service)
        wait_http(f"http://127.0.0.1:{port}/health/ready", process, f"the {service} service")
        return process

    def gateway(self, name: str = "gateway", extra: Mapping[str, str] | None = None) -> str:
        """The real gateway (`python -m presscenter.gateway`, uvicorn) with a bootstrap admin; its URL."""
        port = free_port()
        env = {
            "AMQP_URI": self.amqp_uri,
            "MONGO_URI": self.mongo_uri,
            "MONGO_DB": f"bench_{name}",
            "GATEWAY_HOST": "127.0.0.1",
            "GATEWAY_PORT": str(port),
            "JWT_SECRET": JWT_SECRET,
            "GATEWAY_ADMIN_USERNAME": ADMIN[0],
            "GATEWAY_ADMIN_PASSWORD": ADMIN[1],
            # the load comes from one address with a handful of tokens: per-client limits off
            "RATE_LIMIT_IP_PER_SECOND": "0",
            "RATE_LIMIT_TOKEN_PER_SECOND": "0",
            # logins are set-up, not what is measured
            "PASSWORD_HASH_TIME_COST": "1",
            "PASSWORD_HASH_MEMORY_KIB": "1024",
            "PASSWORD_HASH_PARALLELISM": "1",
            "LOG_LEVEL": "WARNING",
            **(extra or {}),
        }
        process = self.start(name, [str(BIN / "python"), "-m", "presscenter.gateway"], env)
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/readyz", process, "the gateway")
        return url


def forget_vhost(name: str) -> None:
    """Delete the benchmark's vhost; a broker that is away (restarted by someone) only earns a warning."""
    try:
        delete_vhost(name)
    except OSError as error:
        print(f"warning: vhost {name} not deleted: {error}", file=sys.stderr)


def exit_on_sigterm() -> None:
    """SIGTERM (e.g. `make bench`'s timeout) unwinds like Ctrl-C, so every process started is stopped."""

    def unwind(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, unwind)


@contextmanager
def stack(prefix: str) -> Iterator[Stack]:
    """A fresh vhost, the embedded datastore and a work directory, all gone at the end (SIGTERM too)."""
    exit_on_sigterm()
    name = f"bench-{prefix}-{uuid.uuid4().hex[:8]}"
    with ExitStack() as exits:
        work = Path(exits.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-{prefix}-")))
        create_vhost(name)
        exits.callback(forget_vhost, name)
        mongo = EmbeddedMongo(work / "mongo", free_port()).start()
        exits.callback(mongo.stop)
        yield Stack(work, name, mongo, exits)


def wait_rpc(url: str, service: str, method: str, request: Any, timeout: float = 30) -> None:
    """Return once `service.method(request)` answers over the broker (the service consumes)."""
    from presscenter.gateway.testing.nameko_services import wait_answering

    asyncio.run(wait_answering(url, None, timeout, service, method, request))
