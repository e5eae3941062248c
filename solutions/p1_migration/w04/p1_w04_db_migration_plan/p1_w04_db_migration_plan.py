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
# # Project 1 · Week 4 · Day 5-7: Database Migration Planning
#
# ## The scenario
#
# The retail shop's orders, customers and stock live in an **Oracle 19c RAC** cluster (schema
# `RETAIL` on `db01`/`db02`). Its licences and support are the largest line of the on-premises
# bill, and the target architecture puts **Aurora PostgreSQL** in their place. Before anybody
# copies a row, the migration team has to know *what* will change: which Oracle types become
# which PostgreSQL types, what the AWS **Schema Conversion Tool (SCT)** converts by itself and
# what it flags for people (sequences, triggers, the PL/SQL package `PKG_ORDERS`), and how the
# **Database Migration Service (DMS)** will move the data while the shop keeps selling.
#
# You are the database engineer writing that plan, and proving it on a **test database**: a
# PostgreSQL instance on Amazon RDS that gets the converted schema. You work against an
# **emulated AWS account**: RDS here starts a real PostgreSQL server, so the converted DDL really
# runs; DMS is emulated in its control plane (instances, endpoints and tasks are stored and
# described exactly as on AWS; no Oracle exists, so no data moves in this lab; week 5 moves it).
#
# ## What you will build
#
# | # | task | tools / AWS services | points |
# |---|------|----------------------|--------|
# | 1 | Parse the Oracle DDL into tables, columns and constraints | Python (what SCT reads first) | 2 |
# | 2 | The Oracle → PostgreSQL type mapping SCT applies | Python | 2 |
# | 3 | A test PostgreSQL instance on RDS with the converted schema | RDS, Secrets Manager, psycopg | 3 |
# | 4 | The manual-work assessment: what SCT cannot convert by itself | Python | 2 |
# | 5 | DMS replication instance, source (Oracle RAC) and target endpoints | DMS | 3 |
# | 6 | A full-load-and-CDC replication task with table mappings | DMS | 2 |
# | 7 | The deliverables: conversion assessment and the converted DDL | portfolio | 2 |
#
# **Estimated time: 4-5 hours** (tasks 1-4 are mostly careful reading of the DDL; the solution
# runs in well under a minute).
#
# By the end you should be able to:
#
# - read an Oracle schema and say, column by column, what it becomes in PostgreSQL and why
#   (`NUMBER` precision decides `smallint`/`integer`/`bigint`, `DATE` carries a time, ...);
# - convert tables, keys and constraints into PostgreSQL DDL and verify the result in the
#   database catalogue rather than by eye;
# - list the objects that need manual conversion (sequences and triggers → identity columns and
#   defaults, PL/SQL packages → PL/pgSQL functions, Oracle-only functions such as `NVL`,
#   `DECODE`, `SYSDATE`, `ROWNUM`) from the DDL itself;
# - set up DMS: a replication instance in a subnet group, a source and a target endpoint and a
#   task whose table mappings select the right tables and name them the PostgreSQL way.
#
# ## How this notebook works
#
# - SCT itself is a desktop application that connects to the live Oracle database; neither
#   runs here. Tasks 1, 2 and 4 have you write, in Python, the three parts of SCT that matter
#   for the plan: its model of the source schema, its type mapping and its assessment of what
#   needs manual conversion. On a real project you would run SCT and check its report against
#   exactly these points.
# - Run the **setup** cell first. It starts (or finds) the emulator and creates what the lab
#   starts from: the landing zone's data tier (VPC `retail-vpc`, two data subnets, the DB subnet
#   group `retail-data-subnets`, security groups `retail-db-sg` and `retail-dms-sg`) and the
#   Secrets Manager secret `retail/test-db/master` holding the test database's credentials.
# - Each task has an explanation, a cell where **you write the code** (replace
#   `raise NotImplementedError()`), and a **check** cell. The grader runs more checks than you
#   see (on other DDL than the shop's, too), so build what the task describes.
# - Write code that can be **run again**: look a resource up before you create it.
# - Use the names in `names` (from `lab.yaml`); the checks look resources up by them.
# - The files of the on-premises estate are in `p1_retail.ROOT` (read-only): the Oracle DDL is
#   `oracle/schema.sql`, the Tomcat configuration `configs/tomcat/context.xml`.
# - Stuck with a broken state? In a terminal, `labkit reset` empties the emulator; then re-run
#   the notebook from the top.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import json
import random
import re
import warnings

import psycopg

import labkit
from labkit.checks import expect
from labkit.datasets import p1_retail

warnings.filterwarnings("ignore")

lab = labkit.start_lab("p1_w04_db_migration_plan")
names = lab.names
REGION = lab.region

rds = lab.client("rds")
dms = lab.client("dms")
ec2 = lab.client("ec2")
secrets = lab.client("secretsmanager")

ORACLE_DDL = (p1_retail.ROOT / "oracle" / "schema.sql").read_text()
TOMCAT_CONTEXT = p1_retail.ROOT / "configs" / "tomcat" / "context.xml"

print(lab)
for key in ("vpc_id", "data_subnet_ids", "db_sg_id", "dms_sg_id", "db_secret_arn"):
    print(f"{key:16} {names[key]}")
print(f"Oracle DDL: {len(ORACLE_DDL.splitlines())} lines; tables in load order: {p1_retail.TABLES}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "helpers_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The next cell defines **look-up helpers** the checks use; you may use them too.
# `connect_test_db()` opens a psycopg connection (autocommit) to the test instance of task 3 as
# its master user, with the credentials from the secret; `column_types(conn)` reads the types of
# every column from the PostgreSQL catalogue (`format_type`, so `character varying(100)`,
# `numeric(10,2)`, `timestamp(0) without time zone`, ...); `statement_blocks(ddl)` splits a DDL
# script into its statements (PL/SQL blocks end with a `/` line, plain statements with `;`).


# %% nbgrader={"grade": false, "grade_id": "helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def db_credentials() -> dict:
    """The test database's master credentials from Secrets Manager."""
    return json.loads(secrets.get_secret_value(SecretId=names["db_secret"])["SecretString"])


def test_instance() -> dict:
    """The test RDS instance of task 3, or a failed check saying it is missing."""
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=names["test_db"])["DBInstances"][0]
    except rds.exceptions.DBInstanceNotFoundFault:
        raise AssertionError(f"no RDS instance {names['test_db']!r} yet (task 3)") from None


def connect_test_db(dbname: str | None = None) -> psycopg.Connection:
    """An autocommit connection to the test instance as its master user."""
    endpoint = test_instance().get("Endpoint") or {}
    expect(endpoint.get("Address"), f"{names['test_db']} has no endpoint yet")
    creds = db_credentials()
    return psycopg.connect(
        host=endpoint["Address"],
        port=endpoint["Port"],
        user=creds["username"],
        password=creds["password"],
        dbname=dbname or names["test_db_name"],
        autocommit=True,
        connect_timeout=10,
    )


def column_types(conn, schema: str = "public") -> dict[str, dict[str, str]]:
    """{table: {column: format_type}} of the ordinary tables in ``schema``."""
    rows = conn.execute(
        """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
             FROM pg_attribute a
             JOIN pg_class c ON c.oid = a.attrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY c.relname, a.attnum""",
        (schema,),
    ).fetchall()
    found: dict[str, dict[str, str]] = {}
    for table, column, type_ in rows:
        found.setdefault(table, {})[column] = type_
    return found


def statement_blocks(ddl: str) -> list[str]:
    """The statements of an Oracle DDL script, comments removed: PL/SQL blocks (CREATE
    TRIGGER/PACKAGE/PROCEDURE/FUNCTION) end at a line holding only ``/``, others at ``;``."""
    text = re.sub(r"--[^\n]*", "", ddl)
    blocks, current, in_plsql = [], [], False
    for line in text.splitlines():
        stripped = line.strip()
        if not current and not stripped:
            continue
        if not current and re.match(
            r"CREATE\s+(OR\s+REPLACE\s+)?(TRIGGER|PACKAGE|PROCEDURE|FUNCTION)", stripped, re.I
        ):
            in_plsql = True
        if in_plsql and stripped == "/":
            blocks.append("\n".join(current).strip())
            current, in_plsql = [], False
            continue
        current.append(line)
        if not in_plsql and stripped.endswith(";"):
            blocks.append("\n".join(current).strip().rstrip(";").strip())
            current = []
    if "".join(current).strip():
        blocks.append("\n".join(current).strip())
    return blocks


# Oracle-only constructs a PostgreSQL port must rewrite, and how to spot them in PL/SQL text
ORACLE_ONLY = {
    "NVL": r"\bNVL\s*\(",
    "NVL2": r"\bNVL2\s*\(",
    "DECODE": r"\bDECODE\s*\(",
    "SYSDATE": r"\bSYSDATE\b",
    "ROWNUM": r"\bROWNUM\b",
    "NEXTVAL": r"\.NEXTVAL\b",
    "DUAL": r"\bFROM\s+DUAL\b",
    "RAISE_APPLICATION_ERROR": r"\bRAISE_APPLICATION_ERROR\s*\(",
    "SQL%ROWCOUNT": r"\bSQL%ROWCOUNT\b",
}


def norm_type(t: str) -> str:
    """A type name compared loosely: lower case, no spaces inside parentheses."""
    t = re.sub(r"\s+", " ", str(t).strip().lower())
    return re.sub(r"\s*([(),])\s*", r"\1", t)


print(len(statement_blocks(ORACLE_DDL)), "statements in the Oracle DDL")

# %% [markdown] nbgrader={"grade": false, "grade_id": "task1_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 1 · Parse the Oracle DDL (2 points)
#
# SCT starts by reading the source schema into a model: tables, their columns with types and
# nullability, and the constraints. You will do the same with the DDL the DBA exported
# (`ORACLE_DDL`, printed below the cell if you like: `print(ORACLE_DDL[:3000])`).
#
# Write `parse_oracle_ddl(ddl: str) -> dict` returning, for every `CREATE TABLE` in `ddl`, an
# entry keyed by the **table name without its schema, upper case** (`"ORDERS"`):
#
# ```python
# {"ORDERS": {
#     "columns": [{"name": "ORDER_ID", "type": "NUMBER(12)", "nullable": False,
#                  "default": None}, ...],                 # in declaration order
#     "primary_key": ["ORDER_ID"],                         # [] when none
#     "unique": [["EMAIL"]],                               # one list per UNIQUE constraint
#     "foreign_keys": [{"columns": ["CUSTOMER_ID"], "ref_table": "CUSTOMERS",
#                       "ref_columns": ["CUSTOMER_ID"], "on_delete": None}],  # or "CASCADE"
#     "checks": ["STATUS IN ('NEW', 'PAID', ...)"],       # the expressions inside CHECK (...)
# }, ...}
# ```
#
# - `type` is the Oracle type as written, upper case, with spaces collapsed:
#   `"VARCHAR2(100 BYTE)"`, `"NUMBER(10,2)"`, `"DATE"`, `"CLOB"`.
# - `nullable` is `False` when the column says `NOT NULL` **or** is part of the primary key.
# - `default` is the text after `DEFAULT` (`"SYSDATE"`, `"'NEW'"`, `"0"`) or `None`.
# - Constraints may be named (`CONSTRAINT X PRIMARY KEY (...)`) or not; column lists may span
#   several columns; `REFERENCES` may name the schema (`RETAIL.ORDERS`): drop it.
#
# Splitting a table body at commas breaks `NUMBER(10,2)` and `CHECK (A IN (0, 1))`: split only
# at commas outside parentheses. `statement_blocks(ORACLE_DDL)` gives you the statements.


