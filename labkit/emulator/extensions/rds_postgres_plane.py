"""State of the RDS data plane: which PostgreSQL node stands behind which moto resource.

Shared by ``rds_postgres`` (instances, snapshots) and ``rds_postgres_clusters`` (Aurora
clusters, global databases). Nodes are keyed by (account, region, DB instance identifier);
cluster endpoints and volumes by (account, region, DB cluster identifier). moto objects are
only read here, never patched.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from labkit.emulator.extensions import EmulatorContext
from labkit.emulator.extensions.rds_postgres_nodes import Node, base_backup, destroy, follow
from labkit.emulator.extensions.rds_postgres_proxy import READER_HOST, WRITER_HOST, Forwarder
from labkit.emulator.extensions.rds_postgres_server import Engine, EngineError, PostgresNotFound

log = logging.getLogger(__name__)

ENGINES = ("postgres", "aurora-postgresql")
Key = tuple[str, str, str]


def key_of(resource: Any, identifier: str) -> Key:
    """The key of ``identifier`` in the account and region of ``resource`` (a moto model or
    backend)."""
    region = getattr(resource, "region_name", None) or resource.region
    return (resource.account_id, region, identifier.lower())


@dataclass
class ClusterPlane:
    """An Aurora cluster's endpoints and, while it has no instance, its volume."""

    writer_fw: Forwarder
    reader_fw: Forwarder | None
    writer: Node | None = None
    readers: list[Node] = field(default_factory=list)
    volume: Node | None = None  # the data of a cluster whose instances were all deleted
    _turn: itertools.count = field(default_factory=itertools.count)

    @property
    def port(self) -> int:
        return self.writer_fw.port

    @property
    def reader_host(self) -> str:
        return READER_HOST if self.reader_fw is not None else WRITER_HOST

    def writer_port(self) -> int | None:
        node = self.writer
        return node.port if node is not None and node.running else None

    def reader_port(self) -> int | None:
        running = [n for n in self.readers if n.running]
        if not running:
            return self.writer_port()
        return running[next(self._turn) % len(running)].port

    def nodes(self) -> list[Node]:
        found = [self.writer, *self.readers, self.volume]
        return [n for n in found if n is not None]

    def close(self) -> None:
        self.writer_fw.close()
        if self.reader_fw is not None:
            self.reader_fw.close()


