"""Replay a stream directory (items, claims, releases) through `MonitoringEngine` in event-time order.

Reads `items.jsonl`, `claims.jsonl` and `releases.jsonl` only — never the labels — and writes
`predictions.jsonl` (`{"id", "claim_id", "story"}` per item) and `trend_alerts.jsonl`
(`{"at", "terms", "item_ids"}` per alert), beside them `misinformation_alerts.jsonl` (every alert
raised, of either kind) and `contradictions.jsonl` (items found contradicting a release, with the
release's statement and the item's). A malformed item gets a prediction of its own
(no claim, a story of its own) and is counted, as the service parks it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from presscenter.monitoring.analysis.claims import Claim
from presscenter.monitoring.analysis.engine import Item, MonitoringEngine, OfficialRelease, story_id_for

_log = logging.getLogger(__name__)


@dataclass
class ReplayResult:
    predictions: list[dict[str, Any]] = field(default_factory=list)
    trend_alerts: list[dict[str, Any]] = field(default_factory=list)
    misinformation_alerts: list[dict[str, Any]] = field(default_factory=list)
    contradictions: list[dict[str, Any]] = field(default_factory=list)
    malformed: int = 0


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    _log.warning("%s:%d is not JSON; skipped", path, number)


def claim_of(row: dict[str, Any]) -> Claim:
    return Claim(
        claim_id=str(row["claim_id"]),
        text=str(row["text"]),
        unit_code=str(row.get("unit") or ""),
        rating=str(row.get("rating") or "false"),
        topic=row.get("topic"),
        refuted_by=row.get("refuted_by_release"),
    )


def release_of(row: dict[str, Any]) -> OfficialRelease:
    refutes = row.get("refutes")
    ids = tuple(refutes) if isinstance(refutes, list) else ((refutes,) if refutes else ())
    return OfficialRelease(
        release_id=str(row["release_id"]),
        unit_code=str(row.get("unit") or ""),
        title=str(row.get("title") or ""),
        body=str(row.get("body") or ""),
        published_at=datetime.fromisoformat(row["published_at"]),
        refutes=ids,
    )


def item_of(row: dict[str, Any]) -> Item:
    """The item of a stream row; ValueError/KeyError/TypeError when it is malformed."""
    published = datetime.fromisoformat(str(row["published_at"]))
    if published.tzinfo is None:
        raise ValueError("published_at has no UTC offset")
    text, title = str(row.get("text") or ""), str(row.get("title") or "")
    if not (text.strip() or title.strip()):
        raise ValueError("no text")
    engagement = row.get("engagement") or {}
    return Item(
        item_id=str(row["id"]),
        source=str(row.get("source") or "unknown"),
        published_at=published,
        text=text,
        title=title,
        url=str(row.get("url") or ""),
        source_type=str(row.get("source_type") or "news"),
        language=str(row.get("lang") or "vi"),
        shares=int(engagement.get("shares") or 0),
        comments=int(engagement.get("comments") or 0),
        reactions=int(engagement.get("reactions") or 0),
        shared_from=row.get("shared_from"),
    )


def replay(stream: Path, engine: MonitoringEngine | None = None) -> ReplayResult:
    engine = engine or MonitoringEngine()
    for row in read_jsonl(stream / "claims.jsonl"):
        engine.register_claim(claim_of(row))
    releases = sorted((release_of(r) for r in read_jsonl(stream / "releases.jsonl")), key=lambda r: r.published_at)
    parsed: list[tuple[float, int, Item | None, dict[str, Any]]] = []
    for n, row in enumerate(read_jsonl(stream / "items.jsonl")):
        try:
            valid = item_of(row)
        except (KeyError, ValueError, TypeError):
            parsed.append((float("inf"), n, None, row))  # malformed: reported last, analysed never
            continue
        parsed.append((valid.published_at.timestamp(), n, valid, row))
    parsed.sort(key=lambda p: (p[0], p[1]))
    result = ReplayResult()
    next_release = 0
    for _at, n, item, row in parsed:
        if item is None:
            result.malformed += 1
            rid = str(row.get("id", f"malformed-{n}"))
            result.predictions.append({"id": rid, "claim_id": None, "story": story_id_for(rid)})
            continue
        while next_release < len(releases) and releases[next_release].published_at <= item.published_at:
            engine.apply_release(releases[next_release])
            next_release += 1
        observation = engine.observe(item)
        result.predictions.append({"id": item.item_id, "claim_id": observation.spreads, "story": observation.story_id})
        for trend in observation.trends:
            result.trend_alerts.append(
                {"at": trend.at.isoformat(), "terms": list(trend.terms), "item_ids": list(trend.item_ids)}
            )
        if observation.contradiction is not None:
            hit = observation.contradiction
            result.contradictions.append(
                {"id": item.item_id, "release_id": hit.release_id, "score": hit.score, "reason": hit.reason,
                 "release_says": hit.fact, "item_says": hit.said}
            )  # fmt: skip
        if observation.alert is not None:
            alert = observation.alert
            result.misinformation_alerts.append(
                {
                    "alert_id": alert.alert_id,
                    "kind": alert.kind,
                    "claim_id": alert.claim_id,
                    "release_id": alert.release_id,
                    "item_id": alert.item_id,
                    "at": alert.at.isoformat(),
                    "score": alert.score,
                }
            )
    return result


def write(result: ReplayResult, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    files = (
        ("predictions.jsonl", result.predictions),
        ("trend_alerts.jsonl", result.trend_alerts),
        ("misinformation_alerts.jsonl", result.misinformation_alerts),
        ("contradictions.jsonl", result.contradictions),
    )
    for name, rows in files:
        with (out / name).open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
