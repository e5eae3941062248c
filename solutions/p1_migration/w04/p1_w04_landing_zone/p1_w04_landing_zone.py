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
# # Project 1 · Week 4 · Day 3-4: AWS Landing Zone Setup
#
# ## The scenario
#
# A retail company is moving its e-commerce platform off its own data centre: two Apache web
# servers behind a hardware load balancer, four Tomcat application servers and an Oracle RAC
# cluster. Last Black Friday it fell over. The target on AWS is an Application Load Balancer in
# front of containers on ECS Fargate, with Aurora PostgreSQL behind them.
#
# Before a single container is migrated, the platform team needs somewhere safe to put it: a
# **landing zone**. That is the multi-account structure, the network, the identities and the
# logging that every later workload inherits. Getting it right now is much cheaper than
# retrofitting guardrails onto a running shop.
#
# You are the cloud engineer building it. You work against an **emulated AWS account** (nothing
# you do here reaches real AWS or costs money), with plain `boto3`, the same calls you would make
# against a real account.
#
# ## What you will build
#
# | # | task | AWS services | points |
# |---|------|--------------|--------|
# | 1 | A multi-account structure: organization, organizational units, member accounts | Organizations | 2 |
# | 2 | A preventive guardrail: a service control policy on the root | Organizations (SCP) | 2 |
# | 3 | A three-tier VPC across three Availability Zones | VPC | 3 |
# | 4 | Internet access where it belongs: internet gateway, NAT gateway, route tables | VPC | 3 |
# | 5 | Tiered security groups: load balancer → application → database | VPC | 2 |
# | 6 | A least-privilege IAM role for the application's ECS tasks | IAM | 2 |
# | 7 | Application logging and an alarm that pages the on-call team | CloudWatch Logs, CloudWatch, SNS | 2 |
# | 8 | The deliverables: architecture diagram, network design, security assessment, generated from the account | portfolio | 3 |
#
# **Estimated time: 4-5 hours** (tasks 3-5 take the longest; the solution runs in well under a
# minute, so most of the time is reading, deciding and checking).
#
# By the end you should be able to:
#
# - explain why production, security tooling and logs live in separate AWS accounts, and how a
#   service control policy limits even an account's administrators;
# - lay out a VPC in public, private and data tiers across Availability Zones, and say which tier
#   can reach the internet and how;
# - chain security groups so that each tier accepts traffic only from the tier in front of it;
# - write an IAM role whose trust policy and permissions grant nothing beyond what the workload
#   needs;
# - turn application log lines into a metric and an alarm that notifies people;
# - document a network from what the account really holds (a diagram, a design document and a
#   security assessment with a remediation plan), so the documents stay true when it changes.
#
# ## How this notebook works
#
# - Run the **setup** cell first. It starts (or finds) the emulator and creates what the lab starts
#   from: the on-call SNS topic and the application's S3 bucket.
# - Each task has an explanation, a cell where **you write the code** (replace
#   `raise NotImplementedError()`), and a **check** cell. Run the check after your code: it tells
#   you what is still missing. The grader runs more checks than you see, so build what the task
#   describes, not only what the visible checks test.
# - Write your code so it can be **run again** safely: look a resource up before you create it.
#   You will re-run cells while you work, and a duplicate VPC or a second NAT gateway fails checks.
# - Use the names in `names` (from this lab's `lab.yaml`), not names of your own: the checks look
#   resources up by these names.
# - The emulator keeps every configuration you make, but it does not *enforce* SCPs or IAM
#   policies, and it does not turn log lines into metrics. The checks therefore inspect the
#   configuration itself; on real AWS the same configuration would take effect.
# - Stuck with a broken state? In a terminal, `labkit reset` empties the emulator; then re-run the
#   notebook from the top.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import fnmatch
import ipaddress
import json
import time

import boto3
from botocore.exceptions import ClientError

import labkit
from labkit.checks import as_list, expect, find_named, statements, tag

lab = labkit.start_lab("p1_w04_landing_zone")
names = lab.names
REGION = lab.region
ACCOUNT_ID = lab.account_id
AZS = [f"{REGION}a", f"{REGION}b", f"{REGION}c"]

org = lab.client("organizations")
ec2 = lab.client("ec2")
iam = lab.client("iam")
logs = lab.client("logs")
cloudwatch = lab.client("cloudwatch")
sns = lab.client("sns")

print(lab)
print("caller:", boto3.client("sts").get_caller_identity()["Arn"])
for key in ("alerts_topic_arn", "app_bucket_arn", "log_group_arn"):
    print(f"{key:18} {names[key]}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "helpers_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The next cell defines a few **look-up helpers** the check cells use. They only read state; you
# may use them in your own code too (for example `lz_vpc()` to find your VPC's id in a later
# task). `tag_spec("vpc", "lz-vpc", Tier="app")` builds the `TagSpecifications` argument that
# EC2's create calls take, so a resource is named from the moment it exists.


# %% nbgrader={"grade": false, "grade_id": "helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def organization_root() -> dict:
    """The organization's root, or a failed check saying that task 1 has not run yet."""
    try:
        org.describe_organization()
    except org.exceptions.AWSOrganizationsNotInUseException:
        raise AssertionError(
            "this account is not in an organization yet: create one with "
            "organizations.create_organization (task 1)"
        ) from None
    roots = org.list_roots()["Roots"]
    expect(len(roots) == 1, f"expected one organization root, found {len(roots)}")
    return roots[0]


def org_units(parent_id: str) -> list[dict]:
    """The organizational units directly under ``parent_id``."""
    pages = org.get_paginator("list_organizational_units_for_parent").paginate(ParentId=parent_id)
    return [ou for page in pages for ou in page["OrganizationalUnits"]]


def org_accounts() -> list[dict]:
    """Every account in the organization (the management account included)."""
    pages = org.get_paginator("list_accounts").paginate()
    return [a for page in pages for a in page["Accounts"]]


def lz_vpc() -> dict:
    """The landing-zone VPC (Name tag ``names['vpc']``); task 3 creates it."""
    vpcs = ec2.describe_vpcs()["Vpcs"]
    expect(
        any(tag(v, "Name") == names["vpc"] for v in vpcs),
        f"no VPC with the Name tag {names['vpc']!r} yet: task 3 creates it",
    )
    return find_named(vpcs, names["vpc"], "VPC")


def lz_subnets(vpc_id: str) -> dict[str, list[dict]]:
    """The VPC's subnets grouped by their ``Tier`` tag (untagged ones under ``None``)."""
    found = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    tiers: dict = {}
    for subnet in found:
        tiers.setdefault(tag(subnet, "Tier"), []).append(subnet)
    return tiers


def route_table_for(vpc_id: str, subnet_id: str) -> dict:
    """The route table a subnet actually uses: its explicit association, else the VPC's main."""
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "RouteTables"
    ]
    for table in tables:
        if any(a.get("SubnetId") == subnet_id for a in table.get("Associations", [])):
            return table
    mains = [t for t in tables if any(a.get("Main") for a in t.get("Associations", []))]
    expect(mains, f"VPC {vpc_id} has no main route table")
    return mains[0]


def default_routes(table: dict) -> list[dict]:
    """Routes of ``table`` that send traffic to the internet (0.0.0.0/0 or ::/0)."""
    return [
        r
        for r in table.get("Routes", [])
        if r.get("DestinationCidrBlock") == "0.0.0.0/0"
        or r.get("DestinationIpv6CidrBlock") == "::/0"
    ]


def tag_spec(resource_type: str, name: str, **more: str) -> list[dict]:
    """``TagSpecifications`` for an EC2 create call: a Name tag plus any ``more`` tags."""
    pairs = {"Name": name, **more}
    return [
        {"ResourceType": resource_type, "Tags": [{"Key": k, "Value": v} for k, v in pairs.items()]}
    ]


def security_group(vpc_id: str, group_name: str) -> dict:
    """The security group called ``group_name`` in the VPC; task 5 creates them."""
    groups = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": [group_name]},
        ]
    )["SecurityGroups"]
    expect(groups, f"no security group named {group_name!r} in VPC {vpc_id} yet (task 5)")
    return groups[0]


# %% [markdown] nbgrader={"grade": false, "grade_id": "task1_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 1 · A multi-account structure with AWS Organizations (2 points)
#
# One AWS account for everything means one blast radius: a compromised developer key in the test
# environment can read production data, and whoever administers the account can delete its audit
# logs. AWS's multi-account strategy separates workloads and duties into **accounts** (the
# strongest isolation boundary AWS has), grouped into **organizational units (OUs)** that carry
# shared policy.
#
# The account you are working in becomes the organization's **management account**. It should
# run nothing but the organization itself. Build:
#
# 1. An organization with **all features** enabled (`FeatureSet="ALL"`). Only an organization with
#    all features can use service control policies (task 2); "consolidated billing" alone cannot.
# 2. Two OUs directly under the **root**: `names["ou_security"]` (`Security`) and
#    `names["ou_workloads"]` (`Workloads`).
# 3. Three member accounts, created with `create_account` and moved into their OU with
#    `move_account` (a new account starts under the root):
#
#    | account name | purpose | OU |
#    |---|---|---|
#    | `security` (`names["account_security"]`) | security tooling: GuardDuty, Security Hub administrator | Security |
#    | `log-archive` (`names["account_log_archive"]`) | the write-once home of CloudTrail and config logs | Security |
#    | `workloads-prod` (`names["account_workloads"]`) | the production e-commerce platform | Workloads |
#
#    Every account needs its own e-mail address; use `aws+<account name>@` followed by
#    `names["email_domain"]`.
#
# `create_account` is asynchronous on real AWS: it returns a `CreateAccountStatus` whose `State`
# is `IN_PROGRESS`; poll `describe_create_account_status` until it is `SUCCEEDED` before you move
# the account. Make the cell safe to re-run: create the organization, each OU and each account only
# when it does not exist yet (`describe_organization` raises
# `org.exceptions.AWSOrganizationsNotInUseException` when there is no organization).
#
# Useful calls: `create_organization`, `list_roots`, `list_organizational_units_for_parent`,
# `create_organizational_unit`, `list_accounts`, `create_account`,
# `describe_create_account_status`, `list_parents`, `move_account`.

