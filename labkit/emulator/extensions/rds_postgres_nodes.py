"""PostgreSQL nodes of the RDS data plane: create, replicate, promote, back up, destroy.

No moto here. A :class:`Node` is one PostgreSQL server standing behind one DB instance (or an
Aurora cluster volume with no instance left). Each node archives every WAL segment it writes
or receives (``archive_mode=always``) and keeps the immutable data directory it started from
(``base``: the template, the restored snapshot, or its first base backup) so that it can be
restored to any point in time since it was created (:mod:`rds_postgres_snapshots`).

Replication is PostgreSQL streaming replication over the private unix socket, as the
``rdsadmin`` superuser: a standby has ``standby.signal`` and ``primary_conninfo`` naming its
upstream; cascading (a reader of a global secondary cluster) is a standby of a standby.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from labkit.emulator.extensions.rds_postgres_postmaster import Server
from labkit.emulator.extensions.rds_postgres_server import (
    ADMIN_USER,
    SPARE_DB,
    Engine,
    EngineError,
    free_port,
)

# Files of a data directory that must not travel with a copy.
_STALE = ("postmaster.pid", "postmaster.opts", "standby.signal", "recovery.signal")


@dataclass
class Node:
    name: str  # unique in the emulator process; the directory names derive from it
    server: Server
    base: Path  # immutable data directory the archive replays from
    base_time: datetime  # earliest restorable time
    upstream: Node | None = None  # the node this one streams from (a standby), if any

    @property
    def archive(self) -> Path:
        assert self.server.archive is not None
        return self.server.archive

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def running(self) -> bool:
        return self.server.running

    @property
    def is_standby(self) -> bool:
        return (self.server.data_dir / "standby.signal").exists()


def _now() -> datetime:
    return datetime.now(UTC)


def new_node(engine: Engine, name: str, base: Path) -> Node:
    data = engine.root / "data" / name
    server = Server(engine, name, data, free_port())
    server.archive = engine.mkdir(engine.root / "wal" / name)
    return Node(name=name, server=server, base=base, base_time=_now())


def clean_copy(engine: Engine, data: Path) -> None:
    for stale in _STALE:
        (data / stale).unlink(missing_ok=True)
    _set_conninfo(engine, data, None)


def _conninfo(engine: Engine, node: Node, upstream: Node) -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(
        host=str(engine.sock_dir),
        port=str(upstream.port),
        user=ADMIN_USER,
        application_name=node.name,
    )


def _set_conninfo(engine: Engine, data: Path, conninfo: str | None) -> None:
    """Write (or drop) ``primary_conninfo`` in a stopped server's postgresql.auto.conf."""
    auto = data / "postgresql.auto.conf"
    lines = auto.read_text().splitlines() if auto.exists() else []
    lines = [ln for ln in lines if not re.match(r"\s*primary_conninfo\s*=", ln)]
    if conninfo is not None:
        lines.append("primary_conninfo = '{}'".format(conninfo.replace("'", "''")))
    engine.write(auto, "\n".join(lines) + "\n")


def create_fresh(
    engine: Engine, name: str, master_user: str, password: str, dbname: str | None
) -> Node:
    """A new primary from the template, with the master user and (if given) its database."""
    from psycopg import sql

    template = engine.ensure_ready()
    node = new_node(engine, name, template)
    engine.copy_tree(template, node.server.data_dir)
    node.server.start()
    user = sql.Identifier(master_user)
    node.server.sql(
        sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} CREATEDB CREATEROLE IN ROLE rds_superuser")
        .format(user, sql.Literal(password))
        .as_string()
    )
    if dbname and dbname != "postgres":  # the template's spare database becomes DBName
        for statement in ("ALTER DATABASE {} RENAME TO {}", "ALTER DATABASE {1} OWNER TO {2}"):
            node.server.sql(
                sql.SQL(statement)
                .format(sql.Identifier(SPARE_DB), sql.Identifier(dbname), user)
                .as_string()
            )
    else:
        node.server.sql(f"DROP DATABASE {SPARE_DB}")
    return node


def create_from_backup(engine: Engine, name: str, backup: Path, start: bool = True) -> Node:
    """A new primary holding a backup's data (a snapshot restore); ``start=False`` leaves it
    stopped (an Aurora cluster volume waiting for its first instance)."""
    base = engine.root / "bases" / name
    engine.copy_tree(backup, base, link=True)  # the backup's files never change
    node = new_node(engine, name, base)
    engine.copy_tree(backup, node.server.data_dir)
    clean_copy(engine, node.server.data_dir)
    if start:
        node.server.start()
    return node


def create_replica(engine: Engine, name: str, upstream: Node) -> Node:
    """A hot standby streaming from ``upstream`` (a primary or another standby)."""
    base = engine.root / "bases" / name
    base_backup(engine, upstream, base)
    node = new_node(engine, name, base)
    engine.copy_tree(base, node.server.data_dir)
    clean_copy(engine, node.server.data_dir)
    become_standby(engine, node, upstream)
    node.server.start()
    return node


def base_backup(engine: Engine, node: Node, target: Path) -> None:
    """A consistent copy of ``node``'s data into ``target``: pg_basebackup while it runs,
    a file copy of its cleanly stopped data directory otherwise."""
    shutil.rmtree(target, ignore_errors=True)
    if not node.running:
        engine.copy_tree(node.server.data_dir, target)
        for stale in ("postmaster.pid", "postmaster.opts"):
            (target / stale).unlink(missing_ok=True)
        return
    engine.mkdir(target)
    engine.run(
        "pg_basebackup",
        ["-D", str(target), "-h", str(engine.sock_dir), "-p", str(node.port)]
        + ["-U", ADMIN_USER, "-X", "stream", "-c", "fast", "--no-sync", "-w"],
        timeout=300,
    )


