"""Gateway read path: `GET /v1/releases/{id}` through the full stack (JWT auth, middleware, RPC, the
releases service, the datastore) beside a bare FastAPI route doing one raw RPC to a trivial nameko
service, at the same concurrency, measured in the same run.

    .venv/bin/python bench/gateway_read.py [--clients 50] [--seconds 8] [--runs 3] [--export-spans]

Full stack: the embedded datastore, the releases service (`nameko run`) and the gateway
(`python -m presscenter.gateway`, uvicorn) as their own processes; a journalist signs in and reads
one published release. Baseline: `bench/baseline/bare_gateway.py` under uvicorn, calling
`bench/baseline/trivial_service.py` (nameko) through the gateway's own asyncio RPC client, its
answer padded to the size of the real release. Both log at WARNING (no access log). A third figure,
the bare route calling the real `releases.get` (no gateway middleware or auth), splits the full
stack's cost between the gateway and the service with its datastore. With no OTLP endpoint set
(the default here) the full stack records no spans; `--export-spans` makes the gateway and the
releases service record every span and export it to a local sink (`baseline/otlp_sink.py`, its
CPU counted with every process), which prices tracing for a deployment that collects it.

The load: `--clients` keep-alive HTTP/1.1 connections from one process (a minimal asyncio client,
so the client stays cheap), each sending its next request when the previous answer is read, for
`--seconds` after a warm-up. Runs alternate baseline and full stack; figures are medians of the
runs. Goal: full-stack requests/s >= 0.7 of the baseline. Resident memory of every process, idle
and at its highest under the load, comes from /proc. So does the CPU time each process spent per
request during each run (user + system, /proc/<pid>/stat): on a shared machine it moves far less
than requests/s, and it says which process the cost is in. Results: bench/results/gateway_read.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from harness import ADMIN as BENCH_ADMIN
from harness import (
    BIN,
    MemoryWatch,
    Stack,
    figure,
    free_port,
    median,
    percentile,
    print_figures,
    scaled,
    stack,
    wait_http,
    wait_rpc,
    write_result,
)

from presscenter.gateway.settings import aio_pika_url
from presscenter.gateway.testing.accounts import login, sign_in

BASELINE_DIR = Path(__file__).resolve().parent / "baseline"
RATIO_GOAL = 0.7
EDITOR = {"username": "bench.editor", "role": "editor"}
OFFICER = {"username": "bench.officer", "role": "unit_officer", "unit_code": "so-yte"}
JOURNALIST = {"username": "bench.journalist", "role": "journalist", "outlet": "Báo Hà Nội Mới"}


# --- the load ------------------------------------------------------------------------------------


async def one_client(host: str, port: int, request: bytes, until: float, latencies: list[float]) -> int:
    """Requests on one keep-alive connection until `until`; returns the count of non-200 answers."""
    reader, writer = await asyncio.open_connection(host, port)
    errors = 0
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200"):
                errors += 1
    finally:
        writer.close()
    return errors


async def load(url: str, path: str, headers: dict[str, str], clients: int, seconds: float) -> dict[str, float]:
    parts = urlsplit(url)
    lines = [f"GET {path} HTTP/1.1", f"Host: {parts.netloc}", *(f"{k}: {v}" for k, v in headers.items())]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    latencies: list[float] = []
    started = time.perf_counter()
    until = started + seconds
    assert parts.hostname and parts.port
    errors = await asyncio.gather(*(one_client(parts.hostname, parts.port, request, until, latencies)
                                    for _ in range(clients)))  # fmt: skip
    elapsed = time.perf_counter() - started
    if sum(errors):
        raise RuntimeError(f"{sum(errors)} of {len(latencies)} requests to {url}{path} did not answer 200")
    return {"rps": len(latencies) / elapsed, "p50_ms": percentile(latencies, 50) * 1000,
            "p99_ms": percentile(latencies, 99) * 1000, "requests": len(latencies)}  # fmt: skip


def run_load(url: str, path: str, headers: dict[str, str], clients: int, seconds: float) -> dict[str, float]:
    try:
        import uvloop  # the client's own loop costs less CPU: both sides gain alike

        return uvloop.run(load(url, path, headers, clients, seconds))
    except ImportError:
        return asyncio.run(load(url, path, headers, clients, seconds))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured_load(pids: dict[str, int], *load_args: Any) -> dict[str, Any]:
    """`run_load(*load_args)`, with the CPU milliseconds each process (and this client) spent per request."""
    pids = {**pids, "client": os.getpid()}
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    result: dict[str, Any] = dict(run_load(*load_args))
    spent = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    result["cpu_ms_per_request"] = {name: 1000 * seconds / result["requests"] for name, seconds in spent.items()}
    return result


# --- the two stacks --------------------------------------------------------------------------------


def published_release(http: httpx.Client) -> tuple[str, str, int]:
    """Accounts made and signed in; a release drafted, approved and published. (id, journalist token, size)."""
    cast = sign_in(http, BENCH_ADMIN, {"editor": EDITOR, "officer": OFFICER, "journalist": JOURNALIST})
    officer, editor = cast["officer"].headers, cast["editor"].headers
    content = {"title": "Hà Nội tăng cường phòng chống sốt xuất huyết", "categories": ["health"],
               "lead": "Sở Y tế Hà Nội khuyến cáo người dân diệt bọ gậy.", "places": ["phuong-hoan-kiem"],
               "body": "Từ tuần này, các phường triển khai chiến dịch **diệt bọ gậy**. " * 10}  # fmt: skip
    release = http.post("/v1/releases", json={"unit_code": "so-yte", "content": content}, headers=officer)
    release.raise_for_status()
    for who, action in ((officer, "submit"), (editor, "approve"), (editor, "publish")):
        body = release.json()
        release = http.post(f"/v1/releases/{body['id']}/{action}", headers={**who, "If-Match": f'"{body["revision"]}"'})
        release.raise_for_status()
    token = login(http, JOURNALIST["username"], "test password 0001")
    read = http.get(f"/v1/releases/{release.json()['id']}", headers={"Authorization": f"Bearer {token}"})
    read.raise_for_status()
    return release.json()["id"], token, len(read.content)


def start_baseline(bench: Stack, body_bytes: int, max_workers: int) -> str:
    config = bench.work / "trivial.yaml"
    config.write_text(
        json.dumps(
            {
                "AMQP_URI": bench.amqp_uri,
                "max_workers": max_workers,
                "PREFETCH_COUNT": max_workers,
                "serializer": "json",
            }
        )
    )
    env = {"TRIVIAL_BODY_BYTES": str(body_bytes), "PYTHONPATH": str(BASELINE_DIR)}
    bench.start("trivial service", [str(BIN / "nameko"), "run", "--config", str(config), "trivial_service"], env,
                cwd=BASELINE_DIR)  # fmt: skip
    wait_rpc(aio_pika_url(bench.amqp_uri), "trivial", "get", {"release_id": "warm"})
    port = free_port()
    argv = [str(BIN / "python"), "-m", "uvicorn", "bare_gateway:app", "--host", "127.0.0.1", "--port", str(port),
            "--no-access-log", "--log-level", "warning"]  # fmt: skip
    process = bench.start("bare FastAPI", argv, {"AMQP_URI": bench.amqp_uri, "PYTHONPATH": str(BASELINE_DIR)},
                          cwd=BASELINE_DIR)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/healthz", process, "the bare FastAPI baseline")
    return url


def otlp_sink(bench: Stack) -> dict[str, str]:
    """Start `baseline/otlp_sink.py`; the environment that makes a process export its spans to it."""
    port = free_port()
    process = bench.start("OTLP sink", [str(BIN / "python"), "otlp_sink.py", str(port)], {}, cwd=BASELINE_DIR)
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/", process, "the OTLP sink")
    return {"OTEL_EXPORTER_OTLP_ENDPOINT": url}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=scaled(50, 10))
    parser.add_argument("--seconds", type=float, default=scaled(8.0, 1.0))
    parser.add_argument("--runs", type=int, default=scaled(3, 1))
    parser.add_argument(
        "--max-workers", type=int, default=10, help="nameko workers and prefetch of both services (default 10)"
    )
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--export-spans", action="store_true",
        help="the full stack records every span and exports it over OTLP to a local sink (off: spans are "
             "not recorded, as in a deployment with no OTEL_EXPORTER_OTLP_ENDPOINT)",
    )  # fmt: skip
    args = parser.parse_args()

    runs: dict[str, list[dict[str, Any]]] = {"full": [], "baseline": [], "direct": []}
    with stack("gateway-read") as bench:
        tracing = otlp_sink(bench) if args.export_spans else {}
        bench.nameko("releases", {"MAX_WORKERS": str(args.max_workers), "PREFETCH_COUNT": str(args.max_workers),
                                  **tracing})  # fmt: skip
        gateway = bench.gateway(extra=tracing)
        with httpx.Client(base_url=gateway, timeout=20) as http:
            release_id, token, size = published_release(http)
        bare = start_baseline(bench, size, args.max_workers)
        full_path = (gateway, f"/v1/releases/{release_id}", {"Authorization": f"Bearer {token}"})
        bare_path = (bare, f"/v1/releases/{release_id}", {"Authorization": f"Bearer {token}"})
        direct_path = (bare, f"/v1/direct/releases/{release_id}", {"Authorization": f"Bearer {token}"})
        pids = bench.pids()
        watch = MemoryWatch(pids)
        watch.idle()
        warm = max(0.5, args.seconds / 4)
        run_load(*full_path, args.clients, warm)
        run_load(*bare_path, args.clients, warm)
        with watch.under_load():
            for run in range(args.runs):
                runs["baseline"].append(measured_load(pids, *bare_path, args.clients, args.seconds))
                runs["full"].append(measured_load(pids, *full_path, args.clients, args.seconds))
                runs["direct"].append(measured_load(pids, *direct_path, args.clients, args.seconds))
                print(f"  run {run + 1}: bare {runs['baseline'][-1]['rps']:.0f} req/s, "
                      f"full stack {runs['full'][-1]['rps']:.0f} req/s, "
                      f"bare route to releases.get {runs['direct'][-1]['rps']:.0f} req/s", flush=True)  # fmt: skip

    def m(side: str, key: str) -> float:
        return median([r[key] for r in runs[side]])

    def cpu(side: str, *processes: str) -> float:
        """Median over the runs of the CPU ms per request of `processes` together (all when none named)."""
        return median([sum(ms for name, ms in r["cpu_ms_per_request"].items() if not processes or name in processes)
                       for r in runs[side]])  # fmt: skip

    store = "datastore (nx-27017)"

    ratio = m("full", "rps") / m("baseline", "rps")
    rows = [
        figure(f"gateway read, {args.clients} clients", "req/s", m("full", "rps"), m("baseline", "rps"),
               "bare FastAPI + raw RPC to a trivial service", f">= {RATIO_GOAL}x", ratio >= RATIO_GOAL),
        figure("gateway read p50", "ms", m("full", "p50_ms"), m("baseline", "p50_ms"), "bare FastAPI p50"),
        figure("gateway read p99", "ms", m("full", "p99_ms"), m("baseline", "p99_ms"), "bare FastAPI p99"),
        figure("  bare route → releases.get (no gateway)", "req/s", m("direct", "rps"), m("baseline", "rps"),
               "bare FastAPI + raw RPC to a trivial service"),
        figure("  CPU per read, every process started + client", "ms", cpu("full"), cpu("baseline"),
               "the same for bare FastAPI → trivial service"),
        figure("  CPU per read, gateway", "ms", cpu("full", "gateway"), cpu("baseline", "bare FastAPI"),
               "bare FastAPI"),
        figure("  CPU per read, releases + datastore", "ms", cpu("full", "releases", store),
               cpu("baseline", "trivial service"), "trivial service"),
    ]  # fmt: skip
    write_result("gateway_read", {"clients": args.clients, "seconds": args.seconds, "runs": args.runs,
                                  "release_bytes": size, "max_workers": args.max_workers, "per_run": runs,
                                  "export_spans": args.export_spans,
                                  "figures": rows, "memory": watch.rows(f"{args.clients} clients reading")},
                 args.out)  # fmt: skip
    print_figures("gateway read (median of runs)", rows)
    for row in watch.rows("read load"):
        print(f"  RSS {row['process']:<18} idle {row['idle_mib']:7.1f} MiB   under load {row['load_mib']:7.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
