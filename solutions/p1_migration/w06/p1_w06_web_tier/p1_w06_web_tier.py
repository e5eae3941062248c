# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Project 1 · Week 6 · Day 15-17: Web Tier Implementation
#
# ## The scenario
#
# The retail shop's data now lives in PostgreSQL (week 5) and its application runs behind an
# Application Load Balancer. What is left of the old data centre on the web side is the part
# customers see first: two Apache servers that serve 400 product photos and a few campaign
# banners from an **NFS share**, and terminate TLS with a certificate someone renews by hand
# every year. Last Black Friday the NFS server saturated long before the database did.
#
# This week you build the **web tier** of the target architecture:
#
# - the product images move from the NFS share to **S3**, with the right content types and
#   cache headers, so browsers and the CDN can cache them for a year;
# - **CloudFront** serves the images from S3 through an **origin access control** (the bucket
#   stays private) and passes `/api/*` to the load balancer without caching;
# - the load balancer terminates **HTTPS** with a free, auto-renewing **ACM** certificate, and
#   plain HTTP is redirected;
# - **target tracking** scales the application tier on requests per target, so a 10x peak is
#   absorbed without a human.
#
# You work against an **emulated AWS account** with plain `boto3`, the same calls as against a
# real account. Nothing here reaches real AWS or costs money.
#
# **Estimated time: 3-4 hours.**
#
# ## What you will build
#
# | # | task | AWS services | points |
# |---|------|--------------|--------|
# | 1 | A private, versioned, encrypted bucket for the product images | S3 | 2 |
# | 2 | Migrate the NFS images: content types, cache headers, idempotent sync | S3 | 3 |
# | 3 | A CloudFront distribution: origin access control, cache behaviours | CloudFront | 3 |
# | 4 | A bucket policy that lets only that distribution read | S3, CloudFront | 2 |
# | 5 | HTTPS on the load balancer: ACM certificate, DNS validation, 80 → 443 | ACM, Route 53, ELB | 3 |
# | 6 | Target-tracking Auto Scaling for a 10x peak | Auto Scaling, ELB | 2 |
# | 7 | The web tier's architecture document and diagram in your portfolio | portfolio | 2 |
#
# By the end you should be able to:
#
# - move a file tree to S3 so that the objects carry the metadata browsers and CDNs rely on, and
#   re-run the move without re-uploading what has not changed;
# - put CloudFront in front of a private bucket with an origin access control, and explain why
#   the bucket policy names the distribution;
# - pick cache policies per path: cache static assets for a long time, never cache an API;
# - terminate TLS on a load balancer with an ACM certificate validated through DNS, with a modern
#   TLS policy;
# - scale a fleet on the load balancer's request count per target.
#
# ## How this notebook works
#
# - Run the **setup** cell first. It starts (or finds) the emulator and creates what earlier
#   weeks built: the VPC, the load balancer `retail-shop-alb` with an HTTP listener, the target
#   group `retail-shop-tg`, the Auto Scaling group `retail-shop-asg` and the hosted zone
#   `retail-shop.example.com`.
# - Each task has an explanation, a cell where **you write the code** (replace
#   `raise NotImplementedError()`), and a **check** cell. The grader runs more checks than you
#   see, and re-checks the configuration from outside your notebook.
# - Write your code so it can be **run again** safely: look a resource up before you create it.
# - Use the names in `names` (from this lab's `lab.yaml`); the checks look resources up by them.
# - The emulator stores CloudFront, ACM and load balancer configuration but serves no traffic
#   through them; the checks inspect the configuration (and the objects themselves, which are
#   real). Stuck with a broken state? `labkit reset` in a terminal, then re-run from the top.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import hashlib
import json
import re
import urllib.request
from pathlib import Path

import boto3

import labkit
from labkit.checks import as_list, expect, statements
from labkit.datasets import p1_retail

lab = labkit.start_lab("p1_w06_web_tier")
names = lab.names
REGION = lab.region
ACCOUNT_ID = lab.account_id
IMAGES_DIR = p1_retail.ROOT / "nfs" / "images"

s3 = lab.client("s3")
cloudfront = lab.client("cloudfront")
acm = lab.client("acm")
elbv2 = lab.client("elbv2")
autoscaling = lab.client("autoscaling")
route53 = lab.client("route53")

# the AWS-managed CloudFront cache policies (the same ids in every account)
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
# the AWS-managed origin request policy that forwards everything but the Host header
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"

print(lab)
print("caller:", boto3.client("sts").get_caller_identity()["Arn"])
for key in ("alb_arn", "alb_dns", "alb_zone_id", "target_group_arn", "zone_id"):
    print(f"{key:17} {names[key]}")
print("NFS images:", IMAGES_DIR, "-", sum(1 for p in IMAGES_DIR.rglob("*") if p.is_file()), "files")

# %% [markdown] nbgrader={"grade": false, "grade_id": "helpers_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The next cell defines read-only **look-up helpers** the checks use; use them in your code too.
# `nfs_files()` maps every file of the NFS share to the S3 key it must get (its path relative to
# `IMAGES_DIR`, e.g. `products/RS-10001.jpg`, the same path the application stores in
# `PRODUCTS.IMAGE_FILE`).


# %% nbgrader={"grade": false, "grade_id": "helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def nfs_files() -> dict[str, Path]:
    """Every file under the NFS images folder, by the S3 key it gets (relative POSIX path)."""
    return {
        p.relative_to(IMAGES_DIR).as_posix(): p
        for p in sorted(IMAGES_DIR.rglob("*"))
        if p.is_file()
    }


def md5_of(path: Path) -> str:
    """The hex MD5 of a file: the ETag S3 gives an object uploaded in one part."""
    return hashlib.md5(path.read_bytes()).hexdigest()


def bucket_objects(bucket: str) -> dict[str, dict]:
    """The bucket's current objects by key (Key, ETag, Size, ...)."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"]: o for page in pages for o in page.get("Contents", [])}


def shop_distribution() -> dict:
    """The CloudFront distribution whose Comment is ``names['distribution_comment']``, with its
    full config (``get_distribution``); task 3 creates it."""
    items = cloudfront.list_distributions()["DistributionList"].get("Items", [])
    found = [d for d in items if d.get("Comment") == names["distribution_comment"]]
    expect(found, f"no CloudFront distribution with Comment {names['distribution_comment']!r}")
    expect(
        len(found) == 1,
        f"{len(found)} distributions have Comment {names['distribution_comment']!r}; keep one",
    )
    return cloudfront.get_distribution(Id=found[0]["Id"])["Distribution"]


def alb_listeners() -> dict[int, dict]:
    """The seeded load balancer's listeners by port."""
    found = elbv2.describe_listeners(LoadBalancerArn=names["alb_arn"])["Listeners"]
    return {listener["Port"]: listener for listener in found}


