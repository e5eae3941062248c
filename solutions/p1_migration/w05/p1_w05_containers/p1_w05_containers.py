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
# # Project 1 · Week 5 · Day 11-13: Application Containerization and CI/CD
#
# **Estimated time: 4-5 hours**
#
# ## The scenario
#
# The retail shop's database now lives in PostgreSQL on AWS (week 5, days 8-10). What still runs
# in the old data centre is the application: four Tomcat servers behind a hardware load
# balancer, deployed by hand by copying files on a Friday night. Your job this week is to make it
# a **container** that runs on **ECS Fargate** behind an **Application Load Balancer**, that
# other services find through **Cloud Map**, and that a **CodePipeline** delivers from source to
# production without anyone logging into a server.
#
# The application is the rewritten shop in `p1_retail.ROOT / "app"` (a small Python WSGI
# service: `python wsgi.py` serves on port 8080, `GET /health` answers 200 when the database
# does). You work against an **emulated AWS account** with plain `boto3`. There is no Docker
# daemon here: you write the Dockerfile, a parser checks it line by line the way a reviewer (or
# `hadolint`/`checkov`) would, and you "push" the image with ECR's `PutImage`, the registry API
# `docker push` itself ends with.
#
# The landing zone of week 4 is already there (the seed builds it): the VPC `lz-vpc` with two
# public and two private subnets in two Availability Zones, the security groups `lz-alb-sg`
# (80/443 from the internet) and `lz-app-sg` (8080 from the load balancer only), the
# application's task role and two CI service roles. So is the migrated database: an RDS
# PostgreSQL instance (a real PostgreSQL server on the emulator) loaded with the shop's data,
# its URL in the Secrets Manager secret `retail/shop/database-url`.
#
# ## What you will build
#
# | # | task | AWS services | points |
# |---|------|--------------|--------|
# | 1 | A production Dockerfile for the shop, in a build context folder and in your portfolio | (Docker) | 3 |
# | 2 | Run the image's command as the container would, against the migrated database | Secrets Manager, RDS | 2 |
# | 3 | A container registry: scan on push, immutable tags, a lifecycle policy | ECR | 2 |
# | 4 | Push the image: an image manifest tagged with the release version | ECR | 2 |
# | 5 | A cluster with Container Insights and a Fargate task definition | ECS, IAM, CloudWatch Logs | 3 |
# | 6 | The load balancer: target group of type `ip`, internet-facing ALB, listener on 80 | ELB | 2 |
# | 7 | Service discovery: a private DNS namespace and a Cloud Map service | Cloud Map | 2 |
# | 8 | The ECS service in private subnets, behind the ALB, registered in Cloud Map | ECS | 3 |
# | 9 | A delivery pipeline: source bundle, CodeBuild project, Source → Build → Deploy | S3, CodeBuild, CodePipeline | 3 |
#
# By the end you should be able to:
#
# - write a Dockerfile that a security review accepts: pinned base image, non-root user, health
#   check, no secrets baked in, dependencies installed in a cacheable layer;
# - run an image registry with vulnerability scanning, immutable release tags and a retention
#   policy;
# - describe a Fargate task (CPU/memory sizes, `awsvpc` networking, logs, secrets injection,
#   the two IAM roles) and run it as a service behind a load balancer and in a DNS namespace;
# - wire a pipeline whose build pushes the image and whose deploy stage rolls the ECS service.
#
# ## How this notebook works
#
# - Run the **setup** cell first. It starts (or finds) the emulator and creates the landing
#   zone's network, roles, database and secret (a few seconds); it prints their ids.
# - Each task has an explanation, a cell where **you write the code** (replace
#   `raise NotImplementedError()`), and a **check** cell. Run the check after your code. The
#   grader runs more checks than you see (relationships between resources, for example that the
#   listener forwards to the very target group the service registers its tasks in), so build
#   what the task describes, not only what the visible checks test.
# - Write your code so it can be **run again** safely: look a resource up before you create it.
# - Use the names in `names` (from this lab's `lab.yaml`): the checks look resources up by them.
# - The emulator stores ECS services, load balancers and pipelines but does not start
#   containers or run builds; the checks inspect the configuration, which on real AWS would
#   start two tasks in the private subnets and register them with the ALB and Cloud Map.
# - Stuck with a broken state? In a terminal, `labkit reset` empties the emulator; then re-run
#   the notebook from the top.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import atexit
import fnmatch
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import boto3
import yaml
from botocore.exceptions import ClientError

import labkit
from labkit.checks import as_list, expect, statements
from labkit.datasets import p1_retail

lab = labkit.start_lab("p1_w05_containers")
names = lab.names
REGION = lab.region
ACCOUNT_ID = lab.account_id
APP_SOURCE = p1_retail.ROOT / "app"  # the shop application (read-only: copy it)
CONTEXT = Path("shop-image")  # your build context folder, in the working folder
VPC_ID = names["vpc_id"]
PUBLIC_SUBNETS = names["public_subnets"].split(",")
PRIVATE_SUBNETS = names["private_subnets"].split(",")

ec2 = lab.client("ec2")
iam = lab.client("iam")
ecr = lab.client("ecr")
ecs = lab.client("ecs")
elbv2 = lab.client("elbv2")
sd = lab.client("servicediscovery")
logs = lab.client("logs")
s3 = lab.client("s3")
codebuild = lab.client("codebuild")
codepipeline = lab.client("codepipeline")
secretsmanager = lab.client("secretsmanager")

print(lab)
print("caller:", boto3.client("sts").get_caller_identity()["Arn"])
for key in (
    "vpc_id",
    "public_subnets",
    "private_subnets",
    "sg_alb_id",
    "sg_app_id",
    "db_secret_arn",
    "task_role_arn",
    "codebuild_role_arn",
    "pipeline_role_arn",
    "repository_uri",
):
    print(f"{key:19} {names[key]}")
print("application source:", APP_SOURCE, sorted(p.name for p in APP_SOURCE.iterdir()))

# %% [markdown] nbgrader={"grade": false, "grade_id": "helpers_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The next cell defines the **Dockerfile parser** the checks use, and a few look-up helpers.
# `parse_dockerfile(text)` returns the instructions as `(INSTRUCTION, arguments)` pairs, with
# comments removed and `\` continuations joined; `final_stage(instructions)` keeps those of the
# last `FROM` stage (the image that ships). Try them on your Dockerfile while you write it.

# %% nbgrader={"grade": false, "grade_id": "helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
DOCKER_INSTRUCTIONS = {
    "FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
    "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "MAINTAINER",
}  # fmt: skip
SECRET_WORDS = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY)", re.I)
URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.I)
FARGATE_SIZES = {  # cpu units -> memory MiB Fargate accepts
    256: {512, 1024, 2048},
    512: set(range(1024, 4097, 1024)),
    1024: set(range(2048, 8193, 1024)),
    2048: set(range(4096, 16385, 1024)),
    4096: set(range(8192, 30721, 1024)),
}


def parse_dockerfile(text: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments); fails on unknown ones."""
    instructions, pending = [], ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        line, pending = (pending + line).strip(), ""
        if not line:
            continue
        word, _, args = line.partition(" ")
        expect(
            word.upper() in DOCKER_INSTRUCTIONS,
            f"Dockerfile line {number}: {word!r} is not a Dockerfile instruction",
        )
        instructions.append((word.upper(), args.strip()))
    expect(not pending, "the Dockerfile ends with a line continuation '\\'")
    expect(instructions, "the Dockerfile is empty")
    return instructions


def final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The instructions from the last FROM on: the stage that becomes the image."""
    starts = [i for i, (word, _) in enumerate(instructions) if word == "FROM"]
    expect(starts, "the Dockerfile has no FROM instruction")
    return instructions[starts[-1] :]


def exec_form(args: str) -> list[str] | None:
    """The JSON array of an exec-form CMD/ENTRYPOINT/RUN, or None for the shell form."""
    try:
        value = json.loads(args)
    except ValueError:
        return None
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def base_image(from_args: str) -> str:
    """The image reference of a FROM instruction (without --platform and AS name)."""
    words = [w for w in from_args.split() if not w.startswith("--")]
    expect(words, f"FROM {from_args!r} names no image")
    return words[0]


def is_pinned(image: str) -> bool:
    """A digest (@sha256:...) or a tag with a version number, not 'latest'."""
    if re.search(r"@sha256:[0-9a-f]{64}$", image):
        return True
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return False
    version = last.split(":", 1)[1]
    return version != "latest" and bool(re.search(r"\d", version))


def env_pairs(args: str) -> dict[str, str]:
    """The variables an ENV (or ARG) instruction sets, as name -> value."""
    pairs = {}
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    if len(words) >= 2 and "=" not in words[0]:  # legacy form: ENV NAME value
        return {words[0]: " ".join(words[1:])}
    for word in words:
        key, _, value = word.partition("=")
        pairs[key] = value
    return pairs


def repository() -> dict:
    """The ECR repository names['repository']; task 3 creates it."""
    try:
        return ecr.describe_repositories(repositoryNames=[names["repository"]])["repositories"][0]
    except ecr.exceptions.RepositoryNotFoundException:
        raise AssertionError(
            f"no ECR repository named {names['repository']!r} yet (task 3)"
        ) from None


def target_group() -> dict:
    """The target group names['target_group']; task 6 creates it."""
    try:
        return elbv2.describe_target_groups(Names=[names["target_group"]])["TargetGroups"][0]
    except ClientError:
        raise AssertionError(
            f"no target group named {names['target_group']!r} yet (task 6)"
        ) from None


def load_balancer() -> dict:
    """The load balancer names['alb']; task 6 creates it."""
    try:
        return elbv2.describe_load_balancers(Names=[names["alb"]])["LoadBalancers"][0]
    except ClientError:
        raise AssertionError(f"no load balancer named {names['alb']!r} yet (task 6)") from None


def namespace() -> dict:
    """The Cloud Map namespace names['namespace']; task 7 creates it."""
    found = [n for n in sd.list_namespaces()["Namespaces"] if n["Name"] == names["namespace"]]
    expect(found, f"no Cloud Map namespace named {names['namespace']!r} yet (task 7)")
    return sd.get_namespace(Id=found[0]["Id"])["Namespace"]


def discovery_service(namespace_id: str) -> dict:
    """The Cloud Map service names['discovery_service'] in the namespace; task 7 creates it."""
    found = [
        s
        for s in sd.list_services()["Services"]
        if s["Name"] == names["discovery_service"]
        and sd.get_service(Id=s["Id"])["Service"].get("NamespaceId") == namespace_id
    ]
    expect(
        found,
        f"no Cloud Map service named {names['discovery_service']!r} in namespace "
        f"{names['namespace']} yet (task 7)",
    )
    return sd.get_service(Id=found[0]["Id"])["Service"]


