"""Talk to a running emulator over HTTP: probe its health, reset its state."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


def health(endpoint_url: str, timeout: float = 0.5) -> dict | None:
    """The emulator's health document, or None when nothing healthy answers."""
    try:
        with urllib.request.urlopen(f"{endpoint_url}/_localstack/health", timeout=timeout) as r:
            doc = json.loads(r.read())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and "services" in doc else None


def reset(endpoint_url: str, timeout: float = 10.0) -> None:
    """Clear every account and region of the emulator (moto's ``/moto-api/reset``)."""
    req = urllib.request.Request(f"{endpoint_url}/moto-api/reset", data=b"", method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            r.read()
    except urllib.error.URLError as e:
        raise ConnectionError(f"could not reset the emulator at {endpoint_url}: {e}") from e


def configure(endpoint_url: str, timeout: float = 5.0, **settings: object) -> dict:
    """Change the emulator's settings (``time_scale``) at ``POST /_labkit/config``; returns
    the settings now in force."""
    req = urllib.request.Request(
        f"{endpoint_url}/_labkit/config",
        data=json.dumps(settings).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        detail = e.read().decode(errors="replace")
        raise ValueError(f"the emulator refused {settings}: {detail}") from None
    except urllib.error.URLError as e:
        raise ConnectionError(f"could not configure the emulator at {endpoint_url}: {e}") from e
