"""Settings of the monitoring service: environment variables, over `ServiceSettings`' defaults."""

from __future__ import annotations

from presscenter.shared.settings import ServiceSettings


class MonitoringSettings(ServiceSettings):
    """Database `presscenter_monitoring` unless MONGO_DB says otherwise."""

    service_name = "monitoring"
