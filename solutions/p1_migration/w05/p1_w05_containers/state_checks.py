"""Out-of-kernel state checks of p1_w05_containers (instructor-only, never shipped).

The grader runs these in its own process against the grading worker's emulator after the
learner's notebook ran: a task scores only when its in-kernel test passes *and* its check here
finds the same configuration. Task 1 (the Dockerfile) lives in the learner's working folder and
is checked in the kernel only; its copy also travels in the source bundle of task 9, which is
parsed here.
"""

from __future__ import annotations

import fnmatch
import io
import json
import re
import zipfile

import yaml
from botocore.exceptions import ClientError

from labkit.checks import as_list, expect, statements

FARGATE_SIZES = {
    256: {512, 1024, 2048},
    512: set(range(1024, 4097, 1024)),
    1024: set(range(2048, 8193, 1024)),
    2048: set(range(4096, 16385, 1024)),
    4096: set(range(8192, 30721, 1024)),
}
SECRET_WORDS = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY)", re.I)
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"


# --- look-ups -------------------------------------------------------------------------------


def _repository(lab) -> dict:
    ecr = lab.client("ecr")
    try:
        return ecr.describe_repositories(repositoryNames=[lab.names["repository"]])["repositories"][
            0
        ]
    except ecr.exceptions.RepositoryNotFoundException:
        raise AssertionError(f"no ECR repository named {lab.names['repository']!r}") from None


def _target_group(lab) -> dict:
    try:
        return lab.client("elbv2").describe_target_groups(Names=[lab.names["target_group"]])[
            "TargetGroups"
        ][0]
    except ClientError:
        raise AssertionError(f"no target group named {lab.names['target_group']!r}") from None


def _load_balancer(lab) -> dict:
    try:
        return lab.client("elbv2").describe_load_balancers(Names=[lab.names["alb"]])[
            "LoadBalancers"
        ][0]
    except ClientError:
        raise AssertionError(f"no load balancer named {lab.names['alb']!r}") from None


def _namespace(lab) -> dict:
    sd = lab.client("servicediscovery")
    found = [n for n in sd.list_namespaces()["Namespaces"] if n["Name"] == lab.names["namespace"]]
    expect(found, f"no Cloud Map namespace named {lab.names['namespace']!r}")
    expect(len(found) == 1, f"{len(found)} namespaces are named {lab.names['namespace']}")
    return sd.get_namespace(Id=found[0]["Id"])["Namespace"]


def _discovery_service(lab, namespace_id: str) -> dict:
    sd = lab.client("servicediscovery")
    found = [
        sd.get_service(Id=s["Id"])["Service"]
        for s in sd.list_services()["Services"]
        if s["Name"] == lab.names["discovery_service"]
    ]
    expect(
        len(found) == 1, f"{len(found)} Cloud Map services named {lab.names['discovery_service']}"
    )
    expect(
        found[0].get("NamespaceId") == namespace_id,
        f"Cloud Map service {lab.names['discovery_service']} is not in {lab.names['namespace']}",
    )
    return found[0]


def _task_definition(lab) -> dict:
    try:
        return lab.client("ecs").describe_task_definition(taskDefinition=lab.names["task_family"])[
            "taskDefinition"
        ]
    except ClientError:
        raise AssertionError(f"no task definition family {lab.names['task_family']!r}") from None


def _service(lab) -> dict:
    names = lab.names
    found = lab.client("ecs").describe_services(
        cluster=names["cluster"], services=[names["service"]]
    )["services"]
    active = [s for s in found if s.get("status") == "ACTIVE"]
    expect(active, f"no ACTIVE service {names['service']!r} in cluster {names['cluster']}")
    return active[0]


def _trusts(role: dict, service: str) -> bool:
    return any(
        s.get("Effect") == "Allow"
        and service in as_list((s.get("Principal") or {}).get("Service"))
        and "sts:AssumeRole" in as_list(s.get("Action"))
        for s in statements(role["AssumeRolePolicyDocument"])
    )


# --- task 3: the repository -----------------------------------------------------------------


