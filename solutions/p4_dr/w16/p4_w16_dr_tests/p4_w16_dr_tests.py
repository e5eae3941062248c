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
# # Project 4 · Week 16 · Day 15-17: DR Testing Framework
#
# ## The scenario
#
# A financial trading platform runs in **us-east-1** and must survive the loss of that region
# with a **recovery time objective (RTO) of 15 minutes** and a **recovery point objective
# (RPO) of zero**: not one acknowledged trade may be lost. Over weeks 14 and 15 the team built
# the disaster-recovery (DR) estate in **us-west-2**: an Aurora PostgreSQL **global database**
# (`trading-platform-global`: the writer cluster `trading-platform-primary` in us-east-1, the
# secondary `trading-platform-dr` in us-west-2 replicating from it), a **pilot-light web tier**
# (the Auto Scaling group `trading-platform-dr-asg`, at zero instances until it is needed) and
# **Route 53 failover records** whose health checks probe each region's application.
#
# The regulator does not accept "we built it, so it works". DR has to be **tested, measured
# and reported**, every quarter, by automation that anyone on the team can run. This lab
# completes the curriculum's `DRTestSuite`: each test fails one tier over for real on the
# emulator, measures how long it took, checks what was lost, and the suite writes a report
# with an overall PASS or FAIL and recommendations.
#
# Nothing is simulated inside the suite: the global database is backed by real PostgreSQL
# servers with streaming replication, the two "regions" are two HTTP services on 127.0.0.1
# and 127.0.0.2 that Route 53's health checks really probe, and waits run at `time_scale`
# 0.05 (a 30-second global failover takes 1.5 s, a 10-second health-check interval 0.5 s).
#
# **Estimated time: 3-4 hours.**
#
# ## What you will build
#
# | # | task | AWS services | points |
# |---|------|--------------|--------|
# | 1 | `test_database_failover`: fail the global database over, time it, check no row was lost | RDS (Aurora global database) | 3 |
# | 2 | `test_application_failover`: scale the DR web tier up, the primary down, check the DR app | Auto Scaling | 2 |
# | 3 | `test_dns_failover`: fail the primary health check, time until DNS answers the DR region | Route 53 | 2 |
# | 4 | `generate_report`: overall PASS/FAIL, detailed results, recommendations derived from them | - | 2 |
# | 5 | The test report, the JSON results and the measurements in your portfolio | - | 1 |
#
# By the end you should be able to:
#
# - measure a failover's recovery time from the client's side (the first write the new writer
#   accepts), not from the console's "completed" message;
# - prove an RPO with data: rows acknowledged before the failure compared with rows the new
#   writer has, and show that the proof catches a loss when replication is broken;
# - reason about what a DR test must restore afterwards so it can run again unattended;
# - turn measurements into a PASS/FAIL verdict and actionable recommendations.
#
# ## How this notebook works
#
# - Run the **setup** and **helper** cells first. They start (or find) the emulator, seed the
#   DR estate, start the two regions' applications and wire Route 53 to them.
# - You complete the class `DRTestSuite` **method by method**: the skeleton cell defines the
#   class with every method raising `NotImplementedError`; in each task you write the methods
#   as functions decorated with `@suite_method`, which puts them on the class.
# - Each task's **check** cell runs after your code. The grader runs more checks than you see:
#   it runs **your suite's methods again**, on fresh state, and checks that the numbers they
#   report are real (a failover time that is 0, or a consistency check that says "no loss"
#   while rows were lost, fails).
# - Your methods must be safe to **run again**: each test starts from whatever state the
#   previous run left (the database test fails over from whichever region writes now to the
#   other one) and puts back what it must (the DNS test restarts the primary application).
# - Stuck with a broken state? In a terminal, `labkit reset` empties the emulator; then re-run
#   the notebook from the top.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import json
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
from matplotlib.figure import Figure

import labkit
from labkit.checks import expect

lab = labkit.start_lab("p4_w16_dr_tests")
names = lab.names
PRIMARY, DR = names["primary_region"], names["dr_region"]
PRIMARY_IP, DR_IP = names["primary_ip"], names["dr_ip"]
TIME_SCALE = lab.manifest.time_scale or 1.0

rds = {PRIMARY: lab.client("rds", PRIMARY), DR: lab.client("rds", DR)}
autoscaling = {PRIMARY: lab.client("autoscaling", PRIMARY), DR: lab.client("autoscaling", DR)}
route53 = lab.client("route53")
ZONE_ID = names["zone_id"]
RECORD = names["record"].rstrip(".") + "."

print(lab)
for key in ("global_cluster_arn", "primary_cluster_arn", "dr_cluster_arn", "zone_id"):
    print(f"{key:20} {names[key]}")


# %% [markdown] nbgrader={"grade": false, "grade_id": "helpers_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The next cell defines **helpers** (use them in your suite) and starts the two regions'
# applications:
#
# - `global_cluster()`, `wait_until_settled()`: the global database's description, once no
#   switchover or failover is under way; `writer_arn(gc)` and `secondary_arn(gc)` give its
#   members' cluster ARNs; `region_of(arn)` the region in an ARN.
# - `connect_writer_endpoint(cluster_arn)`: a `psycopg` connection (autocommit) to the
#   **writer endpoint** of that cluster. On a secondary cluster it reaches a read-only standby
#   until the cluster is promoted; while the writer moves, connecting fails.
# - `replication(instance_id, region, paused=None)`: the emulator's replication control for a
#   standby DB instance (`POST /_labkit/rds/replication`): its lag, and `paused=True` cuts the
#   link between the regions, as a drill does. The grader uses it; you do not need it.
# - `failover_events()`: the RDS events of category `global-failover` of both regions.
# - `primary_app`, `dr_app`: the applications of us-east-1 (on 127.0.0.1) and us-west-2 (on
#   127.0.0.2); `app.url`, `app.stop()` (the process dies: connections are refused),
#   `app.start()` (back on the same port). The DR application runs on the instances of the
#   DR Auto Scaling group: its `/health` answers **503 while the group has no InService
#   instance**, 200 with `{"region": "us-west-2", ...}` once it has.
# - `http_get(url)` gives `(status, json_body)`; `dns_answer()` asks Route 53's
#   `test_dns_answer` what `app.trading-platform.example` resolves to (a list of IPs);
#   `health_check_healthy(hc_id)` tells whether every checker sees the target healthy;
#   `HEALTH_CHECKS` maps `"primary"` / `"dr"` to the health check ids.
# - `in_service(region, group)`: how many InService instances an Auto Scaling group has.


