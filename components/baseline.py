"""``AccountBaseline``: the account- and region-level singletons an ML account needs, declared once.

Some AWS settings exist once per account (S3 Block Public Access) or once per account and region (a GuardDuty
detector, ECR registry scanning, EBS encryption by default and its key, Bedrock model invocation logging).
Declared inside a per-stack environment they collide (design decision 8, pitfalls #11): a second GuardDuty
detector in a region is refused; two stacks declaring registry scanning, EBS defaults or Bedrock logging
overwrite each other, and destroying either resets the account (registry scanning "can't be completely
deleted, instead reverts to BASIC"). So **dev and prod stacks in one account must share one baseline**: declare
it in one stack (its own, or the one that owns the account), and give every ``SecureMlEnvironment`` either this
component or an :class:`ExistingBaseline` that says what exists.

What it declares (each can be switched off individually, with a reason that says who owns it instead):

* **GuardDuty**: one enabled detector (findings re-published every ``FIFTEEN_MINUTES`` by default; AWS's own
  default is six hours) with the ``S3_DATA_EVENTS`` feature always (S3 Protection: anomalous access to datasets
  and models) and ``AI_PROTECTION`` by default (the ``strict`` preset requires it; turning it off takes
  ``guardduty_ai_protection_off_reason``, an ``mlwarden:exempt:guardduty-ai-protection`` tag on the detector).
  Malware Protection for S3 is not a detector feature but a per-bucket plan (``MalwareProtection``, in the
  environment). Findings are routed by ``SecurityAlarms``; the pack's ``guardduty-findings-routed`` judges the
  stack that declares the detector, so a baseline in its own stack either carries ``SecurityAlarms`` on its
  account trail or declares that exemption with a reason naming the stack that routes them.
* **ECR registry scanning**: ``ENHANCED`` (Amazon Inspector: operating-system *and* language packages, which is
  where ML images keep their code) with one rule for every repository (``*``), ``CONTINUOUS_SCAN`` by default
  (``SCAN_ON_PUSH`` accepted). ``BASIC`` is accepted only with ``basic_scanning_reason``. The registry scanning
  configuration takes no tags, so the component cannot declare the exemption itself: it reports the choice (a
  warning and the ``weakened`` output) and gives the exact stack-config entry in :attr:`AccountBaseline.
  stack_config_exemptions`; until that entry is in ``mlwarden:exemptions``, the pack fails
  ``ecr-registry-scanning-enabled`` at ``strict`` — the reason must appear in the pack's report, not only here.
  Enhanced scanning is billed by Amazon Inspector per image scanned (and re-scanned, when continuous).
* **S3 Block Public Access** for the account, all four flags, on this account id explicitly (a provider
  pointed at another account fails rather than changing it).
* **EBS encryption by default** with a customer-managed key: ``aws.ebs.DefaultKmsKey`` names the key's ARN and
  ``aws.ebs.EncryptionByDefault`` is created after it, so no volume is encrypted with ``aws/ebs`` in between.
  Every principal that then creates volumes in the region (instances, launch templates, EC2 Auto Scaling's
  service-linked role ``AWSServiceRoleForAutoScaling``, EKS node groups, Batch) must be a user of the key through
  EC2 — an ``EncryptionKey`` with ``via_services`` including ``ebs`` (its users get ``kms:CreateGrant`` only with
  ``kms:GrantIsForAWSResource``) — or its launches fail. Existing volumes are not changed.
* **Optionally an account trail** (``account_trail``): an ``AuditTrail`` recording management events (multi-region,
  global service events, validated log files, a KMS-encrypted log group) to the caller's ``audit`` bucket with the
  caller's logs key. The bucket and the key must name the trail — :func:`account_trail_name`. Give the trail
  (``AccountBaseline.trail``) a ``SecurityAlarms``: the pack's ``cloudwatch-cis-monitoring-alarms`` wants the CIS
  metric filters on every trail's log group, and the same component routes the detector's findings.
* **Optionally Bedrock model invocation logging** (``bedrock_invocation_logging``): the region's
  ``aws.bedrockmodel.InvocationLoggingConfiguration`` with text, image, embedding and video data delivery on, to
  an ``EncryptedLogGroup`` (the logs key; its policy must cover :func:`bedrock_log_group_name`, as
  ``log_group_name_pattern`` does) through a delivery role trusted by ``bedrock.amazonaws.com`` for this account
  and region only (``aws:SourceAccount``, ``aws:SourceArn``) that may create and write Bedrock's one log stream
  of that group; and/or to an S3 bucket the caller owns, whose policy must allow Bedrock to write
  (:func:`bedrock_delivery_bucket_statement`) — and, when the bucket is SSE-KMS, whose key policy must let
  ``bedrock.amazonaws.com`` generate data keys. AWS provides an S3 location for payloads too large for a CloudWatch
  Logs event (binary image data among them); this component does not set one, so give an S3 destination where such
  payloads must be kept. The logs hold every prompt and completion: their key policy decides who reads them.

**Who owns what in an AWS Organization.** A GuardDuty *delegated administrator* usually creates the member
accounts' detectors (auto-enable) and manages their features and publishing frequency: set ``guardduty=False``.
An Amazon Inspector delegated administrator activates ECR enhanced scanning for members: set
``registry_scanning=False``. An *organization trail* (management account or its delegated administrator) already
records management events: leave ``account_trail`` unset, unless the account needs its own trail and log group
for CloudWatch alarms (an organization trail's log group is in another account). S3 Block Public Access and EBS
encryption by default are per account and usually the account team's (or Control Tower's): keep them here unless a
landing zone sets them. Bedrock invocation logging is always per account and region. What exists elsewhere is
stated with ``existing`` (an :class:`ExistingBaseline`), so the outputs still tell the environment about it.

Every switched-off singleton needs a reason; each is reported as an ``info`` diagnostic and in the
``notManagedHere`` output. ``pulumi destroy`` of this component reverts account-wide settings other stacks rely on:
pass ``opts=pulumi.ResourceOptions(protect=True)`` (children inherit it).

**Order** (design decision 1): the Bedrock logging configuration names its log group and delivery role by
string, so it ``depends_on`` the group, the role and the role's policy (Bedrock checks its access when the
configuration is put); the role's policy depends on the group it names; the EBS default key depends on the key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from mlwarden.components import naming
from mlwarden.components.audit import KEY_PREFIX, AuditTrail, AuditTrailArgs
from mlwarden.components.audit import MAX_PURPOSE as MAX_TRAIL_PURPOSE
from mlwarden.components.context import AwsContext
from mlwarden.components.ecr import ACCOUNT_BASELINE
from mlwarden.components.exemptions import exemption_tags
from mlwarden.components.iam import Grantee, ServiceTrust, WorkloadRole, WorkloadRoleArgs
from mlwarden.components.kms import TRAIL_NAME, EncryptionKey
from mlwarden.components.logs import KEY_ARN, EncryptedLogGroup, EncryptedLogGroupArgs, check_retention, log_group_name
from mlwarden.components.policy_document import PolicyDocument, Principal, Statement, allow, condition
from mlwarden.components.storage import BucketProfile, SecureBucket
from mlwarden.components.tagging import component_tags
from mlwarden.components.validation import (
    ArgumentError,
    component_label,
    require,
    require_match,
    require_one_of,
    require_purpose,
)
from mlwarden_rules import tags as tag_keys
from mlwarden_rules import thresholds
from mlwarden_rules.exemptions import MIN_REASON_LENGTH, tag_exemption_value

TYPE: Final = "mlwarden:baseline:AccountBaseline"

#: GuardDuty's finding publishing frequencies (standalone and administrator accounts).
FINDING_FREQUENCIES: Final = ("FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS")
S3_DATA_EVENTS: Final = "S3_DATA_EVENTS"
AI_PROTECTION: Final = "AI_PROTECTION"
#: The policies a weaker choice here is reported under.
AI_PROTECTION_POLICY: Final = "guardduty-ai-protection"
REGISTRY_SCANNING_POLICY: Final = "ecr-registry-scanning-enabled"
#: Scan types, and the frequencies ECR accepts for each (``CONTINUOUS_SCAN`` needs Amazon Inspector).
SCAN_FREQUENCIES: Final[Mapping[str, tuple[str, ...]]] = {
    "ENHANCED": ("CONTINUOUS_SCAN", "SCAN_ON_PUSH"),
    "BASIC": ("SCAN_ON_PUSH",),
}
#: The repository filter of the one scanning rule: every repository.
EVERY_REPOSITORY: Final = "*"
BEDROCK_PRINCIPAL: Final = "bedrock.amazonaws.com"
#: The one log stream Bedrock writes in the invocation log group.
BEDROCK_LOG_STREAM: Final = "aws/bedrock/modelinvocations"
BEDROCK_DELIVERY_ACTIONS: Final = ("logs:CreateLogStream", "logs:PutLogEvents")
#: Where Bedrock writes under an S3 destination's prefix.
BEDROCK_S3_FOLDER: Final = "BedrockModelInvocationLogs"
BEDROCK_LOG_PURPOSE: Final = "bedrock-invocations"
BEDROCK_ROLE_PURPOSE: Final = "bedrock-invocation-logging"
DEFAULT_TRAIL_PURPOSE: Final = "account"

DETECTOR_ID = re.compile(r"^[0-9a-f]{32}$")
TRAIL_ARN = re.compile(r"^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:\d{12}:trail/[A-Za-z0-9][A-Za-z0-9._-]{2,127}$")
#: General purpose bucket names (3 to 63 lowercase letters, digits, dots and hyphens).
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_REASON_ACCEPTED = (
    f"a reason of {MIN_REASON_LENGTH} to 256 characters from letters, digits, spaces and _ . : / = + - @ "
    "(the AWS tag character set: no commas, quotes or parentheses)"
)


# -- names, known before anything exists ----------------------------------------------------------------------


def account_trail_name(context: AwsContext, purpose: str = DEFAULT_TRAIL_PURPOSE) -> str:
    """The account trail's name: give it to the audit bucket's and the logs key's ``cloudtrail_trail_names``."""
    return naming.trail_name(context, purpose)


