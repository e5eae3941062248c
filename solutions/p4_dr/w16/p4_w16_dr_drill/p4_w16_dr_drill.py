# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Project 4 · Week 16 · Day 18-21: DR Drill, Documentation and Handover
#
# ## The scenario
#
# The trading platform's DR design promises an **RTO of 15 minutes** and an **RPO of zero**.
# Last week's test suite checked each tier on its own, with the database idle. Regulators and
# the trading desk want more: a **drill under load**, with the numbers, and documents the
# operations team can run the next failover from without you in the room.
#
# The drill has two parts, both against the Aurora PostgreSQL global database
# `trading-platform-global` (writer cluster `trading-platform-primary` in us-east-1, secondary
# `trading-platform-dr` in us-west-2, real PostgreSQL streaming replication between them):
#
# 1. a **planned switchover** to us-west-2 (`switchover_global_cluster`: maintenance, or an
#    impending regional problem) while trades are being written: it must lose **nothing**;
# 2. an **unplanned failover** back to us-east-1 (`failover_global_cluster` with
#    `AllowDataLoss=True`: the writer's region is gone) while the link between the regions is
#    down, so some acknowledged trades have not replicated. You measure **exactly what was
#    lost**, and check your count against what RDS itself reports.
#
# Then you draw the drill's timeline and write the DR report, the runbook and the lessons
# learned into your portfolio: the handover.
#
# The emulator runs at `time_scale` 0.05: a global switchover or failover, 30 s on AWS, takes
# 1.5 s here. Measured times are emulator seconds; divide by the time scale for AWS time.
#
# **Estimated time: 4-5 hours** (half of it writing).
#
# ## What you will build
#
# | # | task | AWS services | points |
# |---|------|--------------|--------|
# | 1 | A trading load: a writer thread that logs every acknowledged trade | RDS (Aurora PostgreSQL) | 2 |
# | 2 | Planned switchover under load: RTO measured, RPO proven zero | RDS global database | 3 |
# | 3 | Unplanned failover with replication down: what was lost, matched with RDS's own count | RDS global database, RDS events | 3 |
# | 4 | The drill's timeline: writes per second, the switch windows, the errors | - | 2 |
# | 5 | Measurements (`rto` and `rpo`: the worst case of the drill; the planned RPO, the unplanned loss) and the DR report | - | 2 |
# | 6 | The DR runbook and the lessons learned | SNS (escalation) | 2 |
#
# By the end you should be able to:
#
# - measure RTO and RPO from the application's side: the acknowledged-commit log is the
#   ground truth, not the console;
# - explain why a switchover loses nothing and a failover can, and what "RPO zero" really
#   requires of an asynchronously replicated database;
# - report a loss honestly, reconciled with an independent count;
# - hand over a DR capability: a runbook someone else can follow and the lessons learned.
#
# ## How this notebook works
#
# - Run the **setup** and **helper** cells first: they start (or find) the emulator and seed
#   the global database with its `trades` table.
# - Each task has an explanation, a cell where **you write the code** (replace
#   `raise NotImplementedError()`) and a **check** cell. The grader runs more checks than you
#   see: it recomputes the RTO and RPO from the database and your acknowledged-trade log, so a
#   number that is not measured fails.
# - Tasks 2 and 3 change which region writes. Run the notebook top to bottom; if a cell fails
#   half-way, fix it and re-run it: each drill starts from whichever region writes now.
# - Stuck with a broken state? In a terminal, `labkit reset` empties the emulator; then re-run
#   the notebook from the top.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import json
import re
import threading
import time
import urllib.request

import numpy as np
import psycopg
from matplotlib.figure import Figure

import labkit
from labkit.checks import expect

lab = labkit.start_lab("p4_w16_dr_drill")
names = lab.names
PRIMARY, DR = names["primary_region"], names["dr_region"]
TIME_SCALE = lab.manifest.time_scale or 1.0
rds = {PRIMARY: lab.client("rds", PRIMARY), DR: lab.client("rds", DR)}
sns = lab.client("sns")

print(lab)
for key in ("global_cluster_arn", "primary_cluster_arn", "dr_cluster_arn", "topic_arn"):
    print(f"{key:20} {names[key]}")


# %% [markdown] nbgrader={"grade": false, "grade_id": "helpers_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The next cell defines **helpers** for the drill (use them freely):
#
# - `global_cluster()` describes the global database now; `wait_until_settled()` waits until
#   no switchover or failover is under way and returns it. `writer_arn(gc)` and
#   `secondary_arn(gc)` are its members' cluster ARNs, `region_of(arn)` the region in an ARN,
#   `describe_cluster(arn)` the cluster.
# - `connect_writer_endpoint(cluster_arn, timeout=3)`: a `psycopg` connection (autocommit) to
#   that cluster's **writer endpoint**. On a secondary it reaches a read-only standby; while a
#   writer moves, connecting or writing fails (`psycopg.Error`).
# - `replication(instance_id, region, paused=None)`: the emulator's replication control for a
#   standby DB instance (`POST /_labkit/rds/replication`): it answers
#   `{"DBInstanceIdentifier", "Region", "Paused", "Lag": {"Bytes", "Seconds"}}`, the standby's
#   lag behind its writer; `paused=True` cuts the link between the regions (its WAL receiver
#   stops), `paused=False` restores it.
# - `cluster_events(cluster_arn)`: the RDS events of that cluster (`describe_events` with
#   `SourceType="db-cluster"` in its region), oldest first.
# - `trade_ids(cluster_arn)`: the set of trade ids the cluster's writer endpoint has.


# %% nbgrader={"grade": false, "grade_id": "helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def region_of(arn: str) -> str:
    return arn.split(":")[3]


def global_cluster() -> dict:
    found = rds[PRIMARY].describe_global_clusters(GlobalClusterIdentifier=names["global_cluster"])
    return found["GlobalClusters"][0]


