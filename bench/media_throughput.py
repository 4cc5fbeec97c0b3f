"""Media throughput: the media service's own upload path and completion, beside plain baselines
measured in the same run on the same storage.

    .venv/bin/python bench/media_throughput.py [--size-mb 100] [--runs 3] [--no-s3]

For each store (the local directory, the embedded default; then moto's S3 server as a real S3
endpoint, in its own process) the media service runs as a real `nameko run` process, on a fresh
RabbitMQ vhost and the embedded datastore. Each run uploads different bytes (an MP4 of about
`--size-mb` MiB, so nothing is deduplicated) and measures:
- upload: `request_upload` over RPC, then the PUTs of the bytes to the presigned URL(s) of the
  grant (above 64 MiB: 16 MiB parts, one after another, joined later by completion), beside a
  direct `put_bytes` of the same bytes through the adapter to the same store (local: one write
  into the store directory; S3: the minio SDK's put, which signs a sha256 of each part over
  plain HTTP). The two go in alternating order;
- completion: `complete_upload` over RPC, and the peak RSS growth of the service process while
  it runs (its VmHWM, reset through /proc/<pid>/clear_refs just before, minus its RSS then)
  beside the object's size;
- hashing: the media code's streaming sha256 (`digest_chunks` over the adapter's `read_chunks`,
  what completion runs) of the stored blob, beside a plain `hashlib` sha256 of the same bytes
  read from the same store (local: `hashlib.file_digest` of the file; S3: the SDK's whole body),
  in alternating order after one warming read.
One untimed warm-up run first; each run removes what it stored. Figures are medians of the runs,
ratios are of medians. Results go to bench/results/media_throughput.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pika
import requests
from harness import exit_on_sigterm, wait_http

from presscenter.media import testing as samples
from presscenter.media.processing.hashing import digest_chunks
from presscenter.media.storage import LocalStorage, ObjectStorage, S3Storage
from presscenter.media.storage.keys import blob_key
from presscenter.media.storage.url_signing import UrlSigner
from presscenter.shared.sdk.publisher import connection_parameters
from presscenter.shared.testing.embedded_mongo import EmbeddedMongo, free_port
from presscenter.shared.testing.vhosts import create_vhost, delete_vhost

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MiB = 1024 * 1024
OFFICER = {"kind": "user", "id": "bench-officer", "role": "unit_officer", "unit_code": "so-yte"}
S3_ACCESS, S3_SECRET, S3_BUCKET = "bench-media", "bench-media-secret", "bench-media"
MEMORY_GOAL = 0.1  # peak RSS growth of completion, as a share of the object's size
HASH_GOAL = 0.8
UPLOAD_GOAL = 0.9


# --- broker, RPC and processes ------------------------------------------------------------------


class RpcCaller:
    """Blocking nameko RPC over pika: request to `nameko-rpc`, reply to our own bound queue."""

    def __init__(self, uri: str):
        self.connection = pika.BlockingConnection(connection_parameters(uri))
        self.channel = self.connection.channel()
        self.channel.exchange_declare("nameko-rpc", exchange_type="topic", durable=True)
        self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.queue, "nameko-rpc", routing_key=self.queue)

    def call(self, service: str, method: str, request: dict[str, Any], timeout: float = 120) -> Any:
        correlation_id = uuid.uuid4().hex
        body = json.dumps({"args": [request], "kwargs": {}}).encode()
        properties = pika.BasicProperties(
            reply_to=self.queue, correlation_id=correlation_id, content_type="application/json"
        )
        self.channel.basic_publish("nameko-rpc", f"{service}.{method}", body, properties)
        deadline = time.monotonic() + timeout
        for frame, props, reply in self.channel.consume(self.queue, auto_ack=True, inactivity_timeout=1):
            if frame is not None and props.correlation_id == correlation_id:
                self.channel.cancel()
                answer = json.loads(reply)
                if answer.get("error"):
                    raise RuntimeError(f"{service}.{method}: {answer['error']}")
                return answer["result"]
            if time.monotonic() > deadline:
                self.channel.cancel()
                raise TimeoutError(f"{service}.{method} did not answer in {timeout} s")
        raise RuntimeError("reply consumer ended")

    def close(self) -> None:
        self.connection.close()


@contextmanager
def media_service(env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """`nameko run` of the media service, ready (its /health/ready answers 200) until the block ends."""
    port = free_port()
    env = {**os.environ, **env, "HEALTH_ADDRESS": f"127.0.0.1:{port}", "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [str(BIN / "nameko"), "run", "--config", "config.yaml", "presscenter.media.service"],
        cwd=ROOT / "services" / "media", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_http(f"http://127.0.0.1:{port}/health/ready", process, "the media service")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's S3 server as its own process (host:port), so it does not share the benchmark's GIL."""
    port = free_port()
    process = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_http(f"http://127.0.0.1:{port}/moto-api/", process, "moto's S3 server")
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(30)


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def reset_peak(pid: int) -> None:
    """Set the process's VmHWM back to its current RSS (Linux >= 4.0)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


# --- one store's measurements --------------------------------------------------------------------


def payload(size: int, run: int) -> bytes:
    """An MP4 (`ftyp` + `mdat`) of about `size` bytes, different for each run (no deduplication)."""
    data = bytearray(samples.mp4(size - 64))
    data[-16:] = f"run-{run:012d}".encode()
    return bytes(data)


@dataclass
class Samples:
    upload_s: list[float] = field(default_factory=list)
    direct_put_s: list[float] = field(default_factory=list)
    complete_s: list[float] = field(default_factory=list)
    rss_growth_mib: list[float] = field(default_factory=list)
    service_rss_mib: list[float] = field(default_factory=list)
    media_hash_s: list[float] = field(default_factory=list)
    plain_hash_s: list[float] = field(default_factory=list)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def put_grant(session: requests.Session, grant: dict[str, Any], data: bytes) -> float:
    """PUT `data` to the grant's presigned URL (or its parts, one after another): seconds taken."""
    requests_ = [(grant["upload"], data)] if grant["upload"] else [
        (part["request"], data[part["offset"] : part["offset"] + part["size"]]) for part in grant["parts"]
    ]  # fmt: skip
    start = time.perf_counter()
    for request, body in requests_:
        response = session.put(request["url"], data=body, headers=request["headers"], timeout=120)
        response.raise_for_status()
    return time.perf_counter() - start


