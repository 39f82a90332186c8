"""The recording engine sees a program as the engine does during a first preview."""

import json

import pulumi
import pulumi_aws as aws
import pytest

from mlwarden.recorder import OfflineInvokes, ProgramError, Recording, UnsupportedInvokeError, run_program
from mlwarden_rules.values import SECRET_SIG, SIG_KEY, UNKNOWN_STRING

POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def record(program, **kwargs) -> Recording:
    return run_program(
        program, project="proj", stack="dev", invokes=OfflineInvokes(account_id="111122223333"), **kwargs
    )


class Outer(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("test:index:Outer", name, {"purpose": "outer"})
        Inner(f"{name}-inner", pulumi.ResourceOptions(parent=self))
        self.register_outputs({"ok": True})


class Inner(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions) -> None:
        super().__init__("test:index:Inner", name, {}, opts)
        aws.s3.Bucket("deep", bucket="deep-bucket", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


def test_urns_have_the_engines_form_for_top_level_and_nested_resources() -> None:
    recording = record(lambda: (Outer("outer"), aws.s3.Bucket("top", bucket="top-bucket")))
    urns = {r.name: r.urn for r in recording.resources}
    assert urns["top"] == "urn:pulumi:dev::proj::aws:s3/bucket:Bucket::top"
    assert urns["outer"] == "urn:pulumi:dev::proj::test:index:Outer::outer"
    assert urns["deep"] == "urn:pulumi:dev::proj::test:index:Outer$test:index:Inner$aws:s3/bucket:Bucket::deep"


def test_parents_and_component_outputs_are_recorded() -> None:
    recording = record(lambda: Outer("outer"))
    outer, inner, deep = (recording.named(n) for n in ("outer", "outer-inner", "deep"))
    assert outer.parent == recording.stack_urn
    assert inner.parent == outer.urn
    assert deep.parent == inner.urn
    assert (outer.custom, deep.custom) == (False, True)
    assert outer.inputs == {"purpose": "outer"}
    assert outer.outputs == {"ok": True}


def test_side_resources_depend_on_their_bucket_through_property_dependencies() -> None:
    def program() -> None:
        bucket = aws.s3.Bucket("data", bucket="data-bucket")
        aws.s3.BucketVersioning("versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"})

    recording = record(program)
    bucket, versioning = recording.named("data"), recording.named("versioning")
    assert versioning.property_dependencies["bucket"] == [bucket.urn]
    assert bucket.urn in versioning.dependencies
    # The bucket's id does not exist before creation: unknown, as in a first preview.
    assert versioning.inputs["bucket"] == UNKNOWN_STRING


def test_outputs_echo_inputs_and_computed_values_are_unknown() -> None:
    def program() -> None:
        bucket = aws.s3.Bucket("data", bucket="data-bucket")
        aws.s3.BucketPolicy("by-name", bucket=bucket.bucket, policy=json.dumps(POLICY))
        aws.s3.BucketPolicy("by-arn", bucket=bucket.arn, policy=json.dumps(POLICY))

    recording = record(program)
    assert recording.named("by-name").inputs["bucket"] == "data-bucket"
    assert recording.named("by-arn").inputs["bucket"] == UNKNOWN_STRING


def test_known_structured_policy_document_becomes_a_json_string() -> None:
    recording = record(lambda: aws.s3.BucketPolicy("p", bucket="b", policy=POLICY))
    policy = recording.named("p").inputs["policy"]
    assert isinstance(policy, str)
    assert json.loads(policy) == POLICY


def test_policy_document_with_an_unknown_leaf_collapses_to_one_unknown_string() -> None:
    def program() -> None:
        bucket = aws.s3.Bucket("data", bucket="data-bucket")
        document = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": bucket.arn}],
        }
        aws.s3.BucketPolicy("p", bucket=bucket.bucket, policy=document)

    assert record(program).named("p").inputs["policy"] == UNKNOWN_STRING