def registry(lab) -> None:
    names, ecr = lab.names, lab.client("ecr")
    repo = _repository(lab)
    expect(repo["imageScanningConfiguration"].get("scanOnPush") is True, "scanOnPush is off")
    expect(repo["imageTagMutability"] == "IMMUTABLE", "the repository's tags are not IMMUTABLE")
    expect(repo["repositoryUri"] == names["repository_uri"], "unexpected repository URI")
    try:
        text = ecr.get_lifecycle_policy(repositoryName=names["repository"])["lifecyclePolicyText"]
    except ecr.exceptions.LifecyclePolicyNotFoundException:
        raise AssertionError(f"repository {names['repository']} has no lifecycle policy") from None
    rules = json.loads(text).get("rules", [])
    priorities = [r.get("rulePriority") for r in rules]
    expect(rules and len(set(priorities)) == len(priorities), "rule priorities must be unique")
    untagged = [
        r["selection"]
        for r in rules
        if r.get("selection", {}).get("tagStatus") == "untagged"
        and r["selection"].get("countType") == "sinceImagePushed"
        and r["selection"].get("countUnit") == "days"
    ]
    expect(
        untagged and untagged[0].get("countNumber") == 14, "expire untagged images after 14 days"
    )
    keep = [
        r
        for r in rules
        if r.get("selection", {}).get("tagStatus") == "any"
        and r["selection"].get("countType") == "imageCountMoreThan"
    ]
    expect(keep and keep[0]["selection"].get("countNumber") == 20, "keep the last 20 images")
    expect(keep[0]["rulePriority"] == max(priorities), "the 'any' rule must be evaluated last")
    for r in rules:
        expect(r.get("action", {}).get("type") == "expire", "every rule's action is expire")


# --- task 4: the pushed image ---------------------------------------------------------------


def pushed_image(lab) -> None:
    names, ecr = lab.names, lab.client("ecr")
    _repository(lab)
    images = ecr.batch_get_image(
        repositoryName=names["repository"], imageIds=[{"imageTag": names["app_version"]}]
    )["images"]
    expect(images, f"no image tagged {names['app_version']} in {names['repository']}")
    manifest = json.loads(images[0]["imageManifest"])
    expect(manifest.get("schemaVersion") == 2, "the manifest's schemaVersion must be 2")
    expect(manifest.get("mediaType") == MANIFEST_V2, "the manifest's mediaType is not Docker v2")
    config = manifest.get("config") or {}
    expect(DIGEST.match(str(config.get("digest", ""))), "the config digest is not sha256")
    layers = manifest.get("layers") or []
    expect(layers, "the manifest has no layers")
    for layer in layers:
        expect(DIGEST.match(str(layer.get("digest", ""))), "a layer digest is not sha256")
    expect(layers[0].get("size", 0) > 1000, "the layer is too small to hold the application")


# --- task 5: cluster, roles, task definition ------------------------------------------------


