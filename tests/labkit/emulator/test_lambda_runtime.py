"""Lambda functions run for real in the emulator (labkit.emulator.extensions.lambda_runtime).

Everything goes through boto3 against a spawned emulator: functions are zips built here, and
handlers that call boto3 prove they reach the same emulator and account by writing S3 objects
the test then reads.
"""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from labkit.emulator.process import EmulatorProcess

REGION = "us-east-1"
OTHER_ACCOUNT = "111122223333"

HANDLERS = '''
import json, os, time
import boto3

def echo(event, context):
    print("echo got", json.dumps(event))
    return {
        "event": event,
        "greeting": os.environ.get("GREETING"),
        "region": os.environ["AWS_REGION"],
        "task_root": os.environ["LAMBDA_TASK_ROOT"],
        "function_name": context.function_name,
        "memory": context.memory_limit_in_mb,
        "arn": context.invoked_function_arn,
        "request_id": context.aws_request_id,
        "remaining": context.get_remaining_time_in_millis(),
    }

def fail(event, context):
    raise ValueError("bad input: " + str(event.get("x")))

def sleep(event, context):
    time.sleep(event.get("seconds", 30))
    return "woke up"

def hog(event, context):
    blob = bytearray(1024 * 1024 * 1024)
    return len(blob)

def uses_layer(event, context):
    import shared_helper
    return shared_helper.greet(event["name"])

def whoami(event, context):
    account = boto3.client("sts").get_caller_identity()["Account"]
    buckets = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    return {"account": account, "buckets": buckets}

def record(event, context):
    """Write the event to s3://$BUCKET/$PREFIX<request id>; fail on a poison SQS message."""
    for r in event.get("Records", []):
        if r.get("body") == "poison":
            raise RuntimeError("poison message")
    boto3.client("s3").put_object(
        Bucket=os.environ["BUCKET"],
        Key=os.environ.get("PREFIX", "out/") + context.aws_request_id,
        Body=json.dumps(event),
    )
    return "recorded"
'''


def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


CODE = _zip({"app.py": HANDLERS})


def _client(service: str, url: str, account: str | None = None) -> Any:
    client = boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    if account:

        def add_account(request: Any, **_: Any) -> None:
            request.headers["x-moto-account-id"] = account

        client.meta.events.register("before-sign", add_account)
    return client


def _eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll ``check`` until it returns something truthy (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout:.0f}s")
        time.sleep(0.1)


class Aws:
    """Clients of one account of the emulator and helpers to deploy functions into it."""

    def __init__(self, url: str, account: str | None = None) -> None:
        self.url = url
        self.account = account
        for service in ("iam", "lambda", "s3", "logs", "sqs", "sns", "kinesis"):
            setattr(self, service.replace("lambda", "lam"), _client(service, url, account))
        self.role = self.iam.create_role(
            RoleName=f"fn-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument="{}"
        )["Role"]["Arn"]

    def function(self, handler: str, runtime: str = "python3.12", **kwargs: Any) -> str:
        name = f"fn-{handler}-{uuid.uuid4().hex[:8]}"
        self.lam.create_function(
            FunctionName=name,
            Runtime=runtime,
            Role=self.role,
            Handler=f"app.{handler}",
            Code={"ZipFile": kwargs.pop("code", CODE)},
            **kwargs,
        )
        return name

    def bucket(self) -> str:
        name = f"lambda-test-{uuid.uuid4().hex[:8]}"
        self.s3.create_bucket(Bucket=name)
        return name

    def recorder(self, bucket: str, prefix: str = "out/", **kwargs: Any) -> str:
        """A function that writes each event it gets to ``bucket``."""
        variables = {"BUCKET": bucket, "PREFIX": prefix}
        return self.function("record", Environment={"Variables": variables}, **kwargs)

    def recorded(self, bucket: str, prefix: str = "out/", count: int = 1) -> list[Any]:
        """The events the recorder wrote, once there are ``count`` of them (bounded wait)."""

        def keys() -> list[str]:
            listing = self.s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
            found = [o["Key"] for o in listing.get("Contents", [])]
            return found if len(found) >= count else []

        return [
            json.loads(self.s3.get_object(Bucket=bucket, Key=k)["Body"].read())
            for k in _eventually(keys)
        ]

    def log_messages(self, name: str) -> list[str]:
        events = self.logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        return [e["message"] for e in events]


