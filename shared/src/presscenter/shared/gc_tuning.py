"""The garbage collector's settings for the platform's long-running processes.

A server process builds most of what it will ever hold when it starts (modules, the app and its
routes, pydantic schemas, settings, connection pools; in monitoring, a restored analysis engine)
and frees almost everything else by reference counting. CPython's cyclic collector with its
default thresholds (700, 10, 10) would still traverse that start-up heap again and again, and
collect the young generation every few hundred allocations while requests are in flight.

Measured on the gateway read (`bench/gateway_read.py`, 50 clients; docs/performance.md): with the
defaults the gateway spent about 43 µs of CPU per request in the collector (each full collection
a pause of 60-90 ms) and the releases service about 13 µs; with `tune_gc` below, under 1 µs each.

`tune_gc` collects once, moves every object alive then out of the collector's reach
(`gc.freeze`), and collects less often. A frozen object is never collected as cyclic garbage
(reference counting still frees it), so call it when what exists should live as long as the
process: at start-up, or after a state is restored. It changes no result; garbage in reference
cycles waits longer for its collection (the young generation is collected every 10,000 net
allocations of containers, the oldest after 50 x 100 of those).
"""

from __future__ import annotations

import gc

GC_THRESHOLDS = (10_000, 50, 100)

_tuned_once = False


def tune_gc() -> None:
    """Freeze the objects alive now (e.g. a freshly restored engine) and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def tune_gc_once() -> bool:
    """`tune_gc` the first time a process calls it (a server's start-up); True if it ran.

    Tests start many apps and service containers in one process: only the first collects and freezes."""
    global _tuned_once
    if _tuned_once:
        return False
    _tuned_once = True
    tune_gc()
    return True
