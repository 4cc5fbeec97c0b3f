"""A small TCP proxy for fault tests: put it between a client and RabbitMQ, then sever the link.

`TcpProxy().start()` listens on a free local port and forwards every connection to the
target (RabbitMQ at 127.0.0.1:5672 by default). `kill_connections()` cuts the open
connections but keeps accepting new ones; `stop()` also closes the listening port, so new
connections are refused, until `start()` listens on the same port again.

It uses plain threads, sockets and `select`, so it works both with and without eventlet's
monkey patch (patched, the threads are green threads). Every blocking call has a short
timeout and each thread owns the sockets it closes, which keeps it safe under eventlet.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from types import TracebackType
from typing import Self

_POLL_SECONDS = 0.05
_CHUNK = 65_536


class _Link:
    """One proxied connection: the client's socket and its upstream socket."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client = client
        self.upstream = upstream
        self.severed = threading.Event()

    def pump(self) -> None:
        """Copy bytes both ways until either side closes or the link is severed."""
        peers = {self.client: self.upstream, self.upstream: self.client}
        try:
            while not self.severed.is_set():
                readable, _, _ = select.select(list(peers), [], [], _POLL_SECONDS)
                for sock in readable:
                    data = sock.recv(_CHUNK)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except OSError:
            return
        finally:
            self.severed.set()
            for sock in (self.client, self.upstream):
                _hard_close(sock)


def _hard_close(sock: socket.socket) -> None:
    """Close with a reset (SO_LINGER 0), so the peer sees the connection drop at once."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


class TcpProxy:
    """Forward `127.0.0.1:<port>` to `target_host:target_port`, with switches to cut it."""

    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5672, port: int = 0) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = port
        self.connections_accepted = 0
        self._links: list[_Link] = []
        self._lock = threading.Lock()
        self._listening = threading.Event()
        self._accept_thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Listen (again) on `port`, picking a free one on the first start."""
        if self._accept_thread is not None:
            return self
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.monotonic() + 5.0
        while True:
            try:
                listener.bind(("127.0.0.1", self.port))
                break
            except OSError:
                if not self.port or time.monotonic() > deadline:
                    listener.close()
                    raise
                time.sleep(_POLL_SECONDS)
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listening.set()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, args=(listener,), name=f"tcp-proxy-{self.port}", daemon=True
        )
        self._accept_thread.start()
        return self

    def stop(self) -> None:
        """Refuse new connections and cut the open ones."""
        thread, self._accept_thread = self._accept_thread, None
        self._listening.clear()
        if thread is not None:
            thread.join(timeout=5)
        self.kill_connections()

    def kill_connections(self) -> int:
        """Cut every open connection (both sides see a reset); returns how many were cut."""
        with self._lock:
            links, self._links = self._links, []
        for link in links:
            link.severed.set()
            for sock in (link.client, link.upstream):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        return len(links)

    @property
    def open_connections(self) -> int:
        with self._lock:
            self._links = [link for link in self._links if not link.severed.is_set()]
            return len(self._links)

    def uri(self, amqp_uri: str) -> str:
        """`amqp_uri` with its host:port replaced by this proxy's address."""
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(amqp_uri)
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@127.0.0.1:{self.port}" if userinfo else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- threads ---------------------------------------------------------------------------

    def _accept_loop(self, listener: socket.socket) -> None:
        try:
            while self._listening.is_set():
                readable, _, _ = select.select([listener], [], [], _POLL_SECONDS)
                if not readable:
                    continue
                try:
                    client, _ = listener.accept()
                except OSError:
                    continue
                self._open_link(client)
        finally:
            listener.close()

    def _open_link(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection((self.target_host, self.target_port), timeout=5)
            upstream.settimeout(None)
        except OSError:
            _hard_close(client)
            return
        for sock in (client, upstream):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        link = _Link(client, upstream)
        with self._lock:
            self._links.append(link)
            self.connections_accepted += 1
        threading.Thread(target=link.pump, name=f"tcp-proxy-{self.port}-link", daemon=True).start()
