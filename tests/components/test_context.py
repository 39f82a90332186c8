"""AwsContext: account and region from stack config or the identity invokes, and the ARNs built from them."""

from __future__ import annotations

from mlwarden.components import AwsContext
from mlwarden.recorder import OfflineInvokes, run_program

ACCOUNT = "111122223333"


def resolve(config: dict[str, str], invokes: OfflineInvokes) -> AwsContext:
    found: list[AwsContext] = []
    run_program(
        lambda: found.append(AwsContext.from_stack()), project="proj", stack="dev", config=config, invokes=invokes
    )
    return found[0]


def test_account_and_region_come_from_stack_config() -> None:
    config = {"mlwarden:accountId": ACCOUNT, "aws:region": "eu-west-1"}
    ctx = resolve(config, OfflineInvokes(account_id="999999999999", region="us-east-1"))
    assert (ctx.project, ctx.stack, ctx.account_id, ctx.region) == ("proj", "dev", ACCOUNT, "eu-west-1")


def test_account_and_region_fall_back_to_the_identity_invokes() -> None:
    ctx = resolve({}, OfflineInvokes(account_id="444455556666", region="ap-southeast-2"))
    assert (ctx.account_id, ctx.region, ctx.partition) == ("444455556666", "ap-southeast-2", "aws")


def test_partition_and_dns_suffix_come_from_get_partition() -> None:
    ctx = resolve({"aws:region": "cn-north-1"}, OfflineInvokes(account_id=ACCOUNT, region="cn-north-1"))
    assert (ctx.partition, ctx.dns_suffix) == ("aws-cn", "amazonaws.com.cn")
    assert ctx.role_arn("r") == f"arn:aws-cn:iam::{ACCOUNT}:role/r"
    assert ctx.service_endpoint("s3") == "s3.cn-north-1.amazonaws.com.cn"


def test_arn_builders() -> None:
    ctx = AwsContext(project="p", stack="s", account_id=ACCOUNT, region="eu-west-1")
    assert ctx.account_root_arn == f"arn:aws:iam::{ACCOUNT}:root"
    assert ctx.role_arn("training") == f"arn:aws:iam::{ACCOUNT}:role/training"
    assert ctx.bucket_arn("b") == "arn:aws:s3:::b"
    assert ctx.objects_arn("b", "raw/") == "arn:aws:s3:::b/raw/*"
    assert ctx.any_key_arn == f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*"
    assert ctx.alias_arn("alias/x") == f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/x"
    assert ctx.trail_arn("t") == f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/t"
    assert ctx.log_group_arn("/aws/sagemaker/*") == f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/sagemaker/*"
    assert ctx.alarm_arn("a-*") == f"arn:aws:cloudwatch:eu-west-1:{ACCOUNT}:alarm:a-*"
    assert ctx.regional_principal("logs") == "logs.eu-west-1.amazonaws.com"