def latest_task_definition() -> dict:
    """The newest ACTIVE revision of the task family names['task_family'] (task 5)."""
    try:
        found = ecs.describe_task_definition(taskDefinition=names["task_family"])
    except ClientError:
        raise AssertionError(
            f"no task definition family {names['task_family']!r} yet (task 5)"
        ) from None
    return found["taskDefinition"]


def ecs_service() -> dict:
    """The ECS service names['service'] in the cluster names['cluster'] (task 8)."""
    try:
        found = ecs.describe_services(cluster=names["cluster"], services=[names["service"]])
    except ClientError as e:
        raise AssertionError(
            f"cannot describe services of cluster {names['cluster']}: {e}"
        ) from None
    active = [s for s in found["services"] if s.get("status") == "ACTIVE"]
    expect(active, f"no ACTIVE service {names['service']!r} in cluster {names['cluster']} (task 8)")
    return active[0]


def trusts(role: dict, service: str) -> bool:
    """Whether the role's trust policy lets ``service`` assume it."""
    return any(
        s.get("Effect") == "Allow"
        and service in as_list((s.get("Principal") or {}).get("Service"))
        and "sts:AssumeRole" in as_list(s.get("Action"))
        for s in statements(role["AssumeRolePolicyDocument"])
    )


# %% [markdown] nbgrader={"grade": false, "grade_id": "task1_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 1 · A production Dockerfile (3 points)
#
# A container image is the unit you will test, scan, deploy and roll back, so what goes into it
# is a security decision. The reviewer's list for this shop:
#
# - **a pinned base image**: `python:3.12-slim` or a digest (`python@sha256:...`), never
#   `latest` or no tag at all: a rebuild must not silently pick up a different operating system;
# - **dependencies from `requirements.txt` in their own layer**: `COPY requirements.txt` and
#   `RUN pip install --no-cache-dir -r requirements.txt` *before* copying the code, so a code
#   change does not reinstall every package (in a multi-stage build, in the stage that runs pip);
# - **a non-root `USER`** (create one with `useradd`/`adduser`; `USER root` or `USER 0` fails),
#   set after the last `RUN` that needs root;
# - **`EXPOSE 8080`** (`names["app_port"]`) and the app listening there (`PORT=8080`);
# - **a `HEALTHCHECK`** that calls `http://127.0.0.1:8080/health` (the slim image has no `curl`:
#   `python -c "import urllib.request; urllib.request.urlopen(...)"` works), its `CMD` in **exec
#   form** too (`HEALTHCHECK CMD ["python", "-c", "..."]`): task 2 runs that command;
# - **`CMD` in exec form** (a JSON array) running the shop: `["python", "wsgi.py"]`, the script
#   relative to `WORKDIR` (task 2 runs this command in the build context, so not `/app/wsgi.py`);
# - **no secrets**: no `ENV`/`ARG` named like a password, token or key, no `DATABASE_URL` in the
#   image (ECS injects it from Secrets Manager at run time, task 5), and nothing like `.env` or a
#   private key copied in. A `.dockerignore` keeps such files out of the build context.
#
# Build:
#
# 1. The **build context** folder `CONTEXT` (`shop-image/`, in this working folder): a copy of
#    the application (`shutil.copytree(APP_SOURCE, CONTEXT, dirs_exist_ok=True)`), your
#    `Dockerfile` and a `.dockerignore` (at least `.env`, `*.pem`, `__pycache__`, `.git`).
#    Every file your `COPY` instructions name must exist in the context.
# 2. The same Dockerfile in your portfolio: `lab.portfolio.add_file("iac", "Dockerfile", text)`.
#
# The parser in the helpers cell is strict: run `parse_dockerfile(text)` on your text.

# %% nbgrader={"grade": false, "grade_id": "dockerfile_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
DOCKERFILE = """\
# The retail shop: Python WSGI service on port 8080
FROM python:3.12.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1 \\
    PORT=8080

WORKDIR /app

# dependencies first: this layer is rebuilt only when requirements.txt changes
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt \\
    && useradd --system --uid 10001 --no-create-home shop

COPY shop/ ./shop/
COPY wsgi.py .

USER 10001:10001
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \\
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=2)"]

CMD ["python", "wsgi.py"]
"""
DOCKERIGNORE = "\n".join([".env", "*.pem", "**/__pycache__", ".git", "*.pyc", "tests/"]) + "\n"

CONTEXT.mkdir(exist_ok=True)
shutil.copytree(
    APP_SOURCE, CONTEXT, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
)
(CONTEXT / "Dockerfile").write_text(DOCKERFILE)
(CONTEXT / ".dockerignore").write_text(DOCKERIGNORE)
lab.portfolio.add_file("iac", "Dockerfile", DOCKERFILE)
for word, args in parse_dockerfile(DOCKERFILE):
    print(f"{word:12} {args[:70]}")
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "dockerfile_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
dockerfile_path = CONTEXT / "Dockerfile"
expect(dockerfile_path.is_file(), f"no Dockerfile in the build context {CONTEXT}/")
text = dockerfile_path.read_text()
instructions = parse_dockerfile(text)
expect(instructions[0][0] in ("FROM", "ARG"), "a Dockerfile starts with FROM (or ARG)")
stage = final_stage(instructions)
image = base_image(stage[0][1])
expect(is_pinned(image), f"base image {image!r} is not pinned: use a version tag or a digest")
words = [w for w, _ in stage]
users = [a for w, a in stage if w == "USER"]
expect(users, "the final stage has no USER instruction: the container would run as root")
user = users[-1].split(":")[0].strip()
expect(user not in ("root", "0"), f"USER {users[-1]} runs as root; use an unprivileged user")
expect("HEALTHCHECK" in words, "no HEALTHCHECK instruction in the final stage")
exposed = {p.split("/")[0] for w, a in stage if w == "EXPOSE" for p in a.split()}
expect(
    names["app_port"] in exposed,
    f"the image must EXPOSE {names['app_port']}; found {sorted(exposed)}",
)
portfolio_copy = lab.portfolio.path("iac", "Dockerfile")
expect(portfolio_copy.is_file(), "no iac/Dockerfile in your portfolio (lab.portfolio.add_file)")
print("the Dockerfile parses and has the basics")

### BEGIN HIDDEN TESTS
stage_names = {
    a.split()[-1].lower() for w, a in instructions if w == "FROM" and " as " in a.lower()
}
for w, a in instructions:
    if w == "FROM":
        ref = base_image(a)
        expect(
            is_pinned(ref) or ref.lower() in stage_names or ref.lower() == "scratch",
            f"FROM {ref}: every base image must be pinned (a version tag or a digest)",
        )
# HEALTHCHECK: not NONE, probes /health on the app's port
checks = [a for w, a in stage if w == "HEALTHCHECK"]
health = checks[-1]
expect(not health.upper().startswith("NONE"), "HEALTHCHECK NONE disables the health check")
expect("CMD" in health.upper().split(), "HEALTHCHECK needs a CMD")
expect(
    "/health" in health and names["app_port"] in health,
    f"the HEALTHCHECK must call the app's /health on port {names['app_port']}: {health!r}",
)
expect(
    exec_form(health[health.upper().index("CMD") + 3 :].strip()) is not None,
    f"write the HEALTHCHECK's CMD in exec form (a JSON array; task 2 runs it): {health!r}",
)
# requirements: copied and installed with pip -r before the code is copied, in the stage that
# runs pip (the final stage, or the builder stage of a multi-stage build)
_starts = [i for i, (w, _) in enumerate(instructions) if w == "FROM"]
_stages = [
    instructions[s:e] for s, e in zip(_starts, [*_starts[1:], len(instructions)], strict=True)
]


def _pip_installs(st: list) -> list[int]:
    return [
        i
        for i, (w, a) in enumerate(st)
        if w == "RUN"
        and "pip" in a
        and "install" in a
        and re.search(r"-r\s*\S*requirements\.txt", a)
    ]


def _copies(st: list) -> list[tuple[int, str]]:
    return [(i, a) for i, (w, a) in enumerate(st) if w in ("COPY", "ADD")]


def _copies_requirements(args: str) -> bool:
    return any(Path(w).name == "requirements.txt" for w in args.split()[:-1])


pip_stage = next((st for st in reversed(_stages) if _pip_installs(st)), None)
expect(pip_stage is not None, "no RUN pip install -r requirements.txt in the Dockerfile")
installs = _pip_installs(pip_stage)
req_copy = [i for i, a in _copies(pip_stage) if _copies_requirements(a)]
expect(req_copy, "COPY requirements.txt into the image on its own, before the code")
expect(req_copy[0] < installs[0], "copy requirements.txt before the RUN that installs it")
expect(
    not [i for i, a in _copies(pip_stage) if i < installs[0] and not _copies_requirements(a)],
    "install the dependencies before copying the code, so code changes reuse the pip layer",
)
expect(
    "--no-cache-dir" in pip_stage[installs[0]][1],
    "pip install should use --no-cache-dir (no pip cache left in the image)",
)
copies = _copies(stage)
expect(
    [a for _, a in copies if "--from" not in a and not _copies_requirements(a)],
    "the application code is never copied into the image",
)
# the user is set after the last RUN (later RUNs would run as root again otherwise) and is not root
last_user = max(i for i, (w, _) in enumerate(stage) if w == "USER")
runs = [i for i, (w, _) in enumerate(stage) if w == "RUN"]
expect(not runs or max(runs) < last_user, "a RUN after the final USER: set USER after the last RUN")
expect(user not in ("root", "0", "root:root", "0:0"), "the final USER must not be root")
# CMD in exec form runs the shop
cmds = [a for w, a in stage if w in ("CMD", "ENTRYPOINT")]
expect(cmds, "no CMD or ENTRYPOINT: the container would not start the shop")
command = exec_form(cmds[-1])
expect(command is not None, f"use the exec form (a JSON array) for CMD: {cmds[-1]!r}")
expect(
    "wsgi.py" in command
    or ("-m" in command and "shop" in command)
    or "wsgi:application" in " ".join(command),
    f"CMD {command} does not run the shop (python wsgi.py)",
)
# no secrets in ENV/ARG, no DATABASE_URL baked in, no secret files copied
for w, a in instructions:
    if w in ("ENV", "ARG"):
        for key, value in env_pairs(a).items():
            expect(not SECRET_WORDS.search(key), f"{w} {key}: secrets do not belong in the image")
            expect(
                key.upper() != "DATABASE_URL",
                "DATABASE_URL must not be baked into the image: ECS injects it from Secrets Manager",
            )
            expect(not URL_WITH_PASSWORD.search(value), f"{w} {key} holds a URL with a password")
    if w in ("COPY", "ADD"):
        for src in a.split()[:-1]:
            if src.startswith("--"):
                continue
            expect(
                not re.search(r"(^|/)(\.env|id_rsa|.*\.pem|.*\.key|credentials)$", src),
                f"{w} {src}: never copy secrets into an image",
            )
    if w == "ADD":
        expect("://" not in a, "ADD with a URL fetches unverified content; use COPY or RUN")
    if w == "RUN":
        expect("sudo " not in a, "no sudo in images")
        expect(not re.search(r"curl[^|]*\|\s*(ba)?sh", a), "piping curl into a shell")
