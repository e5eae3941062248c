"""Aurora global databases: switchover, failover and membership, as the RDS API does them.

moto alone (5.2) stores global clusters (in the us-east-1 backend of each account) and their
member clusters, but ``SwitchoverGlobalCluster`` and ``FailoverGlobalCluster`` answer HTTP 500
(not implemented), ``RemoveFromGlobalCluster`` only works when called in us-east-1 (and then
silently does nothing for a cluster it cannot find), ``DeleteGlobalCluster`` of an unknown id
answers 500, and a global cluster created from an existing cluster has no writer.

This extension adds, in the emulator's process:

- ``SwitchoverGlobalCluster`` (planned, no data loss) and ``FailoverGlobalCluster``
  (``AllowDataLoss=True``: unplanned; otherwise, as AWS documents, a switchover). The target is
  the secondary cluster's ARN (AWS asks for the ARN "so that Aurora can locate the cluster in its
  Region"); a bare identifier is resolved in the request's region. The change is not instant:
  the global cluster turns ``Status="modifying"`` with ``FailoverState`` ``pending`` for
  ``ctx.seconds(PENDING_SECONDS)``, then ``switching-over``/``failing-over`` for
  ``ctx.seconds(SWITCH_SECONDS)``; then the writer moves, ``FailoverState`` is cleared and the
  status is ``available`` again. Poll ``describe_global_clusters`` (30 s of AWS time: 1.5 s at
  ``time_scale`` 0.05). After the switch the target is the writer (``IsWriter``, ``Readers``),
  every other member (the old primary included: AWS re-adds it as a secondary after a failover
  too) is a reader whose ``ReplicationSourceIdentifier`` is the new writer's ARN; the writer's is
  cleared.
- Errors with the codes of the API reference's error list (messages are the emulator's own,
  except DeleteDBCluster's, which is AWS's): unknown global cluster
  ``GlobalClusterNotFoundFault`` (404); unknown target, or a cluster that is not a member,
  ``DBClusterNotFoundFault`` (404); target already the writer, or a switch already under way,
  ``InvalidGlobalClusterStateFault`` (400); ``AllowDataLoss`` with ``Switchover``
  ``InvalidParameterCombination`` (400).
- Events, in moto's own event store: ``describe_events(SourceType="db-cluster")`` in the region
  of each of the two clusters shows "Global switchover to DB cluster X in Region R started." and
  "... completed." (or "failover"), category ``global-failover``.
- ``RemoveFromGlobalCluster`` works from any region, takes the cluster's ARN or (in the request's
  region) identifier, and detaches it: the cluster becomes standalone (no
  ``GlobalClusterIdentifier``, no ``ReplicationSourceIdentifier``) and leaves
  ``GlobalClusterMembers``; a cluster that is not a member is ``DBClusterNotFoundFault``.
  Removing or deleting the writer while secondaries remain is ``InvalidGlobalClusterStateFault``;
  ``DeleteDBCluster`` of a secondary (or of a lone writer) detaches it whatever its region.
- Membership at creation: ``CreateDBCluster`` with an unknown ``GlobalClusterIdentifier`` is
  ``GlobalClusterNotFoundFault``; a secondary's ``ReplicationSourceIdentifier`` is the writer's
  ARN; ``CreateGlobalCluster(SourceDBClusterIdentifier=...)`` makes that cluster the writer.

Hook for a data plane: a later extension backing clusters with real databases registers
``on_writer_change(callback)``; each callback gets a :class:`WriterChange` in the emulator's
worker thread while the global cluster is ``switching-over``/``failing-over``, before the new
roles are published (so once ``describe_global_clusters`` shows the new writer, every hook has
returned). A hook that raises is logged and the switch still completes.

moto internals patched (check them on a moto upgrade): ``moto.rds.responses.RDSResponse``
(adds ``switchover_global_cluster``, ``failover_global_cluster``; replaces
``delete_global_cluster``), ``moto.rds.models.RDSBackend`` (``remove_from_global_cluster``,
``delete_db_cluster``, ``create_db_cluster``, ``create_global_cluster`` wrapped), and moto's
``GlobalCluster`` gains ``failover_state`` (serialised as ``FailoverState``) and
``RDSBackend.events`` receives :class:`_ClusterEvent` objects shaped like ``moto.rds.models.Event``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from labkit.emulator.extensions import EmulatorContext

log = logging.getLogger(__name__)

# AWS seconds spent in each phase (multiplied by ctx.time_scale).
PENDING_SECONDS = 5.0
SWITCH_SECONDS = 25.0
# Global clusters live in this region's backend (moto's RDSResponse.global_backend).
GLOBAL_REGION = "us-east-1"


@dataclass(frozen=True)
class WriterChange:
    """What a data-plane hook needs to move the writer of a global database."""

    account_id: str
    global_cluster_id: str
    old_writer_arn: str
    new_writer_arn: str
    data_loss_allowed: bool  # True for FailoverGlobalCluster(AllowDataLoss=True)


WriterHook = Callable[[WriterChange], None]
# Called in order, in a worker thread, before the new roles are published.
writer_change_hooks: list[WriterHook] = []


def on_writer_change(callback: WriterHook) -> WriterHook:
    """Run ``callback`` whenever a global cluster's writer moves; usable as a decorator."""
    writer_change_hooks.append(callback)
    return callback


