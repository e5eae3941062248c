"""Database access: a tiny pool of psycopg connections (one in use per worker thread)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row

CONNECT_TIMEOUT = 3  # seconds: /health must answer 503 quickly when the database is gone


class Database:
    """Connections to ``url`` (a libpq URL or conninfo string), reused across requests.

    ``connection()`` lends one connection for the duration of a ``with`` block, inside a
    transaction that commits when the block ends and rolls back on an exception. A connection
    that failed (server gone, network) is closed and not returned to the pool.
    """

    def __init__(self, url: str, max_idle: int = 16):
        self.url = url
        self._idle: queue.LifoQueue[psycopg.Connection] = queue.LifoQueue(maxsize=max_idle)
        self._lock = threading.Lock()
        self._all: set[psycopg.Connection] = set()

    def _connect(self) -> psycopg.Connection:
        conn = psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT, row_factory=dict_row)
        with self._lock:
            self._all.add(conn)
        return conn

    def _discard(self, conn: psycopg.Connection) -> None:
        with self._lock:
            self._all.discard(conn)
        try:
            conn.close()
        except Exception:  # noqa: BLE001 - closing a broken connection
            pass

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = self._connect()
        try:
            with conn.transaction():
                yield conn
        except (psycopg.OperationalError, psycopg.InterfaceError):
            self._discard(conn)
            raise
        except BaseException:
            self._release(conn)
            raise
        else:
            self._release(conn)

    def _release(self, conn: psycopg.Connection) -> None:
        if conn.closed or conn.broken:
            self._discard(conn)
            return
        try:
            self._idle.put_nowait(conn)
        except queue.Full:
            self._discard(conn)

    def flush_idle(self) -> None:
        """Close the idle connections (after a failure they are likely stale: the database
        restarted or failed over); the next requests connect afresh."""
        while True:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                return
            self._discard(conn)

    def close(self) -> None:
        with self._lock:
            conns = list(self._all)
            self._all.clear()
        for conn in conns:
            try:
                conn.close()
            except Exception:  # noqa: BLE001
                pass