def task_definition(lab) -> None:
    names, ecs, iam, logs = lab.names, lab.client("ecs"), lab.client("iam"), lab.client("logs")
    clusters = ecs.describe_clusters(clusters=[names["cluster"]], include=["SETTINGS"])["clusters"]
    clusters = [c for c in clusters if c.get("status") == "ACTIVE"]
    expect(clusters, f"no ACTIVE cluster {names['cluster']}")
    settings = {s["name"]: s["value"] for s in clusters[0].get("settings", [])}
    expect(
        settings.get("containerInsights") in ("enabled", "enhanced"), "Container Insights is off"
    )
    td = _task_definition(lab)
    expect("FARGATE" in td.get("requiresCompatibilities", []), "the task definition is not FARGATE")
    expect(td.get("networkMode") == "awsvpc", "networkMode must be awsvpc")
    expect(
        int(td.get("memory") or 0) in FARGATE_SIZES.get(int(td.get("cpu") or 0), set()),
        f"cpu {td.get('cpu')} / memory {td.get('memory')} is not a Fargate size",
    )
    containers = {c["name"]: c for c in td["containerDefinitions"]}
    expect(names["container"] in containers, f"no container named {names['container']}")
    c = containers[names["container"]]
    image = f"{names['repository_uri']}:{names['app_version']}"
    expect(c["image"] == image, f"the container's image is {c['image']}, not {image}")
    tags = [
        t
        for d in lab.client("ecr").describe_images(repositoryName=names["repository"])[
            "imageDetails"
        ]
        for t in d.get("imageTags", [])
    ]
    expect(names["app_version"] in tags, "the task definition's image tag is not in the repository")
    expect(
        (8080, "tcp")
        in [(p.get("containerPort"), p.get("protocol", "tcp")) for p in c.get("portMappings", [])],
        "map container port 8080/tcp",
    )
    env = {e["name"]: e["value"] for e in c.get("environment", [])}
    expect("DATABASE_URL" not in env, "DATABASE_URL is in plain environment")
    expect(not any(SECRET_WORDS.search(k) for k in env), "a secret-looking name in environment")
    secrets = {s["name"]: s["valueFrom"] for s in c.get("secrets", [])}
    expect(
        secrets.get("DATABASE_URL") == names["db_secret_arn"],
        "DATABASE_URL must come from the database secret",
    )
    command = " ".join((c.get("healthCheck") or {}).get("command", []))
    expect("/health" in command and "8080" in command, "the health check must call /health on 8080")
    log = c.get("logConfiguration") or {}
    options = log.get("options", {})
    expect(log.get("logDriver") == "awslogs", "logDriver must be awslogs")
    expect(options.get("awslogs-group") == names["log_group"], "awslogs-group is not the log group")
    groups = logs.describe_log_groups(logGroupNamePrefix=names["log_group"])["logGroups"]
    expect(any(g["logGroupName"] == names["log_group"] for g in groups), "the log group is missing")
    expect(td.get("taskRoleArn") == names["task_role_arn"], "taskRoleArn is not the task role")
    expect(
        str(td.get("executionRoleArn", "")).endswith("/" + names["execution_role"]),
        f"executionRoleArn is not {names['execution_role']}",
    )
    role = iam.get_role(RoleName=names["execution_role"])["Role"]
    expect(_trusts(role, "ecs-tasks.amazonaws.com"), "the execution role must trust ecs-tasks")
    granted = [
        s
        for p in iam.list_role_policies(RoleName=names["execution_role"])["PolicyNames"]
        for s in statements(
            iam.get_role_policy(RoleName=names["execution_role"], PolicyName=p)["PolicyDocument"]
        )
        if s.get("Effect") == "Allow"
    ]

    def allows(action: str, resource: str) -> bool:
        return any(
            any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in as_list(s.get("Action")))
            and any(fnmatch.fnmatchcase(resource, r) for r in as_list(s.get("Resource")))
            for s in granted
        )

    repo_arn = _repository(lab)["repositoryArn"]
    group_arn = f"arn:aws:logs:{lab.region}:{lab.account_id}:log-group:{names['log_group']}"
    for action, resource in (
        ("secretsmanager:GetSecretValue", names["db_secret_arn"]),
        ("ecr:GetAuthorizationToken", "*"),
        ("ecr:BatchGetImage", repo_arn),
        ("logs:PutLogEvents", f"{group_arn}:log-stream:x"),
    ):
        expect(allows(action, resource), f"the execution role cannot {action} on {resource}")
    expect(
        not allows("secretsmanager:GetSecretValue", names["db_secret_arn"] + "-other"),
        "the execution role may read other secrets than the database secret",
    )
    for s in granted:
        for action in as_list(s.get("Action")):
            expect("*" not in action, f"wildcard action {action} in the execution role")
            if "*" in as_list(s.get("Resource")):
                expect(action.lower() == "ecr:getauthorizationtoken", f"{action} on '*'")


# --- task 6: load balancer -------------------------------------------------------------------


