"""RDS on real PostgreSQL (rds_postgres): instances, snapshots, replicas, Aurora, global databases.

Everything goes through boto3 against a spawned emulator and through psycopg to the servers
the emulator started; expected data is what the test itself wrote.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from botocore.exceptions import ClientError

from labkit.emulator.extensions.rds_postgres_server import TOOLS, PostgresNotFound, find_bin_dir
from labkit.emulator.process import EmulatorProcess
from tests.labkit.emulator.test_rds_global import name
from tests.labkit.emulator.test_rds_global import rds as regional

TIME_SCALE = 0.02  # a global switch takes 30 AWS seconds: 0.6 s
PRIMARY, SECONDARY = "us-east-1", "us-west-2"
USER, PASSWORD = "master", "password123"


@pytest.fixture(scope="module")
def emu():
    with EmulatorProcess.spawn(time_scale=TIME_SCALE) as e:
        yield e


def rds(url: str, region: str = PRIMARY):
    return regional(url, region)


def connect(address: str, port: int, dbname: str = "app", password: str = PASSWORD, **kw):
    return psycopg.connect(
        host=address,
        port=port,
        user=USER,
        password=password,
        dbname=dbname,
        autocommit=True,
        connect_timeout=5,
        **kw,
    )


def instance(url: str, ident: str, region: str = PRIMARY) -> dict:
    return rds(url, region).describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]


def open_instance(url: str, ident: str, region: str = PRIMARY, **kw):
    ep = instance(url, ident, region)["Endpoint"]
    return connect(ep["Address"], ep["Port"], **kw)


def create_instance(url: str, ident: str, region: str = PRIMARY) -> dict:
    return rds(url, region).create_db_instance(
        DBInstanceIdentifier=ident,
        Engine="postgres",
        EngineVersion="15.4",
        DBInstanceClass="db.t3.micro",
        MasterUsername=USER,
        MasterUserPassword=PASSWORD,
        DBName="app",
    )["DBInstance"]


def seeded(url: str, ident: str, values: list[int] | range = (1,)) -> None:
    """A new instance whose database ``app`` has table ``t`` holding ``values``."""
    create_instance(url, ident)
    with open_instance(url, ident) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t SELECT unnest(%s::int[])", (list(values),))


def rows(conn, table: str = "t") -> list[int]:
    return [r[0] for r in conn.execute(f"SELECT x FROM {table} ORDER BY x").fetchall()]


def eventually(check, timeout: float = 10.0):
    """Poll ``check`` until it returns a truthy value (errors count as not yet)."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - retried
            last = e
        time.sleep(0.05)
    raise AssertionError(f"not true within {timeout} s (last error: {last})")


def error(exc: pytest.ExceptionInfo) -> tuple[str, int]:
    resp = exc.value.response
    return resp["Error"]["Code"], resp["ResponseMetadata"]["HTTPStatusCode"]


