"""S3 replication on the emulator: objects and delete markers reach the destination."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from labkit.emulator.extensions import s3_replication_rules as rules
from labkit.emulator.process import EmulatorProcess

# 1 AWS second of replication delay -> 0.1 s.
TIME_SCALE = 0.1
ROLE = "arn:aws:iam::123456789012:role/replication"


@pytest.fixture(scope="module")
def emu():
    with EmulatorProcess.spawn(time_scale=TIME_SCALE) as e:
        yield e


def s3(url: str, region: str):
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def set_time_scale(url: str, scale: float) -> None:
    body = json.dumps({"time_scale": scale}).encode()
    with urllib.request.urlopen(f"{url}/_labkit/config", data=body, timeout=5) as r:
        assert json.loads(r.read())["time_scale"] == scale


def rule(rule_id: str, dest: str, priority: int = 1, delete_markers: bool = False, **extra):
    return {
        "ID": rule_id,
        "Priority": priority,
        "Status": "Enabled",
        "Filter": extra.pop("Filter", {"Prefix": ""}),
        "DeleteMarkerReplication": {"Status": "Enabled" if delete_markers else "Disabled"},
        "Destination": {"Bucket": f"arn:aws:s3:::{dest}", **extra},
    }


def buckets(url: str, dest_versioned: bool = True) -> tuple[str, str]:
    """A versioned source in us-east-1 and a destination in us-west-2."""
    src, dst = f"src-{uuid.uuid4().hex[:10]}", f"dst-{uuid.uuid4().hex[:10]}"
    east, west = s3(url, "us-east-1"), s3(url, "us-west-2")
    east.create_bucket(Bucket=src)
    west.create_bucket(Bucket=dst, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    east.put_bucket_versioning(Bucket=src, VersioningConfiguration={"Status": "Enabled"})
    if dest_versioned:
        west.put_bucket_versioning(Bucket=dst, VersioningConfiguration={"Status": "Enabled"})
    return src, dst


def configure(url: str, src: str, *rule_list: dict) -> None:
    s3(url, "us-east-1").put_bucket_replication(
        Bucket=src, ReplicationConfiguration={"Role": ROLE, "Rules": list(rule_list)}
    )


def status(url: str, bucket: str, key: str, region: str = "us-east-1") -> str | None:
    return s3(url, region).head_object(Bucket=bucket, Key=key).get("ReplicationStatus")


def wait_status(url: str, bucket: str, key: str, timeout: float = 10.0) -> str | None:
    """Poll the source object until its replication is no longer PENDING."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = status(url, bucket, key)
        if current != "PENDING":
            return current
        time.sleep(0.05)
    raise AssertionError(f"{bucket}/{key} still PENDING after {timeout} s")


def missing(url: str, bucket: str, key: str) -> bool:
    try:
        s3(url, "us-west-2").head_object(Bucket=bucket, Key=key)
    except ClientError as e:
        return e.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    return False


def test_matching_prefix_replicates_object_and_attributes(emu):
    url = emu.endpoint_url
    src, dst = buckets(url)
    configure(url, src, rule("logs", dst, Filter={"Prefix": "logs/"}))
    east, west = s3(url, "us-east-1"), s3(url, "us-west-2")

    east.put_object(Bucket=src, Key="other/b.txt", Body=b"not me")
    put = east.put_object(
        Bucket=src,
        Key="logs/a.json",
        Body=b'{"a": 1}',
        ContentType="application/json",
        Metadata={"team": "dr"},
        Tagging="env=prod",
    )
    assert wait_status(url, src, "logs/a.json") == "COMPLETED"

    replica = west.get_object(Bucket=dst, Key="logs/a.json")
    assert replica["Body"].read() == b'{"a": 1}'
    assert replica["ReplicationStatus"] == "REPLICA"
    assert replica["ContentType"] == "application/json"
    assert replica["Metadata"] == {"team": "dr"}
    assert replica["VersionId"] == put["VersionId"]
    assert replica["ETag"] == put["ETag"]
    assert west.get_object_tagging(Bucket=dst, Key="logs/a.json")["TagSet"] == [
        {"Key": "env", "Value": "prod"}
    ]
    assert status(url, src, "other/b.txt") is None
    assert missing(url, dst, "other/b.txt")