# %% nbgrader={"grade": false, "grade_id": "parse_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def split_top_level(body: str) -> list[str]:
    """Split at commas outside parentheses."""
    parts, depth, current = [], 0, []
    for ch in body:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def name_list(text: str) -> list[str]:
    return [c.strip().strip('"').upper() for c in text.split(",") if c.strip()]


def table_body(statement: str) -> str:
    """The text between the parenthesis after the table name and its match."""
    start = statement.index("(")
    depth = 0
    for i in range(start, len(statement)):
        depth += {"(": 1, ")": -1}.get(statement[i], 0)
        if depth == 0:
            return statement[start + 1 : i]
    raise ValueError("unbalanced parentheses")


def matching_paren(text: str, start: int) -> int:
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
    raise ValueError("unbalanced parentheses")


COLUMN = re.compile(r'^"?(?P<name>\w+)"?\s+(?P<type>\w+(?:\s*\([^)]*\))?)(?P<rest>.*)$', re.S)
ATTRIBUTE = r"(?=\s+(?:NOT\s+NULL|NULL|CONSTRAINT|PRIMARY|UNIQUE|CHECK|REFERENCES)\b|$)"


def parse_column(item: str) -> dict:
    m = COLUMN.match(item.strip())
    if not m:
        raise ValueError(f"cannot parse column {item!r}")
    type_ = re.sub(r"\s+", " ", m.group("type")).upper()
    type_ = re.sub(r"\s*([(),])\s*", r"\1", type_)
    rest = m.group("rest")
    d = re.search(r"\bDEFAULT\s+(.+?)" + ATTRIBUTE, rest, re.I | re.S)
    inline_pk = bool(re.search(r"\bPRIMARY\s+KEY\b", rest, re.I))
    return {
        "name": m.group("name").upper(),
        "type": type_,
        "nullable": not (re.search(r"\bNOT\s+NULL\b", rest, re.I) or inline_pk),
        "default": d.group(1).strip() if d else None,
        "_inline_pk": inline_pk,
        "_inline_unique": bool(re.search(r"\bUNIQUE\b", rest, re.I)),
    }


def parse_create_table(statement: str) -> tuple[str, dict]:
    head = re.match(r"\s*CREATE\s+TABLE\s+(?:\"?\w+\"?\.)?\"?(\w+)\"?", statement, re.I)
    table = head.group(1).upper()
    entry = {"columns": [], "primary_key": [], "unique": [], "foreign_keys": [], "checks": []}
    for item in split_top_level(table_body(statement)):
        clause = re.sub(r"^CONSTRAINT\s+\"?\w+\"?\s+", "", item.strip(), flags=re.I)
        upper = clause.upper()
        if upper.startswith("PRIMARY KEY"):
            entry["primary_key"] = name_list(re.search(r"\((.*?)\)", clause, re.S).group(1))
        elif upper.startswith("UNIQUE"):
            entry["unique"].append(name_list(re.search(r"\((.*?)\)", clause, re.S).group(1)))
        elif upper.startswith("FOREIGN KEY"):
            fk = re.match(
                r"FOREIGN\s+KEY\s*\((?P<cols>[^)]*)\)\s*REFERENCES\s+(?:\"?\w+\"?\.)?\"?(?P<ref>\w+)\"?"
                r"\s*\((?P<refcols>[^)]*)\)(?P<rest>.*)$",
                clause,
                re.I | re.S,
            )
            on_delete = re.search(r"ON\s+DELETE\s+(CASCADE|SET\s+NULL)", fk.group("rest"), re.I)
            entry["foreign_keys"].append(
                {
                    "columns": name_list(fk.group("cols")),
                    "ref_table": fk.group("ref").upper(),
                    "ref_columns": name_list(fk.group("refcols")),
                    "on_delete": re.sub(r"\s+", " ", on_delete.group(1).upper())
                    if on_delete
                    else None,
                }
            )
        elif upper.startswith("CHECK"):
            start = clause.index("(")
            entry["checks"].append(
                re.sub(r"\s+", " ", clause[start + 1 : matching_paren(clause, start)]).strip()
            )
        else:
            entry["columns"].append(parse_column(item))
    for col in entry["columns"]:
        if col.pop("_inline_pk"):
            entry["primary_key"] = [col["name"]]
        if col.pop("_inline_unique"):
            entry["unique"].append([col["name"]])
    for col in entry["columns"]:
        if col["name"] in entry["primary_key"]:
            col["nullable"] = False
    return table, entry


def parse_oracle_ddl(ddl: str) -> dict:
    tables = {}
    for statement in statement_blocks(ddl):
        if re.match(r"\s*CREATE\s+TABLE\b", statement, re.I):
            table, entry = parse_create_table(statement)
            tables[table] = entry
    return tables


oracle_tables = parse_oracle_ddl(ORACLE_DDL)
for table, entry in oracle_tables.items():
    print(
        f"{table:12} {len(entry['columns'])} columns, PK {entry['primary_key']}, "
        f"{len(entry['foreign_keys'])} FK"
    )
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "parse_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
parsed = parse_oracle_ddl(ORACLE_DDL)
expect(
    isinstance(parsed, dict), f"parse_oracle_ddl must return a dict, not {type(parsed).__name__}"
)
expect(
    set(parsed) == set(p1_retail.TABLES),
    f"tables found: {sorted(parsed)}; the DDL creates {sorted(p1_retail.TABLES)}",
)
for table in p1_retail.TABLES:
    exported = list(p1_retail.read_table(table)[0])
    got = [c.get("name") for c in parsed[table].get("columns", [])]
    expect(got == exported, f"{table}: columns {got}, expected {exported} (in DDL order)")
orders_cols = {c["name"]: c for c in parsed["ORDERS"]["columns"]}
expect(
    norm_type(orders_cols["TOTAL_AMOUNT"]["type"]) == "number(12,2)",
    f"ORDERS.TOTAL_AMOUNT type {orders_cols['TOTAL_AMOUNT']['type']!r}, expected 'NUMBER(12,2)'",
)
expect(
    parsed["ORDER_LINES"].get("primary_key") == ["ORDER_ID", "LINE_NO"],
    f"ORDER_LINES primary key {parsed['ORDER_LINES'].get('primary_key')}, "
    "expected ['ORDER_ID', 'LINE_NO']",
)
print("the shop's six tables parse")

### BEGIN HIDDEN TESTS
FK_EXPECTED = {
    "CATEGORIES": {(("PARENT_ID",), "CATEGORIES", ("CATEGORY_ID",), None)},
    "CUSTOMERS": set(),
    "PRODUCTS": {(("CATEGORY_ID",), "CATEGORIES", ("CATEGORY_ID",), None)},
    "INVENTORY": {(("PRODUCT_ID",), "PRODUCTS", ("PRODUCT_ID",), None)},
    "ORDERS": {(("CUSTOMER_ID",), "CUSTOMERS", ("CUSTOMER_ID",), None)},
    "ORDER_LINES": {
        (("ORDER_ID",), "ORDERS", ("ORDER_ID",), "CASCADE"),
        (("PRODUCT_ID",), "PRODUCTS", ("PRODUCT_ID",), None),
    },
}


def fk_set(entry: dict) -> set:
    return {
        (
            tuple(fk["columns"]),
            fk["ref_table"],
            tuple(fk["ref_columns"]),
            (fk.get("on_delete") or None) and str(fk["on_delete"]).upper(),
        )
        for fk in entry.get("foreign_keys", [])
    }


def check_parse(result: dict, expected: dict, where: str) -> None:
    expect(
        set(result) == set(expected),
        f"{where}: tables {sorted(result)}, expected {sorted(expected)}",
    )
    for table, want in expected.items():
        got = result[table]
        cols = [(c["name"], norm_type(c["type"]), bool(c["nullable"])) for c in got["columns"]]
        exp_cols = [(c["name"], norm_type(c["type"]), c["nullable"]) for c in want["columns"]]
        for g, e in zip(cols, exp_cols, strict=False):
            expect(
                g == e,
                f"{where}: {table} column parsed as {g}, expected {e} (name, type, nullable)",
            )
        expect(
            len(cols) == len(exp_cols),
            f"{where}: {table} has {len(exp_cols)} columns, you found {len(cols)}",
        )
        for c, w in zip(got["columns"], want["columns"], strict=False):
            gd = c.get("default")
            expect(
                (gd.strip() if isinstance(gd, str) else gd) == w["default"],
                f"{where}: {table}.{w['name']} default {gd!r}, expected {w['default']!r}",
            )
        expect(
            got["primary_key"] == want["primary_key"],
            f"{where}: {table} primary key {got['primary_key']}, expected {want['primary_key']}",
        )
        expect(
            sorted(map(tuple, got.get("unique", []))) == sorted(map(tuple, want["unique"])),
            f"{where}: {table} unique constraints {got.get('unique')}, expected {want['unique']}",
        )
        expect(
            fk_set(got) == fk_set(want),
            f"{where}: {table} foreign keys {sorted(fk_set(got))}, expected {sorted(fk_set(want))}",
        )
        expect(
            len(got.get("checks", [])) == len(want["checks"]),
            f"{where}: {table} has {len(want['checks'])} CHECK constraints, you found {len(got.get('checks', []))}",
        )


for table, fks in FK_EXPECTED.items():
    expect(
        fk_set(parsed[table]) == fks,
        f"{table}: foreign keys {sorted(fk_set(parsed[table]))}, expected {sorted(fks)}",
    )
