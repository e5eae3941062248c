"""boto3 sessions on the emulator that share one botocore data loader per process.

Every new ``boto3.Session`` gets a fresh botocore loader, and its first client of each service
parses that service's model JSON again (about 25 ms of CPU per service). labkit makes many
sessions in one process: the learner's default session and each ``start_lab`` in a notebook,
and the grader's state checks, once per submission. Sessions made here share one loader, so a
service model is parsed once per process; ``warm`` parses the models ahead of time (the
grader's kernel launcher does it once, before it forks a kernel per submission).

The loader only caches the JSON files botocore ships (service models, endpoints, paginators):
no credentials and no state of any session, so sharing it changes nothing a learner sees.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from labkit.settings import DUMMY_ACCESS_KEY, DUMMY_SECRET_KEY

_loader: Any = None
_lock = threading.Lock()


def shared_loader() -> Any:
    """This process's botocore data loader (created on first use)."""
    global _loader
    with _lock:
        if _loader is None:
            from botocore.loaders import create_loader

            _loader = create_loader()
        return _loader


def share_loader(session: Any) -> Any:
    """Make a boto3 (or botocore) session use the process-wide loader; returns the session."""
    core = getattr(session, "_session", session)
    core.register_component("data_loader", shared_loader())
    return session


def new_session(region: str) -> Any:
    """A boto3 Session with dummy credentials in ``region``, on the shared loader."""
    import boto3

    return share_loader(
        boto3.Session(
            aws_access_key_id=DUMMY_ACCESS_KEY,
            aws_secret_access_key=DUMMY_SECRET_KEY,
            region_name=region,
        )
    )


def warm(services: Iterable[str], region: str = "us-east-1") -> list[str]:
    """Parse the models of ``services`` into the shared loader by building a client of each
    (no request is sent). Unknown service names are skipped; returns the ones warmed."""
    from botocore.exceptions import UnknownServiceError

    session = new_session(region)
    done = []
    for service in services:
        try:
            client = session.client(service, endpoint_url="http://127.0.0.1:9")
        except UnknownServiceError:
            continue
        # Loads the service's paginator models, as the first paginated list call would.
        client.can_paginate(next(iter(client.meta.method_to_api_mapping)))
        done.append(service)
    return done