class _State:
    """Process-wide state of the installed extension."""

    ctx: EmulatorContext | None = None
    generation = 0  # bumped on reset: workers of an older generation stop without committing
    wake = threading.Event()  # set on reset to wake sleeping workers
    # Guards global-cluster state between request threads and workers. Private rather than
    # ctx.lock so that no other extension holding ctx.lock across an HTTP call can deadlock us.
    lock = threading.RLock()


# --- lookups ----------------------------------------------------------------------------------


def _backends() -> Any:
    from moto.rds.models import rds_backends

    return rds_backends


def _global_cluster(account_id: str, identifier: str) -> Any:
    from moto.rds.exceptions import RDSClientError

    gid = identifier.split(":global-cluster:")[-1] if identifier.startswith("arn:") else identifier
    gc = _backends()[account_id][GLOBAL_REGION].global_clusters.get(gid)
    if gc is None:
        raise RDSClientError(
            "GlobalClusterNotFoundFault", f"Global cluster {identifier} not found."
        )
    return gc


def _cluster(account_id: str, region: str, identifier: str) -> Any:
    """A DB cluster by ARN (any region of this account) or by identifier in ``region``."""
    from moto.rds.exceptions import DBClusterNotFoundError

    if identifier.startswith("arn:"):
        parts = identifier.split(":")
        if len(parts) < 7 or parts[2] != "rds" or parts[4] != account_id or parts[5] != "cluster":
            raise DBClusterNotFoundError(identifier)
        region = parts[3]
    try:
        backend = _backends()[account_id][region]
    except KeyError:
        raise DBClusterNotFoundError(identifier) from None
    return backend.describe_db_clusters(db_cluster_identifier=identifier)[0]


def _membership(account_id: str, cluster: Any) -> Any | None:
    """The global cluster ``cluster`` belongs to, if any."""
    for gc in _backends()[account_id][GLOBAL_REGION].global_clusters.values():
        if any(m is cluster for m in gc.members):
            return gc
    return None


def _writer(gc: Any) -> Any | None:
    return next((m for m in gc.members if m.is_writer), None)


def _invalid_state(message: str) -> Exception:
    from moto.rds.exceptions import RDSClientError

    return RDSClientError("InvalidGlobalClusterStateFault", message)


# --- events -----------------------------------------------------------------------------------


class _ClusterEvent:
    """An RDS event with a free message; same attributes as ``moto.rds.models.Event``."""

    def __init__(self, cluster: Any, message: str, categories: list[str]) -> None:
        from moto.core.utils import utcnow

        self.source_identifier: str = cluster.db_cluster_identifier
        self.source_type = "db-cluster"
        self.message = message
        self.event_categories = categories
        self.source_arn: str = cluster.db_cluster_arn
        self.date: datetime = utcnow()


def _event(clusters: list[Any], message: str) -> None:
    for cluster in clusters:
        cluster.backend.events.append(_ClusterEvent(cluster, message, ["global-failover"]))


# --- the switch -------------------------------------------------------------------------------


def _set_roles(gc: Any, writer: Any) -> None:
    """Make ``writer`` the global writer; every other member replicates from it."""
    for member in gc.members:
        member.is_writer = member is writer
        member.replication_source_identifier = None if member is writer else writer.db_cluster_arn
    # AWS lists the writer first; keep that so [0] is the primary for readers of the answer.
    gc.members.sort(key=lambda m: not m.is_writer)


