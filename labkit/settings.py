"""Runtime settings, built once at an entry point and passed down.

Nothing in labkit reads the environment at import time: the CLI, ``start_lab`` and the
grader call :meth:`Settings.from_env` (or build a ``Settings`` themselves) and hand it on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566
DEFAULT_REGION = "us-east-1"
# Dummy credentials: moto accepts anything, and nothing signed with these works on real AWS.
DUMMY_ACCESS_KEY = "test"
DUMMY_SECRET_KEY = "test"


@dataclass(frozen=True)
class Settings:
    """Where the emulator lives and how lab code reaches it."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    region: str = DEFAULT_REGION
    home: Path = field(default_factory=lambda: Path.home() / ".labkit")
    # Hosts other than loopback that the real-AWS guard lets through (e.g. the compose
    # service name "emulator"). Loopback is always allowed.
    emulator_hosts: tuple[str, ...] = ()
    # An explicit endpoint (AWS_ENDPOINT_URL); when None, http://host:port is used.
    endpoint_override: str | None = None
    # Where start_lab looks for labs first (LABKIT_LABS_DIR), before the enclosing checkout.
    labs_dir: Path | None = None
    # Multiplies the emulator's waits (health check intervals, alarm periods): LABKIT_TIME_SCALE.
    time_scale: float = 1.0
    # Directory of PostgreSQL's binaries for the RDS data plane (LABKIT_POSTGRES_BIN); None:
    # PATH, /usr/lib/postgresql/<version>/bin, $CONDA_PREFIX/bin.
    postgres_bin: Path | None = None
    # Where labkit.portfolio writes the learner's portfolio (LABKIT_PORTFOLIO_DIR); None:
    # <home>/portfolio.
    portfolio_dir: Path | None = None
    # Whose portfolio labs write (LABKIT_LEARNER_ID; the grader sets the student id); None:
    # the login name.
    learner_id: str | None = None

    @property
    def endpoint_url(self) -> str:
        return self.endpoint_override or f"http://{self.host}:{self.port}"

    @property
    def portfolio_root(self) -> Path:
        """The portfolio folder: LABKIT_PORTFOLIO_DIR, else <home>/portfolio."""
        return self.portfolio_dir or self.home / "portfolio"

    @property
    def allowed_hosts(self) -> tuple[str, ...]:
        hosts = list(self.emulator_hosts)
        endpoint_host = urlsplit(self.endpoint_url).hostname
        if endpoint_host and endpoint_host not in hosts:
            hosts.append(endpoint_host)
        return tuple(hosts)

    def with_port(self, port: int) -> Settings:
        return replace(self, port=port, endpoint_override=None)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read LABKIT_* and AWS_ENDPOINT_URL / AWS_DEFAULT_REGION from ``environ``."""
        env = os.environ if environ is None else environ
        endpoint = env.get("AWS_ENDPOINT_URL") or None
        host, port = DEFAULT_HOST, DEFAULT_PORT
        if endpoint:
            parts = urlsplit(endpoint)
            if not parts.scheme or not parts.hostname:
                raise ValueError(
                    f"AWS_ENDPOINT_URL={endpoint!r} is not a URL; expected e.g. "
                    f"http://127.0.0.1:{DEFAULT_PORT}"
                )
            host = parts.hostname
            port = parts.port or (443 if parts.scheme == "https" else 80)
        if env.get("LABKIT_PORT") and not endpoint:
            port = parse_port(env["LABKIT_PORT"])
        hosts = env.get("LABKIT_EMULATOR_HOSTS", "").split(",")
        extra = tuple(h.strip() for h in hosts if h.strip())
        home = Path(env["LABKIT_HOME"]) if env.get("LABKIT_HOME") else Path.home() / ".labkit"
        return cls(
            host=host,
            port=port,
            region=env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
            home=home,
            emulator_hosts=extra,
            endpoint_override=endpoint,
            labs_dir=Path(env["LABKIT_LABS_DIR"]) if env.get("LABKIT_LABS_DIR") else None,
            time_scale=parse_time_scale(env.get("LABKIT_TIME_SCALE", "1")),
            postgres_bin=Path(pg_bin) if (pg_bin := env.get("LABKIT_POSTGRES_BIN")) else None,
            portfolio_dir=Path(env["LABKIT_PORTFOLIO_DIR"])
            if env.get("LABKIT_PORTFOLIO_DIR")
            else None,
            learner_id=env.get("LABKIT_LEARNER_ID") or None,
        )


def parse_port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise ValueError(f"port must be a number, got {text!r}") from None
    if not 0 < port < 65536:
        raise ValueError(f"port must be between 1 and 65535, got {port}")
    return port


def parse_time_scale(text: str) -> float:
    try:
        scale = float(text)
    except ValueError:
        raise ValueError(f"LABKIT_TIME_SCALE must be a number, got {text!r}") from None
    if not 0 < scale <= 10:
        raise ValueError(f"LABKIT_TIME_SCALE must be > 0 and <= 10, got {scale}")
    return scale
