"""The emulator's WSGI application and a server that runs it."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from labkit.emulator import speedups
from labkit.emulator.extensions import EXTENSIONS, EmulatorContext, install_all
from labkit.emulator.health import HEALTH_PATHS, health_document

CONFIG_PATH = "/_labkit/config"
RESET_PATH = "/moto-api/reset"


class EmulatorApp:
    """moto's domain dispatcher, with LocalStack's health endpoint, labkit's config endpoint
    and the extensions' routes in front of it."""

    def __init__(self, ctx: EmulatorContext, extensions: tuple[str, ...] = ()) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self.ctx = ctx
        self.extensions = extensions
        self._moto = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "").rstrip("/") or "/"
        if path in HEALTH_PATHS and method in ("GET", "HEAD"):
            doc = health_document()
            doc["emulator"]["extensions"] = list(self.extensions)
            return _json(start_response, doc, head=method == "HEAD")
        if path == CONFIG_PATH:
            return self._config(environ, start_response, method)
        handler = self.ctx.match(method, path)
        if handler is not None:
            status, headers, body = handler(environ)
            start_response(status, [*headers, ("Content-Length", str(len(body)))])
            return [body]
        if path == RESET_PATH and method == "POST":
            body = b"".join(self._moto(environ, start_response))
            self.ctx.reset()
            return [body]
        return self._moto(environ, start_response)

    def _config(self, environ, start_response, method: str):
        if method == "POST":
            try:
                size = int(environ.get("CONTENT_LENGTH") or 0)
                update = json.loads(environ["wsgi.input"].read(size) or b"{}")
                scale = float(update.get("time_scale", self.ctx.time_scale))
                if not 0 < scale <= 10:
                    raise ValueError("time_scale must be > 0 and <= 10")
            except (ValueError, TypeError, AttributeError) as e:
                return _json(start_response, {"error": str(e)}, status="400 Bad Request")
            self.ctx.time_scale = scale
        return _json(
            start_response, {"time_scale": self.ctx.time_scale, "extensions": list(self.extensions)}
        )


def _json(start_response, doc: dict, status: str = "200 OK", head: bool = False):
    body = json.dumps(doc).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [] if head else [body]


class EmulatorServer:
    """A threaded emulator server bound to ``host:port`` (port 0 picks a free one)."""

    def __init__(
        self,
        host: str,
        port: int,
        time_scale: float = 1.0,
        extensions: tuple[str, ...] = EXTENSIONS,
        postgres_bin: Path | None = None,
    ) -> None:
        speedups.apply()  # before moto's first import
        from moto.moto_server.werkzeug_app import MotoRequestHandler

        self._state_dir = Path(tempfile.mkdtemp(prefix="labkit-emulator-"))
        placeholder = _NotYetBound()
        self.server: BaseWSGIServer = make_server(
            host, port, placeholder, threaded=True, request_handler=MotoRequestHandler
        )
        self.port = self.server.server_address[1]
        local = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        self.ctx = EmulatorContext(
            endpoint_url=f"http://{local}:{self.port}",
            state_dir=self._state_dir,
            time_scale=time_scale,
            postgres_bin=postgres_bin,
        )
        installed = install_all(self.ctx, extensions)
        self.server.app = EmulatorApp(self.ctx, tuple(installed))

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def close(self) -> None:
        self.server.server_close()
        self.ctx.close()
        shutil.rmtree(self._state_dir, ignore_errors=True)


class _NotYetBound:
    def __call__(self, environ, start_response):  # pragma: no cover - never reachable
        start_response("503 Service Unavailable", [])
        return [b""]