def certificates_for(domain: str) -> list[dict]:
    """ACM certificates (described) whose main domain is ``domain``."""
    found = acm.list_certificates()["CertificateSummaryList"]
    return [
        acm.describe_certificate(CertificateArn=c["CertificateArn"])["Certificate"]
        for c in found
        if c["DomainName"] == domain
    ]


def cache_directives(header: str | None) -> dict[str, str]:
    """A Cache-Control header as a dict: 'public, max-age=60' -> {'public': '', 'max-age': '60'}."""
    out = {}
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key:
            out[key.lower()] = value
    return out


# %% [markdown] nbgrader={"grade": false, "grade_id": "task1_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 1 · A private bucket for the product images (2 points)
#
# The images are public content, but the **bucket** must not be: customers will read them through
# CloudFront (task 3), never from S3 directly. A bucket that anyone can read is also a bucket
# whose bill anyone can run up. Create the bucket `names["images_bucket"]` with:
#
# 1. **Versioning** enabled: an overwritten or deleted image can be brought back.
# 2. **Default encryption** (SSE-S3 `AES256` or SSE-KMS): every object encrypted at rest.
# 3. **Block Public Access** with all four settings on.
# 4. **Object ownership** `BucketOwnerEnforced`: ACLs are disabled, the bucket owner owns every
#    object, so no upload can sneak in a `public-read` ACL.
#
# In `us-east-1` `create_bucket` takes no `CreateBucketConfiguration`. Look the bucket up
# (`list_buckets`) before creating it; the other four calls replace their setting and are safe to
# repeat.
#
# Useful calls: `create_bucket`, `put_bucket_versioning`, `put_bucket_encryption`,
# `put_public_access_block`, `put_bucket_ownership_controls`.

# %% nbgrader={"grade": false, "grade_id": "bucket_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
bucket = names["images_bucket"]
if bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
    s3.create_bucket(Bucket=bucket)
s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
s3.put_bucket_encryption(
    Bucket=bucket,
    ServerSideEncryptionConfiguration={
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                "BucketKeyEnabled": True,
            }
        ]
    },
)
s3.put_public_access_block(
    Bucket=bucket,
    PublicAccessBlockConfiguration={
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    },
)
s3.put_bucket_ownership_controls(
    Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
)
print("bucket", bucket, "ready")
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "bucket_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
BUCKET = names["images_bucket"]
expect(BUCKET in {b["Name"] for b in s3.list_buckets()["Buckets"]}, f"no bucket named {BUCKET!r}")
status = s3.get_bucket_versioning(Bucket=BUCKET).get("Status")
expect(status == "Enabled", f"versioning of {BUCKET} is {status or 'not set'}, expected Enabled")
try:
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
except s3.exceptions.ClientError:
    block = {}
off = [
    k
    for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    if not block.get(k)
]
expect(not off, f"Block Public Access of {BUCKET}: {off} must be on")
print("bucket versioned and not public")

### BEGIN HIDDEN TESTS
try:
    rules = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
except s3.exceptions.ClientError:
    rules = []
algorithms = {r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for r in rules}
expect(
    algorithms & {"AES256", "aws:kms", "aws:kms:dsse"},
    f"{BUCKET} has no default encryption (found {sorted(a for a in algorithms if a) or 'none'})",
)
try:
    ownership = s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]["Rules"]
except s3.exceptions.ClientError:
    ownership = []
expect(
    [r.get("ObjectOwnership") for r in ownership] == ["BucketOwnerEnforced"],
    f"object ownership of {BUCKET} is {[r.get('ObjectOwnership') for r in ownership]}, "
    "expected BucketOwnerEnforced (ACLs disabled)",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task2_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 2 · Migrate the images from the NFS share (3 points)
#
# `IMAGES_DIR` is the NFS share as it is mounted on the Apache servers today:
# `products/<SKU>.jpg` for every product and a few `banners/*.png`. Copy **every file** to the
# bucket, under the **same relative path** as key (`products/RS-10001.jpg`): the application and
# the `PRODUCTS.IMAGE_FILE` column already use these paths, so nothing else has to change.
#
# An object is only as good as its metadata:
#
# - **Content-Type** from the file's extension (`.jpg`/`.jpeg` → `image/jpeg`, `.png` →
#   `image/png`, `.webp` → `image/webp`, `.gif` → `image/gif`, `.svg` → `image/svg+xml`). Without
#   it S3 stores `binary/octet-stream` and browsers download the image instead of showing it.
# - **Cache-Control**: a product photo never changes under its name (a new photo gets a new
#   name), so `products/*` get `public, max-age=31536000, immutable` (one year). Banners change
#   with campaigns: give them `public, max-age=86400` (one day), without `immutable`.
#
# Write the copy as a function **`sync_images(bucket, root) -> dict`** that returns
# `{"uploaded": <count>, "skipped": <count>}` and uploads a file **only when the object is missing
# or differs**: S3's `ETag` of an object uploaded in one part is the hex MD5 of its bytes (in
# quotes), so compare it with `md5_of(path)` (`bucket_objects(bucket)` lists keys and ETags in a
# few calls). Then a second run uploads nothing, and with versioning on (task 1) it does not pile
# up identical versions. The grader calls your function again, and also after damaging an object.
#
# Useful calls: `put_object(Bucket, Key, Body, ContentType, CacheControl)`, `list_objects_v2`
# (or the helper `bucket_objects`), `head_object`.
#
# **See the application use it.** The shop serves `GET /images/<key>` from the bucket when it is
# started with `images_bucket` (that route needs no database, so any database URL will do here):
# `with p1_retail.start_shop("postgresql://shop@127.0.0.1:1/shop", images_bucket=...,
# s3_client=s3) as shop:` then `urllib.request.urlopen(shop.url + "/images/products/RS-10001.jpg")`.
# The check does the same for a few images.

# %% nbgrader={"grade": false, "grade_id": "sync_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
}


def cache_control_for(key: str) -> str:
    if key.startswith("products/"):
        return "public, max-age=31536000, immutable"
    return "public, max-age=86400"


def sync_images(bucket: str, root: Path) -> dict:
    existing = bucket_objects(bucket)
    counts = {"uploaded": 0, "skipped": 0}
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        key = path.relative_to(root).as_posix()
        etag = existing.get(key, {}).get("ETag", "").strip('"')
        if etag == md5_of(path):
            counts["skipped"] += 1
            continue
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=path.read_bytes(),
            ContentType=CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream"),
            CacheControl=cache_control_for(key),
        )
        counts["uploaded"] += 1
    return counts


first_run = sync_images(names["images_bucket"], IMAGES_DIR)
print("first run:", first_run)
print("second run:", sync_images(names["images_bucket"], IMAGES_DIR))

