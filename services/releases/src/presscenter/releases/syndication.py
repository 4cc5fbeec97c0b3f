"""Releases going out (ninjs, feeds, pushes to the national portal) and coming in from the portal.

No nameko: the service passes the repository, directory, delivery log and clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from presscenter.releases.domain.visibility import FULL_ACCESS_ROLES
from presscenter.releases.exports import atom_feed, json_feed, to_ninjs
from presscenter.releases.portal.client import PortalClient
from presscenter.releases.portal.deliveries import DeliveryKey, DeliveryLog, DeliveryRecord, deliver
from presscenter.releases.portal.inbound import PORTAL_SOURCE, to_department_submission
from presscenter.releases.recipients import RecipientLog, may_see_recipients
from presscenter.releases.repository import ReleaseRepository
from presscenter.releases.settings import ReleasesSettings
from presscenter.shared.directory.store import UnitDirectory
from presscenter.shared.events.envelope import EventEnvelope, make_event
from presscenter.shared.rpc import releases as rpc
from presscenter.shared.rpc.errors import NotFound

# release event type -> the portal action it triggers
PORTAL_ACTIONS = {"release_published": "published", "release_corrected": "corrected", "release_withdrawn": "withdrawn"}


def delivery_view(record: DeliveryRecord) -> rpc.PortalDelivery:
    return rpc.PortalDelivery(
        id=record.id,
        release_id=record.release_id,
        version=record.version,
        action=record.action,
        state=record.state,
        attempts=[rpc.DeliveryAttemptView(at=a.at, status=a.status, error=a.error) for a in record.attempts],
        delivered_at=record.delivered_at,
    )


class Syndication:
    def __init__(
        self,
        repo: ReleaseRepository,
        directory: UnitDirectory,
        deliveries: DeliveryLog,
        settings: ReleasesSettings,
        clock: Callable[[], datetime],
        recipients: RecipientLog | None = None,
    ):
        self.repo, self.directory, self.deliveries = repo, directory, deliveries
        self.settings, self.clock = settings, clock
        self.recipients = recipients

    def unit_names(self) -> dict[str, str]:
        return {unit.code: unit.name.vi for unit in self.directory.tree().to_list()}

    def ninjs(self, r: rpc.GetNinjs) -> dict[str, Any]:
        now = self.clock()
        release = self.repo.read(r.release_id, r.viewer, now)
        document = to_ninjs(release, r.version, base_uri=self.settings.public_base_url, unit_names=self.unit_names())
        if r.record_download and self.recipients is not None:
            self.recipients.record(release.id, r.version or release.version, r.viewer, now)
        return document

    def recipients_of(self, r: rpc.GetRecipients) -> rpc.ReleaseRecipients:
        """Who downloaded which version; NotFound for a caller who may not know (as for deliveries)."""
        release = self.repo.read(r.release_id, r.viewer, self.clock())
        if self.recipients is None or not may_see_recipients(r.viewer, release):
            raise NotFound(f"no recipients visible for {r.release_id}", "release_id")
        items = self.recipients.of_release(release.id)
        return rpc.ReleaseRecipients(release_id=release.id, version=release.version, items=items)

    def feed(self, r: rpc.GetFeed) -> rpc.Feed:
        now = self.clock()
        base = self.settings.public_base_url.rstrip("/")
        common: dict[str, Any] = {
            "base_uri": base,
            "title": self.settings.feed_title,
            "now": now,
            "limit": r.limit,
            "unit_names": self.unit_names(),
        }
        releases = self.repo.public_latest(now, r.limit)
        if r.format == "atom":
            body = atom_feed(releases, self_url=f"{base}/v1/feeds/releases.atom", **common)
            return rpc.Feed(content_type="application/atom+xml; charset=utf-8", body=body.decode("utf-8"))
        document = json_feed(releases, self_url=f"{base}/v1/feeds/releases.json", **common)
        body_text = json.dumps(document, ensure_ascii=False)
        return rpc.Feed(content_type="application/feed+json; charset=utf-8", body=body_text)

    # --- the national portal ----------------------------------------------------------------

    @property
    def portal_enabled(self) -> bool:
        return bool(self.settings.portal_endpoint and self.settings.portal_secrets)

    def queue_portal_delivery(self, event: EventEnvelope[Any]) -> DeliveryRecord | None:
        """Start the delivery that a published/corrected/withdrawn event calls for (idempotent by key)."""
        if not self.portal_enabled:
            return None
        release = self.repo.get(event.payload.release.release_id)
        key = DeliveryKey(release.id, event.payload.release.version, PORTAL_ACTIONS[event.type])
        body = to_ninjs(release, key.version, base_uri=self.settings.public_base_url, unit_names=self.unit_names())
        return self.deliveries.begin(key, body, self.clock())

    def deliver_due(self, limit: int = 20) -> int:
        """One attempt for each delivery that is due; returns how many were sent."""
        if not self.portal_enabled:
            return 0
        assert self.settings.portal_endpoint
        client = PortalClient(self.settings.portal_endpoint, self.settings.portal_secrets, self.settings.portal_timeout)
        sent = 0
        for record in self.deliveries.due(self.clock(), limit):
            outcome = deliver(self.deliveries, client, record.key, None, self.clock())
            sent += int(outcome.sent)
        return sent

    def deliveries_of(self, r: rpc.GetDeliveries) -> rpc.PortalDeliveries:
        release = self.repo.read(r.release_id, r.viewer, self.clock())
        is_owner = r.viewer.role == "unit_officer" and r.viewer.unit_code == release.unit_code
        if r.viewer.role not in FULL_ACCESS_ROLES and not is_owner:
            raise NotFound(f"no portal deliveries visible for {r.release_id}", "release_id")
        return rpc.PortalDeliveries(items=[delivery_view(d) for d in self.deliveries.for_release(release.id)])

    def inbound_event(self, r: rpc.PortalInbound) -> EventEnvelope[Any]:
        """The portal's payload as the department submission it stands for (validated; InvalidInput if not)."""
        return make_event(to_department_submission(r.payload), source=PORTAL_SOURCE, occurred_at=r.received_at)
