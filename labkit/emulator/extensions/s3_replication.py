"""S3 replication applied: new object versions and delete markers reach the destination bucket.

moto alone (5.2) stores a bucket's replication configuration (and answers GetBucketReplication
with every rule's filter and delete-marker setting replaced by defaults) but never copies
anything. This extension, in the emulator's process:

- watches ``S3Backend.put_object``, the one place where moto stores a new object version
  (PutObject, CopyObject, CompleteMultipartUpload, POST uploads all pass there). When the
  request that stored it ends, the version is matched against the source bucket's rules
  (``s3_replication_rules``: Status, Filter Prefix/Tag/And, Priority per destination, SSE-KMS
  selection) using the tags it ended up with; a matching version gets ``ReplicationStatus``
  ``PENDING`` at once and is copied by a background thread ``ctx.seconds(REPLICATION_SECONDS)``
  later (1 s of AWS time: 0.05 s at ``time_scale`` 0.05), so clients poll as on AWS;
- copies it to each destination bucket (``Destination.Bucket`` ARN, any region, same account)
  with the same version id, body, ETag, metadata (Content-Type included), tags, storage class
  (``Destination.StorageClass`` if given) and encryption; the replica's ``ReplicationStatus`` is
  ``REPLICA`` and the source's becomes ``COMPLETED``, or ``FAILED`` when a destination is
  missing, belongs to another account or has versioning not ``Enabled``; ``HeadObject`` and
  ``GetObject`` return it (``x-amz-replication-status``);
- replicates a delete marker (DELETE without a version id on the versioned source) when the
  winning rule has ``DeleteMarkerReplication`` ``Enabled``; deletes of a specific version never
  replicate (AWS behaviour). A delete marker is replicated only where the destination holds the
  key;
- never replicates a replica again, so bidirectional rules do not loop (AWS's
  ``ReplicaModifications`` sync is not modelled);
- answers GetBucketReplication with the configuration as it was stored.

Objects that existed before the configuration are not replicated (that is S3 Batch
Replication on AWS). Replication metrics, Replication Time Control and
``AccessControlTranslation`` are only stored.

moto internals patched (check them on a moto upgrade): ``moto.s3.models.S3Backend.put_object``
and ``._set_delete_marker`` (wrapped), ``moto.s3.models.FakeKey.response_dict`` (adds the
header), ``moto.s3.responses.S3Response.key_response`` / ``.bucket_response`` (mark the end of
a request) and ``.get_bucket_replication`` (replaced).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from labkit.emulator.extensions import EmulatorContext
from labkit.emulator.extensions import s3_replication_rules as rules

log = logging.getLogger(__name__)

# AWS seconds between a put and its replica (multiplied by ctx.time_scale).
REPLICATION_SECONDS = 1.0
HEADER = "x-amz-replication-status"


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    run: Callable[[], None] = field(compare=False)
    generation: int = field(compare=False, default=0)


class _State:
    ctx: EmulatorContext | None = None
    generation = 0
    heap: list[_Job] = []
    cond = threading.Condition()
    seq = itertools.count()
    local = threading.local()  # .depth: request nesting; .new: versions stored; .replicating
    lock = threading.RLock()  # held while a job runs (private: see rds_global._State.lock)


def _local() -> Any:
    loc = _State.local
    if not hasattr(loc, "depth"):
        loc.depth, loc.new, loc.replicating = 0, [], False
    return loc


# --- worker -----------------------------------------------------------------------------------


def _schedule(run: Callable[[], None]) -> None:
    ctx = _State.ctx
    assert ctx is not None
    job = _Job(time.monotonic() + ctx.seconds(REPLICATION_SECONDS), next(_State.seq), run)
    job.generation = _State.generation
    with _State.cond:
        heapq.heappush(_State.heap, job)
        _State.cond.notify()


def _worker() -> None:
    while True:
        with _State.cond:
            while not _State.heap or _State.heap[0].due > time.monotonic():
                timeout = _State.heap[0].due - time.monotonic() if _State.heap else None
                _State.cond.wait(timeout)
            job = heapq.heappop(_State.heap)
        if job.generation != _State.generation:
            continue
        ctx = _State.ctx
        assert ctx is not None
        try:
            with _State.lock:
                if job.generation == _State.generation:
                    job.run()
        except Exception:  # never let one object stop replication for everyone
            log.exception("S3 replication job failed")


def _reset() -> None:
    with _State.cond:
        _State.generation += 1
        _State.heap.clear()


# --- replication ------------------------------------------------------------------------------


def _backend(account_id: str, partition: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account_id][partition]


def _destination(backend: Any, account_id: str, name: str) -> Any | None:
    """The destination bucket, if it exists in this account with versioning Enabled."""
    from moto.s3.exceptions import MissingBucket

    try:
        bucket = backend.get_bucket(name)
    except MissingBucket:
        return None
    if bucket.account_id != account_id or not bucket.is_versioned:
        return None
    return bucket


def _is_current(bucket: Any, key: Any) -> bool:
    return any(k is key for k in bucket.keys.getlist(key.name, []))


def _evaluate(backend: Any, key: Any) -> None:
    """At the end of the request that stored ``key``: PENDING and schedule, or nothing."""
    bucket = backend.buckets.get(key.bucket_name)
    config = getattr(bucket, "replication", None) if bucket is not None else None
    if bucket is None or not config or not bucket.is_versioned or not _is_current(bucket, key):
        return
    tags = backend.tagger.get_tag_dict_for_resource(key.arn)
    targets = rules.object_rules(
        rules.rules_of(config), key.name, tags, sse_kms=key.encryption == "aws:kms"
    )
    if not targets:
        return
    key.replication_status = "PENDING"
    account, partition = backend.account_id, key.partition
    _schedule(lambda: _replicate(account, partition, key, targets))


def _replicate(account_id: str, partition: str, key: Any, targets: dict[str, rules.Rule]) -> None:
    backend = _backend(account_id, partition)
    source = backend.buckets.get(key.bucket_name)
    if source is None or not _is_current(source, key):
        return  # the version was deleted (or the bucket reset) before it could replicate
    ok = True
    for name, rule in targets.items():
        dest = _destination(backend, account_id, name)
        if dest is None:
            ok = False
            log.info("replication of %s/%s to %s failed", key.bucket_name, key.name, name)
            continue
        _copy(backend, key, dest, rule)
    key.replication_status = "COMPLETED" if ok else "FAILED"


def _copy(backend: Any, key: Any, dest: Any, rule: rules.Rule) -> None:
    loc = _local()
    loc.replicating = True
    try:
        storage = (rule.get("Destination") or {}).get("StorageClass") or key.storage_class
        replica = backend.put_object(
            dest.name,
            key.name,
            key.value,
            storage=storage,
            etag=key.etag.strip('"'),
            multipart=key.multipart,
            encryption=key.encryption,
            kms_key_id=key.kms_key_id,
            bucket_key_enabled=key.bucket_key_enabled,
            checksum_value=key.checksum_value,
        )
    finally:
        loc.replicating = False
    replica._version_id = key.version_id  # AWS keeps the version id across replication
    replica.set_metadata(dict(key.metadata))
    replica.checksum_algorithm = key.checksum_algorithm
    replica.website_redirect_location = key.website_redirect_location
    replica.acl = key.acl
    backend.tagger.copy_tags(key.arn, replica.arn)
    replica.replication_status = "REPLICA"


def _replicate_delete_marker(
    account_id: str, partition: str, bucket_name: str, marker: Any, targets: dict[str, Any]
) -> None:
    backend = _backend(account_id, partition)
    for name in targets:
        dest = _destination(backend, account_id, name)
        if dest is None or marker.name not in dest.keys:
            continue
        loc = _local()
        loc.replicating = True
        try:
            replica = backend._set_delete_marker(dest.name, marker.name)
        finally:
            loc.replicating = False
        replica._version_id = marker.version_id
        replica.replication_status = "REPLICA"
    marker.replication_status = "COMPLETED"


# --- patched moto entry points ----------------------------------------------------------------


def _wrap_put_object(original: Callable[..., Any]) -> Callable[..., Any]:
    def put_object(self: Any, *args: Any, **kwargs: Any) -> Any:
        key = original(self, *args, **kwargs)
        loc = _local()
        if loc.replicating:
            return key
        if loc.depth:
            loc.new.append((self, key))  # tags and metadata arrive later in this request
        else:  # stored outside an S3 request (moto-internal): judge it when the job runs
            _schedule(lambda: _evaluate(self, key))
        return key

    return put_object


def _wrap_set_delete_marker(original: Callable[..., Any]) -> Callable[..., Any]:
    def _set_delete_marker(self: Any, bucket_name: str, key_name: str) -> Any:
        marker = original(self, bucket_name, key_name)
        if _local().replicating:
            return marker
        try:
            bucket = self.get_bucket(bucket_name)
            targets = rules.delete_marker_rules(
                rules.rules_of(getattr(bucket, "replication", None)), key_name
            )
            if targets and bucket.is_versioned:
                account, partition = self.account_id, self.partition
                _schedule(
                    lambda: _replicate_delete_marker(
                        account, partition, bucket_name, marker, targets
                    )
                )
        except Exception:
            log.exception("could not schedule delete marker replication")
        return marker

    return _set_delete_marker


def _wrap_request(original: Callable[..., Any]) -> Callable[..., Any]:
    def handle(self: Any, *args: Any, **kwargs: Any) -> Any:
        loc = _local()
        loc.depth += 1
        try:
            return original(self, *args, **kwargs)
        finally:
            loc.depth -= 1
            if loc.depth == 0:
                stored, loc.new = loc.new, []
                for backend, key in stored:
                    try:
                        _evaluate(backend, key)
                    except Exception:
                        log.exception("could not evaluate replication of %s", key.name)

    return handle


def _wrap_response_dict(original: property) -> property:
    def response_dict(self: Any) -> dict[str, Any]:
        res = original.fget(self)  # type: ignore[misc]
        status = getattr(self, "replication_status", None)
        if status:
            res[HEADER] = status
        return res

    return property(response_dict)


def _get_bucket_replication(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.s3.exceptions import ReplicationConfigurationNotFoundError

    self.data["Action"] = "GetBucketReplication"
    config = self.backend.get_bucket_replication(self.bucket_name)
    if not config:
        raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
    return self.serialized(ActionResult({"ReplicationConfiguration": rules.for_response(config)}))


def install(ctx: EmulatorContext) -> None:
    """Patch moto's S3 backend and responses in this process; start the replication worker."""
    from moto.s3.models import FakeKey, S3Backend
    from moto.s3.responses import S3Response

    _State.ctx = ctx
    if getattr(S3Backend, "_labkit_s3_replication", False):
        return
    S3Backend.put_object = _wrap_put_object(S3Backend.put_object)
    S3Backend._set_delete_marker = _wrap_set_delete_marker(S3Backend._set_delete_marker)
    FakeKey.response_dict = _wrap_response_dict(FakeKey.response_dict)
    S3Response.key_response = _wrap_request(S3Response.key_response)
    S3Response.bucket_response = _wrap_request(S3Response.bucket_response)
    S3Response.get_bucket_replication = _get_bucket_replication
    S3Backend._labkit_s3_replication = True
    ctx.on_reset(_reset)
    threading.Thread(target=_worker, name="s3-replication", daemon=True).start()
