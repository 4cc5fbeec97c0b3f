"""A local stand-in for an OpenTelemetry collector: accepts OTLP/HTTP trace exports and drops them.

    python otlp_sink.py PORT

For `gateway_read.py --export-spans`: the gateway and the releases service export every span to
it, so the benchmark shows what recording and exporting spans costs. It answers each POST to
`/v1/traces` 200 with an empty `ExportTraceServiceResponse` (an empty protobuf message) and counts
the bytes it received (logged at exit).
"""

from __future__ import annotations

import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Sink(BaseHTTPRequestHandler):
    received = 0

    def do_POST(self) -> None:
        Sink.received += len(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        self.send_response(200 if self.path == "/v1/traces" else 404)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    finally:
        print(f"received {Sink.received} bytes of spans", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
