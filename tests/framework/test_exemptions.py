"""Exemption entries are validated with messages that name the entry and what is accepted."""

import json
from datetime import date

import pytest

from mlwarden_rules import exemptions as ex


def test_policy_config_entry_by_name_pattern_matches_logical_names() -> None:
    (e,) = ex.from_policy_config("p", [{"name": "data-*", "reason": "reviewed and accepted"}])
    assert e.matches("p", "urn:x", "data-bucket")
    assert not e.matches("p", "urn:x", "model-bucket")


def test_urn_pattern_matches_urns() -> None:
    (e,) = ex.from_policy_config("p", [{"urn": "*SecureBucket*", "reason": "reviewed and accepted"}])
    assert e.matches("p", "urn:pulumi:dev::p::mlwarden:storage:SecureBucket$aws:s3/bucket:Bucket::b", "b")


def test_stack_config_entries_apply_only_to_their_policy() -> None:
    raw = json.dumps([{"policy": "a", "name": "*", "reason": "reviewed and accepted"}])
    (e,) = ex.from_stack_config({ex.STACK_CONFIG_KEY: raw})
    assert e.matches("a", "u", "n")
    assert not e.matches("b", "u", "n")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "x"}, "reason must be a string of at least 10 characters"),
        ({"name": "x", "reason": "short"}, "at least 10 characters"),
        ({"reason": "long enough reason"}, "give a urn or a name pattern"),
        ({"name": "x", "reason": "long enough reason", "expires": "tomorrow"}, "expires must be a date"),
        ({"name": "x", "reason": "long enough reason", "colour": "red"}, "unknown keys ['colour']"),
        ("not an object", "must be an object"),
    ],
)
def test_bad_policy_config_entries_are_refused(entry: object, message: str) -> None:
    with pytest.raises(ex.ExemptionError, match=r"p\.exemptions\[0\]") as raised:
        ex.from_policy_config("p", [entry])
    assert message in str(raised.value)


def test_stack_entries_need_a_policy() -> None:
    with pytest.raises(ex.ExemptionError, match="policy must name the policy"):
        ex.from_stack_config({ex.STACK_CONFIG_KEY: json.dumps([{"name": "x", "reason": "long enough reason"}])})


def test_stack_exemptions_must_be_a_list() -> None:
    with pytest.raises(ex.ExemptionError, match="must be a list"):
        ex.from_stack_config({ex.STACK_CONFIG_KEY: json.dumps({"policy": "a"})})


def test_tag_value_carries_an_optional_expiry() -> None:
    value = ex.tag_exemption_value("dev data is synthetic", date(2027, 1, 31))
    assert value == "dev data is synthetic expires=2027-01-31"
    (tagged,) = ex.from_tags("p", {ex.TAG_PREFIX + "p": value})
    assert (tagged.reason, tagged.expires, tagged.unverifiable_only) == (
        "dev data is synthetic",
        date(2027, 1, 31),
        False,
    )


def test_tag_for_another_policy_is_not_an_exemption() -> None:
    assert ex.from_tags("p", {ex.TAG_PREFIX + "q": "some long reason here"}) == []


def test_unknown_at_preview_tag_declares_an_unverifiable_only_exemption() -> None:
    (tagged,) = ex.from_tags("p", {ex.UNKNOWN_TAG_PREFIX + "p": "embeds the key ARN created by this stack"})
    assert tagged.unverifiable_only


def test_unverifiable_only_must_be_a_boolean() -> None:
    with pytest.raises(ex.ExemptionError, match="unverifiableOnly must be true or false"):
        ex.from_policy_config("p", [{"name": "x", "reason": "long enough reason", "unverifiableOnly": "yes"}])


def test_stack_config_is_read_from_the_engines_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"mlwarden:exemptions": "[]", "aws:region": "eu-west-1"}))
    assert ex.stack_config_from_environment()["aws:region"] == "eu-west-1"
