"""Secrets Manager and SSM Parameter Store: where ML workloads keep credentials instead of code.

Data-source passwords, Hugging Face and API tokens and registry credentials belong in Secrets Manager
(encrypted with a customer-managed key, rotated, never shared with everyone) or in SecureString
parameters; a credential in a plain ``String`` parameter is readable by anyone with ``ssm:GetParameter`` and
sits in clear text in the stack's state.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlwarden_rules import checks, thresholds
from mlwarden_rules.facts.secrets import (
    PARAMETER,
    SECRET,
    SECRET_POLICY,
    SECRET_ROTATION,
    SECRETS_MANAGER_MANAGED_KEY,
    SECURE_STRING,
    SSM_MANAGED_KEY,
    Parameter,
    Rotation,
    Secret,
    credential_name,
    credential_values,
    names_managed_key,
    parameter_facts,
    rotation_facts,
    rotations_by_secret_id,
    rotations_of,
    schedule_interval_days,
    secret_facts,
    secret_policy_facts,
)
from mlwarden_rules.iam.document import Malformed, PolicyDocument
from mlwarden_rules.model import Compliance, Equivalents, Level, Param, Result, Severity, Status, Threat
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import Context, resource_rule, stack_rule
from mlwarden_rules.rules.cloudwatch import not_public
from mlwarden_rules.values import Unknown


def _customer_key(value: Any, managed_alias: str, path: str, what: str) -> Result:
    """A customer-managed key is named: not absent (the AWS-managed default), not the managed alias."""
    if isinstance(value, Unknown):
        return Result.passed()  # a key ARN that is an output: a customer key that will exist
    if value in (None, ""):
        return Result.failed(f"{path} is not set, so {what} uses the AWS-managed key {managed_alias}", path=path)
    if names_managed_key(value, managed_alias):
        return Result.failed(f"{path} is {value!r}, the AWS-managed key", path=path)
    return Result.passed()


@resource_rule(
    "secretsmanager-secret-kms-encrypted",
    description="Secrets Manager secrets should be encrypted with a customer-managed KMS key.",
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION,),
    remediation=(
        "Set kms_key_id to a customer-managed key (mlwarden's EncryptionKey). Its key policy is a second, "
        "auditable control on who can decrypt the secret; the AWS-managed aws/secretsmanager key's policy "
        "cannot be restricted or shared across accounts."
    ),
    resource_types=(SECRET,),
    facts=secret_facts,
    compliance=Compliance(nist=("SC-28", "SC-12"), mlsec=("MLSEC02-BP01", "MLSEC03-BP02")),
    equivalents=Equivalents(cdk_nag=("SecretsManagerUsingKMSKey",), checkov=("CKV_AWS_149",)),
    default_level=Level.ADVISORY,
)
def secretsmanager_secret_kms_encrypted(secret: Secret, context: Context) -> Iterator[Result]:
    """``kmsKeyId`` names a customer-managed key."""
    yield _customer_key(secret.kms_key_id, SECRETS_MANAGER_MANAGED_KEY, "kmsKeyId", "the secret")


def _rotation_result(rotation: Rotation, maximum: int) -> Result:
    urn = rotation.view.urn
    if isinstance(rotation.enabled, Unknown):
        return Result.unverifiable(rotation.enabled.path, "rotationEnabled is not known", urn=urn)
    if rotation.enabled is False:
        return Result.failed("rotationEnabled is false", urn=urn)
    rules = rotation.rules
    if isinstance(rules, Unknown):
        return Result.unverifiable(rules.path, "rotationRules is not known", urn=urn)
    if rules is None:
        return Result.failed("the rotation has no rotationRules", urn=urn)
    days, expression = rules.get("automaticallyAfterDays"), rules.get("scheduleExpression")
    if isinstance(days, Unknown):
        return Result.unverifiable(days.path, "rotationRules.automaticallyAfterDays is not known", urn=urn)
    if isinstance(expression, Unknown):
        return Result.unverifiable(expression.path, "rotationRules.scheduleExpression is not known", urn=urn)
    if days is not None:
        if isinstance(days, bool) or not isinstance(days, int | float):
            return Result.failed(f"rotationRules.automaticallyAfterDays is {days!r}, not a number of days", urn=urn)
        interval = int(days)
        source = f"automaticallyAfterDays is {interval}"
    elif isinstance(expression, str):
        bound = schedule_interval_days(expression)
        if bound is None:
            return Result.failed(
                f"scheduleExpression {expression!r} does not bound the interval between rotations here; use "
                "automaticallyAfterDays or rate(N days)",
                urn=urn,
            )
        interval = bound
        source = f"scheduleExpression {expression!r} allows {interval} days"
    else:
        return Result.failed("rotationRules sets neither automaticallyAfterDays nor scheduleExpression", urn=urn)
    if interval > maximum:
        return Result.failed(f"rotationRules.{source}; rotate at least every {maximum} days", urn=urn)
    return Result.passed(urn=urn)


@stack_rule(
    "secretsmanager-secret-rotation",
    description="Secrets Manager secrets should rotate automatically at least every configured number of days.",
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION, Threat.DATA_POISONING),
    remediation=(
        "Add an aws.secretsmanager.SecretRotation(secret_id=secret.id, rotation_lambda_arn=..., "
        "rotation_rules={'automatically_after_days': N}) with N at most maximumRotationDays (90 in the strict "
        "preset). A leaked data-source or API credential then stops working on its own."
    ),
    resource_types=(SECRET, SECRET_ROTATION),
    compliance=Compliance(nist=("IA-5",), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(
        cdk_nag=("AwsSolutions-SMG4", "SecretsManagerRotationEnabled"),
        checkov=("CKV2_AWS_57", "CKV_AWS_304"),
        prowler=("secretsmanager_automatic_rotation_enabled",),
    ),
    default_level=Level.ADVISORY,
    params=(
        Param(
            "maximumRotationDays",
            {"type": "integer", "minimum": 1, "maximum": 1000},
            default=365,
            strict=thresholds.MAX_SECRET_ROTATION_DAYS,
            description="Longest accepted interval between automatic rotations (Secrets Manager accepts 1-1000).",
        ),
    ),
)
def secretsmanager_secret_rotation(stack: StackView, context: Context) -> Iterator[Result]:
    """Each secret has a rotation joined on ``secretId`` whose interval is within the maximum."""
    maximum = int(context.param("maximumRotationDays"))
    by_id = rotations_by_secret_id(stack)
    for view in stack.of_type(SECRET):
        secret = secret_facts(view)
        rotations = rotations_of(stack, secret, by_id)
        if not rotations:
            yield Result.failed("no SecretRotation rotates this secret", urn=view.urn)
            continue
        results = [_rotation_result(rotation_facts(r), maximum) for r in rotations]
        passing = next((r for r in results if r.status is Status.PASS), None)
        if passing is not None:
            yield Result.passed(urn=view.urn)
            continue
        for r in results:
            # Report on the secret so its exemption tags apply; the message names the rotation's problem.
            if r.status is Status.UNVERIFIABLE:
                yield Result.unverifiable(r.path or "rotationRules", r.message, urn=view.urn)
            else:
                yield Result.failed(r.message, urn=view.urn)


@resource_rule(
    "secretsmanager-secret-policy-not-public",
    description="Secrets Manager resource policies must not grant access to everyone.",
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION,),
    remediation=(
        "Name the roles or accounts that read the secret (pin a wildcard principal with aws:PrincipalOrgID or "
        "aws:PrincipalAccount), and set block_public_policy=True on the SecretPolicy so Secrets Manager "
        "refuses public policies itself."
    ),
    resource_types=(SECRET_POLICY, SECRET),
    facts=secret_policy_facts,
    compliance=Compliance(nist=("AC-3", "AC-6"), mlsec=("MLSEC03-BP01",)),
    equivalents=Equivalents(prowler=("secretsmanager_not_publicly_accessible",)),
)
def secretsmanager_secret_policy_not_public(
    doc: PolicyDocument | Malformed | Unknown | None, context: Context
) -> Iterator[Result]:
    """No Allow for ``*`` without a condition pinning account, organisation, source or network."""
    yield from not_public(doc, "policy", "secret policy")


def _secure_string(resource: ResourceView, context: Context) -> Mapping[str, Any] | None:
    facts = parameter_facts(resource)
    if facts.type == SECURE_STRING or isinstance(facts.type, Unknown) or not _looks_like_credential(facts):
        return None
    return {"type": SECURE_STRING}


def _looks_like_credential(p: Parameter) -> bool:
    name_hit = isinstance(p.name, str) and credential_name(p.name) is not None
    value_hit = isinstance(p.value, str) and next(credential_values(p.value), None) is not None
    return name_hit or value_hit


@resource_rule(
    "ssm-parameter-secure-string",
    description="SSM parameters whose names or values look like credentials must be SecureString parameters.",
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Set type='SecureString' with a customer-managed key_id, or move the credential to Secrets Manager "
        "with rotation. A String parameter is returned in clear text to anyone with ssm:GetParameter, appears "
        "in the console and in the stack's state. The automatic fix changes the type."
    ),
    resource_types=(PARAMETER,),
    facts=parameter_facts,
    compliance=Compliance(nist=("IA-5", "SC-28"), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(checkov=("CKV2_AWS_34",)),
    remediate=_secure_string,
    audit_only_note=(
        "A value that is unknown at preview (an output) is not classified; only the name is. Name generated "
        "credentials as such, or keep them in Secrets Manager."
    ),
)
def ssm_parameter_secure_string(p: Parameter, context: Context) -> Iterator[Result]:
    """Credential-like names (whole words) or values (known credential shapes) need ``SecureString``."""
    if p.type == SECURE_STRING:
        yield Result.passed()
        return
    reasons: list[str] = []
    if isinstance(p.name, str):
        word = credential_name(p.name)
        if word:
            reasons.append(f"its name contains {word!r}")
    if isinstance(p.value, str):
        reasons.extend(f"its value looks like {kind}" for kind in credential_values(p.value))
    if not reasons:
        if isinstance(p.name, Unknown):
            yield checks.unverifiable(p.name, "the parameter's name")
        else:
            yield Result.not_applicable("the name and value do not look like a credential")
        return
    if isinstance(p.type, Unknown):
        yield checks.unverifiable(p.type, "the parameter's type")
        return
    yield Result.failed(
        f"the parameter is of type {p.type!r} but {' and '.join(reasons)}; it must be a SecureString", path="type"
    )


@resource_rule(
    "ssm-parameter-kms-key",
    description="SecureString parameters should be encrypted with a customer-managed KMS key.",
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION,),
    remediation=(
        "Set key_id to a customer-managed key (mlwarden's EncryptionKey); the default alias/aws/ssm key's policy "
        "lets every principal of the account with ssm:GetParameter decrypt."
    ),
    resource_types=(PARAMETER,),
    facts=parameter_facts,
    compliance=Compliance(nist=("SC-12", "SC-28"), mlsec=("MLSEC02-BP01",)),
    equivalents=Equivalents(checkov=("CKV_AWS_337",)),
    default_level=Level.ADVISORY,
)
def ssm_parameter_kms_key(p: Parameter, context: Context) -> Iterator[Result]:
    """A SecureString names a customer-managed ``keyId``."""
    if isinstance(p.type, Unknown):
        yield checks.unverifiable(p.type, "the parameter's type")
    elif p.type != SECURE_STRING:
        yield Result.not_applicable("only SecureString parameters are encrypted")
    else:
        yield _customer_key(p.key_id, SSM_MANAGED_KEY, "keyId", "the parameter")