@pytest.fixture(scope="module")
def emu(tmp_path_factory) -> EmulatorProcess:
    """This module's own emulator: other modules' resets cannot remove its roles meanwhile."""
    log = tmp_path_factory.mktemp("lambda-runtime") / "emulator.log"
    with EmulatorProcess.spawn(log_path=log) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def aws(emu) -> Aws:
    return Aws(emu.endpoint_url)


def _invoke(aws: Aws, name: str, payload: Any = None, **kwargs: Any) -> dict[str, Any]:
    response = aws.lam.invoke(FunctionName=name, Payload=json.dumps(payload or {}), **kwargs)
    response["Body"] = json.loads(response["Payload"].read() or b"null")
    return response


def test_request_response_returns_the_handler_result_with_env_and_context(aws):
    name = aws.function("echo", Environment={"Variables": {"GREETING": "hello"}}, MemorySize=256)
    response = _invoke(aws, name, {"n": 41}, LogType="Tail")

    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    body = response["Body"]
    assert body["event"] == {"n": 41}
    assert body["greeting"] == "hello"
    assert body["region"] == REGION
    assert body["function_name"] == name
    assert body["memory"] == "256"  # a string, as AWS's Python runtime gives it
    assert body["arn"].endswith(f":function:{name}")
    assert 0 < body["remaining"] <= 3000
    assert re.fullmatch(r"[0-9a-f-]{36}", body["request_id"])
    tail = base64.b64decode(response["LogResult"]).decode()
    assert f"START RequestId: {body['request_id']}" in tail
    assert 'echo got {"n": 41}' in tail
    assert f"REPORT RequestId: {body['request_id']}" in tail


def test_versions_and_aliases_run_their_own_code(aws):
    name = aws.function("echo", Publish=True)
    aws.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    code = _zip({"app.py": HANDLERS + "\ndef echo(event, context):\n    return 'new code'\n"})
    aws.lam.update_function_code(FunctionName=name, ZipFile=code)

    latest = _invoke(aws, name)
    assert (latest["ExecutedVersion"], latest["Body"]) == ("$LATEST", "new code")
    for qualifier in ("1", "live"):
        published = _invoke(aws, name, Qualifier=qualifier)
        assert published["ExecutedVersion"] == "1"
        assert published["Body"]["event"] == {}


def test_a_raising_handler_gives_an_unhandled_function_error(aws):
    name = aws.function("fail")
    response = _invoke(aws, name, {"x": 7})

    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    error = response["Body"]
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "bad input: 7"
    assert any("in fail" in frame for frame in error["stackTrace"])
    assert error["requestId"]


