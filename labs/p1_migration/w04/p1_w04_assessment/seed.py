"""Starting state of p1_w04_assessment: the discovery data, in the S3 bucket the migration
team shares (``migration-hub``).

Under ``discovery/`` the files of the Project 1 estate (``labkit.datasets.p1_retail``), at the
same relative paths: ``inventory/servers.csv`` and ``inventory/connections.csv`` (the discovery
tool's output), ``configs/...`` (captured from the hosts), ``costs/...`` (finance's cost sheet,
the AWS price list) and ``oracle/data/<TABLE>.csv.gz`` (the DBA's export of the database).

Idempotent: the bucket is created when missing, an object is uploaded when missing or changed.
"""

from __future__ import annotations

import hashlib

from labkit.datasets import p1_retail

FOLDERS = ("inventory", "configs", "costs", "oracle/data")


def _files() -> dict[str, bytes]:
    out = {}
    for folder in FOLDERS:
        for path in sorted((p1_retail.ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                out[path.relative_to(p1_retail.ROOT).as_posix()] = path.read_bytes()
    return out


def seed(lab) -> dict[str, str]:
    names = lab.names
    s3 = lab.client("s3")
    bucket, prefix = names["discovery_bucket"], names["discovery_prefix"]
    if bucket not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=bucket)
    existing = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        existing.update({o["Key"]: o["ETag"].strip('"') for o in page.get("Contents", [])})
    for rel, data in _files().items():
        key = prefix + rel
        if existing.get(key) != hashlib.md5(data).hexdigest():  # noqa: S324 - S3 ETag
            s3.put_object(Bucket=bucket, Key=key, Body=data)
    return {"discovery_bucket_arn": f"arn:aws:s3:::{bucket}"}