# %% nbgrader={"grade": false, "grade_id": "org_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
try:
    org.describe_organization()
except org.exceptions.AWSOrganizationsNotInUseException:
    org.create_organization(FeatureSet="ALL")
root_id = org.list_roots()["Roots"][0]["Id"]


def ensure_ou(name: str) -> str:
    for ou in org_units(root_id):
        if ou["Name"] == name:
            return ou["Id"]
    return org.create_organizational_unit(ParentId=root_id, Name=name)["OrganizationalUnit"]["Id"]


def ensure_account(name: str, ou_id: str) -> str:
    existing = {a["Name"]: a["Id"] for a in org_accounts()}
    account_id = existing.get(name)
    if account_id is None:
        status = org.create_account(AccountName=name, Email=f"aws+{name}@{names['email_domain']}")[
            "CreateAccountStatus"
        ]
        while status["State"] == "IN_PROGRESS":
            time.sleep(1)
            status = org.describe_create_account_status(CreateAccountRequestId=status["Id"])[
                "CreateAccountStatus"
            ]
        if status["State"] != "SUCCEEDED":
            raise RuntimeError(f"creating account {name} failed: {status.get('FailureReason')}")
        account_id = status["AccountId"]
    parent_id = org.list_parents(ChildId=account_id)["Parents"][0]["Id"]
    if parent_id != ou_id:
        org.move_account(AccountId=account_id, SourceParentId=parent_id, DestinationParentId=ou_id)
    return account_id


security_ou = ensure_ou(names["ou_security"])
workloads_ou = ensure_ou(names["ou_workloads"])
account_ids = {
    names["account_security"]: ensure_account(names["account_security"], security_ou),
    names["account_log_archive"]: ensure_account(names["account_log_archive"], security_ou),
    names["account_workloads"]: ensure_account(names["account_workloads"], workloads_ou),
}
print(f"root {root_id}, Security OU {security_ou}, Workloads OU {workloads_ou}")
print(account_ids)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "org_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
root = organization_root()
feature_set = org.describe_organization()["Organization"]["FeatureSet"]
expect(
    feature_set == "ALL",
    f"the organization's feature set is {feature_set}; service control policies need 'ALL'",
)

ous = {ou["Name"]: ou for ou in org_units(root["Id"])}
for ou_name in (names["ou_security"], names["ou_workloads"]):
    expect(
        ou_name in ous,
        f"no OU named {ou_name!r} directly under the root (found: {sorted(ous) or 'none'})",
    )

where = {root["Id"]: "directly under the root"}
where.update({ou["Id"]: f"in the {ou_name} OU" for ou_name, ou in ous.items()})
by_name = {a["Name"]: a for a in org_accounts()}
placement = {
    names["account_security"]: names["ou_security"],
    names["account_log_archive"]: names["ou_security"],
    names["account_workloads"]: names["ou_workloads"],
}
for account_name, ou_name in placement.items():
    expect(account_name in by_name, f"no account named {account_name!r} in the organization")
    account = by_name[account_name]
    expect(
        account.get("Status", "ACTIVE") == "ACTIVE",
        f"account {account_name!r} is {account.get('Status')}, not ACTIVE",
    )
    parent_id = org.list_parents(ChildId=account["Id"])["Parents"][0]["Id"]
    expect(
        parent_id == ous[ou_name]["Id"],
        f"account {account_name!r} must sit in the {ou_name} OU (move it with move_account); "
        f"it is {where.get(parent_id, parent_id)}",
    )
print("organization, OUs and accounts look right")

### BEGIN HIDDEN TESTS
all_accounts = org_accounts()
for account_name in placement:
    count = sum(a["Name"] == account_name for a in all_accounts)
    expect(count == 1, f"{count} accounts are named {account_name!r}; expected exactly one")
emails = [a["Email"].lower() for a in all_accounts]
expect(len(emails) == len(set(emails)), "two accounts share an e-mail address")
ou_names = [ou["Name"] for ou in org_units(root["Id"])]
for ou_name in (names["ou_security"], names["ou_workloads"]):
    expect(ou_names.count(ou_name) == 1, f"{ou_names.count(ou_name)} OUs named {ou_name!r}")
# the OUs hold exactly the accounts placed in them, nothing else
for ou_name in (names["ou_security"], names["ou_workloads"]):
    inside = {
        a["Name"] for a in org.list_accounts_for_parent(ParentId=ous[ou_name]["Id"])["Accounts"]
    }
    wanted = {a for a, o in placement.items() if o == ou_name}
    expect(inside == wanted, f"the {ou_name} OU holds {sorted(inside)}, expected {sorted(wanted)}")
# the management account stays directly under the root
management_id = org.describe_organization()["Organization"]["MasterAccountId"]
management_parent = org.list_parents(ChildId=management_id)["Parents"][0]["Id"]
expect(management_parent == root["Id"], "the management account must stay under the root")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task2_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 2 · A preventive guardrail: a service control policy (2 points)
#
# IAM policies grant permissions inside an account. A **service control policy (SCP)** sets the
# *maximum* permissions for every principal in the accounts it applies to, the accounts' own
# administrators and root users included. An action an SCP denies cannot be allowed by any IAM
# policy. SCPs are how a platform team makes some mistakes impossible rather than merely
# discouraged. (They never restrict the management account itself: one more reason to run no
# workloads there.)
#
# Two such mistakes for this landing zone:
#
# - an account **leaving the organization** (`organizations:LeaveOrganization`), which would
#   escape every guardrail at once;
# - someone **switching off the audit trail**: `cloudtrail:StopLogging`, `cloudtrail:DeleteTrail`
#   (and, to be thorough, `cloudtrail:UpdateTrail`, which can redirect the trail's logs).
#
# Build:
#
# 1. Enable the `SERVICE_CONTROL_POLICY` policy type on the root (`enable_policy_type`): SCPs
#    have no effect until it is enabled.
# 2. Create an SCP named `names["scp"]` (`Type="SERVICE_CONTROL_POLICY"`) whose statement(s)
#    **deny** those actions on all resources (`"Resource": "*"`), without conditions.
# 3. Attach it to the **root**, so it covers every OU and account, present and future.
#
# Leave the AWS-managed `FullAWSAccess` SCP attached to the root. SCPs only filter: an account
# under the root gets the intersection of what the SCPs on its path allow. Detach `FullAWSAccess`
# and nothing is allowed any more, in any account. And never deny `"*"`: that locks out the whole
# organization.
#
# Re-running: `create_policy` fails with `DuplicatePolicyException` when the name exists; look the
# policy up with `list_policies(Filter="SERVICE_CONTROL_POLICY")` and use `update_policy` instead.
# Check `list_roots()` (its `PolicyTypes`) before enabling the type, and `list_targets_for_policy`
# before attaching.

# %% nbgrader={"grade": false, "grade_id": "scp_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
root = org.list_roots()["Roots"][0]
if not any(
    t["Type"] == "SERVICE_CONTROL_POLICY" and t["Status"] == "ENABLED"
    for t in root.get("PolicyTypes", [])
):
    org.enable_policy_type(RootId=root["Id"], PolicyType="SERVICE_CONTROL_POLICY")

guardrails = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyLeavingTheOrganization",
            "Effect": "Deny",
            "Action": "organizations:LeaveOrganization",
            "Resource": "*",
        },
        {
            "Sid": "ProtectCloudTrail",
            "Effect": "Deny",
            "Action": [
                "cloudtrail:StopLogging",
                "cloudtrail:DeleteTrail",
                "cloudtrail:UpdateTrail",
            ],
            "Resource": "*",
        },
    ],
}
existing = [
    p
    for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
    if p["Name"] == names["scp"]
]
if existing:
    scp_id = existing[0]["Id"]
    org.update_policy(PolicyId=scp_id, Content=json.dumps(guardrails))
else:
    scp_id = org.create_policy(
        Name=names["scp"],
        Description="Landing-zone baseline: stay in the organization, keep CloudTrail on",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps(guardrails),
    )["Policy"]["PolicySummary"]["Id"]
targets = org.list_targets_for_policy(PolicyId=scp_id)["Targets"]
if root["Id"] not in {t["TargetId"] for t in targets}:
    org.attach_policy(PolicyId=scp_id, TargetId=root["Id"])
