"""Out-of-kernel state checks of p1_w04_assessment (instructor-only, never shipped).

The grader runs these in its own process against the grading worker's emulator, after the
learner's notebook has run. Task 6 is the one task that builds state in the account (the
migration tracker in DynamoDB); its check recomputes every expected attribute from the estate's
files (strategies by the review's rules, waves and move groups from the dependency graph, the
over-provisioned servers) and compares them with the table's items.
"""

from __future__ import annotations

import csv
import math
from decimal import Decimal

import networkx as nx

from labkit.checks import expect
from labkit.datasets import p1_retail

TIER = {
    "firewall": "edge", "lb": "edge", "web": "web", "app": "app", "batch": "app",
    "reporting": "app", "db": "data", "storage": "data", "nfs": "data", "backup": "data",
    "mail": "integration", "sftp": "integration", "mgmt": "mgmt",
}  # fmt: skip
APPLIANCE_MARK = "(appliance)"
ROLE_STRATEGY = {
    "db": "replatform", "app": "replatform", "web": "retire", "nfs": "replatform",
    "backup": "retire", "mail": "repurchase", "reporting": "repurchase",
    "batch": "rehost", "sftp": "rehost",
}  # fmt: skip


def _rows(rel: str) -> list[dict[str, str]]:
    with open(p1_retail.ROOT / rel, newline="") as f:
        return list(csv.DictReader(f))


def _strategy(row: dict[str, str], needed: set[str]) -> str:
    if APPLIANCE_MARK in row["os"]:
        return "retire"
    if row["environment"] != "production" and row["hostname"] not in needed:
        return "retire"
    if row["role"] == "mgmt":
        if "company-wide" in row["software"]:
            return "retain"
        return "retire" if "jump host" in row["software"] else "repurchase"
    return ROLE_STRATEGY[row["role"]]


def _expected() -> tuple[dict[str, dict], list[set[str]]]:
    servers = {r["hostname"]: r for r in _rows("inventory/servers.csv")}
    flows = _rows("inventory/connections.csv")
    needed = {h for r in servers.values() for h in r["depends_on"].split(";") if h}
    nodes = {h for h, r in servers.items() if r["role"] != "mgmt"}
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(
        (f["source"], f["target"]) for f in flows if f["source"] in nodes and f["target"] in nodes
    )
    groups = [set(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    dag = nx.condensation(graph)
    level: dict[int, int] = {}
    for node in reversed(list(nx.topological_sort(dag))):
        level[node] = 1 + max((level[n] for n in dag.successors(node)), default=0)
    out = {}
    for host, r in servers.items():
        idle = (
            APPLIANCE_MARK not in r["os"]
            and float(r["peak_cpu_pct"]) < 50
            and float(r["avg_mem_pct"]) < 50
        )
        out[host] = {
            "role": r["role"],
            "environment": r["environment"],
            "tier": TIER[r["role"]],
            "strategy": _strategy(r, needed),
            "wave": level[dag.graph["mapping"][host]] if host in nodes else 0,
            "over_provisioned": idle,
        }
    return out, groups


def migration_tracker(lab) -> None:
    ddb = lab.client("dynamodb")
    table = lab.names["inventory_table"]
    try:
        described = ddb.describe_table(TableName=table)["Table"]
    except ddb.exceptions.ResourceNotFoundException:
        raise AssertionError(f"no DynamoDB table {table!r} (task 6)") from None
    keys = [(k["AttributeName"], k["KeyType"]) for k in described["KeySchema"]]
    expect(keys == [("hostname", "HASH")], f"table {table}: the key must be hostname, not {keys}")
    items = []
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        items += page["Items"]
    by_host = {i["hostname"]["S"]: i for i in items if "S" in i.get("hostname", {})}
    expected, groups = _expected()
    missing = sorted(set(expected) - set(by_host))
    expect(not missing, f"table {table} has no item for {missing}")
    extra = sorted(set(by_host) - set(expected))
    expect(not extra, f"table {table} has items for hosts not in the inventory: {extra}")
    for host, want in sorted(expected.items()):
        item = by_host[host]
        for attr in ("role", "environment", "tier", "strategy"):
            got = item.get(attr, {}).get("S")
            expect(got == want[attr], f"item {host}: {attr} is {got!r}, expected {want[attr]!r}")
        wave = item.get("wave", {}).get("N")
        expect(
            wave is not None and math.isclose(float(Decimal(wave)), want["wave"]),
            f"item {host}: wave is {item.get('wave')}, expected the number {want['wave']}",
        )
        flag = item.get("over_provisioned", {}).get("BOOL")
        expect(
            flag is want["over_provisioned"],
            f"item {host}: over_provisioned is {item.get('over_provisioned')}, expected "
            f"{want['over_provisioned']}",
        )
        expect("S" in item.get("target", {}), f"item {host}: no string attribute target")
    seen: dict[str, set[str]] = {}
    for host, item in by_host.items():
        label = item.get("move_group", {}).get("S")
        expect(label is not None, f"item {host}: no string attribute move_group")
        if label != "none":
            seen.setdefault(label, set()).add(host)
    expect(
        {frozenset(g) for g in seen.values()} == {frozenset(g) for g in groups},
        f"move_group groups the hosts as {sorted(sorted(g) for g in seen.values())}; expected "
        f"{sorted(sorted(g) for g in groups)} and 'none' for the others",
    )


CHECKS = {"tracker_tests": migration_tracker}