# the application reads the images from the bucket now (the image route needs no database)
with p1_retail.start_shop(
    "postgresql://shop@127.0.0.1:1/shop", images_bucket=names["images_bucket"], s3_client=s3
) as shop:
    with urllib.request.urlopen(shop.url + "/images/products/RS-10001.jpg") as response:
        print(
            "shop:",
            response.status,
            response.headers["Content-Type"],
            len(response.read()),
            "bytes",
        )
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "sync_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
BUCKET = names["images_bucket"]
FILES = nfs_files()
expect(FILES, f"no files under {IMAGES_DIR}: the course data set is incomplete")
objects = bucket_objects(BUCKET)
missing = sorted(set(FILES) - set(objects))
expect(not missing, f"{len(missing)} NFS files have no object in {BUCKET}, e.g. {missing[:3]}")
sample = "products/RS-10001.jpg"
head = s3.head_object(Bucket=BUCKET, Key=sample)
expect(
    head.get("ContentType") == "image/jpeg",
    f"{sample} has Content-Type {head.get('ContentType')!r}, expected 'image/jpeg'",
)
expect(
    "max-age" in cache_directives(head.get("CacheControl")),
    f"{sample} has Cache-Control {head.get('CacheControl')!r}: set a max-age",
)
again = sync_images(BUCKET, IMAGES_DIR)
expect(
    again.get("uploaded") == 0 and again.get("skipped") == len(FILES),
    f"a second sync_images run should upload nothing and skip {len(FILES)} files; it returned {again}",
)
print(f"{len(FILES)} images in S3; a second run uploads nothing")

### BEGIN HIDDEN TESTS
TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
}
extra = sorted(set(objects) - set(FILES))
expect(not extra, f"{BUCKET} holds objects that are not NFS files: {extra[:5]}")
for key, path in FILES.items():
    obj = s3.get_object(Bucket=BUCKET, Key=key)
    expect(
        obj["Body"].read() == path.read_bytes(), f"object {key} differs from the file {path.name}"
    )
    want = TYPES.get(path.suffix.lower())
    expect(
        obj.get("ContentType") == want,
        f"{key}: Content-Type {obj.get('ContentType')!r}, expected {want!r}",
    )
    directives = cache_directives(obj.get("CacheControl"))
    max_age = directives.get("max-age", "")
    expect(max_age.isdigit(), f"{key}: Cache-Control {obj.get('CacheControl')!r} has no max-age")
    if key.startswith("products/"):
        expect(int(max_age) >= 31536000, f"{key}: max-age {max_age}, expected one year (31536000)")
        expect(
            "immutable" in directives,
            f"{key}: product images are immutable; say so in Cache-Control",
        )
    else:
        expect("immutable" not in directives, f"{key}: banners change; they must not be immutable")
        expect(
            0 < int(max_age) <= 604800,
            f"{key}: max-age {max_age}; banners should expire within days",
        )
    expect(
        "no-store" not in directives and "private" not in directives, f"{key}: CDN-cacheable please"
    )
# damage one object: the next sync must repair exactly that one
s3.put_object(Bucket=BUCKET, Key=sample, Body=b"not the photo", ContentType="text/plain")
repaired = sync_images(BUCKET, IMAGES_DIR)
expect(
    repaired.get("uploaded") == 1,
    f"after {sample} changed in S3, sync_images should upload exactly it; it returned {repaired}",
)
fixed = s3.get_object(Bucket=BUCKET, Key=sample)
expect(
    fixed["Body"].read() == FILES[sample].read_bytes() and fixed["ContentType"] == "image/jpeg",
    f"sync_images did not restore {sample}",
)
versions = s3.list_object_versions(Bucket=BUCKET, Prefix="products/RS-10002.jpg").get(
    "Versions", []
)
expect(
    len(versions) == 1,
    f"products/RS-10002.jpg has {len(versions)} versions; unchanged files must not be uploaded again",
)
# the shop application, reading the bucket, serves the NFS files under the paths it stores
served_keys = [sample, *sorted(k for k in FILES if not k.startswith("products/"))[:2]]
with p1_retail.start_shop(
    "postgresql://shop@127.0.0.1:1/shop", images_bucket=BUCKET, s3_client=s3
) as image_shop:
    for key in served_keys:
        with urllib.request.urlopen(image_shop.url + "/images/" + key, timeout=30) as response:
            expect(
                response.status == 200 and response.read() == FILES[key].read_bytes(),
                f"the shop's /images/{key} does not serve the NFS file from {BUCKET}",
            )
            expect(
                response.headers["Content-Type"] == TYPES[FILES[key].suffix.lower()],
                f"the shop serves /images/{key} as {response.headers['Content-Type']}",
            )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task3_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 3 · CloudFront in front of the bucket and the load balancer (3 points)
#
# One distribution serves the whole shop: images from S3, everything else from the load balancer.
#
# 1. An **origin access control** named `names["oac"]`: `SigningProtocol="sigv4"`,
#    `SigningBehavior="always"`, `OriginAccessControlOriginType="s3"`. CloudFront then signs every
#    request to S3 with its own service identity; the bucket stays private. (The older *origin
#    access identity*, OAI, is legacy: don't use one.)
# 2. A distribution with `Comment=names["distribution_comment"]`, enabled, with two origins:
#    - `images`: the bucket's **regional** endpoint `<bucket>.s3.us-east-1.amazonaws.com`, with
#      `S3OriginConfig={"OriginAccessIdentity": ""}` (no OAI) and `OriginAccessControlId` set to
#      your OAC's id;
#    - `alb`: the domain `names["origin_domain"]` (`origin.retail-shop.example.com`) with a
#      `CustomOriginConfig` whose `OriginProtocolPolicy` is `https-only`. Why not the load
#      balancer's own DNS name (`names["alb_dns"]`)? Over HTTPS, CloudFront checks that the
#      origin's certificate matches the origin's domain name, and no certificate of yours can
#      cover `*.elb.amazonaws.com`. In task 5 the ALB gets a certificate that covers the origin
#      domain, and the origin domain becomes an alias record pointing at the ALB.
# 3. Cache behaviours. The viewer's path is the S3 key (CloudFront forwards the path as is), so
#    the images are served at `/products/*` and `/banners/*`:
#
#    | path | origin | cache policy | notes |
#    |---|---|---|---|
#    | `/products/*`, `/banners/*` | `images` | managed **CachingOptimized** (`CACHING_OPTIMIZED`) | GET/HEAD only |
#    | `/api/*` | `alb` | managed **CachingDisabled** (`CACHING_DISABLED`) | all methods; origin request policy `ALL_VIEWER_EXCEPT_HOST` |
#    | default | `alb` | `CACHING_DISABLED` | all methods (the HTML pages, the basket) |
#
#    Every behaviour: `ViewerProtocolPolicy="redirect-to-https"` and `Compress=True`.
# 4. `PriceClass="PriceClass_100"` (North America and Europe, where the customers are).
#
# `create_distribution` needs a unique `CallerReference`; on a re-run, find the distribution by
# its comment and change it with `get_distribution_config` + `update_distribution(IfMatch=ETag)`
# instead of creating a second one. (The emulator stores the OAC but not an origin's
# `OriginAccessControlId`; set it all the same, as you would on AWS. Task 4 ties the bucket to the
# distribution.)
#
# Useful calls: `list_origin_access_controls`, `create_origin_access_control`,
# `list_distributions`, `create_distribution`, `get_distribution_config`, `update_distribution`.