def replication(url: str, ident: str, region: str = PRIMARY, **body) -> dict:
    req = urllib.request.Request(
        f"{url}/_labkit/rds/replication",
        data=json.dumps({"DBInstanceIdentifier": ident, "Region": region, **body}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def server_pids(data_directory: str) -> set[int]:
    """The postmaster of ``data_directory`` and its children."""
    postmaster = int(Path(data_directory, "postmaster.pid").read_text().split()[0])
    pids = {postmaster}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                pids.add(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return pids


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --- instances --------------------------------------------------------------------------------


def test_instance_serves_postgres_with_the_master_user(emu):
    url = emu.endpoint_url
    first = time.monotonic()
    create_instance(url, name("first"))  # the emulator's first runs initdb once
    first = time.monotonic() - first
    ident = name("db")
    t0 = time.monotonic()
    created = create_instance(url, ident)
    with connect(created["Endpoint"]["Address"], created["Endpoint"]["Port"]) as conn:
        startup = time.monotonic() - t0
        assert created["Endpoint"]["Address"] == "127.0.0.1"
        who, db, version = conn.execute(
            "SELECT current_user, current_database(), current_setting('server_version_num')"
        ).fetchone()
        assert (who, db) == (USER, "app") and int(version) >= 100000
        superuser, in_rds = conn.execute(
            "SELECT rolsuper, pg_has_role(current_user, 'rds_superuser', 'member') "
            "FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert (superuser, in_rds) == (False, True)  # as on RDS
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (1), (2)")
    with open_instance(url, ident) as conn:
        assert rows(conn) == [1, 2]
    with pytest.raises(psycopg.OperationalError):
        open_instance(url, ident, password="wrong-password")
    assert startup < 3.0, f"create to first connection took {startup:.2f} s"
    assert first < 10.0, f"the first instance (with initdb) took {first:.2f} s"

    rds(url).modify_db_instance(
        DBInstanceIdentifier=ident, MasterUserPassword="changed-pass1", ApplyImmediately=True
    )
    with open_instance(url, ident, password="changed-pass1") as conn:
        assert rows(conn) == [1, 2]
    with pytest.raises(psycopg.OperationalError):
        open_instance(url, ident)

    with pytest.raises(ClientError) as exc:
        rds(url).create_db_instance(
            DBInstanceIdentifier=name("bad"),
            Engine="postgres",
            DBInstanceClass="db.t3.micro",
            MasterUsername="rdsadmin",
            MasterUserPassword=PASSWORD,
        )
    assert error(exc) == ("InvalidParameterValue", 400)


def test_other_engines_are_only_stored(emu):
    ident = name("my")
    created = rds(emu.endpoint_url).create_db_instance(
        DBInstanceIdentifier=ident,
        Engine="mysql",
        DBInstanceClass="db.t3.micro",
        MasterUsername=USER,
        MasterUserPassword=PASSWORD,
    )["DBInstance"]
    assert created["Endpoint"]["Address"].endswith(".rds.amazonaws.com")
    assert created["Endpoint"]["Port"] == 3306


def test_snapshot_restores_the_data_it_was_taken_with(emu):
    url = emu.endpoint_url
    source, copy = name("src"), name("copy")
    seeded(url, source, range(1, 101))
    snap = name("snap")
    rds(url).create_db_snapshot(DBInstanceIdentifier=source, DBSnapshotIdentifier=snap)
    with open_instance(url, source) as conn:
        conn.execute("INSERT INTO t VALUES (1000)")  # after the snapshot: not in it

    copied = name("copied")  # a copy outlives the snapshot it was copied from
    rds(url).copy_db_snapshot(SourceDBSnapshotIdentifier=snap, TargetDBSnapshotIdentifier=copied)
    rds(url).delete_db_snapshot(DBSnapshotIdentifier=snap)
    restored = rds(url).restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier=copy, DBSnapshotIdentifier=copied
    )["DBInstance"]
    assert restored["Endpoint"]["Port"] != instance(url, source)["Endpoint"]["Port"]
    with open_instance(url, copy) as conn:  # same master password as the source
        assert rows(conn) == list(range(1, 101))
        conn.execute("INSERT INTO t VALUES (2000)")  # a writable, independent copy
    with open_instance(url, source) as conn:
        assert 2000 not in rows(conn)


def test_delete_stops_the_server_and_removes_its_data(emu):
    url = emu.endpoint_url
    ident, final = name("gone"), name("final")
    seeded(url, ident, [7])
    ep = instance(url, ident)["Endpoint"]
    with open_instance(url, ident) as conn:
        data_dir = conn.execute("SHOW data_directory").fetchone()[0]
    pids = server_pids(data_dir)
    rds(url).delete_db_instance(DBInstanceIdentifier=ident, FinalDBSnapshotIdentifier=final)
    assert not Path(data_dir).exists()
    assert not any(alive(pid) for pid in pids)
    with pytest.raises(psycopg.OperationalError):
        connect(ep["Address"], ep["Port"])

    back = name("back")
    rds(url).restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier=back, DBSnapshotIdentifier=final
    )
    with open_instance(url, back) as conn:
        assert rows(conn) == [7]


def test_stop_start_and_reboot_keep_the_data(emu):
    url = emu.endpoint_url
    ident = name("cycle")
    seeded(url, ident)
    with open_instance(url, ident) as conn:
        started = conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0]
    ep = instance(url, ident)["Endpoint"]
    stopped = rds(url).stop_db_instance(DBInstanceIdentifier=ident)["DBInstance"]
    assert stopped["DBInstanceStatus"] == "stopped"
    with pytest.raises(psycopg.OperationalError):
        connect(ep["Address"], ep["Port"])
    rds(url).start_db_instance(DBInstanceIdentifier=ident)
    with open_instance(url, ident) as conn:
        assert rows(conn) == [1]
        restarted = conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0]
    assert restarted > started
    rds(url).reboot_db_instance(DBInstanceIdentifier=ident)
    with open_instance(url, ident) as conn:
        assert rows(conn) == [1]
        assert conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0] > restarted


