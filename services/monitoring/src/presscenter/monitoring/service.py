"""The monitoring nameko service: entrypoints and dependencies only; the work is in `app`.

Run with `nameko run --config config.yaml presscenter.monitoring.service`. nameko runs every class
of this module that has entrypoints, so the mixin is reached through its module and models
live in modules of their own.

The analysis state is in memory (see `state`) and rebuilt from the datastore when needed. Any
number of replicas may run: one holds the analysis lease and analyses every item and release,
the others serve RPC and stand by to take over (see `active`).
"""

from __future__ import annotations

import logging
from typing import Any

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from nameko.timer import timer

from presscenter.monitoring.active import ActiveLease, handle_analysed, new_owner
from presscenter.monitoring.app import MonitoringApp
from presscenter.monitoring.settings import MonitoringSettings
from presscenter.monitoring.state import EngineHolder
from presscenter.monitoring.store import MonitoringStore
from presscenter.shared.directory.store import UnitDirectory
from presscenter.shared.events.envelope import EventEnvelope, utcnow
from presscenter.shared.plumbing import health
from presscenter.shared.plumbing.consuming import handle_event
from presscenter.shared.plumbing.leases import LeaseStore
from presscenter.shared.plumbing.mongo import Mongo, open_client
from presscenter.shared.plumbing.outbox import OutboxRelay
from presscenter.shared.plumbing.rpc_contract import contract
from presscenter.shared.plumbing.tracing import Tracing
from presscenter.shared.rpc import monitoring as m

FEED_LEASE = "monitoring-feeds"
FEED_CHECK_INTERVAL = 1.0  # seconds between checks; each feed is polled every FEED_INTERVAL
_log = logging.getLogger(__name__)
LEASE_CHECK_INTERVAL = 1.0  # seconds between renewals of the analysis lease


class Analysis(DependencyProvider):
    """One analysis engine per container (with its lock, settings and its view of the analysis
    lease), shared by its workers."""

    def __init__(self, settings_cls: type[MonitoringSettings]):
        self.settings_cls = settings_cls

    def setup(self) -> None:
        self.settings = self.settings_cls.load()
        self.holder = EngineHolder(self.settings.engine())
        self.indexed = False
        self.lease = ActiveLease(new_owner(), self.settings.analysis_lease_seconds)
        self.claims_seen_us = 0

    def stop(self) -> None:
        """Hand the analysis over at once: the standby takes the lease at its next renewal.

        Through a client of its own: nameko stops a container's dependencies together, and the
        service's `Mongo` disconnects the shared connection at the same moment, so a release through
        it failed now and then and the standby waited the whole lease out."""
        if not self.lease.active:
            return
        try:
            client = open_client(self.settings)
            try:
                self.lease.release(LeaseStore(client[self.settings.database]))
            finally:
                client.close()
        except Exception as exc:  # it expires on its own
            _log.warning("analysis lease not released: %s", exc)

    def get_dependency(self, worker_ctx: Any) -> Analysis:
        return self

    def store(self) -> MonitoringStore:
        store = MonitoringStore()
        if not self.indexed:
            store.ensure_indexes()
            self.indexed = True
        return store


class MonitoringService(health.HealthEndpoints):
    """Monitoring's RPC, the item and release consumers, and the feed poller."""

    name = "monitoring"
    db = Mongo(MonitoringSettings)
    tracer = Tracing(MonitoringSettings)
    outbox = OutboxRelay(MonitoringSettings, collections=["items"])
    analysis = Analysis(MonitoringSettings)

    @property
    def app(self) -> MonitoringApp:
        a = self.analysis
        leases = LeaseStore(self.db)
        return MonitoringApp(
            a.store(), a.holder, UnitDirectory(self.db), a.settings, utcnow,
            fence=lambda: a.lease.holds(leases), analyser=a.lease.owner,
        )  # fmt: skip

    # --- the claim registry -----------------------------------------------------------------------

    @rpc
    @contract(m.AddClaim)
    def add_claim(self, request: m.AddClaim) -> m.Claim:
        return self.app.add_claim(request)

    @rpc
    @contract(m.UpdateClaim)
    def update_claim(self, request: m.UpdateClaim) -> m.Claim:
        return self.app.update_claim(request)

    @rpc
    @contract(m.GetClaim)
    def get_claim(self, request: m.GetClaim) -> m.Claim:
        return self.app.get_claim(request)

    @rpc
    @contract(m.ListClaims)
    def list_claims(self, request: m.ListClaims) -> m.ClaimPage:
        return self.app.list_claims(request)

    # --- what was found ---------------------------------------------------------------------------

    @rpc
    @contract(m.ListTrends)
    def list_trends(self, request: m.ListTrends) -> m.TrendPage:
        return self.app.list_trends(request)

    @rpc
    @contract(m.ListAlerts)
    def list_alerts(self, request: m.ListAlerts) -> m.AlertPage:
        return self.app.list_alerts(request)

    @rpc
    @contract(m.GetStory)
    def get_story(self, request: m.GetStory) -> m.Story:
        return self.app.get_story(request)

    @rpc
    @contract(m.GetSpread)
    def spread(self, request: m.GetSpread) -> m.Spread:
        return self.app.spread(request)

    # --- coming in --------------------------------------------------------------------------------

    @handle_analysed("departments", "item_observed")
    def on_item_observed(self, event: EventEnvelope[Any]) -> None:
        self.app.on_item_observed(event)

    @handle_analysed("releases", "release_published")
    def on_release_published(self, event: EventEnvelope[Any]) -> None:
        self.app.on_release_published(event)

    @handle_analysed("releases", "release_corrected")
    def on_release_corrected(self, event: EventEnvelope[Any]) -> None:
        self.app.on_release_corrected(event)

    @handle_analysed("releases", "release_withdrawn")
    def on_release_withdrawn(self, event: EventEnvelope[Any]) -> None:
        self.app.on_release_withdrawn(event)

    @handle_event("departments", "directory_updated")
    def on_directory_updated(self, event: EventEnvelope[Any]) -> None:
        UnitDirectory(self.db).apply(event.payload)

    @timer(interval=LEASE_CHECK_INTERVAL, eager=True)
    def keep_analysis_lease(self) -> None:
        """Renew or take the analysis lease; a change of hands drops the engine (rebuilt from the
        datastore when next used); the active replica picks up claims changed on other replicas."""
        a = self.analysis
        active, changed = a.lease.renew(LeaseStore(self.db))
        if changed:
            a.holder.invalidate()
            a.claims_seen_us = 0
        if active:
            a.claims_seen_us = self.app.reconcile_claims(a.claims_seen_us)

    @timer(interval=FEED_CHECK_INTERVAL)
    def poll_feeds(self) -> None:
        """Poll the feeds that are due, on the active analyser only (one replica at a time)."""
        settings = self.analysis.settings
        if not settings.feed_urls or not self.analysis.lease.active:
            return
        ttl_s = max(30.0, 3 * settings.feed_timeout)
        if LeaseStore(self.db).acquire(FEED_LEASE, self.analysis.lease.owner, ttl_s=ttl_s):
            self.app.poll_due_feeds()