def test_pending_until_the_copy_is_done(emu):
    url = emu.endpoint_url
    src, dst = buckets(url)
    configure(url, src, rule("all", dst))
    set_time_scale(url, 10.0)  # replication now takes 10 s
    try:
        s3(url, "us-east-1").put_object(Bucket=src, Key="slow.txt", Body=b"x")
        assert status(url, src, "slow.txt") == "PENDING"
        assert missing(url, dst, "slow.txt")
    finally:
        set_time_scale(url, TIME_SCALE)


def test_delete_markers_replicate_only_when_enabled(emu):
    url = emu.endpoint_url
    src, dst = buckets(url)
    configure(
        url,
        src,
        rule("on", dst, Filter={"Prefix": "on/"}, delete_markers=True),
        rule("off", dst, Filter={"Prefix": "off/"}),
    )
    east, west = s3(url, "us-east-1"), s3(url, "us-west-2")
    for key in ("on/x", "on/y", "off/x"):
        east.put_object(Bucket=src, Key=key, Body=key.encode())
    for key in ("on/x", "on/y", "off/x"):
        assert wait_status(url, src, key) == "COMPLETED"

    east.delete_object(Bucket=src, Key="off/x")
    y_version = east.head_object(Bucket=src, Key="on/y")["VersionId"]
    east.delete_object(Bucket=src, Key="on/y", VersionId=y_version)  # a version: never replicated
    marker = east.delete_object(Bucket=src, Key="on/x")
    assert marker["DeleteMarker"] is True

    deadline = time.monotonic() + 10
    markers: list[dict] = []
    while not markers and time.monotonic() < deadline:
        versions = west.list_object_versions(Bucket=dst, Prefix="on/x")
        markers = versions.get("DeleteMarkers", [])
        time.sleep(0.05)
    assert [m["VersionId"] for m in markers] == [marker["VersionId"]]
    assert missing(url, dst, "on/x")
    assert west.get_object(Bucket=dst, Key="on/y")["Body"].read() == b"on/y"
    assert west.get_object(Bucket=dst, Key="off/x")["Body"].read() == b"off/x"
    assert "DeleteMarkers" not in west.list_object_versions(Bucket=dst, Prefix="off/")


def test_destination_without_versioning_fails(emu):
    url = emu.endpoint_url
    src, dst = buckets(url, dest_versioned=False)
    configure(url, src, rule("all", dst))
    s3(url, "us-east-1").put_object(Bucket=src, Key="k", Body=b"x")
    assert wait_status(url, src, "k") == "FAILED"
    assert missing(url, dst, "k")


def test_tag_filter(emu):
    url = emu.endpoint_url
    src, dst = buckets(url)
    configure(url, src, rule("tagged", dst, Filter={"Tag": {"Key": "dr", "Value": "yes"}}))
    east = s3(url, "us-east-1")
    east.put_object(Bucket=src, Key="no", Body=b"x", Tagging="dr=no")
    east.put_object(Bucket=src, Key="yes", Body=b"x", Tagging="dr=yes")
    assert wait_status(url, src, "yes") == "COMPLETED"
    assert status(url, src, "no") is None
    assert missing(url, dst, "no")
    assert status(url, dst, "yes", region="us-west-2") == "REPLICA"


def test_highest_priority_rule_wins_per_destination(emu):
    url = emu.endpoint_url
    src, dst = buckets(url)
    configure(
        url,
        src,
        rule("broad", dst, priority=1, StorageClass="GLACIER"),
        rule("narrow", dst, priority=5, Filter={"Prefix": "hot/"}, StorageClass="STANDARD_IA"),
    )
    east, west = s3(url, "us-east-1"), s3(url, "us-west-2")
    east.put_object(Bucket=src, Key="hot/a", Body=b"x")
    east.put_object(Bucket=src, Key="cold/a", Body=b"x")
    assert wait_status(url, src, "hot/a") == "COMPLETED"
    assert wait_status(url, src, "cold/a") == "COMPLETED"
    assert west.head_object(Bucket=dst, Key="hot/a")["StorageClass"] == "STANDARD_IA"
    assert west.head_object(Bucket=dst, Key="cold/a")["StorageClass"] == "GLACIER"