# %% nbgrader={"grade": false, "grade_id": "cdn_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
oacs = cloudfront.list_origin_access_controls()["OriginAccessControlList"].get("Items", [])
oac = next((o for o in oacs if o["Name"] == names["oac"]), None)
if oac is None:
    oac = cloudfront.create_origin_access_control(
        OriginAccessControlConfig={
            "Name": names["oac"],
            "Description": "CloudFront reads the product images bucket",
            "SigningProtocol": "sigv4",
            "SigningBehavior": "always",
            "OriginAccessControlOriginType": "s3",
        }
    )["OriginAccessControl"]
oac_id = oac["Id"]

ALL_METHODS = {
    "Quantity": 7,
    "Items": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
    "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
}
GET_HEAD = {
    "Quantity": 2,
    "Items": ["GET", "HEAD"],
    "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
}


def behaviour(origin: str, cache_policy: str, methods: dict, path: str | None = None) -> dict:
    out = {
        "TargetOriginId": origin,
        "ViewerProtocolPolicy": "redirect-to-https",
        "CachePolicyId": cache_policy,
        "Compress": True,
        "AllowedMethods": methods,
    }
    if origin == "alb":
        out["OriginRequestPolicyId"] = ALL_VIEWER_EXCEPT_HOST
    if path:
        out["PathPattern"] = path
    return out


def distribution_config(caller_reference: str) -> dict:
    return {
        "CallerReference": caller_reference,
        "Comment": names["distribution_comment"],
        "Enabled": True,
        "PriceClass": "PriceClass_100",
        "HttpVersion": "http2and3",
        "Origins": {
            "Quantity": 2,
            "Items": [
                {
                    "Id": "images",
                    "DomainName": f"{names['images_bucket']}.s3.{REGION}.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                    "OriginAccessControlId": oac_id,
                },
                {
                    "Id": "alb",
                    "DomainName": names["origin_domain"],
                    "CustomOriginConfig": {
                        "HTTPPort": 80,
                        "HTTPSPort": 443,
                        "OriginProtocolPolicy": "https-only",
                        "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
                    },
                },
            ],
        },
        "DefaultCacheBehavior": behaviour("alb", CACHING_DISABLED, ALL_METHODS),
        "CacheBehaviors": {
            "Quantity": 3,
            "Items": [
                behaviour("images", CACHING_OPTIMIZED, GET_HEAD, "/products/*"),
                behaviour("images", CACHING_OPTIMIZED, GET_HEAD, "/banners/*"),
                behaviour("alb", CACHING_DISABLED, ALL_METHODS, "/api/*"),
            ],
        },
        "ViewerCertificate": {"CloudFrontDefaultCertificate": True},
    }


listed = cloudfront.list_distributions()["DistributionList"].get("Items", [])
mine = [d for d in listed if d.get("Comment") == names["distribution_comment"]]
if mine:
    current = cloudfront.get_distribution_config(Id=mine[0]["Id"])
    reference = current["DistributionConfig"]["CallerReference"]
    dist = cloudfront.update_distribution(
        Id=mine[0]["Id"], IfMatch=current["ETag"], DistributionConfig=distribution_config(reference)
    )["Distribution"]
else:
    dist = cloudfront.create_distribution(
        DistributionConfig=distribution_config("retail-shop-web-1")
    )["Distribution"]
print("distribution", dist["Id"], dist["DomainName"])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "cdn_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
oac_items = cloudfront.list_origin_access_controls()["OriginAccessControlList"].get("Items", [])
named_oacs = [o for o in oac_items if o["Name"] == names["oac"]]
expect(
    len(named_oacs) == 1,
    f"expected one origin access control named {names['oac']!r}, found {len(named_oacs)}",
)
found_dist = shop_distribution()
config = found_dist["DistributionConfig"]
origins = {o["Id"]: o for o in config["Origins"].get("Items", [])}
bucket_domains = {
    f"{names['images_bucket']}.s3.{REGION}.amazonaws.com",
    f"{names['images_bucket']}.s3.amazonaws.com",
}
s3_origins = [o for o in origins.values() if o["DomainName"] in bucket_domains]
expect(
    s3_origins,
    f"the distribution has no origin for the bucket {names['images_bucket']} (origins: {[o['DomainName'] for o in origins.values()]})",
)
alb_origins = [o for o in origins.values() if o["DomainName"] == names["origin_domain"]]
expect(
    alb_origins,
    f"the distribution has no origin {names['origin_domain']} for the load balancer "
    f"(origins: {[o['DomainName'] for o in origins.values()]})",
)
by_path = {b["PathPattern"]: b for b in config.get("CacheBehaviors", {}).get("Items", [])}
expect("/api/*" in by_path, f"no cache behaviour for /api/* (found {sorted(by_path)})")
print("distribution", found_dist["Id"], "has the bucket and load balancer origins")

### BEGIN HIDDEN TESTS
oac_cfg = cloudfront.get_origin_access_control(Id=named_oacs[0]["Id"])["OriginAccessControl"][
    "OriginAccessControlConfig"
]
for key, want in (
    ("SigningProtocol", "sigv4"),
    ("SigningBehavior", "always"),
    ("OriginAccessControlOriginType", "s3"),
):
    expect(
        oac_cfg.get(key) == want,
        f"origin access control {names['oac']}: {key} is {oac_cfg.get(key)!r}, expected {want!r}",
    )
expect(config.get("Enabled"), "the distribution is disabled")
s3_origin, alb_origin = s3_origins[0], alb_origins[0]
expect(
    s3_origin["DomainName"].endswith(f".s3.{REGION}.amazonaws.com"),
    f"use the bucket's regional endpoint, not {s3_origin['DomainName']}",
)
expect(
    not s3_origin.get("S3OriginConfig", {}).get("OriginAccessIdentity"),
    "the S3 origin uses a legacy origin access identity; use the OAC",
)
expect(
    alb_origin.get("CustomOriginConfig", {}).get("OriginProtocolPolicy") == "https-only",
    f"the load balancer origin's OriginProtocolPolicy is {alb_origin.get('CustomOriginConfig', {}).get('OriginProtocolPolicy')!r}, expected 'https-only'",
)
behaviours = {"(default)": config["DefaultCacheBehavior"], **by_path}
for path, want_origin, want_policy in (
    ("/products/*", s3_origin["Id"], CACHING_OPTIMIZED),
    ("/banners/*", s3_origin["Id"], CACHING_OPTIMIZED),
    ("/api/*", alb_origin["Id"], CACHING_DISABLED),
    ("(default)", alb_origin["Id"], CACHING_DISABLED),
):
    expect(path in behaviours, f"no cache behaviour for {path}")
    b = behaviours[path]
    expect(
        b["TargetOriginId"] == want_origin,
        f"behaviour {path} goes to origin {b['TargetOriginId']!r}, expected {want_origin!r}",
    )
    expect(
        b.get("CachePolicyId") == want_policy,
        f"behaviour {path} uses cache policy {b.get('CachePolicyId')!r}, expected {want_policy}",
    )
    expect(
        b.get("ViewerProtocolPolicy") == "redirect-to-https",
        f"behaviour {path}: viewers must be redirected to HTTPS, not {b.get('ViewerProtocolPolicy')!r}",
    )
    expect(b.get("Compress") is True, f"behaviour {path} does not compress")
