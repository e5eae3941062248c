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
# # Project 4 · Week 14 · Day 3-4: Aurora Global Database Setup
#
# ## The scenario
#
# The trading firm's order book lives in PostgreSQL. Its disaster-recovery objectives are an
# **RTO of 15 minutes** and an **RPO of zero**: a regional outage may interrupt trading briefly
# but may not lose a single committed trade. The network is ready (last lab): a VPC in
# us-east-1 and one in us-west-2, private subnets in three AZs each, and a database security
# group in each that admits only the application tiers.
#
# Now the data. An **Aurora global database** is one primary cluster that takes writes in one
# region and up to five secondary clusters in other regions, fed by storage-level replication
# with a typical lag under a second. A secondary can be promoted in about a minute: a
# **switchover** (planned, waits until the secondary is fully caught up: no data loss) or a
# **failover** (unplanned, the primary region is gone).
#
# In this lab the emulator runs **real PostgreSQL servers** behind the RDS API: the cluster
# endpoints accept `psycopg` connections, the secondary cluster is a streaming replica of the
# primary, and a switchover really moves the writer. What you measure is measured, not made up.
#
# **Estimated time: 3-4 hours.**
#
# ## What you will build
#
# | # | task | AWS services | points |
# |---|------|--------------|--------|
# | 1 | A customer managed KMS key in each region | KMS | 2 |
# | 2 | A DB subnet group of the private subnets in each region | RDS, VPC | 2 |
# | 3 | The primary Aurora PostgreSQL cluster and its writer in us-east-1 | RDS | 3 |
# | 4 | The global cluster and the encrypted secondary cluster in us-west-2 | RDS | 3 |
# | 5 | Trades written on the primary, read in the DR region | RDS, PostgreSQL | 3 |
# | 6 | Replication lag measured: p50, p99 and a plot | PostgreSQL, portfolio | 2 |
# | 7 | A switchover drill to us-west-2 and back, proving no trade lost | RDS | 2 |
#
# By the end you should be able to:
#
# - encrypt a multi-region database with a key per region, and say why one key cannot serve both;
# - build an Aurora global database from an existing cluster, as the curriculum's snippet does;
# - connect to writer and reader endpoints and tell which one you are on;
# - measure replication lag from the application's point of view and report its percentiles;
# - run a planned switchover and prove that no committed transaction was lost.
#
# ## How this notebook works
#
# - Run the **setup** cell first. It starts (or finds) the emulator and seeds what the network
#   lab built, plus the master credentials in Secrets Manager (`names["db_secret"]`).
# - Each task has an explanation, a cell where **you write the code** (replace
#   `raise NotImplementedError()`), and a **check** cell. The grader runs more checks than you
#   see, and re-checks the account and the data from outside your notebook.
# - Write code that can be **run again**: look resources up before creating them (`describe_*`
#   raises `...NotFoundFault` when something is missing).
# - The emulator runs time 20 times faster than AWS here (`time_scale: 0.05` in `lab.yaml`): a
#   switchover that takes about 30 seconds on AWS takes under 2 here.
# - Broken state? `labkit reset` in a terminal empties the emulator; re-run from the top.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import json
import statistics
import time

import boto3
import psycopg

import labkit
from labkit.checks import expect

lab = labkit.start_lab("p4_w14_aurora_global")
names = lab.names
SIDES = ("primary", "dr")
REGIONS = {side: names[f"{side}_region"] for side in SIDES}
RDS = {side: lab.client("rds", REGIONS[side]) for side in SIDES}
KMS = {side: lab.client("kms", REGIONS[side]) for side in SIDES}
PRIVATE_SUBNETS = {side: names[f"private_subnets_{side}"].split(",") for side in SIDES}
DB_SG = {side: names[f"sg_db_{side}"] for side in SIDES}
secrets = lab.client("secretsmanager", REGIONS["primary"])

print(lab)
print("caller:", boto3.client("sts").get_caller_identity()["Arn"])
for side in SIDES:
    print(f"{side:8} {REGIONS[side]}  private subnets {PRIVATE_SUBNETS[side]}  db sg {DB_SG[side]}")
print("master credentials in", names["db_secret_arn"])

# %% [markdown] nbgrader={"grade": false, "grade_id": "helpers_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The next cell defines **look-up helpers** the checks use; they only read. `db_credentials()`
# reads the master user and password from Secrets Manager (never paste a password into a
# notebook). `cluster(side)` and `instance(side)` describe the lab's clusters and instances.
# `global_writer()` is the ARN of the global cluster's writer once no switch is under way
# (else `None`). `eventually(fn, timeout)` polls `fn` until it returns something truthy.


# %% nbgrader={"grade": false, "grade_id": "helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def db_credentials() -> dict:
    """{"username": ..., "password": ...} of the master user (the seeded secret)."""
    return json.loads(secrets.get_secret_value(SecretId=names["db_secret"])["SecretString"])


def key_arn(side: str) -> str:
    """The ARN of the key behind ``names['kms_alias']`` in the side's region (task 1)."""
    aliases = KMS[side].list_aliases()["Aliases"]
    alias = next((a for a in aliases if a["AliasName"] == names["kms_alias"]), None)
    expect(
        alias and alias.get("TargetKeyId"),
        f"no KMS alias {names['kms_alias']} with a key in {REGIONS[side]} yet (task 1)",
    )
    return KMS[side].describe_key(KeyId=alias["TargetKeyId"])["KeyMetadata"]["Arn"]


