"""Generate the non-Oracle files of the Project 1 estate, deterministically (byte-stable).

    python labkit/datasets/p1_retail/generate_estate.py [OUT]     # default: this folder

Writes ``inventory/servers.csv``, ``inventory/connections.csv``, ``costs/onprem_costs.csv``,
``costs/aws_prices.csv`` and ``nfs/images/`` (a JPEG per SKU, a few PNG banners). The server
table is written by hand below (it is the story of the estate); ``depends_on`` is derived from
the connections so the two files always agree. ``configs/`` are plain files, not generated.
"""

from __future__ import annotations

import csv
import io
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SKUS = [f"RS-{n}" for n in range(10001, 10401)]
SEED = 20240401

# hostname, role, environment, os, cpu_cores, memory_gb, storage_gb, avg_cpu_pct, peak_cpu_pct,
# avg_mem_pct, software, licence, licence_cost_per_year_usd, rack
SERVERS = [
    ("fw01", "firewall", "production", "Cisco ASA 9.8 (appliance)", 4, 8, 64, 6.5, 14.0, 30,
     "Cisco ASA 5525-X perimeter firewall", "Cisco SmartNet support", 4200, "R01"),
    ("lb01", "lb", "production", "F5 TMOS 15.1 (appliance)", 8, 16, 120, 4.1, 9.8, 22,
     "F5 BIG-IP LTM 4000s hardware load balancer", "F5 BIG-IP LTM support", 14500, "R01"),
    ("web01", "web", "production", "RHEL 8.6", 8, 16, 200, 7.2, 21.5, 28,
     "Apache httpd 2.4 (mod_ssl, mod_proxy_balancer)", "RHEL Server subscription", 799, "R01"),
    ("web02", "web", "production", "RHEL 8.6", 8, 16, 200, 6.9, 19.8, 27,
     "Apache httpd 2.4 (mod_ssl, mod_proxy_balancer)", "RHEL Server subscription", 799, "R02"),
    ("app01", "app", "production", "RHEL 8.6", 16, 64, 300, 18.4, 61.0, 58,
     "Apache Tomcat 9.0 / OpenJDK 11, shop.war", "RHEL Server subscription", 799, "R01"),
    ("app02", "app", "production", "RHEL 8.6", 16, 64, 300, 17.9, 58.7, 56,
     "Apache Tomcat 9.0 / OpenJDK 11, shop.war", "RHEL Server subscription", 799, "R02"),
    ("app03", "app", "production", "RHEL 8.6", 16, 64, 300, 19.1, 63.2, 57,
     "Apache Tomcat 9.0 / OpenJDK 11, shop.war", "RHEL Server subscription", 799, "R01"),
    ("app04", "app", "production", "RHEL 8.6", 16, 64, 300, 18.8, 60.4, 59,
     "Apache Tomcat 9.0 / OpenJDK 11, shop.war", "RHEL Server subscription", 799, "R02"),
    ("db01", "db", "production", "Oracle Linux 8.4", 32, 512, 500, 41.0, 82.5, 78,
     "Oracle Database 19c Enterprise Edition, RAC node 1 (ASM on san01)",
     "Oracle EE + RAC, 8 processors, 22% annual support", 124080, "R03"),
    ("db02", "db", "production", "Oracle Linux 8.4", 32, 512, 500, 37.6, 79.1, 76,
     "Oracle Database 19c Enterprise Edition, RAC node 2 (ASM on san01)",
     "Oracle EE + RAC, 8 processors, 22% annual support", 124080, "R03"),
    ("san01", "storage", "production", "NetApp ONTAP 9.7 (appliance)", 4, 32, 24000, 12.0, 35.0,
     40, "NetApp AFF A220 SAN (iSCSI LUNs for Oracle ASM)", "NetApp support", 21000, "R03"),
    ("nfs01", "nfs", "production", "RHEL 8.6", 4, 16, 4000, 3.2, 11.0, 35,
     "NFS v4 server: /export/images (product images)", "RHEL Server subscription", 799, "R03"),
    ("backup01", "backup", "production", "Windows Server 2012 R2", 8, 32, 2000, 9.5, 88.0, 41,
     "Veritas NetBackup 8.1 media server, LTO-6 tape library (24 slots)",
     "NetBackup + Windows Server Standard", 11200, "R04"),
    ("mon01", "mgmt", "production", "RHEL 8.6", 4, 16, 500, 22.0, 41.0, 64,
     "Nagios Core 4.4 + Grafana 8", "RHEL Server subscription", 799, "R04"),
    ("bastion01", "mgmt", "production", "RHEL 8.6", 2, 4, 50, 1.1, 6.0, 18,
     "OpenSSH jump host (admin access)", "RHEL Server subscription", 799, "R04"),
    ("dns01", "mgmt", "production", "RHEL 8.6", 2, 4, 50, 2.0, 5.5, 21,
     "BIND 9 internal DNS, chrony NTP (company-wide)", "RHEL Server subscription", 799, "R04"),
    ("ad01", "mgmt", "production", "Windows Server 2016", 4, 16, 200, 5.0, 24.0, 45,
     "Active Directory domain controller (company-wide staff logins)",
     "Windows Server Standard + CALs", 6200, "R04"),
    ("mail01", "mail", "production", "CentOS 7.9", 2, 8, 100, 1.8, 12.0, 24,
     "Postfix mail relay (order confirmations)", "none (community)", 0, "R04"),
    ("batch01", "batch", "production", "RHEL 8.6", 8, 32, 500, 4.4, 92.0, 35,
     "cron host: nightly jobs (supplier feed import, sales export, sitemap)",
     "RHEL Server subscription", 799, "R04"),
    ("report01", "reporting", "production", "Windows Server 2012 R2", 8, 32, 1000, 6.3, 47.0, 52,
     "SAP Crystal Reports Server 2016 (sales reports on the production database)",
     "Crystal Reports Server + Windows Server Standard", 18500, "R04"),
    ("ftp01", "sftp", "production", "CentOS 7.9", 2, 8, 1000, 1.5, 9.0, 19,
     "OpenSSH SFTP server: supplier inventory feeds", "none (community)", 0, "R02"),
    ("test01", "app", "test", "CentOS 6.10", 8, 32, 500, 0.4, 2.1, 7,
     "Tomcat 7 with a 2018 build of shop.war (owner left in 2019)", "none (community)", 0, "R02"),
]  # fmt: skip

