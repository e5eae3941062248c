"""Athena (Trino) SQL to DuckDB SQL over the tables' files, for ``athena_sql``.

:func:`parse` reads one Trino statement with sqlglot (``ExecutionParameters`` replace its
``?`` placeholders in order) and reports syntax errors as Athena does
(``SYNTAX_ERROR: line 1:8: ...``).

:func:`compile_query` turns a query (SELECT, WITH, VALUES, set operations) into DuckDB SQL:

- every table reference outside the query's own CTEs is looked up in Glue (``db.table``,
  ``"AwsDataCatalog".db.table``, or the bare name in ``QueryExecutionContext.Database``,
  default ``default``) and replaced by a scan of its files (``athena_sql_scan``) under the
  reference's alias, with the conditions of its query block's WHERE that only involve the
  table's partition keys used to prune partitions;
- sqlglot qualifies the query against the tables' column types, so Trino semantics that
  depend on types survive the transpilation (integer division truncates) and an unknown column
  is ``COLUMN_NOT_FOUND`` with its position; if sqlglot cannot analyse a query, the plain
  transpilation is used and DuckDB has the last word;
- unnamed result columns are named ``_col0``, ``_col1``, ... and names are lower case, as in
  Athena;
- :class:`Translations` keeps the translations of queries already run, reused while the tables'
  columns are unchanged (the tables' files are listed and pruned again on every run).

No moto internals are used here.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError

from labkit.emulator.extensions.athena_sql_catalog import DEFAULT_CATALOG, TableSpec, find_table
from labkit.emulator.extensions.athena_sql_errors import AthenaQueryError, not_supported, position
from labkit.emulator.extensions.athena_sql_scan import Scan
from labkit.emulator.extensions.athena_sql_types import trino_type

_SCAN = "__labkit_scan_{}"


def parse(
    query: str, parameters: list[str] | None = None, dialect: str = "trino"
) -> exp.Expression:
    """One statement of ``query``; SYNTAX_ERROR for anything sqlglot cannot read."""
    try:
        statements = [s for s in sqlglot.parse(query, read=dialect) if s is not None]
    except ParseError as e:
        err = e.errors[0] if e.errors else {}
        token = err.get("highlight") or ""
        line, col = err.get("line") or 1, max((err.get("col") or 1) - len(token) + 1, 1)
        detail = err.get("description") or str(e)
        raise AthenaQueryError(
            "SYNTAX_ERROR", f"line {line}:{col}: mismatched input '{token}'. {detail}"
        ) from None
    if len(statements) != 1:
        raise AthenaQueryError(
            "INVALID_ARGUMENT" if statements else "SYNTAX_ERROR",
            "Only one sql statement is allowed. Got: " + query.strip()
            if statements
            else "line 1:1: empty query",
            1100 if statements else 1006,
        )
    tree = statements[0]
    _bind_parameters(tree, parameters or [])
    _decimal_literals(tree)
    return tree


def _decimal_literals(tree: exp.Expression) -> None:
    """``DECIMAL '1.20'`` is decimal(3,2) in Trino (sqlglot leaves the type unsized)."""
    for cast in tree.find_all(exp.Cast):
        to, value = cast.args.get("to"), cast.this
        if (
            isinstance(to, exp.DataType)
            and to.this == exp.DataType.Type.DECIMAL
            and not to.expressions
            and isinstance(value, exp.Literal)
            and value.is_string
            and re.fullmatch(r"\s*[+-]?\d*(\.\d*)?\s*", value.name)
        ):
            digits = value.name.strip().lstrip("+-")
            whole, _, fraction = digits.partition(".")
            scale = len(fraction)
            precision = max(len(whole.lstrip("0")) + scale, 1)
            cast.set("to", exp.DataType.build(f"DECIMAL({precision}, {scale})"))


def _bind_parameters(tree: exp.Expression, parameters: list[str]) -> None:
    holes = [p for p in tree.find_all(exp.Placeholder, bfs=False) if not p.name or p.name == "?"]
    if len(holes) != len(parameters):
        raise AthenaQueryError(
            "INVALID_PARAMETER_USAGE",
            f"Incorrect number of parameters: expected {len(holes)} but found {len(parameters)}",
            1100,
        )
    for hole, text in zip(holes, parameters, strict=True):
        try:
            value = sqlglot.parse_one(text, read="trino")
        except ParseError:
            raise AthenaQueryError(
                "INVALID_PARAMETER_USAGE",
                f"Execution parameter '{text}' is not a SQL literal",
                1100,
            ) from None
        hole.replace(value)


@dataclass
class Compiled:
    sql: str
    scans: list[Scan] = field(default_factory=list)

    @property
    def scanned_bytes(self) -> int:
        return sum(s.bytes for s in self.scans)


@dataclass
class _Ref:
    node: exp.Table
    spec: TableSpec
    alias: str


class Scanner:
    """What compile_query needs to read tables: ``scan(spec, condition_sets) -> Scan``."""

    def __init__(self, account: str, region: str, database: str, scan: Any) -> None:
        self.account = account
        self.region = region
        self.database = database
        self.scan = scan


@dataclass(frozen=True)
class _Template:
    """A translated query with a placeholder per table: what the cache keeps."""

    tables: tuple[tuple[str, str, str], ...]  # (database, table, position) per placeholder
    fingerprint: tuple[Any, ...]
    sql: str
    conditions: tuple[list[list[str]] | None, ...]


class Translations:
    """Translations of queries already run (least recently used dropped first); one is reused
    while the columns and types of the tables it reads are unchanged."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[Any, _Template] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> _Template | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Any, template: _Template) -> None:
        with self._lock:
            self._items[key] = template
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _fingerprint(specs: list[TableSpec]) -> tuple[Any, ...]:
    return tuple(
        (
            s.database.lower(),
            s.name.lower(),
            tuple((c.name, str(c.type)) for c in s.columns),
            tuple((k.name, str(k.type)) for k in s.partition_keys),
        )
        for s in specs
    )


