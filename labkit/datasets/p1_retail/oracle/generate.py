"""Generate the Oracle data export of schema RETAIL: ``data/<TABLE>.csv.gz``.

Deterministic: one seeded RNG, tables generated in a fixed order, gzip written with mtime 0
and no file name, so running it again gives byte-identical files::

    python -m labkit.datasets.p1_retail.oracle.generate          # rewrite data/
    python -m labkit.datasets.p1_retail.oracle.generate --check  # exit 1 if data/ differs

Export format (what an ``expdp``-to-CSV job of the shop produced): header = column names in
upper case, DATE as ``YYYY-MM-DD HH24:MI:SS``, NULL as an empty field, numbers as plain
decimals written with the column's scale (``19.90``, ``0.350``).
"""

from __future__ import annotations

import csv
import gzip
import io
import random
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SEED = 20190301

COLUMNS: dict[str, tuple[str, ...]] = {
    "CATEGORIES": ("CATEGORY_ID", "NAME", "PARENT_ID"),
    "CUSTOMERS": (
        "CUSTOMER_ID",
        "EMAIL",
        "FIRST_NAME",
        "LAST_NAME",
        "PHONE",
        "LOYALTY_TIER",
        "MARKETING_OPT_IN",
        "CREATED_AT",
    ),
    "PRODUCTS": (
        "PRODUCT_ID",
        "SKU",
        "NAME",
        "DESCRIPTION",
        "CATEGORY_ID",
        "PRICE",
        "WEIGHT_KG",
        "IMAGE_FILE",
        "ACTIVE",
        "CREATED_AT",
    ),
    "INVENTORY": ("PRODUCT_ID", "WAREHOUSE", "QTY_ON_HAND", "QTY_RESERVED", "UPDATED_AT"),
    "ORDERS": (
        "ORDER_ID",
        "CUSTOMER_ID",
        "ORDER_DATE",
        "STATUS",
        "TOTAL_AMOUNT",
        "SHIPPING_ADDRESS",
        "UPDATED_AT",
    ),
    "ORDER_LINES": ("ORDER_ID", "LINE_NO", "PRODUCT_ID", "QUANTITY", "UNIT_PRICE"),
}

N_CUSTOMERS = 8000
N_PRODUCTS = 400
N_ORDERS = 15000
FIRST_CUSTOMER_ID = 1001
FIRST_PRODUCT_ID = 10001
FIRST_ORDER_ID = 500001
WAREHOUSES = ("DC-EAST", "DC-WEST")
START = datetime(2019, 3, 1)
END = datetime(2024, 10, 31, 23, 59, 59)