def complete(rpc: RpcCaller, pid: int, asset_id: str, into: Samples) -> dict[str, Any]:
    """complete_upload over RPC, timed, with the peak RSS growth of the service while it ran."""
    before = memory_kib(pid)["VmRSS"]
    reset_peak(pid)
    start = time.perf_counter()
    asset: dict[str, Any] = rpc.call("media", "complete_upload", {"actor": OFFICER, "asset_id": asset_id})
    into.complete_s.append(time.perf_counter() - start)
    into.rss_growth_mib.append((memory_kib(pid)["VmHWM"] - before) / 1024)
    into.service_rss_mib.append(before / 1024)
    if asset["status"] != "ready":
        raise RuntimeError(f"completion did not succeed: {asset.get('rejection')}")
    return asset


def one_run(
    rpc: RpcCaller, pid: int, storage: ObjectStorage, plain_hash: Callable[[str], str], data: bytes, run: int,
    into: Samples,
) -> None:  # fmt: skip
    """Upload (presigned and direct, in alternating order), complete, hash; remove what the run stored."""
    digest = hashlib.sha256(data).hexdigest()
    grant = rpc.call("media", "request_upload", {"actor": OFFICER, "filename": f"phong-su-{run}.mp4",
                                                 "content_type": "video/mp4", "size": len(data)})  # fmt: skip
    direct_key = f"bench/direct-{run}"
    with requests.Session() as session:
        uploads: dict[str, Callable[[], float]] = {
            "presigned": lambda: put_grant(session, grant, data),
            "direct": lambda: timed(lambda: storage.put_bytes(direct_key, data, content_type="video/mp4")),
        }
        took = {name: uploads[name]() for name in alternate(list(uploads), run)}
    storage.delete(direct_key)  # only now: neither upload writes into pages the other has just freed
    asset = complete(rpc, pid, grant["asset_id"], into)
    if asset["sha256"] != digest:
        raise RuntimeError("the service stored other bytes than were sent")
    key = blob_key(digest)
    hashers: dict[str, Callable[[str], str]] = {"media": lambda k: media_hash(storage, k), "plain": plain_hash}
    hashers["media"](key)  # warm: both then read what a first pass has brought into cache
    hashed: dict[str, float] = {}
    for name in alternate(list(hashers), run):
        start = time.perf_counter()
        if hashers[name](key) != digest:
            raise RuntimeError(f"the {name} sha256 differs from the sha256 of the bytes sent")
        hashed[name] = time.perf_counter() - start
    storage.delete(key)  # the store stays the same size from run to run
    into.upload_s.append(took["presigned"])
    into.direct_put_s.append(took["direct"])
    into.media_hash_s.append(hashed["media"])
    into.plain_hash_s.append(hashed["plain"])