# %% nbgrader={"grade": false, "grade_id": "helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def region_of(arn: str) -> str:
    return arn.split(":")[3]


def global_cluster() -> dict:
    found = rds[PRIMARY].describe_global_clusters(GlobalClusterIdentifier=names["global_cluster"])
    return found["GlobalClusters"][0]


def wait_until_settled(timeout: float = 60.0) -> dict:
    """The global cluster once no switchover/failover is under way."""
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
    ident = arn.split(":")[-1]
    found = rds[region_of(arn)].describe_db_clusters(DBClusterIdentifier=ident)
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


def failover_events() -> list[dict]:
    seen, out = set(), []
    for client in rds.values():
        for event in client.describe_events(SourceType="db-cluster")["Events"]:
            key = (event["SourceIdentifier"], event["Message"], event["Date"])
            if "global-failover" in event.get("EventCategories", []) and key not in seen:
                seen.add(key)
                out.append(event)
    return sorted(out, key=lambda e: e["Date"])


def in_service(region: str, group: str) -> int:
    found = autoscaling[region].describe_auto_scaling_groups(AutoScalingGroupNames=[group])
    instances = found["AutoScalingGroups"][0].get("Instances", [])
    return sum(i["LifecycleState"] == "InService" for i in instances)


def http_get(url: str, timeout: float = 2.0) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, {}


def dns_answer() -> list[str]:
    answer = route53.test_dns_answer(HostedZoneId=ZONE_ID, RecordName=RECORD, RecordType="A")
    return answer["RecordData"]


def health_check_healthy(hc_id: str) -> bool:
    seen = route53.get_health_check_status(HealthCheckId=hc_id)["HealthCheckObservations"]
    return bool(seen) and all(o["StatusReport"]["Status"].startswith("Success") for o in seen)


