"""Moving the writer between PostgreSQL nodes: switchover (no loss) and failover (loss counted).

No moto here; the RDS extension calls these for ``FailoverDBCluster``, for deleting a cluster's
writer instance and, through ``rds_global.on_writer_change``, for
``SwitchoverGlobalCluster`` / ``FailoverGlobalCluster``.

- :func:`switchover` (planned): resume the target's WAL receiver if a drill paused it, wait
  until it has replayed everything the old writer wrote, stop the old writer cleanly (a fast
  shutdown: PostgreSQL's WAL senders deliver every record, the shutdown checkpoint included,
  to connected standbys before they exit), check the target has that checkpoint, promote it,
  then restart the old writer as a standby of the new one (rebuilt with pg_basebackup if it
  cannot follow the new timeline). Every transaction committed before the switch is on the new
  writer.
- :func:`failover` (``AllowDataLoss``): the old writer is killed (immediate shutdown, as a
  region failure would), the target is promoted with whatever it had received, and the loss is
  measured from the old writer's own WAL with ``pg_waldump``: the committed transactions and WAL
  bytes after the target's last received position (:class:`Loss`). The old writer is rebuilt as
  a standby of the new one, its unreplicated transactions discarded, as on AWS.

In both, every node that streamed from the old writer follows the new one (rebuilt when it had
received WAL the new writer never got).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from labkit.emulator.extensions.rds_postgres_nodes import (
    Node,
    become_standby,
    follow,
    is_paused,
    pause,
    promote,
    rebuild,
    wal_commits,
)
from labkit.emulator.extensions.rds_postgres_server import Engine, EngineError, wait_for

CATCH_UP_SECONDS = 60.0
FOLLOW_SECONDS = 10.0


@dataclass(frozen=True)
class Loss:
    """What a failover lost: transactions committed on the old writer, never replicated."""

    transactions: int
    wal_bytes: int
    from_lsn: str  # the new writer's last received position
    to_lsn: str  # the end of the old writer's WAL

    def describe(self) -> str:
        if not self.transactions and not self.wal_bytes:
            return "no committed transaction was lost (the new writer had all of the old one's WAL)"
        return (
            f"{self.transactions} committed transaction(s) ({self.wal_bytes} bytes of WAL, "
            f"{self.from_lsn} to {self.to_lsn}) on the old writer had not been replicated and "
            "are lost"
        )


def lsn(text: str | None) -> int:
    if not text:
        return 0
    high, low = str(text).split("/")
    return (int(high, 16) << 32) + int(low, 16)


def _replayed(node: Node) -> int:
    return lsn(node.server.sql("SELECT pg_last_wal_replay_lsn()")[0][0])


def _received(node: Node) -> int:
    row = node.server.sql("SELECT pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()")[0]
    return max(lsn(row[0]), lsn(row[1]))


def _head(node: Node) -> int:
    return lsn(node.server.sql("SELECT pg_current_wal_lsn()")[0][0])


def checkpoint_lsn(engine: Engine, node: Node) -> int:
    """The latest checkpoint of a stopped server (a clean shutdown's last record)."""
    out = engine.run("pg_controldata", ["-D", str(node.server.data_dir)])
    found = re.search(r"Latest checkpoint location:\s+(\S+)", out)
    return lsn(found.group(1)) if found else 0


def _dependents(old: Node, new: Node, nodes: Iterable[Node]) -> list[Node]:
    return [n for n in nodes if n.upstream is old and n is not new and n is not old]


def _rejoin(engine: Engine, old: Node, new: Node) -> None:
    """Restart the stopped old writer as a standby of ``new``; rebuild it if it cannot follow."""
    become_standby(engine, old, new)
    try:
        old.server.start()
        head = _head(new)
        if wait_for(lambda: _replayed(old) >= head, FOLLOW_SECONDS):
            return
    except EngineError:
        pass
    rebuild(engine, old, new)


def switchover(
    engine: Engine, old: Node, new: Node, nodes: Iterable[Node], rejoin: bool = True
) -> None:
    """Make the standby ``new`` the writer without losing a committed transaction; the old
    writer follows it (``rejoin``) or stays stopped (it is being deleted)."""
    nodes = list(nodes)
    if new.running and is_paused(new):
        pause(new, False, engine)
    if old.running and new.running:
        head = _head(old)
        if not wait_for(lambda: _replayed(new) >= head, CATCH_UP_SECONDS):
            raise EngineError(
                f"{new.name} did not catch up with {old.name} within {CATCH_UP_SECONDS:.0f} s"
            )
        old.server.stop()
        final = checkpoint_lsn(engine, old)
        if not wait_for(lambda: _replayed(new) > final, FOLLOW_SECONDS):
            raise EngineError(f"{new.name} did not receive {old.name}'s shutdown checkpoint")
    else:
        old.server.stop()
    promote(engine, new)
    for node in _dependents(old, new, nodes):
        follow(engine, node, new)
    if rejoin:
        _rejoin(engine, old, new)


def failover(engine: Engine, old: Node, new: Node, nodes: Iterable[Node]) -> Loss:
    """Promote ``new`` at once, as if ``old`` had failed; count what ``old`` had not shipped."""
    nodes = list(nodes)
    timeline = 1
    if old.running:
        walfile = old.server.sql("SELECT pg_walfile_name(pg_current_wal_lsn())")[0][0]
        timeline = int(walfile[:8], 16)
    old.server.stop(immediate=True)
    cut = _received(new) if new.running else 0
    cut_text = f"{cut >> 32:X}/{cut & 0xFFFFFFFF:X}"
    commits, end = wal_commits(engine, old, cut_text, timeline)
    loss = Loss(commits, max(0, lsn(end) - cut), cut_text, end)
    promote(engine, new)
    for node in _dependents(old, new, nodes):
        if node.running and _received(node) <= cut:
            follow(engine, node, new)
        else:
            rebuild(engine, node, new)
    rebuild(engine, old, new)
    return loss
