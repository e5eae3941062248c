"""Placeholder: being written for issue 4 (emulator behaviour). Installs nothing yet."""

from __future__ import annotations

from labkit.emulator.extensions import EmulatorContext


def install(ctx: EmulatorContext) -> None:
    """Nothing yet."""
