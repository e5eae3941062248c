"""Out-of-kernel state checks of p4_w14_aurora_global (instructor-only, never shipped).

Each mirrors its grade cell from the grader's process: configuration read back through the RDS,
KMS and EC2 APIs of both regions, and data read through psycopg from the clusters' endpoints
(the emulator's real PostgreSQL servers), with the master credentials of the seeded secret.
"""

from __future__ import annotations

import json
import time

import psycopg

from labkit.checks import expect

SIDES = ("primary", "dr")


# --- look-ups -------------------------------------------------------------------------------


def _rds(lab, side: str):
    return lab.client("rds", lab.names[f"{side}_region"])


def _key_arn(lab, side: str) -> str:
    names, region = lab.names, lab.names[f"{side}_region"]
    kms = lab.client("kms", region)
    aliases = kms.list_aliases()["Aliases"]
    alias = next((a for a in aliases if a["AliasName"] == names["kms_alias"]), None)
    expect(alias, f"no KMS alias {names['kms_alias']} in {region} (task 1)")
    expect(alias.get("TargetKeyId"), f"alias {names['kms_alias']} in {region} points at no key")
    return kms.describe_key(KeyId=alias["TargetKeyId"])["KeyMetadata"]["Arn"]


def _resolve_key(lab, side: str, key_id: str | None) -> str | None:
    if not key_id:
        return None
    kms = lab.client("kms", lab.names[f"{side}_region"])
    try:
        return kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    except kms.exceptions.NotFoundException:
        return key_id


def _cluster(lab, side: str) -> dict:
    ident = lab.names[f"{side}_cluster"]
    region = lab.names[f"{side}_region"]
    rds = _rds(lab, side)
    try:
        return rds.describe_db_clusters(DBClusterIdentifier=ident)["DBClusters"][0]
    except rds.exceptions.DBClusterNotFoundFault:
        raise AssertionError(f"no DB cluster {ident!r} in {region}") from None


def _instance(lab, side: str) -> dict:
    ident = lab.names[f"{side}_instance"]
    rds = _rds(lab, side)
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]
    except rds.exceptions.DBInstanceNotFoundFault:
        raise AssertionError(f"no DB instance {ident!r} in {lab.names[f'{side}_region']}") from None


def _credentials(lab) -> dict:
    sm = lab.client("secretsmanager", lab.names["primary_region"])
    return json.loads(sm.get_secret_value(SecretId=lab.names["db_secret"])["SecretString"])


def _connect(lab, host: str, port: int):
    creds = _credentials(lab)
    return psycopg.connect(
        host=host,
        port=port,
        user=creds["username"],
        password=creds["password"],
        dbname=lab.names["database"],
        autocommit=True,
        connect_timeout=5,
    )


def _writer_arn(lab) -> str | None:
    gc = _global(lab)
    if gc.get("FailoverState") or gc["Status"] != "available":
        return None
    return next((m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if m["IsWriter"]), None)


def _global(lab) -> dict:
    rds, gid = _rds(lab, "primary"), lab.names["global_cluster"]
    try:
        found = rds.describe_global_clusters(GlobalClusterIdentifier=gid)
    except rds.exceptions.GlobalClusterNotFoundFault:
        found = {}
    expect(found.get("GlobalClusters"), f"no global cluster {gid!r} (task 4)")
    return found["GlobalClusters"][0]


def _roles(lab) -> tuple[str, str]:
    """(writer side, reader side) of the global database: ("primary", "dr") unless the global
    writer is the DR cluster (a drill that did not switch back)."""
    try:
        writer = _eventually(lambda: _writer_arn(lab), 30)
    except AssertionError:  # no global cluster: task 4's own check says so
        writer = None
    if writer and writer == _cluster(lab, "dr")["DBClusterArn"]:
        return "dr", "primary"
    return "primary", "dr"