for path in ("/api/*", "(default)"):
    methods = set(behaviours[path].get("AllowedMethods", {}).get("Items", []))
    expect(
        {"POST", "PUT", "DELETE"} <= methods,
        f"behaviour {path} must allow POST/PUT/DELETE (orders), allows {sorted(methods)}",
    )
expect(
    config.get("PriceClass") == "PriceClass_100",
    f"PriceClass is {config.get('PriceClass')!r}, expected 'PriceClass_100'",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task4_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 4 · Only the distribution may read the bucket (2 points)
#
# The OAC makes CloudFront sign its requests as the service principal
# `cloudfront.amazonaws.com`. That principal is shared by every distribution of every AWS
# customer, so the bucket policy must also say **which** distribution: the condition
# `StringEquals` on `AWS:SourceArn` with your distribution's ARN (`ArnEquals`/`ArnLike` with the
# exact ARN work as well; a wildcard does not). Without it, anyone could point
# their own distribution at your bucket (the "confused deputy").
#
# Put a bucket policy on `names["images_bucket"]` with one `Allow` statement:
# principal `{"Service": "cloudfront.amazonaws.com"}`, action `s3:GetObject` only, resource
# `arn:aws:s3:::<bucket>/*`, and the `AWS:SourceArn` condition with the distribution's `ARN`
# (from `shop_distribution()["ARN"]`), and no other `Allow`. (On AWS you would also deny
# requests without TLS, `aws:SecureTransport` false. The emulator answers plain HTTP and does
# evaluate such a `Deny`, so leave that statement out here or it locks you out of your bucket.)
#
# Useful calls: `put_bucket_policy(Bucket, Policy=json.dumps(...))`, `get_bucket_policy`.

# %% nbgrader={"grade": false, "grade_id": "policy_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
bucket_arn = f"arn:aws:s3:::{names['images_bucket']}"
policy = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowCloudFrontServicePrincipalReadOnly",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"{bucket_arn}/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": shop_distribution()["ARN"]}},
        },
    ],
}
s3.put_bucket_policy(Bucket=names["images_bucket"], Policy=json.dumps(policy))
print(json.dumps(policy["Statement"][0], indent=1))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "policy_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
BUCKET = names["images_bucket"]
try:
    policy_doc = s3.get_bucket_policy(Bucket=BUCKET)["Policy"]
except s3.exceptions.ClientError:
    policy_doc = None
expect(policy_doc, f"bucket {BUCKET} has no bucket policy")
stmts = statements(policy_doc)
allows = [s for s in stmts if s.get("Effect") == "Allow"]
expect(
    len(allows) == 1, f"the policy should have exactly one Allow statement, it has {len(allows)}"
)
grant = allows[0]
expect(
    grant.get("Principal") == {"Service": "cloudfront.amazonaws.com"}
    or grant.get("Principal") == {"Service": ["cloudfront.amazonaws.com"]},
    f"the Allow statement's principal is {grant.get('Principal')}, expected the CloudFront service",
)
print("the bucket policy grants CloudFront")

### BEGIN HIDDEN TESTS
expect(
    [a.lower() for a in as_list(grant.get("Action"))] == ["s3:getobject"],
    f"CloudFront needs s3:GetObject only, the policy allows {grant.get('Action')}",
)
expect(
    as_list(grant.get("Resource")) == [f"arn:aws:s3:::{BUCKET}/*"],
    f"the Allow's resource is {grant.get('Resource')}, expected arn:aws:s3:::{BUCKET}/*",
)
expect(
    "NotPrincipal" not in grant and "NotAction" not in grant,
    "no NotPrincipal/NotAction in the Allow",
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
the_arn = shop_distribution()["ARN"]
expect(
    source_arns is not None,
    f"the Allow has no StringEquals condition on AWS:SourceArn (conditions: {conditions}): "
    "any distribution could read the bucket",
)
expect(
    as_list(source_arns) == [the_arn],
    f"AWS:SourceArn is {source_arns}, expected the shop distribution {the_arn}",
)
for s in stmts:
    if s.get("Effect") == "Deny":
        expect(s.get("Condition"), "a Deny without a condition locks CloudFront out too")
block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
expect(all(block.values()), "Block Public Access must stay fully on")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task5_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 5 · HTTPS on the load balancer (3 points)
#
# Today a certificate bought once a year is copied onto both Apache servers by hand. **ACM**
# issues certificates for free and renews them itself, as long as it can prove you own the
# domain: with **DNS validation** that proof is a CNAME record in your hosted zone, which stays
# there so every renewal validates on its own.
#
# 1. Request a certificate for `names["domain"]` (`shop.retail-shop.example.com`) with the
#    subject alternative names `names["alt_domain"]` and `names["origin_domain"]` (the name
#    CloudFront uses to reach the ALB, task 3), `ValidationMethod="DNS"`. Re-running must not
#    request a second certificate (look it up with `certificates_for(...)`, or pass an
#    `IdempotencyToken`).
# 2. Create the validation records: `describe_certificate` lists, under
#    `DomainValidationOptions`, a `ResourceRecord` (Name, Type `CNAME`, Value) per domain; UPSERT
#    each into the hosted zone `names["zone_id"]` with `change_resource_record_sets` (TTL 300).
# 3. An **HTTPS:443** listener on the load balancer (`names["alb_arn"]`) with that certificate and
#    a modern TLS policy, `ELBSecurityPolicy-TLS13-1-2-2021-06` (TLS 1.2 and 1.3 only), forwarding
#    to the target group `names["target_group_arn"]`.
# 4. Change the existing **HTTP:80** listener (the seed's, which forwards) so that it **redirects**
#    to HTTPS on port 443 with `StatusCode="HTTP_301"`: nobody types `https://`.
# 5. The origin name: an **alias** A record `names["origin_domain"]` in the zone, pointing at the
#    load balancer (`AliasTarget`: `DNSName=names["alb_dns"]`, `HostedZoneId` = the ALB's
#    canonical hosted zone `names["alb_zone_id"]`, `EvaluateTargetHealth=True`). An alias costs
#    nothing per query and follows the ALB's changing IP addresses. `route53.test_dns_answer`
#    shows what DNS answers.
#
# Useful calls: `acm.request_certificate`, `acm.describe_certificate`,
# `route53.change_resource_record_sets`, `elbv2.describe_listeners`, `create_listener`,
# `modify_listener`.

# %% nbgrader={"grade": false, "grade_id": "https_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
existing_certs = certificates_for(names["domain"])
if existing_certs:
    cert_arn = existing_certs[0]["CertificateArn"]
else:
    cert_arn = acm.request_certificate(
        DomainName=names["domain"],
        SubjectAlternativeNames=[names["alt_domain"], names["origin_domain"]],
        ValidationMethod="DNS",
        IdempotencyToken="retailshopweb",
        Tags=[{"Key": "app", "Value": "retail-shop"}],
    )["CertificateArn"]
options = acm.describe_certificate(CertificateArn=cert_arn)["Certificate"][
    "DomainValidationOptions"
]
changes = [
    {
        "Action": "UPSERT",
        "ResourceRecordSet": {
            "Name": o["ResourceRecord"]["Name"],
            "Type": o["ResourceRecord"]["Type"],
            "TTL": 300,
            "ResourceRecords": [{"Value": o["ResourceRecord"]["Value"]}],
        },
    }
    for o in options
]
changes.append(
    {
        "Action": "UPSERT",
        "ResourceRecordSet": {
            "Name": names["origin_domain"],
            "Type": "A",
            "AliasTarget": {
                "HostedZoneId": names["alb_zone_id"],
                "DNSName": names["alb_dns"],
                "EvaluateTargetHealth": True,
            },
        },
    }
)
route53.change_resource_record_sets(
    HostedZoneId=names["zone_id"],
    ChangeBatch={"Comment": "ACM DNS validation, CloudFront's origin", "Changes": changes},
)

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
forward = [{"Type": "forward", "TargetGroupArn": names["target_group_arn"]}]
redirect = [
    {
        "Type": "redirect",
        "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"},
    }
]
by_port = alb_listeners()
if 443 in by_port:
    elbv2.modify_listener(
        ListenerArn=by_port[443]["ListenerArn"],
        Protocol="HTTPS",
        Port=443,
        SslPolicy=TLS_POLICY,
        Certificates=[{"CertificateArn": cert_arn}],
        DefaultActions=forward,
    )