def test_policy_document_built_in_apply_from_an_unknown_is_unknown() -> None:
    def program() -> None:
        bucket = aws.s3.Bucket("data", bucket="data-bucket")
        policy = bucket.arn.apply(lambda arn: json.dumps({"Statement": [{"Resource": arn}]}))
        aws.s3.BucketPolicy("p", bucket=bucket.bucket, policy=policy)

    assert record(program).named("p").inputs["policy"] == UNKNOWN_STRING


def test_resource_reference_is_flattened_to_its_id() -> None:
    def program() -> None:
        bucket = aws.s3.Bucket("data", bucket="data-bucket")
        aws.s3.BucketPolicy("p", bucket=bucket, policy=json.dumps(POLICY))  # type: ignore[arg-type]

    recording = record(program)
    assert recording.named("p").inputs["bucket"] == UNKNOWN_STRING
    assert recording.named("p").property_dependencies["bucket"] == [recording.named("data").urn]


def test_secrets_stay_wrapped_in_the_wire_form() -> None:
    recording = record(lambda: aws.ssm.Parameter("p", type="SecureString", value=pulumi.Output.secret("hunter2")))
    assert recording.named("p").inputs["value"] == {SIG_KEY: SECRET_SIG, "value": "hunter2"}


def test_identity_invokes_are_answered_offline() -> None:
    seen = {}

    def program() -> None:
        seen["account"] = aws.get_caller_identity().account_id
        seen["region"] = aws.get_region().region
        seen["partition"] = aws.get_partition().partition
        seen["zones"] = aws.get_availability_zones().names

    run_program(program, project="p", stack="s", invokes=OfflineInvokes(account_id="111122223333", region="cn-north-1"))
    assert seen == {
        "account": "111122223333",
        "region": "cn-north-1",
        "partition": "aws-cn",
        "zones": ["cn-north-1a", "cn-north-1b", "cn-north-1c"],
    }


def test_an_invoke_that_needs_the_cloud_stops_with_an_error_naming_it() -> None:
    with pytest.raises(UnsupportedInvokeError, match="aws:ec2/getAmi:getAmi") as raised:
        record(lambda: aws.ec2.get_ami(most_recent=True, owners=["amazon"]))
    assert "aws:index/getCallerIdentity:getCallerIdentity" in str(raised.value)


def test_program_exception_is_reported_with_the_programs_own_message() -> None:
    def program() -> None:
        raise ValueError("bucket_name must be lowercase")

    with pytest.raises(ProgramError, match="ValueError: bucket_name must be lowercase"):
        record(program)


def test_consecutive_runs_are_isolated() -> None:
    first = record(lambda: aws.s3.Bucket("a", bucket="a-bucket"))
    second = record(lambda: aws.s3.Bucket("b", bucket="b-bucket"))
    assert [r.name for r in first.resources] == ["a"]
    assert [r.name for r in second.resources] == ["b"]


def test_config_and_secret_keys_reach_the_program() -> None:
    seen = {}

    def program() -> None:
        config = pulumi.Config("proj")
        seen["plain"] = config.get("team")
        aws.ssm.Parameter("p", type="SecureString", value=config.require_secret("token"))

    recording = record(
        program, config={"proj:team": "research", "proj:token": UNKNOWN_STRING}, secret_keys=["proj:token"]
    )
    assert seen["plain"] == "research"
    assert recording.named("p").inputs["value"] == {SIG_KEY: SECRET_SIG, "value": UNKNOWN_STRING}


def test_a_run_that_fails_in_an_apply_does_not_leak_into_the_next() -> None:
    def failing() -> None:
        def explode(_: str) -> str:
            raise ValueError("apply failed")

        aws.s3.Bucket("a", bucket=pulumi.Output.from_input("x").apply(explode))

    with pytest.raises(ProgramError, match="apply failed"):
        record(failing)
    assert [r.name for r in record(lambda: aws.s3.Bucket("b", bucket="b-bucket")).resources] == ["b"]
