"""Facts about Lambda functions, permissions and function URLs (inference glue and pipeline steps)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from mlwarden_rules.facts.credentials import is_reference, secret_name, value_patterns
from mlwarden_rules.resources import ResourceView
from mlwarden_rules.values import Unknown, as_list

FUNCTION: Final = "aws:lambda/function:Function"
PERMISSION: Final = "aws:lambda/permission:Permission"
FUNCTION_URL: Final = "aws:lambda/functionUrl:FunctionUrl"

#: Suffixes of AWS service principals (``s3.amazonaws.com``; China regions; Alexa's ``*.amazon.com``).
SERVICE_PRINCIPAL_SUFFIXES: Final = (".amazonaws.com", ".amazonaws.com.cn", ".amazon.com")


@dataclass(frozen=True, slots=True)
class EnvironmentFinding:
    """A variable whose name or value says it holds a credential."""

    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class LambdaFunction:
    """What the Lambda function rules judge."""

    variables: Mapping[str, Any] | Unknown | None
    """``environment.variables`` (None when the function has none)."""
    findings: tuple[EnvironmentFinding, ...]
    unknown_secrets: tuple[Unknown, ...]
    """Values of credential-named variables that are unknown at preview (a reference or a secret)."""
    kms_key_arn: str | Unknown | None
    subnet_ids: list[Any] | Unknown | None


def _scan_variables(variables: Mapping[str, Any]) -> tuple[list[EnvironmentFinding], list[Unknown]]:
    findings: list[EnvironmentFinding] = []
    unknown: list[Unknown] = []
    for name, value in variables.items():
        named = secret_name(str(name))
        if isinstance(value, Unknown):
            if named:
                unknown.append(value)
            continue
        if not isinstance(value, str):
            continue
        kinds = value_patterns(value)
        if kinds:
            findings.append(EnvironmentFinding(str(name), f"its value looks like {kinds[0]}"))
        elif named and not is_reference(value) and len(value.strip()) >= 4:
            findings.append(EnvironmentFinding(str(name), "its name says it is a credential and it holds a literal"))
    return findings, unknown


def function_facts(r: ResourceView) -> LambdaFunction:
    """Facts of an ``aws:lambda/function:Function``."""
    variables = r.get("environment.variables")
    findings: list[EnvironmentFinding] = []
    unknown: list[Unknown] = []
    if isinstance(variables, Mapping):
        findings, unknown = _scan_variables(variables)
    vpc_config = r.get("vpcConfig")
    subnets = vpc_config if isinstance(vpc_config, Unknown) else r.get("vpcConfig.subnetIds")
    return LambdaFunction(
        variables=variables if isinstance(variables, Mapping | Unknown) else None,
        findings=tuple(findings),
        unknown_secrets=tuple(unknown),
        kms_key_arn=r.get("kmsKeyArn"),
        subnet_ids=as_list(subnets) if subnets is not None else None,
    )


@dataclass(frozen=True, slots=True)
class LambdaPermission:
    """One statement of a function's resource policy, as ``aws:lambda/permission:Permission`` declares it."""

    action: str | Unknown | None
    principal: str | Unknown | None
    source_arn: Any
    source_account: Any
    principal_org_id: Any
    event_source_token: Any
    function_url_auth_type: str | Unknown | None

    @property
    def is_service(self) -> bool:
        """Whether the principal is an AWS service principal."""
        return isinstance(self.principal, str) and self.principal.lower().endswith(SERVICE_PRINCIPAL_SUFFIXES)


def permission_facts(r: ResourceView) -> LambdaPermission:
    """Facts of an ``aws:lambda/permission:Permission``."""
    return LambdaPermission(
        action=r.get("action"),
        principal=r.get("principal"),
        source_arn=r.get("sourceArn"),
        source_account=r.get("sourceAccount"),
        principal_org_id=r.get("principalOrgId"),
        event_source_token=r.get("eventSourceToken"),
        function_url_auth_type=r.get("functionUrlAuthType"),
    )


def url_auth_type(r: ResourceView) -> str | Unknown | None:
    """``authorizationType`` of an ``aws:lambda/functionUrl:FunctionUrl``."""
    value = r.get("authorizationType")
    return value if isinstance(value, str | Unknown) or value is None else str(value)