# every COPY source exists in the build context
for i, a in copies:
    if stage[i][0] != "COPY" or "--from" in a:
        continue
    for src in [s for s in a.split()[:-1] if not s.startswith("--")]:
        if "*" in src:
            expect(list(CONTEXT.glob(src)), f"COPY {src}: nothing in {CONTEXT}/ matches")
        else:
            expect(
                (CONTEXT / src).exists(), f"COPY {src}: no {src} in the build context {CONTEXT}/"
            )
expect((CONTEXT / "requirements.txt").is_file(), f"{CONTEXT}/requirements.txt is missing")
expect((CONTEXT / "wsgi.py").is_file(), f"{CONTEXT}/wsgi.py is missing: copy the application")
ignore = CONTEXT / ".dockerignore"
expect(ignore.is_file(), f"no .dockerignore in {CONTEXT}/")
ignored = {line.strip() for line in ignore.read_text().splitlines()}
for pattern in (".env", "*.pem"):
    expect(pattern in ignored, f".dockerignore does not exclude {pattern}")
expect(
    portfolio_copy.read_text() == text,
    "iac/Dockerfile in your portfolio differs from the build context's Dockerfile",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "run_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 2 · Run the image's command, as the container would (2 points)
#
# There is no Docker daemon here, but a container is only a process with a file system, an
# environment and a command. Before you push anything, prove that **what your Dockerfile
# says** starts the shop and passes its own health check, against the real migrated database
# (the seed's RDS PostgreSQL instance; its URL is the secret `names["db_secret"]`).
#
# Start the process the way Docker and ECS would:
#
# - **working directory**: the image's `WORKDIR` is your build context `CONTEXT`;
# - **command**: the Dockerfile's `CMD` (exec form), with `python` replaced by
#   `sys.executable` (the image's Python is this kernel's here);
# - **environment**: *only* what the image and ECS provide, not this notebook's environment
#   (that holds your AWS settings, which the container must not see): the `ENV` variables of
#   the Dockerfile (`env_pairs(...)` parses them), `DATABASE_URL` read from Secrets Manager (what
#   ECS injects from `secrets`), plus `PATH`; and two overrides for a shared laptop: `HOST`
#   `127.0.0.1` (not every interface) and `PORT` `0` (the OS picks a free port, as
#   `docker run -p 0:8080` would);
# - **output** to the log file `names["container_log"]` in the working folder (`stdout=` an open
#   file, `stderr=subprocess.STDOUT`): the shop prints `shop listening on http://HOST:PORT`.
#
# Use `subprocess.Popen(...)`, keep it in `CONTAINER`, wait (at most 20 s) until the log shows
# the listening line, and set `CONTAINER_URL` to `http://127.0.0.1:<port>`. Register
# `atexit.register(CONTAINER.terminate)` so it stops with the kernel, and stop an older one
# before starting again (`CONTAINER.terminate()` when the cell runs twice).
#
# Then check it like Docker would: run the `HEALTHCHECK`'s command (exec form; with the port
# 8080 replaced by yours) with `subprocess.run(..., timeout=10)`: exit code 0 means healthy.

# %% nbgrader={"grade": false, "grade_id": "run_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
if "CONTAINER" in globals() and CONTAINER.poll() is None:  # noqa: F821 (an earlier run)
    CONTAINER.terminate()  # noqa: F821
    CONTAINER.wait(timeout=10)  # noqa: F821

stage = final_stage(parse_dockerfile((CONTEXT / "Dockerfile").read_text()))
image_env = {}
for word, args in stage:
    if word == "ENV":
        image_env.update(env_pairs(args))
command = exec_form([a for w, a in stage if w == "CMD"][-1])
command = [sys.executable if part == "python" else part for part in command]
container_env = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    **image_env,
    "DATABASE_URL": secretsmanager.get_secret_value(SecretId=names["db_secret"])["SecretString"],
    "HOST": "127.0.0.1",
    "PORT": "0",
}
log_path = Path(names["container_log"])
with log_path.open("w") as log_file:
    CONTAINER = subprocess.Popen(
        command, cwd=CONTEXT, env=container_env, stdout=log_file, stderr=subprocess.STDOUT
    )
atexit.register(CONTAINER.terminate)
CONTAINER_URL = None
deadline = time.monotonic() + 20
while CONTAINER_URL is None and time.monotonic() < deadline and CONTAINER.poll() is None:
    found = re.search(r"shop listening on http://[^:]+:(\d+)", log_path.read_text())
    if found:
        CONTAINER_URL = f"http://127.0.0.1:{found.group(1)}"
    else:
        time.sleep(0.1)
print("container:", CONTAINER.args, "->", CONTAINER_URL)

health = [a for w, a in stage if w == "HEALTHCHECK"][-1]
probe = exec_form(health[health.upper().index("CMD") + 3 :].strip())
probe = [
    sys.executable if p == "python" else p.replace("8080", CONTAINER_URL.rsplit(":", 1)[1])
    for p in probe
]
print("HEALTHCHECK exit code:", subprocess.run(probe, timeout=10, capture_output=True).returncode)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "run_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import urllib.request

expect(
    isinstance(CONTAINER, subprocess.Popen), "CONTAINER must be the subprocess.Popen of the shop"
)
expect(
    CONTAINER.poll() is None,
    f"the container process exited with {CONTAINER.returncode}: read {names['container_log']}",
)
expect(
    isinstance(CONTAINER_URL, str) and CONTAINER_URL.startswith("http://127.0.0.1:"),
    f"CONTAINER_URL must be http://127.0.0.1:<port>, not {CONTAINER_URL!r}",
)
with urllib.request.urlopen(CONTAINER_URL + "/health", timeout=10) as reply:
    health_doc = json.loads(reply.read())
expect(health_doc.get("database") == "ok", f"/health answered {health_doc}")
print("the container command serves the shop:", CONTAINER_URL)

### BEGIN HIDDEN TESTS
_stage = final_stage(parse_dockerfile((CONTEXT / "Dockerfile").read_text()))
_cmd = exec_form([a for w, a in _stage if w == "CMD"][-1])
_args = [str(a) for a in CONTAINER.args]
expect(
    len(_args) == len(_cmd) and _args[1:] == _cmd[1:] and Path(_args[0]).name.startswith("python"),
    f"the process runs {_args}; the Dockerfile's CMD is {_cmd}",
)
_proc = Path("/proc") / str(CONTAINER.pid)
if _proc.is_dir():
    expect(
        (_proc / "cwd").resolve() == CONTEXT.resolve(),
        f"the process runs in {(_proc / 'cwd').resolve()}, not the build context {CONTEXT}",
    )
    _environ = dict(
        item.split("=", 1)
        for item in (_proc / "environ").read_bytes().decode().split("\0")
        if "=" in item
    )
    expect(
        _environ.get("DATABASE_URL")
        == secretsmanager.get_secret_value(SecretId=names["db_secret"])["SecretString"],
        "DATABASE_URL in the container's environment must be the secret's value",
    )
    _leaked = sorted(k for k in _environ if k.startswith(("AWS_", "LABKIT_", "JPY_")))
    expect(not _leaked, f"the container sees the notebook's environment: {_leaked}")
    for _key, _value in [pair for w, a in _stage if w == "ENV" for pair in env_pairs(a).items()]:
        if _key not in ("HOST", "PORT"):
            expect(
                _environ.get(_key) == _value, f"ENV {_key} of the image is missing in the process"
            )
with urllib.request.urlopen(CONTAINER_URL + "/api/products?limit=1", timeout=10) as reply:
    expect(json.loads(reply.read())["products"], "the container serves no products")
# the image's HEALTHCHECK command, run against the container (healthy) and a closed port (not)
_health = [a for w, a in _stage if w == "HEALTHCHECK"][-1]
_probe = exec_form(_health[_health.upper().index("CMD") + 3 :].strip())
expect(_probe is not None, f"write the HEALTHCHECK's CMD in exec form (a JSON array): {_health!r}")
_port = CONTAINER_URL.rsplit(":", 1)[1]


def _run_probe(port: str) -> int:
    argv = [sys.executable if p == "python" else p.replace(names["app_port"], port) for p in _probe]
    return subprocess.run(argv, timeout=15, capture_output=True, cwd=CONTEXT).returncode


expect(_run_probe(_port) == 0, "the HEALTHCHECK command fails against the running container")
import socket as _socket

with _socket.socket() as _s:
    _s.bind(("127.0.0.1", 0))
    _closed = str(_s.getsockname()[1])
expect(_run_probe(_closed) != 0, "the HEALTHCHECK command succeeds even when nothing listens")
expect(Path(names["container_log"]).is_file(), f"no log file {names['container_log']}")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task2_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 3 · A container registry (2 points)
#
# ECS pulls images from **Amazon ECR**. Three settings make the registry part of the security
# story rather than a file share:
#
# - **scan on push** (`imageScanningConfiguration={"scanOnPush": True}`): every pushed image is
#   scanned for known CVEs before anyone deploys it;
# - **immutable tags** (`imageTagMutability="IMMUTABLE"`): once `1.4.0` is pushed, nobody can
#   push a different image under `1.4.0`; what you tested is what runs, and a rollback to
#   `1.3.9` gets the real `1.3.9`;
# - a **lifecycle policy** so old images do not pile up: one rule that expires **untagged**
#   images 14 days after they were pushed (`countType: sinceImagePushed`, `countUnit: days`),
#   one that keeps only the last **20** images of any tag (`tagStatus: any`,
#   `countType: imageCountMoreThan`). Each rule has a unique `rulePriority`; rules of
#   `tagStatus: any` must have the highest priority number (evaluated last).
#
# Create the repository `names["repository"]` (`retail/shop`), encrypted (`AES256` is enough),
# with those settings, and put the lifecycle policy. Re-running: `create_repository` raises
# `ecr.exceptions.RepositoryAlreadyExistsException`; the settings have their own put calls
# (`put_image_scanning_configuration`, `put_image_tag_mutability`, `put_lifecycle_policy`).

# %% nbgrader={"grade": false, "grade_id": "ecr_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
try:
    ecr.create_repository(
        repositoryName=names["repository"],
        imageTagMutability="IMMUTABLE",
        imageScanningConfiguration={"scanOnPush": True},
        encryptionConfiguration={"encryptionType": "AES256"},
        tags=[{"Key": "Project", "Value": "retail-migration"}],
    )