COLUMNS = [
    "hostname", "role", "environment", "os", "cpu_cores", "memory_gb", "storage_gb",
    "avg_cpu_pct", "peak_cpu_pct", "avg_mem_pct", "software", "licence",
    "licence_cost_per_year_usd", "rack", "depends_on",
]  # fmt: skip

APPLIANCES = {"fw01", "lb01", "san01"}
SHARED = ("dns01", "ad01")  # every server resolves names and logs staff in through these


def connections() -> list[tuple[str, str, int, str, str]]:
    """(source, target, port, protocol, purpose): every flow the network team captured."""
    web, app, db = ["web01", "web02"], ["app01", "app02", "app03", "app04"], ["db01", "db02"]
    rows: list[tuple[str, str, int, str, str]] = [
        ("internet", "fw01", 443, "tcp", "customers: HTTPS to the shop"),
        ("internet", "fw01", 80, "tcp", "customers: HTTP, redirected to HTTPS"),
        ("internet", "fw01", 22, "tcp", "suppliers: SFTP inventory feeds (NAT to ftp01)"),
        ("fw01", "lb01", 443, "tcp", "shop traffic to the load balancer virtual server"),
        ("fw01", "lb01", 80, "tcp", "HTTP to the load balancer (redirect)"),
        ("fw01", "ftp01", 22, "tcp", "supplier SFTP (destination NAT)"),
    ]
    rows += [("lb01", w, 443, "tcp", "HTTPS to Apache (TLS re-encrypted)") for w in web]
    rows += [(w, a, 8080, "tcp", "mod_proxy_balancer to Tomcat (HTTP, clear text)")
             for w in web for a in app]  # fmt: skip
    rows += [(w, "nfs01", 2049, "tcp", "product images (NFS mount /var/www/images)") for w in web]
    rows += [(a, b, 4000, "tcp", "Tomcat cluster session replication")
             for a in app for b in app if a != b]  # fmt: skip
    for a in app:
        rows += [(a, d, 1521, "tcp", "JDBC to the Oracle RAC (SQL*Net, clear text)") for d in db]
        rows += [
            (a, "nfs01", 2049, "tcp", "product image uploads (NFS)"),
            (a, "mail01", 25, "tcp", "order confirmation e-mails (SMTP)"),
            (a, "payment-gateway", 443, "tcp", "card payments (payment provider API)"),
        ]
    rows += [
        ("db01", "db02", 42424, "udp", "RAC interconnect: cache fusion (private VLAN)"),
        ("db02", "db01", 42424, "udp", "RAC interconnect: cache fusion (private VLAN)"),
        ("db01", "san01", 3260, "tcp", "ASM disk groups (iSCSI)"),
        ("db02", "san01", 3260, "tcp", "ASM disk groups (iSCSI)"),
        ("backup01", "db01", 1521, "tcp", "RMAN backups to tape"),
        ("backup01", "db02", 1521, "tcp", "RMAN backups to tape"),
        ("backup01", "nfs01", 2049, "tcp", "file backup of the images to tape"),
        ("batch01", "db01", 1521, "tcp", "nightly jobs (sqlplus, SQL*Net clear text)"),
        ("batch01", "db02", 1521, "tcp", "nightly jobs (sqlplus, SQL*Net clear text)"),
        ("batch01", "ftp01", 22, "tcp", "fetch the supplier feeds (SFTP)"),
        ("batch01", "nfs01", 2049, "tcp", "sitemap and product feed exports"),
        ("batch01", "mail01", 25, "tcp", "job reports (SMTP)"),
        ("report01", "db01", 1521, "tcp", "BI reports run on the production database"),
        ("test01", "db01", 1521, "tcp", "stale test build: nightly smoke test against production"),
        ("mail01", "internet", 25, "tcp", "outbound e-mail"),
    ]
    monitored = [s[0] for s in SERVERS if s[0] not in ("mon01", "test01")]
    for host in monitored:
        if host in APPLIANCES:
            rows.append(("mon01", host, 161, "udp", "SNMP polling"))
        else:
            rows.append(("mon01", host, 5666, "tcp", "Nagios NRPE checks"))
    rows += [("bastion01", h, 22, "tcp", "admin SSH") for h in monitored if h != "bastion01"]
    rows += [("bastion01", h, 443, "tcp", "appliance admin GUI (HTTPS)")
             for h in sorted(APPLIANCES)]  # fmt: skip
    for host, *_ in SERVERS:
        if host in APPLIANCES or host in SHARED:
            continue
        rows.append((host, "dns01", 53, "udp", "name resolution"))
        rows.append((host, "ad01", 389, "tcp", "staff logins (LDAP, SSSD / domain join)"))
    rows.append(("ad01", "dns01", 53, "udp", "name resolution"))
    return rows


