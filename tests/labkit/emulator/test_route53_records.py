"""Route 53 DELETE removes exactly the record set it names (name, type, set identifier)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.conftest import emulator_client

ZONE = "records.example."


def _change(action: str, name: str, value: str, **extra) -> dict:
    rrset = {"Name": name, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": value}]}
    return {"Action": action, "ResourceRecordSet": {**rrset, **extra}}


def _names(r53, zone_id: str) -> list[tuple[str, str, str | None]]:
    sets = r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return sorted(
        (s["Name"], s["Type"], s.get("SetIdentifier"))
        for s in sets
        if s["Type"] not in ("NS", "SOA")
    )


def test_delete_matches_name_type_and_set_identifier(fresh_emulator):
    r53 = emulator_client(fresh_emulator.endpoint_url, "route53")
    zone_id = r53.create_hosted_zone(Name=ZONE, CallerReference="records-1")["HostedZone"]["Id"]
    primary = {"SetIdentifier": "primary", "Failover": "PRIMARY"}
    secondary = {"SetIdentifier": "secondary", "Failover": "SECONDARY"}
    weighted = {"SetIdentifier": "primary", "Weight": 10}  # same set id, another name
    changes = [
        _change("CREATE", f"app.{ZONE}", "127.0.0.1", **primary),
        _change("CREATE", f"app.{ZONE}", "127.0.0.2", **secondary),
        _change("CREATE", f"api.{ZONE}", "127.0.0.3", **weighted),
        _change("CREATE", f"www.{ZONE}", "127.0.0.4"),
    ]
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
    txt = {
        "Action": "CREATE",
        "ResourceRecordSet": {
            "Name": f"www.{ZONE}",
            "Type": "TXT",
            "TTL": 60,
            "ResourceRecords": [{"Value": '"x"'}],
        },
    }
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [txt]})

    # the PRIMARY failover record of app goes; api's record with the same set id stays
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={"Changes": [_change("DELETE", f"app.{ZONE}", "127.0.0.1", **primary)]},
    )
    assert _names(r53, zone_id) == [
        (f"api.{ZONE}", "A", "primary"),
        (f"app.{ZONE}", "A", "secondary"),
        (f"www.{ZONE}", "A", None),
        (f"www.{ZONE}", "TXT", None),
    ]
    # deleting www's A record leaves its TXT record
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={"Changes": [_change("DELETE", f"www.{ZONE}", "127.0.0.4")]},
    )
    assert (f"www.{ZONE}", "A", None) not in _names(r53, zone_id)
    assert (f"www.{ZONE}", "TXT", None) in _names(r53, zone_id)

    # a DELETE whose values do not match what was created is refused, as before
    with pytest.raises(ClientError, match="InvalidInput"):
        r53.change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={"Changes": [_change("DELETE", f"app.{ZONE}", "10.9.9.9", **secondary)]},
        )
    assert (f"app.{ZONE}", "A", "secondary") in _names(r53, zone_id)


def test_delete_then_create_in_one_batch_replaces_the_record(fresh_emulator):
    r53 = emulator_client(fresh_emulator.endpoint_url, "route53")
    zone_id = r53.create_hosted_zone(Name=ZONE, CallerReference="records-2")["HostedZone"]["Id"]
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={"Changes": [_change("CREATE", f"db.{ZONE}", "127.0.0.1")]},
    )
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                _change("DELETE", f"db.{ZONE}", "127.0.0.1"),
                _change("CREATE", f"db.{ZONE}", "127.0.0.9"),
            ]
        },
    )
    sets = r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    [db] = [s for s in sets if s["Name"] == f"db.{ZONE}"]
    assert db["ResourceRecords"] == [{"Value": "127.0.0.9"}]