else:
    elbv2.create_listener(
        LoadBalancerArn=names["alb_arn"],
        Protocol="HTTPS",
        Port=443,
        SslPolicy=TLS_POLICY,
        Certificates=[{"CertificateArn": cert_arn}],
        DefaultActions=forward,
    )
elbv2.modify_listener(ListenerArn=by_port[80]["ListenerArn"], DefaultActions=redirect)
print("certificate", cert_arn)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "https_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
certs = certificates_for(names["domain"])
expect(certs, f"no ACM certificate for {names['domain']}")
expect(
    len(certs) == 1,
    f"{len(certs)} certificates for {names['domain']}; request one (re-runs must reuse it)",
)
cert = certs[0]
listeners = alb_listeners()
expect(
    443 in listeners, f"the load balancer has no listener on port 443 (ports: {sorted(listeners)})"
)
https = listeners[443]
expect(https["Protocol"] == "HTTPS", f"the port 443 listener speaks {https['Protocol']}, not HTTPS")
expect(
    [c["CertificateArn"] for c in https.get("Certificates", [])] == [cert["CertificateArn"]],
    f"the HTTPS listener's certificate is {https.get('Certificates')}, expected {cert['CertificateArn']}",
)
print("HTTPS listener with the ACM certificate")

### BEGIN HIDDEN TESTS
expect(
    cert.get("Type") == "AMAZON_ISSUED",
    f"the certificate is {cert.get('Type')}; request it from ACM, don't import one",
)
for san in (names["alt_domain"], names["origin_domain"]):
    expect(
        san in cert.get("SubjectAlternativeNames", []),
        f"the certificate lacks the subject alternative name {san}",
    )
answer = route53.test_dns_answer(
    HostedZoneId=names["zone_id"], RecordName=names["origin_domain"], RecordType="A"
)
expect(
    names["alb_dns"] in answer.get("RecordData", []),
    f"DNS answers {answer.get('RecordData')} for {names['origin_domain']}, expected the load "
    f"balancer {names['alb_dns']}",
)
origin_records = [
    r
    for r in route53.list_resource_record_sets(HostedZoneId=names["zone_id"])["ResourceRecordSets"]
    if r["Name"].rstrip(".") == names["origin_domain"] and r["Type"] == "A"
]
expect(
    origin_records
    and origin_records[0].get("AliasTarget", {}).get("HostedZoneId") == names["alb_zone_id"],
    f"{names['origin_domain']} should be an alias A record to the ALB (hosted zone {names['alb_zone_id']})",
)
options = cert.get("DomainValidationOptions", [])
expect(
    options and all(o.get("ValidationMethod") == "DNS" for o in options),
    "the certificate must use DNS validation",
)
records = route53.list_resource_record_sets(HostedZoneId=names["zone_id"])["ResourceRecordSets"]
have = {
    (r["Name"].rstrip(".").lower(), r["Type"]): {v["Value"] for v in r.get("ResourceRecords", [])}
    for r in records
}
for o in options:
    rr = o["ResourceRecord"]
    values = have.get((rr["Name"].rstrip(".").lower(), rr["Type"]), set())
    expect(
        rr["Value"] in values,
        f"the zone has no {rr['Type']} {rr['Name']} -> {rr['Value']} to validate {o['DomainName']}",
    )