def load_balancing(lab) -> None:
    names, elbv2 = lab.names, lab.client("elbv2")
    tg, alb = _target_group(lab), _load_balancer(lab)
    expect(tg["TargetType"] == "ip", "the target group must be of type ip")
    expect(tg["VpcId"] == names["vpc_id"], "the target group is not in the landing-zone VPC")
    expect((tg["Protocol"], tg["Port"]) == ("HTTP", 8080), "the target group must be HTTP 8080")
    expect(tg.get("HealthCheckPath") == "/health", "the health check path must be /health")
    expect(tg.get("Matcher", {}).get("HttpCode") == "200", "the health check must expect 200")
    expect(alb["Scheme"] == "internet-facing", "the load balancer must be internet-facing")
    expect(alb["Type"] == "application", "the load balancer must be an application one")
    subnets = {z["SubnetId"] for z in alb["AvailabilityZones"]}
    expect(
        subnets == set(names["public_subnets"].split(",")), "the ALB is not in the public subnets"
    )
    expect(alb.get("SecurityGroups") == [names["sg_alb_id"]], "the ALB's security group is wrong")
    listeners = elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
    on_80 = [item for item in listeners if item["Port"] == 80]
    expect(on_80, "no listener on port 80")
    actions = on_80[0]["DefaultActions"]
    expect(
        len(actions) == 1
        and actions[0]["Type"] == "forward"
        and actions[0].get("TargetGroupArn") == tg["TargetGroupArn"],
        f"the port 80 listener must forward to {names['target_group']}",
    )


# --- task 7: Cloud Map ------------------------------------------------------------------------


def service_discovery(lab) -> None:
    ns = _namespace(lab)
    expect(ns["Type"] == "DNS_PRIVATE", "the namespace must be a private DNS namespace")
    zone_id = ns["Properties"]["DnsProperties"].get("HostedZoneId")
    zone = lab.client("route53").get_hosted_zone(Id=zone_id)["HostedZone"]
    expect(zone["Config"]["PrivateZone"], "the namespace's hosted zone is not private")
    svc = _discovery_service(lab, ns["Id"])
    dns = svc.get("DnsConfig") or {}
    expect(dns.get("RoutingPolicy") == "MULTIVALUE", "routing policy must be MULTIVALUE")
    a_records = [r for r in dns.get("DnsRecords", []) if r["Type"] == "A"]
    expect(a_records and a_records[0]["TTL"] == 10, "one A record with a TTL of 10 s")
    expect(
        (svc.get("HealthCheckCustomConfig") or {}).get("FailureThreshold") == 1,
        "HealthCheckCustomConfig FailureThreshold 1",
    )


# --- task 8: the ECS service -----------------------------------------------------------------