def test_timeout_kills_the_handler_and_reports_task_timed_out(aws):
    name = aws.function("sleep", Timeout=1)
    started = time.monotonic()
    response = _invoke(aws, name, {"seconds": 30})

    assert time.monotonic() - started < 6
    assert response["FunctionError"] == "Unhandled"
    assert response["Body"]["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in response["Body"]["errorMessage"]
    assert any("Task timed out after 1.00 seconds" in m for m in aws.log_messages(name))


def test_memory_size_limits_what_a_handler_can_allocate(aws):
    name = aws.function("hog", MemorySize=128)
    response = _invoke(aws, name)

    assert response["FunctionError"] == "Unhandled"
    assert response["Body"]["errorType"] == "MemoryError"


def test_invocations_run_concurrently(aws):
    name = aws.function("sleep", Timeout=10)
    results: list[Any] = []

    def call() -> None:
        results.append(_invoke(_Fresh(aws), name, {"seconds": 2})["Body"])

    threads = [threading.Thread(target=call) for _ in range(4)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert results == ["woke up"] * 4
    assert time.monotonic() - started < 6.0  # four 2 s handlers one after the other: 8 s


def test_reserved_concurrency_zero_throttles(aws):
    name = aws.function("echo")
    aws.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    no_retries = boto3.client(
        "lambda",
        endpoint_url=aws.url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    with pytest.raises(ClientError) as err:
        no_retries.invoke(FunctionName=name, Payload=b"{}")
    assert err.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429


class _Fresh:
    """A thread's own Lambda client (boto3 clients are not to be shared across threads)."""

    def __init__(self, aws: Aws) -> None:
        self.lam = _client("lambda", aws.url)


def test_logs_go_to_cloudwatch_logs_like_lambda(aws):
    name = aws.function("echo")
    request_id = _invoke(aws, name, {"log": "me"})["Body"]["request_id"]

    streams = aws.logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]
    assert len(streams) == 1
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", streams[0]["logStreamName"])
    messages = aws.log_messages(name)
    assert messages[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert 'echo got {"log": "me"}' in messages
    assert f"END RequestId: {request_id}" in messages
    report = messages[-1]
    assert report.startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    assert "\tMemory Size: 128 MB\tMax Memory Used: " in report


def test_event_invocation_runs_in_the_background_against_the_same_emulator(aws):
    bucket = aws.bucket()
    name = aws.recorder(bucket)
    response = aws.lam.invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps({"async": True})
    )

    assert response["StatusCode"] == 202
    assert aws.recorded(bucket) == [{"async": True}]


def test_dry_run_runs_nothing(aws):
    bucket = aws.bucket()
    name = aws.recorder(bucket)
    response = aws.lam.invoke(FunctionName=name, InvocationType="DryRun", Payload=b"{}")

    assert response["StatusCode"] == 204
    time.sleep(0.5)
    assert "Contents" not in aws.s3.list_objects_v2(Bucket=bucket)


def test_a_handler_in_another_account_reaches_that_account(aws, emu):
    default_bucket = aws.bucket()
    other = Aws(emu.endpoint_url, account=OTHER_ACCOUNT)
    other_bucket = other.bucket()
    name = other.function("whoami")
    response = _invoke(other, name)

    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert response["Body"]["account"] == OTHER_ACCOUNT
    assert other_bucket in response["Body"]["buckets"]
    assert default_bucket not in response["Body"]["buckets"]
    # ... and its log is in that account too.
    assert other.logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]
    with pytest.raises(ClientError) as err:
        aws.logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_handler_in_the_default_account_stays_there(aws):
    name = aws.function("whoami")

    assert _invoke(aws, name)["Body"]["account"] == "123456789012"


def test_layers_are_importable(aws):
    layer = aws.lam.publish_layer_version(
        LayerName=f"helpers-{uuid.uuid4().hex[:8]}",
        Content={
            "ZipFile": _zip({"python/shared_helper.py": "def greet(n):\n    return 'hi ' + n\n"})
        },
        CompatibleRuntimes=["python3.12"],
    )
    name = aws.function("uses_layer", Layers=[layer["LayerVersionArn"]])

    assert _invoke(aws, name, {"name": "ada"})["Body"] == "hi ada"


def test_function_not_found_is_resource_not_found(aws):
    with pytest.raises(ClientError) as err:
        aws.lam.invoke(FunctionName="no-such-function", Payload=b"{}")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_runtimes_other_than_python_fail_clearly(aws):
    name = aws.function("echo", runtime="nodejs20.x")
    with pytest.raises(ClientError) as err:
        aws.lam.invoke(FunctionName=name, Payload=b"{}")
    assert err.value.response["Error"]["Code"] == "InvalidRuntimeException"


def test_sqs_mapping_invokes_with_batches_and_deletes_on_success(aws):
    bucket = aws.bucket()
    name = aws.recorder(bucket)
    queue_url = aws.sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = aws.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    aws.lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=name, BatchSize=5)
    aws.sqs.send_message(QueueUrl=queue_url, MessageBody="order-1")

    [event] = aws.recorded(bucket)
    [record] = event["Records"]
    assert record["body"] == "order-1"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == queue_arn
    assert record["attributes"]["ApproximateReceiveCount"] == "1"

    def queue_empty() -> bool:
        attrs = aws.sqs.get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return attrs == {
            "ApproximateNumberOfMessages": "0",
            "ApproximateNumberOfMessagesNotVisible": "0",
        }

    _eventually(queue_empty)