cust = {c["name"]: c for c in parsed["CUSTOMERS"]["columns"]}
expect(
    parsed["CUSTOMERS"].get("unique") == [["EMAIL"]],
    f"CUSTOMERS unique {parsed['CUSTOMERS'].get('unique')}, expected [['EMAIL']]",
)
expect(
    cust["EMAIL"]["nullable"] is False and cust["PHONE"]["nullable"] is True,
    "CUSTOMERS: EMAIL is NOT NULL, PHONE nullable",
)
expect(cust["CUSTOMER_ID"]["nullable"] is False, "a primary-key column is never nullable")
expect(
    norm_type(cust["EMAIL"]["type"]) == "varchar2(255 byte)",
    f"CUSTOMERS.EMAIL type {cust['EMAIL']['type']!r}",
)
expect(
    str(cust["CREATED_AT"]["default"]).strip().upper() == "SYSDATE",
    f"CUSTOMERS.CREATED_AT default {cust['CREATED_AT']['default']!r}, expected 'SYSDATE'",
)
expect(
    orders_cols["STATUS"]["default"] == "'NEW'",
    f"ORDERS.STATUS default {orders_cols['STATUS']['default']!r}, expected \"'NEW'\"",
)
expect(
    any("CANCELLED" in c for c in parsed["ORDERS"].get("checks", [])),
    "ORDERS: the STATUS check constraint is missing from checks",
)
expect(cust["LAST_NAME"]["default"] is None, "CUSTOMERS.LAST_NAME has no default")

# a generated schema: another owner, inline and unnamed constraints, odd spacing
rng = random.Random()
TYPES = [
    "VARCHAR2(%d BYTE)",
    "VARCHAR2(%d CHAR)",
    "NUMBER(%d)",
    "NUMBER(%d,2)",
    "DATE",
    "CLOB",
    "CHAR(%d)",
    "NUMBER",
]
expected_schema, statements_out = {}, []
for t in range(rng.randint(2, 4)):
    tname = f"T{rng.randint(100, 999)}_{t}"
    cols, lines = [], []
    for i in range(rng.randint(3, 7)):
        cname = f"C{i}_{rng.choice(['AMOUNT', 'CODE', 'NOTE', 'WHEN', 'REF'])}"
        type_ = rng.choice(TYPES)
        if "%d" in type_:
            type_ = type_ % rng.randint(2, 18)
        nn = rng.random() < 0.4
        default = rng.choice([None, None, "0", "SYSDATE", "'X'"])
        spaced = type_.replace(",", " , ").replace("(", " ( ") if rng.random() < 0.5 else type_
        lines.append(
            f"  {cname} {spaced}"
            + (f" DEFAULT {default}" if default else "")
            + (" NOT NULL" if nn else "")
        )
        cols.append({"name": cname, "type": type_, "nullable": not nn, "default": default})
    pk = [cols[0]["name"]] if rng.random() < 0.5 else [cols[0]["name"], cols[1]["name"]]
    for c in cols:
        if c["name"] in pk:
            c["nullable"] = False
    lines.append(f"  CONSTRAINT {tname}_PK PRIMARY KEY ({', '.join(pk)})")
    unique = [[cols[2]["name"]]] if rng.random() < 0.5 else []
    if unique:
        lines.append(f"  UNIQUE ({cols[2]['name']})")
    checks = []
    if rng.random() < 0.6:
        lines.append(f"  CONSTRAINT {tname}_CK CHECK ({cols[1]['name']} IN (0, 1, 2))")
        checks.append("x")
    fks = []
    if expected_schema:
        parent = rng.choice(sorted(expected_schema))
        ppk = expected_schema[parent]["primary_key"]
        child_cols = [c["name"] for c in cols[-len(ppk) :]]
        cascade = rng.random() < 0.5
        lines.append(
            f"  FOREIGN KEY ({', '.join(child_cols)}) REFERENCES SALES.{parent} ({', '.join(ppk)})"
            + (" ON DELETE CASCADE" if cascade else "")
        )
        fks.append(
            {
                "columns": child_cols,
                "ref_table": parent,
                "ref_columns": ppk,
                "on_delete": "CASCADE" if cascade else None,
            }
        )
    expected_schema[tname] = {
        "columns": cols,
        "primary_key": pk,
        "unique": unique,
        "foreign_keys": fks,
        "checks": checks,
    }
    statements_out.append(
        f"CREATE TABLE SALES.{tname} (\n" + ",\n".join(lines) + "\n) TABLESPACE USERS;"
    )
generated_ddl = (
    "-- generated\nCREATE SEQUENCE SALES.S1;\n"
    + "\n\n".join(statements_out)
    + "\nCREATE INDEX SALES.IX ON SALES.X (A);\n"
)
check_parse(parse_oracle_ddl(generated_ddl), expected_schema, "on a generated schema")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task2_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 2 · The type mapping (2 points)
#
# SCT converts every column type by rules. Getting them right matters more than it seems:
# `NUMBER(10)` as `integer` overflows at 2,147,483,647; `DATE` as `date` silently drops the
# time of every order; `NUMBER(10,2)` as `double precision` turns money into binary fractions.
# Write `map_type(oracle_type: str) -> str` implementing this table (the input may be lower or
# upper case and have spaces anywhere, e.g. `"number( 10 , 2 )"` or `"VARCHAR2(50 CHAR)"`):
#
# | Oracle | PostgreSQL | why |
# |---|---|---|
# | `VARCHAR2(n)`, `VARCHAR2(n BYTE)`, `VARCHAR2(n CHAR)`, `NVARCHAR2(n)` | `varchar(n)` | |
# | `CHAR(n)` | `char(n)` | |
# | `NUMBER(1)` (and `NUMBER(1,0)`) | `boolean` | in this estate every `NUMBER(1)` is a 0/1 flag (a `CHECK ... IN (0, 1)` says so) |
# | `NUMBER(p)` / `NUMBER(p,0)`, p 2-4 | `smallint` | |
# | p 5-9 | `integer` | fits in 32 bits |
# | p 10-18 | `bigint` | fits in 64 bits |
# | p 19-38 | `numeric(p)` | too big for bigint |
# | `NUMBER(p,s)`, s > 0 | `numeric(p,s)` | exact decimals: money |
# | `NUMBER` (no precision) | `numeric` | |
# | `FLOAT`, `BINARY_DOUBLE` | `double precision` | |
# | `DATE` | `timestamp(0)` | an Oracle `DATE` has a time of day, to the second |
# | `TIMESTAMP`, `TIMESTAMP(n)` | `timestamp(n)` (n defaults to 6) | |
# | `CLOB`, `NCLOB`, `LONG` | `text` | |
# | `BLOB`, `RAW(n)` | `bytea` | |
#
# Return the PostgreSQL type in lower case, without spaces (`"numeric(10,2)"`). For any other
# type raise `ValueError` naming it: a migration tool that silently guesses is worse than one
# that stops.


# %% nbgrader={"grade": false, "grade_id": "map_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def map_type(oracle_type: str) -> str:
    t = re.sub(r"\s+", " ", oracle_type.strip().upper())
    t = re.sub(r"\s*([(),])\s*", r"\1", t)
    m = re.fullmatch(r"(\w+)(?:\(([^)]*)\))?", t)
    if not m:
        raise ValueError(f"unsupported Oracle type {oracle_type!r}")
    base, args = m.group(1), m.group(2)
    if base in ("VARCHAR2", "NVARCHAR2", "VARCHAR") and args:
        return f"varchar({args.split()[0]})"
    if base == "CHAR" and args:
        return f"char({args.split()[0]})"
    if base == "NUMBER":
        if args is None:
            return "numeric"
        parts = [int(x) for x in args.split(",")]
        precision, scale = parts[0], parts[1] if len(parts) > 1 else 0
        if scale > 0:
            return f"numeric({precision},{scale})"
        if precision == 1:
            return "boolean"
        if precision <= 4:
            return "smallint"
        if precision <= 9:
            return "integer"
        if precision <= 18:
            return "bigint"
        return f"numeric({precision})"
    if base in ("FLOAT", "BINARY_DOUBLE") and base:
        return "double precision"
    if base == "DATE" and args is None:
        return "timestamp(0)"
    if base == "TIMESTAMP":
        return f"timestamp({args or 6})"
    if base in ("CLOB", "NCLOB", "LONG"):
        return "text"
    if base in ("BLOB", "RAW"):
        return "bytea"
    raise ValueError(f"unsupported Oracle type {oracle_type!r}")


for table, entry in oracle_tables.items():
    print(table, {c["name"]: map_type(c["type"]) for c in entry["columns"]})
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "map_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
VISIBLE_CASES = {
    "VARCHAR2(100 BYTE)": "varchar(100)",
    "NUMBER(10)": "bigint",
    "NUMBER(10,2)": "numeric(10,2)",
    "NUMBER(1)": "boolean",
    "DATE": "timestamp(0)",
    "CLOB": "text",
}
for oracle_type, wanted in VISIBLE_CASES.items():
    got = map_type(oracle_type)
    expect(
        norm_type(got) == wanted, f"map_type({oracle_type!r}) returned {got!r}, expected {wanted!r}"
    )
print("the visible cases map right")


### BEGIN HIDDEN TESTS
def reference_type(precision, scale=0):
    if scale > 0:
        return f"numeric({precision},{scale})"
    if precision == 1:
        return "boolean"
    return (
        "smallint"
        if precision <= 4
        else "integer"
        if precision <= 9
        else "bigint"
        if precision <= 18
        else f"numeric({precision})"
    )


rng = random.Random()
cases = {
    "NUMBER(4)": "smallint",
    "NUMBER(5)": "integer",
    "NUMBER(9)": "integer",
    "NUMBER(18)": "bigint",
    "NUMBER(19)": "numeric(19)",
    "NUMBER(2)": "smallint",
    "NUMBER(1,0)": "boolean",
    "NUMBER": "numeric",
    "number( 12 , 2 )": "numeric(12,2)",
    "varchar2(17 char)": "varchar(17)",
    "NVARCHAR2(40)": "varchar(40)",
    "CHAR(2)": "char(2)",
    "date": "timestamp(0)",
    "TIMESTAMP": "timestamp(6)",
    "TIMESTAMP(3)": "timestamp(3)",
    "NCLOB": "text",
    "BLOB": "bytea",
    "RAW(16)": "bytea",
    "FLOAT": "double precision",
    "NUMBER(38,10)": "numeric(38,10)",
    "NUMBER(8, 0)": "integer",
    " VARCHAR2( 30 ) ": "varchar(30)",
}
for _ in range(60):
    p = rng.randint(1, 38)
    s = rng.choice([0, 0, 0, rng.randint(1, min(p, 10))])
    text = f"NUMBER({p})" if s == 0 and rng.random() < 0.5 else f"NUMBER({p},{s})"
    if rng.random() < 0.3:
        text = text.lower().replace(",", " , ")
    cases[text] = reference_type(p, s)
    n = rng.randint(1, 4000)
    cases[rng.choice([f"VARCHAR2({n})", f"VARCHAR2({n} BYTE)", f"varchar2({n} char)"])] = (
        f"varchar({n})"
    )
for oracle_type, wanted in cases.items():
    try:
        got = map_type(oracle_type)
    except Exception as e:  # noqa: BLE001 - reported
        raise AssertionError(
            f"map_type({oracle_type!r}) raised {e!r}; expected {wanted!r}"
        ) from None
    expect(
        norm_type(got) == wanted, f"map_type({oracle_type!r}) returned {got!r}, expected {wanted!r}"
    )