def alternate(names: list[str], run: int) -> list[str]:
    """`names` in order on even runs, reversed on odd ones: neither side always goes first."""
    return names if run % 2 == 0 else names[::-1]


def media_hash(storage: ObjectStorage, key: str) -> str:
    """The media code's streaming sha256, as completion runs it, over the adapter's chunks."""
    return digest_chunks(storage.read_chunks(key)).sha256


def measure(
    uri: str, env: dict[str, str], storage: ObjectStorage, plain_hash: Callable[[str], str], size: int, runs: int
) -> tuple[Samples, Samples]:
    """Start the media service with `env`; one untimed warm-up run, then `runs` runs: (warm-up, runs)."""
    warmup, found = Samples(), Samples()
    with media_service({"AMQP_URI": uri, **env}) as service:
        rpc = RpcCaller(uri)
        try:
            one_run(rpc, service.pid, storage, plain_hash, payload(size, 999), 999, warmup)
            for run in range(runs):
                one_run(rpc, service.pid, storage, plain_hash, payload(size, run), run, found)
        finally:
            rpc.close()
    return warmup, found


def local_store(root: Path) -> tuple[LocalStorage, Callable[[str], str]]:
    """The adapter on the service's own directory (direct puts land in the same store) and a plain hash of a file."""
    storage = LocalStorage(root, UrlSigner([secrets.token_bytes(32)]), "http://127.0.0.1:1")

    def plain(key: str) -> str:
        with (root / "objects" / key).open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()

    return storage, plain


def s3_store(endpoint: str) -> tuple[S3Storage, Callable[[str], str]]:
    """The adapter on moto's S3 server and a plain hash of the object's body fetched whole by the SDK."""
    storage = S3Storage.connect(endpoint, access_key=S3_ACCESS, secret_key=S3_SECRET, bucket=S3_BUCKET)

    def plain(key: str) -> str:
        response = storage.client.get_object(S3_BUCKET, key)
        try:
            return hashlib.sha256(response.read()).hexdigest()
        finally:
            response.close()
            response.release_conn()

    return storage, plain


# --- report --------------------------------------------------------------------------------------