def become_standby(engine: Engine, node: Node, upstream: Node) -> None:
    """Make the stopped ``node`` a standby of ``upstream`` (takes effect when it starts)."""
    data = node.server.data_dir
    engine.write(data / "standby.signal", "")
    _set_conninfo(engine, data, _conninfo(engine, node, upstream))
    node.upstream = upstream


def follow(engine: Engine, node: Node, upstream: Node) -> None:
    """Point the standby ``node`` at another upstream, running or not."""
    node.upstream = upstream
    if not node.running:
        _set_conninfo(engine, node.server.data_dir, _conninfo(engine, node, upstream))
        return
    conninfo = _quote(_conninfo(engine, node, upstream))
    node.server.sql(f"ALTER SYSTEM SET primary_conninfo = '{conninfo}'")
    node.server.sql("SELECT pg_reload_conf()")


def pause(node: Node, paused: bool, engine: Engine) -> None:
    """Stop (or resume) the standby's WAL receiver: a replication outage, for drills."""
    if paused:
        node.server.sql("ALTER SYSTEM SET primary_conninfo = ''")
        node.server.sql("SELECT pg_reload_conf()")
    elif node.upstream is not None:
        follow(engine, node, node.upstream)


def is_paused(node: Node) -> bool:
    rows = node.server.sql("SELECT setting FROM pg_settings WHERE name = 'primary_conninfo'")
    return node.is_standby and not (rows and rows[0][0])


def _quote(text: str) -> str:
    return text.replace("'", "''")


def promote(engine: Engine, node: Node) -> None:
    """End recovery: the standby becomes a primary on a new timeline."""
    if node.running and node.server.sql("SELECT pg_is_in_recovery()")[0][0]:
        if not node.server.sql("SELECT pg_promote(true, 60)")[0][0]:
            raise EngineError(f"{node.name} did not finish promotion: {node.server.log_tail()}")
        node.server.sql("ALTER SYSTEM RESET primary_conninfo")
    elif not node.running:
        (node.server.data_dir / "standby.signal").unlink(missing_ok=True)
        _set_conninfo(engine, node.server.data_dir, None)
    node.upstream = None


def rebuild(engine: Engine, node: Node, upstream: Node) -> None:
    """Throw ``node``'s data away and make it a fresh standby of ``upstream``."""
    node.server.stop(immediate=True)
    base = engine.root / "bases" / node.name
    base_backup(engine, upstream, base)
    node.base, node.base_time = base, _now()
    shutil.rmtree(node.archive, ignore_errors=True)
    engine.mkdir(node.archive)
    engine.copy_tree(base, node.server.data_dir)
    clean_copy(engine, node.server.data_dir)
    become_standby(engine, node, upstream)
    node.server.start()


def destroy(node: Node) -> None:
    """Stop the server and remove its data, archive, base backup and log."""
    node.server.stop(immediate=True)
    shutil.rmtree(node.server.data_dir, ignore_errors=True)
    node.server.log_path.unlink(missing_ok=True)
    shutil.rmtree(node.archive, ignore_errors=True)
    if node.base.parent.name == "bases":
        shutil.rmtree(node.base, ignore_errors=True)


# --- positions and lag -------------------------------------------------------------------------


def root_of(node: Node) -> Node:
    while node.upstream is not None:
        node = node.upstream
    return node


def current_lsn(node: Node) -> str:
    """The primary's insert position, or a standby's replay position."""
    query = (
        "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
        "ELSE pg_current_wal_lsn() END"
    )
    return str(node.server.sql(query)[0][0])


@dataclass(frozen=True)
class Lag:
    bytes: int  # WAL the standby has not replayed yet
    seconds: float  # age of the last replayed transaction when behind, else 0

    def as_dict(self) -> dict[str, Any]:
        return {"Bytes": self.bytes, "Seconds": round(self.seconds, 3)}


def lag(node: Node) -> Lag:
    """How far the standby ``node`` is behind the primary at the root of its chain."""
    primary = root_of(node)
    if primary is node or not primary.running or not node.running:
        return Lag(0, 0.0)
    head = str(primary.server.sql("SELECT pg_current_wal_lsn()")[0][0])
    replay, age = node.server.sql(
        "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()),"
        " extract(epoch FROM now() - pg_last_xact_replay_timestamp())",
        (head,),
    )[0]
    behind = max(0, int(replay or 0))
    return Lag(behind, float(age or 0.0) if behind else 0.0)


def wal_commits(engine: Engine, node: Node, start: str, timeline: int) -> tuple[int, str]:
    """Committed transactions in ``node``'s WAL from ``start`` to its end, and that end."""
    try:
        out = engine.run(
            "pg_waldump",
            ["-p", str(node.server.data_dir / "pg_wal"), "-s", start, "-t", str(timeline)]
            + ["-r", "Transaction"],
        )
    except EngineError as e:  # pg_waldump exits 1 at the end of valid WAL
        out = str(e)
    commits = len(re.findall(r"desc: COMMIT", out))
    ends = re.findall(r"lsn: ([0-9A-F]+/[0-9A-F]+)", out)
    end = re.search(r"invalid record length at ([0-9A-F]+/[0-9A-F]+)", out) or re.search(
        r"error in WAL record at ([0-9A-F]+/[0-9A-F]+)", out
    )
    return commits, end.group(1) if end else (ends[-1] if ends else start)