def depends_on(flows: list[tuple[str, str, int, str, str]]) -> dict[str, list[str]]:
    """A host depends on the hosts it opens connections to, except the monitoring and admin
    flows (mon01 and bastion01 watch and reach every host; they do not need them to work)."""
    hosts = {s[0] for s in SERVERS}
    deps: dict[str, set[str]] = {h: set() for h in hosts}
    for source, target, *_ in flows:
        if source in ("mon01", "bastion01") or source not in hosts or target not in hosts:
            continue
        deps[source].add(target)
    return {h: sorted(d) for h, d in deps.items()}


# category, item, annual_cost_usd, notes
def onprem_costs() -> list[tuple[str, str, int, str]]:
    licence = {s[0]: s[12] for s in SERVERS}
    oracle = licence["db01"] + licence["db02"]
    rhel = sum(s[12] for s in SERVERS if s[11] == "RHEL Server subscription")
    windows = licence["ad01"]
    return [
        ("hardware", "x86 server depreciation", 96000,
         "19 servers bought 2018-2021, 5-year straight line"),
        ("hardware", "hardware maintenance contracts", 38500, "vendor next-business-day support"),
        ("hardware", "SAN array support (san01)", licence["san01"], "NetApp support contract"),
        ("hardware", "load balancer and firewall support (lb01, fw01)",
         licence["lb01"] + licence["fw01"], "F5 and Cisco support contracts"),
        ("licences", "Oracle Database EE + RAC support (db01, db02)", oracle,
         "16 processors at 22% of list, renews every April"),
        ("licences", "Red Hat Enterprise Linux subscriptions", rhel, "RHEL Server, per host"),
        ("licences", "Windows Server and CALs (ad01)", windows, "directory server"),
        ("licences", "Veritas NetBackup and Windows (backup01)", licence["backup01"],
         "media server and tape library licence"),
        ("licences", "Crystal Reports Server and Windows (report01)", licence["report01"],
         "BI reporting"),
        ("data centre", "rack space (4 racks, colocation)", 57600, "USD 1,200 per rack-month"),
        ("data centre", "power and cooling", 42300, "avg 24 kW at USD 0.20/kWh incl. PUE 1.6"),
        ("network", "internet transit 1 Gbps (two carriers)", 26400, "committed rate contracts"),
        ("network", "MPLS link to the head office", 14400, "staff access, AD replication"),
        ("network", "TLS certificates and DNS domains", 2100, "EV certificate for the shop"),
        ("backup", "LTO-6 tapes and off-site tape storage", 9600, "weekly courier to the vault"),
        ("staff", "database administration (0.5 FTE)", 65000, "Oracle DBA, RAC patching"),
        ("staff", "system administration (1.5 FTE)", 150000, "patching, hardware, backups"),
        ("staff", "on-call allowance", 18000, "24x7 rota for the shop"),
    ]  # fmt: skip


