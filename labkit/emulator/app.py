"""The emulator's WSGI application and a server that runs it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from labkit.emulator.health import HEALTH_PATHS, health_document

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class EmulatorApp:
    """moto's domain dispatcher, with LocalStack's health endpoint in front of it."""

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self._moto = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        path = environ.get("PATH_INFO", "").rstrip("/")
        if path in HEALTH_PATHS and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            body = json.dumps(health_document()).encode()
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]
        return self._moto(environ, start_response)


def make_emulator_server(host: str, port: int) -> BaseWSGIServer:
    """A threaded server for the emulator, bound to ``host:port`` (port 0 picks a free one)."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    return make_server(host, port, EmulatorApp(), threaded=True, request_handler=MotoRequestHandler)
