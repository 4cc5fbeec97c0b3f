"""Item-level misinformation scores of predictions against a stream's claim labels.

The labelled streams' own `score.py` reports these (with stories and trends) where it is at hand;
this is the same count for the claims alone, for streams without it, such as the synthetic ones
(`synthetic.py`): precision over the items flagged (a wrong claim, or an item that reports the
refutation, counts against it), recall over the items labelled as spreading a claim, and the share
of items reporting a refutation that are flagged.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from presscenter.monitoring.evaluation.replay import read_jsonl

LABEL_FILES = ("claim_labels.jsonl", "labels.jsonl")  # synthetic streams; the labelled dev stream's


def labels_of(stream: Path) -> list[dict[str, Any]] | None:
    """The stream's claim labels (`id`, `claim_id`, `stance` per item), None without any."""
    for name in LABEL_FILES:
        if (stream / name).is_file():
            return list(read_jsonl(stream / name))
    return None


def claim_scores(labels: Iterable[dict[str, Any]], predictions: Iterable[dict[str, Any]]) -> dict[str, float]:
    predicted = {p["id"]: p.get("claim_id") for p in predictions}
    spread = right = reports = reports_flagged = 0
    for label in labels:
        claim_id = predicted.get(label["id"])
        if label.get("stance") == "spread":
            spread += 1
            right += claim_id is not None and claim_id == label.get("claim_id")
        elif label.get("stance") == "refute":
            reports += 1
            reports_flagged += claim_id is not None
    flagged = sum(1 for claim_id in predicted.values() if claim_id)
    return {
        "misinfo_precision": round(right / flagged, 4) if flagged else 1.0,
        "misinfo_recall": round(right / spread, 4) if spread else 1.0,
        "refutations_flagged": round(reports_flagged / reports, 4) if reports else 0.0,
    }