def cluster(side: str) -> dict:
    ident = names[f"{side}_cluster"]
    try:
        return RDS[side].describe_db_clusters(DBClusterIdentifier=ident)["DBClusters"][0]
    except RDS[side].exceptions.DBClusterNotFoundFault:
        raise AssertionError(f"no DB cluster {ident!r} in {REGIONS[side]} yet") from None


def instance(side: str) -> dict:
    ident = names[f"{side}_instance"]
    try:
        return RDS[side].describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]
    except RDS[side].exceptions.DBInstanceNotFoundFault:
        raise AssertionError(f"no DB instance {ident!r} in {REGIONS[side]} yet") from None


def global_cluster() -> dict:
    gid = names["global_cluster"]
    try:
        found = RDS["primary"].describe_global_clusters(GlobalClusterIdentifier=gid)
    except RDS["primary"].exceptions.GlobalClusterNotFoundFault:
        found = {}
    expect(found.get("GlobalClusters"), f"no global cluster {gid!r} yet (task 4)")
    return found["GlobalClusters"][0]


def global_writer() -> str | None:
    """The ARN of the global writer once no switchover or failover is under way, else None."""
    gc = global_cluster()
    if gc.get("FailoverState") or gc["Status"] != "available":
        return None
    return next((m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if m["IsWriter"]), None)


def eventually(fn, timeout: float = 10.0):
    """Poll ``fn`` every 0.1 s until it returns something truthy or ``timeout`` s pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def open_db(host: str, port: int) -> psycopg.Connection:
    """A psycopg connection (autocommit) to ``host:port`` as the master user, database
    ``names['database']``."""
    creds = db_credentials()
    return psycopg.connect(
        host=host,
        port=port,
        user=creds["username"],
        password=creds["password"],
        dbname=names["database"],
        autocommit=True,
        connect_timeout=5,
    )


def resolve_key(side: str, key_id: str | None) -> str | None:
    """A KMS key id, alias or ARN as the key's ARN (None stays None; a key the side's region
    does not know, such as another region's key, stays as it is)."""
    if not key_id:
        return None
    try:
        return KMS[side].describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    except KMS[side].exceptions.NotFoundException:
        return key_id


# %% [markdown] nbgrader={"grade": false, "grade_id": "task1_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 1 · A KMS key in each region (2 points)
#
# Financial regulators expect data at rest to be encrypted with keys the firm controls and can
# audit. A KMS key never leaves its region, and an encrypted Aurora cluster uses a key of its own
# region, so a global database needs **a key in each region**: the secondary's storage is
# re-encrypted with the DR region's key. (KMS multi-Region keys share key material across
# regions; they would work too, but separate keys keep the blast radius of a key policy mistake
# to one region.)
#
# In **each** region (`KMS["primary"]`, `KMS["dr"]`):
#
# 1. Create a symmetric customer managed key (`create_key`, the defaults
#    `KeySpec="SYMMETRIC_DEFAULT"`, `KeyUsage="ENCRYPT_DECRYPT"`) with a description and a tag.
# 2. Give it the alias `names["kms_alias"]` (`alias/trading-platform-aurora`): the same alias in
#    both regions, so code can say "the Aurora key" in whichever region it runs.
# 3. Turn on **automatic key rotation** (`enable_key_rotation`): SOX auditors ask for it.
#
# Re-running: find the key through `list_aliases()` first; create it only when the alias is
# missing.


# %% nbgrader={"grade": false, "grade_id": "kms_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def ensure_key(side: str) -> str:
    kms = KMS[side]
    alias = next(
        (a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == names["kms_alias"]), None
    )
    if alias and alias.get("TargetKeyId"):
        key_id = alias["TargetKeyId"]
    else:
        key_id = kms.create_key(
            Description=f"Aurora storage of the trading platform ({side}, {REGIONS[side]})",
            Tags=[{"TagKey": "Project", "TagValue": "trading-platform"}],
        )["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=names["kms_alias"], TargetKeyId=key_id)
    kms.enable_key_rotation(KeyId=key_id)
    return kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]


key_arns = {side: ensure_key(side) for side in SIDES}
print(key_arns)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "kms_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
found_keys = {}
for side in SIDES:
    arn = key_arn(side)
    meta = KMS[side].describe_key(KeyId=arn)["KeyMetadata"]
    expect(meta["KeyState"] == "Enabled", f"key {arn} is {meta['KeyState']}, not Enabled")
    expect(
        KMS[side].get_key_rotation_status(KeyId=arn)["KeyRotationEnabled"],
        f"automatic rotation is off for the key {arn} ({REGIONS[side]})",
    )
    found_keys[side] = arn
print("keys:", found_keys)