print(f"SCP {scp_id} attached to {root['Id']}")
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "scp_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
root = organization_root()
enabled = {t["Type"] for t in root.get("PolicyTypes", []) if t.get("Status") == "ENABLED"}
expect(
    "SERVICE_CONTROL_POLICY" in enabled,
    "the SERVICE_CONTROL_POLICY policy type is not enabled on the root (enable_policy_type)",
)
scps = org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
matching = [p for p in scps if p["Name"] == names["scp"]]
expect(
    matching,
    f"no service control policy named {names['scp']!r} "
    f"(found: {sorted(p['Name'] for p in scps) or 'none'})",
)
scp = matching[0]
targets = {t["TargetId"] for t in org.list_targets_for_policy(PolicyId=scp["Id"])["Targets"]}
top_ous = {ou["Id"] for ou in org_units(root["Id"])}
expect(
    root["Id"] in targets or (top_ous and top_ous <= targets),
    f"SCP {names['scp']!r} is not attached to the root (attach_policy with TargetId {root['Id']})",
)
print("guardrail SCP enabled and attached")

### BEGIN HIDDEN TESTS
content = org.describe_policy(PolicyId=scp["Id"])["Policy"]["Content"]
stmts = statements(content)
denies = [s for s in stmts if s.get("Effect") == "Deny" and not s.get("Condition")]
expect(denies, "the SCP has no unconditional Deny statement")


def denied(action: str) -> bool:
    return any(
        fnmatch.fnmatchcase(action.lower(), pattern.lower())
        for s in denies
        for pattern in as_list(s.get("Action"))
        if "*" in as_list(s.get("Resource")) or not s.get("Resource")
    )


for action in (
    "organizations:LeaveOrganization",
    "cloudtrail:StopLogging",
    "cloudtrail:DeleteTrail",
):
    expect(denied(action), f"the SCP does not deny {action} on all resources")
for s in stmts:
    expect(
        "*" not in as_list(s.get("Action")) or s.get("Effect") != "Deny",
        "the SCP denies '*': that would lock every account out of everything",
    )
    expect("NotAction" not in s or s.get("Effect") != "Deny", "avoid Deny with NotAction here")
full_access = [p for p in scps if p["Name"] == "FullAWSAccess" or p["Id"] == "p-FullAWSAccess"]
expect(full_access, "the AWS-managed FullAWSAccess SCP is missing")
fa_targets = {
    t["TargetId"] for t in org.list_targets_for_policy(PolicyId=full_access[0]["Id"])["Targets"]
}
expect(root["Id"] in fa_targets, "keep FullAWSAccess attached to the root")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task3_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 3 · A three-tier VPC across three Availability Zones (3 points)
#
# The workloads account gets a VPC with three **tiers** of subnets, each tier in three
# **Availability Zones** (AZs, physically separate data centres) so that losing one AZ loses a
# third of the capacity, not the shop:
#
# - **public**: only what must be reachable from the internet (the load balancer, NAT gateway);
# - **private**: the application containers; they reach out through NAT, nobody reaches in;
# - **data**: Aurora PostgreSQL; no internet path in either direction.
#
# Build:
#
# 1. A VPC with CIDR `10.0.0.0/16`, tagged `Name` = `names["vpc"]`, with **DNS support** and
#    **DNS hostnames** enabled (`modify_vpc_attribute`, one attribute per call). ECS, Aurora
#    endpoints and VPC endpoints rely on DNS names resolving inside the VPC.
# 2. Nine `/24` subnets, one per tier and AZ (`us-east-1a`, `us-east-1b`, `us-east-1c`), each
#    tagged `Tier` = `public`, `private` or `data` and with a `Name` tag such as `lz-public-a`.
#    The plan below leaves room to grow each tier; the checks need `/24`s inside the VPC that do
#    not overlap, but do not insist on these exact blocks:
#
#    | tier | us-east-1a | us-east-1b | us-east-1c |
#    |---|---|---|---|
#    | public | 10.0.0.0/24 | 10.0.1.0/24 | 10.0.2.0/24 |
#    | private | 10.0.10.0/24 | 10.0.11.0/24 | 10.0.12.0/24 |
#    | data | 10.0.20.0/24 | 10.0.21.0/24 | 10.0.22.0/24 |
#
# 3. Public subnets give their instances a public IP on launch (`MapPublicIpOnLaunch`, via
#    `modify_subnet_attribute`); private and data subnets must not.
#
# Tags at creation time: `create_vpc(..., TagSpecifications=[{"ResourceType": "vpc", "Tags":
# [...]}])`, and `"ResourceType": "subnet"` for subnets (or use the `tag_spec` helper). To re-run safely, find the VPC with
# `describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [...]}])` and the subnets by CIDR.
# (The emulated account, like a real one, already has a *default* VPC, `172.31.0.0/16`; leave
# it alone.)

# %% nbgrader={"grade": false, "grade_id": "vpc_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
found = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [names["vpc"]]}])["Vpcs"]
if found:
    vpc_id = found[0]["VpcId"]
else:
    vpc_id = ec2.create_vpc(
        CidrBlock="10.0.0.0/16", TagSpecifications=tag_spec("vpc", names["vpc"])
    )["Vpc"]["VpcId"]
ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})

TIER_BASE = {"public": 0, "private": 10, "data": 20}
existing = {
    s["CidrBlock"]: s["SubnetId"]
    for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
}
subnet_ids: dict[str, list[str]] = {tier: [] for tier in TIER_BASE}
for tier, base in TIER_BASE.items():
    for i, az in enumerate(AZS):
        cidr = f"10.0.{base + i}.0/24"
        subnet_id = existing.get(cidr)
        if subnet_id is None:
            subnet_id = ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=cidr,
                AvailabilityZone=az,
                TagSpecifications=tag_spec("subnet", f"lz-{tier}-{az[-1]}", Tier=tier),
            )["Subnet"]["SubnetId"]
        ec2.modify_subnet_attribute(
            SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": tier == "public"}
        )
        subnet_ids[tier].append(subnet_id)
print(vpc_id, subnet_ids)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "vpc_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
vpc = lz_vpc()
vpc_id = vpc["VpcId"]
expect(
    vpc["CidrBlock"] == "10.0.0.0/16",
    f"VPC {names['vpc']} has CIDR {vpc['CidrBlock']}; the landing zone uses 10.0.0.0/16",
)
for attribute in ("enableDnsSupport", "enableDnsHostnames"):
    key = attribute[0].upper() + attribute[1:]
    value = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)[key]["Value"]
    expect(value, f"VPC {names['vpc']}: {attribute} is off; turn it on with modify_vpc_attribute")

tiers = lz_subnets(vpc_id)
for tier in ("public", "private", "data"):
    in_tier = tiers.get(tier, [])
    expect(
        len(in_tier) == 3,
        f"expected 3 subnets tagged Tier={tier} in {names['vpc']}, found {len(in_tier)}",
    )
    azs = sorted(s["AvailabilityZone"] for s in in_tier)
    expect(azs == AZS, f"the {tier} subnets must be one per AZ {AZS}; they are in {azs}")
print("VPC and subnets look right")

### BEGIN HIDDEN TESTS
vpc_net = ipaddress.ip_network(vpc["CidrBlock"])
all_subnets = [s for group in tiers.values() for s in group]
expect(len(all_subnets) == 9, f"the VPC has {len(all_subnets)} subnets; the design has 9")
expect(None not in tiers, "every subnet in the VPC needs a Tier tag")
nets = []
for s in all_subnets:
    net = ipaddress.ip_network(s["CidrBlock"])
    expect(net.prefixlen == 24, f"subnet {s['SubnetId']} is {net}, not a /24")
    expect(net.subnet_of(vpc_net), f"subnet {net} is outside {vpc_net}")
    expect(tag(s, "Name"), f"subnet {s['SubnetId']} ({net}) has no Name tag")
    nets.append(net)
for i, a in enumerate(nets):
    for b in nets[i + 1 :]:
        expect(not a.overlaps(b), f"subnets {a} and {b} overlap")
for s in tiers["public"]:
    expect(s["MapPublicIpOnLaunch"], f"public subnet {s['CidrBlock']} must map public IPs")
for tier in ("private", "data"):
    for s in tiers[tier]:
        expect(
            not s["MapPublicIpOnLaunch"],
            f"{tier} subnet {s['CidrBlock']} must not map public IPs on launch",
        )
same_name = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [names["vpc"]]}])["Vpcs"]
expect(len(same_name) == 1, f"{len(same_name)} VPCs are named {names['vpc']}")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task4_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 4 · Internet access where it belongs: gateways and route tables (3 points)
#
# A subnet is "public" only because of its **route table**: a route for `0.0.0.0/0` to an
# **internet gateway (IGW)**. Private subnets get outbound-only access through a **NAT gateway**,
# which lives in a public subnet, has an **Elastic IP** and forwards the private subnets' traffic
# out through the IGW. The data tier gets no route out at all: the database has no business on the
# internet, and without a route nothing can leak there even if a security group is wrong.
#
# Build, in the VPC from task 3:
#
# 1. An internet gateway tagged `Name` = `names["igw"]`, **attached** to the VPC.
# 2. An Elastic IP (`allocate_address(Domain="vpc")`) and a NAT gateway tagged `Name` =
#    `names["nat"]` in a **public** subnet using it (`create_nat_gateway(SubnetId=...,
#    AllocationId=...)`). On real AWS, wait until it is `available`
#    (`ec2.get_waiter("nat_gateway_available")`).
# 3. Route tables (`create_route_table`, tagged `Name`; `create_route`; `associate_route_table`):
#    - `names["rt_public"]`: `0.0.0.0/0` → the internet gateway; associated with the 3 public
#      subnets;
#    - `names["rt_private"]`: `0.0.0.0/0` → the NAT gateway; associated with the 3 private
#      subnets;
#    - `names["rt_data"]`: only the VPC's `local` route (every route table has it
#      automatically); associated with the 3 data subnets.
#
# Leave the VPC's **main** route table (the one a subnet uses when it has no association of its
# own) with the local route only: a subnet someone adds later is then private by default.
#
# One NAT gateway is a cost compromise: if its AZ fails, the private subnets in the other two lose
# outbound access. Production landing zones often run one NAT gateway per AZ with one private
# route table each; the checks accept either design.
#
# Re-running: find the IGW with the filter `attachment.vpc-id`, the NAT gateway and route tables
# with `tag:Name` (skip NAT gateways in state `deleted`), and check a table's `Routes` and
# `Associations` before adding to them.

