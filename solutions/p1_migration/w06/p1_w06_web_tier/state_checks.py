"""Out-of-kernel state checks of p1_w06_web_tier (instructor-only, never shipped).

The grader runs these in its own process against the grading worker's emulator after the
notebook ran; each mirrors its grade cell's visible and hidden checks on the configuration
(and, for the images, on every object against its file).
"""

from __future__ import annotations

import hashlib
import json

from labkit.checks import as_list, expect, statements
from labkit.datasets import p1_retail

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
}


def _directives(header: str | None) -> dict[str, str]:
    out = {}
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key:
            out[key.lower()] = value
    return out


def _distribution(lab) -> dict:
    cloudfront = lab.client("cloudfront")
    items = cloudfront.list_distributions()["DistributionList"].get("Items", [])
    comment = lab.names["distribution_comment"]
    found = [d for d in items if d.get("Comment") == comment]
    expect(found, f"no CloudFront distribution with Comment {comment!r} (task 3)")
    expect(len(found) == 1, f"{len(found)} distributions have Comment {comment!r}; keep one")
    return cloudfront.get_distribution(Id=found[0]["Id"])["Distribution"]


def _label(names) -> str:
    return (
        names["alb_arn"].split(":loadbalancer/", 1)[1]
        + "/"
        + names["target_group_arn"].split(":", 5)[5]
    )


# --- task 1 -----------------------------------------------------------------------------------


def images_bucket(lab) -> None:
    s3, bucket = lab.client("s3"), lab.names["images_bucket"]
    expect(bucket in {b["Name"] for b in s3.list_buckets()["Buckets"]}, f"no bucket named {bucket}")
    status = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    expect(status == "Enabled", f"versioning of {bucket} is {status or 'not set'}")
    try:
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    except s3.exceptions.ClientError:
        block = {}
    keys = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    off = [k for k in keys if not block.get(k)]
    expect(not off, f"Block Public Access of {bucket}: {off} must be on")
    try:
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"][
            "Rules"
        ]
    except s3.exceptions.ClientError:
        rules = []
    algorithms = {
        r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for r in rules
    }
    expect(
        algorithms & {"AES256", "aws:kms", "aws:kms:dsse"}, f"{bucket} has no default encryption"
    )
    try:
        ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    except s3.exceptions.ClientError:
        ownership = []
    expect(
        [r.get("ObjectOwnership") for r in ownership] == ["BucketOwnerEnforced"],
        f"object ownership of {bucket} must be BucketOwnerEnforced",
    )


# --- task 2 -----------------------------------------------------------------------------------


def images_synced(lab) -> None:
    s3, bucket = lab.client("s3"), lab.names["images_bucket"]
    root = p1_retail.ROOT / "nfs" / "images"
    files = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}
    expect(files, f"no files under {root}")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    objects = {o["Key"]: o for page in pages for o in page.get("Contents", [])}
    missing = sorted(set(files) - set(objects))
    expect(not missing, f"{len(missing)} NFS files have no object in {bucket}, e.g. {missing[:3]}")
    extra = sorted(set(objects) - set(files))
    expect(not extra, f"{bucket} holds objects that are not NFS files: {extra[:5]}")
    for key, path in files.items():
        data = path.read_bytes()
        expect(
            objects[key]["ETag"].strip('"') == hashlib.md5(data).hexdigest(),
            f"object {key} differs from its file",
        )
        head = s3.head_object(Bucket=bucket, Key=key)
        want = TYPES.get(path.suffix.lower())
        expect(
            head.get("ContentType") == want,
            f"{key}: Content-Type {head.get('ContentType')!r}, expected {want!r}",
        )
        directives = _directives(head.get("CacheControl"))
        max_age = directives.get("max-age", "")
        expect(
            max_age.isdigit(), f"{key}: Cache-Control {head.get('CacheControl')!r} has no max-age"
        )
        if key.startswith("products/"):
            expect(int(max_age) >= 31536000, f"{key}: max-age {max_age}, expected one year")
            expect("immutable" in directives, f"{key}: product images must be immutable")
        else:
            expect("immutable" not in directives, f"{key}: banners must not be immutable")
            expect(0 < int(max_age) <= 604800, f"{key}: banners should expire within days")