### BEGIN HIDDEN TESTS
for side in SIDES:
    meta = KMS[side].describe_key(KeyId=found_keys[side])["KeyMetadata"]
    expect(
        found_keys[side].split(":")[3] == REGIONS[side],
        f"{found_keys[side]} is not in {REGIONS[side]}",
    )
    expect(meta["KeyManager"] == "CUSTOMER", f"{found_keys[side]} is not customer managed")
    expect(
        meta.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
        and meta.get("KeyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT",
        f"{found_keys[side]} must be a symmetric ENCRYPT_DECRYPT key: RDS accepts no other",
    )
expect(found_keys["primary"] != found_keys["dr"], "each region needs its own key")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task2_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 2 · DB subnet groups (2 points)
#
# A **DB subnet group** tells RDS which subnets (and so which VPC and AZs) a cluster's instances
# may use. The database belongs in the **private** subnets, one per AZ, so that Aurora can place
# readers in other AZs and fail over within the region. The seed gives you their ids:
# `PRIVATE_SUBNETS["primary"]` and `PRIVATE_SUBNETS["dr"]`.
#
# In each region create the group `names["db_subnet_group"]` (`create_db_subnet_group`, with a
# `DBSubnetGroupDescription`) holding exactly the three private subnets, no public ones.
# `describe_db_subnet_groups` raises `DBSubnetGroupNotFoundFault` when it does not exist.

# %% nbgrader={"grade": false, "grade_id": "subnet_group_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
for side in SIDES:
    rds = RDS[side]
    try:
        rds.describe_db_subnet_groups(DBSubnetGroupName=names["db_subnet_group"])
    except rds.exceptions.DBSubnetGroupNotFoundFault:
        rds.create_db_subnet_group(
            DBSubnetGroupName=names["db_subnet_group"],
            DBSubnetGroupDescription="Private subnets of the trading platform database",
            SubnetIds=PRIVATE_SUBNETS[side],
        )
    print(side, names["db_subnet_group"], PRIVATE_SUBNETS[side])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "subnet_group_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
subnet_groups = {}
for side in SIDES:
    try:
        subnet_groups[side] = RDS[side].describe_db_subnet_groups(
            DBSubnetGroupName=names["db_subnet_group"]
        )["DBSubnetGroups"][0]
    except RDS[side].exceptions.DBSubnetGroupNotFoundFault:
        raise AssertionError(
            f"no DB subnet group {names['db_subnet_group']!r} in {REGIONS[side]}"
        ) from None
print("subnet groups exist in both regions")

### BEGIN HIDDEN TESTS
for side in SIDES:
    group = subnet_groups[side]
    found = {s["SubnetIdentifier"] for s in group["Subnets"]}
    expect(
        group["VpcId"] == names[f"vpc_{side}"],
        f"{names['db_subnet_group']} ({REGIONS[side]}) is in {group['VpcId']}, not the "
        f"platform VPC {names[f'vpc_{side}']}",
    )
    expect(
        found == set(PRIVATE_SUBNETS[side]),
        f"{names['db_subnet_group']} ({REGIONS[side]}) holds {sorted(found)}; it must hold "
        f"exactly the private subnets {sorted(PRIVATE_SUBNETS[side])}",
    )
    azs = {s["SubnetAvailabilityZone"]["Name"] for s in group["Subnets"]}
    expect(len(azs) == 3, f"{names['db_subnet_group']} spans {sorted(azs)}; it needs 3 AZs")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task3_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 3 · The primary cluster in us-east-1 (3 points)
#
# An Aurora **cluster** is the storage volume and its endpoints; **instances** are the compute
# that serves it. Create in us-east-1 (`RDS["primary"]`):
#
# 1. The cluster `names["primary_cluster"]` (`trading-platform-primary`):
#    `Engine="aurora-postgresql"`, `EngineVersion="15.4"`, `DatabaseName=names["database"]`,
#    the master user name and password from `db_credentials()`, and:
#    - `StorageEncrypted=True` with `KmsKeyId` the us-east-1 key of task 1 (encryption can only
#      be chosen at creation: an unencrypted cluster stays unencrypted);
#    - `DeletionProtection=True` (nobody deletes the order book with one API call);
#    - `BackupRetentionPeriod` of at least 7 days (the firm keeps 14);
#    - `DBSubnetGroupName=names["db_subnet_group"]` and `VpcSecurityGroupIds=[DB_SG["primary"]]`
#      (only the database security group of the network lab).
# 2. Its writer instance `names["primary_instance"]` (`create_db_instance` with
#    `DBClusterIdentifier`, `Engine="aurora-postgresql"`, `DBInstanceClass="db.r6g.large"`,
#    `PubliclyAccessible=False`).
#
# Wait until both are `available` (waiters `db_cluster_available`, `db_instance_available`, or
# poll). Then connect with `psycopg` to the cluster's **writer endpoint** (`Endpoint` and `Port`
# of `describe_db_clusters`; on the emulator 127.0.0.1 and a port of its own) and print
# `SELECT version()`.

# %% nbgrader={"grade": false, "grade_id": "primary_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
creds = db_credentials()
east = RDS["primary"]
try:
    east.describe_db_clusters(DBClusterIdentifier=names["primary_cluster"])
except east.exceptions.DBClusterNotFoundFault:
    east.create_db_cluster(
        DBClusterIdentifier=names["primary_cluster"],
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        DatabaseName=names["database"],
        MasterUsername=creds["username"],
        MasterUserPassword=creds["password"],
        StorageEncrypted=True,
        KmsKeyId=key_arn("primary"),
        DeletionProtection=True,
        BackupRetentionPeriod=14,
        DBSubnetGroupName=names["db_subnet_group"],
        VpcSecurityGroupIds=[DB_SG["primary"]],
        Tags=[{"Key": "Project", "Value": "trading-platform"}],
    )
try:
    east.describe_db_instances(DBInstanceIdentifier=names["primary_instance"])
except east.exceptions.DBInstanceNotFoundFault:
    east.create_db_instance(
        DBInstanceIdentifier=names["primary_instance"],
        DBClusterIdentifier=names["primary_cluster"],
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
        PubliclyAccessible=False,
    )
east.get_waiter("db_instance_available").wait(
    DBInstanceIdentifier=names["primary_instance"], WaiterConfig={"Delay": 1, "MaxAttempts": 60}
)
primary = cluster("primary")
with open_db(primary["Endpoint"], primary["Port"]) as conn:
    print(conn.execute("SELECT version()").fetchone()[0])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "primary_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
primary = cluster("primary")
expect(
    primary["Engine"] == "aurora-postgresql",
    f"{names['primary_cluster']} runs {primary['Engine']}, not aurora-postgresql",
)
expect(primary.get("StorageEncrypted"), f"{names['primary_cluster']} is not encrypted")
expect(primary.get("DeletionProtection"), f"{names['primary_cluster']}: DeletionProtection is off")
expect(
    (primary.get("BackupRetentionPeriod") or 0) >= 7,
    f"{names['primary_cluster']} keeps backups for {primary.get('BackupRetentionPeriod')} days; "
    f"the firm needs at least 7",
)
expect(
    primary.get("DatabaseName") == names["database"],
    f"{names['primary_cluster']} has the database name {primary.get('DatabaseName')!r}, not "
    f"{names['database']!r} (DatabaseName; it can only be set at creation)",
)
members = {m["DBInstanceIdentifier"]: m for m in primary.get("DBClusterMembers", [])}
expect(
    members.get(names["primary_instance"], {}).get("IsClusterWriter"),
    f"{names['primary_instance']} is not the writer of {names['primary_cluster']} "
    f"(members: {sorted(members)})",
)
print("primary cluster and writer look right")

### BEGIN HIDDEN TESTS
expect(
    resolve_key("primary", primary.get("KmsKeyId")) == key_arn("primary"),
    f"{names['primary_cluster']} is encrypted with {primary.get('KmsKeyId')}, not the key of "
    f"{names['kms_alias']} in {REGIONS['primary']}",
)
expect(
    primary.get("DBSubnetGroup") == names["db_subnet_group"],
    f"{names['primary_cluster']} is in the subnet group {primary.get('DBSubnetGroup')}",
)
groups = {g["VpcSecurityGroupId"] for g in primary.get("VpcSecurityGroups", [])}
expect(
    groups == {DB_SG["primary"]},
    f"{names['primary_cluster']} has the security groups {sorted(groups)}; only "
    f"{names['sg_db']} ({DB_SG['primary']})",
)
writer_instance = instance("primary")
expect(
    writer_instance.get("DBClusterIdentifier") == names["primary_cluster"],
    f"{names['primary_instance']} does not belong to {names['primary_cluster']}",
)
expect(
    not writer_instance.get("PubliclyAccessible"),
    f"{names['primary_instance']} is publicly accessible",
)
with open_db(primary["Endpoint"], primary["Port"]) as conn:
    expect(
        conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is False,
        f"the writer endpoint of {names['primary_cluster']} is read-only",
    )
    dbname = conn.execute("SELECT current_database()").fetchone()[0]
    expect(dbname == names["database"], f"connected to {dbname}, not {names['database']}")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task4_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 4 · The global database and its secondary in us-west-2 (3 points)
#
# The curriculum's snippet turns the existing cluster into a global database, then adds a
# secondary region:
#
# 1. `create_global_cluster(GlobalClusterIdentifier=names["global_cluster"],
#    SourceDBClusterIdentifier=<the primary cluster's ARN>)` in us-east-1. The primary becomes
#    the global writer; engine, version and encryption come from it.
# 2. In us-west-2 (`RDS["dr"]`), the secondary cluster `names["dr_cluster"]`
#    (`trading-platform-dr`): `Engine="aurora-postgresql"`, `EngineVersion="15.4"`,
#    `GlobalClusterIdentifier=names["global_cluster"]`, **no master user or database name** (it
#    gets them from the primary), `StorageEncrypted=True` with `KmsKeyId` the **us-west-2** key of
#    task 1, `DBSubnetGroupName=names["db_subnet_group"]`, `VpcSecurityGroupIds=[DB_SG["dr"]]`.
# 3. Its reader instance `names["dr_instance"]` (`db.r6g.large`, not publicly accessible). A
#    secondary cluster serves reads only; it takes writes once it is promoted (task 7).
#
# Then `describe_global_clusters` lists both members, the primary with `IsWriter` true, and the
# secondary's `ReplicationSourceIdentifier` is the primary cluster's ARN. Connect to the
# secondary's **reader endpoint** (`ReaderEndpoint`, `Port`; 127.0.0.2 on the emulator) and check
# `SELECT pg_is_in_recovery()`: `true` means a replica.
#
# Re-running: the helper `global_cluster()` raises `AssertionError` while the global cluster does
# not exist. (AWS's `describe_global_clusters(GlobalClusterIdentifier=...)` raises
# `GlobalClusterNotFoundFault` for a missing id; the emulator returns an empty `GlobalClusters`
# list instead, so test the list rather than wait for the exception.)

# %% nbgrader={"grade": false, "grade_id": "global_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
west = RDS["dr"]
try:
    global_cluster()
except AssertionError:
    east.create_global_cluster(
        GlobalClusterIdentifier=names["global_cluster"],
        SourceDBClusterIdentifier=cluster("primary")["DBClusterArn"],
        DeletionProtection=True,
    )
try:
    west.describe_db_clusters(DBClusterIdentifier=names["dr_cluster"])
except west.exceptions.DBClusterNotFoundFault:
    west.create_db_cluster(
        DBClusterIdentifier=names["dr_cluster"],
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        GlobalClusterIdentifier=names["global_cluster"],
        StorageEncrypted=True,
        KmsKeyId=key_arn("dr"),
        DeletionProtection=True,
        BackupRetentionPeriod=14,
        DBSubnetGroupName=names["db_subnet_group"],
        VpcSecurityGroupIds=[DB_SG["dr"]],
        Tags=[{"Key": "Project", "Value": "trading-platform"}],
    )
try:
    west.describe_db_instances(DBInstanceIdentifier=names["dr_instance"])
except west.exceptions.DBInstanceNotFoundFault:
    west.create_db_instance(
        DBInstanceIdentifier=names["dr_instance"],
        DBClusterIdentifier=names["dr_cluster"],
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
        PubliclyAccessible=False,
    )
west.get_waiter("db_instance_available").wait(
    DBInstanceIdentifier=names["dr_instance"], WaiterConfig={"Delay": 1, "MaxAttempts": 60}
)
secondary = cluster("dr")
with open_db(secondary["ReaderEndpoint"], secondary["Port"]) as conn:
    print("secondary in recovery:", conn.execute("SELECT pg_is_in_recovery()").fetchone()[0])
print(json.dumps(global_cluster()["GlobalClusterMembers"], indent=1))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "global_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
primary, secondary = cluster("primary"), cluster("dr")
gc_members = {m["DBClusterArn"]: m for m in global_cluster()["GlobalClusterMembers"]}
for c in (primary, secondary):
    expect(
        c["DBClusterArn"] in gc_members,
        f"{c['DBClusterIdentifier']} is not a member of {names['global_cluster']}",
    )
expect(secondary.get("StorageEncrypted"), f"{names['dr_cluster']} is not encrypted")
print("global cluster with both members")

### BEGIN HIDDEN TESTS
writer_arn = eventually(global_writer, 30)
expect(
    writer_arn == primary["DBClusterArn"],
    f"the global writer must be {names['primary_cluster']}, not {writer_arn}",
)
secondary = cluster("dr")
expect(
    secondary.get("ReplicationSourceIdentifier") == primary["DBClusterArn"],
    f"{names['dr_cluster']} replicates from {secondary.get('ReplicationSourceIdentifier')}, not "
    f"{primary['DBClusterArn']}",
)
expect(
    resolve_key("dr", secondary.get("KmsKeyId")) == key_arn("dr"),
    f"{names['dr_cluster']} is encrypted with {secondary.get('KmsKeyId')}, not the "
    f"{REGIONS['dr']} key of {names['kms_alias']}",
)
expect(
    secondary.get("DBSubnetGroup") == names["db_subnet_group"],
    f"{names['dr_cluster']} is in the subnet group {secondary.get('DBSubnetGroup')}",
)
dr_groups = {g["VpcSecurityGroupId"] for g in secondary.get("VpcSecurityGroups", [])}
expect(dr_groups == {DB_SG["dr"]}, f"{names['dr_cluster']} has the groups {sorted(dr_groups)}")
reader_instance = instance("dr")
expect(
    reader_instance.get("DBClusterIdentifier") == names["dr_cluster"],
    f"{names['dr_instance']} does not belong to {names['dr_cluster']}",
)
expect(not reader_instance.get("PubliclyAccessible"), f"{names['dr_instance']} is public")
with open_db(secondary["ReaderEndpoint"], secondary["Port"]) as conn:
    expect(
        conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True,
        f"{names['dr_cluster']}'s reader endpoint is not a replica",
    )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task5_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 5 · Trades written in us-east-1, read in us-west-2 (3 points)
#
# Now prove the replication end to end, as the application sees it. On the **primary's writer
# endpoint** create the table `names["trades_table"]`:
#
# ```sql
# CREATE TABLE IF NOT EXISTS trades (
#     trade_id    bigserial PRIMARY KEY,
#     symbol      text NOT NULL,
#     side        text NOT NULL CHECK (side IN ('BUY', 'SELL')),
#     quantity    integer NOT NULL CHECK (quantity > 0),
#     price       numeric(12, 4) NOT NULL,
#     executed_at timestamptz NOT NULL DEFAULT clock_timestamp()
# )
# ```
#
# and insert **at least 20 trades** (your choice of symbols and prices; one transaction each, as
# an order gateway would). Then, on the **secondary's reader endpoint** in us-west-2, read the
# table back and show that it holds exactly the same trades (ids and contents). Replication is
# asynchronous, so the last rows may take a moment: poll (e.g. with `eventually`) rather than
# sleep a fixed time. Try an `INSERT` on the secondary too: it must fail with
# `psycopg.errors.ReadOnlySqlTransaction`, because a secondary takes no writes.

# %% nbgrader={"grade": false, "grade_id": "replication_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
TRADES_DDL = """
CREATE TABLE IF NOT EXISTS trades (
    trade_id    bigserial PRIMARY KEY,
    symbol      text NOT NULL,
    side        text NOT NULL CHECK (side IN ('BUY', 'SELL')),
    quantity    integer NOT NULL CHECK (quantity > 0),
    price       numeric(12, 4) NOT NULL,
    executed_at timestamptz NOT NULL DEFAULT clock_timestamp()
)
"""
SELECT_ALL = "SELECT trade_id, symbol, side, quantity, price FROM trades ORDER BY trade_id"
primary, secondary = cluster("primary"), cluster("dr")
symbols = ["AAPL", "MSFT", "NVDA", "AMZN", "JPM"]
with open_db(primary["Endpoint"], primary["Port"]) as writer:
    writer.execute(TRADES_DDL)
    for i in range(25):
        writer.execute(
            "INSERT INTO trades (symbol, side, quantity, price) VALUES (%s, %s, %s, %s)",
            (symbols[i % 5], "BUY" if i % 2 else "SELL", 100 + i, 150 + i * 0.25),
        )
    on_primary = writer.execute(SELECT_ALL).fetchall()
with open_db(secondary["ReaderEndpoint"], secondary["Port"]) as reader:
    same = eventually(lambda: reader.execute(SELECT_ALL).fetchall() == on_primary, 10)
    print(f"{len(on_primary)} trades on the primary; identical on the secondary: {same}")
    try:
        reader.execute(
            "INSERT INTO trades (symbol, side, quantity, price) VALUES ('X', 'BUY', 1, 1)"
        )
    except psycopg.errors.ReadOnlySqlTransaction as e:
        print("the secondary refuses writes:", e)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "replication_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
primary, secondary = cluster("primary"), cluster("dr")
TRADE_ROWS = (
    f"SELECT trade_id, symbol, side, quantity, price FROM {names['trades_table']} ORDER BY 1"
)
with open_db(primary["Endpoint"], primary["Port"]) as writer:
    try:
        primary_rows = writer.execute(TRADE_ROWS).fetchall()
    except psycopg.errors.UndefinedTable:
        raise AssertionError(f"no table {names['trades_table']} on the primary yet") from None
expect(
    len(primary_rows) >= 20,
    f"{names['trades_table']} holds {len(primary_rows)} trades on the primary; insert at least 20",
)
with open_db(secondary["ReaderEndpoint"], secondary["Port"]) as reader:
    replica_rows = eventually(
        lambda: (rows := reader.execute(TRADE_ROWS).fetchall()) == primary_rows and rows, 10
    )
expect(
    replica_rows == primary_rows,
    f"the secondary's {names['trades_table']} does not match the primary's "
    f"({len(primary_rows)} trades)",
)
print(f"{len(primary_rows)} trades replicated to {REGIONS['dr']}")

### BEGIN HIDDEN TESTS
# a fresh write on the primary's writer endpoint reaches the secondary's reader endpoint
with open_db(primary["Endpoint"], primary["Port"]) as writer:
    writer.execute("CREATE TABLE IF NOT EXISTS grader_probe (token text PRIMARY KEY)")
    token = f"probe-{time.time_ns()}"
    writer.execute("INSERT INTO grader_probe VALUES (%s)", (token,))
with open_db(secondary["ReaderEndpoint"], secondary["Port"]) as reader:
    arrived = eventually(
        lambda: reader.execute(
            "SELECT count(*) FROM grader_probe WHERE token = %s", (token,)
        ).fetchone()[0],
        10,
    )
    expect(
        arrived, f"a row written on {names['primary_cluster']} never reached {names['dr_cluster']}"
    )
    try:
        reader.execute("INSERT INTO grader_probe VALUES ('must-fail')")
        raise AssertionError(f"{names['dr_cluster']} accepted a write: it is not a secondary")
    except psycopg.errors.ReadOnlySqlTransaction:
        pass
    columns = {
        r[0]
        for r in reader.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
            (names["trades_table"],),
        )
    }
    wanted_columns = {"trade_id", "symbol", "side", "quantity", "price", "executed_at"}
    expect(
        wanted_columns <= columns,
        f"{names['trades_table']} lacks the columns {sorted(wanted_columns - columns)}",
    )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task6_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 6 · How far behind is the DR region? (2 points)
