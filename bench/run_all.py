"""`make bench`: every benchmark of bench/, one after another, then ONE table and
bench/results/latest.json.

    .venv/bin/python bench/run_all.py                 # full size (several minutes)
    BENCH_SCALE=smoke .venv/bin/python bench/run_all.py   # everything tiny (`make bench-smoke`)

Each benchmark runs as its own process and writes its own result file (figures beside a baseline
measured in the same run, medians of several runs); this collects them. Rows: figure, value,
baseline, ratio (value / baseline), goal, pass; then the resident memory of every process each
benchmark started, idle and at its highest under that benchmark's load. Smoke runs only prove that
every benchmark still runs end to end: their figures mean nothing and go to .run/bench-smoke/,
leaving bench/results/ alone. The exit code is 1 when a benchmark failed (not when a goal is missed).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import BIN, RESULTS, ROOT, machine, smoke

SMOKE_RESULTS = ROOT / ".run" / "bench-smoke"


@dataclass(frozen=True)
class Benchmark:
    name: str  # of its result file
    full: tuple[str, ...]
    tiny: tuple[str, ...]
    takes_out: bool = True  # accepts --out (monitoring_throughput always writes bench/results/)
    timeout: float = 1800
    script: str = ""  # bench/<script>.py; default: the name

    def argv(self, out: Path) -> list[str]:
        script = ROOT / "bench" / f"{self.script or self.name}.py"
        args = [str(BIN / "python"), str(script), *(self.tiny if smoke() else self.full)]
        return [*args, "--out", str(out)] if self.takes_out else args


BENCHMARKS = (
    Benchmark("event_pipeline", (), ()),
    # departments' systems that send bursts (EventPublisher.publish_many: one wait for the confirms)
    Benchmark("event_pipeline_bursts", ("--batch", "100"), ("--batch", "20"), script="event_pipeline"),
    Benchmark("live_delivery", (), ()),
    Benchmark("gateway_read", (), ()),
    Benchmark("monitoring_throughput", (), ("--items", "400", "--claims", "40", "--runs", "1"), takes_out=False),
    Benchmark("media_throughput", (), ("--size-mb", "2", "--runs", "1", "--no-s3")),
)


def run(benchmark: Benchmark, results: Path) -> tuple[dict[str, Any] | None, float]:
    """Run one benchmark; its result (None when it failed) and how long it took."""
    out = results / f"{benchmark.name}.json"
    fixed = RESULTS / f"{benchmark.name}.json"
    kept = None
    if not benchmark.takes_out and smoke() and fixed.exists():
        kept = fixed.read_bytes()  # a smoke run must not replace a real result
    print(f"== {benchmark.name}", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(benchmark.argv(out), cwd=ROOT)
    try:
        code = process.wait(benchmark.timeout)
        if not benchmark.takes_out and code == 0 and fixed != out:
            shutil.copyfile(fixed, out)
        ok = code == 0 and out.exists()
    except subprocess.TimeoutExpired:
        print(f"{benchmark.name} did not finish within {benchmark.timeout:.0f} s", flush=True)
        ok = False
    finally:
        if process.poll() is None:  # SIGTERM first: the benchmark stops the processes it started
            process.terminate()
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if kept is not None:
            fixed.write_bytes(kept)
        elif not benchmark.takes_out and smoke():
            fixed.unlink(missing_ok=True)
    seconds = time.monotonic() - started
    return (json.loads(out.read_text(encoding="utf-8")) if ok else None), seconds


def monitoring_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """monitoring_throughput.py writes flat keys: its row, in the shared shape."""
    value, baseline = result["analysis_items_per_s"], result["baseline_tokenise_items_per_s"]
    return [{"figure": f"monitoring analysis, {result['claims']} claims", "unit": "items/s", "value": value,
             "baseline": baseline, "baseline_is": "tokenise the same items", "ratio": result["ratio"],
             "goal": f">= {result['target_items_per_s']} items/s", "met": result["meets_target"]}]  # fmt: skip


def rows_of(name: str, result: dict[str, Any]) -> list[dict[str, Any]]:
    rows = result.get("figures") or (monitoring_rows(result) if name == "monitoring_throughput" else [])
    return [{"benchmark": name, **row} for row in rows]


def memory_rows(name: str, result: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for entry in result.get("memory", []):
        idle, load = entry["idle_mib"], entry["load_mib"]
        rows.append({"benchmark": name, "figure": f"RSS {entry['process']} ({name})", "unit": "MiB", "value": load,
                     "baseline": idle, "baseline_is": "idle, same process", "load": entry["load"],
                     "ratio": round(load / idle, 3) if idle and not math.isnan(idle) else None,
                     "goal": None, "met": None})  # fmt: skip
    return rows


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def print_table(rows: list[dict[str, Any]]) -> None:
    width = max(len(row["figure"]) for row in rows) + 2
    print(f"\n{'figure':<{width}}{'value':>18}{'baseline':>12}{'ratio':>9}  {'goal':<16}pass")
    for row in rows:
        value = "FAILED" if row.get("failed") else f"{cell(row['value'])} {row['unit']}"
        met = "" if row["met"] is None else ("yes" if row["met"] else "NO")
        print(f"{row['figure']:<{width}}{value:>18}{cell(row['baseline']):>12}{cell(row['ratio']):>9}  "
              f"{row['goal'] or '':<16}{met}")  # fmt: skip
    print("\nratio = value / baseline; each baseline is measured in the same run (see bench/README.md).")


def main() -> int:
    results = SMOKE_RESULTS if smoke() else RESULTS
    results.mkdir(parents=True, exist_ok=True)
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    found: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    memory: list[dict[str, Any]] = []
    failed = []
    for benchmark in BENCHMARKS:
        result, seconds = run(benchmark, results)
        if result is None:
            failed.append(benchmark.name)
            rows.append({"benchmark": benchmark.name, "figure": benchmark.name, "failed": True, "value": None,
                         "unit": "", "baseline": None, "ratio": None, "goal": None, "met": None})  # fmt: skip
            continue
        found[benchmark.name] = {**result, "seconds": round(seconds, 1)}
        rows += rows_of(benchmark.name, result)
        memory += memory_rows(benchmark.name, result)
    table = rows + memory
    latest = {"scale": "smoke" if smoke() else "full", "started": started_at, "machine": machine(),
              "seconds": round(time.monotonic() - started, 1), "failed": failed, "table": table,
              "benchmarks": found}  # fmt: skip
    (results / "latest.json").write_text(json.dumps(latest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_table(table)
    print(f"{len(BENCHMARKS) - len(failed)}/{len(BENCHMARKS)} benchmarks ran in {latest['seconds']} s "
          f"({latest['scale']}); {results.relative_to(ROOT) / 'latest.json'}")  # fmt: skip
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
