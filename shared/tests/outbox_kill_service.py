"""Service run by test_outbox_kill in its own `nameko run` process.

With `KILL_EVENT_ID` set it writes a state change and its event in one atomic update, then
kills its own process with SIGKILL before any relay pass could publish the event (the relay
interval is huge in that run). Without it, it only relays its outbox.
"""

from __future__ import annotations

import os
import signal
from uuid import UUID

from nameko import config
from nameko.timer import timer

from presscenter.shared.events.envelope import make_event, utcnow
from presscenter.shared.events.releases import EmbargoLifted
from presscenter.shared.plumbing.outbox import OutboxRelay
from presscenter.shared.settings import ServiceSettings

RELEASE_ID = "r-kill"


class KillSettings(ServiceSettings):
    service_name = "outbox_kill"


class OutboxKillService:
    name = "outbox_kill"
    outbox = OutboxRelay(KillSettings, collections=["releases"])

    @timer(interval=3600, eager=True)
    def write_then_die(self) -> None:
        event_id = config.get("KILL_EVENT_ID")
        if not event_id:
            return
        event = make_event(
            EmbargoLifted(release_id=RELEASE_ID, version=1, embargoed_until=utcnow()),
            source="releases",
            event_id=UUID(event_id),
        )
        update = self.outbox.with_events({"$set": {"status": "published"}}, event)
        self.outbox.db.releases.update_one({"_id": RELEASE_ID}, update, upsert=True)
        os.kill(os.getpid(), signal.SIGKILL)
