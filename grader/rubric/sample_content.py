"""Text of the sample portfolios (:mod:`grader.rubric.samples`): documents, diagrams, code, IaC
and reviewer comments, more complete and cleaner as the posture rises from 0 (weak) to 4
(exemplary). Deterministic, no randomness."""

from __future__ import annotations

# document kind -> its sections, as the curriculum's deliverables name them (the rubric's
# required sections for those kinds; "executive-summary" feeds the presentation checklist)
SECTIONS: dict[str, list[str]] = {
    "assessment-report": [
        "Current State",
        "Application Inventory",
        "Dependencies",
        "Migration Strategy",
        "Cost Estimate",
    ],
    "architecture": ["Overview", "Components", "Design Decisions", "Security", "Scaling"],
    "runbook": ["Purpose", "Prerequisites", "Procedure", "Verification", "Rollback", "Escalation"],
    "dr-report": ["Scenario", "RTO", "RPO", "Timeline", "Findings", "Improvements"],
    "test-report": ["Scope", "Method", "Results", "Issues"],
    "cost-analysis": ["Baseline", "AWS Costs", "Savings", "Optimization Opportunities"],
    "compliance": ["Framework", "Controls", "Evidence", "Gaps"],
    "lessons-learned": ["What Went Well", "Challenges", "Improvements"],
    "executive-summary": [
        "Overview",
        "Business Outcomes",
        "Design Decisions",
        "Troubleshooting",
        "Demo",
        "Alternative Approaches",
        "Future Enhancements",
    ],
}

DETAIL = (
    "Work in progress.",
    "First notes; to be completed.",
    "Covers the migration (p1) and the microservices platform (p2), with the commands used.",
    "Covers the four projects with the figures measured in the labs and links to the runbooks.",
    "Covers the four projects: each claim links to the measurement, diagram or account-state "
    "rule that evidences it, and each step was rehearsed by a second engineer.",
)


def document(kind: str, sections: list[str], posture: int) -> str:
    title = kind.replace("-", " ").title()
    body = [f"# {title}", "", DETAIL[posture], ""]
    for section in sections:
        body += [f"## {section}", "", f"{DETAIL[posture]} ({section.lower()} of the {title}).", ""]
    return "\n".join(body)


def diagrams(posture: int) -> list[tuple[str, str]]:
    """(file name, text) of the architecture diagrams: none for the weak portfolio, one per
    project for the exemplary one."""
    projects = ("p1-three-tier", "p2-eks-platform", "p3-data-lake", "p4-multi-region")
    out = []
    for project in projects[: (0, 1, 2, 3, 4)[posture]]:
        out.append(
            (
                f"{project}.mmd",
                "flowchart LR\n  users[Users] --> alb[ALB]\n  alb --> app[App tier]\n"
                "  app --> db[(RDS Multi-AZ)]\n",
            )
        )
    if posture >= 3:
        out.append(
            (
                "overview.svg",
                '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60">'
                '<rect x="1" y="1" width="198" height="58" fill="none" stroke="black"/>'
                '<text x="20" y="35">landing zone</text></svg>\n',
            )
        )
    return out


FAKE_KEY = "AKIA" + "IOSFODNN7EXAMPLE"  # AWS's documented example key id, split for scanners

WEAK_CODE = f"""import os, sys, json
import boto3
AWS_ACCESS_KEY_ID = "{FAKE_KEY}"
def f(x):
    l = []
    for i in range(len(x)):
        if x[i] == None:
            l.append(i)
    return l
def upload(b,k,d):
  s3 = boto3.client('s3', aws_access_key_id=AWS_ACCESS_KEY_ID)
  try:
    s3.put_object(Bucket=b, Key=k, Body=d)
  except:
    pass
"""

CLEAN_CODE = '''"""Upload order exports to the data lake bucket."""

from __future__ import annotations

import boto3


def upload(bucket: str, key: str, data: bytes) -> str:
    """Put one object with KMS encryption; returns its version id."""
    s3 = boto3.client("s3")
    response = s3.put_object(
        Bucket=bucket, Key=key, Body=data, ServerSideEncryption="aws:kms"
    )
    return response.get("VersionId", "")


def missing_indexes(values: list[object]) -> list[int]:
    """Positions of the values that are None."""
    return [i for i, v in enumerate(values) if v is None]
'''

CFN_WEAK = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Data:
    Type: AWS::S3::Bucket
"""

CFN_GOOD = """AWSTemplateFormatVersion: "2010-09-09"
Description: Data bucket, versioned, KMS-encrypted, private, with access logs.
Parameters:
  KmsKeyArn: {Type: String}
  LogBucket: {Type: String}
Resources:
  Data:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration: {Status: Enabled}
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: "aws:kms", KMSMasterKeyID: !Ref KmsKeyArn}
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: true
      LoggingConfiguration: {DestinationBucketName: !Ref LogBucket, LogFilePrefix: data/}
"""

DOCKER_WEAK = """FROM python:latest
COPY . /app
RUN pip install -r /app/requirements.txt
CMD python /app/app.py
"""

DOCKER_GOOD = """FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY app.py .
USER 10001
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health')"
CMD ["python", "app.py"]
"""

K8S = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: orders, namespace: shop}}
spec:
  replicas: 3
  selector: {{matchLabels: {{app: orders}}}}
  template:
    metadata: {{labels: {{app: orders}}}}
    spec:
      containers:
        - name: orders
          image: registry.local/orders:1.4.2
          ports: [{{containerPort: 8080}}]
          resources:
            requests: {{cpu: 250m, memory: 256Mi}}
            limits: {{cpu: 500m, memory: 512Mi}}
{security}"""

K8S_SECURITY = """          securityContext:
            runAsNonRoot: true
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
          livenessProbe: {httpGet: {path: /health, port: 8080}}
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
"""


def code_and_iac(posture: int) -> list[tuple[str, str]]:
    """("<folder>/<path>", text) of the code and IaC files."""
    if posture == 0:
        return [("code/app.py", WEAK_CODE)]
    out = [("code/app.py", WEAK_CODE if posture == 1 else CLEAN_CODE)]
    out.append(("iac/cloudformation/data-bucket.yaml", CFN_WEAK if posture == 1 else CFN_GOOD))
    out.append(("iac/docker/Dockerfile", DOCKER_WEAK if posture < 3 else DOCKER_GOOD))
    if posture >= 2:
        security = K8S_SECURITY if posture >= 3 else ""
        out.append(("iac/k8s/orders-deployment.yaml", K8S.format(security=security)))
    return out


COMMENTS = {
    0: "Nothing shown for this yet.",
    1: "Started, but mostly following the lab steps; ask for more <detail> & evidence.",
    2: "Solid: explained the choices to the business team and the team used the runbooks.",
    3: "Outstanding: ran the DR drill walkthrough for two juniors, who then ran it unaided.",
}


def review_comment(sub_criterion: str, level: int) -> str:
    return f"{sub_criterion.split('.', 1)[1].replace('_', ' ')}: {COMMENTS[level]}"
