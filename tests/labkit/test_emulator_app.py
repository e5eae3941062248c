"""The emulator app around moto: config endpoint, extension routes, reset callbacks."""

import json
import threading
import urllib.error
import urllib.request

import boto3
import pytest

from labkit.emulator import client
from labkit.emulator.app import EmulatorServer
from labkit.emulator.extensions import EXTENSIONS


@pytest.fixture
def server():
    srv = EmulatorServer("127.0.0.1", 0, time_scale=1.0, extensions=())
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.server.shutdown()
    srv.close()


def call(url, data=None, method=None):
    req = urllib.request.Request(url, data=data, method=method)
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.status, r.read()


def test_config_endpoint_sets_the_time_scale(server):
    base = server.ctx.endpoint_url
    assert json.loads(call(f"{base}/_labkit/config")[1])["time_scale"] == 1.0
    status, body = call(f"{base}/_labkit/config", json.dumps({"time_scale": 0.05}).encode())
    assert status == 200 and json.loads(body)["time_scale"] == 0.05
    assert server.ctx.seconds(30) == pytest.approx(1.5)
    with pytest.raises(urllib.error.HTTPError) as err:
        call(f"{base}/_labkit/config", json.dumps({"time_scale": -1}).encode())
    assert err.value.code == 400 and b"time_scale" in err.value.read()
    assert server.ctx.time_scale == 0.05


def test_extension_routes_and_reset_callbacks(server):
    base = server.ctx.endpoint_url
    seen = []
    server.ctx.add_route(
        "GET", r"/_labkit/echo/(\w+)", lambda environ: ("200 OK", [], environ["PATH_INFO"].encode())
    )
    server.ctx.on_reset(lambda: seen.append("reset"))
    assert call(f"{base}/_labkit/echo/abc") == (200, b"/_labkit/echo/abc")
    s3 = boto3.client(
        "s3",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    s3.create_bucket(Bucket="before-reset")
    client.reset(base)
    assert seen == ["reset"] and s3.list_buckets()["Buckets"] == []


def test_health_lists_installed_extensions(emulator):
    doc = client.health(emulator.endpoint_url)
    assert doc["emulator"]["extensions"] == list(EXTENSIONS)


def test_reset_empties_every_service_and_new_backends_start_complete(server):
    """speedups: reset skips rebuilding the backends it drops; what comes next is complete."""
    from moto.core.base_backend import BaseBackend

    url = server.ctx.endpoint_url
    kw = dict(endpoint_url=url, aws_access_key_id="t", aws_secret_access_key="t")
    s3 = boto3.client("s3", region_name="us-east-1", **kw)
    ec2 = boto3.client("ec2", region_name="eu-west-1", **kw)
    s3.create_bucket(Bucket="before-reset")
    s3.put_object(Bucket="before-reset", Key="k", Body=b"x" * 10)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    amis = len(ec2.describe_images(Owners=["amazon"])["Images"])
    assert amis > 100  # moto's default AMIs

    client.reset(url)

    assert s3.list_buckets()["Buckets"] == []
    assert vpc not in [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
    assert len(ec2.describe_images(Owners=["amazon"])["Images"]) == amis
    # Outside a reset, BaseBackend.reset still re-initialises a backend in place.
    backend = BaseBackend("us-east-1", "123456789012")
    backend.marker = True
    backend.reset()
    assert not hasattr(backend, "marker")
