"""CIS AWS Foundations Benchmark v3.0.0 §4.1–4.15: the CloudTrail metric filters, kept as data.

Each entry carries the benchmark's number, its recommendation title and the filter pattern exactly as the
benchmark's remediation step gives it (``aws logs put-metric-filter … --filter-pattern '<pattern>'``).
Source of the text: the CIS AWS Foundations Benchmark v3.0.0 as transcribed in Prowler's compliance
mapping ``prowler/compliance/aws/cis_3.0_aws.json`` (Requirements 4.1–4.15, ``RemediationProcedure`` and
``AuditProcedure``); the Prowler check that audits each entry is recorded as well.

The SecurityAlarms component creates one metric filter and one alarm per entry from this table, using
:attr:`CisMetric.deploy_pattern`; the ``cloudwatch-cis-monitoring-alarms`` rule recognises a filter as an
entry's filter with :meth:`CisMetric.matches`.

Two places where the benchmark text cannot be used as is:

* **4.1** in v3.0.0 joins its exclusions with ``||``:
  ``… || ($.sourceIPAddress!="delivery.logs.amazonaws.com") || ($.eventName!="HeadBucket")``. An event
  matches when *any* alternative holds, so almost every event matches and the alarm fires continuously.
  Earlier versions (v1.4–v2.0) and the intent of the recommendation apply the exclusions with ``&&``; the
  deployed pattern does that, and matching requires only the two ``errorCode`` comparisons (as Prowler's
  check does), so filters written either way are recognised.
* **4.2** and **4.13** give a second form (4.2: a variant that reduces false positives with SSO; 4.13: the
  audit step adds ``$.eventSource = ec2.amazonaws.com``). Both contain every comparison of the remediation
  pattern, so containment matching accepts them without listing them.

Matching is by *comparison containment*: a pattern matches an entry when it contains every comparison
(``$.field = value``, ``$.field != value``, ``$.field NOT EXISTS``) of the entry, ignoring whitespace and
optional quotes. It does not evaluate the boolean structure, so a filter that names every event of an entry
but combines them with ``&&`` (matching nothing) is not detected; the patterns are small and reviewed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

#: The namespace the benchmark suggests for every CIS metric ("Using the same metricNamespace for all
#: Foundations Benchmark metrics will group them together").
NAMESPACE: Final = "CISBenchmark"
#: The benchmark version the table transcribes.
BENCHMARK: Final = "CIS Amazon Web Services Foundations Benchmark v3.0.0"


@dataclass(frozen=True, slots=True)
class Comparison:
    """One comparison of a filter pattern, normalised: ``$.``-less field, operator, unquoted value."""

    field: str
    operator: str
    """``=``, ``!=``, ``NOT EXISTS``, ``EXISTS``, ``IS NULL`` or ``NOT NULL``."""
    value: str = ""

    def __str__(self) -> str:
        if self.operator in _UNARY:
            return f"$.{self.field} {self.operator}"
        return f"$.{self.field} {self.operator} {self.value}"


_UNARY: Final = frozenset({"NOT EXISTS", "EXISTS", "IS NULL", "NOT NULL"})
_BINARY: Final = re.compile(r'\$\.([A-Za-z0-9_.\[\]-]+)\s*(!=|=)\s*("(?:[^"\\]|\\.)*"|[^\s()&|]+)')
_UNARY_RE: Final = re.compile(r"\$\.([A-Za-z0-9_.\[\]-]+)\s+(NOT\s+EXISTS|EXISTS|IS\s+NULL|NOT\s+NULL)\b")


@lru_cache(maxsize=4096)
def comparisons(pattern: str) -> frozenset[Comparison]:
    """Every comparison in a JSON metric-filter pattern (whitespace and optional quotes normalised).

    Cached: a stack rule compares every filter of a log group with all fifteen entries.
    """
    found = set()
    for m in _BINARY.finditer(pattern):
        value = m.group(3)
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        found.add(Comparison(m.group(1), m.group(2), value))
    for m in _UNARY_RE.finditer(pattern):
        found.add(Comparison(m.group(1), " ".join(m.group(2).split())))
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class CisMetric:
    """One CIS §4 monitoring recommendation: a CloudTrail metric filter plus an alarm on its metric."""

    number: str
    """The recommendation number, e.g. ``"4.3"``."""
    name: str
    """A stable kebab-case id (used in resource names by the SecurityAlarms component)."""
    title: str
    """The recommendation title, as the benchmark words it."""
    pattern: str
    """The filter pattern exactly as the benchmark's remediation step gives it."""
    metric_name: str
    """The metric name the SecurityAlarms component publishes to (in :data:`NAMESPACE`)."""
    prowler_check: str
    """Prowler's check for this recommendation (for users porting suppressions)."""
    deployed: str | None = None
    """The pattern to deploy when it differs from :attr:`pattern` (see :attr:`erratum`)."""
    erratum: str = ""
    """Why the deployed pattern differs from the benchmark text."""
    required: frozenset[Comparison] | None = None
    """The comparisons a filter must contain; every comparison of :attr:`pattern` when None."""

    @property
    def deploy_pattern(self) -> str:
        """The pattern the SecurityAlarms component creates."""
        return self.deployed if self.deployed is not None else self.pattern

    @property
    def required_comparisons(self) -> frozenset[Comparison]:
        """The comparisons a filter pattern must contain to count as this entry's filter."""
        return self.required if self.required is not None else comparisons(self.pattern)

    def missing_from(self, pattern: str) -> frozenset[Comparison]:
        """The required comparisons that ``pattern`` lacks (empty when it matches)."""
        return self.required_comparisons - comparisons(pattern)

    def matches(self, pattern: str) -> bool:
        """Whether ``pattern`` contains every comparison this entry requires."""
        return not self.missing_from(pattern)


