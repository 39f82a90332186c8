"""CloudTrail: selector semantics behind the coverage rules, remediations, and catalogue metadata."""

from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb
from testkit.cases import urn_of

from mlwarden_rules.facts.cloudtrail import (
    TRAIL,
    BucketRef,
    ManagementCoverage,
    management_coverage,
    trail_facts,
)
from mlwarden_rules.model import Level, Severity
from mlwarden_rules.pack import build_analyzer
from mlwarden_rules.registry import by_name
from mlwarden_rules.resources import ResourceView
from mlwarden_rules.values import Unknown, from_wire


def remediate(
    rule: str, type_: str, props: dict[str, Any], config: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Run the rule's remediation through the analyzer service at level ``remediate``."""
    analyzer = build_analyzer([by_name()[rule]])
    analyzer.ConfigureStack(pb.AnalyzerStackConfigureRequest(stack="dev", project="t"), None)
    settings = struct_pb2.Struct()
    settings.update(config or {})
    analyzer.Configure(
        pb.ConfigureAnalyzerRequest(
            policyConfig={rule: pb.PolicyConfig(enforcementLevel=pb.REMEDIATE, properties=settings)}
        ),
        None,
    )
    wire = struct_pb2.Struct()
    wire.update(props)
    response = analyzer.Remediate(
        pb.AnalyzeRequest(type=type_, name="r", urn=urn_of(type_, "r"), properties=wire), None
    )
    return [json_format.MessageToDict(r.properties) for r in response.remediations]


def test_remediations_turn_on_logging_validation_and_regions() -> None:
    assert remediate("cloudtrail-logging-enabled", TRAIL, {"enableLogging": False})[0]["enableLogging"] is True
    assert remediate("cloudtrail-log-file-validation", TRAIL, {})[0]["enableLogFileValidation"] is True
    fixed = remediate("cloudtrail-multi-region", TRAIL, {"includeGlobalServiceEvents": False})[0]
    assert fixed["isMultiRegionTrail"] is True
    assert fixed["includeGlobalServiceEvents"] is True


def test_remediation_leaves_compliant_trails_alone() -> None:
    assert remediate("cloudtrail-log-file-validation", TRAIL, {"enableLogFileValidation": True}) == []
    assert remediate("cloudtrail-multi-region", TRAIL, {"isMultiRegionTrail": True}) == []


@pytest.mark.parametrize(
    ("value", "relation"),
    [
        ("arn:aws:s3", "all"),
        ("arn:aws:s3:::", "all"),
        ("arn:aws-us-gov:s3:::data/", "all"),
        ("arn:aws:s3:::data/", "all"),
        ("arn:aws:s3:::dat", "all"),  # a prefix of the bucket name covers it (and others)
        ("arn:aws:s3:::data/train/", "some"),
        ("arn:aws:s3:::database/", "none"),
        ("arn:aws:lambda", "none"),
    ],
)
def test_arn_prefix_relations(value: str, relation: str) -> None:
    assert BucketRef("data", depends=False).relation(value) == relation


def test_unknown_values_relate_through_the_dependency() -> None:
    assert BucketRef("data", depends=True).relation(Unknown("x")) == "all"
    assert BucketRef("data", depends=False).relation(Unknown("x")) == "none"
    assert isinstance(BucketRef(Unknown("bucket"), depends=False).relation("arn:aws:s3:::data/"), Unknown)
    assert BucketRef(Unknown("bucket"), depends=False).relation("arn:aws:s3") == "all"


def _coverage(props: dict[str, Any]) -> ManagementCoverage:
    return management_coverage(trail_facts(ResourceView(TRAIL, "t", "urn:t", from_wire(props))))


def test_management_events_split_across_basic_selectors_still_count() -> None:
    found = _coverage(
        {
            "eventSelectors": [
                {"readWriteType": "ReadOnly", "excludeManagementEventSources": ["kms.amazonaws.com"]},
                {"readWriteType": "WriteOnly"},
            ]
        }
    )
    # Reads and writes are recorded, but KMS reads (Decrypt) are not.
    assert (found.read, found.write, found.kms) == (True, True, False)


def test_event_source_narrowing_is_reported() -> None:
    found = _coverage(
        {
            "advancedEventSelectors": [
                {
                    "name": "iam-only",
                    "fieldSelectors": [
                        {"field": "eventCategory", "equals": ["Management"]},
                        {"field": "eventSource", "equals": ["iam.amazonaws.com"]},
                    ],
                }
            ]
        }
    )
    assert found.read is False
    assert "selected event sources" in found.narrowed


def test_event_data_store_suspension_stops_recording() -> None:
    eds = "aws:cloudtrail/eventDataStore:EventDataStore"
    assert trail_facts(ResourceView(eds, "lake", "urn:l", {"suspend": "true"})).is_recording is False
    assert trail_facts(ResourceView(eds, "lake", "urn:l", {})).is_recording is True


def test_malformed_selectors_do_not_raise() -> None:
    facts = trail_facts(
        ResourceView(
            TRAIL, "t", "urn:t", {"advancedEventSelectors": ["oops", {"fieldSelectors": "nope"}], "eventSelectors": 3}
        )
    )
    assert management_coverage(facts).read is False


EXPECTED = {
    # name: (severity, default level, CIS)
    "cloudtrail-logging-enabled": (Severity.HIGH, Level.MANDATORY, ("3.1",)),
    "cloudtrail-multi-region": (Severity.MEDIUM, Level.MANDATORY, ("3.1",)),
    "cloudtrail-log-file-validation": (Severity.MEDIUM, Level.MANDATORY, ("3.2",)),
    "cloudtrail-kms-encrypted": (Severity.MEDIUM, Level.MANDATORY, ("3.5",)),
    "cloudtrail-cloudwatch-logs-delivery": (Severity.MEDIUM, Level.MANDATORY, ()),
    "cloudtrail-management-events": (Severity.MEDIUM, Level.MANDATORY, ("3.1",)),
    "cloudtrail-basic-and-advanced-selectors-conflict": (Severity.MEDIUM, Level.MANDATORY, ()),
    "cloudtrail-data-bucket-data-events": (Severity.HIGH, Level.MANDATORY, ("3.8",)),
    "cloudtrail-data-bucket-read-events": (Severity.MEDIUM, Level.ADVISORY, ("3.9",)),
    "cloudtrail-ml-api-events": (Severity.MEDIUM, Level.ADVISORY, ()),
    "cloudtrail-in-stack": (Severity.MEDIUM, Level.ADVISORY, ("3.1",)),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_catalogue_metadata(name: str) -> None:
    meta = by_name()[name].meta
    severity, level, cis = EXPECTED[name]
    assert (meta.severity, meta.default_level, meta.compliance.cis) == (severity, level, cis)
