"""Event pipeline benchmark: department events through the SDK, RabbitMQ and the releases
service (validated, deduplicated, stored, re-emitted through the outbox), beside a raw pika
publish→consume→ack loop with the same payloads, measured in the same run.

    .venv/bin/python bench/event_pipeline.py [--events 2000] [--runs 3]

Everything runs on this machine: a fresh RabbitMQ vhost, the embedded datastore and the releases
service as a real `nameko run` process. Zero loss is checked: every submitted external id must
come back as exactly one `release_submitted` event.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pika
from harness import MemoryWatch, exit_on_sigterm, figure, print_figures, scaled, write_result

from presscenter.shared.sdk import EventPublisher
from presscenter.shared.sdk.publisher import connection_parameters
from presscenter.shared.testing.embedded_mongo import EmbeddedMongo, free_port
from presscenter.shared.testing.vhosts import create_vhost, delete_vhost

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1000  # events per second, sustained, on 2 cores
EVENT = "department_release_submitted"


def payload(n: int, run: str) -> dict[str, Any]:
    return {
        "external_id": f"bench-{run}-{n}",
        "unit_code": "so-yte",
        "title": f"Thông báo số {n} về lịch tiêm chủng mở rộng",
        "lead": "Sở Y tế Hà Nội thông báo lịch tiêm chủng tại các phường.",
        "body": "Nội dung chi tiết của thông báo. " * 20,
        "categories": ["health"],
    }


def raw_loop(uri: str, bodies: list[bytes]) -> float:
    """Publish with confirms, then consume and ack every message: events per second."""
    conn = pika.BlockingConnection(connection_parameters(uri))
    ch = conn.channel()
    ch.confirm_delivery()
    queue = ch.queue_declare("", exclusive=True).method.queue
    start = time.perf_counter()
    for body in bodies:
        ch.basic_publish("", queue, body, pika.BasicProperties(delivery_mode=2, content_type="application/json"))
    got = 0
    ch.basic_qos(prefetch_count=10)
    for method, _props, _body in ch.consume(queue, inactivity_timeout=5):
        if method is None:
            break
        ch.basic_ack(method.delivery_tag)
        got += 1
        if got == len(bodies):
            break
    elapsed = time.perf_counter() - start
    conn.close()
    assert got == len(bodies), f"raw loop lost messages: {got}/{len(bodies)}"
    return len(bodies) / elapsed


PUBLISH_RATES: list[float] = []
"""Per run: events per second the SDK publishers themselves reached (one confirm per event each);
the pipeline cannot be faster than its source."""


PUBLISHERS_CPU: list[float] = []
"""Per run: CPU seconds the SDK publishers spent publishing, together."""

CPU_PIDS: dict[str, int] = {}
CPU_MS_PER_EVENT: list[dict[str, float]] = []
"""Per run: CPU time (user + system, ms) each process spent per event: the releases service and the
datastore and RabbitMQ from /proc, the SDK publishers (as each reports it, from the start signal to
its exit, so not their start-up) and this process (the benchmark's consumer); `total` is what the
2 shared cores paid for one event."""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def broker_pid() -> int | None:
    """The local RabbitMQ node's process (Erlang's `beam.smp`), if the broker runs on this machine."""
    for stat in Path("/proc").glob("[0-9]*/comm"):
        try:
            if stat.read_text().strip() == "beam.smp":
                return int(stat.parent.name)
        except OSError:  # the process ended while we looked
            continue
    return None


def publish_share(uri: str, run: str, first: int, count: int, batch: int) -> None:
    """One department's system: the SDK publisher sending its share, one confirm per event
    (`batch` 0) or in bursts of `batch` events with one wait for their confirms (`publish_many`)."""
    with EventPublisher(uri, source="so-yte") as publisher:
        publisher.connect()
        print("ready", flush=True)
        sys.stdin.readline()  # every publisher starts at the same moment
        cpu_at_start = time.process_time()
        if batch:
            for burst in range(first, first + count, batch):
                ns = range(burst, min(burst + batch, first + count))
                publisher.publish_many([publisher.build(EVENT, payload(n, run)) for n in ns])
        else:
            for n in range(first, first + count):
                publisher.emit(EVENT, payload(n, run))
    print(f"cpu {time.process_time() - cpu_at_start}", flush=True)


def publishers(uri: str, run: str, events: int, count: int, batch: int) -> list[subprocess.Popen[str]]:
    """`count` publisher processes sharing `events`, connected and waiting for the start signal."""
    shares = [events // count + (1 if i < events % count else 0) for i in range(count)]
    starts = [sum(shares[:i]) for i in range(count)]
    processes = [
        subprocess.Popen(
            [sys.executable, __file__, "--publish-share", uri, run, str(first), str(share), str(batch)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for first, share in zip(starts, shares, strict=True)
        if share
    ]
    for process in processes:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("an SDK publisher did not start")
    return processes


def publishers_done(processes: list[subprocess.Popen[str]], events: int, start: float) -> list[subprocess.Popen[str]]:
    """Note the publishers' rate and the CPU they reported once all of them exited; an empty list."""
    PUBLISH_RATES.append(events / (time.perf_counter() - start))
    if any(p.returncode for p in processes):
        raise RuntimeError("an SDK publisher failed")
    PUBLISHERS_CPU.append(sum(float(p.stdout.read().split()[-1]) for p in processes if p.stdout is not None))
    return []


