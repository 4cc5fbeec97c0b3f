"""Live delivery: latency from a `release_published` event to journalists' Server-Sent Events clients
on a real gateway (`/v1/stream`), p50/p99 at 200 publications per second, beside the raw broker
round trip (pika publish with confirms → consume) at the same rate, measured in the same run.

    .venv/bin/python bench/live_delivery.py [--rate 200] [--publishers 2] [--seconds 5] [--journalists 5]
                                            [--workflow-rate 20 | --workflow-rate 0] [--runs 3]

Processes: the embedded datastore, the gateway (`python -m presscenter.gateway`, uvicorn) and, for
the workflow figure, the releases service (`nameko run`). Publishers in subprocesses of their own
send at a fixed rate and report when they sent each message (wall clock, same machine); the
journalists' SSE clients (httpx, in this process) note when each event arrives.

- **SDK → stream** (the target figure): `release_published` envelopes emitted straight through the
  departments' SDK (`EventPublisher`, catalog validation and publisher confirms) by `--publishers`
  processes sharing `--rate`, because the releases workflow on the embedded datastore cannot
  publish 200 releases a second (and one SDK publisher, one confirm per event, falls short of 200/s
  on a busy machine: the rate reached is in the figure's name). Latency: from just before `emit`
  to the arrival at each journalist. Goal: p99 < 100 ms.
- **raw broker round trip** (the baseline): pika publishes the same number of bodies with
  confirms to a queue at the same rate; a pika consumer here reads them.
- **releases publish_now → stream**: releases drafted, submitted and approved beforehand, then
  published through the `releases.publish_now` RPC at `--workflow-rate`; the service stores the
  release and its event in one write and its outbox relay publishes it. Latency: from the RPC
  call to the arrival at each journalist; a queue of our own on `releases.events` notes when each
  event reached the broker, which gives the part spent before it (the service and its outbox).

Every event must reach every journalist (checked). Figures are medians over `--runs`.
Results: bench/results/live_delivery.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pika
from harness import ADMIN, BIN, MemoryWatch, figure, median, percentile, print_figures, scaled, stack, write_result

from presscenter.gateway.testing.accounts import sign_in
from presscenter.gateway.testing.sse_client import EventStreamReader
from presscenter.shared.sdk.publisher import connection_parameters

P99_GOAL_MS = 100.0
EDITOR = {"kind": "user", "id": "bench-editor", "role": "editor"}
OFFICER = {"kind": "user", "id": "bench-officer", "role": "unit_officer", "unit_code": "so-yte"}


# --- the publisher subprocess ---------------------------------------------------------------------


def paced(rate: float, count: int) -> Any:
    """Yield 0..count-1, each at its time on a fixed schedule (catching up when behind)."""
    start = time.perf_counter()
    for n in range(count):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        yield n


def snapshot(release_id: str, title: str) -> dict[str, Any]:
    return {"release_id": release_id, "unit_code": "so-yte", "title": title, "status": "published", "version": 1,
            "lead": "Sở Y tế Hà Nội thông báo lịch tiêm chủng tại các phường.", "categories": ["health"],
            "published_at": datetime.now(UTC).isoformat()}  # fmt: skip


def publish_sdk(uri: str, rate: float, count: int, tag: str) -> dict[str, float]:
    from presscenter.shared.sdk import EventPublisher

    sent: dict[str, float] = {}
    with EventPublisher(uri, source="releases") as publisher:
        for n in paced(rate, count):
            release_id = f"b-{tag}-{n}"
            at = time.time()
            publisher.emit("release_published", {"release": snapshot(release_id, f"Thông báo {n}"), "actor": EDITOR})
            sent[release_id] = at
    return sent


def publish_raw(uri: str, rate: float, count: int, tag: str, queue: str) -> dict[str, float]:
    connection = pika.BlockingConnection(connection_parameters(uri))
    channel = connection.channel()
    channel.confirm_delivery()
    body = json.dumps({"release": snapshot("x", "Thông báo"), "actor": EDITOR}, ensure_ascii=False)
    sent: dict[str, float] = {}
    for n in paced(rate, count):
        key = f"b-{tag}-{n}"
        at = time.time()
        properties = pika.BasicProperties(message_id=key, delivery_mode=2, content_type="application/json")
        channel.basic_publish("", queue, body.encode(), properties)
        sent[key] = at
    connection.close()
    return sent


async def timed(call: Any) -> float:
    """Milliseconds until the awaitable `call` answered."""
    started = time.perf_counter()
    await call
    return (time.perf_counter() - started) * 1000


def publish_workflow(uri: str, rate: float, count: int, tag: str) -> dict[str, float]:
    """Prepare `count` approved releases over RPC, say so on stdout, wait for a line, publish them."""
    from presscenter.gateway.rpc_client import RpcClient
    from presscenter.gateway.settings import aio_pika_url

    async def run() -> dict[str, float]:
        rpc = RpcClient(aio_pika_url(uri), consumer_check_interval=0, timeout=60)
        await rpc.start()
        await rpc.wait_connected(5)
        gate = asyncio.Semaphore(8)

        async def prepare(n: int) -> tuple[str, int]:
            async with gate:
                content = {"title": f"Thông báo {tag} {n}", "lead": "Sở Y tế Hà Nội thông báo.",
                           "body": "Nội dung chi tiết của thông báo. " * 20, "categories": ["health"]}  # fmt: skip
                release = await rpc.call("releases", "create_draft",
                                         {"actor": OFFICER, "unit_code": "so-yte", "content": content})  # fmt: skip
                for actor, method in ((OFFICER, "submit"), (EDITOR, "approve")):
                    request = {"actor": actor, "release_id": release["id"], "expected_revision": release["revision"]}
                    release = await rpc.call("releases", method, request)
                return release["id"], release["revision"]

        ready = await asyncio.gather(*(prepare(n) for n in range(count)))
        print("prepared", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        sent: dict[str, float] = {}
        calls = []
        start = time.perf_counter()
        for n, (release_id, revision) in enumerate(ready):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent[release_id] = time.time()
            request = {"actor": EDITOR, "release_id": release_id, "expected_revision": revision}
            calls.append(asyncio.create_task(timed(rpc.call("releases", "publish_now", request))))
        answered = await asyncio.gather(*calls)
        print(f"  publish_now RPC itself: p50 {percentile(answered, 50):.1f} ms, p99 {percentile(answered, 99):.1f} ms",
              file=sys.stderr, flush=True)  # fmt: skip
        await rpc.stop()
        return sent

    return asyncio.run(run())


def publisher_main(args: argparse.Namespace) -> int:
    if args.publish == "sdk":
        sent = publish_sdk(args.amqp, args.rate, args.count, args.tag)
    elif args.publish == "raw":
        sent = publish_raw(args.amqp, args.rate, args.count, args.tag, args.queue)
    else:
        sent = publish_workflow(args.amqp, args.rate, args.count, args.tag)
    print(json.dumps({"sent": sent}), flush=True)
    return 0


def publisher(mode: str, uri: str, rate: float, count: int, tag: str, queue: str = "") -> subprocess.Popen[str]:
    argv = [str(BIN / "python"), __file__, "--publish", mode, "--amqp", uri, "--rate", str(rate),
            "--count", str(count), "--tag", tag, "--queue", queue]  # fmt: skip
    return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def sent_times(process: subprocess.Popen[str]) -> dict[str, float]:
    assert process.stdout is not None
    out, _ = process.communicate(timeout=300)
    if process.returncode != 0:
        raise RuntimeError(f"the publisher failed with {process.returncode}")
    return dict(json.loads(out.strip().splitlines()[-1])["sent"])


# --- measuring ----------------------------------------------------------------------------------


def latencies_ms(sent: dict[str, float], received: list[tuple[str, float]], readers: int) -> list[float]:
    found = [(at - sent[key]) * 1000 for key, at in received if key in sent]
    expected = len(sent) * readers
    if len(found) != expected:
        raise RuntimeError(f"lost deliveries: {len(found)} of {expected} arrived")
    return found


def raw_round_trip(uri: str, rate: float, count: int, tag: str) -> list[float]:
    connection = pika.BlockingConnection(connection_parameters(uri))
    channel = connection.channel()
    queue = channel.queue_declare("", exclusive=True).method.queue
    process = publisher("raw", uri, rate, count, tag, queue)
    received: list[tuple[str, float]] = []
    for method, properties, _body in channel.consume(queue, auto_ack=True, inactivity_timeout=10):
        if method is None:
            break
        received.append((properties.message_id, time.time()))
        if len(received) == count:
            break
    connection.close()
    return latencies_ms(sent_times(process), received, 1)


class BrokerTap:
    """Notes when each `release_published` reaches the broker (a queue of our own on releases.events)."""

    def __init__(self, uri: str) -> None:
        self.connection = pika.BlockingConnection(connection_parameters(uri))
        self.channel = self.connection.channel()
        self.channel.exchange_declare("releases.events", exchange_type="topic", durable=True)
        self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.queue, "releases.events", routing_key="release_published")
        self.seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for method, _props, body in self.channel.consume(self.queue, auto_ack=True, inactivity_timeout=0.2):
            if method is not None:
                self.seen.setdefault(json.loads(body)["payload"]["release"]["release_id"], time.time())
            if self._stop.is_set():
                break

    def close(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join(10)
        self.connection.close()
        return self.seen


async def stream_round(
    gateway: str, tokens: list[str], start_publishers: Any, count: int, timeout: float = 30
) -> tuple[dict[str, float], list[tuple[str, float]]]:
    """Connect the journalists' streams, run the publishers, collect (release id, arrival) until done."""
    received: list[tuple[str, float]] = []
    async with httpx.AsyncClient(base_url=gateway, timeout=20) as http:
        readers = [EventStreamReader(http, "/v1/stream", {"Authorization": f"Bearer {t}"}) for t in tokens]
        for reader in readers:
            await reader.__aenter__()
        done = asyncio.Event()

        async def collect(reader: EventStreamReader) -> None:
            while True:
                event = await reader.events.get()
                at = time.time()
                if event.event == "release_published":
                    received.append((event.json()["release"]["release_id"], at))
                    if len(received) >= count * len(readers):
                        done.set()

        tasks = [asyncio.create_task(collect(r)) for r in readers]
        sent: dict[str, float] = {}
        try:
            loop = asyncio.get_running_loop()
            for found in await asyncio.gather(*(loop.run_in_executor(None, sent_times, p)
                                                for p in await start_publishers())):  # fmt: skip
                sent.update(found)
            with contextlib.suppress(TimeoutError):  # counted as lost below
                await asyncio.wait_for(done.wait(), timeout)
        finally:
            for task in tasks:
                task.cancel()
            for reader in readers:
                await reader.close()
    return sent, received