except ecr.exceptions.RepositoryAlreadyExistsException:
    ecr.put_image_scanning_configuration(
        repositoryName=names["repository"], imageScanningConfiguration={"scanOnPush": True}
    )
    ecr.put_image_tag_mutability(repositoryName=names["repository"], imageTagMutability="IMMUTABLE")
LIFECYCLE = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "Expire untagged images after 14 days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "description": "Keep the last 20 images",
            "selection": {
                "tagStatus": "any",
                "countType": "imageCountMoreThan",
                "countNumber": 20,
            },
            "action": {"type": "expire"},
        },
    ]
}
ecr.put_lifecycle_policy(
    repositoryName=names["repository"], lifecyclePolicyText=json.dumps(LIFECYCLE)
)
print(repository()["repositoryUri"])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ecr_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
repo = repository()
expect(
    repo["imageScanningConfiguration"].get("scanOnPush") is True,
    f"repository {names['repository']}: scanOnPush is off",
)
expect(
    repo["imageTagMutability"] == "IMMUTABLE",
    f"repository {names['repository']}: tags are {repo['imageTagMutability']}, not IMMUTABLE",
)
try:
    policy_text = ecr.get_lifecycle_policy(repositoryName=names["repository"])[
        "lifecyclePolicyText"
    ]
except ecr.exceptions.LifecyclePolicyNotFoundException:
    raise AssertionError(f"repository {names['repository']} has no lifecycle policy") from None
rules = json.loads(policy_text).get("rules", [])
expect(rules, "the lifecycle policy has no rules")
print("repository and lifecycle policy look right")

### BEGIN HIDDEN TESTS
expect(
    repo["repositoryUri"] == names["repository_uri"],
    f"the repository URI is {repo['repositoryUri']}, expected {names['repository_uri']}",
)
expect(
    repo.get("encryptionConfiguration", {}).get("encryptionType") in ("AES256", "KMS"),
    "the repository must be encrypted (AES256 or KMS)",
)
priorities = [r.get("rulePriority") for r in rules]
expect(
    all(isinstance(p, int) and p >= 1 for p in priorities),
    f"every rule needs an integer rulePriority >= 1: {priorities}",
)
expect(len(set(priorities)) == len(priorities), f"rule priorities must be unique: {priorities}")
for r in rules:
    sel = r.get("selection", {})
    expect(
        r.get("action", {}).get("type") == "expire", f"rule {r.get('rulePriority')}: action expire"
    )
    expect(
        sel.get("tagStatus") in ("tagged", "untagged", "any"),
        f"rule {r.get('rulePriority')}: tagStatus {sel.get('tagStatus')!r}",
    )
    expect(
        sel.get("countType") in ("sinceImagePushed", "imageCountMoreThan"),
        f"rule {r.get('rulePriority')}: countType {sel.get('countType')!r}",
    )
    expect(
        isinstance(sel.get("countNumber"), int) and sel["countNumber"] >= 1,
        f"rule {r.get('rulePriority')}: countNumber must be a positive integer",
    )
    if sel.get("countType") == "sinceImagePushed":
        expect(sel.get("countUnit") == "days", f"rule {r.get('rulePriority')}: countUnit days")
    if sel.get("tagStatus") == "tagged":
        expect(sel.get("tagPrefixList") or sel.get("tagPatternList"), "tagged rules need prefixes")
untagged = [
    r["selection"]
    for r in rules
    if r["selection"].get("tagStatus") == "untagged"
    and r["selection"].get("countType") == "sinceImagePushed"
]
expect(untagged, "no rule expires untagged images by age (sinceImagePushed)")
expect(
    untagged[0]["countNumber"] == 14,
    f"expire untagged images after 14 days, not {untagged[0]['countNumber']}",
)
keep = [
    r
    for r in rules
    if r["selection"].get("tagStatus") == "any"
    and r["selection"].get("countType") == "imageCountMoreThan"
]
expect(keep, "no rule keeps only the last 20 images (tagStatus any, imageCountMoreThan)")
expect(keep[0]["selection"]["countNumber"] == 20, "keep the last 20 images")
expect(
    keep[0]["rulePriority"] == max(priorities),
    "the tagStatus 'any' rule must have the highest rulePriority (evaluated last)",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task3_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 4 · Push the release image (2 points)
#
# `docker push` uploads the image's layers and its config as blobs, then calls ECR's
# **`PutImage`** with the **image manifest**: a small JSON document that names those blobs by
# their `sha256` digests. Without a Docker daemon you do that last step yourself:
#
# 1. The **layer**: a gzip-compressed tar of the build context (`tarfile` with mode `"w:gz"`
#    into a `BytesIO`); its digest is `"sha256:" + hashlib.sha256(blob).hexdigest()` and its
#    size is `len(blob)`.
# 2. The **config**: a JSON document describing the image (`architecture` `amd64`, `os`
#    `linux`, `config` with `User`, `ExposedPorts` `{"8080/tcp": {}}`, `Cmd`, `WorkingDir`, and
#    `rootfs` `{"type": "layers", "diff_ids": [...]}`), digested the same way.
# 3. The **manifest** (Docker image manifest v2, schema 2):
#    `{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
#    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": ...,
#    "digest": ...}, "layers": [{"mediaType":
#    "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": ..., "digest": ...}]}`.
#
# Push it with `ecr.put_image(repositoryName=..., imageManifest=json.dumps(manifest),
# imageTag=names["app_version"])`: the release `1.4.0`. The tags are immutable now: pushing a
# *different* manifest under `1.4.0` fails with `ImageTagAlreadyExistsException`, and pushing
# the *same* one again fails with `ImageAlreadyExistsException`. On a re-run, look the tag up with
# `describe_images` first. Do not also tag it `latest`: in an immutable repository a `latest` tag
# could never move to the next release, so it would soon name an old image.

# %% nbgrader={"grade": false, "grade_id": "push_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
import gzip
import tarfile


def blob_ref(media_type: str, blob: bytes) -> dict:
    return {
        "mediaType": media_type,
        "size": len(blob),
        "digest": "sha256:" + hashlib.sha256(blob).hexdigest(),
    }


# a reproducible layer: sorted members, fixed mtimes and owners, gzip without a timestamp
tar_bytes = io.BytesIO()
with tarfile.open(fileobj=tar_bytes, mode="w") as tar:
    for path in sorted(p for p in CONTEXT.rglob("*") if p.is_file()):
        info = tar.gettarinfo(str(path), arcname="app/" + path.relative_to(CONTEXT).as_posix())
        info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 10001, 10001, "", ""
        with path.open("rb") as f:
            tar.addfile(info, f)
layer_tar = tar_bytes.getvalue()
layer = gzip.compress(layer_tar, mtime=0)
image_config = {
    "architecture": "amd64",
    "os": "linux",
    "config": {
        "User": "10001:10001",
        "ExposedPorts": {f"{names['app_port']}/tcp": {}},
        "Env": ["PYTHONUNBUFFERED=1", f"PORT={names['app_port']}"],
        "Cmd": ["python", "wsgi.py"],
        "WorkingDir": "/app",
        "Labels": {"org.opencontainers.image.version": names["app_version"]},
    },
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer_tar).hexdigest()]},
}
config_blob = json.dumps(image_config, sort_keys=True).encode()
manifest = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": blob_ref("application/vnd.docker.container.image.v1+json", config_blob),
    "layers": [blob_ref("application/vnd.docker.image.rootfs.diff.tar.gzip", layer)],
}
pushed = ecr.describe_images(repositoryName=names["repository"], filter={"tagStatus": "TAGGED"})[
    "imageDetails"
]
if not any(names["app_version"] in image.get("imageTags", []) for image in pushed):
    ecr.put_image(
        repositoryName=names["repository"],
        imageManifest=json.dumps(manifest),
        imageTag=names["app_version"],
    )
IMAGE_URI = f"{names['repository_uri']}:{names['app_version']}"
print("pushed", IMAGE_URI)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "push_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
repo = repository()
try:
    found = ecr.batch_get_image(
        repositoryName=names["repository"], imageIds=[{"imageTag": names["app_version"]}]
    )
except ClientError as e:
    raise AssertionError(f"cannot read image {names['app_version']}: {e}") from None
expect(
    found["images"],
    f"no image tagged {names['app_version']!r} in {names['repository']}",
)
pushed_manifest = json.loads(found["images"][0]["imageManifest"])
expect(pushed_manifest.get("schemaVersion") == 2, "the manifest's schemaVersion must be 2")
expect(pushed_manifest.get("layers"), "the manifest has no layers")
print("image", names["app_version"], "is in the repository")

### BEGIN HIDDEN TESTS
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
expect(
    pushed_manifest.get("mediaType") == "application/vnd.docker.distribution.manifest.v2+json",
    f"manifest mediaType {pushed_manifest.get('mediaType')!r}; use the Docker v2 schema 2 type",
)
config_ref = pushed_manifest.get("config") or {}
expect(
    config_ref.get("mediaType") == "application/vnd.docker.container.image.v1+json",
    f"config mediaType {config_ref.get('mediaType')!r}",
)
for ref in [config_ref, *pushed_manifest["layers"]]:
    expect(
        DIGEST.match(str(ref.get("digest", ""))), f"{ref.get('digest')!r} is not a sha256 digest"
    )
    expect(isinstance(ref.get("size"), int) and ref["size"] > 0, f"blob {ref.get('digest')}: size")
for ref in pushed_manifest["layers"]:
    expect(
        ref.get("mediaType") == "application/vnd.docker.image.rootfs.diff.tar.gzip",
        f"layer mediaType {ref.get('mediaType')!r}",
    )