def test_point_in_time_restore(emu):
    url = emu.endpoint_url
    source = name("pitr")
    create_instance(url, source)
    with open_instance(url, source) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (1)")
        time.sleep(0.3)
        between = datetime.now(UTC)
        time.sleep(0.3)
        conn.execute("INSERT INTO t VALUES (2)")

    early, latest = name("early"), name("latest")
    rds(url).restore_db_instance_to_point_in_time(
        SourceDBInstanceIdentifier=source, TargetDBInstanceIdentifier=early, RestoreTime=between
    )
    rds(url).restore_db_instance_to_point_in_time(
        SourceDBInstanceIdentifier=source,
        TargetDBInstanceIdentifier=latest,
        UseLatestRestorableTime=True,
    )
    with open_instance(url, early) as conn:
        assert rows(conn) == [1]
        conn.execute("INSERT INTO t VALUES (3)")
    with open_instance(url, latest) as conn:
        assert rows(conn) == [1, 2]
    with pytest.raises(ClientError) as exc:
        rds(url).restore_db_instance_to_point_in_time(
            SourceDBInstanceIdentifier=source,
            TargetDBInstanceIdentifier=name("never"),
            RestoreTime=datetime(2020, 1, 1, tzinfo=UTC),
        )
    assert error(exc) == ("InvalidRestoreFault", 400)


def test_read_replica_replicates_reports_lag_and_promotes(emu):
    url = emu.endpoint_url
    source, replica = name("prim"), name("repl")
    seeded(url, source)
    rds(url).create_db_instance_read_replica(
        DBInstanceIdentifier=replica, SourceDBInstanceIdentifier=source
    )
    assert instance(url, source)["ReadReplicaDBInstanceIdentifiers"] == [replica]
    with open_instance(url, source) as writer, open_instance(url, replica) as reader:
        writer.execute("INSERT INTO t VALUES (2)")
        eventually(lambda: rows(reader) == [1, 2], timeout=5)
        assert reader.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            reader.execute("INSERT INTO t VALUES (3)")

        assert replication(url, replica, Paused=True)["Paused"] is True
        writer.execute("INSERT INTO t SELECT generate_series(10, 20)")
        time.sleep(0.3)
        lag = replication(url, replica)["Lag"]
        assert lag["Bytes"] > 0 and lag["Seconds"] > 0
        assert rows(reader) == [1, 2]
        assert replication(url, replica, Paused=False)["Paused"] is False
        eventually(lambda: replication(url, replica)["Lag"]["Bytes"] == 0, timeout=5)
        assert rows(reader) == [1, 2, *range(10, 21)]

    rds(url).promote_read_replica(DBInstanceIdentifier=replica)
    promoted = instance(url, replica)
    assert "ReadReplicaSourceDBInstanceIdentifier" not in promoted
    assert instance(url, source).get("ReadReplicaDBInstanceIdentifiers", []) == []
    with open_instance(url, replica) as conn:
        eventually(lambda: conn.execute("SELECT NOT pg_is_in_recovery()").fetchone()[0])
        conn.execute("INSERT INTO t VALUES (99)")
        assert rows(conn)[-1] == 99
    with open_instance(url, source) as conn:
        assert 99 not in rows(conn)


def test_deleting_a_source_promotes_its_replicas(emu):
    url = emu.endpoint_url
    source, replica = name("doomed"), name("heir")
    seeded(url, source, [1, 2])
    rds(url).create_db_instance_read_replica(
        DBInstanceIdentifier=replica, SourceDBInstanceIdentifier=source
    )
    with open_instance(url, replica) as conn:
        eventually(lambda: rows(conn) == [1, 2], timeout=5)
    rds(url).delete_db_instance(DBInstanceIdentifier=source, SkipFinalSnapshot=True)
    assert "ReadReplicaSourceDBInstanceIdentifier" not in instance(url, replica)
    with open_instance(url, replica) as conn:
        conn.execute("INSERT INTO t VALUES (3)")
        assert rows(conn) == [1, 2, 3]


# --- Aurora clusters --------------------------------------------------------------------------


