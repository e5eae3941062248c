"""``python -m shop``: serve the shop, configured by environment variables.

DATABASE_URL (required)  postgresql://user:password@host:5432/dbname
IMAGES_BUCKET            S3 bucket holding products/<SKU>.jpg (served at /images/...)
IMAGES_BASE_URL          else: /images/... redirects here (a CloudFront distribution)
HOST, PORT               listen address (default 0.0.0.0:8080)
THREADS                  worker threads (default 16)
"""

from __future__ import annotations

import os
import signal
import sys

from .app import create_app
from .server import make_server


def app_from_env():
    """The application configured by DATABASE_URL, IMAGES_BUCKET, IMAGES_BASE_URL."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("DATABASE_URL is not set (postgresql://user:password@host:5432/dbname)")
    return create_app(
        url,
        images_bucket=os.environ.get("IMAGES_BUCKET") or None,
        images_base_url=os.environ.get("IMAGES_BASE_URL") or None,
    )


def _stop(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    app = app_from_env()
    host, port = os.environ.get("HOST", "0.0.0.0"), int(os.environ.get("PORT", "8080"))
    server = make_server(host, port, app, threads=int(os.environ.get("THREADS", "16")))
    signal.signal(signal.SIGTERM, _stop)  # docker stop / ECS task stop: close cleanly
    print(f"shop listening on http://{host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.close()


if __name__ == "__main__":
    main()
