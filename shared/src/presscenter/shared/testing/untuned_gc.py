"""`untuned_gc`: a test's process as if no server start-up had set its garbage collector yet
(`presscenter.shared.gc_tuning`), so a test can watch a start-up do it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from presscenter.shared import gc_tuning

PYTHON_THRESHOLDS = (700, 10, 10)


@contextmanager
def untuned_gc() -> Iterator[None]:
    """Python's thresholds, nothing frozen, `tune_gc_once` not run yet; the process's own settings
    come back after."""
    threshold, tuned = gc.get_threshold(), gc_tuning._tuned_once
    gc_tuning._tuned_once = False
    gc.unfreeze()
    gc.set_threshold(*PYTHON_THRESHOLDS)
    try:
        yield
    finally:
        gc_tuning._tuned_once = tuned
        gc.unfreeze()
        gc.set_threshold(*threshold)
