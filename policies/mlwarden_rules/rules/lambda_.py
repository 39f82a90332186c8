"""Lambda: inference glue and pipeline steps; who may invoke them and what their configuration carries."""

from __future__ import annotations

from collections.abc import Iterator

from mlwarden_rules import checks
from mlwarden_rules.facts.lambda_ import (
    FUNCTION,
    FUNCTION_URL,
    PERMISSION,
    LambdaFunction,
    LambdaPermission,
    function_facts,
    permission_facts,
    url_auth_type,
)
from mlwarden_rules.model import Compliance, Equivalents, Level, Result, Severity, Status, Threat
from mlwarden_rules.rule import Context, resource_rule
from mlwarden_rules.values import Unknown


def _set(value: object) -> bool:
    """Present: a non-empty value, or an unknown one (an output of another resource is still set)."""
    return isinstance(value, Unknown) or value not in (None, "", [])


@resource_rule(
    "lambda-permission-not-public",
    description=(
        "Lambda permissions must not let everyone invoke a function, and must scope AWS service principals to "
        "the source resource or account (sourceArn / sourceAccount)."
    ),
    severity=Severity.CRITICAL,
    threats=(Threat.ADVERSARIAL_ABUSE, Threat.EXFILTRATION),
    remediation=(
        "Grant invoke permission to a named account, role or organisation (principal_org_id), never '*'. For a "
        "service principal (s3.amazonaws.com, events.amazonaws.com, sns.amazonaws.com…) set source_arn to the "
        "bucket, rule or topic, and source_account, so no other account's resource can trigger the function "
        "(confused deputy)."
    ),
    resource_types=(PERMISSION,),
    facts=permission_facts,
    compliance=Compliance(nist=("AC-3", "AC-6", "AC-21"), mlsec=("MLSEC06-BP01",)),
    equivalents=Equivalents(
        cdk_nag=("LambdaFunctionPublicAccessProhibited",),
        checkov=("CKV_AWS_301", "CKV_AWS_364"),
        prowler=("awslambda_function_not_publicly_accessible",),
    ),
)
def lambda_permission_not_public(permission: LambdaPermission, context: Context) -> Iterator[Result]:
    """Principal ``*`` needs an org, account or source scope; service principals need sourceArn or sourceAccount."""
    principal = permission.principal
    if isinstance(principal, Unknown):
        yield checks.unverifiable(principal, "principal")
        return
    if not isinstance(principal, str) or not principal:
        yield Result.failed("principal is not set", path="principal")
        return
    scoped = _set(permission.source_arn) or _set(permission.source_account)
    if principal == "*":
        if scoped or _set(permission.principal_org_id):
            yield Result.passed()
            return
        public_url = permission.function_url_auth_type == "NONE"
        yield Result.failed(
            "principal is '*' without principal_org_id, source_arn or source_account: anyone"
            + (" on the internet, through the function URL," if public_url else " in any AWS account")
            + " may invoke the function",
            path="principal",
        )
        return
    if permission.is_service and not (scoped or _set(permission.event_source_token)):
        yield Result.failed(
            f"service principal {principal!r} has neither source_arn nor source_account: a resource in any account "
            "can make the service invoke the function",
            path="sourceArn",
        )
        return
    yield Result.passed()


@resource_rule(
    "lambda-function-url-auth",
    description="Lambda function URLs must require IAM authentication (authorizationType AWS_IAM).",
    severity=Severity.HIGH,
    threats=(Threat.ADVERSARIAL_ABUSE, Threat.EXFILTRATION),
    remediation=(
        "Set authorization_type='AWS_IAM' and grant lambda:InvokeFunctionUrl to the callers; for public inference "
        "put API Gateway or CloudFront (with WAF, throttling and authentication) in front instead of a NONE URL."
    ),
    resource_types=(FUNCTION_URL,),
    facts=url_auth_type,
    compliance=Compliance(nist=("AC-3", "IA-2"), mlsec=("MLSEC06-BP01",)),
    equivalents=Equivalents(
        cdk_nag=("LambdaFunctionUrlAuth",),
        checkov=("CKV_AWS_258",),
        prowler=("awslambda_function_url_public",),
    ),
)
def lambda_function_url_auth(auth_type: str | Unknown | None, context: Context) -> Iterator[Result]:
    """``authorizationType`` is ``AWS_IAM`` (it is required; NONE makes the URL public)."""
    yield checks.require_equal(auth_type, "AWS_IAM", path="authorizationType", missing=Status.FAIL)