# %% nbgrader={"grade": false, "grade_id": "routing_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
vpc_id = lz_vpc()["VpcId"]
by_tier = {
    tier: sorted(group, key=lambda s: s["AvailabilityZone"])
    for tier, group in lz_subnets(vpc_id).items()
}


def by_name_tag(describe, key: str, name: str) -> list[dict]:
    return describe(
        Filters=[
            {"Name": "tag:Name", "Values": [name]},
            {"Name": "vpc-id", "Values": [vpc_id]},
        ]
    )[key]


igws = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])[
    "InternetGateways"
]
if igws:
    igw_id = igws[0]["InternetGatewayId"]
else:
    igw_id = ec2.create_internet_gateway(
        TagSpecifications=tag_spec("internet-gateway", names["igw"])
    )["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)

nats = [
    n
    for n in ec2.describe_nat_gateways(
        Filters=[
            {"Name": "tag:Name", "Values": [names["nat"]]},
            {"Name": "vpc-id", "Values": [vpc_id]},
        ]
    )["NatGateways"]
    if n["State"] in ("pending", "available")
]
if nats:
    nat_id = nats[0]["NatGatewayId"]
else:
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.create_tags(
        Resources=[allocation_id], Tags=[{"Key": "Name", "Value": f"{names['nat']}-eip"}]
    )
    nat_id = ec2.create_nat_gateway(
        SubnetId=by_tier["public"][0]["SubnetId"],
        AllocationId=allocation_id,
        TagSpecifications=tag_spec("natgateway", names["nat"]),
    )["NatGateway"]["NatGatewayId"]
    ec2.get_waiter("nat_gateway_available").wait(
        NatGatewayIds=[nat_id], WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )


def ensure_route_table(name: str, subnets: list[dict], target: dict | None) -> str:
    found = by_name_tag(ec2.describe_route_tables, "RouteTables", name)
    if found:
        table = found[0]
    else:
        table = ec2.create_route_table(
            VpcId=vpc_id, TagSpecifications=tag_spec("route-table", name)
        )["RouteTable"]
    table_id = table["RouteTableId"]
    if target and not default_routes(table):
        ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", **target)
    associated = {a.get("SubnetId") for a in table.get("Associations", [])}
    for subnet in subnets:
        if subnet["SubnetId"] not in associated:
            ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet["SubnetId"])
    return table_id


route_tables = {
    "public": ensure_route_table(names["rt_public"], by_tier["public"], {"GatewayId": igw_id}),
    "private": ensure_route_table(
        names["rt_private"], by_tier["private"], {"NatGatewayId": nat_id}
    ),
    "data": ensure_route_table(names["rt_data"], by_tier["data"], None),
}
print(igw_id, nat_id, route_tables)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "routing_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
vpc_id = lz_vpc()["VpcId"]
tiers = lz_subnets(vpc_id)
expect(
    all(len(tiers.get(t, [])) == 3 for t in ("public", "private", "data")),
    "task 3's nine tiered subnets are needed first",
)
public_ids = {s["SubnetId"] for s in tiers["public"]}

igws = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])[
    "InternetGateways"
]
expect(len(igws) == 1, f"expected one internet gateway attached to the VPC, found {len(igws)}")
igw_id = igws[0]["InternetGatewayId"]

nat_gateways = [
    n
    for n in ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "NatGateways"
    ]
    if n["State"] != "deleted"
]
expect(nat_gateways, "no NAT gateway in the VPC")
for nat in nat_gateways:
    expect(
        nat["SubnetId"] in public_ids,
        f"NAT gateway {nat['NatGatewayId']} is in subnet {nat['SubnetId']}, not a public one",
    )
    expect(
        any(a.get("AllocationId") for a in nat.get("NatGatewayAddresses", [])),
        f"NAT gateway {nat['NatGatewayId']} has no Elastic IP",
    )
nat_ids = {n["NatGatewayId"] for n in nat_gateways}

for s in tiers["public"]:
    routes = default_routes(route_table_for(vpc_id, s["SubnetId"]))
    expect(
        any(r.get("GatewayId") == igw_id for r in routes),
        f"public subnet {s['CidrBlock']}: its route table has no 0.0.0.0/0 route to {igw_id}",
    )
for s in tiers["private"]:
    routes = default_routes(route_table_for(vpc_id, s["SubnetId"]))
    expect(
        any(r.get("NatGatewayId") in nat_ids for r in routes),
        f"private subnet {s['CidrBlock']}: its route table has no 0.0.0.0/0 route to a NAT gateway",
    )
for s in tiers["data"]:
    table = route_table_for(vpc_id, s["SubnetId"])
    expect(
        not default_routes(table),
        f"data subnet {s['CidrBlock']} can reach the internet through "
        f"{table['RouteTableId']}; the data tier must have no route out",
    )
print("gateways and routes look right")

### BEGIN HIDDEN TESTS
for tier in ("public", "private", "data"):
    for s in tiers[tier]:
        table = route_table_for(vpc_id, s["SubnetId"])
        expect(
            any(a.get("SubnetId") == s["SubnetId"] for a in table.get("Associations", [])),
            f"{tier} subnet {s['CidrBlock']} has no explicit route-table association",
        )
        for r in table.get("Routes", []):
            if tier == "public":
                expect(not r.get("NatGatewayId"), "public subnets must not route via NAT")
            if tier == "private":
                expect(
                    not str(r.get("GatewayId", "")).startswith("igw-"),
                    "private subnets must not route to the internet gateway",
                )
            if tier == "data":
                expect(
                    not r.get("NatGatewayId")
                    and not str(r.get("GatewayId", "")).startswith(("igw-", "eigw-")),
                    f"data subnet {s['CidrBlock']} has a route via a gateway or NAT",
                )
public_tables = {route_table_for(vpc_id, sid)["RouteTableId"] for sid in public_ids}
data_tables = {route_table_for(vpc_id, s["SubnetId"])["RouteTableId"] for s in tiers["data"]}
expect(not public_tables & data_tables, "data subnets must not share the public route table")
tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
main = [t for t in tables if any(a.get("Main") for a in t.get("Associations", []))]
expect(main and not default_routes(main[0]), "keep the VPC's main route table private")
for nat in nat_gateways:
    expect(nat["State"] == "available", f"NAT gateway {nat['NatGatewayId']} is {nat['State']}")
    expect(nat.get("ConnectivityType", "public") == "public", "the NAT gateway must be public")
expect(
    find_named(igws, names["igw"], "internet gateway")["InternetGatewayId"] == igw_id,
    "the attached internet gateway must carry the Name tag from names['igw']",
)
expect(
    find_named(nat_gateways, names["nat"], "NAT gateway"),
    "the NAT gateway must carry the Name tag from names['nat']",
)
allocations = {a.get("AllocationId") for a in ec2.describe_addresses()["Addresses"]}
for nat in nat_gateways:
    for address in nat.get("NatGatewayAddresses", []):
        expect(address.get("AllocationId") in allocations, "the NAT's Elastic IP is missing")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task5_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 5 · Tiered security groups (2 points)
#
# A **security group** is a stateful firewall on each network interface; it only has *allow*
# rules, and a rule's source may be a CIDR block **or another security group**. Referencing a
# group means "any interface that carries that group", whatever its IP address, which is exactly
# what auto-scaled containers and load balancer nodes need.
#
# Build three groups in the landing-zone VPC (`create_security_group(GroupName=...,
# Description=..., VpcId=...)`; give each a `Name` tag too):
#
# | group | admits | from |
# |---|---|---|
# | `names["sg_alb"]` | TCP 443 (HTTPS), and TCP 80 if you want to redirect HTTP to HTTPS | anywhere, `0.0.0.0/0` |
# | `names["sg_app"]` | TCP 8080 (Tomcat) only | the ALB group only |
# | `names["sg_db"]` | TCP 5432 (PostgreSQL) only | the app group only |
#
# Use `authorize_security_group_ingress(GroupId=..., IpPermissions=[...])`; a group source is
# `"UserIdGroupPairs": [{"GroupId": source_group_id}]`. No other inbound rules: no SSH, no
# "all traffic", no CIDR ranges on the app and database groups. (Leave the outbound rules as they
# are.) Re-running: adding a rule that exists raises a `ClientError` with code
# `InvalidPermission.Duplicate`; catch exactly that code.

# %% nbgrader={"grade": false, "grade_id": "sg_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
vpc_id = lz_vpc()["VpcId"]


def ensure_group(name: str, description: str) -> str:
    found = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": [name]},
        ]
    )["SecurityGroups"]
    if found:
        return found[0]["GroupId"]
    return ec2.create_security_group(
        GroupName=name,
        Description=description,
        VpcId=vpc_id,
        TagSpecifications=tag_spec("security-group", name),
    )["GroupId"]


