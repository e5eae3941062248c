"""A progress line for long batches: done / failed / remaining, rate, ETA."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.stream = stream or sys.stderr
        self.t0 = time.monotonic()
        self._tty = self.stream.isatty()

    def update(self, student: str, ok: bool) -> None:
        self.done += 1
        self.failed += 0 if ok else 1
        elapsed = time.monotonic() - self.t0
        rate = self.done / elapsed * 60 if elapsed > 0 else 0.0
        remaining = self.total - self.done
        eta = remaining * elapsed / self.done if self.done else 0.0
        line = (
            f"[{self.done}/{self.total}] done {self.done - self.failed}, failed "
            f"{self.failed}, remaining {remaining}, {rate:.1f}/min, ETA {eta:.0f}s "
            f"(last: {student})"
        )
        if self._tty:
            end = "\n" if remaining == 0 else ""
            self.stream.write(f"\r\x1b[K{line}{end}")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
