"""`python -m presscenter.gateway`: serve the gateway with uvicorn on GATEWAY_HOST:GATEWAY_PORT."""

from __future__ import annotations

import logging

import uvicorn

from presscenter.gateway.app import create_app
from presscenter.gateway.auth import AuthSettings
from presscenter.gateway.settings import GatewaySettings
from presscenter.shared.logging_setup import configure_logging


def main() -> None:
    settings = GatewaySettings()
    configure_logging(settings.log_level)
    # log_config=None: uvicorn's loggers propagate to the redacting root handler.
    app = create_app(settings, auth=AuthSettings())
    # Live streams never end on their own: give open connections 20 s, inside the pods' 45 s grace period.
    # The access log is built per request only when its INFO records would be kept.
    access_log = logging.getLogger("uvicorn.access").isEnabledFor(logging.INFO)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=access_log,
        timeout_graceful_shutdown=20,
    )


if __name__ == "__main__":
    main()
