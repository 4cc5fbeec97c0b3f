"""Every RPC method's contract: request and response models, by `service.method`."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from presscenter.shared.events.envelope import ContractModel
from presscenter.shared.rpc import feedback as fb
from presscenter.shared.rpc import media as med
from presscenter.shared.rpc import monitoring as mon
from presscenter.shared.rpc import releases as rel
from presscenter.shared.rpc.health import HealthReport

BACKEND_SERVICES = ("releases", "feedback", "monitoring", "media")


class NoArguments(ContractModel):
    """The method takes no arguments."""


@dataclass(frozen=True)
class RpcSpec:
    service: str
    method: str
    version: int
    request: type[BaseModel]
    response: type[BaseModel]
    summary: str

    @property
    def name(self) -> str:
        return f"{self.service}.{self.method}"


HEALTH_METHODS = tuple(
    RpcSpec(svc, "health", 1, NoArguments, HealthReport, "Readiness report: AMQP and datastore checks.")
    for svc in BACKEND_SERVICES
)

RELEASES_METHODS = (
    RpcSpec("releases", "create_draft", 1, rel.CreateDraft, rel.Release, "A unit officer or editor starts a draft."),
    RpcSpec("releases", "edit", 1, rel.EditDraft, rel.Release, "Change the content of a draft or rejected release."),
    RpcSpec("releases", "submit", 1, rel.ReleaseAction, rel.Release, "Send a draft for review."),
    RpcSpec("releases", "approve", 1, rel.ReleaseAction, rel.Release, "An editor approves a submitted release."),
    RpcSpec("releases", "reject", 1, rel.Reject, rel.Release, "An editor rejects a submitted release, with a reason."),
    RpcSpec("releases", "schedule", 1, rel.Schedule, rel.Release, "Publish an approved release at a set time."),
    RpcSpec("releases", "unschedule", 1, rel.ReleaseAction, rel.Release, "Take a scheduled release back to approved."),
    RpcSpec("releases", "publish_now", 1, rel.ReleaseAction, rel.Release, "Publish an approved or scheduled release."),
    RpcSpec("releases", "force_publish", 1, rel.ForcePublish, rel.Release, "Publish now whatever the status, logged."),
    RpcSpec("releases", "set_embargo", 1, rel.SetEmbargo, rel.Release, "Set or clear the embargo before publication."),
    RpcSpec("releases", "correct", 1, rel.Correct, rel.Release, "Publish a corrected version with a note."),
    RpcSpec("releases", "withdraw", 1, rel.Withdraw, rel.Release, "Withdraw a published release, with the reason."),
    RpcSpec("releases", "get", 1, rel.GetRelease, rel.Release, "One release as the viewer may see it."),
    RpcSpec("releases", "search", 1, rel.SearchReleases, rel.ReleasePage, "Search and filter, cursor-paginated."),
    RpcSpec("releases", "ninjs", 1, rel.GetNinjs, rel.NinjsDocument, "One published version as IPTC ninjs 3.1."),
    RpcSpec("releases", "feed", 1, rel.GetFeed, rel.Feed, "Atom or JSON Feed of public releases."),
    RpcSpec("releases", "portal_deliveries", 1, rel.GetDeliveries, rel.PortalDeliveries, "A release's portal pushes."),
    RpcSpec("releases", "portal_inbound", 1, rel.PortalInbound, rel.Release, "A verified portal payload, taken in."),
    RpcSpec("releases", "recipients", 1, rel.GetRecipients, rel.ReleaseRecipients, "Who downloaded which version."),
)

FEEDBACK_METHODS = tuple(RpcSpec("feedback", m, 1, req, resp, summary) for m, req, resp, summary in fb.METHODS)
MEDIA_METHODS = tuple(RpcSpec("media", m, 1, req, resp, summary) for m, req, resp, summary in med.METHODS)
MONITORING_METHODS = tuple(RpcSpec("monitoring", m, 1, req, resp, s) for m, req, resp, s in mon.METHODS)

RPC_METHODS: tuple[RpcSpec, ...] = (
    HEALTH_METHODS + RELEASES_METHODS + FEEDBACK_METHODS + MEDIA_METHODS + MONITORING_METHODS
)