for bad in ("XMLTYPE", "SDO_GEOMETRY", "BFILE"):
    try:
        got = map_type(bad)
    except ValueError:
        continue
    except Exception as e:  # noqa: BLE001
        raise AssertionError(f"map_type({bad!r}) should raise ValueError, raised {e!r}") from None
    raise AssertionError(
        f"map_type({bad!r}) returned {got!r}; an unknown type must raise ValueError"
    )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task3_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 3 · A test database with the converted schema (3 points)
#
# A conversion is only proven when the target database accepts it. Create the **test
# environment** and run your converted DDL in it:
#
# 1. An RDS instance `names["test_db"]` (`retail-pg-test`): engine `postgres`, class
#    `db.t3.medium`, 20 GiB, initial database `names["test_db_name"]` (`retail`), master user and
#    password from the secret `names["db_secret"]` (`secrets.get_secret_value`, a JSON string
#    with `username` and `password`), **storage encrypted**, **not publicly accessible**, in the
#    DB subnet group `names["db_subnet_group"]` with the security group `names["db_sg_id"]`. On
#    AWS it takes minutes to become `available`; poll `describe_db_instances` (or use the waiter
#    `rds.get_waiter("db_instance_available")`). Connect with psycopg to its
#    `Endpoint.Address` and `Endpoint.Port`, or simply with `connect_test_db()`.
# 2. The converted DDL of the six tables (your parse of task 1, your `map_type` of task 2), run
#    in schema `public` of the `retail` database, as SCT would apply it:
#    - names in **lower case** (PostgreSQL folds unquoted names to lower case; quoted upper-case
#      names would force every query of the application to quote them);
#    - every column with its mapped type and its `NOT NULL`; primary keys, `UNIQUE` constraints
#      and foreign keys (with `ON DELETE CASCADE` where Oracle has it), created parents first
#      (`p1_retail.TABLES` is that order);
#    - the `CHECK` constraints, except those on the flag columns that became `boolean`
#      (`MARKETING_OPT_IN IN (0, 1)` is meaningless for a boolean); lower-case their column
#      names but **not their string literals** (`status IN ('NEW', 'PAID', ...)`: the data
#      says `'NEW'`, and `'new'` would reject every row);
#    - defaults: `SYSDATE` → `localtimestamp(0)`, `0`/`1` on a boolean → `false`/`true`, others
#      as they are;
#    - a key that a `BEFORE INSERT` trigger fills from a sequence (`<SEQ>.NEXTVAL` into
#      `:NEW.<column>`, find those triggers in the DDL) becomes an **identity column**:
#      `bigint GENERATED BY DEFAULT AS IDENTITY` (by default, so that the data load of week 5
#      can insert the existing ids).
#
#    Keep the DDL in a variable `converted_schema_sql` (task 7 saves it and the grader runs it
#    in a scratch schema, so table names with or without `public.` both work). Make the cell
#    re-runnable: drop the six tables first (`DROP TABLE IF EXISTS ... CASCADE`).

# %% nbgrader={"grade": false, "grade_id": "testdb_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
import time

creds = db_credentials()
try:
    rds.describe_db_instances(DBInstanceIdentifier=names["test_db"])
except rds.exceptions.DBInstanceNotFoundFault:
    rds.create_db_instance(
        DBInstanceIdentifier=names["test_db"],
        Engine="postgres",
        DBInstanceClass="db.t3.medium",
        AllocatedStorage=20,
        DBName=names["test_db_name"],
        MasterUsername=creds["username"],
        MasterUserPassword=creds["password"],
        StorageEncrypted=True,
        PubliclyAccessible=False,
        DBSubnetGroupName=names["db_subnet_group"],
        VpcSecurityGroupIds=[names["db_sg_id"]],
        BackupRetentionPeriod=1,
        Tags=[{"Key": "Environment", "Value": "test"}],
    )
for _ in range(120):
    if test_instance()["DBInstanceStatus"] == "available":
        break
    time.sleep(1)


def identity_columns(ddl: str) -> dict[str, str]:
    """{TABLE: COLUMN} for keys a BEFORE INSERT trigger fills from a sequence."""
    found = {}
    for block in statement_blocks(ddl):
        head = re.match(
            r"CREATE\s+(?:OR\s+REPLACE\s+)?TRIGGER\s+\S+\s+BEFORE\s+INSERT.*?\bON\s+(?:\w+\.)?(\w+)",
            block,
            re.I | re.S,
        )
        if not head:
            continue
        m = re.search(r"\w+\.NEXTVAL\s+INTO\s+:NEW\.(\w+)", block, re.I) or re.search(
            r":NEW\.(\w+)\s*:=\s*(?:\w+\.)?\w+\.NEXTVAL", block, re.I
        )
        if m:
            found[head.group(1).upper()] = m.group(1).upper()
    return found


def lower_identifiers(expr: str) -> str:
    """Lower-case an expression's identifiers, not its string literals."""
    parts = re.split(r"('(?:[^']|'')*')", expr)
    return "".join(p if p.startswith("'") else p.lower() for p in parts)


def convert_table(table: str, entry: dict, identity: str | None) -> str:
    types = {c["name"]: map_type(c["type"]) for c in entry["columns"]}
    lines = []
    for c in entry["columns"]:
        pg = types[c["name"]]
        line = f"    {c['name'].lower()} {pg}"
        if c["name"] == identity:
            line = f"    {c['name'].lower()} bigint GENERATED BY DEFAULT AS IDENTITY"
        elif c["default"] is not None:
            default = c["default"]
            if default.upper() == "SYSDATE":
                default = "localtimestamp(0)"
            elif pg == "boolean":
                default = "true" if default.strip() == "1" else "false"
            line += f" DEFAULT {default}"
        if not c["nullable"]:
            line += " NOT NULL"
        lines.append(line)
    low = lambda cols: ", ".join(x.lower() for x in cols)  # noqa: E731
    t = table.lower()
    if entry["primary_key"]:
        lines.append(f"    CONSTRAINT {t}_pk PRIMARY KEY ({low(entry['primary_key'])})")
    for i, cols in enumerate(entry["unique"], 1):
        lines.append(f"    CONSTRAINT {t}_uk{i} UNIQUE ({low(cols)})")
    for i, fk in enumerate(entry["foreign_keys"], 1):
        line = (
            f"    CONSTRAINT {t}_fk{i} FOREIGN KEY ({low(fk['columns'])}) "
            f"REFERENCES {fk['ref_table'].lower()} ({low(fk['ref_columns'])})"
        )
        if fk["on_delete"]:
            line += f" ON DELETE {fk['on_delete']}"
        lines.append(line)
    booleans = {n for n, pg in types.items() if pg == "boolean"}
    for i, check in enumerate(entry["checks"], 1):
        if any(re.search(rf"\b{b}\b", check, re.I) for b in booleans):
            continue
        lines.append(f"    CONSTRAINT {t}_ck{i} CHECK ({lower_identifiers(check)})")
    return f"CREATE TABLE {t} (\n" + ",\n".join(lines) + "\n);\n"


identities = identity_columns(ORACLE_DDL)
converted_schema_sql = (
    "-- RETAIL schema converted to PostgreSQL (tables, keys, constraints)\n\n"
    + "\n".join(convert_table(t, oracle_tables[t], identities.get(t)) for t in p1_retail.TABLES)
)
with connect_test_db() as conn:
    with conn.transaction():
        for t in reversed(p1_retail.TABLES):
            conn.execute(f"DROP TABLE IF EXISTS {t.lower()} CASCADE")
        conn.execute(converted_schema_sql)
    print(sorted(column_types(conn)))
print("identity columns:", identities)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "testdb_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
instance = test_instance()
expect(
    instance["Engine"] == "postgres", f"{names['test_db']} runs {instance['Engine']}, not postgres"
)
expect(
    instance.get("StorageEncrypted") is True,
    f"{names['test_db']} must have its storage encrypted (StorageEncrypted)",
)
expect(
    instance.get("PubliclyAccessible") is False,
    f"{names['test_db']} must not be publicly accessible",
)
with connect_test_db() as conn:
    found_types = column_types(conn)
for table in p1_retail.TABLES:
    expect(
        table.lower() in found_types,
        f"no table {table.lower()!r} in {names['test_db']}/{names['test_db_name']} (schema public)",
    )
expect(
    found_types["orders"].get("total_amount") == "numeric(12,2)",
    f"orders.total_amount is {found_types['orders'].get('total_amount')}, expected numeric(12,2)",
)
print("test instance and converted tables found")

