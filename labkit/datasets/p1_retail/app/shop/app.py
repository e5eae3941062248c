"""The shop as a WSGI application: JSON API, two HTML pages, product images.

Routes (JSON unless said otherwise)::

    GET  /health                         200 {"status": "ok", "database": "ok"} | 503
    GET  /api/products?category=&limit=&offset=
    GET  /api/products/<sku>             404 for an unknown SKU
    GET  /api/customers/<id>/orders
    POST /api/orders                     {"customer_id", "lines": [{"sku", "quantity"}]} -> 201
    GET  /api/orders/<id>
    GET  /                               HTML: product grid
    GET  /product/<sku>                  HTML: one product
    GET  /images/<path>                  the object from the images bucket, or a redirect

SQL uses the lower-case PostgreSQL schema of the migration (``migrated/schema.sql``).
"""

from __future__ import annotations

import html
import json
import re
import urllib.parse
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import psycopg

from .db import Database

MAX_LIMIT = 100
MAX_LINES = 50
MAX_QUANTITY = 1000
MAX_BODY = 64 * 1024
WAREHOUSES_ORDER = "(qty_on_hand - qty_reserved) DESC, warehouse"

Json = dict[str, Any]
StartResponse = Callable[..., Any]


class HttpError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


REASONS = {
    200: "OK",
    201: "Created",
    302: "Found",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(row: dict[str, Any]) -> Json:
    return {k: _plain(v) for k, v in row.items()}


class ShopApp:
    """The WSGI callable. ``images_bucket`` (with ``s3_client``, or a default boto3 client)
    serves /images/<key> from S3; else ``images_base_url`` (a CDN) receives a redirect."""

    def __init__(
        self,
        database_url: str,
        *,
        images_bucket: str | None = None,
        images_base_url: str | None = None,
        s3_client: Any = None,
        pool_size: int = 16,
    ):
        self.db = Database(database_url, max_idle=pool_size)
        self.images_bucket = images_bucket or None
        self.images_base_url = (images_base_url or "").rstrip("/") or None
        self._s3 = s3_client

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def s3(self) -> Any:
        if self._s3 is None:
            import boto3

            self._s3 = boto3.client("s3")
        return self._s3

    def close(self) -> None:
        self.db.close()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "/") or "/"
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        try:
            status, headers, body = self.route(method, path, query, environ)
        except HttpError as e:
            status, headers, body = self.json(e.status, {"error": e.message})
        except (psycopg.OperationalError, psycopg.InterfaceError) as e:
            self.db.flush_idle()
            status, headers, body = self.json(
                503, {"error": "database unavailable", "detail": str(e).strip()[:300]}
            )
        except Exception as e:  # noqa: BLE001 - a server answers 500, it does not die
            status, headers, body = self.json(
                500, {"error": "internal error", "detail": f"{type(e).__name__}: {e}"[:300]}
            )
        headers = [*headers, ("Content-Length", str(len(body)))]
        start_response(f"{status} {REASONS.get(status, 'Status')}", headers)
        return [body] if method != "HEAD" else [b""]

    @staticmethod
    def json(status: int, payload: Any, extra: list[tuple[str, str]] | None = None):
        body = json.dumps(payload, default=_plain).encode()
        return status, [("Content-Type", "application/json"), *(extra or [])], body

    @staticmethod
    def page(status: int, text: str):
        return status, [("Content-Type", "text/html; charset=utf-8")], text.encode()

    def query(self, sql: str, params: Any = (), *, retry: bool = True) -> list[dict[str, Any]]:
        """Rows of a read-only statement; one retry on a fresh connection when the pooled one
        turns out to be stale (the database restarted or failed over since it was opened)."""
        try:
            with self.db.connection() as conn:
                return conn.execute(sql, params).fetchall()
        except (psycopg.OperationalError, psycopg.InterfaceError):
            if not retry:
                raise
            self.db.flush_idle()
            return self.query(sql, params, retry=False)

    def image_url(self, image_file: str | None) -> str | None:
        if not image_file:
            return None
        if self.images_base_url and not self.images_bucket:
            return f"{self.images_base_url}/{image_file}"
        return f"/images/{image_file}"

    # -- routing ----------------------------------------------------------------------------

    def route(self, method: str, path: str, query: dict[str, list[str]], environ: dict):
        if path == "/health":
            self.only(method, "GET")
            return self.health()
        if path in ("/api/products", "/api/products/"):
            self.only(method, "GET")
            return self.json(200, self.products(query))
        if m := re.fullmatch(r"/api/products/([^/]+)", path):
            self.only(method, "GET")
            return self.json(200, self.product(urllib.parse.unquote(m.group(1))))
        if m := re.fullmatch(r"/api/customers/([^/]+)/orders", path):
            self.only(method, "GET")
            return self.json(200, self.customer_orders(m.group(1)))
        if path in ("/api/orders", "/api/orders/"):
            self.only(method, "POST")
            order = self.create_order(self.read_json(environ))
            return self.json(201, order, [("Location", f"/api/orders/{order['order_id']}")])
        if m := re.fullmatch(r"/api/orders/([^/]+)", path):
            self.only(method, "GET")
            return self.json(200, self.order(self.int_id(m.group(1), "order id")))
        if path == "/":
            self.only(method, "GET")
            return self.page(200, self.home_page(query))
        if m := re.fullmatch(r"/product/([^/]+)", path):
            self.only(method, "GET")
            return self.page(200, self.product_page(urllib.parse.unquote(m.group(1))))
        if path.startswith("/images/"):
            self.only(method, "GET")
            return self.image(urllib.parse.unquote(path[len("/images/") :]))
        raise HttpError(404, f"no route for {path}")

    @staticmethod
    def only(method: str, *allowed: str) -> None:
        if method not in allowed and not (method == "HEAD" and "GET" in allowed):
            raise HttpError(405, f"method {method} not allowed here (use {', '.join(allowed)})")

    @staticmethod
    def int_id(text: str, what: str) -> int:
        if not re.fullmatch(r"\d{1,12}", text):
            raise HttpError(400, f"{what} must be a positive integer, got {text!r}")
        return int(text)

    @staticmethod
    def read_json(environ: dict) -> Any:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            raise HttpError(413, f"request body over {MAX_BODY} bytes")
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            return json.loads(raw or b"null")
        except ValueError as e:
            raise HttpError(400, f"request body is not JSON: {e}") from None

    # -- handlers ---------------------------------------------------------------------------

    def health(self):
        try:
            self.query("SELECT 1 AS ok")
        except (psycopg.OperationalError, psycopg.InterfaceError) as e:
            return self.json(
                503, {"status": "unavailable", "database": "error", "detail": str(e).strip()[:300]}
            )
        return self.json(200, {"status": "ok", "database": "ok"})

    def products(self, query: dict[str, list[str]]) -> Json:
        def number(name: str, default: int, high: int) -> int:
            text = (query.get(name) or [str(default)])[0]
            if not re.fullmatch(r"\d{1,9}", text):
                raise HttpError(400, f"{name} must be a non-negative integer, got {text!r}")
            return min(int(text), high)

        limit = number("limit", 20, MAX_LIMIT)
        offset = number("offset", 0, 10**9)
        where, params = ["p.active::int = 1"], []
        if query.get("category"):
            where.append("p.category_id = %s")
            params.append(self.int_id(query["category"][0], "category"))
        sql = (
            "SELECT p.sku, p.name, p.category_id, c.name AS category, p.price, p.image_file,"
            " count(*) OVER () AS total"
            " FROM products p LEFT JOIN categories c ON c.category_id = p.category_id"
            f" WHERE {' AND '.join(where)} ORDER BY p.sku LIMIT %s OFFSET %s"
        )
        rows = self.query(sql, [*params, limit, offset])
        total = rows[0]["total"] if rows else None
        if total is None:  # past the end: count separately
            count_sql = f"SELECT count(*) AS n FROM products p WHERE {' AND '.join(where)}"
            total = self.query(count_sql, params)[0]["n"]
        items = []
        for r in rows:
            item = _row(r)
            del item["total"]
            item["image_url"] = self.image_url(r["image_file"])
            items.append(item)
        return {
            "products": items,
            "count": len(items),
            "total": total,
            "limit": limit,
            "offset": offset,
        }

    def product(self, sku: str) -> Json:
        rows = self.query(
            "SELECT p.product_id, p.sku, p.name, p.description, p.category_id, c.name AS category,"
            " p.price, p.weight_kg, p.image_file, p.active::int = 1 AS active, p.created_at"
            " FROM products p LEFT JOIN categories c ON c.category_id = p.category_id"
            " WHERE p.sku = %s",
            [sku],
        )
        if not rows:
            raise HttpError(404, f"no product with SKU {sku!r}")
        item = _row(rows[0])
        item["image_url"] = self.image_url(rows[0]["image_file"])
        stock = self.query(
            "SELECT warehouse, qty_on_hand, qty_reserved, qty_on_hand - qty_reserved AS available"
            " FROM inventory WHERE product_id = %s ORDER BY warehouse",
            [rows[0]["product_id"]],
        )
        item["inventory"] = [_row(s) for s in stock]
        item["available"] = sum(max(0, s["available"]) for s in stock)
        return item

    def customer_orders(self, text: str) -> Json:
        customer_id = self.int_id(text, "customer id")
        found = self.query(
            "SELECT customer_id FROM customers WHERE customer_id = %s", [customer_id]
        )
        if not found:
            raise HttpError(404, f"no customer {customer_id}")
        rows = self.query(
            "SELECT order_id, order_date, status, total_amount FROM orders"
            " WHERE customer_id = %s ORDER BY order_date DESC, order_id DESC LIMIT 100",
            [customer_id],
        )
        return {"customer_id": customer_id, "orders": [_row(r) for r in rows]}

    def order(self, order_id: int, conn: psycopg.Connection | None = None) -> Json:
        sql_order = (
            "SELECT order_id, customer_id, order_date, status, total_amount, shipping_address,"
            " updated_at FROM orders WHERE order_id = %s"
        )
        sql_lines = (
            "SELECT l.line_no, p.sku, p.name, l.quantity, l.unit_price"
            " FROM order_lines l JOIN products p ON p.product_id = l.product_id"
            " WHERE l.order_id = %s ORDER BY l.line_no"
        )
        if conn is None:
            head, lines = self.query(sql_order, [order_id]), self.query(sql_lines, [order_id])
        else:
            head = conn.execute(sql_order, [order_id]).fetchall()
            lines = conn.execute(sql_lines, [order_id]).fetchall()
        if not head:
            raise HttpError(404, f"no order {order_id}")
        out = _row(head[0])
        out["lines"] = [_row(r) for r in lines]
        return out

    @staticmethod
    def validate_order(body: Any) -> tuple[int, list[tuple[str, int]], str | None]:
        if not isinstance(body, dict):
            raise HttpError(400, "the body must be a JSON object with customer_id and lines")
        customer_id = body.get("customer_id")
        if isinstance(customer_id, bool) or not isinstance(customer_id, int) or customer_id <= 0:
            raise HttpError(400, f"customer_id must be a positive integer, got {customer_id!r}")
        lines = body.get("lines")
        if not isinstance(lines, list) or not lines:
            raise HttpError(400, "lines must be a non-empty list of {sku, quantity}")
        if len(lines) > MAX_LINES:
            raise HttpError(400, f"at most {MAX_LINES} lines per order")
        wanted: list[tuple[str, int]] = []
        for i, line in enumerate(lines, 1):
            if not isinstance(line, dict):
                raise HttpError(400, f"line {i} must be an object {{sku, quantity}}")
            sku, qty = line.get("sku"), line.get("quantity")
            if not isinstance(sku, str) or not sku:
                raise HttpError(400, f"line {i}: sku must be a string, got {sku!r}")
            if isinstance(qty, bool) or not isinstance(qty, int) or not 0 < qty <= MAX_QUANTITY:
                raise HttpError(
                    400, f"line {i}: quantity must be an integer 1..{MAX_QUANTITY}, got {qty!r}"
                )
            wanted.append((sku, qty))
        address = body.get("shipping_address")
        if address is not None and not isinstance(address, str):
            raise HttpError(400, "shipping_address must be a string")
        return customer_id, wanted, address

    def create_order(self, body: Any) -> Json:
        customer_id, wanted, address = self.validate_order(body)
        with self.db.connection() as conn:
            if not conn.execute(
                "SELECT 1 FROM customers WHERE customer_id = %s", [customer_id]
            ).fetchall():
                raise HttpError(400, f"unknown customer_id {customer_id}")
            skus = sorted({sku for sku, _ in wanted})
            products = {
                r["sku"]: r
                for r in conn.execute(
                    "SELECT product_id, sku, price FROM products"
                    " WHERE sku = ANY(%s) AND active::int = 1",
                    [skus],
                ).fetchall()
            }
            unknown = [s for s in skus if s not in products]
            if unknown:
                raise HttpError(400, f"unknown or inactive SKU(s): {', '.join(unknown)}")
            total = Decimal("0")
            for sku, qty in wanted:  # reserve stock, warehouse with the most available first
                pid = products[sku]["product_id"]
                reserved = conn.execute(
                    "UPDATE inventory SET qty_reserved = qty_reserved + %s"
                    " WHERE (product_id, warehouse) = (SELECT product_id, warehouse FROM inventory"
                    "  WHERE product_id = %s AND qty_on_hand - qty_reserved >= %s"
                    f"  ORDER BY {WAREHOUSES_ORDER} LIMIT 1 FOR UPDATE)"
                    " RETURNING warehouse",
                    [qty, pid, qty],
                ).fetchall()
                if not reserved:
                    raise HttpError(409, f"not enough stock of {sku} for quantity {qty}")
                total += Decimal(products[sku]["price"]) * qty
            order_id = conn.execute(
                "INSERT INTO orders (customer_id, order_date, status, total_amount,"
                " shipping_address, updated_at)"
                " VALUES (%s, localtimestamp(0), 'NEW', %s, %s, localtimestamp(0))"
                " RETURNING order_id",
                [customer_id, total, address or "address on file"],
            ).fetchone()["order_id"]
            for no, (sku, qty) in enumerate(wanted, 1):
                conn.execute(
                    "INSERT INTO order_lines (order_id, line_no, product_id, quantity, unit_price)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    [order_id, no, products[sku]["product_id"], qty, products[sku]["price"]],
                )
            return self.order(order_id, conn)

    def image(self, key: str):
        if not key or ".." in key.split("/"):
            raise HttpError(404, "no such image")
        if self.images_bucket:
            try:
                obj = self.s3.get_object(Bucket=self.images_bucket, Key=key)
            except Exception as e:  # noqa: BLE001 - botocore ClientError, without importing it
                code = getattr(e, "response", {}).get("Error", {}).get("Code", "")
                if code in ("NoSuchKey", "404", "NotFound", "AccessDenied", "403"):
                    raise HttpError(404, f"no image {key} in bucket {self.images_bucket}") from None
                raise
            body = obj["Body"].read()
            ctype = obj.get("ContentType") or _content_type(key)
            return 200, [("Content-Type", ctype), ("Cache-Control", "max-age=86400")], body
        if self.images_base_url:
            return 302, [("Location", f"{self.images_base_url}/{key}")], b""
        raise HttpError(404, "no image source configured (IMAGES_BUCKET or IMAGES_BASE_URL)")

    # -- HTML -------------------------------------------------------------------------------

    def home_page(self, query: dict[str, list[str]]) -> str:
        listing = self.products(
            {"limit": ["24"], **{k: v for k, v in query.items() if k in ("category", "offset")}}
        )
        cards = "\n".join(
            f'<li class="product"><a href="/product/{html.escape(p["sku"])}">'
            f'<img src="{html.escape(p["image_url"] or "")}" alt="{html.escape(p["name"])}"'
            ' width="160" height="160">'
            f'<span class="name">{html.escape(p["name"])}</span></a>'
            f'<span class="price">${p["price"]:.2f}</span></li>'
            for p in listing["products"]
        )
        return _layout(
            "Retail Shop",
            f"<h1>Retail Shop</h1><p>{listing['total']} products</p>"
            f'<ul class="grid">\n{cards}\n</ul>',
        )

    def product_page(self, sku: str) -> str:
        p = self.product(sku)
        return _layout(
            p["name"],
            f"<h1>{html.escape(p['name'])}</h1>"
            f'<img src="{html.escape(p["image_url"] or "")}" alt="{html.escape(p["name"])}"'
            ' width="320" height="320">'
            f'<p class="sku">SKU {html.escape(p["sku"])}</p>'
            f'<p class="price">${p["price"]:.2f}</p>'
            f'<p class="stock">{p["available"]} in stock</p>'
            f'<div class="description">{html.escape(p["description"] or "")}</div>'
            '<p><a href="/">Back to the shop</a></p>',
        )


def _layout(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}.grid{display:flex;flex-wrap:wrap;"
        "list-style:none;padding:0}.product{width:180px;margin:8px}.product span{display:block}"
        "</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )


def _content_type(key: str) -> str:
    ext = key.rsplit(".", 1)[-1].lower()
    return {
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "png": "image/png",
        "gif": "image/gif",
        "webp": "image/webp",
        "svg": "image/svg+xml",
    }.get(ext, "application/octet-stream")


def create_app(database_url: str, **options: Any) -> ShopApp:
    """The shop's WSGI application (options: images_bucket, images_base_url, s3_client,
    pool_size)."""
    return ShopApp(database_url, **options)
