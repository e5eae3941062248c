"""Out-of-kernel state checks of p1_w05_testing (instructor-only, never shipped).

Tasks 1-3 and 5 are measured in the learner's kernel (tests run against broken copies of the
shop, samples, figure, report); tasks 4 and 5 change the database and the account, so its fixes are re-checked here
from the grader's process.
"""

from __future__ import annotations

import re

import psycopg

from labkit.checks import expect

SECRET_NAME = re.compile(r"(DATABASE_URL|PASSWORD|PASSWD|SECRET|TOKEN)", re.I)
URL_WITH_PASSWORD = re.compile(r"://[^/\s:@]+:[^/\s@]+@")


def security_controls(lab) -> None:
    names = lab.names
    rds, ec2 = lab.client("rds"), lab.client("ec2")
    sm, ecs = lab.client("secretsmanager"), lab.client("ecs")
    instance = rds.describe_db_instances(DBInstanceIdentifier=names["db_instance"])["DBInstances"][
        0
    ]
    expect(instance.get("StorageEncrypted"), f"{names['db_instance']} is not encrypted")
    expect(
        not instance.get("PubliclyAccessible"),
        f"{names['db_instance']} is still publicly accessible",
    )
    groups = [g["VpcSecurityGroupId"] for g in instance["VpcSecurityGroups"]]
    expect(groups, f"{names['db_instance']} has no security group")
    for group in ec2.describe_security_groups(GroupIds=groups)["SecurityGroups"]:
        sources = set()
        for rule in group["IpPermissions"]:
            expect(
                not rule.get("IpRanges") and not rule.get("Ipv6Ranges"),
                f"{group['GroupName']} still admits CIDR ranges",
            )
            expect(
                (rule.get("FromPort"), rule.get("ToPort")) == (5432, 5432),
                f"{group['GroupName']} opens ports other than 5432",
            )
            sources |= {p["GroupId"] for p in rule.get("UserIdGroupPairs", [])}
        expect(
            sources == {names["sg_app_id"]},
            f"{group['GroupName']} admits {sorted(sources)}, not only {names['sg_app']}",
        )
    secret = sm.describe_secret(SecretId=names["db_secret"])
    expect(secret.get("RotationEnabled"), f"rotation is off on {names['db_secret']}")
    expect(
        secret.get("RotationLambdaARN") == names["rotation_function_arn"],
        "the secret must rotate with the platform team's rotation function",
    )
    expect(
        0 < (secret.get("RotationRules") or {}).get("AutomaticallyAfterDays", 0) <= 30,
        "rotate the secret every 30 days or less",
    )
    td = ecs.describe_task_definition(taskDefinition=names["task_family"])["taskDefinition"]
    container = next(
        (c for c in td["containerDefinitions"] if c["name"] == names["container"]), None
    )
    expect(container, f"the latest {names['task_family']} has no container {names['container']}")
    for variable in container.get("environment", []):
        expect(
            not SECRET_NAME.search(variable["name"])
            and not URL_WITH_PASSWORD.search(variable["value"]),
            f"the latest {names['task_family']} has {variable['name']} in plain environment",
        )
    secrets = {s["name"]: s["valueFrom"] for s in container.get("secrets", [])}
    expect(
        secrets.get("DATABASE_URL") == names["db_secret_arn"],
        "DATABASE_URL must come from the database secret",
    )


def customer_index(lab) -> None:
    url = lab.client("secretsmanager").get_secret_value(SecretId=lab.names["db_secret"])[
        "SecretString"
    ]
    with psycopg.connect(url, connect_timeout=10) as conn:
        definitions = [
            row[0]
            for row in conn.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'"
                " AND tablename = 'orders'"
            ).fetchall()
        ]
        plan = "\n".join(
            row[0]
            for row in conn.execute(
                "EXPLAIN SELECT order_id FROM orders WHERE customer_id = 4242"
                " ORDER BY order_date DESC, order_id DESC LIMIT 100"
            ).fetchall()
        )
    expect(
        any(re.search(r"\(customer_id[,)]", d) for d in definitions),
        "no index on orders whose first column is customer_id in the staging database",
    )
    expect("Seq Scan on orders" not in plan, "the order history query still scans all orders")


CHECKS = {"optimize_tests": customer_index, "security_tests": security_controls}
