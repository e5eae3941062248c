"""Run the shop application (``app/shop``) on loopback in a background thread.

    with start_shop("postgresql://master:pw@127.0.0.1:5433/shop") as shop:
        urllib.request.urlopen(shop.url + "/health")
        shop.requests_served

Labs start it against an RDS/Aurora endpoint of the emulator; ``wrap`` lets a lab put WSGI
middleware around the application (X-Ray tracing, a WAF-like filter, timing).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from labkit.datasets.p1_retail.app.shop.app import ShopApp
from labkit.datasets.p1_retail.app.shop.server import PoolWSGIServer, make_server

Wsgi = Callable[..., Any]


class ShopServer:
    """A running shop: ``url``, ``app`` (the ShopApp, unwrapped), ``wsgi`` (what is served),
    ``requests_served``; ``stop()`` or use it as a context manager."""

    def __init__(self, server: PoolWSGIServer, app: ShopApp, wsgi: Wsgi):
        self.server = server
        self.app = app
        self.wsgi = wsgi
        self.host, self.port = server.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            daemon=True,
            name=f"shop-{self.port}",
        )
        self._thread.start()
        self._stopped = False

    @property
    def requests_served(self) -> int:
        return self.server.requests_served

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
        self.app.close()

    def __enter__(self) -> ShopServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ShopServer {self.url} requests_served={self.requests_served}>"


def start_shop(
    database_url: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    images_bucket: str | None = None,
    images_base_url: str | None = None,
    s3_client: Any = None,
    wrap: Callable[[Wsgi], Wsgi] | None = None,
    threads: int = 16,
) -> ShopServer:
    """Serve the shop on ``host:port`` (port 0: the OS chooses) from a background thread.

    ``database_url``: a libpq URL or conninfo string of the PostgreSQL database holding the
    migrated schema. ``images_bucket`` (read with ``s3_client``, default a boto3 client of
    the current session) serves ``/images/<key>``; else ``images_base_url`` receives redirects
    and is used in the pages' image URLs. ``wrap(app)`` returns the WSGI app actually served.
    """
    app = ShopApp(
        database_url,
        images_bucket=images_bucket,
        images_base_url=images_base_url,
        s3_client=s3_client,
        pool_size=threads,
    )
    wsgi = wrap(app) if wrap is not None else app
    server = make_server(host, port, wsgi, threads=threads)
    return ShopServer(server, app, wsgi)