# --- task 3 -----------------------------------------------------------------------------------


def distribution(lab) -> None:
    names, cloudfront, region = lab.names, lab.client("cloudfront"), lab.region
    oacs = cloudfront.list_origin_access_controls()["OriginAccessControlList"].get("Items", [])
    named = [o for o in oacs if o["Name"] == names["oac"]]
    expect(len(named) == 1, f"expected one origin access control named {names['oac']!r}")
    cfg = cloudfront.get_origin_access_control(Id=named[0]["Id"])["OriginAccessControl"][
        "OriginAccessControlConfig"
    ]
    for key, want in (
        ("SigningProtocol", "sigv4"),
        ("SigningBehavior", "always"),
        ("OriginAccessControlOriginType", "s3"),
    ):
        expect(cfg.get(key) == want, f"OAC {names['oac']}: {key} is {cfg.get(key)!r}, not {want!r}")
    config = _distribution(lab)["DistributionConfig"]
    expect(config.get("Enabled"), "the distribution is disabled")
    origins = config["Origins"].get("Items", [])
    s3_origin = next(
        (
            o
            for o in origins
            if o["DomainName"] == f"{names['images_bucket']}.s3.{region}.amazonaws.com"
        ),
        None,
    )
    expect(s3_origin, f"no origin on the regional endpoint of {names['images_bucket']}")
    expect(
        not s3_origin.get("S3OriginConfig", {}).get("OriginAccessIdentity"),
        "the S3 origin uses a legacy origin access identity",
    )
    alb_origin = next((o for o in origins if o["DomainName"] == names["origin_domain"]), None)
    expect(alb_origin, f"no origin {names['origin_domain']} for the load balancer")
    expect(
        alb_origin.get("CustomOriginConfig", {}).get("OriginProtocolPolicy") == "https-only",
        "the load balancer origin must be https-only",
    )
    behaviours = {b["PathPattern"]: b for b in config.get("CacheBehaviors", {}).get("Items", [])}
    behaviours["(default)"] = config["DefaultCacheBehavior"]
    for path, origin, policy in (
        ("/products/*", s3_origin["Id"], CACHING_OPTIMIZED),
        ("/banners/*", s3_origin["Id"], CACHING_OPTIMIZED),
        ("/api/*", alb_origin["Id"], CACHING_DISABLED),
        ("(default)", alb_origin["Id"], CACHING_DISABLED),
    ):
        expect(path in behaviours, f"no cache behaviour for {path}")
        b = behaviours[path]
        expect(b["TargetOriginId"] == origin, f"behaviour {path} goes to {b['TargetOriginId']!r}")
        expect(b.get("CachePolicyId") == policy, f"behaviour {path} uses {b.get('CachePolicyId')}")
        expect(
            b.get("ViewerProtocolPolicy") == "redirect-to-https",
            f"behaviour {path} must redirect viewers to HTTPS",
        )
        expect(b.get("Compress") is True, f"behaviour {path} does not compress")
    for path in ("/api/*", "(default)"):
        methods = set(behaviours[path].get("AllowedMethods", {}).get("Items", []))
        expect({"POST", "PUT", "DELETE"} <= methods, f"behaviour {path} must allow POST/PUT/DELETE")
    expect(config.get("PriceClass") == "PriceClass_100", "PriceClass must be PriceClass_100")


# --- task 4 -----------------------------------------------------------------------------------


