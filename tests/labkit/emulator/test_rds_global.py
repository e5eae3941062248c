"""Aurora global databases on the emulator: switchover, failover, membership (rds_global)."""

from __future__ import annotations

import threading
import time
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from labkit.emulator.app import EmulatorServer
from labkit.emulator.extensions import rds_global
from labkit.emulator.process import EmulatorProcess

# 30 AWS seconds per switch -> 0.6 s.
TIME_SCALE = 0.02
PRIMARY, SECONDARY = "us-east-1", "us-west-2"


@pytest.fixture(scope="module")
def emu():
    with EmulatorProcess.spawn(time_scale=TIME_SCALE) as e:
        yield e


def rds(url: str, region: str):
    return boto3.client(
        "rds",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def make_global(url: str) -> tuple[str, str, str]:
    """A global cluster with a primary in us-east-1 and a secondary in us-west-2."""
    gid = name("glob")
    east, west = rds(url, PRIMARY), rds(url, SECONDARY)
    east.create_global_cluster(
        GlobalClusterIdentifier=gid, Engine="aurora-postgresql", EngineVersion="15.4"
    )
    primary = east.create_db_cluster(
        DBClusterIdentifier=name("prim"),
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        GlobalClusterIdentifier=gid,
        MasterUsername="admin",
        MasterUserPassword="password123",
    )["DBCluster"]["DBClusterArn"]
    secondary = west.create_db_cluster(
        DBClusterIdentifier=name("sec"),
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        GlobalClusterIdentifier=gid,
    )["DBCluster"]["DBClusterArn"]
    return gid, primary, secondary


def global_cluster(url: str, gid: str) -> dict:
    found = rds(url, SECONDARY).describe_global_clusters(GlobalClusterIdentifier=gid)
    return next(g for g in found["GlobalClusters"] if g["GlobalClusterIdentifier"] == gid)


def wait_settled(url: str, gid: str, timeout: float = 15.0) -> tuple[dict, set[str]]:
    """Poll until no switch is under way; returns the final state and the states seen."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        g = global_cluster(url, gid)
        if "FailoverState" not in g:
            return g, seen
        seen.add(g["FailoverState"]["Status"])
        time.sleep(0.05)
    raise AssertionError(f"{gid} still switching after {timeout} s")


def roles(g: dict) -> dict[str, bool]:
    return {m["DBClusterArn"]: m["IsWriter"] for m in g["GlobalClusterMembers"]}


def cluster(url: str, arn: str) -> dict:
    region = arn.split(":")[3]
    return rds(url, region).describe_db_clusters(DBClusterIdentifier=arn)["DBClusters"][0]


def error(exc: pytest.ExceptionInfo) -> tuple[str, int]:
    resp = exc.value.response
    return resp["Error"]["Code"], resp["ResponseMetadata"]["HTTPStatusCode"]


def test_secondary_replicates_from_the_primary(emu):
    gid, primary, secondary = make_global(emu.endpoint_url)
    g = global_cluster(emu.endpoint_url, gid)
    assert roles(g) == {primary: True, secondary: False}
    assert cluster(emu.endpoint_url, secondary)["ReplicationSourceIdentifier"] == primary
    assert "ReplicationSourceIdentifier" not in cluster(emu.endpoint_url, primary)


def test_switchover_swaps_roles_then_failover_swaps_back(emu):
    url = emu.endpoint_url
    gid, primary, secondary = make_global(url)

    answer = rds(url, SECONDARY).switchover_global_cluster(
        GlobalClusterIdentifier=gid, TargetDbClusterIdentifier=secondary
    )["GlobalCluster"]
    assert answer["Status"] == "modifying"
    assert answer["FailoverState"] == {
        "Status": "pending",
        "FromDbClusterArn": primary,
        "ToDbClusterArn": secondary,
        "IsDataLossAllowed": False,
    }
    g, seen = wait_settled(url, gid)
    assert seen <= {"pending", "switching-over"}
    assert g["Status"] == "available"
    assert roles(g) == {secondary: True, primary: False}
    writer = next(m for m in g["GlobalClusterMembers"] if m["IsWriter"])
    assert writer["Readers"] == [primary]
    assert "ReplicationSourceIdentifier" not in cluster(url, secondary)
    assert cluster(url, primary)["ReplicationSourceIdentifier"] == secondary

    sec_id = secondary.split(":")[-1]
    events = rds(url, SECONDARY).describe_events(SourceType="db-cluster", SourceIdentifier=sec_id)
    messages = [e["Message"] for e in events["Events"]]
    assert f"Global switchover to DB cluster {sec_id} in Region {SECONDARY} completed." in messages
    prim_events = rds(url, PRIMARY).describe_events(
        SourceType="db-cluster", SourceIdentifier=primary.split(":")[-1]
    )["Events"]
    assert any("started" in e["Message"] for e in prim_events)

    answer = rds(url, PRIMARY).failover_global_cluster(
        GlobalClusterIdentifier=gid, TargetDbClusterIdentifier=primary, AllowDataLoss=True
    )["GlobalCluster"]
    assert answer["FailoverState"]["IsDataLossAllowed"] is True
    assert answer["FailoverState"]["FromDbClusterArn"] == secondary
    g, seen = wait_settled(url, gid)
    assert seen <= {"pending", "failing-over"}
    assert roles(g) == {primary: True, secondary: False}
    assert cluster(url, secondary)["ReplicationSourceIdentifier"] == primary
    messages = [
        e["Message"]
        for e in rds(url, PRIMARY).describe_events(
            SourceType="db-cluster", SourceIdentifier=primary.split(":")[-1]
        )["Events"]
    ]
    assert any(m.startswith("Global failover to DB cluster") for m in messages)


def test_failover_without_allow_data_loss_is_a_switchover(emu):
    url = emu.endpoint_url
    gid, primary, secondary = make_global(url)
    # A bare identifier is looked up in the request's region (the ARN works from anywhere).
    answer = rds(url, SECONDARY).failover_global_cluster(
        GlobalClusterIdentifier=gid,
        TargetDbClusterIdentifier=secondary.split(":")[-1],
        Switchover=True,
    )["GlobalCluster"]
    assert answer["FailoverState"]["IsDataLossAllowed"] is False
    g, _ = wait_settled(url, gid)
    assert roles(g) == {secondary: True, primary: False}


def test_switch_errors(emu):
    url = emu.endpoint_url
    gid, primary, secondary = make_global(url)
    west = rds(url, SECONDARY)
    outsider = west.create_db_cluster(
        DBClusterIdentifier=name("alone"),
        Engine="aurora-postgresql",
        MasterUsername="admin",
        MasterUserPassword="password123",
    )["DBCluster"]["DBClusterArn"]

    with pytest.raises(ClientError) as exc:
        west.switchover_global_cluster(
            GlobalClusterIdentifier="no-such-global", TargetDbClusterIdentifier=secondary
        )
    assert error(exc) == ("GlobalClusterNotFoundFault", 404)
    with pytest.raises(ClientError) as exc:
        west.switchover_global_cluster(
            GlobalClusterIdentifier=gid, TargetDbClusterIdentifier=outsider
        )
    assert error(exc) == ("DBClusterNotFoundFault", 404)
    with pytest.raises(ClientError) as exc:
        west.failover_global_cluster(
            GlobalClusterIdentifier=gid,
            TargetDbClusterIdentifier=secondary.replace(":sec-", ":gone-"),
            AllowDataLoss=True,
        )
    assert error(exc) == ("DBClusterNotFoundFault", 404)
    with pytest.raises(ClientError) as exc:
        west.switchover_global_cluster(
            GlobalClusterIdentifier=gid, TargetDbClusterIdentifier=primary
        )
    assert error(exc) == ("InvalidGlobalClusterStateFault", 400)
    with pytest.raises(ClientError) as exc:
        west.failover_global_cluster(
            GlobalClusterIdentifier=gid,
            TargetDbClusterIdentifier=secondary,
            AllowDataLoss=True,
            Switchover=True,
        )
    assert error(exc) == ("InvalidParameterCombination", 400)

    west.switchover_global_cluster(GlobalClusterIdentifier=gid, TargetDbClusterIdentifier=secondary)
    with pytest.raises(ClientError) as exc:  # one switch at a time
        west.switchover_global_cluster(
            GlobalClusterIdentifier=gid, TargetDbClusterIdentifier=secondary
        )
    assert error(exc) == ("InvalidGlobalClusterStateFault", 400)
    wait_settled(url, gid)


def test_remove_from_global_cluster(emu):
    url = emu.endpoint_url
    gid, primary, secondary = make_global(url)
    east, west = rds(url, PRIMARY), rds(url, SECONDARY)

    with pytest.raises(ClientError) as exc:
        east.remove_from_global_cluster(GlobalClusterIdentifier=gid, DbClusterIdentifier=primary)
    assert error(exc) == ("InvalidGlobalClusterStateFault", 400)

    answer = west.remove_from_global_cluster(
        GlobalClusterIdentifier=gid, DbClusterIdentifier=secondary
    )["GlobalCluster"]
    assert [m["DBClusterArn"] for m in answer["GlobalClusterMembers"]] == [primary]
    standalone = cluster(url, secondary)
    assert "GlobalClusterIdentifier" not in standalone
    assert "ReplicationSourceIdentifier" not in standalone
    assert roles(global_cluster(url, gid)) == {primary: True}

    with pytest.raises(ClientError) as exc:
        west.remove_from_global_cluster(GlobalClusterIdentifier=gid, DbClusterIdentifier=secondary)
    assert error(exc) == ("DBClusterNotFoundFault", 404)

    east.remove_from_global_cluster(GlobalClusterIdentifier=gid, DbClusterIdentifier=primary)
    assert global_cluster(url, gid)["GlobalClusterMembers"] == []
    east.delete_global_cluster(GlobalClusterIdentifier=gid)
    with pytest.raises(ClientError) as exc:
        east.delete_global_cluster(GlobalClusterIdentifier=gid)
    assert error(exc) == ("GlobalClusterNotFoundFault", 404)


def test_delete_db_cluster_respects_membership(emu):
    url = emu.endpoint_url
    gid, primary, secondary = make_global(url)
    with pytest.raises(ClientError) as exc:
        rds(url, PRIMARY).delete_db_cluster(DBClusterIdentifier=primary.split(":")[-1])
    assert error(exc) == ("InvalidGlobalClusterStateFault", 400)
    rds(url, SECONDARY).delete_db_cluster(DBClusterIdentifier=secondary.split(":")[-1])
    assert roles(global_cluster(url, gid)) == {primary: True}


def test_membership_at_creation(emu):
    url = emu.endpoint_url
    east = rds(url, PRIMARY)
    with pytest.raises(ClientError) as exc:
        east.create_db_cluster(
            DBClusterIdentifier=name("orphan"),
            Engine="aurora-postgresql",
            GlobalClusterIdentifier="no-such-global",
        )
    assert error(exc) == ("GlobalClusterNotFoundFault", 404)

    source = east.create_db_cluster(
        DBClusterIdentifier=name("src"),
        Engine="aurora-postgresql",
        MasterUsername="admin",
        MasterUserPassword="password123",
    )["DBCluster"]["DBClusterArn"]
    gid = name("from-source")
    east.create_global_cluster(GlobalClusterIdentifier=gid, SourceDBClusterIdentifier=source)
    assert roles(global_cluster(url, gid)) == {source: True}
    assert cluster(url, source)["GlobalClusterIdentifier"] == gid


def test_writer_change_hooks_run_before_the_new_roles_show():
    """In-process server: the data-plane hook sees the switch while it is still under way."""
    srv = EmulatorServer("127.0.0.1", 0, time_scale=TIME_SCALE, extensions=("rds_global",))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    url = srv.ctx.endpoint_url
    calls: list[tuple[rds_global.WriterChange, str]] = []

    @rds_global.on_writer_change
    def hook(change: rds_global.WriterChange) -> None:
        status = global_cluster(url, change.global_cluster_id)["FailoverState"]["Status"]
        calls.append((change, status))

    def broken(change: rds_global.WriterChange) -> None:
        raise RuntimeError("data plane down")

    rds_global.on_writer_change(broken)
    try:
        gid, primary, secondary = make_global(url)
        rds(url, SECONDARY).failover_global_cluster(
            GlobalClusterIdentifier=gid, TargetDbClusterIdentifier=secondary, AllowDataLoss=True
        )
        g, _ = wait_settled(url, gid)
        assert roles(g) == {secondary: True, primary: False}  # the broken hook did not block it
        assert calls == [
            (
                rds_global.WriterChange(
                    account_id="123456789012",
                    global_cluster_id=gid,
                    old_writer_arn=primary,
                    new_writer_arn=secondary,
                    data_loss_allowed=True,
                ),
                "failing-over",
            )
        ]
    finally:
        rds_global.writer_change_hooks.remove(hook)
        rds_global.writer_change_hooks.remove(broken)
        srv.server.shutdown()
        srv.close()