expect(
    pushed_manifest["layers"][0]["size"] > 1000,
    "the layer is too small to hold the application: tar the build context",
)
details = ecr.describe_images(
    repositoryName=names["repository"], imageIds=[{"imageTag": names["app_version"]}]
)["imageDetails"]
expect(details and details[0]["imageDigest"].startswith("sha256:"), "the image has no digest")
expect(
    repo["imageTagMutability"] == "IMMUTABLE",
    "the repository's tags must stay IMMUTABLE (task 3)",
)
tags_pushed = [
    t
    for d in ecr.describe_images(repositoryName=names["repository"])["imageDetails"]
    for t in d.get("imageTags", [])
]
expect("latest" not in tags_pushed, "do not tag releases 'latest' in an immutable repository")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task4_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 5 · A cluster and a Fargate task definition (3 points)
#
# An **ECS cluster** is the logical home of the services; with Fargate there are no servers to
# manage in it. Turn on **Container Insights** (`settings=[{"name": "containerInsights",
# "value": "enabled"}]`): CPU, memory and task counts per service in CloudWatch.
#
# The **task definition** is the container's run sheet. Two IAM roles appear in it, and they are
# easy to mix up:
#
# - the **execution role** is used by the ECS agent *before* your code runs: to pull the image
#   from ECR, to create the log stream, and to read the secrets it injects. Create
#   `names["execution_role"]` trusting `ecs-tasks.amazonaws.com` with an inline policy that
#   grants exactly that (AWS's managed `AmazonECSTaskExecutionRolePolicy` allows the ECR and
#   Logs actions on `*`; here you scope them):
#   `ecr:GetAuthorizationToken` (it only works on `"*"`); `ecr:BatchGetImage`,
#   `ecr:GetDownloadUrlForLayer`, `ecr:BatchCheckLayerAvailability` on the repository's ARN;
#   `logs:CreateLogStream`, `logs:PutLogEvents` on the log group below (`...:log-group:NAME:*`);
#   `secretsmanager:GetSecretValue` on the database secret (`names["db_secret_arn"]`) only;
# - the **task role** is what the application's own AWS calls use: the seeded
#   `names["task_role_arn"]`.
#
# Register the family `names["task_family"]` with: `requiresCompatibilities=["FARGATE"]`,
# `networkMode="awsvpc"` (each task gets its own network interface and security group), a valid
# Fargate size (`cpu="512"`, `memory="1024"`; only certain pairs exist), and one essential
# container `names["container"]`:
#
# - `image`: the repository URI with the release tag (`f"{names['repository_uri']}:{names['app_version']}"`);
# - `portMappings`: container port 8080, TCP;
# - `secrets`: `DATABASE_URL` from the secret (`valueFrom` the secret's ARN), **not** in
#   `environment` where anyone with `ecs:DescribeTaskDefinition` could read it;
# - `environment`: `PORT=8080` (nothing secret);
# - `healthCheck`: a `CMD` that calls `/health` on 8080, with interval, timeout, retries and a
#   start period;
# - `logConfiguration`: driver `awslogs` with `awslogs-group` `names["log_group"]` (create the
#   log group, 30 days retention), `awslogs-region`, `awslogs-stream-prefix`.
#
# Registering again creates a new *revision*; that is fine (services point at a revision).
#
# Keep the definition as code: put the arguments you pass to `register_task_definition` in a
# dict `TASK_DEFINITION`, register with `ecs.register_task_definition(**TASK_DEFINITION)` and
# save the same dict as JSON in your portfolio:
# `lab.portfolio.add_file("iac", "ecs/retail-shop-taskdef.json", json.dumps(TASK_DEFINITION,
# indent=2))`.

# %% nbgrader={"grade": false, "grade_id": "taskdef_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
clusters = ecs.describe_clusters(clusters=[names["cluster"]])["clusters"]
if not [c for c in clusters if c["status"] == "ACTIVE"]:
    ecs.create_cluster(
        clusterName=names["cluster"],
        settings=[{"name": "containerInsights", "value": "enabled"}],
        tags=[{"key": "Project", "value": "retail-migration"}],
    )
else:
    ecs.update_cluster(
        cluster=names["cluster"], settings=[{"name": "containerInsights", "value": "enabled"}]
    )

trust_ecs_tasks = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
try:
    execution_role_arn = iam.get_role(RoleName=names["execution_role"])["Role"]["Arn"]
except iam.exceptions.NoSuchEntityException:
    execution_role_arn = iam.create_role(
        RoleName=names["execution_role"],
        AssumeRolePolicyDocument=json.dumps(trust_ecs_tasks),
        Description="ECS agent: pull the shop image, write logs, read the DB secret",
    )["Role"]["Arn"]
log_group_arn = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{names['log_group']}"
iam.put_role_policy(
    RoleName=names["execution_role"],
    PolicyName="shop-task-execution",
    PolicyDocument=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": [
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                        "ecr:BatchCheckLayerAvailability",
                    ],
                    "Resource": repository()["repositoryArn"],
                },
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{log_group_arn}:*",
                },
                {
                    "Effect": "Allow",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": names["db_secret_arn"],
                },
            ],
        }
    ),
)

try:
    logs.create_log_group(logGroupName=names["log_group"])
except logs.exceptions.ResourceAlreadyExistsException:
    pass
logs.put_retention_policy(logGroupName=names["log_group"], retentionInDays=30)

TASK_DEFINITION = dict(
    family=names["task_family"],
    requiresCompatibilities=["FARGATE"],
    networkMode="awsvpc",
    cpu="512",
    memory="1024",
    executionRoleArn=execution_role_arn,
    taskRoleArn=names["task_role_arn"],
    runtimePlatform={"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
    containerDefinitions=[
        {
            "name": names["container"],
            "image": f"{names['repository_uri']}:{names['app_version']}",
            "essential": True,
            "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
            "environment": [{"name": "PORT", "value": "8080"}],
            "secrets": [{"name": "DATABASE_URL", "valueFrom": names["db_secret_arn"]}],
            "healthCheck": {
                "command": [
                    "CMD",
                    "python",
                    "-c",
                    "import urllib.request; "
                    "urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=2)",
                ],
                "interval": 30,
                "timeout": 5,
                "retries": 3,
                "startPeriod": 15,
            },
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": names["log_group"],
                    "awslogs-region": REGION,
                    "awslogs-stream-prefix": "shop",
                },
            },
        }
    ],
)
registered = ecs.register_task_definition(**TASK_DEFINITION)["taskDefinition"]
lab.portfolio.add_file("iac", "ecs/retail-shop-taskdef.json", json.dumps(TASK_DEFINITION, indent=2))
TASK_DEFINITION_ARN = registered["taskDefinitionArn"]
print(TASK_DEFINITION_ARN)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "taskdef_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
cluster_list = ecs.describe_clusters(clusters=[names["cluster"]], include=["SETTINGS"])["clusters"]
cluster_list = [c for c in cluster_list if c.get("status") == "ACTIVE"]
expect(cluster_list, f"no ACTIVE ECS cluster named {names['cluster']!r}")
insights = {s["name"]: s["value"] for s in cluster_list[0].get("settings", [])}
expect(
    insights.get("containerInsights") in ("enabled", "enhanced"),
    f"cluster {names['cluster']}: containerInsights is {insights.get('containerInsights')!r}",
)
td = latest_task_definition()
expect("FARGATE" in td.get("requiresCompatibilities", []), "the task definition must be FARGATE")
expect(td.get("networkMode") == "awsvpc", f"networkMode is {td.get('networkMode')!r}, not awsvpc")
containers = {c["name"]: c for c in td["containerDefinitions"]}
expect(names["container"] in containers, f"no container named {names['container']!r}")
container = containers[names["container"]]
expect(
    container["image"] == f"{names['repository_uri']}:{names['app_version']}",
    f"container image is {container['image']!r}; expected the repository URI with tag "
    f"{names['app_version']}",
)
expect(
    any(s["name"] == "DATABASE_URL" for s in container.get("secrets", [])),
    "DATABASE_URL must come from `secrets` (Secrets Manager)",
)
print("cluster and task definition look right:", td["taskDefinitionArn"])

### BEGIN HIDDEN TESTS
cpu, memory = int(td.get("cpu") or 0), int(td.get("memory") or 0)
expect(
    memory in FARGATE_SIZES.get(cpu, set()),
    f"cpu {td.get('cpu')} / memory {td.get('memory')} is not a Fargate size",
)
expect(container.get("essential", True), "the shop container must be essential")
ports = [
    (p.get("containerPort"), p.get("protocol", "tcp")) for p in container.get("portMappings", [])
]
expect((8080, "tcp") in ports, f"container port mappings {ports}: map 8080/tcp")
env = {e["name"]: e["value"] for e in container.get("environment", [])}
expect("DATABASE_URL" not in env, "DATABASE_URL is in plain `environment`: use `secrets`")
for key, value in env.items():
    expect(not SECRET_WORDS.search(key), f"environment {key}: secrets go in `secrets`")
    expect(not URL_WITH_PASSWORD.search(value), f"environment {key} holds a password in a URL")
secret_refs = {s["name"]: s["valueFrom"] for s in container.get("secrets", [])}
expect(
    secret_refs["DATABASE_URL"] == names["db_secret_arn"],
    f"DATABASE_URL comes from {secret_refs['DATABASE_URL']}, not the secret {names['db_secret_arn']}",
)
# the image really is in the repository, with that tag
image_uri, _, image_tag = container["image"].rpartition(":")
expect(image_uri == repository()["repositoryUri"], "the image is not from the shop's repository")
in_repo = ecr.describe_images(repositoryName=names["repository"])["imageDetails"]
expect(
    any(image_tag in d.get("imageTags", []) for d in in_repo),
    f"tag {image_tag} is not in {names['repository']}: push it first (task 4)",
)
check = container.get("healthCheck") or {}
command = check.get("command", [])
expect(command and command[0] in ("CMD", "CMD-SHELL"), "the health check needs a CMD command")
expect(
    "/health" in " ".join(command) and "8080" in " ".join(command), "health check: /health on 8080"
)
for key in ("interval", "timeout", "retries", "startPeriod"):
    expect(check.get(key), f"the container health check has no {key}")
log_config = container.get("logConfiguration") or {}
expect(log_config.get("logDriver") == "awslogs", "logDriver must be awslogs")
options = log_config.get("options", {})
expect(
    options.get("awslogs-group") == names["log_group"],
    f"awslogs-group must be {names['log_group']}",
)
expect(options.get("awslogs-region") == REGION, f"awslogs-region must be {REGION}")
expect(options.get("awslogs-stream-prefix"), "set awslogs-stream-prefix")
groups = logs.describe_log_groups(logGroupNamePrefix=names["log_group"])["logGroups"]
group = [g for g in groups if g["logGroupName"] == names["log_group"]]
expect(group, f"log group {names['log_group']} does not exist")
expect(group[0].get("retentionInDays") == 30, f"{names['log_group']}: retention 30 days")
# the two roles
expect(td.get("taskRoleArn") == names["task_role_arn"], "taskRoleArn must be the seeded task role")
execution_arn = td.get("executionRoleArn") or ""
expect(
    execution_arn.endswith(f"/{names['execution_role']}"),
    f"executionRoleArn must be {names['execution_role']}",
)
expect(execution_arn != td.get("taskRoleArn"), "use two different roles")
role = iam.get_role(RoleName=names["execution_role"])["Role"]
expect(
    trusts(role, "ecs-tasks.amazonaws.com"), "the execution role must trust ecs-tasks.amazonaws.com"
)
granted = [
    s
    for p in iam.list_role_policies(RoleName=names["execution_role"])["PolicyNames"]
    for s in statements(
        iam.get_role_policy(RoleName=names["execution_role"], PolicyName=p)["PolicyDocument"]
    )
    if s.get("Effect") == "Allow"
]
repo_arn = repository()["repositoryArn"]
log_group_arn = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{names['log_group']}"


def execution_allows(action: str, resource: str) -> bool:
    return any(
        any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in as_list(s.get("Action")))
        and any(fnmatch.fnmatchcase(resource, r) for r in as_list(s.get("Resource")))
        for s in granted
    )


