"""Logging for services and tools: one stderr handler whose every line is redacted.

`nameko run` services get the same through the `LOGGING` dictConfig of their `config.yaml`,
which names `RedactingFormatter` and `RedactingFilter`; the gateway and command-line tools call
`configure_logging`.
"""

from __future__ import annotations

import logging
import sys

from presscenter.shared.redaction import RedactingFilter, install_log_redaction, redact

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted record, tracebacks and `exc_info` text included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RedactedStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The stderr handler `configure_logging` installs (once)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(RedactingFormatter(LOG_FORMAT))


def configure_logging(level: str | int = "INFO") -> None:
    """Root logger at `level`, writing redacted lines to stderr; every root handler gets the filter."""
    root = logging.getLogger()
    if not any(isinstance(h, RedactedStderrHandler) for h in root.handlers):
        root.addHandler(RedactedStderrHandler())
    root.setLevel(level.upper() if isinstance(level, str) else level)
    install_log_redaction(root)


__all__ = ["LOG_FORMAT", "RedactedStderrHandler", "RedactingFilter", "RedactingFormatter", "configure_logging"]
