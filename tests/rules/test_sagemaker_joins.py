"""Stack joins of the SageMaker and ECR rules when programs pass names built as strings.

mlwarden's components build ARNs and names as strings and declare ``depends_on`` (design decision 1), which
the engine records as a plain dependency, not a property dependency. The rule-case harness only expresses
property dependencies, so these joins are tested on a :class:`StackView` directly.
"""

from typing import Any

from mlwarden_rules.model import Status
from mlwarden_rules.registry import by_name
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import Context, StackRule
from mlwarden_rules.values import Unknown

ACCOUNT = "111122223333"


def view(
    type_: str, name: str, props: dict[str, Any], *, deps: tuple[str, ...] = (), **prop_deps: list[str]
) -> ResourceView:
    return ResourceView(
        type=type_,
        name=name,
        urn=f"urn:pulumi:dev::p::{type_}::{name}",
        props=props,
        dependencies=deps,
        property_dependencies={k: tuple(v) for k, v in prop_deps.items()},
    )


def statuses(rule_name: str, *resources: ResourceView) -> list[tuple[Status, str | None, str]]:
    rule = by_name()[rule_name]
    assert isinstance(rule, StackRule)
    params = {p.name: p.default for p in rule.meta.params}
    results = rule.evaluate(StackView(tuple(resources)), Context(params=params))
    return [(r.status, (r.urn or "").rsplit("::", 1)[-1], r.message) for r in results]


ROLE_RULE = "sagemaker-execution-role-not-overly-permissive"
ROLE = "aws:iam/role:Role"
NOTEBOOK = "aws:sagemaker/notebookInstance:NotebookInstance"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
EXCLUSIVE = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
POLICY = "aws:iam/policy:Policy"
FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"


def role(name: str = "ml-dev-notebook") -> ResourceView:
    return view(ROLE, "role", {"name": name, "path": "/ml/"})


def test_role_joined_through_depends_on_and_its_known_arn() -> None:
    r = role()
    notebook = view(NOTEBOOK, "nb", {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/ml/ml-dev-notebook"}, deps=(r.urn,))
    attachment = view(ATTACHMENT, "att", {"role": "ml-dev-notebook", "policyArn": FULL_ACCESS}, deps=(r.urn,))
    found = statuses(ROLE_RULE, r, notebook, attachment)
    assert [(s, n) for s, n, _ in found] == [(Status.FAIL, "nb")]
    assert "AmazonSageMakerFullAccess" in found[0][2]


def test_a_dependency_on_a_role_with_another_name_is_not_a_join() -> None:
    r = role("other-role")
    notebook = view(NOTEBOOK, "nb", {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/ml-dev-notebook"}, deps=(r.urn,))
    found = statuses(ROLE_RULE, r, notebook)
    assert [s for s, _, _ in found] == [Status.NOT_APPLICABLE]


def test_a_matching_name_without_any_dependency_is_not_a_join() -> None:
    r = role()
    notebook = view(NOTEBOOK, "nb", {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/ml/ml-dev-notebook"})
    attachment = view(ATTACHMENT, "att", {"role": "ml-dev-notebook", "policyArn": FULL_ACCESS}, deps=(r.urn,))
    assert [s for s, _, _ in statuses(ROLE_RULE, r, notebook, attachment)] == [Status.NOT_APPLICABLE]


def test_exclusive_attachment_list_pairs_known_arns_and_in_stack_policies() -> None:
    r = role()
    admin = view(
        POLICY,
        "admin",
        {
            "name": "admin",
            "policy": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}',
        },
    )
    exclusive = view(
        EXCLUSIVE,
        "exclusive",
        {
            "roleName": "ml-dev-notebook",
            "policyArns": ["arn:aws:iam::aws:policy/AmazonS3FullAccess", Unknown("policyArns[1]")],
        },
        roleName=[r.urn],
        policyArns=[admin.urn],
    )
    notebook = view(NOTEBOOK, "nb", {"roleArn": Unknown("roleArn")}, roleArn=[r.urn])
    found = statuses(ROLE_RULE, r, admin, exclusive, notebook)
    messages = [m for s, _, m in found if s is Status.FAIL]
    assert any("AmazonS3FullAccess" in m for m in messages), found
    assert any("Policy 'admin'" in m and "administrator access" in m for m in messages), found
    assert not [f for f in found if f[0] is Status.UNVERIFIABLE]


def test_each_role_is_judged_once_for_many_workloads() -> None:
    r = role()
    attachment = view(ATTACHMENT, "att", {"role": "x", "policyArn": FULL_ACCESS}, role=[r.urn])
    notebooks = [view(NOTEBOOK, f"nb{i}", {"roleArn": Unknown("roleArn")}, roleArn=[r.urn]) for i in range(3)]
    found = statuses(ROLE_RULE, r, attachment, *notebooks)
    assert sorted(n for s, n, _ in found if s is Status.FAIL) == ["nb0", "nb1", "nb2"]


ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
SCHEDULE = "aws:sagemaker/monitoringSchedule:MonitoringSchedule"


def _schedule(endpoint_name: str, deps: tuple[str, ...]) -> ResourceView:
    config = {
        "monitoringType": "DataQuality",
        "monitoringJobDefinition": {"monitoringInputs": {"endpointInput": {"endpointName": endpoint_name}}},
    }
    return view(SCHEDULE, "mon", {"monitoringScheduleConfig": config}, deps=deps)


def test_monitoring_schedule_joined_through_depends_on_and_the_endpoint_name() -> None:
    endpoint = view(ENDPOINT, "ep", {"name": "ml-dev-fraud"})
    found = statuses("sagemaker-endpoint-has-monitoring-schedule", endpoint, _schedule("ml-dev-fraud", (endpoint.urn,)))
    assert [s for s, _, _ in found] == [Status.PASS]


def test_monitoring_schedule_for_another_name_leaves_the_endpoint_unmonitored() -> None:
    endpoint = view(ENDPOINT, "ep", {"name": "ml-dev-fraud"})
    found = statuses("sagemaker-endpoint-has-monitoring-schedule", endpoint, _schedule("ml-dev-other", (endpoint.urn,)))
    assert [s for s, _, _ in found] == [Status.FAIL]


def test_ecr_lifecycle_policy_joined_through_depends_on_and_the_repository_name() -> None:
    repository = view("aws:ecr/repository:Repository", "repo", {"name": "ml-dev-serve"})
    lifecycle = view(
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "lc",
        {"repository": "ml-dev-serve", "policy": "{}"},
        deps=(repository.urn,),
    )
    found = statuses("ecr-repository-lifecycle-policy", repository, lifecycle)
    assert [s for s, _, _ in found] == [Status.PASS]