for action, resource in (
    ("secretsmanager:GetSecretValue", names["db_secret_arn"]),
    ("ecr:GetAuthorizationToken", "*"),
    ("ecr:BatchGetImage", repo_arn),
    ("ecr:GetDownloadUrlForLayer", repo_arn),
    ("logs:CreateLogStream", f"{log_group_arn}:log-stream:shop/shop/abc"),
    ("logs:PutLogEvents", f"{log_group_arn}:log-stream:shop/shop/abc"),
):
    expect(execution_allows(action, resource), f"the execution role cannot {action} on {resource}")
expect(
    not execution_allows("secretsmanager:GetSecretValue", names["db_secret_arn"] + "-other"),
    f"the execution role may read only the database secret: grant its ARN "
    f"{names['db_secret_arn']}, not a pattern",
)
saved = lab.portfolio.path("iac", "ecs", "retail-shop-taskdef.json")
expect(saved.is_file(), "no iac/ecs/retail-shop-taskdef.json in your portfolio")
saved_doc = json.loads(saved.read_text())
expect(
    saved_doc.get("family") == names["task_family"], "the saved task definition's family differs"
)
saved_images = {c.get("name"): c.get("image") for c in saved_doc.get("containerDefinitions", [])}
expect(
    saved_images.get(names["container"]) == container["image"],
    "the saved task definition is not the one registered (container image differs)",
)
for s in granted:
    for action in as_list(s.get("Action")):
        expect("*" not in action, f"the execution role is granted the wildcard action {action}")
        if "*" in as_list(s.get("Resource")):
            expect(
                action.lower() == "ecr:getauthorizationtoken",
                f"{action} on Resource '*': scope it to the repository, log group or secret",
            )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task5_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 6 · The load balancer (2 points)
#
# Fargate tasks in `awsvpc` mode have their own IP addresses, so the ALB's **target group** must
# be of **type `ip`** (not `instance`): ECS registers each task's IP in it. Build:
#
# 1. Target group `names["target_group"]`: protocol HTTP, port 8080, `TargetType="ip"`, in the
#    landing-zone VPC, health check `HTTP` on path **`/health`** expecting `200`, healthy after
#    2 checks, unhealthy after 3, every 15 s.
# 2. Load balancer `names["alb"]`: type `application`, scheme **`internet-facing`**, in the two
#    **public** subnets (`PUBLIC_SUBNETS`), security group `names["sg_alb_id"]`.
# 3. A listener on port **80** (HTTP) whose default action **forwards** to the target group. (In
#    production you would redirect 80 to a 443 listener with an ACM certificate; the emulator
#    has no certificates to issue, so 80 forwards here.)
#
# Re-running: look each one up first (`describe_target_groups(Names=[...])` and
# `describe_load_balancers(Names=[...])` raise a `ClientError` when the name is unknown; the
# helpers `target_group()` and `load_balancer()` raise an `AssertionError`), and the listener
# with `describe_listeners`.

# %% nbgrader={"grade": false, "grade_id": "alb_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
health_check = {
    "HealthCheckProtocol": "HTTP",
    "HealthCheckPath": "/health",
    "HealthCheckIntervalSeconds": 15,
    "HealthCheckTimeoutSeconds": 5,
    "HealthyThresholdCount": 2,
    "UnhealthyThresholdCount": 3,
    "Matcher": {"HttpCode": "200"},
}
try:
    TARGET_GROUP_ARN = target_group()["TargetGroupArn"]
    elbv2.modify_target_group(TargetGroupArn=TARGET_GROUP_ARN, **health_check)
except AssertionError:
    TARGET_GROUP_ARN = elbv2.create_target_group(
        Name=names["target_group"],
        Protocol="HTTP",
        Port=8080,
        VpcId=VPC_ID,
        TargetType="ip",
        **health_check,
    )["TargetGroups"][0]["TargetGroupArn"]
try:
    ALB_ARN = load_balancer()["LoadBalancerArn"]
except AssertionError:
    ALB_ARN = elbv2.create_load_balancer(
        Name=names["alb"],
        Type="application",
        Scheme="internet-facing",
        Subnets=PUBLIC_SUBNETS,
        SecurityGroups=[names["sg_alb_id"]],
        IpAddressType="ipv4",
    )["LoadBalancers"][0]["LoadBalancerArn"]
listeners = elbv2.describe_listeners(LoadBalancerArn=ALB_ARN)["Listeners"]
on_80 = [item for item in listeners if item["Port"] == 80]
forward = [{"Type": "forward", "TargetGroupArn": TARGET_GROUP_ARN}]
if on_80:
    elbv2.modify_listener(ListenerArn=on_80[0]["ListenerArn"], DefaultActions=forward)
else:
    elbv2.create_listener(LoadBalancerArn=ALB_ARN, Protocol="HTTP", Port=80, DefaultActions=forward)
print(load_balancer()["DNSName"])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "alb_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
tg = target_group()
expect(
    tg["TargetType"] == "ip",
    f"target group {names['target_group']} is of type {tg['TargetType']}, not ip",
)
expect(
    tg.get("HealthCheckPath") == "/health",
    f"health check path is {tg.get('HealthCheckPath')!r}, not /health",
)
alb = load_balancer()
expect(alb["Scheme"] == "internet-facing", f"load balancer {names['alb']} is {alb['Scheme']}")
listeners = elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
expect(any(item["Port"] == 80 for item in listeners), f"no listener on port 80 on {names['alb']}")
print("target group, load balancer and listener look right")

