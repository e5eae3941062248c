"""Aurora PostgreSQL clusters and global databases on real PostgreSQL servers.

Part of the RDS data plane (``rds_postgres``). Model, in the emulator's process:

- Every ``aurora-postgresql`` cluster gets its endpoints at creation (``rds_postgres_proxy``):
  ``Endpoint`` 127.0.0.1 and ``ReaderEndpoint`` 127.0.0.2, on the cluster's ``Port``. The
  writer endpoint forwards to the writer instance's server, the reader endpoint round-robins
  over the reader instances' servers (the writer's when there is none).
- Each DB instance of the cluster is a PostgreSQL server. The first (the writer) starts fresh
  with the cluster's master user, password and ``DatabaseName``; the others are hot standbys
  of the writer. A cluster that replicates from another (``ReplicationSourceIdentifier``: a
  global database's secondary, set by ``rds_global``) has only standbys, all streaming from
  the source cluster's writer; its first instance needs that writer to be running.
- The cluster volume outlives its instances: deleting the last instance stops its server and
  keeps the data, which the next instance starts on and ``DeleteDBCluster``'s final snapshot
  copies. ``CreateDBClusterSnapshot`` is a ``pg_basebackup`` of the writer (or the volume);
  ``RestoreDBClusterFromSnapshot`` and ``RestoreDBClusterToPointInTime`` give the new
  cluster a volume with that data, on which its first instance starts.
- ``FailoverDBCluster`` and deleting the writer instance move the writer to a reader with
  ``rds_postgres_failover.switchover`` (no committed transaction lost); connections through
  the writer endpoint are dropped and reconnect to the new writer. ``StopDBCluster`` /
  ``StartDBCluster`` stop and start every server; ``PromoteReadReplicaDBCluster`` and
  ``RemoveFromGlobalCluster`` promote a replicating cluster's writer (its readers follow it);
  ``ModifyDBCluster`` changes the master password in the database.
- Global databases: ``rds_global.on_writer_change`` runs :func:`on_writer_change` while the
  global cluster is switching: a switchover is a no-loss ``switchover``; a failover with
  ``AllowDataLoss`` promotes at once and measures the loss. Both write an RDS event (category
  ``global-failover``, ``describe_events(SourceType="db-cluster")`` in each cluster's region)
  saying what was lost: "Global failover to DB cluster X: 3 committed transaction(s) (...)
  on the old writer had not been replicated and are lost".

moto internals patched (check them on a moto upgrade): ``moto.rds.models.RDSBackend``
(``create_db_cluster``, ``delete_db_cluster``, ``modify_db_cluster``,
``failover_db_cluster``, ``stop_db_cluster``, ``start_db_cluster``,
``promote_read_replica_db_cluster``, ``remove_from_global_cluster`` (``rds_global``'s
version), ``create_db_cluster_snapshot``,
``copy_db_cluster_snapshot``, ``delete_db_cluster_snapshot``,
``restore_db_cluster_from_snapshot``, ``restore_db_cluster_to_point_in_time`` wrapped),
``moto.rds.models.DBCluster.endpoint`` / ``.reader_endpoint`` (properties replaced);
``DBClusterSnapshot`` gains ``labkit_backup``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from labkit.emulator.extensions import rds_global
from labkit.emulator.extensions import rds_postgres_nodes as nodes
from labkit.emulator.extensions.rds_postgres_failover import failover, switchover
from labkit.emulator.extensions.rds_postgres_pitr import restore_to_time
from labkit.emulator.extensions.rds_postgres_plane import (
    ClusterPlane,
    Plane,
    add_event,
    current,
    invalid,
    key_of,
    master_password,
    patched,
    restore_time,
    set_master_password,
    start_node,
    wrap_methods,
)
from labkit.emulator.extensions.rds_postgres_proxy import WRITER_HOST, endpoint_pair
from labkit.emulator.extensions.rds_postgres_snapshots import backup_wrappers

log = logging.getLogger(__name__)
ENGINE = "aurora-postgresql"


# --- the cluster's shape ----------------------------------------------------------------------


def ensure_plane(p: Plane, cluster: Any) -> ClusterPlane:
    key = key_of(cluster, cluster.db_cluster_identifier)
    cp = p.clusters.get(key)
    if cp is None:
        holder: list[ClusterPlane] = []
        writer, reader = endpoint_pair(
            lambda: holder[0].writer_port(), lambda: holder[0].reader_port()
        )
        cp = ClusterPlane(writer_fw=writer, reader_fw=reader)
        holder.append(cp)
        p.clusters[key] = cp
        cluster.port = cp.port
    return cp


def _source_cluster(cluster: Any) -> Any | None:
    """The cluster this one replicates from (a global secondary's primary), if any."""
    from moto.rds.models import find_cluster

    arn = cluster.replication_source_identifier
    if not arn:
        return None
    try:
        return find_cluster(arn)
    except Exception:  # noqa: BLE001 - gone, or not an ARN
        return None


def primary_node(p: Plane, cluster: Any) -> nodes.Node | None:
    """The node behind the cluster's writer instance, else its volume."""
    writer = cluster.writer
    node = p.node(writer) if writer is not None else None
    if node is None:
        cp = p.cluster(cluster)
        node = cp.volume if cp is not None else None
    return node


def refresh(p: Plane, cluster: Any) -> None:
    """Point the cluster's endpoints at its current writer and readers."""
    cp = p.cluster(cluster)
    if cp is None:
        return
    writer = cluster.writer
    new_writer = p.node(writer) if writer is not None else None
    readers = [p.node(m) for m in cluster.members if m is not writer]
    if new_writer is not cp.writer:
        cp.writer_fw.drop()
    cp.writer = new_writer
    cp.readers = [n for n in readers if n is not None]


def provision_member(p: Plane, backend: Any, db: Any, name: str) -> nodes.Node:
    """The server of a new instance of an Aurora cluster (see the module docstring)."""
    cluster = backend.clusters[db.db_cluster_identifier]
    cp = ensure_plane(p, cluster)
    source = _source_cluster(cluster)
    upstream = primary_node(p, source) if source is not None else None
    if source is not None and (upstream is None or not upstream.running):
        raise invalid(
            "InvalidDBClusterStateFault",
            f"DB cluster {cluster.db_cluster_identifier} replicates from "
            f"{source.db_cluster_identifier}, which has no running writer instance to "
            "replicate from: add an instance to the primary cluster first.",
        )
    if cp.volume is not None:
        node, cp.volume = cp.volume, None
        if upstream is not None:
            nodes.follow(p.engine, node, upstream)
        start_node(p, node)
        return node
    writer = cluster.writer
    writer_node = p.node(writer) if writer is not None and writer is not db else None
    upstream = upstream or writer_node
    if upstream is not None:
        return nodes.create_replica(p.engine, name, upstream)
    return nodes.create_fresh(
        p.engine, name, cluster.master_username, master_password(cluster), cluster.database_name
    )


def before_member_delete(p: Plane, db: Any, node: nodes.Node) -> None:
    """Deleting the writer of a cluster with readers: move the writer first (no loss)."""
    cluster = db.cluster
    others = [m for m in cluster.members if m is not db and p.node(m) is not None]
    if not db.is_cluster_writer or not others:
        return
    heir = min(others, key=lambda m: m.promotion_tier)
    if _source_cluster(cluster) is None and node.running:
        switchover(p.engine, node, p.node(heir), p.all_nodes(), rejoin=False)
    db.is_cluster_writer = False
    heir.is_cluster_writer = True


def after_member_delete(p: Plane, db: Any, node: nodes.Node) -> None:
    """The last instance's data stays as the cluster volume; other instances' goes."""
    cluster = db.cluster
    cp = p.cluster(cluster)
    if cp is not None and not cluster.members and cp.volume is None:
        node.server.stop()
        cp.volume = node
    else:
        nodes.destroy(node)
    refresh(p, cluster)


# --- wrappers ---------------------------------------------------------------------------------


@patched
def _create_db_cluster(p: Plane, original: Callable, self: Any, kwargs: dict) -> Any:
    cluster = original(self, kwargs)
    if cluster.engine == ENGINE:
        ensure_plane(p, cluster)
        p.engine.warm_up()  # its instances will need the template: make it now
        if kwargs.get("master_user_password") and not master_password(cluster):
            # moto drops the password of a global database member; its writer needs it
            cluster._master_user_password = kwargs["master_user_password"]
    return cluster


@patched
def _delete_db_cluster(
    p: Plane, original: Callable, self: Any, cluster_identifier: str, snapshot_name: Any = None
) -> Any:
    # The final snapshot (moto calls create_db_cluster_snapshot) copies the volume.
    cluster = original(self, cluster_identifier=cluster_identifier, snapshot_name=snapshot_name)
    cp = p.clusters.pop(key_of(self, cluster_identifier), None)
    if cp is not None:
        cp.close()
        if cp.volume is not None:
            nodes.destroy(cp.volume)
    return cluster


@patched
def _modify_db_cluster(p: Plane, original: Callable, self: Any, kwargs: dict) -> Any:
    old_key = key_of(self, kwargs["db_cluster_identifier"])
    cluster = self.clusters[kwargs["db_cluster_identifier"]]
    result = original(self, kwargs)
    cp = p.clusters.pop(old_key, None)
    if cp is not None:
        p.clusters[key_of(cluster, cluster.db_cluster_identifier)] = cp
    node = primary_node(p, cluster)
    if node is not None and kwargs.get("master_user_password"):
        set_master_password(node, cluster.master_username, master_password(cluster))
    return result


@patched
def _failover_db_cluster(
    p: Plane,
    original: Callable,
    self: Any,
    db_cluster_identifier: str,
    target_db_instance_identifier: str | None = None,
) -> Any:
    cluster = self.clusters.get(db_cluster_identifier)
    before = cluster.writer if cluster is not None else None
    result = original(self, db_cluster_identifier, target_db_instance_identifier)
    after = cluster.writer
    old, new = p.node(before) if before else None, p.node(after) if after else None
    if old is not None and new is not None and old is not new and not _source_cluster(cluster):
        try:
            switchover(p.engine, old, new, p.all_nodes())
        except Exception:
            cluster.failover(before)  # the data did not move: neither does the writer
            raise
    refresh(p, cluster)
    return result


@patched
def _stop_db_cluster(p: Plane, original: Callable, self: Any, cluster_identifier: str) -> Any:
    result = original(self, cluster_identifier=cluster_identifier)
    cp = p.cluster(self.clusters[cluster_identifier])
    for node in cp.nodes() if cp is not None else []:
        node.server.stop()
    return result


@patched
def _start_db_cluster(p: Plane, original: Callable, self: Any, cluster_identifier: str) -> Any:
    result = original(self, cluster_identifier=cluster_identifier)
    cluster = self.clusters[cluster_identifier]
    cp = p.cluster(cluster)
    for node in cp.nodes() if cp is not None else []:
        if node is not cp.volume and not node.running:
            start_node(p, node)
    refresh(p, cluster)
    return result


def _stand_alone(p: Plane, cluster: Any) -> None:
    """The cluster stops replicating: its writer is promoted, its readers follow it."""
    node = primary_node(p, cluster)
    if node is not None and node.upstream is not None:
        nodes.promote(p.engine, node)
        cp = p.cluster(cluster)
        for other in cp.nodes() if cp is not None else []:
            if other is not node:
                nodes.follow(p.engine, other, node)


@patched
def _promote_cluster(p: Plane, original: Callable, self: Any, db_cluster_identifier: str) -> Any:
    cluster = original(self, db_cluster_identifier)
    _stand_alone(p, cluster)
    return cluster


@patched
def _remove_from_global(
    p: Plane,
    original: Callable,
    self: Any,
    global_cluster_identifier: str,
    db_cluster_identifier: str,
) -> Any:
    from moto.rds.models import find_cluster

    result = original(self, global_cluster_identifier, db_cluster_identifier)  # checks both
    if db_cluster_identifier.startswith("arn:"):
        cluster = find_cluster(db_cluster_identifier)
    else:
        cluster = self.describe_db_clusters(db_cluster_identifier)[0]
    _stand_alone(p, cluster)  # as on AWS, a detached secondary takes writes
    return result


@patched
def _restore_cluster_from_snapshot(p: Plane, original: Callable, self: Any, sid: str, o: dict):
    snapshot = self.describe_db_cluster_snapshots(None, sid)[0]
    cluster = original(self, sid, o)
    backup = getattr(snapshot, "labkit_backup", None)
    if backup is not None and cluster.engine == ENGINE:
        name = p.name(cluster.db_cluster_identifier)
        ensure_plane(p, cluster).volume = nodes.create_from_backup(
            p.engine, name, backup, start=False
        )
    return cluster


@patched
def _restore_cluster_to_time(p: Plane, original: Callable, self: Any, *args: Any, **kw: Any):
    source_id = kw.get("source_db_cluster_identifier") or args[1]
    source = primary_node(p, self.describe_db_clusters(source_id)[0])
    when = restore_time(source, kw) if source is not None else None
    cluster = original(self, *args, **kw)
    if source is not None:
        volume = restore_to_time(p.engine, source, p.name(cluster.db_cluster_identifier), when)
        volume.server.stop()
        ensure_plane(p, cluster).volume = volume
    return cluster


# --- global databases -------------------------------------------------------------------------


def on_writer_change(change: rds_global.WriterChange) -> None:
    """Move the data of a global database's writer (runs in ``rds_global``'s worker)."""
    from moto.rds.models import find_cluster

    p = current()
    with p.lock:
        new_cluster = find_cluster(change.new_writer_arn)
        old_cluster = find_cluster(change.old_writer_arn) if change.old_writer_arn else None
        new = primary_node(p, new_cluster)
        old = primary_node(p, old_cluster) if old_cluster is not None else None
        if new is None:
            return
        where = f"DB cluster {new_cluster.db_cluster_identifier}"
        if old is None:
            nodes.promote(p.engine, new)
            message = f"Global writer moved to {where}: no writer server held data to move."
        elif change.data_loss_allowed:
            loss = failover(p.engine, old, new, p.all_nodes())
            message = f"Global failover to {where}: {loss.describe()}."
        else:
            switchover(p.engine, old, new, p.all_nodes())
            message = (
                f"Global switchover to {where}: every transaction committed on the old writer "
                "was replicated before the switch; no data was lost."
            )
        for cluster in (new_cluster, old_cluster):
            if cluster is not None:
                add_event(cluster, "db-cluster", message, "global-failover")
                refresh(p, cluster)


# --- install ----------------------------------------------------------------------------------


def _endpoint(original: property, reader: bool) -> property:
    def endpoint(self: Any) -> str:
        try:
            cp = current().cluster(self)
        except AssertionError:
            cp = None
        if cp is None:
            return original.fget(self)
        return cp.reader_host if reader else WRITER_HOST

    return property(endpoint)


def patch() -> None:
    """Wrap moto's cluster methods; register the global-database hook."""
    from moto.rds.models import DBCluster, RDSBackend

    wrappers = {
        "create_db_cluster": _create_db_cluster,
        "delete_db_cluster": _delete_db_cluster,
        "modify_db_cluster": _modify_db_cluster,
        "failover_db_cluster": _failover_db_cluster,
        "stop_db_cluster": _stop_db_cluster,
        "start_db_cluster": _start_db_cluster,
        "promote_read_replica_db_cluster": _promote_cluster,
        "remove_from_global_cluster": _remove_from_global,
        **backup_wrappers("db_cluster", lambda p, _, snap: primary_node(p, snap.cluster)),
        "restore_db_cluster_from_snapshot": _restore_cluster_from_snapshot,
        "restore_db_cluster_to_point_in_time": _restore_cluster_to_time,
    }
    wrap_methods(RDSBackend, wrappers)
    DBCluster.endpoint = _endpoint(DBCluster.endpoint, reader=False)
    DBCluster.reader_endpoint = _endpoint(DBCluster.reader_endpoint, reader=True)
    rds_global.on_writer_change(on_writer_change)
