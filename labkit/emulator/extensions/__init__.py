"""Behaviour extensions: what the embedded emulator does beyond storing configuration.

moto keeps the control plane; for the services the labs depend on, these modules make things
happen: Lambda functions run, Route 53 health checks probe, global clusters fail over, S3
replicates, CloudWatch alarms evaluate. Each module is small, knows nothing of labs, and
exposes ``install(ctx: EmulatorContext) -> None``, called once in the emulator's process
before it serves its first request. ``install`` may patch moto's models or responses, add
routes, start daemon threads and register reset callbacks on ``ctx``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

# Enabled by default, in this order.
EXTENSIONS: tuple[str, ...] = (
    "lambda_runtime",
    "route53_health",
    "route53_records",
    "rds_global",
    "rds_postgres",
    "s3_replication",
    "cloudwatch_alarms",
    "athena_sql",
)

# A route handler takes the WSGI environ and returns (status, headers, body).
Response = tuple[str, list[tuple[str, str]], bytes]
Handler = Callable[[dict[str, Any]], Response]


@dataclass
class EmulatorContext:
    """What extensions know about the emulator they run in."""

    # How code the emulator runs (a Lambda handler, a health check) reaches the emulator.
    endpoint_url: str
    # Scratch space for extensions (unpacked functions, ...); removed with the process.
    state_dir: Path
    # Multiplies every interval the emulator waits (health check intervals, alarm periods):
    # 0.05 makes a 30 s health check interval 1.5 s so a lab can run a drill in seconds.
    time_scale: float = 1.0
    # Where the RDS data plane finds PostgreSQL's binaries (None: search PATH and the usual places).
    postgres_bin: Path | None = None
    routes: list[tuple[str, re.Pattern[str], Handler]] = field(default_factory=list)
    reset_callbacks: list[Callable[[], None]] = field(default_factory=list)
    close_callbacks: list[Callable[[], None]] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def add_route(self, method: str, pattern: str, handler: Handler) -> None:
        """Serve ``method`` requests whose path fully matches ``pattern`` before moto does."""
        self.routes.append((method.upper(), re.compile(pattern), handler))

    def on_reset(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after ``POST /moto-api/reset`` cleared moto's state."""
        self.reset_callbacks.append(callback)

    def on_close(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the emulator shuts down, before its state dir is removed."""
        self.close_callbacks.append(callback)

    def seconds(self, aws_seconds: float) -> float:
        """Wall-clock seconds for an interval AWS would wait ``aws_seconds``."""
        return aws_seconds * self.time_scale

    def match(self, method: str, path: str) -> Handler | None:
        for m, pattern, handler in self.routes:
            if m == method and pattern.fullmatch(path):
                return handler
        return None

    def reset(self) -> None:
        for callback in self.reset_callbacks:
            callback()

    def close(self) -> None:
        for callback in self.close_callbacks:
            callback()


def install_all(ctx: EmulatorContext, names: tuple[str, ...] = EXTENSIONS) -> list[str]:
    """Install the named extensions into this process; returns their names."""
    for name in names:
        import_module(f"{__name__}.{name}").install(ctx)
    return list(names)
