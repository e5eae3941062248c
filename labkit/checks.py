"""Small helpers for a lab's test cells: checks that fail with a message a learner can act on.

A test cell reads the emulator's state with boto3 and checks it::

    from labkit.checks import expect, find_named, tag

    vpc = find_named(ec2.describe_vpcs()["Vpcs"], "lz-vpc", "VPC")
    expect(vpc["CidrBlock"] == "10.0.0.0/16",
           f"VPC lz-vpc has CIDR {vpc['CidrBlock']}; the landing zone needs 10.0.0.0/16")

Every failure is an ``AssertionError`` (what nbgrader counts as a failed test) whose message says
what was expected and what was found, never a bare ``assert`` or a ``KeyError``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

__all__ = ["expect", "tags", "tag", "find_named", "find_one", "as_list", "statements"]


def expect(condition: object, message: str) -> None:
    """Fail the check with ``message`` unless ``condition`` is truthy.

    Unlike ``assert``, it is not stripped by ``python -O`` and always carries a message.
    """
    if not condition:
        raise AssertionError(message)


def tags(resource: Mapping[str, Any]) -> dict[str, str]:
    """A resource's tags as a dict, whatever the service's shape.

    Accepts EC2-style ``Tags: [{"Key": k, "Value": v}]`` (also ``TagSet`` and lower-case
    ``key``/``value``) and already-flat ``Tags: {k: v}``. No tags gives ``{}``.
    """
    raw = resource.get("Tags", resource.get("TagSet", resource.get("tags")))
    if not raw:
        return {}
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items()}
    out: dict[str, str] = {}
    for item in raw:
        key = item.get("Key", item.get("key"))
        if key is not None:
            out[str(key)] = str(item.get("Value", item.get("value", "")))
    return out


def tag(resource: Mapping[str, Any], key: str) -> str | None:
    """The value of tag ``key`` on ``resource``, or ``None`` when it is not tagged so."""
    return tags(resource).get(key)


def find_one(items: Iterable[Mapping[str, Any]], what: str, **fields: Any) -> dict[str, Any]:
    """The single item whose top-level fields equal ``fields``, e.g. ``CidrBlock="10.0.1.0/24"``.

    Fails with a message naming ``what`` when none or several match.
    """
    items = list(items)
    wanted = ", ".join(f"{k}={v!r}" for k, v in fields.items())
    hits = [i for i in items if all(i.get(k) == v for k, v in fields.items())]
    expect(hits, f"no {what} with {wanted} found ({len(items)} {what}(s) looked at)")
    expect(len(hits) == 1, f"{len(hits)} {what}s have {wanted}; expected exactly one")
    return dict(hits[0])


def find_named(items: Iterable[Mapping[str, Any]], name: str, what: str) -> dict[str, Any]:
    """The single item whose ``Name`` tag is ``name`` (EC2 VPCs, subnets, gateways, ...).

    Fails with a message naming ``what`` and ``name`` when there is none (listing the names
    that do exist) or when several share the name (a re-run cell that created a duplicate).
    """
    items = list(items)
    hits = [i for i in items if tag(i, "Name") == name]
    if not hits:
        seen = sorted({n for n in (tag(i, "Name") for i in items) if n})
        also = f"; Name tags found: {', '.join(seen)}" if seen else ""
        raise AssertionError(f"no {what} with the Name tag {name!r} found{also}")
    expect(
        len(hits) == 1,
        f"{len(hits)} {what}s carry the Name tag {name!r}; expected exactly one "
        f"(did a re-run create a duplicate? delete the extra one)",
    )
    return dict(hits[0])


def as_list(value: Any) -> list[Any]:
    """``value`` as a list: ``None`` -> ``[]``, a single item -> ``[item]``, a list unchanged.

    Policy fields such as ``Action``, ``Resource`` and ``Principal.Service`` may be a string or
    a list; this gives one shape to check.
    """
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def statements(document: str | Mapping[str, Any]) -> list[dict[str, Any]]:
    """The statements of a policy document, each a dict.

    ``document`` may be a dict (what boto3 returns for IAM) or JSON text, URL-encoded or not
    (what Organizations and raw IAM responses return). A single statement object becomes a
    one-item list.
    """
    if isinstance(document, str):
        text = document.strip()
        if not text.startswith("{"):
            text = unquote(text)
        try:
            document = json.loads(text)
        except json.JSONDecodeError as e:
            raise AssertionError(f"the policy document is not valid JSON: {e}") from None
    expect(isinstance(document, Mapping), "a policy document must be a JSON object")
    found = as_list(document.get("Statement"))
    expect(found, "the policy document has no Statement")
    expect(
        all(isinstance(s, Mapping) for s in found),
        "every entry of the policy's Statement must be an object",
    )
    return [dict(s) for s in found]