class Plane:
    """Everything the data plane holds in one emulator process."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.engine = Engine(ctx.state_dir, ctx.postgres_bin)
        self.lock = threading.RLock()
        self.nodes: dict[Key, Node] = {}
        self.clusters: dict[Key, ClusterPlane] = {}
        self.local = threading.local()  # a restore's data source, for the create it calls
        self._seq = itertools.count(1)

    def name(self, identifier: str) -> str:
        """A unique directory-safe node name."""
        return f"{re.sub(r'[^a-z0-9-]', '-', identifier.lower())[:40]}-{next(self._seq)}"

    def all_nodes(self) -> list[Node]:
        volumes = [c.volume for c in self.clusters.values() if c.volume is not None]
        return [*self.nodes.values(), *volumes]

    def node(self, db: Any) -> Node | None:
        return self.nodes.get(key_of(db, db.db_instance_identifier))

    def cluster(self, cluster: Any) -> ClusterPlane | None:
        return self.clusters.get(key_of(cluster, cluster.db_cluster_identifier))

    def take_seed(self) -> Any:
        seed = getattr(self.local, "seed", None)
        self.local.seed = None
        return seed

    def clear(self) -> None:
        """Stop every server (all at once), close every endpoint, forget everything."""
        nodes = self.all_nodes()
        for node in nodes:
            node.server.signal_stop()
        for node in nodes:
            try:
                destroy(node)
            except Exception:  # noqa: BLE001 - keep clearing the others
                log.exception("could not remove PostgreSQL node %s", node.name)
        for cluster in self.clusters.values():
            cluster.close()
        self.nodes.clear()
        self.clusters.clear()
        backups = self.engine.root / "backups"
        if backups.exists():
            for entry in backups.iterdir():
                shutil.rmtree(entry, ignore_errors=True)


class _Current:
    plane: Plane | None = None


def current() -> Plane:
    """The data plane of this emulator process (set by ``rds_postgres.install``)."""
    assert _Current.plane is not None, "rds_postgres is not installed"
    return _Current.plane


def set_current(plane: Plane | None) -> Plane | None:
    previous, _Current.plane = _Current.plane, plane
    return previous


def client_error(error: Exception) -> Exception:
    """The AWS-shaped error a request answers when the data plane fails."""
    from moto.rds.exceptions import RDSClientError

    if isinstance(error, PostgresNotFound):
        return RDSClientError("PostgreSQLNotInstalled", str(error))
    if isinstance(error, EngineError):
        return RDSClientError("InternalFailure", f"The PostgreSQL server failed: {error}")
    return error


def master_password(resource: Any) -> str:
    """The master password moto stores (or the managed secret's), never exposed by moto."""
    if getattr(resource, "manage_master_user_password", False) and hasattr(
        resource, "master_user_secret"
    ):
        return json.loads(resource.master_user_secret.secret.secret_string)["password"]
    return resource.__dict__.get("_master_user_password") or ""


class DataPlaneEvent:
    """An RDS event with a free message; same attributes as ``moto.rds.models.Event``."""

    def __init__(self, resource: Any, source_type: str, message: str, category: str) -> None:
        from moto.core.utils import utcnow

        if source_type == "db-cluster":
            self.source_identifier = resource.db_cluster_identifier
            self.source_arn = resource.db_cluster_arn
        else:
            self.source_identifier = resource.db_instance_identifier
            self.source_arn = resource.db_instance_arn
        self.source_type = source_type
        self.message = message
        self.event_categories = [category]
        self.date = utcnow()


def add_event(resource: Any, source_type: str, message: str, category: str) -> None:
    resource.backend.events.append(DataPlaneEvent(resource, source_type, message, category))


def invalid(code: str, message: str) -> Exception:
    """An RDS client error (HTTP 400) with an AWS error code."""
    from moto.rds.exceptions import RDSClientError

    return RDSClientError(code, message)


def instance_of(p: Plane, node: Node) -> Any | None:
    """The moto DB instance ``node`` stands behind, if any."""
    from moto.rds.models import rds_backends

    for (account, region, ident), candidate in p.nodes.items():
        if candidate is node:
            return rds_backends[account][region].databases.get(ident)
    return None


def start_node(p: Plane, node: Node) -> None:
    """Start a stopped server; followers and moto learn its port if it had to change."""
    before = node.port
    node.server.start()
    if node.port != before:
        for follower in p.all_nodes():
            if follower.upstream is node:
                follow(p.engine, follower, node)
        db = instance_of(p, node)
        if db is not None:
            db.port = node.port


def set_master_password(node: Node, user: str | None, password: str) -> None:
    """Apply a changed master password in the database (standbys get it by replication)."""
    from psycopg import sql

    if node.running and user and not node.is_standby:
        node.server.sql(
            sql.SQL("ALTER ROLE {} PASSWORD {}")
            .format(sql.Identifier(user), sql.Literal(password))
            .as_string()
        )


def backup_into_new_dir(p: Plane, node: Node) -> Path:
    """A base backup of ``node`` in a new directory under ``backups/`` (a snapshot's data)."""
    target = p.engine.root / "backups" / uuid.uuid4().hex
    base_backup(p.engine, node, target)
    return target


def drop_backup(snapshot: Any) -> None:
    """Remove a deleted snapshot's backup."""
    path = getattr(snapshot, "labkit_backup", None)
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


def copy_backup(p: Plane, source: Any, target: Any) -> None:
    """Give a copied snapshot its own copy of the source snapshot's backup."""
    path = getattr(source, "labkit_backup", None)
    if path is not None:
        copied = p.engine.root / "backups" / uuid.uuid4().hex
        p.engine.copy_tree(path, copied, link=True)  # backups never change
        target.labkit_backup = copied


def restore_time(node: Node, overrides: dict[str, Any]) -> datetime | None:
    """The validated target of a point-in-time restore (None: the latest restorable time)."""
    when = overrides.get("restore_time") or overrides.get("restore_to_time")
    latest = overrides.get("use_latest_restorable_time")
    if when and latest:
        raise invalid(
            "InvalidParameterCombination",
            "Cannot specify both RestoreTime and UseLatestRestorableTime.",
        )
    if not when:
        return None
    if isinstance(when, str):
        when = datetime.fromisoformat(when.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = datetime.now(UTC)
    if not node.base_time <= when <= now:
        raise invalid(
            "InvalidRestoreFault",
            f"The restore time {when.isoformat()} is outside the restorable window "
            f"{node.base_time.isoformat()} to {now.isoformat()}.",
        )
    return when


def patched(body: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Turn ``body(plane, original, self, *args, **kwargs)`` into a wrapper of a moto backend
    method: it runs under the data plane's lock, and data-plane failures answer as AWS-shaped
    errors (moto's own errors pass unchanged)."""

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            p = current()
            with p.lock:
                try:
                    return body(p, original, self, *args, **kwargs)
                except Exception as e:
                    raise client_error(e) from e

        method.__name__ = getattr(original, "__name__", body.__name__)
        return method

    return wrap


def wrap_methods(cls: Any, wrappers: dict[str, Callable[[Callable[..., Any]], Any]]) -> None:
    """Replace each named method of ``cls`` by its wrapper around the original."""
    for name, wrap in wrappers.items():
        setattr(cls, name, wrap(getattr(cls, name)))