### BEGIN HIDDEN TESTS
EXPECTED_TYPES = {
    "categories": {
        "category_id": "integer",
        "name": "character varying(100)",
        "parent_id": "integer",
    },
    "customers": {
        "customer_id": "bigint",
        "email": "character varying(255)",
        "first_name": "character varying(100)",
        "last_name": "character varying(100)",
        "phone": "character varying(30)",
        "loyalty_tier": "character varying(10)",
        "marketing_opt_in": "boolean",
        "created_at": "timestamp(0) without time zone",
    },
    "products": {
        "product_id": "bigint",
        "sku": "character varying(20)",
        "name": "character varying(200)",
        "description": "text",
        "category_id": "integer",
        "price": "numeric(10,2)",
        "weight_kg": "numeric(8,3)",
        "image_file": "character varying(200)",
        "active": "boolean",
        "created_at": "timestamp(0) without time zone",
    },
    "inventory": {
        "product_id": "bigint",
        "warehouse": "character varying(10)",
        "qty_on_hand": "integer",
        "qty_reserved": "integer",
        "updated_at": "timestamp(0) without time zone",
    },
    "orders": {
        "order_id": "bigint",
        "customer_id": "bigint",
        "order_date": "timestamp(0) without time zone",
        "status": "character varying(20)",
        "total_amount": "numeric(12,2)",
        "shipping_address": "character varying(400)",
        "updated_at": "timestamp(0) without time zone",
    },
    "order_lines": {
        "order_id": "bigint",
        "line_no": "smallint",
        "product_id": "bigint",
        "quantity": "integer",
        "unit_price": "numeric(10,2)",
    },
}
NOT_NULL = {
    "categories": {"category_id", "name"},
    "customers": {"customer_id", "email"},
    "products": {"product_id", "sku"},
    "inventory": {"product_id", "warehouse", "qty_on_hand", "qty_reserved"},
    "orders": {"order_id", "customer_id", "order_date", "status", "total_amount"},
    "order_lines": {"order_id", "line_no", "product_id", "quantity", "unit_price"},
}
PKS = {
    "categories": ["category_id"],
    "customers": ["customer_id"],
    "products": ["product_id"],
    "inventory": ["product_id", "warehouse"],
    "orders": ["order_id"],
    "order_lines": ["order_id", "line_no"],
}
FKS = {
    ("categories", ("parent_id",), "categories", ("category_id",), "a"),
    ("products", ("category_id",), "categories", ("category_id",), "a"),
    ("inventory", ("product_id",), "products", ("product_id",), "a"),
    ("orders", ("customer_id",), "customers", ("customer_id",), "a"),
    ("order_lines", ("order_id",), "orders", ("order_id",), "c"),
    ("order_lines", ("product_id",), "products", ("product_id",), "a"),
}
expect(
    instance.get("DBName") == names["test_db_name"],
    f"{names['test_db']} initial database is {instance.get('DBName')!r}, expected {names['test_db_name']!r}",
)
expect(
    (instance.get("DBSubnetGroup") or {}).get("DBSubnetGroupName") == names["db_subnet_group"],
    f"{names['test_db']} must be in the DB subnet group {names['db_subnet_group']}",
)
sgs = {g["VpcSecurityGroupId"] for g in instance.get("VpcSecurityGroups", [])}
expect(
    names["db_sg_id"] in sgs,
    f"{names['test_db']} security groups {sorted(sgs)}; expected {names['db_sg_id']} ({names['db_sg']})",
)
with connect_test_db() as conn:
    for table, cols in EXPECTED_TYPES.items():
        got = found_types[table]
        for col, type_ in cols.items():
            expect(col in got, f"{table}: no column {col!r} (found {sorted(got)})")
            expect(got[col] == type_, f"{table}.{col} is {got[col]}, expected {type_}")
        extra = set(got) - set(cols)
        expect(not extra, f"{table} has columns the Oracle table does not: {sorted(extra)}")
    rows = conn.execute(
        """SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND a.attnotnull"""
    ).fetchall()
    not_null = {}
    for t, a in rows:
        not_null.setdefault(t, set()).add(a)
    for table, cols in NOT_NULL.items():
        expect(
            not_null.get(table, set()) == cols,
            f"{table}: NOT NULL columns {sorted(not_null.get(table, set()))}, expected {sorted(cols)}",
        )
    cons = conn.execute(
        """SELECT con.contype, c.relname,
                  ARRAY(SELECT attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                        JOIN pg_attribute ON attrelid = con.conrelid AND attnum = k.n ORDER BY i),
                  f.relname,
                  ARRAY(SELECT attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                        JOIN pg_attribute ON attrelid = con.confrelid AND attnum = k.n ORDER BY i),
                  con.confdeltype, pg_get_constraintdef(con.oid)
             FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_class f ON f.oid = con.confrelid
            WHERE n.nspname = 'public'"""
    ).fetchall()
    pks = {r[1]: list(r[2]) for r in cons if r[0] == "p"}
    for table, cols in PKS.items():
        expect(pks.get(table) == cols, f"{table}: primary key {pks.get(table)}, expected {cols}")
    fks = {(r[1], tuple(r[2]), r[3], tuple(r[4]), r[5]) for r in cons if r[0] == "f"}
    for fk in FKS:
        expect(
            fk in fks,
            f"missing foreign key {fk[0]}({', '.join(fk[1])}) -> {fk[2]}({', '.join(fk[3])})"
            + (" ON DELETE CASCADE" if fk[4] == "c" else ""),
        )
    expect(len(fks) == len(FKS), f"{len(fks)} foreign keys, expected {len(FKS)}: {sorted(fks)}")
    uniques = {(r[1], tuple(r[2])) for r in cons if r[0] == "u"}
    for u in (("customers", ("email",)), ("products", ("sku",))):
        expect(u in uniques, f"missing UNIQUE ({u[1][0]}) on {u[0]}")
    ident = {
        name: (is_identity, generation)
        for name, is_identity, generation in conn.execute(
            """SELECT table_name || '.' || column_name, is_identity, identity_generation
                 FROM information_schema.columns WHERE table_schema = 'public'"""
        ).fetchall()
    }
    for col in ("customers.customer_id", "products.product_id", "orders.order_id"):
        expect(
            ident.get(col, ("NO",))[0] == "YES",
            f"{col} must be an identity column (its Oracle trigger fills it from a sequence)",
        )
        expect(
            ident[col][1] == "BY DEFAULT",
            f"{col} is GENERATED {ident[col][1]} AS IDENTITY; use BY DEFAULT, or the data load "
            "of week 5 cannot insert the existing ids",
        )
    # behaviour, in a transaction rolled back
    with conn.transaction():
        conn.execute(
            "INSERT INTO customers (email, marketing_opt_in) VALUES ('check@example.com', true)"
        )
        cid = conn.execute(
            "SELECT customer_id FROM customers WHERE email = 'check@example.com'"
        ).fetchone()[0]
        try:
            with conn.transaction():
                oid, status, when = conn.execute(
                    "INSERT INTO orders (customer_id) VALUES (%s) "
                    "RETURNING order_id, status, order_date",
                    (cid,),
                ).fetchone()
        except psycopg.errors.IntegrityError as e:
            raise AssertionError(
                "the converted schema rejects an ordinary new order (status defaults to 'NEW'): "
                f"{str(e).splitlines()[0]}. Did a CHECK constraint lose the case of its string "
                "literals ('NEW' is not 'new')?"
            ) from None
        expect(status == "NEW", f"a new order's status defaults to {status!r}, expected 'NEW'")
        expect(when is not None, "orders.order_date has no default (SYSDATE -> localtimestamp(0))")
        for bad_sql, what in (
            (
                f"INSERT INTO orders (customer_id, status) VALUES ({cid}, 'LOST')",
                "the STATUS check constraint",
            ),
            (
                f"INSERT INTO order_lines VALUES ({oid}, 1, 999999999, 1, 1.00)",
                "the PRODUCT_ID foreign key",
            ),
            ("INSERT INTO customers (email) VALUES ('check@example.com')", "the unique e-mail"),
        ):
            try:
                with conn.transaction():
                    conn.execute(bad_sql)
            except psycopg.errors.IntegrityError:
                continue
            raise AssertionError(
                f"the converted schema accepted a row that breaks {what}: {bad_sql}"
            )
        raise psycopg.Rollback()  # leave the test database as it was
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task4_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 4 · What SCT cannot convert by itself: the manual-work assessment (2 points)
#
# SCT's assessment report sorts objects into "converted automatically" and "action items". The
# tables you just converted are the easy part. The action items of this schema are:
#
# - **sequences** (`CREATE SEQUENCE`): PostgreSQL has sequences, but a sequence whose only use
#   is a key-filling trigger should become an identity column; the others need their current
#   value carried over at cut-over, or new keys collide with migrated ones;
# - **triggers** (`CREATE [OR REPLACE] TRIGGER`): PL/SQL triggers are rewritten as a PL/pgSQL
#   trigger function plus a `CREATE TRIGGER`, or replaced by identity columns and defaults;
# - **packages** (`CREATE [OR REPLACE] PACKAGE` and `PACKAGE BODY`, one item for both):
#   PostgreSQL has no packages; each procedure and function becomes a function (usually in a
#   schema named after the package); standalone `PROCEDURE`/`FUNCTION` blocks likewise;
# - **bitmap indexes** (`CREATE BITMAP INDEX`): PostgreSQL has none; a B-tree or nothing.
#
# Inside the PL/SQL, Oracle-only functions and pseudo-columns must be rewritten (`NVL` →
# `coalesce`, `DECODE` → `CASE`, `SYSDATE` → `localtimestamp`, `ROWNUM = 1` → `LIMIT 1`, ...).
# The helper cell defines `ORACLE_ONLY`: the constructs to look for, with a regular expression
# for each (search case-insensitively).
#
# Write `assess_manual_work(ddl: str) -> list[dict]`, one dict per object above, found in `ddl`
# (not a hand-written list: the grader runs it on other DDL too):
#
# ```python
# {"object": "ORDERS_BI",          # the name without its schema, upper case
#  "object_type": "TRIGGER",       # SEQUENCE | TRIGGER | PACKAGE | PROCEDURE | FUNCTION | BITMAP INDEX
#  "oracle_features": ["NEXTVAL", "NVL", "SYSDATE"],   # the ORACLE_ONLY keys found in its text, sorted
#  "action": "identity column on ORDERS.ORDER_ID; ORDER_DATE DEFAULT localtimestamp(0)"}
# ```
#
# `action` says in a sentence what the team will do; for a sequence or a trigger that fills a
# key from one, mention the **identity** column (or the sequence) it becomes; for a package,
# the **functions** it becomes. Keep the result as `manual_work`.


# %% nbgrader={"grade": false, "grade_id": "manual_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def features_in(text: str) -> list[str]:
    return sorted(k for k, rx in ORACLE_ONLY.items() if re.search(rx, text, re.I))


def assess_manual_work(ddl: str) -> list[dict]:
    items: dict[tuple[str, str], dict] = {}
    for block in statement_blocks(ddl):
        m = re.match(
            r"CREATE\s+(?:OR\s+REPLACE\s+)?(SEQUENCE|TRIGGER|PACKAGE\s+BODY|PACKAGE|PROCEDURE|FUNCTION|BITMAP\s+INDEX)"
            r"\s+(?:\"?\w+\"?\.)?\"?(\w+)",
            block,
            re.I,
        )
        if not m:
            continue
        kind = re.sub(r"\s+", " ", m.group(1).upper())
        kind = "PACKAGE" if kind.startswith("PACKAGE") else kind
        name = m.group(2).upper()
        item = items.setdefault(
            (kind, name), {"object": name, "object_type": kind, "oracle_features": [], "text": ""}
        )
        item["text"] += "\n" + block
    result = []
    for (kind, name), item in items.items():
        feats = features_in(item.pop("text"))
        if kind == "SEQUENCE":
            action = f"sequence {name}: an identity column where a trigger only fills a key from it, else a PostgreSQL sequence set past the migrated ids"
        elif kind == "TRIGGER":
            action = (
                "replace by an identity column (GENERATED BY DEFAULT AS IDENTITY) and column defaults"
                if "NEXTVAL" in feats
                else "rewrite as a PL/pgSQL trigger function and CREATE TRIGGER"
            )
            if "SYSDATE" in feats:
                action += "; SYSDATE -> localtimestamp(0)"
        elif kind == "PACKAGE":
            action = f"rewrite each procedure and function as a PL/pgSQL function in schema {name.lower()}"
        elif kind == "BITMAP INDEX":
            action = "PostgreSQL has no bitmap index: create a B-tree index (or none on a low-cardinality column)"
        else:
            action = f"rewrite the {kind.lower()} as a PL/pgSQL function"
        if {"NVL", "DECODE", "ROWNUM"} & set(feats):
            action += "; NVL -> coalesce, DECODE -> CASE, ROWNUM = 1 -> LIMIT 1"
        result.append(
            {"object": name, "object_type": kind, "oracle_features": feats, "action": action}
        )
    return result