TOP = {
    1: "Home & Kitchen",
    2: "Outdoor & Garden",
    3: "Electronics",
    4: "Clothing",
    5: "Toys & Games",
}
SUB = {
    1: ["Cookware", "Tableware", "Bedding", "Storage"],
    2: ["Garden Tools", "Camping", "Barbecue", "Plants & Seeds"],
    3: ["Audio", "Phone Accessories", "Smart Home", "Cables & Chargers"],
    4: ["Men", "Women", "Kids", "Shoes"],
    5: ["Board Games", "Puzzles", "Building Sets", "Outdoor Play"],
}
FIRST = (
    "Anna Ben Carla David Emma Felix Grace Hugo Iris Jack Kara Liam Maya Noah Olga Paul "
    "Quinn Rosa Sam Tara Umar Vera Will Xena Yusuf Zoe Chloe Marco Nina Oscar Priya Ravi "
    "Sofia Tomas Lena Ivan Mei Kenji Aisha Diego"
).split()
LAST = (
    "Smith Jones Garcia Miller Davis Lopez Wilson Moore Taylor Clark Lewis Walker Hall "
    "Young King Wright Scott Green Baker Adams Nelson Carter Mitchell Perez Roberts Turner "
    "Phillips Campbell Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers Reed"
).split()
DOMAINS = ("example.com", "mail.example.net", "shopper.example.org", "inbox.example.com")
STREETS = ("Main St", "Oak Ave", "Maple Rd", "Cedar Ln", "Pine St", "Elm Dr", "Lake Rd", "Hill St")
CITIES = (
    ("Springfield", "IL", "62701"),
    ("Portland", "OR", "97201"),
    ("Austin", "TX", "73301"),
    ("Columbus", "OH", "43004"),
    ("Madison", "WI", "53703"),
    ("Raleigh", "NC", "27601"),
    ("Denver", "CO", "80202"),
    ("Boise", "ID", "83702"),
)
ADJ = "Classic Deluxe Compact Premium Everyday Eco Pro Mini Family Travel Heritage Urban".split()
NOUN = {
    "Cookware": ["Frying Pan", "Saucepan", "Dutch Oven", "Wok"],
    "Tableware": ["Dinner Plate Set", "Mug", "Salad Bowl", "Cutlery Set"],
    "Bedding": ["Duvet Cover", "Pillow", "Fitted Sheet", "Throw Blanket"],
    "Storage": ["Storage Box", "Shelf Basket", "Jar Set", "Vacuum Bag"],
    "Garden Tools": ["Pruning Shears", "Spade", "Rake", "Watering Can"],
    "Camping": ["Tent", "Sleeping Bag", "Headlamp", "Camp Stove"],
    "Barbecue": ["Grill Brush", "Charcoal Grill", "Tongs", "Smoker Box"],
    "Plants & Seeds": ["Herb Seed Kit", "Tomato Seeds", "Planter", "Potting Mix"],
    "Audio": ["Headphones", "Bluetooth Speaker", "Earbuds", "Soundbar"],
    "Phone Accessories": ["Phone Case", "Screen Protector", "Car Mount", "Power Bank"],
    "Smart Home": ["Smart Plug", "Smart Bulb", "Door Sensor", "Thermostat"],
    "Cables & Chargers": ["USB-C Cable", "Wall Charger", "HDMI Cable", "Charging Dock"],
    "Men": ["Shirt", "Chinos", "Jacket", "Sweater"],
    "Women": ["Blouse", "Dress", "Cardigan", "Jeans"],
    "Kids": ["T-Shirt", "Raincoat", "Pyjamas", "Hoodie"],
    "Shoes": ["Sneakers", "Boots", "Sandals", "Slippers"],
    "Board Games": ["Strategy Game", "Party Game", "Chess Set", "Card Game"],
    "Puzzles": ["1000-Piece Puzzle", "3D Puzzle", "Brain Teaser", "Floor Puzzle"],
    "Building Sets": ["Brick Set", "Marble Run", "Robot Kit", "Train Set"],
    "Outdoor Play": ["Kite", "Frisbee", "Water Blaster", "Jump Rope"],
}
PERKS = ("easy to clean", "two-year warranty", "recycled packaging", "gift-ready")
STATUS_WEIGHTS = (
    ("DELIVERED", 70),
    ("SHIPPED", 8),
    ("PAID", 5),
    ("NEW", 4),
    ("CANCELLED", 8),
    ("RETURNED", 5),
)