def measure_stream(
    gateway: str, tokens: list[str], mode: str, uri: str, rate: float, count: int, publishers: int = 1
) -> list[float]:
    """Latencies (ms) to every journalist; `publishers` processes share `rate` and `count`."""
    tag = uuid.uuid4().hex[:8]
    tap = BrokerTap(uri) if mode == "workflow" else None

    async def start() -> list[subprocess.Popen[str]]:
        share = count // publishers
        processes = [publisher(mode, uri, rate / publishers, share, f"{tag}p{i}") for i in range(publishers)]
        if mode == "workflow":  # wait until its releases are prepared, then let it publish
            for process in processes:
                assert process.stdin is not None and process.stdout is not None
                line = await asyncio.get_running_loop().run_in_executor(None, process.stdout.readline)
                if line.strip() != "prepared":
                    raise RuntimeError(f"the workflow publisher said {line!r}")
                process.stdin.write("go\n")
                process.stdin.flush()
        return processes

    try:
        sent, received = asyncio.run(stream_round(gateway, tokens, start, count // publishers * publishers))
    finally:
        on_broker = tap.close() if tap is not None else {}
    RATES.setdefault(mode, []).append(achieved_rate(sent))
    if on_broker:
        RELAY.append([(on_broker[key] - at) * 1000 for key, at in sent.items() if key in on_broker])
    return latencies_ms(sent, received, len(tokens))


RELAY: list[list[float]] = []
"""Per workflow run: ms from the publish_now call until its release_published reached the broker."""


RATES: dict[str, list[float]] = {}
"""Publications per second the publisher really reached, per mode and run (it falls behind on a busy machine)."""


def achieved_rate(sent: dict[str, float]) -> float:
    times = sorted(sent.values())
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else math.nan


def summary(samples: list[list[float]]) -> dict[str, float]:
    return {
        "p50_ms": median([percentile(s, 50) for s in samples]),
        "p99_ms": median([percentile(s, 99) for s in samples]),
        "max_ms": max(max(s) for s in samples),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200.0, help="publications per second")
    parser.add_argument("--seconds", type=float, default=scaled(5.0, 1.0))
    parser.add_argument("--journalists", type=int, default=scaled(5, 2))
    parser.add_argument("--publishers", type=int, default=2, help="SDK publisher processes sharing --rate")
    parser.add_argument("--runs", type=int, default=scaled(3, 1))
    parser.add_argument("--workflow-rate", type=float, default=scaled(20.0, 20.0),
                        help="publish_now calls per second through the releases service (0: skip)")  # fmt: skip
    parser.add_argument("--out", type=Path)
    parser.add_argument("--publish", choices=("sdk", "raw", "workflow"), help=argparse.SUPPRESS)
    parser.add_argument("--amqp", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tag", help=argparse.SUPPRESS)
    parser.add_argument("--queue", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publish:
        return publisher_main(args)

    count = int(args.rate * args.seconds)
    raw: list[list[float]] = []
    sdk: list[list[float]] = []
    workflow: list[list[float]] = []
    with stack("live") as bench:
        gateway = bench.gateway()
        if args.workflow_rate > 0:
            bench.nameko("releases")
        cast = {f"j{n}": {"username": f"bench.journalist{n}", "role": "journalist", "outlet": "Báo Hà Nội Mới"}
                for n in range(args.journalists)}  # fmt: skip
        with httpx.Client(base_url=gateway, timeout=20) as http:
            tokens = [signed.access_token for signed in sign_in(http, ADMIN, cast).values()]
        uri = bench.amqp_uri
        watch = MemoryWatch(bench.pids())
        watch.idle()
        measure_stream(gateway, tokens, "sdk", uri, 50, 20)  # warm-up: every journalist gets events
        with watch.under_load():
            for run in range(args.runs):
                raw.append(raw_round_trip(uri, args.rate, count, f"raw{run}"))
                sdk.append(measure_stream(gateway, tokens, "sdk", uri, args.rate, count, args.publishers))
                print(f"  run {run + 1}: raw p99 {percentile(raw[-1], 99):.1f} ms, "
                      f"stream p99 {percentile(sdk[-1], 99):.1f} ms, "
                      f"publisher reached {RATES['sdk'][-1]:.0f}/s", flush=True)  # fmt: skip
            if args.workflow_rate > 0:
                n = int(args.workflow_rate * args.seconds)
                for _run in range(args.runs):
                    workflow.append(measure_stream(gateway, tokens, "workflow", uri, args.workflow_rate, n))

    base, stream = summary(raw), summary(sdk)
    reached = median(RATES.get("sdk", []))
    rate = f"{args.rate:.0f}/s asked, {reached:.0f}/s reached"
    rows = [
        figure(f"live delivery p50, SDK → SSE, {rate}", "ms", stream["p50_ms"], base["p50_ms"],
               "raw pika publish→consume p50"),
        figure(f"live delivery p99, SDK → SSE, {rate}", "ms", stream["p99_ms"], base["p99_ms"],
               "raw pika publish→consume p99", f"< {P99_GOAL_MS:.0f} ms", stream["p99_ms"] < P99_GOAL_MS),
    ]  # fmt: skip
    if workflow:
        flow = summary(workflow)
        label = f"{args.workflow_rate:.0f}/s"
        rows += [
            figure(f"live delivery p50, publish_now → SSE, {label}", "ms", flow["p50_ms"], base["p50_ms"],
                   "raw pika publish→consume p50"),
            figure(f"live delivery p99, publish_now → SSE, {label}", "ms", flow["p99_ms"], base["p99_ms"],
                   "raw pika publish→consume p99", f"< {P99_GOAL_MS:.0f} ms", flow["p99_ms"] < P99_GOAL_MS),
        ]  # fmt: skip
        if RELAY and all(RELAY):
            relay = summary(RELAY)
            rows.append(figure("  of which publish_now → on the broker, p50", "ms", relay["p50_ms"], flow["p50_ms"],
                               "publish_now → SSE p50"))  # fmt: skip
    write_result("live_delivery", {
        "rate_per_s": args.rate, "seconds": args.seconds, "journalists": args.journalists, "runs": args.runs,
        "path": "release_published emitted through the SDK (EventPublisher), not by the releases workflow",
        "workflow_rate_per_s": args.workflow_rate, "figures": rows,
        "achieved_rate_per_s": {mode: [round(r, 1) for r in rates] for mode, rates in RATES.items()},
        "per_run": {"raw": [summary([s]) for s in raw], "sdk": [summary([s]) for s in sdk],
                    "workflow": [summary([s]) for s in workflow]},
        "memory": watch.rows(f"{args.rate:.0f}/s publications to {args.journalists} journalists"),
    }, args.out)  # fmt: skip
    print_figures("live delivery (median of runs)", rows)
    for row in watch.rows(""):
        print(f"  RSS {row['process']:<22} idle {row['idle_mib']:7.1f} MiB   under load {row['load_mib']:7.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
