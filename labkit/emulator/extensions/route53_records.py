"""Route 53 DELETE removes exactly the record set it names, as Route 53 does.

moto deletes by name (and type) when the change has no ``SetIdentifier``, and by set
identifier alone when it has one: deleting a stray simple record also deleted the failover
records of the same name, and deleting the ``primary`` failover record of one name deleted
every record called ``primary`` in the zone. Here a DELETE removes the record set whose name,
type and set identifier it gives (after moto's own check that the values match what was
created). Other actions go to moto unchanged, in the order of the batch.
"""

from __future__ import annotations

import copy
from typing import Any

from labkit.emulator.extensions import EmulatorContext


def _norm(name: str) -> str:
    return name.lower().rstrip(".")


def _check_delete(zone: Any, change: dict[str, Any]) -> None:
    """moto's own rules for a DELETE: a valid name, and the values it was created with."""
    from moto.route53.exceptions import InvalidInput
    from moto.route53.utils import validate_domain_name

    wanted = change["ResourceRecordSet"]
    validate_domain_name(wanted["Name"], code="InvalidChangeBatch")
    if not zone.rr_changes.has_insert_or_update(wanted):
        raise InvalidInput(
            "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and "
            "ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with "
            f"[Action=DELETE, Name={wanted['Name']}, Type={wanted.get('Type')}, "
            f"SetIdentifier={wanted.get('SetIdentifier', 'null')}]"
        )


def _delete_exactly(zone: Any, change: dict[str, Any]) -> None:
    wanted = change["ResourceRecordSet"]
    key = (_norm(wanted["Name"]), wanted.get("Type"), wanted.get("SetIdentifier"))
    zone.rrsets = [r for r in zone.rrsets if (_norm(r.name), r.type, r.set_identifier) != key]
    zone.rr_changes.append(copy.deepcopy(change))


def _patch_moto() -> None:
    from moto.route53.models import Route53Backend

    if getattr(Route53Backend, "_labkit_route53_records", False):
        return
    Route53Backend._labkit_route53_records = True
    original = Route53Backend.change_resource_record_sets

    def change_resource_record_sets(self: Any, zoneid: str, change_list: list) -> None:
        zone = self.get_hosted_zone(zoneid)
        for change in change_list:  # as moto does: every DELETE checked before any change
            if change.get("Action") == "DELETE":
                _check_delete(zone, change)
        pending: list = []
        for change in change_list:
            if change.get("Action") != "DELETE":
                pending.append(change)
                continue
            if pending:
                original(self, zoneid, pending)
                pending = []
            _delete_exactly(zone, change)
        if pending:
            original(self, zoneid, pending)

    Route53Backend.change_resource_record_sets = change_resource_record_sets


def install(ctx: EmulatorContext) -> None:
    _patch_moto()