#
# RPO zero needs to know the **replication lag**: how long after a trade commits in us-east-1 it
# is readable in us-west-2. Aurora publishes `AuroraGlobalDBReplicationLag` in CloudWatch; measure
# it the way the application experiences it instead:
#
# 1. Open one connection to the primary's writer endpoint and one to the secondary's reader
#    endpoint. Do **at least 50** times: insert a trade on the writer and take
#    `time.perf_counter()` as soon as the commit returns; then poll the reader for that
#    `trade_id` (as fast as you can, e.g. every 0.5 ms) and take the time it appears. The lag of
#    that write is the difference, in milliseconds. Keep them all in a list named **`lag_ms`**.
# 2. Compute p50 and p99 (`statistics.quantiles(lag_ms, n=100, method="inclusive")` gives the
#    1st to 99th percentiles without extrapolating beyond the largest value) and draw a figure (matplotlib object API: `from matplotlib.figure import
#    Figure`): the lag of each write in order, with horizontal lines at p50 and p99. Save it
#    with `lab.portfolio.add_figure(names["lag_figure"], fig)`.
# 3. Record the p99 in your portfolio: `lab.portfolio.record_measurement("replication_lag_p99",
#    <p99>, "ms", target="< 1000", project="p4", source=<how you measured it>)`.
#
# Put a bound on every wait (give up on one write after, say, 5 seconds) so that a broken replica
# cannot hang the notebook. On the emulator both regions run on one machine, so expect
# milliseconds; across the real continent expect tens to hundreds.

