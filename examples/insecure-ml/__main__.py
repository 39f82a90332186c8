"""A hand-written ML environment as many teams first write it — insecure on purpose.

`mlwarden preview --cwd examples/insecure-ml --stack example` must reject it. Each block names the
mistakes a reviewer would point out.
"""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
team = config.get("team") or "research"

# Training data in a bucket anyone can read: ACL public-read, public access block off, no encryption
# settings, no versioning (a poisoned file overwrites the only copy), no access logs.
datasets = aws.s3.Bucket("datasets", bucket=f"{team}-training-datasets")
aws.s3.BucketPublicAccessBlock(
    "datasets-public-access",
    bucket=datasets.id,
    block_public_acls=False,
    block_public_policy=False,
    ignore_public_acls=False,
    restrict_public_buckets=False,
)
aws.s3.BucketAcl("datasets-acl", bucket=datasets.id, acl="public-read")
aws.s3.BucketPolicy(
    "datasets-policy",
    bucket=datasets.id,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicRead",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{team}-training-datasets/*",
                }
            ],
        }
    ),
)

# Model artifacts encrypted with the AWS-managed key only, versioning suspended.
models = aws.s3.Bucket("models", bucket=f"{team}-model-artifacts")
aws.s3.BucketServerSideEncryptionConfiguration(
    "models-encryption",
    bucket=models.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
)
aws.s3.BucketVersioning("models-versioning", bucket=models.id, versioning_configuration={"status": "Suspended"})

# One role for everything, with administrator access and a trust policy any SageMaker caller can use.
training_role = aws.iam.Role(
    "training-role",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
aws.iam.RolePolicyAttachment(
    "training-admin",
    role=training_role.name,
    policy_arn="arn:aws:iam::aws:policy/AdministratorAccess",
)
aws.iam.RolePolicy(
    "training-inline",
    role=training_role.id,
    policy=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
)

# A notebook with internet access, root, IMDSv1 and an unencrypted volume, outside any VPC.
aws.sagemaker.NotebookInstance(
    "research-notebook",
    instance_type="ml.t3.medium",
    role_arn=training_role.arn,
    direct_internet_access="Enabled",
    root_access="Enabled",
)

# Jupyter, TensorBoard and SSH open to the internet.
vpc = aws.ec2.Vpc("ml-vpc", cidr_block="10.0.0.0/16")
aws.ec2.Subnet("ml-subnet", vpc_id=vpc.id, cidr_block="10.0.1.0/24", map_public_ip_on_launch=True)
aws.ec2.SecurityGroup(
    "notebook-sg",
    vpc_id=vpc.id,
    ingress=[
        {"protocol": "tcp", "from_port": 8888, "to_port": 8888, "cidr_blocks": ["0.0.0.0/0"]},
        {"protocol": "tcp", "from_port": 6006, "to_port": 6006, "cidr_blocks": ["0.0.0.0/0"]},
        {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]},
    ],
    egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
)

# Serving: a model without network isolation and an endpoint config without a volume key or data capture.
model = aws.sagemaker.Model(
    "fraud-model",
    execution_role_arn=training_role.arn,
    primary_container={
        "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud:latest",
        "model_data_url": f"s3://{team}-model-artifacts/fraud/model.tar.gz",
    },
)
aws.sagemaker.EndpointConfiguration(
    "fraud-endpoint-config",
    production_variants=[
        {"variant_name": "main", "model_name": model.name, "instance_type": "ml.m5.large", "initial_instance_count": 1}
    ],
)

# Images with mutable tags, no scanning, no KMS.
aws.ecr.Repository("training-images", image_tag_mutability="MUTABLE")

# Logs kept forever, unencrypted; alerts to an unencrypted topic. And no CloudTrail at all.
aws.cloudwatch.LogGroup("training-logs", name="/ml/training")
aws.sns.Topic("ml-alerts")
