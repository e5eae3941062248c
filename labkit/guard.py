"""The real-AWS guard: no request leaves for anything but the emulator.

``install`` wraps botocore's HTTP send, the one place every boto3 client (and
localstack-client, awscli) passes through just before the network. A request whose host is
not loopback or a configured emulator host raises :class:`RealAWSBlockedError` naming the
endpoint. ``use_dummy_credentials`` makes sure real credentials in the environment or in
``~/.aws`` are never read: a learner can never create a billable resource by mistake.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, MutableMapping
from urllib.parse import urlsplit

from labkit.settings import DUMMY_ACCESS_KEY, DUMMY_SECRET_KEY

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})

# Variables through which real credentials or profiles could reach botocore.
CREDENTIAL_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
)


class RealAWSBlockedError(ConnectionRefusedError):
    """A request was about to leave for an endpoint that is not the emulator."""


_allowed: set[str] = set()
_original_send = None


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_allowed(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return bool(host) and (is_loopback(host) or host in _allowed)


def check_url(url: str) -> None:
    """Raise :class:`RealAWSBlockedError` unless ``url`` points at the emulator."""
    if is_allowed(url):
        return
    host = urlsplit(url).hostname or "?"
    allowed = ", ".join(sorted(_allowed)) or "none"
    raise RealAWSBlockedError(
        f"labkit's real-AWS guard blocked a request to {url} (host {host!r} is not loopback or "
        f"a configured emulator host; configured: {allowed}). Labs run against the emulator: "
        f"use the clients of labkit.start_lab(), plain boto3 after start_lab(), or pass "
        f"endpoint_url=lab.endpoint_url. To allow another emulator host, set "
        f"LABKIT_EMULATOR_HOSTS."
    )


def install(allowed_hosts: Iterable[str] = ()) -> None:
    """Turn the guard on in this process (idempotent); ``allowed_hosts`` adds emulator hosts."""
    global _original_send
    from botocore.httpsession import URLLib3Session

    _allowed.update(h.lower() for h in allowed_hosts if h)
    if _original_send is not None:
        return
    _original_send = URLLib3Session.send

    def guarded_send(self, request):
        check_url(request.url)
        return _original_send(self, request)

    guarded_send.__labkit_guard__ = True
    URLLib3Session.send = guarded_send


def installed() -> bool:
    from botocore.httpsession import URLLib3Session

    return getattr(URLLib3Session.send, "__labkit_guard__", False)


def use_dummy_credentials(
    region: str, endpoint_url: str, environ: MutableMapping[str, str] | None = None
) -> None:
    """Point plain boto3 at the emulator with dummy credentials; drop every real credential."""
    env = os.environ if environ is None else environ
    for name in CREDENTIAL_VARIABLES:
        env.pop(name, None)
    env["AWS_ACCESS_KEY_ID"] = DUMMY_ACCESS_KEY
    env["AWS_SECRET_ACCESS_KEY"] = DUMMY_SECRET_KEY
    env["AWS_DEFAULT_REGION"] = region
    env["AWS_REGION"] = region
    env["AWS_ENDPOINT_URL"] = endpoint_url
    # Never read ~/.aws, never ask an instance metadata service.
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env["AWS_EC2_METADATA_DISABLED"] = "true"