# %% nbgrader={"grade": false, "grade_id": "lag_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
from matplotlib.figure import Figure

primary, secondary = cluster("primary"), cluster("dr")
lag_ms = []
with (
    open_db(primary["Endpoint"], primary["Port"]) as writer,
    open_db(secondary["ReaderEndpoint"], secondary["Port"]) as reader,
):
    for i in range(60):
        trade_id = writer.execute(
            "INSERT INTO trades (symbol, side, quantity, price) VALUES ('LAG', %s, %s, 1) "
            "RETURNING trade_id",
            ("BUY" if i % 2 else "SELL", i + 1),
        ).fetchone()[0]
        committed = time.perf_counter()
        deadline = committed + 5
        while time.perf_counter() < deadline:
            found = reader.execute(
                "SELECT 1 FROM trades WHERE trade_id = %s", (trade_id,)
            ).fetchone()
            if found:
                lag_ms.append((time.perf_counter() - committed) * 1000)
                break
            time.sleep(0.0005)
        else:
            raise RuntimeError(f"trade {trade_id} not visible on the secondary after 5 s")

cuts = statistics.quantiles(lag_ms, n=100, method="inclusive")
p50, p99 = cuts[49], cuts[98]
print(f"{len(lag_ms)} writes: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {max(lag_ms):.2f} ms")

