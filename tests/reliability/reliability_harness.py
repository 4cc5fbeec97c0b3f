"""The reliability suite's real parts: service processes under `nameko run`, the gateway process, the
embedded datastore, the broker's management API, and what the tests measure them with.

Every process is started in a session of its own with its output in a log file, and is stopped
(SIGTERM, then SIGKILL) when the stack closes, whatever happened in the test.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import pika
from pymongo import MongoClient
from pymongo.database import Database

from presscenter.releases.app import intake_release_id
from presscenter.shared.sdk import EventPublisher
from presscenter.shared.sdk.publisher import connection_parameters
from presscenter.shared.testing.embedded_mongo import EmbeddedMongo, free_port
from presscenter.shared.testing.vhosts import amqp_url, management, quoted

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
INTAKE_QUEUE = "evt-departments-department_release_submitted--releases.on_department_release"
UNIT = "so-yte"  # a unit of the seeded Hanoi directory


def http_get(url: str, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of a GET; HTTP errors are answers too, refused connections raise."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def status_of(url: str, timeout: float = 3.0) -> int | None:
    """HTTP status of a GET, None when nothing answers."""
    try:
        return http_get(url, timeout)[0]
    except OSError:
        return None


def rss_kib(pid: int) -> int:
    """Resident set size of a process, from /proc (KiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


@dataclass
class Process:
    """One real OS process of the stack."""

    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        assert not self.alive, f"{self.name} is already running"
        with self.log_path.open("ab") as log:
            log.write(f"\n===== start #{self.starts + 1} of {self.name} =====\n".encode())
            log.flush()
            self.popen = subprocess.Popen(
                self.argv, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.starts += 1

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acks, no flushing."""
        if self.alive:
            assert self.popen is not None
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def stop(self, timeout: float = 15.0) -> None:
        if not self.alive:
            return
        assert self.popen is not None
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def rss_kib(self) -> int:
        return rss_kib(self.pid)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while status_of(url) != 200:
            if not self.alive:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode if self.popen else '?'}:\n"
                                   f"{self.log_tail()}")  # fmt: skip
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not ready at {url} after {timeout:.0f}s:\n{self.log_tail()}")
            time.sleep(0.2)


@dataclass
class ServiceProcess(Process):
    port: int = 0

    @property
    def ready_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health/ready"

    def start_ready(self, timeout: float = 60.0) -> None:
        self.start()
        self.wait_ready(self.ready_url, timeout)

    def restart(self, timeout: float = 60.0) -> None:
        self.stop()
        self.start_ready(timeout)


@dataclass
class GatewayProcess(Process):
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_ready(self, timeout: float = 60.0) -> None:
        self.start()
        self.wait_ready(f"{self.url}/readyz", timeout)


@dataclass
class Stack:
    """One vhost, one embedded datastore, and the processes started on it (at most one per name)."""

    vhost: str
    mongo: EmbeddedMongo
    log_dir: Path
    processes: dict[str, Process] = field(default_factory=dict)
    _client: MongoClient[Any] | None = None

    @property
    def amqp_uri(self) -> str:
        return amqp_url(self.vhost)

    @property
    def pyamqp_uri(self) -> str:
        return "py" + self.amqp_uri

    def base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "MONGO_", "AMQP_"))}
        env.update(
            {
                "AMQP_URI": self.pyamqp_uri,
                "MONGO_URI": self.mongo.uri,
                "LOG_LEVEL": "WARNING",
            }
        )
        return env

    def service(self, name: str, *, replica: str = "", **environment: str) -> ServiceProcess:
        """The running `nameko run` process of service `name` (started, and ready, on first use).

        `replica` names another process of the same service (same queues, same database)."""
        key = f"{name}-{replica}" if replica else name
        existing = self.processes.get(key)
        if isinstance(existing, ServiceProcess):
            if not existing.alive:
                existing.start_ready()
            return existing
        port = free_port()
        env = {
            **self.base_env(),
            "HEALTH_ADDRESS": f"127.0.0.1:{port}",
            "RETRY_DELAYS_MS": "200,400",
            "OUTBOX_RELAY_INTERVAL": "0.05",
            **environment,
        }
        process = ServiceProcess(
            key,
            [str(BIN / "nameko"), "run", "--config", "config.yaml", f"presscenter.{name}.service"],
            ROOT / "services" / name,
            env,
            self.log_dir / f"{key}.log",
            port=port,
        )
        self.processes[key] = process
        process.start_ready()
        return process

    def gateway(self, **environment: str) -> GatewayProcess:
        """The running gateway process (uvicorn, `python -m presscenter.gateway`)."""
        existing = self.processes.get("gateway")
        if isinstance(existing, GatewayProcess):
            if not existing.alive:
                existing.start_ready()
            return existing
        port = free_port()
        env = {
            **self.base_env(),
            "GATEWAY_HOST": "127.0.0.1",
            "GATEWAY_PORT": str(port),
            "MONGO_DB": "presscenter_gateway",
            "RPC_TIMEOUT": "2",
            "RPC_CONSUMER_CHECK_INTERVAL": "1",
            "RPC_RETRY_AFTER": "5",
            "RATE_LIMIT_IP_PER_SECOND": "0",
            "RATE_LIMIT_TOKEN_PER_SECOND": "0",
            "AMQP_RECONNECT_INTERVAL": "0.5",
            **environment,
        }
        process = GatewayProcess(
            "gateway",
            [str(BIN / "python"), "-m", "presscenter.gateway"],
            ROOT,
            env,
            self.log_dir / "gateway.log",
            port=port,
        )
        self.processes["gateway"] = process
        process.start_ready()
        return process

    def database(self, service: str) -> Database[Any]:
        if self._client is None:
            self._client = MongoClient(self.mongo.uri, tz_aware=True)
        return self._client[f"presscenter_{service}"]

    def queue(self, name: str) -> dict[str, Any]:
        """The management API's view of a queue of this vhost (its counters lag by ~1 s)."""
        info: dict[str, Any] = management("GET", f"/api/queues/{quoted(self.vhost)}/{quoted(name)}")
        return info

    def depth(self, name: str) -> tuple[int, int]:
        """(messages ready, consumers) of a queue now, from the broker itself (passive declare)."""
        with pika.BlockingConnection(connection_parameters(self.amqp_uri)) as connection:
            declared = connection.channel().queue_declare(name, passive=True)
            return declared.method.message_count, declared.method.consumer_count

    def close(self) -> None:
        for process in reversed(list(self.processes.values())):
            try:
                process.stop()
            except Exception:  # the others must stop all the same
                process.kill()
        if self._client is not None:
            self._client.close()


# --- what the tests send and count ------------------------------------------------------------------


def submission(run: str, index: int, unit_code: str = UNIT) -> dict[str, Any]:
    """A department's release payload; its external id names the run and its index."""
    return {
        "external_id": f"{run}-{index:05d}",
        "unit_code": unit_code,
        "title": f"Thông cáo số {index} ({run})",
        "body": f"Nội dung thông cáo số {index} của Sở Y tế Hà Nội.",
    }


class PublishingThread(threading.Thread):
    """Publishes `department_release_submitted` events through the SDK, one publisher, in order.

    The SDK reconnects on its own; a publish that still fails is retried here with the SAME
    envelope (same event_id), as the SDK tells department systems to do. `sent` holds the
    confirmed envelopes' event ids; `failures` counts publishes that had to be retried here.
    """

    def __init__(self, amqp_uri: str, payloads: Iterable[Mapping[str, Any]], source: str = UNIT, pause: float = 0.0):
        """`pause`: seconds between two publishes (a steady stream rather than a burst)."""
        super().__init__(daemon=True, name="sdk-publisher")
        self.amqp_uri, self.payloads, self.source, self.pause = amqp_uri, list(payloads), source, pause
        self.sent: list[str] = []
        self.failures = 0
        self.error: BaseException | None = None
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            with EventPublisher(self.amqp_uri, source=self.source, attempts=20, base_delay=0.1, max_delay=1.0) as sdk:
                for payload in self.payloads:
                    envelope = sdk.build("department_release_submitted", payload)
                    while True:
                        try:
                            sdk.publish(envelope)
                            break
                        except Exception:
                            self.failures += 1
                            if self.stopping.wait(0.5):
                                return
                    self.sent.append(str(envelope.event_id))
                    if self.pause and self.stopping.wait(self.pause):
                        return
        except BaseException as exc:
            self.error = exc

    def finish(self, timeout: float) -> None:
        self.join(timeout)
        if self.is_alive():
            self.stopping.set()
            raise AssertionError(f"the SDK publisher did not finish in {timeout:.0f}s ({len(self.sent)} sent)")
        if self.error is not None:
            raise AssertionError(f"the SDK publisher failed: {self.error!r}")


class EventCounter:
    """A DURABLE queue bound to `<channel>.events` for one routing key: survives a broker restart.

    `collect()` drains it into `seen`, event id → body; `deliveries` counts every copy received.
    """

    def __init__(self, amqp_uri: str, channel: str, routing_key: str):
        self.amqp_uri = amqp_uri
        self.queue = f"reliability-count-{routing_key}-{uuid4().hex[:8]}"
        self.seen: dict[str, dict[str, Any]] = {}
        self.deliveries = 0
        with pika.BlockingConnection(connection_parameters(amqp_uri)) as connection:
            ch = connection.channel()
            ch.exchange_declare(f"{channel}.events", exchange_type="topic", durable=True)
            ch.queue_declare(self.queue, durable=True)
            ch.queue_bind(self.queue, f"{channel}.events", routing_key=routing_key)

    def collect(self, budget: float = 0.5) -> dict[str, dict[str, Any]]:
        """Take what the queue holds, for at most about `budget` seconds (events may keep coming)."""
        deadline = time.monotonic() + budget
        with pika.BlockingConnection(connection_parameters(amqp_uri=self.amqp_uri)) as connection:
            ch = connection.channel()
            ch.basic_qos(prefetch_count=500)
            for method, _props, body in ch.consume(self.queue, inactivity_timeout=0.2):
                if method is None:
                    break
                self._record(body)
                ch.basic_ack(method.delivery_tag)
                if time.monotonic() > deadline:
                    break
            ch.cancel()  # deliveries buffered but not acked go back to the queue
        return self.seen

    def _record(self, body: bytes) -> None:
        event = json.loads(body)
        self.deliveries += 1
        self.seen[event["event_id"]] = event

    def delete(self) -> None:
        with pika.BlockingConnection(connection_parameters(self.amqp_uri)) as connection:
            connection.channel().queue_delete(self.queue)


@dataclass
class Effects:
    """What the releases service did with one run's submissions: the figure's lost and duplicates."""

    releases: Counter[str]  # external id → stored releases
    submitted: Counter[str]  # release id → distinct `release_submitted` events

    def lost(self, source: str, external_ids: Iterable[str]) -> int:
        """Submissions without a stored release, or whose release announced nothing."""
        return sum(
            1 for x in external_ids if self.releases[x] == 0 or self.submitted[intake_release_id(source, x)] == 0
        )

    def duplicates(self) -> int:
        return sum(n - 1 for n in self.releases.values() if n > 1) + sum(
            n - 1 for n in self.submitted.values() if n > 1
        )


def stored_releases(db: Database[Any], run: str) -> Counter[str]:
    """Releases stored for a run's submissions, counted by their intake's external id."""
    cursor = db["releases"].find({"data.intake.external_id": {"$regex": f"^{run}-"}}, {"data": 1})
    return Counter(doc["data"]["intake"]["external_id"] for doc in cursor)


def announced(counter: EventCounter, run: str) -> list[dict[str, Any]]:
    """The distinct `release_submitted` events of one run's releases (their titles name the run).

    Progress is read from the broker, not the datastore: polling a growing collection would
    compete with the service under test for the embedded datastore."""
    return [e for e in counter.collect().values() if f"({run})" in e["payload"]["release"]["title"]]


def submitted_events_by_release(events: Iterable[Mapping[str, Any]]) -> Counter[str]:
    """Distinct `release_submitted` events (by event id: redelivered copies are one) per release."""
    return Counter(str(e["payload"]["release"]["release_id"]) for e in events)