def pipeline(uri: str, events: int, run: str, sources: int = 1, batch: int = 0) -> float:
    """SDK publish of `events` submissions by `sources` processes (in bursts of `batch`, or one
    confirm per event) until every release_submitted is seen: events per second."""
    conn = pika.BlockingConnection(connection_parameters(uri))
    ch = conn.channel()
    ch.exchange_declare("releases.events", exchange_type="topic", durable=True)
    queue = ch.queue_declare("", exclusive=True).method.queue
    ch.queue_bind(queue, "releases.events", routing_key="release_submitted")
    seen: set[str] = set()
    processes = publishers(uri, run, events, sources, batch)
    cpu_before = {name: cpu_seconds(pid) for name, pid in CPU_PIDS.items()}
    own_before = time.process_time()
    start = time.perf_counter()
    try:
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        deadline = time.monotonic() + 120
        for method, _props, body in ch.consume(queue, auto_ack=True, inactivity_timeout=0.2):
            if method is not None:
                release = json.loads(body)["payload"]["release"]
                if release["title"].startswith("Thông báo số"):
                    seen.add(release["release_id"])
            if processes and all(p.poll() is not None for p in processes):
                processes = publishers_done(processes, events, start)
            if len(seen) >= events or time.monotonic() > deadline:
                break
        elapsed = time.perf_counter() - start
        for process in processes:  # every event arrived before its publisher's exit was noticed
            process.wait(30)
        processes = publishers_done(processes, events, start) if processes else []
        spent = {k: cpu_seconds(CPU_PIDS[k]) - v for k, v in cpu_before.items()}
        spent["publishers"] = PUBLISHERS_CPU[-1]
        spent["bench consumer"] = time.process_time() - own_before
        spent["total"] = sum(spent.values())
        CPU_MS_PER_EVENT.append({k: round(v * 1000 / events, 3) for k, v in spent.items()})
    finally:
        for process in processes:
            process.kill()
            process.wait()
        conn.close()
    assert len(seen) == events, f"pipeline lost events: {len(seen)}/{events}"
    return events / elapsed


