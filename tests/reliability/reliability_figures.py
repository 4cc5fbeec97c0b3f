"""The figures the reliability suite records, and the one table they print as (see conftest)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = ROOT / ".run" / "reliability.json"


def full_scale() -> bool:
    """`make reliability` runs full size (RELIABILITY_SCALE=full); `make test` a reduced one."""
    return os.environ.get("RELIABILITY_SCALE", "reduced") == "full"


@dataclass
class Figures:
    """Thread-safe accumulator of the suite's figures."""

    loads: dict[str, int] = field(default_factory=dict)
    faults: dict[str, bool] = field(default_factory=dict)
    inputs_tried: int = 0
    inputs_refused: int = 0
    messages_lost: int = 0
    duplicate_effects: int = 0
    notes: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def load(self, name: str, count: int) -> None:
        with self._lock:
            self.loads[name] = self.loads.get(name, 0) + int(count)

    def fault(self, name: str, survived: bool) -> None:
        with self._lock:  # a fault injected twice counts as survived only if it was survived both times
            self.faults[name] = self.faults.get(name, True) and bool(survived)

    def bad_inputs(self, tried: int, refused: int) -> None:
        with self._lock:
            self.inputs_tried += int(tried)
            self.inputs_refused += int(refused)

    def lost(self, count: int) -> None:
        with self._lock:
            self.messages_lost += int(count)

    def duplicates(self, count: int) -> None:
        with self._lock:
            self.duplicate_effects += int(count)

    def note(self, line: str) -> None:
        """A line printed under the table (e.g. the memory a burst cost): detail, not a figure."""
        with self._lock:
            self.notes.append(line)

    @property
    def recorded(self) -> bool:
        return bool(self.loads or self.faults or self.inputs_tried or self.messages_lost or self.duplicate_effects)

    def as_dict(self) -> dict[str, Any]:
        survived = sum(self.faults.values())
        return {
            "scale": "full" if full_scale() else "reduced",
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_held": {"total": sum(self.loads.values()), "by_test": dict(sorted(self.loads.items()))},
            "faults": {
                "survived": survived,
                "injected": len(self.faults),
                "by_fault": dict(sorted(self.faults.items())),
            },
            "bad_inputs": {"tried": self.inputs_tried, "refused": self.inputs_refused},
            "messages_lost": self.messages_lost,
            "duplicate_effects": self.duplicate_effects,
            "notes": list(self.notes),
            "healthy": self.healthy,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Figures:
        return cls(
            loads=dict(data["load_held"]["by_test"]),
            faults={name: bool(ok) for name, ok in data["faults"]["by_fault"].items()},
            inputs_tried=int(data["bad_inputs"]["tried"]),
            inputs_refused=int(data["bad_inputs"]["refused"]),
            messages_lost=int(data["messages_lost"]),
            duplicate_effects=int(data["duplicate_effects"]),
            notes=list(data.get("notes", [])),
        )

    def table(self) -> str:
        data = self.as_dict()
        faults, inputs = data["faults"], data["bad_inputs"]
        rows = [
            ("load held", f"{data['load_held']['total']:,}", "messages/requests handled under load and faults"),
            ("faults survived", f"{faults['survived']}/{faults['injected']}", "must be all"),
            ("bad inputs tried", f"{inputs['tried']:,}", f"{inputs['refused']:,} refused (must be all)"),
            ("messages lost", f"{self.messages_lost:,}", "must be 0"),
            ("duplicate effects", f"{self.duplicate_effects:,}", "must be 0"),
        ]
        width = max(len(r[0]) for r in rows), max(len(r[1]) for r in rows)
        lines = [f"Reliability figure ({data['scale']} scale)", "-" * 72]
        lines += [f"{name:<{width[0]}}  {value:>{width[1]}}  {note}" for name, value, note in rows]
        lines.append("verdict: everything held" if self.healthy else "verdict: NOT HELD (see the rows above)")
        lines.append("-" * 72)
        lines += [f"  load    {name}: {count:,}" for name, count in data["load_held"]["by_test"].items()]
        for name, ok in faults["by_fault"].items():
            lines.append(f"  fault   {name}: {'survived' if ok else 'NOT SURVIVED'}")
        lines += [f"  note    {line}" for line in self.notes]
        return "\n".join(lines)

    @property
    def healthy(self) -> bool:
        return (
            self.messages_lost == 0
            and self.duplicate_effects == 0
            and all(self.faults.values())
            and self.inputs_refused == self.inputs_tried
        )
