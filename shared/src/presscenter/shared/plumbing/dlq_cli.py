"""`presscenter-dlq`: list, inspect, replay and purge the messages a service parked.

    presscenter-dlq --service releases list
    presscenter-dlq --service releases show 3f2a9c
    presscenter-dlq --service releases replay 3f2a9c     # or: replay --all
    presscenter-dlq --service releases purge --all --yes

ID is a prefix of the parked id shown by `list`, or the event id. The broker comes from
`--amqp-uri`, else `AMQP_URI`. Exit codes: 0 done, 1 unknown service / id or not all replayed,
2 usage, 3 broker unreachable.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from presscenter.shared.plumbing.dead_letter import (
    BrokerUnreachable,
    DeadLetterError,
    ParkedMessage,
    ParkingLot,
)
from presscenter.shared.settings import DEFAULT_AMQP_URI

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="presscenter-dlq", description=__doc__.splitlines()[0])
    parser.add_argument("--amqp-uri", default=None, help="broker URI (default: $AMQP_URI, else the local broker)")
    parser.add_argument("--service", required=True, help="service whose parking queue <service>.dead-letter to use")
    sub = parser.add_subparsers(dest="command", required=True)

    listing = sub.add_parser("list", help="parked messages, oldest first (nothing is consumed)")
    listing.add_argument("--limit", type=int, default=None, help="show at most this many")
    listing.add_argument("--json", action="store_true", help="one JSON object per message")

    show = sub.add_parser("show", help="headers and body of one parked message")
    show.add_argument("id")

    for name, text in (("replay", "publish back to the original queue, attempts reset"), ("purge", "delete")):
        cmd = sub.add_parser(name, help=f"{text}: one message (ID) or --all")
        target = cmd.add_mutually_exclusive_group(required=True)
        target.add_argument("id", nargs="?")
        target.add_argument("--all", action="store_true")
        if name == "purge":
            cmd.add_argument("--yes", action="store_true", help="really delete")
    return parser


def _cell(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_table(messages: Sequence[ParkedMessage], out: TextIO) -> None:
    rows = [
        (
            str(m.position),
            m.short_id,
            m.event_type,
            m.event_id,
            str(m.attempts),
            m.parked_at[:19],
            _cell(m.error, 80),
        )
        for m in messages
    ]
    header = ("#", "ID", "EVENT TYPE", "EVENT ID", "ATTEMPTS", "PARKED AT", "ERROR")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in (header, *rows):
        out.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() + "\n")


def _summary(m: ParkedMessage) -> dict[str, object]:
    return {
        "position": m.position,
        "id": m.parked_id,
        "event_type": m.event_type,
        "event_id": m.event_id,
        "attempts": m.attempts,
        "parked_at": m.parked_at,
        "queue": m.queue,
        "error": m.error,
    }


def print_message(m: ParkedMessage, out: TextIO) -> None:
    out.write(f"id:         {m.parked_id}\n")
    out.write(f"event type: {m.event_type}\nevent id:   {m.event_id}\nqueue:      {m.queue}\n")
    out.write(f"attempts:   {m.attempts}\nparked at:  {m.parked_at}\nerror:      {m.error}\n")
    out.write("properties:\n")
    for key, value in sorted(m.properties.items()):
        out.write(f"  {key}: {value}\n")
    out.write("headers:\n")
    for key, value in sorted(m.headers.items()):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        if "\n" in text:
            text = "\n    " + text.rstrip().replace("\n", "\n    ")
        out.write(f"  {key}: {text}\n")
    out.write("body:\n")
    out.write(m.body_text() + "\n")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    amqp_uri = args.amqp_uri or os.environ.get("AMQP_URI") or DEFAULT_AMQP_URI
    if args.command == "purge" and not args.yes:
        err.write("purge deletes parked messages for good: add --yes to confirm\n")
        return EXIT_USAGE
    try:
        with ParkingLot(amqp_uri, args.service) as lot:
            if args.command == "list":
                messages = lot.list(args.limit)
                if args.json:
                    for m in messages:
                        out.write(json.dumps(_summary(m), ensure_ascii=False) + "\n")
                elif messages:
                    print_table(messages, out)
                else:
                    out.write(f"no parked messages in {lot.queue}\n")
            elif args.command == "show":
                print_message(lot.get(args.id), out)
            elif args.command == "replay":
                done, failed = lot.replay(None if args.all else args.id)
                for m in done:
                    out.write(f"replayed {m.short_id} ({m.event_type} {m.event_id}) to {m.queue}\n")
                for m, why in failed:
                    err.write(f"not replayed {m.short_id} ({m.event_type} {m.event_id}): {why}; it stays parked\n")
                if not done and not failed:
                    out.write(f"no parked messages in {lot.queue}\n")
                return EXIT_FAILED if failed else EXIT_OK
            elif args.command == "purge":
                removed = lot.purge(None if args.all else args.id)
                for m in removed:
                    out.write(f"purged {m.short_id} ({m.event_type} {m.event_id})\n")
                if not removed:
                    out.write(f"no parked messages in {lot.queue}\n")
    except BrokerUnreachable as exc:
        err.write(f"error: {exc}\n")
        return EXIT_UNREACHABLE
    except DeadLetterError as exc:
        err.write(f"error: {exc}\n")
        return EXIT_FAILED
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return run(args, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
