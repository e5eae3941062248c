"""The retail shop: a WSGI application on PostgreSQL (the migrated schema), with product
images from S3 or a CDN. Standard library + psycopg + boto3.

    from shop import create_app          # the WSGI callable
    python -m shop                       # serve on 0.0.0.0:$PORT (default 8080)
"""

from .app import ShopApp, create_app
from .server import PoolWSGIServer, make_server

__all__ = ["PoolWSGIServer", "ShopApp", "create_app", "make_server", "main"]


def main() -> None:
    from .__main__ import main as run

    run()