manual_work = assess_manual_work(ORACLE_DDL)
for item in manual_work:
    print(f"{item['object_type']:13} {item['object']:16} {item['oracle_features']}")
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "manual_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
expect(
    isinstance(manual_work, list) and manual_work, "manual_work must be a non-empty list of dicts"
)
by_object = {(i.get("object_type"), i.get("object")): i for i in manual_work}
for key in (("SEQUENCE", "ORDERS_SEQ"), ("TRIGGER", "ORDERS_BI"), ("PACKAGE", "PKG_ORDERS")):
    expect(key in by_object, f"manual_work has no {key[0]} {key[1]} (found: {sorted(by_object)})")
pkg = by_object[("PACKAGE", "PKG_ORDERS")]
for feature in ("NVL", "DECODE", "SYSDATE", "ROWNUM"):
    expect(
        feature in pkg.get("oracle_features", []),
        f"PKG_ORDERS uses {feature}; its oracle_features are {pkg.get('oracle_features')}",
    )
print(f"{len(manual_work)} manual-work items")

### BEGIN HIDDEN TESTS
KINDS = r"SEQUENCE|TRIGGER|PACKAGE\s+BODY|PACKAGE|PROCEDURE|FUNCTION|BITMAP\s+INDEX"


def reference_assessment(ddl: str) -> dict:
    found: dict = {}
    for block in statement_blocks(ddl):
        m = re.match(rf"CREATE\s+(?:OR\s+REPLACE\s+)?({KINDS})\s+(?:\w+\.)?(\w+)", block, re.I)
        if m:
            kind = re.sub(r"\s+", " ", m.group(1).upper())
            kind = "PACKAGE" if kind.startswith("PACKAGE") else kind
            found.setdefault((kind, m.group(2).upper()), set()).update(
                k for k, rx in ORACLE_ONLY.items() if re.search(rx, block, re.I)
            )
    return found


def check_assessment(items: list, ddl: str, where: str) -> None:
    want = reference_assessment(ddl)
    got = {}
    for item in items:
        key = (str(item.get("object_type", "")).upper(), str(item.get("object", "")).upper())
        expect(key not in got, f"{where}: {key[0]} {key[1]} is listed twice")
        got[key] = item
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    expect(not missing, f"{where}: manual-work items missing: {missing}")
    expect(not extra, f"{where}: items that are not in the DDL (or need no manual work): {extra}")
    for key, feats in want.items():
        item = got[key]
        have = set(item.get("oracle_features") or [])
        expect(
            have == feats,
            f"{where}: {key[0]} {key[1]} uses {sorted(feats)}; your oracle_features say {sorted(have)}",
        )
        action = str(item.get("action") or "")
        expect(len(action) >= 10, f"{where}: {key[0]} {key[1]} needs an action (a sentence)")
        if key[0] == "SEQUENCE" or (key[0] == "TRIGGER" and "NEXTVAL" in feats):
            expect(
                re.search(r"identity|sequence", action, re.I),
                f"{where}: the action for {key[0]} {key[1]} should say which identity column (or sequence) it becomes: {action!r}",
            )
        if key[0] == "PACKAGE":
            expect(
                re.search(r"function", action, re.I),
                f"{where}: the action for package {key[1]} should say it becomes functions: {action!r}",
            )