def allow_tcp(group_id: str, port: int, *, cidr: str | None = None, group: str | None = None):
    permission = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
    if cidr:
        permission["IpRanges"] = [{"CidrIp": cidr}]
    if group:
        permission["UserIdGroupPairs"] = [{"GroupId": group}]
    try:
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[permission])
    except ClientError as e:
        if e.response["Error"]["Code"] != "InvalidPermission.Duplicate":
            raise


alb_sg = ensure_group(names["sg_alb"], "Public ALB: HTTPS from the internet")
app_sg = ensure_group(names["sg_app"], "App tier: Tomcat from the ALB only")
db_sg = ensure_group(names["sg_db"], "Data tier: PostgreSQL from the app tier only")
allow_tcp(alb_sg, 443, cidr="0.0.0.0/0")
allow_tcp(alb_sg, 80, cidr="0.0.0.0/0")
allow_tcp(app_sg, 8080, group=alb_sg)
allow_tcp(db_sg, 5432, group=app_sg)
print(alb_sg, app_sg, db_sg)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "sg_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
vpc_id = lz_vpc()["VpcId"]
alb = security_group(vpc_id, names["sg_alb"])
app = security_group(vpc_id, names["sg_app"])
db = security_group(vpc_id, names["sg_db"])


def admits(group: dict, port: int) -> list[dict]:
    """The ingress permissions of ``group`` that cover TCP ``port``."""
    return [
        p
        for p in group["IpPermissions"]
        if p["IpProtocol"] == "-1"
        or (p["IpProtocol"] in ("tcp", "6") and p["FromPort"] <= port <= p["ToPort"])
    ]


def cidrs(permission: dict) -> set[str]:
    return {r["CidrIp"] for r in permission.get("IpRanges", [])} | {
        r["CidrIpv6"] for r in permission.get("Ipv6Ranges", [])
    }


def sources(permission: dict) -> set[str]:
    return {pair["GroupId"] for pair in permission.get("UserIdGroupPairs", [])}


expect(
    any("0.0.0.0/0" in cidrs(p) for p in admits(alb, 443)),
    f"{names['sg_alb']} must admit TCP 443 from 0.0.0.0/0",
)
expect(
    any(alb["GroupId"] in sources(p) for p in admits(app, 8080)),
    f"{names['sg_app']} must admit TCP 8080 from the ALB group {alb['GroupId']}",
)
expect(
    any(app["GroupId"] in sources(p) for p in admits(db, 5432)),
    f"{names['sg_db']} must admit TCP 5432 from the app group {app['GroupId']}",
)
for group in (app, db):
    for p in group["IpPermissions"]:
        expect(
            not cidrs(p),
            f"{group['GroupName']} admits {sorted(cidrs(p))}: the app and database tiers take "
            f"traffic only from the security group in front of them",
        )
print("security groups look right")

### BEGIN HIDDEN TESTS
for group in (alb, app, db):
    for p in group["IpPermissions"]:
        expect(p["IpProtocol"] in ("tcp", "6"), f"{group['GroupName']}: only TCP rules allowed")
        expect(
            p["FromPort"] == p["ToPort"],
            f"{group['GroupName']}: open single ports, not the range {p['FromPort']}-{p['ToPort']}",
        )
for p in alb["IpPermissions"]:
    expect(p["FromPort"] in (80, 443), f"{names['sg_alb']} opens port {p['FromPort']}")
    expect(not sources(p), f"{names['sg_alb']} should only have CIDR rules")
for group, port, source in ((app, 8080, alb), (db, 5432, app)):
    ports = {p["FromPort"] for p in group["IpPermissions"]}
    expect(ports == {port}, f"{group['GroupName']} opens ports {sorted(ports)}; only {port}")
    srcs = set().union(*(sources(p) for p in group["IpPermissions"]))
    expect(
        srcs == {source["GroupId"]},
        f"{group['GroupName']} admits groups {sorted(srcs)}; only {source['GroupName']}",
    )
    expect(
        not any(p.get("PrefixListIds") for p in group["IpPermissions"]),
        f"{group['GroupName']} must not admit prefix lists",
    )
expect(
    not any(alb["GroupId"] in sources(p) for p in admits(db, 5432)),
    "the ALB must not reach the database directly",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task6_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 6 · A least-privilege IAM role for the application (2 points)
#
# The containers of the app tier will run as ECS tasks. Instead of long-lived access keys baked
# into an image, each task gets temporary credentials from an **IAM role** (the *task role*).
# A role has two policies, and both must be tight:
#
# - its **trust policy** says who may assume it. Here only the ECS tasks service,
#   `ecs-tasks.amazonaws.com`, with `sts:AssumeRole`: no accounts, no users, no wildcard.
# - its **permissions policy** says what it may do. **Least privilege**: the specific actions the
#   application performs, on the specific resources it uses. No `"*"`, no `"s3:*"`, no
#   `"Resource": "*"`.
#
# The application stores and reads product images in the bucket the platform team created for it
# (`names["app_bucket"]`, ARN in `names["app_bucket_arn"]`), and writes its logs to the log group
# of task 7 (`names["log_group"]`, ARN in `names["log_group_arn"]`). Build:
#
# 1. A role named `names["app_role"]` trusted only by `ecs-tasks.amazonaws.com`
#    (`create_role(RoleName=..., AssumeRolePolicyDocument=json.dumps(trust))`).
# 2. An inline policy named `names["app_policy"]` (`put_role_policy`) that allows exactly:
#    - `s3:GetObject` and `s3:PutObject` on the **objects** of the app bucket
#      (`arn:aws:s3:::<bucket>/*`; object actions never match the bucket ARN itself);
#    - `logs:CreateLogStream` and `logs:PutLogEvents` on the app log group's streams
#      (`<log group ARN>:*`).
#
# Re-running: `create_role` raises `iam.exceptions.EntityAlreadyExistsException` when the role
# exists; then `update_assume_role_policy` brings its trust policy up to date. `put_role_policy`
# simply replaces the inline policy.

# %% nbgrader={"grade": false, "grade_id": "iam_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
trust = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
permissions = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ProductAssets",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": f"{names['app_bucket_arn']}/*",
        },
        {
            "Sid": "AppLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{names['log_group_arn']}:*",
        },
    ],
}
try:
    iam.create_role(
        RoleName=names["app_role"],
        AssumeRolePolicyDocument=json.dumps(trust),
        Description="ECS task role of the retail app tier",
        Tags=[{"Key": "Tier", "Value": "app"}],
    )
except iam.exceptions.EntityAlreadyExistsException:
    iam.update_assume_role_policy(RoleName=names["app_role"], PolicyDocument=json.dumps(trust))
iam.put_role_policy(
    RoleName=names["app_role"],
    PolicyName=names["app_policy"],
    PolicyDocument=json.dumps(permissions),
)
print(iam.get_role(RoleName=names["app_role"])["Role"]["Arn"])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "iam_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
try:
    role = iam.get_role(RoleName=names["app_role"])["Role"]
except iam.exceptions.NoSuchEntityException:
    raise AssertionError(f"no IAM role named {names['app_role']!r} yet") from None

trust_statements = statements(role["AssumeRolePolicyDocument"])
principals = [
    (s.get("Effect"), s.get("Principal"), as_list(s.get("Action"))) for s in trust_statements
]
expect(
    any(
        effect == "Allow"
        and isinstance(principal, dict)
        and as_list(principal.get("Service")) == ["ecs-tasks.amazonaws.com"]
        and "sts:AssumeRole" in actions
        for effect, principal, actions in principals
    ),
    f"the trust policy of {names['app_role']} must let ecs-tasks.amazonaws.com sts:AssumeRole; "
    f"it has {principals}",
)


def role_statements(role_name: str) -> list[dict]:
    """Every statement of the role's inline and attached managed policies."""
    found = []
    for policy_name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)
        found += statements(document["PolicyDocument"])
    for attached in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
        version = iam.get_policy_version(
            PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"]
        )
        found += statements(version["PolicyVersion"]["Document"])
    return found


granted = role_statements(names["app_role"])
expect(granted, f"role {names['app_role']} has no permissions policy")
allows = [s for s in granted if s.get("Effect") == "Allow"]


def allowed(action: str, resource: str) -> bool:
    return any(
        any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in as_list(s.get("Action")))
        and any(fnmatch.fnmatchcase(resource, r) for r in as_list(s.get("Resource")))
        for s in allows
    )


sample_object = f"{names['app_bucket_arn']}/products/sku-1234.jpg"
sample_stream = f"{names['log_group_arn']}:log-stream:app/web/1"
for action, resource in (
    ("s3:GetObject", sample_object),
    ("s3:PutObject", sample_object),
    ("logs:CreateLogStream", sample_stream),
    ("logs:PutLogEvents", sample_stream),
):
    expect(allowed(action, resource), f"role {names['app_role']} cannot {action} on {resource}")
print("app role trust and permissions look right")

### BEGIN HIDDEN TESTS
inline = iam.list_role_policies(RoleName=names["app_role"])["PolicyNames"]
expect(names["app_policy"] in inline, f"the inline policy must be named {names['app_policy']}")
for effect, principal, _ in principals:
    if effect != "Allow":
        continue
    expect(
        isinstance(principal, dict) and set(principal) == {"Service"},
        f"the trust policy may name only a Service principal, not {principal}",
    )
    expect(
        as_list(principal["Service"]) == ["ecs-tasks.amazonaws.com"],
        f"only ecs-tasks.amazonaws.com may assume the role, not {principal['Service']}",
    )