def ecs_service(lab) -> None:
    names, elbv2 = lab.names, lab.client("elbv2")
    svc = _service(lab)
    expect(svc.get("launchType") == "FARGATE", "the service's launch type must be FARGATE")
    expect(svc["desiredCount"] >= 2, f"desiredCount {svc['desiredCount']}; run at least 2")
    awsvpc = (svc.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    expect(awsvpc.get("assignPublicIp") == "DISABLED", "the tasks must not get public IPs")
    expect(
        set(awsvpc.get("subnets", [])) == set(names["private_subnets"].split(",")),
        "the tasks must run in the private subnets",
    )
    expect(awsvpc.get("securityGroups") == [names["sg_app_id"]], "the tasks' group is wrong")
    td = _task_definition(lab)
    expect(
        svc["taskDefinition"] == td["taskDefinitionArn"],
        "the service is not on the latest revision",
    )
    expect(svc.get("loadBalancers"), "the service has no load balancer")
    lb = svc["loadBalancers"][0]
    tg = _target_group(lab)
    expect(lb.get("targetGroupArn") == tg["TargetGroupArn"], "the service's target group is wrong")
    expect(
        (lb.get("containerName"), lb.get("containerPort")) == (names["container"], 8080),
        "the load balancer block must name the shop container and port 8080",
    )
    alb = _load_balancer(lab)
    forwarded = {
        a.get("TargetGroupArn")
        for item in elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
        for a in item["DefaultActions"]
    }
    expect(tg["TargetGroupArn"] in forwarded, "no listener forwards to the service's target group")
    expect(svc.get("serviceRegistries"), "the service is not registered in Cloud Map")
    registry = svc["serviceRegistries"][0].get("registryArn")
    ns = _namespace(lab)
    expect(
        registry == _discovery_service(lab, ns["Id"])["Arn"],
        "the service registers in another Cloud Map service",
    )


# --- task 9: the pipeline --------------------------------------------------------------------


def pipeline(lab) -> None:
    names = lab.names
    s3, cb, cp = lab.client("s3"), lab.client("codebuild"), lab.client("codepipeline")
    expect(
        s3.get_bucket_versioning(Bucket=names["source_bucket"]).get("Status") == "Enabled",
        f"versioning is off on {names['source_bucket']}",
    )
    try:
        body = s3.get_object(Bucket=names["source_bucket"], Key=names["source_key"])["Body"].read()
    except ClientError:
        raise AssertionError("the source bundle is missing") from None
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        members = set(archive.namelist())
        for member in ("Dockerfile", "buildspec.yml", "requirements.txt", "wsgi.py"):
            expect(member in members, f"the source bundle has no {member}")
        spec = yaml.safe_load(archive.read("buildspec.yml"))
        dockerfile = archive.read("Dockerfile").decode()
    expect(isinstance(spec, dict) and str(spec.get("version")) == "0.2", "buildspec version 0.2")
    phases = spec.get("phases") or {}
    post = " ".join(map(str, (phases.get("post_build") or {}).get("commands", [])))
    expect("docker push" in post, "post_build must docker push")
    every = " ".join(map(str, [c for p in phases.values() for c in (p or {}).get("commands", [])]))
    expect("imagedefinitions.json" in every, "no phase writes imagedefinitions.json")
    expect(
        "docker build" in " ".join(map(str, (phases.get("build") or {}).get("commands", []))),
        "no docker build",
    )
    expect(
        "imagedefinitions.json" in as_list((spec.get("artifacts") or {}).get("files")),
        "artifacts.files must list imagedefinitions.json",
    )
    expect(
        "USER" in dockerfile and "HEALTHCHECK" in dockerfile,
        "the bundled Dockerfile is not the reviewed one",
    )
    projects = cb.batch_get_projects(names=[names["build_project"]])["projects"]
    expect(projects, f"no CodeBuild project {names['build_project']}")
    environment = projects[0]["environment"]
    expect(environment.get("privilegedMode") is True, "the build project needs privilegedMode")
    variables = {v["name"]: v["value"] for v in environment.get("environmentVariables", [])}
    expect(variables.get("REPOSITORY_URI") == names["repository_uri"], "REPOSITORY_URI is wrong")
    try:
        definition = cp.get_pipeline(name=names["pipeline"])["pipeline"]
    except cp.exceptions.PipelineNotFoundException:
        raise AssertionError(f"no pipeline {names['pipeline']}") from None
    expect(
        [s["name"] for s in definition["stages"]] == ["Source", "Build", "Deploy"],
        "the stages must be Source, Build, Deploy",
    )
    store = definition.get("artifactStore") or {}
    expect(store.get("location") == names["artifact_bucket"], "the artifact store is wrong")
    acts = {s["name"]: s["actions"][0] for s in definition["stages"]}
    expect(acts["Build"]["actionTypeId"]["provider"] == "CodeBuild", "Build must use CodeBuild")
    expect(
        acts["Build"]["configuration"].get("ProjectName") == names["build_project"],
        "the Build action runs another project",
    )
    expect(acts["Deploy"]["actionTypeId"]["provider"] == "ECS", "Deploy must use ECS")
    deploy = acts["Deploy"]["configuration"]
    expect(
        (deploy.get("ClusterName"), deploy.get("ServiceName"))
        == (names["cluster"], names["service"]),
        "the Deploy action targets another cluster or service",
    )
    _service(lab)


CHECKS = {
    "ecr_tests": registry,
    "push_tests": pushed_image,
    "taskdef_tests": task_definition,
    "alb_tests": load_balancing,
    "discovery_tests": service_discovery,
    "service_tests": ecs_service,
    "pipeline_tests": pipeline,
}