def create_cluster(url: str, ident: str, region: str = PRIMARY, instances: int = 2, **kw) -> dict:
    client = rds(url, region)
    extra = (
        {}
        if kw.get("GlobalClusterIdentifier") and region != PRIMARY
        else {
            "MasterUsername": USER,
            "MasterUserPassword": PASSWORD,
            "DatabaseName": "app",
        }
    )
    client.create_db_cluster(
        DBClusterIdentifier=ident, Engine="aurora-postgresql", EngineVersion="15.4", **extra, **kw
    )
    for i in range(instances):
        client.create_db_instance(
            DBInstanceIdentifier=f"{ident}-{i}",
            DBClusterIdentifier=ident,
            Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.large",
        )
    return cluster(url, ident, region)


def cluster(url: str, ident: str, region: str = PRIMARY) -> dict:
    return rds(url, region).describe_db_clusters(DBClusterIdentifier=ident)["DBClusters"][0]


def writer_of(c: dict) -> str:
    return next(m["DBInstanceIdentifier"] for m in c["DBClusterMembers"] if m["IsClusterWriter"])


def test_aurora_cluster_writer_reader_endpoints_and_failover(emu):
    url = emu.endpoint_url
    ident = name("aur")
    c = create_cluster(url, ident)
    assert (c["Endpoint"], c["ReaderEndpoint"]) == ("127.0.0.1", "127.0.0.2")
    first_writer = writer_of(c)
    with connect(c["Endpoint"], c["Port"]) as writer:
        assert writer.execute("SELECT pg_is_in_recovery()").fetchone()[0] is False
        writer.execute("CREATE TABLE t (x int)")
        for x in range(1, 51):  # each one acknowledged
            writer.execute("INSERT INTO t VALUES (%s)", (x,))
    with connect(c["ReaderEndpoint"], c["Port"]) as reader:
        assert reader.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
        eventually(lambda: rows(reader) == list(range(1, 51)), timeout=5)

    rds(url).failover_db_cluster(DBClusterIdentifier=ident)
    after = cluster(url, ident)
    assert writer_of(after) != first_writer
    assert after["Port"] == c["Port"]  # the endpoints stay, the writer moved behind them
    with connect(after["Endpoint"], after["Port"]) as writer:
        assert writer.execute("SELECT pg_is_in_recovery()").fetchone()[0] is False
        assert rows(writer) == list(range(1, 51))
        writer.execute("INSERT INTO t VALUES (51)")
    with open_instance(url, first_writer) as old:  # the old writer is a reader now
        assert old.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
        eventually(lambda: rows(old)[-1] == 51, timeout=5)


