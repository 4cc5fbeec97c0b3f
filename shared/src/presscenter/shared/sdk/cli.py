"""`presscenter-emit`: send one catalog event from a JSON file (or stdin) to the platform.

    presscenter-emit department_release_submitted --file release.json --source so-ytt
    presscenter-emit --list

The file holds the payload, or a whole envelope (an object with "type" and "payload");
options given on the command line override the envelope's fields. Exit codes: 0 sent and
confirmed; 2 invalid input, nothing sent; 3 broker unreachable, event not routed or refused.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from presscenter.shared.events import CATALOG, EventEnvelope, InvalidEvent, UnknownEventType, entry
from presscenter.shared.redaction import install_log_redaction
from presscenter.shared.sdk.publisher import SOURCE_ENV, EventPublisher, PublishError

EXIT_OK = 0
EXIT_INVALID = 2
EXIT_BROKER = 3


class InputError(Exception):
    """The command line or the input file cannot be used; nothing is sent."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="presscenter-emit",
        description="Validate a catalog event and publish it to RabbitMQ with publisher confirms.",
        epilog="Exit codes: 0 sent; 2 invalid input (nothing sent); 3 broker unreachable, not routed or refused.",
    )
    parser.add_argument("event_type", nargs="?", metavar="EVENT_TYPE", help="catalog event type")
    parser.add_argument("--list", action="store_true", help="print the event catalog and exit")
    parser.add_argument("--file", "-f", metavar="PATH", help="JSON payload or envelope; '-' reads stdin")
    parser.add_argument("--source", help=f"envelope source: your unit code or system (default ${SOURCE_ENV})")
    parser.add_argument("--amqp-uri", help="RabbitMQ URI (default $AMQP_URI, then amqp://guest@127.0.0.1:5672/)")
    parser.add_argument("--version", type=int, help="payload schema version (default: the latest)")
    parser.add_argument("--event-id", help="UUID to send; reuse it to resend the same event safely")
    parser.add_argument("--correlation-id", help="id shared by the events of one business flow")
    parser.add_argument(
        "--no-mandatory",
        action="store_true",
        help="do not fail when no queue receives the event (it is then dropped by the broker)",
    )
    parser.add_argument("--attempts", type=int, default=6, help="connection attempts before giving up (default 6)")
    return parser


def print_catalog(out: TextIO) -> None:
    rows = [(e.type, f"v{e.version}", e.exchange, e.summary) for e in sorted(CATALOG.values(), key=_sort_key)]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        out.write("  ".join([*cells, row[3]]).rstrip() + "\n")


def _sort_key(e: Any) -> tuple[str, str, int]:
    return (e.channel, e.type, e.version)


def read_document(path: str) -> Any:
    """The parsed JSON of `path` ('-' = stdin)."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InputError(f"{'stdin' if path == '-' else path} is not valid JSON: {exc}") from None


def prepare(args: argparse.Namespace, publisher: EventPublisher, document: Any) -> EventEnvelope[Any]:
    """The validated envelope to send, from the file's payload or envelope plus the options."""
    if not isinstance(document, dict):
        raise InputError("the file must hold a JSON object (the payload, or an envelope with type and payload)")
    if "type" in document and "payload" in document:
        if document["type"] != args.event_type:
            raise InputError(f"the file holds a {document['type']!r} envelope, not {args.event_type!r}")
        envelope = dict(document)
        overrides = {
            "version": args.version,
            "source": args.source,
            "event_id": args.event_id,
            "correlation_id": args.correlation_id,
        }
        envelope.update({k: v for k, v in overrides.items() if v is not None})
        envelope.setdefault("version", entry(args.event_type).version)
        if not envelope.get("source") and publisher.source:
            envelope["source"] = publisher.source
        if not envelope.get("source"):
            raise InputError(f"no source: pass --source or set {SOURCE_ENV}")
        return publisher.validate(envelope)
    return publisher.build(
        args.event_type,
        document,
        source=args.source,
        correlation_id=args.correlation_id,
        event_id=args.event_id,
        version=args.version,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list:
        print_catalog(sys.stdout)
        return EXIT_OK
    if not args.event_type or not args.file:
        parser.print_usage(sys.stderr)
        print("presscenter-emit: error: EVENT_TYPE and --file are required (or use --list)", file=sys.stderr)
        return EXIT_INVALID
    logging.basicConfig(level=logging.WARNING, format="presscenter-emit: %(message)s", stream=sys.stderr)
    logging.getLogger("pika").setLevel(logging.CRITICAL)  # its connection-level noise; our errors say it all
    install_log_redaction()

    try:
        publisher = EventPublisher(
            args.amqp_uri, source=args.source, mandatory=not args.no_mandatory, attempts=max(1, args.attempts)
        )
        envelope = prepare(args, publisher, read_document(args.file))
    except InvalidEvent as exc:
        _fail(f"invalid {exc}", *(f"  {e['field']}: {e['message']}" for e in exc.errors[1:]))
        return EXIT_INVALID
    except (InputError, UnknownEventType, ValueError) as exc:
        _fail(f"invalid input: {exc}")
        return EXIT_INVALID

    try:
        with publisher:
            publisher.publish(envelope)
    except PublishError as exc:
        _fail(str(exc))
        return EXIT_BROKER
    cat = entry(envelope.type, envelope.version)
    result = {"event_id": str(envelope.event_id), "type": envelope.type, "version": envelope.version}
    print(json.dumps({**result, "exchange": cat.exchange}))
    return EXIT_OK


def _fail(*lines: str) -> None:
    for line in lines:
        print(f"presscenter-emit: {line}" if not line.startswith(" ") else line, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