@resource_rule(
    "lambda-no-secrets-in-environment",
    description="Lambda environment variables must not hold credentials (keys, tokens, passwords).",
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Store the secret in Secrets Manager or SSM Parameter Store, pass its ARN or name in the environment "
        "(DB_PASSWORD_SECRET_ARN) and read it at start-up (the Parameters and Secrets Lambda extension caches "
        "it). Environment variables are returned in clear by lambda:GetFunctionConfiguration."
    ),
    resource_types=(FUNCTION,),
    facts=function_facts,
    compliance=Compliance(nist=("IA-5", "SC-28"), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(checkov=("CKV_AWS_45",), prowler=("awslambda_function_no_secrets_in_variables",)),
)
def lambda_no_secrets_in_environment(fn: LambdaFunction, context: Context) -> Iterator[Result]:
    """Values shaped like credentials, or literals in credential-named variables; name the variable, never the value."""
    if isinstance(fn.variables, Unknown):
        yield checks.unverifiable(fn.variables, "environment.variables")
        return
    for finding in fn.findings:
        yield Result.failed(
            f"environment variable {finding.name} holds a credential: {finding.reason}",
            path=f"environment.variables.{finding.name}",
        )
    for unknown in fn.unknown_secrets:
        yield checks.unverifiable(unknown, f"{unknown.path} (a credential-named variable)")
    if not fn.findings and not fn.unknown_secrets:
        yield Result.passed()


@resource_rule(
    "lambda-environment-kms-encrypted",
    description="Lambda functions with environment variables should encrypt them with a customer managed KMS key.",
    severity=Severity.LOW,
    threats=(Threat.EXFILTRATION,),
    remediation=(
        "Set kms_key_arn to a customer managed key (mlwarden's EncryptionKey) whose key policy limits kms:Decrypt "
        "to the function's role and administrators."
    ),
    resource_types=(FUNCTION,),
    facts=function_facts,
    compliance=Compliance(nist=("SC-28", "SC-12"), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(checkov=("CKV_AWS_173",)),
    default_level=Level.ADVISORY,
)
def lambda_environment_kms_encrypted(fn: LambdaFunction, context: Context) -> Iterator[Result]:
    """``kmsKeyArn`` set whenever there are environment variables (an unknown ARN names a key)."""
    if fn.variables is None or (isinstance(fn.variables, dict) and not fn.variables):
        yield Result.not_applicable("the function has no environment variables")
        return
    if isinstance(fn.kms_key_arn, Unknown):
        yield Result.passed()
        return
    yield checks.require_present(
        fn.kms_key_arn,
        path="kmsKeyArn",
        fail="kmsKeyArn is not set; environment variables are encrypted with the AWS managed key aws/lambda",
    )


@resource_rule(
    "lambda-function-in-vpc",
    description="Lambda functions that handle ML data should run in a VPC, so network controls and endpoints apply.",
    severity=Severity.LOW,
    threats=(Threat.EXFILTRATION,),
    remediation=(
        "Set vpc_config with private subnets and a security group of mlwarden's IsolatedNetwork component; the "
        "function then reaches S3, SageMaker and other services through the VPC endpoints and their policies."
    ),
    resource_types=(FUNCTION,),
    facts=function_facts,
    compliance=Compliance(nist=("SC-7", "AC-4"), mlsec=("MLSEC04-BP01",)),
    equivalents=Equivalents(
        cdk_nag=("LambdaInsideVPC",),
        checkov=("CKV_AWS_117",),
        prowler=("awslambda_function_inside_vpc",),
    ),
    default_level=Level.ADVISORY,
)
def lambda_function_in_vpc(fn: LambdaFunction, context: Context) -> Iterator[Result]:
    """``vpcConfig.subnetIds`` is non-empty."""
    yield checks.require_present(
        fn.subnet_ids,
        path="vpcConfig.subnetIds",
        fail="vpcConfig.subnetIds is not set; the function runs outside any VPC",
    )
