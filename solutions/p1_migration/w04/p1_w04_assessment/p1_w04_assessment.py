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
# # Project 1 · Week 4 · Day 1-2: Migration Assessment
#
# ## The scenario
#
# A retail company runs its web shop in its own data centre: a hardware load balancer, two
# Apache web servers, four Tomcat application servers and a two-node Oracle RAC on a SAN, plus
# an NFS server for the product images, a tape backup and the usual supporting cast. Last Black
# Friday it fell over; the Oracle support renewal is due in April. The board has decided to move
# the shop to AWS (an Application Load Balancer, containers on ECS Fargate, Aurora PostgreSQL,
# S3 and CloudFront) and has asked you, the migration lead, for an **assessment** first: what is
# there, what depends on what, how much data, which network flows and security gaps, what
# happens to each component, what could go wrong, and what it all costs today.
#
# A discovery tool, the network team, the DBA and finance have dropped their findings into the
# S3 bucket the migration team shares, `migration-hub`, under `discovery/`:
#
# | key | what |
# |---|---|
# | `discovery/inventory/servers.csv` | every host: role, OS, size, 90-day utilisation, software, licence, rack, dependencies |
# | `discovery/inventory/connections.csv` | every network flow captured: source, target, port, protocol, purpose |
# | `discovery/configs/...` | Apache, Tomcat, NFS, cron and backup configuration captured from the hosts |
# | `discovery/costs/onprem_costs.csv` | what the estate costs per year, as finance sees it |
# | `discovery/costs/aws_prices.csv` | a list-price table for first estimates |
# | `discovery/oracle/data/<TABLE>.csv.gz` | the DBA's export of the Oracle database, one gzip CSV per table |
#
# You work against an **emulated AWS account** (nothing reaches real AWS or costs money) with
# plain `boto3`, and analyse with **pandas**, **networkx** and **matplotlib**.
#
# ## What you will do
#
# | # | task | tools | points |
# |---|------|-------|--------|
# | 1 | Inventory analysis: utilisation, right-sizing, the licence bill | S3, pandas, matplotlib | 3 |
# | 2 | The dependency map: what must move together, in which waves | networkx | 3 |
# | 3 | The database: rows, bytes and growth of every table | S3, pandas | 2 |
# | 4 | Network requirements and security findings, from flows and configs | pandas, re | 3 |
# | 5 | A migration strategy (the 7 Rs) for every component, by rules | pandas | 3 |
# | 6 | The application inventory in the migration tracker | DynamoDB | 2 |
# | 7 | A risk register from what the estate reveals | pandas, matplotlib | 2 |
# | 8 | The assessment report and the dependency diagram, in your portfolio | portfolio, Mermaid | 3 |
#
# **Estimated time: 4-5 hours** (tasks 2, 4 and 5 take the longest; the solution runs in a few
# seconds, so the time goes into reading the data and deciding).
#
# By the end you should be able to:
#
# - turn raw discovery data into an inventory, and tell an over-provisioned server from an
#   appliance that must be replaced rather than resized;
# - build a dependency graph, find the components that must move together (cycles) and derive
#   migration waves from it;
# - size a database migration from an export: rows, bytes, growth;
# - derive network requirements and security findings (clear-text flows across tiers) from
#   flows and configuration files, as the input of security groups;
# - classify components with the 7 Rs (rehost, replatform, refactor, repurchase, retire,
#   retain, relocate) by explicit, testable rules;
# - keep a risk register with scores, owners and mitigations, and write an assessment report
#   whose numbers come from the data.
#
# ## How this notebook works
#
# - Run the **setup** cell first. It starts (or finds) the emulator and puts the discovery data
#   into the `migration-hub` bucket.
# - Each task has an explanation, a cell where **you write the code** (replace
#   `raise NotImplementedError()`), and a **check** cell. Run the check after your code: it tells
#   you what is still missing. The grader runs more checks than you see: they recompute every
#   number from the data, so compute yours from the data too (no numbers typed in by hand).
# - Read the data **from the bucket** with boto3 (`s3.get_object(...)["Body"].read()`), as you
#   would on a real project where the discovery output lands in S3.
# - Cells must be safe to **run again** (task 6 creates a table: look it up first).
# - Use the names in `names` (from this lab's `lab.yaml`): the checks look things up by them.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import gzip
import io
import math
import re
import warnings
from decimal import Decimal

import networkx as nx
import pandas as pd
from matplotlib.figure import Figure

import labkit
from labkit.checks import expect
from labkit.datasets import p1_retail

warnings.filterwarnings("ignore")  # keep library chatter off stderr

lab = labkit.start_lab("p1_w04_assessment")
names = lab.names
s3 = lab.client("s3")
dynamodb = lab.client("dynamodb")
BUCKET, PREFIX = names["discovery_bucket"], names["discovery_prefix"]

print(lab)
listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=PREFIX)["Contents"]
print(f"{len(listing)} discovery files in s3://{BUCKET}/{PREFIX}:")
for obj in listing:
    print(f"  {obj['Key']:55} {obj['Size']:>9,} bytes")

# %% [markdown] nbgrader={"grade": false, "grade_id": "helpers_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The next cell holds the **conventions** of this assessment, agreed with the architects, and a
# few helpers the check cells use. Use the constants in your answers:
#
# - `TIER`: the network tier of each server role (and of the outside endpoints);
# - `ENCRYPTED_PORTS`: ports whose protocol is encrypted (HTTPS, SSH/SFTP, LDAPS);
# - `EOL_OS`: operating systems out of vendor support (an OS string *starting* with one of them);
# - `SEVEN_RS`: the seven migration strategies;
# - `HEADROOM`: the utilisation a right-sized server should run at, at its observed load;
# - `md_table(df)`: a DataFrame as a Markdown table, for the report of task 8.


# %% nbgrader={"grade": false, "grade_id": "helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
TIER = {
    "firewall": "edge",
    "lb": "edge",
    "web": "web",
    "app": "app",
    "batch": "app",
    "reporting": "app",
    "db": "data",
    "storage": "data",
    "nfs": "data",
    "backup": "data",
    "mail": "integration",
    "sftp": "integration",
    "mgmt": "mgmt",
    "external": "external",  # the endpoints "internet" and "payment-gateway"
}
EXTERNAL = ("internet", "payment-gateway")
ENCRYPTED_PORTS = {22, 443, 636}
EOL_OS = ("CentOS 6", "CentOS 7", "Windows Server 2012")
SEVEN_RS = ("rehost", "replatform", "refactor", "repurchase", "retire", "retain", "relocate")
HEADROOM = 0.6
APPLIANCE_MARK = "(appliance)"  # in the os column of appliances


def figure_saved(name: str) -> None:
    """A failed check unless the portfolio holds figures/<name>.png."""
    path = lab.portfolio.path("figures", f"{name}.png")
    expect(
        path.is_file() and path.stat().st_size > 2000,
        f"no figure {name}.png in your portfolio ({path}): save it with "
        f"lab.portfolio.add_figure({name!r}, fig)",
    )


def hosts_in(text: str, hostnames) -> set[str]:
    """The hostnames of ``hostnames`` that ``text`` mentions (as whole words)."""
    return {h for h in hostnames if re.search(rf"(?<![\w-]){re.escape(h)}(?![\w-])", str(text))}