class AppService:
    """One region's application on a loopback address; ``group``: it runs on that ASG."""

    def __init__(self, host: str, region: str, group: str | None = None) -> None:
        self.host, self.region, self.group = host, region, group
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.reserved: socket.socket | None = None
        self._cache = (0.0, 0)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def instances(self) -> int | None:
        if self.group is None:
            return None
        at, count = self._cache
        if time.monotonic() - at > 0.2:
            try:
                count = in_service(self.region, self.group)
            except Exception:  # noqa: BLE001 - the emulator is busy: no capacity known
                count = 0
            self._cache = (time.monotonic(), count)
        return count

    def start(self) -> None:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                count = service.instances()
                ok = count is None or count > 0
                body = {"region": service.region, "status": "ok" if ok else "no capacity"}
                if count is not None:
                    body["instances"] = count
                data = json.dumps(body).encode()
                self.send_response(200 if ok or self.path != "/health" else 503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:
                pass  # health checkers hang up early; nothing to report

        self.server = Server((self.host, self.port), Handler)
        self.port = self.server.server_address[1]
        if self.reserved is not None:
            self.reserved.close()
            self.reserved = None
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """The process dies: the port stays bound but refuses connections."""
        if self.server is None:
            return
        reserve = socket.socket()
        reserve.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.shutdown()
        self.server.server_close()
        self.server = None
        reserve.bind((self.host, self.port))
        self.reserved = reserve

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        if self.reserved is not None:
            self.reserved.close()
            self.reserved = None


for _old in ("primary_app", "dr_app"):
    if _old in globals():
        globals()[_old].close()
primary_app = AppService(PRIMARY_IP, PRIMARY)
dr_app = AppService(DR_IP, DR, group=names["dr_asg"])
primary_app.start()
dr_app.start()


def wire_route53() -> dict[str, str]:
    """Health checks (found by CallerReference prefix, re-pointed at this kernel's ports)
    and the failover records over them: what week 15 built."""
    existing = route53.list_health_checks()["HealthChecks"]
    ids = {}
    for role, hc_name, app in (
        ("primary", names["hc_primary"], primary_app),
        ("dr", names["hc_dr"], dr_app),
    ):
        mine = [h for h in existing if h["CallerReference"].startswith(f"{hc_name}/")]
        if mine:
            ids[role] = mine[0]["Id"]
            route53.update_health_check(HealthCheckId=ids[role], Port=app.port)
        else:
            ids[role] = route53.create_health_check(
                CallerReference=f"{hc_name}/{uuid.uuid4().hex[:12]}",
                HealthCheckConfig={
                    "Type": "HTTP",
                    "IPAddress": app.host,
                    "Port": app.port,
                    "ResourcePath": "/health",
                    "RequestInterval": 10,
                    "FailureThreshold": 3,
                },
            )["HealthCheck"]["Id"]
            route53.change_tags_for_resource(
                ResourceType="healthcheck",
                ResourceId=ids[role],
                AddTags=[{"Key": "Name", "Value": hc_name}],
            )
    changes = [
        {
            "Action": "UPSERT",
            "ResourceRecordSet": {
                "Name": RECORD,
                "Type": "A",
                "SetIdentifier": f"{role}-{region}",
                "Failover": role.upper(),
                "TTL": 30,
                "HealthCheckId": ids[key],
                "ResourceRecords": [{"Value": ip}],
            },
        }
        for key, role, region, ip in (
            ("primary", "primary", PRIMARY, PRIMARY_IP),
            ("dr", "secondary", DR, DR_IP),
        )
    ]
    route53.change_resource_record_sets(HostedZoneId=ZONE_ID, ChangeBatch={"Changes": changes})
    return ids


HEALTH_CHECKS = wire_route53()
_deadline = time.monotonic() + 20
while not (health_check_healthy(HEALTH_CHECKS["primary"]) and dns_answer() == [PRIMARY_IP]):
    expect(time.monotonic() < _deadline, "the primary application never became healthy")
    time.sleep(0.1)
gc = wait_until_settled()
print("global writer:", writer_arn(gc))
print("primary app:", primary_app.url, http_get(primary_app.url + "/health"))
print("DR app:     ", dr_app.url, http_get(dr_app.url + "/health"))
print("DNS answers:", dns_answer(), "health checks:", HEALTH_CHECKS)

# %% [markdown] nbgrader={"grade": false, "grade_id": "skeleton_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## The suite's skeleton
#
# This is the curriculum's `DRTestSuite`, with its contract written down. Every test method
# **appends one result to `self.test_results` and returns it**, a dict with at least:
#
# | key | meaning |
# |---|---|
# | `test` | `"database_failover"`, `"application_failover"` or `"dns_failover"` |
# | `failover_time` | seconds measured (float), from the start of the failure until the tier works again |
# | `rto_met` | `failover_time < self.rto_seconds` (900 s: 15 minutes) |
# | `rpo_met` | nothing acknowledged was lost (stateless tiers: `True`) |
#
# plus the keys each task names. You do not edit this cell: you write the methods in the task
# cells, as functions decorated with `@suite_method`.


# %% nbgrader={"grade": false, "grade_id": "skeleton", "locked": true, "schema_version": 3, "solution": false, "task": false}
RTO_SECONDS = 15 * 60  # the trading platform's recovery time objective
DR_CAPACITY = int(names["dr_capacity"])  # instances the DR web tier needs


class DRTestSuite:
    """Automated DR testing framework (curriculum, Week 16)."""

    def __init__(self, rto_seconds: float = RTO_SECONDS, markers: int = 20) -> None:
        self.rto_seconds = rto_seconds
        self.markers = markers  # marker rows the database test writes before the failure
        self.test_results: list[dict] = []
        self.run: dict = {}  # what the database test knows about the failover under way

    def simulate_primary_failure(self) -> None:
        raise NotImplementedError("task 1")

    def measure_failover_time(self) -> float:
        raise NotImplementedError("task 1")

    def validate_data_consistency(self) -> bool:
        raise NotImplementedError("task 1")

    def test_database_failover(self) -> dict:
        raise NotImplementedError("task 1")

    def test_application_failover(self) -> dict:
        raise NotImplementedError("task 2")

    def test_dns_failover(self) -> dict:
        raise NotImplementedError("task 3")

    def generate_recommendations(self) -> list[str]:
        raise NotImplementedError("task 4")

    def generate_report(self) -> dict:
        raise NotImplementedError("task 4")


def suite_method(fn):
    """Put ``fn`` on DRTestSuite as the method of the same name."""
    setattr(DRTestSuite, fn.__name__, fn)
    return fn


# %% [markdown] nbgrader={"grade": false, "grade_id": "task1_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 1 · `test_database_failover` (3 points)
#
# The database is the tier whose RPO is zero, so its test must prove two things: the DR
# region **takes writes** within the RTO, and **every row acknowledged before the failure is
# there**. Write four methods:
#
# 1. `simulate_primary_failure(self)`: wait until the global cluster is settled; note its
#    writer (`source`) and its secondary (`target`) cluster ARNs. Write `self.markers`
#    **marker rows** through the source's writer endpoint into the table
#    `names["consistency_table"]` (`dr_consistency_checks`, columns `run_id`, `seq`): one
#    `run_id` per run (e.g. `"dbtest-" + uuid.uuid4().hex[:8]`), `seq` 1, 2, ... Each
#    insert that returns is an **acknowledged** commit. Then start the clock
#    (`time.monotonic()`) and fail over as a region outage would: `failover_global_cluster`
#    with `TargetDbClusterIdentifier=<target ARN>` and **`AllowDataLoss=True`** (the unplanned
#    path: the emulator kills the old writer; whatever had not replicated is gone). Call it
#    with the RDS client of the **target's region** (`rds[region_of(target)]`). Keep what the
#    other methods need in `self.run` (`run_id`, `source`, `target`, the start time, the
#    seqs written).
# 2. `measure_failover_time(self) -> float`: poll until the **target accepts a write**:
#    connect to its writer endpoint and insert a probe row (for example `run_id` +
#    `"-probe"` with `seq` 0: both columns are `NOT NULL`); a connection error or
#    `psycopg.Error` ("read-only transaction") means not yet: sleep 0.1 s and retry, up to a
#    timeout (raise the last error then: an insert that can never succeed looks the same as a
#    slow failover). Return the seconds from the start of the failover to the first accepted
#    write. This is the RTO as a client sees it.
# 3. `validate_data_consistency(self) -> bool`: read the run's marker rows back from the
#    **new writer**; store the `seq`s that are missing in `self.run["missing"]`; return
#    `True` only when none is missing.
# 4. `test_database_failover(self) -> dict`: the curriculum's method: simulate, measure,
#    `wait_until_settled()`, validate; append and return a result with the keys of the
#    skeleton plus `data_consistency` (bool), `run_id`, `rows_written`, `rows_missing`
#    (counts), `from_region`, `to_region`.
#
# Because the suite always fails over from the current writer to the other cluster, running
# it twice fails over and back: a quarterly drill that alternates regions.
#
# Useful calls: `rds[region].failover_global_cluster`, `conn.execute(sql, params)`,
# `conn.execute(...).fetchall()`.


# %% nbgrader={"grade": false, "grade_id": "db_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
@suite_method
def simulate_primary_failure(self) -> None:
    gc = wait_until_settled()
    source, target = writer_arn(gc), secondary_arn(gc)
    run_id = f"dbtest-{uuid.uuid4().hex[:8]}"
    table = names["consistency_table"]
    written = []
    with connect_writer_endpoint(source) as conn:
        for seq in range(1, self.markers + 1):
            conn.execute(f"INSERT INTO {table} (run_id, seq) VALUES (%s, %s)", (run_id, seq))
            written.append(seq)  # acknowledged: the commit returned
    self.run = {"run_id": run_id, "source": source, "target": target, "written": written}
    self.run["started"] = time.monotonic()
    rds[region_of(target)].failover_global_cluster(
        GlobalClusterIdentifier=names["global_cluster"],
        TargetDbClusterIdentifier=target,
        AllowDataLoss=True,
    )


@suite_method
def measure_failover_time(self, timeout: float = 120.0) -> float:
    table = names["consistency_table"]
    probe = 0
    while True:
        probe += 1
        try:
            with connect_writer_endpoint(self.run["target"], timeout=2) as conn:
                conn.execute(
                    f"INSERT INTO {table} (run_id, seq) VALUES (%s, %s)",
                    (self.run["run_id"] + "-probe", probe),
                )
            break
        except psycopg.Error:
            if time.monotonic() - self.run["started"] > timeout:
                raise TimeoutError(f"the DR cluster took no write within {timeout} s") from None
            time.sleep(0.1)
    self.run["writable_at"] = time.monotonic()
    return self.run["writable_at"] - self.run["started"]


@suite_method
def validate_data_consistency(self) -> bool:
    table = names["consistency_table"]
    with connect_writer_endpoint(self.run["target"]) as conn:
        rows = conn.execute(
            f"SELECT seq FROM {table} WHERE run_id = %s", (self.run["run_id"],)
        ).fetchall()
    found = {r[0] for r in rows}
    self.run["missing"] = sorted(set(self.run["written"]) - found)
    return not self.run["missing"]


@suite_method
def test_database_failover(self) -> dict:
    self.simulate_primary_failure()
    failover_time = self.measure_failover_time()
    wait_until_settled()
    consistent = self.validate_data_consistency()
    result = {
        "test": "database_failover",
        "rto_met": failover_time < self.rto_seconds,
        "rpo_met": consistent,
        "failover_time": round(failover_time, 3),
        "data_consistency": consistent,
        "run_id": self.run["run_id"],
        "rows_written": len(self.run["written"]),
        "rows_missing": len(self.run["missing"]),
        "from_region": region_of(self.run["source"]),
        "to_region": region_of(self.run["target"]),
    }
    self.test_results.append(result)
    return result


### END SOLUTION

suite = DRTestSuite()
db_result = suite.test_database_failover()
print(json.dumps(db_result, indent=2))

# %% nbgrader={"grade": true, "grade_id": "db_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
SWITCH_SECONDS = 30 * TIME_SCALE  # the emulator's global failover: 5 s pending + 25 s switching
SLACK = 20.0  # a loaded 2-core machine


def check_db_result(result: dict) -> None:
    expect(isinstance(result, dict), f"test_database_failover must return a dict, not {result!r}")
    for key in ("test", "rto_met", "rpo_met", "failover_time", "data_consistency", "run_id"):
        expect(key in result, f"the database result has no {key!r} key (found {sorted(result)})")
    for key in ("rows_written", "rows_missing", "from_region", "to_region"):
        expect(key in result, f"the database result has no {key!r} key (found {sorted(result)})")
    expect(result["test"] == "database_failover", f"test is {result['test']!r}")
    took = result["failover_time"]
    expect(
        isinstance(took, (int, float)) and SWITCH_SECONDS * 0.9 <= took <= SWITCH_SECONDS + SLACK,
        f"failover_time {took!r} s is not a measured failover: the global failover takes "
        f"{SWITCH_SECONDS:.1f} s here, so the first accepted write comes after about that "
        f"(expected {SWITCH_SECONDS * 0.9:.2f} to {SWITCH_SECONDS + SLACK:.1f} s)",
    )
    expect(result["rto_met"] == (took < RTO_SECONDS), "rto_met must be failover_time < 900")
    expect(result["from_region"] != result["to_region"], "the failover must change region")


check_db_result(db_result)
expect(db_result in suite.test_results, "test_database_failover must append its result")
expect(
    db_result["data_consistency"] is True and db_result["rpo_met"] is True,
    f"with replication healthy nothing should be lost, yet the suite reports "
    f"data_consistency={db_result['data_consistency']!r} (missing {db_result['rows_missing']})",
)
expect(db_result["rows_written"] >= 1, "the suite wrote no marker rows before the failover")
gc = wait_until_settled()
expect(
    region_of(writer_arn(gc)) == db_result["to_region"],
    f"the global writer is in {region_of(writer_arn(gc))}, not in the to_region "
    f"{db_result['to_region']} the suite reports",
)
print(f"database failover: {db_result['failover_time']} s, nothing lost")

### BEGIN HIDDEN TESTS
# the rows the suite says it wrote are really on the new writer
with connect_writer_endpoint(writer_arn(gc)) as _conn:
    _count = _conn.execute(
        f"SELECT count(*) FROM {names['consistency_table']} WHERE run_id = %s",
        (db_result["run_id"],),
    ).fetchone()[0]
expect(
    _count == db_result["rows_written"],
    f"the new writer holds {_count} marker rows of run {db_result['run_id']}, the suite says "
    f"it wrote {db_result['rows_written']}",
)
_started = [e for e in failover_events() if e["Message"].startswith("Global failover to")]
expect(
    any(e["Message"].endswith("started.") for e in _started),
    "no 'Global failover ... started.' RDS event: use failover_global_cluster with "
    "AllowDataLoss=True (an unplanned failover), not a switchover",
)
# a fresh suite, with the link between the regions cut: the suite must see the loss
_target = secondary_arn(gc)
_standby = describe_cluster(_target)["DBClusterMembers"][0]["DBInstanceIdentifier"]
replication(_standby, region_of(_target), paused=True)
_fresh = DRTestSuite(markers=7)
try:
    _lossy = _fresh.test_database_failover()
except Exception as _error:  # noqa: BLE001 - the learner's suite: report what it raised
    raise AssertionError(
        f"the grader ran a fresh DRTestSuite again, with the global writer now in "
        f"{region_of(writer_arn(gc))}, and test_database_failover raised "
        f"{type(_error).__name__}: {_error}. It must fail over from whichever cluster writes "
        "now (writer_arn(wait_until_settled())) to the other one"
    ) from None
check_db_result(_lossy)
with connect_writer_endpoint(writer_arn(wait_until_settled())) as _conn:
    _survived = _conn.execute(
        f"SELECT count(*) FROM {names['consistency_table']} WHERE run_id = %s",
        (_lossy["run_id"],),
    ).fetchone()[0]
expect(
    _survived < 7,
    "the grader cut replication and ran your suite again, and its failover lost nothing: "
    "it waited for the secondary to catch up (a planned switchover). Fail over as a region "
    "outage would: failover_global_cluster(..., AllowDataLoss=True)",
)
expect(
    _lossy["data_consistency"] is False and _lossy["rpo_met"] is False,
    f"replication was paused before the failover and {7 - _survived} of 7 marker rows were "
    f"lost, yet the suite reports data_consistency={_lossy['data_consistency']!r}, "
    f"rpo_met={_lossy['rpo_met']!r}",
)
expect(
    _lossy["rows_missing"] == 7 - _survived,
    f"rows_missing is {_lossy['rows_missing']}, the new writer misses {7 - _survived} rows",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task2_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 2 · `test_application_failover` (2 points)
#
# The web tier in us-west-2 is a **pilot light**: its Auto Scaling group
# `names["dr_asg"]` runs no instance until a failover, which keeps the DR bill low but makes
# "scale up" part of the recovery time. Write `test_application_failover(self) -> dict`:
#
# 1. Start the clock, then scale the DR group to `DR_CAPACITY` (2) instances
#    (`set_desired_capacity` with `HonorCooldown=False` on `autoscaling[DR]`).
# 2. Wait until it has `DR_CAPACITY` InService instances, then until the DR application
#    answers `GET dr_app.url + "/health"` with **200** and `{"region": "us-west-2"}` (poll;
#    it answers 503 while it has no capacity). Stop the clock: that is `failover_time`.
# 3. Scale the primary group `names["primary_asg"]` to **0**: after a failover nothing may
#    keep serving (and writing) in the failed region.
# 4. Append and return a result with the skeleton's keys (`rpo_met`: the web tier is
#    stateless, `True`) plus `health_status` (the final status code), `served_region` (the
#    region the health endpoint reports) and `dr_instances` (InService count).
#
# Useful calls: `autoscaling[region].set_desired_capacity`, `in_service(region, group)`,
# `http_get(url)`.


# %% nbgrader={"grade": false, "grade_id": "app_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
@suite_method
def test_application_failover(self, timeout: float = 60.0) -> dict:
    started = time.monotonic()
    autoscaling[DR].set_desired_capacity(
        AutoScalingGroupName=names["dr_asg"], DesiredCapacity=DR_CAPACITY, HonorCooldown=False
    )
    while in_service(DR, names["dr_asg"]) < DR_CAPACITY:
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{names['dr_asg']} has no {DR_CAPACITY} InService instances")
        time.sleep(0.1)
    status, body = http_get(dr_app.url + "/health")
    while status != 200 or body.get("region") != DR:
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"the DR app still answers {status} {body}")
        time.sleep(0.1)
        status, body = http_get(dr_app.url + "/health")
    failover_time = time.monotonic() - started
    autoscaling[PRIMARY].set_desired_capacity(
        AutoScalingGroupName=names["primary_asg"], DesiredCapacity=0, HonorCooldown=False
    )
    result = {
        "test": "application_failover",
        "rto_met": failover_time < self.rto_seconds,
        "rpo_met": True,
        "failover_time": round(failover_time, 3),
        "health_status": status,
        "served_region": body.get("region"),
        "dr_instances": in_service(DR, names["dr_asg"]),
    }
    self.test_results.append(result)
    return result


### END SOLUTION

app_result = suite.test_application_failover()
print(json.dumps(app_result, indent=2))


# %% nbgrader={"grade": true, "grade_id": "app_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def asg_state(region: str, group: str) -> dict:
    found = autoscaling[region].describe_auto_scaling_groups(AutoScalingGroupNames=[group])
    return found["AutoScalingGroups"][0]


def check_app_result(result: dict) -> None:
    expect(isinstance(result, dict), f"test_application_failover must return a dict: {result!r}")
    for key in ("test", "rto_met", "rpo_met", "failover_time", "health_status"):
        expect(key in result, f"the application result has no {key!r} key ({sorted(result)})")
    for key in ("served_region", "dr_instances"):
        expect(key in result, f"the application result has no {key!r} key ({sorted(result)})")
    expect(result["test"] == "application_failover", f"test is {result['test']!r}")
    took = result["failover_time"]
    expect(
        isinstance(took, (int, float)) and 0 < took < 60,
        f"failover_time {took!r} is not a measured time in seconds",
    )
    expect(result["rto_met"] == (took < RTO_SECONDS), "rto_met must be failover_time < 900")
    expect(
        (result["health_status"], result["served_region"]) == (200, DR),
        f"the DR app's health must be 200 from {DR}; the suite reports "
        f"{result['health_status']} from {result['served_region']}",
    )
    dr, primary = asg_state(DR, names["dr_asg"]), asg_state(PRIMARY, names["primary_asg"])
    expect(
        dr["DesiredCapacity"] == DR_CAPACITY and in_service(DR, names["dr_asg"]) == DR_CAPACITY,
        f"{names['dr_asg']} must run {DR_CAPACITY} InService instances; desired "
        f"{dr['DesiredCapacity']}, InService {in_service(DR, names['dr_asg'])}",
    )
    expect(
        primary["DesiredCapacity"] == 0,
        f"{names['primary_asg']} must be scaled to 0 after the failover; desired is "
        f"{primary['DesiredCapacity']}",
    )
    expect(result["dr_instances"] == DR_CAPACITY, f"dr_instances is {result['dr_instances']}")


check_app_result(app_result)
expect(app_result in suite.test_results, "test_application_failover must append its result")
print(f"application failover: {app_result['failover_time']} s")

### BEGIN HIDDEN TESTS
# back to the pilot light, then a fresh suite must bring the DR tier up again by itself
autoscaling[DR].update_auto_scaling_group(
    AutoScalingGroupName=names["dr_asg"], MinSize=0, DesiredCapacity=0
)
autoscaling[PRIMARY].update_auto_scaling_group(
    AutoScalingGroupName=names["primary_asg"], MinSize=0, DesiredCapacity=2
)
_deadline = time.monotonic() + 10
while http_get(dr_app.url + "/health")[0] != 503:
    expect(time.monotonic() < _deadline, "the DR app did not go back to 503 with no instances")
    time.sleep(0.1)
_again = DRTestSuite().test_application_failover()
check_app_result(_again)
expect(_again["rpo_met"] is True, "the web tier is stateless: rpo_met should be True")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task3_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 3 · `test_dns_failover` (2 points)
#
# Clients find the platform through `app.trading-platform.example`: a **failover** record
# pair whose PRIMARY answer (127.0.0.1) is used while its health check passes, else the
# SECONDARY (127.0.0.2). The health checks probe `/health` every 10 s (0.5 s here) and change
# state after 3 consecutive results, so DNS needs about 2-3 intervals to move. Measure it.
# Write `test_dns_failover(self) -> dict`:
#
# 1. Preconditions (wait up to 30 s for each): the DR health check is healthy (the DR app has
#    capacity: task 2 ran) and `dns_answer()` is `[PRIMARY_IP]`.
# 2. Make the primary health check fail: `primary_app.stop()`. Start the clock.
# 3. Poll `dns_answer()` (every 0.05 s) until it is `[DR_IP]`; stop the clock:
#    `failover_time`.
# 4. **Restore** so the test can run again: `primary_app.start()` (in a `finally:`), then
#    wait until DNS answers the primary again and note that time as `failback_time`.
# 5. Append and return a result with the skeleton's keys (`rpo_met`: `True`) plus
#    `answer_before`, `answer_after` (the answer at failover) and `failback_time`.
#
# Useful calls: `dns_answer()`, `health_check_healthy(HEALTH_CHECKS["dr"])`,
# `primary_app.stop()`, `primary_app.start()`.


# %% nbgrader={"grade": false, "grade_id": "dns_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def wait_for(condition, timeout: float, what: str) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - start


@suite_method
def test_dns_failover(self, timeout: float = 30.0) -> dict:
    wait_for(lambda: health_check_healthy(HEALTH_CHECKS["dr"]), timeout, "DR healthy")
    wait_for(lambda: dns_answer() == [PRIMARY_IP], timeout, "DNS on the primary")
    before = dns_answer()
    primary_app.stop()
    try:
        failover_time = wait_for(lambda: dns_answer() == [DR_IP], timeout, "DNS on the DR")
        after = dns_answer()
    finally:
        primary_app.start()
    failback_time = wait_for(lambda: dns_answer() == [PRIMARY_IP], timeout, "DNS back")
    result = {
        "test": "dns_failover",
        "rto_met": failover_time < self.rto_seconds,
        "rpo_met": True,
        "failover_time": round(failover_time, 3),
        "answer_before": before,
        "answer_after": after,
        "failback_time": round(failback_time, 3),
    }
    self.test_results.append(result)
    return result


### END SOLUTION

dns_result = suite.test_dns_failover()
print(json.dumps(dns_result, indent=2))

# %% nbgrader={"grade": true, "grade_id": "dns_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
PROBE = 10 * TIME_SCALE  # RequestInterval x time scale
THRESHOLD = 3
DNS_SLACK = 10.0  # a loaded 2-core machine


def check_dns_result(result: dict) -> None:
    expect(isinstance(result, dict), f"test_dns_failover must return a dict: {result!r}")
    for key in ("test", "rto_met", "rpo_met", "failover_time", "answer_before", "answer_after"):
        expect(key in result, f"the DNS result has no {key!r} key ({sorted(result)})")
    expect("failback_time" in result, f"the DNS result has no 'failback_time' ({sorted(result)})")
    expect(result["test"] == "dns_failover", f"test is {result['test']!r}")
    expect(
        (result["answer_before"], result["answer_after"]) == ([PRIMARY_IP], [DR_IP]),
        f"DNS must move from [{PRIMARY_IP}] to [{DR_IP}]; the suite reports "
        f"{result['answer_before']} -> {result['answer_after']}",
    )
    took = result["failover_time"]
    low, high = (THRESHOLD - 1) * PROBE * 0.9, (THRESHOLD + 1) * PROBE + DNS_SLACK
    expect(
        isinstance(took, (int, float)) and low <= took <= high,
        f"failover_time {took!r} s is not what Route 53 takes here: {THRESHOLD} failed probes "
        f"{PROBE:.1f} s apart, so expect {low:.2f} to {high:.1f} s from stopping the primary",
    )
    expect(result["rto_met"] == (took < RTO_SECONDS), "rto_met must be failover_time < 900")
    expect(primary_app.server is not None, "the test must restart the primary app (finally:)")
    expect(dns_answer() == [PRIMARY_IP], f"DNS must answer the primary again: {dns_answer()}")


check_dns_result(dns_result)
expect(dns_result in suite.test_results, "test_dns_failover must append its result")
print(f"DNS failover: {dns_result['failover_time']} s, back in {dns_result['failback_time']} s")

### BEGIN HIDDEN TESTS
_again = DRTestSuite().test_dns_failover()  # the test restored what it broke: it runs again
check_dns_result(_again)
expect(
    _again["failback_time"] >= (THRESHOLD - 1) * PROBE * 0.9,
    f"failback_time {_again['failback_time']} s is shorter than the health checks allow",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task4_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 4 · `generate_report` (2 points)
#
# A report nobody can act on is a formality. Write two methods:
#
# - `generate_recommendations(self) -> list[str]`: one recommendation per problem found in
#   `self.test_results`, each naming the test and the number behind it: a test whose
#   `rto_met` is false ("dns_failover took 1200.0 s, over the RTO of 900 s: ..."), a test
#   whose `rpo_met` is false ("database_failover lost 3 row(s): ..."). When there is no result
#   at all, recommend running the tests; when everything passed, recommend keeping the
#   quarterly schedule (one entry). Derive them from the results: never a fixed list.
# - `generate_report(self) -> dict`: the curriculum's report: `test_date` (ISO 8601, UTC),
#   `overall_status` `"PASS"` only when there is at least one result and **every** result has
#   `rto_met` **and** `rpo_met` (the curriculum's skeleton forgot RPO: fix it), else
#   `"FAIL"`; `rto_seconds`; `detailed_results` (the results); `recommendations`. The report
#   must be JSON-serialisable.
#
# The check also runs your methods on made-up results.


# %% nbgrader={"grade": false, "grade_id": "report_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
@suite_method
def generate_recommendations(self) -> list[str]:
    if not self.test_results:
        return ["No DR test has run: run the suite before claiming the RTO and RPO."]
    out = []
    for r in self.test_results:
        name, took = r["test"], r.get("failover_time")
        if not r["rto_met"]:
            out.append(
                f"{name} took {took} s, over the RTO of {self.rto_seconds} s: automate the "
                "steps of this tier (pre-scaled capacity, alarm-driven orchestration)."
            )
        if not r["rpo_met"]:
            lost = r.get("rows_missing", "some")
            out.append(
                f"{name} lost {lost} row(s): alarm on replication lag and fail over with a "
                "switchover (no data loss) whenever the primary region still answers."
            )
    if not out:
        slowest = max(self.test_results, key=lambda r: r.get("failover_time") or 0)
        out.append(
            f"All {len(self.test_results)} tests met the RTO and RPO (slowest: "
            f"{slowest['test']}, {slowest.get('failover_time')} s): keep the quarterly schedule."
        )
    return out


@suite_method
def generate_report(self) -> dict:
    passed = bool(self.test_results) and all(
        r["rto_met"] and r["rpo_met"] for r in self.test_results
    )
    return {
        "test_date": datetime.now(UTC).isoformat(),
        "overall_status": "PASS" if passed else "FAIL",
        "rto_seconds": self.rto_seconds,
        "detailed_results": list(self.test_results),
        "recommendations": self.generate_recommendations(),
    }


### END SOLUTION

report = suite.generate_report()
print(json.dumps(report, indent=2))


# %% nbgrader={"grade": true, "grade_id": "report_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def check_report(rep: dict, results: list[dict], status: str) -> None:
    expect(isinstance(rep, dict), f"generate_report must return a dict, not {rep!r}")
    for key in ("test_date", "overall_status", "detailed_results", "recommendations"):
        expect(key in rep, f"the report has no {key!r} key (found {sorted(rep)})")
    expect(
        rep["overall_status"] == status,
        f"overall_status is {rep['overall_status']!r}, expected {status!r} for "
        f"{[(r['test'], r['rto_met'], r['rpo_met']) for r in results]}",
    )
    expect(rep["detailed_results"] == results, "detailed_results must be the test results")
    recs = rep["recommendations"]
    expect(isinstance(recs, list) and recs, "recommendations must be a non-empty list")
    expect(all(isinstance(r, str) and r.strip() for r in recs), "recommendations are text")
    json.dumps(rep)  # JSON-serialisable
    datetime.fromisoformat(rep["test_date"])


tests_run = {r["test"] for r in suite.test_results}
expect(
    {"database_failover", "application_failover", "dns_failover"} <= tests_run,
    f"the suite has results for {sorted(tests_run)}; run the three tests first",
)
check_report(report, suite.test_results, "PASS")
print("report:", report["overall_status"], report["recommendations"])

### BEGIN HIDDEN TESTS
_made_up = DRTestSuite()
_made_up.test_results = [
    {
        "test": "database_failover",
        "rto_met": True,
        "rpo_met": False,
        "failover_time": 2.5,
        "rows_missing": 3,
    },
    {"test": "dns_failover", "rto_met": False, "rpo_met": True, "failover_time": 1234.5},
    {"test": "application_failover", "rto_met": True, "rpo_met": True, "failover_time": 4.0},
]
_rep = _made_up.generate_report()
check_report(_rep, _made_up.test_results, "FAIL")
_text = " ".join(_rep["recommendations"])
expect(
    any("database_failover" in r and "3" in r for r in _rep["recommendations"]),
    f"database_failover lost 3 rows and no recommendation names the test and the 3 lost rows: "
    f"{_rep['recommendations']}",
)
expect(
    any(
        "dns_failover" in r and any(n in r for n in ("1234", "1235", "1,234", "20.6"))
        for r in _rep["recommendations"]
    ),
    f"dns_failover took 1234.5 s (over the RTO of 900 s) and no recommendation names the test "
    f"and its time: {_rep['recommendations']}",
)
expect(
    "application_failover" not in _text,
    f"application_failover passed; it needs no recommendation: {_text}",
)
_rpo_only = DRTestSuite()
_rpo_only.test_results = [_made_up.test_results[0]]
check_report(_rpo_only.generate_report(), _rpo_only.test_results, "FAIL")
_empty = DRTestSuite()
check_report(_empty.generate_report(), [], "FAIL")
_good = DRTestSuite()
_good.test_results = [_made_up.test_results[2]]
check_report(_good.generate_report(), _good.test_results, "PASS")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task5_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 5 · The test report in your portfolio (1 point)
#
# Make the evidence last beyond this kernel, in your portfolio (`lab.portfolio`):
#
# 1. The JSON report: `lab.portfolio.add_file("documents", "test-report/<name>.json", ...)`
#    with `name = names["report"]` (`p4-dr-test-suite`) and `json.dumps(report, indent=2)`.
# 2. A chart of the three measured failover times (a horizontal bar per test, seconds, the
#    RTO in the title), drawn with the matplotlib **object API** (`Figure()`, never
#    `pyplot`), saved with `lab.portfolio.add_figure(names["report"], fig)`.
# 3. A test report, `lab.portfolio.write_document("test-report", names["report"], markdown)`
#    with the sections a test report needs (headings **Scope**, **Method**, **Results**,
#    **Issues**): what was tested, how (what each test broke and how it measured), a table of
#    the results with each test's measured `failover_time` (seconds, two decimals:
#    `f"{seconds:.2f}"`) and RTO/RPO verdicts, the overall status (`PASS` or `FAIL`), and the
#    issues found with the recommendations.
# 4. A measurement per test: `lab.portfolio.record_measurement(f"dr_test_{test}", seconds,
#    "s", target="< 900", project="p4", source="DRTestSuite ...")`, e.g.
#    `dr_test_database_failover`.

# %% nbgrader={"grade": false, "grade_id": "portfolio_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
lab.portfolio.add_file(
    "documents", f"test-report/{names['report']}.json", json.dumps(report, indent=2)
)

fig = Figure(figsize=(7, 3))
ax = fig.add_subplot()
tests = [r["test"] for r in report["detailed_results"]]
times = [r["failover_time"] for r in report["detailed_results"]]
colors = [
    "tab:green" if r["rto_met"] and r["rpo_met"] else "tab:red" for r in report["detailed_results"]
]
ax.barh(tests, times, color=colors)
for y, t in enumerate(times):
    ax.annotate(f"{t:.2f} s", (t, y), xytext=(4, 0), textcoords="offset points", va="center")
ax.set_xlim(0, max(times) * 1.2)
ax.set_xlabel(f"seconds to recover (emulator time scale {TIME_SCALE})")
ax.set_title(f"DR test suite: measured failover times (RTO {RTO_SECONDS} s)")
ax.invert_yaxis()
fig.tight_layout()
lab.portfolio.add_figure(names["report"], fig)

rows = "\n".join(
    f"| {r['test']} | {r['failover_time']:.3f} | {'met' if r['rto_met'] else 'MISSED'} | "
    f"{'met' if r['rpo_met'] else 'MISSED'} |"
    for r in report["detailed_results"]
)
db = next(r for r in report["detailed_results"] if r["test"] == "database_failover")
issues = "\n".join(f"- {r}" for r in report["recommendations"])
markdown = f"""# DR test report: trading platform, us-east-1 to us-west-2

Run {report["test_date"]}; overall status **{report["overall_status"]}**.

## Scope

The three tiers of the trading platform's DR design, against an RTO of {RTO_SECONDS} s
(15 minutes) and an RPO of zero: the Aurora PostgreSQL global database
`{names["global_cluster"]}`, the web tier (`{names["primary_asg"]}`, `{names["dr_asg"]}`) and
the Route 53 failover record `{names["record"]}`.

## Method

- database_failover: {db["rows_written"]} marker rows written on the writer in
  {db["from_region"]}, then an unplanned `failover_global_cluster` (AllowDataLoss) to
  {db["to_region"]}; the time runs until the new writer accepts an insert; the marker rows
  are then read back from the new writer.
- application_failover: the DR Auto Scaling group scaled to {DR_CAPACITY}, timed until the DR
  application's `/health` answers 200 from {DR}; the primary group scaled to 0.
- dns_failover: the primary application stopped; timed until `test_dns_answer` returns the
  secondary's address; the primary restarted and the failback timed.

## Results

| test | failover time (s) | RTO | RPO |
|---|---|---|---|
{rows}

Times are measured on the emulator at time scale {TIME_SCALE}: the global failover takes
30 s and a health check probes every 10 s on AWS, so multiply by {1 / TIME_SCALE:.0f} for an
AWS estimate.

## Issues

{issues}
"""
lab.portfolio.write_document("test-report", names["report"], markdown)
for r in report["detailed_results"]:
    lab.portfolio.record_measurement(
        f"dr_test_{r['test']}",
        r["failover_time"],
        "s",
        target="< 900",
        project="p4",
        source=f"DRTestSuite {report['test_date']} (time scale {TIME_SCALE})",
    )
print(lab.portfolio.path("documents", "test-report"))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "portfolio_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
doc_path = lab.portfolio.path("documents", "test-report", f"{names['report']}.md")
expect(doc_path.is_file(), f"no test report at {doc_path}")
doc = doc_path.read_text()
headings = [line.lstrip("#").strip().lower() for line in doc.splitlines() if line.startswith("#")]
for section in ("Scope", "Method", "Results", "Issues"):
    expect(
        any(section.lower() in h for h in headings),
        f"the test report has no heading containing {section!r} (headings: {headings})",
    )
json_path = lab.portfolio.path("documents", "test-report", f"{names['report']}.json")
expect(json_path.is_file(), f"no JSON report at {json_path}")
saved = json.loads(json_path.read_text())
expect(
    saved.get("overall_status") == report["overall_status"],
    f"the JSON report says {saved.get('overall_status')!r}, the suite {report['overall_status']!r}",
)
print("test report and JSON report are in the portfolio")

### BEGIN HIDDEN TESTS
for r in report["detailed_results"]:
    expect(
        f"{r['failover_time']:.2f}" in doc
        or f"{r['failover_time']:.3f}" in doc
        or str(r["failover_time"]) in doc,
        f"the test report does not give {r['test']}'s measured time {r['failover_time']} s",
    )
    m_path = lab.portfolio.path("measurements", f"p4_dr_test_{r['test']}.json")
    expect(m_path.is_file(), f"no measurement p4 dr_test_{r['test']} at {m_path}")
    m = json.loads(m_path.read_text())
    expect(
        abs(m["value"] - r["failover_time"]) < 0.01 and m["unit"] == "s",
        f"measurement dr_test_{r['test']} is {m['value']} {m['unit']}, the suite measured "
        f"{r['failover_time']} s",
    )
expect(
    report["overall_status"] in doc,
    f"the report should state the overall status {report['overall_status']}",
)
fig_path = lab.portfolio.path("figures", f"{names['report']}.png")
expect(fig_path.is_file() and fig_path.stat().st_size > 2000, f"no chart at {fig_path}")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "wrap_up", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Wrap-up
#
# You have a DR test suite that breaks each tier for real, measures recovery from the
# client's side and refuses to say "PASS" when a row was lost. Before the drill of the next
# notebook, think about:
#
# 1. The database test used `AllowDataLoss=True`. When would you run the planned
#    `switchover_global_cluster` instead, and what does each prove about the RPO?
# 2. The suite's recovery times are per tier; a real outage runs them together (and a human
#    has to decide to fail over). Which of them run in parallel, and what is the RTO of the
#    whole platform?
# 3. How would you schedule the suite quarterly (EventBridge Scheduler plus a Lambda, or a
#    Step Functions state machine), and where would its reports and alarms go?
# 4. What would make the DNS test lie on real AWS? (Resolvers that cache beyond the TTL;
#    clients that pin connections.)
