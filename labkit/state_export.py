"""Snapshot the emulator account as JSON (``labkit export-state``): schema
``cloudlabs.account-state/1``, the input of the portfolio rubric's state rules.

::

    {"schema": "cloudlabs.account-state/1", "exported_at": "...Z", "endpoint_url": "...",
     "account_id": "123456789012", "regions": ["us-east-1"],
     "resources": {"<family>": [{...resource..., "region": "us-east-1"}, ...]},
     "families": {"<family>": {"status": "ok" | "error", "count": int, "error": str | None}},
     "errors": [{"family", "region", "error"}]}

Families are listed in :data:`GLOBAL_FAMILIES` (once per export) and :data:`REGIONAL_FAMILIES`
(once per region); each reader is a small function in ``labkit.state_families``. A family
whose API fails (not emulated, bad request) is recorded in ``errors`` and ``families`` and the
export goes on: it never aborts. Talks to the emulator through boto3 only; no moto internals
are touched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from labkit.sessions import new_session
from labkit.state_families import GLOBAL_FAMILIES, REGIONAL_FAMILIES

__all__ = ["GLOBAL_FAMILIES", "REGIONAL_FAMILIES", "SCHEMA", "export_state", "summary"]


SCHEMA = "cloudlabs.account-state/1"


def _plain(value: Any) -> Any:
    """JSON-safe copy: datetimes as ISO-8601, bytes dropped to their length, metadata removed."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    return value


def export_state(
    endpoint_url: str,
    regions: Iterable[str] = ("us-east-1",),
    families: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Read every family (or only ``families``) from the emulator at ``endpoint_url``."""
    from botocore.config import Config

    regions = list(dict.fromkeys(regions))
    if not regions:
        raise ValueError("at least one region is required")
    wanted = set(families) if families is not None else None
    unknown = (wanted or set()) - set(GLOBAL_FAMILIES) - set(REGIONAL_FAMILIES)
    if unknown:
        raise ValueError(f"unknown families: {', '.join(sorted(unknown))}")
    config = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30)
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "exported_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "endpoint_url": endpoint_url,
        "account_id": None,
        "regions": regions,
        "resources": {},
        "families": {},
        "errors": [],
    }

    def run(name: str, fn: Callable[[Any], list[dict[str, Any]]], region: str, tag: bool) -> None:
        session = new_session(region)

        def client(service: str) -> Any:
            return session.client(service, endpoint_url=endpoint_url, config=config)

        bucket = doc["resources"].setdefault(name, [])
        fam = doc["families"].setdefault(name, {"status": "ok", "count": 0, "error": None})
        try:
            items = [_plain(i) for i in fn(client)]
        except Exception as e:  # one family failing never aborts the export
            first = str(e).strip().splitlines()[0] if str(e).strip() else ""
            msg = f"{type(e).__name__}: {first[:300]}"
            doc["errors"].append({"family": name, "region": region, "error": msg})
            fam.update(status="error", error=msg if not fam["error"] else fam["error"])
            return
        if tag:
            for item in items:
                item["region"] = region
        bucket.extend(items)
        fam["count"] += len(items)

    try:
        sts = new_session(regions[0]).client("sts", endpoint_url=endpoint_url, config=config)
        doc["account_id"] = sts.get_caller_identity()["Account"]
    except Exception as e:
        doc["errors"].append({"family": "account", "region": regions[0], "error": str(e)})
    for name, fn in GLOBAL_FAMILIES.items():
        if wanted is None or name in wanted:
            run(name, fn, regions[0], tag=False)
    for region in regions:
        for name, fn in REGIONAL_FAMILIES.items():
            if wanted is None or name in wanted:
                run(name, fn, region, tag=True)
    return doc


def summary(doc: dict[str, Any]) -> str:
    """One line per family: count, or the error."""
    lines = []
    for name, fam in doc["families"].items():
        what = f"{fam['count']}" if fam["status"] == "ok" else f"error: {fam['error']}"
        lines.append(f"  {name:<22} {what}")
    return "\n".join(lines)