def bedrock_log_group_name(context: AwsContext) -> str:
    """The Bedrock invocation log group (under the kit's pattern, which the logs key must be given)."""
    return log_group_name(context, BEDROCK_LOG_PURPOSE)


def bedrock_source_arn(context: AwsContext) -> str:
    """``arn:<p>:bedrock:<region>:<account>:*``: what Bedrock sends as ``aws:SourceArn`` for this account."""
    return context.arn("bedrock", "*")


def bedrock_delivery_bucket_statement(context: AwsContext, bucket_name: str, key_prefix: str = "") -> Statement:
    """The bucket-policy statement an S3 destination needs (Bedrock user guide, "Set up an Amazon S3 destination").

    ``s3:PutObject`` for ``bedrock.amazonaws.com`` on ``<prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/*``,
    for this account (``aws:SourceAccount``) and its Bedrock resources in this region (``aws:SourceArn``).
    """
    prefix = f"{key_prefix}/" if key_prefix else ""
    objects = f"{context.bucket_arn(bucket_name)}/{prefix}AWSLogs/{context.account_id}/{BEDROCK_S3_FOLDER}/*"
    return allow(
        "BedrockInvocationLogsWrite",
        ["s3:PutObject"],
        [objects],
        principal=Principal.service(BEDROCK_PRINCIPAL),
        conditions=[
            condition("StringEquals", "aws:SourceAccount", context.account_id),
            condition("ArnLike", "aws:SourceArn", bedrock_source_arn(context)),
        ],
    )


