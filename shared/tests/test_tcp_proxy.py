"""TcpProxy in front of the real RabbitMQ: it forwards, cuts links, refuses while stopped, resumes."""

from __future__ import annotations

import socket
import time

import pytest

from presscenter.shared.testing.tcp_proxy import TcpProxy

AMQP_HEADER = b"AMQP\x00\x00\x09\x01"


def handshake(port: int) -> socket.socket:
    """Connect through the proxy and read RabbitMQ's Connection.Start frame."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(AMQP_HEADER)
    frame = sock.recv(7)
    assert frame[:3] == b"\x01\x00\x00", frame  # a method frame on channel 0
    return sock


def read_until_closed(sock: socket.socket, seconds: float = 3.0) -> bool:
    """True when the peer closes or resets the connection within `seconds`."""
    sock.settimeout(0.1)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if sock.recv(65_536) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:
            return True
    return False


def test_forwards_then_cuts_then_refuses_then_resumes_on_the_same_port() -> None:
    with TcpProxy() as proxy:
        port = proxy.port
        first = handshake(port)
        assert proxy.open_connections == 1

        assert proxy.kill_connections() == 1
        assert read_until_closed(first)
        first.close()
        handshake(port).close()  # still accepting after a cut

        proxy.stop()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2)

        proxy.start()
        assert proxy.port == port
        again = handshake(port)
        proxy.stop()
        assert read_until_closed(again)
        again.close()
        assert proxy.connections_accepted == 3


def test_uri_points_at_the_proxy_and_keeps_credentials_and_vhost() -> None:
    proxy = TcpProxy(port=5999)
    assert proxy.uri("pyamqp://guest:guest@localhost:5672/vh") == "pyamqp://guest:guest@127.0.0.1:5999/vh"
    assert proxy.uri("amqp://rabbit/") == "amqp://127.0.0.1:5999/"