WANTED = {"s3:getobject", "s3:putobject", "logs:createlogstream", "logs:putlogevents"}
for s in allows:
    expect("NotAction" not in s and "NotResource" not in s, "do not use NotAction/NotResource")
    for action in as_list(s.get("Action")):
        expect("*" not in action, f"wildcard action {action!r}: list the exact actions")
        expect(action.lower() in WANTED, f"the role is granted {action}, which the app needs not")
    for resource in as_list(s.get("Resource")):
        expect(resource != "*", "no Resource '*': scope each statement to the app's resources")
        service_actions = {a.split(":")[0].lower() for a in as_list(s.get("Action"))}
        if "s3" in service_actions:
            expect(
                resource.startswith(names["app_bucket_arn"] + "/"),
                f"S3 permissions must target the objects of {names['app_bucket']}, not {resource}",
            )
        if "logs" in service_actions:
            expect(
                resource.startswith(names["log_group_arn"] + ":"),
                f"Logs permissions must target {names['log_group']}, not {resource}",
            )
expect(not allowed("s3:GetObject", "arn:aws:s3:::some-other-bucket/x"), "S3 scope is too wide")
expect(not allowed("s3:DeleteObject", sample_object), "the role may not delete objects")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task7_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 7 · Application logs, a metric and an alarm (2 points)
#
# The on-premises shop found out about failures from customers. In the landing zone, the app's
# containers write to **CloudWatch Logs**; a **metric filter** turns every log line containing
# `ERROR` into a data point of a custom **metric**; an **alarm** on that metric notifies the
# on-call team's **SNS topic** (seeded for you: `names["alerts_topic_arn"]`).
#
# Build:
#
# 1. The log group `names["log_group"]` (`/landing-zone/app`) with a **retention of 30 days**
#    (`put_retention_policy`). Without retention, logs are kept (and billed) forever; retention
#    accepts only certain values (1, 3, 5, 7, 14, 30, 60, 90, ... days).
# 2. A metric filter named `names["metric_filter"]` on that group whose pattern matches the term
#    `ERROR` (e.g. `filterPattern='"ERROR"'`), publishing `metricValue` `"1"` to the metric
#    `names["metric_name"]` in the namespace `names["metric_namespace"]`. Give it a
#    `defaultValue` of `0` so quiet periods report zero instead of no data.
# 3. An alarm named `names["alarm"]` on that metric and namespace: statistic `Sum` over a period
#    of 300 seconds, `GreaterThanOrEqualToThreshold` 5 for 1 evaluation period, with the alerts
#    topic in its `AlarmActions`.
#
# All three calls that configure things here (`put_retention_policy`, `put_metric_filter`,
# `put_metric_alarm`) create or replace, so re-running is safe; only `create_log_group` raises
# `logs.exceptions.ResourceAlreadyExistsException` the second time.

# %% nbgrader={"grade": false, "grade_id": "monitoring_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
try:
    logs.create_log_group(logGroupName=names["log_group"], tags={"Tier": "app"})
except logs.exceptions.ResourceAlreadyExistsException:
    pass
logs.put_retention_policy(logGroupName=names["log_group"], retentionInDays=30)
logs.put_metric_filter(
    logGroupName=names["log_group"],
    filterName=names["metric_filter"],
    filterPattern='"ERROR"',
    metricTransformations=[
        {
            "metricName": names["metric_name"],
            "metricNamespace": names["metric_namespace"],
            "metricValue": "1",
            "defaultValue": 0.0,
        }
    ],
)
cloudwatch.put_metric_alarm(
    AlarmName=names["alarm"],
    AlarmDescription="Five or more application errors in five minutes",
    Namespace=names["metric_namespace"],
    MetricName=names["metric_name"],
    Statistic="Sum",
    Period=300,
    EvaluationPeriods=1,
    Threshold=5,
    ComparisonOperator="GreaterThanOrEqualToThreshold",
    TreatMissingData="notBreaching",
    AlarmActions=[names["alerts_topic_arn"]],
)
print("log group, metric filter and alarm in place")
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "monitoring_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
groups = logs.describe_log_groups(logGroupNamePrefix=names["log_group"])["logGroups"]
group = next((g for g in groups if g["logGroupName"] == names["log_group"]), None)
expect(group, f"no log group named {names['log_group']!r}")
kept = group.get("retentionInDays")
expect(
    kept == 30,
    f"log group {names['log_group']} keeps logs "
    f"{f'for {kept} days' if kept else 'forever (no retention set)'}; set a retention of 30 days",
)

filters = logs.describe_metric_filters(logGroupName=names["log_group"])["metricFilters"]
publishing = [
    (f, t)
    for f in filters
    for t in f.get("metricTransformations", [])
    if t["metricName"] == names["metric_name"] and t["metricNamespace"] == names["metric_namespace"]
]
expect(
    publishing,
    f"no metric filter on {names['log_group']} publishes {names['metric_namespace']}/"
    f"{names['metric_name']}",
)
expect(
    any("ERROR" in f.get("filterPattern", "") for f, _ in publishing),
    "the metric filter's pattern must match the term ERROR",
)

alarms = cloudwatch.describe_alarms(AlarmNames=[names["alarm"]])["MetricAlarms"]
expect(alarms, f"no CloudWatch alarm named {names['alarm']!r}")
alarm = alarms[0]
expect(
    (alarm.get("Namespace"), alarm.get("MetricName"))
    == (names["metric_namespace"], names["metric_name"]),
    f"alarm {names['alarm']} watches {alarm.get('Namespace')}/{alarm.get('MetricName')}, "
    f"not {names['metric_namespace']}/{names['metric_name']}",
)
expect(
    names["alerts_topic_arn"] in alarm.get("AlarmActions", []),
    f"alarm {names['alarm']} does not notify {names['alerts_topic_arn']} (AlarmActions)",
)
print("logging and alarm look right")

### BEGIN HIDDEN TESTS
VALID_RETENTION = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827}
VALID_RETENTION |= {2192, 2557, 2922, 3288, 3653}
expect(kept in VALID_RETENTION, "not a retention CloudWatch Logs accepts")
named = [f for f, _ in publishing if f["filterName"] == names["metric_filter"]]
expect(named, f"the metric filter must be named {names['metric_filter']}")
pattern = named[0].get("filterPattern", "").strip()
expect(pattern and pattern not in ('""', "*"), "an empty pattern matches every line")
transformation = next(t for f, t in publishing if f["filterName"] == names["metric_filter"])
expect(str(transformation["metricValue"]) == "1", "each ERROR line should count 1")
expect(alarm.get("Statistic") == "Sum", f"use the Sum statistic, not {alarm.get('Statistic')}")
expect(alarm.get("Period") == 300, f"use a 300 s period, not {alarm.get('Period')}")
expect(alarm.get("EvaluationPeriods") == 1, "evaluate 1 period")
expect(alarm.get("Threshold") == 5, f"threshold 5, not {alarm.get('Threshold')}")
expect(
    alarm.get("ComparisonOperator") == "GreaterThanOrEqualToThreshold",
    f"compare with GreaterThanOrEqualToThreshold, not {alarm.get('ComparisonOperator')}",
)
expect(alarm.get("ActionsEnabled", True), "the alarm's actions are disabled")
expect(not alarm.get("Dimensions"), "the filter publishes no dimensions; the alarm needs none")
topics = {t["TopicArn"] for t in sns.list_topics()["Topics"]}
expect(names["alerts_topic_arn"] in topics, "the seeded alerts topic is gone")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task8_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 8 · The week's deliverables: diagram, network design, security assessment (3 points)
#
# Week 4's deliverables are not only infrastructure: the architecture review board wants an
# **AWS architecture diagram**, the **network design documentation** and a **security
# assessment with a remediation plan**. Written by hand, such documents are out of date the day
# after; generated from what the account really holds, they are right by construction and can be
# regenerated after every change. Write them into your **portfolio** (`lab.portfolio`, the folder
# the project review reads):
#
# 1. **The diagram**: a [Mermaid](https://mermaid.js.org/syntax/flowchart.html) flowchart
#    (`flowchart TB` ...) built from `describe_*` calls, saved with
#    `lab.portfolio.add_diagram(names["diagram"], text)` (`landing-zone-network.mmd`). It shows
#    the VPC (id, CIDR), the nine subnets grouped by tier (id, CIDR, AZ), the internet gateway,
#    the NAT gateway, each tier's route table and the security-group chain ALB → app → database
#    with the ports each group admits. Write every resource id into its node's label: the ids are
#    what an engineer searches for in the console.
# 2. **The network design document**: `lab.portfolio.write_document("architecture",
#    names["doc_network"], markdown)`, with the headings of the portfolio's `architecture` kind:
#    **Overview**, **Components**, **Design Decisions**, **Security**, **Scaling**. It states the
#    real VPC id and CIDR, every subnet's id and CIDR (a table per tier and AZ is easiest to
#    read), the internet and NAT gateway ids, the route table ids and what each routes where, and
#    the security group ids. Under Design Decisions say why (three AZs, one NAT gateway, a data
#    tier without a route out); under Scaling, how the plan grows (the free /24s of each tier).
# 3. **The security assessment**: `lab.portfolio.write_document("compliance",
#    names["doc_security"], markdown)` with the `compliance` kind's headings **Framework**,
#    **Controls**, **Evidence**, **Gaps**. Pick the framework you assess against (the AWS
#    Well-Architected Security Pillar, the CIS AWS Foundations Benchmark), list the controls the
#    landing zone implements, give the evidence for each from the account (the SCP's id, the
#    security group ids and their rules, the app role's ARN, the log group's retention, the
#    alarm's name), and under Gaps the remediation plan: what is still missing (CloudTrail is
#    protected by the SCP but not created yet, no VPC flow logs, a single NAT gateway, no
#    GuardDuty, ...), with a priority and the week you plan to fix it in.
#
# Read every value from the emulator (`lz_vpc()`, `lz_subnets()`, `route_table_for()`,
# `security_group()`, `describe_nat_gateways`, ...), never from a copy of this text: the checks
# compare the documents with the account, id by id, and an id from another run (or a placeholder
# like `vpc-xxxxxxxx`) fails. Re-running the cell rewrites the files.
#
# Useful calls: `lab.portfolio.add_diagram(name, text)`, `lab.portfolio.write_document(kind,
# name, markdown)`, `lab.portfolio.path("documents", kind, f"{name}.md")` (where a document
# lands); a Mermaid node is `id["label"]`, a group `subgraph id["label"] ... end`, an edge
# `a -->|443| b`.

