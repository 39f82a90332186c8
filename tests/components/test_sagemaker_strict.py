"""The SageMaker and container components, wired with the foundation ones, against the whole pack at ``strict``.

The program is ``programs/sagemaker`` (one of each component: repository, endpoint with invoke grant,
notebook, Studio domain, model registry, and the roles, keys and buckets they use). It runs under the
offline preview exactly as ``mlwarden preview --policy-pack-config policies/presets/strict.json`` runs it:
recorded with first-preview semantics, then sent to the pack process over the analyzer protocol.

What the results may contain, and why:

* no violation, no rule error, no UNVERIFIABLE result that is not exempted;
* exempted, each with its reason: the model bucket's VPC-endpoint restriction and trail (this program has no
  network and no trail), the endpoint's Model Monitor schedule (created by the pipeline), and — at a first
  preview only — the data-capture key field, which is the monitoring key's ARN output (design decision 2's
  named exception, declared by ``SecureModelEndpoint`` with an ``unknown-at-preview`` tag). Once the
  resources exist the key is known and judged: after creation there is no UNVERIFIABLE result at all.

Rules that need a network: ``sagemaker-notebook-in-vpc``, ``sagemaker-model-in-vpc`` and the domain's
``VpcOnly`` placement only need subnet and security group ids, which the program passes as plain ids; the
network rules (flow logs, security groups, endpoints) judge ``IsolatedNetwork`` itself and have nothing to
judge here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from testkit.paths import PACK_DIR, PRESETS_DIR
from testkit.sagemaker_program import PROGRAM_DIR, load_ml_stack

from mlwarden.components import AwsContext
from mlwarden.components.sagemaker_endpoint import EndpointVariant
from mlwarden.preview import Diagnostic, PreviewResult, State, analyze, offline_invokes, run_preview
from mlwarden.project import load_project, load_stack_config
from mlwarden.recorder import run_program

STRICT = PRESETS_DIR / "strict.json"
STACK = "test"
HEADER_KEY = "s3-kms-header-fields-name-key-by-arn"
REGISTRY_POLICY = "sagemaker-model-package-group-policy-restricted"
CONSUMER = "444455556666"
EXEMPTED_BY_DESIGN = {
    ("cloudtrail-in-stack", "models"),
    ("s3-data-bucket-vpc-endpoint-only", "models"),
    ("sagemaker-endpoint-has-monitoring-schedule", "churn-endpoint"),
}


ml = load_ml_stack()


def preview_of(
    build: Callable[[AwsContext], object] | None = None, *, created: bool = False, config: Path = STRICT
) -> PreviewResult:
    """Record the program (``build`` instead of the directory's ``__main__``) and analyze it with the pack."""
    project = load_project(PROGRAM_DIR)
    stack = load_stack_config(project, STACK)
    if build is None and not created:
        return run_preview(PROGRAM_DIR, STACK, [PACK_DIR], [config])
    invokes = offline_invokes(stack)
    program: Callable[[], object] | Path = (
        (lambda: build(AwsContext.from_stack())) if build is not None else PROGRAM_DIR
    )
    recording = run_program(
        program, project=project.name, stack=STACK, config=stack.values, invokes=invokes, preview=not created
    )
    return analyze(recording, project, stack, [PACK_DIR], [config])


def findings(result: PreviewResult, state: State) -> set[tuple[str, str]]:
    return {(d.policy, d.resource_name) for d in result.diagnostics if d.state is state}


def describe(diagnostics: list[Diagnostic]) -> str:
    return "\n".join(f"[{d.level}] {d.policy} {d.resource_name}: {d.message}" for d in diagnostics)


def assert_clean(result: PreviewResult) -> None:
    """No violation, rule error or unexempted UNVERIFIABLE, at any level."""
    bad = [d for d in result.diagnostics if d.state is not State.EXEMPTED]
    assert not bad, describe(bad)
    assert all(d.level == "advisory" for d in result.diagnostics)


@pytest.fixture(scope="module")
def first_preview() -> PreviewResult:
    return preview_of()


@pytest.fixture(scope="module")
def after_creation() -> PreviewResult:
    return preview_of(created=True)


def test_the_program_declares_every_component(first_preview: PreviewResult) -> None:
    components = {r.type for r in first_preview.recording.resources if r.type.startswith("mlwarden:")}
    assert {
        "mlwarden:sagemaker:SecureNotebook",
        "mlwarden:sagemaker:SecureStudioDomain",
        "mlwarden:sagemaker:SecureModelEndpoint",
        "mlwarden:sagemaker:ModelRegistry",
        "mlwarden:ecr:SecureContainerRepository",
        "mlwarden:storage:SecureBucket",
    } <= components
    assert first_preview.packs[0].policies, "the pack reported no policies"
    assert len(first_preview.packs[0].policies) >= 150


def test_first_preview_at_strict_has_no_unexempted_result(first_preview: PreviewResult) -> None:
    assert_clean(first_preview)


def test_first_preview_exempts_only_the_declared_cases(first_preview: PreviewResult) -> None:
    assert findings(first_preview, State.EXEMPTED) == {*EXEMPTED_BY_DESIGN, (HEADER_KEY, "churn-config")}


def test_the_only_unknown_at_first_preview_is_the_named_data_capture_key_exception(
    first_preview: PreviewResult,
) -> None:
    (header,) = [d for d in first_preview.diagnostics if d.policy == HEADER_KEY]
    assert "unknown at preview only" in header.message
    assert "unverifiable at preview: dataCaptureConfig.kmsKeyId" in header.message


def test_after_creation_nothing_is_unverifiable_and_only_the_declared_cases_are_exempted(
    after_creation: PreviewResult,
) -> None:
    assert_clean(after_creation)
    assert not [d for d in after_creation.diagnostics if "unverifiable" in d.message]
    assert findings(after_creation, State.EXEMPTED) == EXEMPTED_BY_DESIGN


def test_local_storage_instances_without_a_volume_key_pass_at_strict() -> None:
    result = preview_of(lambda ctx: ml.build(ctx, variants=[EndpointVariant("ml.g5.2xlarge")]), created=True)
    assert_clean(result)
    assert not [d for d in result.diagnostics if d.policy.startswith("sagemaker-endpoint-config")]


def test_studio_notebook_sharing_passes_at_strict_with_the_bucket_key_arn() -> None:
    first = preview_of(lambda ctx: ml.build(ctx, studio_sharing=True))
    assert_clean(first)
    assert (HEADER_KEY, "studio") in findings(first, State.EXEMPTED)  # the named first-preview exception
    created = preview_of(lambda ctx: ml.build(ctx, studio_sharing=True), created=True)
    assert_clean(created)
    assert not [d for d in created.diagnostics if d.policy == HEADER_KEY]


def test_registry_sharing_needs_the_consumer_allow_listed_in_the_pack_config(tmp_path: Path) -> None:
    def shared(ctx: AwsContext) -> object:
        return ml.build(ctx, consumer_account_ids=[CONSUMER])

    refused = preview_of(shared, created=True)
    violations = [d for d in refused.diagnostics if d.state is State.VIOLATION]
    assert {(d.policy, d.resource_name, d.level) for d in violations} == {
        (REGISTRY_POLICY, "churn-models-policy", "mandatory")
    }
    assert len(violations) == 2  # one per statement naming the consumer
    assert all(CONSUMER in d.message for d in violations)
    config: dict[str, Any] = json.loads(STRICT.read_text())
    config[REGISTRY_POLICY] = {**config[REGISTRY_POLICY], "trustedAccountIds": [CONSUMER]}
    allow_listed = tmp_path / "strict-with-consumer.json"
    allow_listed.write_text(json.dumps(config))
    assert_clean(preview_of(shared, created=True, config=allow_listed))


def _owners(result: PreviewResult) -> dict[str, set[str]]:
    """In-stack names a document can mention -> the URNs of the resources they stand for."""
    recording = result.recording
    owners: dict[str, set[str]] = {}
    for role in recording.of_type("aws:iam/role:Role"):
        owners[f"role/{role.inputs['name']}"] = {role.urn}
    for bucket in recording.of_type("aws:s3/bucket:Bucket"):
        owners[f"s3:::{bucket.inputs['bucket']}"] = {bucket.urn}
    for alias in recording.of_type("aws:kms/alias:Alias"):
        owners[alias.inputs["name"]] = {alias.urn, *alias.property_dependencies["targetKeyId"]}
    for endpoint in recording.of_type("aws:sagemaker/endpoint:Endpoint"):
        owners[f"endpoint/{endpoint.inputs['name']}"] = {endpoint.urn}
    for group in recording.of_type("aws:sagemaker/modelPackageGroup:ModelPackageGroup"):
        name = group.inputs["modelPackageGroupName"]
        owners[f"model-package-group/{name}"] = owners[f"model-package/{name}"] = {group.urn}
    return owners


def _mentions(document: dict[str, Any]) -> set[str]:
    """Principals, resources, key aliases and principal-ARN exceptions a document names."""
    found: set[str] = set()
    for statement in document["Statement"]:
        principal = statement.get("Principal")
        if isinstance(principal, dict):
            found.update(principal.get("AWS", []))
        resources = statement.get("Resource", [])
        found.update([resources] if isinstance(resources, str) else resources)
        for block in statement.get("Condition", {}).values():
            for key in ("kms:ResourceAliases", "aws:PrincipalArn"):
                values = block.get(key, [])
                found.update([values] if isinstance(values, str) else values)
    return found


def test_every_document_naming_an_in_stack_resource_by_string_depends_on_it(first_preview: PreviewResult) -> None:
    owners = _owners(first_preview)
    checked = 0
    for resource in first_preview.recording.resources:
        for prop in ("policy", "resourcePolicy"):
            text = resource.inputs.get(prop)
            if not isinstance(text, str) or '"Statement"' not in text:
                continue
            for mention in _mentions(json.loads(text)):
                for marker, urns in owners.items():
                    if mention == marker or mention.endswith(f":{marker}") or f":{marker}/" in mention:
                        missing = urns - set(resource.dependencies) - {resource.urn}
                        assert not missing, f"{resource.name} names {mention} but does not depend on {missing}"
                        checked += 1
    assert checked >= 20
