"""TCP forwarders behind Aurora cluster endpoints (writer and reader).

No moto here. An Aurora cluster has one ``Port`` and two names: the cluster (writer) endpoint
and the reader endpoint. labkit gives each cluster a port P and listens on ``127.0.0.1:P``
(writer) and ``127.0.0.2:P`` (reader; any 127/8 address is loopback on Linux). Each accepted
connection is forwarded to the PostgreSQL server that ``target()`` names at that moment, so
the endpoints stay put while the writer moves; :meth:`Forwarder.drop` closes the connections
in flight, as a failover does on AWS. Where 127.0.0.2 cannot be bound (macOS), the reader
endpoint is the writer's.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

WRITER_HOST = "127.0.0.1"
READER_HOST = "127.0.0.2"


class Forwarder:
    """Listens on ``host:port``; forwards each connection to ``127.0.0.1:target()``."""

    def __init__(self, host: str, port: int, target: Callable[[], int | None]) -> None:
        self.host = host
        self.target = target
        self._listener = socket.create_server((host, port), backlog=64)
        self.port = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(
            target=self._accept, name=f"rds-endpoint-{host}:{self.port}", daemon=True
        ).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._pipe, args=(client,), daemon=True).start()

    def _pipe(self, client: socket.socket) -> None:
        port = self.target()
        try:
            upstream = socket.create_connection(("127.0.0.1", port), timeout=5) if port else None
        except OSError:
            upstream = None
        if upstream is None:
            client.close()
            return
        upstream.settimeout(None)
        with self._lock:
            self._open.update((client, upstream))
        try:
            pair = {client: upstream, upstream: client}
            while True:
                readable, _, _ = select.select(list(pair), [], [], 1.0)
                if self._closed:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
        except OSError:
            return
        finally:
            with self._lock:
                self._open.difference_update((client, upstream))
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.close()

    def drop(self) -> None:
        """Close every forwarded connection (clients reconnect, to the new target)."""
        with self._lock:
            socks = list(self._open)
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        with contextlib.suppress(OSError):
            self._listener.close()
        self.drop()


def endpoint_pair(
    writer: Callable[[], int | None], reader: Callable[[], int | None]
) -> tuple[Forwarder, Forwarder | None]:
    """Writer and reader forwarders on one free port (reader None where 127.0.0.2 fails)."""
    for _ in range(20):
        w = Forwarder(WRITER_HOST, 0, writer)
        try:
            return w, Forwarder(READER_HOST, w.port, reader)
        except OSError as e:
            w.close()
            if e.errno == 99:  # EADDRNOTAVAIL: no 127.0.0.2 here
                return Forwarder(WRITER_HOST, 0, writer), None
    raise OSError("no port free on both 127.0.0.1 and 127.0.0.2 for a cluster endpoint")
