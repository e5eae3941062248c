"""DB snapshots of PostgreSQL-backed instances are real backups; restores start servers on them.

Part of the RDS data plane (``rds_postgres``). ``CreateDBSnapshot`` - and moto's own calls of
it: a delete's final snapshot, a stop with a snapshot - takes a ``pg_basebackup`` of the
instance's server into ``<state_dir>/rds/backups`` (``DBSnapshot.labkit_backup``);
``CopyDBSnapshot`` hard-links it, ``DeleteDBSnapshot`` removes it (:func:`backup_wrappers`,
which ``rds_postgres_clusters`` uses for DB cluster snapshots too). A restore passes its data
source to the ``CreateDBInstance`` moto runs for it (a :class:`BackupSeed`, or a
:class:`PitrSeed` for ``RestoreDBInstanceToPointInTime``) through the plane's thread-local
``seed``.

moto internals patched (check them on a moto upgrade): ``moto.rds.models.RDSBackend``
(``create_db_snapshot``, ``copy_db_snapshot``, ``delete_db_snapshot``,
``restore_db_instance_from_db_snapshot``, ``restore_db_instance_to_point_in_time`` wrapped).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from labkit.emulator.extensions.rds_postgres_nodes import Node
from labkit.emulator.extensions.rds_postgres_plane import (
    Plane,
    backup_into_new_dir,
    copy_backup,
    drop_backup,
    key_of,
    patched,
    restore_time,
    wrap_methods,
)


@dataclass(frozen=True)
class BackupSeed:
    """Restore from this backup."""

    path: Path


@dataclass(frozen=True)
class PitrSeed:
    """Restore ``node``'s data as of ``when`` (None: the latest)."""

    node: Node
    when: datetime | None


def backup_wrappers(
    kind: str, node_of: Callable[[Plane, Any, Any], Node | None]
) -> dict[str, Callable[[Callable[..., Any]], Any]]:
    """Wrappers of moto's create/delete/copy of ``kind`` ("db" or "db_cluster") snapshots: a
    snapshot of a PostgreSQL-backed resource (``node_of(plane, backend, snapshot)``) carries
    a base backup of its server."""
    store = "database_snapshots" if kind == "db" else "cluster_snapshots"

    @patched
    def create(p: Plane, original: Callable, self: Any, *args: Any, **kw: Any) -> Any:
        snap = original(self, *args, **kw)
        node = node_of(p, self, snap)
        if node is not None:
            try:
                snap.labkit_backup = backup_into_new_dir(p, node)
            except Exception:
                getattr(self, store).pop(getattr(snap, f"{kind}_snapshot_identifier"), None)
                raise
        return snap

    @patched
    def delete(p: Plane, original: Callable, self: Any, *args: Any, **kw: Any) -> Any:
        snap = original(self, *args, **kw)
        drop_backup(snap)
        return snap

    @patched
    def copy(p: Plane, original: Callable, self: Any, *args: Any, **kw: Any) -> Any:
        copied = original(self, *args, **kw)
        source = kw.get(f"source_{kind}_snapshot_identifier") or args[0]
        copy_backup(p, getattr(self, f"get_{kind}_snapshot")(source), copied)
        return copied

    return {
        f"create_{kind}_snapshot": create,
        f"delete_{kind}_snapshot": delete,
        f"copy_{kind}_snapshot": copy,
    }


@patched
def _restore_from_snapshot(
    p: Plane, original: Callable, self: Any, snapshot_id: str, overrides: dict
) -> Any:
    backup = getattr(self.get_db_snapshot(snapshot_id), "labkit_backup", None)
    p.local.seed = BackupSeed(backup) if backup is not None else None
    try:
        return original(self, snapshot_id, overrides)
    finally:
        p.local.seed = None


@patched
def _restore_to_point_in_time(
    p: Plane, original: Callable, self: Any, source_id: str, target_id: str, overrides: dict
) -> Any:
    node = p.node(self.describe_db_instances(source_id)[0])
    if node is not None:
        p.local.seed = PitrSeed(node, restore_time(node, overrides))
    try:
        return original(self, source_id, target_id, overrides)
    finally:
        p.local.seed = None


def patch(backend_class: Any) -> None:
    """Wrap moto's snapshot and restore methods of ``RDSBackend``."""

    def node_of(p: Plane, backend: Any, snapshot: Any) -> Node | None:
        return p.nodes.get(key_of(backend, snapshot.db_instance_identifier))

    wrap_methods(backend_class, backup_wrappers("db", node_of))
    wrap_methods(
        backend_class,
        {
            "restore_db_instance_from_db_snapshot": _restore_from_snapshot,
            "restore_db_instance_to_point_in_time": _restore_to_point_in_time,
        },
    )