def wait_until_settled(timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        gc = global_cluster()
        if not gc.get("FailoverState") and gc.get("Status") == "available":
            return gc
        if time.monotonic() > deadline:
            raise TimeoutError(f"{names['global_cluster']} still switching after {timeout} s")
        time.sleep(0.1)


def writer_arn(gc: dict) -> str:
    return next(m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if m["IsWriter"])


def secondary_arn(gc: dict) -> str:
    return next(m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if not m["IsWriter"])


def describe_cluster(arn: str) -> dict:
    found = rds[region_of(arn)].describe_db_clusters(DBClusterIdentifier=arn.split(":")[-1])
    return found["DBClusters"][0]


def connect_writer_endpoint(cluster_arn: str, timeout: int = 3) -> psycopg.Connection:
    cluster = describe_cluster(cluster_arn)
    return psycopg.connect(
        host=cluster["Endpoint"],
        port=cluster["Port"],
        user=names["db_user"],
        password=names["db_password"],
        dbname=names["db_name"],
        autocommit=True,
        connect_timeout=timeout,
    )


def replication(instance_id: str, region: str, paused: bool | None = None) -> dict:
    body = {"DBInstanceIdentifier": instance_id, "Region": region}
    if paused is not None:
        body["Paused"] = paused
    req = urllib.request.Request(
        f"{lab.endpoint_url}/_labkit/rds/replication",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def cluster_events(cluster_arn: str) -> list[dict]:
    found = rds[region_of(cluster_arn)].describe_events(
        SourceType="db-cluster", SourceIdentifier=cluster_arn.split(":")[-1]
    )["Events"]
    return sorted(found, key=lambda e: e["Date"])


def trade_ids(cluster_arn: str) -> set[int]:
    with connect_writer_endpoint(cluster_arn) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM trades").fetchall()}


gc = wait_until_settled()
print("global writer:   ", writer_arn(gc))
print("global secondary:", secondary_arn(gc))
print("trades on the writer:", len(trade_ids(writer_arn(gc))))

# %% [markdown] nbgrader={"grade": false, "grade_id": "task1_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 1 · A trading load with an acknowledged-commit log (2 points)
#
# An RPO is a statement about **acknowledged** transactions: a trade the platform confirmed to
# a client must exist after the failover. So the drill needs a load that keeps a log of exactly
# what was acknowledged, and when. Write the class `TradeWriter`:
#
# - `TradeWriter(interval=0.01)`; attributes `acked` (a list) and `errors` (a list).
# - `start()`: wait until the global cluster is settled, read `max(id) + 1` from `trades` on
#   the writer (the first id of this run), then start a **daemon thread** that loops until
#   `stop()`:
#   - when it has no connection: find the global writer **now** (`writer_arn(global_cluster())`:
#     during a switch it still names the old writer until the switch completes) and connect to
#     its writer endpoint (`timeout=1`); on any failure, log an error and retry after 0.05 s;
#   - take the **next id** (ids only ever increase, even when an insert fails: an insert that
#     raised may or may not have committed, so its id is never reused) and insert one trade
#     (`INSERT INTO trades (id, symbol, side, quantity, price) VALUES (...)`);
#   - when the insert returns, append `{"id": ..., "at": time.monotonic(), "region": <the
#     writer's region>}` to `acked`; when it raises, append `{"at": ..., "error": <the
#     exception's type name>}` to `errors`, drop the connection and retry after 0.05 s;
#   - sleep `interval` between trades.
#
#   The thread must never raise (catch `Exception`: an uncaught exception in a thread prints to
#   stderr, and nbgrader fails a cell that writes to stderr).
# - `stop()`: signal the loop (a `threading.Event`), join the thread, close its connection.
#
# Then run a warm-up: `warmup = TradeWriter()`, start it, let it write for about a second,
# stop it.

# %% nbgrader={"grade": false, "grade_id": "writer_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
INSERT_TRADE = "INSERT INTO trades (id, symbol, side, quantity, price) VALUES (%s, %s, %s, %s, %s)"
SYMBOLS = ("AAPL", "MSFT", "AMZN", "GOOG", "JPM", "GS", "BAC", "TSLA")


class TradeWriter:
    """Writes trades with increasing ids to the global writer; logs every acknowledgement."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.acked: list[dict] = []
        self.errors: list[dict] = []
        self.next_id = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        gc = wait_until_settled()
        with connect_writer_endpoint(writer_arn(gc)) as conn:
            self.next_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM trades").fetchone()[0]
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="trade-writer", daemon=True)
        self._thread.start()

    def _error(self, e: Exception) -> None:
        self.errors.append({"at": time.monotonic(), "error": type(e).__name__})

    def _run(self) -> None:
        conn, region = None, None
        while not self._stop.is_set():
            if conn is None:
                try:
                    arn = writer_arn(global_cluster())
                    conn, region = connect_writer_endpoint(arn, timeout=1), region_of(arn)
                except Exception as e:  # noqa: BLE001 - logged; the loop retries
                    self._error(e)
                    time.sleep(0.05)
                    continue
            trade_id = self.next_id
            self.next_id += 1
            trade = (trade_id, SYMBOLS[trade_id % 8], "BUY" if trade_id % 2 else "SELL", 100, 99.5)
            try:
                conn.execute(INSERT_TRADE, trade)
                self.acked.append({"id": trade_id, "at": time.monotonic(), "region": region})
            except Exception as e:  # noqa: BLE001 - logged; reconnect to the writer
                self._error(e)
                try:
                    conn.close()
                except Exception:  # noqa: BLE001, S110 - the connection is gone anyway
                    pass
                conn = None
                time.sleep(0.05)
            time.sleep(self.interval)
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001, S110
                pass

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)


warmup = TradeWriter()
warmup.start()
time.sleep(0.7)
warmup.stop()
### END SOLUTION
print(f"warm-up: {len(warmup.acked)} trades acknowledged, {len(warmup.errors)} errors")


# %% nbgrader={"grade": true, "grade_id": "writer_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def check_log(writer, what: str) -> list[int]:
    expect(isinstance(writer.acked, list) and writer.acked, f"{what}: acked is empty")
    for entry in writer.acked[:3] + writer.acked[-3:]:
        for key in ("id", "at", "region"):
            expect(key in entry, f"{what}: an acked entry has no {key!r}: {entry}")
    ids = [a["id"] for a in writer.acked]
    expect(
        all(b > a for a, b in zip(ids, ids[1:], strict=False)),
        f"{what}: acknowledged ids must strictly increase",
    )
    times = [a["at"] for a in writer.acked]
    expect(
        all(b >= a for a, b in zip(times, times[1:], strict=False)),
        f"{what}: acknowledgement times must not go backwards (use time.monotonic())",
    )
    return ids


ids = check_log(warmup, "warm-up")
expect(len(ids) >= 10, f"the warm-up acknowledged only {len(ids)} trades")
_count = len(warmup.acked)
time.sleep(0.2)
expect(len(warmup.acked) == _count, "the writer still acknowledges trades after stop()")
writer_now = writer_arn(wait_until_settled())
stored = trade_ids(writer_now)
missing = sorted(set(ids) - stored)
expect(
    not missing,
    f"{len(missing)} acknowledged trades are not in the database (e.g. {missing[:5]})",
)
print(f"{len(ids)} acknowledged trades, all in the database")

### BEGIN HIDDEN TESTS
expect(
    {a["region"] for a in warmup.acked} == {region_of(writer_now)},
    f"the warm-up's acks name regions {sorted({a['region'] for a in warmup.acked})}; the "
    f"writer is in {region_of(writer_now)}",
)
_before = max(stored)
_again = TradeWriter()
_again.start()
time.sleep(0.3)
_again.stop()
_ids = check_log(_again, "a second TradeWriter")
expect(_ids[0] > max(ids), "a new run must continue after the highest id in the table")
expect(not (set(_ids) - trade_ids(writer_now)), "a second run's acks are not all stored")
expect(max(trade_ids(writer_now)) > _before, "the second run wrote nothing")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task2_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 2 · Planned switchover under load (3 points)
#
# A **switchover** (`switchover_global_cluster`) is the planned move: Aurora waits until the
# secondary has every committed transaction, then swaps the roles. Prove it with the load:
#
# 1. Start `planned_load = TradeWriter()` and let it write for about a second.
# 2. Note the writer (`from`) and the secondary (`to`) of the settled global cluster; record
#    `started_at = time.monotonic()` and call `switchover_global_cluster` with the target's
#    **ARN**, on the RDS client of the target's region.
# 3. Wait (poll `planned_load.acked`) until the load has an acknowledged trade **on the new
#    writer's region** acked after `started_at`; that ack's time is `completed_at`. The RTO
#    is `completed_at - started_at`. Let the load write half a second more, stop it,
#    `wait_until_settled()`.
# 4. RPO: the acknowledged ids that the **new writer** does not have (`trade_ids(...)`) are
#    `lost_ids` (sorted). `rpo_seconds` is 0 when nothing is lost; otherwise the time from the
#    last acknowledged trade that survived before the first lost one (or the load's first ack)
#    to the last lost ack: the window of confirmed trades that vanished.
#
# Store the results in a dict `planned` with keys `started_at`, `completed_at`,
# `rto_seconds`, `from_region`, `to_region`, `acked` (the count), `errors` (the count),
# `lost_ids`, `rpo_seconds`. A function `measure_loss(writer, cluster_arn)` returning
# `(lost_ids, rpo_seconds)` is worth writing: task 3 needs it again.


# %% nbgrader={"grade": false, "grade_id": "planned_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def measure_loss(writer: TradeWriter, cluster_arn: str) -> tuple[list[int], float]:
    stored = trade_ids(cluster_arn)
    lost = [a for a in writer.acked if a["id"] not in stored]
    if not lost:
        return [], 0.0
    first_lost = lost[0]["at"]
    survived = [a["at"] for a in writer.acked if a["id"] in stored and a["at"] < first_lost]
    since = survived[-1] if survived else writer.acked[0]["at"]
    return [a["id"] for a in lost], lost[-1]["at"] - since


def first_ack_in(writer: TradeWriter, region: str, after: float, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        for a in list(writer.acked):
            if a["region"] == region and a["at"] >= after:
                return a
        if time.monotonic() > deadline:
            raise TimeoutError(f"no trade acknowledged in {region} within {timeout} s")
        time.sleep(0.02)


def drill(writer: TradeWriter, switch, before=0.7, after=0.5, prepare=None) -> dict:
    """Run ``switch(source_arn, target_arn)`` under ``writer``'s load; measure RTO and RPO.
    ``prepare(source_arn, target_arn)`` runs under load just before the switch."""
    writer.start()
    time.sleep(before)
    gc = wait_until_settled()
    source, target = writer_arn(gc), secondary_arn(gc)
    if prepare is not None:
        prepare(source, target)
    started_at = time.monotonic()
    switch(source, target)
    completed_at = first_ack_in(writer, region_of(target), started_at)["at"]
    time.sleep(after)
    writer.stop()
    wait_until_settled()
    lost_ids, rpo_seconds = measure_loss(writer, target)
    return {
        "started_at": started_at,
        "completed_at": completed_at,
        "rto_seconds": completed_at - started_at,
        "from_region": region_of(source),
        "to_region": region_of(target),
        "acked": len(writer.acked),
        "errors": len(writer.errors),
        "lost_ids": lost_ids,
        "rpo_seconds": rpo_seconds,
    }


def switchover(source: str, target: str) -> None:
    rds[region_of(target)].switchover_global_cluster(
        GlobalClusterIdentifier=names["global_cluster"], TargetDbClusterIdentifier=target
    )


planned_load = TradeWriter()
planned = drill(planned_load, switchover)
### END SOLUTION
print(json.dumps(planned, indent=2))

# %% nbgrader={"grade": true, "grade_id": "planned_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
SWITCH_SECONDS = 30 * TIME_SCALE  # the emulator's global switch: 5 s pending + 25 s switching
SLACK = 20.0  # a loaded 2-core machine
KEYS = ("started_at", "completed_at", "rto_seconds", "from_region", "to_region", "acked")


def check_drill(result: dict, writer, what: str) -> None:
    for key in (*KEYS, "errors", "lost_ids", "rpo_seconds"):
        expect(key in result, f"{what}: no {key!r} key (found {sorted(result)})")
    rto = result["rto_seconds"]
    expect(
        isinstance(rto, (int, float)) and SWITCH_SECONDS * 0.9 <= rto <= SWITCH_SECONDS + SLACK,
        f"{what}: rto_seconds {rto!r} is not a measured switch: it takes {SWITCH_SECONDS:.1f} s "
        f"here, so expect {SWITCH_SECONDS * 0.9:.2f} to {SWITCH_SECONDS + SLACK:.1f} s",
    )
    first_new = next(
        (
            a
            for a in writer.acked
            if a["region"] == result["to_region"] and a["at"] >= result["started_at"]
        ),
        None,
    )
    expect(first_new is not None, f"{what}: the load has no ack on {result['to_region']}")
    expect(
        abs(result["completed_at"] - first_new["at"]) < 0.01
        and abs(rto - (first_new["at"] - result["started_at"])) < 0.01,
        f"{what}: completed_at must be the first ack in to_region ({result['to_region']}) after "
        f"started_at, {first_new['at'] - result['started_at']:.3f} s after it; you have "
        f"completed_at {result['completed_at'] - result['started_at']:.3f} s after started_at "
        f"and rto_seconds {rto:.3f}",
    )
    before = [a for a in writer.acked if a["at"] < result["started_at"]]
    expect(before, f"{what}: the load must be running before the switch starts")
    expect(result["acked"] == len(writer.acked), f"{what}: 'acked' is not the ack count")


check_drill(planned, planned_load, "planned")
gc = wait_until_settled()
expect(
    (planned["from_region"], planned["to_region"]) == (PRIMARY, DR)
    and region_of(writer_arn(gc)) == DR,
    f"the switchover must move the writer from {PRIMARY} to {DR}: the result says "
    f"{planned['from_region']} -> {planned['to_region']}, the writer is in "
    f"{region_of(writer_arn(gc))}",
)
expect(
    planned["lost_ids"] == [] and planned["rpo_seconds"] == 0,
    f"a switchover loses nothing, yet lost_ids has {len(planned['lost_ids'])} ids",
)
print(f"planned switchover: RTO {planned['rto_seconds']:.2f} s, nothing lost")

### BEGIN HIDDEN TESTS
_stored = trade_ids(writer_arn(gc))
_missing = sorted({a["id"] for a in planned_load.acked} - _stored)
expect(not _missing, f"recomputed: the new writer misses {len(_missing)} acknowledged trades")
_events = [e["Message"] for e in cluster_events(writer_arn(gc))]
expect(
    any(m.startswith("Global switchover to") and "no data was lost" in m for m in _events),
    "no RDS event of a global switchover: use switchover_global_cluster (planned), not failover",
)
expect(
    any(a["region"] == PRIMARY for a in planned_load.acked)
    and any(a["region"] == DR for a in planned_load.acked),
    "the load must write on both sides of the switchover",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task3_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 3 · Unplanned failover with the link down (3 points)
#
# Now the bad day. us-west-2 writes (after task 2); the link to us-east-1 breaks, trades keep
# being acknowledged in us-west-2, and then us-west-2 is lost. `failover_global_cluster` with
# `AllowDataLoss=True` promotes us-east-1 with whatever it had received. Run it and report
# **exactly** what was lost:
#
# 1. Start `unplanned_load = TradeWriter()`, let it write 0.5 s.
# 2. Cut replication to the secondary: `replication(<its instance id>, <its region>,
#    paused=True)` (the secondary cluster's `DBClusterMembers`). Keep writing ~0.7 s and check
#    with `replication(...)` that its lag (`Lag.Bytes`) is now above 0: those commits exist only
#    in us-west-2.
# 3. `started_at`, then `failover_global_cluster(..., AllowDataLoss=True)` to the secondary;
#    measure as in task 2 (first ack on the new writer after `started_at`), let the load write
#    half a second more, stop it, wait until settled.
# 4. Compute `lost_ids` and `rpo_seconds` from the ack log and the new writer, as in task 2.
# 5. Reconcile with RDS: among the new writer's `cluster_events`, the one that starts
#    `"Global failover to"` and says how many `committed transaction(s)` were lost. Store that
#    number as `event_lost_transactions` and the message as `event_message`.
#
# Store it all in a dict `unplanned` with the keys of task 2 plus `event_lost_transactions`
# and `event_message`. The two counts may differ: an insert that raised (so it is not in your
# log) may still have committed on the old writer. Your log can never show more lost trades
# than RDS counts lost transactions.


# %% nbgrader={"grade": false, "grade_id": "unplanned_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def cut_link(source: str, target: str) -> None:
    """Pause the target's replication; keep the load writing so commits pile up unreplicated."""
    standby = describe_cluster(target)["DBClusterMembers"][0]["DBInstanceIdentifier"]
    replication(standby, region_of(target), paused=True)
    time.sleep(0.7)
    lag = replication(standby, region_of(target))["Lag"]
    print("replication lag with the link down:", lag)
    expect(lag["Bytes"] > 0, "replication is paused but the standby is not behind")
    link["lag_bytes"] = lag["Bytes"]


def failover(source: str, target: str) -> None:
    rds[region_of(target)].failover_global_cluster(
        GlobalClusterIdentifier=names["global_cluster"],
        TargetDbClusterIdentifier=target,
        AllowDataLoss=True,
    )


link: dict = {}
unplanned_load = TradeWriter()
unplanned = drill(unplanned_load, failover, before=0.5, prepare=cut_link)
target = writer_arn(wait_until_settled())
message = next(
    e["Message"]
    for e in reversed(cluster_events(target))
    if e["Message"].startswith("Global failover to") and "transaction" in e["Message"]
)
counted = re.search(r"(\d+) committed transaction\(s\)", message)
unplanned["event_lost_transactions"] = int(counted.group(1)) if counted else 0
unplanned["event_message"] = message
unplanned["replication_lag_bytes"] = link["lag_bytes"]
### END SOLUTION
print(json.dumps({k: v for k, v in unplanned.items() if k != "lost_ids"}, indent=2))
print(f"{len(unplanned['lost_ids'])} acknowledged trades lost")

# %% nbgrader={"grade": true, "grade_id": "unplanned_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check_drill(unplanned, unplanned_load, "unplanned")
for key in ("event_lost_transactions", "event_message"):
    expect(key in unplanned, f"unplanned: no {key!r} key (found {sorted(unplanned)})")
gc = wait_until_settled()
expect(
    region_of(writer_arn(gc)) == unplanned["to_region"] == PRIMARY,
    f"the failover must bring the writer back to {PRIMARY}; it is in {region_of(writer_arn(gc))}",
)
stored_now = trade_ids(writer_arn(gc))
recomputed = sorted({a["id"] for a in unplanned_load.acked} - stored_now)
expect(
    recomputed,
    "the new writer has every acknowledged trade: was replication paused before the failover, "
    "and was it failover_global_cluster with AllowDataLoss=True?",
)
expect(
    sorted(unplanned["lost_ids"]) == recomputed,
    f"the new writer misses {len(recomputed)} acknowledged trades (ids {recomputed[0]} to "
    f"{recomputed[-1]}), you report {len(unplanned['lost_ids'])} lost",
)
print(f"unplanned failover: RTO {unplanned['rto_seconds']:.2f} s, {len(recomputed)} trades lost")

### BEGIN HIDDEN TESTS
expect(
    unplanned["rpo_seconds"] > 0,
    f"{len(recomputed)} acknowledged trades were lost, so the RPO is not 0 "
    f"(you report rpo_seconds={unplanned['rpo_seconds']!r})",
)
_lost = [a for a in unplanned_load.acked if a["id"] in set(recomputed)]
_kept = [
    a["at"] for a in unplanned_load.acked if a["id"] in stored_now and a["at"] < _lost[0]["at"]
]
_rpo = _lost[-1]["at"] - (_kept[-1] if _kept else unplanned_load.acked[0]["at"])
expect(
    abs(unplanned["rpo_seconds"] - _rpo) < 0.05,
    f"rpo_seconds is {unplanned['rpo_seconds']:.3f}; from the log and the database it is "
    f"{_rpo:.3f} s (last surviving ack before the loss to the last lost ack)",
)
_messages = [
    e["Message"]
    for e in cluster_events(writer_arn(gc))
    if e["Message"].startswith("Global failover to") and "committed transaction(s)" in e["Message"]
]
expect(_messages, "RDS reports no failover that lost transactions")
_count = int(re.search(r"(\d+) committed transaction\(s\)", _messages[-1]).group(1))
expect(
    unplanned["event_lost_transactions"] == _count,
    f"RDS's event counts {_count} lost transactions; you report "
    f"{unplanned['event_lost_transactions']}",
)
expect(
    _count >= len(recomputed),
    f"RDS counts {_count} lost transactions but {len(recomputed)} acknowledged trades are "
    "missing: some trades in the log were never committed",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task4_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 4 · The drill's timeline (2 points)
#
# One picture tells the story: draw it with the matplotlib **object API** (`Figure()`, never
# `pyplot`) in a variable `timeline_fig`, and save it with
# `lab.portfolio.add_figure(names["figure"], timeline_fig)`.
#
# - x: seconds since the drill started (the first ack of `planned_load`);
# - y: **writes per second**: the acks of both loads in bins of 0.25 s (`np.histogram`),
#   divided by the bin width, one line per load or one line overall, **y-label** saying
#   "writes per second";
# - the switchover window and the failover window as shaded spans (`ax.axvspan`) from
#   `started_at` to `completed_at`, labelled with "switchover" and "failover";
# - the errors as markers (e.g. `ax.scatter` at y=0 or `ax.vlines`), labelled "errors";
# - a legend and a title.

# %% nbgrader={"grade": false, "grade_id": "timeline_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
t0 = planned_load.acked[0]["at"]
BIN = 0.25
timeline_fig = Figure(figsize=(10, 5))
ax = timeline_fig.add_subplot()
for load, label, color in (
    (planned_load, "writes/s (planned drill)", "tab:blue"),
    (unplanned_load, "writes/s (unplanned drill)", "tab:purple"),
):
    at = np.array([a["at"] - t0 for a in load.acked])
    edges = np.arange(at.min(), at.max() + BIN, BIN)
    counts, edges = np.histogram(at, bins=edges)
    ax.plot(edges[:-1], counts / BIN, drawstyle="steps-post", color=color, label=label)
for result, label, color in (
    (planned, "switchover", "tab:green"),
    (unplanned, "failover (AllowDataLoss)", "tab:red"),
):
    ax.axvspan(
        result["started_at"] - t0,
        result["completed_at"] - t0,
        color=color,
        alpha=0.2,
        label=f"{label}: {result['rto_seconds']:.2f} s",
    )
lost = set(unplanned["lost_ids"])
lost_at = [a["at"] - t0 for a in unplanned_load.acked if a["id"] in lost]
if lost_at:
    ax.axvspan(min(lost_at), max(lost_at), color="black", alpha=0.08, label="acked, then lost")
errors = [e["at"] - t0 for e in planned_load.errors + unplanned_load.errors]
ax.scatter(errors, [0] * len(errors), marker="x", color="tab:red", label="errors", zorder=3)
ax.set_xlabel("seconds since the drill started (emulator time)")
ax.set_ylabel("writes per second")
ax.set_title(
    f"DR drill: {planned['acked'] + unplanned['acked']} trades acknowledged, "
    f"{len(unplanned['lost_ids'])} lost in the unplanned failover"
)
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3, fontsize="small")
timeline_fig.tight_layout()
lab.portfolio.add_figure(names["figure"], timeline_fig)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "timeline_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
expect(isinstance(timeline_fig, Figure), "timeline_fig must be a matplotlib Figure")
expect(timeline_fig.axes, "timeline_fig has no axes")
axis = timeline_fig.axes[0]
expect("second" in axis.get_ylabel().lower(), f"y-label {axis.get_ylabel()!r}: writes per second")
legend = axis.get_legend()
expect(legend is not None, "the timeline needs a legend")
labels = " ".join(t.get_text().lower() for t in legend.get_texts())
for word in ("switchover", "failover", "error"):
    expect(word in labels, f"no legend entry mentions {word!r} (legend: {labels!r})")
png = lab.portfolio.path("figures", f"{names['figure']}.png")
expect(png.is_file(), f"the timeline is not in the portfolio: {png}")
print("timeline drawn and saved")

### BEGIN HIDDEN TESTS
expect(png.stat().st_size > 5000, f"{png} is too small to be the timeline")
expect(len(axis.patches) >= 2, "the switchover and failover windows should be shaded spans")
expect(axis.lines or axis.collections, "no writes-per-second data on the timeline")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task5_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 5 · Measurements and the DR report (2 points)
#
# The portfolio rubric scores Project 4 on measured `rto` and `rpo` (targets: at most 15
# minutes, and 0). They are the numbers of the **DR capability**, and a disaster is the
# unplanned case: quoting the planned switchover's RPO of 0 as "the RPO" while the same drill
# lost trades would be cherry-picking. So the rubric's numbers are the **worst** the drill
# measured, and the planned result is recorded beside them. Record, with
# `lab.portfolio.record_measurement(..., project="p4")`, in **AWS minutes** (emulator seconds ÷
# `TIME_SCALE` ÷ 60) and with a `source` that says which drill and what the number covers:
#
# - `rto`: the **longer** of the two drills' `rto_seconds` (planned switchover, unplanned
#   failover), target `"<= 15"`, unit `"min"`;
# - `rpo`: the **unplanned failover's** `rpo_seconds`, target `"<= 0"`, unit `"min"` (it
#   misses the target: that is the finding, report it);
# - `planned_rpo`: the planned switchover's `rpo_seconds` (0), target `"<= 0"`, unit `"min"`;
# - `unplanned_lost_trades`: the number of acknowledged trades lost, unit `"trades"`,
#   target `"<= 0"`.
#
# Say in the report what these numbers are and are not:
#
# - the RTO runs from the API call to the first acknowledged write on the new writer: the
#   **database tier only**. Detecting the failure, deciding to fail over, DNS and the web tier
#   come on top;
# - the AWS estimate divides everything by `TIME_SCALE`, also the client's own reconnect
#   delays (real seconds here), so it overstates them: a conservative estimate;
# - the unplanned RPO is set by how long the old writer kept acknowledging trades that no
#   longer replicated: from the moment the drill cut the link (its choice) until the failover
#   fenced the old writer. In production it is the replication lag at the moment the region
#   is lost: typically under a second for Aurora Global Database, unbounded while the link is
#   down.
#
# Then write the DR report: `lab.portfolio.write_document("dr-report", names["dr_report"],
# markdown)` with the headings **Scenario**, **RTO**, **RPO**, **Timeline**, **Findings**,
# **Improvements**. Give the measured numbers: both RTOs in emulator seconds (2 decimals) and
# AWS estimates, the planned RPO (0, with the count of acknowledged trades checked), the
# unplanned loss (the count of lost trades, the id range, the window in seconds, RDS's own
# count and why they may differ), what the numbers cover (above), a link to the timeline
# figure (`../../figures/<figure>.png`), findings and improvements that follow from the numbers.


# %% nbgrader={"grade": false, "grade_id": "report_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def aws_minutes(seconds: float) -> float:
    return round(seconds / TIME_SCALE / 60, 3)


source = f"DR drill under load, emulator time scale {TIME_SCALE}"
worst = max((planned, unplanned), key=lambda r: r["rto_seconds"])
worst_name = "planned switchover" if worst is planned else "unplanned failover"
lab.portfolio.record_measurement(
    "rto",
    aws_minutes(worst["rto_seconds"]),
    "min",
    target="<= 15",
    project="p4",
    source=(
        f"{source}: the longer of the two drills ({worst_name} {worst['rto_seconds']:.2f} s; "
        f"switchover {planned['rto_seconds']:.2f} s, failover {unplanned['rto_seconds']:.2f} s), "
        "API call to the first acknowledged write: database tier only"
    ),
)
lab.portfolio.record_measurement(
    "rpo",
    aws_minutes(unplanned["rpo_seconds"]),
    "min",
    target="<= 0",
    project="p4",
    source=(
        f"{source}: unplanned failover (AllowDataLoss) after replication was cut for the drill: "
        f"{len(unplanned['lost_ids'])} acknowledged trades lost in {unplanned['rpo_seconds']:.2f} s"
    ),
)
lab.portfolio.record_measurement(
    "planned_rpo",
    aws_minutes(planned["rpo_seconds"]),
    "min",
    target="<= 0",
    project="p4",
    source=f"{source}: planned switchover, {planned['acked']} acknowledged trades all on the new writer",
)
lab.portfolio.record_measurement(
    "unplanned_lost_trades",
    len(unplanned["lost_ids"]),
    "trades",
    target="<= 0",
    project="p4",
    source=f"{source}: RDS event counted {unplanned['event_lost_transactions']} transactions",
)

lost_ids = unplanned["lost_ids"]
dr_report = f"""# DR drill report: trading platform, {PRIMARY} and {DR}

## Scenario

A drill under a continuous trading load (one trade every ~10 ms, every acknowledgement
logged) against the Aurora PostgreSQL global database `{names["global_cluster"]}`:

1. a planned switchover from {planned["from_region"]} to {planned["to_region"]}
   (`switchover_global_cluster`);
2. an unplanned failover from {unplanned["from_region"]} to {unplanned["to_region"]}
   (`failover_global_cluster`, `AllowDataLoss=True`) after replication to
   {unplanned["to_region"]} had been cut (lag {unplanned.get("replication_lag_bytes", "?")} bytes).

Emulator time scale {TIME_SCALE}: emulator seconds / {TIME_SCALE} = AWS seconds.

## RTO

| drill | start to first write on the new writer | AWS estimate | target |
|---|---|---|---|
| planned switchover | {planned["rto_seconds"]:.2f} s | {aws_minutes(planned["rto_seconds"]):.2f} min | 15 min |
| unplanned failover | {unplanned["rto_seconds"]:.2f} s | {aws_minutes(unplanned["rto_seconds"]):.2f} min | 15 min |

Both meet the 15-minute RTO for the database tier. What the numbers cover: from the API
call to the first trade acknowledged by the new writer. Detecting the failure, deciding to fail
over, DNS and the web tier come on top. The AWS estimate divides the whole window by the time
scale, including the client's reconnect delays (real seconds here): conservative.

## RPO

- Planned switchover: **RPO 0**. All {planned["acked"]} acknowledged trades are on the new
  writer ({planned["errors"]} writes failed during the switch and were never acknowledged).
- Unplanned failover: **{len(lost_ids)} acknowledged trades lost**
  (ids {lost_ids[0] if lost_ids else "-"} to {lost_ids[-1] if lost_ids else "-"}),
  a window of {unplanned["rpo_seconds"]:.2f} s ({aws_minutes(unplanned["rpo_seconds"]):.2f}
  AWS minutes). RDS's event counts {unplanned["event_lost_transactions"]} committed
  transactions lost: "{unplanned["event_message"]}". RDS counts every committed transaction,
  including inserts whose acknowledgement never reached the client.
- The portfolio's `rpo` is the unplanned one: the DR promise is about the disaster, and it
  is **not met**. The window runs from the drill cutting the link (its choice, ~0.7 s before
  the failover call) until the failover fenced the old writer; in production it is the
  replication lag when the region is lost: typically under a second, unbounded while the link
  is down.

## Timeline

![DR drill timeline](../../figures/{names["figure"]}.png)

Writes per second across both drills; shaded: the switchover and failover windows and the
acknowledged-then-lost trades; crosses: failed writes.

## Findings

1. The planned switchover meets RPO 0 under load: Aurora waits for the secondary to catch up.
2. An unplanned failover loses whatever had not replicated: with the link down for about
   {unplanned["rpo_seconds"]:.1f} s, {len(lost_ids)} confirmed trades vanished. RPO zero holds only
   while replication lag is zero, which asynchronous replication cannot guarantee.
3. Writes fail for the length of the switch ({planned["errors"]} + {unplanned["errors"]} failed
   attempts): clients need retries with idempotency keys.

## Improvements

1. Alarm on `AuroraGlobalDBReplicationLag` and on replication stopping; page before a failover
   would lose data.
2. Prefer the switchover whenever the primary region still answers; use `AllowDataLoss` only
   when it does not, and reconcile lost trades from the order gateway's log afterwards.
3. Make trade submission idempotent (client order ids) so retries during the switch are safe.
4. Repeat this drill quarterly and track RTO and loss over time.
"""
lab.portfolio.write_document("dr-report", names["dr_report"], dr_report)
### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "report_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def measurement(name: str) -> dict:
    path = lab.portfolio.path("measurements", f"p4_{name}.json")
    expect(path.is_file(), f"no measurement {name!r} for project p4 ({path})")
    return json.loads(path.read_text())


def headings_of(text: str) -> list[str]:
    return [line.lstrip("#").strip().lower() for line in text.splitlines() if line.startswith("#")]


for _drill in ("planned", "unplanned"):
    expect(_drill in globals(), f"no {_drill!r}: rto and rpo come from both drills (tasks 2 and 3)")
rto = measurement("rto")
expect(rto["unit"] == "min", f"rto is in {rto['unit']!r}; record it in min")
longest = max(planned["rto_seconds"], unplanned["rto_seconds"])
expected_rto = longest / TIME_SCALE / 60
expect(
    abs(rto["value"] - expected_rto) < 0.01,
    f"rto is {rto['value']} min; the longer drill took {longest:.2f} s (switchover "
    f"{planned['rto_seconds']:.2f} s, failover {unplanned['rto_seconds']:.2f} s) at time scale "
    f"{TIME_SCALE}: {expected_rto:.3f} AWS minutes",
)
rpo = measurement("rpo")
expected_rpo = unplanned["rpo_seconds"] / TIME_SCALE / 60
expect(rpo["unit"] == "min", f"rpo is in {rpo['unit']!r}; record it in min")
expect(
    rpo["value"] > 0 or expected_rpo == 0,
    f"rpo is {rpo['value']} min: that is the planned switchover's; the DR RPO is the unplanned "
    f"failover's, which lost trades: {expected_rpo:.3f} AWS minutes",
)
expect(
    abs(rpo["value"] - expected_rpo) < 0.01,
    f"rpo is {rpo['value']} min; the unplanned failover's window is "
    f"{unplanned['rpo_seconds']:.3f} s at time scale {TIME_SCALE}: {expected_rpo:.3f} AWS minutes",
)
planned_rpo = measurement("planned_rpo")
expect(
    planned_rpo["value"] == 0 and planned_rpo["unit"] == "min",
    f"planned_rpo is {planned_rpo['value']} {planned_rpo['unit']}: the switchover lost nothing, "
    "record 0 min",
)
report_path = lab.portfolio.path("documents", "dr-report", f"{names['dr_report']}.md")
expect(report_path.is_file(), f"no DR report at {report_path}")
report_text = report_path.read_text()
found = headings_of(report_text)
for section in ("Scenario", "RTO", "RPO", "Timeline", "Findings", "Improvements"):
    expect(
        any(section.lower() in h for h in found),
        f"the DR report has no heading containing {section!r} (headings: {found})",
    )
print("measurements and DR report are in the portfolio")

### BEGIN HIDDEN TESTS
_writer_now = writer_arn(wait_until_settled())
_truth = sorted({a["id"] for a in unplanned_load.acked} - trade_ids(_writer_now))
_lost = len(_truth)
_unplanned = measurement("unplanned_lost_trades")
expect(
    _unplanned["value"] == _lost,
    f"unplanned_lost_trades is {_unplanned['value']}; the new writer misses {_lost} of the "
    "acknowledged trades of the unplanned drill",
)
for _name in ("rto", "rpo", "planned_rpo", "unplanned_lost_trades"):
    _m = measurement(_name)
    expect(
        _m["target"] == {"op": "<=", "value": 15 if _name == "rto" else 0},
        f"{_name}'s target is {_m['target']}, not <= {15 if _name == 'rto' else 0}",
    )
    expect(
        len(str(_m.get("source") or "")) >= 10,
        f"{_name} has no source: say which drill it comes from and what it covers",
    )
for _what, _drill in (("planned", planned), ("unplanned", unplanned)):
    expect(
        f"{_drill['rto_seconds']:.2f}" in report_text,
        f"the DR report does not give the measured {_what} RTO ({_drill['rto_seconds']:.2f} s)",
    )
expect(
    str(_lost) in report_text,
    f"the DR report does not give the number of lost trades ({_lost})",
)
_window = unplanned["rpo_seconds"]
expect(
    any(
        abs(float(x) - _window) <= 0.051 or abs(float(x) - _window / TIME_SCALE / 60) <= 0.01
        for x in re.findall(r"\d+\.\d+", report_text)
    ),
    f"the DR report does not give the unplanned failover's RPO window ({_window:.2f} s, "
    f"{_window / TIME_SCALE / 60:.2f} AWS minutes)",
)
expect(
    f"figures/{names['figure']}.png" in report_text,
    "the DR report does not link the timeline figure",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task6_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 6 · The runbook and the lessons learned (2 points)
#
# The handover. Write two documents with `lab.portfolio.write_document`:
#
# 1. The DR runbook, kind `runbook`, name `names["runbook"]`, with the headings **Purpose**,
#    **Prerequisites**, **Procedure**, **Verification**, **Rollback**, **Escalation**. The
#    procedure must be runnable by the on-call engineer: the decision between
#    `switchover_global_cluster` (primary still answers) and `failover_global_cluster` with
#    `AllowDataLoss` (it does not), the global cluster's and the clusters' names, checking the
#    replication lag first, the web tier and DNS steps. Verification: how to prove the new
#    writer takes writes and what was lost. Escalation: who, and the SNS topic
#    `names["topic"]` to notify.
# 2. `lessons-learned`, name `names["lessons"]`, with **What Went Well**, **Challenges**,
#    **Improvements**, grounded in this drill's numbers (say how many trades were lost).
#
# Then notify the team: publish a one-line drill summary to the topic (`names["topic_arn"]`).

# %% nbgrader={"grade": false, "grade_id": "handover_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
runbook = f"""# Runbook: fail the trading database over to the other region

## Purpose

Move the writer of the Aurora global database `{names["global_cluster"]}` between
`{names["primary_cluster"]}` ({PRIMARY}) and `{names["dr_cluster"]}` ({DR}) within the
15-minute RTO, losing nothing when the primary region still answers.

## Prerequisites

- The `dr-operator` role in both regions; the AWS CLI or boto3.
- The global cluster is `available` (no `FailoverState`): `aws rds describe-global-clusters
  --global-cluster-identifier {names["global_cluster"]}`.
- The replication lag of the secondary (`AuroraGlobalDBReplicationLag`); drilled RTO:
  {planned["rto_seconds"] / TIME_SCALE:.0f} s for a switchover.

## Procedure

1. Declare the incident; notify `{names["topic"]}`.
2. Decide: does the primary region's writer still answer?
   - **Yes (planned):** `aws rds switchover-global-cluster --global-cluster-identifier
     {names["global_cluster"]} --target-db-cluster-identifier <secondary cluster ARN>`
     (`switchover_global_cluster`). No acknowledged trade is lost.
   - **No (unplanned):** note the replication lag (that is the data you will lose), get the
     trading desk's approval, then `aws rds failover-global-cluster --global-cluster-identifier
     {names["global_cluster"]} --target-db-cluster-identifier <secondary cluster ARN>
     --allow-data-loss` (`failover_global_cluster`).
3. Poll `describe-global-clusters` until the target is the writer and `FailoverState` is gone.
4. Scale the DR web tier (`trading-platform-dr-asg`) to 2; scale the failed region's to 0.
5. Confirm Route 53 answers the DR region for `app.trading-platform.example`.

## Verification

- A test trade inserted through the new writer endpoint commits.
- `describe-events --source-type db-cluster`: the `global-failover` event says "no data was
  lost", or how many committed transactions were lost.
- Reconcile the order gateway's acknowledged trades with the new writer; list missing ids.

## Rollback

Once the failed region is healthy and its cluster has rejoined as a secondary with zero lag,
run a **switchover** back (never a failover: it would lose the trades written since).

## Escalation

1. Database on-call (page through SNS topic `{names["topic"]}`).
2. Platform lead, then the head of trading operations for any data loss.
3. AWS Support (Business/Enterprise) for a regional service event.
"""
lab.portfolio.write_document("runbook", names["runbook"], runbook)

lessons = f"""# Lessons learned: trading platform DR (Project 4)

## What Went Well

- The planned switchover lost none of {planned["acked"]} acknowledged trades and took
  {planned["rto_seconds"]:.2f} s ({aws_minutes(planned["rto_seconds"]):.2f} AWS minutes).
- The acknowledged-commit log made RPO a number, reconciled with RDS's own event.

## Challenges

- With replication down, the unplanned failover lost {len(unplanned["lost_ids"])}
  acknowledged trades (RDS: {unplanned["event_lost_transactions"]} transactions): RPO zero
  is not achievable with asynchronous replication in an unplanned failover.
- Writes fail during any switch; clients without retries surface errors to traders.

## Improvements

- Alarm on replication lag; block `AllowDataLoss` without the trading desk's approval.
- Idempotent trade submission and a reconciliation job against the order gateway's log.
- Run this drill quarterly; automate it with the DR test suite of Day 15-17.
"""
lab.portfolio.write_document("lessons-learned", names["lessons"], lessons)
sns.publish(
    TopicArn=names["topic_arn"],
    Subject="DR drill completed",
    Message=(
        f"DR drill: switchover RTO {planned['rto_seconds']:.2f} s, RPO 0; unplanned failover "
        f"lost {len(unplanned['lost_ids'])} trades. Report: {names['dr_report']}"
    ),
)
### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "handover_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def document(kind: str, name: str, sections: tuple[str, ...]) -> str:
    path = lab.portfolio.path("documents", kind, f"{name}.md")
    expect(path.is_file(), f"no {kind} document at {path}")
    text = path.read_text()
    found = headings_of(text)
    for section in sections:
        expect(
            any(section.lower() in h for h in found),
            f"the {kind} has no heading containing {section!r} (headings: {found})",
        )
    return text


runbook_text = document(
    "runbook",
    names["runbook"],
    ("Purpose", "Prerequisites", "Procedure", "Verification", "Rollback", "Escalation"),
)
lessons_text = document(
    "lessons-learned", names["lessons"], ("What Went Well", "Challenges", "Improvements")
)
print("runbook and lessons learned are in the portfolio")

### BEGIN HIDDEN TESTS
_rb = runbook_text.lower()
for needle in ("switchover", "failover", "allowdataloss", names["global_cluster"].lower()):
    expect(
        needle in _rb.replace("allow-data-loss", "allowdataloss").replace("_", ""),
        f"the runbook's procedure never mentions {needle!r}",
    )
expect(names["topic"] in runbook_text, f"the runbook's escalation should name {names['topic']}")
_truth = sorted(
    {a["id"] for a in unplanned_load.acked} - trade_ids(writer_arn(wait_until_settled()))
)
expect(
    _truth and str(len(_truth)) in lessons_text,
    f"the lessons learned should say how many trades were lost ({len(_truth)})",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "wrap_up", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Wrap-up
#
# You ran the drill the regulator asked for and reported it honestly: the planned switchover
# keeps the RPO at zero, the unplanned failover does not when replication lags, and you can
# say exactly which trades were lost. For the project review, be ready to answer:
#
# 1. What would it take to make the unplanned RPO zero too (synchronous commit across regions,
#    and what that costs in write latency between us-east-1 and us-west-2)? Is "RPO 0" the
#    right promise for a DR design built on an asynchronous global database?
# 2. Your RTO covers the database. What is the platform's end-to-end RTO once DNS TTLs, the
#    web tier's scale-up and the human decision are added?
# 3. Who in operations has now run this runbook, and when is the next drill scheduled?