# -- what already exists --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExistingBaseline:
    """Singletons that already exist, created by another stack or by the organization.

    A stack that does not declare the baseline says what exists instead, so ``SecureMlEnvironment`` can take
    either this or an :class:`AccountBaseline`. Each field is a statement the runtime audit can check.
    """

    detector_id: str | None
    """The region's GuardDuty detector id (32 hex characters), or None when there is none."""
    registry_scanning_configured: bool
    """Whether the registry scans every repository (the account baseline's or the organization's rules)."""
    trail_name: str | None
    """The trail that records this account's management events (a name, or an organization trail's ARN)."""

    def __post_init__(self) -> None:
        where = "ExistingBaseline"
        if self.detector_id is not None:
            require_match(
                where,
                "detector_id",
                self.detector_id,
                DETECTOR_ID,
                "None or a GuardDuty detector id: 32 lowercase hexadecimal characters",
            )
        require(
            isinstance(self.registry_scanning_configured, bool),
            where,
            "registry_scanning_configured",
            self.registry_scanning_configured,
            "True or False",
        )
        if self.trail_name is not None:
            ok = isinstance(self.trail_name, str) and (
                TRAIL_NAME.fullmatch(self.trail_name) is not None or TRAIL_ARN.fullmatch(self.trail_name) is not None
            )
            require(
                ok,
                where,
                "trail_name",
                self.trail_name,
                "None, a trail name (3 to 128 letters, digits, . _ -, starting with a letter or digit) or a trail ARN",
            )

    @property
    def container_registry_scanning(self) -> str | None:
        """What ``SecureContainerRepositoryArgs.registry_scanning`` takes, or None when nothing scans."""
        return ACCOUNT_BASELINE if self.registry_scanning_configured else None


# -- arguments ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountTrail:
    """The optional account trail: management events, to the caller's audit bucket with the caller's logs key."""

    key: EncryptionKey
    """The logs key (the audit bucket's key); its ``cloudtrail_trail_names`` must include the trail's name and its
    ``log_group_name_patterns`` the trail's log group (``log_group_name_pattern`` covers it)."""
    audit_bucket: SecureBucket
    """The ``audit`` SecureBucket; its ``cloudtrail_trail_names`` must include :func:`account_trail_name`."""
    purpose: str = DEFAULT_TRAIL_PURPOSE
    s3_key_prefix: str = ""
    creator: Grantee | None = None
    """The in-stack role that creates the trail (see ``AuditTrailArgs.creator``)."""
    log_retention_in_days: int = thresholds.MIN_LOG_RETENTION_DAYS
    log_retention_below_strict_minimum_reason: str | None = None


@dataclass(frozen=True)
class BedrockInvocationLogging:
    """Destinations of the region's Bedrock model invocation logs: a log group, an S3 bucket, or both."""

    log_group_key: EncryptionKey | None = None
    """The logs key: the baseline creates an EncryptedLogGroup with it, and Bedrock's delivery role."""
    s3_bucket_name: str | None = None
    """A bucket of this account and region whose policy allows Bedrock (:func:`bedrock_delivery_bucket_statement`)."""
    s3_key_prefix: str = ""
    log_retention_in_days: int = thresholds.MIN_LOG_RETENTION_DAYS
    log_retention_below_strict_minimum_reason: str | None = None