### BEGIN HIDDEN TESTS
expect(tg["VpcId"] == VPC_ID, f"the target group is in {tg['VpcId']}, not the landing-zone VPC")
expect(
    (tg["Protocol"], tg["Port"]) == ("HTTP", 8080),
    f"target group: HTTP 8080, not {tg['Protocol']} {tg['Port']}",
)
expect(tg.get("Matcher", {}).get("HttpCode") == "200", "the health check must expect 200")
expect(
    tg.get("HealthyThresholdCount") == 2 and tg.get("UnhealthyThresholdCount") == 3,
    "the target group's health check must be healthy after 2 checks and unhealthy after 3, "
    f"not {tg.get('HealthyThresholdCount')}/{tg.get('UnhealthyThresholdCount')}",
)
expect(
    tg.get("HealthCheckIntervalSeconds") == 15,
    f"health check every 15 s, not {tg.get('HealthCheckIntervalSeconds')} s",
)
expect(alb["Type"] == "application", f"{names['alb']} is a {alb['Type']} load balancer")
subnets = {z["SubnetId"] for z in alb["AvailabilityZones"]}
expect(
    subnets == set(PUBLIC_SUBNETS),
    f"the ALB must be in the public subnets {PUBLIC_SUBNETS}, not {sorted(subnets)}",
)
expect(
    alb.get("SecurityGroups") == [names["sg_alb_id"]],
    f"the ALB's security group must be {names['sg_alb']}",
)
listener = [item for item in listeners if item["Port"] == 80][0]
expect(listener["Protocol"] == "HTTP", "the port 80 listener speaks HTTP")
actions = listener["DefaultActions"]
expect(
    len(actions) == 1 and actions[0]["Type"] == "forward",
    "the listener's default action must forward",
)
targets = {actions[0].get("TargetGroupArn")} | {
    t["TargetGroupArn"] for t in actions[0].get("ForwardConfig", {}).get("TargetGroups", [])
}
expect(
    targets - {None} == {tg["TargetGroupArn"]},
    f"the listener forwards to {targets - {None}}, not {names['target_group']}",
)
expect(
    alb["LoadBalancerArn"] in tg.get("LoadBalancerArns", []),
    "the target group is not attached to the ALB",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task6_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 7 · Service discovery with Cloud Map (2 points)
#
# The storefront reaches the shop through the ALB, but internal callers (the nightly batch, the
# order-export worker) should not go out through the internet-facing load balancer. **AWS Cloud
# Map** gives the service a private DNS name, `api.shop.internal`, whose answers are the IP
# addresses of the running tasks, updated by ECS as tasks start and stop.
#
# 1. A **private DNS namespace** `names["namespace"]` attached to the landing-zone VPC
#    (`create_private_dns_namespace(Name=..., Vpc=VPC_ID)`; it is asynchronous: it returns an
#    `OperationId`; `get_operation` tells when it is `SUCCESS`).
# 2. A **service** `names["discovery_service"]` in that namespace with `DnsConfig`: routing
#    policy `MULTIVALUE`, one `A` record with a TTL of 10 seconds (tasks come and go; a long TTL
#    keeps dead addresses in callers' caches), and `HealthCheckCustomConfig={"FailureThreshold":
#    1}` so ECS reports task health to Cloud Map.
#
# `awsvpc` tasks need `A` records (`SRV` would also need a port). Re-running: look both up with
# `list_namespaces` and `list_services` first.

# %% nbgrader={"grade": false, "grade_id": "discovery_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
existing = [n for n in sd.list_namespaces()["Namespaces"] if n["Name"] == names["namespace"]]
if existing:
    NAMESPACE_ID = existing[0]["Id"]
else:
    operation_id = sd.create_private_dns_namespace(
        Name=names["namespace"], Vpc=VPC_ID, Description="Private names of the shop's services"
    )["OperationId"]
    operation = sd.get_operation(OperationId=operation_id)["Operation"]
    expect(operation["Status"] == "SUCCESS", f"namespace creation: {operation['Status']}")
    NAMESPACE_ID = operation["Targets"]["NAMESPACE"]
services_in_ns = [
    s
    for s in sd.list_services(
        Filters=[{"Name": "NAMESPACE_ID", "Values": [NAMESPACE_ID], "Condition": "EQ"}]
    )["Services"]
    if s["Name"] == names["discovery_service"]
]
if services_in_ns:
    DISCOVERY_ARN = services_in_ns[0]["Arn"]
else:
    DISCOVERY_ARN = sd.create_service(
        Name=names["discovery_service"],
        NamespaceId=NAMESPACE_ID,
        DnsConfig={
            "RoutingPolicy": "MULTIVALUE",
            "DnsRecords": [{"Type": "A", "TTL": 10}],
        },
        HealthCheckCustomConfig={"FailureThreshold": 1},
    )["Service"]["Arn"]
print(NAMESPACE_ID, DISCOVERY_ARN)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "discovery_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ns = namespace()
expect(
    ns["Type"] == "DNS_PRIVATE", f"namespace {names['namespace']} is {ns['Type']}, not DNS_PRIVATE"
)
service_sd = discovery_service(ns["Id"])
records = service_sd.get("DnsConfig", {}).get("DnsRecords", [])
expect(
    any(r["Type"] == "A" for r in records),
    f"Cloud Map service {names['discovery_service']} has no A record",
)
print(
    "namespace and Cloud Map service look right:",
    f"{names['discovery_service']}.{names['namespace']}",
)

### BEGIN HIDDEN TESTS
same_name = [n for n in sd.list_namespaces()["Namespaces"] if n["Name"] == names["namespace"]]
expect(len(same_name) == 1, f"{len(same_name)} namespaces are named {names['namespace']}")
zone_id = ns["Properties"]["DnsProperties"].get("HostedZoneId")
expect(zone_id, "the namespace has no Route 53 hosted zone")
zone = lab.client("route53").get_hosted_zone(Id=zone_id)["HostedZone"]
expect(zone["Config"]["PrivateZone"], "the namespace's hosted zone must be private")
dns = service_sd["DnsConfig"]
expect(
    dns.get("RoutingPolicy") == "MULTIVALUE",
    f"routing policy {dns.get('RoutingPolicy')!r}, not MULTIVALUE",
)
a_records = [r for r in records if r["Type"] == "A"]
expect(a_records[0]["TTL"] == 10, f"the A record's TTL is {a_records[0]['TTL']}, not 10")
expect(
    (service_sd.get("HealthCheckCustomConfig") or {}).get("FailureThreshold") == 1,
    "HealthCheckCustomConfig FailureThreshold 1 lets ECS report task health",
)
expect(
    not service_sd.get("HealthCheckConfig"), "a private namespace cannot use Route 53 health checks"
)
same_service = [
    s for s in sd.list_services()["Services"] if s["Name"] == names["discovery_service"]
]
expect(
    len(same_service) == 1,
    f"{len(same_service)} Cloud Map services named {names['discovery_service']}",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task7_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 8 · The ECS service (3 points)
#
# The **service** keeps the desired number of tasks running and wires them to everything you
# built. Create `names["service"]` in the cluster with:
#
# - the task definition of task 5 (its ARN with revision), `launchType="FARGATE"`;
# - `desiredCount` **2** or more (one per Availability Zone: Black Friday must survive an AZ);
# - `networkConfiguration.awsvpcConfiguration`: the **private** subnets (`PRIVATE_SUBNETS`),
#   security group `names["sg_app_id"]`, `assignPublicIp="DISABLED"` (tasks reach ECR and
#   Secrets Manager through the NAT gateway or VPC endpoints, never from the internet);
# - `loadBalancers`: the target group's ARN with `containerName` `names["container"]` and
#   `containerPort` 8080;
# - `serviceRegistries`: the Cloud Map service's ARN (`registryArn`);
# - `healthCheckGracePeriodSeconds` 30 and a deployment configuration that keeps capacity
#   during a rollout (`minimumHealthyPercent` 100, `maximumPercent` 200) with the
#   **deployment circuit breaker** on and `rollback` true: a release whose tasks never get
#   healthy is rolled back automatically. (The emulator does not keep these last two settings,
#   so they are not graded; set them anyway, as you would on AWS.)
#
# Re-running: `describe_services` first; an ACTIVE service is changed with `update_service`.

# %% nbgrader={"grade": false, "grade_id": "service_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
td_arn = latest_task_definition()["taskDefinitionArn"]
tg_arn = target_group()["TargetGroupArn"]
registry_arn = discovery_service(namespace()["Id"])["Arn"]
network = {
    "awsvpcConfiguration": {
        "subnets": PRIVATE_SUBNETS,
        "securityGroups": [names["sg_app_id"]],
        "assignPublicIp": "DISABLED",
    }
}
deployment = {
    "minimumHealthyPercent": 100,
    "maximumPercent": 200,
    "deploymentCircuitBreaker": {"enable": True, "rollback": True},
}
current = ecs.describe_services(cluster=names["cluster"], services=[names["service"]])["services"]
if [s for s in current if s["status"] == "ACTIVE"]:
    ecs.update_service(
        cluster=names["cluster"],
        service=names["service"],
        taskDefinition=td_arn,
        desiredCount=2,
        networkConfiguration=network,
        deploymentConfiguration=deployment,
    )
else:
    ecs.create_service(
        cluster=names["cluster"],
        serviceName=names["service"],
        taskDefinition=td_arn,
        desiredCount=2,
        launchType="FARGATE",
        platformVersion="LATEST",
        networkConfiguration=network,
        loadBalancers=[
            {
                "targetGroupArn": tg_arn,
                "containerName": names["container"],
                "containerPort": 8080,
            }
        ],
        serviceRegistries=[{"registryArn": registry_arn}],
        healthCheckGracePeriodSeconds=30,
        deploymentConfiguration=deployment,
        propagateTags="SERVICE",
        tags=[{"key": "Project", "value": "retail-migration"}],
    )
print(ecs_service()["serviceArn"])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "service_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
svc = ecs_service()
expect(
    svc.get("launchType") == "FARGATE",
    f"service {names['service']} launch type {svc.get('launchType')!r}",
)
expect(svc["desiredCount"] >= 2, f"desiredCount is {svc['desiredCount']}; run at least 2 tasks")
awsvpc = (svc.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
expect(awsvpc.get("assignPublicIp") == "DISABLED", "the tasks must not get public IPs")
expect(svc.get("loadBalancers"), f"service {names['service']} has no load balancer")
expect(svc.get("serviceRegistries"), f"service {names['service']} is not registered in Cloud Map")
print("the service looks right:", svc["serviceArn"])

### BEGIN HIDDEN TESTS
expect(
    set(awsvpc.get("subnets", [])) == set(PRIVATE_SUBNETS),
    f"the tasks must run in the private subnets {PRIVATE_SUBNETS}, not {awsvpc.get('subnets')}",
)
expect(
    awsvpc.get("securityGroups") == [names["sg_app_id"]],
    f"the tasks' security group must be {names['sg_app']}",
)
td_now = latest_task_definition()
expect(
    svc["taskDefinition"] == td_now["taskDefinitionArn"],
    f"the service runs {svc['taskDefinition']}, not the latest revision {td_now['taskDefinitionArn']}",
)
lb = svc["loadBalancers"][0]
expect(
    lb.get("containerName") == names["container"] and lb.get("containerPort") == 8080,
    f"load balancer block must name container {names['container']} port 8080, not {lb}",
)
container_names = {c["name"] for c in td_now["containerDefinitions"]}
expect(
    lb["containerName"] in container_names,
    "the load balancer's container is not in the task definition",
)
tg = target_group()
expect(
    lb.get("targetGroupArn") == tg["TargetGroupArn"],
    f"the service registers with {lb.get('targetGroupArn')}, not {names['target_group']}",
)
# the listener of the ALB forwards to the very target group that holds the service's tasks
alb = load_balancer()
forwarded = {
    a.get("TargetGroupArn")
    for item in elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
    for a in item["DefaultActions"]
    if a["Type"] == "forward"
}
expect(
    lb["targetGroupArn"] in forwarded,
    "no listener of the ALB forwards to the service's target group",
)
expect(tg["TargetType"] == "ip", "awsvpc tasks need a target group of type ip")
registry = svc["serviceRegistries"][0].get("registryArn")
ns = namespace()
expect(
    registry == discovery_service(ns["Id"])["Arn"],
    f"the service registers in {registry}, not {names['discovery_service']}.{names['namespace']}",
)
same = [
    s
    for s in ecs.list_services(cluster=names["cluster"])["serviceArns"]
    if s.endswith("/" + names["service"])
]
expect(len(same) == 1, f"{len(same)} services named {names['service']}")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task8_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 9 · A delivery pipeline (3 points)
#
# Nobody copies files onto servers any more: a commit goes through **CodePipeline**.
#
# 1. A **buildspec** (`buildspec.yml` in the build context; CodeBuild's recipe, YAML,
#    `version: 0.2`) whose phases log in to ECR (`pre_build`: `aws ecr get-login-password ... |
#    docker login ...`), build (`build`: `docker build -t $REPOSITORY_URI:$IMAGE_TAG .`), push
#    (`post_build`: `docker push ...`) and write **`imagedefinitions.json`**
#    (`[{"name": "<container>", "imageUri": "<uri>:<tag>"}]`, the container name of the task
#    definition), listed under `artifacts.files`. The ECS deploy action reads that file to know
#    which image to roll out. Copy it to your portfolio too (`iac/buildspec.yml`).
# 2. Two **S3 buckets**: the source bucket `names["source_bucket"]` (versioning **on**: the S3
#    source action needs object versions) and the artifact store `names["artifact_bucket"]`.
#    Upload the build context as a zip to `names["source_key"]`.
# 3. A **CodeBuild project** `names["build_project"]`: source and artifacts `CODEPIPELINE`,
#    environment `LINUX_CONTAINER`, image `aws/codebuild/standard:7.0`, compute
#    `BUILD_GENERAL1_SMALL`, **`privilegedMode: True`** (needed to run Docker), environment
#    variables `REPOSITORY_URI` and `IMAGE_TAG`, service role `names["codebuild_role_arn"]`.
#    (The emulator insists on a `location` even for `CODEPIPELINE` sources and artifacts, which
#    AWS ignores: give the bundle's `"bucket/key"` and the artifact bucket's name.)
# 4. The **pipeline** `names["pipeline"]` (role `names["pipeline_role_arn"]`, artifact store the
#    artifact bucket) with three stages in this order: `Source` (provider `S3`, `S3Bucket`,
#    `S3ObjectKey`, output artifact `SourceOutput`), `Build` (provider `CodeBuild`,
#    `ProjectName`, input `SourceOutput`, output `BuildOutput`), `Deploy` (provider `ECS`,
#    `ClusterName`, `ServiceName`, `FileName` `imagedefinitions.json`, input `BuildOutput`).
#
# Re-running: `get_pipeline` raises `PipelineNotFoundException` when the pipeline is missing;
# otherwise use `update_pipeline`. `batch_get_projects` returns the existing projects.

# %% nbgrader={"grade": false, "grade_id": "pipeline_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
BUILDSPEC = f"""\
version: 0.2
env:
  variables:
    CONTAINER_NAME: {names["container"]}
phases:
  pre_build:
    commands:
      - aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login --username AWS --password-stdin ${{REPOSITORY_URI%%/*}}
  build:
    commands:
      - docker build -t $REPOSITORY_URI:$IMAGE_TAG .
  post_build:
    commands:
      - docker push $REPOSITORY_URI:$IMAGE_TAG
      - printf '[{{"name":"%s","imageUri":"%s"}}]' $CONTAINER_NAME $REPOSITORY_URI:$IMAGE_TAG > imagedefinitions.json
artifacts:
  files:
    - imagedefinitions.json
"""
(CONTEXT / "buildspec.yml").write_text(BUILDSPEC)
lab.portfolio.add_file("iac", "buildspec.yml", BUILDSPEC)

existing_buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
for bucket in (names["source_bucket"], names["artifact_bucket"]):
    if bucket not in existing_buckets:
        s3.create_bucket(Bucket=bucket)
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

bundle = io.BytesIO()
with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
    for path in sorted(p for p in CONTEXT.rglob("*") if p.is_file()):
        archive.write(path, path.relative_to(CONTEXT).as_posix())
s3.put_object(Bucket=names["source_bucket"], Key=names["source_key"], Body=bundle.getvalue())

project = {
    "name": names["build_project"],
    "description": "Builds and pushes the shop image",
    "source": {
        "type": "CODEPIPELINE",
        "location": f"{names['source_bucket']}/{names['source_key']}",
        "buildspec": "buildspec.yml",
    },
    "artifacts": {"type": "CODEPIPELINE", "location": names["artifact_bucket"]},
    "environment": {
        "type": "LINUX_CONTAINER",
        "image": "aws/codebuild/standard:7.0",
        "computeType": "BUILD_GENERAL1_SMALL",
        "privilegedMode": True,
        "environmentVariables": [
            {"name": "REPOSITORY_URI", "value": names["repository_uri"], "type": "PLAINTEXT"},
            {"name": "IMAGE_TAG", "value": names["app_version"], "type": "PLAINTEXT"},
        ],
    },
    "serviceRole": names["codebuild_role_arn"],
}
if codebuild.batch_get_projects(names=[names["build_project"]])["projects"]:
    codebuild.delete_project(name=names["build_project"])
codebuild.create_project(**project)

pipeline = {
    "name": names["pipeline"],
    "roleArn": names["pipeline_role_arn"],
    "artifactStore": {"type": "S3", "location": names["artifact_bucket"]},
    "stages": [
        {
            "name": "Source",
            "actions": [
                {
                    "name": "Source",
                    "actionTypeId": {
                        "category": "Source",
                        "owner": "AWS",
                        "provider": "S3",
                        "version": "1",
                    },
                    "configuration": {
                        "S3Bucket": names["source_bucket"],
                        "S3ObjectKey": names["source_key"],
                        "PollForSourceChanges": "false",
                    },
                    "outputArtifacts": [{"name": "SourceOutput"}],
                }
            ],
        },
        {
            "name": "Build",
            "actions": [
                {
                    "name": "Build",
                    "actionTypeId": {
                        "category": "Build",
                        "owner": "AWS",
                        "provider": "CodeBuild",
                        "version": "1",
                    },
                    "configuration": {"ProjectName": names["build_project"]},
                    "inputArtifacts": [{"name": "SourceOutput"}],
                    "outputArtifacts": [{"name": "BuildOutput"}],
                }
            ],
        },
        {
            "name": "Deploy",
            "actions": [
                {
                    "name": "Deploy",
                    "actionTypeId": {
                        "category": "Deploy",
                        "owner": "AWS",
                        "provider": "ECS",
                        "version": "1",
                    },
                    "configuration": {
                        "ClusterName": names["cluster"],
                        "ServiceName": names["service"],
                        "FileName": "imagedefinitions.json",
                    },
                    "inputArtifacts": [{"name": "BuildOutput"}],
                }
            ],
        },
    ],
}
try:
    codepipeline.get_pipeline(name=names["pipeline"])
    codepipeline.update_pipeline(pipeline=pipeline)
except codepipeline.exceptions.PipelineNotFoundException:
    codepipeline.create_pipeline(pipeline=pipeline)
print([s["name"] for s in codepipeline.get_pipeline(name=names["pipeline"])["pipeline"]["stages"]])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "pipeline_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
try:
    definition = codepipeline.get_pipeline(name=names["pipeline"])["pipeline"]
except codepipeline.exceptions.PipelineNotFoundException:
    raise AssertionError(f"no pipeline named {names['pipeline']!r}") from None
stage_names = [s["name"] for s in definition["stages"]]
expect(
    stage_names == ["Source", "Build", "Deploy"],
    f"stages are {stage_names}, expected Source, Build, Deploy",
)
projects = codebuild.batch_get_projects(names=[names["build_project"]])["projects"]
expect(projects, f"no CodeBuild project named {names['build_project']!r}")
buildspec_path = CONTEXT / "buildspec.yml"
expect(buildspec_path.is_file(), f"no buildspec.yml in {CONTEXT}/")
print("pipeline stages:", " -> ".join(stage_names))

### BEGIN HIDDEN TESTS
spec = yaml.safe_load(buildspec_path.read_text())
expect(
    isinstance(spec, dict) and str(spec.get("version")) == "0.2", "buildspec version must be 0.2"
)
phases = spec.get("phases") or {}
commands = {
    p: " ".join(map(str, (phases.get(p) or {}).get("commands", [])))
    for p in ("pre_build", "build", "post_build")
}
expect(
    "ecr get-login-password" in commands["pre_build"] and "docker login" in commands["pre_build"],
    "pre_build must log in to ECR",
)
expect("docker build" in commands["build"], "the build phase must docker build")
expect("docker push" in commands["post_build"], "post_build must docker push")
expect(
    any("imagedefinitions.json" in c for c in commands.values()),
    "no phase writes imagedefinitions.json (usually post_build, after the push)",
)
expect(
    "imagedefinitions.json" in as_list((spec.get("artifacts") or {}).get("files")),
    "artifacts.files must list imagedefinitions.json",
)
expect(
    names["container"] in buildspec_path.read_text(),
    f"imagedefinitions.json must name the container {names['container']}",
)
expect(
    lab.portfolio.path("iac", "buildspec.yml").is_file(), "no iac/buildspec.yml in your portfolio"
)
# the source bundle: versioned bucket, the build context zipped
versioning = s3.get_bucket_versioning(Bucket=names["source_bucket"]).get("Status")
expect(versioning == "Enabled", f"versioning on {names['source_bucket']} is {versioning!r}")
try:
    body = s3.get_object(Bucket=names["source_bucket"], Key=names["source_key"])["Body"].read()
except ClientError:
    raise AssertionError(
        f"no source bundle s3://{names['source_bucket']}/{names['source_key']}"
    ) from None
with zipfile.ZipFile(io.BytesIO(body)) as archive:
    members = set(archive.namelist())
for member in ("Dockerfile", "buildspec.yml", "requirements.txt", "wsgi.py"):
    expect(member in members, f"the source bundle has no {member} at its top level")
expect(
    not any(m.endswith((".env", ".pem")) for m in members), "the source bundle holds secret files"
)
# the CodeBuild project
proj = projects[0]
environment = proj["environment"]
expect(
    environment.get("privilegedMode") is True,
    "the build project needs privilegedMode to run Docker",
)
expect(environment.get("type") == "LINUX_CONTAINER", "environment type LINUX_CONTAINER")
variables = {v["name"]: v["value"] for v in environment.get("environmentVariables", [])}
expect(
    variables.get("REPOSITORY_URI") == names["repository_uri"],
    f"REPOSITORY_URI must be {names['repository_uri']}",
)
expect(variables.get("IMAGE_TAG"), "IMAGE_TAG is not set")
expect(
    proj["source"]["type"] == "CODEPIPELINE" and proj["artifacts"]["type"] == "CODEPIPELINE",
    "source and artifacts must be CODEPIPELINE",
)
expect(
    proj["serviceRole"] == names["codebuild_role_arn"],
    "the build project must use the CodeBuild role",
)
# the pipeline: artifact store, providers, configuration, artifacts flow
expect(
    definition["roleArn"] == names["pipeline_role_arn"], "the pipeline must use the pipeline role"
)
store = definition.get("artifactStore") or {}
expect(
    store.get("type") == "S3" and store.get("location") == names["artifact_bucket"],
    f"artifact store must be S3 {names['artifact_bucket']}",
)
acts = {s["name"]: s["actions"][0] for s in definition["stages"]}
provider = {
    k: (a["actionTypeId"]["category"], a["actionTypeId"]["provider"]) for k, a in acts.items()
}
expect(
    provider["Source"] in (("Source", "S3"), ("Source", "CodeCommit")),
    f"Source provider {provider['Source']}",
)
expect(provider["Build"] == ("Build", "CodeBuild"), f"Build provider {provider['Build']}")
expect(provider["Deploy"] == ("Deploy", "ECS"), f"Deploy provider {provider['Deploy']}")
src = acts["Source"]["configuration"]
if provider["Source"][1] == "S3":
    expect(
        src.get("S3Bucket") == names["source_bucket"]
        and src.get("S3ObjectKey") == names["source_key"],
        f"the Source action reads {src}",
    )
expect(
    acts["Build"]["configuration"].get("ProjectName") == names["build_project"],
    "the Build action must run the build project",
)
deploy = acts["Deploy"]["configuration"]
expect(
    deploy.get("ClusterName") == names["cluster"] and deploy.get("ServiceName") == names["service"],
    f"the Deploy action targets {deploy}",
)
expect(
    deploy.get("FileName", "imagedefinitions.json") == "imagedefinitions.json",
    "FileName imagedefinitions.json",
)
ecs_service()  # the service it deploys exists
outs = {s: {o["name"] for o in a.get("outputArtifacts", [])} for s, a in acts.items()}
ins = {s: {i["name"] for i in a.get("inputArtifacts", [])} for s, a in acts.items()}
expect(
    ins["Build"] and ins["Build"] <= outs["Source"], "Build must take the Source output as input"
)
expect(
    ins["Deploy"] and ins["Deploy"] <= outs["Build"], "Deploy must take the Build output as input"
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "wrap_up", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Wrap-up
#
# The shop is now an immutable, scanned image; a Fargate service runs two copies of it in
# private subnets, behind an internet-facing ALB and under a private DNS name; and a pipeline
# turns a new source bundle into a rolling deployment with automatic rollback. Your portfolio
# holds `iac/Dockerfile`, `iac/ecs/retail-shop-taskdef.json` and `iac/buildspec.yml`.
#
# For your **architecture** document, write down:
#
# 1. Why the execution role and the task role are separate, and what each may do.
# 2. What happens, step by step, when the pipeline deploys `1.4.1` and its tasks never pass the
#    `/health` check (circuit breaker, rollback, the ALB's target health).
# 3. How you would scale the service for Black Friday (Application Auto Scaling on the ALB's
#    `RequestCountPerTarget` or CPU), and what the Fargate price list in
#    `p1_retail.ROOT / "costs" / "aws_prices.csv"` says two tasks of 0.5 vCPU / 1 GB cost a month.
# 4. What you would add before production: HTTPS on the ALB with an ACM certificate and a
#    redirect from 80, AWS WAF, image signing, and a manual approval stage before Deploy.

# %% nbgrader={"grade": false, "grade_id": "teardown", "locked": true, "schema_version": 3, "solution": false, "task": false}
# stop the local "container" of task 2 (run task 2's cell again to restart it)
if "CONTAINER" in globals() and CONTAINER.poll() is None:
    CONTAINER.terminate()
    CONTAINER.wait(timeout=10)
print("done")
