"""Settings of the releases service: environment variables, over `ServiceSettings`' defaults."""

from __future__ import annotations

from presscenter.shared.settings import ServiceSettings


class ReleasesSettings(ServiceSettings):
    """Database `presscenter_releases` unless MONGO_DB says otherwise."""

    service_name = "releases"
