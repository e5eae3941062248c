"""RDS on real PostgreSQL: DB instances of engine postgres / aurora-postgresql run a server.

moto alone (5.2) stores DB instances and snapshots with an ``Endpoint`` no one answers. With
this extension, in the emulator's process (binaries, user, template: ``rds_postgres_server``;
one server: ``rds_postgres_postmaster``; replication and backups: ``rds_postgres_nodes``;
moving the writer: ``rds_postgres_failover``; snapshots: ``rds_postgres_snapshots``; Aurora
clusters and global databases: ``rds_postgres_clusters``; shared state: ``rds_postgres_plane``):

- ``CreateDBInstance`` starts a PostgreSQL server (a copy of a template made once per emulator
  process: a fraction of a second) before it answers: ``Endpoint.Address`` is 127.0.0.1 and
  ``Endpoint.Port`` its port (a free one, not 5432); the master user (a member of
  ``rds_superuser``, as on RDS; ``rdsadmin`` is reserved) logs in with its password over
  TCP and owns ``DBName``. No binaries: the call fails with ``PostgreSQLNotInstalled`` saying
  how to get them; a server that fails: ``InternalFailure`` with its log. Either way nothing
  is created.
- ``DeleteDBInstance`` stops the server and removes its data (after the final snapshot, when
  asked); its read replicas are promoted, as on RDS. ``StopDBInstance`` / ``StartDBInstance``
  stop and start it (same data, the same port when it is still free), ``RebootDBInstance``
  restarts it, ``ModifyDBInstance`` changes the master password in the database.
- ``CreateDBSnapshot`` (and the final snapshot of a delete, a stop with a snapshot) is a real
  ``pg_basebackup``; ``RestoreDBInstanceFromDBSnapshot`` starts a new server on a copy of it
  (same data, same master password); ``CopyDBSnapshot`` copies it, ``DeleteDBSnapshot``
  removes it. Snapshots taken before a server existed (the automated one at creation) restore
  as an empty instance. ``RestoreDBInstanceToPointInTime`` replays the source's archived WAL to
  ``RestoreTime`` (``rds_postgres_pitr``); outside [creation, now] it is ``InvalidRestoreFault``.
- ``CreateDBInstanceReadReplica`` makes a hot standby with ``pg_basebackup`` that streams from
  the source (cascading from a replica works too); lag is measurable on the replica
  (``now() - pg_last_xact_replay_timestamp()``) and through the route below.
  ``PromoteReadReplica`` promotes it; it takes writes and leaves the source's replica list.
- ``POST /_labkit/rds/replication`` ``{"DBInstanceIdentifier": ..., "Region": ...,
  "Paused": true|false}`` pauses or resumes a standby's WAL receiver (a replication outage for
  DR drills) and answers its lag ``{"Bytes", "Seconds"}``; without ``Paused`` it only reports.
- ``POST /moto-api/reset`` and the emulator's shutdown stop every server and delete its data;
  servers die with the emulator even when it is SIGKILLed (parent-death signal).

Other engines keep moto's behaviour: stored only.

moto internals patched (check them on a moto upgrade): ``moto.rds.models.RDSBackend``
(``create_db_instance``, ``create_db_instance_read_replica``, ``delete_db_instance``,
``stop_db_instance``, ``start_db_instance``, ``reboot_db_instance``, ``modify_db_instance``,
``promote_read_replica`` wrapped; the snapshot and cluster methods in their modules),
``moto.rds.models.DBInstance.address`` (property replaced), and ``RDSBackend.events``
receives ``rds_postgres_plane.DataPlaneEvent`` objects.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from labkit.emulator.extensions import EmulatorContext
from labkit.emulator.extensions import rds_postgres_clusters as clusters
from labkit.emulator.extensions import rds_postgres_nodes as nodes
from labkit.emulator.extensions import rds_postgres_snapshots as snapshots
from labkit.emulator.extensions.rds_postgres_pitr import restore_to_time
from labkit.emulator.extensions.rds_postgres_plane import (
    ENGINES,
    Plane,
    current,
    instance_of,
    invalid,
    key_of,
    master_password,
    patched,
    set_current,
    set_master_password,
    start_node,
    wrap_methods,
)
from labkit.emulator.extensions.rds_postgres_proxy import WRITER_HOST
from labkit.emulator.extensions.rds_postgres_snapshots import BackupSeed, PitrSeed

REPLICATION_PATH = "/_labkit/rds/replication"


# --- instances --------------------------------------------------------------------------------


def _provision(p: Plane, backend: Any, db: Any, seed: Any) -> nodes.Node:
    name = p.name(db.db_instance_identifier)
    if db.db_cluster_identifier:
        return clusters.provision_member(p, backend, db, name)
    if isinstance(seed, BackupSeed):
        return nodes.create_from_backup(p.engine, name, seed.path)
    if isinstance(seed, PitrSeed):
        return restore_to_time(p.engine, seed.node, name, seed.when)
    user = db.master_username
    if not user:
        raise invalid("InvalidParameterValue", "The parameter MasterUsername must be provided.")
    return nodes.create_fresh(p.engine, name, user, master_password(db), db.db_name)


def _forget(backend: Any, db: Any) -> None:
    """Undo moto's half of a create whose server did not start."""
    backend.databases.pop(db.db_instance_identifier, None)
    for sid, snap in list(backend.database_snapshots.items()):
        if snap.db_instance_identifier == db.db_instance_identifier:
            backend.database_snapshots.pop(sid, None)


