"""What triggers Lambda functions in the emulator, wired to ``lambda_runtime``'s real runs.

moto alone invokes mapped functions inline: SQS inside SendMessage (the sender waits, a failure
makes the batch visible again at once, deleted mappings keep firing), Kinesis once per record
inside PutRecord (one mapping per stream); S3 notifications and SNS call the function
synchronously (SNS with a placeholder event: TopicArn ``arn:aws:sns:EXAMPLE``, fixed MessageId
and attributes).

Here instead:

- SQS and Kinesis mappings are detached from moto's inline path and polled by one daemon thread
  over every account and region: batches of at most BatchSize, only while the mapping is
  enabled, one batch in flight per mapping. SQS: messages received with the queue's visibility
  timeout, deleted when the function succeeds (all but ``batchItemFailures`` with
  ReportBatchItemFailures), left to reappear (and reach a DLQ by the redrive policy) when it
  fails. Kinesis: per-shard positions from StartingPosition (LATEST, TRIM_HORIZON, AT_TIMESTAMP),
  a failed batch is retried (MaximumRetryAttempts, default: until it succeeds).
- S3 bucket notifications (object keys encoded as AWS does: ``/`` kept), SNS subscriptions
  (protocol lambda, with the real topic ARN, message id, subject and attributes), EventBridge
  notifications and CloudWatch Logs subscription deliveries invoke asynchronously, as on AWS.

Not implemented: FilterCriteria, MaximumBatchingWindowInSeconds, BisectBatchOnFunctionError,
on-failure destinations. DynamoDB stream mappings stay moto's (inline, synchronous).
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus, unquote_plus

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.2
KINESIS_MAX_BATCH = 10_000


def _arn_parts(arn: str) -> list[str]:
    parts = arn.split(":", 5)
    return parts + [""] * (6 - len(parts))


def resolve_function(arn: str, default_account: str) -> Any | None:
    """The function (version or alias target) an ARN names, or None (logged)."""
    from moto.awslambda.models import lambda_backends

    parts = _arn_parts(arn)
    try:
        return lambda_backends[parts[4] or default_account][parts[3]].get_function(arn)
    except Exception as e:
        log.warning("no Lambda function %s to invoke: %s", arn, e)
        return None


class Poller:
    """Polls SQS queues and Kinesis streams that have event source mappings."""

    def __init__(self, runtime: Callable[[], Any]) -> None:
        self._runtime = runtime
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        # No reset hook: mappings (and the Kinesis positions kept on them) disappear with
        # moto's state; batches in flight finish on their own.

    def start(self) -> None:
        threading.Thread(target=self._loop, name="lambda-event-sources", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(POLL_INTERVAL_S):
            try:
                self.tick()
            except Exception:
                log.exception("polling Lambda event sources failed")

    def tick(self) -> None:
        from moto.awslambda.models import lambda_backends

        try:
            backends = list(lambda_backends.iter_backends())
        except RuntimeError:  # an account or region appeared meanwhile: next tick
            return
        for _, _, backend in backends:
            for esm in list(backend._event_source_mappings.values()):
                if not esm.enabled or esm.uuid in self._busy:
                    continue
                service = _arn_parts(esm.event_source_arn)[2]
                if service == "sqs":
                    job = self._sqs_batch(backend, esm)
                elif service == "kinesis":
                    job = self._kinesis_job(backend, esm)
                else:
                    continue
                if job is not None:
                    with self._lock:
                        self._busy.add(esm.uuid)
                    threading.Thread(target=self._run, args=(esm.uuid, job), daemon=True).start()

    def _run(self, uuid: str, job: Callable[[], None]) -> None:
        try:
            job()
        except Exception:
            log.exception("event source mapping %s: batch failed", uuid)
        finally:
            with self._lock:
                self._busy.discard(uuid)

    def _invoke(self, backend: Any, esm: Any, event: dict[str, Any]) -> Any | None:
        """The invocation's Outcome, or None when the function could not run at all."""
        try:
            fn = backend.get_function(esm.function_arn)
            return self._runtime().run(fn, event)
        except Exception as e:
            log.warning("event source mapping %s: could not invoke: %s", esm.uuid, e)
            return None

    # --- SQS ---------------------------------------------------------------------------------

    def _sqs_batch(self, backend: Any, esm: Any) -> Callable[[], None] | None:
        from moto.sqs.models import sqs_backends

        parts = _arn_parts(esm.event_source_arn)
        region, account, name = parts[3], parts[4], parts[5]
        sqs = sqs_backends[account][region]
        queue = sqs.queues.get(name)
        if queue is None or not queue.messages:
            return None
        visibility = max(int(queue.visibility_timeout or 30), 1)
        messages = sqs.receive_message(
            name, min(int(esm.batch_size), 10_000), 0, visibility, ["All"]
        )
        if not messages:
            return None
        event = {"Records": [_sqs_record(m, esm.event_source_arn, region) for m in messages]}

        def job() -> None:
            outcome = self._invoke(backend, esm, event)
            if outcome is None or outcome.function_error:
                return  # the messages become visible again after the visibility timeout
            failed = _batch_item_failures(esm, outcome.payload)
            if failed is None:
                return  # a malformed partial-batch response fails the whole batch
            for m in messages:
                if m.id not in failed:
                    try:
                        sqs.delete_message(name, m.receipt_handle)
                    except Exception as e:  # the queue or message went away meanwhile
                        log.info("could not delete SQS message %s: %s", m.id, e)

        return job

    # --- Kinesis -----------------------------------------------------------------------------

    def _kinesis_job(self, backend: Any, esm: Any) -> Callable[[], None] | None:
        stream = _kinesis_stream(esm.event_source_arn)
        if stream is None:
            return None
        positions = _positions(esm)
        pending = [
            shard
            for shard in list(stream.shards.values())
            if shard.get_max_sequence_number() > positions.get(shard.shard_id, 0)
        ]
        if not pending:
            return None

        def job() -> None:
            for shard in pending:
                self._kinesis_shard(backend, esm, stream, shard, positions)

        return job

    def _kinesis_shard(
        self, backend: Any, esm: Any, stream: Any, shard: Any, positions: dict[str, int]
    ) -> None:
        start = positions.get(shard.shard_id, 0)
        limit = min(int(esm.batch_size), KINESIS_MAX_BATCH)
        records, last, _ = shard.get_records(str(start), limit)
        if not records:
            return
        region = _arn_parts(stream.arn)[3]
        role = _function_role(backend, esm)
        event = {
            "Records": [
                _kinesis_record(r, shard.shard_id, stream.arn, region, role) for r in records
            ]
        }
        outcome = self._invoke(backend, esm, event)
        retries = esm.__dict__.setdefault("_labkit_retries", {})
        if outcome is not None and not outcome.function_error:
            positions[shard.shard_id] = last
            retries.pop(shard.shard_id, None)
            return
        retries[shard.shard_id] = retries.get(shard.shard_id, 0) + 1
        limit_retries = esm.max_retry_attempts
        if limit_retries is not None and int(limit_retries) >= 0:
            if retries[shard.shard_id] > int(limit_retries):
                log.warning("event source mapping %s: dropping a failed batch", esm.uuid)
                positions[shard.shard_id] = last
                retries.pop(shard.shard_id, None)