def test_multipart_upload_and_copy_replicate(emu):
    url = emu.endpoint_url
    src, dst = buckets(url)
    configure(url, src, rule("all", dst))
    east, west = s3(url, "us-east-1"), s3(url, "us-west-2")
    upload = east.create_multipart_upload(Bucket=src, Key="big.bin", ContentType="application/zip")
    parts = []
    for number, body in ((1, b"a" * 5 * 1024 * 1024), (2, b"b" * 10)):
        part = east.upload_part(
            Bucket=src, Key="big.bin", UploadId=upload["UploadId"], PartNumber=number, Body=body
        )
        parts.append({"ETag": part["ETag"], "PartNumber": number})
    done = east.complete_multipart_upload(
        Bucket=src, Key="big.bin", UploadId=upload["UploadId"], MultipartUpload={"Parts": parts}
    )
    east.copy_object(Bucket=src, Key="copy.bin", CopySource={"Bucket": src, "Key": "big.bin"})
    assert wait_status(url, src, "big.bin") == "COMPLETED"
    assert wait_status(url, src, "copy.bin") == "COMPLETED"
    replica = west.head_object(Bucket=dst, Key="big.bin")
    assert replica["ETag"] == done["ETag"]
    assert replica["ContentLength"] == 5 * 1024 * 1024 + 10
    assert replica["ContentType"] == "application/zip"
    assert west.head_object(Bucket=dst, Key="copy.bin")["ReplicationStatus"] == "REPLICA"


def test_replicas_are_not_replicated_back(emu):
    url = emu.endpoint_url
    src, dst = buckets(url)
    configure(url, src, rule("there", dst))
    s3(url, "us-west-2").put_bucket_replication(
        Bucket=dst, ReplicationConfiguration={"Role": ROLE, "Rules": [rule("back", src)]}
    )
    east = s3(url, "us-east-1")
    east.put_object(Bucket=src, Key="ping", Body=b"x")
    assert wait_status(url, src, "ping") == "COMPLETED"
    time.sleep(0.5)  # five replication delays: a loop would have put a second version by now
    assert len(east.list_object_versions(Bucket=src, Prefix="ping")["Versions"]) == 1
    assert status(url, dst, "ping", region="us-west-2") == "REPLICA"


def test_get_bucket_replication_returns_what_was_put(emu):
    url = emu.endpoint_url
    src, dst = buckets(url)
    wanted = [
        rule("a", dst, priority=2, Filter={"Prefix": "logs/"}, delete_markers=True),
        rule(
            "b",
            dst,
            priority=1,
            Filter={"And": {"Prefix": "t/", "Tags": [{"Key": "dr", "Value": "yes"}]}},
            StorageClass="STANDARD_IA",
        ),
    ]
    configure(url, src, *wanted)
    got = s3(url, "us-east-1").get_bucket_replication(Bucket=src)["ReplicationConfiguration"]
    assert got == {"Role": ROLE, "Rules": wanted}


# --- pure helpers -----------------------------------------------------------------------------


def test_rule_filters_as_xmltodict_stores_them():
    v1 = {
        "ID": "v1",
        "Status": "Enabled",
        "Prefix": "a/",
        "Destination": {"Bucket": "arn:aws:s3:::d"},
    }
    one_tag = {"Filter": {"And": {"Prefix": None, "Tag": {"Key": "k", "Value": "v"}}}}
    empty = {"Filter": None}
    assert rules.rule_filter(v1) == ("a/", {})
    assert rules.rule_filter(one_tag) == ("", {"k": "v"})
    assert rules.rule_filter(empty) == ("", {})
    assert rules.destination_bucket(v1) == "d"
    assert rules.matches(v1, "a/x", {}) and not rules.matches(v1, "b/x", {})
    assert not rules.matches({**v1, "Status": "Disabled"}, "a/x", {})


def test_sse_kms_objects_need_source_selection():
    plain = {"ID": "p", "Status": "Enabled", "Filter": None, "Destination": {"Bucket": "d"}}
    kms = {
        **plain,
        "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
    }
    assert rules.object_rules([plain], "k", {}, sse_kms=True) == {}
    assert rules.object_rules([kms], "k", {}, sse_kms=True) == {"d": kms}


def test_delete_markers_ignore_tag_rules():
    tagged = {
        "Status": "Enabled",
        "Filter": {"Tag": {"Key": "k", "Value": "v"}},
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "Destination": {"Bucket": "arn:aws:s3:::d"},
    }
    assert rules.delete_marker_rules([tagged], "x") == {}
