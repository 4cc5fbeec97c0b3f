"""Keeping credentials out of logs and span attributes."""

from __future__ import annotations

import logging
import re

# user:password@ in any URI (amqp, mongodb, http ...)
_URI_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@")
_KEY_VALUE_SECRETS = re.compile(
    r"(?i)\b(?P<key>[\w-]*?(?:password|passwd|secret|token|api[-_]?key|authorization|signature))"
    r"(?P<sep>\s*[=:]\s*)(?P<val>[^\s,;&'\"]+)"
)
REDACTED = "***"


def redact(text: str) -> str:
    """Remove URI passwords and `password=...`-style secrets from `text`."""
    text = _URI_CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:{REDACTED}@", text)
    return _KEY_VALUE_SECRETS.sub(lambda m: f"{m['key']}{m['sep']}{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts credentials from the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Attach the redacting filter to every handler of `logger` (the root by default)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