protocols = set(
    elbv2.describe_ssl_policies(Names=[https["SslPolicy"]])["SslPolicies"][0]["SslProtocols"]
)
expect(
    protocols and not protocols & {"TLSv1", "TLSv1.1", "SSLv3"},
    f"TLS policy {https['SslPolicy']} allows {sorted(protocols)}; allow TLS 1.2+ only",
)
expect("TLSv1.3" in protocols, f"TLS policy {https['SslPolicy']} has no TLS 1.3")
actions = https["DefaultActions"]
expect(
    [a["Type"] for a in actions] == ["forward"]
    and names["target_group_arn"] in json.dumps(actions),
    f"the HTTPS listener must forward to {names['target_group_arn']}, its actions are {actions}",
)
expect(80 in listeners, "the HTTP:80 listener is gone; keep it, redirecting")
plain = listeners[80]["DefaultActions"]
expect(
    [a["Type"] for a in plain] == ["redirect"],
    f"port 80 must redirect, its actions are {[a['Type'] for a in plain]}",
)
redirect_cfg = plain[0].get("RedirectConfig", {})
expect(
    redirect_cfg.get("Protocol") == "HTTPS" and str(redirect_cfg.get("Port")) == "443",
    f"port 80 redirects to {redirect_cfg}, expected HTTPS:443",
)
expect(
    redirect_cfg.get("StatusCode") == "HTTP_301",
    f"the redirect is {redirect_cfg.get('StatusCode')}; use a permanent HTTP_301",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task6_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 6 · Target tracking for a 10x peak (2 points)
#
# On Black Friday the shop sees ten times its normal traffic. Two instances carry a normal day;
# the Auto Scaling group `names["asg"]` was sized 2 to 4 in week 5. Make it able to reach
# **10x**: minimum 2 (one per AZ, for availability), **maximum 20**, and let a **target-tracking
# policy** choose the capacity in between. Target tracking works like a thermostat: you name a
# metric and a target value, Auto Scaling creates the alarms and adds or removes instances to
# hold the metric near the target.
#
# The metric that follows the shop's load is the load balancer's **request count per target**
# (`ALBRequestCountPerTarget`). Its `ResourceLabel` says which load balancer and target group:
# `app/<alb-name>/<alb-id>/targetgroup/<tg-name>/<tg-id>`, i.e. the part of the ALB ARN after
# `loadbalancer/` and the part of the target group ARN starting at `targetgroup/`.
#
# 1. `update_auto_scaling_group`: `MinSize=2`, `MaxSize=20`.
# 2. `put_scaling_policy` named `names["scaling_policy"]`, `PolicyType="TargetTrackingScaling"`,
#    predefined metric `ALBRequestCountPerTarget` with that `ResourceLabel`, `TargetValue` 1000
#    requests per target per minute (a starting point: tune it from the go-live load test),
#    an `EstimatedInstanceWarmup` of 120 s; keep scale-in enabled.
#
# `put_scaling_policy` creates or replaces, so it is safe to re-run.

# %% nbgrader={"grade": false, "grade_id": "scaling_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
autoscaling.update_auto_scaling_group(AutoScalingGroupName=names["asg"], MinSize=2, MaxSize=20)
label = (
    names["alb_arn"].split(":loadbalancer/", 1)[1]
    + "/"
    + names["target_group_arn"].split(":", 5)[5]
)
autoscaling.put_scaling_policy(
    AutoScalingGroupName=names["asg"],
    PolicyName=names["scaling_policy"],
    PolicyType="TargetTrackingScaling",
    EstimatedInstanceWarmup=120,
    TargetTrackingConfiguration={
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "ALBRequestCountPerTarget",
            "ResourceLabel": label,
        },
        "TargetValue": 1000.0,
        "DisableScaleIn": False,
    },
)
print("target tracking on", label)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "scaling_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[names["asg"]])[
    "AutoScalingGroups"
][0]
expect(
    group["MaxSize"] >= 20,
    f"{names['asg']} can grow to {group['MaxSize']} instances; a 10x peak needs 20",
)
policies = autoscaling.describe_policies(AutoScalingGroupName=names["asg"])["ScalingPolicies"]
named_policy = [p for p in policies if p["PolicyName"] == names["scaling_policy"]]
expect(named_policy, f"no scaling policy named {names['scaling_policy']!r} on {names['asg']}")
scaling = named_policy[0]
expect(
    scaling["PolicyType"] == "TargetTrackingScaling",
    f"{names['scaling_policy']} is a {scaling['PolicyType']} policy, not TargetTrackingScaling",
)
print("target tracking policy in place")

### BEGIN HIDDEN TESTS
expect(group["MinSize"] >= 2, f"MinSize {group['MinSize']}: keep at least one instance per AZ (2)")
expect(group["MaxSize"] <= 40, f"MaxSize {group['MaxSize']} is far beyond a 10x peak; cap the bill")
expect(
    names["target_group_arn"] in group.get("TargetGroupARNs", []),
    f"{names['asg']} is no longer registered with {names['target_group']}",
)
tracking = scaling.get("TargetTrackingConfiguration", {})
spec = tracking.get("PredefinedMetricSpecification", {})
expect(
    spec.get("PredefinedMetricType") == "ALBRequestCountPerTarget",
    f"the policy tracks {spec.get('PredefinedMetricType')}, expected ALBRequestCountPerTarget",
)
want_label = (
    names["alb_arn"].split(":loadbalancer/", 1)[1]
    + "/"
    + names["target_group_arn"].split(":", 5)[5]
)
expect(
    spec.get("ResourceLabel") == want_label,
    f"ResourceLabel is {spec.get('ResourceLabel')!r}, expected {want_label!r}",
)
expect(
    100 <= float(tracking.get("TargetValue", 0)) <= 5000,
    f"TargetValue {tracking.get('TargetValue')} requests per target is implausible; start around 1000 per minute",
)
expect(not tracking.get("DisableScaleIn"), "keep scale-in enabled: the peak ends")
expect(
    scaling.get("EstimatedInstanceWarmup"),
    "set EstimatedInstanceWarmup so new instances are not counted before they serve",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task7_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 7 · The web tier in your portfolio (2 points)
#
# The curriculum's deliverable for this week is the **architecture documentation** of the web
# tier. Write it from what you built, with the real identifiers (read them from AWS, don't type
# them):
#
# 1. `lab.portfolio.write_document("architecture", names["architecture_doc"], markdown)` with the
#    sections **Overview**, **Components**, **Design Decisions**, **Security** and **Scaling**
#    (as Markdown headings). It must name the distribution's domain name (`DomainName`), the
#    certificate's ARN, the bucket, the number of files migrated (products and banners together,
#    counted from the bucket or `nfs_files()`) and the scaling range.
# 2. A diagram: `lab.portfolio.add_diagram(names["diagram"] + ".mmd", text)` with a Mermaid
#    flowchart (`flowchart LR` ...) of viewer → CloudFront → S3 / ALB → Auto Scaling group.
#
# Write the design decisions in your own words: why an OAC rather than a public bucket, why
# `/api/*` is not cached, why requests per target rather than CPU.

# %% nbgrader={"grade": false, "grade_id": "docs_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
web = shop_distribution()
cert_arn = certificates_for(names["domain"])[0]["CertificateArn"]
group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[names["asg"]])[
    "AutoScalingGroups"
][0]
image_count = len(bucket_objects(names["images_bucket"]))
doc = f"""# Retail shop: web tier architecture (week 6)

## Overview
Customers reach the shop through the CloudFront distribution `{web["DomainName"]}`
(`{web["Id"]}`). Product images ({image_count} objects migrated from the NFS share) are served
from the private S3 bucket `{names["images_bucket"]}`; everything else goes to the Application
Load Balancer `{names["alb"]}`, which terminates TLS and forwards to the Auto Scaling group
`{names["asg"]}`.

## Components
| component | identifier | role |
|---|---|---|
| CloudFront | `{web["DomainName"]}` | edge cache, HTTPS for viewers, price class 100 |
| Origin access control | `{names["oac"]}` | sigv4-signed requests from CloudFront to S3 |
| S3 bucket | `{names["images_bucket"]}` | versioned, SSE-S3, Block Public Access, ACLs disabled |
| ACM certificate | `{cert_arn}` | `{names["domain"]}`, `{names["alt_domain"]}`, `{names["origin_domain"]}`; DNS-validated |
| Origin record | `{names["origin_domain"]}` | alias A record to the ALB, CloudFront's HTTPS origin |
| ALB | `{names["alb"]}` | HTTPS:443 ({TLS_POLICY}), HTTP:80 → 301 to HTTPS |
| Auto Scaling group | `{names["asg"]}` | {group["MinSize"]} to {group["MaxSize"]} instances |

## Design Decisions
- **Origin access control instead of a public bucket or an OAI**: the bucket stays private; the
  bucket policy admits only `cloudfront.amazonaws.com` with `AWS:SourceArn` = `{web["ARN"]}`.
- **CloudFront reaches the ALB as `{names["origin_domain"]}`** (an alias record), a name the
  ALB's certificate covers, so CloudFront can verify the origin over HTTPS.
- **Keys equal the NFS paths** (`products/RS-10001.jpg`): the application and the database keep
  their paths; CloudFront serves `/products/*` and `/banners/*` from S3.
- **Cache per path**: images use CachingOptimized and `Cache-Control: public, max-age=31536000,
  immutable` (banners one day); `/api/*` and pages use CachingDisabled because prices, stock and
  orders must never be stale.
- **Requests per target** drive scaling: the shop is I/O-bound on the database, so CPU lags the
  load; requests per target follows it directly.
- Alternatives considered: serving images from the containers (no edge caching), EFS (still a
  file server to size), Lambda@Edge resizing (future enhancement).

## Security
- TLS everywhere: viewers are redirected to HTTPS at CloudFront and at the ALB (HTTP 301); the
  ALB accepts TLS 1.2 and 1.3 only; CloudFront talks to the ALB over HTTPS only.
- Certificates are issued and renewed by ACM; validation CNAMEs stay in the hosted zone.
- The bucket is encrypted at rest, versioned, not public, and readable only by this distribution.

## Scaling
Target tracking policy `{names["scaling_policy"]}` holds about 1000 requests per target per
minute (ALBRequestCountPerTarget), between {group["MinSize"]} and {group["MaxSize"]} instances:
a 10x Black Friday peak on the two instances of a normal day. The CDN absorbs image traffic, so
the fleet scales on API and page requests only.
"""
lab.portfolio.write_document("architecture", names["architecture_doc"], doc)
diagram = f"""flowchart LR
  viewer([Customer browser]) -->|HTTPS| cf[CloudFront {web["DomainName"]}]
  cf -->|/products/* /banners/* OAC sigv4| s3[(S3 {names["images_bucket"]})]
  cf -->|/api/* and pages, no cache, HTTPS to {names["origin_domain"]}| alb[ALB {names["alb"]} HTTPS:443]
  alb -->|forward| tg[Target group {names["target_group"]}]
  tg --> asg[Auto Scaling group {names["asg"]} {group["MinSize"]}-{group["MaxSize"]}]
  asg --> db[(PostgreSQL)]
"""
lab.portfolio.add_diagram(names["diagram"] + ".mmd", diagram)