# service, unit, usd_per_unit, notes (us-east-1 list prices, rounded: for the exercises only)
AWS_PRICES = [
    ("fargate", "vCPU-hour", 0.04048, "Linux/x86, on demand"),
    ("fargate", "GB-hour", 0.004445, "memory"),
    ("fargate-spot", "vCPU-hour", 0.01334, "interruptible"),
    ("fargate-spot", "GB-hour", 0.00146, "interruptible"),
    ("aurora-postgresql", "db.r6g.large instance-hour", 0.26, "2 vCPU, 16 GiB"),
    ("aurora-postgresql", "db.r6g.xlarge instance-hour", 0.519, "4 vCPU, 32 GiB"),
    ("aurora-postgresql", "db.r6g.2xlarge instance-hour", 1.038, "8 vCPU, 64 GiB"),
    ("aurora-postgresql", "db.r6g.4xlarge instance-hour", 2.076, "16 vCPU, 128 GiB"),
    ("aurora-postgresql", "db.serverless ACU-hour", 0.12, "Aurora Serverless v2"),
    ("aurora-postgresql", "storage GB-month", 0.10, "Aurora Standard"),
    ("aurora-postgresql", "I/O per million requests", 0.20, "Aurora Standard"),
    ("aurora-postgresql", "backup storage GB-month", 0.021, "beyond the free 100% of storage"),
    ("rds-postgresql", "db.r6g.large instance-hour", 0.225, "single-AZ"),
    ("ec2", "m6i.large instance-hour", 0.096, "2 vCPU, 8 GiB, Linux"),
    ("ec2", "m6i.xlarge instance-hour", 0.192, "4 vCPU, 16 GiB, Linux"),
    ("ec2", "t3.small instance-hour", 0.0208, "2 vCPU, 2 GiB, Linux"),
    ("ec2", "t3.medium instance-hour", 0.0416, "2 vCPU, 4 GiB, Linux"),
    ("ebs", "gp3 GB-month", 0.08, "volume storage"),
    ("ebs", "snapshot GB-month", 0.05, "standard tier"),
    ("s3", "Standard GB-month", 0.023, "first 50 TB"),
    ("s3", "Standard-IA GB-month", 0.0125, "infrequent access"),
    ("s3", "Glacier Deep Archive GB-month", 0.00099, "archive"),
    ("s3", "PUT/COPY/POST/LIST per 1,000 requests", 0.005, "Standard"),
    ("s3", "GET per 1,000 requests", 0.0004, "Standard"),
    ("cloudfront", "data transfer out GB", 0.085, "first 10 TB, North America/Europe"),
    ("cloudfront", "HTTPS per 10,000 requests", 0.01, ""),
    ("alb", "hour", 0.0225, "per load balancer"),
    ("alb", "LCU-hour", 0.008, "load balancer capacity units"),
    ("nat-gateway", "hour", 0.045, "per gateway"),
    ("nat-gateway", "GB processed", 0.045, ""),
    ("waf", "web ACL-month", 5.00, ""),
    ("waf", "rule-month", 1.00, ""),
    ("waf", "per million requests", 0.60, ""),
    ("cloudwatch", "custom metric-month", 0.30, "first 10,000"),
    ("cloudwatch", "logs ingested GB", 0.50, ""),
    ("cloudwatch", "logs stored GB-month", 0.03, ""),
    ("cloudwatch", "alarm-month", 0.10, "standard resolution"),
    ("backup", "warm storage GB-month", 0.05, "AWS Backup, EBS/RDS/Aurora"),
    ("backup", "cold storage GB-month", 0.01, ""),
    ("data-transfer", "internet out GB", 0.09, "first 10 TB from EC2/ALB"),
    ("dms", "dms.r5.large instance-hour", 0.21, "replication instance"),
    ("ses", "per 1,000 e-mails", 0.10, ""),
    ("transfer-family", "SFTP endpoint-hour", 0.30, ""),
    ("route53", "hosted zone-month", 0.50, ""),
    ("secrets-manager", "secret-month", 0.40, ""),
    ("kms", "key-month", 1.00, "customer managed key"),
]