CIS_METRICS: Final[tuple[CisMetric, ...]] = (
    CisMetric(
        number="4.1",
        name="unauthorized-api-calls",
        title="Ensure a log metric filter and alarm exist for unauthorized API calls",
        pattern=(
            '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || '
            '($.sourceIPAddress!="delivery.logs.amazonaws.com") || ($.eventName!="HeadBucket") }'
        ),
        metric_name="UnauthorizedAPICalls",
        prowler_check="cloudwatch_log_metric_filter_unauthorized_api_calls",
        deployed=(
            '{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && '
            '($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }'
        ),
        erratum=(
            "v3.0.0 joins the exclusions with '||', which matches almost every event; the exclusions are "
            "applied with '&&' as in v1.4-v2.0"
        ),
        required=frozenset(
            {
                Comparison("errorCode", "=", "*UnauthorizedOperation"),
                Comparison("errorCode", "=", "AccessDenied*"),
            }
        ),
    ),
    CisMetric(
        number="4.2",
        name="console-sign-in-without-mfa",
        title="Ensure a log metric filter and alarm exist for Management Console sign-in without MFA",
        pattern='{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
        metric_name="ConsoleSignInWithoutMfa",
        prowler_check="cloudwatch_log_metric_filter_sign_in_without_mfa",
    ),
    CisMetric(
        number="4.3",
        name="root-account-usage",
        title="Ensure a log metric filter and alarm exist for usage of 'root' account",
        pattern=(
            '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
            '$.eventType != "AwsServiceEvent" }'
        ),
        metric_name="RootAccountUsage",
        prowler_check="cloudwatch_log_metric_filter_root_usage",
    ),
    CisMetric(
        number="4.4",
        name="iam-policy-changes",
        title="Ensure a log metric filter and alarm exist for IAM policy changes",
        pattern=(
            "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||"
            "($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||"
            "($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||"
            "($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||"
            "($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||"
            "($.eventName=DetachGroupPolicy)}"
        ),
        metric_name="IamPolicyChanges",
        prowler_check="cloudwatch_log_metric_filter_policy_changes",
    ),
    CisMetric(
        number="4.5",
        name="cloudtrail-configuration-changes",
        title="Ensure a log metric filter and alarm exist for CloudTrail configuration changes",
        pattern=(
            "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || "
            "($.eventName = StartLogging) || ($.eventName = StopLogging) }"
        ),
        metric_name="CloudTrailConfigurationChanges",
        prowler_check="cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled",
    ),
    CisMetric(
        number="4.6",
        name="console-authentication-failures",
        title="Ensure a log metric filter and alarm exist for AWS Management Console authentication failures",
        pattern='{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
        metric_name="ConsoleAuthenticationFailures",
        prowler_check="cloudwatch_log_metric_filter_authentication_failures",
    ),
    CisMetric(
        number="4.7",
        name="cmk-disable-or-scheduled-deletion",
        title=(
            "Ensure a log metric filter and alarm exist for disabling or scheduled deletion of customer created CMKs"
        ),
        pattern=(
            "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"
        ),
        metric_name="CmkDisableOrScheduledDeletion",
        prowler_check="cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk",
    ),
    CisMetric(
        number="4.8",
        name="s3-bucket-policy-changes",
        title="Ensure a log metric filter and alarm exist for S3 bucket policy changes",
        pattern=(
            "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || "
            "($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || "
            "($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || "
            "($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || "
            "($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }"
        ),
        metric_name="S3BucketPolicyChanges",
        prowler_check="cloudwatch_log_metric_filter_for_s3_bucket_policy_changes",
    ),
    CisMetric(
        number="4.9",
        name="aws-config-changes",
        title="Ensure a log metric filter and alarm exist for AWS Config configuration changes",
        pattern=(
            "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||"
            "($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||"
            "($.eventName=PutConfigurationRecorder)) }"
        ),
        metric_name="AwsConfigChanges",
        prowler_check="cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled",
    ),
    CisMetric(
        number="4.10",
        name="security-group-changes",
        title="Ensure a log metric filter and alarm exist for security group changes",
        pattern=(
            "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || "
            "($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || "
            "($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }"
        ),
        metric_name="SecurityGroupChanges",
        prowler_check="cloudwatch_log_metric_filter_security_group_changes",
    ),
    CisMetric(
        number="4.11",
        name="nacl-changes",
        title="Ensure a log metric filter and alarm exist for changes to Network Access Control Lists (NACL)",
        pattern=(
            "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || "
            "($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || "
            "($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }"
        ),
        metric_name="NaclChanges",
        prowler_check="cloudwatch_changes_to_network_acls_alarm_configured",
    ),
    CisMetric(
        number="4.12",
        name="network-gateway-changes",
        title="Ensure a log metric filter and alarm exist for changes to network gateways",
        pattern=(
            "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || "
            "($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || "
            "($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }"
        ),
        metric_name="NetworkGatewayChanges",
        prowler_check="cloudwatch_changes_to_network_gateways_alarm_configured",
    ),
    CisMetric(
        number="4.13",
        name="route-table-changes",
        title="Ensure route table changes are monitored",
        pattern=(
            "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || "
            "($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || "
            "($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"
        ),
        metric_name="RouteTableChanges",
        prowler_check="cloudwatch_changes_to_network_route_tables_alarm_configured",
    ),
    CisMetric(
        number="4.14",
        name="vpc-changes",
        title="Ensure a log metric filter and alarm exist for VPC changes",
        pattern=(
            "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || "
            "($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || "
            "($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || "
            "($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || "
            "($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }"
        ),
        metric_name="VpcChanges",
        prowler_check="cloudwatch_changes_to_vpcs_alarm_configured",
    ),
    CisMetric(
        number="4.15",
        name="organizations-changes",
        title="Ensure a log metric filter and alarm exists for AWS Organizations changes",
        pattern=(
            '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || '
            '($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || '
            '($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || '
            '($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || '
            '($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || '
            '($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || '
            '($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || '
            '($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || '
            '($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || '
            '($.eventName = "UpdateOrganizationalUnit")) }'
        ),
        metric_name="OrganizationsChanges",
        prowler_check="cloudwatch_log_metric_filter_aws_organizations_changes",
    ),
)

#: The table keyed by CIS number.
BY_NUMBER: Final[Mapping[str, CisMetric]] = {m.number: m for m in CIS_METRICS}


def matching(pattern: str) -> Iterator[CisMetric]:
    """The entries whose filter ``pattern`` is (one pattern can serve several entries)."""
    return (m for m in CIS_METRICS if m.matches(pattern))


@lru_cache(maxsize=4096)
def matching_numbers(pattern: str) -> frozenset[str]:
    """The CIS numbers of the entries ``pattern`` matches (cached: stacks repeat patterns across trails)."""
    return frozenset(m.number for m in matching(pattern))
