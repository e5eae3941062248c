"""labkit.checks: the helpers lab test cells use to fail with a learner-facing message."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from labkit.checks import as_list, expect, find_named, find_one, statements, tag, tags


def named(name: str | None, **fields) -> dict:
    item = dict(fields)
    if name is not None:
        item["Tags"] = [{"Key": "Name", "Value": name}, {"Key": "Tier", "Value": "app"}]
    return item


class TestExpect:
    def test_truthy_condition_passes(self):
        assert expect(True, "never shown") is None
        assert expect([1], "never shown") is None

    @pytest.mark.parametrize("falsy", [False, None, 0, "", [], {}])
    def test_falsy_condition_raises_assertion_error_with_the_message(self, falsy):
        with pytest.raises(AssertionError) as info:
            expect(falsy, "the VPC needs DNS hostnames")
        assert str(info.value) == "the VPC needs DNS hostnames"


class TestTags:
    def test_ec2_style_list(self):
        resource = {"Tags": [{"Key": "Name", "Value": "lz-vpc"}, {"Key": "Tier", "Value": "data"}]}
        assert tags(resource) == {"Name": "lz-vpc", "Tier": "data"}

    def test_s3_tagset_and_lower_case_keys(self):
        assert tags({"TagSet": [{"Key": "a", "Value": "1"}]}) == {"a": "1"}
        assert tags({"tags": [{"key": "b", "value": "2"}]}) == {"b": "2"}

    def test_flat_mapping(self):
        assert tags({"tags": {"Tier": "app"}}) == {"Tier": "app"}

    def test_no_tags(self):
        assert tags({}) == {}
        assert tags({"Tags": None}) == {}
        assert tags({"Tags": []}) == {}

    def test_tag_value_or_none(self):
        resource = named("lz-app-sg")
        assert tag(resource, "Name") == "lz-app-sg"
        assert tag(resource, "Tier") == "app"
        assert tag(resource, "Owner") is None
        assert tag({}, "Name") is None


class TestFindNamed:
    def test_returns_the_single_match(self):
        items = [named("a", Id=1), named("lz-vpc", Id=2), named(None, Id=3)]
        assert find_named(items, "lz-vpc", "VPC")["Id"] == 2

    def test_accepts_a_generator(self):
        assert find_named((i for i in [named("x", Id=7)]), "x", "subnet")["Id"] == 7

    def test_none_found_names_what_and_lists_existing_names(self):
        items = [named("lz-public-a"), named("lz-public-b"), named(None)]
        with pytest.raises(AssertionError) as info:
            find_named(items, "lz-data-a", "subnet")
        message = str(info.value)
        assert "no subnet with the Name tag 'lz-data-a'" in message
        assert "lz-public-a, lz-public-b" in message

    def test_none_found_in_an_empty_list(self):
        with pytest.raises(AssertionError, match=r"^no VPC with the Name tag 'lz-vpc' found$"):
            find_named([], "lz-vpc", "VPC")

    def test_duplicates_fail_and_say_how_many(self):
        items = [named("lz-nat", Id=1), named("lz-nat", Id=2)]
        with pytest.raises(AssertionError, match=r"2 NAT gateways carry the Name tag 'lz-nat'"):
            find_named(items, "lz-nat", "NAT gateway")

    def test_returns_a_copy(self):
        item = named("a", Id=1)
        found = find_named([item], "a", "thing")
        found["Id"] = 99
        assert item["Id"] == 1


class TestFindOne:
    def test_matches_on_all_fields(self):
        items = [
            {"CidrBlock": "10.0.1.0/24", "AvailabilityZone": "us-east-1a", "Id": 1},
            {"CidrBlock": "10.0.1.0/24", "AvailabilityZone": "us-east-1b", "Id": 2},
        ]
        hit = find_one(items, "subnet", CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1b")
        assert hit["Id"] == 2

    def test_no_match(self):
        with pytest.raises(AssertionError, match=r"no subnet with CidrBlock='10.9.0.0/24'"):
            find_one([{"CidrBlock": "10.0.1.0/24"}], "subnet", CidrBlock="10.9.0.0/24")

    def test_several_matches(self):
        items = [{"State": "available"}, {"State": "available"}]
        with pytest.raises(AssertionError, match=r"2 NAT gateways have State='available'"):
            find_one(items, "NAT gateway", State="available")


class TestAsList:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (None, []),
            ("s3:GetObject", ["s3:GetObject"]),
            (["a", "b"], ["a", "b"]),
            (("a",), ["a"]),
            ({"Service": "x"}, [{"Service": "x"}]),
        ],
    )
    def test_shapes(self, value, expected):
        assert as_list(value) == expected


class TestStatements:
    DOC = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"},
            {"Effect": "Deny", "Action": ["cloudtrail:StopLogging"], "Resource": "*"},
        ],
    }

    def test_from_a_dict(self):
        found = statements(self.DOC)
        assert [s["Action"] for s in found] == [
            "organizations:LeaveOrganization",
            ["cloudtrail:StopLogging"],
        ]

    def test_from_json_text(self):
        assert statements(json.dumps(self.DOC)) == self.DOC["Statement"]

    def test_from_url_encoded_json(self):
        assert statements(quote(json.dumps(self.DOC))) == self.DOC["Statement"]

    def test_single_statement_object_becomes_a_list(self):
        doc = {"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}
        assert statements(doc) == [doc["Statement"]]

    def test_invalid_json_is_a_failed_check(self):
        with pytest.raises(AssertionError, match="not valid JSON"):
            statements('{"Statement": [')

    def test_no_statement_is_a_failed_check(self):
        with pytest.raises(AssertionError, match="no Statement"):
            statements({"Version": "2012-10-17"})

    def test_non_object_document_or_statement(self):
        with pytest.raises(AssertionError, match="JSON object"):
            statements("[1, 2]")
        with pytest.raises(AssertionError, match="must be an object"):
            statements({"Statement": ["Allow"]})