@dataclass(frozen=True)
class AccountBaselineArgs:
    """Arguments of :class:`AccountBaseline`; all plain values, validated at construction.

    Every singleton is on by default; ``<singleton>=False`` needs ``<singleton>_off_reason`` (who owns it).
    """

    ebs_key: EncryptionKey | str | None = None
    """The EBS default key: an EncryptionKey whose ``via_services`` include ``ebs`` (its policy is checked when
    known), or a key ARN in this region. Required while ``ebs_encryption_by_default`` is on."""
    ebs_encryption_by_default: bool = True
    ebs_encryption_by_default_off_reason: str | None = None
    guardduty: bool = True
    guardduty_off_reason: str | None = None
    guardduty_ai_protection: bool = True
    guardduty_ai_protection_off_reason: str | None = None
    """Becomes the ``mlwarden:exempt:guardduty-ai-protection`` tag on the detector."""
    finding_publishing_frequency: str = "FIFTEEN_MINUTES"
    registry_scanning: bool = True
    registry_scanning_off_reason: str | None = None
    registry_scan_type: str = "ENHANCED"
    registry_scan_frequency: str = "CONTINUOUS_SCAN"
    basic_scanning_reason: str | None = None
    """Required for ``registry_scan_type='BASIC'``; declare it in stack config too (see the module docstring)."""
    s3_public_access_block: bool = True
    s3_public_access_block_off_reason: str | None = None
    account_trail: AccountTrail | None = None
    bedrock_invocation_logging: BedrockInvocationLogging | None = None
    existing: ExistingBaseline | None = None
    """Singletons that exist elsewhere (switched off here); passed through to the outputs."""
    exemptions: Mapping[str, str] = field(default_factory=dict)
    """Policy name → reason, declared as tags on the detector (e.g. ``guardduty-findings-routed``)."""
    tags: Mapping[str, str] = field(default_factory=dict)


# -- validation -----------------------------------------------------------------------------------------------


def _reason(where: str, argument: str, reason: object) -> str:
    if not isinstance(reason, str):
        raise ArgumentError(where, argument, reason, _REASON_ACCEPTED)
    try:
        tag_exemption_value(reason)
    except ValueError:
        raise ArgumentError(where, argument, reason, _REASON_ACCEPTED) from None
    return reason.strip()


def _switch(where: str, argument: str, on: object, reason: object) -> str | None:
    """A singleton switch: True, or False with a reason. Returns the reason when off."""
    require(isinstance(on, bool), where, argument, on, "True or False")
    if on:
        require(reason is None, where, f"{argument}_off_reason", reason, f"None while {argument} is True")
        return None
    require(
        reason is not None,
        where,
        argument,
        on,
        f"True, or False with {argument}_off_reason saying who manages it instead",
    )
    return _reason(where, f"{argument}_off_reason", reason)


def _key_allows_ebs(document: str, endpoint: str) -> bool:
    """Whether a key policy lets its users encrypt through EC2 and attach the key to volumes (kms:CreateGrant)."""
    try:
        statements = json.loads(document).get("Statement", [])
    except (ValueError, AttributeError):
        return False
    uses, grants = False, False
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        conditions = statement.get("Condition", {})
        via: Any = conditions.get("StringEquals", {}).get("kms:ViaService", [])
        via = [via] if isinstance(via, str) else via
        if endpoint not in via:
            continue
        if "kms:Decrypt" in actions and "kms:GenerateDataKeyWithoutPlaintext" in actions:
            uses = True
        for_resources = conditions.get("Bool", {}).get("kms:GrantIsForAWSResource")
        if "kms:CreateGrant" in actions and str(for_resources).lower() == "true":
            grants = True
    return uses and grants


def _ebs_key(where: str, context: AwsContext, key: object) -> tuple[pulumi.Input[str], list[pulumi.Resource]]:
    """The key ARN ``DefaultKmsKey`` gets, and what it must be created after."""
    accepted = (
        f"an EncryptionKey whose via_services include ebs, or a key ARN in {context.region} "
        "(arn:aws:kms:<region>:<account>:key/<id>; not an alias)"
    )
    if isinstance(key, EncryptionKey):
        require(key.context.region == context.region, where, "ebs_key", key.alias_name, accepted)
        endpoint = context.service_endpoint("ec2")
        # EncryptionKey keeps no list of its services: its policy (known at preview) is read instead, and a key
        # that does not serve EBS fails the deployment with the usual message, naming the key by its alias.
        alias = key.alias_name

        def allows_ebs(document: str) -> str:
            if not _key_allows_ebs(document, endpoint):
                raise ArgumentError(
                    where,
                    "ebs_key",
                    alias,
                    f"{accepted}: the key policy must let its users use it through {endpoint} and create grants "
                    "for AWS resources (EncryptionKeyArgs.via_services including 'ebs')",
                )
            return document

        policy: pulumi.Output[str] = key.key.policy
        key_arn: pulumi.Output[str] = policy.apply(allows_ebs).apply(lambda _: key.arn)
        return key_arn, [key.key]
    arn = require_match(where, "ebs_key", key, KEY_ARN, accepted)
    require(arn.split(":")[3] == context.region, where, "ebs_key", key, accepted)
    return arn, []