# %% nbgrader={"grade": false, "grade_id": "docs_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
vpc = lz_vpc()
vpc_id = vpc["VpcId"]
TIER_ORDER = ("public", "private", "data")
by_tier = {
    tier: sorted(group, key=lambda s: s["AvailabilityZone"])
    for tier, group in lz_subnets(vpc_id).items()
    if tier in TIER_ORDER
}
igw = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])[
    "InternetGateways"
][0]
nat = next(
    n
    for n in ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "NatGateways"
    ]
    if n["State"] != "deleted"
)
nat_ip = nat["NatGatewayAddresses"][0].get("PublicIp", "")
tier_tables = {tier: route_table_for(vpc_id, by_tier[tier][0]["SubnetId"]) for tier in TIER_ORDER}
groups = {key: security_group(vpc_id, names[key]) for key in ("sg_alb", "sg_app", "sg_db")}
group_names = {g["GroupId"]: g["GroupName"] for g in groups.values()}
scp_id = next(
    p["Id"]
    for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
    if p["Name"] == names["scp"]
)
role_arn = iam.get_role(RoleName=names["app_role"])["Role"]["Arn"]
log_group = next(
    g
    for g in logs.describe_log_groups(logGroupNamePrefix=names["log_group"])["logGroups"]
    if g["logGroupName"] == names["log_group"]
)
alarm_arn = cloudwatch.describe_alarms(AlarmNames=[names["alarm"]])["MetricAlarms"][0]["AlarmArn"]


def node(resource_id: str) -> str:
    return resource_id.replace("-", "_")


def route_summary(table: dict) -> str:
    out = []
    for r in table["Routes"]:
        target = r.get("GatewayId") or r.get("NatGatewayId") or "?"
        out.append(f"{r.get('DestinationCidrBlock')} → {target}")
    return ", ".join(out)


def rules(group: dict) -> list[tuple[int, str]]:
    """(port, source) of each ingress rule: a CIDR or the name of the source group."""
    found = []
    for p in group["IpPermissions"]:
        for r in p.get("IpRanges", []):
            found.append((p["FromPort"], r["CidrIp"]))
        for pair in p.get("UserIdGroupPairs", []):
            found.append((p["FromPort"], group_names.get(pair["GroupId"], pair["GroupId"])))
    return sorted(found)


# 1. the diagram, from the state just read
mmd = ["flowchart TB", '    internet(("Internet"))']
mmd.append(f'    {node(igw["InternetGatewayId"])}["{names["igw"]}<br/>{igw["InternetGatewayId"]}"]')
mmd.append(f'    subgraph {node(vpc_id)}["{names["vpc"]} {vpc_id} {vpc["CidrBlock"]}"]')
for tier in TIER_ORDER:
    table = tier_tables[tier]
    mmd.append(
        f'        subgraph tier_{tier}["{tier} tier · {tag(table, "Name")} '
        f'{table["RouteTableId"]}"]'
    )
    for s in by_tier[tier]:
        mmd.append(
            f'            {node(s["SubnetId"])}["{tag(s, "Name")} {s["SubnetId"]}<br/>'
            f'{s["CidrBlock"]} {s["AvailabilityZone"]}"]'
        )
    mmd.append("        end")
mmd.append(f'    {node(nat["NatGatewayId"])}["{names["nat"]}<br/>{nat["NatGatewayId"]} {nat_ip}"]')
mmd.append("    end")
mmd.append(f"    internet <-->|0.0.0.0/0| {node(igw['InternetGatewayId'])}")
mmd.append(f"    {node(igw['InternetGatewayId'])} --> tier_public")
mmd.append(f"    tier_private -->|0.0.0.0/0| {node(nat['NatGatewayId'])}")
mmd.append(f"    {node(nat['NatGatewayId'])} -.- {node(nat['SubnetId'])}")
mmd.append(f"    {node(nat['NatGatewayId'])} --> {node(igw['InternetGatewayId'])}")
mmd.append('    subgraph sg_chain["security group chain"]')
for key in ("sg_alb", "sg_app", "sg_db"):
    g = groups[key]
    ports = ", ".join(f"TCP {port}" for port in sorted({p for p, _ in rules(g)}))
    mmd.append(f'        {node(g["GroupId"])}["{g["GroupName"]}<br/>{g["GroupId"]}<br/>{ports}"]')
mmd.append("    end")
for key in ("sg_alb", "sg_app", "sg_db"):
    g = groups[key]
    for port, source in rules(g):
        src = next((x for x in groups.values() if x["GroupName"] == source), None)
        start = node(src["GroupId"]) if src else "internet"
        mmd.append(f"    {start} -->|{port}| {node(g['GroupId'])}")
diagram_text = "\n".join(mmd) + "\n"
lab.portfolio.add_diagram(names["diagram"], diagram_text)

# 2. the network design document
subnet_rows = "\n".join(
    f"| {tier} | {s['AvailabilityZone']} | {tag(s, 'Name')} | `{s['SubnetId']}` | "
    f"{s['CidrBlock']} | `{tier_tables[tier]['RouteTableId']}` |"
    for tier in TIER_ORDER
    for s in by_tier[tier]
)
table_rows = "\n".join(
    f"| {tier} | {tag(tier_tables[tier], 'Name')} | `{tier_tables[tier]['RouteTableId']}` | "
    f"{route_summary(tier_tables[tier])} |"
    for tier in TIER_ORDER
)
group_rows = "\n".join(
    f"| {g['GroupName']} | `{g['GroupId']}` | "
    + "; ".join(f"TCP {port} from {source}" for port, source in rules(g))
    + " |"
    for g in groups.values()
)
architecture = f"""# Landing zone network design ({names["vpc"]})

## Overview
The production workloads account runs the migrated shop in one VPC, `{vpc_id}`
({vpc["CidrBlock"]}, {REGION}), with DNS support and hostnames on. Three tiers of subnets
(public, private, data) span three Availability Zones ({", ".join(AZS)}). Generated from the
emulator's state; the diagram is `diagrams/{names["diagram"]}`.

## Components
| tier | AZ | name | subnet | CIDR | route table |
|---|---|---|---|---|---|
{subnet_rows}

| tier | route table | id | routes |
|---|---|---|---|
{table_rows}

- Internet gateway `{igw["InternetGatewayId"]}` ({names["igw"]}), attached to `{vpc_id}`.
- NAT gateway `{nat["NatGatewayId"]}` ({names["nat"]}) in public subnet `{nat["SubnetId"]}`,
  Elastic IP {nat_ip}.

## Design Decisions
- Three AZs: losing one AZ loses a third of the capacity, not the shop.
- One NAT gateway (`{nat["NatGatewayId"]}`) to start: about 32 USD a month plus data; its AZ is
  a single point of failure for outbound traffic of the private tier (see Scaling).
- The data tier's route table `{tier_tables["data"]["RouteTableId"]}` has only the local route:
  the database has no path to or from the internet even if a security group is wrong.
- The VPC's main route table keeps only the local route: a new subnet is private by default.

## Security
| group | id | ingress |
|---|---|---|
{group_rows}

Each tier admits only the tier in front of it; nothing admits SSH.

## Scaling
Each tier uses three /24s of a /16: 10.0.3-9.x, 10.0.13-19.x and 10.0.23-29.x stay free for
more AZs or larger subnets, and the rest of {vpc["CidrBlock"]} for new tiers. Before Black
Friday: one NAT gateway per AZ with a private route table each, and VPC endpoints for S3 so image
traffic does not pay NAT processing.
"""
lab.portfolio.write_document("architecture", names["doc_network"], architecture)

