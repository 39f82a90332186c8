"""What the pulumi-aws bridge does to inputs at ``Check`` that changes what a policy pack sees.

Properties that pulumi-aws types as a policy document (``Union[str, PolicyDocumentArgs]``) are turned
into a JSON string by ``TransformJSONDocument``; when any leaf of the document is unknown, the whole
property becomes one unknown string ("We can't marshal properties that contain unknowns. Turn these into
an unknown value instead."). A real first preview therefore sees such documents as unknown, and so must
the offline preview (design decision 1).

The table is generated from the installed pulumi-aws SDK (``tests/preview/test_bridge_table.py``
regenerates it and fails when it is stale).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from mlwarden_rules.values import SECRET_SIG, SIG_KEY, UNKNOWN_SENTINELS, UNKNOWN_STRING

#: Resource type → engine names of its policy-document properties (pulumi-aws 7.51).
POLICY_DOCUMENT_PROPERTIES: Final[Mapping[str, tuple[str, ...]]] = {
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": ("policyDocument",),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": ("policy",),
    "aws:ecr/registryPolicy:RegistryPolicy": ("policy",),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": ("policy",),
    "aws:elasticsearch/domain:Domain": ("accessPolicies",),
    "aws:elasticsearch/domainPolicy:DomainPolicy": ("accessPolicies",),
    "aws:iam/groupPolicy:GroupPolicy": ("policy",),
    "aws:iam/policy:Policy": ("policy",),
    "aws:iam/role:Role": ("assumeRolePolicy",),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:iam/userPolicy:UserPolicy": ("policy",),
    "aws:s3/bucket:Bucket": ("policy",),
    "aws:s3/bucketPolicy:BucketPolicy": ("policy",),
    "aws:sns/topicPolicy:TopicPolicy": ("policy",),
    "aws:sqs/queuePolicy:QueuePolicy": ("policy",),
}


def _contains_unknown(value: Any) -> bool:
    if isinstance(value, str):
        return value in UNKNOWN_SENTINELS
    if isinstance(value, Mapping):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(v) for v in value)
    return False


def _unwrap_secrets(value: Any) -> tuple[Any, bool]:
    if isinstance(value, Mapping):
        if value.get(SIG_KEY) == SECRET_SIG:
            inner, _ = _unwrap_secrets(value.get("value"))
            return inner, True
        out, secret = {}, False
        for k, v in value.items():
            out[k], s = _unwrap_secrets(v)
            secret = secret or s
        return out, secret
    if isinstance(value, list):
        items, secret = [], False
        for v in value:
            item, s = _unwrap_secrets(v)
            items.append(item)
            secret = secret or s
        return items, secret
    return value, False


def check_document(value: Any) -> Any:
    """A policy-document property after ``Check``: a JSON string, or the unknown sentinel."""
    if not isinstance(value, Mapping | list) or (
        isinstance(value, Mapping) and value.get(SIG_KEY) == SECRET_SIG and isinstance(value.get("value"), str)
    ):
        return value
    plain, secret = _unwrap_secrets(value)
    result: Any = (
        UNKNOWN_STRING if _contains_unknown(plain) else json.dumps(plain, sort_keys=True, separators=(",", ":"))
    )
    return {SIG_KEY: SECRET_SIG, "value": result} if secret else result


def check_inputs(resource_type: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Apply the bridge's document transform to a resource's inputs."""
    props = POLICY_DOCUMENT_PROPERTIES.get(resource_type)
    if not props:
        return dict(inputs)
    checked = dict(inputs)
    for prop in props:
        if prop in checked:
            checked[prop] = check_document(checked[prop])
    return checked