def test_cluster_volume_survives_its_instances_and_snapshots(emu):
    url = emu.endpoint_url
    ident = name("vol")
    c = create_cluster(url, ident, instances=1)
    with connect(c["Endpoint"], c["Port"]) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (5)")
    snap = name("csnap")
    rds(url).create_db_cluster_snapshot(DBClusterIdentifier=ident, DBClusterSnapshotIdentifier=snap)
    rds(url).delete_db_instance(DBInstanceIdentifier=f"{ident}-0")
    rds(url).create_db_instance(  # a new instance starts on the cluster's volume
        DBInstanceIdentifier=f"{ident}-new",
        DBClusterIdentifier=ident,
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    with connect(c["Endpoint"], c["Port"]) as conn:
        assert rows(conn) == [5]
    rds(url).stop_db_cluster(DBClusterIdentifier=ident)
    with pytest.raises(psycopg.OperationalError):
        connect(c["Endpoint"], c["Port"])
    rds(url).start_db_cluster(DBClusterIdentifier=ident)
    with connect(c["Endpoint"], c["Port"]) as conn:
        assert rows(conn) == [5]

    restored = name("rest")
    rds(url).restore_db_cluster_from_snapshot(
        DBClusterIdentifier=restored, SnapshotIdentifier=snap, Engine="aurora-postgresql"
    )
    rds(url).create_db_instance(
        DBInstanceIdentifier=f"{restored}-0",
        DBClusterIdentifier=restored,
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    r = cluster(url, restored)
    with connect(r["Endpoint"], r["Port"]) as conn:
        assert rows(conn) == [5]
        conn.execute("INSERT INTO t VALUES (6)")

    # instances first, then the cluster: its final snapshot holds the volume's data
    final = name("cfinal")
    rds(url).delete_db_instance(DBInstanceIdentifier=f"{restored}-0")
    rds(url).delete_db_cluster(DBClusterIdentifier=restored, FinalDBSnapshotIdentifier=final)
    again = name("again")
    rds(url).restore_db_cluster_from_snapshot(
        DBClusterIdentifier=again, SnapshotIdentifier=final, Engine="aurora-postgresql"
    )
    rds(url).create_db_instance(
        DBInstanceIdentifier=f"{again}-0",
        DBClusterIdentifier=again,
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    a = cluster(url, again)
    with connect(a["Endpoint"], a["Port"]) as conn:
        assert rows(conn) == [5, 6]


def test_cluster_point_in_time_restore(emu):
    url = emu.endpoint_url
    source, restored = name("ptc"), name("ptc-at")
    c = create_cluster(url, source, instances=1)
    with connect(c["Endpoint"], c["Port"]) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (1)")
        time.sleep(0.3)
        between = datetime.now(UTC)
        time.sleep(0.3)
        conn.execute("INSERT INTO t VALUES (2)")
    rds(url).restore_db_cluster_to_point_in_time(
        DBClusterIdentifier=restored, SourceDBClusterIdentifier=source, RestoreToTime=between
    )
    rds(url).create_db_instance(
        DBInstanceIdentifier=f"{restored}-0",
        DBClusterIdentifier=restored,
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    r = cluster(url, restored)
    with connect(r["Endpoint"], r["Port"]) as conn:
        assert rows(conn) == [1]


# --- global databases -------------------------------------------------------------------------


def make_global(url: str) -> tuple[str, dict, dict]:
    gid = name("glob")
    rds(url).create_global_cluster(
        GlobalClusterIdentifier=gid, Engine="aurora-postgresql", EngineVersion="15.4"
    )
    primary = create_cluster(url, name("east"), PRIMARY, 1, GlobalClusterIdentifier=gid)
    with connect(primary["Endpoint"], primary["Port"]) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (1)")
    secondary = create_cluster(url, name("west"), SECONDARY, 1, GlobalClusterIdentifier=gid)
    return gid, primary, secondary


def settle(url: str, gid: str, timeout: float = 20.0) -> dict:
    def settled():
        found = rds(url).describe_global_clusters(GlobalClusterIdentifier=gid)["GlobalClusters"]
        g = next(g for g in found if g["GlobalClusterIdentifier"] == gid)
        return g if "FailoverState" not in g else None

    return eventually(settled, timeout)


def test_global_switchover_keeps_every_acknowledged_write(emu):
    url = emu.endpoint_url
    gid, primary, secondary = make_global(url)
    with connect(secondary["Endpoint"], secondary["Port"]) as west:
        eventually(lambda: rows(west) == [1], timeout=5)
        assert west.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True

    acknowledged = [1]
    with connect(primary["Endpoint"], primary["Port"]) as east:
        rds(url, SECONDARY).switchover_global_cluster(
            GlobalClusterIdentifier=gid, TargetDbClusterIdentifier=secondary["DBClusterArn"]
        )
        for x in range(2, 100_000):  # write until the old writer stops taking writes
            try:
                east.execute("INSERT INTO t VALUES (%s)", (x,))
            except psycopg.Error:
                break
            acknowledged.append(x)
    g = settle(url, gid)
    writer = next(m["DBClusterArn"] for m in g["GlobalClusterMembers"] if m["IsWriter"])
    assert writer == secondary["DBClusterArn"]
    assert len(acknowledged) > 1

    with connect(secondary["Endpoint"], secondary["Port"]) as west:
        assert west.execute("SELECT pg_is_in_recovery()").fetchone()[0] is False
        assert rows(west) == acknowledged  # nothing acknowledged is missing
        west.execute("INSERT INTO t VALUES (-1)")
    with connect(primary["Endpoint"], primary["Port"]) as east:  # now a secondary
        assert east.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
        eventually(lambda: rows(east)[0] == -1, timeout=10)
    events = rds(url, SECONDARY).describe_events(
        SourceType="db-cluster", SourceIdentifier=secondary["DBClusterIdentifier"]
    )["Events"]
    assert any("no data was lost" in e["Message"] for e in events)

    rds(url).remove_from_global_cluster(  # detached, the old primary stands alone again
        GlobalClusterIdentifier=gid, DbClusterIdentifier=primary["DBClusterArn"]
    )
    with connect(primary["Endpoint"], primary["Port"]) as east:
        assert east.execute("SELECT pg_is_in_recovery()").fetchone()[0] is False
        east.execute("INSERT INTO t VALUES (-2)")
    with connect(secondary["Endpoint"], secondary["Port"]) as west:
        time.sleep(0.3)
        assert -2 not in rows(west)


def test_global_failover_with_data_loss_reports_what_was_lost(emu):
    url = emu.endpoint_url
    gid, primary, secondary = make_global(url)
    west_writer = writer_of(secondary)
    with connect(secondary["Endpoint"], secondary["Port"]) as west:
        eventually(lambda: rows(west) == [1], timeout=5)
    replication(url, west_writer, SECONDARY, Paused=True)  # the regions lose their link
    with connect(primary["Endpoint"], primary["Port"]) as east:
        for x in (2, 3, 4):
            east.execute("INSERT INTO t VALUES (%s)", (x,))

    rds(url, SECONDARY).failover_global_cluster(
        GlobalClusterIdentifier=gid,
        TargetDbClusterIdentifier=secondary["DBClusterArn"],
        AllowDataLoss=True,
    )
    settle(url, gid)
    events = rds(url, SECONDARY).describe_events(
        SourceType="db-cluster", SourceIdentifier=secondary["DBClusterIdentifier"]
    )["Events"]
    lost = [e["Message"] for e in events if "are lost" in e["Message"]]
    assert lost and "3 committed transaction(s)" in lost[0], [e["Message"] for e in events]
    with connect(secondary["Endpoint"], secondary["Port"]) as west:
        assert rows(west) == [1]  # the three unreplicated inserts are gone
        west.execute("INSERT INTO t VALUES (10)")
    with connect(primary["Endpoint"], primary["Port"]) as east:  # rebuilt from the new writer
        eventually(lambda: rows(east) == [1, 10], timeout=10)


# --- binaries, reset, lifetime ----------------------------------------------------------------


def test_no_binaries_is_a_clear_error(tmp_path, monkeypatch):
    empty = tmp_path / "no-postgres-here"
    empty.mkdir()
    monkeypatch.setenv("LABKIT_POSTGRES_BIN", str(empty))
    with EmulatorProcess.spawn() as e:
        with pytest.raises(ClientError) as exc:
            create_instance(e.endpoint_url, "nobin")
        code, status = error(exc)
        message = exc.value.response["Error"]["Message"]
        assert (code, status) == ("PostgreSQLNotInstalled", 400)
        for hint in ("apt-get install postgresql", "environment.yml", "docker", str(empty)):
            assert hint in message
        assert rds(e.endpoint_url).describe_db_instances()["DBInstances"] == []


def test_binaries_are_looked_up_on_path_then_in_usr_lib_postgresql(tmp_path):
    usr_lib = find_bin_dir(None, {"PATH": ""})
    versions = [p.parent.name for p in Path("/usr/lib/postgresql").glob("*/bin")]
    assert usr_lib == Path("/usr/lib/postgresql", max(versions, key=int), "bin")
    on_path = tmp_path / "bin"  # a directory on PATH holding every tool comes first
    on_path.mkdir()
    for tool in TOOLS:
        (on_path / tool).write_text("#!/bin/sh\n")
        (on_path / tool).chmod(0o755)
    assert find_bin_dir(None, {"PATH": f"/nonexistent:{on_path}"}) == on_path
    (on_path / "pg_waldump").unlink()  # incomplete: skipped
    assert find_bin_dir(None, {"PATH": str(on_path)}) == usr_lib
    with pytest.raises(PostgresNotFound, match="apt-get install postgresql"):
        find_bin_dir(tmp_path, {"PATH": str(on_path)})  # an override is the only place


def test_reset_and_sigkill_leave_no_server_behind():
    with EmulatorProcess.spawn() as e:
        url = e.endpoint_url
        create_instance(url, "one")
        with open_instance(url, "one") as conn:
            data_dir = conn.execute("SHOW data_directory").fetchone()[0]
        pids = server_pids(data_dir)
        urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"))
        assert not any(alive(pid) for pid in pids)
        assert not Path(data_dir).exists()
        assert rds(url).describe_db_instances()["DBInstances"] == []

        create_instance(url, "two")
        with open_instance(url, "two") as conn:
            data_dir = conn.execute("SHOW data_directory").fetchone()[0]
        pids = server_pids(data_dir)
        os.kill(e.pid, signal.SIGKILL)
        eventually(lambda: not any(alive(pid) for pid in pids), timeout=10)
    # a SIGKILLed emulator cannot remove its state directory: the test does
    state_dir = Path(data_dir).parents[2]
    assert state_dir.name.startswith("labkit-emulator-")
    shutil.rmtree(state_dir)
