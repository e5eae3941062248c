"""``GET /_localstack/health`` in LocalStack's JSON shape.

LocalStack answers ``{"services": {name: state}, "edition": ..., "version": ...}`` where a
service is "running" once it has served a request and "available" before. Tools written for
LocalStack (localstack-client, awslocal, wait scripts in CI) poll this endpoint.
"""

from __future__ import annotations

import sys
from importlib.metadata import version

HEALTH_PATHS = ("/_localstack/health", "/health")
EDITION = "community"


def service_names() -> list[str]:
    """Every service moto can serve, by its moto backend name."""
    from moto.backend_index import backend_url_patterns

    return sorted({name for name, _ in backend_url_patterns})


def service_states() -> dict[str, str]:
    """"running" for services whose backend has been loaded, else "available"."""
    return {
        name: "running" if f"moto.{name}.models" in sys.modules else "available"
        for name in service_names()
    }


def health_document() -> dict[str, object]:
    moto_version = version("moto")
    return {
        "services": service_states(),
        "edition": EDITION,
        "version": f"labkit-moto-{moto_version}",
        "emulator": {"name": "labkit", "moto": moto_version},
    }
