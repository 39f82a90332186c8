"""Security groups: what may reach ML hosts and notebooks, and where they may send data.

Every rule reads the one permission model of :mod:`mlwarden_rules.facts.network`, so inline blocks,
``aws:ec2/securityGroupRule`` and the ``aws:vpc`` rule resources are judged alike. Port semantics: a
rule admits a port when its protocol is ``-1``/``all``, or it is TCP (or UDP where the service uses UDP)
and its ``fromPort``-``toPort`` range includes the port.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Final

from mlwarden_rules import checks
from mlwarden_rules.facts.network import (
    DEFAULT_SECURITY_GROUP,
    EGRESS,
    GROUPS,
    INGRESS,
    PROVIDER_DEFAULT_DESCRIPTIONS,
    SECURITY_GROUP,
    SECURITY_GROUP_EGRESS_RULE,
    SECURITY_GROUP_INGRESS_RULE,
    SECURITY_GROUP_RULE,
    STANDALONE_RULES,
    Cidr,
    Permission,
    Reach,
    SecurityGroupFacts,
    cidr_reach,
    covers_port,
    declared_rules,
    declared_view,
    opens_all_ports,
    security_group_facts,
    within_any,
    workload_groups,
)
from mlwarden_rules.model import Compliance, Equivalents, Level, Param, Result, Severity, Threat
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import Context, resource_rule, stack_rule
from mlwarden_rules.values import Unknown

INGRESS_TYPES: Final = (SECURITY_GROUP, DEFAULT_SECURITY_GROUP, SECURITY_GROUP_RULE, SECURITY_GROUP_INGRESS_RULE)

#: How many reached ports a message names before summarising the rest.
MAX_PORTS_NAMED: Final = 4

#: Remote administration ports (CIS AWS Foundations 5.2/5.3: TCP, UDP or all protocols).
ADMIN_PORTS: Final[Mapping[int, str]] = {22: "SSH", 3389: "RDP"}

#: ML tooling that listens on well-known TCP ports and, by default, authenticates nobody or executes code
#: for whoever reaches it. Each entry names the service and why its exposure is dangerous.
ML_PORTS: Final[Mapping[int, str]] = {
    8888: "Jupyter (notebook server: code execution as the notebook's role)",
    6006: "TensorBoard (training logs, model graphs and embeddings)",
    5000: "MLflow tracking server (no authentication by default; experiment data and model artifacts)",
    8265: "Ray dashboard and Jobs API (unauthenticated job submission, CVE-2023-48022)",
    10001: "Ray client server (remote code execution on the cluster)",
    6379: "Ray GCS / Redis (cluster control plane)",
    8786: "Dask scheduler (runs submitted pickled functions)",
    8787: "Dask dashboard",
    7077: "Spark standalone master (unauthenticated job submission)",
    4040: "Spark application UI",
    7860: "Gradio app",
    8501: "Streamlit / TensorFlow Serving REST",
    8500: "TensorFlow Serving gRPC",
    8000: "Triton Inference Server HTTP / vLLM OpenAI-compatible server",
    8001: "Triton Inference Server gRPC",
    8002: "Triton Inference Server metrics",
    8080: "TorchServe inference API",
    8081: "TorchServe management API (registers models from URLs, CVE-2023-43654)",
    8082: "TorchServe metrics API",
    11434: "Ollama API (no authentication)",
    2375: "Docker Engine API without TLS (root on the host)",
    2376: "Docker Engine API",
}

ALLOWED_INGRESS_CIDRS = Param(
    "allowedIngressCidrs",
    {"type": "array", "items": {"type": "string", "minLength": 1}},
    default=[],
    strict=[],
    description=(
        "Public CIDR blocks (office or VPN egress ranges) from which these ports may be reached. Sources inside "
        "private address space, security groups and prefix lists are never flagged."
    ),
)

_COMMON_REMEDIATION = (
    "Reach hosts through SSM Session Manager or a VPN into the VPC instead of public ingress; allow ingress only "
    "from security groups, prefix lists or private CIDR blocks. mlwarden's IsolatedNetwork component creates "
    "workload security groups that admit only their own members and the VPC endpoints."
)


def _where(permission: Permission) -> str:
    return permission.path or "the rule"


def _unknown_rules(facts: SecurityGroupFacts) -> Iterator[Result]:
    for unknown in facts.rules.unknown:
        yield checks.unverifiable(unknown, "the rule list")


def _ingress(facts: SecurityGroupFacts) -> Iterator[Permission]:
    """Permissions that are, or may be, ingress."""
    return (p for p in facts.rules.permissions if p.direction != EGRESS)


@resource_rule(
    "ec2-security-group-no-public-ingress",
    description="Security groups must not admit traffic from the whole internet (0.0.0.0/0 or ::/0) on any port.",
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.DATA_POISONING, Threat.ADVERSARIAL_ABUSE),
    remediation=(
        "Replace 0.0.0.0/0 and ::/0 sources with the security groups, prefix lists or private CIDR blocks that "
        "need access. Internet-facing inference belongs behind a load balancer or API Gateway whose own group is "
        "exempted with a reason. " + _COMMON_REMEDIATION
    ),
    resource_types=INGRESS_TYPES,
    facts=security_group_facts,
    compliance=Compliance(nist=("SC-7", "AC-4", "CM-7"), mlsec=("MLSEC03-BP02", "MLSEC04-BP01")),
    equivalents=Equivalents(
        cdk_nag=("AwsSolutions-EC23",),
        checkov=("CKV_AWS_277", "CKV_AWS_260"),
        prowler=(
            "ec2_securitygroup_allow_ingress_from_internet_to_all_ports",
            "ec2_securitygroup_allow_ingress_from_internet_to_any_port",
        ),
    ),
)
def ec2_security_group_no_public_ingress(sg: SecurityGroupFacts, context: Context) -> Iterator[Result]:
    """Fail on every ingress rule with an internet-wide source, whatever its ports."""
    found = False
    for result in _unknown_rules(sg):
        found = True
        yield result
    for permission in _ingress(sg):
        wide = [c for c in permission.cidrs if isinstance(c.value, str) and cidr_reach(c.value) is Reach.INTERNET]
        unknown = [c.value for c in permission.cidrs if isinstance(c.value, Unknown)]
        if wide:
            found = True
            if isinstance(permission.direction, Unknown):
                yield checks.unverifiable(permission.direction, "the rule's type (ingress or egress)")
                continue
            sources = ", ".join(str(c.value) for c in wide)
            yield Result.failed(
                f"{_where(permission)} admits {permission.describe()} from {sources} (the whole internet)",
                path=wide[0].path,
            )
        elif unknown:
            found = True
            yield checks.unverifiable(unknown[0], "the source CIDR block")
    if not found:
        yield Result.passed()


def _port_exposures(
    sg: SecurityGroupFacts,
    ports: Mapping[int, str],
    protocols: Sequence[str],
    allowed: Sequence[str],
) -> Iterator[Result]:
    """Fail where a public source (outside ``allowed``) reaches one of ``ports``; unknowns are unverifiable."""
    found = False
    for result in _unknown_rules(sg):
        found = True
        yield result
    for permission in _ingress(sg):
        hit: list[int] = []
        undecided: Unknown | None = None
        for port in ports:
            covered = covers_port(permission, port, protocols)
            if isinstance(covered, Unknown):
                undecided = covered
            elif covered:
                hit.append(port)
        if not hit and undecided is None:
            continue
        exposed: list[Cidr] = []
        unknown_source: Unknown | None = None
        for cidr in permission.cidrs:
            if isinstance(cidr.value, Unknown):
                unknown_source = cidr.value
            elif cidr_reach(cidr.value) in (Reach.INTERNET, Reach.PUBLIC) and not within_any(cidr.value, allowed):
                exposed.append(cidr)
        if exposed and hit and not isinstance(permission.direction, Unknown):
            found = True
            shown = [f"{p} ({ports[p].split(' (')[0]})" for p in sorted(hit)[:MAX_PORTS_NAMED]]
            more = len(hit) - len(shown)
            named = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
            sources = ", ".join(str(c.value) for c in exposed)
            internet = any(cidr_reach(str(c.value)) is Reach.INTERNET for c in exposed)
            label = "the whole internet" if internet else "public addresses outside allowedIngressCidrs"
            yield Result.failed(
                f"{_where(permission)} admits {permission.describe()} from {sources} ({label}), reaching {named}",
                path=exposed[0].path,
            )
        elif exposed:
            # A public source without a known hit: the ports, protocol or direction are unknown.
            found = True
            pending = undecided if undecided is not None else permission.direction
            if isinstance(pending, Unknown):
                yield checks.unverifiable(pending, "the rule's protocol, ports or type")
        elif unknown_source is not None:
            found = True
            yield checks.unverifiable(unknown_source, "the source CIDR block")
    if not found:
        yield Result.passed()


@resource_rule(
    "ec2-security-group-no-public-admin-ports",
    description="Security groups must not admit SSH (22) or RDP (3389) from public addresses.",
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.DATA_POISONING),
    remediation=(
        "Remove public sources from rules that reach ports 22 and 3389 (over TCP, UDP or all protocols); use "
        "SSM Session Manager for shell access to training hosts. Ranges that must stay (a VPN egress range) go "
        "in allowedIngressCidrs. " + _COMMON_REMEDIATION
    ),
    resource_types=INGRESS_TYPES,
    facts=security_group_facts,
    compliance=Compliance(cis=("5.2", "5.3"), nist=("SC-7", "AC-17", "CM-7"), mlsec=("MLSEC04-BP01",)),
    equivalents=Equivalents(
        cdk_nag=("EC2RestrictedSSH", "EC2RestrictedCommonPorts"),
        checkov=("CKV_AWS_24", "CKV_AWS_25"),
        prowler=(
            "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
            "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389",
        ),
    ),
    params=(ALLOWED_INGRESS_CIDRS,),
)
def ec2_security_group_no_public_admin_ports(sg: SecurityGroupFacts, context: Context) -> Iterator[Result]:
    """Public sources (internet-wide or any public block outside the allow-list) must not reach 22 or 3389."""
    yield from _port_exposures(sg, ADMIN_PORTS, ("tcp", "udp"), context.param("allowedIngressCidrs"))


@resource_rule(
    "ec2-security-group-no-public-ml-ports",
    description=(
        "Security groups must not admit public traffic to ML tooling ports (Jupyter 8888, TensorBoard 6006, "
        "MLflow 5000, Ray 8265/10001, Dask, Spark, Triton, TorchServe, TF Serving, Gradio, Ollama, Docker API)."
    ),
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.DATA_POISONING, Threat.ADVERSARIAL_ABUSE),
    remediation=(
        "Serve notebooks and experiment UIs through SageMaker Studio or an authenticating proxy inside the VPC, "
        "and keep Ray, Dask and model servers on private subnets reachable only from their callers' security "
        "groups. Public ranges that must stay go in allowedIngressCidrs. " + _COMMON_REMEDIATION
    ),
    resource_types=INGRESS_TYPES,
    facts=security_group_facts,
    compliance=Compliance(nist=("SC-7", "AC-4", "CM-7"), mlsec=("MLSEC03-BP02", "MLSEC06-BP01")),
    equivalents=Equivalents(prowler=("ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports",)),
    params=(
        ALLOWED_INGRESS_CIDRS,
        Param(
            "additionalPorts",
            {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 65535}},
            default=[],
            strict=[],
            description="More TCP ports to treat like the built-in ML tooling ports (e.g. an in-house model server).",
        ),
    ),
)
def ec2_security_group_no_public_ml_ports(sg: SecurityGroupFacts, context: Context) -> Iterator[Result]:
    """Public sources must not reach the documented ML tooling ports (and any configured extras)."""
    ports = dict(ML_PORTS)
    for value in context.param("additionalPorts"):
        # Configured numbers may arrive as doubles (the wire has no integers).
        if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
            ports.setdefault(int(value), "configured in additionalPorts")
    yield from _port_exposures(sg, ports, ("tcp",), context.param("allowedIngressCidrs"))


@resource_rule(
    "ec2-default-security-group-closed",
    description="The default security group of a VPC must have no ingress and no egress rules.",
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION, Threat.GENERAL),
    remediation=(
        "Declare aws.ec2.DefaultSecurityGroup without ingress or egress blocks: the provider then removes every "
        "rule from the VPC's default group, so resources launched without a group get no network access. "
        "mlwarden's IsolatedNetwork component adopts and closes it."
    ),
    resource_types=(DEFAULT_SECURITY_GROUP,),
    facts=security_group_facts,
    compliance=Compliance(cis=("5.4",), nist=("SC-7", "AC-4"), mlsec=("MLSEC04-BP01",)),
    equivalents=Equivalents(
        cdk_nag=("VPCDefaultSecurityGroupClosed",),
        checkov=("CKV2_AWS_12",),
        prowler=("ec2_securitygroup_default_restrict_traffic",),
    ),
    audit_only_note=(
        "The default group of a VPC whose DefaultSecurityGroup is not declared in the stack keeps AWS's default "
        "rules; the runtime audit checks it."
    ),
)
def ec2_default_security_group_closed(sg: SecurityGroupFacts, context: Context) -> Iterator[Result]:
    """No inline rules at all (absent blocks mean the provider strips the default rules)."""
    unknown = list(_unknown_rules(sg))
    yield from unknown
    if sg.rules.permissions:
        kinds = sorted({str(p.direction) for p in sg.rules.permissions})
        yield Result.failed(
            f"the default security group declares {len(sg.rules.permissions)} rule(s) ({', '.join(kinds)}); "
            "it must declare none",
            path=sg.rules.permissions[0].path,
        )
    elif not unknown:
        yield Result.passed()


@resource_rule(
    "ec2-security-group-rules-have-descriptions",
    description="Security groups and each of their rules must say what they are for.",
    severity=Severity.LOW,
    threats=(Threat.GENERAL,),
    remediation=(
        "Give the group a description other than the provider default ('Managed by Pulumi') and every rule a "
        "description naming the peer and purpose, so reviewers can tell a needed rule from a forgotten one."
    ),
    resource_types=(SECURITY_GROUP, SECURITY_GROUP_RULE, SECURITY_GROUP_INGRESS_RULE, SECURITY_GROUP_EGRESS_RULE),
    facts=security_group_facts,
    equivalents=Equivalents(cdk_nag=("AwsSolutions-EC27",), checkov=("CKV_AWS_23",)),
    default_level=Level.ADVISORY,
)
def ec2_security_group_rules_have_descriptions(sg: SecurityGroupFacts, context: Context) -> Iterator[Result]:
    """The group description is not the provider default; every rule has a non-empty description."""
    results: list[Result] = list(_unknown_rules(sg))
    if sg.is_group:
        description = sg.group_description
        if isinstance(description, Unknown):
            results.append(checks.unverifiable(description, "description"))
        elif not isinstance(description, str) or not description.strip():
            results.append(Result.failed("the security group has no description", path="description"))
        elif description.strip() in PROVIDER_DEFAULT_DESCRIPTIONS:
            results.append(
                Result.failed(
                    f"description is the provider default {description.strip()!r}; say what the group is for",
                    path="description",
                )
            )
    for permission in sg.rules.permissions:
        value = permission.description
        if isinstance(value, Unknown):
            results.append(checks.unverifiable(value, permission.description_path))
        elif not isinstance(value, str) or not value.strip():
            results.append(
                Result.failed(
                    f"{_where(permission)} ({permission.describe()}) has no description",
                    path=permission.description_path,
                )
            )
    yield from results or [Result.passed()]


# --- stack rules -------------------------------------------------------------------------------------


def _rule_sources(stack: StackView, group: ResourceView) -> list[ResourceView]:
    """The group and the standalone rule resources that add rules to it."""
    return [group, *stack.dependents(group.urn, "securityGroupId", STANDALONE_RULES)]


@stack_rule(
    "ec2-security-group-no-unrestricted-egress",
    description=(
        "Security groups of SageMaker notebooks, training and processing jobs, models and Studio domains must not "
        "allow egress to the whole internet on all ports."
    ),
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Allow egress only to the VPC endpoints' security group on 443, the S3 prefix list, and the group itself "
        "(NFS 2049 and 8192-65535 for Studio, all traffic for distributed training). mlwarden's IsolatedNetwork "
        "component builds these groups. Destinations that must stay go in allowedEgressCidrs."
    ),
    resource_types=(*GROUPS, *STANDALONE_RULES),
    compliance=Compliance(nist=("SC-7", "AC-4"), mlsec=("MLSEC03-BP02", "MLSEC04-BP01")),
    equivalents=Equivalents(checkov=("CKV_AWS_382",)),
    params=(
        Param(
            "allowedEgressCidrs",
            {"type": "array", "items": {"type": "string", "minLength": 1}},
            default=[],
            strict=[],
            description="Internet-wide destinations accepted anyway (for example 0.0.0.0/0 in a sandbox account).",
        ),
        Param(
            "includePortLimitedEgress",
            {"type": "boolean"},
            default=False,
            strict=True,
            description=(
                "Also flag internet-wide egress limited to some ports (443 to 0.0.0.0/0 still lets a compromised "
                "job upload a model to any HTTPS host)."
            ),
        ),
    ),
    audit_only_note="Groups attached to ML workloads outside the stack (by id) are judged by the runtime audit.",
)
def ec2_security_group_no_unrestricted_egress(stack: StackView, context: Context) -> Iterator[Result]:
    """Join workloads to their groups, then judge the egress rules declared inline and by rule resources."""
    allowed: Sequence[str] = context.param("allowedEgressCidrs")
    any_port: bool = context.param("includePortLimitedEgress") is True
    for group_urn, workloads in workload_groups(stack).items():
        group = stack.by_urn(group_urn)
        if group is None:
            continue
        users = ", ".join(sorted({w.name for w in workloads}))
        for source in _rule_sources(stack, group):
            declared = declared_rules(declared_view(stack, source))
            for unknown in declared.unknown:
                yield Result.unverifiable(unknown.path, "the egress rules are not known until apply", urn=source.urn)
            for permission in declared.permissions:
                if permission.direction == INGRESS:
                    continue
                yield from _judge_egress(permission, source, group, users, allowed, any_port)


def _judge_egress(
    permission: Permission,
    source: ResourceView,
    group: ResourceView,
    users: str,
    allowed: Sequence[str],
    any_port: bool,
) -> Iterator[Result]:
    wide = [
        c
        for c in permission.cidrs
        if isinstance(c.value, str) and cidr_reach(c.value) is Reach.INTERNET and not within_any(c.value, allowed)
    ]
    unknown = next((c.value for c in permission.cidrs if isinstance(c.value, Unknown)), None)
    if not wide:
        if unknown is not None:
            yield Result.unverifiable(unknown.path, "the destination CIDR block is not known", urn=source.urn)
        return
    unrestricted: bool | Unknown = True if any_port else opens_all_ports(permission)
    pending = permission.direction if isinstance(permission.direction, Unknown) else None
    if isinstance(unrestricted, Unknown):
        pending = unrestricted
    if pending is not None:
        yield Result.unverifiable(pending.path, "the rule's type, protocol or ports are not known", urn=source.urn)
        return
    if unrestricted:
        where = _where(permission) if source is group else f"rule {source.name!r}"
        yield Result.failed(
            f"{where} lets security group {group.name!r} (used by {users}) send {permission.describe()} to "
            f"{', '.join(str(c.value) for c in wide)}",
            path=wide[0].path,
            urn=source.urn,
        )


def _direction_of(rule: ResourceView) -> str | Unknown | None:
    if rule.type == SECURITY_GROUP_INGRESS_RULE:
        return INGRESS
    if rule.type == SECURITY_GROUP_EGRESS_RULE:
        return EGRESS
    kind = rule.get("type")
    return kind if isinstance(kind, Unknown) or kind in (INGRESS, EGRESS) else None


@stack_rule(
    "ec2-security-group-rule-management-conflicts",
    description=(
        "A standalone security-group rule resource must not target a group that declares inline rules of the same "
        "direction: each apply would remove the other's rules, silently re-opening or closing access."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.GENERAL, Threat.EXFILTRATION),
    remediation=(
        "Manage a group's rules in one place: either inline ingress/egress blocks on the SecurityGroup, or "
        "aws.vpc.SecurityGroupIngressRule / SecurityGroupEgressRule resources (preferred). An explicit empty list "
        "(ingress=[]) also makes the group own, and remove, every rule of that direction."
    ),
    resource_types=(*GROUPS, *STANDALONE_RULES),
    compliance=Compliance(nist=("CM-2", "SC-7")),
    equivalents=Equivalents(awsguard=("security-group-no-rule-management-conflicts",)),
)
def ec2_security_group_rule_management_conflicts(stack: StackView, context: Context) -> Iterator[Result]:
    """Each standalone rule against the inline blocks its group declares (as ``Analyze`` saw them)."""
    for rule in stack.of_type(*STANDALONE_RULES):
        direction = _direction_of(declared_view(stack, rule))
        if direction is None:
            continue
        for group in stack.referenced(rule, "securityGroupId", GROUPS):
            inputs = stack.inputs_of(group)
            if inputs is None:
                yield Result.unverifiable(
                    "ingress" if direction == INGRESS else "egress",
                    f"the inline rules group {group.name!r} declares are not available to this check",
                    urn=rule.urn,
                )
                continue
            directions = (INGRESS, EGRESS) if isinstance(direction, Unknown) else (direction,)
            for candidate in directions:
                inline = inputs.props.get(candidate)
                if inline is None:
                    continue
                if isinstance(direction, Unknown):
                    yield Result.unverifiable(direction.path, "the rule's type is not known", urn=rule.urn)
                    break
                what = "an explicit empty list" if inline == [] else "inline rules"
                yield Result.failed(
                    f"rule {rule.name!r} adds {candidate} to security group {group.name!r}, which declares {what} "
                    f"in {candidate}; the two overwrite each other on every update",
                    path="securityGroupId",
                    urn=rule.urn,
                )
