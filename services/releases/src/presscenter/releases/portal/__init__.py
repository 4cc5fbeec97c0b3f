"""National Government Portal connector: signed ninjs push out (client, deliveries), signed payloads in (inbound)."""

from presscenter.releases.portal.client import DeliveryResult, PortalClient
from presscenter.releases.portal.deliveries import (
    DeliveryKey,
    DeliveryLog,
    DeliveryOutcome,
    DeliveryRecord,
    RetryPolicy,
    deliver,
)
from presscenter.releases.portal.inbound import (
    CITY_OFFICE_UNIT,
    PortalDirective,
    PortalRelease,
    parse_inbound,
    to_department_submission,
)

__all__ = [
    "CITY_OFFICE_UNIT",
    "DeliveryKey",
    "DeliveryLog",
    "DeliveryOutcome",
    "DeliveryRecord",
    "DeliveryResult",
    "PortalClient",
    "PortalDirective",
    "PortalRelease",
    "RetryPolicy",
    "deliver",
    "parse_inbound",
    "to_department_submission",
]