# 3. the security assessment and remediation plan
security = f"""# Landing zone security assessment

## Framework
AWS Well-Architected Framework, Security Pillar (SEC 1-SEC 11), cross-checked against the CIS
AWS Foundations Benchmark v3.0 where it has a matching control.

## Controls
| control | implementation |
|---|---|
| SEC 1 separate workloads by account | OUs {names["ou_security"]} and {names["ou_workloads"]}; accounts {names["account_security"]}, {names["account_log_archive"]}, {names["account_workloads"]} |
| SEC 1 guardrails | SCP {names["scp"]} on the root: deny leaving the organization and stopping CloudTrail |
| SEC 3 least privilege | task role {names["app_role"]}: S3 object read/write on one bucket, log writes on one group |
| SEC 4 detection | log group {names["log_group"]}, metric filter {names["metric_filter"]}, alarm {names["alarm"]} |
| SEC 5 network layers | tiers with their own route tables; security groups chained ALB → app → DB |

## Evidence
- SCP `{scp_id}` ({names["scp"]}) attached to the organization root.
- Security groups: {"; ".join(f"`{g['GroupId']}` {g['GroupName']} (" + ", ".join(f"TCP {p} from {s}" for p, s in rules(g)) + ")" for g in groups.values())}.
- Data route table `{tier_tables["data"]["RouteTableId"]}`: {route_summary(tier_tables["data"])}.
- App role `{role_arn}`.
- Log group `{names["log_group"]}`, retention {log_group.get("retentionInDays")} days.
- Alarm `{alarm_arn}` notifying `{names["alerts_topic_arn"]}`.

## Gaps
| gap | risk | remediation | priority | when |
|---|---|---|---|---|
| No CloudTrail trail yet (the SCP only protects it) | no audit trail | organization trail into the log-archive account, S3 Object Lock | high | week 4 |
| No VPC flow logs on `{vpc_id}` | no network forensics | flow logs to CloudWatch Logs | high | week 5 |
| One NAT gateway `{nat["NatGatewayId"]}` | AZ failure cuts private egress | one NAT gateway per AZ | medium | week 6 |
| No GuardDuty / Security Hub | threats undetected | delegated administrator in {names["account_security"]} | medium | week 6 |
| ALB admits TCP 80 | clear-text HTTP | redirect 80 → 443 on the listener | low | week 6 |
"""
lab.portfolio.write_document("compliance", names["doc_security"], security)
print(lab.portfolio.path("diagrams", names["diagram"]))
print(diagram_text)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "docs_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import re


def portfolio_text(*parts: str) -> str:
    """The text of a portfolio file, or a failed check naming the file."""
    path = lab.portfolio.path(*parts)
    expect(path.is_file(), f"{'/'.join(parts)} is not in your portfolio ({path})")
    return path.read_text(encoding="utf-8")


def headings(markdown: str) -> list[str]:
    return [m.group(1).strip().lower() for m in re.finditer(r"(?m)^#{1,6}\s+(.+)$", markdown)]


def expect_sections(markdown: str, kind: str, required: tuple[str, ...]) -> None:
    found = headings(markdown)
    for section in required:
        expect(
            any(section.lower() in h for h in found),
            f"the {kind} document has no heading containing {section!r} "
            f"(its headings: {found or 'none'})",
        )


diagram = portfolio_text("diagrams", names["diagram"])
network_doc = portfolio_text("documents", "architecture", f"{names['doc_network']}.md")
security_doc = portfolio_text("documents", "compliance", f"{names['doc_security']}.md")
expect(
    re.match(r"\s*(---\n(?s:.*?)\n---\s*\n)?\s*(%%.*\n\s*)*(flowchart|graph)\s", diagram),
    f"{names['diagram']} does not start like a Mermaid flowchart ('flowchart TB' or 'graph TB')",
)
expect_sections(
    network_doc,
    "architecture",
    ("Overview", "Components", "Design Decisions", "Security", "Scaling"),
)
expect_sections(security_doc, "compliance", ("Framework", "Controls", "Evidence", "Gaps"))
check_vpc = lz_vpc()
expect(
    check_vpc["VpcId"] in network_doc and check_vpc["CidrBlock"] in network_doc,
    f"the network design document must name the VPC {check_vpc['VpcId']} "
    f"and its CIDR {check_vpc['CidrBlock']}",
)
print("diagram, network design and security assessment are in the portfolio")

### BEGIN HIDDEN TESTS
check_vpc_id = check_vpc["VpcId"]
check_tiers = lz_subnets(check_vpc_id)
check_subnets = [s for tier in ("public", "private", "data") for s in check_tiers.get(tier, [])]
expect(len(check_subnets) == 9, "the nine subnets of task 3 are needed first")
check_igw = ec2.describe_internet_gateways(
    Filters=[{"Name": "attachment.vpc-id", "Values": [check_vpc_id]}]
)["InternetGateways"]
check_nats = [
    n
    for n in ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [check_vpc_id]}])[
        "NatGateways"
    ]
    if n["State"] != "deleted"
]
expect(check_igw and check_nats, "the internet and NAT gateways of task 4 are needed first")
check_tables = {
    route_table_for(check_vpc_id, s["SubnetId"])["RouteTableId"]: tag(s, "Tier")
    for s in check_subnets
}
check_groups = [security_group(check_vpc_id, names[k]) for k in ("sg_alb", "sg_app", "sg_db")]

# the network design document: every real id and CIDR
wanted = [(check_vpc_id, f"the VPC id {check_vpc_id}")]
for s in check_subnets:
    where = f"{tag(s, 'Tier')} subnet in {s['AvailabilityZone']}"
    wanted.append((s["SubnetId"], f"the id of the {where} ({s['SubnetId']})"))
    wanted.append((s["CidrBlock"], f"the CIDR of the {where} ({s['CidrBlock']})"))
wanted.append((check_igw[0]["InternetGatewayId"], "the internet gateway's id"))
wanted += [(n["NatGatewayId"], "the NAT gateway's id") for n in check_nats]
wanted += [(rt, f"the {tier} route table's id") for rt, tier in check_tables.items()]
wanted += [(g["GroupId"], f"the id of {g['GroupName']}") for g in check_groups]
for value, what in wanted:
    expect(
        value in network_doc,
        f"the network design document does not contain {what}: {value!r}. Read the values "
        f"from the emulator (describe_*), not from a template",
    )

# the diagram: the same resources, and the security group chain as edges
for value, what in wanted:
    if not re.fullmatch(r"[0-9./]+", value):  # ids (CIDRs may be in the document only)
        expect(value in diagram, f"the diagram {names['diagram']} has no node for {what}")
expect(
    len(re.findall(r"--|==|-\.", diagram)) >= 4,
    f"the diagram {names['diagram']} has hardly any edges: draw the traffic paths and the "
    f"security group chain",
)

# ids in the documents must be ids this account really has
real_ids = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
real_ids |= {s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]}
real_ids |= {g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"]}
real_ids |= {n["NatGatewayId"] for n in ec2.describe_nat_gateways()["NatGateways"]}
real_ids |= {t["RouteTableId"] for t in ec2.describe_route_tables()["RouteTables"]}
real_ids |= {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
for label, text in (("network design document", network_doc), ("diagram", diagram)):
    for found_id in set(
        re.findall(r"(?<![\w-])(?:vpc|subnet|igw|nat|rtb|sg)-[0-9a-f]{8,17}\b", text)
    ):
        expect(
            found_id in real_ids,
            f"the {label} names {found_id}, which does not exist in this account "
            f"(an id from another run, or a placeholder?)",
        )

# the security assessment: evidence from the account
check_scp = [
    p
    for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
    if p["Name"] == names["scp"]
]
expect(check_scp, f"the SCP {names['scp']} of task 2 is needed first")
evidence = [(check_scp[0]["Id"], f"the id of the SCP {names['scp']}")]
evidence += [(g["GroupId"], f"the id of {g['GroupName']}") for g in check_groups]
evidence.append((names["app_role"], "the app role's name or ARN"))
evidence.append((names["alarm"], "the alarm's name or ARN"))
evidence.append((names["log_group"], "the log group's name"))
for value, what in evidence:
    expect(
        value in security_doc,
        f"the security assessment's evidence does not contain {what}: {value!r}",
    )
gaps_at = re.search(r"(?im)^(#{1,6})[^\n]*gaps[^\n]*$", security_doc)
gaps = ""
if gaps_at:  # the section with its subsections, up to a heading of the same or a higher level
    gaps_level = len(gaps_at.group(1))
    gaps = re.split(rf"(?m)^#{{1,{gaps_level}}}\s", security_doc[gaps_at.end() :])[0]
expect(
    len(gaps.split()) >= 20,
    "the Gaps section of the security assessment is (nearly) empty: list what is missing and "
    "how you will remediate it",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "wrap_up", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Wrap-up
#
# You now have the skeleton every later week builds on: accounts separated by duty under
# guardrails no account administrator can remove, a network whose tiers can reach only what they
# must, an application identity with nothing to spare, and errors that page a human; and the
# diagram, design document and security assessment that describe it, generated from the account.
#
# Before the architecture review, extend the documents of task 8 (edit and re-run the cell) with:
#
# 1. Why `log-archive` is a separate account from `security`, and who should be able to delete
#    objects in it (hint: nobody, for the retention period; look up S3 Object Lock).
# 2. The single NAT gateway's failure mode, what one NAT gateway per AZ would cost per month in
#    `us-east-1`, and which you recommend for the Black Friday SLA of 99.9 %.
# 3. Which further SCPs you would add (for example denying regions the company does not use, or
#    denying `iam:CreateUser` to push everyone to federated access) and how you would test an SCP
#    before attaching it to the root.
# 4. What the data tier will need instead of internet access to reach S3 or AWS APIs (VPC
#    gateway and interface endpoints), which you will meet in week 5.
