"""The releases application: workflow + storage + directory, without nameko.

Each method loads the release, runs the domain transition with the caller's expected revision
and stores the result together with its events in one atomic write. Time comes from `clock`.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from presscenter.releases.domain import workflow as wf
from presscenter.releases.repository import ReleaseRepository, Timer
from presscenter.shared.directory.store import UnitDirectory
from presscenter.shared.directory.tree import UnitTree
from presscenter.shared.events.common import Actor
from presscenter.shared.events.departments import DepartmentReleaseSubmitted
from presscenter.shared.events.envelope import EventEnvelope, make_event
from presscenter.shared.events.monitoring import MisinformationAlert
from presscenter.shared.rpc import releases as rpc
from presscenter.shared.rpc.errors import Conflict, InvalidInput, InvalidTransition
from presscenter.shared.timestamps import epoch_micros

_log = logging.getLogger(__name__)
SOURCE = "releases"
Step = Callable[..., wf.Transition]
SCHEDULER = Actor(kind="service", id="releases-scheduler")
REFUTATIONS = Actor(kind="service", id="releases-refutations")


def new_release_id() -> str:
    return f"r-{uuid.uuid4().hex[:16]}"


def intake_release_id(source: str, external_id: str) -> str:
    """The same department submission always maps to the same release id: resubmission is a no-op."""
    digest = hashlib.sha256(f"{source}\x00{external_id}".encode()).hexdigest()[:16]
    return f"d-{digest}"


class ReleasesApp:
    def __init__(
        self,
        repo: ReleaseRepository,
        directory: UnitDirectory,
        clock: Callable[[], datetime],
        timers: TimerCache | None = None,
    ):
        self.repo = repo
        self.directory = directory
        self.clock = clock
        self.timers = timers  # told of every change, so the clock re-reads schedules at once

    # --- storing transitions ----------------------------------------------------------------

    def _envelopes(self, transition: wf.Transition, caused_by: EventEnvelope[Any] | None) -> tuple[Any, ...]:
        return tuple(make_event(p, source=SOURCE, caused_by=caused_by) for p in transition.events)

    def _create(self, transition: wf.Transition, caused_by: EventEnvelope[Any] | None = None) -> rpc.Release:
        self.repo.insert(transition.release, self._envelopes(transition, caused_by))
        if self.timers is not None:
            self.timers.invalidate()
        return transition.release

    def _step(self, release_id: str, actor: Actor, expected_revision: int, step: Step, *args: Any) -> rpc.Release:
        """Run the workflow `step` on the stored release and store its result, guarded by the revision."""
        transition = step(self.repo.get(release_id), actor, expected_revision, self.clock(), *args)
        self.repo.update(transition.release, expected_revision, self._envelopes(transition, None))
        if self.timers is not None:
            self.timers.invalidate()
        return transition.release

    def _run(self, r: rpc.ReleaseAction, step: Step, *args: Any) -> rpc.Release:
        return self._step(r.release_id, r.actor, r.expected_revision, step, *args)

    def _require_unit(self, unit_code: str, field: str = "unit_code") -> None:
        self.directory.tree().require(unit_code, field)

    # --- the RPC surface --------------------------------------------------------------------

    def create_draft(self, request: rpc.CreateDraft) -> rpc.Release:
        self._require_unit(request.unit_code)
        tree = self.directory.tree()
        for i, place in enumerate(request.content.places):
            tree.require(place, f"content.places.{i}")
        return self._create(
            wf.create_draft(request.actor, request.unit_code, request.content, self.clock(), new_release_id())
        )

    def edit(self, r: rpc.EditDraft) -> rpc.Release:
        return self._run(r, wf.edit, r.content)

    def act(self, name: str, r: rpc.ReleaseAction) -> rpc.Release:
        """submit, approve, unschedule, publish: actions that take nothing but the release."""
        return self._run(r, {"submit": wf.submit, "approve": wf.approve, "unschedule": wf.unschedule,
                             "publish": wf.publish}[name])  # fmt: skip

    def reject(self, r: rpc.Reject) -> rpc.Release:
        return self._run(r, wf.reject, r.reason)

    def schedule(self, r: rpc.Schedule) -> rpc.Release:
        return self._run(r, wf.schedule, r.at)

    def force_publish(self, r: rpc.ForcePublish) -> rpc.Release:
        return self._run(r, wf.force_publish, r.reason)

    def set_embargo(self, r: rpc.SetEmbargo) -> rpc.Release:
        return self._run(r, wf.set_embargo, r.until)

    def correct(self, r: rpc.Correct) -> rpc.Release:
        return self._run(r, wf.correct, r.content, r.note)

    def withdraw(self, r: rpc.Withdraw) -> rpc.Release:
        if r.superseded_by is not None and not self.repo.exists(r.superseded_by):
            raise InvalidInput(f"no release {r.superseded_by} to point readers to", "superseded_by")
        return self._run(r, wf.withdraw, r.reason, r.note, r.superseded_by)

    def get(self, r: rpc.GetRelease) -> rpc.Release:
        return self.repo.read(r.release_id, r.viewer, self.clock())

    def search(self, r: rpc.SearchReleases) -> rpc.ReleasePage:
        return self.repo.search(r, self.clock())

    # --- departments' systems -----------------------------------------------------------------

    def intake(self, event: EventEnvelope[DepartmentReleaseSubmitted]) -> rpc.Release | None:
        """A department's release: stored once per (source, external id), whatever the redeliveries."""
        try:
            transition = self._intake_transition(event, self.directory.tree())
        except InvalidInput:
            if self.repo.exists(self.intake_id(event)):  # a late re-delivery (its times may have passed): done
                return None
            raise
        # No existence check first: the id is unique, so a re-delivery's insert is refused (one round trip less).
        if not self.repo.insert(transition.release, self._envelopes(transition, event)):
            return None
        if self.timers is not None:
            self.timers.invalidate()
        return transition.release

    def draft_refutation(self, event: EventEnvelope[MisinformationAlert]) -> rpc.Release | None:
        """A misinformation alert: a draft refutation in the responsible unit's queue, once per alert.
        None when a refutation is already published (the alert names it) or the draft exists."""
        alert = event.payload
        if alert.refuted_by_release_id:
            return None
        self._require_unit(alert.responsible_unit_code, "payload.responsible_unit_code")
        transition = wf.draft_refutation(REFUTATIONS, alert, self.clock())
        if not self.repo.insert(transition.release, self._envelopes(transition, event)):
            return None  # a redelivery: the id comes from the alert
        return transition.release

    def intake_many(self, events: list[EventEnvelope[DepartmentReleaseSubmitted]]) -> dict[str, Exception]:
        """`intake` for a batch of submissions with one insert for all; returns the failures by event id.

        Each event is judged on its own: one that fails (unknown unit, bad times, a refused write)
        is reported and the others are stored. A re-delivery, or another event for the same
        submission, is a no-op, as in `intake`.
        """
        failures: dict[str, Exception] = {}
        invalid: dict[str, tuple[EventEnvelope[Any], InvalidInput]] = {}
        staged: list[tuple[str, rpc.Release, tuple[Any, ...]]] = []
        tree = self.directory.tree()  # once per batch: each look-up of the cached tree asks pymongo for its server
        for event in events:
            try:
                transition = self._intake_transition(event, tree)
            except InvalidInput as exc:
                invalid[self.intake_id(event)] = (event, exc)
            except Exception as exc:
                failures[str(event.event_id)] = exc
            else:
                staged.append((str(event.event_id), transition.release, self._envelopes(transition, event)))
        if invalid:  # late re-deliveries (their times may have passed since) are done already
            stored = self.repo.existing_ids(list(invalid))
            failures.update({str(event.event_id): exc for rid, (event, exc) in invalid.items() if rid not in stored})
        if staged:
            refused = self.repo.insert_many([(release, envelopes) for _, release, envelopes in staged])
            failures.update({event_id: refused[i] for i, (event_id, _, _) in enumerate(staged) if i in refused})
            if self.timers is not None:
                self.timers.invalidate()
        return failures

    def _intake_transition(self, event: EventEnvelope[DepartmentReleaseSubmitted], tree: UnitTree) -> wf.Transition:
        payload = event.payload
        tree.require(payload.unit_code, "payload.unit_code")
        intake = rpc.Intake(source=event.source, external_id=payload.external_id, event_id=str(event.event_id))
        actor = Actor(kind="system", id=event.source, role="system", unit_code=payload.unit_code)
        return wf.submit_from_department(payload, intake, actor, self.clock(), self.intake_id(event))

    @staticmethod
    def intake_id(event: EventEnvelope[DepartmentReleaseSubmitted]) -> str:
        return intake_release_id(event.source, event.payload.external_id)

    # --- the clock: scheduled publication and embargo lifts -----------------------------------

    def run_clock(self, timers: TimerCache) -> list[str]:
        """Publish what is due and lift ended embargoes; returns the ids acted on."""
        done = []
        for timer in timers.due(self.repo, self.clock()):
            try:
                acted = self._publish_due(timer.release_id) if timer.kind == "publish" else self._lift(timer.release_id)
            finally:
                timers.invalidate()
            if acted:
                done.append(timer.release_id)
        return done

    def _publish_due(self, release_id: str) -> bool:
        """Publish a scheduled release whose time has come.

        A release changed meanwhile (a conflict) is left for the next pass, which sees its new
        state; any other failure parks it in failed_to_publish with a release_publish_failed alert.
        """
        release = self.repo.get(release_id)
        try:
            self._step(release_id, SCHEDULER, release.revision, wf.publish_due)
        except Conflict:
            return False
        except Exception as exc:
            _log.exception("scheduled publication of %s failed", release_id)
            self._fail_publication(release, f"{type(exc).__name__}: {exc}")
        return True

    def _lift(self, release_id: str) -> bool:
        try:
            self._step(release_id, SCHEDULER, self.repo.get(release_id).revision, wf.lift_embargo)
        except InvalidTransition:
            return False
        return True

    def _fail_publication(self, release: rpc.Release, error: str) -> None:
        """Park the release in failed_to_publish; its transition carries the alert event."""
        failed = wf.mark_failed_to_publish(release, SCHEDULER, release.revision, self.clock(), error)
        self.repo.update(failed.release, release.revision, self._envelopes(failed, None))


class TimerCache:
    """The clock's view of pending timers, re-read at most every `rescan_s` seconds, or at once
    when a cached timer falls due or this process changed a schedule (`invalidate`).

    Changes made on another replica are seen at the next rescan: the default second keeps
    scheduled publication and embargo lifts within a second of their time.
    """

    def __init__(self, rescan_s: float = 1.0):
        self.rescan_s = rescan_s
        self._timers: list[Timer] = []
        self._scanned_at = float("-inf")

    def invalidate(self) -> None:
        self._scanned_at = float("-inf")

    def due(self, repo: ReleaseRepository, now: datetime) -> list[Timer]:
        now_us = epoch_micros(now) or 0
        stale = time.monotonic() - self._scanned_at >= self.rescan_s
        if stale or (self._timers and self._timers[0].due_us <= now_us):
            self._timers = repo.pending_timers()
            self._scanned_at = time.monotonic()
        return [timer for timer in self._timers if timer.due_us <= now_us]
