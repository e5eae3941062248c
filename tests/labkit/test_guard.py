import boto3
import pytest

from labkit import guard
from labkit.lab import connect
from labkit.settings import Settings


@pytest.mark.parametrize(
    "url, allowed",
    [
        ("http://127.0.0.1:4566/", True),
        ("http://127.8.9.1:80/", True),
        ("http://localhost:4566", True),
        ("http://[::1]:4566", True),
        ("http://bucket.s3.localhost:4566", True),
        ("https://s3.amazonaws.com/", False),
        ("https://sts.us-east-1.amazonaws.com", False),
        ("http://10.0.0.5:4566", False),
        ("http://localhost.attacker.com", False),
    ],
)
def test_only_loopback_is_allowed_by_default(url, allowed):
    assert guard.is_allowed(url) is allowed


def test_guard_blocks_real_aws_with_a_clear_error(emulator):
    connect(Settings.from_env({"AWS_ENDPOINT_URL": emulator.endpoint_url}))
    assert guard.installed()
    s3 = boto3.client("s3", endpoint_url="https://s3.amazonaws.com")
    with pytest.raises(guard.RealAWSBlockedError) as err:
        s3.list_buckets()
    assert "https://s3.amazonaws.com" in str(err.value)
    assert "real-AWS guard" in str(err.value)


def test_guard_blocks_clients_without_endpoint_when_env_is_cleared(emulator, monkeypatch):
    connect(Settings.from_env({"AWS_ENDPOINT_URL": emulator.endpoint_url}))
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    sts = boto3.client("sts", region_name="eu-west-1")
    with pytest.raises(guard.RealAWSBlockedError, match="sts.eu-west-1.amazonaws.com"):
        sts.get_caller_identity()


def test_guard_lets_the_emulator_through(emulator):
    connect(Settings.from_env({"AWS_ENDPOINT_URL": emulator.endpoint_url}))
    boto3.client("s3").create_bucket(Bucket="guard-ok")
    assert "guard-ok" in {b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]}


def test_configured_emulator_host_is_allowed():
    guard.install(["emulator"])
    assert guard.is_allowed("http://emulator:4566/")
    assert not guard.is_allowed("http://emulator.example.com:4566/")


def test_real_credentials_are_never_used(emulator, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALREALREALREAL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "real-token")
    monkeypatch.setenv("AWS_PROFILE", "production")
    connect(Settings.from_env({"AWS_ENDPOINT_URL": emulator.endpoint_url}))
    import os

    assert "AWS_PROFILE" not in os.environ and "AWS_SESSION_TOKEN" not in os.environ
    seen = []
    s3 = boto3.client("s3")
    s3.meta.events.register("before-send", lambda request, **_: seen.append(request.headers))
    s3.list_buckets()
    auth = seen[0]["Authorization"].decode()
    assert "Credential=test/" in auth and "AKIAREAL" not in auth
    assert "X-Amz-Security-Token" not in seen[0]