def _function_role(backend: Any, esm: Any) -> str:
    try:
        return str(backend.get_function(esm.function_arn).role)
    except Exception:
        return ""


def _positions(esm: Any) -> dict[str, int]:
    """Per-shard last processed sequence number, kept on the mapping (gone on reset)."""
    return esm.__dict__.setdefault("_labkit_positions", {})


def _kinesis_stream(arn: str) -> Any | None:
    from moto.kinesis.models import kinesis_backends

    parts = _arn_parts(arn)
    name = parts[5].split("/", 1)[-1]
    return kinesis_backends[parts[4]][parts[3]].streams.get(name)


def _sqs_record(m: Any, queue_arn: str, region: str) -> dict[str, Any]:
    attributes = {
        "ApproximateReceiveCount": str(m.approximate_receive_count),
        "SentTimestamp": str(m.sent_timestamp),
        "SenderId": str(m.sender_id),
        "ApproximateFirstReceiveTimestamp": str(m.approximate_first_receive_timestamp),
    }
    if m.group_id:
        attributes["MessageGroupId"] = m.group_id
    if m.deduplication_id:
        attributes["MessageDeduplicationId"] = m.deduplication_id
    if m.sequence_number:
        attributes["SequenceNumber"] = str(m.sequence_number)
    message_attributes = {}
    for key, value in m.message_attributes.items():
        entry: dict[str, Any] = {
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value.get("DataType"),
        }
        if "StringValue" in value:
            entry["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            binary = value["BinaryValue"]
            if isinstance(binary, bytes):
                binary = base64.b64encode(binary).decode()
            entry["binaryValue"] = binary
        message_attributes[key] = entry
    record = {
        "messageId": m.id,
        "receiptHandle": m.receipt_handle,
        "body": m.body,
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": m.body_md5,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message_attributes:
        record["md5OfMessageAttributes"] = m.attribute_md5
    return record


def _batch_item_failures(esm: Any, payload: bytes) -> set[str] | None:
    """Message ids the function reported as failed; None when the whole batch failed."""
    import json

    if "ReportBatchItemFailures" not in (esm.function_response_types or []):
        return set()
    try:
        response = json.loads(payload or b"null")
    except ValueError:
        return set()
    if not isinstance(response, dict) or not response.get("batchItemFailures"):
        return set()
    failed = set()
    for item in response["batchItemFailures"]:
        ident = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not ident:
            return None
        failed.add(str(ident))
    return failed


def _kinesis_record(
    r: Any, shard_id: str, stream_arn: str, region: str, role: str
) -> dict[str, Any]:
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": r.partition_key,
            "sequenceNumber": str(r.sequence_number),
            "data": r.data,
            "approximateArrivalTimestamp": round(r.created_at, 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{r.sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }


def _starting_positions(esm: Any) -> None:
    """LATEST / AT_TIMESTAMP: positions as of the mapping's creation (TRIM_HORIZON: 0)."""
    stream = _kinesis_stream(esm.event_source_arn)
    if stream is None or esm.starting_position == "TRIM_HORIZON":
        return
    positions = _positions(esm)
    for shard in stream.shards.values():
        if esm.starting_position == "AT_TIMESTAMP" and esm.starting_position_timestamp:
            at = float(esm.starting_position_timestamp)
            positions[shard.shard_id] = shard.get_sequence_number_at(at)
        else:
            positions[shard.shard_id] = shard.get_max_sequence_number()


# --- patches of moto ---------------------------------------------------------------------------


def patch(runtime: Callable[[], Any]) -> None:
    """Detach mappings from moto's inline paths and make push deliveries asynchronous."""
    import moto.events.notifications as events_notifications
    import moto.s3.notifications as s3_notifications
    from moto.awslambda.models import LambdaBackend
    from moto.sns.models import Subscription

    create_mapping = LambdaBackend.create_event_source_mapping
    send_log_event = LambdaBackend.send_log_event
    publish = Subscription.publish

    def create_event_source_mapping(self: Any, spec: dict[str, Any]) -> Any:
        esm = create_mapping(self, spec)
        _detach(self, esm)
        return esm

    def send_log_event_async(self: Any, *args: Any, **kwargs: Any) -> None:
        runtime().submit(lambda: send_log_event(self, *args, **kwargs))

    def s3_invoke(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        fn = resolve_function(fn_arn, account_id)
        if fn is not None:
            runtime().run_async(fn, _s3_key_as_aws(event_body))

    def events_invoke(account_id: str, fn_arn: str, event: Any) -> None:
        fn = resolve_function(fn_arn, account_id)
        if fn is not None:
            runtime().run_async(fn, event)

    def subscription_publish(self: Any, message: str, message_id: str, *args: Any, **kw: Any):
        if self.protocol != "lambda":
            return publish(self, message, message_id, *args, **kw)
        return _sns_to_lambda(runtime, self, message, message_id, *args, **kw)

    LambdaBackend.create_event_source_mapping = create_event_source_mapping  # type: ignore
    LambdaBackend.send_log_event = send_log_event_async  # type: ignore[method-assign]
    s3_notifications._invoke_awslambda = s3_invoke
    events_notifications._invoke_lambda = events_invoke
    Subscription.publish = subscription_publish  # type: ignore[method-assign]


def _s3_key_as_aws(event: dict[str, Any]) -> dict[str, Any]:
    """AWS form-encodes object keys in S3 events but keeps ``/`` (moto encodes it as %2F)."""
    for record in event.get("Records", []):
        obj = record.get("s3", {}).get("object", {})
        if "key" in obj:
            obj["key"] = quote_plus(unquote_plus(obj["key"]), safe="/")
    return event


def _detach(backend: Any, esm: Any) -> None:
    """Remove the mapping from moto's inline trigger dicts: the Poller serves it."""
    from moto.kinesis.models import kinesis_backends
    from moto.sqs.models import sqs_backends

    service = _arn_parts(esm.event_source_arn)[2]
    if service == "sqs":
        sources = sqs_backends[backend.account_id][backend.region_name].queues.values()
    elif service == "kinesis":
        sources = kinesis_backends[backend.account_id][backend.region_name].streams.values()
        _starting_positions(esm)
    else:
        return
    for source in list(sources):
        mappings = source.lambda_event_source_mappings
        for key in [k for k, v in mappings.items() if v is esm]:
            del mappings[key]


def _sns_to_lambda(
    runtime: Callable[[], Any],
    sub: Any,
    message: str,
    message_id: str,
    subject: str | None = None,
    message_attributes: dict[str, Any] | None = None,
    group_id: str | None = None,
    deduplication_id: str | None = None,
    message_structure: str | None = None,
) -> None:
    """SNS delivery to a function: moto's filter policy and message structure, AWS's event."""
    matcher = sub._filter_policy_matcher
    if matcher is not None and not matcher.matches(message_attributes, message):
        return
    if message_structure == "json":
        message = sub._parse_message_structure(message, sub.protocol)
    fn = resolve_function(sub.endpoint, sub.account_id)
    if fn is None:
        return
    region = _arn_parts(sub.topic.arn)[3]
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    base = f"https://sns.{region}.amazonaws.com/"
    event = {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": sub.arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": sub.topic.arn,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": stamp,
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": f"{base}SimpleNotificationService-0000000000000000.pem",
                    "UnsubscribeUrl": f"{base}?Action=Unsubscribe&SubscriptionArn={sub.arn}",
                    "MessageAttributes": message_attributes or {},
                },
            }
        ]
    }
    runtime().run_async(fn, event)
