"""Starting state of p1_w04_landing_zone: what the platform team already has.

- the SNS topic the operations on-call subscribes to (``landing-zone-alerts``): the lab's
  CloudWatch alarm must notify it;
- the S3 bucket the application reads and writes its product assets in
  (``retail-lz-app-assets``): the app-tier IAM role must be scoped to its objects.

Idempotent: SNS CreateTopic returns the existing topic, the bucket is created only when missing.
"""

from __future__ import annotations


def seed(lab) -> dict[str, str]:
    names = lab.names
    sns = lab.client("sns")
    topic_arn = sns.create_topic(Name=names["alerts_topic"])["TopicArn"]

    s3 = lab.client("s3")
    bucket = names["app_bucket"]
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)  # us-east-1: no LocationConstraint
        s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
    return {
        "alerts_topic_arn": topic_arn,
        "app_bucket_arn": f"arn:aws:s3:::{bucket}",
        "log_group_arn": (
            f"arn:aws:logs:{lab.region}:{lab.account_id}:log-group:{names['log_group']}"
        ),
    }