def start_releases(uri: str, mongo_uri: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "AMQP_URI": uri, "MONGO_URI": mongo_uri, "HEALTH_ADDRESS": f"127.0.0.1:{port}",
           "LOG_LEVEL": "WARNING"}  # fmt: skip
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "nameko"), "run", "--config", "config.yaml", "presscenter.releases.service"],
        cwd=ROOT / "services" / "releases", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("releases service did not become ready")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=int(os.environ.get("BENCH_EVENTS", scaled(2000, 60))))
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", scaled(3, 1))))
    parser.add_argument("--publishers", type=int, default=int(os.environ.get("BENCH_PUBLISHERS", 4)),
                        help="SDK publisher processes (departments' systems) sharing the events")  # fmt: skip
    parser.add_argument("--out", type=Path)
    parser.add_argument("--batch", type=int, default=int(os.environ.get("BENCH_BATCH", 0)),
                        help="each SDK publisher sends bursts of N events with one wait for their confirms "
                             "(publish_many); 0 (default): one confirm per event")  # fmt: skip
    parser.add_argument("--publish-share", nargs=5, metavar=("AMQP", "RUN", "FIRST", "COUNT", "BATCH"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args()
    if args.publish_share:
        uri, run, first, count, batch = args.publish_share
        publish_share(uri, run, int(first), int(count), int(batch))
        return 0
    exit_on_sigterm()
    source = f"bursts of {args.batch}" if args.batch else "one confirm per event"

    name = f"bench_{uuid.uuid4().hex[:8]}"
    create_vhost(name)
    uri = f"amqp://guest:guest@127.0.0.1:5672/{name}"
    with tempfile.TemporaryDirectory() as data:
        mongo = EmbeddedMongo(Path(data), free_port()).start()
        service = start_releases(uri, mongo.uri, free_port())
        assert mongo.process is not None
        CPU_PIDS.update({"releases": service.pid, "datastore": mongo.process.pid})
        broker = broker_pid()
        if broker is not None:
            CPU_PIDS["broker"] = broker
        watch = MemoryWatch({"releases": service.pid, "datastore (nx-27017)": mongo.process.pid})
        try:
            watch.idle()
            pipeline(uri, 50, "warmup", args.publishers, args.batch)
            raws, pipes = [], []
            with watch.under_load():
                for run in range(args.runs):
                    bodies = [json.dumps(payload(n, f"raw{run}"), ensure_ascii=False).encode()
                              for n in range(args.events)]  # fmt: skip
                    raws.append(raw_loop(uri, bodies))
                    pipes.append(pipeline(uri, args.events, f"run{run}", args.publishers, args.batch))
                    print(f"  run {run + 1}: raw pika {raws[-1]:.0f} ev/s, pipeline {pipes[-1]:.0f} ev/s "
                          f"({args.publishers} SDK publishers, {source}: {PUBLISH_RATES[-1]:.0f} ev/s); "
                          f"CPU ms per event {CPU_MS_PER_EVENT[-1]}", flush=True)  # fmt: skip
        finally:
            service.terminate()
            service.wait(30)
            mongo.stop()
            delete_vhost(name)
    events_per_s = statistics.median(pipes)
    rows = [
        figure(f"event pipeline, SDK ({source}) → releases → outbox", "ev/s", events_per_s, statistics.median(raws),
               "raw pika publish→consume→ack", f">= {TARGET} ev/s", events_per_s >= TARGET, sdk_publishing=source),
    ]  # fmt: skip
    write_result("event_pipeline", {
        "events_per_run": args.events, "runs": args.runs, "sdk_publishers": args.publishers,
        "sdk_publishing": source,
        "per_run": {"raw": raws, "pipeline": pipes},
        "baseline_raw_pika_events_per_s": round(statistics.median(raws), 1),
        "pipeline_events_per_s": round(events_per_s, 1),
        "ratio": round(events_per_s / statistics.median(raws), 3),
        "target_events_per_s": TARGET, "loss": 0, "figures": rows,
        "cpu_ms_per_event": CPU_MS_PER_EVENT[1:],
        "sdk_publish_events_per_s": [round(r, 1) for r in PUBLISH_RATES[1:]],
        "memory": watch.rows(f"{args.events} department events at full speed"),
    }, args.out)  # fmt: skip
    print_figures("event pipeline (median of runs)", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
