"""How a claim spreads: rumour and refutation items side by side per time bucket (the Hoaxy view).

Pure: takes the claim's items (as stored) and returns the `Spread` contract model. A share
cascade follows `shared_from` links between the rumour's items: every item whose shared-from url
is another item of the claim hangs under it; a cascade is named by the url at its top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from presscenter.shared.rpc.monitoring import Cascade, Spread, SpreadPoint

VELOCITY_SPAN = timedelta(hours=6)
MAX_CASCADES = 10


@dataclass(frozen=True)
class SpreadItem:
    url: str
    source: str
    published_at: datetime
    stance: str  # "spread" or "refute"
    engagement: int = 0
    shared_from_url: str = ""


def _bucket_start(at: datetime, origin: datetime, size: timedelta) -> datetime:
    return origin + size * ((at - origin) // size)


def cascades(items: Sequence[SpreadItem]) -> list[Cascade]:
    by_url = {item.url: item for item in items}

    def chain(item: SpreadItem) -> tuple[str, int]:
        depth, seen, current = 0, {item.url}, item
        while current.shared_from_url and current.shared_from_url not in seen:
            parent = by_url.get(current.shared_from_url)
            depth += 1
            if parent is None:
                return current.shared_from_url, depth
            seen.add(parent.url)
            current = parent
        return current.url, depth

    groups: dict[str, list[tuple[SpreadItem, int]]] = {}
    for item in items:
        root, depth = chain(item)
        groups.setdefault(root, []).append((item, depth))
    out = [
        Cascade(
            root_url=root,
            items=len(members),
            depth=max(depth for _item, depth in members),
            sources=len({item.source for item, _depth in members}),
        )
        for root, members in groups.items()
        if len(members) > 1
    ]
    out.sort(key=lambda c: (-c.items, -c.depth, c.root_url))
    return out[:MAX_CASCADES]


def spread_series(
    claim_id: str,
    items: Sequence[SpreadItem],
    bucket: timedelta,
    refuted_by_release: str | None = None,
) -> Spread:
    rumour = sorted((i for i in items if i.stance == "spread"), key=lambda i: i.published_at)
    refutation = sorted((i for i in items if i.stance == "refute"), key=lambda i: i.published_at)
    everything = sorted(items, key=lambda i: i.published_at)
    points: list[SpreadPoint] = []
    if everything:
        origin = everything[0].published_at
        buckets: dict[datetime, dict[str, list[SpreadItem]]] = {}
        for item in everything:
            start = _bucket_start(item.published_at, origin, bucket)
            buckets.setdefault(start, {"spread": [], "refute": []}).setdefault(item.stance, []).append(item)
        start, last = origin, max(buckets)
        while start <= last:
            found = buckets.get(start, {"spread": [], "refute": []})
            r, f = found.get("spread", []), found.get("refute", [])
            points.append(
                SpreadPoint(
                    start=start,
                    rumour_items=len(r),
                    rumour_sources=len({i.source for i in r}),
                    rumour_engagement=sum(i.engagement for i in r),
                    refutation_items=len(f),
                    refutation_sources=len({i.source for i in f}),
                    refutation_engagement=sum(i.engagement for i in f),
                )
            )
            start += bucket
    velocity = 0.0
    if rumour:
        early = [i for i in rumour if i.published_at - rumour[0].published_at < VELOCITY_SPAN]
        velocity = round(len(early) / (VELOCITY_SPAN.total_seconds() / 3600), 3)
    return Spread(
        claim_id=claim_id,
        bucket_minutes=int(bucket.total_seconds() // 60),
        refuted_by_release=refuted_by_release,
        first_rumour_at=rumour[0].published_at if rumour else None,
        first_refutation_at=refutation[0].published_at if refutation else None,
        rumour_items=len(rumour),
        refutation_items=len(refutation),
        rumour_sources=len({i.source for i in rumour}),
        refutation_sources=len({i.source for i in refutation}),
        rumour_velocity_per_hour=velocity,
        points=points,
        cascades=cascades(rumour),
    )