def _trail(where: str, trail: object) -> AccountTrail:
    accepted = "None or an AccountTrail(key=<logs EncryptionKey>, audit_bucket=<audit SecureBucket>)"
    if not isinstance(trail, AccountTrail):
        raise ArgumentError(where, "account_trail", trail, accepted)
    if not isinstance(trail.key, EncryptionKey):
        raise ArgumentError(where, "account_trail.key", trail.key, "the logs EncryptionKey (the audit bucket's key)")
    bucket = trail.audit_bucket
    require(
        isinstance(bucket, SecureBucket) and bucket.profile is BucketProfile.AUDIT and bucket.key is trail.key,
        where,
        "account_trail.audit_bucket",
        bucket,
        "the SecureBucket with profile 'audit' whose key is account_trail.key",
    )
    purpose = require_purpose(where, "account_trail.purpose", trail.purpose)
    require(
        len(purpose) <= MAX_TRAIL_PURPOSE,
        where,
        "account_trail.purpose",
        purpose,
        f"a purpose of at most {MAX_TRAIL_PURPOSE} characters",
    )
    if trail.s3_key_prefix:
        require_match(
            where,
            "account_trail.s3_key_prefix",
            trail.s3_key_prefix,
            KEY_PREFIX,
            "a key prefix without leading or trailing '/'",
        )
    check_retention(
        where,
        trail.log_retention_in_days,
        trail.log_retention_below_strict_minimum_reason,
        prefix="account_trail.log_",
    )
    return trail


def _bedrock(where: str, context: AwsContext, logging: object) -> BedrockInvocationLogging:
    if not isinstance(logging, BedrockInvocationLogging):
        raise ArgumentError(
            where,
            "bedrock_invocation_logging",
            logging,
            "None or BedrockInvocationLogging(log_group_key=..., s3_bucket_name=...)",
        )
    require(
        logging.log_group_key is not None or logging.s3_bucket_name is not None,
        where,
        "bedrock_invocation_logging",
        logging,
        "a log_group_key, an s3_bucket_name, or both (invocation logs need a destination)",
    )
    if logging.log_group_key is not None:
        key = logging.log_group_key
        require(
            isinstance(key, EncryptionKey),
            where,
            "bedrock_invocation_logging.log_group_key",
            key,
            "None or the logs EncryptionKey (its log_group_name_patterns must cover the invocation log group)",
        )
        check_retention(
            where,
            logging.log_retention_in_days,
            logging.log_retention_below_strict_minimum_reason,
            prefix="bedrock_invocation_logging.log_",
        )
    else:
        require(
            logging.log_retention_below_strict_minimum_reason is None,
            where,
            "bedrock_invocation_logging.log_retention_below_strict_minimum_reason",
            logging.log_retention_below_strict_minimum_reason,
            "None without a log_group_key (there is no log group)",
        )
    if logging.s3_bucket_name is not None:
        require_match(
            where,
            "bedrock_invocation_logging.s3_bucket_name",
            logging.s3_bucket_name,
            BUCKET_NAME,
            f"the name of a bucket in account {context.account_id} and region {context.region} (3 to 63 lowercase "
            "letters, digits, dots and hyphens)",
        )
    if logging.s3_key_prefix:
        require(
            logging.s3_bucket_name is not None,
            where,
            "bedrock_invocation_logging.s3_key_prefix",
            logging.s3_key_prefix,
            "'' without an s3_bucket_name",
        )
        require_match(
            where,
            "bedrock_invocation_logging.s3_key_prefix",
            logging.s3_key_prefix,
            KEY_PREFIX,
            "a key prefix without leading or trailing '/'",
        )
    return logging


def _existing(where: str, existing: object, created: Mapping[str, bool]) -> ExistingBaseline | None:
    if existing is None:
        return None
    if not isinstance(existing, ExistingBaseline):
        raise ArgumentError(where, "existing", existing, "None or an ExistingBaseline")
    require(
        existing.detector_id is None or not created["guardduty"],
        where,
        "existing.detector_id",
        existing.detector_id,
        "None while guardduty is True: GuardDuty allows one detector per account and region",
    )
    require(
        not existing.registry_scanning_configured or not created["registry_scanning"],
        where,
        "existing.registry_scanning_configured",
        True,
        "False while registry_scanning is True: two owners of the registry's scanning overwrite each other",
    )
    return existing


# -- the validated plan ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    """The validated arguments: what to create, and how."""

    off: dict[str, str]
    weakened: dict[str, str]
    finding_frequency: str
    features: tuple[str, ...]
    scan_type: str
    scan_frequency: str
    ebs_key_arn: pulumi.Input[str] | None
    ebs_dependencies: tuple[pulumi.Resource, ...]
    trail: AccountTrail | None
    bedrock: BedrockInvocationLogging | None
    existing: ExistingBaseline | None
    detector_tags: dict[str, str]


