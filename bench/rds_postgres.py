"""RDS data plane figures: instance start-up time and read-replica lag under a small write load.

    python bench/rds_postgres.py [--instances 6] [--seconds 10]

Against a private emulator (``EmulatorProcess.spawn``): the time from ``CreateDBInstance`` to
the first successful psycopg connection, for the first instance (which also runs initdb for
the emulator's template) and the next ones; the time to create a read replica; then, while a
thread commits about 200 single-row transactions a second on the primary, the lag the
emulator reports (``POST /_labkit/rds/replication``) and the time from a commit on the primary
to the row being visible on the replica. Prints the machine's load average before and after:
the figures move with it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
import urllib.request

import boto3
import psycopg

from labkit.emulator.process import EmulatorProcess

PASSWORD = "password123"


def _client(url: str):
    return boto3.client(
        "rds",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _connect(endpoint: dict):
    return psycopg.connect(
        host=endpoint["Address"],
        port=endpoint["Port"],
        user="master",
        password=PASSWORD,
        dbname="app",
        autocommit=True,
    )


def _lag(url: str, ident: str) -> dict:
    body = json.dumps({"DBInstanceIdentifier": ident, "Region": "us-east-1"}).encode()
    req = urllib.request.Request(f"{url}/_labkit/rds/replication", data=body, method="POST")
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())["Lag"]


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    with EmulatorProcess.spawn() as emu:
        url, rds = emu.endpoint_url, _client(emu.endpoint_url)
        starts = []
        for i in range(args.instances):
            t0 = time.monotonic()
            db = rds.create_db_instance(
                DBInstanceIdentifier=f"db{i}",
                Engine="postgres",
                DBInstanceClass="db.t3.micro",
                MasterUsername="master",
                MasterUserPassword=PASSWORD,
                DBName="app",
            )["DBInstance"]
            _connect(db["Endpoint"]).close()
            starts.append(time.monotonic() - t0)
        rest = starts[1:] or starts
        print(
            f"start-up, create to first connection: first {starts[0]:.2f} s (with initdb); "
            f"next median {statistics.median(rest):.2f} s, max {max(rest):.2f} s"
        )
        t0 = time.monotonic()
        rds.create_db_instance_read_replica(
            DBInstanceIdentifier="db0-r", SourceDBInstanceIdentifier="db0"
        )
        print(f"read replica create: {time.monotonic() - t0:.2f} s")
        describe = rds.describe_db_instances
        primary = describe(DBInstanceIdentifier="db0")["DBInstances"][0]["Endpoint"]
        replica = describe(DBInstanceIdentifier="db0-r")["DBInstances"][0]["Endpoint"]
        with _connect(primary) as writer, _connect(replica) as reader:
            writer.execute("CREATE TABLE t (id serial PRIMARY KEY, pad text)")
            stop, written = threading.Event(), [0]

            def load() -> None:
                with _connect(primary) as conn:
                    while not stop.is_set():
                        conn.execute("INSERT INTO t (pad) VALUES (repeat('x', 200))")
                        written[0] += 1
                        time.sleep(0.005)

            thread = threading.Thread(target=load)
            thread.start()
            lags, visible = [], []
            t_end = time.monotonic() + args.seconds
            while time.monotonic() < t_end:
                lags.append(_lag(url, "db0-r"))
                marker = writer.execute("INSERT INTO t (pad) VALUES ('m') RETURNING id")
                mid = marker.fetchone()[0]
                t0 = time.monotonic()
                while not reader.execute("SELECT 1 FROM t WHERE id = %s", (mid,)).fetchone():
                    time.sleep(0.0005)
                visible.append(time.monotonic() - t0)
                time.sleep(0.1)
            stop.set()
            thread.join()
        seconds = [x["Seconds"] for x in lags]
        lag_bytes = [x["Bytes"] for x in lags]
        print(f"write load: {written[0] / args.seconds:.0f} transactions/s")
        print(
            f"reported lag ({len(lags)} samples): seconds p50 {_quantile(seconds, 0.5):.3f} "
            f"max {max(seconds):.3f}; bytes p50 {_quantile(lag_bytes, 0.5):.0f} "
            f"max {max(lag_bytes):.0f}"
        )
        print(
            f"commit on primary to visible on replica: p50 {_quantile(visible, 0.5) * 1e3:.1f} ms"
            f", p95 {_quantile(visible, 0.95) * 1e3:.1f} ms, max {max(visible) * 1e3:.1f} ms"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