def bucket_policy(lab) -> None:
    s3, bucket = lab.client("s3"), lab.names["images_bucket"]
    try:
        doc = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    except s3.exceptions.ClientError:
        raise AssertionError(f"bucket {bucket} has no bucket policy") from None
    stmts = statements(doc)
    allows = [s for s in stmts if s.get("Effect") == "Allow"]
    expect(len(allows) == 1, f"the policy should have one Allow statement, it has {len(allows)}")
    grant = allows[0]
    expect(
        as_list((grant.get("Principal") or {}).get("Service")) == ["cloudfront.amazonaws.com"]
        and set(grant.get("Principal")) == {"Service"},
        f"the Allow's principal is {grant.get('Principal')}, expected the CloudFront service",
    )
    expect(
        [a.lower() for a in as_list(grant.get("Action"))] == ["s3:getobject"],
        f"CloudFront needs s3:GetObject only, the policy allows {grant.get('Action')}",
    )
    expect(
        as_list(grant.get("Resource")) == [f"arn:aws:s3:::{bucket}/*"],
        f"the Allow's resource is {grant.get('Resource')}",
    )
    conditions = grant.get("Condition", {})
    source_arns = next(
        (
            value
            for operator in ("StringEquals", "ArnEquals", "ArnLike")
            for key, value in conditions.get(operator, {}).items()
            if key.lower() == "aws:sourcearn"
        ),
        None,
    )
    the_arn = _distribution(lab)["ARN"]
    expect(source_arns is not None, f"the Allow has no condition on AWS:SourceArn ({conditions})")
    expect(
        as_list(source_arns) == [the_arn],
        f"AWS:SourceArn is {source_arns}, expected the shop distribution {the_arn}",
    )
    for s in stmts:
        if s.get("Effect") == "Deny":
            expect(s.get("Condition"), "a Deny without a condition locks CloudFront out")


# --- task 5 -----------------------------------------------------------------------------------


def https_listener(lab) -> None:
    names = lab.names
    acm, elbv2, route53 = lab.client("acm"), lab.client("elbv2"), lab.client("route53")
    summaries = acm.list_certificates()["CertificateSummaryList"]
    certs = [
        acm.describe_certificate(CertificateArn=c["CertificateArn"])["Certificate"]
        for c in summaries
        if c["DomainName"] == names["domain"]
    ]
    expect(len(certs) == 1, f"expected one certificate for {names['domain']}, found {len(certs)}")
    cert = certs[0]
    expect(cert.get("Type") == "AMAZON_ISSUED", "request the certificate from ACM")
    for san in (names["alt_domain"], names["origin_domain"]):
        expect(san in cert.get("SubjectAlternativeNames", []), f"SAN {san} missing")
    answer = route53.test_dns_answer(
        HostedZoneId=names["zone_id"], RecordName=names["origin_domain"], RecordType="A"
    )
    expect(
        names["alb_dns"] in answer.get("RecordData", []),
        f"DNS answers {answer.get('RecordData')} for {names['origin_domain']}, not the ALB",
    )
    options = cert.get("DomainValidationOptions", [])
    expect(options and all(o.get("ValidationMethod") == "DNS" for o in options), "DNS validation")
    records = route53.list_resource_record_sets(HostedZoneId=names["zone_id"])["ResourceRecordSets"]
    origin_records = [
        r for r in records if r["Name"].rstrip(".") == names["origin_domain"] and r["Type"] == "A"
    ]
    expect(
        origin_records
        and origin_records[0].get("AliasTarget", {}).get("HostedZoneId") == names["alb_zone_id"],
        f"{names['origin_domain']} should be an alias A record to the ALB "
        f"(hosted zone {names['alb_zone_id']})",
    )
    have = {
        (r["Name"].rstrip(".").lower(), r["Type"]): {
            v["Value"] for v in r.get("ResourceRecords", [])
        }
        for r in records
    }
    for o in options:
        rr = o["ResourceRecord"]
        expect(
            rr["Value"] in have.get((rr["Name"].rstrip(".").lower(), rr["Type"]), set()),
            f"the zone has no validation record {rr['Name']} for {o['DomainName']}",
        )
    listeners = {
        item["Port"]: item
        for item in elbv2.describe_listeners(LoadBalancerArn=names["alb_arn"])["Listeners"]
    }
    expect(443 in listeners, "the load balancer has no listener on port 443")
    https = listeners[443]
    expect(https["Protocol"] == "HTTPS", "the port 443 listener is not HTTPS")
    expect(
        [c["CertificateArn"] for c in https.get("Certificates", [])] == [cert["CertificateArn"]],
        "the HTTPS listener does not use the shop's certificate",
    )
    protocols = set(
        elbv2.describe_ssl_policies(Names=[https["SslPolicy"]])["SslPolicies"][0]["SslProtocols"]
    )
    expect(
        "TLSv1.3" in protocols and not protocols & {"TLSv1", "TLSv1.1", "SSLv3"},
        f"TLS policy {https['SslPolicy']} allows {sorted(protocols)}",
    )
    actions = https["DefaultActions"]
    expect(
        [a["Type"] for a in actions] == ["forward"]
        and names["target_group_arn"] in json.dumps(actions),
        "the HTTPS listener must forward to the shop's target group",
    )
    expect(80 in listeners, "the HTTP:80 listener is gone")
    plain = listeners[80]["DefaultActions"]
    expect([a["Type"] for a in plain] == ["redirect"], "port 80 must redirect")
    cfg = plain[0].get("RedirectConfig", {})
    expect(
        cfg.get("Protocol") == "HTTPS"
        and str(cfg.get("Port")) == "443"
        and cfg.get("StatusCode") == "HTTP_301",
        f"port 80 redirects with {cfg}, expected HTTPS:443 HTTP_301",
    )