def _switches(where: str, args: AccountBaselineArgs) -> dict[str, str]:
    """The singletons switched off, with their reasons."""
    switches = (
        ("ebs_encryption_by_default", args.ebs_encryption_by_default, args.ebs_encryption_by_default_off_reason),
        ("guardduty", args.guardduty, args.guardduty_off_reason),
        ("registry_scanning", args.registry_scanning, args.registry_scanning_off_reason),
        ("s3_public_access_block", args.s3_public_access_block, args.s3_public_access_block_off_reason),
    )
    off = {}
    for argument, on, reason in switches:
        checked = _switch(where, argument, on, reason)
        if checked is not None:
            off[argument] = checked
    return off


def _guardduty(where: str, args: AccountBaselineArgs, weakened: dict[str, str]) -> tuple[str, tuple[str, ...]]:
    """The finding publishing frequency and the detector features."""
    if not args.guardduty:
        require(
            args.guardduty_ai_protection_off_reason is None,
            where,
            "guardduty_ai_protection_off_reason",
            args.guardduty_ai_protection_off_reason,
            "None while guardduty is False",
        )
        require(
            not args.exemptions,
            where,
            "exemptions",
            dict(args.exemptions),
            "no exemptions while guardduty is False (they are tags on the detector)",
        )
        return FINDING_FREQUENCIES[0], ()
    frequency = require_one_of(
        where, "finding_publishing_frequency", args.finding_publishing_frequency, FINDING_FREQUENCIES
    )
    reason = _switch(
        where, "guardduty_ai_protection", args.guardduty_ai_protection, args.guardduty_ai_protection_off_reason
    )
    if reason is not None:
        weakened[AI_PROTECTION_POLICY] = reason
        return frequency, (S3_DATA_EVENTS,)
    return frequency, (S3_DATA_EVENTS, AI_PROTECTION)


def _scanning(where: str, args: AccountBaselineArgs, weakened: dict[str, str]) -> tuple[str, str]:
    """The registry scan type and frequency."""
    basic = args.registry_scanning and args.registry_scan_type == "BASIC"
    require(
        basic or args.basic_scanning_reason is None,
        where,
        "basic_scanning_reason",
        args.basic_scanning_reason,
        "None unless registry_scan_type is 'BASIC'",
    )
    if not args.registry_scanning:
        return "ENHANCED", "CONTINUOUS_SCAN"
    scan_type = require_one_of(where, "registry_scan_type", args.registry_scan_type, SCAN_FREQUENCIES)
    frequency = require_one_of(
        where, "registry_scan_frequency", args.registry_scan_frequency, SCAN_FREQUENCIES[scan_type]
    )
    if basic:
        require(
            args.basic_scanning_reason is not None,
            where,
            "registry_scan_type",
            scan_type,
            "'ENHANCED', or 'BASIC' with basic_scanning_reason (BASIC misses language packages)",
        )
        weakened[REGISTRY_SCANNING_POLICY] = _reason(where, "basic_scanning_reason", args.basic_scanning_reason)
    return scan_type, frequency


def _plan(where: str, context: AwsContext, args: AccountBaselineArgs) -> _Plan:
    off = _switches(where, args)
    weakened: dict[str, str] = {}
    frequency, features = _guardduty(where, args, weakened)
    scan_type, scan_frequency = _scanning(where, args, weakened)
    ebs_arn: pulumi.Input[str] | None = None
    ebs_dependencies: list[pulumi.Resource] = []
    if args.ebs_encryption_by_default:
        ebs_arn, ebs_dependencies = _ebs_key(where, context, args.ebs_key)
    else:
        require(args.ebs_key is None, where, "ebs_key", args.ebs_key, "None while ebs_encryption_by_default is False")
    trail = _trail(where, args.account_trail) if args.account_trail is not None else None
    bedrock = None
    if args.bedrock_invocation_logging is not None:
        bedrock = _bedrock(where, context, args.bedrock_invocation_logging)
    existing = _existing(
        where, args.existing, {"guardduty": args.guardduty, "registry_scanning": args.registry_scanning}
    )
    detector_tags = {
        **component_tags(where, TYPE, args.tags),
        **exemption_tags(
            where,
            declared=args.exemptions,
            loosened={AI_PROTECTION_POLICY: ("guardduty_ai_protection_off_reason", weakened.get(AI_PROTECTION_POLICY))},
        ),
    }
    return _Plan(
        off=off,
        weakened=weakened,
        finding_frequency=frequency,
        features=features,
        scan_type=scan_type,
        scan_frequency=scan_frequency,
        ebs_key_arn=ebs_arn,
        ebs_dependencies=tuple(ebs_dependencies),
        trail=trail,
        bedrock=bedrock,
        existing=existing,
        detector_tags=detector_tags,
    )


# -- the component --------------------------------------------------------------------------------------------


