"""`python -m presscenter.monitoring.evaluation [STREAM_DIR] [OUT_DIR]`: replay, write, score.

STREAM_DIR defaults to `../shared/data/monitoring/dev` (relative to the working directory, the
repository root under `make`), OUT_DIR to `.run/eval-monitoring`. The scorer is the
`score.py` found in STREAM_DIR or its parent; without one, the stream's claim labels, if any, are
scored (`claim_scores`; a synthetic stream's, `synthetic.py`), else a short summary is printed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from presscenter.monitoring.evaluation.claim_scores import claim_scores, labels_of
from presscenter.monitoring.evaluation.replay import replay, write
from presscenter.shared.gc_tuning import tune_gc

DEFAULT_STREAM = Path("../shared/data/monitoring/dev")
DEFAULT_OUT = Path(".run/eval-monitoring")


def find_scorer(stream: Path) -> Path | None:
    for candidate in (stream / "score.py", stream.parent / "score.py"):
        if candidate.is_file():
            return candidate
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m presscenter.monitoring.evaluation", description=__doc__)
    parser.add_argument("stream", nargs="?", type=Path, default=DEFAULT_STREAM)
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not (args.stream / "items.jsonl").is_file():
        print(f"no items.jsonl in {args.stream}", file=sys.stderr)
        return 2
    tune_gc()  # as the service runs
    started = time.perf_counter()
    result = replay(args.stream)
    elapsed = time.perf_counter() - started
    write(result, args.out)
    items = len(result.predictions)
    print(
        f"replayed {items} items in {elapsed:.1f}s ({items / max(elapsed, 1e-9):.0f} items/s), "
        f"{result.malformed} malformed, {len(result.trend_alerts)} trend alerts, "
        f"{len(result.misinformation_alerts)} misinformation alerts "
        f"({sum(a['kind'] == 'contradicts_release' for a in result.misinformation_alerts)} contradicting a release, "
        f"{len(result.contradictions)} items) -> {args.out}"
    )
    scorer = find_scorer(args.stream)
    if scorer is None:
        labels = labels_of(args.stream)
        if labels is None:
            print("no score.py and no labels beside the stream: predictions written, not scored")
            return 0
        print("no score.py beside the stream: its claim labels scored (stories and trends are not)")
        for metric, value in claim_scores(labels, result.predictions).items():
            print(f"{metric:<28}{value:>10}")
        return 0
    files = [str(args.out / "predictions.jsonl"), str(args.out / "trend_alerts.jsonl")]
    return subprocess.run([sys.executable, str(scorer), str(args.stream), *files], check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
