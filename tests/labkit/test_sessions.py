"""Sessions on the emulator share one botocore loader: a service model is parsed once."""

from __future__ import annotations

import boto3

from labkit import sessions
from labkit.lab import start_lab


def _count_file_loads(monkeypatch) -> list[str]:
    loads: list[str] = []
    file_loader = sessions.shared_loader().file_loader
    original = file_loader.load_file

    def counting(path):
        loads.append(path)
        return original(path)

    monkeypatch.setattr(file_loader, "load_file", counting)
    return loads


def test_sessions_share_the_loader_and_keep_their_own_region():
    a, b = sessions.new_session("us-east-1"), sessions.new_session("eu-west-1")
    assert a is not b
    assert a._session.get_component("data_loader") is b._session.get_component("data_loader")
    assert (a.region_name, b.region_name) == ("us-east-1", "eu-west-1")
    creds = b.get_credentials()
    assert (creds.access_key, creds.secret_key) == ("test", "test")


def test_a_warmed_service_reads_no_model_file_in_a_new_session(monkeypatch):
    assert sessions.warm(["sqs", "no-such-service"]) == ["sqs"]
    loads = _count_file_loads(monkeypatch)
    client = sessions.new_session("us-west-2").client("sqs", endpoint_url="http://127.0.0.1:9")
    assert client.can_paginate("list_queues")
    assert [p for p in loads if "/sqs/" in p] == []
    # A service nobody warmed is read once, by whichever session asks first.
    sessions.new_session("us-west-2").client("sns", endpoint_url="http://127.0.0.1:9")
    sessions.new_session("us-east-1").client("sns", endpoint_url="http://127.0.0.1:9")
    assert len([p for p in loads if "/sns/" in p and p.endswith("service-2")]) <= 1


def test_lab_clients_are_built_once_per_service_and_region(
    fresh_emulator, fixture_checkout, labkit_home, monkeypatch
):
    monkeypatch.chdir(fixture_checkout.root)
    monkeypatch.setenv("AWS_ENDPOINT_URL", fresh_emulator.endpoint_url)
    lab = start_lab("p9_w01_buckets", start_emulator=False)
    s3 = lab.client("s3")
    assert lab.client("s3") is s3
    assert lab.client("s3", region="eu-west-1") is not s3
    assert lab.client("s3", region="eu-west-1").meta.region_name == "eu-west-1"
    # The default session the lab set up for plain boto3 is on the shared loader too.
    assert boto3.DEFAULT_SESSION._session.get_component("data_loader") is sessions.shared_loader()
    assert s3.list_buckets()["Buckets"]