def write_csv(path: Path, header: list[str], rows: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def product_image(sku: str) -> bytes:
    from PIL import Image, ImageDraw

    rng = random.Random(f"{SEED}:{sku}")
    bg = tuple(rng.randint(200, 245) for _ in range(3))
    fg = tuple(rng.randint(40, 160) for _ in range(3))
    img = Image.new("RGB", (96, 96), bg)
    draw = ImageDraw.Draw(img)
    shape = rng.choice(("ellipse", "rectangle", "triangle", "diamond"))
    x0, y0 = rng.randint(10, 22), rng.randint(8, 16)
    x1, y1 = rng.randint(74, 86), rng.randint(62, 70)
    if shape == "ellipse":
        draw.ellipse((x0, y0, x1, y1), fill=fg)
    elif shape == "rectangle":
        draw.rectangle((x0, y0, x1, y1), fill=fg)
    elif shape == "triangle":
        draw.polygon([((x0 + x1) // 2, y0), (x1, y1), (x0, y1)], fill=fg)
    else:
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        draw.polygon([(cx, y0), (x1, cy), (cx, y1), (x0, cy)], fill=fg)
    draw.rectangle((0, 76, 95, 95), fill=(255, 255, 255))
    draw.text((8, 80), sku, fill=(30, 30, 30))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=60, optimize=True)
    return out.getvalue()


def banner(text: str, colour: tuple[int, int, int]) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 120), colour)
    draw = ImageDraw.Draw(img)
    draw.rectangle((10, 10, 469, 109), outline=(255, 255, 255), width=3)
    draw.text((28, 52), text, fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    return out.getvalue()


BANNERS = {
    "spring-sale": ("SPRING SALE - up to 30% off garden and outdoor", (46, 125, 50)),
    "free-shipping": ("FREE SHIPPING on orders over $50", (21, 101, 192)),
    "loyalty": ("GOLD members: double loyalty points this month", (183, 128, 0)),
}


def generate(out: Path = HERE) -> None:
    out = Path(out)
    flows = connections()
    deps = depends_on(flows)
    write_csv(
        out / "inventory" / "servers.csv",
        COLUMNS,
        [[*s, ";".join(deps[s[0]])] for s in SERVERS],
    )
    write_csv(
        out / "inventory" / "connections.csv",
        ["source", "target", "port", "protocol", "purpose"],
        flows,
    )
    write_csv(
        out / "costs" / "onprem_costs.csv",
        ["category", "item", "annual_cost_usd", "notes"],
        onprem_costs(),
    )
    write_csv(
        out / "costs" / "aws_prices.csv",
        ["service", "unit", "usd_per_unit", "notes"],
        [(s, u, f"{p:g}", n) for s, u, p, n in AWS_PRICES],
    )
    products = out / "nfs" / "images" / "products"
    products.mkdir(parents=True, exist_ok=True)
    for sku in SKUS:
        (products / f"{sku}.jpg").write_bytes(product_image(sku))
    banners = out / "nfs" / "images" / "banners"
    banners.mkdir(parents=True, exist_ok=True)
    for name, (text, colour) in BANNERS.items():
        (banners / f"{name}.png").write_bytes(banner(text, colour))


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