def compile_query(
    query: str,
    tree: exp.Expression | Callable[[], exp.Expression],
    scanner: Scanner,
    check: Callable[[str], bool],
    cache: Translations | None = None,
    key: Any = None,
) -> Compiled:
    """DuckDB SQL for a Trino query tree (or a function that parses it, called only when the
    translation is not cached under ``key``). ``check(sql)`` tells whether DuckDB can bind SQL
    (used to confirm a column sqlglot could not resolve really is missing)."""
    if cache is not None and key is not None:
        template = cache.get(key)
        if template is not None:
            specs = [
                find_table(scanner.account, scanner.region, db, name, where)
                for db, name, where in template.tables
            ]
            if _fingerprint(specs) == template.fingerprint:
                return _instantiate(template, specs, scanner)
    if callable(tree):
        tree = tree()
    refs = _table_refs(query, tree, scanner)
    _name_columns(tree)
    by_table: dict[tuple[str, str], list[_Ref]] = {}
    for ref in refs:
        by_table.setdefault((ref.spec.database.lower(), ref.spec.name.lower()), []).append(ref)
    schema: dict[str, dict[str, str]] = {}
    tables, specs, conditions = [], [], []
    for i, group in enumerate(by_table.values()):
        placeholder = _SCAN.format(i)
        spec = group[0].spec
        per_ref = [_partition_conditions(ref) for ref in group]
        conditions.append(None if None in per_ref else per_ref)
        tables.append((spec.database, spec.name, position(query, table_offset(group[0].node))))
        specs.append(spec)
        schema[placeholder] = {c.name: trino_type(c.type) for c in spec.all_columns}
        for ref in group:
            replacement = exp.Table(this=exp.to_identifier(placeholder))
            replacement.set("alias", exp.TableAlias(this=exp.to_identifier(ref.alias)))
            ref.node.replace(replacement)
    sql, missing = _to_duckdb(tree, schema)
    template = _Template(tuple(tables), _fingerprint(specs), sql, tuple(conditions))
    compiled = _instantiate(template, specs, scanner)
    if missing is not None and not check(compiled.sql):
        name, offset = missing
        raise AthenaQueryError(
            "COLUMN_NOT_FOUND",
            f"{position(query, offset)}: Column '{name}' cannot be resolved or requester is not "
            "authorized to access requested resources",
        )
    if cache is not None and key is not None:
        cache.put(key, template)
    return compiled


def _instantiate(template: _Template, specs: list[TableSpec], scanner: Scanner) -> Compiled:
    scans = {
        _SCAN.format(i): scanner.scan(spec, conditions)
        for i, (spec, conditions) in enumerate(zip(specs, template.conditions, strict=True))
    }
    return Compiled(_substitute(template.sql, scans), list(scans.values()))


def _substitute(sql: str, scans: dict[str, Scan]) -> str:
    for placeholder, scan in scans.items():
        sql = re.sub(rf'"?{placeholder}\b"?', lambda _m, s=scan.sql: s, sql)
    return sql


def _table_refs(query: str, tree: exp.Expression, scanner: Scanner) -> list[_Ref]:
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    refs = []
    for node in list(tree.find_all(exp.Table)):
        if not isinstance(node.this, exp.Identifier):
            continue  # table functions, UNNEST
        if not node.db and node.name.lower() in ctes:
            continue
        catalog = node.catalog.lower()
        where = position(query, table_offset(node))
        if catalog and catalog != DEFAULT_CATALOG:
            raise AthenaQueryError(
                "CATALOG_NOT_FOUND", f"{where}: Catalog '{catalog}' does not exist", 1301
            )
        database = node.db or scanner.database
        if database.lower() == "information_schema":
            raise not_supported("information_schema")
        spec = find_table(scanner.account, scanner.region, database, node.name, where)
        refs.append(_Ref(node, spec, (node.alias or node.name).lower()))
    return refs