fig = Figure(figsize=(8, 4))
ax = fig.subplots()
ax.plot(range(1, len(lag_ms) + 1), lag_ms, marker=".", linewidth=1, label="lag per write")
ax.axhline(p50, color="tab:green", linestyle="--", label=f"p50 {p50:.1f} ms")
ax.axhline(p99, color="tab:red", linestyle="--", label=f"p99 {p99:.1f} ms")
ax.set_xlabel("write #")
ax.set_ylabel("commit to visible in us-west-2 (ms)")
ax.set_title("Aurora global database: replication lag us-east-1 -> us-west-2")
ax.legend()
lab.portfolio.add_figure(names["lag_figure"], fig)
lab.portfolio.record_measurement(
    "replication_lag_p99",
    round(p99, 3),
    "ms",
    target="< 1000",
    project="p4",
    source=f"{len(lag_ms)} single-row commits on the writer, polled on the secondary reader",
)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "lag_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
expect(
    "lag_ms" in globals(),
    "no list named lag_ms: keep the lag of each write, in milliseconds, in a list lag_ms",
)
expect(len(lag_ms) >= 50, f"lag_ms holds {len(lag_ms)} measurements; take at least 50")
expect(
    all(isinstance(x, (int, float)) and 0 <= x < 10_000 for x in lag_ms),
    "every lag in lag_ms must be a number of milliseconds between 0 and 10 000",
)
measurement_path = lab.portfolio.path("measurements", "p4_replication_lag_p99.json")
expect(measurement_path.is_file(), f"no measurement at {measurement_path}")
figure_path = lab.portfolio.path("figures", f"{names['lag_figure']}.png")
expect(figure_path.is_file(), f"no figure at {figure_path}")
print("lag measured, plotted and recorded")