def figures(store: str, warmup: Samples, found: Samples, size: int) -> list[dict[str, Any]]:
    """Table rows of one store: medians of the runs, ratios of medians."""
    mib = size / MiB
    upload, direct = mib / statistics.median(found.upload_s), mib / statistics.median(found.direct_put_s)
    hashed, plain = mib / statistics.median(found.media_hash_s), mib / statistics.median(found.plain_hash_s)
    growth = statistics.median(found.rss_growth_mib)
    return [
        {"figure": f"{store}: completion peak RSS growth", "unit": "MiB", "value": round(growth, 1),
         "baseline": round(mib, 1), "baseline_is": "object size", "ratio": round(growth / mib, 3),
         "goal": f"<= {MEMORY_GOAL}", "met": growth / mib <= MEMORY_GOAL,
         "service_rss_mib": round(statistics.median(found.service_rss_mib), 1),
         "first_completion_growth_mib": round(warmup.rss_growth_mib[0], 1)},
        {"figure": f"{store}: streaming sha256", "unit": "MiB/s", "value": round(hashed, 1),
         "baseline": round(plain, 1), "baseline_is": "plain hashlib sha256", "ratio": round(hashed / plain, 3),
         "goal": f">= {HASH_GOAL}", "met": hashed / plain >= HASH_GOAL},
        {"figure": f"{store}: presigned PUT upload", "unit": "MiB/s", "value": round(upload, 1),
         "baseline": round(direct, 1), "baseline_is": "direct put_bytes", "ratio": round(upload / direct, 3),
         "goal": f">= {UPLOAD_GOAL}", "met": upload / direct >= UPLOAD_GOAL},
        {"figure": f"{store}: completion throughput", "unit": "MiB/s",
         "value": round(mib / statistics.median(found.complete_s), 1), "baseline": None, "baseline_is": None,
         "ratio": None, "goal": None, "met": None},
    ]  # fmt: skip


def print_table(rows: list[dict[str, Any]]) -> None:
    print(f"{'media throughput':<40}{'value':>14}{'baseline':>14}{'ratio':>8}{'goal':>9}  met")
    for row in rows:
        value = f"{row['value']} {row['unit']}"
        baseline = "" if row["baseline"] is None else f"{row['baseline']}"
        ratio = "" if row["ratio"] is None else f"{row['ratio']}"
        met = "" if row["met"] is None else ("yes" if row["met"] else "NO")
        print(f"{row['figure']:<40}{value:>14}{baseline:>14}{ratio:>8}{row['goal'] or '':>9}  {met}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=int(os.environ.get("BENCH_MEDIA_SIZE_MB", "100")),
                        help="size of each upload in MiB (default 100)")  # fmt: skip
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")))
    parser.add_argument("--no-s3", action="store_true", help="skip the runs against moto's S3 server")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "media_throughput.json")
    args = parser.parse_args()
    exit_on_sigterm()
    size = args.size_mb * MiB

    name = f"bench_{uuid.uuid4().hex[:8]}"
    create_vhost(name)
    uri = f"amqp://guest:guest@127.0.0.1:5672/{name}"
    rows: list[dict[str, Any]] = []
    raw: dict[str, dict[str, list[float]]] = {}
    started = time.monotonic()

    def bench_store(label: str, env: dict[str, str], storage: ObjectStorage, plain: Callable[[str], str]) -> None:
        warmup, found = measure(uri, env, storage, plain, size, args.runs)
        rows.extend(figures(label, warmup, found, size))
        raw[label] = {k: [round(x, 4) for x in v] for k, v in vars(found).items()}

    with tempfile.TemporaryDirectory(prefix="bench-media-") as work:
        mongo = EmbeddedMongo(Path(work) / "mongo", free_port()).start()
        common = {"MONGO_URI": mongo.uri, "MEDIA_WORK_DIR": work}
        try:
            root = Path(work) / "store"
            env = {**common, "MONGO_DB": "bench_media_local", "MEDIA_STORAGE": "local", "MEDIA_STORAGE_DIR": str(root)}
            bench_store("local", env, *local_store(root))
            if not args.no_s3:
                with moto_server() as endpoint:
                    env = {**common, "MONGO_DB": "bench_media_s3", "MEDIA_STORAGE": "s3", "MEDIA_S3_ENDPOINT": endpoint,
                           "MEDIA_S3_BUCKET": S3_BUCKET, "MEDIA_S3_ACCESS_KEY": S3_ACCESS,
                           "MEDIA_S3_SECRET_KEY": S3_SECRET}  # fmt: skip
                    bench_store("s3 (moto)", env, *s3_store(endpoint))
        finally:
            mongo.stop()
            delete_vhost(name)
    result = {
        "benchmark": "media_throughput",
        "size_mib": args.size_mb,
        "runs": args.runs,
        "figures": rows,
        "samples": raw,
        "seconds": round(time.monotonic() - started, 1),
        "machine": f"{os.cpu_count()} cores",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
