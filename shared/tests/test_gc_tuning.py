"""The garbage collector's settings for servers: `tune_gc_once` in a fresh interpreter, and at a
service container's start through `HealthEndpoints` (real broker, embedded datastore)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from presscenter.shared import gc_tuning
from presscenter.shared.gc_tuning import GC_THRESHOLDS
from presscenter.shared.plumbing.health import HealthEndpoints
from presscenter.shared.plumbing.mongo import Mongo
from presscenter.shared.settings import ServiceSettings

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


class TunedSettings(ServiceSettings):
    service_name = "tuned"


class TunedService(HealthEndpoints):
    name = "tuned"
    db = Mongo(TunedSettings)


@pytest.fixture
def untuned_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process as if nothing had tuned its collector yet; the settings it had come back after."""
    threshold = gc.get_threshold()
    monkeypatch.setattr(gc_tuning, "_tuned_once", False)
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_a_service_container_tunes_the_collector_when_it_starts(
    untuned_process: None, container_factory: Any, service_config: dict[str, Any]
) -> None:
    container = container_factory(TunedService, service_config)
    assert gc.get_freeze_count() == 0
    container.start()
    assert gc.get_threshold() == GC_THRESHOLDS
    assert gc.get_freeze_count() > 0
    assert gc_tuning._tuned_once
