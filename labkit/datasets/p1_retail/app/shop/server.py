"""A small threaded WSGI server (standard library): a fixed pool of worker threads, quiet
logs (no line per request on stderr), a count of the requests served."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from socketserver import BaseServer
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        pass


class PoolWSGIServer(WSGIServer):
    """``WSGIServer`` handing each connection to one of ``threads`` worker threads."""

    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: Any, threads: int = 16):
        super().__init__(address, QuietHandler)
        self.set_app(app)
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="shop-worker")
        self._count_lock = threading.Lock()
        self.requests_served = 0

    def process_request(self, request: socket.socket, client_address: Any) -> None:
        self._pool.submit(self._work, request, client_address)

    def _work(self, request: socket.socket, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - a broken client must not kill the worker
            self.handle_error(request, client_address)
        finally:
            with self._count_lock:
                self.requests_served += 1
            self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up mid-response are not worth a traceback on stderr

    def server_close(self) -> None:
        BaseServer.server_close(self)
        self.socket.close()
        self._pool.shutdown(wait=False, cancel_futures=True)


def make_server(host: str, port: int, app: Any, threads: int = 16) -> PoolWSGIServer:
    return PoolWSGIServer((host, port), app, threads=threads)
