"""The garbage collector's settings for servers: `tune_gc_once` in a fresh interpreter (a service
container's start runs it: `test_health.py`)."""

from __future__ import annotations

import json
import subprocess
import sys

from presscenter.shared.gc_tuning import GC_THRESHOLDS

FRESH_PROCESS = """
import gc, json
from presscenter.shared.gc_tuning import tune_gc_once
before = {"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}
garbage = []
garbage.append(garbage)  # a reference cycle nothing else holds: collected, not frozen
del garbage
first = tune_gc_once()
after_first = {"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count(), "left": gc.collect()}
second = tune_gc_once()
print(json.dumps({"before": before, "first": first, "after_first": after_first, "second": second,
                  "frozen_after_second": gc.get_freeze_count()}))
"""


def test_tune_gc_once_collects_freezes_and_raises_the_thresholds_the_first_time_only() -> None:
    """In a fresh interpreter, which the test process's own settings cannot leak into."""
    out = subprocess.run([sys.executable, "-c", FRESH_PROCESS], capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout)
    assert seen["before"] == {"threshold": [700, 10, 10], "frozen": 0}
    assert seen["first"] is True
    assert seen["after_first"]["threshold"] == list(GC_THRESHOLDS)
    assert seen["after_first"]["frozen"] > 1_000  # the modules and everything they hold
    assert seen["after_first"]["left"] == 0  # nothing unreachable was frozen or is left over
    assert seen["second"] is False
    assert seen["frozen_after_second"] == seen["after_first"]["frozen"]  # a second call froze nothing more