# what moved: object sizes per folder, read back from S3
from matplotlib.figure import Figure

sizes: dict[str, list[float]] = {}
for key, obj in bucket_objects(names["images_bucket"]).items():
    sizes.setdefault(key.split("/")[0], []).append(obj["Size"] / 1024)
fig = Figure(figsize=(7, 3.5))
ax = fig.add_subplot()
ax.hist(list(sizes.values()), bins=20, label=[f"{k} ({len(v)})" for k, v in sizes.items()])
ax.set_xlabel("object size (KiB)")
ax.set_ylabel("objects")
ax.set_title(f"Images migrated to s3://{names['images_bucket']}")
ax.legend()
lab.portfolio.add_figure("p1-web-tier-images", fig)
print(lab.portfolio.path("documents", "architecture", names["architecture_doc"] + ".md"))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "docs_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
doc_path = lab.portfolio.path("documents", "architecture", names["architecture_doc"] + ".md")
expect(doc_path.is_file(), f"no architecture document at {doc_path}")
text = doc_path.read_text()
headings = [line.lstrip("#").strip().lower() for line in text.splitlines() if line.startswith("#")]
for section in ("Overview", "Components", "Design Decisions", "Security", "Scaling"):
    expect(
        any(section.lower() in h for h in headings),
        f"the architecture document has no {section!r} heading",
    )
print("architecture document with all sections")

### BEGIN HIDDEN TESTS
web_dist = shop_distribution()
expect(
    web_dist["DomainName"] in text,
    f"the document does not name the distribution {web_dist['DomainName']}",
)
the_cert = certificates_for(names["domain"])
expect(
    the_cert and the_cert[0]["CertificateArn"] in text,
    "the document does not name the certificate's ARN",
)
expect(
    names["images_bucket"] in text,
    f"the document does not name the bucket {names['images_bucket']}",
)
migrated = nfs_files()
products = sum(1 for k in migrated if k.startswith("products/"))
stated = set(re.findall(r"\b\d+\b", text))
expect(
    str(len(migrated)) in stated or {str(products), str(len(migrated) - products)} <= stated,
    f"the document does not say how many files ({len(migrated)}: {products} product images and "
    f"{len(migrated) - products} banners) were migrated",
)
diagrams = (
    [p for p in lab.portfolio.path("diagrams").glob(names["diagram"] + ".*")]
    if lab.portfolio.path("diagrams").is_dir()
    else []
)
expect(diagrams, f"no diagram named {names['diagram']} in the portfolio's diagrams/")
source = diagrams[0].read_text(errors="replace") if diagrams[0].suffix == ".mmd" else ""
if source:
    expect(
        re.search(r"^\s*(flowchart|graph)\b", source, re.M),
        "the Mermaid diagram should be a flowchart",
    )
    expect(
        "CloudFront" in source or web_dist["DomainName"] in source,
        "the diagram does not show CloudFront",
    )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "wrap_up", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Wrap-up
#
# The web tier now has no file server and no hand-renewed certificate: images sit in a private,
# versioned bucket behind a CDN that caches them for a year, the load balancer speaks modern TLS
# only, and the fleet follows the traffic by itself.
#
# Before next session, think about (and add to your architecture document):
#
# 1. A product photo is replaced under the same name by mistake. With `immutable` and a one-year
#    max-age, what do customers see, and what would you do (new key vs. `create_invalidation`)?
# 2. CloudFront's certificate for `shop.retail-shop.example.com` as an alias: which Region must it
#    live in, and why?
# 3. What a 20-instance peak costs per hour, and what scheduled scaling before a known campaign
#    would add to target tracking.
# 4. Security and monitoring (next lab): WAF in front of the ALB, AWS Config, alarms, tracing.
