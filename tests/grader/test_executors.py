"""The local pool forks its workers only from a process that runs no other thread."""

from __future__ import annotations

import subprocess
import sys
import threading

from grader.autograde.executors import start_method


def test_spawn_while_another_thread_runs():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        assert start_method() == "spawn"
    finally:
        stop.set()
        thread.join()


def test_fork_in_a_single_threaded_process():
    code = "from grader.autograde.executors import start_method; print(start_method())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "fork"
