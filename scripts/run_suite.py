"""`make run`: the whole suite on one machine, each service its own process.

Starts the embedded datastore (nx-27017) unless MONGO_URI is given, each backend service as
its own `nameko run` process, and the gateway under uvicorn; waits until every service says it
is ready; Ctrl-C (or SIGTERM) stops everything cleanly, datastore last.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RUN_DIR = Path(os.environ.get("RUN_DIR", ROOT / ".run"))
# make run is a developer's suite: it listens on loopback unless told otherwise.
BIND_HOST = os.environ.get("RUN_BIND_HOST", "127.0.0.1")


@dataclass
class Child:
    name: str
    argv: list[str]
    cwd: Path
    ready_url: str | None
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[str] | None = None

    def start(self, base_env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env={**base_env, **self.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,  # Ctrl-C reaches us only; we stop children in order
        )
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process and self.process.stdout
        for line in self.process.stdout:
            sys.stdout.write(f"{self.name:>10} | {line}")
            sys.stdout.flush()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 20.0) -> None:
        if not self.alive():
            return
        assert self.process
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            print(f"{self.name} did not stop within {timeout:.0f}s: killing it", flush=True)
            self.process.kill()
            self.process.wait(5)


def gateway_url() -> str:
    return f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8000')}"


def is_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def children(mongo_uri: str | None) -> list[Child]:
    out: list[Child] = []
    if mongo_uri is None:
        port = os.environ.get("EMBEDDED_MONGO_PORT", "27017")
        out.append(
            Child(
                "datastore",
                [
                    str(BIN / "python"),
                    "-m",
                    "presscenter.shared.testing.embedded_mongo",
                    "--data-dir",
                    str(RUN_DIR / "mongo"),
                    "--port",
                    port,
                ],
                ROOT,
                None,
            )
        )
    base = int(os.environ.get("SERVICE_PORT_BASE", "8100"))
    for offset, name in enumerate(("releases", "feedback", "monitoring", "media"), start=1):
        port = base + offset
        env = {"HEALTH_ADDRESS": f"{BIND_HOST}:{port}"}
        if name == "media":  # the local store's signed URLs go through the gateway (clients reach only it)
            env["MEDIA_PUBLIC_URL"] = os.environ.get("MEDIA_PUBLIC_URL", f"{gateway_url()}/v1/media/blobs")
        out.append(
            Child(
                name,
                [str(BIN / "nameko"), "run", "--config", "config.yaml", f"presscenter.{name}.service"],
                ROOT / "services" / name,
                f"http://127.0.0.1:{port}/health/ready",
                env,
            )
        )
    gateway_port = int(os.environ.get("GATEWAY_PORT", "8000"))
    out.append(
        Child(
            "gateway",
            [str(BIN / "python"), "-m", "presscenter.gateway"],
            ROOT,
            f"{gateway_url()}/readyz",
            {
                "GATEWAY_HOST": BIND_HOST,
                "GATEWAY_PORT": str(gateway_port),
                "MEDIA_HTTP_URL": os.environ.get("MEDIA_HTTP_URL", f"http://127.0.0.1:{base + 4}"),
            },
        )
    )
    return out


def main() -> int:
    RUN_DIR.mkdir(exist_ok=True)
    env = dict(os.environ)
    mongo_uri = env.get("MONGO_URI") or None
    if mongo_uri is None:
        env["MONGO_URI"] = f"mongodb://127.0.0.1:{env.get('EMBEDDED_MONGO_PORT', '27017')}"
    env.setdefault("MEDIA_STORAGE_DIR", str(RUN_DIR / "media"))
    procs = children(mongo_uri)
    stopping = threading.Event()

    def request_stop(*_: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        for child in procs:
            child.start(env)
            if child.name == "datastore":
                time.sleep(1.0)
        pending = {c.name: c.ready_url for c in procs if c.ready_url}
        deadline = time.monotonic() + 90
        while pending and not stopping.is_set() and time.monotonic() < deadline:
            for name, url in list(pending.items()):
                if is_ready(url):
                    print(f"==> {name} ready ({url})", flush=True)
                    del pending[name]
            dead = [c.name for c in procs if not c.alive()]
            if dead:
                print(f"==> stopped unexpectedly: {', '.join(dead)} (see its output above)", flush=True)
                return 1
            time.sleep(0.5)
        if pending and not stopping.is_set():
            print(f"==> not ready after 90 s: {', '.join(pending)}", flush=True)
        elif not stopping.is_set():
            print(
                f"==> Capital Press Center is up: gateway {gateway_url()} (Ctrl-C stops everything)",
                flush=True,
            )
        while not stopping.is_set():
            dead = [c.name for c in procs if not c.alive()]
            if dead:
                print(f"==> stopped unexpectedly: {', '.join(dead)}", flush=True)
                return 1
            stopping.wait(1.0)
        return 0
    finally:
        print("==> stopping ...", flush=True)
        for child in reversed(procs):
            child.stop()
        print("==> stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
