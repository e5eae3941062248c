"""Helpers for the Athena tests: clients, running a query to its end, reading all its rows,
and uploading files DuckDB wrote locally."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import emulator_client

REGION = "us-east-1"
DONE = ("SUCCEEDED", "FAILED", "CANCELLED")


def client(url: str, service: str) -> Any:
    return emulator_client(url, service, REGION)


def name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@dataclass
class Lake:
    """A bucket for data, a bucket for results and a Glue database, all unique to a test."""

    url: str
    bucket: str
    results: str
    database: str

    @classmethod
    def create(cls, url: str) -> Lake:
        lake = cls(url, name("lake").replace("_", "-"), name("res").replace("_", "-"), name("db"))
        client(url, "s3").create_bucket(Bucket=lake.bucket)
        client(url, "s3").create_bucket(Bucket=lake.results)
        client(url, "glue").create_database(DatabaseInput={"Name": lake.database})
        return lake

    @property
    def s3(self) -> Any:
        return client(self.url, "s3")

    @property
    def glue(self) -> Any:
        return client(self.url, "glue")

    @property
    def athena(self) -> Any:
        return client(self.url, "athena")

    @property
    def output(self) -> str:
        return f"s3://{self.results}/out/"

    def start(self, sql: str, **kwargs: Any) -> str:
        kwargs.setdefault("QueryExecutionContext", {"Database": self.database})
        kwargs.setdefault("ResultConfiguration", {"OutputLocation": self.output})
        return self.athena.start_query_execution(QueryString=sql, **kwargs)["QueryExecutionId"]

    def wait(self, qid: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            execution = self.athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
            if execution["Status"]["State"] in DONE:
                return execution
            time.sleep(0.01)
        raise AssertionError(f"query {qid} did not finish within {timeout}s")

    def run(self, sql: str, **kwargs: Any) -> dict[str, Any]:
        """Run to the end; returns the QueryExecution (any final state)."""
        return self.wait(self.start(sql, **kwargs))

    def query(self, sql: str, **kwargs: Any) -> list[list[str | None]]:
        """Run a query that must succeed; all rows (a SELECT's header first) as lists."""
        execution = self.run(sql, **kwargs)
        assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
        return rows(self.athena, execution["QueryExecutionId"])

    def upload(self, local: Path, prefix: str) -> list[str]:
        """Upload a file, or every file under a directory, below ``prefix``; returns keys."""
        files = [local] if local.is_file() else sorted(p for p in local.rglob("*") if p.is_file())
        keys = []
        for path in files:
            rel = path.name if local.is_file() else path.relative_to(local).as_posix()
            key = f"{prefix}{rel}"
            self.s3.upload_file(str(path), self.bucket, key)
            keys.append(key)
        return keys

    def table(self, table: str, columns: dict[str, str], location: str, **extra: Any) -> None:
        """Register a Glue table (``extra`` goes into TableInput; ``serde``/``serde_params``
        and ``input_format`` into its StorageDescriptor)."""
        serde = extra.pop("serde", "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")
        sd: dict[str, Any] = {
            "Columns": [{"Name": k, "Type": v} for k, v in columns.items()],
            "Location": location,
            "SerdeInfo": {
                "SerializationLibrary": serde,
                "Parameters": extra.pop("serde_params", {}),
            },
        }
        if "input_format" in extra:
            sd["InputFormat"] = extra.pop("input_format")
        self.glue.create_table(
            DatabaseName=self.database,
            TableInput={"Name": table, "StorageDescriptor": sd, **extra},
        )


def rows(athena: Any, qid: str, page_size: int | None = None) -> list[list[str | None]]:
    found: list[list[str | None]] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"QueryExecutionId": qid}
        if page_size:
            kwargs["MaxResults"] = page_size
        if token:
            kwargs["NextToken"] = token
        page = athena.get_query_results(**kwargs)
        found += [[d.get("VarCharValue") for d in r["Data"]] for r in page["ResultSet"]["Rows"]]
        token = page.get("NextToken")
        if not token:
            return found


def text(value: Any) -> str | None:
    """A DuckDB value as the text Athena prints for the types the tests compare."""
    return None if value is None else str(value)