def table_offset(node: exp.Table) -> int:
    """0-based offset of a table reference in the query text (0 when unknown)."""
    starts = [p.meta.get("start") for p in node.parts if isinstance(p, exp.Identifier)]
    found = [s for s in starts if isinstance(s, int)]
    return min(found) if found else 0


def _name_columns(tree: exp.Expression) -> None:
    """Name unnamed output columns ``_colN`` as Trino does."""
    select = tree
    while isinstance(select, exp.SetOperation | exp.Subquery):
        select = select.this if isinstance(select, exp.Subquery) else select.left
    if not isinstance(select, exp.Select):
        return
    for i, projection in enumerate(select.expressions):
        if not isinstance(projection, exp.Alias | exp.Column | exp.Star):
            projection.replace(exp.alias_(projection.copy(), f"_col{i}"))


_VOLATILE = {"rand", "random", "uuid", "shuffle"}


def _nullable(ref: _Ref, select: exp.Select) -> bool:
    """Whether an outer join can pad ``ref``'s rows with NULLs in ``select``: then a WHERE
    condition on its keys (``s.dt IS NULL``) may hold for rows no partition produced, and
    pruning would change the answer."""
    sides = {(j.side or "").upper() for j in select.args.get("joins") or []}
    parent = ref.node.parent
    if isinstance(parent, exp.Join):
        return (parent.side or "").upper() in ("LEFT", "FULL") or "FULL" in sides
    return bool(sides & {"RIGHT", "FULL"})


def _partition_conditions(ref: _Ref) -> list[str] | None:
    """The WHERE conjuncts of ``ref``'s query block that only involve its partition keys,
    as DuckDB SQL over bare key names; None when there is none."""
    keys = {k.name for k in ref.spec.partition_keys}
    select = ref.node.find_ancestor(exp.Select)
    if not keys or select is None or not select.args.get("where") or _nullable(ref, select):
        return None
    sources = [t for t in select.find_all(exp.Table) if t.find_ancestor(exp.Select) is select]
    condition = select.args["where"].this
    found = []
    for part in condition.flatten() if isinstance(condition, exp.And) else [condition]:
        columns = list(part.find_all(exp.Column))
        if not columns or part.find(exp.Subquery, exp.Select, exp.AggFunc, exp.Window, exp.Rand):
            continue
        if any(f.name.lower() in _VOLATILE for f in part.find_all(exp.Anonymous)):
            continue
        if all(
            c.name.lower() in keys
            and (c.table.lower() == ref.alias if c.table else len(sources) == 1)
            for c in columns
        ):
            bare = part.copy()
            for c in bare.find_all(exp.Column):
                c.replace(exp.column(c.name.lower(), quoted=True))
            found.append(bare.sql("duckdb"))
    return found or None


def _to_duckdb(
    tree: exp.Expression, schema: dict[str, dict[str, str]]
) -> tuple[str, tuple[str, int] | None]:
    """DuckDB SQL, typed by sqlglot when it can; plus (name, offset) of a column sqlglot could
    not resolve."""
    from sqlglot.optimizer.annotate_types import annotate_types
    from sqlglot.optimizer.qualify import qualify

    for node in list(tree.find_all(exp.Format)):  # Trino's format() is printf-style
        node.replace(exp.Anonymous(this="printf", expressions=[node.this, *node.expressions]))
    try:
        qualified = qualify(tree.copy(), schema=schema, dialect="trino", quote_identifiers=True)
        annotate_types(qualified, schema=schema, dialect="trino")
        _date_arithmetic(qualified)
        return qualified.sql("duckdb"), None
    except OptimizeError as e:
        match = re.search(r"Column '([^']+)' could not be resolved", str(e))
        missing = _locate(tree, match.group(1)) if match else None
        return tree.sql("duckdb"), missing
    except Exception:  # noqa: BLE001 - sqlglot cannot analyse it: let DuckDB decide
        return tree.sql("duckdb"), None


_DATE_UNITS = {"DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}


def _date_arithmetic(tree: exp.Expression) -> None:
    """A DATE plus days, weeks, months or years stays a DATE in Trino (DuckDB: TIMESTAMP)."""
    nodes = list(tree.find_all(exp.DateAdd, exp.DateSub, exp.Add, exp.Sub))
    for node in reversed(nodes):  # innermost first, so outer copies carry the inner casts
        if isinstance(node, exp.Add | exp.Sub):
            if not isinstance(node.expression, exp.Interval):
                continue
            unit = node.expression.args.get("unit")
        else:
            unit = node.args.get("unit")
        if (
            node.this.is_type(exp.DataType.Type.DATE)
            and unit is not None
            and (unit.name.upper().rstrip("S") in _DATE_UNITS)
        ):
            node.replace(exp.cast(node.copy(), exp.DataType.Type.DATE))


def _locate(tree: exp.Expression, name: str) -> tuple[str, int] | None:
    for column in tree.find_all(exp.Column):
        if column.name.lower() == name.lower():
            start = column.this.meta.get("start") if isinstance(column.this, exp.Identifier) else 0
            return column.name.lower(), start or 0
    return name.lower(), 0
