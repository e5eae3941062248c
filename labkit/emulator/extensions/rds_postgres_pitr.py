"""Point-in-time restore of a PostgreSQL node: its base plus its WAL, replayed to a timestamp.

No moto here. Every node keeps the immutable data directory it started from (``Node.base``)
and archives each WAL segment it writes or receives. A restore copies the base into a new data
directory and runs PostgreSQL's archive recovery with ``restore_command`` reading the source's
archive first and then the source's own ``pg_wal`` (so the segment still being written counts:
the latest restorable time is now), ``recovery_target_time`` (none for the latest time) and
``recovery_target_action = 'promote'``. A target after the last commit in the WAL makes
PostgreSQL refuse ("recovery ended before configured recovery target was reached"); the
restore then replays to the end instead, which is the same data.
"""

from __future__ import annotations

import shlex
from datetime import datetime

from labkit.emulator.extensions.rds_postgres_nodes import Node, clean_copy, new_node
from labkit.emulator.extensions.rds_postgres_server import Engine, EngineError, wait_for

RECOVERY_SECONDS = 120.0
_SETTINGS = (
    "restore_command",
    "recovery_target_time",
    "recovery_target_timeline",
    "recovery_target_action",
)


def restore_to_time(engine: Engine, source: Node, name: str, when: datetime | None) -> Node:
    """A new primary with ``source``'s data as of ``when`` (None: the latest)."""
    if source.base.parent.name == "bases":
        base = engine.root / "bases" / name
        engine.copy_tree(source.base, base, link=True)
    else:  # the template: immutable for the emulator's life
        base = source.base
    node = new_node(engine, name, base)
    node.base_time = source.base_time
    if when is not None and source.running:
        last = source.server.sql("SELECT timestamp FROM pg_last_committed_xact()")[0][0]
        if last is not None and when >= last:
            when = None  # nothing committed since: replay to the end, no target to miss
    try:
        _recover(engine, source, node, when)
    except EngineError as e:
        if when is None or "before configured recovery target" not in node.server.log_tail(40):
            raise EngineError(f"point-in-time restore failed: {e}") from None
        _recover(engine, source, node, None)
    for setting in _SETTINGS:
        node.server.sql(f"ALTER SYSTEM RESET {setting}")
    node.server.sql("SELECT pg_reload_conf()")
    return node


def _recover(engine: Engine, source: Node, node: Node, when: datetime | None) -> None:
    data = node.server.data_dir
    engine.copy_tree(node.base, data)
    clean_copy(engine, data)
    archive = shlex.quote(str(source.archive))
    wal = shlex.quote(str(source.server.data_dir / "pg_wal"))
    command = f"cp {archive}/%f %p 2>/dev/null || cp {wal}/%f %p 2>/dev/null"
    lines = [
        f"restore_command = '{command.replace(chr(39), chr(39) * 2)}'",
        "recovery_target_timeline = 'latest'",
        "recovery_target_action = 'promote'",
    ]
    if when is not None:
        lines.append(f"recovery_target_time = '{when.isoformat(sep=' ')}'")
    engine.write(data / "postgresql.auto.conf", "\n".join(lines) + "\n", append=True)
    engine.write(data / "recovery.signal", "")
    node.server.start(timeout=RECOVERY_SECONDS)

    def settled() -> bool:
        return not node.server.running or not node.server.sql("SELECT pg_is_in_recovery()")[0][0]

    if not wait_for(settled, RECOVERY_SECONDS) or not node.server.running:
        log = node.server.log_tail(40)
        node.server.stop(immediate=True)
        raise EngineError(f"recovery of {node.name} did not finish: {log}")
