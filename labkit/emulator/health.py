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
# moto backend name -> the service name LocalStack (and the AWS CLI) use, where they differ.
AWS_NAMES = {
    "awslambda": "lambda",
    "acmpca": "acm-pca",
    "applicationautoscaling": "application-autoscaling",
    "cognitoidentity": "cognito-identity",
    "cognitoidp": "cognito-idp",
    "resourcegroups": "resource-groups",
}
INTERNAL = {"moto_api._internal", "instance_metadata"}


def service_names() -> list[str]:
    """Every service moto can serve, by its moto backend name."""
    from moto.backend_index import backend_url_patterns

    return sorted({name for name, _ in backend_url_patterns} - INTERNAL)


def service_states() -> dict[str, str]:
    """ "running" for services whose backend has been loaded, else "available"."""
    return {
        AWS_NAMES.get(name, name): (
            "running" if f"moto.{name}.models" in sys.modules else "available"
        )
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
