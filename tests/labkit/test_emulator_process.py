import json
import os
import socket
import subprocess
import sys
import urllib.request

import localstack_client.session
import pytest

from labkit.emulator import client, process
from labkit.settings import Settings
from tests.conftest import free_port


def labkit(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "labkit", *args], capture_output=True, text=True, env=env, timeout=60
    )


def pids_of_group(pid: int) -> list[int]:
    return process.live_group_members(pid)


def test_up_twice_gives_one_emulator_and_down_leaves_nothing(labkit_home):
    port = free_port()
    env = dict(os.environ)
    first = labkit("up", "--port", str(port), env=env)
    assert first.returncode == 0, first.stderr
    assert "started" in first.stdout
    pid = int((labkit_home / f"emulator-{port}.pid").read_text())
    try:
        second = labkit("up", "--port", str(port), env=env)
        assert second.returncode == 0
        assert f"already running on http://127.0.0.1:{port} (pid {pid})" in second.stdout
        status = labkit("status", "--port", str(port), env=env)
        assert status.returncode == 0 and f"pid {pid}" in status.stdout
    finally:
        down = labkit("down", "--port", str(port), env=env)
    assert down.returncode == 0 and f"stopped (pid {pid})" in down.stdout
    assert not process._alive(pid) and pids_of_group(pid) == []
    assert not (labkit_home / f"emulator-{port}.pid").exists()
    assert client.health(f"http://127.0.0.1:{port}") is None
    assert labkit("status", "--port", str(port), env=env).returncode == 3


def test_emulator_binds_loopback_only(emulator):
    with open("/proc/net/tcp") as fh:
        rows = [line.split() for line in fh.readlines()[1:]]
    port = f"{emulator.port:04X}"
    listening = [r[1] for r in rows if r[3] == "0A" and r[1].endswith(f":{port}")]
    assert listening == [f"0100007F:{port}"]


def test_health_has_localstacks_shape(fresh_emulator):
    with urllib.request.urlopen(f"{fresh_emulator.endpoint_url}/_localstack/health") as r:
        doc = json.loads(r.read())
    assert doc["edition"] == "community" and doc["version"]
    assert {"s3", "ec2", "iam", "rds", "lambda", "route53"} <= set(doc["services"])
    assert set(doc["services"].values()) <= {"running", "available"}


def test_localstack_client_and_reset(fresh_emulator, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    session = localstack_client.session.Session(localstack_host=f"127.0.0.1:{fresh_emulator.port}")
    s3 = session.client("s3")
    s3.create_bucket(Bucket="from-localstack-client")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["from-localstack-client"]
    assert client.health(fresh_emulator.endpoint_url)["services"]["s3"] == "running"
    client.reset(fresh_emulator.endpoint_url)
    assert s3.list_buckets()["Buckets"] == []


def test_up_refuses_a_port_taken_by_something_else(labkit_home):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        settings = Settings(port=port, home=labkit_home)
        with pytest.raises(process.EmulatorError, match=f"port {port}.*not an emulator"):
            process.up(settings)


def test_stale_pid_file_is_ignored(labkit_home):
    port = free_port()
    labkit_home.mkdir(parents=True)
    (labkit_home / f"emulator-{port}.pid").write_text("999999\n")
    settings = Settings(port=port, home=labkit_home)
    assert process.status(settings) is None
    st = process.up(settings)
    try:
        assert st.started and st.pid != 999999
        assert st.seconds < 5
    finally:
        assert process.down(settings) == st.pid


def test_down_leaves_a_foreign_emulator_alone(emulator, labkit_home):
    settings = Settings(port=emulator.port, home=labkit_home)
    assert process.down(settings) is None
    assert client.health(emulator.endpoint_url) is not None
    out = labkit("down", "--port", str(emulator.port))
    assert out.returncode == 1 and "did not start it" in out.stderr
