"""DB snapshots of PostgreSQL-backed instances are real backups; restores start servers on them.

Part of the RDS data plane (``rds_postgres``). ``CreateDBSnapshot`` - and moto's own calls of
it: a delete's final snapshot, a stop with a snapshot - takes a ``pg_basebackup`` of the
instance's server into ``<state_dir>/rds/backups`` (``DBSnapshot.labkit_backup``);
``CopyDBSnapshot`` hard-links it, ``DeleteDBSnapshot`` removes it. A restore passes its data
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


@patched
def _create_db_snapshot(p: Plane, original: Callable, self: Any, *args: Any, **kw: Any) -> Any:
    snap = original(self, *args, **kw)
    node = p.nodes.get(key_of(self, snap.db_instance_identifier))
    if node is not None:
        try:
            snap.labkit_backup = backup_into_new_dir(p, node)
        except Exception:
            self.database_snapshots.pop(snap.db_snapshot_identifier, None)
            raise
    return snap


@patched
def _delete_db_snapshot(p: Plane, original: Callable, self: Any, *args: Any, **kw: Any) -> Any:
    snap = original(self, *args, **kw)
    drop_backup(snap)
    return snap


@patched
def _copy_db_snapshot(p: Plane, original: Callable, self: Any, *args: Any, **kw: Any) -> Any:
    copied = original(self, *args, **kw)
    source = kw.get("source_db_snapshot_identifier") or args[0]
    copy_backup(p, self.get_db_snapshot(source), copied)
    return copied


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
    wrap_methods(
        backend_class,
        {
            "create_db_snapshot": _create_db_snapshot,
            "delete_db_snapshot": _delete_db_snapshot,
            "copy_db_snapshot": _copy_db_snapshot,
            "restore_db_instance_from_db_snapshot": _restore_from_snapshot,
            "restore_db_instance_to_point_in_time": _restore_to_point_in_time,
        },
    )