### BEGIN HIDDEN TESTS
measured = json.loads(measurement_path.read_text())
expect(measured.get("unit") == "ms", f"the p99 is recorded in {measured.get('unit')}, not ms")
expect(measured.get("project") == "p4", "record the measurement for project p4")
ordered = sorted(lag_ms)
low = ordered[int(0.9 * (len(ordered) - 1))]
high = ordered[-1] + 2 * (ordered[-1] - ordered[-2])  # the exclusive method extrapolates
expect(
    low * 0.99 - 0.01 <= measured["value"] <= high * 1.01 + 0.01,
    f"the recorded p99 {measured['value']} ms is not the 99th percentile of lag_ms "
    f"(p90 {low:.2f} ms, max {ordered[-1]:.2f} ms)",
)
expect(figure_path.stat().st_size > 5000, "the lag figure looks empty")
expect(figure_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "the lag figure is not a PNG")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task7_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 7 · Switchover drill: to us-west-2 and back (2 points)
#
# A DR design is only as good as its last drill. A **switchover**
# (`switchover_global_cluster`) is the planned move: Aurora waits until the secondary has every
# committed transaction, then swaps the roles. No data may be lost, and you are going to prove
# it:
#
# 1. Count the trades on the primary's writer endpoint.
# 2. Switch over to the DR cluster: `RDS["dr"].switchover_global_cluster(
#    GlobalClusterIdentifier=names["global_cluster"], TargetDbClusterIdentifier=<DR cluster
#    ARN>)` (call it in the target's region). The global cluster shows a `FailoverState` while it
#    works; wait until `global_writer()` returns the DR cluster's ARN (bound the wait: 60 s).
# 3. On the **DR cluster's writer endpoint** (`Endpoint` of `trading-platform-dr`), check that it
#    now takes writes, that the count is unchanged, and insert one trade with symbol
#    `names["drill_symbol"]` (`DRILL`).
# 4. Switch back: `RDS["primary"].switchover_global_cluster(...)` to the primary cluster's ARN,
#    wait for `global_writer()` to be the primary again.
# 5. On the primary's writer endpoint: the count is the first count plus one and the `DRILL`
#    trade is there. Record the result: `lab.portfolio.record_measurement("rpo", <minutes of
#    data lost: 0 when no trade is missing>, "min", target="<= 0", project="p4", source=...)`.
#
# Never use `failover_global_cluster(..., AllowDataLoss=True)` for a drill: it is for a region
# that is really gone, and it may drop the last transactions.


# %% nbgrader={"grade": false, "grade_id": "switchover_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def switch_to(side: str) -> float:
    """Switch the global writer over to ``side``'s cluster; returns the seconds it took."""
    target = cluster(side)["DBClusterArn"]
    started = time.monotonic()
    current = eventually(global_writer, 60)
    if current != target:
        RDS[side].switchover_global_cluster(
            GlobalClusterIdentifier=names["global_cluster"], TargetDbClusterIdentifier=target
        )
        if eventually(lambda: global_writer() == target, 60) is not True:
            raise RuntimeError(f"the switchover to {target} did not finish within 60 s")
    return time.monotonic() - started