# --- task 6 -----------------------------------------------------------------------------------


def target_tracking(lab) -> None:
    names, autoscaling = lab.names, lab.client("autoscaling")
    groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[names["asg"]])
    expect(groups["AutoScalingGroups"], f"the Auto Scaling group {names['asg']} is gone")
    group = groups["AutoScalingGroups"][0]
    expect(2 <= group["MinSize"], f"MinSize {group['MinSize']} < 2")
    expect(20 <= group["MaxSize"] <= 40, f"MaxSize {group['MaxSize']}, expected 20 (10x)")
    expect(
        names["target_group_arn"] in group.get("TargetGroupARNs", []),
        f"{names['asg']} is not registered with the target group",
    )
    policies = autoscaling.describe_policies(AutoScalingGroupName=names["asg"])["ScalingPolicies"]
    found = [p for p in policies if p["PolicyName"] == names["scaling_policy"]]
    expect(found, f"no scaling policy named {names['scaling_policy']!r}")
    policy = found[0]
    expect(policy["PolicyType"] == "TargetTrackingScaling", "not a TargetTrackingScaling policy")
    tracking = policy.get("TargetTrackingConfiguration", {})
    spec = tracking.get("PredefinedMetricSpecification", {})
    expect(
        spec.get("PredefinedMetricType") == "ALBRequestCountPerTarget",
        f"the policy tracks {spec.get('PredefinedMetricType')}",
    )
    expect(
        spec.get("ResourceLabel") == _label(names),
        f"ResourceLabel is {spec.get('ResourceLabel')!r}, expected {_label(names)!r}",
    )
    expect(100 <= float(tracking.get("TargetValue", 0)) <= 5000, "implausible TargetValue")
    expect(not tracking.get("DisableScaleIn"), "keep scale-in enabled")
    expect(policy.get("EstimatedInstanceWarmup"), "set EstimatedInstanceWarmup")


CHECKS = {
    "bucket_tests": images_bucket,
    "sync_tests": images_synced,
    "cdn_tests": distribution,
    "policy_tests": bucket_policy,
    "https_tests": https_listener,
    "scaling_tests": target_tracking,
}
