"""Process settings for running the analysis engine at speed.

The engine holds a large, long-lived state (stories, claim and LSH indexes, text caches) and
frees almost everything else by reference counting. CPython's cyclic collector would traverse
that state again and again, every few hundred allocations for the young generations and at each
growth of a quarter for the oldest: `tune_gc` moves what exists (a restored engine) out of its
reach and collects less often. It changes no result.
"""

from __future__ import annotations

import gc

GC_THRESHOLDS = (10_000, 50, 100)


def tune_gc() -> None:
    """Freeze the objects alive now (e.g. a freshly restored engine) and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