def test_sqs_mapping_leaves_messages_when_the_function_fails(aws):
    bucket = aws.bucket()
    name = aws.recorder(bucket)
    queue_url = aws.sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = aws.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    aws.lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=name)
    aws.sqs.send_message(QueueUrl=queue_url, MessageBody="poison")

    _eventually(lambda: any("poison message" in m for m in _safe_logs(aws, name)))
    time.sleep(0.5)  # a success would have deleted it by now
    attrs = aws.sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"


def _safe_logs(aws: Aws, name: str) -> list[str]:
    try:
        return aws.log_messages(name)
    except ClientError:  # the log group does not exist yet
        return []


def test_disabled_sqs_mapping_does_not_poll(aws):
    bucket = aws.bucket()
    name = aws.recorder(bucket)
    queue_url = aws.sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = aws.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    aws.lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=name, Enabled=False)
    aws.sqs.send_message(QueueUrl=queue_url, MessageBody="waits")

    time.sleep(1.0)
    attrs = aws.sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "1"
    assert "Contents" not in aws.s3.list_objects_v2(Bucket=bucket)


def test_kinesis_mapping_invokes_with_records(aws):
    bucket = aws.bucket()
    name = aws.recorder(bucket)
    stream = f"s-{uuid.uuid4().hex[:8]}"
    aws.kinesis.create_stream(StreamName=stream, ShardCount=1)
    stream_arn = aws.kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    aws.lam.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=name, StartingPosition="TRIM_HORIZON"
    )
    aws.kinesis.put_record(StreamName=stream, Data=b"click-1", PartitionKey="user-1")
    aws.kinesis.put_record(StreamName=stream, Data=b"click-2", PartitionKey="user-1")

    events = aws.recorded(bucket)
    records = [r for e in events for r in e["Records"]]
    if len(records) < 2:  # the second record may come in a second batch
        events = aws.recorded(bucket, count=2)
        records = [r for e in events for r in e["Records"]]
    data = sorted(base64.b64decode(r["kinesis"]["data"]) for r in records)
    assert data == [b"click-1", b"click-2"]
    assert records[0]["eventSource"] == "aws:kinesis"
    assert records[0]["eventSourceARN"] == stream_arn
    assert records[0]["invokeIdentityArn"] == aws.role


def test_s3_notification_invokes_the_function(aws):
    bucket = aws.bucket()
    name = aws.recorder(bucket)
    arn = aws.lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    aws.s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "LambdaFunctionArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}},
                }
            ]
        },
    )
    aws.s3.put_object(Bucket=bucket, Key="in/report.csv", Body=b"a,b\n")

    [event] = aws.recorded(bucket)
    [record] = event["Records"]
    assert record["eventName"].startswith("ObjectCreated:")
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["object"]["key"] == "in/report.csv"


def test_sns_subscription_invokes_the_function_with_the_sns_event(aws):
    bucket = aws.bucket()
    name = aws.recorder(bucket)
    arn = aws.lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    topic = aws.sns.create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"]
    aws.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    message_id = aws.sns.publish(
        TopicArn=topic,
        Message="deploy finished",
        Subject="status",
        MessageAttributes={"color": {"DataType": "String", "StringValue": "green"}},
    )["MessageId"]

    [event] = aws.recorded(bucket)
    [record] = event["Records"]
    assert record["EventSource"] == "aws:sns"
    sns = record["Sns"]
    assert sns["TopicArn"] == topic
    assert sns["MessageId"] == message_id
    assert sns["Message"] == "deploy finished"
    assert sns["Subject"] == "status"
    assert sns["MessageAttributes"]["color"] == {"Type": "String", "Value": "green"}