@patched
def _create_db_instance(p: Plane, original: Callable, self: Any, db_kwargs: dict) -> Any:
    seed = p.take_seed()
    if (db_kwargs.get("master_username") or "").lower() == "rdsadmin":
        raise invalid(
            "InvalidParameterValue",
            "MasterUsername rdsadmin cannot be used as it is a reserved word used by the engine",
        )
    db = original(self, db_kwargs)
    if db.engine not in ENGINES:
        return db
    try:
        node = _provision(p, self, db, seed)
    except Exception:
        _forget(self, db)
        raise
    p.nodes[key_of(db, db.db_instance_identifier)] = node
    db.port = node.port
    if db.db_cluster_identifier:
        clusters.refresh(p, self.clusters[db.db_cluster_identifier])
    return db


@patched
def _create_read_replica(p: Plane, original: Callable, self: Any, db_kwargs: dict) -> Any:
    source = self.find_db_from_id(db_kwargs["source_db_instance_identifier"])
    upstream = p.node(source)
    if upstream is not None and not upstream.running:
        raise invalid(
            "InvalidDBInstanceState",
            f"DB instance {source.db_instance_identifier} is not available "
            f"(status {source.status}): a read replica needs a running source.",
        )
    replica = original(self, db_kwargs)
    if upstream is None:
        return replica
    try:
        node = nodes.create_replica(p.engine, p.name(replica.db_instance_identifier), upstream)
    except Exception:
        self.databases.pop(replica.db_instance_identifier, None)
        _drop_replica(source, replica)
        raise
    p.nodes[key_of(replica, replica.db_instance_identifier)] = node
    replica.port = node.port
    return replica


def _drop_replica(source: Any, replica: Any) -> None:
    for entry in (replica.db_instance_identifier, replica.db_instance_arn):
        if entry in source.replicas:
            source.replicas.remove(entry)


def _promote_followers(p: Plane, node: nodes.Node) -> None:
    """The source is going away: its read replicas become standalone instances (as on RDS)."""
    for follower in [n for n in p.nodes.values() if n.upstream is node]:
        nodes.promote(p.engine, follower)
        db = instance_of(p, follower)
        if db is not None and not db.db_cluster_identifier:
            db.is_replica = False
            db.source_db_instance_identifier = None


@patched
def _delete_db_instance(
    p: Plane, original: Callable, self: Any, db_instance_identifier: str, *args: Any, **kw: Any
) -> Any:
    db = self.databases.get(db_instance_identifier)
    node = p.node(db) if db is not None else None
    if node is not None and db.db_cluster_identifier:
        clusters.before_member_delete(p, db, node)
    result = original(self, db_instance_identifier, *args, **kw)  # takes the final snapshot
    if node is not None:
        p.nodes.pop(key_of(db, db.db_instance_identifier), None)
        if db.db_cluster_identifier:
            clusters.after_member_delete(p, db, node)
        else:
            _promote_followers(p, node)
            nodes.destroy(node)
    return result


def _then(action: Callable[[Plane, nodes.Node], None]) -> Callable[..., Any]:
    """A wrapper of a moto method returning a DB instance: then ``action`` on its server."""

    @patched
    def method(p: Plane, original: Callable, self: Any, *args: Any, **kwargs: Any) -> Any:
        db = original(self, *args, **kwargs)
        node = p.node(db)
        if node is not None:
            action(p, node)
        return db

    return method