class AccountBaseline(pulumi.ComponentResource):
    """The account's singletons (see the module docstring).

    Outputs for ``SecureMlEnvironment``: ``detector_id`` (the created detector's id, an existing one's, or None),
    ``registry_scanning_configured``, ``container_registry_scanning`` (what ``SecureContainerRepository`` takes),
    ``trail_name`` and ``trail_arn`` (the account trail's, known at preview; an existing trail's otherwise),
    ``not_managed_here`` (singleton → reason) and ``weakened`` (policy → reason); the resources (``detector``,
    ``detector_features``, ``registry_scanning``, ``public_access_block``, ``ebs_default_key``,
    ``ebs_encryption``, ``trail``, ``bedrock_log_group``, ``bedrock_role``, ``bedrock_logging``), None when off.
    """

    detector: aws.guardduty.Detector | None
    detector_features: dict[str, aws.guardduty.DetectorFeature]
    registry_scanning: aws.ecr.RegistryScanningConfiguration | None
    public_access_block: aws.s3.AccountPublicAccessBlock | None
    ebs_default_key: aws.ebs.DefaultKmsKey | None
    ebs_encryption: aws.ebs.EncryptionByDefault | None
    trail: AuditTrail | None
    bedrock_log_group: EncryptedLogGroup | None
    bedrock_role: WorkloadRole | None
    bedrock_role_policy: aws.iam.RolePolicy | None
    bedrock_logging: aws.bedrockmodel.InvocationLoggingConfiguration | None
    detector_id: pulumi.Output[str] | str | None
    registry_scanning_configured: bool
    trail_name: str | None
    trail_arn: str | None
    not_managed_here: dict[str, str]
    weakened: dict[str, str]

    def __init__(
        self,
        name: str,
        args: AccountBaselineArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        context: AwsContext | None = None,
    ) -> None:
        where = component_label("AccountBaseline", name)
        context = context or AwsContext.from_stack()
        plan = _plan(where, context, args)
        super().__init__(TYPE, name, None, opts)

        self._logical_name = name
        self.context = context
        self.not_managed_here = dict(plan.off)
        self.weakened = dict(plan.weakened)
        existing = plan.existing
        self.detector_id = existing.detector_id if existing is not None else None
        self.trail_name = existing.trail_name if existing is not None else None
        self.trail_arn = self.trail_name if self.trail_name is not None and self.trail_name.startswith("arn:") else None
        self.detector, self.detector_features, self.registry_scanning = None, {}, None
        self.public_access_block, self.ebs_default_key, self.ebs_encryption, self.trail = None, None, None, None
        self.bedrock_log_group, self.bedrock_role, self.bedrock_role_policy, self.bedrock_logging = (
            None,
            None,
            None,
            None,
        )

        if args.guardduty:
            self._create_detector(name, plan)
        if args.registry_scanning:
            self._create_registry_scanning(name, plan)
        self.registry_scanning_configured = self.registry_scanning is not None or (
            existing is not None and existing.registry_scanning_configured
        )
        if args.s3_public_access_block:
            self.public_access_block = aws.s3.AccountPublicAccessBlock(
                f"{name}-s3-public-access-block",
                account_id=context.account_id,
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
                opts=pulumi.ResourceOptions(parent=self),
            )
        if plan.ebs_key_arn is not None:
            self._create_ebs_defaults(name, plan.ebs_key_arn, plan.ebs_dependencies)
        if plan.trail is not None:
            self._create_trail(name, plan.trail, args.tags)
        if plan.bedrock is not None:
            self._create_bedrock_logging(name, plan.bedrock, args.tags)

        for singleton, reason in self.not_managed_here.items():
            pulumi.log.info(f"{where}: {singleton} is not managed here: {reason}", resource=self)
        for policy, reason in self.weakened.items():
            pulumi.log.warn(f"{where}: weaker than the default, reported under {policy}: {reason}", resource=self)
        self.register_outputs(
            {
                "detectorId": self.detector_id,
                "registryScanningConfigured": self.registry_scanning_configured,
                "trailName": self.trail_name,
                "trailArn": self.trail_arn,
                "notManagedHere": self.not_managed_here,
                "weakened": self.weakened,
            }
        )

    # -- the singletons ---------------------------------------------------------------------------------------

    def _create_detector(self, name: str, plan: _Plan) -> None:
        self.detector = aws.guardduty.Detector(
            f"{name}-detector",
            enable=True,
            finding_publishing_frequency=plan.finding_frequency,
            tags=plan.detector_tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.detector_id = self.detector.id
        for feature in plan.features:
            self.detector_features[feature] = aws.guardduty.DetectorFeature(
                f"{name}-{feature.lower().replace('_', '-')}",
                detector_id=self.detector.id,
                name=feature,
                status="ENABLED",
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _create_registry_scanning(self, name: str, plan: _Plan) -> None:
        self.registry_scanning = aws.ecr.RegistryScanningConfiguration(
            f"{name}-registry-scanning",
            scan_type=plan.scan_type,
            rules=[
                aws.ecr.RegistryScanningConfigurationRuleArgs(
                    scan_frequency=plan.scan_frequency,
                    repository_filters=[
                        aws.ecr.RegistryScanningConfigurationRuleRepositoryFilterArgs(
                            filter=EVERY_REPOSITORY, filter_type="WILDCARD"
                        )
                    ],
                )
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_ebs_defaults(
        self, name: str, key_arn: pulumi.Input[str], dependencies: tuple[pulumi.Resource, ...]
    ) -> None:
        self.ebs_default_key = aws.ebs.DefaultKmsKey(
            f"{name}-ebs-default-key",
            key_arn=key_arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(dependencies)),
        )
        # Turned on after the key is the default: no volume is encrypted with aws/ebs in between.
        self.ebs_encryption = aws.ebs.EncryptionByDefault(
            f"{name}-ebs-encryption",
            enabled=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.ebs_default_key]),
        )

    def _create_trail(self, name: str, trail: AccountTrail, tags: Mapping[str, str]) -> None:
        self.trail = AuditTrail(
            f"{name}-trail",
            AuditTrailArgs(
                key=trail.key,
                audit_bucket=trail.audit_bucket,
                purpose=trail.purpose,
                s3_key_prefix=trail.s3_key_prefix,
                creator=trail.creator,
                log_retention_in_days=trail.log_retention_in_days,
                log_retention_below_strict_minimum_reason=trail.log_retention_below_strict_minimum_reason,
                tags=tags,
            ),
            pulumi.ResourceOptions(parent=self),
            context=self.context,
        )
        self.trail_name = self.trail.trail_name
        self.trail_arn = self.trail.trail_arn

    def _create_bedrock_logging(self, name: str, logging: BedrockInvocationLogging, tags: Mapping[str, str]) -> None:
        context = self.context
        child = pulumi.ResourceOptions(parent=self)
        cloudwatch = None
        depends_on: list[pulumi.Resource] = []
        if logging.log_group_key is not None:
            group = EncryptedLogGroup(
                f"{name}-bedrock-logs",
                EncryptedLogGroupArgs(
                    key=logging.log_group_key,
                    log_group_name=bedrock_log_group_name(context),
                    retention_in_days=logging.log_retention_in_days,
                    retention_below_strict_minimum_reason=logging.log_retention_below_strict_minimum_reason,
                    data_class=tag_keys.AUDIT,
                    tags=tags,
                ),
                child,
                context=context,
            )
            role = WorkloadRole(
                f"{name}-bedrock-delivery",
                WorkloadRoleArgs(
                    trust=ServiceTrust(service=BEDROCK_PRINCIPAL, source_arn_patterns=[bedrock_source_arn(context)]),
                    purpose=BEDROCK_ROLE_PURPOSE,
                    description=f"Bedrock delivers model invocation logs to {group.name}",
                    tags=tags,
                ),
                child,
                context=context,
            )
            document = PolicyDocument.of(
                [
                    allow(
                        "BedrockDeliverInvocationLogs",
                        BEDROCK_DELIVERY_ACTIONS,
                        [f"{group.arn}:log-stream:{BEDROCK_LOG_STREAM}"],
                    )
                ]
            )
            policy = role.add_policy("bedrock-invocation-logs", document, depends_on=[group.log_group])
            cloudwatch = aws.bedrockmodel.InvocationLoggingConfigurationLoggingConfigCloudwatchConfigArgs(
                log_group_name=group.name, role_arn=role.role_arn
            )
            depends_on = [group.log_group, role.role, policy]
            self.bedrock_log_group, self.bedrock_role, self.bedrock_role_policy = group, role, policy
        s3 = None
        if logging.s3_bucket_name is not None:
            s3 = aws.bedrockmodel.InvocationLoggingConfigurationLoggingConfigS3ConfigArgs(
                bucket_name=logging.s3_bucket_name, key_prefix=logging.s3_key_prefix or None
            )
        self.bedrock_logging = aws.bedrockmodel.InvocationLoggingConfiguration(
            f"{name}-bedrock-invocation-logging",
            logging_config=aws.bedrockmodel.InvocationLoggingConfigurationLoggingConfigArgs(
                cloudwatch_config=cloudwatch,
                s3_config=s3,
                text_data_delivery_enabled=True,
                image_data_delivery_enabled=True,
                embedding_data_delivery_enabled=True,
                video_data_delivery_enabled=True,
            ),
            # Bedrock checks its access to the group, through the role, when the configuration is put.
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
        )

    # -- for the environment ----------------------------------------------------------------------------------

    @property
    def container_registry_scanning(self) -> aws.ecr.RegistryScanningConfiguration | str | None:
        """What ``SecureContainerRepositoryArgs.registry_scanning`` takes: the configuration declared here, the
        ``"account-baseline"`` marker when it exists elsewhere (``existing``), or None when nothing scans."""
        if self.registry_scanning is not None:
            return self.registry_scanning
        return ACCOUNT_BASELINE if self.registry_scanning_configured else None

    @property
    def stack_config_exemptions(self) -> list[dict[str, str]]:
        """Entries for stack config ``mlwarden:exemptions`` declaring weaker choices on resources without tags.

        Only ``BASIC`` registry scanning needs one (the scanning configuration takes no tags); AI Protection's is
        a tag on the detector.
        """
        reason = self.weakened.get(REGISTRY_SCANNING_POLICY)
        if reason is None or self.registry_scanning is None:
            return []
        return [
            {"policy": REGISTRY_SCANNING_POLICY, "name": f"{self._logical_name}-registry-scanning", "reason": reason}
        ]