def _eventually(fn, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def _ids(conn, table: str) -> list[int]:
    return [r[0] for r in conn.execute(f"SELECT trade_id FROM {table} ORDER BY trade_id")]


# --- task 1 -----------------------------------------------------------------------------------


def kms_keys(lab) -> None:
    arns = {}
    for side in SIDES:
        region = lab.names[f"{side}_region"]
        arn = _key_arn(lab, side)
        kms = lab.client("kms", region)
        meta = kms.describe_key(KeyId=arn)["KeyMetadata"]
        expect(arn.split(":")[3] == region, f"the key {arn} is not in {region}")
        expect(meta["KeyState"] == "Enabled", f"key {arn} is {meta['KeyState']}")
        expect(meta["KeyManager"] == "CUSTOMER", f"key {arn} is not customer managed")
        expect(
            meta.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
            and meta.get("KeyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT",
            f"key {arn} must be a symmetric ENCRYPT_DECRYPT key (RDS needs one)",
        )
        rotation = kms.get_key_rotation_status(KeyId=arn)["KeyRotationEnabled"]
        expect(rotation, f"automatic rotation is off for key {arn} ({region})")
        arns[side] = arn
    expect(arns["primary"] != arns["dr"], "each region needs its own key")


# --- task 2 -----------------------------------------------------------------------------------


def subnet_groups(lab) -> None:
    names = lab.names
    for side in SIDES:
        rds, region = _rds(lab, side), names[f"{side}_region"]
        try:
            group = rds.describe_db_subnet_groups(DBSubnetGroupName=names["db_subnet_group"])[
                "DBSubnetGroups"
            ][0]
        except rds.exceptions.DBSubnetGroupNotFoundFault:
            raise AssertionError(
                f"no DB subnet group {names['db_subnet_group']!r} in {region}"
            ) from None
        found = {s["SubnetIdentifier"] for s in group["Subnets"]}
        wanted = set(names[f"private_subnets_{side}"].split(","))
        expect(
            group["VpcId"] == names[f"vpc_{side}"],
            f"DB subnet group {names['db_subnet_group']} ({region}) is in {group['VpcId']}, "
            f"not {names[f'{side}_prefix']}-vpc {names[f'vpc_{side}']}",
        )
        expect(
            found == wanted,
            f"DB subnet group {names['db_subnet_group']} ({region}) holds {sorted(found)}; "
            f"it must hold exactly the three private subnets {sorted(wanted)}",
        )


# --- task 3 -----------------------------------------------------------------------------------


def _secured_cluster(lab, side: str) -> dict:
    names, region = lab.names, lab.names[f"{side}_region"]
    c = _cluster(lab, side)
    ident = c["DBClusterIdentifier"]
    expect(c["Engine"] == "aurora-postgresql", f"{ident} runs {c['Engine']}, not aurora-postgresql")
    expect(c.get("StorageEncrypted"), f"{ident} ({region}) is not encrypted (StorageEncrypted)")
    key = _resolve_key(lab, side, c.get("KmsKeyId"))
    expect(
        key == _key_arn(lab, side),
        f"{ident} is encrypted with {c.get('KmsKeyId')}, not the key of {names['kms_alias']} "
        f"in {region}",
    )
    expect(
        c.get("DBSubnetGroup") == names["db_subnet_group"],
        f"{ident} is in the subnet group {c.get('DBSubnetGroup')}, not {names['db_subnet_group']}",
    )
    groups = {g["VpcSecurityGroupId"] for g in c.get("VpcSecurityGroups", [])}
    expect(
        groups == {names[f"sg_db_{side}"]},
        f"{ident} has the security groups {sorted(groups)}; it must have only "
        f"{names['sg_db']} ({names[f'sg_db_{side}']})",
    )
    return c


def primary_cluster(lab) -> None:
    names = lab.names
    c = _secured_cluster(lab, "primary")
    ident = c["DBClusterIdentifier"]
    expect(c.get("DeletionProtection"), f"{ident}: DeletionProtection is off")
    expect(
        c.get("DatabaseName") == names["database"],
        f"{ident} has the database name {c.get('DatabaseName')!r}, not {names['database']!r}",
    )
    expect(
        (c.get("BackupRetentionPeriod") or 0) >= 7,
        f"{ident} keeps backups {c.get('BackupRetentionPeriod')} days; at least 7",
    )
    inst = _instance(lab, "primary")
    expect(
        inst.get("DBClusterIdentifier") == ident,
        f"instance {names['primary_instance']} is not in {ident}",
    )
    expect(
        not inst.get("PubliclyAccessible"), f"{names['primary_instance']} is publicly accessible"
    )
    members = {m["DBInstanceIdentifier"]: m for m in c.get("DBClusterMembers", [])}
    expect(
        members.get(names["primary_instance"], {}).get("IsClusterWriter"),
        f"{names['primary_instance']} is not the writer of {ident}",
    )
    with _connect(lab, c["Endpoint"], c["Port"]) as conn:
        recovering = conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
        expect(not recovering, f"the writer endpoint of {ident} is read-only")


# --- task 4 -----------------------------------------------------------------------------------


def global_database(lab) -> None:
    names = lab.names
    primary = _cluster(lab, "primary")
    dr = _secured_cluster(lab, "dr")
    gc = _global(lab)
    members = {m["DBClusterArn"]: m for m in gc["GlobalClusterMembers"]}
    for c in (primary, dr):
        expect(
            c["DBClusterArn"] in members,
            f"{c['DBClusterIdentifier']} is not a member of {names['global_cluster']}",
        )
    # task 7 may have left the writer in us-west-2 (its own check says so): here either member
    # may write as long as the other one replicates from it
    writer = _eventually(lambda: _writer_arn(lab), 30)
    expect(
        writer in (primary["DBClusterArn"], dr["DBClusterArn"]),
        f"{names['global_cluster']} has no writer ({writer}) among {names['primary_cluster']} "
        f"and {names['dr_cluster']}",
    )
    writer_side, reader_side = _roles(lab)
    replica = _cluster(lab, reader_side)
    source = _cluster(lab, writer_side)["DBClusterArn"]
    expect(
        replica.get("ReplicationSourceIdentifier") == source,
        f"{replica['DBClusterIdentifier']} replicates from "
        f"{replica.get('ReplicationSourceIdentifier')}, not {source}",
    )
    inst = _instance(lab, "dr")
    expect(
        inst.get("DBClusterIdentifier") == names["dr_cluster"],
        f"instance {names['dr_instance']} is not in {names['dr_cluster']}",
    )
    with _connect(lab, replica["ReaderEndpoint"], replica["Port"]) as conn:
        recovering = conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
        expect(
            recovering, f"{replica['DBClusterIdentifier']} accepts writes: it is not replicating"
        )


# --- task 5 -----------------------------------------------------------------------------------


def replicated_trades(lab) -> None:
    table = lab.names["trades_table"]
    # the current writer (task 7 may have left it in us-west-2) and its replica
    writer_side, reader_side = _roles(lab)
    primary, dr = _cluster(lab, writer_side), _cluster(lab, reader_side)
    with _connect(lab, primary["Endpoint"], primary["Port"]) as writer:
        try:
            on_primary = _ids(writer, table)
        except psycopg.errors.UndefinedTable:
            raise AssertionError(f"no table {table} on {primary['DBClusterIdentifier']}") from None
        writer.execute("CREATE TABLE IF NOT EXISTS state_check_probe (at timestamptz)")
        probe = writer.execute(
            "INSERT INTO state_check_probe VALUES (clock_timestamp()) RETURNING at"
        ).fetchone()[0]
    expect(len(on_primary) >= 20, f"{table} holds {len(on_primary)} trades; insert at least 20")
    with _connect(lab, dr["ReaderEndpoint"], dr["Port"]) as reader:
        seen = _eventually(lambda: _ids(reader, table) == on_primary, 10)
        expect(
            seen,
            f"the trades on {dr['DBClusterIdentifier']} differ from those on "
            f"{primary['DBClusterIdentifier']}",
        )
        arrived = _eventually(
            lambda: reader.execute(
                "SELECT count(*) FROM state_check_probe WHERE at = %s", (probe,)
            ).fetchone()[0],
            10,
        )
        expect(
            arrived,
            f"a row written on {primary['DBClusterIdentifier']} did not reach "
            f"{dr['DBClusterIdentifier']}",
        )


# --- task 7 -----------------------------------------------------------------------------------


def switchover_drill(lab) -> None:
    names = lab.names
    for side in ("dr", "primary"):
        ident = names[f"{side}_cluster"]
        events = _rds(lab, side).describe_events(SourceType="db-cluster")["Events"]
        texts = [e["Message"] for e in events if "global-failover" in e.get("EventCategories", [])]
        region = names[f"{side}_region"]
        expect(
            any(
                f"Global switchover to DB cluster {ident} in Region {region} completed" in t
                for t in texts
            ),
            f"no completed global switchover to {ident} ({region}) in the RDS events",
        )
        expect(
            not any(t.startswith("Global failover") for t in texts),
            f"the RDS events of {region} show a failover (AllowDataLoss); use switchover",
        )
    primary, dr = _cluster(lab, "primary"), _cluster(lab, "dr")
    query = f"SELECT count(*) FROM {names['trades_table']} WHERE symbol = %s"
    with _connect(lab, primary["Endpoint"], primary["Port"]) as writer:
        count = writer.execute(query, (names["drill_symbol"],)).fetchone()[0]
        expect(count >= 1, f"no {names['drill_symbol']} trade on {names['primary_cluster']}")
    with _connect(lab, dr["ReaderEndpoint"], dr["Port"]) as reader:
        seen = _eventually(
            lambda: reader.execute(query, (names["drill_symbol"],)).fetchone()[0], 10
        )
        expect(seen == count, f"{names['dr_cluster']} does not hold the drill trade")


CHECKS = {
    "kms_tests": kms_keys,
    "subnet_group_tests": subnet_groups,
    "primary_tests": primary_cluster,
    "global_tests": global_database,
    "replication_tests": replicated_trades,
    "switchover_tests": switchover_drill,
}
