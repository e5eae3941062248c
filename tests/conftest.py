"""Shared fixtures: a private emulator per test worker, a clean environment per test."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from grader.paths import Checkout
from labkit.emulator import client
from labkit.emulator.process import EmulatorProcess

REPO = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "grader" / "fixture"


@pytest.fixture(scope="session")
def emulator(tmp_path_factory) -> EmulatorProcess:
    """One emulator per xdist worker, on a free loopback port."""
    log = tmp_path_factory.mktemp("emulator") / "emulator.log"
    with EmulatorProcess.spawn(log_path=log) as emu:
        yield emu


@pytest.fixture
def fresh_emulator(emulator) -> EmulatorProcess:
    client.reset(emulator.endpoint_url)
    return emulator


@pytest.fixture(autouse=True)
def _restore_environ():
    """start_lab rewrites AWS_* variables; give every test the environment it started with."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
    import boto3

    boto3.DEFAULT_SESSION = None


@pytest.fixture
def fixture_checkout(tmp_path) -> Checkout:
    """A writable copy of a tiny checkout holding one lab (p9_w01_buckets)."""
    shutil.copytree(FIXTURE, tmp_path / "checkout")
    return Checkout(tmp_path / "checkout")


@pytest.fixture
def labkit_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "labkit-home"
    monkeypatch.setenv("LABKIT_HOME", str(home))
    return home


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def emulator_client(url: str, service: str, region: str = "us-east-1"):
    """A plain boto3 client on the emulator at ``url``, with the dummy credentials."""
    import boto3

    return boto3.client(
        service,
        endpoint_url=url,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