check_assessment(manual_work, ORACLE_DDL, "on the shop's DDL")
variant = ORACLE_DDL.replace(
    "CREATE SEQUENCE RETAIL.CATEGORIES_SEQ START WITH 1000 INCREMENT BY 1 NOCACHE NOCYCLE;", ""
)
cut = variant.index("CREATE OR REPLACE PACKAGE RETAIL.PKG_ORDERS")
rid = random.randint(10, 99)
variant = (
    variant[:cut]
    + f"""
CREATE OR REPLACE TRIGGER RETAIL.SHIPMENTS_BIU{rid}
BEFORE INSERT OR UPDATE ON RETAIL.SHIPMENTS
FOR EACH ROW
BEGIN
    :NEW.CARRIER := DECODE(:NEW.CARRIER, NULL, 'UPS', :NEW.CARRIER);
    :NEW.SEEN_AT := SYSDATE;
END;
/

create or replace function retail.next_ship_day{rid} (p_when in date) return date is
    v_day date;
begin
    select nvl2(p_when, p_when + 1, sysdate) into v_day from dual where rownum = 1;
    return v_day;
end;
/

CREATE BITMAP INDEX RETAIL.SHIPMENTS_CARRIER_BX{rid} ON RETAIL.SHIPMENTS (CARRIER);
"""
)
check_assessment(
    assess_manual_work(variant),
    variant,
    "on a variant of the DDL (one sequence fewer, no package, a new trigger, function and bitmap index)",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task5_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 5 · DMS: replication instance and endpoints (3 points)
#
# DMS moves the data with a **replication instance** (a managed server in your VPC) that reads
# from a **source endpoint** and writes to a **target endpoint**. Build:
#
# 1. A replication subnet group `names["dms_subnet_group"]` over the two data subnets
#    (`names["data_subnet_ids"]`, comma-separated).
# 2. A replication instance `names["dms_instance"]`: class `dms.t3.medium`, 50 GB, in that
#    subnet group, with the security group `names["dms_sg_id"]`, **not publicly accessible**
#    (it reaches the data centre over the Direct Connect/VPN link, and the database over the
#    VPC).
# 3. The **source endpoint** `names["dms_source"]`: engine `oracle`, pointing where the shop
#    points today. Don't guess the address: the application's JDBC URL is in the Tomcat
#    configuration of the estate, `TOMCAT_CONTEXT` (`configs/tomcat/context.xml`). Its
#    `(DESCRIPTION=(ADDRESS_LIST=...))` lists the RAC nodes' virtual IPs (`HOST=...`) with
#    load balancing and failover between them, plus the **service name**. A DMS Oracle endpoint
#    takes **one** `ServerName`: on a RAC with a SCAN name (Single Client Access Name) you would
#    use the SCAN; this configuration names none, so use the **first node VIP** of the list and
#    write the risk down in task 7 (if that node fails, the task stops until the endpoint is
#    switched to the other VIP; ask the DBA for a SCAN name). Port and `DatabaseName` (the
#    service name) come from the same URL; the user and password DMS reads with are in the
#    secret `names["oracle_secret"]`.
# 4. The **target endpoint** `names["dms_target"]`: engine `aurora-postgresql` (or `postgres`),
#    server and port of the test instance's endpoint, database `retail`, master credentials from
#    `names["db_secret"]`. In week 5 the same endpoint points at the production cluster.
#
# Re-running: `describe_replication_subnet_groups`, `describe_replication_instances` and
# `describe_endpoints` accept `Filters=[{"Name": "replication-instance-id" / "endpoint-id",
# "Values": [...]}]`, or list everything and compare identifiers.


# %% nbgrader={"grade": false, "grade_id": "dms_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def jdbc_address(text: str) -> tuple[str, int, str]:
    """(first host, port, service name) of the Oracle JDBC URL in ``text``."""
    url = re.search(r"jdbc:oracle:thin:@[^\"'<\s]*", text).group(0)
    host = re.search(r"HOST\s*=\s*([\w.-]+)", url, re.I)
    if host:
        port = re.search(r"PORT\s*=\s*(\d+)", url, re.I)
        service = re.search(r"SERVICE_NAME\s*=\s*([\w.$-]+)", url, re.I)
        return host.group(1), int(port.group(1)), service.group(1)
    thin = re.search(r"jdbc:oracle:thin:@(?://)?([\w.-]+):(\d+)[/:]([\w.$-]+)", text)
    return thin.group(1), int(thin.group(2)), thin.group(3)


if TOMCAT_CONTEXT.is_file():
    oracle_host, oracle_port, oracle_service = jdbc_address(TOMCAT_CONTEXT.read_text())
else:  # the estate's Tomcat configuration is not there: use what the seed read
    oracle_host, oracle_port, oracle_service = (
        names["oracle_hosts"].split(",")[0],
        int(names["oracle_port"]),
        names["oracle_service"],
    )
print("Oracle source:", oracle_host, oracle_port, oracle_service)

groups = {
    g["ReplicationSubnetGroupIdentifier"]
    for g in dms.describe_replication_subnet_groups()["ReplicationSubnetGroups"]
}
if names["dms_subnet_group"] not in groups:
    dms.create_replication_subnet_group(
        ReplicationSubnetGroupIdentifier=names["dms_subnet_group"],
        ReplicationSubnetGroupDescription="Data subnets for the DMS replication instance",
        SubnetIds=names["data_subnet_ids"].split(","),
    )
instances = {
    i["ReplicationInstanceIdentifier"]: i
    for i in dms.describe_replication_instances()["ReplicationInstances"]
}
if names["dms_instance"] not in instances:
    dms.create_replication_instance(
        ReplicationInstanceIdentifier=names["dms_instance"],
        ReplicationInstanceClass="dms.t3.medium",
        AllocatedStorage=50,
        ReplicationSubnetGroupIdentifier=names["dms_subnet_group"],
        VpcSecurityGroupIds=[names["dms_sg_id"]],
        PubliclyAccessible=False,
        MultiAZ=False,
    )

oracle_creds = json.loads(secrets.get_secret_value(SecretId=names["oracle_secret"])["SecretString"])
pg_endpoint = test_instance()["Endpoint"]
wanted_endpoints = {
    names["dms_source"]: dict(
        EndpointType="source",
        EngineName="oracle",
        ServerName=oracle_host,
        Port=oracle_port,
        DatabaseName=oracle_service,
        Username=oracle_creds["username"],
        Password=oracle_creds["password"],
    ),
    names["dms_target"]: dict(
        EndpointType="target",
        EngineName="aurora-postgresql",
        ServerName=pg_endpoint["Address"],
        Port=pg_endpoint["Port"],
        DatabaseName=names["test_db_name"],
        Username=creds["username"],
        Password=creds["password"],
    ),
}
existing = {e["EndpointIdentifier"]: e for e in dms.describe_endpoints()["Endpoints"]}
endpoint_arns = {}
for ident, spec in wanted_endpoints.items():
    if ident in existing:  # recreate: the test instance's port may have changed
        dms.delete_endpoint(EndpointArn=existing[ident]["EndpointArn"])
    endpoint_arns[ident] = dms.create_endpoint(EndpointIdentifier=ident, **spec)["Endpoint"][
        "EndpointArn"
    ]
print(endpoint_arns)
### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "dms_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def dms_instance() -> dict:
    found = [
        i
        for i in dms.describe_replication_instances()["ReplicationInstances"]
        if i["ReplicationInstanceIdentifier"] == names["dms_instance"]
    ]
    expect(found, f"no DMS replication instance {names['dms_instance']!r}")
    return found[0]


def dms_endpoint(ident: str) -> dict:
    found = [e for e in dms.describe_endpoints()["Endpoints"] if e["EndpointIdentifier"] == ident]
    expect(found, f"no DMS endpoint {ident!r}")
    expect(len(found) == 1, f"{len(found)} DMS endpoints named {ident!r}")
    return found[0]


ri = dms_instance()
expect(
    ri.get("PubliclyAccessible") is False,
    f"replication instance {names['dms_instance']} must not be publicly accessible",
)
source = dms_endpoint(names["dms_source"])
target = dms_endpoint(names["dms_target"])
expect(
    source["EndpointType"].lower() == "source" and source["EngineName"] == "oracle",
    f"{names['dms_source']} is a {source['EndpointType']} endpoint for {source['EngineName']}; expected an oracle source",
)
expect(
    target["EndpointType"].lower() == "target"
    and target["EngineName"] in ("aurora-postgresql", "postgres"),
    f"{names['dms_target']} is a {target['EndpointType']} endpoint for {target['EngineName']}; expected a PostgreSQL target",
)
print("replication instance and endpoints exist")

### BEGIN HIDDEN TESTS
subnet_group = (ri.get("ReplicationSubnetGroup") or {}).get("ReplicationSubnetGroupIdentifier")
expect(
    subnet_group == names["dms_subnet_group"],
    f"{names['dms_instance']} is in subnet group {subnet_group!r}, expected {names['dms_subnet_group']!r}",
)
ri_sgs = {g["VpcSecurityGroupId"] for g in ri.get("VpcSecurityGroups", [])}
expect(
    names["dms_sg_id"] in ri_sgs,
    f"{names['dms_instance']} security groups {sorted(ri_sgs)}, expected {names['dms_sg_id']} ({names['dms_sg']})",
)
expect(ri.get("ReplicationInstanceClass", "").startswith("dms."), "use a dms.* instance class")
groups = {
    g["ReplicationSubnetGroupIdentifier"]
    for g in dms.describe_replication_subnet_groups()["ReplicationSubnetGroups"]
}
expect(
    names["dms_subnet_group"] in groups,
    f"no replication subnet group {names['dms_subnet_group']!r}",
)
expect(
    source.get("ServerName") in names["oracle_hosts"].split(","),
    f"{names['dms_source']} points at {source.get('ServerName')!r}; its ServerName must be one "
    f"host: the first node VIP of the shop's JDBC URL ({names['oracle_hosts'].split(',')[0]})",
)
expect(
    source.get("Port") == int(names["oracle_port"]),
    f"{names['dms_source']} port {source.get('Port')}, expected {names['oracle_port']}",
)
expect(
    str(source.get("DatabaseName", "")).upper() == names["oracle_service"].upper(),
    f"{names['dms_source']} DatabaseName {source.get('DatabaseName')!r}, expected the service name {names['oracle_service']!r}",
)
expect(
    source.get("Username") == "DMS_USER",
    f"{names['dms_source']} user {source.get('Username')!r}: use the account in {names['oracle_secret']}",
)
pg_ep = test_instance()["Endpoint"]
expect(
    (target.get("ServerName"), target.get("Port")) == (pg_ep["Address"], pg_ep["Port"]),
    f"{names['dms_target']} points at {target.get('ServerName')}:{target.get('Port')}, the test instance is at {pg_ep['Address']}:{pg_ep['Port']}",
)
expect(
    target.get("DatabaseName") == names["test_db_name"],
    f"{names['dms_target']} database {target.get('DatabaseName')!r}, expected {names['test_db_name']!r}",
)
expect(
    target.get("Username") == db_credentials()["username"],
    f"{names['dms_target']} user {target.get('Username')!r}, expected the master user of the secret",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task6_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 6 · The replication task and its table mappings (2 points)
#
# A **replication task** ties instance, source and target together. The shop cannot stop
# selling for the hours a copy takes, so the task is **`full-load-and-cdc`**: it copies every
# table, then keeps applying the changes (change data capture, from Oracle's redo logs) until
# the team cuts over. Create the task `names["dms_task"]` (don't start it: week 5 does) with:
#
# - **table mappings** (a JSON string, `{"rules": [...]}`) that
#   - **select** (`"rule-type": "selection"`, `"rule-action": "include"`) the six tables of
#     schema `RETAIL` (one rule per table, or one with `"table-name": "%"`) and nothing of other
#     schemas (`SYS`, `SYSTEM`, the DBA's `RETAIL_ARCHIVE`, ...);
#   - **transform** (`"rule-type": "transformation"`) the names the PostgreSQL way: the schema
#     `RETAIL` is **renamed** to `public` (`"rule-target": "schema"`, `"rule-action": "rename"`,
#     `"value": "public"`), and table and column names are **lower-cased**
#     (`"rule-action": "convert-lowercase"` with `"rule-target": "table"` and `"column"`).
#     Without them DMS creates `"RETAIL"."ORDERS"` next to your converted `public.orders`;
#   - every rule has a unique `rule-id` and `rule-name` and an `object-locator`
#     (`{"schema-name": "RETAIL", "table-name": "%"}`, plus `"column-name": "%"` for columns);
# - **task settings** (JSON) that keep the schema you converted and handle the CLOB:
#   `FullLoadSettings.TargetTablePrepMode` `DO_NOTHING` (or `TRUNCATE_BEFORE_LOAD`, never
#   `DROP_AND_CREATE_TABLE`, which would replace your DDL with DMS's own guesses),
#   `TargetMetadata.SupportLobs` `true` (PRODUCTS.DESCRIPTION is a CLOB), and
#   `ValidationSettings.EnableValidation` `true` plus `Logging.EnableLogging` `true`.
#
# Re-running: a task is created once; `modify_replication_task` changes its mappings and
# settings (or delete it and create it again while it has never run).

# %% nbgrader={"grade": false, "grade_id": "task_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
table_mappings = {
    "rules": [
        {
            "rule-type": "selection",
            "rule-id": str(i),
            "rule-name": f"include-{table.lower()}",
            "object-locator": {"schema-name": "RETAIL", "table-name": table},
            "rule-action": "include",
        }
        for i, table in enumerate(p1_retail.TABLES, 1)
    ]
    + [
        {
            "rule-type": "transformation",
            "rule-id": "101",
            "rule-name": "retail-to-public",
            "rule-target": "schema",
            "object-locator": {"schema-name": "RETAIL"},
            "rule-action": "rename",
            "value": "public",
        },
        {
            "rule-type": "transformation",
            "rule-id": "102",
            "rule-name": "lowercase-tables",
            "rule-target": "table",
            "object-locator": {"schema-name": "RETAIL", "table-name": "%"},
            "rule-action": "convert-lowercase",
        },
        {
            "rule-type": "transformation",
            "rule-id": "103",
            "rule-name": "lowercase-columns",
            "rule-target": "column",
            "object-locator": {"schema-name": "RETAIL", "table-name": "%", "column-name": "%"},
            "rule-action": "convert-lowercase",
        },
    ]
}
task_settings = {
    "TargetMetadata": {"SupportLobs": True, "LimitedSizeLobMode": True, "LobMaxSize": 64},
    "FullLoadSettings": {"TargetTablePrepMode": "DO_NOTHING", "MaxFullLoadSubTasks": 6},
    "ValidationSettings": {"EnableValidation": True, "ThreadCount": 5},
    "Logging": {"EnableLogging": True},
}
instance_arn = next(
    i["ReplicationInstanceArn"]
    for i in dms.describe_replication_instances()["ReplicationInstances"]
    if i["ReplicationInstanceIdentifier"] == names["dms_instance"]
)
for task in dms.describe_replication_tasks()["ReplicationTasks"]:
    if task["ReplicationTaskIdentifier"] == names["dms_task"]:
        dms.delete_replication_task(ReplicationTaskArn=task["ReplicationTaskArn"])
task_arn = dms.create_replication_task(
    ReplicationTaskIdentifier=names["dms_task"],
    SourceEndpointArn=endpoint_arns[names["dms_source"]],
    TargetEndpointArn=endpoint_arns[names["dms_target"]],
    ReplicationInstanceArn=instance_arn,
    MigrationType="full-load-and-cdc",
    TableMappings=json.dumps(table_mappings),
    ReplicationTaskSettings=json.dumps(task_settings),
)["ReplicationTask"]["ReplicationTaskArn"]
print(task_arn)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "task_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
tasks = [
    t
    for t in dms.describe_replication_tasks()["ReplicationTasks"]
    if t["ReplicationTaskIdentifier"] == names["dms_task"]
]
expect(tasks, f"no DMS replication task {names['dms_task']!r}")
expect(len(tasks) == 1, f"{len(tasks)} replication tasks named {names['dms_task']!r}")
rtask = tasks[0]
expect(
    rtask["MigrationType"] == "full-load-and-cdc",
    f"{names['dms_task']} is {rtask['MigrationType']}, expected full-load-and-cdc",
)
mappings = json.loads(rtask["TableMappings"])
expect(isinstance(mappings, dict) and mappings.get("rules"), "TableMappings has no rules")
print(f"task {names['dms_task']} with {len(mappings['rules'])} rules")


### BEGIN HIDDEN TESTS
def like(pattern: str, value: str) -> bool:
    """DMS object-locator matching: % any run, _ one character, case-insensitive."""
    rx = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in str(pattern))
    return re.fullmatch(rx, value, re.I) is not None


def dms_target_name(rules: list, schema: str, table: str, column: str | None = None):
    """(selected?, target schema, target table, target column) as DMS would apply the rules."""
    sel = [r for r in rules if r.get("rule-type") == "selection"]
    hits = [
        r
        for r in sel
        if like(r.get("object-locator", {}).get("schema-name", ""), schema)
        and like(r.get("object-locator", {}).get("table-name", "%"), table)
    ]
    selected = any(r.get("rule-action") == "include" for r in hits) and not any(
        r.get("rule-action") == "exclude" for r in hits
    )
    out = {"schema": schema, "table": table, "column": column}
    for r in sorted(
        (r for r in rules if r.get("rule-type") == "transformation"),
        key=lambda r: int(str(r.get("rule-id", 0)) or 0),
    ):
        loc, tgt, act = r.get("object-locator", {}), r.get("rule-target"), r.get("rule-action")
        if not like(loc.get("schema-name", "%"), schema):
            continue
        if tgt in ("table", "column") and not like(loc.get("table-name", "%"), table):
            continue
        if tgt == "column" and (column is None or not like(loc.get("column-name", "%"), column)):
            continue
        if tgt not in out or out[tgt] is None:
            continue
        if act == "convert-lowercase":
            out[tgt] = out[tgt].lower()
        elif act == "convert-uppercase":
            out[tgt] = out[tgt].upper()
        elif act == "rename":
            out[tgt] = r.get("value")
        elif act == "add-prefix":
            out[tgt] = r.get("value", "") + out[tgt]
        elif act == "add-suffix":
            out[tgt] = out[tgt] + r.get("value", "")
    return selected, out["schema"], out["table"], out["column"]


rules = mappings["rules"]
ids = [str(r.get("rule-id")) for r in rules]
expect(len(ids) == len(set(ids)), f"rule-ids must be unique: {ids}")
for r in rules:
    expect(
        r.get("rule-name") and r.get("object-locator"),
        f"rule {r.get('rule-id')} needs a rule-name and an object-locator",
    )
for table in p1_retail.TABLES:
    selected, schema, target_table, _ = dms_target_name(rules, "RETAIL", table)
    expect(selected, f"the table mappings do not select RETAIL.{table}")
    expect(
        schema == "public",
        f"RETAIL.{table} would land in schema {schema!r}, expected 'public' (rename the schema)",
    )
    expect(
        target_table == table.lower(),
        f"RETAIL.{table} would become table {target_table!r}, expected {table.lower()!r}",
    )
    column = list(p1_retail.read_table(table)[0])[-1]
    _, _, _, target_column = dms_target_name(rules, "RETAIL", table, column)
    expect(
        target_column == column.lower(),
        f"column RETAIL.{table}.{column} would become {target_column!r}, expected {column.lower()!r}",
    )
for schema, table in (
    ("SYS", "AUD$"),
    ("SYSTEM", "HELP"),
    ("RETAIL_ARCHIVE", "ORDERS_2015"),
    ("HR", "EMPLOYEES"),
):
    expect(
        not dms_target_name(rules, schema, table)[0],
        f"the table mappings also select {schema}.{table}: select schema RETAIL only",
    )
settings = json.loads(rtask.get("ReplicationTaskSettings") or "{}")
prep = settings.get("FullLoadSettings", {}).get("TargetTablePrepMode")
expect(
    prep in ("DO_NOTHING", "TRUNCATE_BEFORE_LOAD"),
    f"FullLoadSettings.TargetTablePrepMode is {prep!r}: DO_NOTHING or TRUNCATE_BEFORE_LOAD keeps your converted schema",
)
expect(
    settings.get("TargetMetadata", {}).get("SupportLobs") is True,
    "TargetMetadata.SupportLobs must be true: PRODUCTS.DESCRIPTION is a CLOB",
)
expect(
    settings.get("ValidationSettings", {}).get("EnableValidation") is True,
    "ValidationSettings.EnableValidation must be true",
)
expect(
    settings.get("Logging", {}).get("EnableLogging") is True, "Logging.EnableLogging must be true"
)
arns = {e["EndpointIdentifier"]: e["EndpointArn"] for e in dms.describe_endpoints()["Endpoints"]}
expect(
    rtask["SourceEndpointArn"] == arns.get(names["dms_source"]),
    f"{names['dms_task']} must read from {names['dms_source']}",
)
expect(
    rtask["TargetEndpointArn"] == arns.get(names["dms_target"]),
    f"{names['dms_task']} must write to {names['dms_target']}",
)
expect(
    rtask["ReplicationInstanceArn"] == dms_instance()["ReplicationInstanceArn"],
    f"{names['dms_task']} must run on {names['dms_instance']}",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task7_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 7 · The deliverables: the conversion assessment and the converted DDL (2 points)
#
# Write what you found into your **portfolio** (`lab.portfolio`), generated from your results so
# it stays true when you re-run the analysis:
#
# 1. The converted DDL of task 3 (`converted_schema_sql`) as infrastructure code:
#    `lab.portfolio.add_file("iac", names["iac_schema"], converted_schema_sql)`
#    (`iac/database/retail_schema.sql`).
# 2. A document of kind `db-conversion-assessment` named `names["doc_assessment"]`
#    (`lab.portfolio.write_document(kind, name, markdown)`) with the sections (Markdown
#    headings) **Summary** (objects and what converts automatically, with counts), **Type
#    Mapping** (a table with one row per column: `TABLE.COLUMN`, Oracle type, PostgreSQL
#    type), **Manual Work** (one line per item of task 4, naming the object and the action) and
#    **Risks** (a few sentences, at least 20 words: what could go wrong in week 5 and how you
#    will prevent it: the single Oracle VIP of the DMS source endpoint, the CLOB size, the
#    sequences' current values at cut-over, time zones of `DATE`, ...).

# %% nbgrader={"grade": false, "grade_id": "portfolio_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
lab.portfolio.add_file("iac", names["iac_schema"], converted_schema_sql)
n_columns = sum(len(e["columns"]) for e in oracle_tables.values())
mapping_rows = "\n".join(
    f"| {t}.{c['name']} | {c['type']} | {map_type(c['type'])} |"
    for t, e in oracle_tables.items()
    for c in e["columns"]
)
manual_rows = "\n".join(
    f"- **{i['object_type']} {i['object']}** ({', '.join(i['oracle_features']) or 'no Oracle-only functions'}): {i['action']}"
    for i in manual_work
)
assessment = f"""# RETAIL: Oracle 19c to PostgreSQL conversion assessment

## Summary

Schema RETAIL holds {len(oracle_tables)} tables with {n_columns} columns. Tables, keys, unique,
foreign-key and check constraints convert automatically with the type mapping below; the
converted DDL (`iac/{names["iac_schema"]}`) ran on the test instance `{names["test_db"]}`.
{len(manual_work)} objects need manual work: {sum(i["object_type"] == "SEQUENCE" for i in manual_work)} sequences,
{sum(i["object_type"] == "TRIGGER" for i in manual_work)} triggers, {sum(i["object_type"] == "PACKAGE" for i in manual_work)} package and
{sum(i["object_type"] == "BITMAP INDEX" for i in manual_work)} bitmap indexes. DMS task `{names["dms_task"]}` (full load and CDC)
reads from the RAC node VIP `{oracle_host}:{oracle_port}`, service `{oracle_service}` (the Tomcat JDBC URL).

## Type Mapping

| column | Oracle | PostgreSQL |
|---|---|---|
{mapping_rows}

## Manual Work

{manual_rows}

## Risks

- The DMS source endpoint names one RAC node VIP ({oracle_host}): if that node fails, the
  task stops until the endpoint is switched to the other node; ask the DBA for a SCAN name.
- CLOB PRODUCTS.DESCRIPTION: limited LOB mode truncates at LobMaxSize (64 KB); check the longest
  description before the load.
- Sequences: identity columns must be set past the migrated ids at cut-over, or new orders collide.
- DATE has no time zone: keep timestamp without time zone and the database time zone of the shop.
- NUMBER(1) flags become boolean: application SQL comparing with 0/1 must be adapted.
- PKG_ORDERS.CANCEL_ORDER commits inside the procedure; the PostgreSQL function leaves the
  transaction to the caller.
"""
lab.portfolio.write_document("db-conversion-assessment", names["doc_assessment"], assessment)
print(lab.portfolio.path("documents", "db-conversion-assessment", f"{names['doc_assessment']}.md"))
### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "portfolio_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def portfolio_text(*parts: str) -> str:
    path = lab.portfolio.path(*parts)
    expect(path.is_file(), f"{'/'.join(parts)} is not in your portfolio ({path})")
    return path.read_text()


doc = portfolio_text("documents", "db-conversion-assessment", f"{names['doc_assessment']}.md")
headings = [h.strip().lower() for h in re.findall(r"^#{1,6}\s+(.*)$", doc, re.M)]
for section in ("Summary", "Type Mapping", "Manual Work", "Risks"):
    expect(
        any(section.lower() in h for h in headings),
        f"the assessment has no section {section!r} (headings: {headings})",
    )
ddl_file = portfolio_text("iac", *names["iac_schema"].split("/"))
expect("create table" in ddl_file.lower(), f"iac/{names['iac_schema']} holds no CREATE TABLE")
print("assessment and DDL are in the portfolio")


### BEGIN HIDDEN TESTS
def section(text: str, name: str) -> str:
    m = re.search(
        rf"^#{{1,6}}[^\n]*{name}[^\n]*\n(.*?)(?=^#{{1,6}}\s|\Z)", text, re.M | re.S | re.I
    )
    return m.group(1) if m else ""


mapping_text = section(doc, "Type Mapping")
for table in p1_retail.TABLES:
    for column in p1_retail.read_table(table)[0]:
        row = next(
            (
                line
                for line in mapping_text.splitlines()
                if f"{table}.{column}".lower() in line.lower().replace(" ", "")
            ),
            None,
        )
        expect(row, f"Type Mapping has no row for {table}.{column}")
        pg = EXPECTED_TYPES[table.lower()][column.lower()]
        short = {"character varying": "varchar", "timestamp(0) without time zone": "timestamp(0)"}
        wanted = {
            pg,
            short.get(pg, pg),
            pg.replace("character varying", "varchar"),
            pg.replace(" without time zone", ""),
        }
        expect(
            any(w in row.lower().replace(", ", ",") for w in wanted),
            f"Type Mapping row of {table}.{column} does not give {pg}: {row.strip()}",
        )
manual_text = section(doc, "Manual Work")
for item in reference_assessment(ORACLE_DDL):
    expect(
        item[1].lower() in manual_text.lower(), f"Manual Work does not mention {item[0]} {item[1]}"
    )
expect(
    len(section(doc, "Risks").split()) >= 20,
    "the Risks section is too short to be useful (20 words at least)",
)
# the DDL file really creates the schema: run it in a scratch schema, rolled back
with connect_test_db() as conn:
    with conn.transaction():
        conn.execute("CREATE SCHEMA iac_check")
        conn.execute("SET LOCAL search_path TO iac_check")
        try:  # names qualified with public. run in the scratch schema too
            conn.execute(re.sub(r'(?<![\w."])"?public"?\.(?=["\w])', "", ddl_file, flags=re.I))
        except psycopg.Error as e:
            raise AssertionError(
                f"iac/{names['iac_schema']} does not run on PostgreSQL: {e}"
            ) from None
        scratch = column_types(conn, "iac_check")
        for table, cols in EXPECTED_TYPES.items():
            expect(
                scratch.get(table) == cols,
                f"iac/{names['iac_schema']}: table {table} has {scratch.get(table)}, expected {cols}",
            )
        raise psycopg.Rollback()
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "wrapup", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Wrap-up
#
# You have the migration plan in code and in the portfolio: the type mapping SCT applies, the
# converted schema running on an encrypted, private test instance, the list of what people must
# convert by hand, and DMS ready to copy and follow the data. Before week 5:
#
# - the identity columns must be set past the migrated ids at cut-over (`setval`);
# - `PKG_ORDERS` becomes functions in a schema `pkg_orders` (the estate's `migrated/schema.sql`
#   shows one way: a spoiler for what you did here, so look at it now, not before);
# - in week 5 you run the full load and the change capture for real, validate every table and
#   point the shop at the new database.
#
# Clean-up is not needed: the emulator is reset for the next lab. On real AWS, stop the
# replication instance when it is idle: it is billed by the hour.