def fmt_date(d: datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M:%S")


def rand_date(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randrange(span))


def generate() -> dict[str, list[tuple]]:
    """Rows per table, as tuples of strings in column order."""
    rng = random.Random(SEED)
    tables: dict[str, list[tuple]] = {name: [] for name in COLUMNS}

    # CATEGORIES: 5 top-level, 20 children (ids 1-5, 101-120)
    leaf_ids: list[tuple[int, str]] = []
    for cid, name in TOP.items():
        tables["CATEGORIES"].append((str(cid), name, ""))
    sub_id = 100
    for parent, names in SUB.items():
        for name in names:
            sub_id += 1
            tables["CATEGORIES"].append((str(sub_id), name, str(parent)))
            leaf_ids.append((sub_id, name))

    # CUSTOMERS
    customer_created: dict[int, datetime] = {}
    for i in range(N_CUSTOMERS):
        cid = FIRST_CUSTOMER_ID + i
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}.{cid}@{rng.choice(DOMAINS)}".lower()
        phone = f"+1-555-{rng.randrange(100, 1000):03d}-{rng.randrange(10000):04d}"
        if rng.random() < 0.12:
            phone = ""
        tier = rng.choices(("BRONZE", "SILVER", "GOLD", "PLATINUM", ""), (50, 25, 12, 3, 10))[0]
        opt_in = "1" if rng.random() < 0.42 else "0"
        created = rand_date(rng, START, END - timedelta(days=30))
        customer_created[cid] = created
        tables["CUSTOMERS"].append(
            (str(cid), email, first, last, phone, tier, opt_in, fmt_date(created))
        )

    # PRODUCTS
    prices: dict[int, Decimal] = {}
    active_ids: list[int] = []
    for i in range(N_PRODUCTS):
        pid = FIRST_PRODUCT_ID + i
        sku = f"RS-{pid}"
        cat, cat_name = leaf_ids[i % len(leaf_ids)]
        noun = rng.choice(NOUN[cat_name])
        name = f"{rng.choice(ADJ)} {noun}"
        price = Decimal(rng.randrange(299, 24999)) / 100
        price = price.quantize(Decimal("1")) - Decimal("0.01") if rng.random() < 0.6 else price
        prices[pid] = price
        weight = Decimal(rng.randrange(50, 15000)) / 1000
        desc = (
            f"The {name.lower()} from our {cat_name} range. "
            f'Size "{rng.choice(("S", "M", "L", "one size"))}", '
            f"{rng.choice(PERKS)}."
        )
        if rng.random() < 0.05:
            desc = ""
        active = "0" if rng.random() < 0.06 else "1"
        if active == "1":
            active_ids.append(pid)
        created = rand_date(rng, START - timedelta(days=400), START + timedelta(days=900))
        tables["PRODUCTS"].append(
            (
                str(pid),
                sku,
                name,
                desc,
                str(cat),
                f"{price:.2f}",
                f"{weight:.3f}",
                f"products/{sku}.jpg",
                active,
                fmt_date(created),
            )
        )

    # INVENTORY: every product in both warehouses
    for i in range(N_PRODUCTS):
        pid = FIRST_PRODUCT_ID + i
        for wh in WAREHOUSES:
            on_hand = rng.randrange(0, 500)
            reserved = rng.randrange(0, min(on_hand, 40) + 1)
            updated = rand_date(rng, datetime(2024, 9, 1), END)
            tables["INVENTORY"].append(
                (str(pid), wh, str(on_hand), str(reserved), fmt_date(updated))
            )

    # ORDERS and ORDER_LINES, in order-date order
    statuses = [s for s, _ in STATUS_WEIGHTS]
    weights = [w for _, w in STATUS_WEIGHTS]
    dates = sorted(rand_date(rng, START, END) for _ in range(N_ORDERS))
    customer_ids = list(customer_created)
    for i, order_date in enumerate(dates):
        oid = FIRST_ORDER_ID + i
        cid = rng.choice(customer_ids)
        n_lines = rng.choices((1, 2, 3, 4, 5, 6), (22, 25, 20, 15, 10, 8))[0]
        products = rng.sample(active_ids, n_lines)
        total = Decimal("0.00")
        for line_no, pid in enumerate(products, start=1):
            qty = rng.choices((1, 2, 3, 4, 5), (60, 22, 10, 5, 3))[0]
            unit = prices[pid]
            if rng.random() < 0.1:  # promotion: 10-30 % off
                unit = (unit * (100 - rng.choice((10, 15, 20, 25, 30))) / 100).quantize(
                    Decimal("0.01")
                )
            total += qty * unit
            tables["ORDER_LINES"].append(
                (str(oid), str(line_no), str(pid), str(qty), f"{unit:.2f}")
            )
        status = rng.choices(statuses, weights)[0]
        if order_date > END - timedelta(days=10):
            status = rng.choice(("NEW", "PAID", "SHIPPED"))
        city, state, zipc = rng.choice(CITIES)
        address = f"{rng.randrange(1, 9999)} {rng.choice(STREETS)}, {city}, {state} {zipc}"
        if status in ("NEW", "CANCELLED") and rng.random() < 0.3:
            address = ""
        updated = min(order_date + timedelta(hours=rng.randrange(0, 24 * 12)), END)
        tables["ORDERS"].append(
            (
                str(oid),
                str(cid),
                fmt_date(order_date),
                status,
                f"{total:.2f}",
                address,
                fmt_date(updated),
            )
        )
    return tables


def encode(name: str, rows: list[tuple]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS[name])
    writer.writerows(rows)
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    return out.getvalue()


def build() -> dict[str, bytes]:
    """File contents per table name (``<TABLE>.csv.gz`` bytes)."""
    return {name: encode(name, rows) for name, rows in generate().items()}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    files = build()
    if "--check" in argv:
        stale = [n for n, b in files.items() if (DATA / f"{n}.csv.gz").read_bytes() != b]
        for n in stale:
            print(f"{n}.csv.gz differs from what generate.py produces")
        return 1 if stale else 0
    DATA.mkdir(parents=True, exist_ok=True)
    for name, blob in files.items():
        (DATA / f"{name}.csv.gz").write_bytes(blob)
        print(f"{name}.csv.gz: {len(blob)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