def md_table(df: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (its columns; reset_index() first to show the index)."""
    header = "| " + " | ".join(str(c) for c in df.columns) + " |"
    rule = "|" + "---|" * len(df.columns)
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def estate_csv(rel: str) -> pd.DataFrame:
    """A CSV of the estate as shipped (the checks compare your results with it)."""
    return pd.read_csv(p1_retail.ROOT / rel)


# %% [markdown] nbgrader={"grade": false, "grade_id": "task1_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 1 · Inventory analysis: utilisation, right-sizing, licences (3 points)
#
# On-premises servers are bought for the peak of the next five years, so most of them idle. On
# AWS you pay for what you provision, every hour: moving an idle 8-core server as it is turns
# waste you already paid for into waste you pay for monthly. Right-sizing starts here, from the
# monitoring data in the inventory.
#
# Build:
#
# 1. `servers`: `discovery/inventory/servers.csv` read **from the bucket** into a DataFrame
#    **indexed by `hostname`**, with an extra boolean column `is_appliance` (the `os` contains
#    `APPLIANCE_MARK`: the firewall, the F5 load balancer and the SAN are appliances).
# 2. `rightsizing`: the **over-provisioned servers**, a DataFrame indexed by hostname with the
#    columns `cpu_cores`, `cores_needed`, `memory_gb`, `memory_needed_gb`. A server is
#    over-provisioned when its `peak_cpu_pct` is below 50 **and** its `avg_mem_pct` is below 50.
#    Appliances are not servers: they are replaced by AWS services, never resized, so leave them
#    out however idle they look. Size so the observed load runs at `HEADROOM` (60 %):
#    `cores_needed = max(2, ceil(cpu_cores * peak_cpu_pct / 100 / HEADROOM))` and
#    `memory_needed_gb = max(2, ceil(memory_gb * avg_mem_pct / 100 / HEADROOM))`.
# 3. `licence_bill`: the yearly licence and support cost of the estate, the sum of
#    `licence_cost_per_year_usd` over the hosts (each host once), and `licence_by_role`: a Series
#    of the same sum per `role`, largest first.
# 4. A figure of the utilisation: per host, average and peak CPU (a horizontal bar chart is
#    easy to read), saved with `lab.portfolio.add_figure(names["fig_utilisation"], fig)`. Use
#    matplotlib's object API: `fig = Figure(figsize=(8, 7)); ax = fig.subplots()`.
#
# Useful: `pd.read_csv(io.BytesIO(body))`, `DataFrame.set_index`, `Series.str.contains(...,
# regex=False)`, boolean masks, `math.ceil`, `groupby(...).sum().sort_values(ascending=False)`,
# `ax.barh`.


# %% nbgrader={"grade": false, "grade_id": "inventory_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def read_discovery(rel: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=PREFIX + rel)["Body"].read()


servers = pd.read_csv(io.BytesIO(read_discovery("inventory/servers.csv"))).set_index("hostname")
servers["is_appliance"] = servers["os"].str.contains(APPLIANCE_MARK, regex=False)

idle = ~servers["is_appliance"] & (servers["peak_cpu_pct"] < 50) & (servers["avg_mem_pct"] < 50)
rightsizing = servers.loc[idle, ["cpu_cores", "memory_gb"]].copy()
rightsizing["cores_needed"] = [
    max(2, math.ceil(r.cpu_cores * r.peak_cpu_pct / 100 / HEADROOM))
    for r in servers[idle].itertuples()
]
rightsizing["memory_needed_gb"] = [
    max(2, math.ceil(r.memory_gb * r.avg_mem_pct / 100 / HEADROOM))
    for r in servers[idle].itertuples()
]
rightsizing = rightsizing[["cpu_cores", "cores_needed", "memory_gb", "memory_needed_gb"]]

licence_bill = float(servers["licence_cost_per_year_usd"].sum())
licence_by_role = (
    servers.groupby("role")["licence_cost_per_year_usd"].sum().sort_values(ascending=False)
)

fig = Figure(figsize=(8, 7))
ax = fig.subplots()
ordered = servers.sort_values("peak_cpu_pct")
ax.barh(ordered.index, ordered["peak_cpu_pct"], color="#f4a582", label="peak CPU %")
ax.barh(ordered.index, ordered["avg_cpu_pct"], color="#2166ac", label="average CPU %")
ax.axvline(50, color="grey", linestyle="--", linewidth=1)
ax.set_xlabel("CPU utilisation (%), 90 days")
ax.set_title("On-premises utilisation: most hosts idle")
ax.legend(loc="lower right")
fig.tight_layout()
lab.portfolio.add_figure(names["fig_utilisation"], fig)

print(rightsizing)
print(f"licence bill: ${licence_bill:,.0f} per year")
print(licence_by_role)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "inventory_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
expect(isinstance(servers, pd.DataFrame), "servers must be a pandas DataFrame")
expect(
    servers.index.name == "hostname",
    f"index servers by hostname (set_index('hostname')); its index is {servers.index.name!r}",
)
expect("is_appliance" in servers.columns, "servers needs the boolean column is_appliance")
expect(isinstance(rightsizing, pd.DataFrame), "rightsizing must be a pandas DataFrame")
for column in ("cpu_cores", "cores_needed", "memory_gb", "memory_needed_gb"):
    expect(column in rightsizing.columns, f"rightsizing has no column {column!r}")
expect(len(rightsizing) > 0, "rightsizing is empty: some servers are clearly over-provisioned")
figure_saved(names["fig_utilisation"])
print(f"{len(servers)} hosts, {len(rightsizing)} to right-size, licences ${licence_bill:,.0f}")

### BEGIN HIDDEN TESTS
check_servers = estate_csv("inventory/servers.csv").set_index("hostname")
expect(
    sorted(servers.index) == sorted(check_servers.index),
    f"servers must hold the {len(check_servers)} hosts of servers.csv, once each; "
    f"it holds {len(servers)} rows",
)
check_appliance = check_servers["os"].str.contains(APPLIANCE_MARK, regex=False)
for host in check_servers.index:
    expect(
        bool(servers.loc[host, "is_appliance"]) == bool(check_appliance[host]),
        f"is_appliance of {host} is {servers.loc[host, 'is_appliance']}, expected "
        f"{bool(check_appliance[host])} (os: {check_servers.loc[host, 'os']})",
    )
check_idle = (check_servers["peak_cpu_pct"] < 50) & (check_servers["avg_mem_pct"] < 50)
appliances_in = sorted(set(rightsizing.index) & set(check_servers.index[check_appliance]))
expect(
    not appliances_in,
    f"rightsizing lists {appliances_in}: appliances (the load balancer, the firewall, the SAN) "
    f"are replaced by AWS services (ALB, security groups/WAF, Aurora storage), not resized",
)
wanted_hosts = set(check_servers.index[check_idle & ~check_appliance])
missing = sorted(wanted_hosts - set(rightsizing.index))
extra = sorted(set(rightsizing.index) - wanted_hosts)
expect(
    not missing and not extra,
    f"over-provisioned servers: missing {missing or 'none'}, not over-provisioned {extra or 'none'} "
    f"(peak_cpu_pct < 50 and avg_mem_pct < 50, appliances excluded)",
)


def _ceil_ok(value, exact: float) -> bool:
    return int(value) in {max(2, math.ceil(exact - 1e-9)), max(2, math.ceil(exact + 1e-9))}


for host in wanted_hosts:
    row = check_servers.loc[host]
    cores = row["cpu_cores"] * row["peak_cpu_pct"] / 100 / HEADROOM
    memory = row["memory_gb"] * row["avg_mem_pct"] / 100 / HEADROOM
    expect(
        _ceil_ok(rightsizing.loc[host, "cores_needed"], cores),
        f"{host}: cores_needed is {rightsizing.loc[host, 'cores_needed']}, expected "
        f"max(2, ceil({row['cpu_cores']} * {row['peak_cpu_pct']} / 100 / {HEADROOM})) = "
        f"{max(2, math.ceil(cores - 1e-9))}",
    )
    expect(
        _ceil_ok(rightsizing.loc[host, "memory_needed_gb"], memory),
        f"{host}: memory_needed_gb is {rightsizing.loc[host, 'memory_needed_gb']}, expected "
        f"{max(2, math.ceil(memory - 1e-9))} (from memory_gb and avg_mem_pct)",
    )
    expect(
        int(rightsizing.loc[host, "cpu_cores"]) == int(row["cpu_cores"]),
        f"{host}: cpu_cores must be the provisioned cores ({row['cpu_cores']})",
    )
import numbers  # noqa: E402 - numpy's int64 and float64 are numbers.Real too

check_bill = float(check_servers["licence_cost_per_year_usd"].sum())
expect(
    isinstance(licence_bill, numbers.Real | Decimal) and not isinstance(licence_bill, bool),
    f"licence_bill must be a number, not {type(licence_bill).__name__}",
)
if abs(float(licence_bill) - check_bill) > 0.5:
    onprem = estate_csv("costs/onprem_costs.csv")
    licences_row = float(onprem.loc[onprem["category"] == "licences", "annual_cost_usd"].sum())
    hint = "sum licence_cost_per_year_usd over the hosts of servers.csv, each host once"
    if float(licence_bill) > check_bill and abs(float(licence_bill) % check_bill) < 0.5:
        hint = "it is a multiple of the right sum: you counted hosts more than once"
    elif abs(float(licence_bill) - check_bill - licences_row) < 0.5:
        hint = "you added onprem_costs.csv's licences too: that sheet already includes them"
    elif float(licence_bill) > check_bill:
        hint = "more than the sum over the hosts: a merge (with connections?) repeated hosts"
    raise AssertionError(
        f"licence_bill is {float(licence_bill):,.0f}, expected {check_bill:,.0f}: {hint}"
    )
check_by_role = check_servers.groupby("role")["licence_cost_per_year_usd"].sum()
expect(
    isinstance(licence_by_role, pd.Series)
    and {k: float(v) for k, v in licence_by_role.items()}
    == {k: float(v) for k, v in check_by_role.items()},
    f"licence_by_role must be a Series role -> licence cost; expected {check_by_role.to_dict()}",
)
expect(
    list(licence_by_role.values) == sorted(licence_by_role.values, reverse=True),
    "sort licence_by_role largest first",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task2_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 2 · The dependency map: move groups and migration waves (3 points)
#
# Move a server and forget one of its dependencies, and the shop fails in a way no test in the
# new environment showed: a nightly job that cannot reach the database any more, images that no
# longer load. `connections.csv` is the ground truth of who talks to whom. Turn it into a
# **directed graph** (an edge `source -> target`: the source needs the target) and let the graph
# answer two questions.
#
# - **What must move together?** Hosts that depend on each other in a cycle cannot be split
#   across the data centre and AWS for long: the Tomcats replicate their sessions to each other,
#   the two RAC nodes share a cache over a private interconnect. Cycles are the graph's
#   **strongly connected components** with more than one host.
# - **In which order?** A host moves once everything it depends on is there (or moves with it):
#   its **wave** is 1 when it depends on nothing, else 1 + the highest wave among the hosts it
#   depends on; hosts of one move group share a wave. That is the longest path in the graph of
#   move groups (the "condensation", which has no cycles).
#
# Leave out what is not part of the application: the **shared services** (role `mgmt`:
# monitoring, the bastion, DNS, the directory) reach or serve every host and would tie
# everything into one knot; they are replaced or kept by the landing zone before wave 1, so they
# are **wave 0**. Outside endpoints (`EXTERNAL`) are not hosts.
#
# Build:
#
# 1. `graph`: a `networkx.DiGraph` whose nodes are **all** hosts whose role is not `mgmt` (also
#    those without any flow) and whose edges are the flows between two such hosts.
# 2. `move_groups`: a list of sets of hostnames, the strongly connected components with more
#    than one host.
# 3. `waves`: a dict hostname -> wave (int) for **every** host of the inventory (`mgmt` hosts 0).
# 4. A figure of the graph, hosts placed by wave, saved as `names["fig_dependencies"]`.
#
# Useful: `nx.DiGraph()`, `add_nodes_from`, `add_edges_from`, `nx.strongly_connected_components`,
# `nx.condensation(graph)` (its nodes carry a `members` attribute, and `graph.graph["mapping"]`
# maps hosts to them), `nx.topological_sort`, `nx.multipartite_layout(g, subset_key=...)`,
# `nx.draw_networkx(g, pos, ax=ax)`.

# %% nbgrader={"grade": false, "grade_id": "dependencies_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
connections = pd.read_csv(io.BytesIO(read_discovery("inventory/connections.csv")))
app_hosts = set(servers.index[servers["role"] != "mgmt"])

graph = nx.DiGraph()
graph.add_nodes_from(sorted(app_hosts))
graph.add_edges_from(
    (c.source, c.target)
    for c in connections.itertuples()
    if c.source in app_hosts and c.target in app_hosts
)
move_groups = [set(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]

dag = nx.condensation(graph)
group_wave: dict[int, int] = {}
for node in reversed(list(nx.topological_sort(dag))):  # dependencies (sinks) first
    group_wave[node] = 1 + max((group_wave[n] for n in dag.successors(node)), default=0)
waves = {host: 0 for host in servers.index}
waves.update({host: group_wave[dag.graph["mapping"][host]] for host in graph.nodes})

fig = Figure(figsize=(11, 6))
ax = fig.subplots()
nx.set_node_attributes(graph, {h: waves[h] for h in graph.nodes}, "wave")
pos = nx.multipartite_layout(graph, subset_key="wave")
in_group = {h for g in move_groups for h in g}
nx.draw_networkx(
    graph,
    pos,
    ax=ax,
    node_color=["#fdb863" if h in in_group else "#b2abd2" for h in graph.nodes],
    node_size=900,
    font_size=7,
    arrowsize=8,
    edge_color="#999999",
)
for wave in sorted(set(group_wave.values())):
    xs = [pos[h][0] for h in graph.nodes if waves[h] == wave]
    ax.text(sum(xs) / len(xs), 1.08, f"wave {wave}", ha="center", transform=ax.transData)
ax.set_title("Dependencies (source needs target); orange: move groups")
ax.set_axis_off()
fig.tight_layout()
lab.portfolio.add_figure(names["fig_dependencies"], fig)

print("move groups:", [sorted(g) for g in move_groups])
for wave in sorted(set(waves.values())):
    print(f"wave {wave}:", sorted(h for h, w in waves.items() if w == wave))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "dependencies_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
expect(isinstance(graph, nx.DiGraph), "graph must be a networkx.DiGraph (directed)")
expect(graph.number_of_edges() > 0, "graph has no edges: add the flows between the hosts")
expect(isinstance(move_groups, list), "move_groups must be a list of sets of hostnames")
expect(isinstance(waves, dict), "waves must be a dict hostname -> wave number")
figure_saved(names["fig_dependencies"])
print(
    f"{graph.number_of_nodes()} hosts, {graph.number_of_edges()} dependencies, "
    f"{len(move_groups)} move groups, {max(waves.values())} waves"
)

### BEGIN HIDDEN TESTS
check_servers = estate_csv("inventory/servers.csv").set_index("hostname")
check_flows = estate_csv("inventory/connections.csv")
shared = set(check_servers.index[check_servers["role"] == "mgmt"])
check_nodes = set(check_servers.index) - shared
check_edges = {
    (f.source, f.target)
    for f in check_flows.itertuples()
    if f.source in check_nodes and f.target in check_nodes
}
in_graph_shared = sorted(set(graph.nodes) & shared)
expect(
    not in_graph_shared,
    f"the graph holds the shared services {in_graph_shared}: leave role mgmt out (they serve "
    f"every host and are handled by the landing zone, wave 0)",
)
outside = sorted(set(graph.nodes) & set(EXTERNAL))
expect(not outside, f"{outside} are outside endpoints, not hosts: leave them out of the graph")
missing = sorted(check_nodes - set(graph.nodes))
expect(not missing, f"hosts missing from the graph: {missing} (add every non-mgmt host)")
got_edges = set(graph.edges)
reversed_edges = {(b, a) for a, b in check_edges}
if got_edges == reversed_edges:
    raise AssertionError(
        "every edge points the wrong way: draw source -> target (the source needs the target)"
    )
expect(
    got_edges == check_edges,
    f"the graph's edges differ from the flows between non-mgmt hosts: missing "
    f"{sorted(check_edges - got_edges)[:5]}, extra {sorted(got_edges - check_edges)[:5]}",
)
check_graph = nx.DiGraph(list(check_edges))
check_graph.add_nodes_from(check_nodes)
check_groups = {frozenset(c) for c in nx.strongly_connected_components(check_graph) if len(c) > 1}
got_groups = {frozenset(g) for g in move_groups}
expect(
    got_groups == check_groups,
    f"move_groups are {sorted(sorted(g) for g in got_groups)}, expected "
    f"{sorted(sorted(g) for g in check_groups)} (strongly connected components, > 1 host)",
)
check_dag = nx.condensation(check_graph)
check_level: dict[int, int] = {}
for node in reversed(list(nx.topological_sort(check_dag))):
    check_level[node] = 1 + max((check_level[n] for n in check_dag.successors(node)), default=0)
check_waves = {h: 0 for h in check_servers.index}
check_waves.update({h: check_level[check_dag.graph["mapping"][h]] for h in check_nodes})
expect(
    set(waves) == set(check_waves),
    f"waves must have every host of the inventory; missing {sorted(set(check_waves) - set(waves))}",
)
first = [h for h in check_nodes if check_waves[h] == max(check_waves.values())]
if all(int(waves[h]) == 1 for h in first):
    raise AssertionError(
        f"{first} are in wave 1 but depend on the longest chain: a host's wave is 1 + the "
        f"highest wave of the hosts it depends on (dependencies move first)"
    )
for host, wave in sorted(check_waves.items()):
    expect(
        int(waves[host]) == wave,
        f"{host} is in wave {waves[host]}, expected {wave}"
        + (" (shared services are wave 0)" if host in shared else ""),
    )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task3_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 3 · The database: rows, bytes and growth (2 points)
#
# The size of the database decides how the data moves (an online copy with AWS DMS, a dump and
# restore, a snowball), how long the initial load takes and what Aurora storage costs. The DBA
# exported every table of schema `RETAIL` to `discovery/oracle/data/<TABLE>.csv.gz`
# (`p1_retail.TABLES` lists them, parents first).
#
# Build:
#
# 1. `volumes`: a DataFrame indexed by table name (upper case, in the order of
#    `p1_retail.TABLES`) with the columns `rows` (data rows: the header is not a row, and a
#    quoted value may span lines, so let a CSV reader count), `csv_bytes` (the size of the
#    **uncompressed** CSV), `gz_bytes` (the size of the object in S3) and `bytes_per_row`
#    (`csv_bytes / rows`).
# 2. `total_csv_bytes`: the uncompressed size of the whole export.
# 3. `orders_per_month`: a Series counting the orders per month of `ORDER_DATE` (index: the
#    month as a pandas `Period` or a `"YYYY-MM"` string), in time order.
# 4. `monthly_orders_last12`: the mean of the **last 12 months** of `orders_per_month`, and
#    `projected_orders_3y`: the rows of `ORDERS` in three years at that rate
#    (`rows + 36 * monthly_orders_last12`, rounded to an int).
# 5. A figure of `orders_per_month`, saved as `names["fig_growth"]`.
#
# Useful: `s3.get_object`, `gzip.decompress`, `pd.read_csv(io.BytesIO(...))`,
# `pd.to_datetime`, `Series.dt.to_period("M")`, `value_counts().sort_index()`, `tail(12)`.
# (`p1_retail.read_table(name)` reads the same export from the dataset, if you want to compare.)

# %% nbgrader={"grade": false, "grade_id": "volumes_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
tables: dict[str, pd.DataFrame] = {}
rows_of = []
for table in p1_retail.TABLES:
    key = f"{PREFIX}oracle/data/{table}.csv.gz"
    packed = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    raw = gzip.decompress(packed)
    tables[table] = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    rows_of.append(
        {"table": table, "rows": len(tables[table]), "csv_bytes": len(raw), "gz_bytes": len(packed)}
    )
volumes = pd.DataFrame(rows_of).set_index("table")
volumes["bytes_per_row"] = volumes["csv_bytes"] / volumes["rows"]
total_csv_bytes = int(volumes["csv_bytes"].sum())

order_dates = pd.to_datetime(tables["ORDERS"]["ORDER_DATE"])
orders_per_month = order_dates.dt.to_period("M").value_counts().sort_index()
monthly_orders_last12 = float(orders_per_month.tail(12).mean())
projected_orders_3y = round(volumes.loc["ORDERS", "rows"] + 36 * monthly_orders_last12)

fig = Figure(figsize=(9, 4))
ax = fig.subplots()
ax.plot(orders_per_month.index.to_timestamp(), orders_per_month.values, color="#2166ac")
ax.axhline(monthly_orders_last12, color="#b2182b", linestyle="--", label="last 12 months mean")
ax.set_ylabel("orders per month")
ax.set_title("Order volume (ORDERS.ORDER_DATE)")
ax.legend()
fig.tight_layout()
lab.portfolio.add_figure(names["fig_growth"], fig)

print(volumes)
print(
    f"export: {total_csv_bytes / 1e6:.1f} MB uncompressed; "
    f"{monthly_orders_last12:.0f} orders/month; ORDERS in 3 years: {projected_orders_3y:,}"
)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "volumes_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
expect(isinstance(volumes, pd.DataFrame), "volumes must be a pandas DataFrame")
for column in ("rows", "csv_bytes", "gz_bytes", "bytes_per_row"):
    expect(column in volumes.columns, f"volumes has no column {column!r}")
expect(
    list(volumes.index) == list(p1_retail.TABLES),
    f"index volumes by table name in the order of p1_retail.TABLES; it is {list(volumes.index)}",
)
figure_saved(names["fig_growth"])
print(f"{int(volumes['rows'].sum()):,} rows, {total_csv_bytes:,} bytes")

### BEGIN HIDDEN TESTS
check_rows = {t: len(p1_retail.read_table(t)) for t in p1_retail.TABLES}
for table in p1_retail.TABLES:
    got = int(volumes.loc[table, "rows"])
    if got == check_rows[table] + 1:
        raise AssertionError(f"{table}: rows is {got}, one too many: the header line is not a row")
    expect(
        got == check_rows[table],
        f"{table}: rows is {got}, expected {check_rows[table]} (count records with a CSV "
        f"reader: a quoted value may hold a line break)",
    )
    packed = (p1_retail.ROOT / "oracle" / "data" / f"{table}.csv.gz").read_bytes()
    raw_size = len(gzip.decompress(packed))
    got_csv = int(volumes.loc[table, "csv_bytes"])
    if got_csv == len(packed) and raw_size != len(packed):
        raise AssertionError(
            f"{table}: csv_bytes is the compressed size; the database holds the uncompressed data"
        )
    expect(got_csv == raw_size, f"{table}: csv_bytes is {got_csv}, expected {raw_size}")
    expect(
        int(volumes.loc[table, "gz_bytes"]) == len(packed),
        f"{table}: gz_bytes is {volumes.loc[table, 'gz_bytes']}, the object is {len(packed)} bytes",
    )
    expect(
        abs(float(volumes.loc[table, "bytes_per_row"]) - raw_size / check_rows[table]) < 0.01,
        f"{table}: bytes_per_row must be csv_bytes / rows",
    )
check_total = sum(
    len(gzip.decompress((p1_retail.ROOT / "oracle" / "data" / f"{t}.csv.gz").read_bytes()))
    for t in p1_retail.TABLES
)
expect(
    int(total_csv_bytes) == check_total,
    f"total_csv_bytes is {total_csv_bytes}, expected {check_total}",
)
check_dates = pd.to_datetime([r["ORDER_DATE"] for r in p1_retail.read_table("ORDERS")])
check_months = pd.Series(check_dates.to_period("M")).value_counts().sort_index()
got_months = {str(k)[:7]: int(v) for k, v in orders_per_month.items()}
want_months = {str(k): int(v) for k, v in check_months.items()}
expect(
    got_months == want_months,
    f"orders_per_month differs from the ORDER_DATE months: e.g. "
    f"{sorted(set(want_months.items()) ^ set(got_months.items()))[:3]}",
)
expect(
    [str(k)[:7] for k in orders_per_month.index] == sorted(want_months),
    "orders_per_month must be in time order (sort_index)",
)
check_mean = float(check_months.tail(12).mean())
expect(
    abs(float(monthly_orders_last12) - check_mean) < 0.01,
    f"monthly_orders_last12 is {monthly_orders_last12}, expected {check_mean:.2f} "
    f"(the mean of the last 12 months)",
)
check_projection = round(check_rows["ORDERS"] + 36 * check_mean)
expect(
    abs(int(projected_orders_3y) - check_projection) <= 1,
    f"projected_orders_3y is {projected_orders_3y}, expected {check_projection}",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task4_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 4 · Network requirements and security findings (3 points)
#
# The security groups of the target platform (built in the landing zone lab) must allow exactly
# the flows the application needs, tier to tier, and the assessment must say which of today's
# flows are a risk. Two sources: the captured flows, and the configuration files (which say
# what the flows carry).
#
# Build:
#
# 1. `config_facts`: a dict read **from the config files in the bucket** with regular
#    expressions (not typed in):
#    - `"tomcat_backends"`: the sorted short hostnames of the `BalancerMember`s in
#      `configs/apache/shop-vhost.conf` (`app01` from `http://app01.retail.local:8080`), and
#      `"tomcat_port"`: their port (an int);
#    - `"tls_protocols"`: the protocols the shop's `SSLProtocol` line enables (`+TLSv1.2` ->
#      `"TLSv1.2"`), sorted;
#    - `"jdbc_hosts"`: the sorted `HOST=` values of the JDBC URL in `configs/tomcat/context.xml`,
#      `"jdbc_port"` (int) and `"jdbc_service"` (the `SERVICE_NAME`);
#    - `"pool_max"`: the `maxTotal` of that data source (int).
# 2. `flows`: one row per distinct `(source_tier, target_tier, port, protocol)` of
#    `connections.csv` (tiers from the hosts' roles with `TIER`; `internet` and `payment-gateway`
#    are tier `"external"`), with the columns `source_tier`, `target_tier`, `port`, `protocol`,
#    `connections` (how many flows of connections.csv it stands for), `encrypted` (the port is
#    in `ENCRYPTED_PORTS`) and `crosses_tier` (source tier != target tier). This is the table the
#    security groups are written from.
# 3. `findings`: the rows of `flows` that cross tiers **unencrypted**: each is a security
#    finding (clear-text SQL*Net, HTTP to Tomcat, NFS, SMTP, LDAP ...) for the risk register.
#
# Useful: `re.findall(r"BalancerMember\s+\"?http://([\w-]+)\.[\w.]+:(\d+)", text)`, `Series.map`,
# `groupby([...]).size().reset_index(name="connections")`, `isin`.

# %% nbgrader={"grade": false, "grade_id": "network_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
vhost = read_discovery("configs/apache/shop-vhost.conf").decode()
context = read_discovery("configs/tomcat/context.xml").decode()
members = re.findall(r"BalancerMember\s+\"?http://([\w-]+)\.[\w.]+:(\d+)", vhost)
jdbc_url = re.search(r'url="(jdbc:oracle:[^"]+)"', context).group(1)
config_facts = {
    "tomcat_backends": sorted({host for host, _ in members}),
    "tomcat_port": int(members[0][1]),
    "tls_protocols": sorted(re.findall(r"\+(TLSv[\d.]+)", re.search(r"SSLProtocol(.*)", vhost)[1])),
    "jdbc_hosts": sorted(re.findall(r"HOST=([\w.-]+)", jdbc_url)),
    "jdbc_port": int(re.search(r"PORT=(\d+)", jdbc_url).group(1)),
    "jdbc_service": re.search(r"SERVICE_NAME=([\w.-]+)", jdbc_url).group(1),
    "pool_max": int(re.search(r'maxTotal="(\d+)"', context).group(1)),
}

tier_of = {host: TIER[role] for host, role in servers["role"].items()}
tier_of.update({endpoint: "external" for endpoint in EXTERNAL})
tiered = connections.assign(
    source_tier=connections["source"].map(tier_of), target_tier=connections["target"].map(tier_of)
)
flows = (
    tiered.groupby(["source_tier", "target_tier", "port", "protocol"])
    .size()
    .reset_index(name="connections")
)
flows["encrypted"] = flows["port"].isin(ENCRYPTED_PORTS)
flows["crosses_tier"] = flows["source_tier"] != flows["target_tier"]
findings = flows[flows["crosses_tier"] & ~flows["encrypted"]].reset_index(drop=True)

print(config_facts)
print(flows.to_string())
print(f"{len(findings)} clear-text flows across tiers")
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "network_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
expect(isinstance(config_facts, dict), "config_facts must be a dict")
for key in (
    "tomcat_backends",
    "tomcat_port",
    "tls_protocols",
    "jdbc_hosts",
    "jdbc_port",
    "jdbc_service",
    "pool_max",
):
    expect(key in config_facts, f"config_facts has no key {key!r}")
expect(isinstance(flows, pd.DataFrame), "flows must be a pandas DataFrame")
for column in (
    "source_tier",
    "target_tier",
    "port",
    "protocol",
    "connections",
    "encrypted",
    "crosses_tier",
):
    expect(column in flows.columns, f"flows has no column {column!r}")
expect(isinstance(findings, pd.DataFrame), "findings must be a pandas DataFrame")
print(f"{len(flows)} tier-to-tier flows, {len(findings)} findings")

### BEGIN HIDDEN TESTS
check_vhost = (p1_retail.ROOT / "configs/apache/shop-vhost.conf").read_text()
check_context = (p1_retail.ROOT / "configs/tomcat/context.xml").read_text()
check_members = re.findall(r"BalancerMember\s+\"?https?://([\w-]+)[\w.]*:(\d+)", check_vhost)
check_url = re.search(r'url="(jdbc:[^"]+)"', check_context).group(1)
check_facts = {
    "tomcat_backends": sorted({h for h, _ in check_members}),
    "tomcat_port": int(check_members[0][1]),
    "tls_protocols": sorted(
        re.findall(r"\+(TLSv[\d.]+)", re.search(r"SSLProtocol(.*)", check_vhost)[1])
    ),
    "jdbc_hosts": sorted(re.findall(r"HOST=([\w.-]+)", check_url)),
    "jdbc_port": int(re.search(r"PORT=(\d+)", check_url).group(1)),
    "jdbc_service": re.search(r"SERVICE_NAME=([\w.-]+)", check_url).group(1),
    "pool_max": int(re.search(r'maxTotal="(\d+)"', check_context).group(1)),
}
for key, value in check_facts.items():
    got = config_facts[key]
    if isinstance(value, list):
        got = sorted(str(v) for v in got) if isinstance(got, list | tuple | set) else got
    if isinstance(value, int):
        expect(
            str(got).isdigit() and int(got) == value,
            f"config_facts[{key!r}] is {got!r}, the config says {value!r}",
        )
    else:
        expect(got == value, f"config_facts[{key!r}] is {got!r}, the config says {value!r}")
check_servers = estate_csv("inventory/servers.csv").set_index("hostname")
check_flows = estate_csv("inventory/connections.csv")
check_tier = {h: TIER[r] for h, r in check_servers["role"].items()}
check_tier.update({e: "external" for e in EXTERNAL})
check_flows["st"] = check_flows["source"].map(check_tier)
check_flows["tt"] = check_flows["target"].map(check_tier)
want = check_flows.groupby(["st", "tt", "port", "protocol"]).size().to_dict()
got_rows = {
    (r.source_tier, r.target_tier, int(r.port), r.protocol): int(r.connections)
    for r in flows.itertuples()
}
expect(
    len(got_rows) == len(flows),
    "flows has duplicate (source_tier, target_tier, port, protocol) rows: group them",
)
missing = sorted(set(want) - set(got_rows))
extra = sorted(set(got_rows) - set(want))
expect(
    not missing and not extra,
    f"flows differ from connections.csv grouped by tiers: missing {missing[:4]}, "
    f"unexpected {extra[:4]} (tiers from TIER by role; outside endpoints are 'external')",
)
for key, count in want.items():
    expect(got_rows[key] == count, f"flow {key}: connections is {got_rows[key]}, expected {count}")
for r in flows.itertuples():
    expect(
        bool(r.encrypted) == (int(r.port) in ENCRYPTED_PORTS),
        f"flow {r.source_tier}->{r.target_tier}:{r.port}: encrypted must be "
        f"{int(r.port) in ENCRYPTED_PORTS} (ENCRYPTED_PORTS)",
    )
    expect(
        bool(r.crosses_tier) == (r.source_tier != r.target_tier),
        f"flow {r.source_tier}->{r.target_tier}:{r.port}: crosses_tier is wrong",
    )
want_findings = {k for k in want if k[0] != k[1] and int(k[2]) not in ENCRYPTED_PORTS}
got_findings = {
    (r.source_tier, r.target_tier, int(r.port), r.protocol) for r in findings.itertuples()
}
expect(
    got_findings == want_findings,
    f"findings must be the flows that cross tiers unencrypted: missing "
    f"{sorted(want_findings - got_findings)[:4]}, not findings {sorted(got_findings - want_findings)[:4]}",
)
expect(
    ("app", "data", 1521, "tcp") in got_findings,
    "the clear-text SQL*Net flow app -> data on 1521 must be a finding",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task5_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 5 · A migration strategy for every component: the 7 Rs (3 points)
#
# Each component gets one of the **7 Rs**: *rehost* (lift and shift, e.g. with AWS Application
# Migration Service), *replatform* (lift, tinker and shift: a managed database, containers),
# *refactor* (re-architect), *repurchase* (move to a SaaS or managed product), *retire* (switch
# off, or replace by a service of the platform), *retain* (keep where it is, for now) and
# *relocate* (move a hypervisor wholesale, e.g. VMware Cloud on AWS).
#
# The architecture review agreed these **rules**, applied **in this order** (the first that
# matches decides):
#
# | # | rule | strategy | target |
# |---|---|---|---|
# | 1 | an appliance (`APPLIANCE_MARK` in `os`) | retire | its function moves to AWS: ALB (load balancer), security groups + AWS WAF (firewall), Aurora/EBS storage (SAN) |
# | 2 | not `production`, and no host depends on it (it is in no `depends_on`) | retire | nothing: switch it off |
# | 3 | role `db` | replatform | Aurora PostgreSQL |
# | 4 | role `app` | replatform | containers on ECS Fargate |
# | 5 | role `web` | retire | ALB (TLS, balancing) and CloudFront + S3 (the /images alias) |
# | 6 | role `nfs` | replatform | S3 + CloudFront |
# | 7 | role `backup` | retire | AWS Backup |
# | 8 | role `mgmt` and `company-wide` in `software` | retain | stays on premises, reached over the VPN |
# | 9 | role `mgmt` and `jump host` in `software` | retire | Systems Manager Session Manager |
# | 10 | role `mgmt` (the rest) | repurchase | CloudWatch |
# | 11 | role `mail` or `reporting` | repurchase | Amazon SES (mail), Amazon QuickSight (reporting) |
# | 12 | role `batch` or `sftp` | rehost | EC2 via AWS Application Migration Service |
#
# Write the rules as code, not as a list of hostnames: the next server the discovery finds
# must be classified too.
#
# Build:
#
# 1. `classify(row)`: takes one row of `servers` (a pandas Series with the columns of
#    servers.csv; its `name` is the hostname) and returns a tuple `(strategy, target, reason)`:
#    the strategy (one of `SEVEN_RS`), the AWS target (text, may be empty for retire), and a
#    reason in words (a short sentence, at least three words: why this rule applies to this
#    host). Rule 2 needs to know who depends on whom: use the `depends_on` column of `servers`.
# 2. `strategies`: a DataFrame indexed by hostname, one row per host of `servers`, with the
#    columns `strategy`, `target` and `reason`.
#
# Useful: `servers.apply(classify, axis=1)` returns a Series of tuples;
# `pd.DataFrame(list_of_tuples, index=..., columns=[...])`; `str.split(";")`.


# %% nbgrader={"grade": false, "grade_id": "strategy_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def depended_on() -> set[str]:
    return {h for deps in servers["depends_on"].fillna("") for h in deps.split(";") if h}


APPLIANCE_TARGET = {
    "lb": "Application Load Balancer",
    "firewall": "security groups + AWS WAF",
    "storage": "Aurora storage / EBS",
}
ROLE_RULES = {
    "db": (
        "replatform",
        "Aurora PostgreSQL",
        "the Oracle RAC becomes a managed PostgreSQL cluster",
    ),
    "app": ("replatform", "containers on ECS Fargate", "the Tomcat application is containerised"),
    "web": (
        "retire",
        "ALB + CloudFront/S3",
        "the ALB terminates TLS and balances, CloudFront serves /images",
    ),
    "nfs": ("replatform", "S3 + CloudFront", "the product images move to object storage"),
    "backup": ("retire", "AWS Backup", "tape is replaced by AWS Backup of the managed services"),
    "mail": ("repurchase", "Amazon SES", "a managed mail service replaces the relay"),
    "reporting": (
        "repurchase",
        "Amazon QuickSight",
        "a managed BI service replaces the report server",
    ),
    "batch": (
        "rehost",
        "EC2 (AWS Application Migration Service)",
        "the cron jobs move unchanged first",
    ),
    "sftp": (
        "rehost",
        "EC2 (AWS Application Migration Service)",
        "suppliers keep the same SFTP server",
    ),
}


def classify(row: pd.Series) -> tuple[str, str, str]:
    host = row.name
    if APPLIANCE_MARK in str(row["os"]):
        target = APPLIANCE_TARGET.get(row["role"], "an AWS managed service")
        return (
            "retire",
            target,
            f"{host} is an appliance ({row['os']}): its function moves to {target}",
        )
    if row["environment"] != "production" and host not in depended_on():
        return "retire", "", f"{host} is a {row['environment']} host nothing depends on"
    if row["role"] == "mgmt":
        software = str(row["software"])
        if "company-wide" in software:
            return (
                "retain",
                "on premises (VPN)",
                f"{host} serves the whole company, not only the shop",
            )
        if "jump host" in software:
            return (
                "retire",
                "Systems Manager Session Manager",
                f"{host}: Session Manager needs no bastion",
            )
        return "repurchase", "CloudWatch", f"{host}: CloudWatch replaces the self-run monitoring"
    if row["role"] in ROLE_RULES:
        strategy, target, why = ROLE_RULES[row["role"]]
        return strategy, target, f"{host} ({row['role']}): {why}"
    return "retain", "", f"{host}: no rule applies yet; decide in the review"


strategies = pd.DataFrame(
    list(servers.apply(classify, axis=1)),
    index=servers.index,
    columns=["strategy", "target", "reason"],
)
print(strategies.to_string())
print(strategies["strategy"].value_counts())
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "strategy_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
expect(callable(classify), "classify must be a function row -> (strategy, target, reason)")
expect(isinstance(strategies, pd.DataFrame), "strategies must be a pandas DataFrame")
for column in ("strategy", "target", "reason"):
    expect(column in strategies.columns, f"strategies has no column {column!r}")
unknown = sorted(set(strategies["strategy"]) - set(SEVEN_RS))
expect(not unknown, f"strategies {unknown} are not among the 7 Rs {SEVEN_RS}")
expect(
    "db01" in strategies.index,
    "index strategies by hostname (one row per host of servers)",
)
expect(
    strategies.loc["db01", "strategy"] == "replatform",
    f"db01 (Oracle RAC) is {strategies.loc['db01', 'strategy']!r}: it is replatformed to Aurora",
)
print(strategies["strategy"].value_counts().to_dict())

### BEGIN HIDDEN TESTS
check_servers = estate_csv("inventory/servers.csv").set_index("hostname")


def _expected_strategy(row: pd.Series, needed: set[str]) -> str:
    if APPLIANCE_MARK in str(row["os"]):
        return "retire"
    if row["environment"] != "production" and row.name not in needed:
        return "retire"
    role, software = row["role"], str(row["software"])
    if role == "mgmt":
        if "company-wide" in software:
            return "retain"
        return "retire" if "jump host" in software else "repurchase"
    return {
        "db": "replatform", "app": "replatform", "web": "retire", "nfs": "replatform",
        "backup": "retire", "mail": "repurchase", "reporting": "repurchase",
        "batch": "rehost", "sftp": "rehost",
    }[role]  # fmt: skip


check_needed = {h for d in check_servers["depends_on"].fillna("") for h in d.split(";") if h}
expect(
    sorted(strategies.index) == sorted(check_servers.index),
    "strategies needs exactly one row per host of servers.csv",
)
HINTS = {
    "lb01": "the hardware load balancer is retired: an ALB replaces it",
    "backup01": "the tape backup is retired: AWS Backup replaces it",
    "test01": "the forgotten test box is retired: not production, and nothing depends on it",
    "db01": "the Oracle RAC is replatformed to Aurora PostgreSQL",
}
for host, row in check_servers.iterrows():
    want = _expected_strategy(row, check_needed)
    got = strategies.loc[host, "strategy"]
    expect(
        got == want,
        f"{host} ({row['role']}, {row['environment']}, {row['os']}): strategy {got!r}, the rules "
        f"give {want!r}" + (f"; {HINTS[host]}" if host in HINTS else ""),
    )
    reason = str(strategies.loc[host, "reason"])
    expect(
        len(reason.split()) >= 3,
        f"{host}: give a reason in words (a short sentence of at least 3 words: why this rule "
        f"applies to this host), not {reason!r}",
    )
# the rules, not a list of hostnames: new hosts the discovery might find
template = check_servers.loc["app01"].copy()
probes = []
p = template.copy()
p.name = "app05"
probes.append((p, "replatform", "a fifth production Tomcat"))
p = template.copy()
p.name, p["environment"], p["role"] = "test02", "test", "web"
probes.append((p, "retire", "a test web server nothing depends on"))
p = check_servers.loc["lb01"].copy()
p.name = "lb02"
probes.append((p, "retire", "a second F5 appliance"))
p = check_servers.loc["batch01"].copy()
p.name = "batch02"
probes.append((p, "rehost", "a second production cron host"))
for probe, want, what in probes:
    try:
        result = classify(probe)
    except Exception as e:  # noqa: BLE001 - the learner's function
        raise AssertionError(
            f"classify fails on {what} ({probe.name}): {type(e).__name__}: {e}"
        ) from None
    expect(
        isinstance(result, tuple | list) and len(result) == 3,
        f"classify must return (strategy, target, reason), got {result!r}",
    )
    expect(
        result[0] == want,
        f"classify gives {result[0]!r} for {what} ({probe.name}), the rules give {want!r}: "
        f"classify by the row's fields, not by hostname",
    )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task6_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 6 · The application inventory in the migration tracker (2 points)
#
# An assessment that lives in a notebook is read by one person. The migration team tracks
# every component through the project (AWS Migration Hub does this with its application and
# server records); here the tracker is a **DynamoDB table** the later labs and dashboards read.
#
# Build:
#
# 1. The table `names["inventory_table"]` (`p1-migration-inventory`) with the partition key
#    `hostname` (string), billing mode `PAY_PER_REQUEST`. Create it only when it does not exist
#    (`describe_table` raises `dynamodb.exceptions.ResourceNotFoundException`), and wait until it
#    is `ACTIVE` (`dynamodb.get_waiter("table_exists")`).
# 2. One item per host of the inventory with the attributes `hostname`, `role`, `environment`,
#    `tier` (from `TIER`), `strategy`, `target` (task 5), `wave` (a **number**, task 2),
#    `move_group` (a string naming the host's move group, the same for all hosts of one group,
#    e.g. `"db01+db02"`; `"none"` for a host in no group) and `over_provisioned` (a boolean:
#    the host is in `rightsizing`).
#
# `put_item` replaces an item with the same key, so re-running is safe. With the low-level client
# every value is typed: `{"S": "text"}`, `{"N": str(number)}`, `{"BOOL": True}`.

# %% nbgrader={"grade": false, "grade_id": "tracker_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
table_name = names["inventory_table"]
try:
    dynamodb.describe_table(TableName=table_name)
except dynamodb.exceptions.ResourceNotFoundException:
    dynamodb.create_table(
        TableName=table_name,
        AttributeDefinitions=[{"AttributeName": "hostname", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "hostname", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "Project", "Value": "p1-migration"}],
    )
dynamodb.get_waiter("table_exists").wait(TableName=table_name)

group_of = {h: "+".join(sorted(g)) for g in move_groups for h in g}
for host, row in servers.iterrows():
    dynamodb.put_item(
        TableName=table_name,
        Item={
            "hostname": {"S": host},
            "role": {"S": row["role"]},
            "environment": {"S": row["environment"]},
            "tier": {"S": TIER[row["role"]]},
            "strategy": {"S": strategies.loc[host, "strategy"]},
            "target": {"S": strategies.loc[host, "target"]},
            "wave": {"N": str(int(waves[host]))},
            "move_group": {"S": group_of.get(host, "none")},
            "over_provisioned": {"BOOL": bool(host in rightsizing.index)},
        },
    )
print(dynamodb.describe_table(TableName=table_name)["Table"]["ItemCount"], "items")
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "tracker_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
try:
    check_table = dynamodb.describe_table(TableName=names["inventory_table"])["Table"]
except dynamodb.exceptions.ResourceNotFoundException:
    raise AssertionError(f"no DynamoDB table {names['inventory_table']!r} yet") from None
expect(
    [(k["AttributeName"], k["KeyType"]) for k in check_table["KeySchema"]]
    == [("hostname", "HASH")],
    f"the table's key must be hostname (HASH) only, it is {check_table['KeySchema']}",
)
check_items = []
for page in dynamodb.get_paginator("scan").paginate(TableName=names["inventory_table"]):
    check_items += page["Items"]
expect(check_items, f"table {names['inventory_table']} is empty: put one item per host")
print(f"{len(check_items)} items in {names['inventory_table']}")

### BEGIN HIDDEN TESTS
from labkit.checks import expect as _expect  # noqa: E402 - the same function, for clarity

check_servers = estate_csv("inventory/servers.csv").set_index("hostname")
by_host = {i["hostname"]["S"]: i for i in check_items}
missing = sorted(set(check_servers.index) - set(by_host))
_expect(not missing, f"no tracker item for {missing}")
extra = sorted(set(by_host) - set(check_servers.index))
_expect(not extra, f"tracker items for hosts not in the inventory: {extra}")
for host in check_servers.index:
    item = by_host[host]
    for attr, kind in (
        ("role", "S"),
        ("environment", "S"),
        ("tier", "S"),
        ("strategy", "S"),
        ("target", "S"),
        ("wave", "N"),
        ("move_group", "S"),
        ("over_provisioned", "BOOL"),
    ):
        _expect(attr in item, f"item {host} has no attribute {attr!r}")
        _expect(
            kind in item[attr], f"item {host}: {attr} must be of type {kind}, it is {item[attr]}"
        )
    _expect(item["role"]["S"] == check_servers.loc[host, "role"], f"item {host}: wrong role")
    _expect(
        item["tier"]["S"] == TIER[check_servers.loc[host, "role"]],
        f"item {host}: tier is {item['tier']['S']!r}, TIER gives {TIER[check_servers.loc[host, 'role']]!r}",
    )
    _expect(
        item["strategy"]["S"] == strategies.loc[host, "strategy"],
        f"item {host}: strategy {item['strategy']['S']!r} differs from task 5's "
        f"{strategies.loc[host, 'strategy']!r}",
    )
    _expect(
        int(Decimal(item["wave"]["N"])) == int(waves[host]),
        f"item {host}: wave {item['wave']['N']} differs from task 2's {waves[host]}",
    )
    _expect(
        item["over_provisioned"]["BOOL"] == (host in set(rightsizing.index)),
        f"item {host}: over_provisioned must say whether {host} is in rightsizing",
    )
groups_seen: dict[str, set[str]] = {}
for host, item in by_host.items():
    if item["move_group"]["S"] != "none":
        groups_seen.setdefault(item["move_group"]["S"], set()).add(host)
_expect(
    {frozenset(g) for g in groups_seen.values()} == {frozenset(g) for g in move_groups},
    f"move_group values group the hosts as {sorted(sorted(g) for g in groups_seen.values())}; "
    f"task 2's move groups are {sorted(sorted(g) for g in move_groups)} ('none' for the others)",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task7_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 7 · The risk register (2 points)
#
# A migration plan without risks is a wish. The estate itself tells you several: read the
# inventory, the flows, the configs (`configs/cron/backup01-schedule.txt`: when was the last
# restore test?) and your findings of task 4.
#
# Build `risks`, a DataFrame with one row per risk and the columns:
#
# | column | content |
# |---|---|
# | `risk` | what could happen, in a sentence |
# | `component` | the hostname(s) it concerns, separated by `;` |
# | `likelihood` | 1 (rare) to 5 (almost certain), an int |
# | `impact` | 1 (negligible) to 5 (severe), an int |
# | `score` | `likelihood * impact` |
# | `owner` | who owns it (a role: DBA, security lead, ...) |
# | `mitigation` | what you will do about it |
#
# sorted by `score`, highest first, with at least 6 risks, including **at least** a risk for:
#
# - every host whose `os` starts with one of `EOL_OS` (out of vendor support: no patches);
# - every host outside production that connects to a production host (the flows in
#   `connections.csv`);
# - every database host (role `db`): the Oracle to PostgreSQL conversion (PL/SQL package,
#   triggers, sequences) and the cutover;
# - every backup host (role `backup`): the restores nobody has tested.
#
# Then draw a **risk matrix** (likelihood on x, impact on y, a marker per risk) and save it as
# `names["fig_risks"]`.

# %% nbgrader={"grade": false, "grade_id": "risks_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
eol_hosts = sorted(h for h, o in servers["os"].items() if str(o).startswith(EOL_OS))
prod = set(servers.index[servers["environment"] == "production"])
nonprod_to_prod = sorted(
    {
        c.source
        for c in connections.itertuples()
        if c.source in servers.index and c.source not in prod and c.target in prod
    }
)
db_hosts = ";".join(sorted(servers.index[servers["role"] == "db"]))
backup_hosts = ";".join(sorted(servers.index[servers["role"] == "backup"]))
rows = [
    ("Oracle PL/SQL package, triggers and sequences convert incorrectly to PostgreSQL",
     db_hosts, 4, 5, "DBA", "convert with AWS SCT, test pkg_orders functions, compare row counts"),
    ("Cutover from the two-node RAC to Aurora takes longer than the maintenance window",
     db_hosts, 3, 5, "migration lead", "DMS full load + CDC, rehearse the cutover twice"),
    ("Database restores from tape have not been tested since 2021: backups may be unusable",
     backup_hosts, 4, 4, "operations lead", "test-restore before the migration; AWS Backup with restore tests"),
    (f"{len(findings)} tier-crossing flows are clear text (SQL*Net, HTTP to Tomcat, NFS, SMTP, LDAP)",
     "app01;db01;nfs01;mail01", 3, 4, "security lead", "TLS on every AWS flow: RDS/Aurora with SSL, HTTPS listeners, SES over TLS"),
]  # fmt: skip
for host in nonprod_to_prod:
    rows.append(
        (
            f"{host} (not production, no owner) connects to the production database",
            host,
            4,
            4,
            "security lead",
            "cut its access now and retire it before wave 1",
        )
    )
for host in eol_hosts:
    rows.append(
        (
            f"{host} runs {servers.loc[host, 'os']}, out of vendor support: no security patches",
            host,
            3,
            3,
            "infrastructure lead",
            f"{strategies.loc[host, 'strategy']} it early: {strategies.loc[host, 'target'] or 'switch off'}",
        )
    )
rows.append(
    (
        "Shop staff depend on the company-wide directory staying on premises",
        "ad01;dns01",
        2,
        3,
        "infrastructure lead",
        "site-to-site VPN, then AWS Managed Microsoft AD",
    )
)
risks = pd.DataFrame(
    rows, columns=["risk", "component", "likelihood", "impact", "owner", "mitigation"]
)
risks["score"] = risks["likelihood"] * risks["impact"]
risks = risks[["risk", "component", "likelihood", "impact", "score", "owner", "mitigation"]]
risks = risks.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)

fig = Figure(figsize=(6, 5))
ax = fig.subplots()
counts = risks.groupby(["likelihood", "impact"]).size()
ax.scatter(
    [lk for lk, _ in counts.index], [im for _, im in counts.index],
    s=[300 * n for n in counts.values], c=[lk * im for lk, im in counts.index],
    cmap="YlOrRd", vmin=1, vmax=25, edgecolors="black",
)  # fmt: skip
for (lk, im), n in counts.items():
    ax.annotate(str(n), (lk, im), ha="center", va="center")
ax.set_xlim(0.5, 5.5)
ax.set_ylim(0.5, 5.5)
ax.set_xlabel("likelihood")
ax.set_ylabel("impact")
ax.set_title("Risk matrix (number of risks per cell)")
fig.tight_layout()
lab.portfolio.add_figure(names["fig_risks"], fig)
print(risks[["score", "component", "risk"]].to_string())
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "risks_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
expect(isinstance(risks, pd.DataFrame), "risks must be a pandas DataFrame")
for column in ("risk", "component", "likelihood", "impact", "score", "owner", "mitigation"):
    expect(column in risks.columns, f"risks has no column {column!r}")
expect(len(risks) >= 6, f"the register has {len(risks)} risks; the estate reveals at least 6")
figure_saved(names["fig_risks"])
print(f"{len(risks)} risks, top score {risks['score'].max()}")

### BEGIN HIDDEN TESTS
check_servers = estate_csv("inventory/servers.csv").set_index("hostname")
check_flows = estate_csv("inventory/connections.csv")
for r in risks.itertuples():
    for field in ("likelihood", "impact"):
        value = getattr(r, field)
        expect(
            str(value).isdigit() and 1 <= int(value) <= 5,
            f"risk {r.risk!r}: {field} must be an int 1..5, not {value!r}",
        )
    expect(
        int(r.score) == int(r.likelihood) * int(r.impact),
        f"risk {r.risk!r}: score {r.score} is not likelihood x impact ({r.likelihood} x {r.impact})",
    )
    for field in ("risk", "owner", "mitigation"):
        expect(
            str(getattr(r, field)).strip() not in ("", "nan", "None"),
            f"risk {r.risk!r} has no {field}",
        )
    expect(
        hosts_in(r.component, check_servers.index),
        f"risk {r.risk!r}: component {r.component!r} names no host of the inventory",
    )
expect(
    [int(s) for s in risks["score"]] == sorted((int(s) for s in risks["score"]), reverse=True),
    "sort the register by score, highest first",
)
covered = set().union(*(hosts_in(c, check_servers.index) for c in risks["component"]))
check_prod = set(check_servers.index[check_servers["environment"] == "production"])
required: dict[str, list[str]] = {}
for h, o in check_servers["os"].items():
    if str(o).startswith(EOL_OS):
        required.setdefault(h, []).append(f"its OS {o} is end of life")
for f in check_flows.itertuples():
    if f.source in check_servers.index and f.source not in check_prod and f.target in check_prod:
        why = f"it is not production but connects to {f.target}"
        if why not in required.get(f.source, []):
            required.setdefault(f.source, []).append(why)
for h in check_servers.index[check_servers["role"] == "db"]:
    required.setdefault(h, []).append("the database conversion and cutover are the biggest risk")
for h in check_servers.index[check_servers["role"] == "backup"]:
    required.setdefault(h, []).append("its tape restores have not been tested for years")
for host, whys in sorted(required.items()):
    expect(host in covered, f"no risk names {host} in its component, yet {'; '.join(whys)}")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task8_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 8 · The assessment report and the dependency diagram (3 points)
#
# The deliverable of these two days is the **migration assessment report** the board reads
# before it signs off week 5. Generate it from your results, so every number in it is the
# data's, and it can be regenerated when the discovery is re-run.
#
# Write it with `lab.portfolio.write_document("assessment-report", names["report"], markdown)`.
# Its headings must include (docs/portfolio-format.md, kind `assessment-report`):
#
# - **Current State**: the estate in numbers (hosts, cores, memory, storage, the idle ones);
# - **Application Inventory**: a table of every host with role, OS, strategy and wave;
# - **Dependencies**: the move groups and waves, linking the dependency figure and diagram;
# - **Migration Strategy**: the strategies (counts and reasons) and the wave plan;
# - **Cost Estimate**: the **on-prem annual cost**, the sum of `annual_cost_usd` of
#   `costs/onprem_costs.csv` (it already contains every licence: do not add `licence_bill` to it),
#   written as a whole number of dollars (e.g. `$1,234,567`), and the licence bill;
# - **Risk Assessment**: the register (at least its top risks) and the matrix;
#
# and also a section on the database volumes and one on network requirements and findings.
# Link your four figures with Markdown images; from `documents/assessment-report/` the figures
# are at `../../figures/<name>.png`.
#
# Then a **dependency diagram** as a [Mermaid](https://mermaid.js.org/syntax/flowchart.html)
# flowchart generated from `graph` (`flowchart LR`, a node per host, an edge `a --> b` per
# dependency; a `subgraph` per wave reads well), saved with
# `lab.portfolio.add_diagram(names["diagram"], text)`.
#
# Useful: `md_table(df)` (from the helpers cell: a DataFrame as a Markdown table; call
# `reset_index()` first to include the index), f-strings with `:,` and `:,.0f`.


# %% nbgrader={"grade": false, "grade_id": "report_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
onprem = pd.read_csv(io.BytesIO(read_discovery("costs/onprem_costs.csv")))
prices = pd.read_csv(io.BytesIO(read_discovery("costs/aws_prices.csv")))
onprem_annual = int(onprem["annual_cost_usd"].sum())
by_category = onprem.groupby("category")["annual_cost_usd"].sum().sort_values(ascending=False)


def price(service: str, unit: str) -> float:
    return float(
        prices[(prices["service"] == service) & (prices["unit"] == unit)]["usd_per_unit"].iloc[0]
    )


HOURS = 730 * 12
aws_first_estimate = {
    "ECS Fargate (4 tasks, 1 vCPU, 2 GB)": 4 * HOURS * (price("fargate", "vCPU-hour") + 2 * price("fargate", "GB-hour")),
    "Aurora PostgreSQL (2 x db.r6g.xlarge)": 2 * HOURS * price("aurora-postgresql", "db.r6g.xlarge instance-hour"),
    "Aurora storage (100 GB)": 12 * 100 * price("aurora-postgresql", "storage GB-month"),
    "ALB": HOURS * (price("alb", "hour") + 5 * price("alb", "LCU-hour")),
    "NAT gateway": HOURS * price("nat-gateway", "hour"),
    "EC2 for the rehosted hosts (2 x t3.medium)": 2 * HOURS * price("ec2", "t3.medium instance-hour"),
}  # fmt: skip
aws_annual = sum(aws_first_estimate.values())

inventory_view = servers[["role", "environment", "os"]].join(strategies[["strategy", "target"]])
inventory_view["wave"] = [waves[h] for h in inventory_view.index]
inventory_view = inventory_view.reset_index()
idle_view = rightsizing.reset_index()
wave_lines = "\n".join(
    f"- **Wave {w}**: " + ", ".join(sorted(h for h, x in waves.items() if x == w))
    for w in sorted(set(waves.values()))
)
strategy_counts = strategies["strategy"].value_counts()
figs = {
    k: f"../../figures/{names[k]}.png"
    for k in ("fig_utilisation", "fig_dependencies", "fig_growth", "fig_risks")
}

report = f"""# Migration assessment: the retail shop

## Current State

The shop runs on {len(servers)} hosts ({int(servers["is_appliance"].sum())} appliances) in
{servers["rack"].nunique()} racks: {int(servers["cpu_cores"].sum())} cores,
{int(servers["memory_gb"].sum()):,} GB of memory, {int(servers["storage_gb"].sum()):,} GB of storage.
The customer path is internet -> fw01 -> lb01 (F5) -> web01/02 (Apache) -> app01-04 (Tomcat) ->
db01/02 (Oracle RAC on san01). {len(rightsizing)} servers are over-provisioned (peak CPU and
average memory below 50 %):

{md_table(idle_view)}

![CPU utilisation]({figs["fig_utilisation"]})

## Application Inventory

{md_table(inventory_view)}

## Dependencies

{graph.number_of_nodes()} application hosts, {graph.number_of_edges()} dependencies (shared
services excluded: wave 0). Move groups (cycles, must move together):
{", ".join("+".join(sorted(g)) for g in move_groups)}. Diagram: `diagrams/{names["diagram"]}`.

{wave_lines}

![Dependency graph]({figs["fig_dependencies"]})

## Database Volume

{md_table(volumes.reset_index().assign(bytes_per_row=volumes["bytes_per_row"].round(1).values))}

Total {total_csv_bytes:,} bytes uncompressed. {monthly_orders_last12:.0f} orders per month over
the last 12 months; ORDERS will hold about {projected_orders_3y:,} rows in three years.
Database: {config_facts["jdbc_service"]} on {", ".join(config_facts["jdbc_hosts"])}, pool of
{config_facts["pool_max"]} connections per Tomcat.

![Orders per month]({figs["fig_growth"]})

## Network Requirements and Security

TLS at the edge: {", ".join(config_facts["tls_protocols"])}. Tomcat backends:
{", ".join(config_facts["tomcat_backends"])} on port {config_facts["tomcat_port"]}.
Tier-to-tier flows (the input of the security groups):

{md_table(flows)}

Findings: {len(findings)} flows cross tiers in clear text:

{md_table(findings)}

## Migration Strategy

{md_table(strategy_counts.rename_axis("strategy").reset_index(name="hosts"))}

Rules: appliances and the tape backup are retired (ALB, security groups + WAF, AWS Backup); the
Oracle RAC is replatformed to Aurora PostgreSQL; the Tomcats to ECS Fargate; images to S3 +
CloudFront; the forgotten test box test01 is retired; company-wide DNS and directory are
retained; cron and SFTP hosts are rehosted first. Waves follow the dependencies (above).

## Cost Estimate

On-prem annual cost: **${onprem_annual:,}** (costs/onprem_costs.csv), of which licences
${int(by_category.get("licences", 0)):,}; the licence bill of the inventory is
${licence_bill:,.0f} per year.

{md_table(by_category.rename_axis("category").reset_index(name="annual_cost_usd"))}

First AWS estimate (list prices, before right-sizing and savings plans): about
**${aws_annual:,.0f}** per year:

{md_table(pd.DataFrame(sorted(aws_first_estimate.items()), columns=["item", "usd_per_year"]).round(0))}

## Risk Assessment

{md_table(risks.head(8))}

![Risk matrix]({figs["fig_risks"]})
"""
lab.portfolio.write_document("assessment-report", names["report"], report)

mermaid = ["flowchart LR"]
for wave in sorted({waves[h] for h in graph.nodes}):
    mermaid.append(f"  subgraph wave{wave}[Wave {wave}]")
    mermaid += [f"    {h}" for h in sorted(graph.nodes) if waves[h] == wave]
    mermaid.append("  end")
mermaid += [f"  {a} --> {b}" for a, b in sorted(graph.edges)]
lab.portfolio.add_diagram(names["diagram"], "\n".join(mermaid) + "\n")
print(f"report: {len(report.split())} words; on-prem ${onprem_annual:,} per year")
### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "report_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def portfolio_text(*parts: str) -> str:
    path = lab.portfolio.path(*parts)
    expect(path.is_file(), f"{'/'.join(parts)} is not in your portfolio ({path})")
    return path.read_text(encoding="utf-8")


def section_of(markdown: str, name: str) -> str:
    """The text under the first heading containing ``name``, its subsections included (up to
    the next heading of the same or a higher level)."""
    at = re.search(rf"(?im)^(#{{1,6}})[^\n]*{re.escape(name)}[^\n]*$", markdown)
    expect(at, f"the report has no heading containing {name!r}")
    return re.split(rf"(?m)^#{{1,{len(at.group(1))}}}\s", markdown[at.end() :])[0]


check_report = portfolio_text("documents", "assessment-report", f"{names['report']}.md")
for check_name in (
    "Current State",
    "Application Inventory",
    "Dependencies",
    "Migration Strategy",
    "Cost Estimate",
    "Risk",
):
    section_of(check_report, check_name)
check_diagram = portfolio_text("diagrams", names["diagram"])
expect(
    re.match(r"\s*(---\n(?s:.*?)\n---\s*\n)?\s*(%%.*\n\s*)*(flowchart|graph)\s", check_diagram),
    f"{names['diagram']} does not start like a Mermaid flowchart ('flowchart LR')",
)
print(f"report of {len(check_report.split())} words and the diagram are in the portfolio")

### BEGIN HIDDEN TESTS
check_onprem = estate_csv("costs/onprem_costs.csv")
check_total = int(check_onprem["annual_cost_usd"].sum())
check_servers = estate_csv("inventory/servers.csv").set_index("hostname")
check_licences = int(check_servers["licence_cost_per_year_usd"].sum())


def _amount_in(text: str, value: int) -> bool:
    plain = re.sub(r"[,\s]", "", text)
    return re.search(rf"(?<!\d){value}(?!\d)", plain) is not None


cost = section_of(check_report, "Cost Estimate")
if not _amount_in(cost, check_total):
    if _amount_in(cost, check_total + check_licences):
        raise AssertionError(
            f"the Cost Estimate says {check_total + check_licences:,}: that adds the servers' "
            f"licences to onprem_costs.csv, which already has them (category licences); the "
            f"on-prem annual cost is the sheet's sum"
        )
    raise AssertionError(
        "the Cost Estimate section does not state the on-prem annual cost "
        "(the sum of annual_cost_usd in costs/onprem_costs.csv, as whole dollars)"
    )
expect(_amount_in(cost, check_licences), "the Cost Estimate section should state the licence bill")
inventory_text = section_of(check_report, "Application Inventory")
missing = sorted(set(check_servers.index) - hosts_in(inventory_text, check_servers.index))
expect(not missing, f"the Application Inventory section does not list {missing}")
strategy_text = section_of(check_report, "Migration Strategy").lower()
for s in set(strategies["strategy"]):
    expect(s in strategy_text, f"the Migration Strategy section does not mention {s!r}")
dependencies_text = section_of(check_report, "Dependencies")
for g in move_groups:
    expect(
        set(g) <= hosts_in(dependencies_text, check_servers.index),
        f"the Dependencies section does not name the move group {sorted(g)}",
    )
check_doc_dir = lab.portfolio.path("documents", "assessment-report")
for key in ("fig_utilisation", "fig_dependencies", "fig_growth", "fig_risks"):
    figure_saved(names[key])
    check_links = re.findall(
        rf"!\[[^\]]*\]\(\s*<?([^)\s>]*{re.escape(names[key])}\.png)", check_report
    )
    expect(
        check_links,
        f"the report does not show the figure {names[key]}.png (a Markdown image link)",
    )
    check_figure = lab.portfolio.path("figures", f"{names[key]}.png").resolve()
    expect(
        any((check_doc_dir / link).resolve() == check_figure for link in check_links),
        f"the report links {check_links[0]!r}, which does not lead to the figure from "
        f"documents/assessment-report/: link ../../figures/{names[key]}.png",
    )
expect(len(check_report.split()) >= 300, "the report is too thin to inform a decision")
check_flows = estate_csv("inventory/connections.csv")
shared = set(check_servers.index[check_servers["role"] == "mgmt"])
nodes = set(check_servers.index) - shared
for host in sorted(nodes):
    expect(
        re.search(rf"(?<![\w-]){re.escape(host)}(?![\w-])", check_diagram),
        f"the diagram has no node {host}",
    )
# an edge a --> b, also with node shapes (a["app01"]), labels (-->|1521| or -- SQL -->), -.-> or ==>
check_node_re = r"([\w-]+)(?:\s*(?:\[[^\]\n]*\]|\([^)\n]*\)|\{[^}\n]*\}))?"
check_arrow_re = r"\s*(?:--[^->\n|]*?)?(?:-{2,}>|-\.+->|={2,}>)\s*(?:\|[^|\n]*\|\s*)?"
arrows = set(re.findall(check_node_re + check_arrow_re + check_node_re, check_diagram))
wanted_edges = {
    (f.source, f.target)
    for f in check_flows.itertuples()
    if f.source in nodes and f.target in nodes
}
missing_edges = sorted(wanted_edges - arrows)
expect(
    not missing_edges,
    f"the diagram lacks {len(missing_edges)} dependencies, e.g. {missing_edges[:3]} "
    f"(an edge 'a --> b' per edge of graph)",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "wrap_up", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Wrap-up
#
# You have turned a pile of discovery files into the decisions a migration needs: what is idle
# and how big it should be, what must move together and in which order, how much data moves,
# which flows the security groups must allow and which are a risk today, what happens to each
# component and why, and what could go wrong; and a report and a diagram that regenerate from
# the data. Next (Day 3-4) you build the landing zone those security groups and waves land in.
#
# Before the board meeting, extend the report (edit and re-run task 8) with:
#
# 1. A **cost comparison**: price the right-sized target (task 1's `cores_needed`) with
#    `costs/aws_prices.csv`, add data transfer, backup and CloudWatch, and compute the expected
#    `cost_reduction` (the project's target is at least 30 %; `lab.portfolio.record_measurement`
#    records it once the platform runs in week 6).
# 2. The **cutover window**: how long a full load of `total_csv_bytes` takes with DMS at a
#    realistic throughput, and why change data capture makes the window independent of it.
# 3. What the Tomcat **session replication** (task 2's move group) means on Fargate: sticky
#    sessions on the ALB, or sessions in ElastiCache/DynamoDB.
# 4. Which of task 4's findings the landing zone closes by design (TLS to Aurora, HTTPS
#    listeners) and which need work in the application.