def _start(account_id: str, gc: Any, target: Any, allow_data_loss: bool) -> None:
    ctx = _State.ctx
    assert ctx is not None
    old = _writer(gc)
    if getattr(gc, "failover_state", None):
        raise _invalid_state(
            f"Global cluster {gc.global_cluster_identifier} already has a switchover or "
            "failover in progress."
        )
    if target.is_writer:
        raise _invalid_state(
            f"DB cluster {target.db_cluster_arn} is already the primary cluster of global "
            f"cluster {gc.global_cluster_identifier}."
        )
    kind = "failover" if allow_data_loss else "switchover"
    gc.failover_state = {
        "Status": "pending",
        "FromDbClusterArn": old.db_cluster_arn if old is not None else None,
        "ToDbClusterArn": target.db_cluster_arn,
        "IsDataLossAllowed": allow_data_loss,
    }
    gc.status = "modifying"
    involved = [target] + ([old] if old is not None else [])
    message = (
        f"Global {kind} to DB cluster {target.db_cluster_identifier} in Region {target.region}"
    )
    _event(involved, f"{message} started.")
    change = WriterChange(
        account_id=account_id,
        global_cluster_id=gc.global_cluster_identifier,
        old_writer_arn=old.db_cluster_arn if old is not None else "",
        new_writer_arn=target.db_cluster_arn,
        data_loss_allowed=allow_data_loss,
    )
    pending, switching = ctx.seconds(PENDING_SECONDS), ctx.seconds(SWITCH_SECONDS)
    worker = threading.Thread(
        target=_run,
        args=(_State.generation, gc, target, kind, change, pending, switching, involved, message),
        name=f"rds-global-{kind}-{gc.global_cluster_identifier}",
        daemon=True,
    )
    worker.start()


def _run(
    generation: int,
    gc: Any,
    target: Any,
    kind: str,
    change: WriterChange,
    pending: float,
    switching: float,
    involved: list[Any],
    message: str,
) -> None:
    try:
        if _State.wake.wait(pending) or generation != _State.generation:
            return
        with _State.lock:
            if generation != _State.generation:
                return
            gc.failover_state = {
                **gc.failover_state,
                "Status": "failing-over" if kind == "failover" else "switching-over",
            }
        if _State.wake.wait(switching) or generation != _State.generation:
            return
        for hook in list(writer_change_hooks):
            try:
                hook(change)
            except Exception:  # a broken data plane must not wedge the control plane
                log.exception("writer-change hook %r failed for %s", hook, change)
        with _State.lock:
            if generation != _State.generation:
                return
            if any(m is target for m in gc.members):
                _set_roles(gc, target)
            gc.failover_state = None
            gc.status = "available"
            _event(involved, f"{message} completed.")
    except Exception:
        log.exception("global %s of %s failed", kind, gc.global_cluster_identifier)


# --- patched moto entry points ----------------------------------------------------------------


def _switch(response: Any, allow_data_loss: bool) -> Any:
    from moto.core.responses import ActionResult

    params = response.params
    account = response.current_account
    with _State.lock:
        gc = _global_cluster(account, params["GlobalClusterIdentifier"])
        target = _cluster(account, response.region, params["TargetDbClusterIdentifier"])
        if not any(m is target for m in gc.members):
            from moto.rds.exceptions import DBClusterNotFoundError

            raise DBClusterNotFoundError(
                target.db_cluster_arn,
                f"DB cluster {target.db_cluster_arn} is not a member of global cluster "
                f"{gc.global_cluster_identifier}.",
            )
        _start(account, gc, target, allow_data_loss)
        return ActionResult({"GlobalCluster": gc})


def _switchover_global_cluster(self: Any) -> Any:
    return _switch(self, allow_data_loss=False)


def _failover_global_cluster(self: Any) -> Any:
    from moto.rds.exceptions import InvalidParameterCombination

    allow = bool(self.params.get("AllowDataLoss"))
    if allow and self.params.get("Switchover"):
        raise InvalidParameterCombination(
            "AllowDataLoss and Switchover cannot both be specified: "
            "AllowDataLoss fails over, Switchover switches over."
        )
    return _switch(self, allow_data_loss=allow)


def _delete_global_cluster(self: Any) -> Any:
    from moto.core.responses import ActionResult

    gc = _global_cluster(self.current_account, self.params["GlobalClusterIdentifier"])
    deleted = self.global_backend.delete_global_cluster(gc.global_cluster_identifier)
    return ActionResult({"GlobalCluster": deleted})


