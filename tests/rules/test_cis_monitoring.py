"""The CIS AWS Foundations v3.0.0 §4.1-4.15 table: patterns verbatim, and how filters are recognised.

The expected patterns below are copied from the benchmark's remediation steps (CIS AWS Foundations
Benchmark v3.0.0, as transcribed in Prowler's ``prowler/compliance/aws/cis_3.0_aws.json``). They are written
out here, not derived from the module, so an edit to the table fails this test.
"""

import pytest

from mlwarden_rules.cis_monitoring import (
    BENCHMARK,
    BY_NUMBER,
    CIS_METRICS,
    NAMESPACE,
    CisMetric,
    Comparison,
    comparisons,
    matching,
)

BENCHMARK_PATTERNS = {
    "4.1": (
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || '
        '($.sourceIPAddress!="delivery.logs.amazonaws.com") || ($.eventName!="HeadBucket") }'
    ),
    "4.2": '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
    "4.3": (
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'
    ),
    "4.4": (
        "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||"
        "($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||"
        "($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||"
        "($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||"
        "($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||"
        "($.eventName=DetachGroupPolicy)}"
    ),
    "4.5": (
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || "
        "($.eventName = StartLogging) || ($.eventName = StopLogging) }"
    ),
    "4.6": '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
    "4.7": "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }",
    "4.8": (
        "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || "
        "($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || "
        "($.eventName = PutBucketReplication) || "
        "($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || "
        "($.eventName = DeleteBucketLifecycle) || "
        "($.eventName = DeleteBucketReplication)) }"
    ),
    "4.9": (
        "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||"
        "($"
        ".eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }"
    ),
    "4.10": (
        "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || "
        "($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || "
        "($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }"
    ),
    "4.11": (
        "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || "
        "($.eventName = DeleteNetworkAcl) || "
        "($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || "
        "($.eventName = ReplaceNetworkAclAssociation) }"
    ),
    "4.12": (
        "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || "
        "($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || "
        "($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }"
    ),
    "4.13": (
        "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || "
        "($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || "
        "($.eventName = DeleteRoute) || "
        "($.eventName = DisassociateRouteTable) }"
    ),
    "4.14": (
        "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || "
        "($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || "
        "($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || "
        "($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || "
        "($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }"
    ),
    "4.15": (
        '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || '
        '($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || '
        '($.eventName = "CreateOrganizationalUnit") || '
        '($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || '
        '($.eventName = "DeleteOrganization") || '
        '($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || '
        '($.eventName = "DetachPolicy") || '
        '($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || '
        '($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || '
        '($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || '
        '($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }'
    ),
}

TITLES = {
    "4.1": "Ensure a log metric filter and alarm exist for unauthorized API calls",
    "4.2": "Ensure a log metric filter and alarm exist for Management Console sign-in without MFA",
    "4.3": "Ensure a log metric filter and alarm exist for usage of 'root' account",
    "4.13": "Ensure route table changes are monitored",
    "4.15": "Ensure a log metric filter and alarm exists for AWS Organizations changes",
}

# The benchmark's alternative forms, which a filter may use instead of the remediation pattern.
SSO_VARIANT_4_2 = (
    '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
    '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }'
)
AUDIT_FORM_4_13 = (
    "{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || "
    "($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || "
    "($.eventName = DeleteRouteTable) || "
    "($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"
)
# v1.4-v2.0 wording of 4.1 (exclusions applied with &&), still common in existing accounts.
V14_FORM_4_1 = (
    '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && '
    '($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }'
)


def test_the_table_is_section_4_1_to_4_15_in_order() -> None:
    assert [m.number for m in CIS_METRICS] == [f"4.{i}" for i in range(1, 16)]
    assert BENCHMARK == "CIS Amazon Web Services Foundations Benchmark v3.0.0"
    assert NAMESPACE == "CISBenchmark"


@pytest.mark.parametrize("number", list(BENCHMARK_PATTERNS))
def test_pattern_is_the_benchmark_text_verbatim(number: str) -> None:
    assert BY_NUMBER[number].pattern == BENCHMARK_PATTERNS[number]


@pytest.mark.parametrize("number", list(TITLES))
def test_titles_are_the_benchmark_wording(number: str) -> None:
    assert BY_NUMBER[number].title == TITLES[number]


def test_names_metric_names_and_prowler_checks_are_unique() -> None:
    for attr in ("name", "metric_name", "prowler_check"):
        values = [getattr(m, attr) for m in CIS_METRICS]
        assert len(values) == len(set(values)), attr


def test_only_4_1_deploys_a_corrected_pattern_and_says_why() -> None:
    corrected = [m for m in CIS_METRICS if m.deploy_pattern != m.pattern]
    assert [m.number for m in corrected] == ["4.1"]
    assert "'||'" in corrected[0].erratum
    assert "&&" in corrected[0].deploy_pattern
    assert all(m.erratum == "" for m in CIS_METRICS if m.number != "4.1")


@pytest.mark.parametrize("metric", CIS_METRICS, ids=lambda m: m.number)
def test_each_deployed_pattern_matches_its_entry_and_no_other(metric: CisMetric) -> None:
    assert [m.number for m in matching(metric.deploy_pattern)] == [metric.number]


@pytest.mark.parametrize("metric", CIS_METRICS, ids=lambda m: m.number)
def test_the_benchmark_text_itself_is_recognised(metric: CisMetric) -> None:
    assert metric.matches(metric.pattern)


@pytest.mark.parametrize(
    ("number", "pattern"),
    [("4.2", SSO_VARIANT_4_2), ("4.13", AUDIT_FORM_4_13), ("4.1", V14_FORM_4_1)],
    ids=["4.2-sso-variant", "4.13-audit-form", "4.1-v1.4-form"],
)
def test_alternative_benchmark_forms_are_recognised(number: str, pattern: str) -> None:
    assert BY_NUMBER[number].matches(pattern)


def test_spacing_and_optional_quotes_do_not_matter() -> None:
    written = (
        '{($.eventName="CreateTrail")||($.eventName="UpdateTrail")||($.eventName="DeleteTrail")||'
        '($.eventName="StartLogging")||($.eventName="StopLogging")}'
    )
    assert BY_NUMBER["4.5"].matches(written)


def test_a_filter_missing_an_event_is_not_recognised_and_says_which() -> None:
    without_stop = BY_NUMBER["4.5"].pattern.replace(" || ($.eventName = StopLogging)", "")
    assert not BY_NUMBER["4.5"].matches(without_stop)
    assert BY_NUMBER["4.5"].missing_from(without_stop) == {Comparison("eventName", "=", "StopLogging")}


def test_root_usage_requires_its_unary_comparison() -> None:
    assert Comparison("userIdentity.invokedBy", "NOT EXISTS") in BY_NUMBER["4.3"].required_comparisons
    assert not BY_NUMBER["4.3"].matches('{ $.userIdentity.type = "Root" && $.eventType != "AwsServiceEvent" }')


def test_4_1_is_recognised_by_its_error_codes() -> None:
    assert BY_NUMBER["4.1"].matches('{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }')
    assert not BY_NUMBER["4.1"].matches('{ ($.errorCode = "AccessDenied*") }')


def test_comparisons_normalise_quotes_and_operators() -> None:
    assert comparisons('{ $.a = "x" && $.b!=y && $.c NOT  EXISTS }') == {
        Comparison("a", "=", "x"),
        Comparison("b", "!=", "y"),
        Comparison("c", "NOT EXISTS"),
    }
    assert str(Comparison("c", "NOT EXISTS")) == "$.c NOT EXISTS"
