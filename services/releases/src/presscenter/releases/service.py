"""The releases nameko service: entrypoints and dependencies only; the work is in `app` and `syndication`.

Run with `nameko run --config config.yaml presscenter.releases.service`. nameko runs every class
of this module that has entrypoints, so mixins are reached through their module and models
live in modules of their own.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime
from typing import Any

from nameko.timer import timer

from presscenter.releases.app import ReleasesApp, TimerCache
from presscenter.releases.portal.deliveries import DeliveryLog
from presscenter.releases.recipients import RecipientLog
from presscenter.releases.repository import ReleaseRepository
from presscenter.releases.settings import ReleasesSettings
from presscenter.releases.syndication import Syndication
from presscenter.shared.directory.store import UnitDirectory
from presscenter.shared.events.envelope import EventEnvelope, utcnow
from presscenter.shared.plumbing import health
from presscenter.shared.plumbing.batch_consuming import handle_event_batch
from presscenter.shared.plumbing.consuming import handle_event
from presscenter.shared.plumbing.leases import KeptLease, LeaseStore
from presscenter.shared.plumbing.mongo import Mongo
from presscenter.shared.plumbing.outbox import OutboxRelay
from presscenter.shared.plumbing.rpc_contract import contract
from presscenter.shared.plumbing.rpc_replies import JsonReply, rpc  # replies without a publisher confirm
from presscenter.shared.plumbing.tracing import Tracing
from presscenter.shared.rpc import releases as r

# nameko fixes timer intervals when the class is defined: read from the environment then.
_STARTUP = ReleasesSettings()
CLOCK_LEASE = "releases-clock"
PORTAL_LEASE = "releases-portal"
_OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
_TIMERS = TimerCache()  # per process: what this replica's clock knows of pending schedules
_CLOCK_LEASE = KeptLease(CLOCK_LEASE, _OWNER, ttl_s=max(5.0, 10 * _STARTUP.clock_interval))
_PORTAL_LEASE = KeptLease(PORTAL_LEASE, _OWNER, ttl_s=max(30.0, 3 * _STARTUP.portal_timeout))
INTAKE_BATCH = 100  # department submissions per intake worker


class ReleasesService(health.HealthEndpoints):
    """Releases' RPC, the department intake, and the clock that publishes and lifts embargoes on time."""

    name = "releases"
    db = Mongo(ReleasesSettings)
    tracer = Tracing(ReleasesSettings)
    outbox = OutboxRelay(ReleasesSettings, collections=["releases"])

    def _clock(self) -> datetime:
        return utcnow()

    @property
    def app(self) -> ReleasesApp:
        return ReleasesApp(ReleaseRepository(), UnitDirectory(self.db), self._clock, _TIMERS)

    @property
    def syndication(self) -> Syndication:
        settings = ReleasesSettings.load()
        return Syndication(
            ReleaseRepository(),
            UnitDirectory(self.db),
            DeliveryLog(self.db),
            settings,
            self._clock,
            RecipientLog(self.db),
        )

    # --- workflow --------------------------------------------------------------------------

    @rpc
    @contract(r.CreateDraft)
    def create_draft(self, request: r.CreateDraft) -> r.Release:
        return self.app.create_draft(request)

    @rpc
    @contract(r.EditDraft)
    def edit(self, request: r.EditDraft) -> r.Release:
        return self.app.edit(request)

    @rpc
    @contract(r.ReleaseAction)
    def submit(self, request: r.ReleaseAction) -> r.Release:
        return self.app.act("submit", request)

    @rpc
    @contract(r.ReleaseAction)
    def approve(self, request: r.ReleaseAction) -> r.Release:
        return self.app.act("approve", request)

    @rpc
    @contract(r.Reject)
    def reject(self, request: r.Reject) -> r.Release:
        return self.app.reject(request)

    @rpc
    @contract(r.Schedule)
    def schedule(self, request: r.Schedule) -> r.Release:
        return self.app.schedule(request)

    @rpc
    @contract(r.ReleaseAction)
    def unschedule(self, request: r.ReleaseAction) -> r.Release:
        return self.app.act("unschedule", request)

    @rpc
    @contract(r.ReleaseAction)
    def publish_now(self, request: r.ReleaseAction) -> r.Release:
        """Named `publish_now`: nameko's RPC client has a `publish` attribute of its own."""
        return self.app.act("publish", request)

    @rpc
    @contract(r.ForcePublish)
    def force_publish(self, request: r.ForcePublish) -> r.Release:
        return self.app.force_publish(request)

    @rpc
    @contract(r.SetEmbargo)
    def set_embargo(self, request: r.SetEmbargo) -> r.Release:
        return self.app.set_embargo(request)

    @rpc
    @contract(r.Correct)
    def correct(self, request: r.Correct) -> r.Release:
        return self.app.correct(request)

    @rpc
    @contract(r.Withdraw)
    def withdraw(self, request: r.Withdraw) -> r.Release:
        return self.app.withdraw(request)

    # --- reading ---------------------------------------------------------------------------

    @rpc
    @contract(r.GetRelease)
    def get(self, request: r.GetRelease) -> JsonReply:
        """The release (`r.Release`) as JSON, serialised once in pydantic's core: the hot read.

        `ReleasesApp.get` without building the whole app (its unit directory is not read here)."""
        release = ReleaseRepository().read(request.release_id, request.viewer, self._clock())
        return JsonReply(release.model_dump_json())

    @rpc
    @contract(r.SearchReleases)
    def search(self, request: r.SearchReleases) -> r.ReleasePage:
        return self.app.search(request)

    @rpc
    @contract(r.GetNinjs)
    def ninjs(self, request: r.GetNinjs) -> dict[str, Any]:
        return self.syndication.ninjs(request)

    @rpc
    @contract(r.GetFeed)
    def feed(self, request: r.GetFeed) -> r.Feed:
        return self.syndication.feed(request)

    @rpc
    @contract(r.GetDeliveries)
    def portal_deliveries(self, request: r.GetDeliveries) -> r.PortalDeliveries:
        return self.syndication.deliveries_of(request)

    @rpc
    @contract(r.GetRecipients)
    def recipients(self, request: r.GetRecipients) -> r.ReleaseRecipients:
        return self.syndication.recipients_of(request)

    # --- coming in ---------------------------------------------------------------------------

    @rpc
    @contract(r.PortalInbound)
    def portal_inbound(self, request: r.PortalInbound) -> r.Release:
        event = self.syndication.inbound_event(request)
        self.app.intake(event)
        return self.app.repo.get(self.app.intake_id(event))

    @handle_event_batch("departments", "department_release_submitted", batch_size=INTAKE_BATCH, claims=False)
    def on_department_release(self, events: list[EventEnvelope[Any]]) -> dict[str, Exception]:
        """Departments' submissions, many per worker: one insert for the batch.

        No processed-event claims (`claims=False`): the effect is idempotent by itself, as each
        submission maps to one release id (`intake_release_id`) and a second insert under it is
        refused; claiming and completing would cost two more datastore writes per batch and
        about 16 % of the datastore's CPU per event (docs/performance.md).
        """
        return self.app.intake_many(events)

    @handle_event("monitoring", "misinformation_alert")
    def on_misinformation_alert(self, event: EventEnvelope[Any]) -> None:
        self.app.draft_refutation(event)

    @handle_event("departments", "directory_updated")
    def on_directory_updated(self, event: EventEnvelope[Any]) -> None:
        UnitDirectory(self.db).apply(event.payload)

    # --- going out ----------------------------------------------------------------------------

    @handle_event("releases", "release_published")
    def portal_on_published(self, event: EventEnvelope[Any]) -> None:
        self.syndication.queue_portal_delivery(event)

    @handle_event("releases", "release_corrected")
    def portal_on_corrected(self, event: EventEnvelope[Any]) -> None:
        self.syndication.queue_portal_delivery(event)

    @handle_event("releases", "release_withdrawn")
    def portal_on_withdrawn(self, event: EventEnvelope[Any]) -> None:
        self.syndication.queue_portal_delivery(event)

    # --- the clock ----------------------------------------------------------------------------

    @timer(interval=_STARTUP.clock_interval)
    def tick(self) -> None:
        """Publish what is due and lift ended embargoes; one replica at a time holds the lease."""
        if _CLOCK_LEASE.held(LeaseStore(self.db)):
            self.app.run_clock(_TIMERS)

    @timer(interval=_STARTUP.portal_interval)
    def push_to_portal(self) -> None:
        if _PORTAL_LEASE.held(LeaseStore(self.db)):
            self.syndication.deliver_due()
