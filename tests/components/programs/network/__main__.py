"""The isolated network as the composite wires it: the logs key first (its policy names the kit's log groups),
then the network, then one SageMaker model in each workload security group.

The models make the pack judge what it judges only for groups and VPCs that SageMaker workloads use: the
egress of each workload group (``ec2-security-group-no-unrestricted-egress``) and the endpoints of the VPC
(``vpc-endpoints-for-ml-services``). Stack ``test`` keeps every default; stack ``nat`` adds NAT egress with
its reason (stack config ``network:natEgressReason``), which the pack must report as exempted, never as a
violation.
"""

import pulumi
import pulumi_aws as aws

from mlwarden.components import AwsContext, EncryptionKey, EncryptionKeyArgs, WorkloadRole, WorkloadRoleArgs
from mlwarden.components.logs import log_group_name_pattern
from mlwarden.components.network import IsolatedNetwork, IsolatedNetworkArgs, Workload

context = AwsContext.from_stack()
logs_key = EncryptionKey(
    "logs",
    EncryptionKeyArgs(
        data_class="audit",
        deployer_role_arn=pulumi.Config("mlwarden").require("deployerRoleArn"),
        log_group_name_patterns=[log_group_name_pattern(context)],
    ),
    context=context,
)
network = IsolatedNetwork(
    "network",
    IsolatedNetworkArgs(logs_key=logs_key, nat_egress_reason=pulumi.Config("network").get("natEgressReason")),
    context=context,
)
role = WorkloadRole("model", WorkloadRoleArgs(sagemaker_vpc_baseline=True), context=context)
for workload in Workload:
    aws.sagemaker.Model(
        f"model-{workload}",
        execution_role_arn=role.role_arn,
        enable_network_isolation=True,
        primary_container={"image": f"{context.account_id}.dkr.ecr.{context.region}.amazonaws.com/model:1"},
        vpc_config={
            "subnets": network.private_subnet_ids,
            "security_group_ids": [network.security_group_ids[workload]],
        },
        # The role is named by string ARN.
        opts=pulumi.ResourceOptions(depends_on=[role]),
    )

pulumi.export("vpcId", network.vpc_id)
pulumi.export("securityGroupIds", network.security_group_ids)
pulumi.export("flowLogGroupName", network.flow_log_group_name)