def _reboot(p: Plane, node: nodes.Node) -> None:
    node.server.stop()
    start_node(p, node)


@patched
def _modify_db_instance(
    p: Plane, original: Callable, self: Any, db_instance_identifier: str, db_kwargs: dict
) -> Any:
    old_key = key_of(self, db_instance_identifier)
    db = original(self, db_instance_identifier, db_kwargs)
    node = p.nodes.pop(old_key, None)
    if node is None:
        return db
    p.nodes[key_of(db, db.db_instance_identifier)] = node  # NewDBInstanceIdentifier
    changes = ("master_user_password", "manage_master_user_password", "rotate_master_user_password")
    if any(db_kwargs.get(k) is not None for k in changes):
        set_master_password(node, db.master_username, master_password(db))
    return db


@patched
def _promote_read_replica(p: Plane, original: Callable, self: Any, db_kwargs: dict) -> Any:
    db = self.databases.get(db_kwargs.get("db_instance_identifier", ""))
    source_id = db.source_db_instance_identifier if db is not None else None
    db = original(self, db_kwargs)
    node = p.node(db)
    if node is not None and node.upstream is not None:
        nodes.promote(p.engine, node)
    if source_id:  # moto keeps both links
        try:
            _drop_replica(self.find_db_from_id(source_id), db)
        except Exception:  # noqa: BLE001 - the source may be gone
            pass
        db.source_db_instance_identifier = None
    return db


# --- the drill route, reset, install ----------------------------------------------------------


def _replication(environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.rds.models import rds_backends

    def answer(status: str, doc: dict) -> tuple[str, list[tuple[str, str]], bytes]:
        return status, [("Content-Type", "application/json")], json.dumps(doc).encode()

    p = current()
    try:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        req = json.loads(environ["wsgi.input"].read(size) or b"{}")
        ident = req["DBInstanceIdentifier"]
        backend = rds_backends[req.get("AccountId", DEFAULT_ACCOUNT_ID)][req["Region"]]
    except (ValueError, KeyError, TypeError) as e:
        return answer(
            "400 Bad Request",
            {"error": f"expected JSON with DBInstanceIdentifier and Region (and Paused): {e}"},
        )
    with p.lock:
        db = backend.databases.get(ident)
        node = p.node(db) if db is not None else None
        if node is None or node.upstream is None:
            return answer(
                "404 Not Found", {"error": f"{ident} is not a replica in {req['Region']}"}
            )
        try:
            if "Paused" in req:
                nodes.pause(node, bool(req["Paused"]), p.engine)
            doc = {"DBInstanceIdentifier": ident, "Region": req["Region"]}
            doc |= {"Paused": nodes.is_paused(node), "Lag": nodes.lag(node).as_dict()}
        except Exception as e:  # noqa: BLE001 - reported to the caller
            return answer("500 Internal Server Error", {"error": str(e)})
    return answer("200 OK", doc)


def _clearing(p: Plane) -> Callable[[], None]:
    def clear() -> None:
        with p.lock:
            p.clear()

    return clear


def _address(original: property) -> property:
    def address(self: Any) -> str:
        try:
            backed = current().node(self) is not None
        except AssertionError:
            backed = False
        if backed:
            return WRITER_HOST
        return original.fget(self)

    return property(address)


def install(ctx: EmulatorContext) -> None:
    """Patch moto's RDS backend in this process (once) and serve the data plane."""
    from moto.rds.models import DBInstance, RDSBackend

    plane = Plane(ctx)
    set_current(plane)  # moto's patched methods act on the last installed plane
    ctx.on_reset(_clearing(plane))
    ctx.on_close(_clearing(plane))
    ctx.add_route("POST", REPLICATION_PATH, _replication)
    if getattr(RDSBackend, "_labkit_rds_postgres", False):
        return
    wrappers = {
        "create_db_instance": _create_db_instance,
        "create_db_instance_read_replica": _create_read_replica,
        "delete_db_instance": _delete_db_instance,
        "stop_db_instance": _then(lambda p, node: node.server.stop()),
        "start_db_instance": _then(start_node),
        "reboot_db_instance": _then(_reboot),
        "modify_db_instance": _modify_db_instance,
        "promote_read_replica": _promote_read_replica,
    }
    wrap_methods(RDSBackend, wrappers)
    snapshots.patch(RDSBackend)
    DBInstance.address = _address(DBInstance.address)
    clusters.patch()
    RDSBackend._labkit_rds_postgres = True
