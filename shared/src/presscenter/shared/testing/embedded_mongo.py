"""Start and stop the embedded `nx-27017` MongoDB wire-protocol server (a real process).

Used by `make run` (via `python -m presscenter.shared.testing.embedded_mongo`) and by tests.
It is not MongoDB: the compose/e2e suite on real MongoDB is the judge of Mongo semantics.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command() -> list[str]:
    """nx-27017 through our launcher, which gives it MongoDB's update semantics (see nx_server)."""
    return [sys.executable, "-m", "presscenter.shared.testing.nx_server"]


@dataclass
class EmbeddedMongo:
    data_dir: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> EmbeddedMongo:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / "nx-27017.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [
                *_command(),
                "--data-dir",
                str(self.data_dir),
                "--host",
                "127.0.0.1",
                "-p",
                str(self.port),
                "--log-file",
                str(self.data_dir / "nx-27017.log"),
                "--pid-file",
                str(self.data_dir / "nx-27017.pid"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nx-27017 exited with {self.process.returncode}; see {self.data_dir}/nx-27017.log")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"nx-27017 did not listen on port {self.port} within {timeout}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the embedded nx-27017 datastore in the foreground.")
    parser.add_argument("--data-dir", default=os.environ.get("EMBEDDED_MONGO_DIR", ".run/mongo"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("EMBEDDED_MONGO_PORT", "27017")))
    args = parser.parse_args(argv)
    server = EmbeddedMongo(Path(args.data_dir), args.port).start()
    print(f"embedded datastore (nx-27017) on {server.uri}, data in {args.data_dir}", flush=True)
    assert server.process is not None
    child = server.process

    def forward(signum: int, _frame: object) -> None:
        # Only pass the signal on: the main thread is the one waiting for the child to exit.
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    while True:
        try:
            code = child.wait()
            return 0 if code in (0, -signal.SIGTERM) else code
        except KeyboardInterrupt:
            forward(signal.SIGINT, None)


if __name__ == "__main__":
    sys.exit(main())