COUNT = "SELECT count(*) FROM trades"
primary = cluster("primary")
with open_db(primary["Endpoint"], primary["Port"]) as conn:
    before = conn.execute(COUNT).fetchone()[0]
took_out = switch_to("dr")
dr = cluster("dr")
with open_db(dr["Endpoint"], dr["Port"]) as conn:
    assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is False
    during = conn.execute(COUNT).fetchone()[0]
    conn.execute(
        "INSERT INTO trades (symbol, side, quantity, price) VALUES (%s, 'BUY', 1, 1)",
        (names["drill_symbol"],),
    )
took_back = switch_to("primary")
primary = cluster("primary")
with open_db(primary["Endpoint"], primary["Port"]) as conn:
    after = conn.execute(COUNT).fetchone()[0]
    drill_rows = conn.execute(
        "SELECT count(*) FROM trades WHERE symbol = %s", (names["drill_symbol"],)
    ).fetchone()[0]
lost = before + 1 - after
print(f"before {before}, on us-west-2 {during}, after {after}; DRILL trades {drill_rows}")
print(f"switchover out {took_out:.1f} s, back {took_back:.1f} s (emulated time x20); lost {lost}")
lab.portfolio.record_measurement(
    "rpo",
    0 if lost == 0 and during == before else 1,
    "min",
    target="<= 0",
    project="p4",
    source=f"switchover drill us-east-1 -> us-west-2 -> us-east-1: {lost} trades missing",
)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "switchover_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
writer_now = eventually(global_writer, 60)
expect(
    writer_now == cluster("primary")["DBClusterArn"],
    f"the global writer is {writer_now}; switch back to {names['primary_cluster']}",
)
dr_events = [
    e["Message"]
    for e in RDS["dr"].describe_events(SourceType="db-cluster")["Events"]
    if "global-failover" in e.get("EventCategories", [])
]
expect(
    any(
        f"Global switchover to DB cluster {names['dr_cluster']} in Region {REGIONS['dr']} completed"
        in m
        for m in dr_events
    ),
    f"no completed switchover to {names['dr_cluster']} in the RDS events of {REGIONS['dr']}",
)
print("switchover drill done")

### BEGIN HIDDEN TESTS
primary_events = [
    e["Message"]
    for e in RDS["primary"].describe_events(SourceType="db-cluster")["Events"]
    if "global-failover" in e.get("EventCategories", [])
]
expect(
    any(
        f"Global switchover to DB cluster {names['primary_cluster']} in Region "
        f"{REGIONS['primary']} completed" in m
        for m in primary_events
    ),
    f"no completed switchover back to {names['primary_cluster']}",
)
expect(
    not any(m.startswith("Global failover") for m in dr_events + primary_events),
    "the events show a failover with AllowDataLoss: a drill uses switchover_global_cluster",
)
primary, secondary = cluster("primary"), cluster("dr")
DRILL_COUNT = f"SELECT count(*) FROM {names['trades_table']} WHERE symbol = %s"
with open_db(primary["Endpoint"], primary["Port"]) as conn:
    expect(conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is False, "primary read-only")
    drills = conn.execute(DRILL_COUNT, (names["drill_symbol"],)).fetchone()[0]
    expect(drills >= 1, f"no {names['drill_symbol']} trade on the primary after the drill")
    total = conn.execute(f"SELECT count(*) FROM {names['trades_table']}").fetchone()[0]
    expect(total >= len(primary_rows), "trades went missing during the drill")
with open_db(secondary["ReaderEndpoint"], secondary["Port"]) as conn:
    expect(conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True, "DR not a replica")
    seen = eventually(lambda: conn.execute(DRILL_COUNT, (names["drill_symbol"],)).fetchone()[0], 10)
    expect(seen == drills, f"{names['dr_cluster']} does not replicate the drill trade")
rpo_path = lab.portfolio.path("measurements", "p4_rpo.json")
expect(rpo_path.is_file(), f"no RPO measurement at {rpo_path}")
rpo = json.loads(rpo_path.read_text())
expect(
    rpo["value"] == 0 and rpo["unit"] == "min",
    f"the drill's RPO is recorded as {rpo['value']} {rpo['unit']!r}; a drill that lost no trade "
    f"records 0 with the unit 'min'",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "wrap_up", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Wrap-up
#
# The order book now exists twice: written in us-east-1, readable within milliseconds (here) in
# us-west-2, each copy encrypted with its own region's key, and you have moved the writer across
# the continent and back without losing a trade. Your portfolio holds the lag figure and two
# measurements (`p4_replication_lag_p99`, `p4_rpo`).
#
# For your DR design notes:
#
# 1. A switchover waits for the secondary to catch up; a failover does not. Which one meets an
#    RPO of zero when us-east-1 is *really* down, and what does Aurora's `AuroraGlobalDBRPOLag`
#    and the "managed RPO" parameter (`rds.global_db_rpo`) change about that?
# 2. Your p99 lag was measured on one machine. Which network figure would you expect between
#    Virginia and Oregon, and how would you alarm on `AuroraGlobalDBReplicationLag`?
# 3. After a failover the application must find the new writer. Compare a Route 53 record the
#    orchestrator updates (Week 15) with Aurora's global writer endpoint.