def _detach(gc: Any, cluster: Any) -> None:
    gc.members[:] = [m for m in gc.members if m is not cluster]
    cluster.global_cluster_identifier = None
    cluster.replication_source_identifier = None
    cluster.is_writer = False


def _remove_from_global_cluster(
    self: Any, global_cluster_identifier: str, db_cluster_identifier: str
) -> Any:
    with _State.lock:
        gc = _global_cluster(self.account_id, global_cluster_identifier)
        cluster = _cluster(self.account_id, self.region_name, db_cluster_identifier)
        if not any(m is cluster for m in gc.members):
            from moto.rds.exceptions import DBClusterNotFoundError

            raise DBClusterNotFoundError(
                db_cluster_identifier,
                f"DB cluster {cluster.db_cluster_arn} is not a member of global cluster "
                f"{gc.global_cluster_identifier}.",
            )
        if cluster.is_writer and len(gc.members) > 1:
            raise _invalid_state(
                "Unable to remove cluster that is a primary member of global cluster while "
                "there are other global cluster members"
            )
        if getattr(gc, "failover_state", None):
            raise _invalid_state(
                f"Global cluster {gc.global_cluster_identifier} has a switchover or failover "
                "in progress."
            )
        _detach(gc, cluster)
        return gc


def _wrap_delete_db_cluster(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete_db_cluster(self: Any, cluster_identifier: str, snapshot_name: str | None = None):
        with _State.lock:
            cluster = self.clusters.get(cluster_identifier)
            gc = _membership(self.account_id, cluster) if cluster is not None else None
            if gc is None:
                return original(self, cluster_identifier, snapshot_name)
            if cluster.is_writer and len(gc.members) > 1:
                raise _invalid_state(
                    "Unable to delete cluster that is a primary member of global cluster "
                    "while there are other global cluster members"
                )
            saved = cluster.global_cluster_identifier
            cluster.global_cluster_identifier = None  # moto's own (us-east-1 only) detach: skip
            try:
                deleted = original(self, cluster_identifier, snapshot_name)
            except Exception:
                cluster.global_cluster_identifier = saved
                raise
            gc.members[:] = [m for m in gc.members if m is not cluster]
            return deleted

    return delete_db_cluster


def _wrap_create_db_cluster(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_db_cluster(self: Any, kwargs: dict[str, Any]) -> Any:
        if kwargs.get("global_cluster_identifier"):  # moto ignores an unknown one
            _global_cluster(self.account_id, kwargs["global_cluster_identifier"])
        cluster = original(self, kwargs)
        gc = _membership(self.account_id, cluster)
        if gc is not None and not cluster.is_writer:
            writer = _writer(gc)
            if writer is not None and not cluster.replication_source_identifier:
                cluster.replication_source_identifier = writer.db_cluster_arn
        return cluster

    return create_db_cluster


def _wrap_create_global_cluster(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_global_cluster(self: Any, *args: Any, **kwargs: Any) -> Any:
        gc = original(self, *args, **kwargs)
        if gc.members:  # built from an existing cluster: that cluster is the primary
            source = gc.members[0]
            source.is_writer = True
            source.global_cluster_identifier = gc.global_cluster_identifier
        return gc

    return create_global_cluster


def _reset() -> None:
    _State.generation += 1
    _State.wake.set()
    _State.wake = threading.Event()


def install(ctx: EmulatorContext) -> None:
    """Patch moto's RDS models and responses in this process (once)."""
    from moto.rds.models import GlobalCluster, RDSBackend
    from moto.rds.responses import RDSResponse

    _State.ctx = ctx
    if getattr(RDSResponse, "_labkit_rds_global", False):
        return
    GlobalCluster.failover_state = None  # serialised as FailoverState when set
    RDSResponse.switchover_global_cluster = _switchover_global_cluster
    RDSResponse.failover_global_cluster = _failover_global_cluster
    RDSResponse.delete_global_cluster = _delete_global_cluster
    RDSBackend.remove_from_global_cluster = _remove_from_global_cluster
    RDSBackend.delete_db_cluster = _wrap_delete_db_cluster(RDSBackend.delete_db_cluster)
    RDSBackend.create_db_cluster = _wrap_create_db_cluster(RDSBackend.create_db_cluster)
    RDSBackend.create_global_cluster = _wrap_create_global_cluster(RDSBackend.create_global_cluster)
    RDSResponse._labkit_rds_global = True
    ctx.on_reset(_reset)
